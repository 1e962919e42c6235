//! The embedded reference sandbox: a local server that behaves as the documentation (and,
//! where the documentation is silent, the catalogue's conventions) says KONA PLATE does.
//!
//! It is driven by the contract: it routes every endpoint of the catalogue under its base
//! path, checks the common headers, the tran token and the encryption as documented,
//! checks request fields with the compiled request schemas ([`validate`]), and answers
//! with the catalogue's keys. An endpoint's answer comes from the catalogue's declarative
//! lookup over records ([`lookup`]) or, where the answer is genuine logic, from Rust
//! registered for its id ([`bank`]); it refuses to start when an endpoint has neither.
//! Records are seeded ([`seed`], written out as `fixtures/embedded-sandbox.json`) or brought
//! by the contract ([`records`]). It is what `run` certifies against by default and what
//! the tests exercise; `kona-conformance sandbox` serves it on a port of your choice.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kona_conformance::sandbox::SandboxError> {
//! use kona_conformance::sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::for_certification()).await?;
//! println!("{}", sandbox.base_url()); // http://127.0.0.1:PORT/open-api
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod answer;
mod bank;
mod clock;
mod codebook;
mod conventions;
mod credentials;
pub mod fault;
mod headers;
mod lookup;
pub mod mutation;
mod pipeline;
mod records;
mod seed;
mod server;
pub mod tap;
pub mod test_keys;
mod throttle;
mod validate;
pub mod variant;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use chrono::NaiveTime;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::fixtures::korean::KO_KR;
pub use clock::{Clock, kst};
pub use conventions::{load_conventions, parse_conventions};
pub use credentials::{
    SandboxCredentials, credentials, embedded_credentials, embedded_target, server_private_key,
};
pub use fault::{Fault, UnknownFault};
pub use mutation::Mutation;
pub use seed::MAX_USER_ID;
pub use variant::{UnknownVariant, Variant};

use crate::contract::{Contract, ContractError, Convention};
use crate::fixtures::Fixtures;

/// The embedded sandbox's records of the embedded contract, as a fixtures file (roles plus a
/// pool per collection).
pub fn seeded_fixtures() -> Fixtures {
    seed::seeded().fixtures.clone()
}

/// The fixtures of the embedded sandbox serving `contract`: the seeded records plus the
/// records the contract brings in its `sandbox-records.json`.
pub fn fixtures_for(contract: &Contract) -> Result<Fixtures, SandboxError> {
    let mut fixtures = seeded_fixtures();
    if let Some(extra) = records::contract_records(contract)? {
        fixtures.merge(extra);
    }
    Ok(fixtures)
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the embedded contract did not load: {0}")]
    Contract(#[from] ContractError),
    #[error("the catalogue has no endpoint `{id}`, which the sandbox serves")]
    MissingEndpoint { id: String },
    #[error(
        "endpoint `{id}` has neither a declarative handler (the catalogue's `sandbox.lookup`) nor Rust logic registered for its id, so the sandbox cannot answer it"
    )]
    NoHandler { id: String },
    #[error("contract file {file}: {reason}")]
    Records { file: String, reason: String },
    #[error(
        "no documented response or convention gives endpoint `{endpoint}` an answer for `{key}`"
    )]
    MissingAnswer { endpoint: String, key: String },
    #[error("conventions file {path}: {field}: {reason}")]
    Conventions {
        path: String,
        field: String,
        reason: String,
    },
    #[error("a test key does not load: {0}")]
    Key(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// How the sandbox behaves. [`SandboxConfig::faithful`] is the documented behaviour on the
/// real clock; tests change single fields.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The contract served: the embedded one unless `--contract` names another.
    pub contract: &'static Contract,
    /// The clock tran times are checked against.
    pub clock: Clock,
    /// The clock that decides the banks' service hours.
    pub bank_clock: Clock,
    /// Answers for what the docs leave open; the catalogue's by default.
    pub conventions: Vec<Convention>,
    /// A deliberate deviation, for proving the harness catches it.
    pub fault: Option<Fault>,
    /// A deviation derived from the contract (what it breaks, on any endpoint).
    pub mutation: Option<Mutation>,
    /// Legitimate readings of the docs other than the default one, for proving the
    /// harness passes them.
    pub variants: Vec<Variant>,
    /// How far a tran time may be from the sandbox clock, either way.
    pub skew: chrono::Duration,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Delay before every response.
    pub latency: Option<Duration>,
    /// Where every request and its answer, and every connection the HTTP layer could not
    /// read, are reported (`certify-client`); the answers are the same without it.
    pub tap: Option<tap::TapSender>,
}

impl SandboxConfig {
    /// The documented behaviour of the embedded contract, on the real clock.
    ///
    /// # Panics
    /// If the contract built in does not load, which the build's own tests rule out.
    pub fn faithful() -> Self {
        let contract = Contract::shared().expect("the embedded contract loads");
        Self::serving(contract)
    }

    /// The documented behaviour of `contract`, on the real clock.
    pub fn serving(contract: &'static Contract) -> Self {
        SandboxConfig {
            contract,
            clock: Clock::System,
            bank_clock: Clock::System,
            conventions: contract.catalogue.conventions.clone(),
            fault: None,
            mutation: None,
            variants: Vec::new(),
            skew: chrono::Duration::minutes(5),
            body_limit: 64 * 1024,
            latency: None,
            tap: None,
        }
    }

    /// Faithful, with the bank clock pinned to 12:00 KST so a certification run never
    /// depends on the hour it runs at.
    pub fn for_certification() -> Self {
        Self::certifying(Contract::shared().expect("the embedded contract loads"))
    }

    /// [`SandboxConfig::for_certification`] serving `contract`.
    pub fn certifying(contract: &'static Contract) -> Self {
        SandboxConfig {
            bank_clock: Clock::kst_time_of_day(
                NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default(),
            ),
            ..Self::serving(contract)
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self::faithful()
    }
}

/// A running sandbox. Dropping it stops the server too; [`Sandbox::shutdown`] also waits.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    base_path: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Sandbox {
    /// Start on a free loopback port.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Start on `addr` (port 0 picks a free one).
    pub async fn start_on(
        addr: SocketAddr,
        config: SandboxConfig,
    ) -> Result<Sandbox, SandboxError> {
        let extra = records::contract_records(config.contract)?;
        let served = records::served_with(&seed::seeded().served, extra.as_ref());
        let base_path = config.contract.catalogue.base_path.clone();
        let tap = config.tap.clone();
        let app = Arc::new(pipeline::App::new(config, &served)?);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let router = Router::new().fallback(server::handle).with_state(app);
        let (stop, stopped) = oneshot::channel::<()>();
        // A dropped sender stops the server as well.
        let stopped = async {
            let _ = stopped.await;
        };
        let task = match tap {
            // Watched connections: one that never makes a readable request is reported.
            Some(tap) => tokio::spawn(
                axum::serve(
                    tap::WatchedListener::new(listener, tap),
                    router.into_make_service_with_connect_info::<tap::ConnTag>(),
                )
                .with_graceful_shutdown(stopped)
                .into_future(),
            ),
            None => {
                // Small request/response pairs: don't let Nagle hold them back.
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                tokio::spawn(
                    axum::serve(listener, router)
                        .with_graceful_shutdown(stopped)
                        .into_future(),
                )
            }
        };
        Ok(Sandbox {
            addr,
            base_path,
            stop: Some(stop),
            task,
        })
    }

    /// `http://ADDR:PORT/open-api` (the catalogue's base path).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.base_path)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, let requests in flight finish (at most 5 s), then return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}
