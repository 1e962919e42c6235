//! Traffic this harness did not send: `verify` on HAR and exchange logs recorded from an
//! independent client (tools/kona-client, Python) talking to the embedded sandbox, faithful
//! and with faults on either side, and `proxy` between that client and the sandbox.
//!
//! The client needs python3 with `cryptography`; without them the tests say so and pass,
//! unless KONA_CONSUMER_TOOLS is set (CI), where they fail.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kona_conformance::sandbox::{Fault, Sandbox, SandboxConfig};
use rstest::rstest;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kona-conformance");

fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Whether the Python client can run here; `false` only when it may be skipped.
fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("KONA_CONSUMER_TOOLS").is_none(),
            "python3 with cryptography is needed (pip install -r tools/kona-client/requirements.txt)"
        );
        eprintln!("SKIPPED: python3 with cryptography is not installed");
    }
    ok
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn sandbox(fault: Option<Fault>) -> Sandbox {
    let mut config = SandboxConfig::for_certification();
    config.fault = fault;
    Sandbox::start(config).await.expect("the sandbox starts")
}

/// The sandbox's records by role, as `sandbox --write-fixtures` gives them to a client.
fn record(collection: &str, role: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixtures.json");
    let out = Command::new(BIN)
        .args(["sandbox", "--write-fixtures"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let all: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    all["collections"][collection]["roles"][role].clone()
}

/// One request the client makes.
struct Call {
    endpoint: &'static str,
    body: String,
    encrypt: bool,
    mistakes: Vec<&'static str>,
}

fn call(endpoint: &'static str, body: Value, encrypt: bool) -> Call {
    Call {
        endpoint,
        body: body.to_string(),
        encrypt,
        mistakes: Vec::new(),
    }
}

fn client(base_url: &str) -> Command {
    let keys = manifest("test-keys");
    let c = kona_conformance::sandbox::credentials();
    let mut cmd = Command::new("python3");
    cmd.arg(manifest("tools/kona-client/kona_client.py"))
        .args(["--base-url", base_url])
        .env("KONA_ASP_ID", &c.asp_id)
        .env("KONA_ACCESS_KEY", c.access_key.expose())
        .env("KONA_SECRET_KEY", c.secret_key.expose())
        .env("KONA_CRYPTO_KEY_ID", &c.crypto_key_id)
        .env("KONA_SERVER_PUBLIC_KEY", keys.join("server-public.pem"))
        .env("KONA_CLIENT_PRIVATE_KEY", keys.join("client-private.pem"));
    cmd
}

/// Make `calls` against `base_url`, recording them into `ndjson` and `har`.
fn make(base_url: &str, calls: &[Call], ndjson: &Path, har: &Path) {
    for c in calls {
        let mut cmd = client(base_url);
        cmd.args(["--endpoint", c.endpoint, "--body", &c.body])
            .arg("--record-ndjson")
            .arg(ndjson)
            .arg("--record-har")
            .arg(har)
            .arg("--client-public-key")
            .arg(manifest("test-keys/client-public.pem"));
        if c.encrypt {
            cmd.arg("--encrypt");
        }
        for m in &c.mistakes {
            cmd.args(["--mistake", m]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "the client failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn verify(files: &[&Path], report_dir: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .arg("verify")
        .args(files)
        .arg("--report-dir")
        .arg(report_dir)
        .args(extra)
        .env_remove("KONA_SECRET_KEY")
        .env_remove("KONA_CLIENT_PRIVATE_KEY")
        .output()
        .unwrap()
}

fn verdicts(report_dir: &Path) -> BTreeMap<String, String> {
    let doc: Value =
        serde_json::from_slice(&std::fs::read(report_dir.join("results.json")).unwrap()).unwrap();
    doc["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The requests of an integration that does everything right.
fn faithful_calls() -> Vec<Call> {
    let card = record("cards", "active");
    let member = record("members", "authed");
    let account = record("bankAccounts", "valid");
    vec![
        call(
            "card-info",
            serde_json::json!({"cardNo": card["cardNo"]}),
            false,
        ),
        call(
            "card-info",
            serde_json::json!({"cardNo": card["cardNo"]}),
            true,
        ),
        call(
            "deduction-info",
            serde_json::json!({"userId": member["userId"]}),
            true,
        ),
        call("bank-account-valid", account, false),
    ]
}

/// Add an exchange to a path no endpoint has, to each capture.
fn add_unknown_path(ndjson: &Path, har: &Path) {
    let first = std::fs::read_to_string(ndjson).unwrap();
    let mut line: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    line["request"]["url"] = "http://127.0.0.1:9/open-api/api/v1/user/other".into();
    let mut all = first.clone();
    all.push_str(&line.to_string());
    all.push('\n');
    std::fs::write(ndjson, all).unwrap();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(har).unwrap()).unwrap();
    let mut entry = doc["log"]["entries"][0].clone();
    entry["request"]["url"] = "http://127.0.0.1:9/open-api/api/v1/user/other".into();
    doc["log"]["entries"].as_array_mut().unwrap().push(entry);
    std::fs::write(har, doc.to_string()).unwrap();
}

#[test]
fn a_faithful_capture_verifies_with_exit_0_in_both_formats_and_lists_unknown_paths() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ndjson, har) = (dir.path().join("c.ndjson"), dir.path().join("c.har"));
    runtime().block_on(async {
        let sb = sandbox(None).await;
        let url = sb.base_url();
        tokio::task::spawn_blocking({
            let (ndjson, har) = (ndjson.clone(), har.clone());
            move || make(&url, &faithful_calls(), &ndjson, &har)
        })
        .await
        .unwrap();
        sb.shutdown().await;
    });
    add_unknown_path(&ndjson, &har);
    let mut seen = Vec::new();
    for (file, name) in [(&ndjson, "ndjson"), (&har, "har")] {
        let reports = dir.path().join(name);
        let out = verify(&[file], &reports, &["--sandbox-keys"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            text(&out).contains("5 exchange(s) read, 4 judged, 1 to unknown paths"),
            "{}",
            text(&out)
        );
        let v = verdicts(&reports);
        for id in [
            "CLIENT-TOKEN-HMAC",
            "CLIENT-JWE-KEY",
            "CLIENT-BODY-SCHEMA",
            "CLIENT-TRAN-TIME-CLOCK",
            "RESP-CORRELATION-ECHO",
            "ENC-RESPONSE",
            "CARD-RESP-FIELDS",
            "DED-RESP-ISAUTHED",
        ] {
            assert_eq!(v[id], "passed", "{id} in {name}: {v:?}");
        }
        // A rule the traffic never reached is not verified, never passed.
        assert_eq!(v["CLIENT-JWE-DECRYPT"], "not-verified");
        assert_eq!(v["BANK-CODE-002_003"], "not-verified");
        let results = std::fs::read_to_string(reports.join("results.json")).unwrap();
        assert!(
            results.contains("POST /open-api/api/v1/user/other ×1"),
            "{results}"
        );
        assert!(results.contains("\"source\": \"capture\""));
        seen.push(v);
    }
    assert_eq!(
        seen[0], seen[1],
        "HAR and NDJSON of the same traffic judge alike"
    );
}

#[rstest]
#[case::token_over_reserialized_body(None, "hmac-reserialized", false, "CLIENT-TOKEN-HMAC")]
#[case::token_without_padding(None, "token-66", false, "CLIENT-TOKEN-FORM")]
#[case::tran_time_of_17_digits(None, "tran-time-17", false, "CLIENT-TRAN-TIME-FORM")]
#[case::utc_clock_sent_as_kst(None, "utc-as-kst", false, "CLIENT-TRAN-TIME-CLOCK")]
#[case::jwe_for_the_wrong_key(None, "jwe-wrong-key", true, "CLIENT-JWE-KEY")]
#[case::jwe_with_sha1(None, "jwe-rsa-oaep-sha1", true, "CLIENT-JWE-FORM")]
#[case::no_crypto_key_id(None, "no-crypto-key-id", true, "CLIENT-JWE-KEY-ID")]
#[case::uuid_correlation_id(None, "bad-correlation-id", false, "CLIENT-HDR-CORRELATION-ID")]
#[case::no_correlation_echo(Some("no-correlation-echo"), "", false, "RESP-CORRELATION-ECHO")]
#[case::no_service_name(Some("no-service-name"), "", false, "CARD-RESP-FIELDS")]
#[case::balance_as_string(Some("balance-as-string"), "", false, "CARD-RESP-FIELDS")]
#[case::answer_for_the_wrong_key(Some("wrong-encryption-key"), "", true, "ENC-RESPONSE")]
#[case::wrong_success_message(Some("wrong-success-message"), "", false, "CARD-CODE-000_000")]
fn each_fault_is_caught_and_named(
    #[case] fault: Option<&str>,
    #[case] mistake: &'static str,
    #[case] encrypt: bool,
    #[case] requirement: &str,
) {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ndjson, har) = (dir.path().join("c.ndjson"), dir.path().join("c.har"));
    let card = record("cards", "active");
    let mut c = call(
        "card-info",
        serde_json::json!({"cardNo": card["cardNo"]}),
        encrypt,
    );
    if !mistake.is_empty() {
        c.mistakes.push(mistake);
    }
    runtime().block_on(async {
        let sb = sandbox(fault.map(|f| f.parse().unwrap())).await;
        let url = sb.base_url();
        tokio::task::spawn_blocking({
            let (ndjson, har) = (ndjson.clone(), har.clone());
            move || make(&url, &[c], &ndjson, &har)
        })
        .await
        .unwrap();
        sb.shutdown().await;
    });
    let reports = dir.path().join("r");
    let out = verify(&[&ndjson], &reports, &["--sandbox-keys"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(requirement), "{}", text(&out));
    assert_eq!(verdicts(&reports)[requirement], "failed");
}

#[test]
fn bad_records_are_named_by_file_and_line_and_the_rest_is_judged() {
    let dir = tempfile::tempdir().unwrap();
    let (request, answer) = (
        r#"{"cardNo":"9410064130111814"}"#,
        r#"{"response":{"code":"000_000","description":"Success."}}"#,
    );
    let good = serde_json::json!({
        "format": "kona-conformance-exchange/1",
        "request": {"method": "POST", "url": "http://h/open-api/api/v1/user/card/info",
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "body": {"text": request, "size": request.len()}},
        "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
            "body": {"text": answer, "size": answer.len()}}
    });
    let mut wrong_size = good.clone();
    wrong_size["request"]["body"]["size"] = 30.into();
    let log = dir.path().join("mixed.ndjson");
    std::fs::write(
        &log,
        format!(
            "{good}\n{{\"format\": \"kona-conformance-exchange/1\", \"oops\": 1}}\n{wrong_size}\n{{\"format\": \"kona-conf"
        ),
    )
    .unwrap();
    let not_har = dir.path().join("not-a-har.json");
    std::fs::write(&not_har, br#"{"hello": "world"}"#).unwrap();
    let truncated = dir.path().join("cut.har");
    std::fs::write(
        &truncated,
        br#"{"log": {"version": "1.2", "entries": [{"startedDateTime": "2026-12-07T01:02:03Z", "request": {"#,
    )
    .unwrap();
    let out = verify(&[&log, &not_har, &truncated], &dir.path().join("r"), &[]);
    let said = text(&out);
    // Judged (one exchange read), so not exit 2; the client side of that one exchange fails.
    assert_ne!(out.status.code(), Some(2), "{said}");
    for place in [
        format!("{} line 2", log.display()),
        format!("{} line 3", log.display()),
        format!("{} line 4", log.display()),
    ] {
        let results = std::fs::read_to_string(dir.path().join("r/results.json")).unwrap();
        assert!(results.contains(&place), "{place} not named:\n{results}");
    }
    assert!(said.contains("1 exchange(s) read"), "{said}");

    // Nothing readable at all: exit 2, each file named.
    let out = verify(&[&not_har, &truncated], &dir.path().join("r2"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not-a-har.json"), "{}", text(&out));
    assert!(text(&out).contains("cut.har"), "{}", text(&out));
}

#[test]
fn verify_masks_credentials_cookies_and_personal_data_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let canaries = [
        "Bearer canary-authorization-7f3e",
        "session=canary-cookie-91ab",
        "canary-secret-key-value-0042",
        "9410999988887777",
        "홍길순",
        "19841225",
        "canary-access-key-000000000000000000000x",
    ];
    let body = serde_json::json!({
        "bankAccount": "110123456789", "bankCode": "004", "birthDate": canaries[5],
        "userId": 12, "userName": canaries[4]
    })
    .to_string();
    let answer = format!(
        "{{\"response\":{{\"code\":\"000_000\",\"description\":\"Success\"}},\"cardNo\":\"{}\",\"note\":\"{}\"}}",
        canaries[3], canaries[2]
    );
    let line = serde_json::json!({
        "format": "kona-conformance-exchange/1",
        "startedAt": "2026-12-07T01:02:03Z",
        "request": {"method": "POST", "url": "https://kona.example/open-api/api/v1/bankaccounts/user/valid",
            "headers": [
                {"name": "Authorization", "value": canaries[0]},
                {"name": "Cookie", "value": canaries[1]},
                {"name": "X-KM-Access-Key", "value": canaries[6]},
                {"name": "X-KM-Tran-Token", "value": format!("KMV1:20261207100203000:{}", "A".repeat(43) + "=")},
                {"name": "Content-Type", "value": "application/json"}],
            "body": {"text": body, "size": body.len()}},
        "response": {"status": 200, "headers": [
                {"name": "Set-Cookie", "value": canaries[1]},
                {"name": "Content-Type", "value": "application/json"}],
            "body": {"text": answer, "size": answer.len()}}
    });
    let log = dir.path().join("c.ndjson");
    std::fs::write(&log, format!("{line}\n")).unwrap();
    let reports = dir.path().join("r");
    let out = Command::new(BIN)
        .arg("verify")
        .arg(&log)
        .arg("--report-dir")
        .arg(&reports)
        .env("KONA_SECRET_KEY", canaries[2])
        .env_remove("KONA_CLIENT_PRIVATE_KEY")
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    let mut outputs = vec![("stdout+stderr".to_owned(), text(&out).into_bytes())];
    for entry in std::fs::read_dir(&reports).unwrap() {
        let path = entry.unwrap().path();
        outputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    assert!(outputs.len() >= 6, "five reports and the console");
    for (name, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        for canary in canaries {
            assert!(!text.contains(canary), "{canary:?} reached {name}");
        }
    }
}

/// A relay between the proxy and the sandbox that keeps what reached it.
async fn relay(
    upstream: String,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>,
) {
    use axum::extract::{Request, State};
    type Seen = std::sync::Arc<std::sync::Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;
    let seen: Seen = Default::default();
    kona_conformance::client::target::install_crypto_provider();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let app = axum::Router::new()
        .fallback(
            |State((seen, client, upstream)): State<(Seen, reqwest::Client, String)>,
             req: Request| async move {
                let (parts, body) = req.into_parts();
                let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                let headers: Vec<(String, String)> = parts
                    .headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                seen.lock().unwrap().push((headers.clone(), bytes.to_vec()));
                let mut out = client.post(format!("{upstream}{}", parts.uri.path()));
                for (n, v) in &headers {
                    if n != "host" && n != "content-length" {
                        out = out.header(n, v);
                    }
                }
                let answer = out.body(bytes).send().await.unwrap();
                let status = answer.status();
                let headers = answer.headers().clone();
                let body = answer.bytes().await.unwrap();
                let mut reply = axum::http::Response::builder().status(status);
                for (n, v) in headers.iter() {
                    if n != "content-length" && n != "transfer-encoding" {
                        reply = reply.header(n, v);
                    }
                }
                reply.body(axum::body::Body::from(body)).unwrap()
            },
        )
        .with_state((seen.clone(), client, upstream));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

#[test]
fn proxy_forwards_unchanged_journals_what_reverifies_alike_and_leaks_nothing() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sent_log = dir.path().join("sent.ndjson");
    let journal = dir.path().join("journal.ndjson");
    let live_reports = dir.path().join("live");
    let rt = runtime();
    let (seen, proxy_out) = rt.block_on(async {
        let sb = sandbox(None).await;
        let origin = sb.base_url().trim_end_matches("/open-api").to_owned();
        let (relay_url, seen) = relay(origin).await;
        let mut proxy = std::process::Command::new(BIN)
            .args([
                "proxy",
                "--upstream",
                &relay_url,
                "--listen",
                "127.0.0.1:0",
                "--sandbox-keys",
            ])
            .arg("--journal")
            .arg(&journal)
            .arg("--report-dir")
            .arg(&live_reports)
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(proxy.stderr.take().unwrap());
        // Lines about an outbound proxy may come first.
        let mut first = String::new();
        while !first.contains("listening on ") {
            first.clear();
            assert!(err.read_line(&mut first).unwrap() > 0, "the proxy ended");
        }
        let addr = first
            .split("listening on ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("{first}"))
            .to_owned();
        let mut calls = faithful_calls();
        let mut wrong = call(
            "card-info",
            serde_json::json!({"cardNo": record("cards", "active")["cardNo"]}),
            false,
        );
        wrong.mistakes.push("hmac-reserialized");
        calls.push(wrong);
        let base = format!("{addr}/open-api");
        let sent_log2 = sent_log.clone();
        let har = dir.path().join("sent.har");
        tokio::task::spawn_blocking(move || make(&base, &calls, &sent_log2, &har))
            .await
            .unwrap();
        // SIGTERM, as a CI job's end sends it.
        let _ = Command::new("kill")
            .args(["-TERM", &proxy.id().to_string()])
            .status();
        let status = proxy.wait().unwrap();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        sb.shutdown().await;
        (seen, (status, first + &rest))
    });
    let (status, said) = proxy_out;
    assert_eq!(
        status.code(),
        Some(1),
        "the reserialized token fails: {said}"
    );
    assert!(said.contains("failed CLIENT-TOKEN-HMAC"), "{said}");

    // The relay got the bytes and headers the client sent.
    let sent: Vec<Value> = std::fs::read_to_string(&sent_log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), sent.len());
    for (line, (headers, body)) in sent.iter().zip(seen.iter()) {
        assert_eq!(
            line["request"]["body"]["text"].as_str().unwrap().as_bytes(),
            body.as_slice()
        );
        for h in line["request"]["headers"].as_array().unwrap() {
            let name = h["name"].as_str().unwrap().to_ascii_lowercase();
            let got = headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str());
            assert_eq!(got, h["value"].as_str(), "{name}");
        }
    }

    // The journal, judged again, gives the live verdicts.
    let again = dir.path().join("again");
    let out = verify(&[&journal], &again, &["--sandbox-keys"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(verdicts(&live_reports), verdicts(&again));
    assert_eq!(verdicts(&again)["CLIENT-TOKEN-HMAC"], "failed");
    assert_eq!(verdicts(&again)["CARD-RESP-FIELDS"], "passed");
    let compared = Command::new(BIN)
        .arg("compare")
        .arg(&live_reports)
        .arg(&again)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(compared.status.code(), Some(0), "{}", text(&compared));

    // No credential or personal value in the journal or any report.
    let c = kona_conformance::sandbox::credentials();
    let card = record("cards", "active")["cardNo"]
        .as_str()
        .unwrap()
        .to_owned();
    let account = record("bankAccounts", "valid");
    let canaries = [
        c.secret_key.expose().to_owned(),
        c.access_key.expose().to_owned(),
        card,
        account["bankAccount"].as_str().unwrap().to_owned(),
        account["userName"].as_str().unwrap().to_owned(),
        account["birthDate"].as_str().unwrap().to_owned(),
    ];
    let mut files = vec![journal.clone()];
    for d in [&live_reports, &again] {
        files.extend(std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()));
    }
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for canary in &canaries {
            assert!(
                !text.contains(canary.as_str()),
                "{canary:?} reached {}",
                f.display()
            );
        }
    }
    assert!(!said.contains(c.secret_key.expose()));
}

#[test]
fn a_runs_own_journal_verifies_with_no_server_rule_failed() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let out = Command::new(BIN)
        .args([
            "run",
            "--quiet",
            "--seed",
            "1",
            "--generated",
            "50",
            "--report-dir",
        ])
        .arg(&run_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = run_dir.join("journal.ndjson");
    assert!(
        journal.is_file(),
        "run writes its journal beside the reports"
    );
    let again = dir.path().join("again");
    let out = verify(&[&journal], &again, &["--sandbox-keys"]);
    // The run sends requests that break client rules on purpose (its negative scenarios), so
    // client rules may fail; no server rule may, and none may fail only because the journal
    // is redacted.
    let v = verdicts(&again);
    let failed: Vec<&String> = v
        .iter()
        .filter(|(id, verdict)| !id.starts_with("CLIENT-") && verdict.as_str() == "failed")
        .map(|(id, _)| id)
        .collect();
    assert!(failed.is_empty(), "{failed:?}\n{}", text(&out));
    for id in ["RESP-CORRELATION-ECHO", "RESP-ENVELOPE", "RESP-CODE-KNOWN"] {
        assert_eq!(v[id], "passed", "{id}");
    }
    assert_ne!(v["CARD-RESP-FIELDS"], "failed");
    // The journal holds no token to recompute: the MAC is not verified, never passed.
    assert_eq!(v["CLIENT-TOKEN-HMAC"], "not-verified");
}

#[test]
fn without_keys_the_rules_that_need_them_are_not_verified_never_passed() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ndjson, har) = (dir.path().join("c.ndjson"), dir.path().join("c.har"));
    let card = record("cards", "active");
    let calls = vec![call(
        "card-info",
        serde_json::json!({"cardNo": card["cardNo"]}),
        true,
    )];
    runtime().block_on(async {
        let sb = sandbox(None).await;
        let url = sb.base_url();
        tokio::task::spawn_blocking({
            let (ndjson, har) = (ndjson.clone(), har.clone());
            move || make(&url, &calls, &ndjson, &har)
        })
        .await
        .unwrap();
        sb.shutdown().await;
    });
    let reports = dir.path().join("r");
    // `verify` removes KONA_SECRET_KEY and KONA_CLIENT_PRIVATE_KEY from its environment.
    let out = verify(&[&ndjson], &reports, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = verdicts(&reports);
    // The MAC, the server's key and the encrypted answer's inside were never evaluated.
    for id in [
        "CLIENT-TOKEN-HMAC",
        "CLIENT-JWE-KEY",
        "CLIENT-BODY-SCHEMA",
        "CARD-RESP-FIELDS",
        "ENC-RESPONSE",
    ] {
        assert_eq!(v[id], "not-verified", "{id}: {v:?}");
    }
    // What the line does show is judged.
    assert_eq!(v["CLIENT-TOKEN-FORM"], "passed");
    assert_eq!(v["CLIENT-JWE-FORM"], "passed");
}
