//! The checks every request gets, whoever sent it: the header rules, the tran token (its
//! form, and its MAC recomputed over the exact body bytes when the secret key is known), the
//! tran time against the moment the request was sent, the JWE form of an encrypted body and
//! the crypto key id beside it, and the plaintext against the endpoint's request schema.
//! `verify` and `proxy` read a recorded client's requests through it; `certify-client` reads
//! a live client's. Every finding names a client requirement (`CLIENT-*` in the catalogue).
//!
//! A check that cannot be made (no secret key, a body cut when recorded, a JWE for a key
//! this side does not hold) leaves its requirement unexercised: never passed by default.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, Utc};
use rsa::RsaPrivateKey;
use serde_json::Value;

use super::verdict::Finding;
use crate::client::FailureClass;
use crate::client::headers::{
    ACCESS_KEY, ASP_ID, CORRELATION_ID, CRYPTO_KEY_ID, TIME_ZONE, TRAN_TIME, TRAN_TOKEN,
};
use crate::contract::{Contract, Endpoint, SchemaViolation};
use crate::crypto::{
    TimeZoneName, TokenError, jwe, parse_token_time, parse_tran_time, parse_tran_token,
    verify_tran_token,
};

/// The client requirements, as the catalogue names them.
pub mod ids {
    pub const HDR_ASP_ID: &str = "CLIENT-HDR-ASP-ID";
    pub const HDR_CORRELATION_ID: &str = "CLIENT-HDR-CORRELATION-ID";
    pub const HDR_ACCESS_KEY: &str = "CLIENT-HDR-ACCESS-KEY";
    pub const HDR_TIME_ZONE: &str = "CLIENT-HDR-TIME-ZONE";
    pub const TOKEN_FORM: &str = "CLIENT-TOKEN-FORM";
    pub const TOKEN_HMAC: &str = "CLIENT-TOKEN-HMAC";
    pub const TOKEN_TIME: &str = "CLIENT-TOKEN-TIME";
    pub const TRAN_TIME_FORM: &str = "CLIENT-TRAN-TIME-FORM";
    pub const TRAN_TIME_CLOCK: &str = "CLIENT-TRAN-TIME-CLOCK";
    pub const JWE_FORM: &str = "CLIENT-JWE-FORM";
    pub const JWE_KEY_ID: &str = "CLIENT-JWE-KEY-ID";
    pub const JWE_KEY: &str = "CLIENT-JWE-KEY";
    pub const JWE_DECRYPT: &str = "CLIENT-JWE-DECRYPT";
    pub const BODY_JSON: &str = "CLIENT-BODY-JSON";
    pub const BODY_SCHEMA: &str = "CLIENT-BODY-SCHEMA";
    pub const ERROR_HANDLING: &str = "CLIENT-ERROR-HANDLING";

    /// Every client requirement the request checks can exercise.
    pub const REQUEST_CHECKED: [&str; 14] = [
        HDR_ASP_ID,
        HDR_CORRELATION_ID,
        HDR_ACCESS_KEY,
        HDR_TIME_ZONE,
        TOKEN_FORM,
        TOKEN_HMAC,
        TOKEN_TIME,
        TRAN_TIME_FORM,
        TRAN_TIME_CLOCK,
        JWE_FORM,
        JWE_KEY_ID,
        JWE_KEY,
        BODY_JSON,
        BODY_SCHEMA,
    ];
}

/// How far a tran time (or the token's time) may be from when the request was sent. The
/// docs publish no window; five minutes is the embedded sandbox's, and a whole number of
/// hours off is told apart as a time-zone mistake.
pub const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// A request as it went over the wire.
#[derive(Debug, Clone, Copy)]
pub struct SentRequest<'a> {
    pub method: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The bytes are the whole body as sent: not cut when recorded. The MAC is only
    /// recomputed over a whole body.
    pub body_whole: bool,
    /// When the request was sent, by the recorder's clock, if it says.
    pub sent_at: Option<DateTime<Utc>>,
}

