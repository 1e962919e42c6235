//! The run's journal (issue 26): every exchange goes to a redacted exchange log as it
//! finishes, results.json keeps a bounded number of examples that name their journal
//! lines, and no secret or personal value reaches the journal.

use crate::support::echo;

use std::path::Path;
use std::process::Command;

use kona_conformance::capture::{self, Position, Recorded};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kona-conformance");

/// Every exchange of the journal at `path`, read back with the capture reader: each line
/// must parse.
fn read_journal(path: &Path) -> Vec<Recorded> {
    let mut read = Vec::new();
    let problems = capture::read_file(path, &mut |r| read.push(r)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    for (i, r) in read.iter().enumerate() {
        assert_eq!(r.location.at, Position::Line(i + 1));
    }
    read
}

fn results(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

fn examples(doc: &Value) -> Vec<&Value> {
    doc["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["exchanges"].as_array().unwrap())
        .collect()
}

fn correlation_id(r: &Recorded) -> Option<&str> {
    r.request.header("X-KM-Correlation-Id")
}

/// A run with canary credentials and personal data against a target that echoes all of it
/// back (encrypted, in headers, in broken and binary bodies): the journal holds every
/// exchange, reads back line by line, and holds none of the canaries.
#[test]
fn the_journal_of_a_hostile_run_reads_back_and_holds_no_secret() {
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
    let out = Command::new(BIN)
        .args(["run", "--base-url", &server.base_url(), "--generated", "40"])
        .args(["--seed", "11", "--concurrency", "8", "-q"])
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

    let journal = reports.join("journal.ndjson");
    let bytes = std::fs::read(&journal).unwrap();
    let canaries: Vec<String> = echo::secret_canaries()
        .into_iter()
        .chain(echo::personal_canaries())
        .collect();
    let hits = echo::hits_of(&bytes, &canaries);
    assert!(hits.is_empty(), "the journal leaks {hits:?}");
    // Not vacuous: the journal holds the requests, their masked personal values and the
    // echoed answers.
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("[REDACTED]"),
        "credential headers are in it, redacted"
    );
    let read = read_journal(&journal);
    let doc = results(&reports);
    let sent = doc["counts"]["exchanges"].as_u64().unwrap();
    assert!(sent > 100, "{sent}");
    assert_eq!(read.len() as u64, sent);
    assert_eq!(doc["run"]["journal"]["file"], "journal.ndjson");
    assert_eq!(doc["run"]["journal"]["lines"].as_u64(), Some(sent));
}

/// Thousands of generated cases: every exchange is in the journal, results.json keeps a
/// bounded number of examples (those of a generated-cases scenario are a few, the rest
/// counted) and each example names its journal line, which holds that exchange.
#[test]
fn results_stay_bounded_and_name_journal_lines_for_examples() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let out = Command::new(BIN)
        .args(["run", "--seed", "7", "--generated", "3000", "-q"])
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc = results(&reports);
    let sent = doc["counts"]["exchanges"].as_u64().unwrap();
    assert!(sent > 3000, "{sent}");
    let size = std::fs::metadata(reports.join("results.json"))
        .unwrap()
        .len();
    // Every exchange embedded took about 2.6 KB of results.json (3.1 MB at 1,128).
    assert!(
        size < 1_500_000,
        "results.json is {size} bytes for {sent} exchanges"
    );

    let read = read_journal(&reports.join("journal.ndjson"));
    assert_eq!(read.len() as u64, sent);
    let examples = examples(&doc);
    assert!((examples.len() as u64) < sent / 4, "{}", examples.len());
    let mut omitted = 0;
    for s in doc["scenarios"].as_array().unwrap() {
        let kept = s["exchanges"].as_array().unwrap().len();
        let more = s["exchangesOmitted"].as_u64().unwrap_or(0);
        if more > 0 {
            assert!(kept <= 3, "{}: {kept} passed examples kept", s["id"]);
        }
        omitted += more;
    }
    assert_eq!(examples.len() as u64 + omitted, sent);
    for e in examples {
        let line = e["journalLine"]
            .as_u64()
            .expect("every example names its line");
        let r = &read[usize::try_from(line).unwrap() - 1];
        let named = e["correlationId"].as_str().unwrap();
        assert_eq!(correlation_id(r).unwrap_or(""), named, "line {line}");
        assert_eq!(r.url, e["url"].as_str().unwrap());
    }
}

/// `--journal FILE` writes the journal without a report folder; without either no journal
/// is written.
#[test]
fn the_journal_flag_writes_one_and_no_folder_writes_none() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("run.ndjson");
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["run", "--seed", "3", "--generated", "20", "-q", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = read_journal(&journal);
    assert!(read.len() > 100, "{}", read.len());
    assert!(correlation_id(&read[0]).is_some());

    let bare = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(bare.path())
        .args(["run", "--seed", "3", "--generated", "20", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_dir(bare.path()).unwrap().count(), 0);
}

/// A run stopped by its time budget still leaves a whole journal: what was sent up to the
/// stop, every line readable, as many lines as results.json counts.
#[test]
fn a_stopped_run_leaves_a_whole_journal() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let out = Command::new(BIN)
        .args(["run", "--seed", "5", "--generated", "2000000", "-q"])
        .args(["--max-duration", "2"])
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let doc = results(&reports);
    assert!(doc["run"]["interrupted"].is_string());
    let read = read_journal(&reports.join("journal.ndjson"));
    assert!(!read.is_empty());
    assert_eq!(
        doc["run"]["journal"]["lines"].as_u64(),
        Some(read.len() as u64)
    );
}
