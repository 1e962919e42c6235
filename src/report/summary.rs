//! `summary.md`: fits `$GITHUB_STEP_SUMMARY` or a PR comment (a run with one failure stays
//! under 60 lines). The verdict, one row per broken requirement (documented rule, expected
//! vs actual, what the answered code means per the docs, correlation id), regressions, a
//! table per endpoint, waivers, and the observed answers that differ from this project's
//! conventions, aggregated. Long lists are cut with a pointer to report.html.

use std::fmt::Write as _;

use super::failures;
use super::markdown::{cell, code};
use super::model::ResultsDoc;
use super::observed::{Observed, inputs_text};
use super::view::millis;

const MAX_FAILURES: usize = 20;
const MAX_OBSERVATION_ROWS: usize = 15;
const MAX_INPUTS: usize = 3;

pub fn render(doc: &ResultsDoc) -> String {
    let mut out = String::new();
    let passed = doc.outcome.verdict == "passed";
    let _ = writeln!(
        out,
        "## KONA conformance: {} (exit {})\n",
        if passed { "✅ PASSED" } else { "❌ FAILED" },
        doc.outcome.exit_code
    );
    let _ = writeln!(
        out,
        "Target {}{} · profile {} · seed {} · contract `{}` · {} · {} · {} exchanges{}\n",
        cell(&doc.run.target),
        match &doc.run.proxy {
            Some(p) => format!(" via proxy {}", cell(p)),
            None => String::new(),
        },
        cell(&doc.run.profile),
        doc.run.seed,
        &doc.run.contract_hash[..doc.run.contract_hash.len().min(12)],
        cell(&doc.run.started_at),
        millis(doc.run.duration_us),
        doc.counts.exchanges,
        match doc.timing() {
            Some(t) => format!(" ({} answered: {})", t.exchanges, t.describe()),
            None => String::new(),
        }
    );
    for r in &doc.outcome.reasons {
        let _ = writeln!(out, "- {}", cell(r));
    }
    out.push('\n');

    let groups = failures::groups(doc);
    if !groups.is_empty() {
        let _ = writeln!(out, "### Failures\n");
        out.push_str(
            "| requirement | documented rule | expected | actual | per the docs | correlation id | findings |\n",
        );
        out.push_str("|---|---|---|---|---|---|---:|\n");
        for g in groups.iter().take(MAX_FAILURES) {
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | {} | {} | {} in {} scenario(s) |",
                code(&g.broken.label()),
                if g.waived { " (waived)" } else { "" },
                cell(&g.rule()),
                cell(&g.expected()),
                cell(&g.actual()),
                cell(g.code_meaning.as_deref().unwrap_or("")),
                code(g.correlation_id),
                g.findings,
                g.scenarios.len()
            );
        }
        if groups.len() > MAX_FAILURES {
            let _ = writeln!(
                out,
                "\n…and {} more broken requirement(s): see report.html.",
                groups.len() - MAX_FAILURES
            );
        }
        out.push_str("\nEvery finding, with its exchanges: `report.html`.\n\n");
    }

    if let Some(b) = &doc.baseline {
        let _ = writeln!(out, "### Against the baseline\n");
        let ids = |v: &[super::baseline::Change]| {
            v.iter().map(|c| code(&c.id)).collect::<Vec<_>>().join(", ")
        };
        if b.newly_failing.is_empty() {
            out.push_str("- no regressions\n");
        } else {
            let _ = writeln!(out, "- **newly failing**: {}", ids(&b.newly_failing));
        }
        if !b.newly_passing.is_empty() {
            let _ = writeln!(out, "- newly passing: {}", ids(&b.newly_passing));
        }
        if !b.no_longer_verified.is_empty() {
            let _ = writeln!(out, "- no longer verified: {}", ids(&b.no_longer_verified));
        }
        out.push('\n');
    }

    let _ = writeln!(out, "### Scenarios per endpoint\n");
    out.push_str("| endpoint | passed | failed | not verified | total |\n");
    out.push_str("|---|---:|---:|---:|---:|\n");
    for e in &doc.endpoints {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&match &e.path {
                Some(p) => format!("{} ({p})", e.endpoint),
                None => e.endpoint.clone(),
            }),
            e.scenarios.passed,
            e.scenarios.failed,
            e.scenarios.not_verified,
            e.scenarios.total
        );
    }
    let c = &doc.counts.scenarios;
    let _ = writeln!(
        out,
        "| **all** | {} | {} | {} | {} |\n",
        c.passed, c.failed, c.not_verified, c.total
    );
    let rc = &doc.counts.requirements;
    let _ = writeln!(
        out,
        "Requirements: {} passed, {} failed, {} not verified (never counted as passed), of {}.\n",
        rc.passed, rc.failed, rc.not_verified, rc.total
    );

    let groups = doc.not_verified_groups();
    if !groups.is_empty() {
        let _ = writeln!(out, "### Not verified, by what would unlock them\n");
        for g in &groups {
            let n = g.scenarios.len();
            let _ = writeln!(
                out,
                "- {n} scenario{}: {}",
                if n == 1 { "" } else { "s" },
                cell(&g.label())
            );
        }
        out.push('\n');
    }

    if !doc.waivers.is_empty() {
        let _ = writeln!(out, "### Waivers\n");
        out.push_str("| requirement | status | expires | reason |\n|---|---|---|---|\n");
        for w in &doc.waivers {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&w.requirement),
                w.status.label(),
                cell(&w.expires),
                cell(&w.reason)
            );
        }
        out.push('\n');
    }

    let observed = Observed::of(
        doc.scenarios
            .iter()
            .flat_map(|s| s.observations.iter().map(move |o| (s.name.as_str(), o))),
    );
    if observed.total > 0 {
        let _ = writeln!(
            out,
            "### How this target answers what the docs leave open\n"
        );
        let _ = writeln!(out, "{}.\n", cell(&observed.convention_line()));
        if !observed.differing.is_empty() {
            out.push_str(
                "| endpoint | case | convention | observed | count | inputs | example correlation id |\n|---|---|---|---|---:|---|---|\n",
            );
            for r in observed.differing.iter().take(MAX_OBSERVATION_ROWS) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} {} | {} | {} | {} |",
                    cell(&r.endpoint),
                    cell(&r.case),
                    code(&r.convention.status_code()),
                    code(&r.observed.status_code()),
                    cell(r.observed.message.as_deref().unwrap_or("")),
                    r.count,
                    cell(&inputs_text(&r.inputs, MAX_INPUTS)),
                    code(&r.example_correlation_id)
                );
            }
            if observed.differing.len() > MAX_OBSERVATION_ROWS {
                let _ = writeln!(
                    out,
                    "\n…and {} more row(s): see report.html.",
                    observed.differing.len() - MAX_OBSERVATION_ROWS
                );
            }
            out.push('\n');
        }
    }
    out.push_str(
        "Full evidence (redacted): `report.html`, `results.json`, `junit.xml`, `cucumber.json`.\n",
    );
    out
}
