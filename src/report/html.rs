//! `report.html`: one self-contained file (inline CSS, no script, no fonts or images, no
//! network reference), readable offline and printable to PDF. The first page answers the
//! vendor's questions: the verdict, and for each broken requirement its documented rule,
//! expected versus actual, what the answered code means per the docs, and the correlation id
//! to look up. Each finding appears once; evidence (exchanges, further findings, errata) is
//! folded in `<details>`, which a printout shows closed.
//!
//! Built with maud: every string from the run is rendered through [`Text`], so it is
//! escaped; everything comes from the redacted model.

use maud::{Markup, html};

use crate::runner::results::Verdict;

use super::baseline::Comparison;
use super::failures::{self, Broken, FailureGroup};
use super::markup::anchor;
use super::model::{BodyDoc, ExchangeDoc, HeaderDoc, ResultsDoc, ScenarioDoc};
use super::observed::{Observed, inputs_text};
use super::view::{Text, badge, millis, page};

/// Exchanges shown per failed scenario (those its findings name, else its last).
const MAX_EXCHANGES_SHOWN: usize = 4;
/// Further findings listed per failed scenario; the rest are in results.json.
const MAX_MORE_FINDINGS: usize = 25;
const MAX_BODY_BYTES: usize = 16 * 1024;
/// Inputs named per observation row.
const MAX_INPUTS: usize = 6;
/// Scenario names listed per not-verified reason.
const MAX_NOT_VERIFIED_NAMES: usize = 6;

fn req_link(id: &str) -> Markup {
    html! { a class="req" href={ "#" (anchor("r-", id)) } { (Text(id)) } }
}

fn scenario_link(s: &ScenarioDoc) -> Markup {
    html! { a href={ "#" (anchor("s-", &s.id)) } { (Text(&s.name)) } }
}

fn cid(id: &str) -> Markup {
    html! {
        @if id.is_empty() {
            span class="small" { "(none: nothing was sent)" }
        } @else {
            code class="cid" { (Text(id)) }
        }
    }
}

fn clipped(s: &str) -> Markup {
    html! {
        @if s.len() <= MAX_BODY_BYTES {
            (Text(s))
        } @else {
            (Text(&crate::client::evidence::cut_text(s, MAX_BODY_BYTES)))
            "\n"
            span class="small" { "cut here in this view; results.json keeps more" }
        }
    }
}

fn strength(s: crate::contract::Strength) -> &'static str {
    match s {
        crate::contract::Strength::Documented => "documented",
        crate::contract::Strength::Convention => "convention",
    }
}

fn banner(doc: &ResultsDoc, groups: &[FailureGroup<'_>]) -> Markup {
    let passed = doc.outcome.verdict == "passed";
    let failed_scenarios = doc
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
        .count();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
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
        if n == 0
            && let Some(why) = &doc.run.interrupted
        {
            // Not "0 requirements failed": the run stopped; its reason says how far it got.
            why.replacen(
                "interrupted: the run was",
                "Stopped part-way: the run was",
                1,
            )
        } else {
            let mut h = format!(
                "{n} requirement{} failed in {failed_scenarios} scenario{}",
                plural(n),
                plural(failed_scenarios)
            );
            if let Some(b) = &doc.baseline
                && !b.newly_failing.is_empty()
            {
                h.push_str(&format!(" · {} regression(s)", b.newly_failing.len()));
            }
            h
        }
    };
    let c = &doc.counts.scenarios;
    let rc = &doc.counts.requirements;
    let reasons: Vec<&String> = doc
        .outcome
        .reasons
        .iter()
        .skip(usize::from(passed))
        .collect();
    // One failure's reason only repeats the headline and "What failed".
    let show_reasons = !reasons.is_empty() && (passed || groups.len() != 1 || reasons.len() != 1);
    let hash = &doc.run.contract_hash[..doc.run.contract_hash.len().min(12)];
    html! {
        header class={ "banner " (doc.outcome.verdict) } {
            div class="verdict" {
                (if passed { "PASSED" } else { "FAILED" })
                " " span class="small" { "exit code " (doc.outcome.exit_code) }
            }
            div class="headline" { (Text(&headline)) }
            div class="meta" {
                "Target " b { (Text(&doc.run.target)) }
                @if let Some(proxy) = &doc.run.proxy {
                    " via proxy " b { (Text(proxy)) }
                }
                " · profile " (Text(&doc.run.profile))
                " · seed " (doc.run.seed)
                " · contract " span class="mono" { (Text(hash)) }
                " (catalogue " (Text(&doc.run.catalogue_version)) ")"
                " · started " (Text(&doc.run.started_at))
                " · " (millis(doc.run.duration_us))
                " · kona-conformance " (Text(&doc.run.tool_version))
            }
            div class="meta" {
                "Scenarios: " (c.passed) " passed, " (c.failed) " failed, " (c.not_verified) " not verified"
                " · Requirements: " (rc.passed) " passed, " (rc.failed) " failed, " (rc.not_verified)
                " not verified (never counted as passed) · " (doc.counts.exchanges) " exchanges"
                @if let Some(t) = doc.timing() { " (" (t.describe()) ")" }
            }
            @if show_reasons {
                ul class="reasons" { @for r in &reasons { li { (Text(r)) } } }
            }
        }
    }
}

