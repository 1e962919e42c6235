//! `kona-conformance openapi`: write the contract as an OpenAPI 3.1 document.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::exit;
use crate::contract::Contract;
use crate::openapi::{self, OpenApiError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the document to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Export the contract in this folder instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<PathBuf>,
}

/// Export and write; the exit code is `USAGE` for any failure, since nothing was certified.
pub fn run(args: &Args) -> u8 {
    match write(args) {
        Ok(()) => exit::PASSED,
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

fn write(args: &Args) -> Result<(), OpenApiError> {
    let contract = Contract::resolve(args.contract.as_deref())?;
    let text = openapi::to_pretty_string(&openapi::export(contract)?);
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|source| OpenApiError::Write {
            path: path.display().to_string(),
            source,
        }),
        None => match std::io::stdout().lock().write_all(text.as_bytes()) {
            // A reader that stopped early (`| head`) chose to; that is not a failed export.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|source| OpenApiError::Write {
                path: "standard output".into(),
                source,
            }),
        },
    }
}
