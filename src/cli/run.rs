//! `kona-conformance run`: flags in, certification out, exit code by the documented table.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::client::{Cause, Interrupt};
use crate::redact::for_console;
use crate::runner::certify::{self, RunError};
use crate::runner::config::{ConfigError, Profile, RunOptions, Settings};
use crate::runner::results::{RunResults, Verdict};
use crate::runner::{LineProgress, NoProgress, Progress};

use super::exit;

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Certify this target (up to its base path, e.g. https://sandbox.konaplate.com/open-api).
    /// Without it, the embedded sandbox is started and certified.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The target's fixtures file (which records play which role).
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// Read feature files from this folder instead of the ones built in.
    #[arg(long, value_name = "DIR")]
    pub features: Option<PathBuf>,
    /// Certify against the contract in this folder (same layout as schemas/, or an
    /// extension whose catalogue.json says "extends": "embedded") instead of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<PathBuf>,
    /// Only scenarios matching this tag expression, e.g. "@read-only and not @generated".
    #[arg(long, value_name = "EXPR")]
    pub tags: Option<String>,
    /// Scenarios in flight at once.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// At most this many requests per second.
    #[arg(long, value_name = "RPS")]
    pub rate_limit: Option<f64>,
    /// Stop at the first failed scenario.
    #[arg(long)]
    pub fail_fast: bool,
    /// Seed for generated cases and correlation ids (printed every run).
    #[arg(long)]
    pub seed: Option<u64>,
    /// sandbox: every scenario; production: @read-only only, rate-limited.
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// Generated cases in all (spread over the endpoints).
    #[arg(long, value_name = "N")]
    pub generated: Option<usize>,
    /// Trust this CA certificate (PEM) besides the platform's roots.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Settings file (TOML, same keys as these flags); environment KONA_RUN_* and flags win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write junit.xml, cucumber.json, results.json, summary.md and report.html here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Write every exchange here as it finishes, one redacted exchange-log line each
    /// (default: journal.ndjson in --report-dir; none without either).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Compare with an earlier results.json: fail on requirements that newly fail.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Known deviations (requirement id, reason, expiry) that do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// No per-scenario progress lines.
    #[arg(long, short)]
    pub quiet: bool,
    /// Stop the whole run after this many seconds and report what ran (exit code 4).
    /// Default: 1800 against a target off this machine, no limit on loopback; 0: no limit.
    #[arg(long, value_name = "SECONDS")]
    pub max_duration: Option<f64>,
    /// Never use a proxy, even when HTTP_PROXY, HTTPS_PROXY or ALL_PROXY is set.
    #[arg(long)]
    pub no_proxy: bool,
    /// Fail (exit 1) when fewer requirements than this are verified: a count (44) or a
    /// share of the catalogue (80%).
    #[arg(long, value_name = "N|P%")]
    pub min_verified: Option<crate::runner::config::MinVerified>,
}

impl RunArgs {
    fn flag_settings(&self) -> Settings {
        Settings {
            base_url: self.base_url.clone(),
            fixtures: self.fixtures.clone(),
            features: self.features.clone(),
            contract: self.contract.clone(),
            tags: self.tags.clone(),
            concurrency: self.concurrency,
            timeout: self.timeout,
            rate_limit: self.rate_limit,
            fail_fast: self.fail_fast.then_some(true),
            seed: self.seed,
            profile: self.profile,
            generated: self.generated,
            ca_cert: self.ca_cert.clone(),
            report_dir: self.report_dir.clone(),
            baseline: self.baseline.clone(),
            waivers: self.waivers.clone(),
            max_duration: self.max_duration,
            no_proxy: self.no_proxy.then_some(true),
            min_verified: self.min_verified,
        }
    }

    pub fn options(&self) -> Result<RunOptions, ConfigError> {
        let file = match &self.config {
            Some(path) => Settings::from_file(path)?,
            None => Settings::default(),
        };
        let env = Settings::from_env(|k| std::env::var(k).ok())?;
        let merged = file.overridden_by(env).overridden_by(self.flag_settings());
        if let Some(url) = &merged.base_url {
            crate::client::target::check_base_url(url).map_err(|rule| ConfigError::Invalid {
                field: "base-url",
                rule,
            })?;
        }
        RunOptions::resolve(merged)
    }
}

/// Stop the run on SIGINT or SIGTERM (reports of what ran are still written); a second
/// signal leaves at once.
async fn stop_on_signals(interrupt: Interrupt) {
    loop {
        let Some(cause) = next_signal().await else {
            return;
        };
        if interrupt.cause().is_some() {
            eprintln!("{cause} again: leaving now, without reports");
            std::process::exit(i32::from(exit::interrupted(cause)));
        }
        eprintln!(
            "{cause}: stopping: no new requests, answers in flight get {} ms; the reports will say what ran (send it again to leave at once)",
            crate::client::interrupt::IN_FLIGHT_GRACE.as_millis()
        );
        interrupt.trigger(cause);
    }
}

