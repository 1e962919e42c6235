//! `kona-conformance compare BASE OTHER`: how two runs differ. Exit 0 when they are
//! equivalent, 1 when they differ, 2 on bad input (a missing file, another format version,
//! a file that is not results JSON) or an output folder that cannot be written.

use std::path::PathBuf;

use clap::Args;

use crate::compare::{self, CompareError, RunSnapshot};

use super::exit;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier run: its results.json, or the report folder that holds it.
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The run to compare with it (results.json or report folder).
    #[arg(value_name = "OTHER")]
    pub other: PathBuf,
    /// Write compare.md and compare.html into this folder (created if needed).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

fn compare(args: &CompareArgs) -> Result<bool, CompareError> {
    let base = RunSnapshot::load(&args.base)?;
    let other = RunSnapshot::load(&args.other)?;
    let comparison = compare::compare(&base, &other);
    let written = compare::write(&args.out, &comparison)?;
    for line in comparison.headlines() {
        println!("{line}");
    }
    eprintln!(
        "compare: {}",
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(comparison.differs())
}

pub fn run(args: &CompareArgs) -> u8 {
    match compare(args) {
        Ok(false) => exit::PASSED,
        Ok(true) => exit::CONFORMANCE_FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
