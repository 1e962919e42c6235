//! `certify-client` end to end: the binary serves the sandbox, an independent client
//! (`tools/kona-client/kona_client.py --plan`) performs the plan, and the reports say what
//! it got right. A correct client passes every client requirement; each known mistake is
//! diagnosed by name; a client that never follows up leaves those rules not exercised;
//! requests the sandbox cannot read are reported, never a crash.
//!
//! The client needs python3 and `cryptography` (tools/kona-client/requirements.txt). Without
//! them the tests that drive it say they were skipped and why, unless
//! `KONA_CONSUMER_TOOLS` is set (CI), where they fail instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use rstest::rstest;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kona-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CLIENT_RULES: usize = 16;

/// Whether the Python client can run here; panics when CI requires it and it cannot.
fn python_client_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let how = "pip install -r tools/kona-client/requirements.txt";
        assert!(
            std::env::var_os("KONA_CONSUMER_TOOLS").is_none(),
            "KONA_CONSUMER_TOOLS is set but python3 with `cryptography` is missing: {how}"
        );
        eprintln!("SKIPPED: python3 with `cryptography` is needed for the test client; {how}");
    }
    ok
}

/// A running `certify-client` and what it printed.
struct Certifier {
    child: Child,
    dir: tempfile::TempDir,
    base_url: String,
    stdout: Arc<Mutex<String>>,
}

impl Certifier {
    fn start(extra: &[&str]) -> Certifier {
        let dir = tempfile::tempdir().unwrap();
        let plan = dir.path().join("plan.json");
        let report = dir.path().join("report");
        let mut child = Command::new(BIN)
            .args(["certify-client", "--listen", "127.0.0.1:0", "--plan-out"])
            .arg(&plan)
            .arg("--report-dir")
            .arg(&report)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let kept = stdout.clone();
        // Read everything (a full pipe would block the binary), and hand over the base URL.
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("base URL") {
                    let _ = tx.send(url.trim().to_owned());
                }
                let mut s = kept.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let base_url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("certify-client prints its base URL");
        Certifier {
            child,
            dir,
            base_url,
            stdout,
        }
    }

    fn plan(&self) -> PathBuf {
        self.dir.path().join("plan.json")
    }

    fn report(&self, name: &str) -> PathBuf {
        self.dir.path().join("report").join(name)
    }

    fn results(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.report("results.json")).unwrap())
            .unwrap()
    }

    /// Run the test client on the plan with `args`; its output.
    fn client(&self, args: &[&str]) -> String {
        let creds = kona_conformance::sandbox::credentials();
        let out = Command::new("python3")
            .arg(Path::new(ROOT).join("tools/kona-client/kona_client.py"))
            .arg("--plan")
            .arg(self.plan())
            .arg("--client-public-key")
            .arg(Path::new(ROOT).join("test-keys/client-public.pem"))
            .args(args)
            .env("KONA_ASP_ID", creds.asp_id)
            .env("KONA_ACCESS_KEY", creds.access_key.expose())
            .env("KONA_SECRET_KEY", creds.secret_key.expose())
            .env("KONA_CRYPTO_KEY_ID", creds.crypto_key_id)
            .env(
                "KONA_SERVER_PUBLIC_KEY",
                Path::new(ROOT).join("test-keys/server-public.pem"),
            )
            .env(
                "KONA_CLIENT_PRIVATE_KEY",
                Path::new(ROOT).join("test-keys/client-private.pem"),
            )
            .output()
            .expect("python3 runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains("Traceback"),
            "the test client crashed:\n{text}"
        );
        text
    }

    /// Stop it with SIGTERM (unless it ended on its own) and wait: the exit code.
    fn stop(&mut self) -> i32 {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
        }
        self.wait()
    }

    /// Wait for it to end (at most a minute): the exit code.
    fn wait(&mut self) -> i32 {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
                assert!(!err.contains("panicked"), "{err}");
                return status.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!(
            "certify-client did not end:\n{}",
            self.stdout.lock().unwrap()
        );
    }

    fn printed(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn addr(&self) -> String {
        let rest = self.base_url.strip_prefix("http://").unwrap();
        rest.split('/').next().unwrap().to_owned()
    }
}

