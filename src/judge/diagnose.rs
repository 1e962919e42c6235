//! Why a request failed, by name. The request judge says which client rule broke; this
//! tries the mistakes integrators are known to make against what the judging side holds
//! (the secret key, the server's and the client's private keys) and names the one that
//! explains the request: "the token is the HMAC of your body re-serialized without
//! spaces: sign the bytes you send" rather than "401".
//!
//! Every try is bounded by the request (a body at most [`MAX_BODY`] long is re-serialized
//! a handful of times), and none quotes a secret, a token or a MAC.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use rsa::RsaPrivateKey;
use serde_json::Value;
use sha2::Sha256;

use super::request::{CLOCK_SKEW, RequestJudgement, SentRequest, ids};
use crate::client::headers::{CORRELATION_ID, CRYPTO_KEY_ID, TIME_ZONE, TRAN_TIME, TRAN_TOKEN};
use crate::crypto::{TimeZoneName, jwe, parse_tran_time};

/// Bodies longer than this are not re-serialized to look for a signing mistake.
pub const MAX_BODY: usize = 256 * 1024;

/// A known integration mistake. The names are stable: reports print them and the test
/// client's `--mistake` switches use the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mistake {
    /// The MAC is of the body re-serialized (spacing, escaping, a line end), not of the
    /// bytes sent.
    HmacReserialized,
    /// The MAC is of the body pretty-printed.
    HmacPretty,
    /// The MAC is of the Base64 of the body.
    HmacBase64,
    /// The MAC is of the plaintext inside `encData`, not of the encrypted body sent.
    HmacPlaintext,
    /// The MAC is written in hex instead of Base64.
    HexMac,
    /// The MAC's `=` padding is missing: a 66-character token.
    Token66,
    /// The token's time has no milliseconds: 14 digits.
    TokenTime14,
    /// `X-KM-Tran-Time` has milliseconds: 17 digits.
    TranTime17,
    /// A UTC clock reading sent as KST.
    UtcAsKst,
    /// A KST clock reading sent as UTC.
    KstAsUtc,
    /// A time written in another zone than the header names, off by whole hours.
    TimeZone,
    /// The JWE is for another public key than the server's.
    JweWrongKey,
    /// The content key is wrapped with RSA-OAEP (SHA-1), not RSA-OAEP-256.
    JweRsaOaepSha1,
    /// Another JWE algorithm or content encryption than the guideline's.
    JweAlgorithm,
    /// An encrypted body without `X-KM-Crypto-Key-Id`.
    NoCryptoKeyId,
    /// `X-KM-Correlation-Id` in another form (a UUID, most often).
    BadCorrelationId,
    /// No `Content-Type: application/json`.
    NoContentType,
}

impl Mistake {
    pub const ALL: [Mistake; 17] = [
        Mistake::HmacReserialized,
        Mistake::HmacPretty,
        Mistake::HmacBase64,
        Mistake::HmacPlaintext,
        Mistake::HexMac,
        Mistake::Token66,
        Mistake::TokenTime14,
        Mistake::TranTime17,
        Mistake::UtcAsKst,
        Mistake::KstAsUtc,
        Mistake::TimeZone,
        Mistake::JweWrongKey,
        Mistake::JweRsaOaepSha1,
        Mistake::JweAlgorithm,
        Mistake::NoCryptoKeyId,
        Mistake::BadCorrelationId,
        Mistake::NoContentType,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mistake::HmacReserialized => "hmac-reserialized",
            Mistake::HmacPretty => "hmac-pretty",
            Mistake::HmacBase64 => "hmac-base64",
            Mistake::HmacPlaintext => "hmac-plaintext",
            Mistake::HexMac => "hex-mac",
            Mistake::Token66 => "token-66",
            Mistake::TokenTime14 => "token-time-14",
            Mistake::TranTime17 => "tran-time-17",
            Mistake::UtcAsKst => "utc-as-kst",
            Mistake::KstAsUtc => "kst-as-utc",
            Mistake::TimeZone => "time-zone",
            Mistake::JweWrongKey => "jwe-wrong-key",
            Mistake::JweRsaOaepSha1 => "jwe-rsa-oaep-sha1",
            Mistake::JweAlgorithm => "jwe-algorithm",
            Mistake::NoCryptoKeyId => "no-crypto-key-id",
            Mistake::BadCorrelationId => "bad-correlation-id",
            Mistake::NoContentType => "no-content-type",
        }
    }

    /// The client requirement the mistake breaks.
    pub fn requirement(self) -> &'static str {
        match self {
            Mistake::HmacReserialized
            | Mistake::HmacPretty
            | Mistake::HmacBase64
            | Mistake::HmacPlaintext => ids::TOKEN_HMAC,
            Mistake::HexMac | Mistake::Token66 | Mistake::TokenTime14 => ids::TOKEN_FORM,
            Mistake::TranTime17 => ids::TRAN_TIME_FORM,
            Mistake::UtcAsKst | Mistake::KstAsUtc | Mistake::TimeZone => ids::TRAN_TIME_CLOCK,
            Mistake::JweWrongKey => ids::JWE_KEY,
            Mistake::JweRsaOaepSha1 | Mistake::JweAlgorithm => ids::JWE_FORM,
            Mistake::NoCryptoKeyId => ids::JWE_KEY_ID,
            Mistake::BadCorrelationId => ids::HDR_CORRELATION_ID,
            Mistake::NoContentType => ids::BODY_JSON,
        }
    }
}