fn failure_article(g: &FailureGroup<'_>) -> Markup {
    let scenarios = g.scenarios.len();
    html! {
        article class={ "failure" @if g.waived { " waived" } } {
            h3 {
                @match &g.broken {
                    Broken::Requirement(id) => { (req_link(id)) }
                    other => { span class="req" { (Text(&other.label())) } }
                }
                " "
                @if g.waived { span class="badge b-waived" { "waived" } " " }
                @if g.findings > 1 || scenarios > 1 {
                    span class="small" {
                        (g.findings) " findings in " (scenarios) " scenario"
                        @if scenarios != 1 { "s" } "; the first shown"
                    }
                }
            }
            dl class="failure" {
                dt { "Documented rule" }
                dd {
                    (Text(&g.rule()))
                    @if let Some(source) = g.source() { div class="small" { (Text(&source)) } }
                }
                dt { "Expected" } dd { (Text(&g.expected())) }
                dt { "Actual" } dd class="act" { (Text(&g.actual())) }
                @if let Some(m) = &g.code_meaning {
                    dt { "Per the docs" } dd { (Text(m)) }
                }
                dt { "Correlation id" }
                dd {
                    (cid(g.correlation_id))
                    @if let Some(e) = g.exchange {
                        span class="small" { " · " (Text(&e.started_at)) " · " (millis(e.duration_us)) }
                    }
                }
                dt { "Scenario" }
                dd {
                    (scenario_link(g.scenario))
                    " " span class="small mono" { (Text(&g.scenario.id)) }
                }
            }
        }
    }
}

