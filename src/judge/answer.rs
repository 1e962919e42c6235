//! The checks every response gets, whatever the scenario (status and code as catalogued,
//! envelope and response schemas, correlation-id echo, JSON content type, encryption), and
//! the comparison of an answer with the catalogue's expectation for a case.

use serde_json::Value;

use super::verdict::{Finding, Observation};
use crate::client::headers::CORRELATION_ID;
use crate::client::{Exchange, FailureClass, TargetKind};
use crate::contract::formats::is_correlation_id;
use crate::contract::{Contract, Endpoint, Expected, Strength};

pub(crate) const SUCCESS: &str = "000_000";

fn finding(
    ex: &Exchange,
    requirement: &str,
    class: FailureClass,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Finding {
    Finding {
        requirement: Some(requirement.to_owned()),
        class,
        expected: expected.into(),
        actual: actual.into(),
        schema_errors: Vec::new(),
        correlation_id: ex.correlation_id.clone(),
    }
}

/// The status, code and message an answer carries, read through the catalogue's envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: u16,
    pub code: Option<String>,
    pub message: Option<String>,
}

impl Outcome {
    pub fn describe(&self) -> String {
        format!(
            "HTTP {} code {} message {:?}",
            self.status,
            self.code.as_deref().unwrap_or("(none)"),
            self.message.as_deref().unwrap_or("(none)")
        )
    }
}