/// What the judging side holds: each key enables the checks that need it.
#[derive(Default, Clone, Copy)]
pub struct ClientKeys<'a> {
    /// The client's secret key: the token's MAC is recomputed.
    pub secret_key: Option<&'a [u8]>,
    /// The server's private key (only the embedded sandbox's is ever known): an encrypted
    /// body is decrypted and its plaintext checked against the request schema.
    pub server_key: Option<&'a RsaPrivateKey>,
}

impl std::fmt::Debug for ClientKeys<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKeys")
            .field("secret_key", &self.secret_key.map(|_| "<set>"))
            .field("server_key", &self.server_key.map(|_| "<set>"))
            .finish()
    }
}

/// What the request checks found.
#[derive(Debug, Clone, Default)]
pub struct RequestJudgement {
    pub findings: Vec<Finding>,
    /// The client requirements the request exercised: evaluated, whether passed or failed.
    pub exercised: BTreeSet<&'static str>,
    /// The JSON the request carries in the clear: the body, or what `encData` decrypted to.
    pub plaintext: Option<Value>,
    /// The body was the encrypted form (`{"encData": JWE}`).
    pub encrypted: bool,
}

impl RequestJudgement {
    fn fail(
        &mut self,
        correlation_id: &str,
        requirement: &'static str,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        self.findings.push(Finding {
            requirement: Some(requirement.to_owned()),
            class: FailureClass::Contract,
            expected: expected.into(),
            actual: actual.into(),
            schema_errors: Vec::new(),
            correlation_id: correlation_id.to_owned(),
        });
    }

    /// Exercise `requirement` on header `name` (case-insensitive): its value when sent once,
    /// else a finding (not sent, or sent more than once) and `None`.
    fn once<'h>(
        &mut self,
        headers: &'h [(String, String)],
        name: &str,
        requirement: &'static str,
        correlation: &str,
    ) -> Option<&'h str> {
        self.exercised.insert(requirement);
        match header(headers, name) {
            Header::Once(v) => Some(v),
            Header::Absent => {
                self.fail(
                    correlation,
                    requirement,
                    format!("header {name}"),
                    "not sent",
                );
                None
            }
            Header::Repeated => {
                self.fail(
                    correlation,
                    requirement,
                    format!("header {name} once"),
                    "sent more than once",
                );
                None
            }
        }
    }

    /// Whether `requirement` was exercised and nothing named it.
    pub fn passed(&self, requirement: &str) -> bool {
        self.exercised.contains(requirement)
            && !self
                .findings
                .iter()
                .any(|f| f.requirement.as_deref() == Some(requirement))
    }
}

