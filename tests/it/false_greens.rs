//! No false greens: a run that would certify nothing, or certify something that is not the
//! API, is a usage error (exit 2) or an unreachable target (exit 3), naming the cause.

use crate::support::external_run;
use external_run::SandboxCredentials;
use std::path::PathBuf;
use std::process::{Command, Output};

fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn kona(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kona-conformance"));
    command.args(args);
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn tags_that_select_no_scenario_exit_2() {
    let output = kona(&["run", "--quiet", "--tags", "@nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains(r#"--tags "@nope" selects no scenario"#),
        "{}",
        text(&output)
    );
}

#[test]
fn a_run_that_can_verify_nothing_exits_2() {
    let output = kona(&["run", "--quiet", "--tags", "@generated", "--generated", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let said = text(&output);
    assert!(said.contains("can be verified on this target"), "{said}");
    assert!(said.contains("--generated 0"), "{said}");
}

#[test]
fn a_fixtures_role_no_scenario_uses_exits_2_naming_the_nearest() {
    let fixtures: serde_json::Value =
        serde_json::from_slice(&std::fs::read(manifest("fixtures/embedded-sandbox.json")).unwrap())
            .unwrap();
    let text_of = fixtures.to_string();
    assert!(
        text_of.contains(r#""active":"#),
        "the seeded fixtures have an active card"
    );
    let typo = text_of.replacen(r#""active":"#, r#""actve":"#, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixtures.json");
    std::fs::write(&path, typo).unwrap();
    let output = kona(&["run", "--quiet", "--fixtures", path.to_str().unwrap()])
        .output()
        .unwrap();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains("actve"), "{said}");
    assert!(said.contains(r#"did you mean "active"?"#), "{said}");
}

/// A server that answers every request with a bare 404: what a host serves when the base
/// path is left out of --base-url.
async fn bare_404_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { axum::http::StatusCode::NOT_FOUND });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_that_serves_no_api_exits_3_with_a_hint() {
    let (base_url, server) = bare_404_server().await;
    let output = tokio::task::spawn_blocking({
        let base_url = base_url.clone();
        move || {
            kona(&["run", "--quiet", "--base-url", &base_url])
                .args([
                    "--fixtures",
                    manifest("fixtures/embedded-sandbox.json").to_str().unwrap(),
                ])
                .sandbox_credentials()
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    server.abort();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert!(
        said.contains(&format!(
            "no KONA PLATE API at this URL: did you mean {base_url}/open-api?"
        )),
        "{said}"
    );
}

// Issue 21: no hollow greens. Each fault below is certified as a foreign target through
// `run --base-url`, the way a user meets it, and must fail the run, said in words.

use kona_conformance::sandbox::{Fault, Sandbox, SandboxConfig, Variant};
use rstest::rstest;
use serde_json::Value;

fn results_json(dir: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

/// Every finding of a results.json naming `requirement`, as "expected / actual" text.
fn findings_for(results: &Value, requirement: &str) -> Vec<String> {
    results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap())
        .filter(|f| f["requirement"] == requirement)
        .map(|f| format!("{} / {}", f["expected"], f["actual"]))
        .collect()
}

#[rstest]
#[case::a_documented_code_with_the_wrong_message(
    Fault::WrongErrorMessage,
    "CARD-CODE-000_002",
    "a documented code must carry the message the docs pair with it"
)]
#[case::one_bank_account_closed_while_the_bank_answers(
    Fault::OneAccountClosed,
    "BANK-CODE-000_000",
    "the same bank answered"
)]
#[case::duplicate_member_names(
    Fault::DuplicateMemberNames,
    "RESP-JSON",
    r#"the member \"code\" twice in the object"#
)]
#[case::a_token_checked_over_a_reserialized_body(
    Fault::TokenOverReserializedBody,
    "DED-CODE-000_000",
    "HTTP 401"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_a_reading_could_hide_fails_the_run(
    #[case] fault: Fault,
    #[case] requirement: &str,
    #[case] said: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let output = external_run::certified(Some(fault), false, dir.path(), 3, true).await;
    let results = results_json(dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let found = findings_for(&results, requirement);
    assert!(
        found.iter().any(|f| f.contains(said)),
        "{fault}: no {requirement} finding saying {said:?}: {found:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_bank_names_both_exchanges_and_duplicate_values_stay_in_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    external_run::certified(Some(Fault::OneAccountClosed), false, dir.path(), 3, true).await;
    let found = findings_for(&results_json(dir.path()), "BANK-CODE-000_000");
    assert!(
        found
            .iter()
            .any(|f| f.matches("correlation id").count() == 2),
        "{found:#?}"
    );

    let dir = tempfile::tempdir().unwrap();
    external_run::certified(
        Some(Fault::DuplicateMemberNames),
        false,
        dir.path(),
        3,
        true,
    )
    .await;
    let results = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    // The parsed value keeps one "code"; the text as received keeps both.
    assert!(results.contains(r#"\"code\":\"999_999\",\"code\":\"000_000\""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_refuses_everything_alike_verifies_no_rejection_rule() {
    let dir = tempfile::tempdir().unwrap();
    // Not quiet: the progress lines said "ok" for the rejections as they finished, and the
    // console must then say which verdicts the run's own evidence changed.
    let output = external_run::certified(Some(Fault::RejectAll), false, dir.path(), 3, false).await;
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("every request was refused alike: check the base URL and credentials"),
        "{said}"
    );
    assert!(
        said.contains("changed verdict once the run's own evidence was weighed")
            && said.contains("is now not verified"),
        "{said}"
    );
    let results = results_json(dir.path());
    let negative: Vec<&Value> = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "negative")
        })
        .collect();
    assert!(!negative.is_empty());
    assert!(
        negative.iter().all(|s| s["verdict"] != "passed"),
        "a rejection passed"
    );
    assert!(negative.iter().any(|s| {
        s["reason"]
            .as_str()
            .is_some_and(|r| r.contains("tells requests apart"))
    }));
}

#[rstest]
#[case::below_the_floor("46", Some(1))]
#[case::a_share_below_the_floor("90%", Some(1))]
#[case::at_the_floor("45", Some(0))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn min_verified_fails_a_run_that_verified_too_little(
    #[case] floor: &'static str,
    #[case] exit: Option<i32>,
) {
    // Every bank closed: a legitimate target, 45 of 54 requirements verified.
    let sandbox = Sandbox::start(SandboxConfig {
        variants: vec![Variant::BankClosed],
        ..SandboxConfig::for_certification()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (base_url, path) = (sandbox.base_url(), dir.path().to_owned());
    let output = tokio::task::spawn_blocking(move || {
        external_run::certify_with(&base_url, &path, 3, true, &["--min-verified", floor])
    })
    .await
    .unwrap();
    sandbox.shutdown().await;
    let said = text(&output);
    assert_eq!(output.status.code(), exit, "{said}");
    if exit == Some(1) {
        assert!(
            said.contains("45 of 54 requirements verified, fewer than the floor"),
            "{said}"
        );
        assert!(
            said.contains("BANK-CODE-000_000: the target answered 002_006"),
            "{said}"
        );
    }
}
