//! `kona-conformance compare BASE OTHER`: how two runs differ, read from their results.json
//! (or the report folders holding them): requirement verdicts that changed, observed answers
//! to the cases the docs leave open that differ (status, code or message per case), scenarios
//! added or removed, and contract version changes.
//!
//! Cases are matched by kind (endpoint, convention key and the input's description), never
//! by generated case number, so runs with different seeds compare. A run against the embedded
//! sandbox records no observations (it is held to the conventions): where its requirement did
//! not fail, it counts as answering with the convention. A case observed in only one run is
//! listed, not counted as a difference: it says what one run sent and the other did not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use crate::runner::results::Verdict;

use crate::gate::format::FORMAT;
use crate::report::markdown::{cell, code};
use crate::report::observed::{Answer, input_of};
use crate::report::view::{Text, badge, page};

/// The files `compare` writes, in its output folder.
pub const FILES: [&str; 2] = ["compare.md", "compare.html"];
/// Rows per table in compare.md; compare.html lists every one.
const MAX_MD_ROWS: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{path}: no such file or folder")]
    Missing { path: String },
    #[error(
        "{path} is a folder without a results.json (give a folder written by `run --report-dir`, or its results.json)"
    )]
    NoResults { path: String },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not results JSON of kona-conformance: {reason}")]
    NotResults { path: String, reason: String },
    #[error("{path} has format {found:?}; this version reads \"{FORMAT}\"")]
    Format { path: String, found: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum VerdictIn {
    Passed,
    Failed,
    NotVerified,
}

impl From<VerdictIn> for Verdict {
    fn from(v: VerdictIn) -> Verdict {
        match v {
            VerdictIn::Passed => Verdict::Passed,
            VerdictIn::Failed => Verdict::Failed,
            VerdictIn::NotVerified => Verdict::NotVerified,
        }
    }
}

/// What a run says about itself (results.json `run`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSide {
    #[serde(skip)]
    pub origin: String,
    pub tool_version: String,
    pub contract_hash: String,
    pub catalogue_version: String,
    pub target: String,
    pub target_kind: String,
    pub profile: String,
    pub seed: u64,
    pub started_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequirementIn {
    id: String,
    verdict: VerdictIn,
    #[serde(default)]
    summary: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConventionIn {
    key: String,
    status: u16,
    code: String,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObservationIn {
    endpoint: String,
    case: String,
    requirement: String,
    convention: ConventionIn,
    observed_status: u16,
    observed_code: Option<String>,
    observed_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScenarioIn {
    id: String,
    name: String,
    verdict: VerdictIn,
    #[serde(default)]
    observations: Vec<ObservationIn>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultsIn {
    run: RunSide,
    requirements: Vec<RequirementIn>,
    scenarios: Vec<ScenarioIn>,
}

/// A case the docs leave open, by kind: endpoint, convention key, and which input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CaseKey {
    pub endpoint: String,
    pub case: String,
    pub input: String,
}

#[derive(Debug, Clone)]
struct ObservedCase {
    requirement: String,
    convention: Answer,
    answers: BTreeSet<Answer>,
}

/// One run, as compare reads it.
#[derive(Debug, Clone)]
pub struct RunSnapshot {
    pub side: RunSide,
    /// Requirement id → (verdict, rule), in the file's order.
    requirements: Vec<(String, Verdict, String)>,
    scenarios: BTreeMap<String, (String, Verdict)>,
    observed: BTreeMap<CaseKey, ObservedCase>,
}

impl RunSnapshot {
    /// Read a run from results.json text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<RunSnapshot, CompareError> {
        let not_results = |reason: String| CompareError::NotResults {
            path: origin.to_owned(),
            reason,
        };
        let value: Value =
            serde_json::from_str(text).map_err(|e| not_results(format!("not JSON ({e})")))?;
        let format = value
            .get("format")
            .ok_or_else(|| not_results("no \"format\" field".into()))?
            .as_str()
            .ok_or_else(|| not_results("\"format\" is not a string".into()))?;
        let family = FORMAT.rsplit_once('/').map(|(f, _)| f).unwrap_or(FORMAT);
        if format != FORMAT {
            if format.starts_with(&format!("{family}/")) {
                return Err(CompareError::Format {
                    path: origin.to_owned(),
                    found: format.to_owned(),
                });
            }
            return Err(not_results(format!(
                "\"format\" is {format:?}, not \"{FORMAT}\""
            )));
        }
        let doc: ResultsIn =
            serde_json::from_value(value).map_err(|e| not_results(e.to_string()))?;
        let mut side = doc.run;
        side.origin = origin.to_owned();
        let mut observed: BTreeMap<CaseKey, ObservedCase> = BTreeMap::new();
        for s in &doc.scenarios {
            for o in &s.observations {
                let input = input_of(&o.case, &o.convention.key, &s.name);
                let entry = observed
                    .entry(CaseKey {
                        endpoint: o.endpoint.clone(),
                        case: o.convention.key.clone(),
                        input: input.to_owned(),
                    })
                    .or_insert_with(|| ObservedCase {
                        requirement: o.requirement.clone(),
                        convention: Answer {
                            status: o.convention.status,
                            code: Some(o.convention.code.clone()),
                            message: Some(o.convention.message.clone()),
                        },
                        answers: BTreeSet::new(),
                    });
                entry.answers.insert(Answer {
                    status: o.observed_status,
                    code: o.observed_code.clone(),
                    message: o.observed_message.clone(),
                });
            }
        }
        Ok(RunSnapshot {
            side,
            requirements: doc
                .requirements
                .into_iter()
                .map(|r| (r.id, r.verdict.into(), r.summary))
                .collect(),
            scenarios: doc
                .scenarios
                .into_iter()
                .map(|s| (s.id, (s.name, s.verdict.into())))
                .collect(),
            observed,
        })
    }

    /// Read a run from a results.json file or a report folder that holds one.
    pub fn load(path: &Path) -> Result<RunSnapshot, CompareError> {
        let shown = path.display().to_string();
        let file: PathBuf = if path.is_dir() {
            let file = path.join("results.json");
            if !file.is_file() {
                return Err(CompareError::NoResults { path: shown });
            }
            file
        } else if path.exists() {
            path.to_path_buf()
        } else {
            return Err(CompareError::Missing { path: shown });
        };
        let bytes = std::fs::read(&file).map_err(|e| CompareError::Read {
            path: file.display().to_string(),
            reason: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| CompareError::NotResults {
            path: file.display().to_string(),
            reason: "not UTF-8 text".into(),
        })?;
        RunSnapshot::parse(&text, &file.display().to_string())
    }

    fn verdict(&self, id: &str) -> Option<Verdict> {
        self.requirements
            .iter()
            .find(|(r, _, _)| r == id)
            .map(|(_, v, _)| *v)
    }

    /// What this run answered in `key`: observed answers, or for an embedded run the
    /// convention it is held to (unless that requirement failed); `None`: not sent.
    fn answers(&self, key: &CaseKey, other: &ObservedCase) -> Option<BTreeSet<Answer>> {
        if let Some(c) = self.observed.get(key) {
            return Some(c.answers.clone());
        }
        let held = self.side.target_kind == "embedded"
            && self
                .verdict(&other.requirement)
                .is_some_and(|v| v != Verdict::Failed);
        held.then(|| BTreeSet::from([other.convention.clone()]))
    }

    /// Requirement counts: (passed, failed, not verified).
    pub fn requirement_counts(&self) -> (usize, usize, usize) {
        let n = |v: Verdict| self.requirements.iter().filter(|r| r.1 == v).count();
        (
            n(Verdict::Passed),
            n(Verdict::Failed),
            n(Verdict::NotVerified),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementChange {
    pub id: String,
    pub rule: String,
    /// `None`: the run's contract has no such requirement.
    pub before: Option<Verdict>,
    pub after: Option<Verdict>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationChange {
    pub key: CaseKey,
    pub requirement: String,
    pub before: Vec<Answer>,
    pub after: Vec<Answer>,
}

impl ObservationChange {
    /// Which parts of the answer moved: `status`, `code`, `message`.
    pub fn what(&self) -> String {
        let moved = |part: &dyn Fn(&Answer) -> String| {
            let before: BTreeSet<String> = self.before.iter().map(part).collect();
            let after: BTreeSet<String> = self.after.iter().map(part).collect();
            before != after
        };
        let mut parts = Vec::new();
        if moved(&|a| a.status.to_string()) {
            parts.push("status");
        }
        if moved(&|a| a.code.clone().unwrap_or_default()) {
            parts.push("code");
        }
        if moved(&|a| a.message.clone().unwrap_or_default()) {
            parts.push("message");
        }
        parts.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneSided {
    pub key: CaseKey,
    /// True: observed only in OTHER; false: only in BASE.
    pub in_other: bool,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractChange {
    pub what: &'static str,
    pub before: String,
    pub after: String,
}

/// How OTHER differs from BASE.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub base: RunSide,
    pub other: RunSide,
    pub base_counts: (usize, usize, usize),
    pub other_counts: (usize, usize, usize),
    pub contract: Vec<ContractChange>,
    pub requirements: Vec<RequirementChange>,
    pub observations: Vec<ObservationChange>,
    /// Cases observed in one run only: listed, not a difference.
    pub one_sided: Vec<OneSided>,
    pub scenarios_added: Vec<(String, String)>,
    pub scenarios_removed: Vec<(String, String)>,
}

impl Comparison {
    pub fn differs(&self) -> bool {
        !(self.contract.is_empty()
            && self.requirements.is_empty()
            && self.observations.is_empty()
            && self.scenarios_added.is_empty()
            && self.scenarios_removed.is_empty())
    }

    /// One line per kind of difference, for the console and the headline.
    pub fn headlines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.requirements.is_empty() {
            let shown: Vec<String> = self
                .requirements
                .iter()
                .take(8)
                .map(|c| format!("{} {} → {}", c.id, label(c.before), label(c.after)))
                .collect();
            out.push(format!(
                "{} requirement verdict(s) changed: {}{}",
                self.requirements.len(),
                shown.join(", "),
                if self.requirements.len() > 8 {
                    ", …"
                } else {
                    ""
                }
            ));
        }
        if !self.observations.is_empty() {
            out.push(format!(
                "{} observed answer(s) to cases the docs leave open differ",
                self.observations.len()
            ));
        }
        if !self.scenarios_added.is_empty() || !self.scenarios_removed.is_empty() {
            out.push(format!(
                "{} scenario(s) added, {} removed",
                self.scenarios_added.len(),
                self.scenarios_removed.len()
            ));
        }
        for c in &self.contract {
            out.push(format!("{} changed: {} → {}", c.what, c.before, c.after));
        }
        if out.is_empty() {
            out.push("the runs are equivalent: same requirement verdicts, same observed answers, same scenarios, same contract".into());
        }
        out
    }
}

fn label(v: Option<Verdict>) -> &'static str {
    v.map(Verdict::label).unwrap_or("absent")
}

/// Compare OTHER with BASE.
pub fn compare(base: &RunSnapshot, other: &RunSnapshot) -> Comparison {
    let mut contract = Vec::new();
    if base.side.catalogue_version != other.side.catalogue_version {
        contract.push(ContractChange {
            what: "catalogue version",
            before: base.side.catalogue_version.clone(),
            after: other.side.catalogue_version.clone(),
        });
    }
    if base.side.contract_hash != other.side.contract_hash {
        contract.push(ContractChange {
            what: "contract hash",
            before: base.side.contract_hash.clone(),
            after: other.side.contract_hash.clone(),
        });
    }

    let mut requirements = Vec::new();
    for (id, after, rule) in &other.requirements {
        let before = base.verdict(id);
        if before != Some(*after) {
            requirements.push(RequirementChange {
                id: id.clone(),
                rule: rule.clone(),
                before,
                after: Some(*after),
            });
        }
    }
    for (id, before, rule) in &base.requirements {
        if other.verdict(id).is_none() {
            requirements.push(RequirementChange {
                id: id.clone(),
                rule: rule.clone(),
                before: Some(*before),
                after: None,
            });
        }
    }

    let mut observations = Vec::new();
    let mut one_sided = Vec::new();
    let keys: BTreeSet<&CaseKey> = base.observed.keys().chain(other.observed.keys()).collect();
    for key in keys {
        let Some(reference) = other.observed.get(key).or_else(|| base.observed.get(key)) else {
            continue;
        };
        match (base.answers(key, reference), other.answers(key, reference)) {
            (Some(b), Some(a)) if a != b => observations.push(ObservationChange {
                key: key.clone(),
                requirement: reference.requirement.clone(),
                before: b.into_iter().collect(),
                after: a.into_iter().collect(),
            }),
            (Some(b), None) => one_sided.push(OneSided {
                key: key.clone(),
                in_other: false,
                answers: b.into_iter().collect(),
            }),
            (None, Some(a)) => one_sided.push(OneSided {
                key: key.clone(),
                in_other: true,
                answers: a.into_iter().collect(),
            }),
            _ => {}
        }
    }

    let only = |a: &RunSnapshot, b: &RunSnapshot| -> Vec<(String, String)> {
        a.scenarios
            .iter()
            .filter(|(id, _)| !b.scenarios.contains_key(*id))
            .map(|(id, (name, _))| (id.clone(), name.clone()))
            .collect()
    };
    Comparison {
        base: base.side.clone(),
        other: other.side.clone(),
        base_counts: base.requirement_counts(),
        other_counts: other.requirement_counts(),
        contract,
        requirements,
        observations,
        one_sided,
        scenarios_added: only(other, base),
        scenarios_removed: only(base, other),
    }
}

fn answers_text(list: &[Answer]) -> String {
    list.iter()
        .map(|a| {
            format!(
                "{} {:?}",
                a.status_code(),
                a.message.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn counts_text(c: (usize, usize, usize)) -> String {
    format!("{} passed, {} failed, {} not verified", c.0, c.1, c.2)
}

/// compare.md: for a PR comment.
pub fn render_markdown(c: &Comparison) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## KONA conformance compare: {}\n",
        if c.differs() {
            "❌ the runs differ (exit 1)"
        } else {
            "✅ equivalent (exit 0)"
        }
    );
    for line in c.headlines() {
        let _ = writeln!(out, "- {}", cell(&line));
    }
    out.push_str("\n| | base | other |\n|---|---|---|\n");
    let row = |out: &mut String, k: &str, b: &str, o: &str| {
        let _ = writeln!(out, "| {k} | {} | {} |", cell(b), cell(o));
    };
    row(&mut out, "file", &c.base.origin, &c.other.origin);
    row(&mut out, "target", &c.base.target, &c.other.target);
    row(
        &mut out,
        "profile, seed",
        &format!("{}, {}", c.base.profile, c.base.seed),
        &format!("{}, {}", c.other.profile, c.other.seed),
    );
    row(&mut out, "started", &c.base.started_at, &c.other.started_at);
    row(
        &mut out,
        "catalogue",
        &c.base.catalogue_version,
        &c.other.catalogue_version,
    );
    row(
        &mut out,
        "requirements",
        &counts_text(c.base_counts),
        &counts_text(c.other_counts),
    );
    out.push('\n');

    let more = |out: &mut String, n: usize| {
        if n > MAX_MD_ROWS {
            let _ = writeln!(out, "\n…and {} more: see compare.html.", n - MAX_MD_ROWS);
        }
    };
    if !c.requirements.is_empty() {
        let _ = writeln!(
            out,
            "### Requirement verdicts that changed ({})\n",
            c.requirements.len()
        );
        out.push_str("| requirement | rule | base | other |\n|---|---|---|---|\n");
        for r in c.requirements.iter().take(MAX_MD_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&r.id),
                cell(&r.rule),
                label(r.before),
                if r.after == Some(Verdict::Failed) {
                    "**failed**"
                } else {
                    label(r.after)
                }
            );
        }
        more(&mut out, c.requirements.len());
        out.push('\n');
    }
    if !c.observations.is_empty() {
        let _ = writeln!(
            out,
            "### Observed answers that differ ({})\n",
            c.observations.len()
        );
        out.push_str(
            "| endpoint | case | input | changed | base | other |\n|---|---|---|---|---|---|\n",
        );
        for o in c.observations.iter().take(MAX_MD_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&o.key.endpoint),
                cell(&o.key.case),
                cell(&o.key.input),
                o.what(),
                cell(&answers_text(&o.before)),
                cell(&answers_text(&o.after))
            );
        }
        more(&mut out, c.observations.len());
        out.push('\n');
    }
    for (title, list) in [
        ("Scenarios added", &c.scenarios_added),
        ("Scenarios removed", &c.scenarios_removed),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "### {title} ({})\n", list.len());
            for (id, name) in list.iter().take(MAX_MD_ROWS) {
                let _ = writeln!(out, "- {} {}", code(id), cell(name));
            }
            more(&mut out, list.len());
            out.push('\n');
        }
    }
    if !c.contract.is_empty() {
        let _ = writeln!(out, "### Contract\n");
        for ch in &c.contract {
            let _ = writeln!(
                out,
                "- {}: {} → {}",
                ch.what,
                code(&ch.before),
                code(&ch.after)
            );
        }
        out.push('\n');
    }
    if !c.one_sided.is_empty() {
        let _ = writeln!(
            out,
            "{} case(s) were observed in one run only (listed in compare.html; not a difference).\n",
            c.one_sided.len()
        );
    }
    out
}

fn verdict_cell(v: Option<Verdict>) -> Markup {
    html! {
        @match v {
            Some(v) => { (badge(v)) }
            None => { span class="small" { "absent" } }
        }
    }
}

/// compare.html: the same, every row listed.
pub fn render_html(c: &Comparison) -> String {
    let differs = c.differs();
    let pair = |label: &'static str, f: fn(&RunSide) -> String| (label, f(&c.base), f(&c.other));
    let mut sides = vec![
        pair("File", |s| s.origin.clone()),
        pair("Target", |s| s.target.clone()),
        pair("Target kind", |s| s.target_kind.clone()),
        pair("Profile", |s| s.profile.clone()),
        pair("Seed", |s| s.seed.to_string()),
        pair("Started", |s| s.started_at.clone()),
        pair("Tool version", |s| s.tool_version.clone()),
        pair("Catalogue version", |s| s.catalogue_version.clone()),
        pair("Contract hash", |s| s.contract_hash.clone()),
    ];
    sides.push((
        "Requirements",
        counts_text(c.base_counts),
        counts_text(c.other_counts),
    ));
    let title = format!(
        "KONA conformance compare · {}",
        if differs {
            "the runs differ"
        } else {
            "equivalent"
        }
    );
    let body = html! {
        header class={ "banner " (if differs { "failed" } else { "passed" }) } {
            div class="verdict" {
                (if differs { "THE RUNS DIFFER" } else { "EQUIVALENT" })
                " " span class="small" { "exit code " (u8::from(differs)) }
            }
            ul class="reasons" { @for line in c.headlines() { li { (Text(&line)) } } }
        }
        main {
            section id="runs" {
                h2 { "Runs" }
                table {
                    thead { tr { th {} th { "Base" } th { "Other" } } }
                    tbody {
                        @for (k, b, o) in &sides {
                            tr { th style="width:16%" { (k) } td class="mono" { (Text(b)) } td class="mono" { (Text(o)) } }
                        }
                    }
                }
            }
            section id="requirements" {
                h2 { "Requirement verdicts that changed " span class="small" { "(" (c.requirements.len()) ")" } }
                @if c.requirements.is_empty() { p { "None." } } @else {
                    table {
                        thead { tr { th { "Requirement" } th { "Rule" } th { "Base" } th { "Other" } } }
                        tbody {
                            @for r in &c.requirements {
                                tr {
                                    td class="req" { (Text(&r.id)) }
                                    td { (Text(&r.rule)) }
                                    td { (verdict_cell(r.before)) }
                                    td { (verdict_cell(r.after)) }
                                }
                            }
                        }
                    }
                }
            }
            section id="observations" {
                h2 { "Observed answers that differ " span class="small" { "(" (c.observations.len()) "; cases the docs leave open)" } }
                @if c.observations.is_empty() { p { "None." } } @else {
                    table {
                        thead { tr { th { "Endpoint" } th { "Case" } th { "Input" } th { "Changed" } th { "Base" } th { "Other" } } }
                        tbody {
                            @for o in &c.observations {
                                tr {
                                    td { (Text(&o.key.endpoint)) }
                                    td { (Text(&o.key.case)) div class="small mono" { (Text(&o.requirement)) } }
                                    td { (Text(&o.key.input)) }
                                    td { (o.what()) }
                                    td { (Text(&answers_text(&o.before))) }
                                    td { (Text(&answers_text(&o.after))) }
                                }
                            }
                        }
                    }
                }
            }
            section id="scenarios" {
                h2 { "Scenarios added or removed" }
                @if c.scenarios_added.is_empty() && c.scenarios_removed.is_empty() { p { "None." } }
                @for (title, list) in [("Added", &c.scenarios_added), ("Removed", &c.scenarios_removed)] {
                    @if !list.is_empty() {
                        h3 { (title) " (" (list.len()) ")" }
                        table { tbody { @for (id, name) in list { tr { td class="mono" { (Text(id)) } td { (Text(name)) } } } } }
                    }
                }
            }
            section id="contract" {
                h2 { "Contract" }
                @if c.contract.is_empty() { p { "The same contract." } } @else {
                    table { tbody { @for ch in &c.contract {
                        tr { th { (ch.what) } td class="mono" { (Text(&ch.before)) } td class="mono" { (Text(&ch.after)) } }
                    } } }
                }
            }
            @if !c.one_sided.is_empty() {
                section id="one-sided" {
                    h2 { "Observed in one run only " span class="small" { "(" (c.one_sided.len()) "; the other run did not send the case; not a difference)" } }
                    details {
                        summary { "The cases" }
                        table {
                            thead { tr { th { "Endpoint" } th { "Case" } th { "Input" } th { "Observed in" } th { "Answer" } } }
                            tbody {
                                @for o in &c.one_sided {
                                    tr {
                                        td { (Text(&o.key.endpoint)) }
                                        td { (Text(&o.key.case)) }
                                        td { (Text(&o.key.input)) }
                                        td { (if o.in_other { "other" } else { "base" }) }
                                        td { (Text(&answers_text(&o.answers))) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        footer { "kona-conformance compare · reads " (FORMAT) }
    };
    page(&title, body)
}

/// Write compare.md and compare.html into `dir` (created if needed); returns their paths.
pub fn write(dir: &Path, c: &Comparison) -> Result<Vec<PathBuf>, CompareError> {
    let err = |path: &Path, e: std::io::Error| CompareError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    let mut written = Vec::new();
    for (name, text) in [(FILES[0], render_markdown(c)), (FILES[1], render_html(c))] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| err(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(verdict: &str, seed: u64, input: &str, code: &str) -> String {
        format!(
            r#"{{"format":"kona-conformance-results/1",
            "run":{{"toolVersion":"0.1.0","contractHash":"h","catalogueVersion":"1","target":"t","targetKind":"external","profile":"sandbox","seed":{seed},"startedAt":"s"}},
            "requirements":[{{"id":"A","verdict":"passed","summary":"a"}},{{"id":"B","verdict":"{verdict}","summary":"b"}}],
            "scenarios":[{{"id":"f:1","name":"Generated cases","verdict":"passed","observations":[
              {{"endpoint":"card-info","case":"{input}","requirement":"B","convention":{{"key":"invalid-input","status":400,"code":"000_002","message":"m"}},
               "observedStatus":422,"observedCode":"{code}","observedMessage":"m","correlationId":"c{seed}"}}]}}]}}"#
        )
    }

    fn snap(text: &str) -> RunSnapshot {
        RunSnapshot::parse(text, "r.json").unwrap()
    }

    #[test]
    fn runs_with_other_seeds_compare_by_case_kind() {
        let a = snap(&run("passed", 1, "cardNo as a number", "800_002"));
        let b = snap(&run("passed", 2, "cardNo as a number", "800_002"));
        let c = compare(&a, &b);
        assert!(!c.differs(), "{:?}", c.headlines());
    }

    #[test]
    fn a_changed_verdict_and_answer_are_named() {
        let a = snap(&run("passed", 1, "cardNo as a number", "800_002"));
        let b = snap(&run("failed", 1, "cardNo as a number", "800_009"));
        let c = compare(&a, &b);
        assert!(c.differs());
        assert_eq!(c.requirements.len(), 1);
        assert_eq!(c.requirements[0].id, "B");
        assert_eq!(c.observations.len(), 1);
        assert_eq!(c.observations[0].what(), "code");
        assert!(c.headlines()[0].contains("B passed → failed"));
        assert!(render_markdown(&c).contains("| `B` | b | passed | **failed** |"));
    }

    #[test]
    fn a_case_sent_by_one_run_only_is_listed_not_counted() {
        let a = snap(&run("passed", 1, "cardNo as a number", "800_002"));
        let b = snap(&run("passed", 1, "cardNo with a letter", "800_002"));
        let c = compare(&a, &b);
        assert!(!c.differs());
        assert_eq!(c.one_sided.len(), 2);
    }

    #[test]
    fn an_embedded_run_answers_with_the_convention() {
        let mut embedded: Value =
            serde_json::from_str(&run("passed", 1, "cardNo as a number", "800_002")).unwrap();
        embedded["run"]["targetKind"] = "embedded".into();
        embedded["scenarios"][0]["observations"] = Value::Array(Vec::new());
        let a = snap(&embedded.to_string());
        let b = snap(&run("passed", 1, "cardNo as a number", "800_002"));
        let c = compare(&a, &b);
        assert_eq!(c.observations.len(), 1, "422 800_002 is not 400 000_002");
        assert_eq!(c.observations[0].what(), "status, code");
    }

    #[test]
    fn bad_input_names_the_problem() {
        let e = RunSnapshot::parse("not json", "x.json").unwrap_err();
        assert!(e.to_string().contains("x.json is not results JSON"), "{e}");
        let e = RunSnapshot::parse(r#"{"a":1}"#, "x.json").unwrap_err();
        assert!(e.to_string().contains("no \"format\" field"), "{e}");
        let e =
            RunSnapshot::parse(r#"{"format":"kona-conformance-results/2"}"#, "x.json").unwrap_err();
        assert!(matches!(e, CompareError::Format { .. }), "{e}");
        assert!(e.to_string().contains("kona-conformance-results/2"), "{e}");
        let e =
            RunSnapshot::parse(r#"{"format":"kona-conformance-results/1"}"#, "x.json").unwrap_err();
        assert!(e.to_string().contains("missing field `run`"), "{e}");
    }
}
