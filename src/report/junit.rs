//! `junit.xml`: one `<testsuite>` per feature file, one `<testcase>` per scenario (each row of
//! a Scenario Outline is its own testcase), generated from the redacted model rather than
//! cucumber's own JUnit (whose testcase text is the raw step panic). It is valid against the
//! Jenkins `junit-10.xsd` (a copy is in `tools/consumers/`, where the tests check it):
//!
//! - failed → `<failure type="contract|protocol|transport|setup" message="[REQ-ID] ...">` with
//!   every finding: the broken requirement id, expected vs actual, schema error paths and the
//!   correlation id;
//! - not verified → `<skipped message="reason"/>` (never counted as passed);
//! - failed, but every broken requirement is under a holding waiver → `<skipped
//!   message="waived until ...: ..."/>` (it does not fail the run);
//! - the schema has no `file`/`line` on a testcase and no properties inside one, so the
//!   feature file is the testsuite's `file`, the run's facts are the testsuite's
//!   `<properties>`, and each testcase's `<system-out>` names its scenario (`file:line`, the
//!   line report actions find there), endpoint, verdict, requirements and correlation ids;
//! - times are wall-clock: the run's on `<testsuites>`, and a suite's is the span its
//!   scenarios' exchanges cover (scenarios of a feature run in parallel, so adding their
//!   times up would overstate it).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use std::fmt::Write as _;

use crate::runner::results::Verdict;

use super::markup::{attr, text};
use super::model::{FindingDoc, ResultsDoc, ScenarioDoc};

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The line a finding is summarised in: `[REQ-ID] expected ...; actual ...`.
pub fn finding_line(f: &FindingDoc) -> String {
    format!(
        "[{}] expected {}; actual {}",
        f.requirement.as_deref().unwrap_or("no answer"),
        f.expected,
        f.actual
    )
}

/// All of a finding, several lines.
pub fn finding_block(f: &FindingDoc) -> String {
    let mut s = format!(
        "[{}] {:?} failure\n  expected: {}\n  actual:   {}\n",
        f.requirement.as_deref().unwrap_or("no answer"),
        f.class,
        f.expected,
        f.actual
    );
    for e in &f.schema_errors {
        let path = if e.instance_path.is_empty() {
            "/"
        } else {
            &e.instance_path
        };
        let _ = writeln!(s, "  schema:   {path}: {} ({})", e.message, e.keyword);
    }
    if !f.correlation_id.is_empty() {
        let _ = writeln!(s, "  correlation id: {}", f.correlation_id);
    }
    s
}

/// Counts as the JUnit file states them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JunitCounts {
    pub tests: usize,
    pub failures: usize,
    pub skipped: usize,
}

enum Outcome {
    Passed,
    Failed,
    Skipped(String),
}

fn outcome(doc: &ResultsDoc, s: &ScenarioDoc) -> Outcome {
    match s.verdict {
        Verdict::Passed => Outcome::Passed,
        Verdict::NotVerified => Outcome::Skipped(format!(
            "not verified: {}",
            s.reason.as_deref().unwrap_or("no reason given")
        )),
        Verdict::Failed if doc.fully_waived(s) => {
            let mut waivers: Vec<String> = doc
                .waivers
                .iter()
                .filter(|w| s.requirements.contains(&w.requirement))
                .filter(|w| doc.outcome.waived_requirements.contains(&w.requirement))
                .map(|w| format!("{} until {}: {}", w.requirement, w.expires, w.reason))
                .collect();
            waivers.dedup();
            let first = s.findings.first().map(finding_line).unwrap_or_default();
            Outcome::Skipped(format!("waived ({}); {first}", waivers.join("; ")))
        }
        Verdict::Failed => Outcome::Failed,
    }
}

pub fn counts(doc: &ResultsDoc) -> JunitCounts {
    let mut c = JunitCounts::default();
    for s in &doc.scenarios {
        c.tests += 1;
        match outcome(doc, s) {
            Outcome::Passed => {}
            Outcome::Failed => c.failures += 1,
            Outcome::Skipped(_) => c.skipped += 1,
        }
    }
    c
}

fn property(out: &mut String, indent: &str, name: &str, value: &str) {
    let _ = writeln!(
        out,
        "{indent}<property name=\"{}\" value=\"{}\"/>",
        attr(name),
        attr(value)
    );
}

/// How long the scenarios of one suite took on the wall clock: from the first request any of
/// them sent to the last answer, at least the longest scenario, at most the whole run.
fn wall_clock_ms(scenarios: &[&ScenarioDoc], run_ms: u64) -> u64 {
    let mut span: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for e in scenarios.iter().flat_map(|s| s.exchanges.iter()) {
        let Ok(start) = DateTime::parse_from_rfc3339(&e.started_at) else {
            continue;
        };
        let start = start.with_timezone(&Utc);
        let end = start + chrono::Duration::milliseconds(i64::try_from(e.duration_ms).unwrap_or(0));
        span = Some(match span {
            Some((a, b)) => (a.min(start), b.max(end)),
            None => (start, end),
        });
    }
    let exchanges = span.map_or(0, |(a, b)| {
        u64::try_from((b - a).num_milliseconds()).unwrap_or(0)
    });
    let longest = scenarios.iter().map(|s| s.duration_ms).max().unwrap_or(0);
    exchanges.max(longest).min(run_ms)
}

