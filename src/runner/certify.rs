//! A whole certification: resolve the target (the embedded sandbox unless a base URL is
//! given), check it can be reached, plan, execute. The CLI only parses flags and prints.

use std::sync::Arc;
use std::time::Duration;

use crate::client::target::CredentialsError;
use crate::client::{ClientError, Target, TransportOptions};
use crate::contract::{Contract, ContractError};
use crate::fixtures::{Fixtures, FixturesError};
use crate::sandbox::{Sandbox, SandboxConfig, SandboxError};

use super::config::RunOptions;
use super::plan::{self, PlanError};
use super::suite::{SuiteError, SuiteOptions, run_suite};
use super::{Execution, Progress};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Fixtures(#[from] FixturesError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot start the embedded sandbox: {0}")]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error("target unreachable: {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

/// The target's clock as its `Date` header tells it, against ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    pub seconds: i64,
}

/// Beyond this, a target that checks tran times will likely reject every request.
pub const CLOCK_SKEW_WARNING: i64 = 120;

pub struct Certification {
    pub execution: Execution,
    pub skew: Option<ClockSkew>,
}

/// A request that proves the target answers HTTP at all, and reads its clock. Any HTTP
/// status counts as reachable.
pub async fn probe(
    base_url: &str,
    options: &TransportOptions,
) -> Result<Option<ClockSkew>, RunError> {
    let client = reqwest::Client::builder()
        .timeout(options.timeout.min(Duration::from_secs(10)))
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))?;
    let unreachable = |reason: String| RunError::Unreachable {
        url: base_url.to_owned(),
        reason,
    };
    let response = client.get(base_url).send().await.map_err(|e| {
        let mut reason = if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            "connection failed".to_owned()
        } else {
            "request failed".to_owned()
        };
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason = format!("{reason}: {s}");
            source = s.source();
        }
        unreachable(reason)
    })?;
    let skew = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
        .map(|theirs| ClockSkew {
            seconds: (theirs.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds(),
        });
    Ok(skew)
}

/// Certify the target `options` name.
pub async fn certify(
    options: &RunOptions,
    progress: Arc<dyn Progress>,
) -> Result<Certification, RunError> {
    Contract::shared()?;
    let transport = TransportOptions {
        timeout: options.timeout,
        rate_limit: options.rate_limit,
        ca_cert: options.ca_cert.clone(),
        ..TransportOptions::default()
    };
    let fixtures_from_flag = options
        .fixtures
        .as_deref()
        .map(Fixtures::load)
        .transpose()?;
    // Parse the features before any request, so a bad feature file is a usage error.
    let features = plan::load_features(options.features.as_deref())?;

    let (target, fixtures, sandbox) = match &options.base_url {
        None => {
            let sandbox = Sandbox::start(SandboxConfig::for_certification()).await?;
            let target = crate::sandbox::embedded_target(&sandbox.base_url());
            let fixtures = fixtures_from_flag.unwrap_or_else(crate::sandbox::seeded_fixtures);
            (target, fixtures, Some(sandbox))
        }
        Some(url) => {
            let target = Target::from_env(url, |k| std::env::var(k).ok())?;
            (
                target,
                fixtures_from_flag.unwrap_or_else(empty_fixtures),
                None,
            )
        }
    };
    let skew = probe(&target.base_url, &transport).await?;
    let suite = SuiteOptions {
        tags: options.tags.clone(),
        profile: options.profile,
        seed: options.seed,
        generated_per_endpoint: options.generated_per_endpoint,
        concurrency: options.concurrency,
        fail_fast: options.fail_fast,
        transport,
    };
    let execution = run_suite(target, fixtures, features, &suite, progress).await;
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    Ok(Certification {
        execution: execution?,
        skew,
    })
}

fn empty_fixtures() -> Fixtures {
    Fixtures {
        format: crate::fixtures::FORMAT.to_owned(),
        ..Fixtures::default()
    }
}
