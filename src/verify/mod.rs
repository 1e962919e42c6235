//! Judging traffic this harness did not send: each recorded exchange is matched to its
//! endpoint, its request goes through the request judge (`judge::request`) and its answer
//! through the same checks `run` gives every answer (`judge::answer`). Verdicts are tallied
//! per endpoint and outcome into the run's results, so the gate, the five reports, `compare`,
//! baselines and waivers read them as they read a suite's.
//!
//! `verify` feeds it files (`capture`), `proxy` live exchanges; both through [`judge_one`].

pub mod client;
pub mod files;
pub mod journal;
pub mod tally;
pub mod tasks;

use std::collections::BTreeSet;
use std::time::Duration;

use rsa::RsaPrivateKey;
use serde_json::Value;

use crate::capture::Recorded;
use crate::client::{Exchange, FailureClass, ResponseCapture, TargetKind, TransportFailure};
use crate::contract::{Contract, Endpoint};
use crate::judge::Finding;
use crate::judge::answer;
use crate::judge::diagnose::{self, Diagnosis, DiagnosisKeys};
use crate::judge::request::{self, ClientKeys, RequestJudgement, SentRequest};
use crate::secret::Secret;

pub use tally::Tally;

/// Why a verify or proxy set-up was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("environment variable {name}: {rule}")]
    Key { name: &'static str, rule: String },
    #[error("--base-path {0:?} must start with '/' (e.g. /open-api)")]
    BasePath(String),
}

/// The keys the judge may use: each one enables the checks that need it. None is required:
/// without them the token and the JWE are checked in form only.
#[derive(Default)]
pub struct Keys {
    /// The client's secret key: the token's MAC is recomputed over the exact body bytes.
    pub secret_key: Option<Secret>,
    /// The client's private key: encrypted answers are decrypted and judged in full.
    pub client_private: Option<RsaPrivateKey>,
    /// The server's private key: encrypted requests are decrypted (only the embedded
    /// sandbox's is ever known).
    pub server_private: Option<RsaPrivateKey>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("secret_key", &self.secret_key.is_some())
            .field("client_private", &self.client_private.is_some())
            .field("server_private", &self.server_private.is_some())
            .finish()
    }
}

impl Keys {
    /// `KONA_SECRET_KEY` and `KONA_CLIENT_PRIVATE_KEY` (a PEM file), each optional; a value
    /// with surrounding whitespace or an unreadable key file is refused, naming the variable.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Keys, VerifyError> {
        use crate::client::target::{WHITESPACE_RULE, env};
        let get = |name: &'static str| -> Result<Option<String>, VerifyError> {
            match lookup(name).filter(|v| !v.is_empty()) {
                Some(v) if v.trim() != v => Err(VerifyError::Key {
                    name,
                    rule: WHITESPACE_RULE.into(),
                }),
                other => Ok(other),
            }
        };
        let secret_key = get(env::SECRET_KEY)?.map(Secret::new);
        let client_private = match get(env::CLIENT_PRIVATE_KEY)? {
            Some(path) => Some(
                crate::crypto::read_private_key_file(std::path::Path::new(&path)).map_err(|e| {
                    VerifyError::Key {
                        name: env::CLIENT_PRIVATE_KEY,
                        rule: e.to_string(),
                    }
                })?,
            ),
            None => None,
        };
        Ok(Keys {
            secret_key,
            client_private,
            server_private: None,
        })
    }

    /// The embedded sandbox's published test keys, for traffic recorded against it: every
    /// check can be made.
    pub fn sandbox() -> Keys {
        let c = crate::sandbox::credentials();
        Keys {
            secret_key: Some(c.secret_key),
            client_private: crate::crypto::private_key_from_pem(c.client_private_key_pem).ok(),
            server_private: crate::sandbox::server_private_key(),
        }
    }

    fn client_keys(&self) -> ClientKeys<'_> {
        ClientKeys {
            secret_key: self.secret_key.as_ref().map(|s| s.expose().as_bytes()),
            server_key: self.server_private.as_ref(),
        }
    }

    fn diagnosis_keys(&self) -> DiagnosisKeys<'_> {
        DiagnosisKeys {
            secret_key: self.secret_key.as_ref().map(|s| s.expose().as_bytes()),
            server_key: self.server_private.as_ref(),
            client_key: self.client_private.as_ref(),
        }
    }

    /// The secrets reports must never show.
    pub fn secrets(&self) -> Vec<Secret> {
        self.secret_key.iter().cloned().collect()
    }
}

