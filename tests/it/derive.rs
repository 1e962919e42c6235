//! `derive`: pages written for these tests in the portal's layout (text and HTML, our own
//! words, never the vendor's pages) are read into the page model, checked against the
//! contract (one test per ERR, WARN and INFO kind, one per unreadable layout, one for an
//! override that no longer applies), and drafted into an extension that loads, passes
//! coverage and certifies against the embedded sandbox.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use kona_conformance::contract::Contract;
use kona_conformance::derive::check::{CheckReport, ScenarioIndex};
use kona_conformance::derive::model::{Layout, Page, ParamType, Section, flatten};
use kona_conformance::derive::{self, DeriveError, Kind, facts};
use kona_conformance::runner::NoProgress;
use kona_conformance::runner::certify::certify;
use kona_conformance::runner::config::{RunOptions, Settings};
use kona_conformance::runner::results::Verdict;
use proptest::prelude::*;
use rstest::rstest;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/derive");

fn data(name: &str) -> PathBuf {
    Path::new(DATA).join(name)
}

fn text_of(name: &str) -> String {
    std::fs::read_to_string(data(name)).expect("test page exists")
}

fn contract() -> &'static Contract {
    Contract::shared().expect("the embedded contract loads")
}

fn scenarios() -> ScenarioIndex {
    let features = kona_conformance::runner::plan::load_features(None).unwrap();
    kona_conformance::runner::coverage::coverage(contract(), &features)
        .requirements
        .into_iter()
        .map(|r| (r.id, r.scenarios))
        .collect()
}

fn read(name: &str, text: &str) -> Result<Page, DeriveError> {
    derive::read_page_text(name, text, Some(contract()))
}

fn check_text(text: &str) -> CheckReport {
    let page = read("card-info.txt", text).expect("the edited page reads");
    derive::check(contract(), &[page], &scenarios())
}

/// Facts without their lines: what two layouts of one page must share.
fn fact_values(page: &Page) -> BTreeMap<String, String> {
    facts::page_facts(page)
        .into_iter()
        .map(|(k, f)| (k, f.value))
        .collect()
}

#[test]
fn the_test_pages_agree_with_the_contract_through_errata_in_both_layouts() {
    let text = read("card-info.txt", &text_of("card-info.txt")).unwrap();
    let html = read("card-info.html", &text_of("card-info.html")).unwrap();
    assert_eq!(text.layout, Layout::Text);
    assert_eq!(html.layout, Layout::Html);
    assert_eq!(fact_values(&text), fact_values(&html));

    let report = derive::check(contract(), &[text, html], &scenarios());
    assert!(report.is_clean(), "{report:#?}");
    let errata: Vec<&str> = report
        .applied
        .iter()
        .filter_map(|d| d.erratum.as_deref())
        .collect();
    for id in [
        "E01", "E02", "E04", "E05", "E06", "E10", "E17", "E18", "E36",
    ] {
        assert!(errata.contains(&id), "{id} applied: {errata:?}");
    }
    // The nested object's members were placed under it, from the contract's schema.
    let page = &report.pages[0];
    assert_eq!(page.drift, 0);
    assert_eq!(page.facts, page.agree + page.decided_by_errata);
}

