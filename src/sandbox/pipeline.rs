//! One request, start to end: route, headers, body, endpoint rules, then the answer.
//!
//! Each step either passes or produces an [`Outcome`] (a response key, the field it
//! names, any data). Codes and messages are looked up only at the end, in
//! [`App::render`], from the codebook built out of the catalogue. Faults hook in at the
//! points described in [`super::fault`].

use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use chrono::NaiveTime;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value};

use super::codebook::{Api, Codebook, ResponseKey, Scope};
use super::credentials::{
    ACCESS_KEY, ASP_ID, CLIENT_PUBLIC_KEY_PEM, CRYPTO_KEY_ID, SECRET_KEY, SERVER_PRIVATE_KEY_PEM,
};
use super::fault::Check;
use super::fields::{self, AccountProblem};
use super::headers::{self, HeaderProblem, RequestHeaders};
use super::seed::{self, Store};
use super::{SandboxConfig, SandboxError};
use crate::contract::Contract;
use crate::contract::catalogue::{Encryption, Envelope};
use crate::crypto::ids::parse_tran_time;
use crate::crypto::jwe::{self, ContentEncryption};
use crate::crypto::keys::{private_key_from_pem, public_key_from_pem};
use crate::crypto::token::{TokenError, verify_tran_token};

pub(crate) const CORRELATION_HEADER: HeaderName = HeaderName::from_static("x-km-correlation-id");
pub(crate) const CRYPTO_KEY_HEADER: HeaderName = HeaderName::from_static("x-km-crypto-key-id");

/// An endpoint as the catalogue describes it.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    api: Api,
    method: Method,
    path: String,
    required: &'static [String],
    encryption: Encryption,
}

/// What the pipeline decided, before any code or message is looked up.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub scope: Scope,
    pub key: ResponseKey,
    /// Fills `{field}` in the message: a header or body field name.
    pub field: Option<&'static str>,
    /// Data fields beside the envelope (successes only).
    pub data: Map<String, Value>,
    /// Encrypt the body for the caller's key (encrypted successes only: errata E22).
    pub encrypt: bool,
}

impl Outcome {
    fn of(scope: Scope, key: ResponseKey) -> Outcome {
        Outcome {
            scope,
            key,
            field: None,
            data: Map::new(),
            encrypt: false,
        }
    }

    fn naming(scope: Scope, key: ResponseKey, field: &'static str) -> Outcome {
        Outcome {
            field: Some(field),
            ..Outcome::of(scope, key)
        }
    }

    fn success(api: Api, data: Map<String, Value>) -> Outcome {
        Outcome {
            data,
            ..Outcome::of(Scope::Endpoint(api), ResponseKey::Success)
        }
    }
}

/// Whose public key an encrypted answer is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recipient {
    /// The partner's (the key pair the request's crypto key id stands for).
    Client,
    /// The server's own: only a fault does that.
    Server,
}

/// The answer with its code and message resolved, before serialization (fault point 2).
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// Which endpoint answers and which catalogue answer this is: read, not changed, by
    /// faults that concern one case only.
    pub scope: Scope,
    pub key: ResponseKey,
    /// The field the message names, if any.
    pub field: Option<&'static str>,
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub data: Map<String, Value>,
    pub encrypt: bool,
    pub recipient: Recipient,
    /// Held back this long before it is sent (besides the configured latency).
    pub delay: Option<Duration>,
}

/// Bytes on their way out.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
}

/// A request whose route and headers passed; its body is next.
#[derive(Debug)]
pub(crate) struct Admitted<'h> {
    route: &'h Route,
    headers: RequestHeaders<'h>,
}

/// Everything a request is answered from. Built once per sandbox.
pub(crate) struct App {
    pub(crate) config: SandboxConfig,
    codebook: Codebook,
    envelope: Envelope,
    routes: Vec<Route>,
    store: &'static Store,
    server_key: RsaPrivateKey,
    server_public_key: RsaPublicKey,
    client_key: RsaPublicKey,
}

