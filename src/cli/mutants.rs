//! `kona-conformance mutants`: prove the suite catches each fault of the sandbox.

use clap::Args;

use crate::mutants::{self, MutantsOptions};
use crate::sandbox::Fault;

use super::exit;

#[derive(Debug, Args)]
pub struct MutantsArgs {
    /// Only these faults (by name; default: all).
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Scenarios in flight at once per run.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Generated cases per endpoint in each run.
    #[arg(long, default_value_t = 20)]
    pub generated: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// Read feature files from this folder instead of the ones built in.
    #[arg(long, value_name = "DIR")]
    pub features: Option<std::path::PathBuf>,
    /// Serve and certify the contract in this folder instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<std::path::PathBuf>,
    /// Only the scenarios this tag expression selects (as `run --tags`).
    #[arg(long, value_name = "EXPR")]
    pub tags: Option<String>,
    /// Which endpoints get faults derived from the contract (a wrong message, status or
    /// field, an accepted rejection, an unenforced rule between fields): the ones the
    /// contract folder adds, all of them, or none.
    #[arg(long, value_enum, default_value_t = Derived::Added)]
    pub derived: Derived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Derived {
    Added,
    All,
    None,
}

pub async fn run(args: MutantsArgs) -> u8 {
    let faults = if args.faults.is_empty() {
        Fault::ALL.to_vec()
    } else {
        let mut out = Vec::new();
        for name in &args.faults {
            match name.parse::<Fault>() {
                Ok(f) => out.push(f),
                Err(_) => {
                    eprintln!(
                        "error: --fault {name:?} is not a fault; known: {}",
                        Fault::names().join(", ")
                    );
                    return exit::USAGE;
                }
            }
        }
        out
    };
    let contract = match crate::contract::Contract::resolve(args.contract.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mutations = if args.derived == Derived::None {
        Vec::new()
    } else {
        match crate::runner::plan::load_features(args.features.as_deref())
            .and_then(|f| crate::runner::plan::select_by_tags(f, args.tags.as_deref()))
        {
            Ok(features) => {
                mutants::derived_mutations(contract, &features, args.derived == Derived::All)
            }
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    };
    let options = MutantsOptions {
        contract: Some(contract),
        features: args.features.clone(),
        tags: args.tags.clone(),
        mutations,
        concurrency: args.concurrency.max(1),
        generated_per_endpoint: args.generated,
        seed: args.seed,
        faults,
        ..MutantsOptions::default()
    };
    let started = std::time::Instant::now();
    match mutants::run(&options).await {
        Ok(report) => print_outcome(
            args.json,
            &report,
            &report.render(),
            report.passed(),
            started,
        ),
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

/// Print a mutants or variants report (a table, or JSON) and return its exit code.
pub(super) fn print_outcome(
    json: bool,
    report: &impl serde::Serialize,
    table: &str,
    passed: bool,
    started: std::time::Instant,
) -> u8 {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
    } else {
        print!("{table}");
        println!("wall time {:.1} s", started.elapsed().as_secs_f64());
    }
    if passed {
        exit::PASSED
    } else {
        exit::CONFORMANCE_FAILURE
    }
}