/// An edit of the clean test page, and the one difference it must cause.
#[rstest]
#[case::new_required_field(
    "카드 번호 (테스트)\n",
    "카드 번호 (테스트)\n\npin\n\nstring\n\nRequired\n\nLength : 4\n\n새 항목\n",
    "request.body.pin.type",
    Kind::Err,
    "a new required field"
)]
#[case::tighter_length(
    "Min : 1 , Max : 256",
    "Min : 1 , Max : 200",
    "response.body.serviceName.bounds",
    Kind::Err,
    "a tighter length or range"
)]
#[case::another_type(
    "serviceId\n\nstring",
    "serviceId\n\nnumber",
    "response.body.serviceId.type",
    Kind::Err,
    "another type"
)]
#[case::removed_code(
    "400\n\nError code\n\n000_002\n\nMessage\n\nInvalid input parameter.\n\nDescription\n\n입력 오류\n",
    "",
    "code.000_002.message",
    Kind::Err,
    "a code the page no longer lists"
)]
#[case::re_paired_code(
    "400\n\nError code\n\n000_002\n",
    "400\n\nError code\n\n009_001\n\nMessage\n\nA code written for tests.\n\nDescription\n\n새 코드\n\n\n400\n\nError code\n\n000_002\n",
    "testData.02",
    Kind::Err,
    "a test case re-paired with another code"
)]
#[case::changed_message(
    "Invalid input parameter.",
    "Input is not valid.",
    "code.000_002.message",
    Kind::Warn,
    "a changed message"
)]
#[case::looser_range(
    "Min : 1 , Max : 256",
    "Min : 1 , Max : 300",
    "response.body.serviceName.bounds",
    Kind::Warn,
    "a looser length or range"
)]
#[case::changed_format(
    "상품 번호\n",
    "상품 번호\n\n  • Form : yyyyMMdd\n",
    "response.body.serviceId.format",
    Kind::Warn,
    "a changed format"
)]
#[case::new_optional_member(
    "isAutoRechargeBeforePayment\n",
    "nickname\n\nstring\n\nOptional\n\nMin : 1 , Max : 20\n\n별칭\n\nisAutoRechargeBeforePayment\n",
    "response.body.nickname.type",
    Kind::Info,
    "a new optional member"
)]
#[case::new_code(
    "Missing required values. cardNo\n\nDescription\n\n누락\n",
    "Missing required values. cardNo\n\nDescription\n\n누락\n\n\n400\n\nError code\n\n009_001\n\nMessage\n\nA code written for tests.\n\nDescription\n\n새 코드\n",
    "code.009_001.message",
    Kind::Info,
    "a new code"
)]
fn each_kind_of_drift_is_classified(
    #[case] from: &str,
    #[case] to: &str,
    #[case] fact: &str,
    #[case] kind: Kind,
    #[case] rule: &str,
) {
    let page = text_of("card-info.txt");
    assert!(page.contains(from), "the test page holds {from:?}");
    let report = check_text(&page.replacen(from, to, 1));
    assert!(!report.is_clean());
    let d = report
        .drift
        .iter()
        .find(|d| d.fact == fact)
        .unwrap_or_else(|| panic!("{fact} drifts: {:#?}", report.drift));
    assert_eq!((d.kind, d.rule.as_str()), (kind, rule), "{d:#?}");
    assert_eq!(d.endpoint.as_deref(), Some("card-info"));
    assert!(d.erratum.is_none());
    if !fact.contains(".pin.") {
        // What the contract already knows names what the drift touches.
        assert!(!d.requirements.is_empty(), "{d:#?}");
    }
    if fact.starts_with("response.body.serviceName") {
        assert_eq!(d.requirements, ["CARD-RESP-FIELDS"]);
        assert!(!d.scenarios.is_empty(), "{d:#?}");
    }
}

#[test]
fn an_override_the_page_no_longer_needs_is_reported() {
    let page = text_of("card-info.txt").replace("Length : 66", "Length : 67");
    let report = check_text(&page);
    assert!(report.drift.is_empty(), "{:#?}", report.drift);
    assert!(!report.is_clean(), "exit 1: the erratum must be removed");
    let unused: Vec<_> = report
        .unused_overrides
        .iter()
        .map(|u| u.erratum.as_str())
        .collect();
    assert_eq!(unused, ["E01"]);
    assert_eq!(report.unused_overrides[0].page_now.as_deref(), Some("=67"));
    let md = derive::render::check_markdown(&report);
    assert!(md.contains("no longer apply"), "{md}");
}

