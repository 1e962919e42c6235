@endpoint:card-info
Feature: Card-user mapped inquiry (POST /api/v1/user/card/info)
  A partner looks up a card number and gets the balance, the card product, the card's status
  and the member the card is mapped to.

  @req:CARD-CODE-000_000 @req:CARD-RESP-FIELDS @req:RESP-ENVELOPE @req:RESP-JSON @read-only
  Scenario Outline: A registered card is reported (<role>)
    Given the card "<role>" from the fixtures
    When the request is sent
    Then the target answers "success"
    And the answer matches the fixture record

    Examples: each documented card status
      | role       |
      | active     |
      | suspended  |
      | terminated |

    Examples: balances at the edges of the documented range
      | role         |
      | zero-balance |
      | max-balance  |

    Examples: cash-receipt information, owner and auto-recharge variants
      | role                  |
      | cash-receipt-consumer |
      | cash-receipt-business |
      | no-cash-receipt       |
      | with-owner-ka         |
      | without-owner-ka      |
      | auto-recharge         |
      | no-auto-recharge      |

  @req:CARD-RESP-UNMAPPED-NULL @req:CARD-CODE-000_000 @read-only
  Scenario: A card mapped to no member is reported with userId null
    Given the card "unmapped" from the fixtures
    When the request is sent
    Then the target answers "success"
    And the answer has userId null
    And the answer matches the fixture record

  @req:CARD-FIELD-CARDNO @req:CARD-CODE-000_002 @negative
  Scenario Outline: A card number that is not 16 digits is invalid input (<case>)
    Given a well-formed card inquiry
    And the field "cardNo" is set to <value>
    When the request is sent
    Then the target answers "invalid-input"

    Examples:
      | case          | value                |
      | 15 digits     | "949133940125076"    |
      | 17 digits     | "94913394012507651"  |
      | with a letter | "949133940125076A"   |
      | a number      | 9491339401250765     |
      | empty         | ""                   |

  @req:CARD-FIELD-CARDNO @req:CARD-CODE-000_003 @negative
  Scenario Outline: A request without cardNo is rejected, naming the field (<case>)
    Given a well-formed card inquiry
    And the field "cardNo" <change>
    When the request is sent
    Then the target answers "missing-field" naming "cardNo"

    Examples:
      | case   | change         |
      | absent | is left out    |
      | null   | is set to null |

  @req:CARD-UNKNOWN-CARD @read-only
  Scenario: A well-formed card number that names no card is rejected
    Given a made-up card
    When the request is sent
    Then the target answers "unknown-card"

  @req:CARD-CODE-000_000 @req:CARD-CODE-000_002 @req:CARD-CODE-000_003 @req:CARD-FIELD-CARDNO @generated @negative
  Scenario: Generated requests get their catalogued answers
    When the generated cases for this endpoint are sent
    Then every generated case got its catalogued answer
