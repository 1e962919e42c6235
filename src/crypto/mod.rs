//! Cryptography every request needs: the tran token, correlation ids and JWE.
//!
//! - [`token`]: the `X-KM-Tran-Token` HMAC header.
//! - [`ids`]: request times, time zones and correlation ids.
//! - [`jwe`]: RSA-OAEP-256 + AES-GCM compact JWE.
//! - [`keys`]: RSA keys from PEM (PKCS#8, PKCS#1, SPKI, X.509 certificates).
//!
//! The JWE functions are not re-exported: `jwe::encrypt` reads better than a bare
//! `encrypt`.

pub mod ids;
pub mod jwe;
pub mod keys;
pub mod token;

pub use ids::{
    TimeZoneName, UnknownTimeZone, correlation_id, is_correlation_id, now_in, parse_token_time,
    parse_tran_time, token_time, tran_time,
};
pub use jwe::{ContentEncryption, JweError, JweHeader, JwePart};
pub use keys::{
    KeyError, private_key_from_pem, public_key_from_pem, read_private_key_file,
    read_public_key_file,
};
pub use token::{
    ParsedToken, TOKEN_LEN, TOKEN_PREFIX, TokenError, parse_tran_token, tran_token,
    verify_tran_token,
};
