//! Deliberate deviations from the documentation, one rule at a time, so the harness can be
//! shown to catch each one. Faults name the endpoints they concern by catalogue id and the
//! answers by catalogue key. The pipeline asks at four well-defined points:
//!
//! 0. [`Fault::alter_request`] on the (decrypted) request body, before its fields are
//!    checked: a fault may read a field differently;
//! 1. [`Fault::enforces`] before each request check (headers, token, body): a fault may
//!    switch exactly one check off;
//! 2. [`Fault::alter_answer`] after the faithful answer is chosen (status, code, message,
//!    data, encryption, delay) and before it is serialized; the answer says which endpoint
//!    and which catalogue key it is, so a fault touches only the cases its rule covers;
//! 3. [`Fault::alter_reply`] on the serialized reply (headers and bytes) just before it is
//!    sent.
//!
//! A new fault is a variant, a name, a description, and one arm at one point.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;

use serde_json::Map;

use super::answer::{Answer, Recipient};
use super::codebook::{Codebook, SUCCESS};

/// The endpoints faults single out, by catalogue id.
const CARD_INFO: &str = "card-info";
const BANK_ACCOUNT_VALID: &str = "bank-account-valid";
const DEDUCTION_INFO: &str = "deduction-info";
/// The card number field, which [`Fault::AcceptLongCardNo`] reads by its first 16 digits.
const CARD_NO: &str = "cardNo";
const CARD_NO_LENGTH: usize = 16;

/// How late [`Fault::SlowMemberLookup`] answers: beyond the mutants run's 2 s time budget
/// (`MutantsOptions::timeout`), so the run sees a timeout.
pub const SLOW_RESPONSE: Duration = Duration::from_millis(2500);

/// The code [`Fault::UndocumentedCode`] answers with: well-formed, but neither documented
/// nor one of the catalogue's conventions.
const UNDOCUMENTED_CODE: &str = "000_004";

/// A request check a fault may switch off (the others cannot be skipped: later checks
/// need what they establish).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    Credentials,
    TranTimeSkew,
    TranToken,
    ContentType,
    /// X-KM-Time-Zone must be present (off: a request without it is read as KST).
    TimeZonePresent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    // Point 1: a request check switched off.
    /// Any well-formed tran token is accepted, whatever body it was computed over.
    AcceptAnyToken,
    /// A tran time however far from the server clock is accepted.
    AcceptStaleTranTime,
    /// An ASP id and access key the server never issued are accepted.
    AcceptUnknownCredentials,
    /// A JSON body declared as another content type is read as JSON.
    AcceptAnyContentType,
    /// A request without X-KM-Time-Zone is accepted, its time read as KST.
    AcceptMissingTimeZone,
    /// A cardNo longer than 16 digits is accepted and looked up by its first 16.
    AcceptLongCardNo,

    // Point 2: the answer changed.
    /// Success answers carry a message other than the one the page prints.
    WrongSuccessMessage,
    /// card/info's 000_002 carries a message other than the one the page prints.
    WrongErrorMessage,
    /// A holder-name mismatch is answered with 002_007 (account not found), not 002_003.
    NameMismatchAsNotFound,
    /// card/info's 000_002 comes with HTTP 422 instead of 400.
    InvalidInput422,
    /// A non-tradable account (002_008) is answered with success.
    FrozenAccountAccepted,
    /// card/info's 000_003 does not name the missing field (errata E10).
    MissingFieldUnnamed,
    /// A documented error (002_002, name check unavailable) comes with HTTP 500.
    NameCheck500,
    /// An unknown card is answered with a code neither documented nor catalogued.
    UndocumentedCode,
    /// card/info successes lack the required serviceName.
    NoServiceName,
    /// card/info balances are JSON strings.
    BalanceAsString,
    /// card/info balances are negative.
    NegativeBalance,
    /// A mapped card's userId is beyond the documented maximum.
    UserIdOverMax,
    /// card/info userIds above 2^53 pass through a 64-bit float and come back rounded.
    RoundedUserId,
    /// A terminated card's status is CLOSED, a value the docs do not list.
    CardStatusClosed,
    /// serviceId has 14 characters instead of 15.
    ServiceIdOf14,
    /// A card mapped to no member reports userId 0 instead of null.
    UnmappedUserId,
    /// isAuthed says the opposite of the member's authentication state.
    IsAuthedInverted,
    /// An encrypted card/info request gets a plain success.
    PlainCardAnswer,
    /// card/info successes are encrypted for the server's own key, not the partner's.
    WrongEncryptionKey,
    /// deduction/info successes arrive after [`SLOW_RESPONSE`].
    SlowMemberLookup,

    // Point 3: the reply changed.
    /// Responses do not echo `X-KM-Correlation-Id`.
    NoCorrelationEcho,
    /// Responses carry a freshly made `X-KM-Correlation-Id` instead of the request's.
    CorrelationRegenerated,
    /// Responses are labelled `text/plain` although their body is JSON.
    TextPlainContentType,

    // Issue 21: what a real network hides.
    /// Every request is refused as unknown credentials, whatever it carries.
    RejectAll,
    /// Bank checks that would succeed are answered 002_006 (outside service hours), while
    /// the same bank's other checks are answered as an open bank does.
    OneAccountClosed,
    /// Successes carry `"code"` twice in their envelope, an undocumented code first.
    DuplicateMemberNames,
    /// The tran token is checked against the body re-serialized compactly, not the bytes
    /// that were sent.
    TokenOverReserializedBody,
}