#[test]
fn the_newer_header_convention_reads_and_leaves_the_older_erratum_unused() {
    let page = text_of("card-info.txt")
        .replace("Length : 16\n\nRequest time", "Length : 14\n\nRequest time")
        .replace("YYYYMMDDHH24MISS", "YYYYMMDDHHMMSS");
    let report = check_text(&page);
    // 14 digits and the mask YYYYMMDDHHMMSS are the contract's own rule (errata E02).
    assert!(report.drift.is_empty(), "{:#?}", report.drift);
    let unused: Vec<_> = report
        .unused_overrides
        .iter()
        .map(|u| (u.erratum.as_str(), u.fact.as_str()))
        .collect();
    assert_eq!(
        unused,
        [
            ("E02", "request.header.X-KM-Tran-Time.bounds"),
            ("E02", "request.header.X-KM-Tran-Time.format")
        ]
    );
}

#[test]
fn every_layout_of_the_portal_is_read() {
    let page = read("point-history.html", &text_of("point-history.html")).unwrap();
    assert_eq!(
        page.title, "Point history written for tests",
        "Sync badge cut"
    );
    assert_eq!(
        (page.method.as_str(), page.path.as_str()),
        ("POST", "/api/v1/example/point/history")
    );
    assert_eq!(
        (page.encrypted_request, page.encrypted_response),
        (Some(true), Some(false))
    );
    let param = |section: Section, path: &str| {
        flatten(page.section(section))
            .into_iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("{path} read"))
            .clone()
    };
    // A nested object and its members; enumerations `CODE : x` and `CODE: x`; both defaults.
    let paging = param(Section::RequestParameters, "paging");
    assert_eq!(paging.members.len(), 2);
    let sort = param(Section::RequestParameters, "paging.sortOrder");
    let codes: Vec<&str> = sort.values.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(codes, ["ASC", "DESC"]);
    assert_eq!(sort.default.as_deref(), Some("DESC"));
    assert_eq!(
        param(Section::RequestParameters, "paging.page")
            .default
            .as_deref(),
        Some("1")
    );
    // An array of strings, its control line not a note.
    let labels = param(Section::ResponseParameters, "labels");
    assert_eq!(labels.kind, ParamType::ArrayOfStrings);
    assert!(
        !labels.notes.iter().any(|n| n == "Add string"),
        "{:?}",
        labels.notes
    );
    // An array of objects: the synthetic item is not a member, its members are.
    let entries = param(Section::ResponseParameters, "entries");
    let members: Vec<&str> = entries.members.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(members, ["entries[].kind", "entries[].points"]);
    let kinds: Vec<&str> = entries.members[0]
        .values
        .iter()
        .map(|v| v.code.as_str())
        .collect();
    assert_eq!(kinds, ["01", "02"]);
    // Bullets of three kinds: `•` (the HTML's list items), `- ` and plain lines.
    let issued = param(Section::ResponseParameters, "issuedOn");
    assert_eq!(issued.format.as_deref(), Some("yyyyMMdd"));
    assert!(
        issued.notes.iter().any(|n| n == "a plain note line"),
        "{:?}",
        issued.notes
    );
    let member_no = param(Section::RequestParameters, "memberNo");
    assert_eq!(
        member_no.notes.last().map(String::as_str),
        Some("digits only")
    );
    assert_eq!(page.codes.len(), 4);
    assert_eq!(
        page.test_data.len(),
        4,
        "the selected case is not counted twice"
    );
    assert_eq!(page.test_data[3].paired_code.as_deref(), Some("005_001"));
    // The header table of an older page: tran time printed as 16.
    let time = param(Section::RequestHeaders, "X-KM-Tran-Time");
    assert_eq!(time.bounds.render().as_deref(), Some("=16"));
}

fn unreadable(result: Result<Page, DeriveError>) -> (Option<usize>, String) {
    match result {
        Err(DeriveError::Unreadable { line, what, .. }) => (line, what),
        other => panic!("expected an unreadable layout, got {other:?}"),
    }
}

