//! One pass of the suite against one target, from features to results: the piece `run`,
//! `mutants` and the tests share.

use std::sync::Arc;

use crate::client::{ClientError, KonaClient, Target, TargetKind, TransportOptions};
use crate::contract::{Contract, ContractError};
use crate::fixtures::Fixtures;

use super::config::Profile;
use super::plan::{self, PlanError, PlanOptions};
use super::{EngineOptions, Execution, Progress};
use crate::steps::RunContext;

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Everything one pass needs besides the target.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// The contract to certify against; the embedded one when `None`.
    pub contract: Option<&'static Contract>,
    pub tags: Option<String>,
    pub profile: Profile,
    pub seed: u64,
    pub generated_per_endpoint: usize,
    pub concurrency: usize,
    pub fail_fast: bool,
    pub transport: TransportOptions,
    /// How long each endpoint's generated cases may take: no case starts after it (the
    /// cases already sent finish), so a slow target costs this, not cases × answer time.
    pub generated_budget: std::time::Duration,
}

/// The default of [`SuiteOptions::generated_budget`]: a fast target sends every case well
/// within it (1,000 cases take under a second on loopback).
pub const DEFAULT_GENERATED_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

impl SuiteOptions {
    /// Every scenario at full speed, as against a local sandbox.
    pub fn full(seed: u64, generated_per_endpoint: usize) -> SuiteOptions {
        SuiteOptions {
            contract: None,
            tags: None,
            profile: Profile::Sandbox,
            seed,
            generated_per_endpoint,
            concurrency: super::config::DEFAULT_CONCURRENCY,
            fail_fast: false,
            transport: TransportOptions::default(),
            generated_budget: DEFAULT_GENERATED_BUDGET,
        }
    }
}

/// Plan `features` (see [`plan::load_features`]) for `target` and its `fixtures`, then
/// execute them.
pub async fn run_suite(
    target: Target,
    fixtures: Fixtures,
    features: Vec<gherkin::Feature>,
    options: &SuiteOptions,
    progress: Arc<dyn Progress>,
) -> Result<Execution, SuiteError> {
    run_suite_journaled(target, fixtures, features, options, None, progress).await
}

/// [`run_suite`], writing every exchange to `journal` as it finishes.
pub async fn run_suite_journaled(
    target: Target,
    fixtures: Fixtures,
    features: Vec<gherkin::Feature>,
    options: &SuiteOptions,
    journal: Option<crate::capture::journal::Journal>,
    progress: Arc<dyn Progress>,
) -> Result<Execution, SuiteError> {
    let contract = match options.contract {
        Some(c) => c,
        None => Contract::shared()?,
    };
    let problems = crate::runner::coverage::feature_problems(contract, &features);
    if !problems.is_empty() {
        return Err(PlanError::Mismatch(problems).into());
    }
    let kind = target.kind;
    let label = match kind {
        TargetKind::Embedded => format!("embedded sandbox ({})", target.base_url),
        TargetKind::External => target.base_url.clone(),
    };
    let planned = plan::plan_for(
        contract,
        features,
        &fixtures,
        &PlanOptions {
            tags: options.tags.clone(),
            profile: options.profile,
            has_keys: target.keys.is_some(),
            generated_per_endpoint: options.generated_per_endpoint,
        },
    )?;
    let client = KonaClient::new(target, &options.transport)?;
    let ctx = RunContext {
        contract,
        client,
        fixtures,
        kind,
        seed: options.seed,
        generated_per_endpoint: options.generated_per_endpoint,
        generated_concurrency: options.concurrency.clamp(1, 8),
        generated_budget: options.generated_budget,
    };
    Ok(super::execute_journaled(
        planned,
        ctx,
        EngineOptions {
            concurrency: options.concurrency,
            fail_fast: options.fail_fast,
            target_label: label,
            profile: options.profile.as_str().to_owned(),
        },
        journal,
        progress,
    )
    .await)
}
