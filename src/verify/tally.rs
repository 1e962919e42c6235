//! Verdicts of many exchanges, kept per endpoint and requirement: how many exchanges
//! exercised the rule, the findings (up to [`FINDINGS_PER_REQUIREMENT`] each, the rest
//! counted), and a few example exchanges within the evidence budget. Memory grows with the
//! contract, not with the traffic: a capture of any length tallies into the same maps.
//!
//! [`Tally::into_results`] turns the tally into a run's results: one scenario per endpoint
//! and requirement the traffic exercised, so a requirement's verdict is exactly its own
//! evidence, plus one not-verified scenario per endpoint for answers that were not the
//! API's (flow control, no answer), one for paths no endpoint has and one for what could
//! not be read.

use std::collections::{BTreeMap, BTreeSet};

use super::{Judged, Outcome};
use crate::capture::{Location, ReadProblem};
use crate::client::{EvidenceBudget, Exchange};
use crate::contract::Contract;
use crate::judge::Finding;
use crate::runner::FINDINGS_PER_REQUIREMENT;
use crate::runner::results::{RunMeta, RunResults, ScenarioResult, Verdict};

/// Example exchanges kept per scenario: failures first, then one that kept the rule.
const EXAMPLES_FAILED: usize = 2;
/// Distinct unknown paths, read problems and undocumented codes listed; the rest counted.
const LISTED: usize = 20;

#[derive(Default)]
struct RuleTally {
    exchanges: usize,
    failed_exchanges: usize,
    findings: Vec<Finding>,
    omitted: usize,
    examples: Vec<Exchange>,
    kept_passing: bool,
    duration_us: u128,
}

#[derive(Default)]
struct EndpointTally {
    exchanges: usize,
    outcomes: BTreeMap<Outcome, usize>,
    /// Answers whose inside could not be read, and why (the first reason).
    unjudged: Option<(String, usize)>,
}

#[derive(Default)]
struct Listed {
    items: BTreeMap<String, (usize, String)>,
    more: usize,
}

impl Listed {
    fn add(&mut self, key: String, first_at: impl FnOnce() -> String) {
        if let Some((n, _)) = self.items.get_mut(&key) {
            *n += 1;
        } else if self.items.len() < LISTED {
            self.items.insert(key, (1, first_at()));
        } else {
            self.more += 1;
        }
    }

    fn total(&self) -> usize {
        self.items.values().map(|(n, _)| n).sum::<usize>() + self.more
    }

    fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .items
            .iter()
            .map(|(k, (n, at))| format!("{k} ×{n} (first at {at})"))
            .collect();
        if self.more > 0 {
            parts.push(format!("{} more", self.more));
        }
        parts.join("; ")
    }
}

/// The running tally of a verify or proxy session.
pub struct Tally {
    contract: &'static Contract,
    rules: BTreeMap<(String, String), RuleTally>,
    endpoints: BTreeMap<String, EndpointTally>,
    unknown: Listed,
    problems: Listed,
    undocumented_codes: Listed,
    /// A client certification's tasks: id, done, and what happened.
    tasks: Vec<(String, bool, String)>,
    budget: EvidenceBudget,
    pub exchanges: usize,
    pub judged: usize,
}

impl Tally {
    pub fn new(contract: &'static Contract) -> Tally {
        Tally {
            contract,
            rules: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            unknown: Listed::default(),
            problems: Listed::default(),
            undocumented_codes: Listed::default(),
            tasks: Vec::new(),
            budget: EvidenceBudget::default(),
            exchanges: 0,
            judged: 0,
        }
    }

    /// An exchange to a path no endpoint of the contract has.
    pub fn unknown(&mut self, location: &Location, method: &str, path: &str) {
        self.exchanges += 1;
        self.unknown
            .add(format!("{method} {path}"), || location.to_string());
    }

    /// Something in a capture that could not be read.
    pub fn problem(&mut self, problem: &ReadProblem) {
        // One entry per distinct problem text keeps a file of a million bad lines small.
        let text = crate::client::evidence::cut_text(&problem.problem, 200).into_owned();
        self.problems.add(text, || problem.location.to_string());
    }

    pub fn problem_count(&self) -> usize {
        self.problems.total()
    }

    pub fn unknown_count(&self) -> usize {
        self.unknown.total()
    }