#[rstest]
#[case::no_method("\nPOST\n", "\n", "the method line")]
#[case::unknown_type(
    "cardNo\n\nstring",
    "cardNo\n\ninteger",
    "the type of parameter cardNo"
)]
#[case::empty_section(
    "cardNo\n\nstring\n\nRequired\n\nLength : 16\n",
    "",
    "the parameters of section \"Request Parameters\""
)]
#[case::code_table_row(
    "000_002\n\nMessage",
    "0002\n\nMessage",
    "a row of the response-code table"
)]
#[case::no_code_table("Response Code\n", "Response Codes\n", "the \"Response Code\" section")]
fn an_unreadable_text_layout_is_named(#[case] from: &str, #[case] to: &str, #[case] what: &str) {
    let page = text_of("card-info.txt");
    assert!(page.contains(from));
    let (line, found) = unreadable(read("card-info.txt", &page.replacen(from, to, 1)));
    assert_eq!(found, what);
    if what != "the method line" && what != "the \"Response Code\" section" {
        assert!(line.is_some(), "{what} is located");
    }
}

#[test]
fn a_page_without_a_parameter_table_is_unreadable() {
    let page = text_of("card-info.txt");
    let start = page.find("Request Headers").unwrap();
    let end = page.find("Response Code").unwrap();
    let cut = format!("{}{}", &page[..start], &page[end..]);
    let (_, what) = unreadable(read("card-info.txt", &cut));
    assert_eq!(what, "a parameter table");
}

#[test]
fn nested_members_that_cannot_be_placed_are_unreadable() {
    // A text page keeps no nesting: without a contract that knows `paging`, its members'
    // place is unknown.
    let (line, what) = unreadable(derive::read_page_text(
        "point-history.txt",
        &text_of("point-history.txt"),
        None,
    ));
    assert_eq!(what, "the members of object paging");
    assert!(line.is_some());
    // An array of objects must be followed by its `_item`.
    let html = text_of("point-history.html")
        .replace("<strong>entries_item</strong>", "<strong>entry</strong>");
    let (_, what) = unreadable(derive::read_page_text("p.html", &html, None));
    assert_eq!(what, "the item of array entries");
}

