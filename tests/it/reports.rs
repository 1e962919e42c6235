//! Every artifact of `--report-dir`, checked as its consumers read it: junit.xml parses and
//! its counts match the run, cucumber.json has the Cucumber JSON shape, results.json
//! validates against its schema, report.html references nothing outside itself, Hangul
//! survives everywhere; and the gate: waivers, baseline, exit codes.

use crate::support::echo;
use crate::support::external_run;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Days, Utc};
use kona_conformance::client::{Exchange, FailureClass, ResponseCapture, TargetKind};
use kona_conformance::contract::{Contract, Expected, SchemaViolation, Strength};
use kona_conformance::report::{self, FILES, ReportError, SCHEMA_FILE};
use kona_conformance::runner::config::{RunOptions, Settings};
use kona_conformance::runner::results::{
    Finding, Observation, RunMeta, RunResults, ScenarioResult, Verdict,
};
use kona_conformance::runner::{CucumberOutput, Execution};
use kona_conformance::secret::Secret;
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use serde_json::Value;

const HANGUL_NAME: &str = "카드 정보 조회: 잔액이 <음수> & \"따옴표\" 인 카드";
const HANGUL_MESSAGE: &str = "잔액 오류 <b>굵게</b> & 실패했습니다";
const CID: &str = "250101120000-abc1234";

fn exchange(cid: &str, response_body: &[u8]) -> Exchange {
    Exchange {
        endpoint_id: "card-info".into(),
        method: "POST".into(),
        url: "http://127.0.0.1:9/open-api/api/v1/user/card/info".into(),
        request_headers: vec![
            ("X-KM-User-AspId".into(), "000990000000001".into()),
            ("X-KM-Correlation-Id".into(), cid.into()),
            ("X-KM-Access-Key".into(), echo::ACCESS_KEY.into()),
            (
                "X-KM-Tran-Token".into(),
                "KMV1:20250101120000000:q7d3zVb6bYlJm3pZ7Rj4cF2o8X1sN0aH5eT9uW6vY2k=".into(),
            ),
        ],
        request_body: br#"{"encData":"eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.x.y.z.w"}"#.to_vec(),
        request_plaintext: Some(br#"{"cardNo":"9491337711220765"}"#.to_vec()),
        correlation_id: cid.into(),
        started_at: Utc::now(),
        duration: Duration::from_millis(12),
        response: Some(ResponseCapture {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-km-correlation-id".into(), cid.into()),
            ],
            body: response_body.to_vec(),
            truncated: false,
            plaintext: None,
            parsed: Default::default(),
        }),
        failure: None,
        attempts: Vec::new(),
        gave_up: None,
    }
}

fn scenario(id: &str, name: &str, requirements: &[&str], verdict: Verdict) -> ScenarioResult {
    ScenarioResult {
        id: id.into(),
        feature: "카드-사용자 매핑 조회 (card info)".into(),
        name: name.into(),
        endpoint: Some("card-info".into()),
        tags: requirements.iter().map(|r| format!("req:{r}")).collect(),
        requirements: requirements.iter().map(|r| (*r).to_owned()).collect(),
        verdict,
        reason: None,
        unlocks: None,
        not_run: false,
        findings: Vec::new(),
        findings_omitted: 0,
        error: None,
        observations: Vec::new(),
        exercised: Default::default(),
        exchanges: Vec::new(),
        traffic: Default::default(),
        gave_up: None,
        expected_rejection: None,
        refused_alike: None,
        duration_ms: 34,
    }
}

fn meta() -> RunMeta {
    let contract = Contract::shared().unwrap();
    let now = Utc::now();
    RunMeta {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        contract_hash: contract.hash().into(),
        catalogue_version: contract.catalogue.catalogue_version.clone(),
        target: "embedded sandbox (http://127.0.0.1:9/open-api)".into(),
        base_url: "http://127.0.0.1:9/open-api".into(),
        target_kind: TargetKind::Embedded,
        profile: "sandbox".into(),
        seed: u64::MAX,
        started_at: now,
        finished_at: now + chrono::Duration::milliseconds(1500),
        interrupted: None,
        proxy: None,
        source: Default::default(),
        exchanges_judged: None,
        journal: None,
    }
}

