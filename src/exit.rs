//! Exit codes are part of the command-line contract (documented in the README).

use std::process::ExitCode;

use crate::client::Cause;

/// Every verified requirement passed.
pub const PASSED: u8 = 0;
/// At least one conformance failure (or a regression against the baseline).
pub const CONFORMANCE_FAILURE: u8 = 1;
/// Bad flags, configuration, credentials or input files: nothing was certified.
pub const USAGE: u8 = 2;
/// The target could not be reached at all.
pub const UNREACHABLE: u8 = 3;
/// `--max-duration` ran out: the run stopped part-way; the reports say what ran.
pub const TIME_BUDGET: u8 = 4;
/// Stopped by SIGINT (Ctrl-C), 128 + 2 as shells report it; the reports say what ran.
pub const SIGINT: u8 = 130;
/// Stopped by SIGTERM (a cancelled or timed-out CI job), 128 + 15; the reports say what ran.
pub const SIGTERM: u8 = 143;

/// The exit code of a run stopped part-way.
pub fn interrupted(cause: Cause) -> u8 {
    match cause {
        Cause::Sigint => SIGINT,
        Cause::Sigterm => SIGTERM,
        Cause::TimeBudget { .. } => TIME_BUDGET,
    }
}

pub fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}
