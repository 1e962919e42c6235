//! Legitimate readings of the docs that differ from the sandbox's default one: the
//! counterpart of [`super::fault`]. A fault breaks a documented rule and must be caught; a
//! variant reads a silent or open point another way and must pass when certified as a
//! foreign target (`kona-conformance variants`). They hook in at the fault's points plus
//! two of their own: the request headers (before they are checked) and the envelope.

use std::fmt;
use std::str::FromStr;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use super::answer::Answer;
use super::codebook::SUCCESS;
use crate::contract::Contract;
use crate::contract::formats::whole_number;

/// The field a refused content type names in the sandbox's outcome, so a variant can tell
/// "declared another type" from "not JSON at all".
pub(crate) const CONTENT_TYPE_FIELD: &str = "Content-Type";
/// The code [`Variant::StrictContentType`] answers with: its own, as the docs give none.
const UNSUPPORTED_MEDIA_TYPE_CODE: &str = "904_415";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// An empty string in a required field is treated as missing (000_003 naming it).
    EmptyAsMissing,
    /// A body declared as another type than application/json is refused with 415.
    StrictContentType,
    /// A JSON body declared as text/plain (or any type) is read as JSON.
    LenientContentType,
    /// Answers are labelled `application/json; charset=utf-8`.
    JsonCharset,
    /// Optional response fields without a value are sent as `null`, not left out.
    NullOptionals,
    /// Answers carry undocumented fields beside the data and inside the envelope.
    ExtraFields,
    /// Authentication failures (credentials, token, tran time) are HTTP 403, not 401.
    Auth403,
    /// An unknown member or card is HTTP 404, not 400.
    NotFound404,
    /// An integer field written as a whole-number float (`1.0`) is read as that integer.
    FloatUserId,
    /// X-KM-Crypto-Key-Id is only read on encrypted requests; a malformed one on a plain
    /// request is ignored.
    IgnorePlainCryptoKeyId,
    /// The record is looked up before the looked-up field's format is checked.
    LookupFirst,
    /// A request without a well-formed correlation id gets a fresh one back.
    FreshCorrelationId,
    /// The bank check compares the member id with the account's too (errata E34).
    BankChecksMemberId,
    /// The bank check compares the holder's name before the birth date (errata E34).
    BankNameFirst,
    /// The bank is outside its service hours whenever it is asked (errata E35).
    BankClosed,
    /// At most 60 requests a second; the rest are answered 429 with `Retry-After: 1`.
    RateLimited,
    /// One request in 150 is answered 503 with `Retry-After: 0` and a plain-text body.
    Transient503,
}

