@endpoint:example-card-transactions
Feature: EXAMPLE card transaction history (made up, not a KONA PLATE endpoint)
  An example of rules between fields of one request, written as data: the period asked may
  not be longer than 92 days nor end before it starts, and a page size must come with a page
  number. Nothing here is part of KONA PLATE's API.

  @req:EXAMPLE-TXN-CODE-000_000 @req:EXAMPLE-TXN-FIELDS @read-only
  Scenario Outline: A card's history is reported (<role>)
    Given the card history "<role>" from the fixtures
    When the request is sent
    Then the target answers "success"
    And the answer matches the fixture record

    Examples:
      | role  |
      | valid |
      | quiet |

  @req:EXAMPLE-TXN-SPAN @negative
  Scenario: A period longer than 92 days is rejected, naming toDate
    Given the card history "valid" from the fixtures
    And the field "fromDate" is set to "20260101"
    And the field "toDate" is set to "20260404"
    When the request is sent
    Then the target answers "range-too-long" naming "toDate"

  @req:EXAMPLE-TXN-CODE-000_000 @read-only
  Scenario: A period of exactly 92 days is answered
    Given the card history "valid" from the fixtures
    And the field "fromDate" is set to "20260101"
    And the field "toDate" is set to "20260403"
    When the request is sent
    Then the target answers "success"

  @req:EXAMPLE-TXN-ORDER @negative
  Scenario: A period that ends before it starts is rejected
    Given the card history "valid" from the fixtures
    And the field "fromDate" is set to "20260401"
    When the request is sent
    Then the target answers "range-reversed" naming "fromDate"

  @req:EXAMPLE-TXN-CODE-000_003 @negative
  Scenario: A page number without a page size is rejected, naming pageSize
    Given the card history "valid" from the fixtures
    And the field "pageNo" is set to 1
    When the request is sent
    Then the target answers "missing-field" naming "pageSize"

  @req:EXAMPLE-TXN-CODE-000_003 @negative
  Scenario: A request without cardNo is rejected, naming it
    Given the card history "valid" from the fixtures
    And the field "cardNo" is left out
    When the request is sent
    Then the target answers "missing-field" naming "cardNo"

  @req:EXAMPLE-TXN-CODE-000_002 @negative
  Scenario: A toDate that is not a calendar day is rejected
    Given the card history "valid" from the fixtures
    And the field "toDate" is set to "20260230"
    When the request is sent
    Then the target answers "invalid-input"

  @req:EXAMPLE-TXN-UNKNOWN @read-only
  Scenario: A made-up card history is rejected as unknown, its drawn period kept within the rules
    Given a made-up card history
    When the request is sent
    Then the target answers "unknown-history"

  @req:EXAMPLE-TXN-CODE-000_000 @req:EXAMPLE-TXN-CODE-000_002 @req:EXAMPLE-TXN-CODE-000_003 @req:EXAMPLE-TXN-SPAN @req:EXAMPLE-TXN-ORDER @generated @negative
  Scenario: Generated requests get their catalogued answers
    When the generated cases for this endpoint are sent
    Then every generated case got its catalogued answer
