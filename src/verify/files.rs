//! `verify FILE...`: every exchange of every capture, streamed one at a time through the
//! judge into a [`Tally`]. Nothing but the tally outlives an exchange, so memory is bounded
//! whatever the files' sizes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::{Keys, Route, Tally, judge_one, route};
use crate::capture::{self, ReadProblem};
use crate::contract::Contract;

/// What `verify` reads and how.
#[derive(Debug, Clone, Default)]
pub struct VerifyInput {
    pub files: Vec<PathBuf>,
    /// The base path below which endpoint paths are matched (`/open-api`); inferred from
    /// each URL when absent.
    pub base_path: Option<String>,
    /// A progress line on stderr (only when it is a terminal).
    pub progress: bool,
}

/// How reading went, besides the verdicts.
#[derive(Debug, Default)]
pub struct ReadSummary {
    /// Files that could not be read at all (not a capture, missing, empty).
    pub unreadable: Vec<ReadProblem>,
    pub exchanges: usize,
}

/// Stream every file into `tally`.
pub fn read_all(
    contract: &Contract,
    input: &VerifyInput,
    keys: &Keys,
    tally: &mut Tally,
) -> ReadSummary {
    let mut summary = ReadSummary::default();
    let show = input.progress && std::io::stderr().is_terminal();
    for file in &input.files {
        let name = file.display().to_string();
        let mut each = |rec: capture::Recorded| {
            summary.exchanges += 1;
            match route(contract, &rec.method, &rec.url, input.base_path.as_deref()) {
                Route::Endpoint(endpoint) => {
                    let judged = judge_one(contract, endpoint, &rec, keys);
                    tally.add(&rec.location, judged);
                }
                Route::Unknown { method, path } => tally.unknown(&rec.location, &method, &path),
            }
            if show && summary.exchanges % 10_000 == 0 {
                let _ = write!(
                    std::io::stderr(),
                    "\rverify: {} exchanges read ({})",
                    summary.exchanges,
                    crate::redact::for_console(&name)
                );
            }
        };
        match capture::read_file(file, &mut each) {
            Ok(problems) => {
                for p in &problems {
                    tally.problem(p);
                }
            }
            Err(whole) => {
                tally.problem(&whole);
                summary.unreadable.push(whole);
            }
        }
    }
    if show && summary.exchanges >= 10_000 {
        let _ = writeln!(std::io::stderr());
    }
    summary
}