/// One header: absent (or empty), sent once, or sent more than once.
enum Header<'a> {
    Absent,
    Once(&'a str),
    Repeated,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Header<'a> {
    let mut values = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str());
    match (values.next(), values.next()) {
        (None, _) => Header::Absent,
        (Some(""), None) => Header::Absent,
        (Some(v), None) => Header::Once(v),
        (Some(_), Some(_)) => Header::Repeated,
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A length to say in a finding, never the value (it may be a credential).
fn length_of(s: &str) -> String {
    format!("a value of {} characters", chars(s))
}

/// Judges `req`, sent to `endpoint`, against every client rule `keys` allows checking.
pub fn judge(
    contract: &Contract,
    endpoint: &Endpoint,
    req: &SentRequest<'_>,
    keys: &ClientKeys<'_>,
) -> RequestJudgement {
    let mut out = RequestJudgement::default();
    let correlation = match header(req.headers, CORRELATION_ID) {
        Header::Once(v) => v,
        _ => "",
    };

    // A header sent once and of the right length; the value itself is never quoted (the
    // access key is a credential).
    for (name, len, id) in [
        (ASP_ID, 15, ids::HDR_ASP_ID),
        (ACCESS_KEY, 40, ids::HDR_ACCESS_KEY),
    ] {
        if let Some(v) = out.once(req.headers, name, id, correlation)
            && chars(v) != len
        {
            out.fail(
                correlation,
                id,
                format!("{name} of exactly {len} characters"),
                length_of(v),
            );
        }
    }

    if let Some(v) = out.once(
        req.headers,
        CORRELATION_ID,
        ids::HDR_CORRELATION_ID,
        correlation,
    ) && !crate::crypto::is_correlation_id(v)
    {
        out.fail(
            correlation,
            ids::HDR_CORRELATION_ID,
            "yyMMddHHmmss, a hyphen and 7 hex digits (20 characters)",
            correlation_form(v),
        );
    }

    let zone = out
        .once(req.headers, TIME_ZONE, ids::HDR_TIME_ZONE, correlation)
        .and_then(|v| match v.parse::<TimeZoneName>() {
            Ok(zone) => Some(zone),
            Err(_) => {
                out.fail(
                    correlation,
                    ids::HDR_TIME_ZONE,
                    format!("{TIME_ZONE} KST or UTC"),
                    format!("{:?}", crate::client::quote(v)),
                );
                None
            }
        });

    let tran_time = tran_time(&mut out, req, zone, correlation);
    token(&mut out, req, keys, zone, tran_time, correlation);
    body(&mut out, contract, endpoint, req, keys, correlation);
    out
}

/// What a malformed correlation id looks like, without repeating more of it than needed.
fn correlation_form(v: &str) -> String {
    let n = chars(v);
    if n != crate::crypto::ids::CORRELATION_ID_LEN {
        format!("{n} characters ({:?})", crate::client::quote(v))
    } else {
        format!("{:?}", crate::client::quote(v))
    }
}

/// The tran time's form, and its distance from when the request was sent.
fn tran_time(
    out: &mut RequestJudgement,
    req: &SentRequest<'_>,
    zone: Option<TimeZoneName>,
    correlation: &str,
) -> Option<DateTime<FixedOffset>> {
    let value = out.once(req.headers, TRAN_TIME, ids::TRAN_TIME_FORM, correlation)?;
    // The zone shifts the instant, not whether the digits name a real time.
    let Some(parsed) = parse_tran_time(value, zone.unwrap_or(TimeZoneName::Kst)) else {
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let actual = if digits == chars(value) && digits == 17 {
            format!("{value:?}: 17 digits, the token's time with milliseconds")
        } else {
            format!(
                "{:?} ({} characters)",
                crate::client::quote(value),
                chars(value)
            )
        };
        out.fail(
            correlation,
            ids::TRAN_TIME_FORM,
            "14 digits yyyyMMddHHmmss naming a real time",
            actual,
        );
        return None;
    };
    let (Some(zone), Some(sent_at)) = (zone, req.sent_at) else {
        return Some(parsed);
    };
    out.exercised.insert(ids::TRAN_TIME_CLOCK);
    if let Some(off) = clock_problem(parsed, sent_at, zone) {
        out.fail(
            correlation,
            ids::TRAN_TIME_CLOCK,
            format!(
                "{TRAN_TIME} in {} within {} minutes of when the request was sent ({})",
                zone.as_str(),
                CLOCK_SKEW.num_minutes(),
                sent_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            format!("{value} {}, {off}", zone.as_str()),
        );
    }
    Some(parsed)
}

/// How far `stated` is from `sent_at`, when that is over the skew window: in minutes, and
/// named as a time-zone mistake when it is a whole number of hours.
pub fn clock_problem(
    stated: DateTime<FixedOffset>,
    sent_at: DateTime<Utc>,
    zone: TimeZoneName,
) -> Option<String> {
    let delta = stated.with_timezone(&Utc) - sent_at;
    if delta.abs() <= CLOCK_SKEW {
        return None;
    }
    let minutes = delta.num_minutes();
    let direction = if minutes > 0 { "ahead" } else { "behind" };
    let hours = (delta.num_seconds() as f64 / 3600.0).round() as i64;
    let whole_hours = hours != 0
        && (delta - chrono::TimeDelta::hours(hours)).abs() <= CLOCK_SKEW
        && hours.abs() <= 14;
    Some(if whole_hours {
        let utc_read = zone == TimeZoneName::Kst && hours == -9;
        let kst_read = zone == TimeZoneName::Utc && hours == 9;
        let hint = if utc_read {
            ": a UTC clock reading sent as KST"
        } else if kst_read {
            ": a KST clock reading sent as UTC"
        } else {
            ": a time stated in another zone than the header names"
        };
        format!("{} h {direction}{hint}", hours.abs())
    } else {
        format!("{} min {direction}", minutes.abs())
    })
}

/// The token's form, its time against the tran time, and its MAC when the key is known.
fn token(
    out: &mut RequestJudgement,
    req: &SentRequest<'_>,
    keys: &ClientKeys<'_>,
    zone: Option<TimeZoneName>,
    tran_time: Option<DateTime<FixedOffset>>,
    correlation: &str,
) {
    let Some(value) = out.once(req.headers, TRAN_TOKEN, ids::TOKEN_FORM, correlation) else {
        return;
    };
    let parsed = match parse_tran_token(value) {
        Ok(parsed) => parsed,
        Err(e) => {
            // The error names the rule; the token itself is never quoted.
            out.fail(
                correlation,
                ids::TOKEN_FORM,
                "KMV1:, a 17-digit time, ':' and 44 characters of Base64 (67 characters)",
                token_form_problem(&e, value),
            );
            return;
        }
    };
    if let (Some(zone), Some(tran_time)) = (zone, tran_time) {
        out.exercised.insert(ids::TOKEN_TIME);
        match parse_token_time(&parsed.time, zone) {
            None => out.fail(
                correlation,
                ids::TOKEN_TIME,
                "the token's 17 digits naming a real time",
                format!("{:?}", parsed.time),
            ),
            Some(token_time) => {
                let delta = (token_time - tran_time).abs();
                if delta > CLOCK_SKEW {
                    out.fail(
                        correlation,
                        ids::TOKEN_TIME,
                        format!(
                            "the token's time within {} minutes of {TRAN_TIME}",
                            CLOCK_SKEW.num_minutes()
                        ),
                        format!(
                            "{} apart{}",
                            human_delta(delta),
                            if delta.num_minutes() % 60 <= 5 && delta.num_hours() > 0 {
                                ": one of them stated in another zone"
                            } else {
                                ""
                            }
                        ),
                    );
                }
            }
        }
    }
    let Some(secret) = keys.secret_key else {
        return;
    };
    if !req.body_whole {
        return;
    }
    out.exercised.insert(ids::TOKEN_HMAC);
    if let Err(TokenError::Mismatch) = verify_tran_token(secret, req.body, value) {
        out.fail(
            correlation,
            ids::TOKEN_HMAC,
            "HMAC-SHA256 of the exact body bytes sent, under the client's secret key",
            format!(
                "a MAC of something else than the {} bytes sent",
                req.body.len()
            ),
        );
    }
}

fn token_form_problem(e: &TokenError, value: &str) -> String {
    match e {
        TokenError::WrongLength { found } if *found == 66 && !value.ends_with('=') => {
            "66 characters: the MAC without its '=' padding (the table says 66; a real token is 67)"
                .into()
        }
        TokenError::WrongLength { found } if *found == 5 + 14 + 1 + 44 => format!(
            "{found} characters: a 14-digit time where the token takes 17 (milliseconds included)"
        ),
        TokenError::WrongLength { found } if *found == 5 + 17 + 1 + 64 => {
            format!("{found} characters: a hex MAC where the token takes Base64")
        }
        other => other.to_string(),
    }
}

fn human_delta(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes();
    if minutes >= 60 {
        format!("{} h {} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// The method, content type and body: JSON, the encrypted form when it is one, and the
/// plaintext against the request schema.
fn body(
    out: &mut RequestJudgement,
    contract: &Contract,
    endpoint: &Endpoint,
    req: &SentRequest<'_>,
    keys: &ClientKeys<'_>,
    correlation: &str,
) {
    out.exercised.insert(ids::BODY_JSON);
    if !req.method.eq_ignore_ascii_case(&endpoint.method) {
        out.fail(
            correlation,
            ids::BODY_JSON,
            format!("method {}", endpoint.method),
            format!("method {:?}", crate::client::quote(req.method)),
        );
    }
    let content_type = match header(req.headers, "content-type") {
        Header::Once(v) => Some(v),
        _ => None,
    };
    let json_type = content_type.is_some_and(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if !json_type {
        out.fail(
            correlation,
            ids::BODY_JSON,
            "Content-Type application/json",
            match content_type {
                Some(v) => format!("Content-Type {:?}", crate::client::quote(v)),
                None => "no Content-Type (or sent more than once)".into(),
            },
        );
    }
    if !req.body_whole {
        return;
    }
    let object = match crate::client::json::parse(req.body) {
        Ok(Value::Object(map)) => map,
        Ok(other) => {
            out.fail(
                correlation,
                ids::BODY_JSON,
                "a body that is one JSON object",
                format!("JSON of another type ({})", json_type_name(&other)),
            );
            return;
        }
        Err(e) => {
            out.fail(
                correlation,
                ids::BODY_JSON,
                "a body that is one JSON object",
                format!("{} bytes that are not JSON ({e})", req.body.len()),
            );
            return;
        }
    };
    let field = &contract.catalogue.envelope.encrypted_field;
    if !object.contains_key(field) {
        out.plaintext = Some(Value::Object(object));
        schema(out, contract, endpoint, correlation);
        return;
    }
    out.encrypted = true;
    out.exercised.insert(ids::JWE_FORM);
    // An encrypted body needs the key id beside it.
    if let Some(v) = out.once(req.headers, CRYPTO_KEY_ID, ids::JWE_KEY_ID, correlation)
        && chars(v) != 32
    {
        out.fail(
            correlation,
            ids::JWE_KEY_ID,
            format!("{CRYPTO_KEY_ID} of exactly 32 characters"),
            length_of(v),
        );
    }
    if !endpoint.encryption.request {
        out.fail(
            correlation,
            ids::JWE_FORM,
            format!(
                "a plaintext body: {} takes no encrypted request",
                endpoint.id
            ),
            format!("{{\"{field}\": …}}"),
        );
        return;
    }
    let compact = match object.get(field) {
        Some(Value::String(s)) if object.len() == 1 => s.as_str(),
        Some(Value::String(_)) => {
            out.fail(
                correlation,
                ids::JWE_FORM,
                format!("{{\"{field}\": JWE}} and nothing beside it"),
                format!(
                    "{} more member(s) beside {field}, sent in the clear",
                    object.len() - 1
                ),
            );
            return;
        }
        Some(other) => {
            out.fail(
                correlation,
                ids::JWE_FORM,
                format!("{field} a JWE compact string"),
                format!("JSON of another type ({})", json_type_name(other)),
            );
            return;
        }
        None => return,
    };
    if let Err(e) = jwe::check_form(compact) {
        out.fail(
            correlation,
            ids::JWE_FORM,
            "a JWE compact serialization: RSA-OAEP-256, A128GCM or A256GCM",
            e.to_string(),
        );
        return;
    }
    let Some(server_key) = keys.server_key else {
        return;
    };
    out.exercised.insert(ids::JWE_KEY);
    match jwe::decrypt(compact, server_key) {
        Ok(plain) => match crate::client::json::parse(&plain) {
            Ok(value @ Value::Object(_)) => {
                out.plaintext = Some(value);
                schema(out, contract, endpoint, correlation);
            }
            _ => {
                out.exercised.insert(ids::BODY_SCHEMA);
                out.fail(
                    correlation,
                    ids::BODY_SCHEMA,
                    "encData decrypting to one JSON object",
                    format!("{} bytes that are not a JSON object", plain.len()),
                );
            }
        },
        Err(jwe::JweError::KeyUnwrap) => out.fail(
            correlation,
            ids::JWE_KEY,
            "a JWE for the server's public key",
            "a content key this server's private key cannot unwrap: encrypted for another key",
        ),
        Err(e) => out.fail(
            correlation,
            ids::JWE_KEY,
            "a JWE the server's private key decrypts",
            e.to_string(),
        ),
    }
}

fn schema(out: &mut RequestJudgement, contract: &Contract, endpoint: &Endpoint, correlation: &str) {
    let Some(plain) = &out.plaintext else {
        return;
    };
    out.exercised.insert(ids::BODY_SCHEMA);
    let errors: Vec<SchemaViolation> = contract.validate(&endpoint.request_schema, plain);
    if !errors.is_empty() {
        out.findings.push(Finding {
            requirement: Some(ids::BODY_SCHEMA.to_owned()),
            class: FailureClass::Contract,
            expected: format!("a request keeping {}", endpoint.request_schema),
            actual: format!("{} schema violation(s)", errors.len()),
            schema_errors: errors,
            correlation_id: correlation.to_owned(),
        });
    }
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{ids as time_ids, private_key_from_pem, public_key_from_pem, token};
    use chrono::TimeZone;
    use rstest::rstest;

    const SECRET: &[u8] = b"a-secret-key-for-tests";
    const SERVER_PRIVATE: &str = include_str!("../../test-keys/server-private.pem");
    const SERVER_PUBLIC: &str = include_str!("../../test-keys/server-public.pem");
    const CLIENT_PUBLIC: &str = include_str!("../../test-keys/client-public.pem");

    fn contract() -> &'static Contract {
        Contract::shared().expect("the built-in contract loads")
    }

    fn sent_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 1, 2, 3).unwrap()
    }

    /// A conforming request to `endpoint` with `body`, signed at `sent_at()` in KST.
    fn headers_for(body: &[u8], encrypted: bool) -> Vec<(String, String)> {
        let now = sent_at().with_timezone(&TimeZoneName::Kst.offset());
        let mut h = vec![
            (ASP_ID.to_owned(), "000990000000001".to_owned()),
            (CORRELATION_ID.to_owned(), "261207100203-0a1b2c3".to_owned()),
            (ACCESS_KEY.to_owned(), "a".repeat(40)),
            (
                TRAN_TOKEN.to_owned(),
                token::tran_token(SECRET, &time_ids::token_time(&now), body),
            ),
            (TRAN_TIME.to_owned(), time_ids::tran_time(&now)),
            (TIME_ZONE.to_owned(), "KST".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ];
        if encrypted {
            h.push((CRYPTO_KEY_ID.to_owned(), "b".repeat(32)));
        }
        h
    }

    fn judge_with(
        endpoint: &str,
        headers: &[(String, String)],
        body: &[u8],
        server_key: Option<&RsaPrivateKey>,
    ) -> RequestJudgement {
        let c = contract();
        let req = SentRequest {
            method: "POST",
            headers,
            body,
            body_whole: true,
            sent_at: Some(sent_at()),
        };
        let keys = ClientKeys {
            secret_key: Some(SECRET),
            server_key,
        };
        judge(c, c.endpoint(endpoint).unwrap(), &req, &keys)
    }

    fn failed(j: &RequestJudgement) -> Vec<&str> {
        j.findings
            .iter()
            .filter_map(|f| f.requirement.as_deref())
            .collect()
    }

    const CARD: &[u8] = br#"{"cardNo":"9491339401250765"}"#;

    #[test]
    fn a_conforming_plaintext_request_passes_every_rule_it_exercises() {
        let j = judge_with("card-info", &headers_for(CARD, false), CARD, None);
        assert!(j.findings.is_empty(), "{:#?}", j.findings);
        for id in [
            ids::HDR_ASP_ID,
            ids::TOKEN_HMAC,
            ids::TOKEN_TIME,
            ids::TRAN_TIME_CLOCK,
            ids::BODY_SCHEMA,
        ] {
            assert!(j.passed(id), "{id} not passed: {:?}", j.exercised);
        }
        assert!(!j.exercised.contains(ids::JWE_FORM));
    }

    #[test]
    fn every_client_requirement_the_request_checks_is_in_the_catalogue_as_a_client_rule() {
        for id in ids::REQUEST_CHECKED
            .iter()
            .chain(&[ids::JWE_DECRYPT, ids::ERROR_HANDLING])
        {
            let r = contract().catalogue.requirement(id).expect(id);
            assert_eq!(r.side, crate::contract::catalogue::Side::Client, "{id}");
        }
    }

    #[test]
    fn an_encrypted_request_is_checked_in_form_and_with_the_server_key_in_content() {
        let server_public = public_key_from_pem(SERVER_PUBLIC).unwrap();
        let compact =
            jwe::encrypt(CARD, &server_public, jwe::ContentEncryption::A128Gcm, None).unwrap();
        let body = serde_json::json!({ "encData": compact }).to_string();
        let headers = headers_for(body.as_bytes(), true);
        let form_only = judge_with("card-info", &headers, body.as_bytes(), None);
        assert!(form_only.findings.is_empty(), "{:#?}", form_only.findings);
        assert!(form_only.passed(ids::JWE_FORM));
        assert!(!form_only.exercised.contains(ids::JWE_KEY));
        assert!(!form_only.exercised.contains(ids::BODY_SCHEMA));

        let key = private_key_from_pem(SERVER_PRIVATE).unwrap();
        let full = judge_with("card-info", &headers, body.as_bytes(), Some(&key));
        assert!(full.findings.is_empty(), "{:#?}", full.findings);
        assert!(full.passed(ids::JWE_KEY) && full.passed(ids::BODY_SCHEMA));

        // The same body for the client's key: the form is right, the key is not.
        let wrong = public_key_from_pem(CLIENT_PUBLIC).unwrap();
        let compact = jwe::encrypt(CARD, &wrong, jwe::ContentEncryption::A128Gcm, None).unwrap();
        let body = serde_json::json!({ "encData": compact }).to_string();
        let headers = headers_for(body.as_bytes(), true);
        let j = judge_with("card-info", &headers, body.as_bytes(), Some(&key));
        assert_eq!(failed(&j), [ids::JWE_KEY]);
        assert!(j.findings[0].actual.contains("another key"));
    }

    #[rstest]
    #[case::hmac_of_reserialized_body(b"{\"cardNo\": \"9491339401250765\"}".as_slice(), ids::TOKEN_HMAC)]
    #[case::not_json(b"cardNo=9491339401250765".as_slice(), ids::BODY_JSON)]
    #[case::schema(br#"{"cardNo":"94913394"}"#.as_slice(), ids::BODY_SCHEMA)]
    fn a_body_problem_names_its_rule(#[case] sent: &[u8], #[case] rule: &str) {
        // Signed over CARD, sent as `sent` (for the first case: the same JSON, spaced).
        let signed = if rule == ids::TOKEN_HMAC { CARD } else { sent };
        let j = judge_with("card-info", &headers_for(signed, false), sent, None);
        assert_eq!(failed(&j), [rule], "{:#?}", j.findings);
    }

    fn with(
        mut h: Vec<(String, String)>,
        name: &str,
        value: Option<&str>,
    ) -> Vec<(String, String)> {
        h.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(v) = value {
            h.push((name.to_owned(), v.to_owned()));
        }
        h
    }

    #[rstest]
    #[case(ASP_ID, None, ids::HDR_ASP_ID)]
    #[case(ASP_ID, Some("00099000000001"), ids::HDR_ASP_ID)]
    #[case(ACCESS_KEY, Some("short"), ids::HDR_ACCESS_KEY)]
    #[case(CORRELATION_ID, Some("261207100203_0a1b2c3"), ids::HDR_CORRELATION_ID)]
    #[case(TIME_ZONE, Some("JST"), ids::HDR_TIME_ZONE)]
    #[case(TRAN_TIME, Some("20261207100203123"), ids::TRAN_TIME_FORM)]
    #[case(TRAN_TIME, Some("20261207010203"), ids::TRAN_TIME_CLOCK)]
    #[case(TRAN_TOKEN, None, ids::TOKEN_FORM)]
    #[case("Content-Type", Some("text/plain"), ids::BODY_JSON)]
    fn a_header_problem_names_its_rule(
        #[case] name: &str,
        #[case] value: Option<&str>,
        #[case] rule: &str,
    ) {
        let h = with(headers_for(CARD, false), name, value);
        let j = judge_with("card-info", &h, CARD, None);
        assert!(failed(&j).contains(&rule), "{:#?}", j.findings);
    }

    #[test]
    fn a_utc_clock_sent_as_kst_is_named_a_time_zone_mistake() {
        // 01:02:03 UTC written as if it were KST: nine hours behind.
        let h = with(headers_for(CARD, false), TRAN_TIME, Some("20261207010203"));
        let j = judge_with("card-info", &h, CARD, None);
        let f = j
            .findings
            .iter()
            .find(|f| f.requirement.as_deref() == Some(ids::TRAN_TIME_CLOCK))
            .unwrap();
        assert!(
            f.actual
                .contains("9 h behind: a UTC clock reading sent as KST"),
            "{f}"
        );
    }

    #[rstest]
    #[case::table_length_without_padding(66)]
    #[case::hex_mac(87)]
    fn a_malformed_token_is_described_without_quoting_it(#[case] len: usize) {
        let token = format!("KMV1:20261207100203000:{}", "a".repeat(len - 23));
        let h = with(headers_for(CARD, false), TRAN_TOKEN, Some(&token));
        let j = judge_with("card-info", &h, CARD, None);
        let f = &j.findings[0];
        assert_eq!(f.requirement.as_deref(), Some(ids::TOKEN_FORM));
        assert!(f.actual.contains(&format!("{len} characters")), "{f}");
        assert!(!f.to_string().contains(&token));
    }

    #[test]
    fn an_encrypted_body_without_its_key_id_or_with_a_bad_jwe_is_named() {
        let body = br#"{"encData":"a.b.c"}"#;
        let h = headers_for(body, false);
        let j = judge_with("card-info", &h, body, None);
        let got = failed(&j);
        assert!(got.contains(&ids::JWE_KEY_ID), "{got:?}");
        assert!(got.contains(&ids::JWE_FORM), "{got:?}");
    }

    #[test]
    fn without_keys_or_a_whole_body_the_rules_that_need_them_stay_unexercised() {
        let c = contract();
        let h = headers_for(CARD, false);
        let req = SentRequest {
            method: "POST",
            headers: &h,
            body: CARD,
            body_whole: false,
            sent_at: None,
        };
        let j = judge(
            c,
            c.endpoint("card-info").unwrap(),
            &req,
            &ClientKeys::default(),
        );
        for id in [ids::TOKEN_HMAC, ids::TRAN_TIME_CLOCK, ids::BODY_SCHEMA] {
            assert!(!j.exercised.contains(id), "{id}");
        }
        assert!(j.passed(ids::TOKEN_FORM) && j.passed(ids::TOKEN_TIME));
    }

    proptest::proptest! {
        #[test]
        fn hostile_requests_never_panic(
            headers in proptest::collection::vec(("[A-Za-z-]{1,20}", "\\PC{0,80}"), 0..12),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            method in "\\PC{0,10}",
        ) {
            let c = contract();
            let req = SentRequest { method: &method, headers: &headers, body: &body, body_whole: true, sent_at: Some(sent_at()) };
            let key = private_key_from_pem(SERVER_PRIVATE).unwrap();
            let keys = ClientKeys { secret_key: Some(SECRET), server_key: Some(&key) };
            for e in &c.catalogue.endpoints {
                let _ = judge(c, e, &req, &keys);
            }
        }
    }
}