/// A run with every kind of outcome: passes, a contract failure with schema errors and
/// personal data in its text, a failure without an answer, a step error, not verified,
/// outline rows, an observation, an unattributed failure; Hangul and markup everywhere.
fn sample() -> RunResults {
    let mut passed = scenario(
        "features/card_info.feature:6",
        "A registered card is reported (active)",
        &["CARD-CODE-000_000", "RESP-ENVELOPE"],
        Verdict::Passed,
    );
    passed.exchanges.push(exchange(
        "250101120000-0000001",
        r#"{"result":{"code":"000_000","message":"성공"},"balance":1200}"#.as_bytes(),
    ));
    let mut row2 = passed.clone();
    row2.id = "features/card_info.feature:7".into();
    row2.name = "A registered card is reported (suspended)".into();

    let mut failed = scenario(
        "features/card_info.feature:42",
        HANGUL_NAME,
        &["CARD-RESP-FIELDS", "CARD-CODE-000_000"],
        Verdict::Failed,
    );
    failed.findings.push(Finding {
        requirement: Some("CARD-RESP-FIELDS".into()),
        class: FailureClass::Contract,
        expected: "cashReceiptInfo.idNo as in the fixtures".into(),
        actual: format!("cashReceiptInfo.idNo \"01077553311\"; {HANGUL_MESSAGE}"),
        schema_errors: vec![SchemaViolation {
            instance_path: "/cashReceiptInfo/idNo".into(),
            keyword: "maxLength".into(),
            message: "value is longer than 20 characters".into(),
        }],
        correlation_id: CID.into(),
    });
    failed.exchanges.push(exchange(
        CID,
        r#"{"result":{"code":"000_000","message":"잔액 <오류>"},"userId":9999999999999999999,"balance":1.10,"cardNo":"9491337711220765","cashReceiptInfo":{"idNo":"01077553311","approvalDiv":"0","manYn":"1"},"userName":"홍캐나리","birthDate":"19750314"}"#.as_bytes(),
    ));
    // A body that is not JSON, and one that is not UTF-8.
    failed.exchanges.push(exchange(
        "250101120000-0000003",
        b"{\"cardNo\": \"9491337711220765\", broken",
    ));
    failed.exchanges.push(exchange(
        "250101120000-0000004",
        b"\xff\xfecardNo=9491337711220765\x00",
    ));

    let mut no_answer = scenario(
        "features/deduction_info.feature:12",
        "An authenticated member is reported",
        &["DED-CODE-000_000"],
        Verdict::Failed,
    );
    no_answer.endpoint = Some("deduction-info".into());
    no_answer.findings.push(Finding {
        requirement: None,
        class: FailureClass::Transport,
        expected: "an HTTP answer".into(),
        actual: "connection failed: Connection refused (os error 111)".into(),
        schema_errors: Vec::new(),
        correlation_id: "250101120000-0000005".into(),
    });

    let mut step_error = scenario(
        "features/bank_account_valid.feature:27",
        "Each documented verification failure has its code (002_003)",
        &["BANK-CODE-002_003"],
        Verdict::Failed,
    );
    step_error.endpoint = Some("bank-account-valid".into());
    step_error.error = Some("the answer has no readable JSON (userName=홍캐나리)".into());

    let mut not_verified = scenario(
        "features/card_info.feature:28",
        "A registered card is reported (max-balance)",
        &["CARD-CODE-000_000"],
        Verdict::NotVerified,
    );
    not_verified.reason = Some("the fixtures have no card in role \"max-balance\"".into());

    let mut observed = scenario(
        "features/headers_and_signing.feature:80",
        "An unknown path is answered",
        &["RESP-CODE-KNOWN"],
        Verdict::Passed,
    );
    observed.endpoint = None;
    observed.observations.push(Observation {
        endpoint: "card-info".into(),
        case: "unknown-path".into(),
        requirement: "RESP-CODE-KNOWN".into(),
        convention: Expected {
            key: "unknown-path".into(),
            status: 404,
            code: "404_000".into(),
            message: "요청한 경로가 없습니다".into(),
            strength: Strength::Convention,
            compatible_codes: Vec::new(),
        },
        observed_status: 404,
        observed_code: Some("999_999".into()),
        observed_message: Some("없는 경로 <path>".into()),
        correlation_id: "250101120000-0000006".into(),
        reading: None,
    });

    let mut untagged = scenario(
        "features/headers_and_signing.feature:99",
        "<script>alert('x')</script>",
        &[],
        Verdict::Failed,
    );
    untagged.error = Some("boom".into());

    RunResults {
        meta: meta(),
        scenarios: vec![
            passed,
            row2,
            not_verified,
            failed,
            no_answer,
            step_error,
            observed,
            untagged,
        ],
    }
}

/// A run whose only failure is `requirement`, in one scenario.
fn only_failing(requirement: &str) -> RunResults {
    let mut s = sample();
    s.scenarios.retain(|s| s.verdict != Verdict::Failed);
    let mut f = scenario(
        "features/bank_account_valid.feature:27",
        "Each documented verification failure has its code (002_003)",
        &[requirement],
        Verdict::Failed,
    );
    f.findings.push(Finding {
        requirement: Some(requirement.into()),
        class: FailureClass::Contract,
        expected: "HTTP 200 code 002_003".into(),
        actual: "HTTP 200 code 000_000".into(),
        schema_errors: Vec::new(),
        correlation_id: CID.into(),
    });
    s.scenarios.push(f);
    s
}

