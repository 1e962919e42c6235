Feature: Message encryption (JWE, RSA-OAEP-256 with A128GCM)
  A partner may encrypt a request body for the platform's public key and send it as
  {"encData": "<JWE>"} with X-KM-Crypto-Key-Id. card/info answers an encrypted request with a
  response encrypted for the partner's key; deduction/info and the bank check answer in plain
  JSON (errata E20, E22). The pages publish no code for a body that does not decrypt.

  @req:ENC-REQUEST @req:HDR-CRYPTO-KEY-ID @read-only
  Scenario Outline: An encrypted request is accepted (<endpoint>)
    Given a valid request to "<endpoint>"
    And the request is encrypted
    When the request is sent
    Then the target answers "success"
    And the answer is <encryption>

    Examples:
      | endpoint           | encryption                          |
      | deduction-info     | not encrypted                       |
      | bank-account-valid | not encrypted                       |

  @req:ENC-REQUEST @req:ENC-RESPONSE @req:CARD-RESP-FIELDS @read-only
  Scenario: An encrypted card inquiry gets an encrypted answer that decrypts to a valid response
    Given the card "active" from the fixtures
    And the request is encrypted
    When the request is sent
    Then the target answers "success"
    And the answer is encrypted for the partner's key
    And the answer matches the fixture record

  # Errata E22 and E33: the target must open the JWE to read the card number; its refusal of
  # a card no record has is an error, and errors are plain JSON.
  @req:ENC-REQUEST @req:ENC-RESPONSE @req:CARD-UNKNOWN-CARD @read-only
  Scenario: An encrypted inquiry for a made-up card is decrypted and refused in plain JSON
    Given a made-up card
    And the request is encrypted
    When the request is sent
    Then the target answers "unknown-card"
    And the answer is not encrypted

  @req:ENC-MALFORMED @negative
  Scenario Outline: encData that is not a decryptable JWE is rejected (<case>)
    Given a well-formed request to "card-info"
    And the request is encrypted
    And the encrypted data is replaced by <replacement>
    When the request is sent
    Then the target answers "undecryptable-body"

    Examples:
      | case                  | replacement                        |
      | not a JWE             | the text "not-a-jwe"               |
      | four parts            | a JWE with one part missing        |
      | tampered ciphertext   | a JWE whose ciphertext is altered  |
      | tampered tag          | a JWE whose tag is altered         |
      | wrong algorithm       | a JWE whose header names RSA1_5    |

  @req:HDR-CRYPTO-KEY-ID @req:HDR-REJECTION-ANSWER @negative
  Scenario: An encrypted request without X-KM-Crypto-Key-Id is rejected, naming it
    Given a well-formed request to "card-info"
    And the request is encrypted
    And the header "X-KM-Crypto-Key-Id" is left out
    When the request is sent
    Then the target answers "missing-header" naming "X-KM-Crypto-Key-Id"

  @req:HDR-CRYPTO-KEY-ID @req:HDR-REJECTION-ANSWER @negative
  Scenario: A crypto key id of the wrong length is rejected, naming it
    Given a well-formed request to "card-info"
    And the request is encrypted
    And the header "X-KM-Crypto-Key-Id" is "0123456789abcdef0123456789abcde"
    When the request is sent
    Then the target answers "malformed-header" naming "X-KM-Crypto-Key-Id"

  @req:ENC-UNKNOWN-KEY-ID @negative
  Scenario: An encrypted request naming an unknown crypto key id is rejected
    Given a well-formed request to "card-info"
    And the request is encrypted
    And the header "X-KM-Crypto-Key-Id" is "ffffffffffffffffffffffffffffffff"
    When the request is sent
    Then the target answers "unknown-crypto-key"
