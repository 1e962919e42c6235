//! The failures of a run as a reader wants them: one entry per broken requirement (however
//! many findings and generated cases hit it), its documented rule, the first finding as the
//! example, what the code the target answered means per the docs, and the correlation id.
//! summary.md and report.html both render this list, so they never disagree.

use std::collections::BTreeSet;

use crate::contract::Strength;
use crate::runner::results::{Finding, Verdict};

use super::model::{ExchangeDoc, RequirementDoc, ResultsDoc, ScenarioDoc};

/// What broke: a requirement, an exchange without an answer, or a step that failed outside
/// the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    Requirement(String),
    /// No HTTP answer; the scenario's requirements are unverifiable.
    NoAnswer(Vec<String>),
    /// A step failed without a finding; the scenario's requirements.
    StepError(Vec<String>),
}

impl Broken {
    /// How the entry is named in a table.
    pub fn label(&self) -> String {
        match self {
            Broken::Requirement(id) => id.clone(),
            Broken::NoAnswer(ids) => format!("no answer ({})", ids.join(", ")),
            Broken::StepError(ids) if ids.is_empty() => "step error".into(),
            Broken::StepError(ids) => format!("step error ({})", ids.join(", ")),
        }
    }
}

/// One broken requirement (or one scenario's failure that names none).
#[derive(Debug, Clone)]
pub struct FailureGroup<'a> {
    pub broken: Broken,
    pub requirement: Option<&'a RequirementDoc>,
    /// The first finding, the example shown.
    pub example: Option<&'a Finding>,
    /// The failure text when there is no finding (a step error).
    pub error: Option<&'a str>,
    pub scenario: &'a ScenarioDoc,
    pub correlation_id: &'a str,
    /// The exchange the example names, if it is in the scenario.
    pub exchange: Option<&'a ExchangeDoc>,
    /// What the code in that exchange's answer means per the docs.
    pub code_meaning: Option<String>,
    pub findings: usize,
    pub scenarios: BTreeSet<&'a str>,
    pub waived: bool,
}

impl FailureGroup<'_> {
    /// The documented rule, or what the failure is about when no requirement is named.
    pub fn rule(&self) -> String {
        match (&self.broken, self.requirement) {
            (_, Some(r)) => r.summary.clone(),
            (Broken::NoAnswer(_), None) => "every request gets an HTTP answer".into(),
            _ => String::new(),
        }
    }

    /// `documented · the page and row` or `convention · ...`.
    pub fn source(&self) -> Option<String> {
        self.requirement.map(|r| {
            format!(
                "{} · {}",
                match r.strength {
                    Strength::Documented => "documented",
                    Strength::Convention => "convention",
                },
                r.source
            )
        })
    }

    pub fn expected(&self) -> String {
        match self.example {
            Some(f) => f.expected.clone(),
            None => self.scenario.name.clone(),
        }
    }

    /// The actual answer, with the JSON paths of any schema errors.
    pub fn actual(&self) -> String {
        match self.example {
            Some(f) if f.schema_errors.is_empty() => f.actual.clone(),
            Some(f) => format!(
                "{} (schema: {})",
                f.actual,
                f.schema_errors
                    .iter()
                    .map(|e| format!(
                        "{} {}",
                        if e.instance_path.is_empty() {
                            "/"
                        } else {
                            &e.instance_path
                        },
                        e.keyword
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => self.error.unwrap_or("the scenario failed").to_owned(),
        }
    }
}

fn exchange<'a>(s: &'a ScenarioDoc, correlation_id: &str) -> Option<&'a ExchangeDoc> {
    if correlation_id.is_empty() {
        return None;
    }
    s.exchanges
        .iter()
        .find(|e| e.correlation_id == correlation_id)
}

fn meaning_of(doc: &ResultsDoc, ex: Option<&ExchangeDoc>) -> Option<String> {
    let ex = ex?;
    let code = ex.response.as_ref()?.code.as_deref()?;
    doc.code_meaning(&ex.endpoint, code).map(str::to_owned)
}

/// Every failure of the run, one group per broken requirement, in the order first met.
pub fn groups(doc: &ResultsDoc) -> Vec<FailureGroup<'_>> {
    let mut out: Vec<FailureGroup<'_>> = Vec::new();
    for s in doc
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
    {
        let waived = doc.fully_waived(s);
        if s.findings.is_empty() {
            let last = s.exchanges.last();
            out.push(FailureGroup {
                broken: Broken::StepError(s.requirements.clone()),
                requirement: s.requirements.first().and_then(|r| doc.requirement(r)),
                example: None,
                error: Some(s.error.as_deref().unwrap_or("the scenario failed")),
                scenario: s,
                correlation_id: last.map(|e| e.correlation_id.as_str()).unwrap_or(""),
                exchange: last,
                code_meaning: meaning_of(doc, last),
                findings: 1,
                scenarios: BTreeSet::from([s.id.as_str()]),
                waived,
            });
        }
        for f in &s.findings {
            let broken = match &f.requirement {
                Some(r) => Broken::Requirement(r.clone()),
                None => Broken::NoAnswer(s.requirements.clone()),
            };
            if let Some(g) = out.iter_mut().find(|g| g.broken == broken) {
                g.findings += 1;
                g.scenarios.insert(&s.id);
                g.waived &= waived;
                continue;
            }
            let ex = exchange(s, &f.correlation_id);
            out.push(FailureGroup {
                requirement: f.requirement.as_deref().and_then(|r| doc.requirement(r)),
                broken,
                example: Some(f),
                error: None,
                scenario: s,
                correlation_id: &f.correlation_id,
                exchange: ex,
                code_meaning: meaning_of(doc, ex),
                findings: 1,
                scenarios: BTreeSet::from([s.id.as_str()]),
                waived,
            });
        }
    }
    out
}