fn all_passing() -> RunResults {
    let mut s = sample();
    s.scenarios.retain(|s| s.verdict != Verdict::Failed);
    s
}

fn execution(results: RunResults) -> Execution {
    Execution {
        contract: kona_conformance::contract::Contract::shared().unwrap(),
        results,
        cucumber: CucumberOutput::default(),
        secrets: vec![Secret::new(echo::ACCESS_KEY), Secret::new(echo::SECRET_KEY)],
    }
}

fn options(dir: &Path, waivers: Option<PathBuf>, baseline: Option<PathBuf>) -> RunOptions {
    RunOptions::resolve(Settings {
        report_dir: Some(dir.to_path_buf()),
        waivers,
        baseline,
        seed: Some(1),
        ..Settings::default()
    })
    .unwrap()
}

/// `KONA_TEST_KEEP_REPORTS=DIR` keeps a copy of the reports for a human to look at.
fn keep(dir: &Path, name: &str) {
    if let Ok(keep) = std::env::var("KONA_TEST_KEEP_REPORTS") {
        let to = Path::new(&keep).join(name);
        std::fs::create_dir_all(&to).unwrap();
        for f in FILES {
            std::fs::copy(dir.join(f), to.join(f)).unwrap();
        }
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (tests, failures, skipped) as the file states them and as counted from its elements,
/// plus every testcase name, failure message and element text (failure bodies, system-out).
struct Junit {
    stated: (usize, usize, usize),
    testcases: usize,
    failures: usize,
    skipped: usize,
    names: Vec<String>,
    messages: Vec<String>,
    properties: Vec<(String, String)>,
}

fn parse_junit(xml: &str) -> Junit {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut j = Junit {
        stated: (0, 0, 0),
        testcases: 0,
        failures: 0,
        skipped: 0,
        names: Vec::new(),
        messages: Vec::new(),
        properties: Vec::new(),
    };
    // Element text arrives as text and entity-reference events; join them.
    let mut text = String::new();
    loop {
        match reader.read_event().expect("junit.xml is well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.attributes()
                        .map(|a| a.expect("well-formed attribute"))
                        .find(|a| a.key.as_ref() == name.as_bytes())
                        .map(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .expect("escaped attribute")
                                .into_owned()
                        })
                };
                match e.name().as_ref() {
                    b"testsuites" => {
                        let n = |k: &str| attr(k).unwrap().parse::<usize>().unwrap();
                        j.stated.0 = n("tests");
                        j.stated.1 = n("failures");
                    }
                    // junit-10.xsd has no `skipped` on testsuites: each suite states its own.
                    b"testsuite" => {
                        j.stated.2 += attr("skipped").unwrap().parse::<usize>().unwrap();
                    }
                    b"testcase" => {
                        j.testcases += 1;
                        j.names.push(attr("name").unwrap());
                    }
                    b"failure" => {
                        j.failures += 1;
                        j.messages.push(attr("message").unwrap());
                    }
                    b"skipped" => {
                        j.skipped += 1;
                        j.messages.push(attr("message").unwrap());
                    }
                    b"property" => {
                        j.properties
                            .push((attr("name").unwrap(), attr("value").unwrap()));
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.decode().expect("UTF-8 text")),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().expect("character reference") {
                    text.push(c);
                } else {
                    let name = r.decode().expect("UTF-8 entity name").into_owned();
                    let entity = quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_else(|| panic!("undeclared entity &{name};"));
                    text.push_str(entity);
                }
            }
            Event::End(_) => {
                if !text.trim().is_empty() {
                    j.messages.push(std::mem::take(&mut text));
                }
                text.clear();
            }
            _ => {}
        }
    }
    j
}

