//! Certifying a target with only what its vendor publishes (issue 14). The embedded sandbox,
//! started on its own and told about the vendor's public card and bank account, stands in for a faithful
//! foreign target and is certified through `--base-url`, like tests/observations.rs:
//! - with `fixtures/vendor-sandbox.json` as shipped, 44 of the catalogue's 54 requirements
//!   are verified (passed or failed), and the run passes;
//! - a pass through another reading of the docs does not count as verifying the rule the
//!   scenario expected;
//! - with an empty fixtures file, every header, signature and encryption requirement is
//!   verified, from synthesized requests;
//! - `fixtures explain` reports exactly the requirements such a run verifies.

use crate::support::external_run;
use external_run::SandboxCredentials;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kona_conformance::contract::Contract;
use kona_conformance::sandbox::{Sandbox, SandboxConfig, Variant};
use serde_json::{Value, json};

fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

const PUBLIC_CARD: &str = "9491339401250765";

/// A contract extension whose sandbox records add what the vendor publishes about its
/// sandbox to the embedded sandbox's own records, so the sandbox answers for them as the
/// vendor's does: the public card (ACTIVE, its serviceId, mapped to a member) and the bank
/// test member's account. The member id and Hangul name the vendor does not publish are
/// made up here; the harness never learns them.
fn with_public_data(dir: &Path) -> &'static Contract {
    with_public_data_mapped_to(dir, None)
}

/// [`with_public_data`], the public card mapped to `user_id` instead of its member.
fn with_public_data_mapped_to(dir: &Path, user_id: Option<Value>) -> &'static Contract {
    let embedded: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest("fixtures/embedded-sandbox.json")).unwrap(),
    )
    .unwrap();
    let mut card = embedded["collections"]["cards"]["roles"]["active"].clone();
    card["cardNo"] = json!(PUBLIC_CARD);
    card["cardStatus"] = json!("ACTIVE");
    card["serviceId"] = json!("000170000002000");
    if let Some(user_id) = user_id {
        card["userId"] = user_id;
    }
    let account = json!({
        "bankCode": "003",
        "bankAccount": "333015555557",
        "birthDate": "19751112",
        "userId": 8_112_233_445_566_778_899_u64,
        "userName": "김공개"
    });
    let records = json!({
        "format": "kona-conformance-fixtures/2",
        "collections": {"cards": {"pool": [card]}, "bankAccounts": {"pool": [account]}}
    });
    std::fs::write(dir.join("catalogue.json"), r#"{"extends": "embedded"}"#).unwrap();
    std::fs::write(dir.join("sandbox-records.json"), records.to_string()).unwrap();
    Contract::resolve(Some(dir)).expect("the extension loads")
}

/// What the public data cannot reach: each needs a record the vendor does not publish
/// (a bank test account per answer, the bank member's id and name, an unmapped card).
const NEEDS_PRIVATE_DATA: [&str; 10] = [
    "CARD-RESP-UNMAPPED-NULL",
    "BANK-CODE-000_000",
    "BANK-CODE-002_002",
    "BANK-CODE-002_004",
    "BANK-CODE-002_006",
    "BANK-CODE-002_008",
    "BANK-CODE-002_009",
    "BANK-BEFORE-HOURS-UNCODED",
    "BANK-PROCESSING-DELAY",
    "BANK-NON-PARTICIPATING",
];

/// `run --base-url` against `sandbox` with `fixtures`; the report folder's results.json.
async fn certify(sandbox: &Sandbox, fixtures: &Path, report: &Path) -> (Output, Value) {
    let base_url = sandbox.base_url();
    let (fixtures, report_dir) = (fixtures.to_owned(), report.to_owned());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
            .args(["run", "--quiet", "--base-url", &base_url])
            .arg("--fixtures")
            .arg(&fixtures)
            .args(["--profile", "sandbox", "--concurrency", "8"])
            .args(["--rate-limit", "5000", "--generated", "30", "--seed", "14"])
            .arg("--report-dir")
            .arg(&report_dir)
            .sandbox_credentials()
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    let results = std::fs::read_to_string(report.join("results.json")).unwrap_or_default();
    (
        output,
        serde_json::from_str(&results).unwrap_or(Value::Null),
    )
}

