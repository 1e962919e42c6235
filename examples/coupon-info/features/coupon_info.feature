@endpoint:example-coupon-info
Feature: EXAMPLE coupon inquiry (made up, not a KONA PLATE endpoint)
  An example of an endpoint added as data only: a schema pair, a catalogue extension, records
  for the sandbox and this feature file. Nothing here is part of KONA PLATE's API.

  @req:EXAMPLE-COUPON-CODE-000_000 @req:EXAMPLE-COUPON-FIELDS @read-only
  Scenario Outline: A known coupon is reported (<role>)
    Given the coupon "<role>" from the fixtures
    When the request is sent
    Then the target answers "success"
    And the answer matches the fixture record

    Examples:
      | role    |
      | valid   |
      | used-up |

  @req:EXAMPLE-COUPON-CODE-000_003 @negative
  Scenario: A request without couponNo is rejected, naming it
    Given a valid request to "example-coupon-info"
    And the field "couponNo" is left out
    When the request is sent
    Then the target answers "missing-field" naming "couponNo"

  @req:EXAMPLE-COUPON-CODE-000_002 @negative
  Scenario: A couponNo with a letter is rejected
    Given the coupon "valid" from the fixtures
    And the field "couponNo" is set to "10000000000A"
    When the request is sent
    Then the target answers "invalid-input"

  @req:EXAMPLE-COUPON-UNKNOWN @read-only
  Scenario: A well-formed couponNo that names no coupon is rejected
    Given the coupon "valid" from the fixtures
    And the field "couponNo" is set to "999999999999"
    When the request is sent
    Then the target answers "unknown-coupon"

  @req:EXAMPLE-COUPON-CODE-000_000 @req:EXAMPLE-COUPON-CODE-000_002 @req:EXAMPLE-COUPON-CODE-000_003 @generated @negative
  Scenario: Generated requests get their catalogued answers
    When the generated cases for this endpoint are sent
    Then every generated case got its catalogued answer