#[test]
fn every_format_is_written_and_hangul_survives() {
    let dir = tempfile::tempdir().unwrap();
    let results = sample();
    let counts = results.counts();
    let code = report::gate(&options(dir.path(), None, None), &execution(results)).unwrap();
    assert_eq!(code, 1, "the sample has unwaived failures");
    keep(dir.path(), "sample");
    for f in FILES {
        assert!(dir.path().join(f).is_file(), "{f} written");
    }

    // junit.xml: parses, counts match the run, Hangul and markup survive escaping.
    let j = parse_junit(&read(dir.path(), "junit.xml"));
    assert_eq!(j.testcases, counts.total());
    assert_eq!(
        j.stated,
        (counts.total(), counts.failed, counts.not_verified)
    );
    assert_eq!(
        (j.failures, j.skipped),
        (counts.failed, counts.not_verified)
    );
    assert!(
        j.names.iter().any(|n| n.starts_with(HANGUL_NAME)),
        "{:?}",
        j.names
    );
    assert!(j.names.iter().any(|n| n.starts_with("<script>")));
    let failure = j
        .messages
        .iter()
        .find(|m| m.starts_with("[CARD-RESP-FIELDS]"))
        .expect("a failure names its requirement");
    assert!(failure.contains(HANGUL_MESSAGE), "{failure}");
    assert!(
        j.messages
            .iter()
            .any(|m| m.contains(&format!("correlation id: {CID}")))
    );
    assert!(
        j.messages
            .iter()
            .any(|m| m.starts_with("not verified: the fixtures have no card"))
    );
    // Run facts are suite properties; a testcase names its scenario in system-out.
    assert!(
        j.properties
            .contains(&("seed".into(), "18446744073709551615".into()))
    );
    let out = j
        .messages
        .iter()
        .find(|m| m.starts_with("scenario: ") && m.contains("requirement: CARD-RESP-FIELDS"))
        .expect("a testcase's system-out lists its requirements");
    assert!(out.contains(&format!("correlation-id: {CID}")), "{out}");

    // results.json: valid against its schema, numbers exact, Hangul intact, masked.
    let text = read(dir.path(), "results.json");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let contract = Contract::shared().unwrap();
    let errors = contract.validate(SCHEMA_FILE, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["format"], "kona-conformance-results/1");
    assert!(
        text.contains("\"userId\": 9999999999999999999"),
        "exact u64"
    );
    assert!(text.contains("\"balance\": 1.10"), "no trip through f64");
    assert!(text.contains("\"seed\": 18446744073709551615"));
    assert!(text.contains(HANGUL_NAME.replace('"', "\\\"").as_str()));
    assert!(text.contains("949133******0765"));
    assert!(text.contains("홍**리"));
    assert!(text.contains("1975****"));
    assert!(text.contains("*******3311"));
    // A run gives a verdict on every server rule; client rules are for verify and
    // certify-client.
    assert_eq!(
        doc["requirements"].as_array().unwrap().len(),
        contract
            .catalogue
            .requirements
            .iter()
            .filter(|r| r.side.is_server())
            .count()
    );
    assert_eq!(doc["outcome"]["exitCode"], 1);

    // report.html: escaped, Hangul intact, failures first.
    let html = read(dir.path(), "report.html");
    assert!(html.contains("카드 정보 조회: 잔액이 &lt;음수&gt; &amp; &quot;따옴표&quot;"));
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt;"));
    assert!(!html.contains("<script"));
    let first_failure = html.find("CARD-RESP-FIELDS").unwrap();
    assert!(first_failure < html.find("id=\"traceability\"").unwrap());
    assert!(html.find(CID).unwrap() < html.find("id=\"endpoints\"").unwrap());

    // summary.md: failures first, with requirement and correlation id.
    let md = read(dir.path(), "summary.md");
    assert!(
        md.starts_with("## KONA conformance: ❌ FAILED (exit 1)"),
        "{md}"
    );
    let failures = md.find("### Failures").unwrap();
    assert!(failures < md.find("### Scenarios per endpoint").unwrap());
    assert!(md.contains(&format!("`{CID}`")));
    assert!(md.contains("`CARD-RESP-FIELDS`"));
    assert!(
        md.contains("잔액 오류 &lt;b&gt;굵게&lt;/b&gt; &amp; 실패했습니다"),
        "{md}"
    );
    // One row per broken requirement, the documented rule beside it.
    assert_eq!(md.matches("| `CARD-RESP-FIELDS` |").count(), 1);
    assert!(md.contains("| `CARD-RESP-FIELDS` | A success carries balance"));

    // Nothing personal or secret anywhere.
    for f in FILES {
        let hits = echo::hits(&std::fs::read(dir.path().join(f)).unwrap());
        assert!(hits.is_empty(), "{f}: {hits:?}");
    }
}

#[test]
fn html_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    report::gate(&options(dir.path(), None, None), &execution(sample())).unwrap();
    let html = read(dir.path(), "report.html");
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script",
        "@import",
        "url(",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "@font-face",
    ] {
        assert!(!lower.contains(banned), "report.html contains {banned}");
    }
    let attr =
        regex::Regex::new(r#"(?i)\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)"#)
            .unwrap();
    for c in attr.captures_iter(&html) {
        let value = c[1].to_ascii_lowercase();
        assert!(
            value.starts_with('#'),
            "report.html references {value:?} outside itself"
        );
    }
    assert!(!lower.contains("src=\"http") && !lower.contains("href=\"http"));
}