impl Variant {
    pub const ALL: [Variant; 17] = [
        Variant::EmptyAsMissing,
        Variant::StrictContentType,
        Variant::LenientContentType,
        Variant::JsonCharset,
        Variant::NullOptionals,
        Variant::ExtraFields,
        Variant::Auth403,
        Variant::NotFound404,
        Variant::FloatUserId,
        Variant::IgnorePlainCryptoKeyId,
        Variant::LookupFirst,
        Variant::FreshCorrelationId,
        Variant::BankChecksMemberId,
        Variant::BankNameFirst,
        Variant::BankClosed,
        Variant::RateLimited,
        Variant::Transient503,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::EmptyAsMissing => "empty-as-missing",
            Variant::StrictContentType => "strict-content-type",
            Variant::LenientContentType => "lenient-content-type",
            Variant::JsonCharset => "json-charset",
            Variant::NullOptionals => "null-optionals",
            Variant::ExtraFields => "extra-fields",
            Variant::Auth403 => "auth-403",
            Variant::NotFound404 => "not-found-404",
            Variant::FloatUserId => "float-user-id",
            Variant::IgnorePlainCryptoKeyId => "ignore-plain-crypto-key-id",
            Variant::LookupFirst => "lookup-first",
            Variant::FreshCorrelationId => "fresh-correlation-id",
            Variant::BankChecksMemberId => "bank-checks-member-id",
            Variant::BankNameFirst => "bank-name-first",
            Variant::BankClosed => "bank-closed",
            Variant::RateLimited => "rate-limited",
            Variant::Transient503 => "transient-503",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Variant::EmptyAsMissing => {
                "answer an empty required string as a missing field (000_003 naming it) (D1)"
            }
            Variant::StrictContentType => {
                "refuse a body declared as another type than JSON with HTTP 415 and an own code (D2)"
            }
            Variant::LenientContentType => "read a JSON body declared as text/plain as JSON (D2)",
            Variant::JsonCharset => "label answers application/json; charset=utf-8",
            Variant::NullOptionals => "send optional response fields without a value as null (D3)",
            Variant::ExtraFields => {
                "add undocumented fields beside the data and inside the envelope (D4)"
            }
            Variant::Auth403 => "answer authentication failures with HTTP 403, not 401 (D8)",
            Variant::NotFound404 => "answer an unknown member or card with HTTP 404 (D8)",
            Variant::FloatUserId => "read an integer written as 1.0 as the integer 1 (D5)",
            Variant::IgnorePlainCryptoKeyId => {
                "ignore a malformed X-KM-Crypto-Key-Id on a plaintext request (D6)"
            }
            Variant::LookupFirst => {
                "look the record up before checking the looked-up field's format (D9)"
            }
            Variant::FreshCorrelationId => {
                "answer a missing or malformed correlation id with a fresh well-formed one (D7)"
            }
            Variant::BankChecksMemberId => {
                "compare the member id with the account's too, answering 002_005 for another (E34)"
            }
            Variant::BankNameFirst => {
                "compare the holder's name before the birth date in the bank check (E34)"
            }
            Variant::BankClosed => {
                "answer every well-formed bank check as outside service hours, 002_006 (E35)"
            }
            Variant::RateLimited => {
                "admit 60 requests a second, answering the rest 429 with Retry-After: 1 and an envelope"
            }
            Variant::Transient503 => {
                "answer one request in 150 with 503, Retry-After: 0 and a plain-text body"
            }
        }
    }

    pub fn names() -> Vec<&'static str> {
        Variant::ALL.iter().map(|v| v.name()).collect()
    }

    /// Read the request body of `endpoint` (by catalogue id) this variant's way, before its
    /// fields are checked.
    pub(crate) fn alter_request(
        self,
        contract: &Contract,
        endpoint: &str,
        body: &mut Map<String, Value>,
    ) {
        let Some(endpoint) = contract.endpoint(endpoint) else {
            return;
        };
        match self {
            Variant::EmptyAsMissing => {
                body.retain(|k, v| !(endpoint.required_fields.contains(k) && v == ""));
            }
            Variant::FloatUserId => {
                let properties = contract.schema_properties(&endpoint.request_schema);
                for (name, value) in body.iter_mut() {
                    let integer = properties
                        .get(name)
                        .and_then(|r| r.get("type"))
                        .is_some_and(|t| t == "integer");
                    if integer && let Some(whole) = whole_number(value) {
                        *value = whole;
                    }
                }
            }
            _ => {}
        }
    }

    /// Change the chosen answer before it is serialized; `contract` says which response
    /// fields are optional.
    pub(crate) fn alter_answer(self, answer: &mut Answer, contract: &Contract) {
        let key = answer.key.as_str();
        match self {
            Variant::StrictContentType
                if key == "body-not-json"
                    && answer.field.as_deref() == Some(CONTENT_TYPE_FIELD) =>
            {
                answer.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
                answer.code = UNSUPPORTED_MEDIA_TYPE_CODE.to_owned();
                answer.message = "Unsupported media type; send application/json.".to_owned();
            }
            Variant::Auth403
                if matches!(
                    key,
                    "unknown-credentials" | "token-mismatch" | "stale-tran-time"
                ) =>
            {
                answer.status = StatusCode::FORBIDDEN;
            }
            Variant::NotFound404 if matches!(key, "unknown-member" | "unknown-card") => {
                answer.status = StatusCode::NOT_FOUND;
            }
            Variant::NullOptionals if key == SUCCESS => {
                let Some(endpoint) = answer.scope.and_then(|id| contract.endpoint(id)) else {
                    return;
                };
                let required = contract.schema_required(&endpoint.response_schema);
                for (name, _) in contract.schema_properties(&endpoint.response_schema) {
                    if !required.contains(&name)
                        && name != contract.catalogue.envelope.result_object
                    {
                        answer.data.entry(name).or_insert(Value::Null);
                    }
                }
            }
            Variant::ExtraFields if key == SUCCESS => {
                answer
                    .data
                    .insert("serverRegion".into(), Value::from("kr-central"));
            }
            _ => {}
        }
    }

    /// Change the envelope object (`response`) before it is serialized.
    pub(crate) fn alter_envelope(self, result: &mut Map<String, Value>) {
        if self == Variant::ExtraFields {
            result.insert("traceId".into(), Value::from("variant-trace-0001"));
        }
    }

    /// Change the serialized reply's headers.
    pub(crate) fn alter_reply(self, headers: &mut HeaderMap) {
        if self == Variant::JsonCharset {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a variant; known: {}", Variant::names().join(", "))]
pub struct UnknownVariant {
    pub name: String,
}

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| UnknownVariant { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_listed_once() {
        for v in Variant::ALL {
            assert_eq!(v.name().parse::<Variant>(), Ok(v));
        }
        let mut names = Variant::names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Variant::ALL.len());
        let err = "nope".parse::<Variant>().unwrap_err().to_string();
        assert!(err.contains("empty-as-missing"), "{err}");
    }
}
