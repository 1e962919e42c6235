//! `kona-conformance derive`: read the vendor's pages into the page model, check them
//! against the contract (`--check`), or draft a contract extension (`--draft`).

use std::path::PathBuf;

use crate::cli::exit;
use crate::contract::Contract;
use crate::derive::{self, DeriveError, check::ScenarioIndex, render};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DeriveArgs {
    /// Saved vendor pages: the portal's text (as copied or saved) or its HTML.
    #[arg(required = true, value_name = "PAGE")]
    pub pages: Vec<PathBuf>,
    /// Compare the pages with the contract: exit 0 when every difference is an applied
    /// erratum, 1 on drift, 2 when a page cannot be read.
    #[arg(long, conflicts_with = "draft")]
    pub check: bool,
    /// Write a contract extension for one page the contract does not cover (needs --out).
    #[arg(long, requires = "out")]
    pub draft: bool,
    /// Folder the draft is written to (`contract/` and `features/` inside).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Compare with the contract in this folder instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<PathBuf>,
    /// Name the scenarios of these feature files instead of the ones built in.
    #[arg(long, value_name = "DIR")]
    pub features: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
}

pub fn run(args: &DeriveArgs) -> u8 {
    match execute(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}

/// Write to standard output; a reader that stopped early (`| head`) chose to, so a broken
/// pipe is not an error (println! would panic on it).
fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn print_json<T: serde::Serialize>(value: &T) {
    emit(&(serde_json::to_string_pretty(value).unwrap_or_default() + "\n"));
}

fn execute(args: &DeriveArgs) -> Result<u8, DeriveError> {
    let contract = Contract::resolve(args.contract.as_deref())?;
    if args.draft {
        let [page] = args.pages.as_slice() else {
            return Err(DeriveError::Draft {
                file: format!("{} pages", args.pages.len()),
                reason: "a draft is written from one page".into(),
            });
        };
        // No nesting hints: the contract does not describe the page's objects.
        let page = derive::read_page(page, None)?;
        let out = args.out.clone().unwrap_or_default();
        let written = derive::draft::write_draft(contract, &page, &out)?;
        for path in &written {
            emit(&format!("wrote {}\n", path.display()));
        }
        emit(&format!(
            "next: kona-conformance coverage --contract {0}/contract --features DIR (the built-in features/ plus {0}/features)\n",
            out.display()
        ));
        return Ok(exit::PASSED);
    }
    let pages = args
        .pages
        .iter()
        .map(|p| derive::read_page(p, Some(contract)))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.check {
        match args.format {
            Format::Json => print_json(&pages),
            Format::Md => {
                for page in &pages {
                    emit(&format!("{}\n", render::page_markdown(page)));
                }
            }
        }
        return Ok(exit::PASSED);
    }
    let report = derive::check(contract, &pages, &scenario_index(contract, args));
    match args.format {
        Format::Json => print_json(&report),
        Format::Md => emit(&render::check_markdown(&report)),
    }
    Ok(if report.is_clean() {
        exit::PASSED
    } else {
        exit::CONFORMANCE_FAILURE
    })
}

/// Requirement id to the scenarios that verify it; empty (with a warning) when the features
/// cannot be read, since naming scenarios is a help, not the check.
fn scenario_index(contract: &Contract, args: &DeriveArgs) -> ScenarioIndex {
    match crate::runner::plan::load_features(args.features.as_deref()) {
        Ok(features) => crate::runner::coverage::coverage(contract, &features)
            .requirements
            .into_iter()
            .map(|r| (r.id, r.scenarios))
            .collect(),
        Err(e) => {
            eprintln!("warning: scenarios not named: {e}");
            ScenarioIndex::new()
        }
    }
}
