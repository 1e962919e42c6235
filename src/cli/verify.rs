//! `kona-conformance verify FILE...`: judge recorded traffic (HAR 1.2 or an exchange log)
//! with the same judge, gate and reports as `run`.

use std::path::PathBuf;

use clap::Args;

use super::exit;
use crate::contract::Contract;
use crate::redact::for_console;
use crate::runner::config::{MinVerified, RunOptions};
use crate::runner::results::{RunMeta, RunResults, Source};
use crate::runner::{CucumberOutput, Execution};
use crate::verify::files::{VerifyInput, read_all};
pub use crate::verify::meta;
use crate::verify::{Keys, Tally};

/// The gate's and the reports' flags, shared by the commands that judge traffic.
#[derive(Debug, Args, Default, Clone)]
pub struct GateArgs {
    /// Write junit.xml, cucumber.json, results.json, summary.md and report.html here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Compare with an earlier results.json: fail on requirements that newly fail.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Known deviations (requirement id, reason, expiry) that do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Fail (exit 1) when fewer requirements than this are verified: a count or a share.
    #[arg(long, value_name = "N|P%")]
    pub min_verified: Option<MinVerified>,
    /// Judge against the contract in this folder instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<PathBuf>,
}

impl GateArgs {
    pub fn options(&self) -> RunOptions {
        RunOptions::for_reports(
            self.report_dir.clone(),
            self.baseline.clone(),
            self.waivers.clone(),
            self.min_verified,
        )
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Capture files: HAR 1.2 (browser dev tools, mitmproxy, Charles, Postman) or an
    /// exchange log (NDJSON, kona-conformance-exchange/1); the kind is told by content.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Match endpoint paths below this base path (e.g. /open-api); inferred when absent.
    #[arg(long, value_name = "PATH")]
    pub base_path: Option<String>,
    /// The traffic was recorded against the embedded sandbox: judge with its published
    /// test keys (token MACs, encrypted requests and answers all checked).
    #[arg(long)]
    pub sandbox_keys: bool,
    #[command(flatten)]
    pub gate: GateArgs,
    /// No table of results on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What every traffic command reads before any traffic: the contract, the keys, the waivers
/// and baseline (a typo costs nothing). An error is printed; its exit code returned.
pub fn prepare(gate: &GateArgs, sandbox_keys: bool) -> Result<(&'static Contract, Keys), u8> {
    let fail = |e: String| {
        eprintln!("error: {}", for_console(&e));
        exit::USAGE
    };
    let contract = Contract::resolve(gate.contract.as_deref()).map_err(|e| fail(e.to_string()))?;
    let keys = keys(sandbox_keys).map_err(fail)?;
    crate::report::check_inputs(&gate.options(), contract).map_err(|e| fail(e.to_string()))?;
    Ok((contract, keys))
}

/// The keys to judge with: the sandbox's, or whatever the environment gives.
pub fn keys(sandbox: bool) -> Result<Keys, String> {
    if sandbox {
        return Ok(Keys::sandbox());
    }
    Keys::from_env(|k| std::env::var(k).ok()).map_err(|e| e.to_string())
}

/// Gate the tally and write the reports: the exit code.
pub fn conclude(
    gate: &GateArgs,
    contract: &'static Contract,
    tally: Tally,
    mut meta: RunMeta,
    feature_path: &str,
    secrets: Vec<crate::secret::Secret>,
    quiet: bool,
) -> u8 {
    meta.finished_at = chrono::Utc::now();
    meta.exchanges_judged = Some(tally.exchanges);
    let (results, feature): (RunResults, gherkin::Feature) = tally.into_results(meta, feature_path);
    if !quiet {
        print!("{}", for_console(&super::run::outcome_text(&results)));
    }
    let execution = Execution {
        contract,
        results,
        cucumber: CucumberOutput {
            features: vec![feature],
            ..Default::default()
        },
        secrets,
    };
    match crate::report::gate(&gate.options(), &execution) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", for_console(&e.to_string()));
            exit::USAGE
        }
    }
}

pub fn verify(args: &VerifyArgs) -> u8 {
    let (contract, keys) = match prepare(&args.gate, args.sandbox_keys) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    if let Some(base) = &args.base_path
        && !base.starts_with('/')
    {
        eprintln!(
            "error: {}",
            crate::verify::VerifyError::BasePath(for_console(base))
        );
        return exit::USAGE;
    }
    let input = VerifyInput {
        files: args.files.clone(),
        base_path: args.base_path.clone(),
        progress: !args.quiet,
    };
    let target = format!(
        "recorded traffic: {}",
        args.files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let meta = meta(contract, target, Source::Capture);
    let mut tally = Tally::new(contract);
    let summary = read_all(contract, &input, &keys, &mut tally);
    for problem in summary.unreadable.iter() {
        eprintln!("error: {}", for_console(&problem.to_string()));
    }
    for problem in &summary.problems {
        eprintln!("verify: skipped {}", for_console(&problem.to_string()));
    }
    let unlisted = summary.problem_count - summary.unreadable.len() - summary.problems.len();
    if unlisted > 0 {
        eprintln!("verify: {unlisted} more record(s) could not be read; the reports list them");
    }
    if summary.exchanges == 0 {
        eprintln!("error: no exchange could be read from the file(s) given");
        return exit::USAGE;
    }
    eprintln!(
        "verify: {} exchange(s) read, {} judged, {} to unknown paths",
        summary.exchanges,
        tally.judged,
        tally.unknown_count()
    );
    let secrets = keys.secrets();
    conclude(
        &args.gate,
        contract,
        tally,
        meta,
        "traffic.feature",
        secrets,
        args.quiet,
    )
}