impl Drop for Certifier {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn verdicts(results: &Value) -> Vec<(String, String)> {
    results["requirements"]
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

fn verdict_of(results: &Value, id: &str) -> String {
    verdicts(results)
        .into_iter()
        .find(|(r, _)| r == id)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{id} has no verdict"))
}

/// Every finding's `actual` text in results.json.
fn actuals(results: &Value) -> String {
    let mut out = String::new();
    for s in results["scenarios"].as_array().unwrap() {
        for f in s["findings"].as_array().into_iter().flatten() {
            out.push_str(f["actual"].as_str().unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// The node consumers `tests/consumers.rs` uses, when installed (required under CI).
fn consumers_accept(report: &Path) {
    let tools = Path::new(ROOT).join("tools/consumers");
    if !tools.join("node_modules").is_dir() {
        assert!(
            std::env::var_os("KONA_CONSUMER_TOOLS").is_none(),
            "KONA_CONSUMER_TOOLS is set but tools/consumers is not installed"
        );
        eprintln!("SKIPPED the node consumers: npm ci --prefix tools/consumers");
        return;
    }
    for (kind, file) in [("cucumber", "cucumber.json"), ("junit", "junit.xml")] {
        let out = Command::new("node")
            .arg(tools.join("check.mjs"))
            .arg(kind)
            .arg(report.join(file))
            .output()
            .expect("node runs");
        assert!(
            out.status.success(),
            "the {kind} consumer rejected {file}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_correct_client_gets_every_client_requirement_passed() {
    if !python_client_ready() {
        return;
    }
    let mut c = Certifier::start(&[]);
    let said = c.client(&[]);
    assert!(!said.contains("unexpected"), "{said}");
    assert_eq!(c.wait(), 0, "{}", c.printed());
    let results = c.results();
    let client: Vec<(String, String)> = verdicts(&results)
        .into_iter()
        .filter(|(id, _)| id.starts_with("CLIENT-"))
        .collect();
    assert_eq!(client.len(), CLIENT_RULES, "{client:?}");
    for (id, verdict) in &client {
        assert_eq!(verdict, "passed", "{id}\n{}", c.printed());
    }
    let printed = c.printed();
    assert!(printed.contains("every task is done"), "{printed}");
    assert!(!printed.contains("not done"), "{printed}");
    for file in [
        "results.json",
        "junit.xml",
        "cucumber.json",
        "summary.md",
        "report.html",
        "journal.ndjson",
    ] {
        assert!(c.report(file).is_file(), "{file}");
    }
    consumers_accept(&c.dir.path().join("report"));
    // Nothing secret in any report or the journal; card numbers masked.
    let creds = kona_conformance::sandbox::credentials();
    let plan = std::fs::read_to_string(c.plan()).unwrap();
    let card =
        serde_json::from_str::<Value>(&plan).unwrap()["tasks"][1]["request"]["body"]["cardNo"]
            .as_str()
            .unwrap()
            .to_owned();
    for file in [
        "results.json",
        "summary.md",
        "report.html",
        "journal.ndjson",
    ] {
        let text = std::fs::read_to_string(c.report(file)).unwrap();
        for leak in [
            creds.secret_key.expose(),
            creds.access_key.expose(),
            "KMV1:2",
            card.as_str(),
        ] {
            assert!(!text.contains(leak), "{file} holds {leak}");
        }
    }
    // The journal is an exchange log `verify` reads.
    let out = Command::new(BIN)
        .args(["verify", "--quiet"])
        .arg(c.report("journal.ndjson"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("8 exchange(s) read"), "{err}");
}

#[rstest]
#[case::hmac_reserialized("hmac-reserialized", "hmac-reserialized")]
#[case::hmac_pretty("hmac-pretty", "hmac-pretty")]
#[case::hmac_base64("hmac-base64", "hmac-base64")]
#[case::hmac_plaintext("hmac-plaintext", "hmac-plaintext")]
#[case::hex_mac("hex-mac", "hex-mac")]
#[case::token_66("token-66", "token-66")]
#[case::token_time_14("token-time-14", "token-time-14")]
#[case::tran_time_17("tran-time-17", "tran-time-17")]
#[case::utc_as_kst("utc-as-kst", "utc-as-kst")]
#[case::jwe_wrong_key("jwe-wrong-key", "jwe-wrong-key")]
#[case::jwe_rsa_oaep_sha1("jwe-rsa-oaep-sha1", "jwe-rsa-oaep-sha1")]
#[case::no_crypto_key_id("no-crypto-key-id", "no-crypto-key-id")]
#[case::bad_correlation_id("bad-correlation-id", "bad-correlation-id")]
#[case::no_content_type("no-content-type", "no-content-type")]
fn each_known_mistake_is_diagnosed_by_name(#[case] switch: &str, #[case] diagnosis: &str) {
    if !python_client_ready() {
        return;
    }
    let mut c = Certifier::start(&["--until", "60s", "--quiet"]);
    c.client(&["--mistake", switch]);
    let code = c.stop();
    assert!(code == 1 || code == 143, "exit {code}\n{}", c.printed());
    let named = format!("likely mistake {diagnosis}:");
    assert!(
        c.printed().contains(&named),
        "the live output names {diagnosis}:\n{}",
        c.printed()
    );
    let results = c.results();
    assert!(
        actuals(&results).contains(&named),
        "results.json names {diagnosis}:\n{}",
        actuals(&results)
    );
    let summary = std::fs::read_to_string(c.report("summary.md")).unwrap();
    assert!(summary.contains(diagnosis), "summary.md names {diagnosis}");
}

#[test]
fn a_client_that_never_follows_up_leaves_decryption_and_error_handling_not_exercised() {
    if !python_client_ready() {
        return;
    }
    let mut c = Certifier::start(&[]);
    c.client(&["--mistake", "skip-follow-up"]);
    assert_eq!(c.stop(), 143, "stopped with tasks left\n{}", c.printed());
    let results = c.results();
    for id in ["CLIENT-JWE-DECRYPT", "CLIENT-ERROR-HANDLING"] {
        assert_eq!(verdict_of(&results, id), "not-verified", "{id}");
    }
    assert_eq!(verdict_of(&results, "CLIENT-TOKEN-HMAC"), "passed");
    let printed = c.printed();
    assert!(
        printed.contains("decrypt-answer         not done"),
        "{printed}"
    );
}

#[test]
fn a_rejected_request_resent_unchanged_fails_error_handling() {
    if !python_client_ready() {
        return;
    }
    let mut c = Certifier::start(&["--until", "60s"]);
    c.client(&["--mistake", "resend-unchanged"]);
    // Stopped with a task left: the exit code says so; the reports say what failed.
    assert_eq!(c.stop(), 143, "{}", c.printed());
    let results = c.results();
    assert_eq!(verdict_of(&results, "CLIENT-ERROR-HANDLING"), "failed");
    assert!(actuals(&results).contains("resent it unchanged"));
}

/// Raw bytes to the sandbox; whatever comes back (or nothing). Garbage is followed by a
/// closed write side, so the HTTP layer gives up on it; a request is left open, as a
/// client's is, so it is answered.
fn raw(addr: &str, bytes: &[u8]) -> Vec<u8> {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let _ = s.write_all(bytes);
    if !bytes.starts_with(b"GET ") && !bytes.starts_with(b"POST ") {
        let _ = s.shutdown(std::net::Shutdown::Write);
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn requests_the_sandbox_cannot_read_are_judged_and_reported_never_a_crash() {
    let mut c = Certifier::start(&[]);
    let addr = c.addr();
    // Not HTTP at all.
    raw(
        &addr,
        b"\x16\x03\x01\x02\x00garbage that is no request\r\n\r\n",
    );
    // A body over the 64 KiB limit.
    let big = vec![b'{'; 70 * 1024];
    let mut req = format!(
        "POST /open-api/api/v1/user/card/info HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        big.len()
    )
    .into_bytes();
    req.extend_from_slice(&big);
    let answer = raw(&addr, &req);
    assert!(
        answer.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // A garbage JWE with every header wrong, and a path no endpoint has.
    let body = br#"{"encData":"a.b.c.d.e"}"#;
    let mut req = format!(
        "POST /open-api/api/v1/user/card/info HTTP/1.1\r\nHost: {addr}\r\nX-KM-Crypto-Key-Id: x\r\nX-KM-Tran-Token: KMV1:\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw(&addr, &req);
    let answer = raw(
        &addr,
        format!("GET /nowhere HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert!(
        answer.starts_with(b"HTTP/1.1 404"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(c.stop(), 143, "{}", c.printed());
    let printed = c.printed();
    assert!(
        printed.contains("not an HTTP request the sandbox can read"),
        "{printed}"
    );
    assert!(printed.contains("over the sandbox's limit"), "{printed}");
    assert!(printed.contains("no endpoint has this path"), "{printed}");
    let results = c.results();
    let reasons: String = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["reason"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(reasons.contains("not an HTTP request"), "{reasons}");
    assert!(reasons.contains("over the sandbox's limit"), "{reasons}");
    assert_eq!(verdict_of(&results, "CLIENT-JWE-FORM"), "failed");
    assert_eq!(verdict_of(&results, "CLIENT-JWE-DECRYPT"), "not-verified");
}