#[test]
fn waived_failures_pass_until_they_expire() {
    let today = Utc::now().date_naive();
    let dir = tempfile::tempdir().unwrap();
    let waivers = dir.path().join("waivers.toml");
    let write = |expires: chrono::NaiveDate| {
        std::fs::write(
            &waivers,
            format!(
                "# known deviations\n[[waiver]]\nrequirement = \"BANK-CODE-002_003\"\nreason = \"벤더 티켓 KP-1234: 수정 예정\"\nexpires = \"{expires}\"\n\n[[waiver]]\nrequirement = \"RESP-JSON\"\nreason = \"not needed\"\nexpires = \"{expires}\"\n"
            ),
        )
        .unwrap();
    };
    let out = dir.path().join("out");

    write(today.checked_add_days(Days::new(30)).unwrap());
    let code = report::gate(
        &options(&out, Some(waivers.clone()), None),
        &execution(only_failing("BANK-CODE-002_003")),
    )
    .unwrap();
    assert_eq!(code, 0, "a waived failure does not fail the run");
    let doc: Value = serde_json::from_str(&read(&out, "results.json")).unwrap();
    assert_eq!(doc["outcome"]["verdict"], "passed");
    assert_eq!(doc["waivers"][0]["status"], "applied");
    assert_eq!(doc["waivers"][1]["status"], "not-needed");
    let j = parse_junit(&read(&out, "junit.xml"));
    assert_eq!(j.failures, 0);
    assert!(
        j.messages
            .iter()
            .any(|m| m.starts_with("waived (BANK-CODE-002_003 until"))
    );
    let html = read(&out, "report.html");
    assert!(html.contains("벤더 티켓 KP-1234: 수정 예정"));
    assert!(read(&out, "summary.md").contains("| `BANK-CODE-002_003` | applied |"));

    // Today is the last day it holds.
    write(today);
    let code = report::gate(
        &options(&out, Some(waivers.clone()), None),
        &execution(only_failing("BANK-CODE-002_003")),
    )
    .unwrap();
    assert_eq!(code, 0);

    write(today.checked_sub_days(Days::new(1)).unwrap());
    let code = report::gate(
        &options(&out, Some(waivers.clone()), None),
        &execution(only_failing("BANK-CODE-002_003")),
    )
    .unwrap();
    assert_eq!(code, 1, "an expired waiver fails the run");
    let doc: Value = serde_json::from_str(&read(&out, "results.json")).unwrap();
    assert_eq!(doc["waivers"][0]["status"], "expired");
    let reasons = doc["outcome"]["reasons"].to_string();
    assert!(
        reasons.contains("the waiver for BANK-CODE-002_003 expired on"),
        "{reasons}"
    );
}

#[test]
fn bad_waiver_files_are_usage_errors_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, field) in [
        (
            "w.toml",
            "[[waiver]]\nrequirement = \"NO-SUCH-REQ\"\nreason = \"r\"\nexpires = \"2030-01-01\"\n",
            "waiver[0].requirement",
        ),
        (
            "w.toml",
            "[[waiver]]\nrequirement = \"RESP-JSON\"\nreason = \"r\"\nexpires = \"2030-02-30\"\n",
            "waiver[0].expires",
        ),
        (
            "w.json",
            r#"{"waivers":[{"requirement":"RESP-JSON","reason":"r","expires":"01/02/2030"}]}"#,
            "waivers[0].expires",
        ),
        (
            "w.json",
            r#"{"waivers":[{"requirement":"RESP-JSON","reason":"","expires":"2030-01-01"}]}"#,
            "waivers[0].reason",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = report::gate(
            &options(&dir.path().join("out"), Some(path), None),
            &execution(sample()),
        )
        .unwrap_err();
        assert!(matches!(err, ReportError::Waivers(_)), "{err}");
        assert!(err.to_string().contains(field), "{err}");
    }
}

#[test]
fn the_baseline_catches_regressions_and_lists_improvements() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before");
    assert_eq!(
        report::gate(&options(&before, None, None), &execution(all_passing())).unwrap(),
        0
    );
    let baseline = before.join("results.json");

    let after = dir.path().join("after");
    let code = report::gate(
        &options(&after, None, Some(baseline.clone())),
        &execution(only_failing("CARD-CODE-000_000")),
    )
    .unwrap();
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&read(&after, "results.json")).unwrap();
    assert_eq!(
        doc["baseline"]["newlyFailing"][0]["id"],
        "CARD-CODE-000_000"
    );
    assert_eq!(doc["baseline"]["newlyFailing"][0]["before"], "passed");
    assert!(doc["outcome"]["reasons"].to_string().contains("regression"));
    assert!(read(&after, "summary.md").contains("**newly failing**: `CARD-CODE-000_000`"));
    assert!(read(&after, "report.html").contains("Newly failing (regressions)"));

    // And back: the requirement passes again and is listed as newly passing.
    let failing_baseline = after.join("results.json");
    let again = dir.path().join("again");
    let code = report::gate(
        &options(&again, None, Some(failing_baseline)),
        &execution(all_passing()),
    )
    .unwrap();
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&read(&again, "results.json")).unwrap();
    let passing: Vec<&str> = doc["baseline"]["newlyPassing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(passing.contains(&"CARD-CODE-000_000"), "{passing:?}");

    // Not a results.json: usage error.
    let err = report::gate(
        &options(&again, None, Some(before.join("junit.xml"))),
        &execution(all_passing()),
    )
    .unwrap_err();
    assert!(matches!(err, ReportError::Baseline(_)), "{err}");
}

