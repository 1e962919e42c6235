//! The gate, apart from every renderer: the verdict that gates CI (which failures count,
//! which are waived, what regressed, the verification floor) as typed data. The reports render
//! it; the exit codes it names are the ones `crate::exit` documents.
//!
//! | exit | when |
//! |------|------|
//! | 0 | every verified requirement passed, or failed under a waiver that still holds (not verified is allowed, never counted as passed) |
//! | 1 | a requirement failed without a holding waiver (an expired waiver no longer holds), a failed scenario verifies no requirement, or a requirement regressed against the baseline |
//! | 2 | usage: bad waivers file, unreadable baseline, report folder not writable (decided before this) |

pub mod baseline;
pub mod format;
pub mod waivers;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::exit;
use crate::runner::results::{RequirementVerdict, ScenarioResult, Verdict};

use baseline::{Baseline, Comparison, compare};
use waivers::{Waiver, WaiverStatus};

/// One waiver and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaiverUse {
    #[serde(flatten)]
    pub waiver: Waiver,
    pub status: WaiverStatus,
    /// The requirement's verdict in this run.
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub passed: bool,
    pub exit_code: u8,
    /// Why, in sentences (the first one is the headline).
    pub reasons: Vec<String>,
    /// Failed requirements that fail the run (no holding waiver).
    pub failing: Vec<String>,
    /// Failed requirements a holding waiver excuses.
    pub waived: Vec<String>,
    /// Failed scenarios that verify no requirement (they fail the run on their own).
    pub unattributed: Vec<String>,
    pub waivers: Vec<WaiverUse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Comparison>,
}

impl Decision {
    /// The waiver status of requirement `id`, if a waiver names it.
    pub fn waiver_for(&self, id: &str) -> Option<&WaiverUse> {
        self.waivers.iter().find(|w| w.waiver.requirement == id)
    }

    /// A run-level check the requirement verdicts do not see fails the run: `headline`
    /// leads, and a passed decision's first reason (its all-passed line) goes.
    pub fn fail_with(&mut self, headline: String) {
        if self.passed && !self.reasons.is_empty() {
            self.reasons.remove(0);
        }
        self.passed = false;
        if self.exit_code == exit::PASSED {
            self.exit_code = exit::CONFORMANCE_FAILURE;
        }
        self.reasons.insert(0, headline);
    }
}

fn list(ids: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    s
}

