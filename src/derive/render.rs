//! Markdown for `derive`: the page model, and the check short enough for a pull-request
//! comment (drift first, applied errata as one line each).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::check::CheckReport;
use super::model::{Page, Section, flatten};

/// Table cells may hold `|` and newlines from the page.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map_or_else(|| "—".into(), cell)
}

pub fn page_markdown(page: &Page) -> String {
    let mut out = String::new();
    let side = |s: Option<bool>| match s {
        Some(true) => "encrypted",
        Some(false) => "plain",
        None => "not shown",
    };
    let _ = writeln!(out, "## {} `{}`\n", page.method, page.path);
    let _ = writeln!(
        out,
        "{} ({:?} layout); request {}, response {}\n",
        page.source,
        page.layout,
        side(page.encrypted_request),
        side(page.encrypted_response)
    );
    for section in Section::ALL {
        let params = flatten(page.section(section));
        if params.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}\n", section.title());
        let _ = writeln!(
            out,
            "| line | parameter | type | presence | bounds | format | values | default |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- |");
        for p in params {
            let values: Vec<&str> = p.values.iter().map(|v| v.code.as_str()).collect();
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} | {} |",
                p.line,
                p.path,
                p.kind.as_page_text(),
                p.presence.as_str(),
                p.bounds
                    .render()
                    .or_else(|| p.value.as_ref().map(|v| format!("value {v}")))
                    .unwrap_or_default(),
                p.format.as_deref().map(cell).unwrap_or_default(),
                cell(&values.join(", ")),
                p.default.as_deref().map(cell).unwrap_or_default(),
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "### Response codes\n\n| status | code | message |\n| --- | --- | --- |"
    );
    for c in &page.codes {
        let _ = writeln!(out, "| {} | {} | {} |", c.status, c.code, cell(&c.message));
    }
    if !page.test_data.is_empty() {
        let _ = writeln!(
            out,
            "\n### Test data\n\n| # | status | paired code |\n| --- | --- | --- |"
        );
        for (i, t) in page.test_data.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                i + 1,
                t.status,
                t.paired_code.as_deref().unwrap_or("none")
            );
        }
    }
    out
}

pub fn check_markdown(report: &CheckReport) -> String {
    let mut out = String::new();
    let total =
        |f: fn(&super::check::PageSummary) -> usize| report.pages.iter().map(f).sum::<usize>();
    let errata: BTreeMap<&str, usize> = report.applied.iter().fold(BTreeMap::new(), |mut m, d| {
        *m.entry(d.erratum.as_deref().unwrap_or_default())
            .or_default() += 1;
        m
    });
    let _ = writeln!(
        out,
        "**derive --check**: {} page(s), {} facts: {} agree with the contract, {} decided by {} errata, {} drift, {} override(s) no longer used.\n",
        report.pages.len(),
        total(|p| p.facts),
        total(|p| p.agree),
        report.applied.len(),
        errata.len(),
        report.drift.len(),
        report.unused_overrides.len()
    );
    let _ = writeln!(
        out,
        "| page | endpoint | facts | agree | errata | drift |\n| --- | --- | --- | --- | --- | --- |"
    );
    for p in &report.pages {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&p.source),
            p.endpoint.as_deref().unwrap_or("(none)"),
            p.facts,
            p.agree,
            p.decided_by_errata,
            p.drift
        );
    }
    if !report.drift.is_empty() {
        let _ = writeln!(
            out,
            "\n### Drift\n\n| kind | where | fact | page | contract | why | requirements | scenarios |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for d in &report.drift {
            let at = match d.line {
                Some(l) => format!("{}:{l}", d.source),
                None => d.source.clone(),
            };
            let scenarios = match d.scenarios.len() {
                0 => "none".to_owned(),
                n if n <= 3 => d.scenarios.join(", "),
                n => format!("{} and {} more", d.scenarios[..3].join(", "), n - 3),
            };
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} | {} |",
                d.kind.as_str(),
                cell(&at),
                d.fact,
                opt(&d.page),
                opt(&d.contract),
                d.rule,
                if d.requirements.is_empty() {
                    "none".into()
                } else {
                    d.requirements.join(", ")
                },
                cell(&scenarios)
            );
        }
    }
    if !report.unused_overrides.is_empty() {
        let _ = writeln!(
            out,
            "\n### Overrides that no longer apply (the vendor changed the page: remove or update the erratum)\n\n| erratum | page | fact | recorded page value | page now |\n| --- | --- | --- | --- | --- |"
        );
        for u in &report.unused_overrides {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} |",
                u.erratum,
                cell(&u.source),
                u.fact,
                opt(&u.recorded_page),
                opt(&u.page_now)
            );
        }
    }
    if !errata.is_empty() {
        let list: Vec<String> = errata.iter().map(|(e, n)| format!("{e} ({n})")).collect();
        let _ = writeln!(
            out,
            "\nErrata applied (facts decided): {}.",
            list.join(", ")
        );
    }
    out
}