/// Where an exchange went: an endpoint of the contract, or a path none has.
#[derive(Debug, Clone)]
pub enum Route<'c> {
    Endpoint(&'c Endpoint),
    /// `POST /other/path`: listed, not judged.
    Unknown {
        method: String,
        path: String,
    },
}

/// The endpoint `url` names: by path below `base_path` when given, else by the endpoint
/// path the URL's path ends with (the base path is inferred); then by method.
pub fn route<'c>(
    contract: &'c Contract,
    method: &str,
    url: &str,
    base_path: Option<&str>,
) -> Route<'c> {
    let path = url_path(url);
    let below = match base_path {
        Some(base) => path.strip_prefix(base.trim_end_matches('/')),
        None => Some(path.as_str()),
    };
    let found = below.and_then(|below| {
        // An endpoint path starts with '/', so a suffix match is a whole-segment match.
        contract
            .catalogue
            .endpoints
            .iter()
            .find(|e| match base_path {
                Some(_) => below == e.path,
                None => below.ends_with(&e.path),
            })
    });
    match found {
        Some(e) => Route::Endpoint(e),
        None => Route::Unknown {
            method: crate::client::evidence::cut_text(method, 16).into_owned(),
            path: crate::client::evidence::cut_text(&path, 200).into_owned(),
        },
    }
}

/// The path of `url`, without query or fragment; `url` itself when it is only a path.
fn url_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.path().to_owned(),
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
    }
}

/// What one exchange was found to be.
#[derive(Debug, Clone)]
pub struct Judged {
    pub endpoint: String,
    /// How the exchange is grouped: the answer's code, `HTTP 429 (flow control)`, ...
    pub outcome: Outcome,
    pub request: RequestJudgement,
    /// The known mistakes that explain the request's broken rules; each is also told in
    /// the `actual` of the finding it explains.
    pub diagnoses: Vec<Diagnosis>,
    pub answer: Vec<Finding>,
    /// The server requirements the answer exercised.
    pub answer_exercised: BTreeSet<String>,
    /// What a reader of the answer could not check, and why (an encrypted answer without
    /// the client's private key).
    pub unjudged: Option<String>,
    /// The exchange, for evidence.
    pub exchange: Exchange,
}

impl Judged {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.request.findings.iter().chain(&self.answer)
    }

    pub fn exercised(&self) -> impl Iterator<Item = &str> {
        self.request
            .exercised
            .iter()
            .copied()
            .chain(self.answer_exercised.iter().map(String::as_str))
    }
}

/// The group an exchange falls in, by what came back.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// A code this endpoint documents or the catalogue lists.
    Code(String),
    /// A JSON answer with a code the contract does not list for the endpoint.
    UndocumentedCode,
    /// An answer that is not a KONA envelope: by status only.
    Status(u16),
    /// 429 or 503: the target's flow control, not its answer to the request.
    FlowControl(u16),
    /// No answer was recorded (a refused or dropped connection).
    NoAnswer,
}

impl Outcome {
    pub fn label(&self) -> String {
        match self {
            Outcome::Code(c) => format!("answered {c}"),
            Outcome::UndocumentedCode => "answered an undocumented code".into(),
            Outcome::Status(s) => format!("answered HTTP {s} without an envelope"),
            Outcome::FlowControl(s) => format!("answered HTTP {s} (flow control)"),
            Outcome::NoAnswer => "got no answer".into(),
        }
    }

    /// Whether the answer is the API's own: flow control and a missing answer say nothing
    /// about the request, so only its request side is judged.
    pub fn is_answer(&self) -> bool {
        !matches!(self, Outcome::FlowControl(_) | Outcome::NoAnswer)
    }
}

/// A run's header for judged traffic.
pub fn meta(
    contract: &Contract,
    target: String,
    source: crate::runner::results::Source,
) -> crate::runner::results::RunMeta {
    let now = chrono::Utc::now();
    crate::runner::results::RunMeta {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        contract_hash: contract.hash().to_owned(),
        catalogue_version: contract.catalogue.catalogue_version.clone(),
        target,
        base_url: String::new(),
        target_kind: crate::client::TargetKind::External,
        profile: "traffic".into(),
        seed: 0,
        started_at: now,
        finished_at: now,
        interrupted: None,
        proxy: None,
        source,
        exchanges_judged: None,
        journal: None,
    }
}