impl Fault {
    pub const ALL: [Fault; 33] = [
        Fault::AcceptAnyToken,
        Fault::AcceptStaleTranTime,
        Fault::AcceptUnknownCredentials,
        Fault::AcceptAnyContentType,
        Fault::AcceptMissingTimeZone,
        Fault::AcceptLongCardNo,
        Fault::WrongSuccessMessage,
        Fault::WrongErrorMessage,
        Fault::NameMismatchAsNotFound,
        Fault::InvalidInput422,
        Fault::FrozenAccountAccepted,
        Fault::MissingFieldUnnamed,
        Fault::NameCheck500,
        Fault::UndocumentedCode,
        Fault::NoServiceName,
        Fault::BalanceAsString,
        Fault::NegativeBalance,
        Fault::UserIdOverMax,
        Fault::RoundedUserId,
        Fault::CardStatusClosed,
        Fault::ServiceIdOf14,
        Fault::UnmappedUserId,
        Fault::IsAuthedInverted,
        Fault::PlainCardAnswer,
        Fault::WrongEncryptionKey,
        Fault::SlowMemberLookup,
        Fault::NoCorrelationEcho,
        Fault::CorrelationRegenerated,
        Fault::TextPlainContentType,
        Fault::RejectAll,
        Fault::OneAccountClosed,
        Fault::DuplicateMemberNames,
        Fault::TokenOverReserializedBody,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::AcceptAnyToken => "accept-any-token",
            Fault::AcceptStaleTranTime => "accept-stale-tran-time",
            Fault::AcceptUnknownCredentials => "accept-unknown-credentials",
            Fault::AcceptAnyContentType => "accept-any-content-type",
            Fault::AcceptMissingTimeZone => "accept-missing-time-zone",
            Fault::AcceptLongCardNo => "accept-long-card-no",
            Fault::WrongSuccessMessage => "wrong-success-message",
            Fault::WrongErrorMessage => "wrong-error-message",
            Fault::NameMismatchAsNotFound => "name-mismatch-as-not-found",
            Fault::InvalidInput422 => "invalid-input-422",
            Fault::FrozenAccountAccepted => "frozen-account-accepted",
            Fault::MissingFieldUnnamed => "missing-field-unnamed",
            Fault::NameCheck500 => "name-check-500",
            Fault::UndocumentedCode => "undocumented-code",
            Fault::NoServiceName => "no-service-name",
            Fault::BalanceAsString => "balance-as-string",
            Fault::NegativeBalance => "negative-balance",
            Fault::UserIdOverMax => "user-id-over-max",
            Fault::RoundedUserId => "rounded-user-id",
            Fault::CardStatusClosed => "card-status-closed",
            Fault::ServiceIdOf14 => "service-id-of-14",
            Fault::UnmappedUserId => "unmapped-user-id",
            Fault::IsAuthedInverted => "is-authed-inverted",
            Fault::PlainCardAnswer => "plain-card-answer",
            Fault::WrongEncryptionKey => "wrong-encryption-key",
            Fault::SlowMemberLookup => "slow-member-lookup",
            Fault::NoCorrelationEcho => "no-correlation-echo",
            Fault::CorrelationRegenerated => "correlation-regenerated",
            Fault::TextPlainContentType => "text-plain-content-type",
            Fault::RejectAll => "reject-all",
            Fault::OneAccountClosed => "one-account-closed",
            Fault::DuplicateMemberNames => "duplicate-member-names",
            Fault::TokenOverReserializedBody => "token-over-reserialized-body",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Fault::AcceptAnyToken => "accept a well-formed tran token without checking its MAC",
            Fault::AcceptStaleTranTime => {
                "accept a tran time however far it is from the server clock"
            }
            Fault::AcceptUnknownCredentials => {
                "accept an ASP id and access key the server never issued"
            }
            Fault::AcceptAnyContentType => {
                "read the body as JSON whatever Content-Type the request declares"
            }
            Fault::AcceptMissingTimeZone => {
                "accept a request without X-KM-Time-Zone, reading its tran time as KST"
            }
            Fault::AcceptLongCardNo => {
                "accept a cardNo of more than 16 digits, looking up its first 16"
            }
            Fault::WrongSuccessMessage => "answer success with a message the docs do not print",
            Fault::WrongErrorMessage => {
                "answer card/info's 000_002 with a message the docs do not print"
            }
            Fault::NameMismatchAsNotFound => {
                "answer a holder-name mismatch with 002_007 instead of 002_003"
            }
            Fault::InvalidInput422 => "answer card/info's 000_002 with HTTP 422 instead of 400",
            Fault::FrozenAccountAccepted => "answer a non-tradable account (002_008) with success",
            Fault::MissingFieldUnnamed => {
                "answer card/info's 000_003 without naming the missing field"
            }
            Fault::NameCheck500 => {
                "answer 002_002 (name check unavailable) with HTTP 500 instead of 400"
            }
            Fault::UndocumentedCode => {
                "answer an unknown card with 000_004, a code neither documented nor catalogued"
            }
            Fault::NoServiceName => "leave the required serviceName out of card/info successes",
            Fault::BalanceAsString => "send card/info balances as JSON strings",
            Fault::NegativeBalance => "report non-zero card/info balances as negative amounts",
            Fault::UserIdOverMax => {
                "report a mapped card's userId plus 10^19, beyond the documented maximum"
            }
            Fault::RoundedUserId => {
                "round card/info userIds above 2^53 through a 64-bit float (as JavaScript does)"
            }
            Fault::CardStatusClosed => {
                "report a terminated card as CLOSED, a cardStatus the docs do not list"
            }
            Fault::ServiceIdOf14 => "report serviceId with 14 characters instead of 15",
            Fault::UnmappedUserId => {
                "report userId 0 instead of null for a card mapped to no member"
            }
            Fault::IsAuthedInverted => "report isAuthed as the opposite of the member's state",
            Fault::PlainCardAnswer => "answer an encrypted card/info request with a plain success",
            Fault::WrongEncryptionKey => {
                "encrypt card/info successes for the server's own key instead of the partner's"
            }
            Fault::SlowMemberLookup => {
                "answer deduction/info successes after 2.5 s, beyond a 2 s time budget"
            }
            Fault::NoCorrelationEcho => "leave X-KM-Correlation-Id out of every response",
            Fault::CorrelationRegenerated => {
                "answer with a fresh X-KM-Correlation-Id instead of the request's"
            }
            Fault::TextPlainContentType => "label JSON answers Content-Type text/plain",
            Fault::RejectAll => "refuse every request as unknown credentials (HTTP 401)",
            Fault::OneAccountClosed => {
                "answer a bank check that would succeed with 002_006 while the same bank answers the others"
            }
            Fault::DuplicateMemberNames => {
                "write successes with \"code\" twice in the envelope, 999_999 first"
            }
            Fault::TokenOverReserializedBody => {
                "check the tran token over the body re-serialized compactly, not the bytes sent"
            }
        }
    }

    /// The endpoint this fault's rule belongs to, or `None` for a rule every endpoint
    /// shares. A run whose features never send to that endpoint cannot catch it, and
    /// `mutants` says so instead of counting it as survived.
    pub fn endpoint(self) -> Option<&'static str> {
        match self {
            Fault::AcceptLongCardNo
            | Fault::WrongErrorMessage
            | Fault::InvalidInput422
            | Fault::MissingFieldUnnamed
            | Fault::UndocumentedCode
            | Fault::NoServiceName
            | Fault::BalanceAsString
            | Fault::NegativeBalance
            | Fault::UserIdOverMax
            | Fault::RoundedUserId
            | Fault::CardStatusClosed
            | Fault::ServiceIdOf14
            | Fault::UnmappedUserId
            | Fault::PlainCardAnswer
            | Fault::WrongEncryptionKey => Some(CARD_INFO),
            Fault::IsAuthedInverted | Fault::SlowMemberLookup => Some(DEDUCTION_INFO),
            Fault::NameMismatchAsNotFound
            | Fault::FrozenAccountAccepted
            | Fault::NameCheck500
            | Fault::OneAccountClosed => Some(BANK_ACCOUNT_VALID),
            Fault::AcceptAnyToken
            | Fault::AcceptStaleTranTime
            | Fault::AcceptUnknownCredentials
            | Fault::AcceptAnyContentType
            | Fault::AcceptMissingTimeZone
            | Fault::WrongSuccessMessage
            | Fault::NoCorrelationEcho
            | Fault::CorrelationRegenerated
            | Fault::TextPlainContentType
            | Fault::RejectAll
            | Fault::DuplicateMemberNames
            | Fault::TokenOverReserializedBody => None,
        }
    }

    /// Every fault name, for help texts and errors.
    pub fn names() -> Vec<&'static str> {
        Fault::ALL.iter().map(|f| f.name()).collect()
    }

    /// Point 1: whether `check` runs under this fault.
    pub fn enforces(self, check: Check) -> bool {
        let skipped = match self {
            Fault::AcceptAnyToken => Check::TranToken,
            Fault::AcceptStaleTranTime => Check::TranTimeSkew,
            Fault::AcceptUnknownCredentials => Check::Credentials,
            Fault::AcceptAnyContentType => Check::ContentType,
            Fault::AcceptMissingTimeZone => Check::TimeZonePresent,
            _ => return true,
        };
        check != skipped
    }

    /// Point 0: read the request body of `endpoint` differently before its fields are
    /// checked.
    pub(crate) fn alter_request(self, endpoint: &str, body: &mut Map<String, Value>) {
        if self == Fault::AcceptLongCardNo
            && endpoint == CARD_INFO
            && let Some(Value::String(no)) = body.get_mut(CARD_NO)
            && no.len() > CARD_NO_LENGTH
            && no.bytes().all(|b| b.is_ascii_digit())
        {
            no.truncate(CARD_NO_LENGTH);
        }
    }

    /// The bytes the tran token is checked over: the body as sent, or (a fault) the body
    /// re-serialized compactly, as a server that parses before it verifies would.
    pub(crate) fn signed_bytes(self, raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
        if self == Fault::TokenOverReserializedBody
            && let Ok(value) = serde_json::from_slice::<Value>(raw)
            && let Ok(compact) = serde_json::to_vec(&value)
        {
            return std::borrow::Cow::Owned(compact);
        }
        std::borrow::Cow::Borrowed(raw)
    }

    /// Point 2: change the chosen answer before it is serialized. `book` holds the
    /// catalogued answers, so a fault that answers as another case spells no code itself.
    pub(crate) fn alter_answer(self, answer: &mut Answer, book: &Codebook) {
        let Some(api) = answer.scope else {
            return;
        };
        let key = answer.key.as_str();
        let success = key == SUCCESS;
        let data = &mut answer.data;
        let as_entry = |answer: &mut Answer, key: &str| {
            let entry = book.get(answer.scope, key);
            answer.status = entry.status;
            answer.code = entry.code.clone();
            answer.message = entry.message.clone();
            answer.data = Map::new();
            answer.encrypt = false;
        };
        match (self, api) {
            (Fault::RejectAll, _) => as_entry(answer, "unknown-credentials"),
            (Fault::OneAccountClosed, BANK_ACCOUNT_VALID) if success => {
                as_entry(answer, "outside-service-hours");
            }
            (Fault::WrongSuccessMessage, _) if success => answer.message = "OK".to_owned(),
            (Fault::WrongErrorMessage, CARD_INFO) if key == "invalid-input" => {
                answer.message = "Invalid input.".to_owned();
            }
            (Fault::NameMismatchAsNotFound, _) if key == "name-mismatch" => {
                answer.code = book.get(answer.scope, "account-not-found").code.clone();
            }
            (Fault::InvalidInput422, CARD_INFO) if key == "invalid-input" => {
                answer.status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            (Fault::FrozenAccountAccepted, _) if key == "account-not-tradable" => {
                let entry = book.get(answer.scope, "success");
                answer.status = entry.status;
                answer.code = entry.code.clone();
                answer.message = entry.message.clone();
            }
            (Fault::MissingFieldUnnamed, CARD_INFO) if key == "missing-field" => {
                if let Some(field) = &answer.field {
                    answer.message = answer
                        .message
                        .replace(field.as_str(), "")
                        .trim_end()
                        .to_owned();
                }
            }
            (Fault::NameCheck500, _) if key == "name-check-unavailable" => {
                answer.status = StatusCode::INTERNAL_SERVER_ERROR;
            }
            (Fault::UndocumentedCode, _) if key == "unknown-card" => {
                answer.code = UNDOCUMENTED_CODE.to_owned();
            }
            (Fault::NoServiceName, CARD_INFO) => {
                data.remove("serviceName");
            }
            (Fault::BalanceAsString, CARD_INFO) => {
                if let Some(b) = data.get_mut("balance") {
                    *b = Value::String(b.to_string());
                }
            }
            (Fault::NegativeBalance, CARD_INFO) => {
                if let Some(b) = data.get_mut("balance")
                    && let Some(n) = b.as_i64().filter(|n| *n > 0)
                {
                    *b = Value::from(-n);
                }
            }
            (Fault::UserIdOverMax, CARD_INFO) => {
                if let Some(id) = data.get_mut("userId")
                    && let Some(n) = id.as_u64()
                {
                    let over = u128::from(n) + 10_000_000_000_000_000_000;
                    if let Ok(v) = serde_json::from_str::<Value>(&over.to_string()) {
                        *id = v;
                    }
                }
            }
            (Fault::RoundedUserId, CARD_INFO) => {
                if let Some(id) = data.get_mut("userId")
                    && let Some(n) = id.as_u64().filter(|n| *n > 1 << 53)
                {
                    // The float's integer value, printed as an integer (no ".0").
                    *id = Value::from(n as f64 as u64);
                }
            }
            (Fault::CardStatusClosed, CARD_INFO) => {
                if let Some(status) = data.get_mut("cardStatus")
                    && status.as_str() == Some("TERMINATED")
                {
                    *status = Value::from("CLOSED");
                }
            }
            (Fault::ServiceIdOf14, CARD_INFO) => {
                if let Some(Value::String(id)) = data.get_mut("serviceId") {
                    id.pop();
                }
            }
            (Fault::UnmappedUserId, CARD_INFO) => {
                if let Some(id) = data.get_mut("userId")
                    && id.is_null()
                {
                    *id = Value::from(0);
                }
            }
            (Fault::IsAuthedInverted, DEDUCTION_INFO) => {
                if let Some(Value::Bool(authed)) = data.get_mut("isAuthed") {
                    *authed = !*authed;
                }
            }
            (Fault::PlainCardAnswer, CARD_INFO) => answer.encrypt = false,
            (Fault::WrongEncryptionKey, CARD_INFO) => answer.recipient = Recipient::Server,
            (Fault::SlowMemberLookup, DEDUCTION_INFO) if success => {
                answer.delay = Some(SLOW_RESPONSE);
            }
            _ => {}
        }
    }

    /// Point 3: change the serialized reply.
    pub(crate) fn alter_reply(self, headers: &mut HeaderMap, body: &mut Vec<u8>) {
        match self {
            Fault::DuplicateMemberNames => {
                const SUCCESS_CODE: &[u8] = br#""code":"000_000""#;
                if let Some(at) = body
                    .windows(SUCCESS_CODE.len())
                    .position(|w| w == SUCCESS_CODE)
                {
                    body.splice(at..at, br#""code":"999_999","#.iter().copied());
                }
            }
            Fault::NoCorrelationEcho => {
                headers.remove(super::headers::CORRELATION_ID);
            }
            Fault::CorrelationRegenerated => {
                let sent = headers.get(super::headers::CORRELATION_ID).cloned();
                let now = super::Clock::System.now();
                let mut rng = rand::rng();
                let fresh =
                    std::iter::repeat_with(|| crate::crypto::correlation_id(&now, &mut rng))
                        .filter_map(|id| HeaderValue::from_str(&id).ok())
                        .find(|id| Some(id) != sent.as_ref());
                if let Some(fresh) = fresh {
                    headers.insert(super::answer::CORRELATION_HEADER, fresh);
                }
            }
            Fault::TextPlainContentType => {
                headers.insert(
                    axum::http::header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
            }
            _ => {}
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name the sandbox does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{name}`; known faults: {}", Fault::names().join(", "))]
pub struct UnknownFault {
    pub name: String,
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        let err = "nope".parse::<Fault>().unwrap_err().to_string();
        assert!(
            err.contains("nope") && err.contains("accept-any-token"),
            "{err}"
        );
    }

    #[test]
    fn names_are_kebab_case_and_every_fault_is_listed_once() {
        let names: HashSet<_> = Fault::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Fault::ALL.len());
        assert!(Fault::ALL.len() >= 25);
        for f in Fault::ALL {
            let name = f.name();
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !name.starts_with('-')
                    && !name.ends_with('-')
                    && !name.contains("--"),
                "{name}"
            );
            assert!(!f.description().is_empty() && !f.description().contains('\n'));
        }
    }

    #[test]
    fn each_fault_switches_off_at_most_one_check() {
        let checks = [
            Check::Credentials,
            Check::TranTimeSkew,
            Check::TranToken,
            Check::ContentType,
            Check::TimeZonePresent,
        ];
        for f in Fault::ALL {
            let off = checks.iter().filter(|c| !f.enforces(**c)).count();
            assert!(off <= 1, "{f} switches off {off} checks");
        }
        assert!(!Fault::AcceptAnyToken.enforces(Check::TranToken));
        assert!(Fault::AcceptAnyToken.enforces(Check::Credentials));
        assert!(Fault::NoCorrelationEcho.enforces(Check::TranToken));
        for check in checks {
            assert!(
                Fault::ALL.iter().any(|f| !f.enforces(check)),
                "no fault switches off {check:?}"
            );
        }
    }

    #[test]
    fn the_long_card_fault_reads_only_the_first_sixteen_digits() {
        let body = |no: &str| {
            let mut m = Map::new();
            m.insert(CARD_NO.into(), Value::from(no));
            m
        };
        let mut long = body("94100000000000001");
        Fault::AcceptLongCardNo.alter_request(CARD_INFO, &mut long);
        assert_eq!(long, body("9410000000000000"));
        for (fault, endpoint, no) in [
            (Fault::AcceptLongCardNo, CARD_INFO, "941000000000000A1"),
            (Fault::AcceptLongCardNo, DEDUCTION_INFO, "94100000000000001"),
            (Fault::AcceptAnyToken, CARD_INFO, "94100000000000001"),
        ] {
            let mut b = body(no);
            fault.alter_request(endpoint, &mut b);
            assert_eq!(b, body(no), "{fault} on {endpoint}");
        }
    }

    #[test]
    fn the_slow_fault_is_beyond_the_mutants_time_budget() {
        assert!(SLOW_RESPONSE > crate::mutants::MutantsOptions::default().timeout);
    }
}
