Feature: Common headers, request signing and the correlation id
  Every call carries seven KONA headers; X-KM-Tran-Token is an HMAC-SHA256 of the exact body
  with the partner's secret key. The pages define the headers but publish no code for a
  request that breaks them, so the rejections below assert this project's conventions on the
  embedded sandbox and are observed on any other target.

  # Each header's rows carry that header's requirement, so a target that accepts a request
  # without it is blamed on the rule it breaks.
  @req:HDR-REJECTION-ANSWER @negative
  Scenario Outline: A request without a required header is rejected, naming it (<header> on <endpoint>)
    Given a well-formed request to "<endpoint>"
    And the header "<header>" is left out
    When the request is sent
    Then the target answers "missing-header" naming "<header>"

    @req:HDR-ASP-ID
    Examples:
      | endpoint           | header              |
      | card-info          | X-KM-User-AspId     |
      | deduction-info     | X-KM-User-AspId     |

    @req:HDR-CORRELATION-ID
    Examples:
      | endpoint           | header              |
      | card-info          | X-KM-Correlation-Id |

    @req:HDR-ACCESS-KEY
    Examples:
      | endpoint           | header              |
      | card-info          | X-KM-Access-Key     |
      | bank-account-valid | X-KM-Access-Key     |

    @req:HDR-TRAN-TOKEN
    Examples:
      | endpoint           | header              |
      | card-info          | X-KM-Tran-Token     |
      | deduction-info     | X-KM-Tran-Token     |
      | bank-account-valid | X-KM-Tran-Token     |

    @req:HDR-TRAN-TIME
    Examples:
      | endpoint           | header              |
      | card-info          | X-KM-Tran-Time      |
      | deduction-info     | X-KM-Tran-Time      |

    @req:HDR-TIME-ZONE
    Examples:
      | endpoint           | header              |
      | card-info          | X-KM-Time-Zone      |
      | bank-account-valid | X-KM-Time-Zone      |

  @req:HDR-REJECTION-ANSWER @negative
  Scenario Outline: A header that breaks its format is rejected, naming it (<header>: <case>)
    Given a well-formed request to "card-info"
    And the header "<header>" is "<value>"
    When the request is sent
    Then the target answers "malformed-header" naming "<header>"

    @req:HDR-ASP-ID
    Examples:
      | header              | case                   | value                                                              |
      | X-KM-User-AspId     | 14 characters          | 00017000000000                                                     |
      | X-KM-User-AspId     | 16 characters          | 0001700000000000                                                   |

    @req:HDR-CORRELATION-ID
    Examples:
      | header              | case                   | value                                                              |
      | X-KM-Correlation-Id | 19 characters          | 261121103000-0a1b2c                                                |
      | X-KM-Correlation-Id | not hex                | 261121103000-0a1b2cz                                               |

    @req:HDR-ACCESS-KEY
    Examples:
      | header              | case                   | value                                                              |
      | X-KM-Access-Key     | 39 characters          | 0a1b2c3-0123456789abcdef0123456789abcde                            |

    @req:HDR-TRAN-TOKEN
    Examples:
      | header              | case                   | value                                                              |
      | X-KM-Tran-Token     | 66 characters (E01)    | KMV1:20261121103000123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=  |
      | X-KM-Tran-Token     | wrong version          | KMV2:20261121103000123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= |

    @req:HDR-TRAN-TIME
    Examples:
      | header              | case                   | value                                                              |
      | X-KM-Tran-Time      | 16 digits (E02)        | 2026112110300000                                                   |
      | X-KM-Tran-Time      | not a time             | 20261321103000                                                     |

    @req:HDR-TIME-ZONE
    Examples:
      | header              | case                   | value                                                              |
      | X-KM-Time-Zone      | 2 letters              | KS                                                                 |
      | X-KM-Time-Zone      | not a zone             | XYZ                                                                |

  # Errata E28: the crypto key id only matters for an encrypted body, so a server may
  # ignore a malformed one on a plaintext request.
  @req:HDR-CRYPTO-KEY-ID @req:HDR-REJECTION-ANSWER @negative
  Scenario: A malformed crypto key id on a plaintext request is refused, naming it, or ignored
    Given a well-formed request to "card-info"
    And the header "X-KM-Crypto-Key-Id" is "0123456789abcdef0123456789abcde"
    When the request is sent
    Then the target answers "malformed-header" naming "X-KM-Crypto-Key-Id"

  @req:HDR-CREDENTIALS @negative
  Scenario Outline: Credentials the target did not issue are rejected (<header>)
    Given a well-formed request to "card-info"
    And the header "<header>" is "<value>"
    When the request is sent
    Then the target answers "unknown-credentials"

    Examples:
      | header          | value                                    |
      | X-KM-User-AspId | 999999999999999                          |
      | X-KM-Access-Key | fffffff-ffffffffffffffffffffffffffffffff |

  @req:HDR-TRAN-TOKEN-BODY @negative
  Scenario Outline: A tran token that does not match the body is rejected (<endpoint>)
    Given a well-formed request to "<endpoint>"
    And the tran token is computed over a different body
    When the request is sent
    Then the target answers "token-mismatch"

    Examples:
      | endpoint           |
      | deduction-info     |
      | card-info          |
      | bank-account-valid |

  @req:HDR-TRAN-TOKEN-BODY @negative
  Scenario: A tran token computed with another secret key is rejected
    Given a well-formed request to "card-info"
    And the tran token is computed with another secret key
    When the request is sent
    Then the target answers "token-mismatch"

  @req:HDR-TRAN-TIME-SKEW @negative
  Scenario Outline: A tran time far from the target's clock is rejected (<minutes> minutes)
    Given a well-formed request to "card-info"
    And the tran time is shifted by <minutes> minutes
    When the request is sent
    Then the target answers "stale-tran-time"

    Examples:
      | minutes |
      | -30     |
      | 30      |

  @req:HDR-TRAN-TIME @req:HDR-TIME-ZONE @read-only
  Scenario: A request stated in UTC is accepted
    Given a valid request to "card-info"
    And the request states its time in UTC
    When the request is sent
    Then the target answers "success"

  # The token is the HMAC of the exact bytes sent: a server that checks it over the body it
  # re-serialized after parsing refuses a valid request written any other way.
  @req:HDR-TRAN-TOKEN-BODY @read-only
  Scenario Outline: A body written loosely is signed over its exact bytes and accepted (<endpoint>)
    Given a valid request to "<endpoint>"
    And the body is written loosely, with spaces, escaped characters and its members in another order
    When the request is sent
    Then the target answers "success"

    Examples:
      | endpoint           |
      | card-info          |
      | deduction-info     |
      | bank-account-valid |

  @req:RESP-CORRELATION-ECHO @read-only
  Scenario Outline: The correlation id is echoed on success (<endpoint>)
    Given a valid request to "<endpoint>"
    When the request is sent
    Then the target answers "success"
    And the response echoes the request's correlation id

    Examples:
      | endpoint           |
      | deduction-info     |
      | card-info          |
      | bank-account-valid |

  @req:RESP-CORRELATION-ECHO @req:CARD-CODE-000_002 @negative
  Scenario: The correlation id is echoed on an error
    Given a well-formed request to "card-info"
    And the field "cardNo" is set to "12345"
    When the request is sent
    Then the target answers "invalid-input"
    And the response echoes the request's correlation id

  @req:RESP-CORRELATION-ECHO @req:HDR-TRAN-TOKEN-BODY @negative
  Scenario: The correlation id is echoed when the signature is rejected
    Given a well-formed request to "deduction-info"
    And the tran token is computed over a different body
    When the request is sent
    Then the target answers "token-mismatch"
    And the response echoes the request's correlation id

  @req:BODY-NOT-JSON @req:RESP-CODE-KNOWN @req:RESP-CODE-CATALOGUED @negative
  Scenario Outline: A body that is not a JSON object is invalid input (<case>)
    Given a well-formed request to "<endpoint>"
    And the body is replaced by '<body>'
    When the request is sent
    Then the target answers "body-not-json"

    Examples:
      | case        | endpoint           | body           |
      | not JSON    | card-info          | not json       |
      | a JSON list | deduction-info     | [1, 2, 3]      |
      | truncated   | bank-account-valid | {"userId": 12  |

  @req:BODY-NOT-JSON @negative
  Scenario: A body declared as plain text is invalid input
    Given a well-formed request to "card-info"
    And the body is sent as "text/plain"
    When the request is sent
    Then the target answers "body-not-json"

  # Errata E32: a charset parameter (any case) does not make a JSON body something else.
  @req:BODY-NOT-JSON @read-only
  Scenario: A body declared as JSON with a charset is read as JSON
    Given a valid request to "card-info"
    And the body is sent as "application/json; charset=UTF-8"
    When the request is sent
    Then the target answers "success"
