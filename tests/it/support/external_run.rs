//! Certify an in-process sandbox as an external target through the binary, the way a user
//! runs against a vendor: `run --base-url` with the credentials in the environment, reports
//! in a folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kona_conformance::sandbox::{Fault, Sandbox, SandboxConfig, load_conventions};

pub fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A sandbox with one fault (or none), answering the undocumented cases with the alternative
/// conventions when `foreign`.
pub async fn sandbox(fault: Option<Fault>, foreign: bool) -> Sandbox {
    let mut config = SandboxConfig::for_certification();
    config.fault = fault;
    if foreign {
        config.conventions = load_conventions(&manifest("fixtures/alternative-conventions.json"))
            .expect("the alternative conventions load");
    }
    Sandbox::start(config).await.expect("sandbox starts")
}

/// The embedded sandbox's public credentials and key files in a command's environment, the
/// way a user hands them to a run against a foreign target.
pub trait SandboxCredentials {
    fn sandbox_credentials(&mut self) -> &mut Self;
}

impl SandboxCredentials for Command {
    fn sandbox_credentials(&mut self) -> &mut Self {
        let keys = manifest("test-keys");
        let credentials = kona_conformance::sandbox::credentials();
        self.env("KONA_ASP_ID", &credentials.asp_id)
            .env("KONA_ACCESS_KEY", credentials.access_key.expose())
            .env("KONA_SECRET_KEY", credentials.secret_key.expose())
            .env("KONA_CRYPTO_KEY_ID", &credentials.crypto_key_id)
            .env("KONA_SERVER_PUBLIC_KEY", keys.join("server-public.pem"))
            .env("KONA_CLIENT_PRIVATE_KEY", keys.join("client-private.pem"))
    }
}

/// `run --base-url` against `base_url`, reports into `report_dir`; `quiet` drops the
/// per-scenario lines.
pub fn certify(base_url: &str, report_dir: &Path, seed: u64, quiet: bool) -> Output {
    certify_with(base_url, report_dir, seed, quiet, &[])
}

/// [`certify`] with more flags.
pub fn certify_with(
    base_url: &str,
    report_dir: &Path,
    seed: u64,
    quiet: bool,
    extra: &[&str],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kona-conformance"));
    cmd.args(["run", "--base-url", base_url])
        .arg("--fixtures")
        .arg(manifest("fixtures/embedded-sandbox.json"))
        .args([
            "--profile",
            "sandbox",
            "--concurrency",
            "8",
            "--rate-limit",
            "5000",
        ])
        .args(["--generated", "60", "--seed", &seed.to_string()])
        .arg("--report-dir")
        .arg(report_dir);
    cmd.args(extra);
    cmd.sandbox_credentials();
    if quiet {
        cmd.arg("--quiet");
    }
    cmd.output().expect("the binary runs")
}

/// Serve `fault` (foreign or not), certify it once, stop the sandbox.
pub async fn certified(
    fault: Option<Fault>,
    foreign: bool,
    report_dir: &Path,
    seed: u64,
    quiet: bool,
) -> Output {
    let sandbox = sandbox(fault, foreign).await;
    let base_url = sandbox.base_url();
    let dir = report_dir.to_owned();
    let output = tokio::task::spawn_blocking(move || certify(&base_url, &dir, seed, quiet))
        .await
        .expect("the run finishes");
    sandbox.shutdown().await;
    output
}
