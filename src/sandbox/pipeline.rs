//! One request, start to end: route, headers, body, endpoint rules, then the answer.
//!
//! Each step either passes or produces an [`Outcome`] (a response key, the field it
//! names, any data). Codes and messages are looked up only at the end, in
//! [`App::render`], from the codebook built out of the catalogue. Faults hook in at the
//! points described in [`super::fault`].

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value};

pub(crate) use super::answer::{Answer, CORRELATION_HEADER, Recipient, Reply};
use super::bank::{self, Bank};
use super::codebook::{Codebook, SUCCESS, Scope, UNKNOWN_PATH};
use super::credentials::{
    ACCESS_KEY, ASP_ID, CLIENT_PUBLIC_KEY_PEM, CRYPTO_KEY_ID, SECRET_KEY, SERVER_PRIVATE_KEY_PEM,
};
use super::fault::Check;
use super::headers::{self, HeaderProblem, RequestHeaders};
use super::lookup::RecordLookup;
use super::records::Records;
use super::validate::RequestRules;
use super::variant::{CONTENT_TYPE_FIELD, Variant};
use super::{SandboxConfig, SandboxError};
use crate::contract::Endpoint;
use crate::contract::catalogue::Envelope;
use crate::crypto::ids::parse_tran_time;
use crate::crypto::jwe::{self, ContentEncryption};
use crate::crypto::keys::{private_key_from_pem, public_key_from_pem};
use crate::crypto::token::{TokenError, verify_tran_token};

pub(crate) const CRYPTO_KEY_HEADER: HeaderName = HeaderName::from_static("x-km-crypto-key-id");

/// How an endpoint's answer is found once its request passed every check.
#[derive(Debug, Clone)]
pub(crate) enum Handler {
    /// The catalogue's declarative lookup.
    Lookup(RecordLookup),
    /// Rust logic registered for the endpoint's id.
    Bank(Bank),
}

impl Handler {
    /// The Rust logic registered for endpoint `id`, if any: the only place the sandbox
    /// names an endpoint.
    fn registered(id: &str, records: &Records, config: &SandboxConfig) -> Option<Handler> {
        match id {
            bank::ENDPOINT => Some(Handler::Bank(Bank::new(
                records,
                if config.variants.contains(&Variant::BankClosed) {
                    bank::Clock::kst_time_of_day(bank::CLOSED_AT)
                } else {
                    config.bank_clock
                },
                bank::BankReading {
                    checks_member_id: config.variants.contains(&Variant::BankChecksMemberId),
                    name_first: config.variants.contains(&Variant::BankNameFirst),
                },
            ))),
            _ => None,
        }
    }

    fn answers(&self) -> Vec<String> {
        match self {
            Handler::Lookup(l) => l.answers(),
            Handler::Bank(b) => b.answers(),
        }
    }

    fn answer(&self, body: &Map<String, Value>) -> Result<Map<String, Value>, String> {
        match self {
            Handler::Lookup(l) => l.answer(body),
            Handler::Bank(b) => b.answer(body),
        }
    }
}

/// An endpoint as the catalogue describes it.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    endpoint: &'static Endpoint,
    method: Method,
    path: String,
    rules: RequestRules,
    handler: Handler,
}

/// What the pipeline decided, before any code or message is looked up.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub scope: Scope,
    /// A catalogue answer key.
    pub key: String,
    /// Fills `{field}` in the message: a header or body field name.
    pub field: Option<String>,
    /// Data fields beside the envelope (successes only).
    pub data: Map<String, Value>,
    /// Encrypt the body for the caller's key (encrypted successes only: errata E22).
    pub encrypt: bool,
}

impl Outcome {
    fn of(scope: Scope, key: &str) -> Outcome {
        Outcome {
            scope,
            key: key.to_owned(),
            field: None,
            data: Map::new(),
            encrypt: false,
        }
    }

    fn naming(scope: Scope, key: &str, field: &str) -> Outcome {
        Outcome {
            field: Some(field.to_owned()),
            ..Outcome::of(scope, key)
        }
    }
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
    server_key: RsaPrivateKey,
    server_public_key: RsaPublicKey,
    client_key: RsaPublicKey,
    /// Flow control for the variants that apply it.
    pub(crate) gate: super::throttle::Gate,
}

