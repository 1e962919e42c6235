//! `kona-conformance certify-client`: serve the embedded sandbox to a client under test,
//! print the plan of tasks it must perform, judge every request it sends, and write the
//! five reports on the client requirements when every task is done, the time is up, or a
//! signal comes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::exit;
use super::verify::{GateArgs, conclude, meta};
use crate::client::Cause;
use crate::contract::Contract;
use crate::redact::for_console;
use crate::runner::results::Source;
use crate::sandbox::tap::TapEvent;
use crate::sandbox::{Sandbox, SandboxConfig, credentials, fixtures_for};
use crate::verify::Keys;
use crate::verify::client::Session;
use crate::verify::journal::Journal;
use crate::verify::tasks::{self, Plan};

/// When the session ends (besides Ctrl-C and SIGTERM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// When every task of the plan is done.
    AllTasks,
    /// After this long, done or not.
    Duration(Duration),
}

fn parse_until(s: &str) -> Result<Until, String> {
    if s == "all-tasks" {
        return Ok(Until::AllTasks);
    }
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}`: all-tasks, or a duration like 90s, 10m or 1h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => {
            return Err(format!(
                "`{s}`: all-tasks, or a duration like 90s, 10m or 1h"
            ));
        }
    };
    if seconds == 0 {
        return Err(format!("`{s}`: a duration of at least one second"));
    }
    Ok(Until::Duration(Duration::from_secs(seconds)))
}

#[derive(Debug, clap::Args)]
pub struct CertifyClientArgs {
    /// Address to serve the sandbox on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// End when every task is done (all-tasks) or after a duration (90s, 10m, 1h); Ctrl-C
    /// and SIGTERM end it too, and the reports are written either way.
    #[arg(long, value_name = "all-tasks|DURATION", default_value = "all-tasks",
          value_parser = parse_until)]
    pub until: Until,
    /// Write the plan (the tasks, their records and expected answers) as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub plan_out: Option<PathBuf>,
    /// Journal every request, redacted, as an exchange log (`verify` reads it); default
    /// journal.ndjson in --report-dir.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// No table of results on stdout (the banner, the plan and the request lines stay).
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: CertifyClientArgs) -> u8 {
    let contract = match Contract::resolve(args.gate.contract.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", for_console(&e.to_string()));
            return exit::USAGE;
        }
    };
    if let Err(e) = crate::report::check_inputs(&args.gate.options(), contract) {
        eprintln!("error: {}", for_console(&e.to_string()));
        return exit::USAGE;
    }
    let fixtures = match fixtures_for(contract) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    match super::runtime() {
        Some(rt) => rt.block_on(serve(args, contract, fixtures)),
        None => exit::USAGE,
    }
}

async fn serve(
    args: CertifyClientArgs,
    contract: &'static Contract,
    fixtures: crate::fixtures::Fixtures,
) -> u8 {
    // Bounded: a judge that falls behind holds the client back instead of queueing.
    let (tap, mut events) = tokio::sync::mpsc::channel::<TapEvent>(64);
    let mut config = SandboxConfig::certifying(contract);
    config.tap = Some(tap);
    let body_limit = config.body_limit;
    let sandbox = match Sandbox::start_on(args.listen, config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let base_url = sandbox.base_url();
    let plan = tasks::plan(contract, &fixtures, &base_url, |n| {
        rand::random_range(0..n.max(1))
    });
    if let Some(path) = &args.plan_out {
        let text = serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            sandbox.shutdown().await;
            return exit::USAGE;
        }
    }
    let journal_path = args.journal.clone().or_else(|| {
        args.gate
            .report_dir
            .as_ref()
            .map(|d| d.join("journal.ndjson"))
    });
    let journal = match journal_path.as_deref().map(Journal::create).transpose() {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: {e}");
            sandbox.shutdown().await;
            return exit::USAGE;
        }
    };
    let stop = stop_signal();
    print_banner(&plan, &args);
    let origin = format!("http://{}", sandbox.local_addr());
    let mut session = Session::new(
        contract,
        Keys::sandbox(),
        &plan,
        &fixtures,
        origin,
        body_limit,
        journal,
    );
    let meta = meta(
        contract,
        format!("client certification: {base_url}"),
        Source::Client,
    );

    let deadline = match args.until {
        Until::Duration(d) => Some(tokio::time::Instant::now() + d),
        Until::AllTasks => None,
    };
    tokio::pin!(stop);
    let ended: Option<Cause> = loop {
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break None };
                for line in session.take(event) {
                    println!("{}", for_console(&line));
                }
                if args.until == Until::AllTasks && session.all_done() {
                    println!("every task is done");
                    break None;
                }
            }
            () = sleep => {
                let seconds = match args.until {
                    Until::Duration(d) => d.as_secs(),
                    Until::AllTasks => 0,
                };
                break Some(Cause::TimeBudget { seconds });
            }
            cause = &mut stop => break Some(cause),
        }
    };
    // Requests in flight finish and are judged; then what the closing connections said.
    sandbox.shutdown().await;
    while let Ok(event) = events.try_recv() {
        for line in session.take(event) {
            println!("{}", for_console(&line));
        }
    }
    let all_done = session.all_done();
    let (requests, unreadable) = (session.requests, session.unreadable);
    let (tally, summary, journal) = session.finish();
    println!();
    println!("Tasks");
    for (id, done, what) in &summary {
        println!(
            "  {:<22} {:<9} {}",
            id,
            if *done { "done" } else { "not done" },
            for_console(what)
        );
    }
    println!(
        "{requests} request(s) judged, {unreadable} connection(s) that sent no readable request"
    );
    if let Some(path) = journal {
        println!("journal: {}", path.display());
    }
    let mut meta = meta;
    // Stopped with tasks left: the reports say what ran, the exit code says it stopped.
    meta.interrupted = ended.filter(|_| !all_done);
    let secrets = Keys::sandbox().secrets();
    conclude(
        &args.gate,
        contract,
        tally,
        meta,
        "certify-client.feature",
        secrets,
        args.quiet,
    )
}

fn print_banner(plan: &Plan, args: &CertifyClientArgs) {
    let creds = credentials();
    // Public test credentials: printing them is the point (as `sandbox` does).
    println!("KONA PLATE client certification (the embedded sandbox)");
    println!("  base URL       {}", plan.base_url);
    println!("  ASP id         {}", creds.asp_id);
    println!("  access key     {}", creds.access_key.expose());
    println!("  secret key     {}", creds.secret_key.expose());
    println!("  crypto key id  {}", creds.crypto_key_id);
    println!("  test keys      built in; `kona-conformance sandbox --write-keys DIR` writes them");
    println!(
        "                 (encrypt requests for server-public.pem, decrypt answers with client-private.pem)"
    );
    match args.until {
        Until::AllTasks => println!("  ends           when every task is done, or on Ctrl-C"),
        Until::Duration(d) => println!("  ends           after {} s, or on Ctrl-C", d.as_secs()),
    }
    if let Some(path) = &args.plan_out {
        println!("  plan           {}", path.display());
    }
    println!();
    println!("Plan: {} task(s)", plan.tasks.len());
    for (i, task) in plan.tasks.iter().enumerate() {
        println!("{}. {} — {}", i + 1, task.id, task.title);
        for (what, step) in std::iter::once(("request", &task.request))
            .chain(task.follow_up.as_ref().map(|f| ("then", f)))
        {
            println!(
                "   {what:<8} {} {}{} {}",
                step.method,
                step.path,
                if step.encrypt { " (encrypted)" } else { "" },
                serde_json::Value::Object(step.body.clone())
            );
            match &step.expect {
                Some(e) => println!(
                    "   expect   HTTP {} {}{}",
                    e.status,
                    e.code,
                    if e.encrypted { ", encrypted" } else { "" }
                ),
                None => println!("   expect   any answer"),
            }
            if let Some(note) = &step.note {
                println!("   note     {note}");
            }
        }
    }
    println!();
    println!("Waiting for requests.");
}

/// Ctrl-C, or SIGTERM on Unix. The handlers are installed when this is called, not when
/// the future is first polled: a signal that comes right after the banner ends the session
/// with its reports, not the process.
fn stop_signal() -> impl std::future::Future<Output = Cause> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::interrupt())
            .ok()
            .zip(signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = handlers {
            return tokio::select! {
                _ = int.recv() => Cause::Sigint,
                _ = term.recv() => Cause::Sigterm,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        Cause::Sigint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("all-tasks", Some(Until::AllTasks))]
    #[case("90", Some(Until::Duration(Duration::from_secs(90))))]
    #[case("90s", Some(Until::Duration(Duration::from_secs(90))))]
    #[case("10m", Some(Until::Duration(Duration::from_secs(600))))]
    #[case("1h", Some(Until::Duration(Duration::from_secs(3600))))]
    #[case("0s", None)]
    #[case("5d", None)]
    #[case("", None)]
    #[case("all", None)]
    fn until_values(#[case] text: &str, #[case] want: Option<Until>) {
        assert_eq!(parse_until(text).ok(), want);
    }
}
