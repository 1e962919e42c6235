//! Certifying a target with only what its vendor publishes (issue 14). The embedded sandbox,
//! started on its own and told about the vendor's public card, stands in for a faithful
//! foreign target and is certified through `--base-url`, like tests/observations.rs:
//! - with `fixtures/vendor-sandbox.json` as shipped, 39 of the catalogue's 54 requirements
//!   are verified (passed or failed), and the run passes;
//! - with an empty fixtures file, every header, signature and encryption requirement is
//!   verified, from synthesized requests;
//! - `fixtures explain` reports exactly the requirements such a run verifies.

#[path = "support/external_run.rs"]
mod external_run;
use external_run::SandboxCredentials;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kona_conformance::contract::Contract;
use kona_conformance::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

const PUBLIC_CARD: &str = "9491339401250765";

/// A contract extension whose sandbox records add the vendor's public card (ACTIVE, its
/// published serviceId) to the embedded sandbox's own, so the sandbox answers for it as
/// the vendor's does.
fn with_public_card(dir: &Path) -> &'static Contract {
    let embedded: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest("fixtures/embedded-sandbox.json")).unwrap(),
    )
    .unwrap();
    let mut card = embedded["collections"]["cards"]["roles"]["active"].clone();
    card["cardNo"] = json!(PUBLIC_CARD);
    card["cardStatus"] = json!("ACTIVE");
    card["serviceId"] = json!("000170000002000");
    let records = json!({
        "format": "kona-conformance-fixtures/2",
        "collections": {"cards": {"pool": [card]}}
    });
    std::fs::write(dir.join("catalogue.json"), r#"{"extends": "embedded"}"#).unwrap();
    std::fs::write(dir.join("sandbox-records.json"), records.to_string()).unwrap();
    Contract::resolve(Some(dir)).expect("the extension loads")
}

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
        .map(|r| r.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vendor_template_verifies_39_of_54_requirements_and_explain_agrees() {
    let contract_dir = tempfile::tempdir().unwrap();
    let contract = with_public_card(contract_dir.path());
    let sandbox = Sandbox::start(SandboxConfig::certifying(contract))
        .await
        .expect("sandbox starts");
    let report = tempfile::tempdir().unwrap();
    let template = manifest("fixtures/vendor-sandbox.json");
    let (output, results) = certify(&sandbox, &template, report.path()).await;
    sandbox.shutdown().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a faithful target passes:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all = all_requirements();
    assert_eq!(all.len(), 54);
    let verified = verified(&results);
    // Issue 14 asks for 45; what the public data reaches honestly is 39: the other 15 need a
    // real member, the unmapped card or a bank test account (see `fixtures explain`).
    assert!(
        verified.len() >= 39,
        "only {} of 54 verified: {verified:?}",
        verified.len()
    );
    // The planner's answer is the run's answer.
    let text = explain(&template);
    let missing: BTreeSet<String> = all.difference(&verified).cloned().collect();
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
            let (reqs, rest) = rest.split_once(" requirements, ")?;
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
