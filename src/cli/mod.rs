//! The command-line front: clap definitions and dispatch only. Each subcommand lives in its
//! own module and calls into the library; errors map to exit codes in one place ([`exit`]).

pub mod exit;
pub mod openapi;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kona-conformance",
    version,
    about = "Certify a KONA PLATE Open API endpoint against its published documentation"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the contract as an OpenAPI 3.1 document (JSON).
    Openapi(openapi::Args),
}

/// Parse arguments, run the subcommand, and turn its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::code(exit::USAGE)
            } else {
                exit::code(exit::PASSED)
            };
        }
    };
    match cli.command {
        Command::Openapi(args) => exit::code(openapi::run(&args)),
    }
}