impl App {
    /// Route every endpoint of the configured contract; refuse to start if one has neither a
    /// declarative handler in the catalogue nor Rust logic registered for its id.
    pub(crate) fn new(config: SandboxConfig, records: &Records) -> Result<App, SandboxError> {
        let contract = config.contract;
        let catalogue = &contract.catalogue;
        let mut routes = Vec::new();
        let mut own_answers = std::collections::HashMap::new();
        for endpoint in &catalogue.endpoints {
            let handler = match (
                Handler::registered(&endpoint.id, records, &config),
                &endpoint.sandbox,
            ) {
                (Some(logic), _) => logic,
                (None, Some(behaviour)) => Handler::Lookup(RecordLookup::new(
                    contract,
                    endpoint,
                    &behaviour.lookup,
                    records,
                )),
                (None, None) => {
                    return Err(SandboxError::NoHandler {
                        id: endpoint.id.clone(),
                    });
                }
            };
            let method = Method::from_bytes(endpoint.method.as_bytes()).map_err(|_| {
                SandboxError::MissingEndpoint {
                    id: format!("{} (method {:?})", endpoint.id, endpoint.method),
                }
            })?;
            let mut rules = RequestRules::new(contract, endpoint);
            if let Some(index) = config
                .mutation
                .as_ref()
                .and_then(|m| m.ignored_field_rule(&endpoint.id))
            {
                rules.ignore_field_rule(index);
            }
            let mut answers = handler.answers();
            answers.extend(rules.own_answers().map(str::to_owned));
            own_answers.insert(endpoint.id.clone(), answers);
            routes.push(Route {
                endpoint,
                method,
                path: format!("{}{}", catalogue.base_path, endpoint.path),
                rules,
                handler,
            });
        }
        let codebook = Codebook::new(catalogue, &config.conventions, &own_answers)?;
        let server_key = private_key_from_pem(SERVER_PRIVATE_KEY_PEM)
            .map_err(|e| SandboxError::Key(e.to_string()))?;
        Ok(App {
            codebook,
            envelope: catalogue.envelope.clone(),
            routes,
            server_public_key: RsaPublicKey::from(&server_key),
            server_key,
            client_key: public_key_from_pem(CLIENT_PUBLIC_KEY_PEM)
                .map_err(|e| SandboxError::Key(e.to_string()))?,
            config,
            gate: Default::default(),
        })
    }

    fn enforces(&self, check: Check) -> bool {
        self.config.fault.is_none_or(|f| f.enforces(check))
    }

    pub(crate) fn reads(&self, variant: Variant) -> bool {
        self.config.variants.contains(&variant)
    }