impl App {
    pub(crate) fn new(config: SandboxConfig) -> Result<App, SandboxError> {
        let contract = Contract::shared()?;
        let catalogue = &contract.catalogue;
        let codebook = Codebook::new(catalogue, &config.conventions)?;
        let mut routes = Vec::new();
        for api in Api::ALL {
            let endpoint =
                catalogue
                    .endpoint(api.id())
                    .ok_or_else(|| SandboxError::MissingEndpoint {
                        id: api.id().to_owned(),
                    })?;
            let method = Method::from_bytes(endpoint.method.as_bytes()).map_err(|_| {
                SandboxError::MissingEndpoint {
                    id: format!("{} (method {:?})", api.id(), endpoint.method),
                }
            })?;
            routes.push(Route {
                api,
                method,
                path: format!("{}{}", catalogue.base_path, endpoint.path),
                required: &endpoint.required_fields,
                encryption: endpoint.encryption,
            });
        }
        let server_key = private_key_from_pem(SERVER_PRIVATE_KEY_PEM)
            .map_err(|e| SandboxError::Key(e.to_string()))?;
        Ok(App {
            codebook,
            envelope: catalogue.envelope.clone(),
            routes,
            store: seed::store(),
            server_public_key: RsaPublicKey::from(&server_key),
            server_key,
            client_key: public_key_from_pem(CLIENT_PUBLIC_KEY_PEM)
                .map_err(|e| SandboxError::Key(e.to_string()))?,
            config,
        })
    }

    fn enforces(&self, check: Check) -> bool {
        self.config.fault.is_none_or(|f| f.enforces(check))
    }

    /// The value to echo as `X-KM-Correlation-Id`: the request's own (even a malformed
    /// one: it is what the caller tracks), or a fresh one when none was sent.
    pub(crate) fn correlation_for(&self, headers: &HeaderMap) -> HeaderValue {
        match headers.get(&CORRELATION_HEADER) {
            Some(v) if !v.is_empty() => v.clone(),
            _ => {
                let id = crate::crypto::correlation_id(&self.config.clock.now(), &mut rand::rng());
                HeaderValue::from_str(&id)
                    .unwrap_or(HeaderValue::from_static("000101000000-0000000"))
            }
        }
    }

