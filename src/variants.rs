//! The counterpart of [`crate::mutants`]: where mutants prove every fault is caught,
//! variants prove no legitimate server is failed. Each variant is a sandbox serving another
//! reading of the docs ([`crate::sandbox::Variant`]), certified as a foreign target exactly as
//! a user would: the binary's `run --base-url`, credentials from the environment. Every
//! variant must pass with zero failures.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::client::target::env;
use crate::mutants::{MutantsError, table_row};
use crate::sandbox::{Sandbox, SandboxConfig, Variant, credentials, fixtures_for};

#[derive(Debug, Clone)]
pub struct VariantsOptions {
    /// The `kona-conformance` binary that certifies each variant.
    pub binary: PathBuf,
    /// The contract folder served and certified (`--contract`); the embedded one when `None`.
    pub contract_dir: Option<PathBuf>,
    /// Feature files from this folder instead of the ones built in (`--features`).
    pub features: Option<PathBuf>,
    /// Only the scenarios this tag expression selects (`--tags`).
    pub tags: Option<String>,
    pub variants: Vec<Variant>,
    pub concurrency: usize,
    /// Generated cases in all, per run.
    pub generated: usize,
    pub seed: u64,
    pub timeout: Duration,
}

impl VariantsOptions {
    pub fn new(binary: PathBuf) -> Self {
        VariantsOptions {
            binary,
            contract_dir: None,
            features: None,
            tags: None,
            variants: Variant::ALL.to_vec(),
            concurrency: 8,
            generated: 60,
            seed: 1,
            timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantOutcome {
    pub variant: String,
    pub description: String,
    pub exit_code: Option<i32>,
    pub scenarios: usize,
    pub passed: usize,
    pub failed: usize,
    pub not_verified: usize,
    pub observations: usize,
    /// Requirements the run verified (passed or failed), of `requirements`: an answer that
    /// passed only through another reading of the docs does not verify its rule.
    pub requirements_verified: usize,
    pub requirements: usize,
    /// The requirements the run left not verified, by id.
    pub not_verified_requirements: Vec<String>,
    /// The failing scenarios and requirements, when the variant was failed.
    pub failures: Vec<String>,
    /// Why the run gave no results (its stderr), if it gave none.
    pub error: Option<String>,
    pub duration_ms: u128,
}

impl VariantOutcome {
    /// Certified: the run exited 0, verified something and failed nothing.
    pub fn certified(&self) -> bool {
        self.exit_code == Some(0) && self.failed == 0 && self.passed > 0 && self.error.is_none()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VariantsReport {
    pub variants: Vec<VariantOutcome>,
}

impl VariantsReport {
    pub fn passed(&self) -> bool {
        !self.variants.is_empty() && self.variants.iter().all(VariantOutcome::certified)
    }

    pub fn render(&self) -> String {
        let mut out = table_row("variant", "verdict", "failed", "observations / failures");
        for v in &self.variants {
            let detail = if v.certified() {
                let unverified = match v.not_verified_requirements.as_slice() {
                    [] => String::new(),
                    few @ [_, ..] if few.len() <= 3 => format!(" (not {})", few.join(", ")),
                    many => format!(" (not {}, +{} more)", many[..2].join(", "), many.len() - 2),
                };
                format!(
                    "{} of {} requirements verified{unverified}, {} observation(s)",
                    v.requirements_verified, v.requirements, v.observations
                )
            } else if let Some(e) = &v.error {
                e.clone()
            } else {
                v.failures.join(" ")
            };
            out.push_str(&table_row(
                &v.variant,
                if v.certified() { "passed" } else { "FAILED" },
                &format!("{}/{}", v.failed, v.scenarios),
                &detail,
            ));
        }
        let passed = self.variants.iter().filter(|v| v.certified()).count();
        out.push_str(&format!(
            "\n{passed} of {} variants passed as foreign targets\n",
            self.variants.len()
        ));
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VariantsError {
    #[error(transparent)]
    Mutants(#[from] MutantsError),
    #[error("cannot prepare the variants' work folder {path}: {reason}")]
    Work { path: String, reason: String },
}

impl From<crate::sandbox::SandboxError> for VariantsError {
    fn from(e: crate::sandbox::SandboxError) -> Self {
        VariantsError::Mutants(e.into())
    }
}

impl From<crate::contract::ContractError> for VariantsError {
    fn from(e: crate::contract::ContractError) -> Self {
        VariantsError::Mutants(e.into())
    }
}

/// A folder of its own for the run's fixtures, keys and reports; removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create() -> Result<WorkDir, VariantsError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("kona-variants-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| VariantsError::Work {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(WorkDir(path))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, VariantsError> {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).map_err(|e| VariantsError::Work {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(path)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a finished run's `results.json` says.
fn read_results(outcome: &mut VariantOutcome, report: &Path) {
    let results: Option<Value> = std::fs::read(report.join("results.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(results) = results else {
        return;
    };
    let count = |name: &str| {
        results["counts"]["scenarios"][name]
            .as_u64()
            .unwrap_or_default() as usize
    };
    outcome.scenarios = count("total");
    outcome.passed = count("passed");
    outcome.failed = count("failed");
    outcome.not_verified = count("notVerified");
    outcome.observations = results["counts"]["observations"]
        .as_u64()
        .unwrap_or_default() as usize;
    let requirements = results["requirements"].as_array();
    outcome.requirements = requirements.map_or(0, Vec::len);
    outcome.not_verified_requirements = requirements
        .into_iter()
        .flatten()
        .filter(|r| r["verdict"] == "not-verified")
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    outcome.requirements_verified = outcome.requirements - outcome.not_verified_requirements.len();
    for s in results["scenarios"].as_array().into_iter().flatten() {
        if s["verdict"] == "failed" {
            let requirements: Vec<&str> = s["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["requirement"].as_str())
                .collect();
            outcome.failures.push(format!(
                "{} [{}]",
                s["id"].as_str().unwrap_or("?"),
                requirements.join(",")
            ));
        }
    }
}

async fn certify_one(
    variant: Variant,
    options: &VariantsOptions,
    contract: &'static crate::contract::Contract,
    work: &WorkDir,
    fixtures: &Path,
) -> Result<VariantOutcome, VariantsError> {
    let started = Instant::now();
    let sandbox = Sandbox::start(SandboxConfig {
        variants: vec![variant],
        ..SandboxConfig::certifying(contract)
    })
    .await?;
    let report = work.0.join(variant.name());
    let creds = credentials();
    let server_key = work.write("server-public.pem", creds.server_public_key_pem.as_bytes())?;
    let client_key = work.write(
        "client-private.pem",
        creds.client_private_key_pem.as_bytes(),
    )?;
    let mut command = std::process::Command::new(&options.binary);
    command
        .args(["run", "--quiet", "--base-url", &sandbox.base_url()])
        .arg("--fixtures")
        .arg(fixtures)
        .args(["--profile", "sandbox", "--rate-limit", "100000"])
        .args(["--concurrency", &options.concurrency.to_string()])
        .args(["--generated", &options.generated.to_string()])
        .args(["--seed", &options.seed.to_string()])
        .args(["--timeout", &options.timeout.as_secs_f64().to_string()])
        .arg("--report-dir")
        .arg(&report)
        // Secrets reach the child through its environment, never its arguments.
        .env(env::ASP_ID, &creds.asp_id)
        .env(env::ACCESS_KEY, creds.access_key.expose())
        .env(env::SECRET_KEY, creds.secret_key.expose())
        .env(env::CRYPTO_KEY_ID, &creds.crypto_key_id)
        .env(env::SERVER_PUBLIC_KEY, &server_key)
        .env(env::CLIENT_PRIVATE_KEY, &client_key);
    if let Some(dir) = &options.contract_dir {
        command.arg("--contract").arg(dir);
    }
    if let Some(dir) = &options.features {
        command.arg("--features").arg(dir);
    }
    if let Some(expr) = &options.tags {
        command.arg("--tags").arg(expr);
    }
    let binary = options.binary.display().to_string();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| VariantsError::Work {
            path: binary,
            reason: e.to_string(),
        })?;
    sandbox.shutdown().await;
    let mut outcome = VariantOutcome {
        variant: variant.name().to_owned(),
        description: variant.description().to_owned(),
        exit_code: None,
        scenarios: 0,
        passed: 0,
        failed: 0,
        not_verified: 0,
        observations: 0,
        requirements_verified: 0,
        requirements: 0,
        not_verified_requirements: Vec::new(),
        failures: Vec::new(),
        error: None,
        duration_ms: 0,
    };
    match output {
        Ok(output) => {
            outcome.exit_code = output.status.code();
            read_results(&mut outcome, &report);
            if outcome.scenarios == 0 {
                let stderr = String::from_utf8_lossy(&output.stderr);
                outcome.error = Some(format!(
                    "no results (exit {:?}): {}",
                    outcome.exit_code,
                    stderr.trim()
                ));
            }
        }
        Err(e) => outcome.error = Some(format!("cannot run {}: {e}", options.binary.display())),
    }
    outcome.duration_ms = started.elapsed().as_millis();
    Ok(outcome)
}

/// Certify every variant in turn as a foreign target.
pub async fn run(options: &VariantsOptions) -> Result<VariantsReport, VariantsError> {
    let contract = crate::contract::Contract::resolve(options.contract_dir.as_deref())?;
    let work = WorkDir::create()?;
    let fixtures = work.write(
        "fixtures.json",
        fixtures_for(contract)?.to_json().as_bytes(),
    )?;
    let mut variants = Vec::with_capacity(options.variants.len());
    for variant in &options.variants {
        variants.push(certify_one(*variant, options, contract, &work, &fixtures).await?);
    }
    Ok(VariantsReport { variants })
}
