@endpoint:bank-account-valid
Feature: Account holder real-name verification (POST /api/v1/bankaccounts/user/valid)
  Before a member registers a withdrawal account, the partner checks that the account holder's
  name matches the member's. The page's code table lists success and 002_001 to 002_009; its
  test data names three more cases without a code, held here as conventions (errata E09).

  @req:BANK-CODE-000_000 @req:RESP-ENVELOPE @req:RESP-JSON @read-only
  Scenario: A matching account holder is confirmed
    Given the bank account "valid" from the fixtures
    When the request is sent
    Then the target answers "success"
    And the answer is not encrypted

  # Errata E34: the bank finds the account by bank code and number, then compares the
  # holder's birth date and name; the member id is the partner's. Only the fields named
  # "real" come from a record (or the fixtures' known values); the rest are made up.
  @req:BANK-CODE-002_007 @negative
  Scenario: An account number that no account has is not found
    Given a well-formed bank account inquiry
    And the field "bankAccount" is changed to another well-formed value
    When the request is sent
    Then the target answers "account-not-found"

  @req:BANK-CODE-002_005 @negative
  Scenario: A birth date other than the holder's finds no account for the member
    Given a well-formed bank account inquiry whose "bankCode" and "bankAccount" are real
    And the field "birthDate" is changed to another well-formed value
    When the request is sent
    Then the target answers "user-not-found"

  @req:BANK-CODE-002_003 @negative
  Scenario: A name other than the holder's is not matched
    Given a well-formed bank account inquiry whose "bankCode", "bankAccount" and "birthDate" are real
    And the field "userName" is changed to another well-formed value
    When the request is sent
    Then the target answers "name-mismatch"

  @sandbox-only
  Scenario Outline: Each documented verification failure has its code (<code>)
    Given the bank account "<role>" from the fixtures
    When the request is sent
    Then the target answers "<role>"

    @req:BANK-CODE-002_002
    Examples:
      | code    | role                   |
      | 002_002 | name-check-unavailable |

    @req:BANK-CODE-002_003
    Examples:
      | code    | role                   |
      | 002_003 | name-mismatch          |

    @req:BANK-CODE-002_004
    Examples:
      | code    | role                   |
      | 002_004 | before-business-hours  |

    @req:BANK-CODE-002_005
    Examples:
      | code    | role                   |
      | 002_005 | user-not-found         |

    @req:BANK-CODE-002_006
    Examples:
      | code    | role                   |
      | 002_006 | outside-service-hours  |

    @req:BANK-CODE-002_007
    Examples:
      | code    | role                   |
      | 002_007 | account-not-found      |

    @req:BANK-CODE-002_008
    Examples:
      | code    | role                   |
      | 002_008 | account-not-tradable   |

    @req:BANK-CODE-002_009
    Examples:
      | code    | role                   |
      | 002_009 | account-not-checkable  |

  @sandbox-only
  Scenario Outline: The test-data cases without a published code are rejected (<role>)
    Given the bank account "<role>" from the fixtures
    When the request is sent
    Then the target answers "<role>"

    @req:BANK-BEFORE-HOURS-UNCODED
    Examples:
      | role                 |
      | before-hours-uncoded |

    @req:BANK-PROCESSING-DELAY
    Examples:
      | role                 |
      | processing-delay     |

    @req:BANK-NON-PARTICIPATING
    Examples:
      | role                 |
      | non-participating    |

  @req:BANK-FIELD-BANKACCOUNT @req:BANK-CODE-002_001 @negative
  Scenario Outline: An account number that is too long or not all digits gets 002_001 (<case>)
    Given a well-formed bank account inquiry
    And the field "bankAccount" is set to <value>
    When the request is sent
    Then the target answers "account-format"

    Examples:
      | case          | value                    |
      | 21 digits     | "123456789012345678901"  |
      | with a hyphen | "333-015555557"          |
      | with a letter | "33301555555A"           |
      | empty         | ""                       |

  @req:BANK-FIELD-BANKACCOUNT @read-only
  Scenario: An account number of 20 digits is well-formed
    Given a well-formed bank account inquiry
    And the field "bankAccount" is set to "12345678901234567890"
    When the request is sent
    Then the target answers "account-not-found"

  @req:BANK-FIELD-BIRTHDATE @req:BANK-FIELD-BANKCODE @req:BANK-FIELD-USERID @req:BANK-FIELD-USERNAME @req:BANK-INVALID-FIELD @negative
  Scenario Outline: A malformed field is invalid input (<field> = <value>)
    Given a well-formed bank account inquiry
    And the field "<field>" is set to <value>
    When the request is sent
    Then the target answers "invalid-input"

    Examples:
      | field     | value                  |
      | birthDate | "751112"               |
      | birthDate | "1975-11-12"           |
      | birthDate | "19751332"             |
      | bankCode  | "03"                   |
      | bankCode  | "0033"                 |
      | bankCode  | "A03"                  |
      | userId    | 0                      |
      | userId    | 10000000000000000000   |
      | userName  | ""                     |

  @req:BANK-FIELD-BANKACCOUNT @req:BANK-FIELD-BANKCODE @req:BANK-FIELD-BIRTHDATE @req:BANK-FIELD-USERID @req:BANK-FIELD-USERNAME @req:BANK-MISSING-FIELD @negative
  Scenario Outline: A request missing a required field is rejected, naming it (<field>)
    Given a well-formed bank account inquiry
    And the field "<field>" is left out
    When the request is sent
    Then the target answers "missing-field" naming "<field>"

    Examples:
      | field       |
      | bankAccount |
      | bankCode    |
      | birthDate   |
      | userId      |
      | userName    |

  @req:BANK-FIELD-USERNAME @req:BANK-INVALID-FIELD @negative
  Scenario: A userName of 101 characters is invalid input
    Given a well-formed bank account inquiry
    And the field "userName" is a string of 101 characters
    When the request is sent
    Then the target answers "invalid-input"

  @req:BANK-CODE-000_000 @req:BANK-CODE-002_001 @req:BANK-FIELD-BANKACCOUNT @req:BANK-FIELD-BANKCODE @req:BANK-FIELD-BIRTHDATE @req:BANK-FIELD-USERID @req:BANK-FIELD-USERNAME @req:BANK-MISSING-FIELD @req:BANK-INVALID-FIELD @generated @negative
  Scenario: Generated requests get their catalogued answers
    When the generated cases for this endpoint are sent
    Then every generated case got its catalogued answer
