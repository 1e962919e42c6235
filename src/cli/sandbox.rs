//! `kona-conformance sandbox`: serve the embedded reference sandbox until Ctrl-C, or write
//! its fixtures file.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveTime;

use super::exit;
use crate::sandbox::{
    Clock, Fault, Sandbox, SandboxConfig, Variant, credentials, fixtures_for, load_conventions,
    test_keys,
};

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Deviate from the documentation in one named way (see the fault list in --help).
    #[arg(long, value_name = "NAME", value_parser = parse_fault,
          long_help = fault_help())]
    pub fault: Option<Fault>,
    /// Serve another legitimate reading of the docs (repeatable; see the list in --help).
    #[arg(long = "variant", value_name = "NAME", value_parser = parse_variant,
          long_help = variant_help())]
    pub variants: Vec<Variant>,
    /// Answer undocumented cases with the conventions in FILE instead of the catalogue's.
    #[arg(long, value_name = "FILE")]
    pub conventions: Option<PathBuf>,
    /// Pin the bank clock to this KST time of day (HH:MM), e.g. 23:45 for the night window.
    #[arg(long, value_name = "HH:MM", value_parser = parse_hh_mm)]
    pub bank_time: Option<NaiveTime>,
    /// Write the sandbox's seeded fixtures to FILE and exit without serving.
    #[arg(long, value_name = "FILE")]
    pub write_fixtures: Option<PathBuf>,
    /// Write the public test keys a client needs (PEM) into DIR, then serve.
    #[arg(long, value_name = "DIR")]
    pub write_keys: Option<PathBuf>,
    /// Serve the contract in this folder (same layout as schemas/, or an extension) instead
    /// of the one built in.
    #[arg(long, value_name = "DIR")]
    pub contract: Option<PathBuf>,
}

fn parse_fault(s: &str) -> Result<Fault, String> {
    s.parse::<Fault>().map_err(|e| e.to_string())
}

fn fault_help() -> String {
    let mut help = String::from(
        "Deviate from the documentation in one named way, to prove a run catches it. Faults:",
    );
    // Name and description on lines of their own: help is wrapped at 100 columns.
    for fault in Fault::ALL {
        help.push_str(&format!(
            "\n  {}\n      {}",
            fault.name(),
            fault.description()
        ));
    }
    help
}

fn parse_variant(s: &str) -> Result<Variant, String> {
    s.parse::<Variant>().map_err(|e| e.to_string())
}

fn variant_help() -> String {
    let mut help = String::from(
        "Serve another legitimate reading of the docs (repeatable), to prove a run passes it. Variants:",
    );
    for variant in Variant::ALL {
        help.push_str(&format!(
            "\n  {}\n      {}",
            variant.name(),
            variant.description()
        ));
    }
    help
}

fn parse_hh_mm(s: &str) -> Result<NaiveTime, String> {
    match s.split_once(':') {
        Some((h, m)) if h.len() == 2 && m.len() == 2 => NaiveTime::parse_from_str(s, "%H:%M")
            .map_err(|_| format!("`{s}` is not a time of day HH:MM (00:00 to 23:59)")),
        _ => Err(format!("`{s}` is not a time of day HH:MM (00:00 to 23:59)")),
    }
}

