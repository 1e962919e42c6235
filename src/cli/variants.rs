//! `kona-conformance variants`: prove the suite passes every legitimate reading of the docs.

use clap::Args;

use crate::sandbox::Variant;
use crate::variants::{self, VariantsOptions};

use super::exit;

#[derive(Debug, Args)]
pub struct VariantsArgs {
    /// Only these variants (by name; default: all).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Scenarios in flight at once per run.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Generated cases in all, per run.
    #[arg(long, default_value_t = 60)]
    pub generated: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// Serve and certify the contract in this folder instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<std::path::PathBuf>,
    /// Read feature files from this folder instead of the ones built in.
    #[arg(long, value_name = "DIR")]
    pub features: Option<std::path::PathBuf>,
    /// Only the scenarios this tag expression selects (as `run --tags`).
    #[arg(long, value_name = "EXPR")]
    pub tags: Option<String>,
}

pub async fn run(args: VariantsArgs) -> u8 {
    let mut chosen = Vec::new();
    for name in &args.variants {
        match name.parse::<Variant>() {
            Ok(v) => chosen.push(v),
            Err(e) => {
                eprintln!("error: --variant {e}");
                return exit::USAGE;
            }
        }
    }
    // Each variant is certified through this very binary's `run --base-url`.
    let binary = match std::env::current_exe() {
        Ok(path) => path,
        Err(e) => {
            eprintln!("error: cannot locate the kona-conformance binary: {e}");
            return exit::USAGE;
        }
    };
    let mut options = VariantsOptions::new(binary);
    if !chosen.is_empty() {
        options.variants = chosen;
    }
    options.concurrency = args.concurrency.max(1);
    options.generated = args.generated;
    options.seed = args.seed;
    options.contract_dir = args.contract.clone();
    options.features = args.features.clone();
    options.tags = args.tags.clone();
    let started = std::time::Instant::now();
    match variants::run(&options).await {
        Ok(report) => super::mutants::print_outcome(
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
