//! Exit codes are part of the command-line contract (documented in the README).

use std::process::ExitCode;

/// Every verified requirement passed.
pub const PASSED: u8 = 0;
/// At least one conformance failure (or a regression against the baseline).
pub const CONFORMANCE_FAILURE: u8 = 1;
/// Bad flags, configuration, credentials or input files: nothing was certified.
pub const USAGE: u8 = 2;
/// The target could not be reached at all.
pub const UNREACHABLE: u8 = 3;

pub fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}
