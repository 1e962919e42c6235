@endpoint:deduction-info
Feature: Member authentication inquiry (POST /api/v1/user/deduction/info)
  A partner asks whether a member has finished authentication. The page documents a single
  answer, success with isAuthed; how the endpoint rejects a bad or unknown userId is left
  open, so those scenarios hold this project's conventions (see the catalogue).

  @req:DED-CODE-000_000 @req:DED-RESP-ISAUTHED @req:RESP-ENVELOPE @req:RESP-JSON @read-only
  Scenario Outline: A member's authentication state is reported (<role>)
    Given the member "<role>" from the fixtures
    When the request is sent
    Then the target answers "success"
    And the answer matches the fixture record

    Examples: authenticated and not authenticated members
      | role       |
      | authed     |
      | not-authed |

  # Without a member in the fixtures: card/info names the member a known card is mapped
  # to, and that member must be known here too.
  @req:DED-CODE-000_000 @req:DED-RESP-ISAUTHED @read-only
  Scenario: The member a registered card is mapped to is found
    Given the member found by asking about the card "active"
    When the request is sent
    Then the target answers "success"

  @req:DED-FIELD-USERID @req:DED-CODE-000_000 @read-only
  Scenario Outline: userId at the edges of its documented range is accepted (<role>)
    Given the member "<role>" from the fixtures
    When the request is sent
    Then the target answers "success"
    And the answer matches the fixture record

    Examples:
      | role   |
      | min-id |
      | max-id |

  @req:DED-FIELD-USERID @req:DED-INVALID-FIELD @negative
  Scenario Outline: userId outside its documented range or type is rejected (<value>)
    Given a well-formed member inquiry
    And the field "userId" is set to <value>
    When the request is sent
    Then the target answers "invalid-input"

    Examples:
      | value                  |
      | 0                      |
      | 10000000000000000000   |
      | 99999999999999999999999 |
      | -1                     |
      | 1.5                    |
      | "1234"                 |

  # Errata E27: JSON Schema counts 1.0 as an integer; this sandbox refuses it (ids are
  # handled exactly, never through a float), another server may read it as 1.
  @req:DED-FIELD-USERID @req:DED-INVALID-FIELD @negative
  Scenario: A userId written as a whole-number float is refused or read as the integer
    Given a well-formed member inquiry
    And the field "userId" is set to 1.0
    When the request is sent
    Then the target answers "invalid-input"

  @req:DED-FIELD-USERID @req:DED-MISSING-FIELD @negative
  Scenario: A request without userId is rejected, naming the field
    Given a well-formed member inquiry
    And the field "userId" is left out
    When the request is sent
    Then the target answers "missing-field" naming "userId"

  @req:DED-UNKNOWN-MEMBER @read-only
  Scenario: A userId that names no member is rejected
    Given a made-up member
    When the request is sent
    Then the target answers "unknown-member"

  @req:DED-CODE-000_000 @req:DED-FIELD-USERID @req:DED-MISSING-FIELD @req:DED-INVALID-FIELD @generated @negative
  Scenario: Generated requests get their catalogued answers
    When the generated cases for this endpoint are sent
    Then every generated case got its catalogued answer
