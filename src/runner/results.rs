//! What a run found, in the shape every report reads: verdicts per scenario and per
//! requirement, findings with their evidence, and observations of undocumented behaviour.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::client::{Exchange, TargetKind};
use crate::contract::Contract;
use crate::contract::catalogue::Side;

pub use crate::judge::{Finding, Observation, Verdict};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioResult {
    /// `features/card_info.feature:42`: stable across runs, used by baselines.
    pub id: String,
    pub feature: String,
    pub name: String,
    pub endpoint: Option<String>,
    pub tags: Vec<String>,
    pub requirements: Vec<String>,
    pub verdict: Verdict,
    /// Why a scenario was not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The fixtures role a record of which would let it run (`cards.suspended`), when that is
    /// why it was not verified: what reports group by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlocks: Option<String>,
    /// Set when the run was stopped before this scenario finished.
    #[serde(skip)]
    pub not_run: bool,
    pub findings: Vec<Finding>,
    /// Findings counted but not kept: past [`crate::runner::FINDINGS_PER_REQUIREMENT`] for
    /// one requirement (a generated-cases scenario may break one rule in thousands of cases).
    #[serde(skip_serializing_if = "is_zero")]
    pub findings_omitted: usize,
    /// The step failure text as cucumber saw it (for failures outside our checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub observations: Vec<Observation>,
    /// Requirements whose expected answer came back as expected at least once in this
    /// scenario (not through another reading): a generated-cases scenario may do both.
    #[serde(skip)]
    pub exercised: BTreeSet<String>,
    /// The exchanges kept as examples: every one of an ordinary scenario, a few of a
    /// generated-cases scenario (those with findings first); the rest are in `traffic`.
    #[serde(skip)]
    pub exchanges: Vec<Exchange>,
    /// The exchanges not kept, summarised, and the journal line of each one kept.
    #[serde(skip)]
    pub traffic: crate::client::Traffic,
    /// The flow control that outlasted a request's resend budget, when one did (the
    /// scenario is then not verified, and `reason` says so).
    #[serde(skip)]
    pub gave_up: Option<crate::client::FlowControl>,
    /// The rejection code the scenario expected, when it expected one.
    #[serde(skip)]
    pub expected_rejection: Option<String>,
    /// Set when the target answered every request to this endpoint with this rejection:
    /// the pass then verified nothing, and the scenario is not verified.
    #[serde(skip)]
    pub refused_alike: Option<String>,
    pub duration_ms: u128,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ScenarioResult {
    /// Exchanges this scenario sent: its examples and those only counted.
    pub fn exchange_count(&self) -> usize {
        self.traffic.sent
            + self
                .exchanges
                .iter()
                .filter(|e| !e.failure.as_ref().is_some_and(|f| f.was_not_sent()))
                .count()
    }

    /// The scenario verified nothing, for this reason.
    pub fn not_verified(&mut self, why: crate::judge::NotVerified) {
        self.verdict = Verdict::NotVerified;
        self.reason = Some(why.reason);
        self.unlocks = why.unlocks;
    }

    /// A scenario with no outcome yet: its endpoint and requirements read from its tags.
    pub fn new(
        id: String,
        feature: String,
        name: String,
        tags: Vec<String>,
        verdict: Verdict,
    ) -> Self {
        ScenarioResult {
            id,
            feature,
            name,
            endpoint: crate::steps::world::endpoint_tag(&tags).map(str::to_owned),
            requirements: crate::steps::world::requirement_tags(&tags),
            tags,
            verdict,
            reason: None,
            unlocks: None,
            not_run: false,
            findings: Vec::new(),
            findings_omitted: 0,
            error: None,
            observations: Vec::new(),
            exercised: BTreeSet::new(),
            exchanges: Vec::new(),
            traffic: Default::default(),
            gave_up: None,
            expected_rejection: None,
            refused_alike: None,
            duration_ms: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunMeta {
    pub tool_version: String,
    pub contract_hash: String,
    pub catalogue_version: String,
    /// How the run names its target (`embedded sandbox (URL)`, or the base URL).
    pub target: String,
    /// The base URL requests went to, as data (never read back out of `target`).
    pub base_url: String,
    pub target_kind: TargetKind,
    pub profile: String,
    pub seed: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Why the run stopped before every scenario ran (a signal, the time budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<crate::client::Cause>,
    /// The proxy every request went through (`host:port (from VARIABLE)`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// What produced the exchanges judged, and so whose rules the run certifies.
    pub source: Source,
    /// For traffic this harness did not send: how many exchanges were judged (its scenarios
    /// keep only examples).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchanges_judged: Option<usize>,
    /// The journal every exchange of the run was written to, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<JournalRef>,
}

/// What produced a run's exchanges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The feature suite, sent by this harness (`run`): the server's rules.
    #[default]
    Suite,
    /// Recorded traffic (`verify`): both sides' rules, as far as the traffic reached.
    Capture,
    /// Live traffic through `proxy`: both sides' rules.
    Proxy,
    /// A client under test (`certify-client`): the client's rules.
    Client,
}

impl Source {
    /// Whether a run of this source gives verdicts on rules of `side`.
    pub fn certifies(self, side: Side) -> bool {
        match self {
            Source::Suite => side == Side::Server,
            Source::Capture | Source::Proxy => true,
            Source::Client => side == Side::Client,
        }
    }

    /// Why a rule got no verdict when nothing exercised it.
    pub fn never_exercised(self) -> &'static str {
        match self {
            Source::Suite => "no scenario in this run verifies it",
            Source::Capture | Source::Proxy => "the traffic never exercised it",
            Source::Client => "the client never exercised it",
        }
    }
}

/// A run's journal: where it is and how many exchanges it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalRef {
    /// The file the journal was written to.
    #[serde(skip)]
    pub path: std::path::PathBuf,
    pub lines: u64,
}

impl JournalRef {
    /// The journal's file name (what results.json names: the folder is the reader's).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequirementVerdict {
    pub id: String,
    pub endpoint: String,
    pub strength: crate::contract::Strength,
    pub summary: String,
    pub verdict: Verdict,
    pub scenarios: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunResults {
    pub meta: RunMeta,
    pub scenarios: Vec<ScenarioResult>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub not_verified: usize,
}

impl Counts {
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Passed => self.passed += 1,
            Verdict::Failed => self.failed += 1,
            Verdict::NotVerified => self.not_verified += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.not_verified
    }
}

impl RunResults {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for s in &self.scenarios {
            c.add(s.verdict);
        }
        c
    }

    /// Scenario counts per endpoint (`common` for scenarios without one).
    pub fn counts_by_endpoint(&self) -> BTreeMap<String, Counts> {
        let mut out: BTreeMap<String, Counts> = BTreeMap::new();
        for s in &self.scenarios {
            let key = s.endpoint.clone().unwrap_or_else(|| "common".into());
            out.entry(key).or_default().add(s.verdict);
        }
        out
    }

    pub fn observations(&self) -> impl Iterator<Item = &Observation> {
        self.scenarios.iter().flat_map(|s| s.observations.iter())
    }

    /// Exchanges sent to the target: a request a stopped run refused is recorded (its
    /// scenario says why) but was never sent, so it is not counted.
    pub fn exchange_count(&self) -> usize {
        // Judged traffic keeps a few examples, not every exchange: its count is the tally's.
        if let Some(n) = self.meta.exchanges_judged {
            return n;
        }
        self.scenarios
            .iter()
            .map(ScenarioResult::exchange_count)
            .sum()
    }

    /// Requests a stopped run refused before sending them.
    pub fn not_sent_count(&self) -> usize {
        self.scenarios
            .iter()
            .map(|s| {
                s.traffic.not_sent
                    + s.exchanges
                        .iter()
                        .filter(|e| e.failure.as_ref().is_some_and(|f| f.was_not_sent()))
                        .count()
            })
            .sum()
    }

    /// Requests sent again after flow control (each exchange's earlier attempts).
    pub fn resend_count(&self) -> usize {
        self.scenarios
            .iter()
            .map(|s| {
                s.traffic.resends + s.exchanges.iter().map(|e| e.attempts.len()).sum::<usize>()
            })
            .sum()
    }

    /// The answer times of every exchange that got an answer, kept or not.
    pub fn durations(&self) -> crate::client::Durations {
        let mut all = crate::client::Durations::default();
        for s in &self.scenarios {
            all.merge(&s.traffic.durations);
            for e in s.exchanges.iter().filter(|e| e.response.is_some()) {
                all.add(u64::try_from(e.duration.as_micros()).unwrap_or(u64::MAX));
            }
        }
        all
    }

    pub fn duration(&self) -> Duration {
        (self.meta.finished_at - self.meta.started_at)
            .to_std()
            .unwrap_or_default()
    }

    /// A verdict for every requirement in the catalogue. A requirement fails when a finding
    /// names it, or a scenario verifying it failed without an answer; it passes when a
    /// scenario verifying it passed and nothing names it; otherwise it is not verified.
    pub fn requirement_verdicts<'a>(&'a self, contract: &Contract) -> Vec<RequirementVerdict> {
        let mut failed: BTreeSet<&str> = BTreeSet::new();
        for s in &self.scenarios {
            for f in &s.findings {
                match &f.requirement {
                    Some(r) => {
                        failed.insert(r);
                    }
                    None => failed.extend(s.requirements.iter().map(String::as_str)),
                }
            }
            if s.verdict == Verdict::Failed && s.findings.is_empty() {
                failed.extend(s.requirements.iter().map(String::as_str));
            }
        }
        contract
            .catalogue
            .requirements
            .iter()
            .filter(|r| self.meta.source.certifies(r.side))
            .map(|r| {
                // A rule of one endpoint is credited only to scenarios that called it.
                let scenarios: Vec<&ScenarioResult> = self
                    .scenarios
                    .iter()
                    .filter(|s| s.requirements.contains(&r.id))
                    .filter(|s| r.endpoint == "*" || s.endpoint.as_deref() == Some(&r.endpoint))
                    .collect();
                // A pass through another reading of the docs leaves the expected answer's
                // rule unexercised: it verifies the scenario's other requirements only.
                let through_reading = |s: &'a ScenarioResult| -> Option<&'a Observation> {
                    if s.exercised.contains(&r.id) {
                        return None;
                    }
                    s.observations
                        .iter()
                        .find(|o| o.reading.is_some() && o.requirement == r.id)
                };
                let (verdict, reason) = if failed.contains(r.id.as_str()) {
                    (Verdict::Failed, None)
                } else if scenarios
                    .iter()
                    .any(|s| s.verdict == Verdict::Passed && through_reading(s).is_none())
                {
                    (Verdict::Passed, None)
                } else if let Some(o) = scenarios.iter().find_map(|s| through_reading(s)) {
                    (
                        Verdict::NotVerified,
                        Some(format!(
                            "the target answered {} where {} was expected, which the {} reading of the docs allows, so this rule was not exercised",
                            o.observed_code.as_deref().unwrap_or("without a code"),
                            o.convention.code,
                            o.reading.as_deref().unwrap_or_default()
                        )),
                    )
                } else if scenarios.is_empty() {
                    (
                        Verdict::NotVerified,
                        Some(self.meta.source.never_exercised().to_owned()),
                    )
                } else {
                    let reasons: BTreeSet<&str> = scenarios
                        .iter()
                        .filter_map(|s| s.reason.as_deref())
                        .collect();
                    (
                        Verdict::NotVerified,
                        Some(reasons.into_iter().collect::<Vec<_>>().join("; ")),
                    )
                };
                RequirementVerdict {
                    id: r.id.clone(),
                    endpoint: r.endpoint.clone(),
                    strength: r.strength,
                    summary: r.summary.clone(),
                    verdict,
                    scenarios: scenarios.iter().map(|s| s.id.clone()).collect(),
                    reason,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Expected;
    use crate::contract::Strength;

    fn scenario(id: &str, requirements: &[&str], observations: Vec<Observation>) -> ScenarioResult {
        let tags = std::iter::once("endpoint:bank-account-valid".to_owned())
            .chain(requirements.iter().map(|r| format!("req:{r}")))
            .collect();
        let mut s = ScenarioResult::new(id.into(), "f".into(), id.into(), tags, Verdict::Passed);
        s.observations = observations;
        s
    }

    fn observation(requirement: &str, reading: Option<&str>) -> Observation {
        Observation {
            endpoint: "bank-account-valid".into(),
            case: "name-mismatch".into(),
            requirement: requirement.into(),
            convention: Expected {
                key: "name-mismatch".into(),
                status: 400,
                code: "002_003".into(),
                message: "Names are not matched.".into(),
                strength: Strength::Documented,
                compatible_codes: Vec::new(),
            },
            observed_status: 400,
            observed_code: Some("002_005".into()),
            observed_message: None,
            correlation_id: String::new(),
            reading: reading.map(str::to_owned),
        }
    }

    fn verdict_of(results: &RunResults, id: &str) -> RequirementVerdict {
        let contract = Contract::shared().unwrap();
        results
            .requirement_verdicts(contract)
            .into_iter()
            .find(|r| r.id == id)
            .unwrap()
    }

    fn run(scenarios: Vec<ScenarioResult>) -> RunResults {
        RunResults {
            meta: RunMeta {
                tool_version: String::new(),
                contract_hash: String::new(),
                catalogue_version: String::new(),
                target: String::new(),
                base_url: String::new(),
                target_kind: TargetKind::External,
                profile: "sandbox".into(),
                seed: 0,
                started_at: Utc::now(),
                finished_at: Utc::now(),
                interrupted: None,
                proxy: None,
                source: Default::default(),
                exchanges_judged: None,
                journal: None,
            },
            scenarios,
        }
    }

    #[test]
    fn a_pass_through_another_reading_leaves_only_the_expected_rule_unverified() {
        let results = run(vec![scenario(
            "s1",
            &["BANK-CODE-002_003", "RESP-ENVELOPE"],
            vec![observation("BANK-CODE-002_003", Some("synthesized-record"))],
        )]);
        let expected = verdict_of(&results, "BANK-CODE-002_003");
        assert_eq!(expected.verdict, Verdict::NotVerified);
        let reason = expected.reason.unwrap();
        assert!(
            reason.contains("002_005") && reason.contains("002_003"),
            "{reason}"
        );
        assert_eq!(
            verdict_of(&results, "RESP-ENVELOPE").verdict,
            Verdict::Passed
        );
    }

    #[test]
    fn an_observed_convention_or_another_scenario_still_verifies() {
        // An observation without a reading is a convention answered another way: verified.
        let results = run(vec![scenario(
            "s1",
            &["BANK-CODE-002_003"],
            vec![observation("BANK-CODE-002_003", None)],
        )]);
        assert_eq!(
            verdict_of(&results, "BANK-CODE-002_003").verdict,
            Verdict::Passed
        );
        // So does the same scenario when one of its judgements got the expected answer
        // itself (a generated-cases scenario judges many cases).
        let mut both = scenario(
            "s1",
            &["BANK-CODE-002_003"],
            vec![observation("BANK-CODE-002_003", Some("synthesized-record"))],
        );
        both.exercised.insert("BANK-CODE-002_003".into());
        assert_eq!(
            verdict_of(&run(vec![both]), "BANK-CODE-002_003").verdict,
            Verdict::Passed
        );
        // Another scenario exercising the rule itself verifies it.
        let results = run(vec![
            scenario(
                "s1",
                &["BANK-CODE-002_003"],
                vec![observation("BANK-CODE-002_003", Some("synthesized-record"))],
            ),
            scenario("s2", &["BANK-CODE-002_003"], Vec::new()),
        ]);
        assert_eq!(
            verdict_of(&results, "BANK-CODE-002_003").verdict,
            Verdict::Passed
        );
    }
}
