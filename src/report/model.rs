//! `results.json`: this tool's own format (`"format": "kona-conformance-results/1"`, described
//! by `schemas/results.schema.json`), and the redacted model every other report is rendered
//! from. Nothing reaches a report without passing through [`build`], which takes the raw run
//! and a [`Redactor`].

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::client::{Exchange, FailureClass, TargetKind};
use crate::contract::{Contract, SchemaViolation, Strength};
use crate::runner::results::{Counts, RunResults, Verdict};

use super::redact::{RedactedBody, Redactor};
use crate::gate::Decision;

pub use crate::gate::format::{FORMAT, SCHEMA_FILE};

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultsDoc {
    pub format: String,
    pub run: RunDoc,
    pub outcome: OutcomeDoc,
    pub counts: CountsDoc,
    pub endpoints: Vec<EndpointDoc>,
    pub requirements: Vec<RequirementDoc>,
    pub scenarios: Vec<ScenarioDoc>,
    pub waivers: Vec<WaiverDoc>,
    pub baseline: Option<super::baseline::Comparison>,
    pub errata: Vec<ErratumDoc>,
    /// What each (endpoint, code) the run's answers carried means per the run's contract,
    /// worked out once in [`build`] so renderers never consult a catalogue of their own.
    #[serde(skip)]
    pub code_meanings: std::collections::BTreeMap<(String, String), String>,
    /// The answer times of every exchange of the run (results.json embeds only examples).
    #[serde(skip)]
    pub durations: crate::client::Durations,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDoc {
    pub tool_version: String,
    pub contract_hash: String,
    pub catalogue_version: String,
    /// How the run named its target (`embedded sandbox (URL)` or the base URL).
    pub target: String,
    pub target_base_url: String,
    pub target_kind: TargetKind,
    pub profile: String,
    pub seed: u64,
    pub started_at: String,
    pub finished_at: String,
    /// Whole milliseconds (kept for readers of earlier files); `duration_us` is exact.
    pub duration_ms: u64,
    pub duration_us: u64,
    /// Set when the run was stopped part-way: why, and what ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// The proxy every request went through: `host:port (from VARIABLE)`, no credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// What produced the exchanges judged: the suite, a capture, the proxy or a client.
    pub source: crate::runner::results::Source,
    /// The journal holding every exchange of the run, one redacted line each: the
    /// exchanges here are examples, each naming its line there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<JournalDoc>,
}

/// Where the run's exchanges are: the journal's file name (beside results.json when it was
/// written into the report folder) and its line count.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalDoc {
    pub file: String,
    pub lines: u64,
}

