//! `kona-conformance fixtures explain FILE`: what a fixtures file lets `run` verify, and which
//! missing roles would verify more. The answer comes from the planner `run` uses
//! ([`crate::runner::plan::explain`]), so it cannot drift from what a run does.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::contract::Contract;
use crate::fixtures::Fixtures;
use crate::runner::config::Profile;
use crate::runner::plan::{self, Explanation, PlanOptions};

use super::exit;

#[derive(Debug, Args)]
pub struct FixturesArgs {
    #[command(subcommand)]
    pub command: FixturesCommand,
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Which requirements a fixtures file lets a run verify, and what each missing role
    /// would add, most valuable first.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The fixtures file to explain.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Read feature files from this folder instead of the ones built in.
    #[arg(long, value_name = "DIR")]
    pub features: Option<PathBuf>,
    /// Use the contract in this folder instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<PathBuf>,
    /// The profile the run would use.
    #[arg(long, value_enum, default_value = "sandbox")]
    pub profile: Profile,
    /// The run would have no encryption keys.
    #[arg(long)]
    pub no_keys: bool,
    /// The run would send no generated cases (`run --generated 0`).
    #[arg(long)]
    pub no_generated: bool,
}

pub fn run(args: &FixturesArgs) -> u8 {
    let FixturesCommand::Explain(args) = &args.command;
    match explain(args) {
        Ok(text) => {
            print!("{text}");
            exit::PASSED
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

fn explain(args: &ExplainArgs) -> Result<String, String> {
    let contract = Contract::resolve(args.contract.as_deref()).map_err(|e| e.to_string())?;
    let fixtures = Fixtures::load(&args.file).map_err(|e| e.to_string())?;
    let origin = args.file.display().to_string();
    fixtures
        .check(contract, &origin)
        .map_err(|e| e.to_string())?;
    let features = plan::load_features(args.features.as_deref()).map_err(|e| e.to_string())?;
    let options = PlanOptions {
        tags: None,
        profile: args.profile,
        has_keys: !args.no_keys,
        generated_per_endpoint: usize::from(!args.no_generated),
    };
    let explanation =
        plan::explain(contract, &features, &fixtures, &options).map_err(|e| e.to_string())?;
    // What a run can verify: the server's rules.
    let all: Vec<&str> = contract
        .catalogue
        .requirements
        .iter()
        .filter(|r| r.side.is_server())
        .map(|r| r.id.as_str())
        .collect();
    Ok(render(&origin, args, &explanation, &all))
}

/// The explanation as text; `requirements` is the catalogue's, in its order.
pub fn render(origin: &str, args: &ExplainArgs, e: &Explanation, requirements: &[&str]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{origin} (profile {}, {}, {}):",
        args.profile.as_str(),
        if args.no_keys {
            "no encryption keys"
        } else {
            "encryption keys configured"
        },
        if args.no_generated {
            "no generated cases"
        } else {
            "generated cases on"
        }
    );
    let _ = writeln!(
        out,
        "verified: {} of {} requirements, {} of {} scenarios",
        e.verified.len(),
        e.requirements,
        e.scenarios_verified,
        e.scenarios
    );
    let missing: Vec<&str> = requirements
        .iter()
        .copied()
        .filter(|r| !e.verified.contains(*r))
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "not verified: {}", missing.join(", "));
    }
    if !e.unlocks.is_empty() {
        let _ = writeln!(out, "\nmissing roles, by what they would unlock:");
        for u in &e.unlocks {
            let list = if u.requirements.is_empty() {
                String::new()
            } else {
                format!(" ({})", u.requirements.join(", "))
            };
            let _ = writeln!(
                out,
                "  {}: +{}, {}{list}",
                u.role,
                counted(u.requirements.len(), "requirement"),
                counted(u.scenarios, "scenario")
            );
        }
    }
    if !e.other_reasons.is_empty() {
        let _ = writeln!(out, "\nnot verified for other reasons:");
        for (reason, count) in &e.other_reasons {
            let _ = writeln!(out, "  {}: {reason}", counted(*count, "scenario"));
        }
    }
    out
}

/// `1 requirement`, `2 requirements`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
