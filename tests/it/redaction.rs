//! Redaction by construction, end to end: run the whole suite with canary credentials and
//! canary personal data, then search every byte the run wrote (the five report files, and
//! for the command-line runs stdout and stderr too) for the canaries. Zero hits.
//!
//! The hostile target (tests/support/echo.rs) echoes every header and decrypted body back,
//! in JSON, in response headers, encrypted, and in bodies that are not JSON or not UTF-8,
//! together with the secret key and the client's private key: the worst a target can do.

use crate::support::echo;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use kona_conformance::client::{KonaClient, TargetKind, TransportOptions};
use kona_conformance::contract::Contract;
use kona_conformance::report::{self, FILES};
use kona_conformance::runner::config::{Profile, RunOptions, Settings};
use kona_conformance::runner::plan::{self, PlanOptions};
use kona_conformance::runner::{self, EngineOptions, NoProgress};
use kona_conformance::sandbox::{self, Sandbox, SandboxConfig};
use kona_conformance::steps::RunContext;

/// Search `bytes` (named `what`) for the echo target's canaries; return the bytes searched.
fn assert_clean(what: &str, bytes: &[u8]) -> usize {
    assert_clean_of(what, bytes, &echo_canaries())
}

fn echo_canaries() -> Vec<String> {
    echo::secret_canaries()
        .into_iter()
        .chain(echo::personal_canaries())
        .collect()
}

fn assert_clean_of(what: &str, bytes: &[u8], canaries: &[String]) -> usize {
    let hits = echo::hits_of(bytes, canaries);
    assert!(
        hits.is_empty(),
        "{what} leaks: {hits:?}\n--- first 2000 bytes ---\n{}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(2000)])
    );
    bytes.len()
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

fn search_dir(dir: &Path) -> usize {
    search_dir_of(dir, &echo_canaries())
}

fn search_dir_of(dir: &Path, canaries: &[String]) -> usize {
    let mut searched = 0;
    for f in FILES {
        let bytes = std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        searched += assert_clean_of(f, &bytes, canaries);
    }
    // The journal of every exchange, when the run wrote one into the folder.
    let journal = dir.join(kona_conformance::capture::journal::FILE_NAME);
    let journaled = journal.exists();
    if journaled {
        let bytes = std::fs::read(&journal).unwrap();
        searched += assert_clean_of("journal.ndjson", &bytes, canaries);
    }
    // Nothing else was left behind (temporary files included).
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        FILES.len() + usize::from(journaled),
        "{names:?}"
    );
    searched
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_run_against_a_hostile_target_leaks_nothing() {
    let server = echo::start().await;
    let execution = echo::run_suite(&server.base_url(), 5).await;

    // The canaries really went over the wire and came back: the test is not vacuous.
    let raw: String = execution
        .results
        .scenarios
        .iter()
        .flat_map(|s| s.exchanges.iter())
        .map(|e| {
            let mut s = format!("{:?}", e.request_headers);
            s.push_str(&String::from_utf8_lossy(
                e.request_plaintext.as_deref().unwrap_or(&e.request_body),
            ));
            if let Some(r) = &e.response {
                s.push_str(&String::from_utf8_lossy(&r.body));
                s.push_str(&format!("{:?}", r.headers));
                if let Some(Ok(p)) = &r.plaintext {
                    s.push_str(&String::from_utf8_lossy(p));
                }
            }
            s
        })
        .collect();
    let raw_hits = echo::hits(raw.as_bytes());
    for canary in [
        echo::ACCESS_KEY,
        echo::SECRET_KEY,
        "9491337711220765",
        "홍캐나리",
    ] {
        assert!(
            raw_hits.iter().any(|(c, _)| c == canary),
            "{canary} was never sent or echoed: {raw_hits:?}"
        );
    }
    assert!(raw_hits.iter().any(|(c, _)| c.starts_with("KMV1:")));

    let dir = tempfile::tempdir().unwrap();
    let options = RunOptions::resolve(Settings {
        base_url: Some(server.base_url()),
        report_dir: Some(dir.path().to_path_buf()),
        ..Settings::default()
    })
    .unwrap();
    let code = report::gate(&options, &execution).unwrap();
    assert_eq!(code, 1);
    keep(dir.path(), "in-process");
    let searched = search_dir(dir.path());
    // Masked forms are there instead.
    let results = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    assert!(results.contains("949133******0765"));
    assert!(results.contains("홍**리"));
    assert!(results.contains("[REDACTED]"));
    println!(
        "in-process run: {} scenarios, {} exchanges, {searched} bytes of reports searched, 0 canary hits",
        execution.results.scenarios.len(),
        execution.results.exchange_count()
    );
}

/// The binary, as CI runs it: credentials from the environment, key files on disk, reports
/// in a folder; stdout and stderr are searched too.
#[test]
fn command_line_run_against_a_hostile_target_leaks_nothing_in_files_or_logs() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(echo::start());
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures.json");
    std::fs::write(&fixtures, echo::CANARY_FIXTURES).unwrap();
    let reports = dir.path().join("reports");
    let keys = echo::test_keys_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["run", "--base-url", &server.base_url(), "--generated", "30"])
        .args(["--seed", "11", "--concurrency", "8"])
        .arg("--fixtures")
        .arg(&fixtures)
        .arg("--report-dir")
        .arg(&reports)
        .env("KONA_ASP_ID", echo::ASP_ID)
        .env("KONA_ACCESS_KEY", echo::ACCESS_KEY)
        .env("KONA_SECRET_KEY", echo::SECRET_KEY)
        .env("KONA_CRYPTO_KEY_ID", echo::CRYPTO_KEY_ID)
        .env("KONA_SERVER_PUBLIC_KEY", keys.join("server-public.pem"))
        .env("KONA_CLIENT_PRIVATE_KEY", keys.join("client-private.pem"))
        .output()
        .unwrap();
    drop(server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("FAIL"),
        "progress lines were printed: {stderr}"
    );
    let mut searched = assert_clean("stdout", &out.stdout);
    searched += assert_clean("stderr", &out.stderr);
    keep(&reports, "command-line");
    searched += search_dir(&reports);
    println!(
        "command-line run: {searched} bytes searched (5 reports, stdout, stderr), 0 canary hits"
    );
}