fn binary(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .arg("derive")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_exits_0_clean_1_on_drift_2_when_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let clean = data("card-info.txt");
    let drifted = dir.path().join("drifted.txt");
    std::fs::write(
        &drifted,
        text_of("card-info.txt").replace("Max : 256", "Max : 200"),
    )
    .unwrap();
    let broken = dir.path().join("broken.txt");
    std::fs::write(
        &broken,
        text_of("card-info.txt").replace("000_002\n\nMessage", "02\n\nMessage"),
    )
    .unwrap();

    let out = binary(&["--check".as_ref(), clean.as_os_str()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = binary(&[
        "--check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        drifted.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["drift"][0]["kind"], "ERR");
    assert_eq!(json["drift"][0]["fact"], "response.body.serviceName.bounds");

    let out = binary(&["--check".as_ref(), broken.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.txt:") && stderr.contains("response-code table"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "never an empty diff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_loads_passes_coverage_and_certifies_against_the_embedded_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let page = derive::read_page(&data("point-history.html"), None).unwrap();
    let written = derive::draft::write_draft(contract(), &page, dir.path()).unwrap();
    assert_eq!(written.len(), 5);
    let draft_contract = dir.path().join("contract");
    let draft_features = dir.path().join("features");

    let extended = Contract::resolve(Some(&draft_contract)).expect("the draft loads");
    let endpoint = extended.endpoint("example-point-history").expect("drafted");
    assert!(endpoint.encryption.request && !endpoint.encryption.response);
    // Descriptions are placeholders, never the page's sentences.
    let schema =
        std::fs::read_to_string(draft_contract.join("example-point-history/response.schema.json"))
            .unwrap();
    assert!(schema.contains("TODO") && !schema.contains("number of entries"));

    let mut features = kona_conformance::runner::plan::load_features(None).unwrap();
    features.extend(kona_conformance::runner::plan::load_features(Some(&draft_features)).unwrap());
    let coverage = kona_conformance::runner::coverage::coverage(extended, &features);
    assert!(
        coverage.is_complete(),
        "{}",
        kona_conformance::runner::coverage::render(&coverage)
    );

    // The text layout of the same page, its nesting now known from the draft, reads alike.
    let text = derive::read_page_text(
        "point-history.txt",
        &text_of("point-history.txt"),
        Some(extended),
    )
    .unwrap();
    assert_eq!(fact_values(&text), fact_values(&page));

    let options = RunOptions::resolve(Settings {
        contract: Some(draft_contract),
        features: Some(draft_features),
        seed: Some(5),
        generated: Some(0),
        ..Settings::default()
    })
    .unwrap();
    let certification = certify(&options, Arc::new(NoProgress)).await.unwrap();
    let results = &certification.execution.results;
    let verdicts: Vec<_> = results
        .scenarios
        .iter()
        .map(|s| (s.name.as_str(), s.verdict))
        .collect();
    assert!(
        results
            .scenarios
            .iter()
            .all(|s| s.verdict != Verdict::Failed),
        "{verdicts:?}"
    );
    assert_eq!(
        results
            .scenarios
            .iter()
            .filter(|s| s.verdict == Verdict::Passed)
            .count(),
        4,
        "{verdicts:?}"
    );
    // The code no placeholder record can provoke waits for a target's fixtures.
    let waiting: Vec<_> = results
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::NotVerified)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(waiting, ["The record that gets 005_001 is answered so"]);
}

/// Lines a page is made of, so arbitrary pages reach deep into the reader.
fn layout_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("POST".to_owned()),
        Just("/api/v1/x".to_owned()),
        Just("Request Parameters".to_owned()),
        Just("Response Parameters".to_owned()),
        Just("Response Code".to_owned()),
        Just("Test Data".to_owned()),
        Just("Encrypted|".to_owned()),
        Just("object".to_owned()),
        Just("array of objects".to_owned()),
        Just("string".to_owned()),
        Just("Required".to_owned()),
        Just("Optional".to_owned()),
        Just("a_item".to_owned()),
        Just("Error code".to_owned()),
        Just("Message".to_owned()),
        Just("400".to_owned()),
        Just("000_002".to_owned()),
        Just("200 - ok".to_owned()),
        Just("Min : 1 , Max : 99999999999999999999999999999999999999999".to_owned()),
        Just("Length : 3".to_owned()),
        Just("<div><li>A : b</li></div>".to_owned()),
        "[a-zA-Z0-9_ :•<>/-]{0,12}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn the_reader_never_panics(text in any::<String>()) {
        let _ = derive::read_page_text("p", &text, Some(contract()));
    }

    #[test]
    fn the_reader_never_panics_on_page_like_text(lines in prop::collection::vec(layout_line(), 0..80), html in any::<bool>()) {
        let body = lines.join("\n");
        let text = if html { format!("<html>{}</html>", lines.join("<div>")) } else { body };
        if let Ok(page) = derive::read_page_text("p", &text, None) {
            let _ = derive::check(contract(), &[page], &ScenarioIndex::new());
        }
    }
}

#[test]
fn nesting_deeper_than_any_page_is_refused_not_recursed() {
    let param = |name: &str, inner: &str| {
        format!(
            "<div><div>{name}</div><div>object</div><div>Optional</div><p>d</p><div>{inner}</div></div>"
        )
    };
    let mut nested = String::new();
    for i in (0..5000).rev() {
        nested = param(&format!("o{i}"), &nested);
    }
    let page = text_of("card-info.html").replace(
        "<section><h2>Response Parameters</h2>",
        &format!("<section><h2>Response Parameters</h2>{nested}"),
    );
    let (_, what) = unreadable(derive::read_page_text("deep.html", &page, None));
    assert_eq!(what, "the place of o16");
}

#[test]
fn a_page_the_contract_does_not_cover_is_drift_pointing_to_the_draft() {
    let page = derive::read_page(&data("point-history.html"), None).unwrap();
    let report = derive::check(contract(), &[page], &ScenarioIndex::new());
    assert_eq!(report.drift.len(), 1);
    assert_eq!(
        (report.drift[0].kind, report.drift[0].fact.as_str()),
        (Kind::Err, "path")
    );
    assert!(report.drift[0].rule.contains("--draft"));
}
