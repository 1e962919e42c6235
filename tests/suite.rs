//! The whole conformance suite against the embedded sandbox, in-process: every scenario must
//! pass and none may be left unverified. A cucumber target: `cargo test` runs it
//! (`harness = false`), nextest cannot.

use std::process::ExitCode;
use std::sync::Arc;

use kona_conformance::runner::certify::certify;
use kona_conformance::runner::config::{RunOptions, Settings};
use kona_conformance::runner::results::Verdict;
use kona_conformance::runner::{LineProgress, NoProgress, Progress};

fn main() -> ExitCode {
    let seed = std::env::var("KONA_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    let options = RunOptions::resolve(Settings {
        seed: Some(seed),
        generated: Some(300),
        ..Settings::default()
    })
    .expect("default settings resolve");
    let progress: Arc<dyn Progress> = if std::env::var_os("KONA_TEST_VERBOSE").is_some() {
        Arc::new(LineProgress)
    } else {
        Arc::new(NoProgress)
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let certification = match runtime.block_on(certify(&options, progress)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("suite: the run could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let results = &certification.execution.results;
    let mut problems = 0;
    for s in &results.scenarios {
        match s.verdict {
            Verdict::Passed => {}
            Verdict::Failed => {
                problems += 1;
                eprintln!("FAILED {} {}", s.id, s.name);
                for f in &s.findings {
                    eprintln!("    {f}");
                }
                if let Some(e) = &s.error {
                    eprintln!("    {e}");
                }
            }
            Verdict::NotVerified => {
                problems += 1;
                eprintln!(
                    "NOT VERIFIED {} {}: {}",
                    s.id,
                    s.name,
                    s.reason.as_deref().unwrap_or("")
                );
            }
        }
    }
    let c = results.counts();
    println!(
        "suite against the embedded sandbox (seed {seed}, {} exchanges): {} not verified",
        results.exchange_count(),
        c.not_verified
    );
    println!(
        "suite: {} passed, {} failed",
        c.passed,
        c.failed + c.not_verified
    );
    if problems == 0 && c.passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
