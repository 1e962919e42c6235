//! Undocumented behaviour is observed, not asserted, on targets other than the embedded
//! sandbox. Proof: a sandbox started with an alternative set of conventions (other codes,
//! messages and statuses for every undocumented case, the same documented behaviour)
//! - passes the full suite when certified with --base-url as an external target, and every
//!   convention case shows up as an observation;
//! - fails the convention scenarios when the same sandbox is treated as the embedded target.

use crate::support::external_run;
use external_run::SandboxCredentials;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use kona_conformance::contract::{Contract, Strength};
use kona_conformance::runner::NoProgress;
use kona_conformance::runner::plan;
use kona_conformance::runner::results::Verdict;
use kona_conformance::runner::suite::{SuiteOptions, run_suite};
use kona_conformance::sandbox::{Sandbox, SandboxConfig, load_conventions};

fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

async fn alternative_sandbox() -> Sandbox {
    let conventions = load_conventions(&manifest("fixtures/alternative-conventions.json"))
        .expect("the alternative conventions load");
    let catalogue = &Contract::shared().unwrap().catalogue;
    // Every convention really differs, or the proof proves nothing.
    for c in &catalogue.conventions {
        let alt = conventions
            .iter()
            .find(|a| a.key == c.key && a.endpoint == c.endpoint);
        let alt = alt.unwrap_or_else(|| panic!("no alternative for {}", c.key));
        assert_ne!(alt.code, c.code, "{}", c.key);
        assert_ne!(alt.message, c.message, "{}", c.key);
    }
    Sandbox::start(SandboxConfig {
        conventions,
        ..SandboxConfig::for_certification()
    })
    .await
    .expect("sandbox starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_target_with_other_conventions_passes_and_is_observed() {
    let sandbox = alternative_sandbox().await;
    let report = tempfile::tempdir().unwrap();
    let output = tokio::task::spawn_blocking({
        let base_url = sandbox.base_url();
        let report = report.path().to_owned();
        move || {
            Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
                .args(["run", "--quiet", "--base-url", &base_url])
                .args([
                    "--fixtures",
                    manifest("fixtures/embedded-sandbox.json").to_str().unwrap(),
                ])
                .args([
                    "--profile",
                    "sandbox",
                    "--concurrency",
                    "8",
                    "--rate-limit",
                    "5000",
                ])
                .args(["--generated", "60", "--seed", "11"])
                .arg("--report-dir")
                .arg(&report)
                .sandbox_credentials()
                .output()
                .expect("the binary runs")
        }
    })
    .await
    .unwrap();
    sandbox.shutdown().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "external run against other conventions must pass:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("observation(s) of behaviour the docs leave open"),
        "{stdout}"
    );
    // Every convention the features exercise is observed with the alternative code.
    let catalogue = &Contract::shared().unwrap().catalogue;
    for key in [
        "missing-header",
        "malformed-header",
        "unknown-credentials",
        "token-mismatch",
        "stale-tran-time",
        "undecryptable-body",
        "unknown-crypto-key",
        "unknown-member",
        "unknown-card",
        "before-hours-uncoded",
        "processing-delay",
        "non-participating",
    ] {
        assert!(stdout.contains(key), "no observation of {key}:\n{stdout}");
        assert!(catalogue.conventions.iter().any(|c| c.key == key));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_sandbox_as_embedded_target_fails_the_convention_scenarios() {
    let sandbox = alternative_sandbox().await;
    let contract = Contract::shared().unwrap();
    let execution = run_suite(
        kona_conformance::sandbox::embedded_target(&sandbox.base_url()),
        kona_conformance::sandbox::seeded_fixtures(),
        plan::load_features(None).unwrap(),
        &SuiteOptions::full(5, 30),
        Arc::new(NoProgress),
    )
    .await;
    sandbox.shutdown().await;
    let results = execution.expect("the suite runs").results;
    let convention = |id: &String| {
        contract
            .catalogue
            .requirement(id)
            .is_some_and(|r| r.strength == Strength::Convention)
    };
    let failed: Vec<_> = results
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
        .collect();
    assert!(!failed.is_empty(), "the convention scenarios must fail");
    let failed_requirements: BTreeSet<&String> = failed
        .iter()
        .flat_map(|s| s.findings.iter().filter_map(|f| f.requirement.as_ref()))
        .collect();
    for r in &failed_requirements {
        assert!(convention(r), "a documented requirement failed: {r}");
    }
    for s in &results.scenarios {
        let any_convention = s.requirements.iter().any(convention);
        if !any_convention {
            assert_eq!(s.verdict, Verdict::Passed, "{} {}", s.id, s.name);
        }
    }
}

/// Undocumented members beside the data and inside the envelope pass (errata E26), and each
/// is recorded and shown as an observation of what this target adds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_extra_member_passes_and_is_an_observation() {
    let sandbox = Sandbox::start(SandboxConfig {
        variants: vec![kona_conformance::sandbox::Variant::ExtraFields],
        ..SandboxConfig::for_certification()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (base_url, path) = (sandbox.base_url(), dir.path().to_owned());
    let output =
        tokio::task::spawn_blocking(move || external_run::certify(&base_url, &path, 5, true))
            .await
            .unwrap();
    sandbox.shutdown().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    let cases: BTreeSet<String> = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["observations"].as_array().unwrap())
        .filter_map(|o| o["case"].as_str().map(str::to_owned))
        .collect();
    for member in ["serverRegion", "response.traceId"] {
        assert!(
            cases.contains(&format!("undocumented member {member}")),
            "{member}: {cases:?}"
        );
    }
    assert!(stdout.contains("undocumented-member"), "{stdout}");
}