    /// One judged exchange.
    pub fn add(&mut self, location: &Location, mut judged: Judged) {
        self.exchanges += 1;
        self.judged += 1;
        let endpoint = self.endpoints.entry(judged.endpoint.clone()).or_default();
        endpoint.exchanges += 1;
        *endpoint.outcomes.entry(judged.outcome.clone()).or_default() += 1;
        if let Some(why) = &judged.unjudged {
            match &mut endpoint.unjudged {
                Some((_, n)) => *n += 1,
                None => endpoint.unjudged = Some((why.clone(), 1)),
            }
        }
        if judged.outcome == Outcome::UndocumentedCode
            && let Some(code) =
                crate::judge::answer::outcome(self.contract, &judged.exchange).and_then(|o| o.code)
        {
            let code = crate::client::evidence::cut_text(&code, 32).into_owned();
            self.undocumented_codes
                .add(format!("{} {code}", judged.endpoint), || {
                    location.to_string()
                });
        }

        // Every requirement a finding names, and every one the exchange exercised.
        let mut named: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
        for f in judged.findings() {
            let mut f = f.clone();
            f.actual = format!("{} (at {location})", f.actual);
            named
                .entry(f.requirement.clone().unwrap_or_default())
                .or_default()
                .push(f);
        }
        let exercised: BTreeSet<String> = judged
            .exercised()
            .map(str::to_owned)
            .chain(named.keys().filter(|k| !k.is_empty()).cloned())
            .collect();
        let duration = judged.exchange.duration.as_micros();
        // The evidence budget is spent only on an exchange some rule keeps as an example.
        let kept = exercised.iter().any(|requirement| {
            match self
                .rules
                .get(&(judged.endpoint.clone(), requirement.clone()))
            {
                None => true,
                Some(rule) if named.contains_key(requirement) => {
                    rule.examples.len() < EXAMPLES_FAILED
                }
                Some(rule) => !rule.kept_passing,
            }
        });
        if kept {
            judged.exchange.keep_as_evidence(&self.budget);
            self.budget.keep(&mut judged.exchange.request_body);
            judged.exchange.forget_parsed_body();
        }
        for requirement in exercised {
            let findings = named.remove(&requirement);
            self.record(
                &judged.endpoint,
                requirement,
                findings,
                &judged.exchange,
                duration,
            );
        }
    }

    /// A verdict no single exchange shows on its own (a follow-up proving a decryption, a
    /// corrected request after a rejection): `finding` is `None` when the rule was kept.
    /// `exchange` is the one that decided it.
    pub fn verdict(
        &mut self,
        endpoint: &str,
        requirement: &str,
        finding: Option<Finding>,
        exchange: &Exchange,
    ) {
        let mut exchange = exchange.clone();
        exchange.keep_as_evidence(&self.budget);
        self.budget.keep(&mut exchange.request_body);
        let duration = exchange.duration.as_micros();
        self.record(
            endpoint,
            requirement.to_owned(),
            finding.map(|f| vec![f]),
            &exchange,
            duration,
        );
    }

    /// A task of a client certification: done (passed) or not (not verified, with why).
    pub fn task(&mut self, id: &str, done: bool, reason: String) {
        self.tasks.push((id.to_owned(), done, reason));
    }

    fn record(
        &mut self,
        endpoint: &str,
        requirement: String,
        findings: Option<Vec<Finding>>,
        exchange: &Exchange,
        duration: u128,
    ) {
        let rule = self
            .rules
            .entry((endpoint.to_owned(), requirement))
            .or_default();
        rule.exchanges += 1;
        rule.duration_us += duration;
        match findings {
            Some(findings) => {
                rule.failed_exchanges += 1;
                for f in findings {
                    if rule.findings.len() < FINDINGS_PER_REQUIREMENT {
                        rule.findings.push(f);
                    } else {
                        rule.omitted += 1;
                    }
                }
                if rule.examples.len() < EXAMPLES_FAILED {
                    rule.examples.push(exchange.clone());
                }
            }
            None if !rule.kept_passing => {
                rule.kept_passing = true;
                rule.examples.push(exchange.clone());
            }
            None => {}
        }
    }