impl std::fmt::Display for Mistake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A mistake found, with a sentence telling the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub mistake: Mistake,
    pub fix: String,
}

impl Diagnosis {
    fn new(mistake: Mistake, fix: impl Into<String>) -> Diagnosis {
        Diagnosis {
            mistake,
            fix: fix.into(),
        }
    }

    pub fn requirement(&self) -> &'static str {
        self.mistake.requirement()
    }
}

impl std::fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "likely mistake {}: {}", self.mistake, self.fix)
    }
}

/// What the diagnosing side holds; each key enables the tries that need it.
#[derive(Default, Clone, Copy)]
pub struct DiagnosisKeys<'a> {
    pub secret_key: Option<&'a [u8]>,
    pub server_key: Option<&'a RsaPrivateKey>,
    /// The client's own private key: a JWE made for the client's public key opens with it.
    pub client_key: Option<&'a RsaPrivateKey>,
}

impl std::fmt::Debug for DiagnosisKeys<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiagnosisKeys")
            .field("secret_key", &self.secret_key.is_some())
            .field("server_key", &self.server_key.is_some())
            .field("client_key", &self.client_key.is_some())
            .finish()
    }
}

/// The mistakes that explain the rules `judgement` found broken, at most one per rule.
pub fn diagnose(
    req: &SentRequest<'_>,
    judgement: &RequestJudgement,
    keys: &DiagnosisKeys<'_>,
) -> Vec<Diagnosis> {
    let failed = |id: &str| {
        judgement
            .findings
            .iter()
            .any(|f| f.requirement.as_deref() == Some(id))
    };
    let mut out = Vec::new();
    if failed(ids::HDR_CORRELATION_ID) {
        out.extend(correlation(req));
    }
    if failed(ids::TOKEN_FORM) {
        out.extend(token_form(req, keys));
    }
    if failed(ids::TOKEN_HMAC) {
        out.extend(signed_form(req, keys));
    }
    if failed(ids::TRAN_TIME_FORM) {
        out.extend(tran_time_form(req));
    }
    if failed(ids::TRAN_TIME_CLOCK) {
        out.extend(clock(req));
    }
    if failed(ids::JWE_KEY_ID) && header(req, CRYPTO_KEY_ID).is_none() {
        out.push(Diagnosis::new(
            Mistake::NoCryptoKeyId,
            format!(
                "an encrypted body went without {CRYPTO_KEY_ID}: send the crypto key id you were given with every encData body"
            ),
        ));
    }
    if failed(ids::JWE_FORM) {
        out.extend(jwe_form(req));
    }
    if failed(ids::JWE_KEY) {
        out.extend(jwe_key(req, keys));
    }
    if failed(ids::BODY_JSON) && !json_content_type(req) {
        out.push(Diagnosis::new(
            Mistake::NoContentType,
            "the request had no Content-Type application/json: declare the JSON body you send",
        ));
    }
    out
}