#[test]
fn a_run_with_nothing_failed_passes_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let code = report::gate(&options(dir.path(), None, None), &execution(all_passing())).unwrap();
    assert_eq!(code, 0);
    let html = read(dir.path(), "report.html");
    assert!(html.contains("Nothing failed."));
    let md = read(dir.path(), "summary.md");
    assert!(md.starts_with("## KONA conformance: ✅ PASSED (exit 0)"));
    assert!(md.contains("never counted as passed"));
}

/// `run` checks waivers and baseline before sending anything: exit 2, field named.
#[test]
fn cli_usage_errors_exit_2_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let waivers = dir.path().join("w.toml");
    std::fs::write(
        &waivers,
        "[[waiver]]\nrequirement = \"RESP-JSON\"\nreason = \"r\"\nexpires = \"2030-13-01\"\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_kona-conformance");
    let out = std::process::Command::new(bin)
        .args([
            "run",
            "--quiet",
            "--base-url",
            "http://127.0.0.1:9/open-api",
        ])
        .arg("--waivers")
        .arg(&waivers)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("waiver[0].expires"), "{stderr}");

    let out = std::process::Command::new(bin)
        .args([
            "run",
            "--quiet",
            "--base-url",
            "http://127.0.0.1:9/open-api",
        ])
        .arg("--baseline")
        .arg(dir.path().join("missing.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("baseline"));
}

/// A real run through cucumber (against a target that echoes everything back): cucumber.json
/// has the Cucumber JSON shape, and every format counts the same scenarios.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_run_formats_agree() {
    let server = echo::start().await;
    let execution = echo::run_suite(&server.base_url(), 3).await;
    let scenarios = execution.results.scenarios.len();
    assert!(scenarios > 50, "the whole suite ran: {scenarios}");
    let counts = execution.results.counts();
    let dir = tempfile::tempdir().unwrap();
    let code = report::gate(&options(dir.path(), None, None), &execution).unwrap();
    assert_eq!(code, 1, "an echoing target is not conformant");

    let cucumber: Value = serde_json::from_str(&read(dir.path(), "cucumber.json")).unwrap();
    let (features, elements, steps) =
        report::cucumber::check_shape(&cucumber).unwrap_or_else(|e| panic!("cucumber.json: {e}"));
    assert_eq!(features, 5);
    assert_eq!(
        elements, scenarios,
        "one element per scenario, outline rows included"
    );
    assert!(steps >= elements);

    let j = parse_junit(&read(dir.path(), "junit.xml"));
    assert_eq!(j.testcases, scenarios);
    assert_eq!(j.stated, (scenarios, counts.failed, counts.not_verified));

    let doc: Value = serde_json::from_str(&read(dir.path(), "results.json")).unwrap();
    let errors = Contract::shared().unwrap().validate(SCHEMA_FILE, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["scenarios"].as_array().unwrap().len(), scenarios);
    assert_eq!(
        doc["counts"]["exchanges"].as_u64().unwrap() as usize,
        execution.results.exchange_count()
    );
}