/// What a testcase says about itself in `<system-out>`, one `key: value` a line.
fn testcase_out(s: &ScenarioDoc) -> String {
    let mut out = format!("scenario: {}\n", s.id);
    if let Some(e) = &s.endpoint {
        let _ = writeln!(out, "endpoint: {e}");
    }
    let verdict = match s.verdict {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::NotVerified => "not-verified",
    };
    let _ = writeln!(out, "verdict: {verdict}");
    for r in &s.requirements {
        let _ = writeln!(out, "requirement: {r}");
    }
    let mut ids: Vec<&str> = s
        .findings
        .iter()
        .map(|f| f.correlation_id.as_str())
        .chain(s.exchanges.iter().map(|e| e.correlation_id.as_str()))
        .filter(|c| !c.is_empty())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    // Generated scenarios send hundreds of requests; keep the file readable.
    const MAX_IDS: usize = 20;
    for id in ids.iter().take(MAX_IDS) {
        let _ = writeln!(out, "correlation-id: {id}");
    }
    if ids.len() > MAX_IDS {
        let _ = writeln!(out, "correlation-ids-omitted: {}", ids.len() - MAX_IDS);
    }
    out
}

pub fn render(doc: &ResultsDoc) -> String {
    let mut by_file: BTreeMap<&str, Vec<&ScenarioDoc>> = BTreeMap::new();
    for s in &doc.scenarios {
        let file = s.id.rsplit_once(':').map(|(f, _)| f).unwrap_or(&s.id);
        by_file.entry(file).or_default().push(s);
    }
    let total = counts(doc);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // The schema allows no `skipped` or `timestamp` here; each testsuite states both.
    let _ = writeln!(
        out,
        "<testsuites name=\"kona-conformance\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{}\">",
        total.tests,
        total.failures,
        seconds(doc.run.duration_ms),
    );
    for (file, scenarios) in by_file {
        let mut c = JunitCounts::default();
        for s in &scenarios {
            c.tests += 1;
            match outcome(doc, s) {
                Outcome::Passed => {}
                Outcome::Failed => c.failures += 1,
                Outcome::Skipped(_) => c.skipped += 1,
            }
        }
        let feature = scenarios.first().map(|s| s.feature.as_str()).unwrap_or("");
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">",
            attr(feature),
            attr(file),
            c.tests,
            c.failures,
            c.skipped,
            seconds(wall_clock_ms(&scenarios, doc.run.duration_ms)),
            attr(&doc.run.started_at)
        );
        out.push_str("    <properties>\n");
        let p = "      ";
        property(&mut out, p, "target", &doc.run.target);
        if let Some(proxy) = &doc.run.proxy {
            property(&mut out, p, "proxy", proxy);
        }
        property(&mut out, p, "profile", &doc.run.profile);
        property(&mut out, p, "seed", &doc.run.seed.to_string());
        property(&mut out, p, "contract-hash", &doc.run.contract_hash);
        property(&mut out, p, "tool-version", &doc.run.tool_version);
        if let Some(why) = &doc.run.interrupted {
            property(&mut out, p, "interrupted", why);
        }
        out.push_str("    </properties>\n");
        for s in scenarios {
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">",
                attr(&format!("{} [{}]", s.name, s.id)),
                attr(&s.feature),
                seconds(s.duration_ms)
            );
            match outcome(doc, s) {
                Outcome::Passed => {}
                Outcome::Skipped(message) => {
                    let _ = writeln!(out, "      <skipped message=\"{}\"/>", attr(&message));
                }
                Outcome::Failed => {
                    let (kind, message) = match s.findings.first() {
                        Some(f) => (format!("{:?}", f.class).to_lowercase(), finding_line(f)),
                        None => (
                            "error".to_owned(),
                            format!(
                                "[{}] {}",
                                s.requirements.join(", "),
                                s.error.as_deref().unwrap_or("the scenario failed")
                            ),
                        ),
                    };
                    let mut body = String::new();
                    for f in &s.findings {
                        body.push_str(&finding_block(f));
                    }
                    if let Some(line) = s.omitted_line() {
                        let _ = writeln!(body, "{line}");
                    }
                    if let Some(e) = s.extra_error() {
                        let _ = write!(body, "step failure:\n{e}\n");
                    }
                    // Where it failed, as report actions look for it in the failure text.
                    let _ = writeln!(body, "scenario: {}", s.id);
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                        attr(&kind),
                        attr(&message),
                        text(&body)
                    );
                }
            }
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                text(&testcase_out(s))
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