pub fn outcome(contract: &Contract, ex: &Exchange) -> Option<Outcome> {
    let response = ex.response.as_ref()?;
    let env = &contract.catalogue.envelope;
    let message = response.message();
    let result = message.as_ref().and_then(|m| m.get(&env.result_object));
    let text = |field: &str| {
        result
            .and_then(|r| r.get(field))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some(Outcome {
        status: response.status,
        code: text(&env.code_field),
        message: text(&env.message_field),
    })
}

/// Checks that hold for every answer of `endpoint`. Against a target other than the embedded
/// sandbox, a code outside the catalogue is not a failure here: the case's expectation
/// decides (an undocumented case is observed, not asserted).
pub fn automatic(
    contract: &Contract,
    endpoint: &Endpoint,
    kind: TargetKind,
    ex: &Exchange,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(failure) = &ex.failure {
        out.push(Finding {
            requirement: None,
            class: failure.class,
            expected: "an HTTP answer".into(),
            actual: failure.reason.clone(),
            schema_errors: Vec::new(),
            correlation_id: ex.correlation_id.clone(),
        });
        return out;
    }
    let Some(response) = &ex.response else {
        return out;
    };
    if response.truncated {
        out.push(finding(
            ex,
            "RESP-JSON",
            FailureClass::Protocol,
            "a complete JSON answer",
            format!(
                "a body larger than {} bytes (cut off)",
                crate::client::MAX_RESPONSE_BYTES
            ),
        ));
        return out;
    }

    // Correlation id: present, well-formed, and the request's own when it sent one.
    let sent = ex
        .request_headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(CORRELATION_ID))
        .map(|(_, v)| v.as_str());
    match (response.header(CORRELATION_ID), sent) {
        (None, _) => out.push(finding(
            ex,
            "RESP-CORRELATION-ECHO",
            FailureClass::Contract,
            format!("response header {CORRELATION_ID}"),
            "no such header",
        )),
        // Errata E29: an id the request sent malformed may come back as sent or fresh.
        (Some(got), Some(sent))
            if got != sent && (is_correlation_id(sent) || !is_correlation_id(got)) =>
        {
            out.push(finding(
                ex,
                "RESP-CORRELATION-ECHO",
                FailureClass::Contract,
                format!("{CORRELATION_ID} {sent} echoed"),
                got.to_owned(),
            ))
        }
        (Some(got), None) if !is_correlation_id(got) => out.push(finding(
            ex,
            "RESP-CORRELATION-ECHO",
            FailureClass::Contract,
            format!("a well-formed {CORRELATION_ID}"),
            format!("{got:?}"),
        )),
        _ => {}
    }
    // A malformed correlation id the request itself sent is echoed as sent: the echo rule
    // wins over the response-header format, so the header schema judges only answers to
    // well-formed requests.
    let echoed_malformed =
        sent.is_some_and(|s| !is_correlation_id(s) && response.header(CORRELATION_ID) == Some(s));
    if !echoed_malformed {
        let response_headers: serde_json::Map<String, Value> =
            [CORRELATION_ID, "X-KM-Crypto-Key-Id"]
                .iter()
                .filter_map(|h| {
                    response
                        .header(h)
                        .map(|v| ((*h).to_owned(), Value::String(v.to_owned())))
                })
                .collect();
        let header_errors = contract.validate(
            &contract.catalogue.headers.response,
            &Value::Object(response_headers),
        );
        if !header_errors.is_empty() {
            let mut f = finding(
                ex,
                "RESP-CORRELATION-ECHO",
                FailureClass::Contract,
                "response headers as documented",
                "headers that break the response-header schema",
            );
            f.schema_errors = header_errors;
            out.push(f);
        }
    }

    let content_type = response.header("content-type").unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        out.push(finding(
            ex,
            "RESP-JSON",
            FailureClass::Contract,
            "Content-Type application/json",
            format!("Content-Type {content_type:?}"),
        ));
    }
    let Some(body) = response.json() else {
        let preview = if std::str::from_utf8(&response.body).is_err() {
            "a body that is not valid UTF-8".to_owned()
        } else {
            format!("a body of {} bytes that is not JSON", response.body.len())
        };
        out.push(finding(
            ex,
            "RESP-JSON",
            FailureClass::Protocol,
            "a JSON body",
            preview,
        ));
        return out;
    };

    // A repeated member name: parsers keep one value or the other, so the answer means
    // different things to different clients.
    for d in response.duplicate_members() {
        out.push(finding(
            ex,
            "RESP-JSON",
            FailureClass::Contract,
            "each member name once per JSON object",
            format!(
                "the member {:?} twice in the object at {:?}: first {}, then {}",
                d.key,
                if d.object.is_empty() { "/" } else { &d.object },
                d.first,
                d.second
            ),
        ));
    }

    // Encryption: only the sides the catalogue names, only for encrypted requests (E20, E22).
    let env = &contract.catalogue.envelope;
    let encrypted = body.get(&env.encrypted_field).is_some();
    if encrypted {
        let wrapper_errors = contract.validate(&env.encrypted_schema, body);
        if !wrapper_errors.is_empty() {
            let mut f = finding(
                ex,
                "ENC-RESPONSE",
                FailureClass::Contract,
                "an encrypted body of the form {\"encData\": JWE}",
                "a malformed encrypted body",
            );
            f.schema_errors = wrapper_errors;
            out.push(f);
        }
        if let Some(Err(reason)) = &response.plaintext {
            out.push(finding(
                ex,
                "ENC-RESPONSE",
                FailureClass::Contract,
                "encData that decrypts with the partner's private key",
                reason.clone(),
            ));
            return out;
        }
    }
    let request_encrypted = ex.request_plaintext.is_some();
    let Some(message) = response.message() else {
        out.push(finding(
            ex,
            "ENC-RESPONSE",
            FailureClass::Contract,
            "decrypted encData holding a JSON envelope",
            "a plaintext that is not JSON",
        ));
        return out;
    };
    let envelope_errors = contract.validate(&env.schema, message);
    if !envelope_errors.is_empty() {
        let mut f = finding(
            ex,
            "RESP-ENVELOPE",
            FailureClass::Contract,
            format!(
                "a body with {}.{} and {}.{}",
                env.result_object, env.code_field, env.result_object, env.message_field
            ),
            "a body that breaks the envelope schema",
        );
        f.schema_errors = envelope_errors;
        out.push(f);
        return out;
    }
    let Some(outcome) = outcome(contract, ex) else {
        return out;
    };
    let code = outcome.code.clone().unwrap_or_default();
    let success = code == SUCCESS;

    if encrypted && !(request_encrypted && endpoint.encryption.response && success) {
        out.push(finding(
            ex,
            "ENC-RESPONSE",
            FailureClass::Contract,
            "a plain JSON answer (only successes to encrypted requests on endpoints that encrypt responses are encrypted)",
            "an encrypted answer",
        ));
    }
    if !encrypted && request_encrypted && endpoint.encryption.response && success {
        out.push(finding(
            ex,
            "ENC-RESPONSE",
            FailureClass::Contract,
            "a success encrypted for the partner's key, as the endpoint encrypts responses",
            "a plain JSON answer",
        ));
    }

    // Status and code belong together: 200 with 000_000, a documented code with its status.
    if response.status >= 500 {
        out.push(finding(
            ex,
            "RESP-CODE-KNOWN",
            FailureClass::Contract,
            "a documented or catalogued answer (HTTP 200 or 4xx)",
            outcome.describe(),
        ));
    } else if success != (200..300).contains(&response.status) {
        out.push(finding(
            ex,
            "RESP-CODE-KNOWN",
            FailureClass::Contract,
            "HTTP 200 exactly when the code is 000_000",
            outcome.describe(),
        ));
    } else {
        let documented = contract.catalogue.documented_code(&endpoint.id, &code);
        match (kind, documented) {
            (_, Some(row)) if row.status != response.status => out.push(finding(
                ex,
                "RESP-CODE-KNOWN",
                FailureClass::Contract,
                format!("code {code} with HTTP {}", row.status),
                outcome.describe(),
            )),
            (TargetKind::Embedded, None) => {
                // Built only here: a documented answer (nearly every one) needs no list.
                let known = contract.catalogue.known_codes(&endpoint.id);
                if !known
                    .iter()
                    .any(|(s, c)| *c == code && *s == response.status)
                {
                    out.push(finding(
                        ex,
                        "RESP-CODE-CATALOGUED",
                        FailureClass::Contract,
                        format!(
                            "one of this endpoint's catalogued answers: {}",
                            known
                                .iter()
                                .map(|(s, c)| format!("{c}/{s}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        outcome.describe(),
                    ))
                }
            }
            _ => {}
        }
    }

    if success {
        let errors = contract.validate(&endpoint.response_schema, message);
        if !errors.is_empty() {
            let mut f = finding(
                ex,
                &endpoint.response_requirement,
                FailureClass::Contract,
                format!("a success body valid against {}", endpoint.response_schema),
                "a body that breaks the response schema",
            );
            f.schema_errors = errors;
            out.push(f);
        }
    }
    out
}

/// The members of an answer the docs do not name: beside the data (the message's top level)
/// and inside the envelope. They pass (errata E26); each is recorded as an observation.
pub fn undocumented_members(
    contract: &Contract,
    endpoint: &Endpoint,
    ex: &Exchange,
) -> Vec<String> {
    let Some(Value::Object(message)) = ex.response.as_ref().and_then(|r| r.message()) else {
        return Vec::new();
    };
    let env = &contract.catalogue.envelope;
    let documented = contract.schema_properties(&endpoint.response_schema);
    let mut out: Vec<String> = message
        .keys()
        .filter(|k| **k != env.result_object && !documented.contains_key(*k))
        .cloned()
        .collect();
    if let Some(Value::Object(result)) = message.get(&env.result_object) {
        out.extend(
            result
                .keys()
                .filter(|k| **k != env.code_field && **k != env.message_field)
                .map(|k| format!("{}.{k}", env.result_object)),
        );
    }
    out
}

/// An observation of one undocumented member in the answer `got`.
pub fn undocumented_member(
    endpoint: &Endpoint,
    ex: &Exchange,
    got: &Outcome,
    member: &str,
) -> Observation {
    Observation {
        endpoint: endpoint.id.clone(),
        case: format!("undocumented member {member}"),
        requirement: "RESP-ENVELOPE".to_owned(),
        convention: Expected {
            key: UNDOCUMENTED_MEMBER.to_owned(),
            status: got.status,
            code: got.code.clone().unwrap_or_default(),
            message: format!("no member {member} (the docs name none)"),
            strength: Strength::Convention,
            compatible_codes: Vec::new(),
        },
        observed_status: got.status,
        observed_code: got.code.clone(),
        observed_message: Some(format!("{member} present")),
        correlation_id: ex.correlation_id.clone(),
        reading: None,
    }
}

/// The case key undocumented members are observed under.
pub const UNDOCUMENTED_MEMBER: &str = "undocumented-member";

/// Which requirement a failed expectation breaks: `rule` when a request that must be rejected
/// was accepted, `answer` when the answer itself differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blame {
    pub rule: String,
    pub answer: String,
}

impl Blame {
    pub fn same(requirement: &str) -> Blame {
        Blame {
            rule: requirement.to_owned(),
            answer: requirement.to_owned(),
        }
    }
}

/// What the docs say a code means, when `code` is documented for a case other than
/// `expected_key`: `002_007 is the documented code for "Bank account is not found."`.
pub fn code_meaning(
    contract: &Contract,
    endpoint: &Endpoint,
    code: &str,
    expected_key: &str,
) -> Option<String> {
    let row = endpoint
        .responses
        .iter()
        .chain(
            contract
                .catalogue
                .endpoints
                .iter()
                .flat_map(|e| e.responses.iter()),
        )
        .find(|r| r.code == code)?;
    (row.key != expected_key).then(|| {
        format!(
            "{code} is the documented code for {:?} ({})",
            row.message.replace("{field}", "").trim_end(),
            row.meaning
        )
    })
}

/// Compare an answer with the expectation of a case. A documented expectation, or any
/// expectation on the embedded sandbox, is asserted exactly; a convention on another target
/// is observed: the request must be rejected with a KONA envelope and the code must not be
/// a documented code of another meaning. Against another target, an answer that another
/// reading of the docs allows for this request (the catalogue's `readings`) passes too and
/// is recorded as an observation; so does the unknown-record answer to a `synthesized`
/// request.
#[allow(clippy::too_many_arguments)]
pub fn expectation(
    contract: &Contract,
    endpoint: &Endpoint,
    kind: TargetKind,
    ex: &Exchange,
    expected: &Expected,
    blame: &Blame,
    case: &str,
    synthesized: bool,
) -> (Vec<Finding>, Option<Observation>) {
    let Some(got) = outcome(contract, ex) else {
        // No answer: the automatic checks already report why.
        return (Vec::new(), None);
    };
    let (mut findings, observation) =
        judge(contract, endpoint, kind, ex, &got, expected, blame, case);
    // A reading widens the code, never its message: a documented code with another message
    // is a failure whatever the case, and no other reading can excuse it.
    if let Some(wording) = misworded(contract, endpoint, &got) {
        let worded = format!(
            "{} with the message {:?}: a documented code must carry the message the docs pair with it",
            wording.code,
            got.message.as_deref().unwrap_or("(none)")
        );
        if findings.is_empty() {
            findings.push(finding(
                ex,
                &wording.requirement,
                FailureClass::Contract,
                format!(
                    "{} with its documented message {:?}",
                    wording.code, wording.documented
                ),
                format!("{worded} ({})", got.describe()),
            ));
        } else if wording.code == expected.code {
            // The expected code with another message: say which rule it breaks.
            for f in &mut findings {
                f.actual = format!("{}; {worded}", f.actual);
            }
        }
        return (findings, observation);
    }
    if findings.is_empty() || kind == TargetKind::Embedded {
        return (findings, observation);
    }
    let alternatives = super::readings::alternatives(contract, endpoint, ex, expected, synthesized);
    for alt in &alternatives {
        let (more, _) = judge(
            contract,
            endpoint,
            kind,
            ex,
            &got,
            &alt.expected,
            blame,
            case,
        );
        if more.is_empty() {
            let case = format!("{case}; {} reading: {}", alt.reading, alt.expected.key);
            let mut observation = observed(endpoint, ex, &got, expected, blame, case);
            observation.reading = Some(alt.reading.clone());
            return (Vec::new(), Some(observation));
        }
    }
    if !alternatives.is_empty() {
        let others: Vec<String> = alternatives
            .iter()
            .map(|a| format!("{} {}", a.expected.code, a.expected.key))
            .collect();
        for f in &mut findings {
            f.expected = format!(
                "{} (or, as the docs allow, {})",
                f.expected,
                others.join(", ")
            );
        }
    }
    (findings, observation)
}

/// A documented code of `endpoint` that came back with a message other than the one the
/// docs pair with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misworded {
    pub code: String,
    pub documented: String,
    pub requirement: String,
}