/// Issue 15's reader budget: a foreign target (other answers wherever the docs are silent)
/// with one documented deviation. The console stays under 200 lines, summary.md under 60;
/// the failure is on the first page of report.html once, with its rule, expected vs actual,
/// the meaning of the answered code per the docs and the correlation id; exchange timings
/// keep microseconds. (The HTML's page count is measured with Chromium, see the README.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_target_with_one_deviation_fits_the_reading_budget() {
    let dir = tempfile::tempdir().unwrap();
    let out = external_run::certified(
        Some(kona_conformance::sandbox::Fault::NameMismatchAsNotFound),
        true,
        dir.path(),
        7,
        false,
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let console = stdout.lines().count() + stderr.lines().count();
    assert!(
        console < 200,
        "{console} console lines:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("observation(s) of behaviour the docs leave open"));

    let md = read(dir.path(), "summary.md");
    assert!(
        md.lines().count() < 60,
        "{} lines:\n{md}",
        md.lines().count()
    );
    assert!(md.contains("| `BANK-CODE-002_003` |"), "{md}");
    // Markdown escapes the underscore; it renders as 002_007.
    assert!(md.contains("002\\_007 is the documented code for"), "{md}");
    assert!(md.contains("### How this target answers what the docs leave open"));

    let html = read(dir.path(), "report.html");
    let first_page = &html[..html.find("id=\"endpoints\"").unwrap()];
    assert_eq!(first_page.matches("<article class=\"failure").count(), 1);
    assert!(first_page.contains("BANK-CODE-002_003"));
    assert!(
        first_page
            .contains("002_007 is the documented code for &quot;Bank account is not found.&quot;"),
        "{first_page}"
    );
    let doc: Value = serde_json::from_str(&read(dir.path(), "results.json")).unwrap();
    let cid = doc["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap())
        .map(|f| f["correlationId"].as_str().unwrap().to_owned())
        .next()
        .expect("one finding");
    assert!(first_page.contains(&cid));
    // Each finding once: the evidence below does not repeat the one on the first page.
    // The one deviation fails both scenarios that exercise 002_003 (the fixture role and the
    // made-up name): one group on the first page, the other finding once in the evidence.
    assert!(first_page.contains("2 findings in 2 scenarios; the first shown"));
    assert_eq!(html.matches("1 further finding(s)").count(), 2);
    assert!(html.contains("<details class=\"exchange\">"));
    assert!(html.contains("How this target answers what the docs leave open"));
    assert!(regex::Regex::new(r"\d+\.\d{3} ms").unwrap().is_match(&html));

    // results.json: exact microseconds beside the whole milliseconds, and valid.
    let errors = Contract::shared().unwrap().validate(SCHEMA_FILE, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let exchange = &doc["scenarios"][0]["exchanges"][0];
    let (us, ms) = (
        exchange["durationUs"].as_u64().unwrap(),
        exchange["durationMs"].as_u64().unwrap(),
    );
    assert_eq!(us / 1000, ms);
}

/// report.html draws two pictures inline (SVG, no script): the answer times, whose bars add
/// up to the answered exchanges, and the requirements per endpoint by verdict, whose bars
/// add up to the requirement counts.
#[test]
fn report_html_draws_answer_times_and_requirement_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let results = sample();
    let answered = results
        .scenarios
        .iter()
        .flat_map(|s| &s.exchanges)
        .filter(|e| e.response.is_some())
        .count();
    report::gate(&options(dir.path(), None, None), &execution(results)).unwrap();
    let html = read(dir.path(), "report.html");
    assert_eq!(html.matches("<svg").count(), 2, "two pictures");
    assert!(!html.to_ascii_lowercase().contains("<script"));
    let doc: Value = serde_json::from_str(&read(dir.path(), "results.json")).unwrap();

    let bin = regex::Regex::new(r#"<g class="bin"><title>[^<]*: (\d+) exchanges</title>"#).unwrap();
    let binned: usize = bin
        .captures_iter(&html)
        .map(|c| c[1].parse::<usize>().unwrap())
        .sum();
    assert!(answered > 0);
    assert_eq!(binned, answered, "every answer in one bar");

    let row = regex::Regex::new(
        r#"<g class="endpoint"><title>[^<]*: (\d+) passed, (\d+) failed, (\d+) not verified</title>"#,
    )
    .unwrap();
    let mut drawn = [0usize; 3];
    for c in row.captures_iter(&html) {
        for (i, n) in drawn.iter_mut().enumerate() {
            *n += c[i + 1].parse::<usize>().unwrap();
        }
    }
    let counts = &doc["counts"]["requirements"];
    assert_eq!(
        drawn,
        [
            counts["passed"].as_u64().unwrap() as usize,
            counts["failed"].as_u64().unwrap() as usize,
            counts["notVerified"].as_u64().unwrap() as usize,
        ],
        "every requirement in one bar"
    );
}

/// Long unbroken target text wraps, on screen and in print: every element that shows target
/// text may break it anywhere, and grid cells may shrink below their content.
#[test]
fn long_unbroken_text_wraps_instead_of_widening_the_page() {
    let css = kona_conformance::report::view::CSS;
    for rule in [
        "dl.failure dd{margin:0;min-width:0;overflow-wrap:anywhere}",
        "td,li,p,dd,summary,code,.headline{overflow-wrap:anywhere}",
        ".cols>*,article{min-width:0;max-width:100%}",
    ] {
        assert!(css.contains(rule), "missing {rule}");
    }
    // The rules are outside @media, so print gets them too.
    let print = css.find("@media print").unwrap();
    assert!(css.find("dl.failure dd{margin:0;min-width:0").unwrap() < print);
}

fn five_files(tag: &str) -> Vec<(String, Vec<u8>)> {
    FILES
        .iter()
        .map(|f| (f.to_string(), format!("{tag} {f}").into_bytes()))
        .collect()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// A full disk (an injected write error) ends with an error naming the folder; the reports
/// already there are left whole and no temporary file is left behind.
#[rstest::rstest]
#[case::first_file(0)]
#[case::third_file(2)]
#[case::last_file(4)]
fn a_failed_write_names_the_folder_and_leaves_no_temporary_file(#[case] failing: usize) {
    let dir = tempfile::tempdir().unwrap();
    report::write_all(dir.path(), &five_files("earlier")).unwrap();
    let mut n = 0;
    let err = report::write_all_with(dir.path(), &five_files("later"), |path, bytes| {
        n += 1;
        if n > failing {
            // Half a file, then the disk is full.
            std::fs::write(path, &bytes[..bytes.len() / 2])?;
            return Err(std::io::Error::from_raw_os_error(28));
        }
        std::fs::write(path, bytes)
    })
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ReportError::Write { .. }), "{err:?}");
    assert!(
        text.contains(&dir.path().display().to_string()) && text.contains("No space left"),
        "{text}"
    );
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    for f in FILES {
        assert_eq!(
            read(dir.path(), f),
            format!("earlier {f}"),
            "{f} was replaced"
        );
    }
}

/// Two runs writing into one folder at once leave one run's complete set, never a mix, and
/// no temporary file.
#[test]
fn two_runs_into_one_folder_leave_one_complete_set() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..20 {
        let writers: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|tag| {
                let dir = dir.path().to_path_buf();
                let tag = format!("{tag}{round}");
                std::thread::spawn(move || report::write_all(&dir, &five_files(&tag)))
            })
            .collect();
        for w in writers {
            w.join().unwrap().unwrap();
        }
        let first = read(dir.path(), FILES[0]);
        let tag = first.split(' ').next().unwrap().to_owned();
        for f in FILES {
            assert_eq!(
                read(dir.path(), f),
                format!("{tag} {f}"),
                "round {round}: mixed"
            );
        }
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }
}