#[cfg(unix)]
async fn next_signal() -> Option<Cause> {
    use std::sync::OnceLock;
    use tokio::signal::unix::{Signal, SignalKind, signal};
    use tokio::sync::Mutex;
    // Registered once, so no signal between two waits falls through to the default action.
    static SIGNALS: OnceLock<Option<Mutex<(Signal, Signal)>>> = OnceLock::new();
    let signals = SIGNALS
        .get_or_init(|| {
            Some(Mutex::new((
                signal(SignalKind::interrupt()).ok()?,
                signal(SignalKind::terminate()).ok()?,
            )))
        })
        .as_ref()?;
    let mut guard = signals.lock().await;
    let (int, term) = &mut *guard;
    tokio::select! {
        _ = int.recv() => Some(Cause::Sigint),
        _ = term.recv() => Some(Cause::Sigterm),
    }
}

#[cfg(not(unix))]
async fn next_signal() -> Option<Cause> {
    tokio::signal::ctrl_c().await.ok().map(|()| Cause::Sigint)
}

/// A table of scenario verdicts per endpoint, for the terminal.
pub fn summary_table(results: &RunResults) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<22} {:>7} {:>7} {:>13} {:>6}\n",
        "endpoint", "passed", "failed", "not verified", "total"
    ));
    for (endpoint, c) in results.counts_by_endpoint() {
        out.push_str(&format!(
            "{endpoint:<22} {:>7} {:>7} {:>13} {:>6}\n",
            c.passed,
            c.failed,
            c.not_verified,
            c.total()
        ));
    }
    let c = results.counts();
    out.push_str(&format!(
        "{:<22} {:>7} {:>7} {:>13} {:>6}\n",
        "all",
        c.passed,
        c.failed,
        c.not_verified,
        c.total()
    ));
    out
}

/// Lines of the observation table the console shows; the rest are in the reports.
const CONSOLE_OBSERVATION_LINES: usize = 20;
/// Not-verified reasons the console lists.
const CONSOLE_NOT_VERIFIED_REASONS: usize = 10;

/// How the target answers what the docs leave open, aggregated: the answers that equal the
/// convention counted in one line, the others one line per case and answer (endpoints
/// merged), at most [`CONSOLE_OBSERVATION_LINES`].
pub fn observation_lines(results: &RunResults) -> Vec<String> {
    let observed = crate::report::observed::Observed::of(
        results
            .scenarios
            .iter()
            .flat_map(|s| s.observations.iter().map(move |o| (s.name.as_str(), o))),
    );
    if observed.total == 0 {
        return Vec::new();
    }
    let mut out = vec![
        format!(
            "{} observation(s) of behaviour the docs leave open:",
            observed.total
        ),
        format!("  {}", observed.convention_line()),
    ];
    let by_case = observed.by_case_and_code();
    for rows in by_case.iter().take(CONSOLE_OBSERVATION_LINES) {
        let first = rows[0];
        let mut endpoints: Vec<&str> = rows.iter().map(|r| r.endpoint.as_str()).collect();
        endpoints.dedup();
        let count: usize = rows.iter().map(|r| r.count).sum();
        let messages = rows
            .iter()
            .map(|r| &r.observed.message)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        out.push(format!(
            "  {:<22} observed {:<18} convention {:<18} ×{count:<4} {}{}",
            first.case,
            first.observed.status_code(),
            first.convention.status_code(),
            endpoints.join(", "),
            if messages > 1 {
                format!(" ({messages} messages)")
            } else {
                String::new()
            }
        ));
    }
    if by_case.len() > CONSOLE_OBSERVATION_LINES {
        out.push(format!(
            "  …and {} more line(s): see the observations in report.html (--report-dir)",
            by_case.len() - CONSOLE_OBSERVATION_LINES
        ));
    } else if !by_case.is_empty() {
        out.push("  inputs, messages and correlation ids: report.html (--report-dir)".into());
    }
    out
}

