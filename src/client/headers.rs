//! The seven KONA request headers, signed over the exact body bytes that are sent.

use chrono::{DateTime, FixedOffset};

use crate::crypto::ids::{self, TimeZoneName};
use crate::crypto::token;

use super::target::Credentials;

pub const ASP_ID: &str = "X-KM-User-AspId";
pub const CORRELATION_ID: &str = "X-KM-Correlation-Id";
pub const ACCESS_KEY: &str = "X-KM-Access-Key";
pub const CRYPTO_KEY_ID: &str = "X-KM-Crypto-Key-Id";
pub const TRAN_TOKEN: &str = "X-KM-Tran-Token";
pub const TRAN_TIME: &str = "X-KM-Tran-Time";
pub const TIME_ZONE: &str = "X-KM-Time-Zone";

/// Headers whose values are credentials: masked in every artifact.
pub const SECRET_HEADERS: [&str; 2] = [ACCESS_KEY, TRAN_TOKEN];

/// A deliberate deviation from a correctly signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderEdit {
    Remove(String),
    Set(String, String),
}

#[derive(Debug, Clone, Default)]
pub struct SignedHeaders {
    pairs: Vec<(String, String)>,
}

impl SignedHeaders {
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    pub fn apply(&mut self, edits: &[HeaderEdit]) {
        for edit in edits {
            match edit {
                HeaderEdit::Remove(name) => {
                    self.pairs.retain(|(n, _)| !n.eq_ignore_ascii_case(name))
                }
                HeaderEdit::Set(name, value) => {
                    match self
                        .pairs
                        .iter_mut()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    {
                        Some(pair) => pair.1 = value.clone(),
                        None => self.pairs.push((name.clone(), value.clone())),
                    }
                }
            }
        }
    }
}

/// Sign `body` (the bytes that go on the wire, `{"encData":..}` when encrypted) at `now`.
/// The crypto key id goes along when the body is encrypted and one is configured.
pub fn sign(
    credentials: &Credentials,
    body: &[u8],
    now: &DateTime<FixedOffset>,
    zone: TimeZoneName,
    include_crypto_key_id: bool,
    rng: &mut impl rand::Rng,
) -> SignedHeaders {
    let mut pairs = vec![
        (ASP_ID.to_owned(), credentials.asp_id.clone()),
        (CORRELATION_ID.to_owned(), ids::correlation_id(now, rng)),
        (
            ACCESS_KEY.to_owned(),
            credentials.access_key.expose().to_owned(),
        ),
    ];
    if include_crypto_key_id && let Some(id) = &credentials.crypto_key_id {
        pairs.push((CRYPTO_KEY_ID.to_owned(), id.clone()));
    }
    pairs.push((
        TRAN_TOKEN.to_owned(),
        token::tran_token(
            credentials.secret_key.expose().as_bytes(),
            &ids::token_time(now),
            body,
        ),
    ));
    pairs.push((TRAN_TIME.to_owned(), ids::tran_time(now)));
    pairs.push((TIME_ZONE.to_owned(), zone.as_str().to_owned()));
    SignedHeaders { pairs }
}
