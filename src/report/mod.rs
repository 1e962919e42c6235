//! Everything a run hands over: the artifacts in `--report-dir` and the verdict that gates CI.

pub mod markup;
pub mod redact;

pub use redact::Redactor;

use crate::cli::exit;
use crate::runner::Execution;
use crate::runner::config::RunOptions;
use crate::runner::results::Verdict;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write report {path}: {reason}")]
    Write { path: String, reason: String },
}

/// Write the reports `options` ask for and decide the exit code.
pub fn gate(_options: &RunOptions, execution: &Execution) -> Result<u8, ReportError> {
    let failed = execution
        .results
        .scenarios
        .iter()
        .any(|s| s.verdict == Verdict::Failed);
    Ok(if failed {
        exit::CONFORMANCE_FAILURE
    } else {
        exit::PASSED
    })
}