fn what_failed(doc: &ResultsDoc, groups: &[FailureGroup<'_>]) -> Markup {
    html! {
        section id="what-failed" {
            @if groups.is_empty() {
                h2 { "What failed" }
                p {
                    @if doc.run.interrupted.is_some() {
                        "Nothing failed in the scenarios that finished; the run was stopped, so it does not pass."
                    } @else { "Nothing failed." }
                }
            } @else {
                h2 {
                    "What failed "
                    span class="small" {
                        "(" (groups.len()) " broken requirement"
                        @if groups.len() != 1 { "s" }
                        "; hand the vendor the correlation id; evidence in "
                        a href="#failures" { "Failures in detail" } ")"
                    }
                }
                @for g in groups { (failure_article(g)) }
            }
            @if !doc.outcome.unattributed_failures.is_empty() {
                p class="small" {
                    "Failed scenarios that verify no requirement: "
                    @for id in &doc.outcome.unattributed_failures { span class="mono" { (Text(id)) } " " }
                }
            }
        }
    }
}

fn baseline(b: &Comparison) -> Markup {
    html! {
        section id="baseline" {
            h2 { "Against the baseline" }
            p class="small" {
                (Text(&b.file))
                @if let Some(t) = &b.baseline_started_at { " · run started " (Text(t)) }
                @if b.same_contract { " · same contract" }
                @else { " · made with a different contract (compared by requirement id)" }
            }
            table {
                thead { tr { th { "Change" } th { "Requirements" } } }
                tbody {
                    @for (label, list) in [
                        ("Newly failing (regressions)", &b.newly_failing),
                        ("Newly passing", &b.newly_passing),
                        ("Passed before, not verified now", &b.no_longer_verified),
                    ] {
                        tr {
                            th { (label) }
                            td {
                                @if list.is_empty() { "none" }
                                @for (i, c) in list.iter().enumerate() {
                                    @if i > 0 { " · " }
                                    (req_link(&c.id))
                                    span class="small" {
                                        " (" (c.before.map(Verdict::label).unwrap_or("unknown"))
                                        " → " (c.now.label()) ")"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn endpoints(doc: &ResultsDoc) -> Markup {
    let c = &doc.counts.scenarios;
    html! {
        section id="endpoints" {
            h2 { "Scenarios per endpoint" }
            table {
                thead { tr {
                    th { "Endpoint" } th class="n" { "Passed" } th class="n" { "Failed" }
                    th class="n" { "Not verified" } th class="n" { "Total" }
                } }
                tbody {
                    @for e in &doc.endpoints {
                        tr {
                            td {
                                b { (Text(&e.endpoint)) }
                                @if let (Some(n), Some(p)) = (&e.name, &e.path) {
                                    " " span class="small" { (Text(n)) " · POST " (Text(p)) }
                                }
                            }
                            td class="n" { (e.scenarios.passed) }
                            td class="n" { (e.scenarios.failed) }
                            td class="n" { (e.scenarios.not_verified) }
                            td class="n" { (e.scenarios.total) }
                        }
                    }
                    tr {
                        th { "all" } th class="n" { (c.passed) } th class="n" { (c.failed) }
                        th class="n" { (c.not_verified) } th class="n" { (c.total) }
                    }
                }
            }
        }
    }
}

fn observations(doc: &ResultsDoc, observed: &Observed) -> Markup {
    html! {
        section id="observations" {
            h2 {
                "How this target answers what the docs leave open "
                span class="small" { "(observed, not asserted)" }
            }
            @if observed.total == 0 {
                p {
                    @if doc.run.target_kind == crate::client::TargetKind::Embedded {
                        "None: the embedded sandbox is held to this project's conventions, so nothing is only observed."
                    } @else { "None." }
                }
            } @else {
                p { (Text(&observed.convention_line())) "." }
                @if !observed.differing.is_empty() {
                    table class="observed" {
                        colgroup {
                            col style="width:17%"; col style="width:24%"; col style="width:11%";
                            col style="width:6%"; col style="width:27%"; col style="width:15%";
                        }
                        thead { tr {
                            th { "Case · endpoint" } th { "Observed" } th { "Convention" }
                            th class="n" { "Count" } th { "Inputs" } th { "Example correlation id" }
                        } }
                        tbody {
                            @for r in &observed.differing {
                                tr {
                                    td { b { (Text(&r.case)) } div class="small" { (Text(&r.endpoint)) } }
                                    td {
                                        span class="mono" { (Text(&r.observed.status_code())) }
                                        div class="small clamp" { (Text(r.observed.message.as_deref().unwrap_or("(no message)"))) }
                                    }
                                    td class="mono small" { (Text(&r.convention.status_code())) }
                                    td class="n" { (r.count) }
                                    td { div class="small clamp3" { (Text(&inputs_text(&r.inputs, MAX_INPUTS))) } }
                                    td { code class="small" { (Text(&r.example_correlation_id)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn headers_table(headers: &[HeaderDoc]) -> Markup {
    html! {
        @if headers.is_empty() {
            div class="small" { "(no headers)" }
        } @else {
            table class="mono" {
                @for h in headers { tr { th { (Text(&h.name)) } td { (Text(&h.value)) } } }
            }
        }
    }
}

fn body_block(title: &str, body: &BodyDoc) -> Markup {
    html! {
        h4 { (title) " " span class="small" { "(" (body.bytes) " bytes, " (Text(&body.kind)) ")" } }
        @if body.kind != "empty" { pre { (clipped(&body.display())) } }
    }
}

fn exchange_block(e: &ExchangeDoc) -> Markup {
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
    html! {
        details class="exchange" {
            summary {
                b class="mono" { (Text(&e.method)) " " (Text(&e.url)) }
                " → " (Text(&answer)) " · " (cid(&e.correlation_id))
                " · " (millis(e.duration_us)) " · " (Text(&e.started_at))
            }
            div class="cols" {
                div {
                    h4 { "Request headers" }
                    (headers_table(&e.request.headers))
                    (body_block("Request body (as sent)", &e.request.body))
                    @if let Some(p) = &e.request.plaintext {
                        (body_block("Request plaintext (encrypted into encData)", p))
                    }
                }
                div {
                    @match &e.response {
                        Some(r) => {
                            h4 { "Response headers" }
                            (headers_table(&r.headers))
                            (body_block(if r.truncated { "Response body (cut off at the size limit)" } else { "Response body" }, &r.body))
                            @if let Some(p) = &r.plaintext { (body_block("Response plaintext (decrypted encData)", p)) }
                            @if let Some(err) = &r.decryption_error { h4 { "Decryption" } pre { (Text(err)) } }
                        }
                        None => { h4 { "Response" } div class="small" { "none" } }
                    }
                }
            }
        }
    }
}

/// The exchanges worth showing for a failed scenario: those its findings name, else its last.
fn relevant_exchanges(s: &ScenarioDoc) -> (Vec<&ExchangeDoc>, usize) {
    let named: std::collections::BTreeSet<&str> = s
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
    chosen.truncate(MAX_EXCHANGES_SHOWN);
    let more = s.exchanges.len() - chosen.len();
    (chosen, more)
}

/// Each failed scenario with its evidence. The finding a group shows on the first page is
/// not repeated; further findings and the exchanges are folded.
fn evidence(doc: &ResultsDoc, groups: &[FailureGroup<'_>]) -> Markup {
    let shown: Vec<*const crate::runner::results::Finding> = groups
        .iter()
        .filter_map(|g| g.example.map(std::ptr::from_ref))
        .collect();
    let failed: Vec<&ScenarioDoc> = doc
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
        .collect();
    html! {
        @if !failed.is_empty() {
            section id="failures" {
                h2 { "Failures in detail" }
                @for s in &failed {
                    @let more: Vec<_> = s.findings.iter().filter(|f| !shown.contains(&std::ptr::from_ref(*f))).collect();
                    @let (exchanges, hidden) = relevant_exchanges(s);
                    article class={ "scenario" @if doc.fully_waived(s) { " waived" } } id=(anchor("s-", &s.id)) {
                        h3 { (badge(s.verdict)) " " (Text(&s.name)) }
                        div class="small mono" { (Text(&s.id)) " · " (Text(&s.feature)) }
                        div class="small" {
                            "verifies "
                            @for r in &s.requirements { (req_link(r)) " " }
                            @if !more.is_empty() { " · " (more.len()) " further finding(s) below" }
                            @if let Some(line) = s.omitted_line() { " · " (Text(&line)) }
                        }
                        @if !more.is_empty() {
                            details {
                                summary { (more.len()) " further finding(s) in this scenario" }
                                table {
                                    thead { tr { th { "Requirement" } th { "Expected" } th { "Actual" } th { "Correlation id" } } }
                                    tbody {
                                        @for f in more.iter().take(MAX_MORE_FINDINGS) {
                                            tr {
                                                td { @match &f.requirement { Some(r) => { (req_link(r)) } None => { span class="req" { "no answer" } } } }
                                                td { (Text(&f.expected)) }
                                                td { (Text(&f.actual))
                                                    @for e in &f.schema_errors {
                                                        div class="small mono" {
                                                            "schema " (Text(if e.instance_path.is_empty() { "/" } else { &e.instance_path }))
                                                            ": " (Text(&e.message)) " (" (Text(&e.keyword)) ")"
                                                        }
                                                    }
                                                }
                                                td { (cid(&f.correlation_id)) }
                                            }
                                        }
                                    }
                                }
                                @if more.len() > MAX_MORE_FINDINGS {
                                    div class="small" { (more.len() - MAX_MORE_FINDINGS) " more are in results.json." }
                                }
                            }
                        }
                        @if let Some(e) = s.extra_error() {
                            details { summary { "Step failure" } pre { (clipped(e)) } }
                        }
                        @for e in exchanges { (exchange_block(e)) }
                        @if hidden > 0 {
                            div class="small" { (hidden) " more exchange(s) of this scenario are in results.json." }
                        }
                        @if s.exchanges_omitted > 0 {
                            div class="small" {
                                (s.exchanges_omitted) " further exchange(s) of this scenario are counted, not kept"
                                @if let Some(j) = &doc.run.journal { ": every one is in " (j.file) }
                                "."
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `39 passed · 1 failed`: only the verdicts that occur.
fn verdict_counts(scenarios: &[&ScenarioDoc]) -> String {
    [Verdict::Failed, Verdict::Passed, Verdict::NotVerified]
        .into_iter()
        .map(|v| (v, scenarios.iter().filter(|s| s.verdict == v).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", v.label()))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn traceability(doc: &ResultsDoc) -> Markup {
    html! {
        section id="traceability" {
            h2 { "Traceability: every catalogue requirement" }
            table {
                colgroup { col style="width:22%"; col style="width:9%"; col style="width:17%"; col; }
                thead { tr { th { "Requirement" } th { "Verdict" } th { "Scenarios" } th { "Rule" } } }
                tbody {
                    @for r in &doc.requirements {
                        @let scenarios: Vec<&ScenarioDoc> = r.scenarios.iter().filter_map(|id| doc.scenario(id)).collect();
                        tr id=(anchor("r-", &r.id)) {
                            td class="req" { (Text(&r.id)) }
                            td {
                                (badge(r.verdict))
                                @if let Some(w) = r.waiver { " " span class="badge b-waived" { "waiver " (w.label()) } }
                            }
                            td class="small" {
                                @if scenarios.is_empty() { "none" } @else { (verdict_counts(&scenarios)) }
                                @for s in scenarios.iter().filter(|s| s.verdict == Verdict::Failed) {
                                    div { (scenario_link(s)) }
                                }
                                @if let Some(reason) = &r.reason { div { (Text(reason)) } }
                            }
                            td {
                                (Text(&r.summary))
                                span class="small screen-only" { " · " (strength(r.strength)) " · " (Text(&r.source)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn not_verified(doc: &ResultsDoc) -> Markup {
    // Grouped by the role (or, where none would, the reason) that would unlock them.
    let groups = doc.not_verified_groups();
    let total: usize = groups.iter().map(|g| g.scenarios.len()).sum();
    html! {
        @if total > 0 {
            section id="not-verified" {
                h2 { "Not verified " span class="small" { "(" (total) "; never counted as passed)" } }
                table {
                    thead { tr { th { "Why" } th class="n" { "Scenarios" } th { "Which" } } }
                    tbody {
                        @for g in &groups {
                            tr {
                                td { (Text(&g.label())) }
                                td class="n" { (g.scenarios.len()) }
                                td class="small" {
                                    @for (i, s) in g.scenarios.iter().take(MAX_NOT_VERIFIED_NAMES).enumerate() {
                                        @if i > 0 { "; " }
                                        (Text(&s.name))
                                    }
                                    @if g.scenarios.len() > MAX_NOT_VERIFIED_NAMES { "; +" (g.scenarios.len() - MAX_NOT_VERIFIED_NAMES) " more" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn waivers(doc: &ResultsDoc) -> Markup {
    html! {
        section id="waivers" {
            h2 { "Waivers" }
            @if doc.waivers.is_empty() {
                p { "No waivers file was given." }
            } @else {
                table {
                    thead { tr { th { "Requirement" } th { "Status" } th { "Verdict now" } th { "Expires" } th { "Reason" } } }
                    tbody {
                        @for w in &doc.waivers {
                            tr {
                                td { (req_link(&w.requirement)) }
                                td { span class="badge b-waived" { (w.status.label()) } }
                                td { (badge(w.verdict)) }
                                td class="mono" { (Text(&w.expires)) }
                                td { (Text(&w.reason)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn errata(doc: &ResultsDoc) -> Markup {
    html! {
        section id="errata" {
            h2 { "Errata decisions in force" }
            details {
                summary {
                    (doc.errata.len()) " places where the vendor's pages contradict themselves, and the decision this run applied"
                }
                table {
                    thead { tr { th { "Id" } th { "Title" } th { "Decision" } th { "Requirements" } } }
                    tbody {
                        @for e in &doc.errata {
                            tr {
                                td class="mono" { (Text(&e.id)) }
                                td { (Text(&e.title)) }
                                td { (Text(&e.decision)) }
                                td { @for r in &e.requirements { (req_link(r)) " " } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn run_table(doc: &ResultsDoc) -> Markup {
    let rows = [
        ("Tool version", doc.run.tool_version.clone()),
        ("Target", doc.run.target.clone()),
        ("Target base URL", doc.run.target_base_url.clone()),
        (
            "Proxy",
            doc.run
                .proxy
                .clone()
                .unwrap_or_else(|| "none (direct)".into()),
        ),
        ("Profile", doc.run.profile.clone()),
        ("Seed", doc.run.seed.to_string()),
        ("Contract hash", doc.run.contract_hash.clone()),
        ("Catalogue version", doc.run.catalogue_version.clone()),
        ("Started", doc.run.started_at.clone()),
        ("Finished", doc.run.finished_at.clone()),
        ("Duration", millis(doc.run.duration_us)),
        (
            "Exchange time",
            doc.timing()
                .map(|t| t.describe())
                .unwrap_or_else(|| "no answered exchange".into()),
        ),
        ("Exit code", doc.outcome.exit_code.to_string()),
    ];
    html! {
        section id="run" {
            h2 { "Run" }
            table {
                @for (k, v) in &rows {
                    tr { th style="width:18%" { (k) } td class="mono" { (Text(v)) } }
                }
            }
        }
    }
}

pub fn render(doc: &ResultsDoc) -> String {
    let groups = failures::groups(doc);
    let observed = Observed::of(
        doc.scenarios
            .iter()
            .flat_map(|s| s.observations.iter().map(move |o| (s.name.as_str(), o))),
    );
    let title = format!(
        "{} · KONA conformance · {}",
        if doc.outcome.verdict == "passed" {
            "PASSED"
        } else {
            "FAILED"
        },
        doc.run.target
    );
    let body = html! {
        (banner(doc, &groups))
        main {
            (what_failed(doc, &groups))
            @if let Some(b) = &doc.baseline { (baseline(b)) }
            (super::charts::section(doc))
            (endpoints(doc))
            (observations(doc, &observed))
            (evidence(doc, &groups))
            (not_verified(doc))
            (traceability(doc))
            (waivers(doc))
            (errata(doc))
            (run_table(doc))
        }
        footer {
            "kona-conformance " (Text(&doc.run.tool_version)) " · " (super::model::FORMAT)
            " · credentials, tran tokens and private keys are never written; card numbers, accounts, names and birth dates are masked."
        }
    };
    page(&title, body)
}