    /// The tally as a run's results, with the features that name its scenarios (so the
    /// Cucumber and JUnit reports list them as they list a suite's).
    pub fn into_results(self, meta: RunMeta, feature_path: &str) -> (RunResults, gherkin::Feature) {
        let mut scenarios: Vec<(Vec<String>, String, ScenarioResult)> = Vec::new();
        let what = match meta.source {
            crate::runner::results::Source::Client => "requests",
            _ => "exchanges",
        };
        for ((endpoint, requirement), rule) in self.rules {
            let tags = vec![format!("endpoint:{endpoint}"), format!("req:{requirement}")];
            let kept = rule.exchanges - rule.failed_exchanges;
            let mut name = format!(
                "{endpoint} {requirement}: {kept} of {} {what} kept it",
                rule.exchanges
            );
            if requirement == "RESP-CODE-KNOWN"
                && let Some(e) = self.endpoints.get(&endpoint)
            {
                name.push_str(&format!(" ({})", outcomes(e)));
            }
            let verdict = if rule.failed_exchanges > 0 {
                Verdict::Failed
            } else {
                Verdict::Passed
            };
            let mut s = ScenarioResult::new(
                String::new(),
                String::new(),
                name.clone(),
                tags.clone(),
                verdict,
            );
            s.findings = rule.findings;
            s.findings_omitted = rule.omitted;
            s.exercised = std::iter::once(requirement).collect();
            s.exchanges = rule.examples;
            s.duration_ms = rule.duration_us / 1000;
            scenarios.push((tags, name, s));
        }
        for (endpoint, e) in &self.endpoints {
            let not_answers: Vec<String> = e
                .outcomes
                .iter()
                .filter(|(o, _)| !o.is_answer())
                .map(|(o, n)| format!("{} ×{n}", o.label()))
                .collect();
            let mut reasons = Vec::new();
            if !not_answers.is_empty() {
                reasons.push(format!(
                    "{}: not the API's answer to the request, so only the request's own rules were judged",
                    not_answers.join(", ")
                ));
            }
            if let Some((why, n)) = &e.unjudged {
                reasons.push(format!("{n} answer(s) not judged inside: {why}"));
            }
            if reasons.is_empty() {
                continue;
            }
            let tags = vec![format!("endpoint:{endpoint}")];
            let name = format!("{endpoint}: answers not judged");
            let mut s = ScenarioResult::new(
                String::new(),
                String::new(),
                name.clone(),
                tags.clone(),
                Verdict::NotVerified,
            );
            s.reason = Some(reasons.join("; "));
            scenarios.push((tags, name, s));
        }
        for (id, done, reason) in &self.tasks {
            let tags = vec![format!("task:{id}")];
            let name = format!("task {id}: {}", if *done { "done" } else { "not done" });
            let mut s = ScenarioResult::new(
                String::new(),
                String::new(),
                name.clone(),
                tags.clone(),
                if *done {
                    Verdict::Passed
                } else {
                    Verdict::NotVerified
                },
            );
            s.reason = (!done).then(|| reason.clone());
            scenarios.push((tags, name, s));
        }
        for (listed, name, lead) in [
            (
                &self.unknown,
                "exchanges to paths no endpoint has",
                "listed, not judged",
            ),
            (
                &self.problems,
                "records that could not be read",
                "the rest of each file was judged",
            ),
            (
                &self.undocumented_codes,
                "answers with a code the contract does not list",
                "recorded, not asserted: the docs leave these cases open",
            ),
        ] {
            if listed.total() == 0 {
                continue;
            }
            let mut s = ScenarioResult::new(
                String::new(),
                String::new(),
                name.to_owned(),
                Vec::new(),
                Verdict::NotVerified,
            );
            s.reason = Some(format!(
                "{} ({lead}): {}",
                listed.total(),
                listed.describe()
            ));
            scenarios.push((Vec::new(), name.to_owned(), s));
        }

        let title = match meta.source {
            crate::runner::results::Source::Client => "Client certification",
            _ => "Recorded traffic",
        };
        let feature = feature_of(feature_path, title, &scenarios);
        let all = feature.scenarios.iter();
        let results = scenarios
            .into_iter()
            .zip(all)
            .map(|((_, _, mut s), parsed)| {
                s.id = crate::runner::plan::scenario_id(&feature, parsed.position.line);
                s.feature = feature.name.clone();
                s
            })
            .collect();
        (
            RunResults {
                meta,
                scenarios: results,
            },
            feature,
        )
    }
}

fn outcomes(e: &EndpointTally) -> String {
    e.outcomes
        .iter()
        .map(|(o, n)| match o {
            Outcome::Code(c) => format!("{c} ×{n}"),
            other => format!("{} ×{n}", other.label()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One feature whose scenarios are the tally's, in order: written as Gherkin and parsed, so
/// it is exactly what a suite's reports read. Names and tags hold only endpoint and
/// requirement ids, counts and fixed words, never a byte of the traffic.
fn feature_of(
    path: &str,
    title: &str,
    scenarios: &[(Vec<String>, String, ScenarioResult)],
) -> gherkin::Feature {
    let mut text = format!("Feature: {title}\n\n");
    for (tags, name, _) in scenarios {
        if !tags.is_empty() {
            let line: Vec<String> = tags.iter().map(|t| format!("@{t}")).collect();
            text.push_str(&format!("  {}\n", line.join(" ")));
        }
        let name = name.replace(['\n', '\r'], " ");
        text.push_str(&format!(
            "  Scenario: {name}\n    Then every exchange keeps the rules it exercises\n\n"
        ));
    }
    let mut feature = gherkin::Feature::parse(&text, gherkin::GherkinEnv::default())
        .unwrap_or_else(|_| empty_feature());
    feature.path = Some(std::path::PathBuf::from(path));
    feature
}

fn empty_feature() -> gherkin::Feature {
    gherkin::Feature::parse(
        "Feature: Recorded traffic\n",
        gherkin::GherkinEnv::default(),
    )
    .expect("a feature with no scenario parses")
}
