//! `kona-conformance proxy --upstream URL`: judge a live client's traffic as it passes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::exit;
use super::verify::{GateArgs, conclude, meta, prepare};
use crate::proxy::{Proxy, ProxyConfig};
use crate::redact::for_console;
use crate::runner::results::Source;

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Where requests go: the proxy's /x is UPSTREAM/x (e.g. https://sandbox.konaplate.com).
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Listen here. Loopback unless another address is given explicitly.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// Append every exchange, redacted, to this exchange log (NDJSON) for `verify`.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Match endpoint paths below this base path (e.g. /open-api); inferred when absent.
    #[arg(long, value_name = "PATH")]
    pub base_path: Option<String>,
    /// The upstream is the embedded sandbox: judge with its published test keys.
    #[arg(long)]
    pub sandbox_keys: bool,
    /// A private CA to trust for the upstream (PEM), besides the platform's roots.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Give up on an upstream exchange after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Reach the upstream directly, even when HTTP_PROXY, HTTPS_PROXY or ALL_PROXY is set.
    #[arg(long)]
    pub no_proxy: bool,
    /// No line per judged exchange.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub gate: GateArgs,
}

pub async fn run(args: ProxyArgs) -> u8 {
    let (contract, keys) = match prepare(&args.gate, args.sandbox_keys) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("error: --timeout must be a positive number of seconds");
        return exit::USAGE;
    }
    let mut redactor = crate::redact::Redactor::new();
    for secret in keys.secrets() {
        redactor.add_secret(&secret);
    }
    redactor.prepare();
    let secrets = keys.secrets();
    // The same choice of an outbound proxy as `run`: loopback goes direct.
    let outbound = match crate::client::target::proxy_for(&args.upstream, args.no_proxy, |k| {
        std::env::var(k).ok()
    }) {
        Ok((used, note)) => {
            if let Some(note) = note {
                eprintln!("{}", for_console(&note));
            }
            if let Some(used) = &used {
                eprintln!(
                    "proxy: the upstream is reached through {} (--no-proxy to go direct)",
                    used.describe()
                );
            }
            used
        }
        Err(e) => {
            eprintln!("error: {}", for_console(&e.to_string()));
            return exit::USAGE;
        }
    };
    let config = ProxyConfig {
        upstream: args.upstream.clone(),
        listen: args.listen,
        base_path: args.base_path.clone(),
        journal: args.journal.clone(),
        quiet: args.quiet,
        transport: crate::client::TransportOptions {
            timeout: Duration::from_secs_f64(args.timeout),
            ca_cert: args.ca_cert.clone(),
            proxy: outbound,
            ..Default::default()
        },
    };
    let proxy = match Proxy::start(config, contract, keys, redactor).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}", for_console(&e.to_string()));
            return exit::USAGE;
        }
    };
    eprintln!(
        "proxy: listening on http://{} for {}; point your client's base URL here, Ctrl-C (or SIGTERM) to stop and write the reports",
        proxy.addr,
        for_console(&args.upstream)
    );
    if !proxy.addr.ip().is_loopback() {
        eprintln!(
            "proxy: {} is reachable from other machines (given with --listen)",
            proxy.addr
        );
    }
    let started = chrono::Utc::now();
    super::sandbox::wait_for_stop().await;
    let tally = proxy.stop().await;
    let mut meta = meta(
        contract,
        format!("proxy for {}", args.upstream),
        Source::Proxy,
    );
    meta.started_at = started;
    meta.base_url = args.upstream.clone();
    eprintln!(
        "proxy: stopped; {} exchange(s), {} judged, {} to unknown paths",
        tally.exchanges,
        tally.judged,
        tally.unknown_count()
    );
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