/// A lock left by a run that died (its process is gone) does not block the folder.
#[cfg(target_os = "linux")]
#[test]
fn a_lock_left_by_a_dead_run_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    // A process id far above any the kernel hands out by default.
    std::fs::write(dir.path().join(report::LOCK_FILE), "4194999").unwrap();
    report::write_all(dir.path(), &five_files("after")).unwrap();
    assert_eq!(read(dir.path(), "summary.md"), "after summary.md");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

/// An answer of about 1.1 KB nested 120 levels deep, as a hostile target may send on every
/// exchange: written as a tree, each copy would take tens of kilobytes of indentation.
fn deep_answer() -> Vec<u8> {
    let mut body = String::from(r#"{"response":{"code":"000_000","description":"OK"},"x":"#);
    body.push_str(&"[".repeat(120));
    // Few values (the shape check refuses more than 512), long enough text.
    body.push_str(&format!("{:?}", "가나다".repeat(90)));
    body.push_str(&"]".repeat(120));
    body.push('}');
    body.into_bytes()
}

/// The caps hold for what is written: a deep answer kept on 300 exchanges is written as its
/// compact text, each body within four times its bytes, the reports within a few megabytes.
#[test]
fn a_deep_answer_is_written_within_the_caps() {
    let body = deep_answer();
    assert!((1000..1300).contains(&body.len()), "{}", body.len());
    let mut results = all_passing();
    for s in &mut results.scenarios {
        s.exchanges = (0..30)
            .map(|i| exchange(&format!("250101120000-{i:07}"), &body))
            .collect();
    }
    let exchanges: usize = results.scenarios.iter().map(|s| s.exchanges.len()).sum();
    assert!(exchanges >= 100, "{exchanges}");
    let dir = tempfile::tempdir().unwrap();
    report::gate(&options(dir.path(), None, None), &execution(results)).unwrap();
    let written = read(dir.path(), "results.json");
    let doc: Value = serde_json::from_str(&written).unwrap();
    for e in doc["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["exchanges"].as_array().unwrap())
    {
        let b = &e["response"]["body"];
        assert_eq!(b["kind"], "json-text", "{b}");
        assert_eq!(b["bytes"], body.len());
        assert!(b["text"].as_str().unwrap().len() <= 4 * body.len());
    }
    // Written as trees these bodies alone would take over 30 KB each.
    let as_tree = kona_conformance::report::model::written_len(
        &serde_json::from_slice::<Value>(&body).unwrap(),
    );
    assert!(as_tree > 20 * body.len(), "{as_tree}");
    assert!(
        written.len() < exchanges * 3 * body.len() + 512 * 1024,
        "results.json is {} bytes for {exchanges} exchanges",
        written.len()
    );
}
