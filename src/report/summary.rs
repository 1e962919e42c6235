//! `summary.md`: short enough for `$GITHUB_STEP_SUMMARY` or a PR comment. The verdict, a
//! table per endpoint, failures first (requirement id, expected vs actual, correlation id),
//! regressions, waivers, observations. Long lists are cut with a pointer to report.html.

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

    let failed: Vec<_> = doc
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "### Failures\n");
        out.push_str("| requirement | scenario | expected | actual | correlation id |\n");
        out.push_str("|---|---|---|---|---|\n");
        let mut rows = 0usize;
        let mut total = 0usize;
        for s in &failed {
            let waived = doc.fully_waived(s);
            let mark = if waived { " (waived)" } else { "" };
            if s.findings.is_empty() {
                total += 1;
                if rows < MAX_FAILURES {
                    rows += 1;
                    let _ = writeln!(
                        out,
                        "| {}{mark} | {} `{}` | – | {} | – |",
                        code(&s.requirements.join(", ")),
                        cell(&s.name),
                        cell(&s.id),
                        cell(s.error.as_deref().unwrap_or("the scenario failed"))
                    );
                }
            }
            for f in &s.findings {
                total += 1;
                if rows >= MAX_FAILURES {
                    continue;
                }
                rows += 1;
                let _ = writeln!(
                    out,
                    "| {}{mark} | {} `{}` | {} | {}{} | {} |",
                    code(f.requirement.as_deref().unwrap_or("no answer")),
                    cell(&s.name),
                    cell(&s.id),
                    cell(&f.expected),
                    cell(&f.actual),
                    if f.schema_errors.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (schema: {})",
                            cell(
                                &f.schema_errors
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
                        )
                    },
                    code(&f.correlation_id)
                );
            }
        }
        if total > rows {
            let _ = writeln!(
                out,
                "\n…and {} more finding(s): see report.html.",
                total - rows
            );
        }
        out.push('\n');
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