/// The shipped vendor template certified against a sandbox serving `config`, which must
/// pass: its results.json and the folder holding the reports.
async fn certify_template(config: SandboxConfig) -> (Value, tempfile::TempDir) {
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let report = tempfile::tempdir().unwrap();
    let template = manifest("fixtures/vendor-sandbox.json");
    let (output, results) = certify(&sandbox, &template, report.path()).await;
    sandbox.shutdown().await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "a target that reads the docs legitimately passes:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (results, report)
}

/// The entry of `list` (`scenarios` or `requirements`) whose `key` is `value`.
fn entry<'r>(results: &'r Value, list: &str, key: &str, value: &str) -> &'r Value {
    results[list]
        .as_array()
        .and_then(|l| l.iter().find(|e| e[key] == value))
        .unwrap_or_else(|| panic!("no {list} entry with {key} {value:?}"))
}

/// Requirements the run verified: passed or failed, never "not verified".
fn verified(results: &Value) -> BTreeSet<String> {
    results["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["verdict"] != "not-verified")
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

fn explain(fixtures: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["fixtures", "explain"])
        .arg(fixtures)
        .output()
        .expect("the binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The requirement ids `fixtures explain` lists as not verified.
fn explained_missing(text: &str) -> BTreeSet<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("not verified: "))
        .map(|l| l.split(", ").map(str::to_owned).collect())
        .unwrap_or_default()
}

fn all_requirements() -> BTreeSet<String> {
    Contract::shared()
        .unwrap()
        .catalogue
        .requirements
        .iter()
        .filter(|r| r.side.is_server())
        .map(|r| r.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vendor_template_verifies_44_of_54_requirements_and_explain_agrees() {
    let contract_dir = tempfile::tempdir().unwrap();
    let contract = with_public_data(contract_dir.path());
    let (results, report) = certify_template(SandboxConfig::certifying(contract)).await;
    let all = all_requirements();
    assert_eq!(all.len(), 54);
    let verified = verified(&results);
    // Issue 14 asks for 45. The public data reaches 44 honestly: the member through the
    // public card's answer, three bank answers through the public account; each of the
    // other ten needs a record the vendor does not publish.
    let missing: BTreeSet<String> = all.difference(&verified).cloned().collect();
    let expected: BTreeSet<String> = NEEDS_PRIVATE_DATA.map(str::to_owned).into();
    assert_eq!(missing, expected);
    assert_eq!(verified.len(), 44);
    // The planner's answer is the run's answer.
    let text = explain(&manifest("fixtures/vendor-sandbox.json"));
    assert_eq!(explained_missing(&text), missing, "{text}");
    assert!(
        text.contains(&format!("verified: {} of 54 requirements", verified.len())),
        "{text}"
    );
    // Every not-verified reason in the report names the role that unlocks it.
    let summary = std::fs::read_to_string(report.path().join("summary.md")).unwrap();
    assert!(
        summary.contains("### Not verified, by what would unlock them")
            && summary.contains("add members.authed to the fixtures"),
        "{summary}"
    );
}

/// A target whose bank check also compares the member id (a reading the docs allow,
/// errata E34) answers the made-up member's name check with 002_005: the run passes, the
/// answer is observed under the synthesized-record reading, and 002_003 is not counted as
/// verified, because its rule was never exercised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_through_another_reading_does_not_verify_the_expected_rule() {
    let contract_dir = tempfile::tempdir().unwrap();
    let contract = with_public_data(contract_dir.path());
    let mut config = SandboxConfig::certifying(contract);
    config.variants = vec![Variant::BankChecksMemberId];
    let (results, _report) = certify_template(config).await;
    let scenario = entry(
        &results,
        "scenarios",
        "name",
        "A name other than the holder's is not matched",
    );
    assert_eq!(scenario["verdict"], "passed", "{scenario}");
    let observation = &scenario["observations"][0];
    assert_eq!(observation["reading"], "synthesized-record", "{scenario}");
    assert_eq!(observation["observedCode"], "002_005", "{scenario}");
    let requirement = entry(&results, "requirements", "id", "BANK-CODE-002_003");
    assert_eq!(requirement["verdict"], "not-verified", "{requirement}");
    assert!(
        requirement["reason"]
            .as_str()
            .is_some_and(|r| r.contains("002_005") && r.contains("synthesized-record")),
        "{requirement}"
    );
    // The other bank answers the public account reaches are still verified.
    let verified = verified(&results);
    for id in ["BANK-CODE-002_005", "BANK-CODE-002_007", "DED-CODE-000_000"] {
        assert!(verified.contains(id), "{id}");
    }
}

/// The member is found through the card's answer only when that answer names one the
/// member inquiry takes: an unmapped card (userId null) or a card mapped to userId 0 (which
/// card/info allows and deduction/info refuses, errata E19) leaves the scenario not verified,
/// saying why, and fails nothing.
#[rstest::rstest]
#[case::unmapped(Value::Null, "has no userId")]
#[case::user_id_zero(json!(0), "whose userId the deduction-info request refuses")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_that_names_no_usable_member_leaves_the_member_scenario_not_verified(
    #[case] user_id: Value,
    #[case] reason: &str,
) {
    let contract_dir = tempfile::tempdir().unwrap();
    let contract = with_public_data_mapped_to(contract_dir.path(), Some(user_id));
    let (results, _report) = certify_template(SandboxConfig::certifying(contract)).await;
    let scenario = entry(
        &results,
        "scenarios",
        "name",
        "The member a registered card is mapped to is found",
    );
    assert_eq!(scenario["verdict"], "not-verified", "{scenario}");
    let why = scenario["reason"].as_str().unwrap_or_default();
    assert!(
        why.starts_with("asking card-info about the card \"active\"") && why.contains(reason),
        "{why}"
    );
    // The question it asked is kept as evidence.
    assert_eq!(
        scenario["exchanges"][0]["endpoint"], "card-info",
        "{scenario}"
    );
    assert!(!verified(&results).contains("DED-CODE-000_000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_records_every_header_signature_and_encryption_requirement_is_verified() {
    let sandbox = Sandbox::start(SandboxConfig::for_certification())
        .await
        .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, r#"{"format": "kona-conformance-fixtures/2"}"#).unwrap();
    let report = tempfile::tempdir().unwrap();
    let (output, results) = certify(&sandbox, &empty, report.path()).await;
    sandbox.shutdown().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let verified = verified(&results);
    let wanted: Vec<String> = all_requirements()
        .into_iter()
        .filter(|id| id.starts_with("HDR-") || id.starts_with("ENC-"))
        .collect();
    assert!(wanted.len() >= 15, "{wanted:?}");
    for id in &wanted {
        assert!(verified.contains(id), "{id} not verified:\n{stdout}");
    }
    // Every report groups what stays not verified by the role that would unlock it: the
    // scenarios a bank account "valid" would unlock share one line, whatever their wording.
    let summary = std::fs::read_to_string(report.path().join("summary.md")).unwrap();
    let lines: Vec<&str> = summary
        .lines()
        .filter(|l| l.contains("add bankAccounts.valid to the fixtures"))
        .collect();
    assert_eq!(lines.len(), 1, "{summary}");
    assert!(
        lines[0].starts_with("- 7 scenarios: ") && lines[0].contains("bankAccounts.known lacks"),
        "{summary}"
    );
    let text = explain(&empty);
    let missing = explained_missing(&text);
    for id in &wanted {
        assert!(
            !missing.contains(id),
            "explain says {id} is not verified:\n{text}"
        );
    }
}

#[test]
fn explain_sorts_missing_roles_by_what_they_unlock() {
    let text = explain(&manifest("fixtures/vendor-sandbox.json"));
    let gains: Vec<(usize, usize)> = text
        .lines()
        .filter_map(|l| {
            let (_, rest) = l.trim().split_once(": +")?;
            let (reqs, rest) = rest
                .split_once(" requirements, ")
                .or_else(|| rest.split_once(" requirement, "))?;
            let scenarios = rest.split(' ').next()?;
            Some((reqs.parse().ok()?, scenarios.parse().ok()?))
        })
        .collect();
    assert!(!gains.is_empty(), "{text}");
    assert!(
        gains.windows(2).all(|w| w[0] >= w[1]),
        "not sorted by value: {gains:?}\n{text}"
    );
    assert!(text.contains("members.authed: +"), "{text}");
    // The card the template has unlocks nothing more.
    assert!(!text.contains("cards.active:"), "{text}");
}

#[test]
fn explain_refuses_a_fixtures_file_with_an_unknown_known_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.json");
    std::fs::write(
        &file,
        r#"{"format": "kona-conformance-fixtures/2", "collections": {"bankAccounts": {"known": {"bankAcount": "1"}}}}"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["fixtures", "explain"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bankAccounts.known.bankAcount"), "{stderr}");
}