/// What the terminal shows after a run (before the gate's lines).
pub(crate) fn outcome_text(results: &RunResults) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    out.push('\n');
    out.push_str(&summary_table(results));
    let observations = observation_lines(results);
    if !observations.is_empty() {
        out.push('\n');
        for line in observations {
            let _ = writeln!(out, "{line}");
        }
    }
    let mut not_verified: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for s in results
        .scenarios
        .iter()
        .filter(|s| s.verdict == Verdict::NotVerified)
    {
        not_verified
            .entry(s.reason.as_deref().unwrap_or(""))
            .or_default()
            .push(&s.id);
    }
    if !not_verified.is_empty() {
        let total: usize = not_verified.values().map(Vec::len).sum();
        let _ = writeln!(out, "\nnot verified ({total}), never counted as passed:");
        for (reason, ids) in not_verified.iter().take(CONSOLE_NOT_VERIFIED_REASONS) {
            let shown: Vec<&str> = ids.iter().take(3).copied().collect();
            let _ = writeln!(
                out,
                "  {reason} ({}: {}{})",
                ids.len(),
                shown.join(", "),
                if ids.len() > shown.len() { ", …" } else { "" }
            );
        }
        if not_verified.len() > CONSOLE_NOT_VERIFIED_REASONS {
            let _ = writeln!(
                out,
                "  …and {} more reason(s): see report.html",
                not_verified.len() - CONSOLE_NOT_VERIFIED_REASONS
            );
        }
    }
    let timing = crate::report::model::Timing::of_durations(&results.durations());
    let _ = writeln!(
        out,
        "\n{}{} exchanges{}{} · {:.3} s · target {}{}",
        // Traffic the harness did not send has no seed.
        match results.meta.source {
            crate::runner::results::Source::Suite => format!("seed {} · ", results.meta.seed),
            _ => String::new(),
        },
        results.exchange_count(),
        match results.resend_count() {
            0 => String::new(),
            n => format!(", {n} resent after flow control"),
        },
        timing
            .map(|t| format!(" ({})", t.describe()))
            .unwrap_or_default(),
        results.duration().as_secs_f64(),
        results.meta.target,
        results
            .meta
            .proxy
            .as_deref()
            .map_or(String::new(), |p| format!(" via proxy {p}"))
    );
    out
}

/// Every line `run` prints passes here: redacted (every secret known to the process, from
/// the start) and inert (no escape sequences or hidden characters from the target).
fn say(text: &str) {
    eprintln!("{}", for_console(text));
}

pub async fn run(args: RunArgs) -> u8 {
    let options = match args.options() {
        Ok(mut o) => {
            if let Some(journal) = &args.journal {
                o.journal = Some(journal.clone());
            }
            o
        }
        Err(e) => {
            say(&format!("error: {e}"));
            return exit::USAGE;
        }
    };
    let budget = options.max_duration;
    say(&format!(
        "kona-conformance {}: certifying {} (profile {}, seed {}{})",
        env!("CARGO_PKG_VERSION"),
        options
            .base_url
            .as_deref()
            .unwrap_or("the embedded sandbox"),
        options.profile.as_str(),
        options.seed,
        budget.map_or(String::new(), |b| format!(
            ", at most {} s",
            b.as_secs_f64()
        ))
    ));
    if options.generated > 0 {
        say(&format!(
            "generated cases: {} in all; no endpoint's case starts after {} s, so a slow target cannot stretch the run (--generated sets the number)",
            options.generated,
            crate::runner::suite::DEFAULT_GENERATED_BUDGET.as_secs()
        ));
    }
    // The contract, waivers, baseline and report folder are checked before a single request
    // is sent; waivers are read against the run's own contract.
    let checked = crate::contract::Contract::resolve(options.contract.as_deref())
        .map_err(crate::report::ReportError::from)
        .and_then(|contract| crate::report::check_inputs(&options, contract));
    if let Err(e) = checked {
        say(&format!("error: {e}"));
        return exit::USAGE;
    }
    let interrupt = Interrupt::default();
    let signals = tokio::spawn(stop_on_signals(interrupt.clone()));
    let timer = budget.map(|b| {
        let interrupt = interrupt.clone();
        tokio::spawn(async move {
            tokio::time::sleep(b).await;
            say(&format!(
                "time budget of {} s spent: stopping; the reports will say what ran",
                b.as_secs_f64()
            ));
            interrupt.trigger(Cause::TimeBudget {
                seconds: b.as_secs(),
            });
        })
    });
    let progress: Arc<dyn Progress> = if args.quiet {
        Arc::new(NoProgress)
    } else {
        Arc::new(LineProgress)
    };
    let certification = certify::certify_until(&options, progress, interrupt).await;
    if let Some(timer) = timer {
        timer.abort();
    }
    let code = match certification {
        Ok(certification) => {
            if let Some(line) = certification.clock_verdict() {
                say(&line);
            }
            let results = &certification.execution.results;
            print!("{}", for_console(&outcome_text(results)));
            match crate::report::gate(&options, &certification.execution) {
                Ok(code) => code,
                Err(e) => {
                    say(&format!("error: {e}"));
                    exit::USAGE
                }
            }
        }
        Err(RunError::Stopped { cause, during }) => {
            say(&format!(
                "{cause}: stopped while {during}; nothing was sent and no report was written"
            ));
            exit::interrupted(cause)
        }
        Err(e @ (RunError::Unreachable { .. } | RunError::ProxyUnreachable { .. })) => {
            say(&format!("error: {e}"));
            exit::UNREACHABLE
        }
        Err(e) => {
            say(&format!("error: {e}"));
            exit::USAGE
        }
    };
    signals.abort();
    code
}
