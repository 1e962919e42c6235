//! The command-line front: clap definitions and dispatch only. Each subcommand lives in its
//! own module and calls into the library; errors map to exit codes in one place ([`exit`]).

pub mod certify_client;
pub mod compare;
pub mod derive;
pub use crate::exit;
pub mod fixtures;
pub mod mutants;
pub mod openapi;
pub mod proxy;
pub mod run;
pub mod sandbox;
pub mod sign;
pub mod variants;
pub mod verify;

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
    /// Certify a target (the embedded sandbox when no --base-url is given).
    Run(Box<run::RunArgs>),
    /// Print the headers the harness would send for a body file.
    Sign(sign::SignArgs),
    /// List every requirement of the catalogue with the scenarios that verify it.
    Coverage(CoverageArgs),
    /// Write the contract as an OpenAPI 3.1 document (JSON).
    Openapi(openapi::Args),
    /// Serve the embedded reference sandbox.
    Sandbox(sandbox::SandboxArgs),
    /// Run the suite against each fault-injected sandbox; every fault must be caught.
    Mutants(mutants::MutantsArgs),
    /// How two runs differ (results.json files or report folders): exit 0 equivalent, 1 differ.
    Compare(compare::CompareArgs),
    /// Certify each legitimate reading of the docs as a foreign target; none may fail.
    Variants(variants::VariantsArgs),
    /// Read vendor pages into a model; --check them against the contract, --draft a new one.
    Derive(derive::DeriveArgs),
    /// Explain a fixtures file: what it lets a run verify, what each missing role would add.
    Fixtures(fixtures::FixturesArgs),
    /// Judge recorded traffic (HAR or an exchange log) with the same judge and reports.
    Verify(verify::VerifyArgs),
    /// A reverse proxy that judges a live client's traffic to an upstream as it passes.
    Proxy(proxy::ProxyArgs),
    /// Serve the sandbox to a client under test, print its tasks, judge its requests.
    CertifyClient(certify_client::CertifyClientArgs),
}

#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// Read feature files from this folder instead of the ones built in.
    #[arg(long, value_name = "DIR")]
    pub features: Option<std::path::PathBuf>,
    /// Map them onto the contract in this folder instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<std::path::PathBuf>,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

fn coverage(args: &CoverageArgs) -> u8 {
    let result = crate::contract::Contract::resolve(args.contract.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|contract| {
            crate::runner::plan::load_features(args.features.as_deref())
                .map(|f| crate::runner::coverage::coverage(contract, &f))
                .map_err(|e| e.to_string())
        });
    match result {
        Ok(cov) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&cov).unwrap_or_default());
            } else {
                print!("{}", crate::runner::coverage::render(&cov));
            }
            if cov.is_complete() {
                exit::PASSED
            } else {
                exit::CONFORMANCE_FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    built(
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    )
}

/// The runtime of `run`: against a target in another process, one thread. The engine runs
/// on the thread that blocks on it, so on a multi-threaded runtime every answer would cross
/// threads (a futex wake and an eventfd write each way); the embedded sandbox, in process,
/// gets the worker threads.
fn run_runtime(args: &run::RunArgs) -> Option<tokio::runtime::Runtime> {
    if args.base_url.is_some() {
        built(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        )
    } else {
        runtime()
    }
}

fn built(rt: std::io::Result<tokio::runtime::Runtime>) -> Option<tokio::runtime::Runtime> {
    match rt {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
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
    let code = match cli.command {
        Command::Run(args) => match run_runtime(&args) {
            Some(rt) => rt.block_on(run::run(*args)),
            None => exit::USAGE,
        },
        Command::Coverage(args) => coverage(&args),
        Command::Fixtures(args) => fixtures::run(&args),
        Command::Openapi(args) => openapi::run(&args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Compare(args) => compare::run(&args),
        Command::Derive(args) => derive::run(&args),
        Command::Verify(args) => verify::verify(&args),
        Command::Proxy(args) => match runtime() {
            Some(rt) => rt.block_on(proxy::run(args)),
            None => exit::USAGE,
        },
        Command::CertifyClient(args) => certify_client::run(args),
        Command::Mutants(args) => match runtime() {
            Some(rt) => rt.block_on(mutants::run(args)),
            None => exit::USAGE,
        },
        Command::Variants(args) => match runtime() {
            Some(rt) => rt.block_on(variants::run(args)),
            None => exit::USAGE,
        },
        Command::Sign(args) => match sign::render(&args) {
            Ok(lines) => {
                for line in lines {
                    println!("{line}");
                }
                exit::PASSED
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::USAGE
            }
        },
    };
    exit::code(code)
}