/// The sentence every report leads with when a run was stopped part-way.
pub fn interruption(results: &RunResults, cause: crate::client::Cause) -> String {
    let not_run = results.scenarios.iter().filter(|s| s.not_run).count();
    // Requests the stopped run refused never reached the target: they are not "after".
    let refused = results.not_sent_count();
    let sent = results.exchange_count();
    let refused = match refused {
        0 => String::new(),
        n => format!(" ({n} more not sent)"),
    };
    // Finished is what the verdict counts add up to without the unfinished ones, so every
    // report's counts agree with this sentence.
    let c = results.counts();
    let finished = results.scenarios.len().saturating_sub(not_run);
    let own_reason = match c.not_verified.saturating_sub(not_run) {
        0 => String::new(),
        n => format!(", {n} not verified for reasons of their own"),
    };
    format!(
        "interrupted: the run was stopped by {cause} after {sent} exchanges{refused}; {finished} of {} scenarios finished ({} passed, {} failed{own_reason}), the other {not_run} are not verified",
        results.scenarios.len(),
        c.passed,
        c.failed,
    )
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeDoc {
    /// `passed` or `failed`: the gate's verdict (waivers and baseline applied).
    pub verdict: String,
    pub exit_code: u8,
    pub reasons: Vec<String>,
    pub failing_requirements: Vec<String>,
    pub waived_requirements: Vec<String>,
    pub unattributed_failures: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CountDoc {
    pub passed: usize,
    pub failed: usize,
    pub not_verified: usize,
    pub total: usize,
}

impl From<Counts> for CountDoc {
    fn from(c: Counts) -> Self {
        CountDoc {
            passed: c.passed,
            failed: c.failed,
            not_verified: c.not_verified,
            total: c.total(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CountsDoc {
    pub scenarios: CountDoc,
    pub requirements: CountDoc,
    pub exchanges: usize,
    pub observations: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointDoc {
    /// Endpoint id, or `common` for scenarios of no single endpoint.
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub scenarios: CountDoc,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequirementDoc {
    pub id: String,
    pub endpoint: String,
    pub strength: Strength,
    pub summary: String,
    pub source: String,
    pub verdict: Verdict,
    pub scenarios: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<super::waivers::WaiverStatus>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioDoc {
    pub id: String,
    pub feature: String,
    pub name: String,
    pub endpoint: Option<String>,
    pub tags: Vec<String>,
    pub requirements: Vec<String>,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The fixtures role a record of which would let it run, when that is why it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlocks: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
    pub findings: Vec<FindingDoc>,
    /// Findings counted but not kept (past ten per requirement).
    #[serde(skip_serializing_if = "is_zero")]
    pub findings_omitted: usize,
    pub observations: Vec<ObservationDoc>,
    /// Examples of the scenario's exchanges: every one of an ordinary scenario; of a
    /// generated-cases scenario those with findings (up to a cap) and a few that passed.
    pub exchanges: Vec<ExchangeDoc>,
    /// The scenario's exchanges not written here (they are in the run's journal).
    #[serde(skip_serializing_if = "is_zero")]
    pub exchanges_omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ScenarioDoc {
    /// The line every renderer adds when findings were counted but not kept.
    pub fn omitted_line(&self) -> Option<String> {
        (self.findings_omitted > 0).then(|| {
            format!(
                "{} more finding(s) of the same requirements were counted, not kept ({} per requirement are)",
                self.findings_omitted,
                crate::runner::FINDINGS_PER_REQUIREMENT
            )
        })
    }
}

/// Findings and observations keep the run's own shapes; only their strings are redacted.
pub type FindingDoc = crate::runner::results::Finding;
pub type ObservationDoc = crate::runner::results::Observation;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderDoc {
    pub name: String,
    pub value: String,
}

/// A body as captured, redacted. `kind` says which of `json` / `text` holds it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BodyDoc {
    /// Size on the wire, in bytes.
    pub bytes: usize,
    /// `empty`, `json`, `json-text` (JSON kept as its compact text: see [`tree_bound`]),
    /// `text` (UTF-8, not JSON) or `binary` (not UTF-8; shown lossily).
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl BodyDoc {
    fn of(bytes: &[u8], r: &Redactor) -> BodyDoc {
        let (kind, json, text) = match r.body(bytes) {
            RedactedBody::Empty => ("empty", None, None),
            // A parsed value that is not what the wire carried (a member name repeated, of
            // which the parse kept one) keeps the text as received beside it; a deep tree
            // is written as that text alone, so the evidence caps hold for what is written.
            RedactedBody::Json(v) if !crate::client::json::duplicate_members(bytes).is_empty() => {
                let received = Some(r.text(&String::from_utf8_lossy(bytes)));
                if written_len(&v) > tree_bound(bytes.len()) {
                    ("json-text", None, received)
                } else {
                    ("json", Some(v), received)
                }
            }
            // A deep tree pretty-printed inside results.json is many times its bytes (a
            // 1 KB answer 120 levels deep writes 30 KB): past the bound it is written as
            // its compact text, so the evidence caps hold for what is written.
            RedactedBody::Json(v) if written_len(&v) > tree_bound(bytes.len()) => {
                ("json-text", None, Some(v.to_string()))
            }
            RedactedBody::Json(v) => ("json", Some(v), None),
            RedactedBody::Text(t) => ("text", None, Some(t)),
            RedactedBody::Binary(t) => ("binary", None, Some(t)),
        };
        BodyDoc {
            // Before any cut: what the target sent.
            bytes: crate::client::evidence::original_length(bytes),
            kind: kind.into(),
            json,
            text,
        }
    }

    /// For display: the text as received when it is kept, pretty JSON otherwise.
    pub fn display(&self) -> String {
        match (&self.json, &self.text) {
            (_, Some(t)) => t.clone(),
            (Some(v), None) => serde_json::to_string_pretty(v).unwrap_or_default(),
            (None, None) => String::new(),
        }
    }
}

/// Indentation results.json puts before a body's tree (scenarios, a scenario, exchanges, an
/// exchange, its response, its body: two spaces each).
const BODY_INDENT: usize = 2 * 7;

/// How many bytes `v` takes pretty-printed where results.json writes it.
pub fn written_len(v: &Value) -> usize {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
    pretty.len() + pretty.matches('\n').count() * BODY_INDENT
}

/// The most a body of `kept` bytes may take written as a tree: four times its bytes, and
/// at least [`crate::client::QUOTE_LIMIT`] (an ordinary answer is two to three times).
pub fn tree_bound(kept: usize) -> usize {
    (4 * kept).max(crate::client::QUOTE_LIMIT)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestDoc {
    pub headers: Vec<HeaderDoc>,
    pub body: BodyDoc,
    /// What was encrypted into `encData`, when the request was encrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<BodyDoc>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseDoc {
    pub status: u16,
    /// The result code in the envelope, when there is one.
    pub code: Option<String>,
    pub message: Option<String>,
    pub headers: Vec<HeaderDoc>,
    pub body: BodyDoc,
    pub truncated: bool,
    /// The decrypted `encData`, when the response was encrypted and decrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<BodyDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decryption_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureDoc {
    pub class: FailureClass,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeDoc {
    pub endpoint: String,
    pub method: String,
    pub url: String,
    pub correlation_id: String,
    pub started_at: String,
    /// Whole milliseconds, truncated (kept for readers of earlier files).
    pub duration_ms: u64,
    /// Exact microseconds: a loopback exchange takes well under a millisecond.
    pub duration_us: u64,
    /// Earlier attempts that met flow control, with the waits after them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<crate::client::Attempt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gave_up: Option<crate::client::FlowControl>,
    pub request: RequestDoc,
    pub response: Option<ResponseDoc>,
    pub failure: Option<FailureDoc>,
    /// This exchange's line in the run's journal (from 1), when one was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_line: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaiverDoc {
    pub requirement: String,
    pub reason: String,
    pub expires: String,
    pub status: super::waivers::WaiverStatus,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErratumDoc {
    pub id: String,
    pub title: String,
    pub decision: String,
    pub requirements: Vec<String>,
}

fn headers(h: &[(String, String)], r: &Redactor) -> Vec<HeaderDoc> {
    r.headers(h)
        .into_iter()
        .map(|(name, value)| HeaderDoc { name, value })
        .collect()
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// One exchange, redacted.
pub fn exchange_doc(ex: &Exchange, contract: &Contract, r: &Redactor) -> ExchangeDoc {
    let outcome = crate::judge::answer::outcome(contract, ex);
    ExchangeDoc {
        endpoint: r.text(&ex.endpoint_id),
        method: r.text(&ex.method),
        url: r.text(&ex.url),
        correlation_id: r.text(&ex.correlation_id),
        started_at: rfc3339(&ex.started_at),
        duration_ms: millis(ex.duration),
        duration_us: micros(ex.duration),
        attempts: ex.attempts.clone(),
        gave_up: ex.gave_up,
        request: RequestDoc {
            headers: headers(&ex.request_headers, r),
            body: BodyDoc::of(&ex.request_body, r),
            plaintext: ex.request_plaintext.as_deref().map(|p| BodyDoc::of(p, r)),
        },
        response: ex.response.as_ref().map(|resp| ResponseDoc {
            status: resp.status,
            code: outcome
                .as_ref()
                .and_then(|o| o.code.as_deref().map(|c| r.text(c))),
            message: outcome
                .as_ref()
                .and_then(|o| o.message.as_deref().map(|m| r.text(m))),
            headers: headers(&resp.headers, r),
            body: BodyDoc::of(&resp.body, r),
            truncated: resp.truncated,
            plaintext: match &resp.plaintext {
                Some(Ok(p)) => Some(BodyDoc::of(p, r)),
                _ => None,
            },
            decryption_error: match &resp.plaintext {
                Some(Err(e)) => Some(r.text(e)),
                _ => None,
            },
        }),
        failure: ex.failure.as_ref().map(|f| FailureDoc {
            class: f.class,
            reason: r.text(&f.reason),
        }),
        journal_line: None,
    }
}

/// The redacted model of a finished run, with the gate's decision.
pub fn build(
    results: &RunResults,
    contract: &Contract,
    redactor: &Redactor,
    decision: &Decision,
    target_base_url: &str,
) -> ResultsDoc {
    let r = redactor;
    let meta = &results.meta;
    let verdicts = results.requirement_verdicts(contract);
    let mut requirement_counts = Counts::default();
    for v in &verdicts {
        requirement_counts.add(v.verdict);
    }
    let requirements = verdicts
        .iter()
        .map(|v| RequirementDoc {
            id: v.id.clone(),
            endpoint: v.endpoint.clone(),
            strength: v.strength,
            summary: v.summary.clone(),
            source: contract
                .catalogue
                .requirement(&v.id)
                .map(|q| q.source.clone())
                .unwrap_or_default(),
            verdict: v.verdict,
            scenarios: v.scenarios.clone(),
            reason: v.reason.as_deref().map(|s| r.text(s)),
            waiver: decision.waiver_for(&v.id).map(|w| w.status),
        })
        .collect();
    let endpoints = results
        .counts_by_endpoint()
        .into_iter()
        .map(|(id, c)| {
            let e = contract.endpoint(&id);
            EndpointDoc {
                path: e.map(|e| e.path.clone()),
                name: e.map(|e| e.name.clone()),
                endpoint: id,
                scenarios: c.into(),
            }
        })
        .collect();
    let scenarios: Vec<ScenarioDoc> = results
        .scenarios
        .iter()
        .map(|s| ScenarioDoc {
            id: r.text(&s.id),
            feature: r.text(&s.feature),
            name: r.text(&s.name),
            endpoint: s.endpoint.clone(),
            tags: s.tags.iter().map(|t| r.text(t)).collect(),
            requirements: s.requirements.clone(),
            verdict: s.verdict,
            reason: s.reason.as_deref().map(|t| r.text(t)),
            unlocks: s.unlocks.as_deref().map(|t| r.text(t)),
            error: s.error.as_deref().map(|t| r.text(t)),
            duration_ms: u64::try_from(s.duration_ms).unwrap_or(u64::MAX),
            findings_omitted: s.findings_omitted,
            findings: s
                .findings
                .iter()
                .map(|f| FindingDoc {
                    requirement: f.requirement.clone(),
                    class: f.class,
                    expected: r.text(&f.expected),
                    actual: r.text(&f.actual),
                    schema_errors: f
                        .schema_errors
                        .iter()
                        .map(|e| SchemaViolation {
                            instance_path: r.text(&e.instance_path),
                            keyword: r.text(&e.keyword),
                            message: r.text(&e.message),
                        })
                        .collect(),
                    correlation_id: r.text(&f.correlation_id),
                })
                .collect(),
            observations: s
                .observations
                .iter()
                .map(|o| ObservationDoc {
                    endpoint: o.endpoint.clone(),
                    case: r.text(&o.case),
                    requirement: o.requirement.clone(),
                    convention: o.convention.clone(),
                    observed_status: o.observed_status,
                    observed_code: o.observed_code.as_deref().map(|c| r.text(c)),
                    observed_message: o.observed_message.as_deref().map(|m| r.text(m)),
                    correlation_id: r.text(&o.correlation_id),
                    reading: o.reading.clone(),
                })
                .collect(),
            exchanges: s
                .exchanges
                .iter()
                .enumerate()
                .map(|(i, e)| ExchangeDoc {
                    journal_line: s.traffic.lines.get(i).copied().flatten(),
                    ..exchange_doc(e, contract, r)
                })
                .collect(),
            exchanges_omitted: s.traffic.sent + s.traffic.not_sent,
        })
        .collect();
    let code_meanings = code_meanings(contract, &scenarios);
    ResultsDoc {
        format: FORMAT.into(),
        run: RunDoc {
            tool_version: meta.tool_version.clone(),
            contract_hash: meta.contract_hash.clone(),
            catalogue_version: meta.catalogue_version.clone(),
            target: r.text(&meta.target),
            target_base_url: r.text(target_base_url),
            target_kind: meta.target_kind,
            profile: meta.profile.clone(),
            seed: meta.seed,
            started_at: rfc3339(&meta.started_at),
            finished_at: rfc3339(&meta.finished_at),
            duration_ms: millis(results.duration()),
            duration_us: micros(results.duration()),
            interrupted: meta.interrupted.map(|cause| interruption(results, cause)),
            proxy: meta.proxy.as_deref().map(|p| r.text(p)),
            source: meta.source,
            journal: meta.journal.as_ref().map(|j| JournalDoc {
                file: r.text(&j.file_name()),
                lines: j.lines,
            }),
        },
        outcome: OutcomeDoc {
            verdict: if decision.passed { "passed" } else { "failed" }.into(),
            exit_code: decision.exit_code,
            reasons: decision.reasons.iter().map(|s| r.text(s)).collect(),
            failing_requirements: decision.failing.clone(),
            waived_requirements: decision.waived.clone(),
            unattributed_failures: decision.unattributed.clone(),
        },
        counts: CountsDoc {
            scenarios: results.counts().into(),
            requirements: requirement_counts.into(),
            exchanges: results.exchange_count(),
            observations: results.observations().count()
                + results
                    .scenarios
                    .iter()
                    .map(|s| s.traffic.observations_omitted)
                    .sum::<usize>(),
        },
        endpoints,
        requirements,
        scenarios,
        waivers: decision
            .waivers
            .iter()
            .map(|w| WaiverDoc {
                requirement: w.waiver.requirement.clone(),
                reason: r.text(&w.waiver.reason),
                expires: w.waiver.expires.format("%Y-%m-%d").to_string(),
                status: w.status,
                verdict: w.verdict,
            })
            .collect(),
        baseline: decision.baseline.clone(),
        errata: contract
            .errata
            .errata
            .iter()
            .map(|e| ErratumDoc {
                id: e.id.clone(),
                title: e.title.clone(),
                decision: e.decision.clone(),
                requirements: e.requirements.clone(),
            })
            .collect(),
        code_meanings,
        durations: results.durations(),
    }
}

/// What every (endpoint, code) among `scenarios`' answers means per `contract`.
fn code_meanings(
    contract: &Contract,
    scenarios: &[ScenarioDoc],
) -> std::collections::BTreeMap<(String, String), String> {
    scenarios
        .iter()
        .flat_map(|s| &s.exchanges)
        .filter_map(|e| Some((e.endpoint.clone(), e.response.as_ref()?.code.clone()?)))
        .map(|(endpoint, code)| {
            let meaning = super::meaning::code_meaning(contract, &endpoint, &code);
            ((endpoint, code), meaning)
        })
        .collect()
}

impl ScenarioDoc {
    /// The step failure text, kept only when a step failed for another reason than the
    /// findings (which say it themselves).
    pub fn extra_error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// Exchange durations of a run, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub exchanges: usize,
    pub median_us: u64,
    pub p95_us: u64,
    pub max_us: u64,
}

impl Timing {
    /// `median 0.412 ms, 95th percentile 1.030 ms, slowest 3.114 ms`.
    pub fn describe(&self) -> String {
        let ms = super::view::millis;
        format!(
            "median {}, 95th percentile {}, slowest {}",
            ms(self.median_us),
            ms(self.p95_us),
            ms(self.max_us)
        )
    }

    /// Nearest-rank statistics of a run's answer times; `None` when there are none.
    pub fn of_durations(d: &crate::client::Durations) -> Option<Timing> {
        let n = d.count();
        if n == 0 {
            return None;
        }
        let rank = |p: u64| d.at_rank((n * p).div_ceil(100).max(1)).unwrap_or(0);
        Some(Timing {
            exchanges: usize::try_from(n).unwrap_or(usize::MAX),
            median_us: rank(50),
            p95_us: rank(95),
            max_us: d.max(),
        })
    }

    /// Nearest-rank statistics of `durations` (any order); `None` when there are none.
    pub fn of(mut durations: Vec<u64>) -> Option<Timing> {
        if durations.is_empty() {
            return None;
        }
        durations.sort_unstable();
        let rank = |p: usize| durations[(durations.len() * p).div_ceil(100).max(1) - 1];
        Some(Timing {
            exchanges: durations.len(),
            median_us: rank(50),
            p95_us: rank(95),
            max_us: durations[durations.len() - 1],
        })
    }
}

impl ResultsDoc {
    /// What `code` answered on `endpoint` means per the run's contract (see [`build`]).
    pub fn code_meaning(&self, endpoint: &str, code: &str) -> Option<&str> {
        self.code_meanings
            .get(&(endpoint.to_owned(), code.to_owned()))
            .map(String::as_str)
    }

    /// Timing of the exchanges that got an answer (one refused before sending has none).
    pub fn timing(&self) -> Option<Timing> {
        Timing::of_durations(&self.durations)
    }
}

/// Not-verified scenarios that one thing would unlock: a role the fixtures lack, a profile,
/// keys, generated volume.
#[derive(Debug, Clone)]
pub struct NotVerifiedGroup<'a> {
    /// The fixtures role that would unlock every scenario of the group, when one would.
    pub unlocks: Option<&'a str>,
    /// The distinct reasons of the group, most frequent first: one, unless scenarios that
    /// the same role would unlock give it in different words.
    pub reasons: Vec<&'a str>,
    pub scenarios: Vec<&'a ScenarioDoc>,
}

impl NotVerifiedGroup<'_> {
    /// The group in one line: the role that would unlock it first (a report's cell may be
    /// cut), then its reasons without the hint each repeats.
    pub fn label(&self) -> String {
        let Some(role) = self.unlocks else {
            return self.reasons.join("; ");
        };
        let hint = crate::judge::unlock_hint(role);
        let suffix = format!(" ({hint})");
        let stems: Vec<&str> = self
            .reasons
            .iter()
            .map(|r| r.strip_suffix(suffix.as_str()).unwrap_or(r))
            .collect();
        format!("{hint}: {}", stems.join("; "))
    }
}

impl ResultsDoc {
    /// The not-verified scenarios grouped by the role that would unlock them (by reason
    /// where none would), largest group first: what every renderer lists.
    pub fn not_verified_groups(&self) -> Vec<NotVerifiedGroup<'_>> {
        let mut keyed: Vec<(&str, NotVerifiedGroup<'_>)> = Vec::new();
        for s in self
            .scenarios
            .iter()
            .filter(|s| s.verdict == Verdict::NotVerified)
        {
            let reason = s.reason.as_deref().unwrap_or("");
            let key = s.unlocks.as_deref().unwrap_or(reason);
            match keyed.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.scenarios.push(s),
                None => keyed.push((
                    key,
                    NotVerifiedGroup {
                        unlocks: s.unlocks.as_deref(),
                        reasons: Vec::new(),
                        scenarios: vec![s],
                    },
                )),
            }
        }
        let mut groups: Vec<NotVerifiedGroup<'_>> = keyed
            .into_iter()
            .map(|(_, mut g)| {
                let mut counts: Vec<(&str, usize)> = Vec::new();
                for s in &g.scenarios {
                    let reason = s.reason.as_deref().unwrap_or("");
                    match counts.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((reason, 1)),
                    }
                }
                counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                g.reasons = counts.into_iter().map(|(r, _)| r).collect();
                g
            })
            .collect();
        groups.sort_by(|a, b| {
            b.scenarios
                .len()
                .cmp(&a.scenarios.len())
                .then(a.reasons.cmp(&b.reasons))
        });
        groups
    }

    pub fn scenario(&self, id: &str) -> Option<&ScenarioDoc> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn requirement(&self, id: &str) -> Option<&RequirementDoc> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// Whether every failure of `scenario` is on a requirement a holding waiver excuses.
    pub fn fully_waived(&self, scenario: &ScenarioDoc) -> bool {
        if scenario.verdict != Verdict::Failed || scenario.requirements.is_empty() {
            return false;
        }
        let waived = |id: &str| self.outcome.waived_requirements.iter().any(|w| w == id);
        let broken: Vec<&str> = if scenario.findings.is_empty()
            || scenario.findings.iter().any(|f| f.requirement.is_none())
        {
            scenario.requirements.iter().map(String::as_str).collect()
        } else {
            scenario
                .findings
                .iter()
                .filter_map(|f| f.requirement.as_deref())
                .collect()
        };
        !broken.is_empty() && broken.iter().all(|id| waived(id))
    }
}

#[cfg(test)]
mod not_verified_tests {
    #[test]
    fn a_group_names_its_role_once() {
        let group = super::NotVerifiedGroup {
            unlocks: Some("bankAccounts.valid"),
            reasons: vec![
                "no bank account \"valid\" (add bankAccounts.valid to the fixtures)",
                "no bank account \"valid\" and bankAccounts.known lacks birthDate (add bankAccounts.valid to the fixtures)",
            ],
            scenarios: Vec::new(),
        };
        assert_eq!(
            group.label(),
            "add bankAccounts.valid to the fixtures: no bank account \"valid\"; no bank account \"valid\" and bankAccounts.known lacks birthDate"
        );
        let single = super::NotVerifiedGroup {
            unlocks: None,
            reasons: vec!["no encryption keys are configured for this target"],
            scenarios: Vec::new(),
        };
        assert_eq!(
            single.label(),
            "no encryption keys are configured for this target"
        );
    }
}
