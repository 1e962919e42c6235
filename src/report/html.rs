//! `report.html`: one self-contained file (inline CSS, no script, no fonts or images, no
//! network reference), readable offline and printable to PDF. The first screen answers the
//! vendor's three questions: what failed, which documented rule it breaks, and the
//! correlation id to look up. Everything printed is escaped; everything comes from the
//! redacted model.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::runner::results::Verdict;

use super::markup::{anchor, attr, text};
use super::model::{BodyDoc, ExchangeDoc, HeaderDoc, ResultsDoc, ScenarioDoc};

const CSS: &str = r#"
:root{--fail:#b42318;--fail-bg:#fef3f2;--pass:#067647;--pass-bg:#ecfdf3;--nv:#5d6b82;--nv-bg:#f2f4f7;--waive:#93370d;--waive-bg:#fffaeb;--line:#d0d5dd;--ink:#101828;--soft:#475467}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans KR","Noto Sans CJK KR","Apple SD Gothic Neo","Malgun Gothic",Roboto,sans-serif;color:var(--ink);background:#fff}
main{padding:0 24px 32px}
header.banner{padding:14px 24px 12px;border-bottom:4px solid}
header.failed{background:var(--fail-bg);border-color:var(--fail)}
header.passed{background:var(--pass-bg);border-color:var(--pass)}
.verdict{font-size:26px;font-weight:800;letter-spacing:.02em}
header.failed .verdict{color:var(--fail)}
header.passed .verdict{color:var(--pass)}
.headline{font-size:16px;font-weight:600;margin-top:2px}
.meta{color:var(--soft);font-size:12.5px;margin-top:4px;word-break:break-all}
ul.reasons{margin:6px 0 0;padding-left:18px;font-size:13px}
h2{font-size:18px;margin:22px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
h4{font-size:13px;margin:10px 0 4px;color:var(--soft)}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f9fafb;font-weight:600;font-size:12.5px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"D2Coding","Noto Sans Mono CJK KR",monospace;font-size:12.5px}
pre{background:#f9fafb;border:1px solid var(--line);padding:6px 8px;white-space:pre-wrap;word-break:break-all;margin:2px 0 6px;max-width:100%}
.req{font-weight:700;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}
.cid{font-weight:700;background:#fff3c4;padding:1px 4px;border-radius:3px;white-space:nowrap;user-select:all}
.small{font-size:12px;color:var(--soft)}
.exp b,.act b{display:inline-block;min-width:62px;color:var(--soft);font-weight:600}
.act{color:var(--fail)}
.badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;font-weight:700;white-space:nowrap}
.b-failed{background:var(--fail-bg);color:var(--fail);border:1px solid var(--fail)}
.b-passed{background:var(--pass-bg);color:var(--pass);border:1px solid var(--pass)}
.b-not-verified{background:var(--nv-bg);color:var(--nv);border:1px solid var(--nv)}
.b-waived{background:var(--waive-bg);color:var(--waive);border:1px solid var(--waive)}
table.failures td{background:#fff}
table.failures tr.waived td{background:var(--waive-bg)}
article.scenario{border:1px solid var(--line);border-left:4px solid var(--fail);padding:4px 12px 8px;margin:12px 0}
article.scenario.waived{border-left-color:var(--waive)}
.exchange{border-top:1px dashed var(--line);margin-top:8px;padding-top:4px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:12px}
a{color:#1849a9;text-decoration:none}
a:hover{text-decoration:underline}
footer{color:var(--soft);font-size:12px;padding:12px 24px;border-top:1px solid var(--line)}
@media print{
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 body{font-size:11px}
 main{padding:0 4px}
 header.banner{padding:8px 4px}
 tr,article.scenario,.exchange{break-inside:avoid}
 h2{break-after:avoid}
 .cols{grid-template-columns:1fr}
 a{color:inherit}
}
"#;

const MAX_EXCHANGES_SHOWN: usize = 4;
const MAX_BODY_CHARS: usize = 16 * 1024;

fn badge(v: Verdict) -> String {
    let (class, label) = match v {
        Verdict::Passed => ("b-passed", "passed"),
        Verdict::Failed => ("b-failed", "failed"),
        Verdict::NotVerified => ("b-not-verified", "not verified"),
    };
    format!("<span class=\"badge {class}\">{label}</span>")
}

fn scenario_link(s: &ScenarioDoc) -> String {
    format!(
        "<a href=\"#{}\">{}</a>",
        attr(&anchor("s-", &s.id)),
        text(&s.name)
    )
}

fn req_link(id: &str) -> String {
    format!(
        "<a class=\"req\" href=\"#{}\">{}</a>",
        attr(&anchor("r-", id)),
        text(id)
    )
}

fn cid(id: &str) -> String {
    if id.is_empty() {
        "<span class=\"small\">(none: nothing was sent)</span>".into()
    } else {
        format!("<code class=\"cid\">{}</code>", text(id))
    }
}

fn clipped(s: &str) -> String {
    if s.chars().count() <= MAX_BODY_CHARS {
        text(s)
    } else {
        let head: String = s.chars().take(MAX_BODY_CHARS).collect();
        format!(
            "{}\n<span class=\"small\">… cut here in this view; the whole body is in results.json</span>",
            text(&head)
        )
    }
}

fn headers_table(out: &mut String, headers: &[HeaderDoc]) {
    if headers.is_empty() {
        out.push_str("<div class=\"small\">(no headers)</div>");
        return;
    }
    out.push_str("<table class=\"mono\">");
    for h in headers {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            text(&h.name),
            text(&h.value)
        );
    }
    out.push_str("</table>");
}

fn body_block(out: &mut String, title: &str, body: &BodyDoc) {
    let _ = write!(
        out,
        "<h4>{} <span class=\"small\">({} bytes, {})</span></h4>",
        text(title),
        body.bytes,
        text(&body.kind)
    );
    if body.kind != "empty" {
        let _ = write!(out, "<pre>{}</pre>", clipped(&body.display()));
    }
}

fn exchange_block(out: &mut String, e: &ExchangeDoc) {
    out.push_str("<div class=\"exchange\">");
    let answer = match (&e.response, &e.failure) {
        (Some(r), _) => format!(
            "HTTP {} · code {} · message {}",
            r.status,
            r.code.as_deref().unwrap_or("(none)"),
            r.message.as_deref().unwrap_or("(none)")
        ),
        (None, Some(f)) => format!("no answer ({:?}): {}", f.class, f.reason).to_lowercase(),
        (None, None) => "no answer".into(),
    };
    let _ = write!(
        out,
        "<div><b class=\"mono\">{} {}</b> → {} · {} · {} ms · {}</div>",
        text(&e.method),
        text(&e.url),
        text(&answer),
        cid(&e.correlation_id),
        e.duration_ms,
        text(&e.started_at)
    );
    out.push_str("<div class=\"cols\"><div>");
    out.push_str("<h4>Request headers</h4>");
    headers_table(out, &e.request.headers);
    body_block(out, "Request body (as sent)", &e.request.body);
    if let Some(p) = &e.request.plaintext {
        body_block(out, "Request plaintext (encrypted into encData)", p);
    }
    out.push_str("</div><div>");
    match &e.response {
        Some(r) => {
            out.push_str("<h4>Response headers</h4>");
            headers_table(out, &r.headers);
            body_block(
                out,
                if r.truncated {
                    "Response body (cut off at the size limit)"
                } else {
                    "Response body"
                },
                &r.body,
            );
            if let Some(p) = &r.plaintext {
                body_block(out, "Response plaintext (decrypted encData)", p);
            }
            if let Some(err) = &r.decryption_error {
                let _ = write!(out, "<h4>Decryption</h4><pre>{}</pre>", text(err));
            }
        }
        None => {
            out.push_str("<h4>Response</h4><div class=\"small\">none</div>");
        }
    }
    out.push_str("</div></div></div>");
}

/// The exchanges worth showing for a failed scenario: those its findings name, else its last.
fn relevant_exchanges(s: &ScenarioDoc) -> (Vec<&ExchangeDoc>, usize) {
    let named: BTreeSet<&str> = s
        .findings
        .iter()
        .map(|f| f.correlation_id.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    let mut chosen: Vec<&ExchangeDoc> = s
        .exchanges
        .iter()
        .filter(|e| named.contains(e.correlation_id.as_str()))
        .collect();
    if chosen.is_empty() {
        chosen = s.exchanges.iter().rev().take(1).collect();
    }
    let total = s.exchanges.len();
    chosen.truncate(MAX_EXCHANGES_SHOWN);
    let shown = chosen.len();
    (chosen, total - shown)
}

/// One line of evidence of a failure: a finding, or a failed step without findings.
struct FailureEntry<'a> {
    scenario: &'a ScenarioDoc,
    /// The broken requirement; `None`: no answer, or a step error outside the checks.
    requirement: Option<&'a str>,
    /// The cell that names the requirement (or says why there is none).
    requirement_cell: String,
    rule_cell: String,
    detail_cell: String,
    correlation_id: &'a str,
    waived: bool,
}

fn rule_cell(doc: &ResultsDoc, id: &str) -> String {
    match doc.requirement(id) {
        Some(r) => format!(
            "{}<div class=\"small\">{} · {}</div>",
            text(&r.summary),
            match r.strength {
                crate::contract::Strength::Documented => "documented",
                crate::contract::Strength::Convention => "convention",
            },
            text(&r.source)
        ),
        None => String::new(),
    }
}

fn failure_entries(doc: &ResultsDoc) -> Vec<FailureEntry<'_>> {
    let mut out = Vec::new();
    for s in doc
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
    {
        let waived = doc.fully_waived(s);
        let reqs = || {
            s.requirements
                .iter()
                .map(|r| req_link(r))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if s.findings.is_empty() {
            out.push(FailureEntry {
                scenario: s,
                requirement: None,
                requirement_cell: if s.requirements.is_empty() {
                    "<span class=\"req\">step error</span><div class=\"small\">verifies no requirement</div>".to_owned()
                } else {
                    format!(
                        "<span class=\"req\">step error</span><div class=\"small\">{}</div>",
                        reqs()
                    )
                },
                rule_cell: s
                    .requirements
                    .first()
                    .map(|r| rule_cell(doc, r))
                    .unwrap_or_default(),
                detail_cell: format!(
                    "<div class=\"act\"><b>error</b> {}</div>",
                    text(s.error.as_deref().unwrap_or("the scenario failed"))
                ),
                correlation_id: s
                    .exchanges
                    .last()
                    .map(|e| e.correlation_id.as_str())
                    .unwrap_or(""),
                waived,
            });
        }
        for f in &s.findings {
            let mut detail = format!(
                "<div class=\"exp\"><b>expected</b> {}</div><div class=\"act\"><b>actual</b> {}</div>",
                text(&f.expected),
                text(&f.actual)
            );
            for e in &f.schema_errors {
                let _ = write!(
                    detail,
                    "<div class=\"small mono\">schema {}: {} ({})</div>",
                    text(if e.instance_path.is_empty() {
                        "/"
                    } else {
                        &e.instance_path
                    }),
                    text(&e.message),
                    text(&e.keyword)
                );
            }
            let (requirement_cell, rule) = match &f.requirement {
                Some(r) => (req_link(r), rule_cell(doc, r)),
                None => (
                    format!(
                        "<span class=\"req\">no answer</span><div class=\"small\">{}</div>",
                        reqs()
                    ),
                    "Every request gets an HTTP answer".to_owned(),
                ),
            };
            out.push(FailureEntry {
                scenario: s,
                requirement: f.requirement.as_deref(),
                requirement_cell,
                rule_cell: rule,
                detail_cell: detail,
                correlation_id: &f.correlation_id,
                waived,
            });
        }
    }
    out
}

fn scenario_cell(s: &ScenarioDoc, waived: bool) -> String {
    format!(
        "{}{}<div class=\"small mono\">{}</div>",
        scenario_link(s),
        if waived {
            " <span class=\"badge b-waived\">waived</span>"
        } else {
            ""
        },
        text(&s.id)
    )
}

const FAILURE_HEAD: &str = "<table class=\"failures\"><thead><tr><th style=\"width:15%\">Requirement</th><th style=\"width:24%\">Documented rule</th><th>Expected / actual</th><th style=\"width:13%\">Correlation id</th><th style=\"width:17%\">Scenario</th></tr></thead><tbody>";

/// One row per broken requirement (its first finding as the example), so every failed rule
/// fits the first screen however many generated cases hit it.
fn grouped_rows(out: &mut String, entries: &[FailureEntry<'_>]) {
    let mut order: Vec<String> = Vec::new();
    let mut groups: std::collections::BTreeMap<String, Vec<&FailureEntry<'_>>> =
        std::collections::BTreeMap::new();
    for e in entries {
        let key = match e.requirement {
            Some(r) => r.to_owned(),
            None => format!("\u{0}{}", e.scenario.id),
        };
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(e);
    }
    for key in order {
        let group = &groups[&key];
        let first = group[0];
        let waived = group.iter().all(|e| e.waived);
        let scenarios: BTreeSet<&str> = group.iter().map(|e| e.scenario.id.as_str()).collect();
        let ids: BTreeSet<&str> = group
            .iter()
            .map(|e| e.correlation_id)
            .filter(|c| !c.is_empty())
            .collect();
        let more = if group.len() > 1 {
            format!(
                "<div class=\"small\">{} findings in {} scenario{}; first shown</div>",
                group.len(),
                scenarios.len(),
                if scenarios.len() == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let other_ids = if ids.len() > 1 {
            format!(
                "<div class=\"small\">+{} more (see all findings)</div>",
                ids.len() - 1
            )
        } else {
            String::new()
        };
        let other_scenarios = if scenarios.len() > 1 {
            format!(
                "<div class=\"small\">+{} more scenario{}</div>",
                scenarios.len() - 1,
                if scenarios.len() == 2 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "{}<td>{}</td><td>{}</td><td>{}{more}</td><td>{}{other_ids}</td><td>{}{other_scenarios}</td></tr>",
            if waived {
                "<tr class=\"waived\">"
            } else {
                "<tr>"
            },
            first.requirement_cell,
            first.rule_cell,
            first.detail_cell,
            cid(first.correlation_id),
            scenario_cell(first.scenario, first.waived)
        );
    }
}

fn all_rows(out: &mut String, entries: &[FailureEntry<'_>]) {
    for e in entries {
        let _ = write!(
            out,
            "{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if e.waived {
                "<tr class=\"waived\">"
            } else {
                "<tr>"
            },
            e.requirement_cell,
            e.rule_cell,
            e.detail_cell,
            cid(e.correlation_id),
            scenario_cell(e.scenario, e.waived)
        );
    }
}

pub fn render(doc: &ResultsDoc) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let passed = doc.outcome.verdict == "passed";
    let failed_scenarios: Vec<&ScenarioDoc> = doc
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
        .collect();
    let headline = if passed {
        if doc.outcome.waived_requirements.is_empty() {
            "Every verified requirement passed".to_owned()
        } else {
            format!(
                "Every verified requirement passed or is waived ({} waived)",
                doc.outcome.waived_requirements.len()
            )
        }
    } else {
        let n = doc.outcome.failing_requirements.len();
        let mut h = format!(
            "{n} requirement{} failed in {} scenario{}",
            if n == 1 { "" } else { "s" },
            failed_scenarios.len(),
            if failed_scenarios.len() == 1 { "" } else { "s" }
        );
        if let Some(b) = &doc.baseline
            && !b.newly_failing.is_empty()
        {
            let _ = write!(h, " · {} regression(s)", b.newly_failing.len());
        }
        h
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light\">\n<title>{} · KONA conformance · {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        if passed { "PASSED" } else { "FAILED" },
        text(&doc.run.target)
    );
    let c = &doc.counts.scenarios;
    let rc = &doc.counts.requirements;
    let _ = write!(
        out,
        "<header class=\"banner {}\"><div class=\"verdict\">{} <span class=\"small\">exit code {}</span></div><div class=\"headline\">{}</div><div class=\"meta\">Target <b>{}</b> · profile {} · seed {} · contract <span class=\"mono\">{}</span> (catalogue {}) · started {} · {:.1} s · kona-conformance {}</div><div class=\"meta\">Scenarios: {} passed, {} failed, {} not verified · Requirements: {} passed, {} failed, {} not verified (never counted as passed) · {} exchanges</div>",
        if passed { "passed" } else { "failed" },
        if passed { "PASSED" } else { "FAILED" },
        doc.outcome.exit_code,
        text(&headline),
        text(&doc.run.target),
        text(&doc.run.profile),
        doc.run.seed,
        text(&doc.run.contract_hash[..doc.run.contract_hash.len().min(12)]),
        text(&doc.run.catalogue_version),
        text(&doc.run.started_at),
        doc.run.duration_ms as f64 / 1000.0,
        text(&doc.run.tool_version),
        c.passed,
        c.failed,
        c.not_verified,
        rc.passed,
        rc.failed,
        rc.not_verified,
        doc.counts.exchanges
    );
    let extra: Vec<&String> = doc.outcome.reasons.iter().skip(1).collect();
    if !passed || !extra.is_empty() {
        out.push_str("<ul class=\"reasons\">");
        for r in doc.outcome.reasons.iter().skip(usize::from(passed)) {
            let _ = write!(out, "<li>{}</li>", text(r));
        }
        out.push_str("</ul>");
    }
    out.push_str("</header>\n<main>\n");

    // 1. What failed: the first screen, one row per broken requirement.
    let entries = failure_entries(doc);
    out.push_str("<section id=\"what-failed\">");
    if failed_scenarios.is_empty() {
        out.push_str("<h2>What failed</h2><p>Nothing failed.</p>");
    } else {
        let n = entries.len();
        let _ = write!(
            out,
            "<h2>What failed <span class=\"small\">({n} finding{} in {} scenario{}; hand the vendor the correlation id; <a href=\"#all-findings\">all findings</a>)</span></h2>",
            if n == 1 { "" } else { "s" },
            failed_scenarios.len(),
            if failed_scenarios.len() == 1 { "" } else { "s" }
        );
        out.push_str(FAILURE_HEAD);
        grouped_rows(&mut out, &entries);
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");

    // 2. Baseline.
    if let Some(b) = &doc.baseline {
        let _ = write!(
            out,
            "<section id=\"baseline\"><h2>Against the baseline</h2><p class=\"small\">{}{}{}</p>",
            text(&b.file),
            b.baseline_started_at
                .as_deref()
                .map(|t| format!(" · run started {}", text(t)))
                .unwrap_or_default(),
            if b.same_contract {
                " · same contract"
            } else {
                " · made with a different contract (compared by requirement id)"
            }
        );
        out.push_str("<table><thead><tr><th>Change</th><th>Requirements</th></tr></thead><tbody>");
        for (label, list) in [
            ("Newly failing (regressions)", &b.newly_failing),
            ("Newly passing", &b.newly_passing),
            ("Passed before, not verified now", &b.no_longer_verified),
        ] {
            let items: Vec<String> = list
                .iter()
                .map(|c| {
                    format!(
                        "{} <span class=\"small\">({} → {})</span>",
                        req_link(&c.id),
                        c.before.map(Verdict::label).unwrap_or("unknown"),
                        c.now.label()
                    )
                })
                .collect();
            let _ = write!(
                out,
                "<tr><th>{label}</th><td>{}</td></tr>",
                if items.is_empty() {
                    "none".to_owned()
                } else {
                    items.join(" · ")
                }
            );
        }
        out.push_str("</tbody></table></section>\n");
    }

    // 3. Per endpoint.
    out.push_str("<section id=\"endpoints\"><h2>Scenarios per endpoint</h2><table><thead><tr><th>Endpoint</th><th class=\"n\">Passed</th><th class=\"n\">Failed</th><th class=\"n\">Not verified</th><th class=\"n\">Total</th></tr></thead><tbody>");
    for e in &doc.endpoints {
        let _ = write!(
            out,
            "<tr><td><b>{}</b>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            text(&e.endpoint),
            match (&e.name, &e.path) {
                (Some(n), Some(p)) => format!(
                    " <span class=\"small\">{} · POST {}</span>",
                    text(n),
                    text(p)
                ),
                _ => String::new(),
            },
            e.scenarios.passed,
            e.scenarios.failed,
            e.scenarios.not_verified,
            e.scenarios.total
        );
    }
    let _ = writeln!(
        out,
        "<tr><th>all</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></tbody></table></section>",
        c.passed, c.failed, c.not_verified, c.total
    );

    // 4. Every finding, then each failed scenario with its exchanges.
    if !entries.is_empty() {
        let _ = write!(
            out,
            "<section id=\"all-findings\"><h2>All findings <span class=\"small\">({})</span></h2>",
            entries.len()
        );
        out.push_str(FAILURE_HEAD);
        all_rows(&mut out, &entries);
        out.push_str("</tbody></table></section>\n");
    }
    if !failed_scenarios.is_empty() {
        out.push_str("<section id=\"failures\"><h2>Failures in detail</h2>");
        for s in &failed_scenarios {
            let waived = doc.fully_waived(s);
            let _ = write!(
                out,
                "<article class=\"scenario{}\" id=\"{}\"><h3>{} {}</h3><div class=\"small mono\">{} · {}</div>",
                if waived { " waived" } else { "" },
                attr(&anchor("s-", &s.id)),
                badge(s.verdict),
                text(&s.name),
                text(&s.id),
                text(&s.feature)
            );
            let _ = write!(
                out,
                "<div class=\"small\">verifies {}</div>",
                s.requirements
                    .iter()
                    .map(|r| req_link(r))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            for f in &s.findings {
                let _ = write!(
                    out,
                    "<h4>{} · {:?} failure · {}</h4><div class=\"exp\"><b>expected</b> {}</div><div class=\"act\"><b>actual</b> {}</div>",
                    f.requirement
                        .as_deref()
                        .map(req_link)
                        .unwrap_or_else(|| "<span class=\"req\">no answer</span>".into()),
                    f.class,
                    cid(&f.correlation_id),
                    text(&f.expected),
                    text(&f.actual)
                );
                if !f.schema_errors.is_empty() {
                    out.push_str("<table><thead><tr><th>Schema path</th><th>Keyword</th><th>Message</th></tr></thead><tbody>");
                    for e in &f.schema_errors {
                        let _ = write!(
                            out,
                            "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                            text(if e.instance_path.is_empty() {
                                "/"
                            } else {
                                &e.instance_path
                            }),
                            text(&e.keyword),
                            text(&e.message)
                        );
                    }
                    out.push_str("</tbody></table>");
                }
            }
            if let Some(e) = s.extra_error() {
                let _ = write!(out, "<h4>Step failure</h4><pre>{}</pre>", clipped(e));
            }
            let (shown, more) = relevant_exchanges(s);
            for e in shown {
                exchange_block(&mut out, e);
            }
            if more > 0 {
                let _ = write!(
                    out,
                    "<div class=\"small\">{more} more exchange(s) of this scenario are in results.json.</div>"
                );
            }
            out.push_str("</article>");
        }
        out.push_str("</section>\n");
    }

    // 5. Traceability matrix.
    out.push_str("<section id=\"traceability\"><h2>Traceability: every catalogue requirement</h2><table><thead><tr><th>Requirement</th><th>Endpoint</th><th>Rule</th><th>Verdict</th><th>Verified by</th></tr></thead><tbody>");
    for r in &doc.requirements {
        let scenarios: Vec<String> = r
            .scenarios
            .iter()
            .map(|id| match doc.scenario(id) {
                Some(s) => format!(
                    "<div>{} {} <span class=\"small mono\">{}</span></div>",
                    badge(s.verdict),
                    if s.verdict == Verdict::Failed {
                        scenario_link(s)
                    } else {
                        text(&s.name)
                    },
                    text(&s.id)
                ),
                None => format!("<div class=\"mono\">{}</div>", text(id)),
            })
            .collect();
        let waiver = match r.waiver {
            Some(w) => format!(
                " <span class=\"badge b-waived\">waiver {}</span>",
                w.label()
            ),
            None => String::new(),
        };
        let _ = write!(
            out,
            "<tr id=\"{}\"><td class=\"req\">{}</td><td>{}</td><td>{}<div class=\"small\">{} · {}</div></td><td>{}{waiver}{}</td><td>{}</td></tr>",
            attr(&anchor("r-", &r.id)),
            text(&r.id),
            text(&r.endpoint),
            text(&r.summary),
            match r.strength {
                crate::contract::Strength::Documented => "documented",
                crate::contract::Strength::Convention => "convention",
            },
            text(&r.source),
            badge(r.verdict),
            r.reason
                .as_deref()
                .map(|x| format!("<div class=\"small\">{}</div>", text(x)))
                .unwrap_or_default(),
            if scenarios.is_empty() {
                "<span class=\"small\">no scenario</span>".to_owned()
            } else {
                scenarios.concat()
            }
        );
    }
    out.push_str("</tbody></table></section>\n");

    // 6. Not verified.
    let groups = doc.not_verified_groups();
    if !groups.is_empty() {
        let _ = write!(
            out,
            "<section id=\"not-verified\"><h2>Not verified <span class=\"small\">({}; never counted as passed), grouped by what would unlock them</span></h2><table><thead><tr><th>Why</th><th>Scenarios</th></tr></thead><tbody>",
            groups.iter().map(|g| g.scenarios.len()).sum::<usize>()
        );
        for g in groups {
            let names: String = g
                .scenarios
                .iter()
                .map(|s| {
                    format!(
                        "<div>{}<div class=\"small mono\">{}</div></div>",
                        text(&s.name),
                        text(&s.id)
                    )
                })
                .collect();
            let _ = write!(
                out,
                "<tr><td>{} <span class=\"small\">({} scenarios)</span></td><td>{names}</td></tr>",
                text(g.reason),
                g.scenarios.len()
            );
        }
        out.push_str("</tbody></table></section>\n");
    }

    // 7. Observations.
    let observations: Vec<_> = doc
        .scenarios
        .iter()
        .flat_map(|s| s.observations.iter())
        .collect();
    out.push_str("<section id=\"observations\"><h2>Observations <span class=\"small\">(cases the documentation leaves open: observed, not asserted)</span></h2>");
    if observations.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        out.push_str("<table><thead><tr><th>Endpoint</th><th>Case</th><th>Requirement</th><th>This project's convention</th><th>Observed</th><th>Correlation id</th></tr></thead><tbody>");
        for o in observations {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>HTTP {} <code>{}</code> {}</td><td>HTTP {} <code>{}</code> {}</td><td>{}</td></tr>",
                text(&o.endpoint),
                text(&o.case),
                req_link(&o.requirement),
                o.convention.status,
                text(&o.convention.code),
                text(&o.convention.message),
                o.observed_status,
                text(o.observed_code.as_deref().unwrap_or("(none)")),
                text(o.observed_message.as_deref().unwrap_or("")),
                cid(&o.correlation_id)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");

    // 8. Waivers.
    out.push_str("<section id=\"waivers\"><h2>Waivers</h2>");
    if doc.waivers.is_empty() {
        out.push_str("<p>No waivers file was given.</p>");
    } else {
        out.push_str("<table><thead><tr><th>Requirement</th><th>Status</th><th>Verdict now</th><th>Expires</th><th>Reason</th></tr></thead><tbody>");
        for w in &doc.waivers {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><span class=\"badge b-waived\">{}</span></td><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                req_link(&w.requirement),
                text(w.status.label()),
                badge(w.verdict),
                text(&w.expires),
                text(&w.reason)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");

    // 9. Errata decisions.
    out.push_str("<section id=\"errata\"><h2>Errata decisions in force</h2><p class=\"small\">Where the vendor's pages contradict themselves, this run applied these decisions.</p><table><thead><tr><th>Id</th><th>Title</th><th>Decision</th><th>Requirements</th></tr></thead><tbody>");
    for e in &doc.errata {
        let _ = write!(
            out,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&e.id),
            text(&e.title),
            text(&e.decision),
            e.requirements
                .iter()
                .map(|r| req_link(r))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    out.push_str("</tbody></table></section>\n");

    // 10. Run metadata.
    out.push_str("<section id=\"run\"><h2>Run</h2><table>");
    for (k, v) in [
        ("Tool version", doc.run.tool_version.clone()),
        ("Target", doc.run.target.clone()),
        ("Target base URL", doc.run.target_base_url.clone()),
        ("Profile", doc.run.profile.clone()),
        ("Seed", doc.run.seed.to_string()),
        ("Contract hash", doc.run.contract_hash.clone()),
        ("Catalogue version", doc.run.catalogue_version.clone()),
        ("Started", doc.run.started_at.clone()),
        ("Finished", doc.run.finished_at.clone()),
        ("Exit code", doc.outcome.exit_code.to_string()),
    ] {
        let _ = write!(
            out,
            "<tr><th style=\"width:18%\">{}</th><td class=\"mono\">{}</td></tr>",
            text(k),
            text(&v)
        );
    }
    out.push_str("</table></section>\n</main>\n");
    let _ = write!(
        out,
        "<footer>kona-conformance {} · {} · credentials, tran tokens and private keys are never written; card numbers, accounts, names and birth dates are masked.</footer>\n</body>\n</html>\n",
        text(&doc.run.tool_version),
        text(super::model::FORMAT)
    );
    out
}
