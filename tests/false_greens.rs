//! No false greens: a run that would certify nothing, or certify something that is not the
//! API, is a usage error (exit 2) or an unreachable target (exit 3), naming the cause.

#[path = "support/external_run.rs"]
mod external_run;
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
