//! `kona-conformance sandbox` as a user runs it: flags, printed credentials, serving, and a
//! clean stop on Ctrl-C.

use crate::support::sandbox as support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use kona_conformance::sandbox::{credentials, seeded_fixtures};
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_kona-conformance");
const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn write_fixtures_writes_the_seeded_data_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.json");
    let (code, out, err) = run(&["sandbox", "--write-fixtures", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        seeded_fixtures().to_json()
    );
}

#[test]
fn bad_flags_are_usage_errors_that_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("alt.json");
    std::fs::write(
        &bad,
        r#"[{"key":"unknown-card","endpoint":"card-info","status":"422"}]"#,
    )
    .unwrap();
    let (code, _, err) = run(&["sandbox", "--conventions", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("alt.json") && err.contains("[0].status"),
        "{err}"
    );

    let (code, _, err) = run(&["sandbox", "--fault", "bogus"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bogus") && err.contains("accept-any-token"),
        "{err}"
    );

    let (code, _, err) = run(&["sandbox", "--bank-time", "24:10"]);
    assert_eq!(code, 2);
    assert!(err.contains("HH:MM"), "{err}");

    let (code, out, _) = run(&["sandbox", "--help"]);
    assert_eq!(code, 0);
    for word in [
        "--listen",
        "--fault",
        "--conventions",
        "--bank-time",
        "--write-fixtures",
        "no-correlation-echo",
    ] {
        assert!(out.contains(word), "help lacks {word}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn serves_with_the_given_options_until_ctrl_c() {
    let alt = format!("{REPO}/fixtures/alternative-conventions.json");
    let mut child = Command::new(BIN)
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--bank-time",
            "23:45",
            "--conventions",
            &alt,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let creds = credentials();
    for value in [
        &creds.asp_id,
        creds.access_key.expose(),
        creds.secret_key.expose(),
        &creds.crypto_key_id,
    ] {
        assert!(printed.contains(value), "{printed}");
    }
    assert!(printed.contains("--write-keys DIR"), "{printed}");
    let base = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("base URL"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/open-api"),
        "{base}"
    );

    let origin = base.trim_end_matches("/open-api").to_owned();
    kona_conformance::client::target::install_crypto_provider();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let send = |endpoint: &'static str, body: String| {
        Req::to_origin(&client, &origin, endpoint)
            .json(&body)
            .send()
    };
    let bank =
        serde_json::to_string(seeded_fixtures().role("bankAccounts", "valid").unwrap()).unwrap();
    // --bank-time 23:45: inside the night window.
    let reply = send(BANK, bank).await;
    assert_eq!((reply.status, reply.code()), (400, "002_006".to_owned()));
    // --conventions: the alternative code for an unknown card.
    let unknown = format!(
        r#"{{"cardNo":"{}"}}"#,
        seeded_fixtures().role("cards", "unknown").unwrap()["cardNo"]
            .as_str()
            .unwrap()
    );
    let reply = send(CARD, unknown).await;
    assert_eq!((reply.status, reply.code()), (404, "802_002".to_owned()));

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}