/// Decide the run. `today` is the day waivers are checked against (the run's start, UTC).
pub fn decide(
    requirements: &[RequirementVerdict],
    scenarios: &[ScenarioResult],
    waivers: &[Waiver],
    baseline: Option<&Baseline>,
    contract_hash: &str,
    today: NaiveDate,
) -> Decision {
    let verdicts: BTreeMap<&str, Verdict> = requirements
        .iter()
        .map(|r| (r.id.as_str(), r.verdict))
        .collect();
    let holding: BTreeMap<&str, &Waiver> = waivers
        .iter()
        .filter(|w| w.holds_on(today))
        .map(|w| (w.requirement.as_str(), w))
        .collect();

    let mut failing = Vec::new();
    let mut waived = Vec::new();
    for r in requirements.iter().filter(|r| r.verdict == Verdict::Failed) {
        if holding.contains_key(r.id.as_str()) {
            waived.push(r.id.clone());
        } else {
            failing.push(r.id.clone());
        }
    }
    let unattributed: Vec<String> = scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed && s.requirements.is_empty())
        .map(|s| s.id.clone())
        .collect();
    let uses: Vec<WaiverUse> = waivers
        .iter()
        .map(|w| {
            let verdict = verdicts
                .get(w.requirement.as_str())
                .copied()
                .unwrap_or(Verdict::NotVerified);
            let status = if !w.holds_on(today) {
                WaiverStatus::Expired
            } else if verdict == Verdict::Failed {
                WaiverStatus::Applied
            } else {
                WaiverStatus::NotNeeded
            };
            WaiverUse {
                waiver: w.clone(),
                status,
                verdict,
            }
        })
        .collect();
    let comparison = baseline.map(|b| {
        compare(
            b,
            requirements.iter().map(|r| (r.id.as_str(), r.verdict)),
            contract_hash,
        )
    });
    let regressions: Vec<String> = comparison
        .iter()
        .flat_map(|c| c.newly_failing.iter())
        .filter(|c| !holding.contains_key(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();

    let passed = failing.is_empty() && unattributed.is_empty() && regressions.is_empty();
    let mut reasons = Vec::new();
    if passed {
        let verified = requirements
            .iter()
            .filter(|r| r.verdict != Verdict::NotVerified)
            .count();
        let not_verified = requirements.len() - verified;
        reasons.push(format!(
            "every verified requirement passed ({verified} verified, {not_verified} not verified, never counted as passed)"
        ));
    } else {
        if !failing.is_empty() {
            reasons.push(format!(
                "{} requirement(s) failed: {}",
                failing.len(),
                list(&failing)
            ));
        }
        if !unattributed.is_empty() {
            reasons.push(format!(
                "{} failed scenario(s) verify no requirement: {}",
                unattributed.len(),
                list(&unattributed)
            ));
        }
        if !regressions.is_empty() {
            reasons.push(format!(
                "{} regression(s) against the baseline (failed now, not failed before): {}",
                regressions.len(),
                list(&regressions)
            ));
        }
    }
    for u in &uses {
        match u.status {
            WaiverStatus::Expired if u.verdict == Verdict::Failed => reasons.push(format!(
                "the waiver for {} expired on {}: its failure counts again",
                u.waiver.requirement, u.waiver.expires
            )),
            WaiverStatus::Expired => reasons.push(format!(
                "the waiver for {} expired on {} (the requirement did not fail)",
                u.waiver.requirement, u.waiver.expires
            )),
            WaiverStatus::Applied => reasons.push(format!(
                "{} failed but is waived until {}: {}",
                u.waiver.requirement, u.waiver.expires, u.waiver.reason
            )),
            WaiverStatus::NotNeeded => {}
        }
    }
    if let Some(c) = &comparison {
        let passing: Vec<String> = c.newly_passing.iter().map(|c| c.id.clone()).collect();
        if !passing.is_empty() {
            reasons.push(format!(
                "{} requirement(s) newly passing against the baseline: {}",
                passing.len(),
                list(&passing)
            ));
        }
        let lost: Vec<String> = c.no_longer_verified.iter().map(|c| c.id.clone()).collect();
        if !lost.is_empty() {
            reasons.push(format!(
                "{} requirement(s) passed in the baseline but were not verified now: {}",
                lost.len(),
                list(&lost)
            ));
        }
    }
    Decision {
        passed,
        exit_code: if passed {
            exit::PASSED
        } else {
            exit::CONFORMANCE_FAILURE
        },
        reasons,
        failing,
        waived,
        unattributed,
        waivers: uses,
        baseline: comparison,
    }
}

/// The floor of `--min-verified`: a run that verified fewer requirements fails (exit 1), and
/// says which were not verified and why, one line each.
pub fn apply_floor(
    decision: &mut Decision,
    requirements: &[RequirementVerdict],
    floor: crate::runner::config::MinVerified,
) {
    let verified = requirements
        .iter()
        .filter(|r| r.verdict != Verdict::NotVerified)
        .count();
    let needed = floor.floor(requirements.len());
    if verified >= needed {
        return;
    }
    let was_passing = decision.passed;
    decision.passed = false;
    if decision.exit_code == exit::PASSED {
        decision.exit_code = exit::CONFORMANCE_FAILURE;
    }
    let mut lines = vec![format!(
        "{verified} of {} requirements verified, fewer than the floor of {needed} (--min-verified {floor}); not verified:",
        requirements.len()
    )];
    lines.extend(
        requirements
            .iter()
            .filter(|r| r.verdict == Verdict::NotVerified)
            .map(|r| {
                format!(
                    "  {}: {}",
                    r.id,
                    r.reason.as_deref().unwrap_or("no reason recorded")
                )
            }),
    );
    if was_passing {
        // The passing headline no longer holds: the floor is the headline.
        decision.reasons.remove(0);
        decision.reasons.splice(0..0, lines);
    } else {
        decision.reasons.extend(lines);
    }
}