    /// The request headers as the pipeline checks them: under
    /// [`Variant::IgnorePlainCryptoKeyId`] a plain request's crypto key id is dropped
    /// unread, as it only matters for an encrypted body.
    pub(crate) fn request_headers<'h>(
        &self,
        headers: &'h HeaderMap,
        raw: Option<&[u8]>,
    ) -> std::borrow::Cow<'h, HeaderMap> {
        let encrypted = raw
            .and_then(json_object)
            .is_some_and(|b| b.contains_key(&self.envelope.encrypted_field));
        if self.reads(Variant::IgnorePlainCryptoKeyId)
            && !encrypted
            && headers.contains_key(&CRYPTO_KEY_HEADER)
        {
            let mut plain = headers.clone();
            plain.remove(&CRYPTO_KEY_HEADER);
            return std::borrow::Cow::Owned(plain);
        }
        std::borrow::Cow::Borrowed(headers)
    }

    /// The value to echo as `X-KM-Correlation-Id`: the request's own (even a malformed
    /// one: it is what the caller tracks), or a fresh one when none was sent.
    pub(crate) fn correlation_for(&self, headers: &HeaderMap) -> HeaderValue {
        match headers.get(&CORRELATION_HEADER) {
            // Under FreshCorrelationId only a well-formed id is echoed (errata E29).
            Some(v)
                if !v.is_empty()
                    && (!self.reads(Variant::FreshCorrelationId)
                        || v.to_str().is_ok_and(crate::crypto::is_correlation_id)) =>
            {
                v.clone()
            }
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
    ) -> Result<Admitted<'h>, Box<Outcome>> {
        let Some(route) = self
            .routes
            .iter()
            .find(|r| r.path == path && r.method == method)
        else {
            return Err(Box::new(Outcome::of(None, UNKNOWN_PATH)));
        };
        let scope: Scope = Some(route.endpoint.id.as_str());
        let zone_default =
            (!self.enforces(Check::TimeZonePresent)).then_some(crate::crypto::TimeZoneName::Kst);
        let read = headers::read_with(headers, zone_default).map_err(|problem| {
            Box::new(match problem {
                HeaderProblem::Missing(name) => Outcome::naming(scope, "missing-header", name),
                HeaderProblem::Malformed(name) => Outcome::naming(scope, "malformed-header", name),
            })
        })?;
        if self.enforces(Check::Credentials) {
            let known = read.asp_id == ASP_ID
                && constant_time_eq(read.access_key.as_bytes(), ACCESS_KEY.as_bytes());
            if !known {
                return Err(Box::new(Outcome::of(scope, "unknown-credentials")));
            }
        }
        if self.enforces(Check::TranTimeSkew) {
            let fresh = parse_tran_time(read.tran_time, read.zone)
                .is_some_and(|sent| (sent - self.config.clock.now()).abs() <= self.config.skew);
            if !fresh {
                return Err(Box::new(Outcome::of(scope, "stale-tran-time")));
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
        let endpoint = route.endpoint;
        let scope: Scope = Some(endpoint.id.as_str());
        // Verifying the token means holding the whole body, so an oversize one is refused
        // as such before its token is looked at.
        let Some(raw) = raw else {
            return Outcome::of(scope, "body-not-json");
        };
        if self.enforces(Check::TranToken) {
            let signed = match self.config.fault {
                Some(fault) => fault.signed_bytes(raw),
                None => std::borrow::Cow::Borrowed(raw),
            };
            match verify_tran_token(SECRET_KEY.as_bytes(), &signed, admitted.headers.tran_token) {
                Ok(_) => {}
                Err(TokenError::Mismatch) => return Outcome::of(scope, "token-mismatch"),
                // The format was checked with the headers; this only guards the invariant.
                Err(_) => {
                    return Outcome::naming(scope, "malformed-header", headers::TRAN_TOKEN);
                }
            }
        }
        if self.enforces(Check::ContentType)
            && !self.reads(Variant::LenientContentType)
            && !headers::is_json_content_type(headers)
        {
            // Named, so a variant can answer "declared another type" its own way.
            return Outcome::naming(scope, "body-not-json", CONTENT_TYPE_FIELD);
        }
        let Some(body) = json_object(raw) else {
            return Outcome::of(scope, "body-not-json");
        };

        let encrypted =
            endpoint.encryption.request && body.contains_key(&self.envelope.encrypted_field);
        let body = if encrypted {
            match self.decrypt(scope, &body, admitted.headers.crypto_key_id) {
                Ok(plain) => plain,
                Err(outcome) => return *outcome,
            }
        } else {
            body
        };

        let mut body = body;
        if let Some(fault) = self.config.fault {
            fault.alter_request(&endpoint.id, &mut body);
        }
        for variant in &self.config.variants {
            variant.alter_request(self.config.contract, &endpoint.id, &mut body);
        }
        let looked_up_first = match &route.handler {
            Handler::Lookup(lookup) if self.reads(Variant::LookupFirst) => {
                lookup.not_found_for(&body)
            }
            _ => None,
        };
        let mut outcome = match (route.rules.check(&body), looked_up_first) {
            (Some(_), Some(not_found)) => Outcome::of(scope, &not_found),
            (Some(problem), None) => Outcome {
                field: problem.field,
                ..Outcome::of(scope, &problem.key)
            },
            (None, _) => match route.handler.answer(&body) {
                Ok(data) => Outcome {
                    data,
                    ..Outcome::of(scope, SUCCESS)
                },
                Err(key) => Outcome::of(scope, &key),
            },
        };
        // Errata E22: only an encrypted request's success is encrypted, and only where
        // the endpoint encrypts responses.
        outcome.encrypt = encrypted && outcome.key == SUCCESS && endpoint.encryption.response;
        outcome
    }

    /// `{"encData": JWE}` to the plaintext object inside.
    fn decrypt(
        &self,
        scope: Scope,
        body: &Map<String, Value>,
        crypto_key_id: Option<&str>,
    ) -> Result<Map<String, Value>, Box<Outcome>> {
        let Some(key_id) = crypto_key_id else {
            return Err(Box::new(Outcome::naming(
                scope,
                "missing-header",
                headers::CRYPTO_KEY_ID,
            )));
        };
        if !constant_time_eq(key_id.as_bytes(), CRYPTO_KEY_ID.as_bytes()) {
            return Err(Box::new(Outcome::of(scope, "unknown-crypto-key")));
        }
        // The encrypted form is exactly one member: anything beside encData would be sent
        // in the clear by mistake.
        let compact = match body.get(&self.envelope.encrypted_field) {
            Some(Value::String(s)) if body.len() == 1 => s,
            _ => return Err(Box::new(Outcome::of(scope, "undecryptable-body"))),
        };
        let plaintext = jwe::decrypt(compact, &self.server_key)
            .map_err(|_| Box::new(Outcome::of(scope, "undecryptable-body")))?;
        json_object(&plaintext).ok_or_else(|| Box::new(Outcome::of(scope, "body-not-json")))
    }

    /// The answer for `outcome`, serialized, with `correlation` echoed.
    pub(crate) fn render(&self, outcome: Outcome, correlation: HeaderValue) -> Reply {
        let entry = self.codebook.get(outcome.scope, &outcome.key);
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
        if let Some(mutation) = &self.config.mutation {
            mutation.alter_answer(&mut answer, &self.codebook);
        }
        for variant in &self.config.variants {
            variant.alter_answer(&mut answer, self.config.contract);
        }

        let mut result = Map::new();
        result.insert(self.envelope.code_field.clone(), Value::String(answer.code));
        result.insert(
            self.envelope.message_field.clone(),
            Value::String(answer.message),
        );
        for variant in &self.config.variants {
            variant.alter_envelope(&mut result);
        }
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
        for variant in &self.config.variants {
            variant.alter_reply(&mut headers);
        }
        Reply {
            status: answer.status,
            headers,
            body,
            delay: answer.delay,
        }
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
