//! A whole certification: resolve the target (the embedded sandbox unless a base URL is
//! given), check it can be reached, plan, execute. The CLI only parses flags and prints.

use std::sync::Arc;

use crate::client::target::{
    CredentialsError, ProxyError, build_http_client, explain, is_certificate_error, proxy_for,
    transport_reason,
};
use crate::client::{ClientError, Exchange, Interrupt, Target, TransportOptions, headers};
use crate::contract::{Contract, ContractError};
use crate::crypto::ids::{self, TimeZoneName};
use crate::fixtures::{Fixtures, FixturesError};
use crate::sandbox::{Sandbox, SandboxConfig, SandboxError};

use super::config::RunOptions;
use super::plan::{self, PlanError};
use super::results::RunResults;
use super::suite::{SuiteError, SuiteOptions};
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
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// The proxy itself did not answer, so the target was never tried.
    #[error(
        "proxy unreachable: {proxy}: {reason}; the target was not tried: fix the proxy variable, or pass --no-proxy (or add the host to NO_PROXY) to go direct"
    )]
    ProxyUnreachable { proxy: String, reason: String },
    #[error("cannot write the journal {path}: {reason}")]
    Journal { path: String, reason: String },
    /// Stopped before any request: nothing was sent, so there is nothing to report.
    #[error("{cause}: stopped while {during}; nothing was sent and no report was written")]
    Stopped {
        cause: crate::client::Cause,
        during: String,
    },
}

/// The target's clock as its `Date` header tells it, against ours: positive when the target
/// is ahead. Whole seconds, and the header itself has one-second resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    pub seconds: i64,
}

/// Beyond this, a target that checks tran times will likely reject every request.
pub const CLOCK_SKEW_WARNING: i64 = 120;

/// A request whose tran time is within this of when it was sent carried our own clock, not a
/// deliberate shift: if the target calls it stale, the clocks disagree.
const UNSHIFTED_TOLERANCE_SECONDS: i64 = 60;

impl ClockSkew {
    /// The skew between `theirs` (a `Date` header) and `ours`; `None` if the header is not an
    /// HTTP date.
    pub fn from_date_header(theirs: &str, ours: chrono::DateTime<chrono::Utc>) -> Option<Self> {
        let theirs = chrono::DateTime::parse_from_rfc2822(theirs.trim()).ok()?;
        Some(ClockSkew {
            seconds: (theirs.with_timezone(&chrono::Utc) - ours).num_seconds(),
        })
    }

    /// Large enough that a target checking X-KM-Tran-Time would reject our requests.
    pub fn is_significant(&self) -> bool {
        self.seconds.abs() > CLOCK_SKEW_WARNING
    }

    fn describe(&self) -> String {
        format!(
            "the target's clock is {} s {} ours",
            self.seconds.abs(),
            if self.seconds > 0 {
                "ahead of"
            } else {
                "behind"
            }
        )
    }
}

pub struct Certification {
    pub execution: Execution,
    pub skew: Option<ClockSkew>,
}

impl Certification {
    /// The one line (starting `clock:`) to print when the clocks disagree enough to matter:
    /// the target's `Date` header is more than [`CLOCK_SKEW_WARNING`] from ours, or the target
    /// rejected requests that carried our current time as `stale-tran-time`. `None` otherwise.
    pub fn clock_verdict(&self) -> Option<String> {
        let significant = self.skew.filter(ClockSkew::is_significant);
        let stale = stale_rejections(self.execution.contract, &self.execution.results);
        match (stale, significant, self.skew) {
            (None, None, _) => None,
            (None, Some(skew), _) => Some(format!(
                "clock: {}; a target that checks X-KM-Tran-Time will reject requests: fix the clock on one side",
                skew.describe()
            )),
            (Some((n, code)), Some(skew), _) => Some(format!(
                "clock: {}, and it rejected {n} request(s) sent with our current time as stale-tran-time ({code}): fix the clock on one side",
                skew.describe()
            )),
            (Some((n, code)), None, Some(skew)) => Some(format!(
                "clock: the target rejected {n} request(s) sent with our current time as stale-tran-time ({code}), yet by its Date header its clock is only {} s off ours: it may read X-KM-Tran-Time in another zone than X-KM-Time-Zone names, or allow a narrower window",
                skew.seconds.abs()
            )),
            (Some((n, code)), None, None) => Some(format!(
                "clock: the target rejected {n} request(s) sent with our current time as stale-tran-time ({code}): its clock and ours disagree (it sends no Date header to compare); fix the clock on one side"
            )),
        }
    }
}

/// How many exchanges carried our current time (not a deliberately shifted one) and were
/// answered with the `stale-tran-time` code, and that code. `None` when there are none.
pub fn stale_rejections(contract: &Contract, results: &RunResults) -> Option<(usize, String)> {
    let code = &contract.catalogue.convention("*", "stale-tran-time")?.code;
    let count = results
        .scenarios
        .iter()
        .flat_map(|s| &s.exchanges)
        .filter(|e| answered_stale(contract, e))
        .count()
        + results
            .scenarios
            .iter()
            .map(|s| s.traffic.stale)
            .sum::<usize>();
    (count > 0).then(|| (count, code.clone()))
}