/// Judge one recorded exchange sent to `endpoint`.
pub fn judge_one(contract: &Contract, endpoint: &Endpoint, rec: &Recorded, keys: &Keys) -> Judged {
    let sent = SentRequest {
        method: &rec.method,
        headers: &rec.request.headers,
        body: &rec.request.body,
        body_whole: !rec.request.truncated(),
        sent_at: rec.started_at,
    };
    let mut request = request::judge(contract, endpoint, &sent, &keys.client_keys());
    let diagnoses = diagnose::diagnose(&sent, &request, &keys.diagnosis_keys());
    for d in &diagnoses {
        // The first finding of the rule the mistake breaks carries its name and fix.
        if let Some(f) = request
            .findings
            .iter_mut()
            .find(|f| f.requirement.as_deref() == Some(d.requirement()))
        {
            f.actual = format!("{}; {d}", f.actual);
        }
    }
    let exchange = exchange_of(contract, endpoint, rec, &request, keys);
    let outcome = outcome_of(contract, endpoint, &exchange);
    let mut answer_exercised = BTreeSet::new();
    let mut answer_findings = Vec::new();
    let mut unjudged = None;
    if outcome.is_answer() {
        let encrypted_unread = exchange
            .response
            .as_ref()
            .is_some_and(|r| r.plaintext.is_none() && is_encrypted(contract, r));
        let mut findings = answer::automatic(contract, endpoint, TargetKind::External, &exchange);
        let mut exercised: Vec<String> = vec!["RESP-JSON".into(), "RESP-CORRELATION-ECHO".into()];
        if encrypted_unread {
            // Only the wrapper can be read: the envelope, code and data are inside.
            unjudged = Some(format!(
                "an encrypted answer, not decrypted: set {} to judge what is inside",
                crate::client::target::env::CLIENT_PRIVATE_KEY
            ));
            findings.retain(|f| {
                matches!(
                    f.requirement.as_deref(),
                    Some("RESP-JSON" | "RESP-CORRELATION-ECHO")
                )
            });
        } else if exchange
            .response
            .as_ref()
            .is_some_and(|r| r.json().is_some())
        {
            exercised.push("RESP-ENVELOPE".into());
            exercised.push("RESP-CODE-KNOWN".into());
            let response = exchange.response.as_ref();
            if response.is_some_and(|r| r.plaintext.is_some()) {
                exercised.push("ENC-RESPONSE".into());
            }
            if let Some(got) = answer::outcome(contract, &exchange) {
                if got.code.as_deref() == Some(answer::SUCCESS) && got.status == 200 {
                    exercised.push(endpoint.response_requirement.clone());
                    if let Some(row) = contract
                        .catalogue
                        .documented_code(&endpoint.id, answer::SUCCESS)
                    {
                        exercised.push(row.requirement.clone());
                    }
                }
                // A documented code must carry its documented message, whatever the case.
                if let Some(w) = answer::misworded(contract, endpoint, &got) {
                    findings.push(Finding {
                        requirement: Some(w.requirement),
                        class: FailureClass::Contract,
                        expected: format!(
                            "{} with its documented message {:?}",
                            w.code, w.documented
                        ),
                        actual: got.describe(),
                        schema_errors: Vec::new(),
                        correlation_id: exchange.correlation_id.clone(),
                    });
                }
            }
        }
        answer_exercised.extend(exercised);
        // A failure is evidence even for a rule this exchange does not credit as exercised
        // (a misworded documented code); a pass is not.
        answer_findings = findings;
    }
    let mut judged = Judged {
        endpoint: endpoint.id.clone(),
        outcome,
        request,
        diagnoses,
        answer: answer_findings,
        answer_exercised,
        unjudged,
        exchange,
    };
    journal::apply_at_capture(&mut judged, rec, &endpoint.response_requirement);
    judged
}

fn is_encrypted(contract: &Contract, response: &ResponseCapture) -> bool {
    response.json().is_some_and(|v| {
        v.get(&contract.catalogue.envelope.encrypted_field)
            .is_some()
    })
}

fn outcome_of(contract: &Contract, endpoint: &Endpoint, ex: &Exchange) -> Outcome {
    let Some(response) = &ex.response else {
        return Outcome::NoAnswer;
    };
    if matches!(response.status, 429 | 503) {
        return Outcome::FlowControl(response.status);
    }
    let got = answer::outcome(contract, ex);
    match got.and_then(|g| g.code) {
        Some(code)
            if contract
                .catalogue
                .known_codes(&endpoint.id)
                .iter()
                .any(|(_, c)| *c == code) =>
        {
            Outcome::Code(code)
        }
        Some(_) => Outcome::UndocumentedCode,
        None => Outcome::Status(response.status),
    }
}

