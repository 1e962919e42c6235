//! `kona-conformance compare BASE OTHER` on real runs: two runs of the same target (other
//! seeds) are equivalent (exit 0); a faithful and a faulted run differ (exit 1) and the
//! changed requirement is named; bad input exits 2 naming the problem.

use crate::support::external_run;

use std::path::Path;
use std::process::{Command, Output};

use kona_conformance::sandbox::Fault;
use rstest::rstest;

fn compare(base: &Path, other: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .arg("compare")
        .arg(base)
        .arg(other)
        .arg("--out")
        .arg(out)
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_target_is_equivalent_and_a_fault_names_the_changed_requirement() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second, faulted) = (
        dir.path().join("first"),
        dir.path().join("second"),
        dir.path().join("faulted"),
    );
    for (path, seed) in [(&first, 1), (&second, 2)] {
        let out = external_run::certified(None, false, path, seed, true).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let out = external_run::certified(
        Some(Fault::NameMismatchAsNotFound),
        false,
        &faulted,
        1,
        true,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // Two runs of one target, other seeds: equivalent. Folders and files both work.
    let out_dir = dir.path().join("cmp-same");
    let out = compare(&first, &second.join("results.json"), &out_dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let md = std::fs::read_to_string(out_dir.join("compare.md")).unwrap();
    assert!(md.contains("✅ equivalent (exit 0)"), "{md}");
    assert!(out_dir.join("compare.html").is_file());

    // Faithful against faulted: the requirement the fault breaks is named.
    let out_dir = dir.path().join("cmp-fault");
    let out = compare(&first, &faulted, &out_dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("BANK-CODE-002_003 passed → failed"),
        "{stdout}"
    );
    let md = std::fs::read_to_string(out_dir.join("compare.md")).unwrap();
    assert!(md.contains("| `BANK-CODE-002_003` |"), "{md}");
    let html = std::fs::read_to_string(out_dir.join("compare.html")).unwrap();
    assert!(html.contains("BANK-CODE-002_003"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
}

const RESULTS_V2: &str = r#"{"format": "kona-conformance-results/2", "run": {}}"#;

#[rstest]
#[case::missing_file(None, "missing.json", "missing.json: no such file or folder")]
#[case::folder_without_results(None, "", "is a folder without a results.json")]
#[case::not_json(
    Some("<html>not json</html>"),
    "junk.json",
    "is not results JSON of kona-conformance: not JSON"
)]
#[case::other_json(Some(r#"{"testsuites": []}"#), "other.json", "no \"format\" field")]
#[case::wrong_version(
    Some(RESULTS_V2),
    "v2.json",
    "has format \"kona-conformance-results/2\""
)]
#[case::truncated(
    Some(r#"{"format": "kona-conformance-results/1", "run": {"#),
    "cut.json",
    "not JSON"
)]
#[case::missing_part(
    Some(r#"{"format": "kona-conformance-results/1"}"#),
    "part.json",
    "missing field `run`"
)]
fn bad_input_exits_2_naming_the_problem(
    #[case] content: Option<&str>,
    #[case] name: &str,
    #[case] message: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join(name);
    if let Some(content) = content {
        std::fs::write(&bad, content).unwrap();
    }
    // The other side is fine; the bad one is named whichever side it is on.
    let good = dir.path().join("good.json");
    std::fs::write(&good, good_results()).unwrap();
    for (base, other) in [(&bad, &good), (&good, &bad)] {
        let out = compare(base, other, &dir.path().join("out"));
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
    assert!(!dir.path().join("out").join("compare.md").exists());
}

/// The smallest results.json compare accepts.
fn good_results() -> &'static str {
    r#"{"format": "kona-conformance-results/1",
        "run": {"toolVersion": "0.1.0", "contractHash": "h", "catalogueVersion": "1",
                "target": "t", "targetKind": "external", "profile": "sandbox", "seed": 1,
                "startedAt": "2026-01-01T00:00:00.000Z"},
        "requirements": [], "scenarios": []}"#
}