/// Whether `e` carried our current time (not a deliberately shifted one) and was answered
/// with the `stale-tran-time` code: counted once per exchange, as it goes by.
pub fn answered_stale(contract: &Contract, e: &Exchange) -> bool {
    let catalogue = &contract.catalogue;
    let Some(code) = catalogue
        .convention("*", "stale-tran-time")
        .map(|c| &c.code)
    else {
        return false;
    };
    let envelope = &catalogue.envelope;
    let header = |e: &Exchange, name: &str| {
        e.request_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let answered_stale = e
        .response
        .as_ref()
        .and_then(|r| r.message())
        .and_then(|m| {
            m.get(&envelope.result_object)?
                .get(&envelope.code_field)?
                .as_str()
                .map(|c| c == code)
        })
        .unwrap_or(false);
    let sent_now = || {
        let zone = header(e, headers::TIME_ZONE)?
            .parse::<TimeZoneName>()
            .ok()?;
        let sent = ids::parse_tran_time(&header(e, headers::TRAN_TIME)?, zone)?;
        let off = (sent.with_timezone(&chrono::Utc) - e.started_at).num_seconds();
        Some(off.abs() <= UNSHIFTED_TOLERANCE_SECONDS)
    };
    answered_stale && sent_now().unwrap_or(false)
}

/// A request that proves the target answers HTTP at all, and reads its clock. Any HTTP
/// status counts as reachable. It travels like every request of the run: the same TLS roots
/// (`--ca-cert`), proxies and timeout.
pub async fn probe(
    base_url: &str,
    options: &TransportOptions,
) -> Result<Option<ClockSkew>, RunError> {
    let client = build_http_client(options)?;
    let response = match client.get(base_url).send().await {
        Ok(response) => response,
        Err(e) => {
            if let Some(proxy) = &options.proxy
                && e.is_connect()
                && let Err(reason) = reach(&proxy.address, options.timeout).await
            {
                return Err(RunError::ProxyUnreachable {
                    proxy: proxy.describe(),
                    reason,
                });
            }
            let hint = wrong_scheme(&client, base_url, &e)
                .await
                .unwrap_or_default();
            return Err(RunError::Unreachable {
                url: base_url.to_owned(),
                reason: format!("{}{hint}", explain(transport_reason(&e), options)),
            });
        }
    };
    let ours = chrono::Utc::now();
    let skew = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| ClockSkew::from_date_header(d, ours));
    Ok(skew)
}

/// Whether a TCP connection to `address` (`host:port`) opens within `timeout`: told apart
/// from the target, so a dead proxy is not blamed on it.
async fn reach(address: &str, timeout: std::time::Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("connection failed: {e}")),
        Err(_) => Err(format!("no connection within {} s", timeout.as_secs_f64())),
    }
}

/// When a probe failed because the URL names the wrong scheme for the server (a TLS server
/// on `http://`, a plain one on `https://`), the sentence that says so and names the URL to
/// use. It asks the same host and port once more, the other way, with the same client.
async fn wrong_scheme(
    client: &reqwest::Client,
    base_url: &str,
    failure: &reqwest::Error,
) -> Option<String> {
    if is_certificate_error(failure) {
        return None;
    }
    let mut other = reqwest::Url::parse(base_url).ok()?;
    let (scheme, speaks) = match other.scheme() {
        "http" => ("https", "TLS"),
        "https" => ("http", "plain HTTP, not TLS"),
        _ => return None,
    };
    let port = other.port_or_known_default();
    other.set_scheme(scheme).ok()?;
    // Keep the port that was tried (switching scheme would drop a default one).
    other.set_port(port).ok()?;
    let answered = match client
        .get(other.as_str())
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
    {
        Ok(_) => true,
        // A certificate the platform does not trust still proves the server speaks TLS.
        Err(e) => scheme == "https" && is_certificate_error(&e),
    };
    answered.then(|| format!("; the server on that port speaks {speaks}: use --base-url {other}"))
}

/// Whether `base_url` serves the API at all: one unsigned request to each endpoint. When
/// every answer is a 404 without a KONA envelope, nothing there is the API (typically the
/// base path was left out), and no verdict about it would mean anything.
pub async fn check_serves_api(
    base_url: &str,
    contract: &Contract,
    options: &TransportOptions,
) -> Result<(), RunError> {
    let client = build_http_client(options)?;
    let envelope = &contract.catalogue.envelope;
    for endpoint in &contract.catalogue.endpoints {
        let Ok(response) = client
            .post(format!("{base_url}{}", endpoint.path))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await
        else {
            return Ok(());
        };
        if response.status() != reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        let body = response.bytes().await.unwrap_or_default();
        let enveloped = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v.get(&envelope.result_object)?
                    .get(&envelope.code_field)
                    .cloned()
            })
            .is_some();
        if enveloped {
            return Ok(());
        }
    }
    let base_path = &contract.catalogue.base_path;
    let suggestion = if base_url.ends_with(base_path.as_str()) {
        format!("check the host and port; the API lives under …{base_path}")
    } else {
        format!("did you mean {base_url}{base_path}?")
    };
    Err(RunError::Unreachable {
        url: base_url.to_owned(),
        reason: format!(
            "every endpoint answered HTTP 404 without a KONA envelope: no KONA PLATE API at this URL: {suggestion}"
        ),
    })
}

