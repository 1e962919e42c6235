//! The `X-KM-Tran-Token` header: proof that the sender holds the secret key and
//! that the body was not changed on the way.
//!
//! Layout, from the vendor's documentation: the literal `KMV1:`, the request time
//! as 17 digits (`yyyyMMddHHmmssSSS`, down to the millisecond), a `:`, then the
//! HMAC-SHA256 of the exact body bytes keyed with the secret key, in standard
//! base64 with `=` padding. A 32-byte MAC always encodes to 44 characters, so a
//! well-formed token is always 5 + 17 + 1 + 44 = 67 characters long.
//!
//! The MAC covers the bytes that go on the wire: for an encrypted request that is
//! the `{"encData":"..."}` wrapper, not the plaintext inside it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What every token starts with (the version tag).
pub const TOKEN_PREFIX: &str = "KMV1:";
/// Length of a well-formed token, in bytes (all of it is ASCII).
pub const TOKEN_LEN: usize = 67;

/// Digits in the token's time part (`yyyyMMddHHmmssSSS`).
const TIME_LEN: usize = 17;
/// Padded standard base64 of a 32-byte MAC.
const MAC_B64_LEN: usize = 44;
const TIME_START: usize = TOKEN_PREFIX.len();
const SEPARATOR_AT: usize = TIME_START + TIME_LEN;
const MAC_START: usize = SEPARATOR_AT + 1;

type HmacSha256 = Hmac<Sha256>;

/// Why a token was refused. Messages name the rule that failed and never echo
/// the token, the MAC or the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("tran token must start with \"KMV1:\"")]
    MissingPrefix,
    #[error("tran token must be {TOKEN_LEN} characters long, found {found}")]
    WrongLength { found: usize },
    #[error("tran token time (after \"KMV1:\") must be 17 digits, yyyyMMddHHmmssSSS")]
    BadTime,
    #[error("tran token needs ':' between the 17-digit time and the MAC")]
    MissingSeparator,
    #[error("tran token MAC must be 44 characters of padded standard base64 encoding 32 bytes")]
    BadMac,
    #[error("tran token MAC does not match HMAC-SHA256 of the request body under the secret key")]
    Mismatch,
}

/// The parts of a token that passed the format checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedToken {
    /// The 17-digit request time, as sent.
    pub time: String,
    /// The decoded HMAC-SHA256.
    pub mac: [u8; 32],
}

fn hmac_of(secret: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length (long ones are hashed first), so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts a key of any length");
    mac.update(body);
    mac
}

/// Builds the token for `body`. `token_time` is the caller's 17-digit request
/// time (see [`super::ids::token_time`]); it is not checked here, so the result
/// is [`TOKEN_LEN`] long only when `token_time` is 17 characters.
pub fn tran_token(secret: &[u8], token_time: &str, body: &[u8]) -> String {
    let mac = hmac_of(secret, body).finalize().into_bytes();
    let mut out = String::with_capacity(TOKEN_LEN);
    out.push_str(TOKEN_PREFIX);
    out.push_str(token_time);
    out.push(':');
    STANDARD.encode_string(mac, &mut out);
    out
}

/// Checks the token's format, rule by rule, without any key.
///
/// Works on bytes so that non-ASCII input can never split a character and panic.
pub fn parse_tran_token(token: &str) -> Result<ParsedToken, TokenError> {
    let bytes = token.as_bytes();
    if !bytes.starts_with(TOKEN_PREFIX.as_bytes()) {
        return Err(TokenError::MissingPrefix);
    }
    if bytes.len() != TOKEN_LEN {
        return Err(TokenError::WrongLength { found: bytes.len() });
    }
    let time = &bytes[TIME_START..SEPARATOR_AT];
    if !time.iter().all(u8::is_ascii_digit) {
        return Err(TokenError::BadTime);
    }
    if bytes[SEPARATOR_AT] != b':' {
        return Err(TokenError::MissingSeparator);
    }
    let mac_b64 = &bytes[MAC_START..];
    debug_assert_eq!(mac_b64.len(), MAC_B64_LEN);
    // STANDARD insists on canonical padding and zero trailing bits, so exactly one
    // 44-character spelling is accepted for each MAC.
    let decoded = STANDARD.decode(mac_b64).map_err(|_| TokenError::BadMac)?;
    let mac: [u8; 32] = decoded.try_into().map_err(|_| TokenError::BadMac)?;
    Ok(ParsedToken {
        // All 17 bytes are ASCII digits, so this is valid UTF-8.
        time: String::from_utf8_lossy(time).into_owned(),
        mac,
    })
}

/// Parses `token` and checks its MAC against `body` under `secret`.
/// The comparison is constant-time (`hmac`'s `verify_slice`), so a caller that
/// reports the outcome does not leak how many MAC bytes matched.
pub fn verify_tran_token(
    secret: &[u8],
    body: &[u8],
    token: &str,
) -> Result<ParsedToken, TokenError> {
    let parsed = parse_tran_token(token)?;
    hmac_of(secret, body)
        .verify_slice(&parsed.mac)
        .map_err(|_| TokenError::Mismatch)?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIME: &str = "20260102030405678";

    #[test]
    fn built_token_has_the_documented_shape() {
        let token = tran_token(b"k", TIME, b"{}");
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token.starts_with("KMV1:20260102030405678:"));
        assert!(token.ends_with('='));
    }

    #[test]
    fn round_trip_verifies() {
        let token = tran_token(b"secret", TIME, b"{\"a\":1}");
        let parsed = verify_tran_token(b"secret", b"{\"a\":1}", &token).unwrap();
        assert_eq!(parsed.time, TIME);
    }

    #[test]
    fn other_body_or_key_is_a_mismatch() {
        let token = tran_token(b"secret", TIME, b"{\"a\":1}");
        assert_eq!(
            verify_tran_token(b"secret", b"{\"a\":2}", &token),
            Err(TokenError::Mismatch)
        );
        assert_eq!(
            verify_tran_token(b"secreT", b"{\"a\":1}", &token),
            Err(TokenError::Mismatch)
        );
    }

    #[test]
    fn errors_do_not_echo_the_token() {
        let token = tran_token(b"secret", TIME, b"x");
        let err = verify_tran_token(b"other", b"x", &token).unwrap_err();
        let msg = err.to_string();
        assert!(!msg.contains(&token[MAC_START..]));
        assert!(!msg.contains(TIME));
    }

    #[test]
    fn multibyte_input_never_panics() {
        // 67 bytes whose byte 22 falls inside a multi-byte character.
        let s = format!("KMV1:{}", "가".repeat(20) + "ab");
        assert_eq!(s.len(), TOKEN_LEN);
        assert_eq!(parse_tran_token(&s), Err(TokenError::BadTime));
    }
}
