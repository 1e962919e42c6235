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
use crate::sandbox::{Fault, Mutation, Sandbox, SandboxConfig};

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
    /// Faults derived from the contract (what they break), run after the named ones.
    pub mutations: Vec<Mutation>,
    /// Only the scenarios this tag expression selects.
    pub tags: Option<String>,
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
            mutations: Vec::new(),
            tags: None,
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
    /// Requirement ids the run's scenarios are tagged with.
    #[serde(skip)]
    pub covered: Vec<String>,
}

impl MutantOutcome {
    pub fn killed(&self) -> bool {
        self.failed > 0
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MutantsReport {
    pub faithful: MutantOutcome,
    pub mutants: Vec<MutantOutcome>,
    /// Requirements the run's scenarios cover that no fault's findings named: a hole no
    /// fault probes (fault-free is not proven for them).
    pub unreached: Vec<String>,
    /// Named faults of an endpoint the features never send to: not run, since no scenario
    /// could catch them.
    pub not_applicable: Vec<String>,
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
        if !self.not_applicable.is_empty() {
            out.push_str(&format!(
                "{} fault(s) not run, their endpoint being one the features never send to: {}\n",
                self.not_applicable.len(),
                self.not_applicable.join(", ")
            ));
        }
        if !self.unreached.is_empty() {
            out.push_str(&format!(
                "{} requirement(s) no fault reaches: {}\n",
                self.unreached.len(),
                self.unreached.join(", ")
            ));
        }
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

/// What one run's sandbox deviates by.
#[derive(Debug, Clone)]
enum Deviation {
    None,
    Fault(Fault),
    Mutation(Mutation),
}

async fn run_one(
    deviation: Deviation,
    features: &[gherkin::Feature],
    options: &MutantsOptions,
) -> Result<MutantOutcome, MutantsError> {
    let started = Instant::now();
    let contract = match options.contract {
        Some(c) => c,
        None => crate::contract::Contract::shared()?,
    };
    let (fault, mutation) = match &deviation {
        Deviation::None => (None, None),
        Deviation::Fault(f) => (Some(*f), None),
        Deviation::Mutation(m) => (None, Some(m.clone())),
    };
    let config = SandboxConfig {
        fault,
        mutation,
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
        tags: options.tags.clone(),
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
    let (name, description) = match &deviation {
        Deviation::None => (None, "the documented behaviour".to_owned()),
        Deviation::Fault(f) => (Some(f.name().to_owned()), f.description().to_owned()),
        Deviation::Mutation(m) => (Some(m.to_string()), m.description()),
    };
    Ok(MutantOutcome {
        fault: name,
        description,
        scenarios: counts.total(),
        failed: counts.failed,
        not_verified: counts.not_verified,
        caught_by: caught.into_iter().collect(),
        duration_ms: started.elapsed().as_millis(),
        covered: results
            .scenarios
            .iter()
            .flat_map(|s| s.requirements.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    })
}

/// The faithful run, then every fault in turn.
pub async fn run(options: &MutantsOptions) -> Result<MutantsReport, MutantsError> {
    let features = plan::select_by_tags(
        plan::load_features(options.features.as_deref())?,
        options.tags.as_deref(),
    )?;
    let contract = match options.contract {
        Some(c) => c,
        None => crate::contract::Contract::shared()?,
    };
    let reached = endpoints_reached(contract, &features);
    let faithful = run_one(Deviation::None, &features, options).await?;
    let mut mutants = Vec::with_capacity(options.faults.len() + options.mutations.len());
    let mut not_applicable = Vec::new();
    for fault in &options.faults {
        if fault.endpoint().is_some_and(|e| !reached.contains(e)) {
            not_applicable.push(fault.name().to_owned());
            continue;
        }
        mutants.push(run_one(Deviation::Fault(*fault), &features, options).await?);
    }
    for mutation in &options.mutations {
        mutants.push(run_one(Deviation::Mutation(mutation.clone()), &features, options).await?);
    }
    let reached: BTreeSet<&String> = mutants.iter().flat_map(|m| &m.caught_by).collect();
    let unreached = faithful
        .covered
        .iter()
        .filter(|r| !reached.contains(r))
        .cloned()
        .collect();
    Ok(MutantsReport {
        faithful,
        mutants,
        unreached,
        not_applicable,
    })
}

/// The endpoints some scenario of `features` covers a requirement of.
fn endpoints_reached(
    contract: &crate::contract::Contract,
    features: &[gherkin::Feature],
) -> BTreeSet<String> {
    crate::runner::coverage::coverage(contract, features)
        .requirements
        .into_iter()
        .filter(|r| !r.scenarios.is_empty())
        .map(|r| r.endpoint)
        .collect()
}

/// The contract-derived faults for the endpoints `features` send to: those the contract's
/// folder added (the built-in endpoints have named faults of their own), or every one when
/// `all`.
pub fn derived_mutations(
    contract: &crate::contract::Contract,
    features: &[gherkin::Feature],
    all: bool,
) -> Vec<Mutation> {
    let reached = endpoints_reached(contract, features);
    let candidates: &[crate::contract::Endpoint] = if all {
        &contract.catalogue.endpoints
    } else {
        contract.added_endpoints()
    };
    candidates
        .iter()
        .filter(|e| reached.contains(&e.id))
        .flat_map(|e| Mutation::derive(contract, e))
        .collect()
}