/// Read the fixtures file where a stop need not wait for it: a FIFO (`--fixtures <(...)`)
/// or a stalled network file blocks its read until a writer comes. The read runs on a thread
/// of its own (not the runtime's blocking pool, whose shutdown would wait for it).
async fn load_fixtures(
    path: &std::path::Path,
    interrupt: &Interrupt,
) -> Result<Fixtures, RunError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let owned = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(Fixtures::load(&owned));
    });
    tokio::select! {
        loaded = rx => match loaded {
            Ok(loaded) => Ok(loaded?),
            Err(_) => Err(FixturesError::Read {
                path: path.display().to_string(),
                reason: "the read did not finish".into(),
            }
            .into()),
        },
        cause = interrupt.triggered() => Err(RunError::Stopped {
            cause,
            during: format!("reading the fixtures file {} (a pipe or FIFO waits for its writer)", path.display()),
        }),
    }
}

/// Certify the target `options` name.
pub async fn certify(
    options: &RunOptions,
    progress: Arc<dyn Progress>,
) -> Result<Certification, RunError> {
    certify_until(options, progress, Interrupt::default()).await
}

/// [`certify`], stopping early (and still returning what ran) once `interrupt` is triggered.
pub async fn certify_until(
    options: &RunOptions,
    progress: Arc<dyn Progress>,
    interrupt: Interrupt,
) -> Result<Certification, RunError> {
    let contract = Contract::resolve(options.contract.as_deref())?;
    // The embedded sandbox is on loopback: never through a proxy.
    let proxy = match &options.base_url {
        Some(url) => proxy_for(url, options.no_proxy, |k| std::env::var(k).ok())?,
        None => (None, None),
    };
    if let Some(note) = &proxy.1 {
        progress.note(note);
    }
    if let Some(used) = &proxy.0 {
        progress.note(&format!(
            "proxy: every request goes through {} (--no-proxy to go direct)",
            used.describe()
        ));
    }
    let transport = TransportOptions {
        timeout: options.timeout,
        rate_limit: options.rate_limit,
        ca_cert: options.ca_cert.clone(),
        interrupt,
        proxy: proxy.0,
        ..TransportOptions::default()
    };
    let proxy_named = transport.proxy.as_ref().map(|p| p.describe());
    let fixtures_from_flag = match options.fixtures.as_deref() {
        Some(path) => {
            let fixtures = load_fixtures(path, &transport.interrupt).await?;
            fixtures.check(contract, &path.display().to_string())?;
            Some(fixtures)
        }
        None => None,
    };
    // Parse the features before any request, so a bad feature file is a usage error.
    let features = plan::load_features(options.features.as_deref())?;

    let (target, fixtures, sandbox) = match &options.base_url {
        None => {
            let sandbox = Sandbox::start(SandboxConfig::certifying(contract)).await?;
            let target = crate::sandbox::embedded_target(&sandbox.base_url());
            let fixtures = match fixtures_from_flag {
                Some(f) => f,
                None => crate::sandbox::fixtures_for(contract)?,
            };
            (target, fixtures, Some(sandbox))
        }
        Some(url) => {
            let target = Target::from_env(url, |k| std::env::var(k).ok())?;
            (
                target,
                fixtures_from_flag.unwrap_or_else(Fixtures::empty),
                None,
            )
        }
    };
    // A stop during the first contact (a silent target holds it for the whole timeout) goes
    // straight to the suite, which refuses every request and reports each as interrupted.
    let interrupt = transport.interrupt.clone();
    let first_contact = async {
        let skew = probe(&target.base_url, &transport).await?;
        if options.base_url.is_some() {
            check_serves_api(&target.base_url, contract, &transport).await?;
        }
        Ok::<_, RunError>(skew)
    };
    let skew = tokio::select! {
        skew = first_contact => skew?,
        _ = interrupt.triggered() => None,
    };
    let suite = SuiteOptions {
        contract: Some(contract),
        tags: options.tags.clone(),
        profile: options.profile,
        seed: options.seed,
        generated_per_endpoint: options.generated_per_endpoint(contract.catalogue.endpoints.len()),
        concurrency: options.concurrency,
        fail_fast: options.fail_fast,
        transport,
        generated_budget: super::suite::DEFAULT_GENERATED_BUDGET,
    };
    let journal =
        match &options.journal {
            Some(path) => Some(crate::capture::journal::Journal::create(path).map_err(|e| {
                RunError::Journal {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }
            })?),
            None => None,
        };
    let execution =
        super::suite::run_suite_journaled(target, fixtures, features, &suite, journal, progress)
            .await;
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    let mut execution = execution?;
    execution.results.meta.proxy = proxy_named;
    Ok(Certification { execution, skew })
}