/// The recorded exchange as the judge reads a sent one: the answer decrypted when it is
/// encrypted and the client's key is known.
fn exchange_of(
    contract: &Contract,
    endpoint: &Endpoint,
    rec: &Recorded,
    request: &RequestJudgement,
    keys: &Keys,
) -> Exchange {
    let correlation_id = rec
        .request
        .header(crate::client::headers::CORRELATION_ID)
        .unwrap_or_default()
        .to_owned();
    let response = rec.response.as_ref().map(|r| {
        let mut capture = ResponseCapture {
            status: r.status,
            headers: r.message.headers.clone(),
            body: r.message.body.clone(),
            truncated: r.message.truncated(),
            plaintext: None,
            parsed: Default::default(),
        };
        let compact = capture
            .json()
            .and_then(|v| v.get(&contract.catalogue.envelope.encrypted_field))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let (Some(compact), Some(key)) = (compact, &keys.client_private) {
            capture.plaintext =
                Some(crate::crypto::jwe::decrypt(&compact, key).map_err(|e| e.to_string()));
            // The message cache was not filled yet: it is read through the plaintext.
        }
        capture
    });
    let failure = match (&response, &rec.error) {
        (None, error) => Some(TransportFailure::new(
            FailureClass::Transport,
            error
                .clone()
                .unwrap_or_else(|| "no answer was recorded".into()),
        )),
        _ => None,
    };
    Exchange {
        endpoint_id: endpoint.id.clone(),
        method: rec.method.clone(),
        url: rec.url.clone(),
        request_headers: rec.request.headers.clone(),
        request_body: rec.request.body.clone(),
        // What `automatic` reads as "the request was encrypted" (errata E22).
        request_plaintext: request.encrypted.then(|| {
            request
                .plaintext
                .as_ref()
                .map(|v| v.to_string().into_bytes())
                .unwrap_or_default()
        }),
        correlation_id,
        started_at: rec.started_at.unwrap_or_default(),
        duration: Duration::from_micros(rec.duration_us.unwrap_or(0)),
        response,
        failure,
        attempts: Vec::new(),
        gave_up: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Location, Position, RecordedMessage, RecordedResponse};

    fn contract() -> &'static Contract {
        Contract::shared().expect("the built-in contract loads")
    }

    fn recorded(n: usize, headers: Vec<(String, String)>, body: &[u8], answer: &[u8]) -> Recorded {
        Recorded {
            location: Location {
                file: "t.ndjson".into(),
                at: Position::Line(n),
            },
            started_at: None,
            duration_us: Some(100),
            method: "POST".into(),
            url: "https://kona.example/open-api/api/v1/user/card/info".into(),
            request: RecordedMessage::new(headers, body.to_vec()),
            response: Some(RecordedResponse {
                status: 200,
                message: RecordedMessage::new(
                    vec![("Content-Type".into(), "application/json".into())],
                    answer.to_vec(),
                ),
            }),
            error: None,
            redacted: false,
            at_capture: Vec::new(),
        }
    }

    #[test]
    fn routes_by_the_path_below_a_base_path_given_or_inferred() {
        let c = contract();
        let url = "https://h/open-api/api/v1/user/card/info?x=1";
        assert!(matches!(route(c, "POST", url, None), Route::Endpoint(e) if e.id == "card-info"));
        assert!(
            matches!(route(c, "POST", url, Some("/open-api")), Route::Endpoint(e) if e.id == "card-info")
        );
        assert!(matches!(
            route(c, "POST", url, Some("/other")),
            Route::Unknown { .. }
        ));
        assert!(matches!(
            route(c, "POST", "https://h/open-api/api/v1/user/card/infos", None),
            Route::Unknown { .. }
        ));
    }

    #[test]
    fn a_tally_of_many_failing_exchanges_keeps_bounded_findings_and_examples() {
        let c = contract();
        let endpoint = c.endpoint("card-info").unwrap();
        let mut tally = Tally::new(c);
        let keys = Keys::default();
        for n in 1..=500 {
            // No KONA header at all: every header rule fails on every exchange.
            let rec = recorded(n, Vec::new(), b"{}", b"{}");
            let judged = judge_one(c, endpoint, &rec, &keys);
            tally.add(&rec.location, judged);
        }
        let meta = meta(c, "t".into(), crate::runner::results::Source::Capture);
        let (results, _) = tally.into_results(meta, "traffic.feature");
        let asp = results
            .scenarios
            .iter()
            .find(|s| s.requirements == ["CLIENT-HDR-ASP-ID"])
            .expect("a scenario for the rule");
        assert_eq!(asp.verdict, crate::judge::Verdict::Failed);
        assert_eq!(asp.findings.len(), crate::runner::FINDINGS_PER_REQUIREMENT);
        assert_eq!(asp.findings.len() + asp.findings_omitted, 500);
        assert!(asp.exchanges.len() <= 3);
        assert!(asp.findings[0].actual.contains("(at t.ndjson line 1)"));
        assert!(
            asp.name.contains("0 of 500 exchanges kept it"),
            "{}",
            asp.name
        );
    }

    #[test]
    fn a_redacted_line_cannot_claim_a_pass_for_a_rule_its_redaction_left_intact() {
        use crate::capture::{CapturedFinding, CapturedVerdict};
        let c = contract();
        let endpoint = c.endpoint("card-info").unwrap();
        // No KONA header: every header rule fails on what the line holds.
        let mut rec = recorded(1, Vec::new(), br#"{"cardNo":"9410064130111814"}"#, b"{}");
        rec.redacted = true;
        let pass = |id: &str| CapturedVerdict {
            requirement: id.into(),
            exercised: true,
            findings: Vec::new(),
        };
        rec.at_capture = vec![
            // Not touched by redaction: the forged pass is ignored, the rule still fails.
            pass("CLIENT-HDR-ASP-ID"),
            pass("RESP-CORRELATION-ECHO"),
            // Touched by redaction (the token is masked): taken from the line.
            pass("CLIENT-TOKEN-FORM"),
            // A failure is always taken.
            CapturedVerdict {
                requirement: "CLIENT-TRAN-TIME-FORM".into(),
                exercised: true,
                findings: vec![CapturedFinding {
                    expected: "14 digits".into(),
                    actual: "17 digits".into(),
                }],
            },
        ];
        let j = judge_one(c, endpoint, &rec, &Keys::default());
        let failed: Vec<&str> = j
            .findings()
            .filter_map(|f| f.requirement.as_deref())
            .collect();
        assert!(failed.contains(&"CLIENT-HDR-ASP-ID"), "{failed:?}");
        assert!(failed.contains(&"RESP-CORRELATION-ECHO"), "{failed:?}");
        assert!(!failed.contains(&"CLIENT-TOKEN-FORM"), "{failed:?}");
        assert!(j.request.passed("CLIENT-TOKEN-FORM"));
        assert!(j.request.findings.iter().any(|f| f.requirement.as_deref()
            == Some("CLIENT-TRAN-TIME-FORM")
            && f.actual.contains("judged when recorded")));
    }

    #[test]
    fn a_redacted_line_without_capture_time_verdicts_passes_none_of_the_rules_redaction_touched() {
        let c = contract();
        let endpoint = c.endpoint("card-info").unwrap();
        let token = format!("KMV1:20261207100203000:{}=", "A".repeat(43));
        let headers = vec![
            ("X-KM-Tran-Token".to_owned(), token),
            ("X-KM-Access-Key".to_owned(), "a".repeat(40)),
        ];
        let mut rec = recorded(1, headers, br#"{"cardNo":"9410064130111814"}"#, b"{}");
        rec.redacted = true;
        let keys = Keys::sandbox();
        let j = judge_one(c, endpoint, &rec, &keys);
        for id in [
            "CLIENT-TOKEN-FORM",
            "CLIENT-TOKEN-HMAC",
            "CLIENT-HDR-ACCESS-KEY",
            "CLIENT-BODY-SCHEMA",
        ] {
            assert!(!j.request.exercised.contains(id), "{id} counted as judged");
        }
        assert!(j.unjudged.is_some());
    }

    proptest::proptest! {
        #[test]
        fn hostile_recorded_exchanges_never_panic(
            headers in proptest::collection::vec(("[A-Za-z-]{1,24}", "\\PC{0,90}"), 0..10),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            answer in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            json_answer in "\\{\"(response|encData)\":\\{\"code\":\"\\PC{0,9}\",\"description\":\"\\PC{0,9}\"\\}\\}",
        ) {
            let c = contract();
            let keys = Keys::sandbox();
            for e in &c.catalogue.endpoints {
                for a in [&answer[..], json_answer.as_bytes()] {
                    let rec = recorded(1, headers.clone(), &body, a);
                    let _ = judge_one(c, e, &rec, &keys);
                }
            }
        }
    }
}