/// The embedded sandbox only accepts its own credentials, so they are the canaries here
/// (public test values, but the filter does not know that), together with every personal
/// value of its seeded records.
fn sandbox_canaries() -> Vec<String> {
    let creds = sandbox::credentials();
    let f = sandbox::seeded_fixtures();
    let mut out = vec![
        creds.access_key.expose().to_owned(),
        creds.secret_key.expose().to_owned(),
        creds
            .client_private_key_pem
            .lines()
            .nth(5)
            .unwrap()
            .to_owned(),
    ];
    for c in f.all("cards") {
        let id_no = c.get("cashReceiptInfo").and_then(|r| r.get("idNo"));
        for v in [c.get("cardNo"), id_no].into_iter().flatten() {
            out.extend(v.as_str().map(str::to_owned));
        }
    }
    for a in f.all("bankAccounts") {
        for k in ["bankAccount", "birthDate", "userName"] {
            out.extend(a.get(k).and_then(|v| v.as_str()).map(str::to_owned));
        }
    }
    out.sort();
    out.dedup();
    // Single characters would match anywhere; the sandbox's names are longer.
    out.retain(|c| c.chars().count() >= 2);
    out
}

/// A sandbox that answers success with the wrong message: every success answer (card data,
/// names) becomes failure evidence in the reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_run_against_a_faulty_sandbox_leaks_nothing() {
    let sandbox = Sandbox::start(SandboxConfig {
        fault: Some(sandbox::Fault::WrongSuccessMessage),
        ..SandboxConfig::for_certification()
    })
    .await
    .unwrap();
    let fixtures = sandbox::seeded_fixtures();
    let planned = plan::plan(
        plan::load_features(None).unwrap(),
        &fixtures,
        &PlanOptions {
            tags: None,
            profile: Profile::Sandbox,
            has_keys: true,
            generated_per_endpoint: 20,
        },
    )
    .unwrap();
    let client = KonaClient::new(
        sandbox::embedded_target(&sandbox.base_url()),
        &TransportOptions::default(),
    )
    .unwrap();
    let execution = runner::execute(
        planned,
        RunContext {
            contract: Contract::shared().unwrap(),
            client,
            fixtures,
            kind: TargetKind::Embedded,
            seed: 5,
            generated_per_endpoint: 20,
            generated_concurrency: 4,
            generated_budget: kona_conformance::runner::suite::DEFAULT_GENERATED_BUDGET,
        },
        EngineOptions {
            concurrency: 8,
            fail_fast: false,
            target_label: format!("embedded sandbox ({})", sandbox.base_url()),
            profile: "sandbox".into(),
        },
        Arc::new(NoProgress),
    )
    .await;
    sandbox.shutdown().await;

    let canaries = sandbox_canaries();
    assert!(canaries.len() > 20, "{canaries:?}");
    let dir = tempfile::tempdir().unwrap();
    let options = RunOptions::resolve(Settings {
        report_dir: Some(dir.path().to_path_buf()),
        ..Settings::default()
    })
    .unwrap();
    assert_eq!(report::gate(&options, &execution).unwrap(), 1);
    keep(dir.path(), "faulty-sandbox");
    let searched = search_dir_of(dir.path(), &canaries);
    let results = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    assert!(results.contains("******"), "masked values are there");
    println!(
        "faulty sandbox: {} scenarios ({} failed), {} exchanges, {searched} bytes searched for {} canaries, 0 hits",
        execution.results.scenarios.len(),
        execution.results.counts().failed,
        execution.results.exchange_count(),
        canaries.len()
    );
}

/// `kona-conformance run --report-dir DIR` as the README's first command runs it: the
/// embedded sandbox, every scenario; files, stdout and stderr searched.
#[test]
fn command_line_run_against_the_embedded_sandbox_leaks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["run", "--seed", "1", "--generated", "60"])
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let canaries = sandbox_canaries();
    let mut searched = assert_clean_of("stdout", &out.stdout, &canaries);
    searched += assert_clean_of("stderr", &out.stderr, &canaries);
    keep(&reports, "embedded-sandbox");
    searched += search_dir_of(&reports, &canaries);
    println!(
        "embedded sandbox via the command line: {searched} bytes searched (5 reports, stdout, stderr) for {} canaries, 0 hits",
        canaries.len()
    );
}