fn header<'a>(req: &SentRequest<'a>, name: &str) -> Option<&'a str> {
    let mut values = req
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str());
    match (values.next(), values.next()) {
        (Some(v), None) if !v.is_empty() => Some(v),
        _ => None,
    }
}

fn json_content_type(req: &SentRequest<'_>) -> bool {
    header(req, "content-type").is_some_and(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn correlation(req: &SentRequest<'_>) -> Option<Diagnosis> {
    let v = header(req, CORRELATION_ID)?;
    let what = if is_uuid(v) {
        "a UUID".to_owned()
    } else {
        format!("{} characters in another form", v.chars().count())
    };
    Some(Diagnosis::new(
        Mistake::BadCorrelationId,
        format!(
            "{CORRELATION_ID} was {what}: write yyMMddHHmmss, a hyphen and 7 hex digits (e.g. 261207093015-1a2b3c4)"
        ),
    ))
}

fn mac_of(secret: &[u8], bytes: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts a key of any length"));
    mac.update(bytes);
    mac.finalize().into_bytes().into()
}

/// Compares without stopping early: a report says only whether a guess matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn token_form(req: &SentRequest<'_>, keys: &DiagnosisKeys<'_>) -> Option<Diagnosis> {
    let token = header(req, TRAN_TOKEN)?;
    let rest = token.strip_prefix("KMV1:")?;
    let (time, mac) = rest.split_once(':')?;
    let digits = time.bytes().all(|b| b.is_ascii_digit());
    // The MAC as the client computed it, when the key and the whole body are at hand.
    let body_mac = keys
        .secret_key
        .filter(|_| req.body_whole)
        .map(|k| mac_of(k, req.body));
    if mac.len() == 64 && mac.bytes().all(|b| b.is_ascii_hexdigit()) {
        let right = body_mac.map(|m| {
            let hex: String = m.iter().map(|b| format!("{b:02x}")).collect();
            same(hex.as_bytes(), mac.to_ascii_lowercase().as_bytes())
        });
        return Some(Diagnosis::new(
            Mistake::HexMac,
            format!(
                "the token's MAC is 64 hex digits{}: encode the 32 bytes of the HMAC in standard Base64 (44 characters with its '=')",
                match right {
                    Some(true) => " (the right MAC, in the wrong encoding)",
                    _ => "",
                }
            ),
        ));
    }
    if digits && time.len() == 14 {
        return Some(Diagnosis::new(
            Mistake::TokenTime14,
            "the token's time has 14 digits: the token takes yyyyMMddHHmmssSSS, 17 digits with milliseconds (X-KM-Tran-Time keeps 14)",
        ));
    }
    if digits && time.len() == 17 && mac.len() == 43 && !mac.ends_with('=') {
        let padded = format!("{mac}=");
        let right = STANDARD
            .decode(&padded)
            .ok()
            .zip(body_mac)
            .map(|(got, m)| same(&got, &m));
        return Some(Diagnosis::new(
            Mistake::Token66,
            format!(
                "the token is 66 characters: the Base64 MAC lost its '=' padding{}: keep all 44 characters (67 in all)",
                match right {
                    Some(true) => " (the MAC itself is right)",
                    _ => "",
                }
            ),
        ));
    }
    None
}

/// The MAC in the token, when it is in the documented form.
fn token_mac(req: &SentRequest<'_>) -> Option<[u8; 32]> {
    crate::crypto::parse_tran_token(header(req, TRAN_TOKEN)?)
        .ok()
        .map(|p| p.mac)
}

/// Another form of the body the client may have signed, and what to call it.
struct Form {
    mistake: Mistake,
    bytes: Vec<u8>,
    what: &'static str,
}

fn signed_form(req: &SentRequest<'_>, keys: &DiagnosisKeys<'_>) -> Option<Diagnosis> {
    let secret = keys.secret_key?;
    let mac = token_mac(req)?;
    if !req.body_whole || req.body.len() > MAX_BODY {
        return None;
    }
    let forms = forms_of(req.body, keys);
    let found = forms
        .iter()
        .find(|f| f.bytes != req.body && same(&mac_of(secret, &f.bytes), &mac))?;
    let fix = match found.mistake {
        Mistake::HmacPlaintext => format!(
            "the token is the HMAC of {}: sign the encrypted body ({{\"encData\": …}}) exactly as you send it",
            found.what
        ),
        Mistake::HmacBase64 => format!(
            "the token is the HMAC of {}: sign the body's own bytes, not an encoding of them",
            found.what
        ),
        _ => format!(
            "the token is the HMAC of {}: sign the bytes you send, or send the bytes you signed",
            found.what
        ),
    };
    Some(Diagnosis::new(found.mistake, fix))
}

/// The forms a body is known to be signed in by mistake, most likely first.
fn forms_of(body: &[u8], keys: &DiagnosisKeys<'_>) -> Vec<Form> {
    let mut forms = Vec::new();
    if let Ok(value) = crate::client::json::parse(body) {
        forms.extend(json_forms(&value));
        let encrypted = value
            .get("encData")
            .and_then(Value::as_str)
            .zip(keys.server_key)
            .and_then(|(compact, key)| jwe::decrypt(compact, key).ok());
        if let Some(plain) = encrypted {
            forms.push(Form {
                mistake: Mistake::HmacPlaintext,
                what: "the plaintext inside encData",
                bytes: plain.clone(),
            });
            if let Ok(inner) = crate::client::json::parse(&plain) {
                for f in json_forms(&inner) {
                    forms.push(Form {
                        mistake: Mistake::HmacPlaintext,
                        what: "the plaintext inside encData",
                        bytes: f.bytes,
                    });
                }
            }
        }
    }
    let mut with_newline = body.to_vec();
    with_newline.push(b'\n');
    forms.push(Form {
        mistake: Mistake::HmacReserialized,
        what: "your body with a line end added",
        bytes: with_newline,
    });
    let trimmed = body.trim_ascii();
    if trimmed.len() != body.len() {
        forms.push(Form {
            mistake: Mistake::HmacReserialized,
            what: "your body without its surrounding white space",
            bytes: trimmed.to_vec(),
        });
    }
    forms.push(Form {
        mistake: Mistake::HmacBase64,
        what: "the Base64 of your body",
        bytes: STANDARD.encode(body).into_bytes(),
    });
    forms.push(Form {
        mistake: Mistake::HmacBase64,
        what: "the Base64url of your body",
        bytes: base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(body)
            .into_bytes(),
    });
    forms
}

/// `value` written as serializers commonly write it.
fn json_forms(value: &Value) -> Vec<Form> {
    let mut out = Vec::new();
    let compact = value.to_string();
    out.push(Form {
        mistake: Mistake::HmacReserialized,
        what: "your body re-serialized without spaces",
        bytes: compact.clone().into_bytes(),
    });
    if let Some(spaced) = write_with(value, Spaced) {
        out.push(Form {
            mistake: Mistake::HmacReserialized,
            what: "your body re-serialized with spaces after ',' and ':'",
            bytes: spaced,
        });
    }
    let escaped = ascii_escaped(&compact);
    if escaped != compact {
        out.push(Form {
            mistake: Mistake::HmacReserialized,
            what: "your body re-serialized with non-ASCII characters escaped (\\uXXXX)",
            bytes: escaped.into_bytes(),
        });
    }
    for indent in [&b"  "[..], b"    ", b"\t"] {
        if let Some(pretty) =
            write_with(value, serde_json::ser::PrettyFormatter::with_indent(indent))
        {
            out.push(Form {
                mistake: Mistake::HmacPretty,
                what: "your body pretty-printed",
                bytes: pretty,
            });
        }
    }
    out
}

fn write_with(value: &Value, formatter: impl serde_json::ser::Formatter) -> Option<Vec<u8>> {
    use serde::Serialize;
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut ser).ok()?;
    Some(out)
}