/// Serve (or write fixtures); returns the exit code.
pub fn run(args: SandboxArgs) -> u8 {
    if let Some(dir) = &args.write_keys
        && let Err(e) = test_keys::write_test_keys(dir)
    {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let contract = match crate::contract::Contract::resolve(args.contract.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    if let Some(path) = &args.write_fixtures {
        let fixtures = match fixtures_for(contract) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
        return match std::fs::write(path, fixtures.to_json()) {
            Ok(()) => {
                println!("wrote the sandbox fixtures to {}", path.display());
                exit::PASSED
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                exit::USAGE
            }
        };
    }
    let mut config = SandboxConfig::serving(contract);
    config.fault = args.fault;
    config.variants = args.variants.clone();
    if let Some(time) = args.bank_time {
        config.bank_clock = Clock::kst_time_of_day(time);
    }
    if let Some(path) = &args.conventions {
        match load_conventions(path) {
            Ok(conventions) => config.conventions = conventions,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::USAGE;
        }
    };
    runtime.block_on(serve(args, config))
}

async fn serve(args: SandboxArgs, config: SandboxConfig) -> u8 {
    let fault = config.fault;
    let sandbox = match Sandbox::start_on(args.listen, config).await {
        Ok(s) => s,
        Err(e) => {
            match &args.conventions {
                Some(path) if matches!(e, crate::sandbox::SandboxError::MissingAnswer { .. }) => {
                    eprintln!("error: conventions file {}: {e}", path.display())
                }
                _ => eprintln!("error: {e}"),
            }
            return exit::USAGE;
        }
    };
    let creds = credentials();
    // Public test credentials: printing them is the point.
    println!("KONA PLATE embedded sandbox");
    println!("  base URL       {}", sandbox.base_url());
    println!("  ASP id         {}", creds.asp_id);
    println!("  access key     {}", creds.access_key.expose());
    println!("  secret key     {}", creds.secret_key.expose());
    println!("  crypto key id  {}", creds.crypto_key_id);
    println!("  test keys      {}", keys_line(args.write_keys.as_deref()));
    println!(
        "                 (encrypt requests for server-public.pem, decrypt responses with client-private.pem)"
    );
    match args.bank_time {
        Some(t) => println!("  bank clock     pinned to {} KST", t.format("%H:%M")),
        None => println!("  bank clock     system clock (KST); window 23:30-00:30"),
    }
    match &args.conventions {
        Some(path) => println!("  conventions    {}", path.display()),
        None => println!("  conventions    the catalogue's"),
    }
    match fault {
        Some(f) => println!("  fault          {f}: {}", f.description()),
        None => println!("  fault          none (faithful)"),
    }
    for v in &args.variants {
        println!("  variant        {v}: {}", v.description());
    }
    println!("Press Ctrl-C to stop.");

    wait_for_stop().await;
    sandbox.shutdown().await;
    println!("sandbox stopped");
    exit::PASSED
}

/// Where the banner says the test keys are: the folder they were written to (absolute, so
/// it holds wherever the reader's shell is), or how to get them out of the binary.
fn keys_line(written_to: Option<&std::path::Path>) -> String {
    match written_to {
        Some(dir) => std::path::absolute(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .display()
            .to_string(),
        None => "built in; `kona-conformance sandbox --write-keys DIR` writes them".to_owned(),
    }
}

/// Ctrl-C, or SIGTERM on Unix (what `kill` and service managers send).
pub(crate) async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_times() {
        assert_eq!(
            parse_hh_mm("23:45"),
            Ok(NaiveTime::from_hms_opt(23, 45, 0).unwrap())
        );
        assert_eq!(
            parse_hh_mm("00:00"),
            Ok(NaiveTime::from_hms_opt(0, 0, 0).unwrap())
        );
        for bad in ["24:00", "7:00", "07:60", "0700", "07:00:00", ""] {
            assert!(parse_hh_mm(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_fault_name_is_accepted_and_a_bad_one_lists_them_all() {
        use clap::Parser;
        for fault in Fault::ALL {
            let cli = crate::cli::Cli::try_parse_from([
                "kona-conformance",
                "sandbox",
                "--fault",
                fault.name(),
            ])
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
            match cli.command {
                crate::cli::Command::Sandbox(args) => assert_eq!(args.fault, Some(fault)),
                other => panic!("{other:?}"),
            }
            assert!(fault_help().contains(fault.name()), "{fault}");
        }
        let err =
            crate::cli::Cli::try_parse_from(["kona-conformance", "sandbox", "--fault", "bogus"])
                .unwrap_err()
                .to_string();
        for name in Fault::names() {
            assert!(err.contains(name), "{name} not listed in: {err}");
        }
    }
}