pub fn misworded(contract: &Contract, endpoint: &Endpoint, got: &Outcome) -> Option<Misworded> {
    let code = got.code.as_deref()?;
    let row = contract.catalogue.documented_code(&endpoint.id, code)?;
    let message = got.message.as_deref().unwrap_or("");
    (!message_fits(&row.message, message)).then(|| Misworded {
        code: code.to_owned(),
        documented: row.message.clone(),
        requirement: row.requirement.clone(),
    })
}

/// Whether `message` is the documented `template`, any `{field}` in it filled with a name.
pub fn message_fits(template: &str, message: &str) -> bool {
    match template.split_once("{field}") {
        None => template == message,
        Some((head, tail)) => {
            message.len() >= head.len() + tail.len()
                && message.starts_with(head)
                && message.ends_with(tail)
        }
    }
}

/// One expectation against the answer `got`.
#[allow(clippy::too_many_arguments)]
fn judge(
    contract: &Contract,
    endpoint: &Endpoint,
    kind: TargetKind,
    ex: &Exchange,
    got: &Outcome,
    expected: &Expected,
    blame: &Blame,
    case: &str,
) -> (Vec<Finding>, Option<Observation>) {
    let code = got.code.clone().unwrap_or_default();
    let accepted = (200..300).contains(&got.status) || code == SUCCESS;
    // Accepting a request the docs say to reject breaks the documented rule; rejecting it
    // with another answer than ours breaks only the convention.
    let requirement = if accepted && expected.code != SUCCESS {
        blame.rule.as_str()
    } else {
        blame.answer.as_str()
    };
    let mut out = Vec::new();
    if expected.strength == Strength::Documented || kind == TargetKind::Embedded {
        let want = format!(
            "HTTP {} code {} message {:?} ({})",
            expected.status, expected.code, expected.message, expected.key
        );
        if got.status != expected.status
            || got.code.as_deref() != Some(expected.code.as_str())
            || got.message.as_deref() != Some(expected.message.as_str())
        {
            let meaning = code_meaning(contract, endpoint, &code, &expected.key)
                .map(|m| format!("; {m}"))
                .unwrap_or_default();
            out.push(finding(
                ex,
                requirement,
                FailureClass::Contract,
                want,
                format!("{}{meaning}", got.describe()),
            ));
        }
        return (out, None);
    }

    if got.code.is_none() {
        // A bare 404, an HTML page or an empty body is not the API refusing the request.
        out.push(finding(
            ex,
            requirement,
            FailureClass::Contract,
            format!(
                "the request rejected with a KONA envelope ({})",
                expected.key
            ),
            format!("HTTP {} without a KONA envelope", got.status),
        ));
        return (out, None);
    }
    if accepted {
        out.push(finding(
            ex,
            requirement,
            FailureClass::Contract,
            format!("the request rejected ({})", expected.key),
            got.describe(),
        ));
    }
    if !expected.compatible_codes.contains(&code)
        && code != expected.code
        && let Some(meaning) = code_meaning(contract, endpoint, &code, &expected.key)
        && code != SUCCESS
    {
        out.push(finding(
            ex,
            requirement,
            FailureClass::Contract,
            format!(
                "a code that does not contradict the docs for {} ({})",
                expected.key, expected.code
            ),
            format!("{meaning} ({})", got.describe()),
        ));
    }
    let observation = observed(endpoint, ex, got, expected, blame, case.to_owned());
    (out, Some(observation))
}

/// What the target answered in `case`, beside this project's own answer for it.
fn observed(
    endpoint: &Endpoint,
    ex: &Exchange,
    got: &Outcome,
    expected: &Expected,
    blame: &Blame,
    case: String,
) -> Observation {
    Observation {
        endpoint: endpoint.id.clone(),
        case,
        requirement: blame.answer.clone(),
        convention: expected.clone(),
        observed_status: got.status,
        observed_code: got.code.clone(),
        observed_message: got.message.clone(),
        correlation_id: ex.correlation_id.clone(),
        reading: None,
    }
}