/// Python's `json.dumps` default: `", "` between members and `": "` after a key.
struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

/// Non-ASCII characters as `\uXXXX` (surrogate pairs above the BMP), as `ensure_ascii`
/// serializers write them; outside strings JSON holds only ASCII, so this is safe.
fn ascii_escaped(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

fn tran_time_form(req: &SentRequest<'_>) -> Option<Diagnosis> {
    let v = header(req, TRAN_TIME)?;
    (v.len() == 17 && v.bytes().all(|b| b.is_ascii_digit())).then(|| {
        Diagnosis::new(
            Mistake::TranTime17,
            format!(
                "{TRAN_TIME} had 17 digits: it takes yyyyMMddHHmmss, 14 digits; the milliseconds belong in the token's time only"
            ),
        )
    })
}

fn clock(req: &SentRequest<'_>) -> Option<Diagnosis> {
    let zone: TimeZoneName = header(req, TIME_ZONE)?.parse().ok()?;
    let stated = parse_tran_time(header(req, TRAN_TIME)?, zone)?;
    let sent_at: DateTime<Utc> = req.sent_at?;
    let delta = stated.with_timezone(&Utc) - sent_at;
    let hours = (delta.num_seconds() as f64 / 3600.0).round() as i64;
    if hours == 0 || hours.abs() > 14 || (delta - TimeDelta::hours(hours)).abs() > CLOCK_SKEW {
        return None;
    }
    let direction = if hours > 0 { "ahead" } else { "behind" };
    let (mistake, fix) = match (zone, hours) {
        (TimeZoneName::Kst, -9) => (
            Mistake::UtcAsKst,
            format!(
                "{TRAN_TIME} is 9 h behind: a UTC clock reading sent with {TIME_ZONE} KST; convert the time to KST (UTC+9) or send {TIME_ZONE} UTC"
            ),
        ),
        (TimeZoneName::Utc, 9) => (
            Mistake::KstAsUtc,
            format!(
                "{TRAN_TIME} is 9 h ahead: a KST clock reading sent with {TIME_ZONE} UTC; convert the time to UTC or send {TIME_ZONE} KST"
            ),
        ),
        _ => (
            Mistake::TimeZone,
            format!(
                "{TRAN_TIME} is {} h {direction}: a time written in another zone than {TIME_ZONE} {zone} names; write the time in that zone",
                hours.abs()
            ),
        ),
    };
    Some(Diagnosis::new(mistake, fix))
}

fn encrypted_compact(req: &SentRequest<'_>) -> Option<String> {
    let value = crate::client::json::parse(req.body).ok()?;
    value.get("encData")?.as_str().map(str::to_owned)
}

fn jwe_form(req: &SentRequest<'_>) -> Option<Diagnosis> {
    let compact = encrypted_compact(req)?;
    let header = jwe::peek_header(&compact).ok()?;
    let shown = |s: &str| crate::client::evidence::cut_text(s, 24).into_owned();
    if header.alg == "RSA-OAEP" {
        return Some(Diagnosis::new(
            Mistake::JweRsaOaepSha1,
            "the content key is wrapped with RSA-OAEP (SHA-1): use RSA-OAEP-256 (OAEP with SHA-256 and MGF1-SHA-256) and say \"alg\":\"RSA-OAEP-256\"",
        ));
    }
    let known_enc = matches!(header.enc.as_str(), "A128GCM" | "A256GCM");
    if header.alg != "RSA-OAEP-256" || !known_enc {
        return Some(Diagnosis::new(
            Mistake::JweAlgorithm,
            format!(
                "the JWE says alg {:?} and enc {:?}: encrypt with alg RSA-OAEP-256 and enc A128GCM (or A256GCM)",
                shown(&header.alg),
                shown(&header.enc)
            ),
        ));
    }
    None
}

fn jwe_key(req: &SentRequest<'_>, keys: &DiagnosisKeys<'_>) -> Option<Diagnosis> {
    let compact = encrypted_compact(req)?;
    let server = keys.server_key?;
    if !matches!(
        jwe::decrypt(&compact, server),
        Err(jwe::JweError::KeyUnwrap)
    ) {
        return None;
    }
    let own = keys
        .client_key
        .is_some_and(|k| jwe::decrypt(&compact, k).is_ok());
    Some(Diagnosis::new(
        Mistake::JweWrongKey,
        if own {
            "the JWE was made for your own public key (the client key): encrypt requests for the server's public key (server-public.pem); your key is for reading answers"
        } else {
            "the JWE was made for a key that is neither the server's nor yours: encrypt requests for the server's public key (server-public.pem)"
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::headers::{ACCESS_KEY, ASP_ID};
    use crate::contract::Contract;
    use crate::crypto::{ids as time_ids, private_key_from_pem, public_key_from_pem, token};
    use crate::judge::request::{ClientKeys, judge};
    use chrono::TimeZone;
    use proptest::strategy::Strategy;
    use rstest::rstest;

    const SECRET: &[u8] = b"a-secret-key-for-tests";
    const SERVER_PRIVATE: &str = include_str!("../../test-keys/server-private.pem");
    const SERVER_PUBLIC: &str = include_str!("../../test-keys/server-public.pem");
    const CLIENT_PRIVATE: &str = include_str!("../../test-keys/client-private.pem");
    const CLIENT_PUBLIC: &str = include_str!("../../test-keys/client-public.pem");
    const BODY: &str = r#"{"cardNo":"9410064130111814"}"#;
    const BANK: &str = r#"{"bankAccount":"6624812524","bankCode":"007","birthDate":"19560629","userId":4722373707933995978,"userName":"백승우"}"#;

    fn sent_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 1, 2, 3).unwrap()
    }

    /// A request as a client with `mistake` would send it (`None`: a correct one), and
    /// the endpoint it goes to.
    fn request(mistake: Option<Mistake>) -> (&'static str, Vec<(String, String)>, Vec<u8>) {
        let server_public = public_key_from_pem(SERVER_PUBLIC).unwrap();
        let client_public = public_key_from_pem(CLIENT_PUBLIC).unwrap();
        let value: Value = serde_json::from_str(BODY).unwrap();
        let spaced = write_with(&value, Spaced).unwrap();
        let encrypted = matches!(
            mistake,
            Some(
                Mistake::HmacPlaintext
                    | Mistake::JweWrongKey
                    | Mistake::JweRsaOaepSha1
                    | Mistake::JweAlgorithm
                    | Mistake::NoCryptoKeyId
            )
        );
        let (endpoint, mut sent) = match mistake {
            Some(Mistake::HmacReserialized) => ("card-info", spaced.clone()),
            Some(Mistake::HmacPretty) => ("bank-account-valid", BANK.as_bytes().to_vec()),
            _ => ("card-info", BODY.as_bytes().to_vec()),
        };
        let mut signed = match mistake {
            Some(Mistake::HmacReserialized) => BODY.as_bytes().to_vec(),
            Some(Mistake::HmacPretty) => {
                serde_json::to_vec_pretty(&serde_json::from_str::<Value>(BANK).unwrap()).unwrap()
            }
            Some(Mistake::HmacBase64) => STANDARD.encode(BODY).into_bytes(),
            _ => sent.clone(),
        };
        if encrypted {
            let key = if mistake == Some(Mistake::JweWrongKey) {
                &client_public
            } else {
                &server_public
            };
            let mut compact =
                jwe::encrypt(BODY.as_bytes(), key, jwe::ContentEncryption::A128Gcm, None).unwrap();
            if let Some(alg) = match mistake {
                Some(Mistake::JweRsaOaepSha1) => Some(r#"{"alg":"RSA-OAEP","enc":"A128GCM"}"#),
                Some(Mistake::JweAlgorithm) => Some(r#"{"alg":"RSA1_5","enc":"A128CBC-HS256"}"#),
                _ => None,
            } {
                // Only the header matters to the diagnosis: the form check reads it first.
                let rest = compact.split_once('.').unwrap().1.to_owned();
                compact = format!(
                    "{}.{rest}",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(alg)
                );
            }
            sent = serde_json::json!({ "encData": compact })
                .to_string()
                .into_bytes();
            signed = if mistake == Some(Mistake::HmacPlaintext) {
                BODY.as_bytes().to_vec()
            } else {
                sent.clone()
            };
        }
        let zone_now = match mistake {
            Some(Mistake::UtcAsKst) => sent_at().naive_utc().and_utc().fixed_offset(),
            _ => sent_at().with_timezone(&TimeZoneName::Kst.offset()),
        };
        // A UTC reading presented as KST: the digits of UTC, the zone header KST.
        let tran_time = time_ids::tran_time(&zone_now);
        let token_time = time_ids::token_time(&zone_now);
        let mut token = token::tran_token(SECRET, &token_time, &signed);
        match mistake {
            Some(Mistake::HexMac) => {
                let hex: String = mac_of(SECRET, &signed)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                token = format!("KMV1:{token_time}:{hex}");
            }
            Some(Mistake::Token66) => token = token.trim_end_matches('=').to_owned(),
            Some(Mistake::TokenTime14) => {
                token = token::tran_token(SECRET, &tran_time, &signed);
            }
            _ => {}
        }
        let mut h = vec![
            (ASP_ID.to_owned(), "000990000000001".to_owned()),
            (
                CORRELATION_ID.to_owned(),
                if mistake == Some(Mistake::BadCorrelationId) {
                    "3f2b8c1e-9d4a-4e6b-8a7c-0d1e2f3a4b5c".to_owned()
                } else {
                    "261207100203-0a1b2c3".to_owned()
                },
            ),
            (ACCESS_KEY.to_owned(), "a".repeat(40)),
            (TRAN_TOKEN.to_owned(), token),
            (
                TRAN_TIME.to_owned(),
                if mistake == Some(Mistake::TranTime17) {
                    token_time.clone()
                } else {
                    tran_time
                },
            ),
            (
                TIME_ZONE.to_owned(),
                if mistake == Some(Mistake::KstAsUtc) {
                    "UTC".to_owned()
                } else {
                    "KST".to_owned()
                },
            ),
        ];
        if mistake != Some(Mistake::NoContentType) {
            h.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        if encrypted && mistake != Some(Mistake::NoCryptoKeyId) {
            h.push((CRYPTO_KEY_ID.to_owned(), "b".repeat(32)));
        }
        if mistake == Some(Mistake::TimeZone) {
            // Written in a zone three hours east of KST.
            let shifted =
                sent_at().with_timezone(&chrono::FixedOffset::east_opt(12 * 3600).unwrap());
            h.retain(|(n, _)| n != TRAN_TIME);
            h.push((TRAN_TIME.to_owned(), time_ids::tran_time(&shifted)));
        }
        (endpoint, h, sent)
    }

    fn diagnosed(mistake: Option<Mistake>) -> (RequestJudgement, Vec<Diagnosis>) {
        let contract = Contract::shared().unwrap();
        let (endpoint, headers, body) = request(mistake);
        let server = private_key_from_pem(SERVER_PRIVATE).unwrap();
        let client = private_key_from_pem(CLIENT_PRIVATE).unwrap();
        let req = SentRequest {
            method: "POST",
            headers: &headers,
            body: &body,
            body_whole: true,
            sent_at: Some(sent_at()),
        };
        let j = judge(
            contract,
            contract.endpoint(endpoint).unwrap(),
            &req,
            &ClientKeys {
                secret_key: Some(SECRET),
                server_key: Some(&server),
            },
        );
        let d = diagnose(
            &req,
            &j,
            &DiagnosisKeys {
                secret_key: Some(SECRET),
                server_key: Some(&server),
                client_key: Some(&client),
            },
        );
        (j, d)
    }

    #[rstest]
    #[case::hmac_reserialized(Mistake::HmacReserialized, "re-serialized without spaces")]
    #[case::hmac_pretty(Mistake::HmacPretty, "pretty-printed")]
    #[case::hmac_base64(Mistake::HmacBase64, "Base64 of your body")]
    #[case::hmac_plaintext(Mistake::HmacPlaintext, "plaintext inside encData")]
    #[case::hex_mac(Mistake::HexMac, "the right MAC, in the wrong encoding")]
    #[case::token_66(Mistake::Token66, "the MAC itself is right")]
    #[case::token_time_14(Mistake::TokenTime14, "17 digits")]
    #[case::tran_time_17(Mistake::TranTime17, "14 digits")]
    #[case::utc_as_kst(Mistake::UtcAsKst, "a UTC clock reading")]
    #[case::kst_as_utc(Mistake::KstAsUtc, "a KST clock reading")]
    #[case::time_zone(Mistake::TimeZone, "3 h ahead")]
    #[case::jwe_wrong_key(Mistake::JweWrongKey, "your own public key")]
    #[case::jwe_rsa_oaep_sha1(Mistake::JweRsaOaepSha1, "RSA-OAEP-256")]
    #[case::jwe_algorithm(Mistake::JweAlgorithm, "\"RSA1_5\"")]
    #[case::no_crypto_key_id(Mistake::NoCryptoKeyId, "X-KM-Crypto-Key-Id")]
    #[case::bad_correlation_id(Mistake::BadCorrelationId, "a UUID")]
    #[case::no_content_type(Mistake::NoContentType, "application/json")]
    fn each_known_mistake_is_named_with_its_fix(#[case] mistake: Mistake, #[case] says: &str) {
        let (j, d) = diagnosed(Some(mistake));
        let found: Vec<Mistake> = d.iter().map(|d| d.mistake).collect();
        assert_eq!(found, [mistake], "{d:#?}\n{:#?}", j.findings);
        assert!(
            j.findings
                .iter()
                .any(|f| f.requirement.as_deref() == Some(mistake.requirement())),
            "{mistake} breaks {}: {:#?}",
            mistake.requirement(),
            j.findings
        );
        assert!(d[0].fix.contains(says), "{}", d[0]);
        // Nothing secret or token-like in the sentence.
        let (_, headers, _) = request(Some(mistake));
        let token = &headers.iter().find(|(n, _)| n == TRAN_TOKEN).unwrap().1;
        assert!(!d[0].to_string().contains(token.as_str()));
        assert!(!d[0].to_string().contains("a-secret-key"));
    }

    #[test]
    fn a_correct_request_has_nothing_to_diagnose() {
        let (j, d) = diagnosed(None);
        assert!(j.findings.is_empty(), "{:#?}", j.findings);
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn every_mistake_has_a_distinct_name_and_a_client_requirement() {
        let contract = Contract::shared().unwrap();
        let names: std::collections::BTreeSet<_> = Mistake::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Mistake::ALL.len());
        for m in Mistake::ALL {
            let r = contract.catalogue.requirement(m.requirement()).unwrap();
            assert_eq!(r.side, crate::contract::catalogue::Side::Client, "{m}");
        }
    }

    #[test]
    fn a_mac_under_another_key_is_left_undiagnosed() {
        let (endpoint, mut headers, body) = request(None);
        let contract = Contract::shared().unwrap();
        let token = token::tran_token(b"another key", "20261207100203000", &body);
        headers.retain(|(n, _)| n != TRAN_TOKEN);
        headers.push((TRAN_TOKEN.to_owned(), token));
        let req = SentRequest {
            method: "POST",
            headers: &headers,
            body: &body,
            body_whole: true,
            sent_at: Some(sent_at()),
        };
        let keys = ClientKeys {
            secret_key: Some(SECRET),
            server_key: None,
        };
        let j = judge(contract, contract.endpoint(endpoint).unwrap(), &req, &keys);
        assert!(!j.findings.is_empty());
        let d = diagnose(
            &req,
            &j,
            &DiagnosisKeys {
                secret_key: Some(SECRET),
                ..Default::default()
            },
        );
        assert!(d.is_empty(), "{d:#?}");
    }

    proptest::proptest! {
        #[test]
        fn hostile_requests_never_panic(
            headers in proptest::collection::vec(
                (proptest::sample::select(vec![
                    TRAN_TOKEN, TRAN_TIME, TIME_ZONE, CORRELATION_ID, CRYPTO_KEY_ID, "Content-Type",
                ]).prop_map(str::to_owned), "\\PC{0,90}"),
                0..8,
            ),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            json_body in "\\{\"(encData|cardNo)\": ?\"[A-Za-z0-9._-]{0,80}\"\\}",
        ) {
            let contract = Contract::shared().unwrap();
            let server = private_key_from_pem(SERVER_PRIVATE).unwrap();
            let keys = DiagnosisKeys { secret_key: Some(SECRET), server_key: Some(&server), client_key: Some(&server) };
            for body in [body.as_slice(), json_body.as_bytes()] {
                let req = SentRequest { method: "POST", headers: &headers, body, body_whole: true, sent_at: Some(sent_at()) };
                let j = judge(contract, contract.endpoint("card-info").unwrap(), &req, &ClientKeys { secret_key: Some(SECRET), server_key: Some(&server) });
                for d in diagnose(&req, &j, &keys) {
                    proptest::prop_assert!(!d.fix.is_empty());
                }
            }
        }
    }
}