    /// Route and headers: everything that does not need the body.
    pub(crate) fn admit<'h>(
        &'h self,
        method: &Method,
        path: &str,
        headers: &'h HeaderMap,
    ) -> Result<Admitted<'h>, Outcome> {
        let Some(route) = self
            .routes
            .iter()
            .find(|r| r.path == path && r.method == method)
        else {
            return Err(Outcome::of(Scope::Unrouted, ResponseKey::UnknownPath));
        };
        let scope = Scope::Endpoint(route.api);
        let zone_default =
            (!self.enforces(Check::TimeZonePresent)).then_some(crate::crypto::TimeZoneName::Kst);
        let read = headers::read_with(headers, zone_default).map_err(|problem| match problem {
            HeaderProblem::Missing(name) => {
                Outcome::naming(scope, ResponseKey::MissingHeader, name)
            }
            HeaderProblem::Malformed(name) => {
                Outcome::naming(scope, ResponseKey::MalformedHeader, name)
            }
        })?;
        if self.enforces(Check::Credentials) {
            let known = read.asp_id == ASP_ID
                && constant_time_eq(read.access_key.as_bytes(), ACCESS_KEY.as_bytes());
            if !known {
                return Err(Outcome::of(scope, ResponseKey::UnknownCredentials));
            }
        }
        if self.enforces(Check::TranTimeSkew) {
            let fresh = parse_tran_time(read.tran_time, read.zone)
                .is_some_and(|sent| (sent - self.config.clock.now()).abs() <= self.config.skew);
            if !fresh {
                return Err(Outcome::of(scope, ResponseKey::StaleTranTime));
            }
        }
        Ok(Admitted {
            route,
            headers: read,
        })
    }

    /// The body: its token, its form, its encryption, then the endpoint's own rules.
    /// `raw` is `None` when the body was over the size limit or could not be read.
    pub(crate) fn answer(
        &self,
        admitted: &Admitted<'_>,
        headers: &HeaderMap,
        raw: Option<&[u8]>,
    ) -> Outcome {
        let route = admitted.route;
        let scope = Scope::Endpoint(route.api);
        // Verifying the token means holding the whole body, so an oversize one is refused
        // as such before its token is looked at.
        let Some(raw) = raw else {
            return Outcome::of(scope, ResponseKey::BodyNotJson);
        };
        if self.enforces(Check::TranToken) {
            match verify_tran_token(SECRET_KEY.as_bytes(), raw, admitted.headers.tran_token) {
                Ok(_) => {}
                Err(TokenError::Mismatch) => return Outcome::of(scope, ResponseKey::TokenMismatch),
                // The format was checked with the headers; this only guards the invariant.
                Err(_) => {
                    return Outcome::naming(
                        scope,
                        ResponseKey::MalformedHeader,
                        headers::TRAN_TOKEN,
                    );
                }
            }
        }
        if self.enforces(Check::ContentType) && !headers::is_json_content_type(headers) {
            return Outcome::of(scope, ResponseKey::BodyNotJson);
        }
        let Some(body) = json_object(raw) else {
            return Outcome::of(scope, ResponseKey::BodyNotJson);
        };

        let encrypted =
            route.encryption.request && body.contains_key(&self.envelope.encrypted_field);
        let body = if encrypted {
            match self.decrypt(scope, &body, admitted.headers.crypto_key_id) {
                Ok(plain) => plain,
                Err(outcome) => return outcome,
            }
        } else {
            body
        };

        let mut outcome = match route.api {
            Api::DeductionInfo => self.deduction_info(route, &body),
            Api::CardInfo => self.card_info(route, &body),
            Api::BankAccountValid => self.bank_account_valid(route, &body),
        };
        // Errata E22: only an encrypted request's success is encrypted, and only where
        // the endpoint encrypts responses.
        outcome.encrypt =
            encrypted && outcome.key == ResponseKey::Success && route.encryption.response;
        outcome
    }

    /// `{"encData": JWE}` to the plaintext object inside.
    fn decrypt(
        &self,
        scope: Scope,
        body: &Map<String, Value>,
        crypto_key_id: Option<&str>,
    ) -> Result<Map<String, Value>, Outcome> {
        let Some(key_id) = crypto_key_id else {
            return Err(Outcome::naming(
                scope,
                ResponseKey::MissingHeader,
                headers::CRYPTO_KEY_ID,
            ));
        };
        if !constant_time_eq(key_id.as_bytes(), CRYPTO_KEY_ID.as_bytes()) {
            return Err(Outcome::of(scope, ResponseKey::UnknownCryptoKey));
        }
        // The encrypted form is exactly one member: anything beside encData would be sent
        // in the clear by mistake.
        let compact = match body.get(&self.envelope.encrypted_field) {
            Some(Value::String(s)) if body.len() == 1 => s,
            _ => return Err(Outcome::of(scope, ResponseKey::UndecryptableBody)),
        };
        let plaintext = jwe::decrypt(compact, &self.server_key)
            .map_err(|_| Outcome::of(scope, ResponseKey::UndecryptableBody))?;
        json_object(&plaintext).ok_or_else(|| Outcome::of(scope, ResponseKey::BodyNotJson))
    }

    fn deduction_info(&self, route: &Route, body: &Map<String, Value>) -> Outcome {
        let scope = Scope::Endpoint(route.api);
        if let Some(field) = fields::first_missing(body, route.required) {
            return Outcome::naming(scope, ResponseKey::MissingField, field);
        }
        let Some(user_id) = body.get("userId").and_then(fields::user_id) else {
            return Outcome::naming(scope, ResponseKey::InvalidInput, "userId");
        };
        match self.store.member(user_id) {
            None => Outcome::of(scope, ResponseKey::UnknownMember),
            Some(member) => {
                let mut data = Map::new();
                data.insert("isAuthed".into(), Value::Bool(member.is_authed));
                Outcome::success(route.api, data)
            }
        }
    }

    fn card_info(&self, route: &Route, body: &Map<String, Value>) -> Outcome {
        let scope = Scope::Endpoint(route.api);
        if let Some(field) = fields::first_missing(body, route.required) {
            return Outcome::naming(scope, ResponseKey::MissingField, field);
        }
        let card_no = if self.enforces(Check::CardNoLength) {
            fields::card_no
        } else {
            fields::card_no_prefix
        };
        let Some(card_no) = body.get("cardNo").and_then(card_no) else {
            return Outcome::naming(scope, ResponseKey::InvalidInput, "cardNo");
        };
        let Some(card) = self.store.card(card_no) else {
            return Outcome::of(scope, ResponseKey::UnknownCard);
        };
        let mut data = Map::new();
        // Errata E11: an unmapped card says so with an explicit null.
        data.insert(
            "userId".into(),
            card.user_id.map_or(Value::Null, Value::from),
        );
        data.insert("balance".into(), Value::from(card.balance));
        data.insert("serviceId".into(), Value::from(card.service_id));
        data.insert("serviceName".into(), Value::from(card.service_name));
        if let Some(owner) = card.owner_ka {
            data.insert("ownerKa".into(), Value::from(owner));
        }
        if let Some(receipt) = &card.cash_receipt {
            let mut info = Map::new();
            info.insert("approvalDiv".into(), Value::from(receipt.approval_div));
            info.insert("idNo".into(), Value::from(receipt.id_no.as_str()));
            info.insert("manYn".into(), Value::from(receipt.man_yn));
            data.insert("cashReceiptInfo".into(), Value::Object(info));
        }
        data.insert("cardStatus".into(), Value::from(card.status));
        data.insert(
            "isAutoRechargeBeforePayment".into(),
            Value::Bool(card.auto_recharge),
        );
        Outcome::success(route.api, data)
    }

    fn bank_account_valid(&self, route: &Route, body: &Map<String, Value>) -> Outcome {
        let scope = Scope::Endpoint(route.api);
        if let Some(field) = fields::first_missing(body, route.required) {
            return Outcome::naming(scope, ResponseKey::MissingField, field);
        }
        let field = |name: &str| body.get(name).unwrap_or(&Value::Null);
        let invalid = |name: &'static str| Outcome::naming(scope, ResponseKey::InvalidInput, name);
        // Form checks follow the catalogue's field order too.
        let bank_account = match fields::bank_account(field("bankAccount")) {
            Ok(a) => a,
            Err(AccountProblem::BadText) => {
                return Outcome::naming(scope, ResponseKey::AccountFormat, "bankAccount");
            }
            Err(AccountProblem::NotText) => return invalid("bankAccount"),
        };
        let Some(bank_code) = fields::bank_code(field("bankCode")) else {
            return invalid("bankCode");
        };
        let Some(birth_date) = fields::birth_date(field("birthDate")) else {
            return invalid("birthDate");
        };
        let Some(user_id) = fields::user_id(field("userId")) else {
            return invalid("userId");
        };
        let Some(user_name) = fields::user_name(field("userName")) else {
            return invalid("userName");
        };

        if let Some(closed) = self.bank_hours() {
            return Outcome::of(scope, closed);
        }
        let Some(account) = self.store.account(bank_code, bank_account) else {
            return Outcome::of(scope, ResponseKey::AccountNotFound);
        };
        if let Some(refusal) = account.refusal {
            return Outcome::of(scope, refusal);
        }
        if account.birth_date != birth_date || account.user_id != user_id {
            return Outcome::of(scope, ResponseKey::UserNotFound);
        }
        if account.holder_name != user_name {
            return Outcome::of(scope, ResponseKey::NameMismatch);
        }
        Outcome::success(route.api, Map::new())
    }

    /// The banks' nightly window (KST): from 23:30 they are outside service hours, from
    /// midnight to 00:30 not yet open for business.
    fn bank_hours(&self) -> Option<ResponseKey> {
        bank_window(self.config.bank_clock.now().time())
    }

    /// The answer for `outcome`, serialized, with `correlation` echoed.
    pub(crate) fn render(&self, outcome: Outcome, correlation: HeaderValue) -> Reply {
        let entry = self.codebook.get(outcome.scope, outcome.key);
        let message = match &outcome.field {
            Some(field) => entry.message.replace("{field}", field),
            None => entry.message.clone(),
        };
        let mut answer = Answer {
            scope: outcome.scope,
            key: outcome.key,
            field: outcome.field,
            status: entry.status,
            code: entry.code.clone(),
            message,
            data: outcome.data,
            encrypt: outcome.encrypt,
            recipient: Recipient::Client,
            delay: None,
        };
        if let Some(fault) = self.config.fault {
            fault.alter_answer(&mut answer, &self.codebook);
        }

        let mut result = Map::new();
        result.insert(self.envelope.code_field.clone(), Value::String(answer.code));
        result.insert(
            self.envelope.message_field.clone(),
            Value::String(answer.message),
        );
        let mut document = Map::new();
        document.insert(self.envelope.result_object.clone(), Value::Object(result));
        document.extend(answer.data);
        let plain = Value::Object(document).to_string().into_bytes();

        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CORRELATION_HEADER, correlation);
        let mut body = plain;
        if answer.encrypt {
            // The request named this key id (decrypt() accepts no other), so the answer is
            // made for the key pair it stands for. Encryption only fails for want of
            // randomness or on a body over 1 MiB; the answer then goes out plain, which
            // the caller sees as a broken E22 promise rather than as a 5xx.
            let key = match answer.recipient {
                Recipient::Client => &self.client_key,
                Recipient::Server => &self.server_public_key,
            };
            if let (Ok(compact), Ok(key_header)) = (
                jwe::encrypt(&body, key, ContentEncryption::A128Gcm, Some(CRYPTO_KEY_ID)),
                HeaderValue::from_str(CRYPTO_KEY_ID),
            ) {
                let mut wrapper = Map::new();
                wrapper.insert(
                    self.envelope.encrypted_field.clone(),
                    Value::String(compact),
                );
                body = Value::Object(wrapper).to_string().into_bytes();
                headers.insert(CRYPTO_KEY_HEADER, key_header);
            }
        }
        if let Some(fault) = self.config.fault {
            fault.alter_reply(&mut headers, &mut body);
        }
        Reply {
            status: answer.status,
            headers,
            body,
            delay: answer.delay,
        }
    }
}

