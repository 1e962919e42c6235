//! Mutation testing of the suite itself: run it against the faithful sandbox and against a
//! sandbox with each fault injected. A fault the suite does not catch is a hole in the suite.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::client::TransportOptions;
use crate::runner::NoProgress;
use crate::runner::plan;
use crate::runner::results::Verdict;
use crate::runner::suite::{SuiteOptions, run_suite};
use crate::sandbox::{Fault, Sandbox, SandboxConfig};

#[derive(Debug, Clone)]
pub struct MutantsOptions {
    /// The contract served and certified; the embedded one when `None`.
    pub contract: Option<&'static crate::contract::Contract>,
    /// Feature files from this folder instead of the ones built in.
    pub features: Option<std::path::PathBuf>,
    pub concurrency: usize,
    pub generated_per_endpoint: usize,
    pub seed: u64,
    /// The per-request time budget; the `slow-member-lookup` fault answers later than this
    /// ([`crate::sandbox::fault::SLOW_RESPONSE`]).
    pub timeout: Duration,
    pub faults: Vec<Fault>,
}

impl Default for MutantsOptions {
    fn default() -> Self {
        MutantsOptions {
            contract: None,
            features: None,
            concurrency: 16,
            generated_per_endpoint: 20,
            seed: 1,
            timeout: Duration::from_secs(2),
            faults: Fault::ALL.to_vec(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MutantOutcome {
    /// `None` for the faithful sandbox.
    pub fault: Option<String>,
    pub description: String,
    pub scenarios: usize,
    pub failed: usize,
    pub not_verified: usize,
    /// Requirement ids whose findings caught the fault.
    pub caught_by: Vec<String>,
    pub duration_ms: u128,
}

impl MutantOutcome {
    pub fn killed(&self) -> bool {
        self.failed > 0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MutantsReport {
    pub faithful: MutantOutcome,
    pub mutants: Vec<MutantOutcome>,
}

impl MutantsReport {
    pub fn faithful_green(&self) -> bool {
        self.faithful.failed == 0 && self.faithful.not_verified == 0 && self.faithful.scenarios > 0
    }

    pub fn survivors(&self) -> impl Iterator<Item = &MutantOutcome> {
        self.mutants.iter().filter(|m| !m.killed())
    }

    pub fn passed(&self) -> bool {
        self.faithful_green() && self.survivors().next().is_none()
    }

    pub fn render(&self) -> String {
        let mut out = table_row("fault", "verdict", "failed", "caught by");
        let row = |m: &MutantOutcome, verdict: &str| {
            table_row(
                m.fault.as_deref().unwrap_or("(faithful sandbox)"),
                verdict,
                &format!("{}/{}", m.failed, m.scenarios),
                &m.caught_by.join(" "),
            )
        };
        out.push_str(&row(
            &self.faithful,
            if self.faithful_green() {
                "green"
            } else {
                "NOT GREEN"
            },
        ));
        for m in &self.mutants {
            out.push_str(&row(m, if m.killed() { "killed" } else { "SURVIVED" }));
        }
        let killed = self.mutants.iter().filter(|m| m.killed()).count();
        out.push_str(&format!(
            "\n{killed} of {} faults killed; faithful run {}\n",
            self.mutants.len(),
            if self.faithful_green() {
                "green"
            } else {
                "NOT green"
            }
        ));
        out
    }
}

/// One line of the mutants and variants tables: the sandbox, its verdict, failed scenarios
/// out of all, and what caught it (or what it was observed doing).
pub(crate) fn table_row(name: &str, verdict: &str, failed: &str, detail: &str) -> String {
    format!("{name:<34} {verdict:<9} {failed:>7}  {detail}\n")
}

#[derive(Debug, thiserror::Error)]
pub enum MutantsError {
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
    #[error(transparent)]
    Suite(#[from] crate::runner::suite::SuiteError),
    #[error(transparent)]
    Contract(#[from] crate::contract::ContractError),
}

async fn run_one(
    fault: Option<Fault>,
    features: &[gherkin::Feature],
    options: &MutantsOptions,
) -> Result<MutantOutcome, MutantsError> {
    let started = Instant::now();
    let contract = match options.contract {
        Some(c) => c,
        None => crate::contract::Contract::shared()?,
    };
    let config = SandboxConfig {
        fault,
        ..SandboxConfig::certifying(contract)
    };
    let sandbox = Sandbox::start(config).await?;
    let suite = SuiteOptions {
        concurrency: options.concurrency,
        transport: TransportOptions {
            timeout: options.timeout,
            ..TransportOptions::default()
        },
        contract: Some(contract),
        ..SuiteOptions::full(options.seed, options.generated_per_endpoint)
    };
    let execution = run_suite(
        crate::sandbox::embedded_target(&sandbox.base_url()),
        crate::sandbox::fixtures_for(contract)?,
        features.to_vec(),
        &suite,
        Arc::new(NoProgress),
    )
    .await;
    sandbox.shutdown().await;
    let results = execution?.results;
    let counts = results.counts();
    let mut caught: BTreeSet<String> = BTreeSet::new();
    for s in results
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::Failed)
    {
        for f in &s.findings {
            caught.insert(
                f.requirement
                    .clone()
                    .unwrap_or_else(|| format!("{:?}", f.class).to_lowercase()),
            );
        }
    }
    Ok(MutantOutcome {
        fault: fault.map(|f| f.name().to_owned()),
        description: fault
            .map(|f| f.description().to_owned())
            .unwrap_or_else(|| "the documented behaviour".into()),
        scenarios: counts.total(),
        failed: counts.failed,
        not_verified: counts.not_verified,
        caught_by: caught.into_iter().collect(),
        duration_ms: started.elapsed().as_millis(),
    })
}

/// The faithful run, then every fault in turn.
pub async fn run(options: &MutantsOptions) -> Result<MutantsReport, MutantsError> {
    let features = plan::load_features(options.features.as_deref())?;
    let faithful = run_one(None, &features, options).await?;
    let mut mutants = Vec::with_capacity(options.faults.len());
    for fault in &options.faults {
        mutants.push(run_one(Some(*fault), &features, options).await?);
    }
    Ok(MutantsReport { faithful, mutants })
}
