//! `summary.md`: short enough for `$GITHUB_STEP_SUMMARY` or a PR comment. The verdict, a
//! table per endpoint, failures first (requirement id, expected vs actual, correlation id),
//! regressions, waivers, observations. Long lists are cut with a pointer to report.html.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::runner::results::Verdict;

use super::model::ResultsDoc;

const MAX_FAILURES: usize = 40;
const MAX_OBSERVATIONS: usize = 20;
const MAX_CELL: usize = 300;

/// A Markdown table cell: no pipes or line breaks, no raw HTML, bounded length.
fn cell(s: &str) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n >= MAX_CELL {
            out.push('…');
            break;
        }
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn code(s: &str) -> String {
    if s.is_empty() {
        "–".into()
    } else {
        format!("`{}`", cell(s))
    }
}

pub fn render<'a>(doc: &'a ResultsDoc) -> String {
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
        "Target {} · profile {} · seed {} · contract `{}` · {} · {:.1} s\n",
        cell(&doc.run.target),
        cell(&doc.run.profile),
        doc.run.seed,
        &doc.run.contract_hash[..doc.run.contract_hash.len().min(12)],
        cell(&doc.run.started_at),
        doc.run.duration_ms as f64 / 1000.0
    );
    for r in &doc.outcome.reasons {
        let _ = writeln!(out, "- {}", cell(r));
    }
    out.push('\n');

    // One row per broken requirement, its first finding as the example.
    struct Group<'a> {
        label: String,
        rule: String,
        example_expected: String,
        example_actual: String,
        correlation_id: &'a str,
        findings: usize,
        scenarios: BTreeSet<&'a str>,
        waived: bool,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut add = |key: String,
                   rule: String,
                   expected: String,
                   actual: String,
                   cid: &'a str,
                   scenario: &'a str,
                   waived: bool| {
        match groups.iter_mut().find(|g| g.label == key) {
            Some(g) => {
                g.findings += 1;
                g.scenarios.insert(scenario);
                g.waived &= waived;
            }
            None => groups.push(Group {
                label: key,
                rule,
                example_expected: expected,
                example_actual: actual,
                correlation_id: cid,
                findings: 1,
                scenarios: BTreeSet::from([scenario]),
                waived,
            }),
        }
    };
    let rule = |id: &str| {
        doc.requirement(id)
            .map(|r| r.summary.clone())
            .unwrap_or_default()
    };
    for s in doc
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
    {
        let waived = doc.fully_waived(s);
        if s.findings.is_empty() {
            add(
                format!("step error in {}", s.id),
                s.requirements.first().map(|r| rule(r)).unwrap_or_default(),
                s.name.clone(),
                s.error
                    .clone()
                    .unwrap_or_else(|| "the scenario failed".into()),
                s.exchanges
                    .last()
                    .map(|e| e.correlation_id.as_str())
                    .unwrap_or(""),
                &s.id,
                waived,
            );
        }
        for f in &s.findings {
            let with_schema = if f.schema_errors.is_empty() {
                f.actual.clone()
            } else {
                format!(
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
                )
            };
            let (key, rule_text) = match &f.requirement {
                Some(r) => (r.clone(), rule(r)),
                None => (
                    format!("no answer ({})", s.requirements.join(", ")),
                    "every request gets an HTTP answer".into(),
                ),
            };
            add(
                key,
                rule_text,
                f.expected.clone(),
                with_schema,
                &f.correlation_id,
                &s.id,
                waived,
            );
        }
    }
    if !groups.is_empty() {
        let _ = writeln!(out, "### Failures\n");
        out.push_str(
            "| requirement | documented rule | expected | actual | correlation id | findings |\n",
        );
        out.push_str("|---|---|---|---|---|---:|\n");
        for g in groups.iter().take(MAX_FAILURES) {
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | {} | {} in {} scenario(s) |",
                code(&g.label),
                if g.waived { " (waived)" } else { "" },
                cell(&g.rule),
                cell(&g.example_expected),
                cell(&g.example_actual),
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
            v.iter()
                .map(|c| format!("`{}`", cell(&c.id)))
                .collect::<Vec<_>>()
                .join(", ")
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
            let _ = writeln!(out, "- {} scenarios: {}", g.scenarios.len(), cell(g.reason));
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

    let observations: Vec<_> = doc
        .scenarios
        .iter()
        .flat_map(|s| s.observations.iter())
        .collect();
    if !observations.is_empty() {
        let _ = writeln!(out, "### Observations (behaviour the docs leave open)\n");
        out.push_str(
            "| endpoint | case | convention | observed | correlation id |\n|---|---|---|---|---|\n",
        );
        for o in observations.iter().take(MAX_OBSERVATIONS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} {} | {} {} | {} |",
                cell(&o.endpoint),
                cell(&o.case),
                o.convention.status,
                code(&o.convention.code),
                o.observed_status,
                code(o.observed_code.as_deref().unwrap_or("")),
                code(&o.correlation_id)
            );
        }
        if observations.len() > MAX_OBSERVATIONS {
            let _ = writeln!(
                out,
                "\n…and {} more: see report.html.",
                observations.len() - MAX_OBSERVATIONS
            );
        }
        out.push('\n');
    }
    out.push_str(
        "Full evidence (redacted): `report.html`, `results.json`, `junit.xml`, `cucumber.json`.\n",
    );
    out
}