/// Which bank-hours answer applies at `time` (KST), if any.
pub(crate) fn bank_window(time: NaiveTime) -> Option<ResponseKey> {
    let closing = NaiveTime::from_hms_opt(23, 30, 0)?;
    let opening = NaiveTime::from_hms_opt(0, 30, 0)?;
    if time >= closing {
        Some(ResponseKey::OutsideServiceHours)
    } else if time < opening {
        Some(ResponseKey::BeforeBusinessHours)
    } else {
        None
    }
}

/// Compare without stopping at the first difference, so timing tells nothing about how
/// much of a guessed key was right (the lengths are public: the docs fix them).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

/// Bytes to a JSON object, or `None` (not UTF-8, not JSON, or JSON but not an object).
fn json_object(raw: &[u8]) -> Option<Map<String, Value>> {
    let text = std::str::from_utf8(raw).ok()?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("12:00:00", None)]
    #[case("23:29:59", None)]
    #[case("23:30:00", Some(ResponseKey::OutsideServiceHours))]
    #[case("23:59:59", Some(ResponseKey::OutsideServiceHours))]
    #[case("00:00:00", Some(ResponseKey::BeforeBusinessHours))]
    #[case("00:29:59", Some(ResponseKey::BeforeBusinessHours))]
    #[case("00:30:00", None)]
    fn the_bank_window(#[case] time: &str, #[case] key: Option<ResponseKey>) {
        let time = NaiveTime::parse_from_str(time, "%H:%M:%S").unwrap();
        assert_eq!(bank_window(time), key);
    }

    #[rstest]
    #[case(b"{}".as_slice(), true)]
    #[case(b"{\"a\":1}".as_slice(), true)]
    #[case(b"[]".as_slice(), false)]
    #[case(b"null".as_slice(), false)]
    #[case(b"".as_slice(), false)]
    #[case(b"{\"a\":\xff}".as_slice(), false)]
    #[case(b"{} {}".as_slice(), false)]
    fn json_objects(#[case] raw: &[u8], #[case] object: bool) {
        assert_eq!(json_object(raw).is_some(), object);
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert!(json_object(deep.as_bytes()).is_none());
    }
}
