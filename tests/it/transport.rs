//! Transport for real networks: TLS verified by default (and a private CA only with
//! `--ca-cert`), proxies from the usual environment variables, a per-request timeout, and one
//! `clock:` line when the target's clock and ours disagree.
//!
//! Every server here is a few lines on 127.0.0.1 written for the test; the TLS material is the
//! public test CA in `test-keys/tls/`. The environment of this process is never changed: what
//! depends on environment variables (proxies, the platform's roots) runs the binary as a child
//! process with an environment of its own.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kona_conformance::client::{
    ClientError, Credentials, Exchange, FailureClass, KonaClient, RequestSpec, ResponseCapture,
    Target, TargetKind, TransportOptions,
};
use kona_conformance::crypto::ids::{self, TimeZoneName};
use kona_conformance::runner::certify::{self, RunError};
use kona_conformance::runner::results::{RunMeta, RunResults, ScenarioResult, Verdict};
use kona_conformance::secret::Secret;
use rstest::rstest;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn ca_cert() -> PathBuf {
    repo_file("test-keys/tls/ca-cert.pem")
}

fn options(timeout: Duration, ca_cert: Option<PathBuf>) -> TransportOptions {
    TransportOptions {
        timeout,
        ca_cert,
        ..TransportOptions::default()
    }
}

fn target(base_url: &str) -> Target {
    Target {
        base_url: base_url.to_owned(),
        kind: TargetKind::External,
        credentials: Credentials {
            asp_id: "ASP000000000001".into(),
            access_key: Secret::new("A".repeat(40)),
            secret_key: Secret::new("transport-test-secret"),
            crypto_key_id: None,
        },
        keys: None,
    }
}

fn spec() -> RequestSpec {
    RequestSpec {
        endpoint_id: "card-info".into(),
        path: "/v1/card/info".into(),
        body: br#"{"cardNo":"1234"}"#.to_vec(),
        ..RequestSpec::default()
    }
}

/// Read one HTTP/1.1 request head and its Content-Length body (async).
async fn read_request_async<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = content_length(&head);
            while buf.len() < end + 4 + len {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return Some(head);
        }
    }
}

/// The same, blocking, for the servers the child processes talk to.
fn read_request(stream: &mut std::net::TcpStream) -> Option<String> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = content_length(&head);
            while buf.len() < end + 4 + len {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return Some(head);
        }
    }
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

fn http_response(status: &str, date: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nDate: {date}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn http_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

const OK_BODY: &str = r#"{"response":{"code":"000_000","description":"OK"}}"#;

// ---------------------------------------------------------------------------------------------
// TLS

fn tls_acceptor() -> TlsAcceptor {
    let certs = CertificateDer::pem_file_iter(repo_file("test-keys/tls/server-cert.pem"))
        .expect("server certificate")
        .collect::<Result<Vec<_>, _>>()
        .expect("server certificate");
    let key = PrivateKeyDer::from_pem_file(repo_file("test-keys/tls/server-key.pem"))
        .expect("server key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    TlsAcceptor::from(Arc::new(config))
}

/// An HTTPS server on 127.0.0.1 with the test CA's certificate, answering every request 200.
/// Returns its port and how many requests it answered (handshakes a client refused are not
/// requests).
async fn https_server() -> (u16, Arc<Mutex<usize>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let answered = Arc::new(Mutex::new(0usize));
    let acceptor = tls_acceptor();
    let count = answered.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let count = count.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if read_request_async(&mut tls).await.is_some() {
                    *count.lock().unwrap() += 1;
                    let answer = http_response("200 OK", &http_date(chrono::Utc::now()), OK_BODY);
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (port, answered)
}

#[tokio::test]
async fn tls_is_verified_by_default_and_an_untrusted_certificate_is_named() {
    let (port, answered) = https_server().await;
    let url = format!("https://127.0.0.1:{port}/open-api");

    let err = certify::probe(&url, &options(Duration::from_secs(10), None))
        .await
        .expect_err("a certificate from a CA nobody trusts must not be accepted");
    let RunError::Unreachable { reason, .. } = &err else {
        panic!("expected the unreachable (exit 3) class, got {err:?}");
    };
    let line = err.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.contains("TLS certificate"), "{line}");
    assert!(reason.contains("--ca-cert"), "says what to do: {reason}");

    // A scenario's exchange fails the same way, classified as transport.
    let client = KonaClient::new(target(&url), &options(Duration::from_secs(10), None)).unwrap();
    let exchange = client.send(&spec(), &mut KonaClient::rng(1)).await;
    let failure = exchange.failure.expect("no answer over untrusted TLS");
    assert_eq!(failure.class, FailureClass::Transport);
    assert!(failure.reason.contains("certificate"), "{}", failure.reason);
    assert!(exchange.response.is_none());
    assert_eq!(*answered.lock().unwrap(), 0, "no request crossed the TLS");
}

#[tokio::test]
async fn ca_cert_makes_a_private_ca_trusted_for_probe_and_requests() {
    let (port, answered) = https_server().await;
    let url = format!("https://127.0.0.1:{port}/open-api");
    let opts = options(Duration::from_secs(10), Some(ca_cert()));

    let skew = certify::probe(&url, &opts)
        .await
        .expect("with --ca-cert the probe goes through");
    let skew = skew.expect("the test server sends a Date header");
    assert!(skew.seconds.abs() <= 5, "{skew:?}");

    let client = KonaClient::new(target(&url), &opts).unwrap();
    let exchange = client.send(&spec(), &mut KonaClient::rng(1)).await;
    assert!(exchange.failure.is_none(), "{:?}", exchange.failure);
    let response = exchange.response.expect("an answer");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, OK_BODY.as_bytes());
    assert_eq!(*answered.lock().unwrap(), 2, "the probe and the request");
}

#[tokio::test]
async fn a_certificate_for_another_name_is_rejected_even_with_ca_cert() {
    // The server certificate names localhost and 127.0.0.1 only; 127.0.0.2 is loopback too.
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await;
    let Ok(listener) = listener else {
        eprintln!("127.0.0.2 cannot be bound here; skipped");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let acceptor = tls_acceptor();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = acceptor.accept(tcp).await;
        }
    });
    let url = format!("https://127.0.0.2:{port}/open-api");
    let err = certify::probe(&url, &options(Duration::from_secs(10), Some(ca_cert())))
        .await
        .expect_err("a certificate for another host must be refused");
    let line = err.to_string();
    assert!(matches!(err, RunError::Unreachable { .. }), "{err:?}");
    assert!(line.contains("not valid for this host name"), "{line}");
}

#[rstest]
#[case::der_not_pem("test-keys/tls/ca-cert.der", "no PEM certificate")]
#[case::a_private_key("test-keys/tls/ca-key.pem", "no PEM certificate")]
#[case::missing_file("test-keys/tls/no-such-ca.pem", "")]
#[tokio::test]
async fn an_unusable_ca_file_is_a_clear_error_naming_the_path(
    #[case] file: &str,
    #[case] says: &str,
) {
    let path = repo_file(file);
    let opts = options(Duration::from_secs(5), Some(path.clone()));
    let err = KonaClient::new(target("https://127.0.0.1:9/open-api"), &opts)
        .expect_err("an unusable CA file must not be ignored");
    let ClientError::CaCert {
        path: named,
        reason,
    } = &err
    else {
        panic!("expected ClientError::CaCert, got {err:?}");
    };
    assert_eq!(named, &path.display().to_string());
    assert!(reason.contains(says), "{reason}");
    let line = err.to_string();
    assert!(line.contains(file), "names the file: {line}");
    assert!(!line.contains('\n'), "{line}");

    // The probe runs before any scenario: the same error, a configuration error (exit 2), not
    // an unreachable target.
    let err = certify::probe("https://127.0.0.1:9/open-api", &opts)
        .await
        .expect_err("bad CA file");
    assert!(
        matches!(err, RunError::Client(ClientError::CaCert { .. })),
        "{err:?}"
    );
}

#[test]
fn a_pem_block_that_is_not_a_certificate_is_a_ca_cert_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken-ca.pem");
    std::fs::write(
        &path,
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let err = KonaClient::new(
        target("https://127.0.0.1:9/open-api"),
        &options(Duration::from_secs(5), Some(path.clone())),
    )
    .expect_err("garbage inside a PEM block must not be trusted");
    let ClientError::CaCert { path: named, .. } = &err else {
        panic!("expected ClientError::CaCert, got {err:?}");
    };
    assert_eq!(named, &path.display().to_string());
}

// ---------------------------------------------------------------------------------------------
// The binary, in a child process with an environment of its own.

const BIN: &str = env!("CARGO_BIN_EXE_kona-conformance");

/// Fixtures with one active card: enough for a read-only scenario to send a request.
const FIXTURES: &str =
    r#"{"format":"kona-conformance-fixtures/1","cards":{"active":{"cardNo":"1234567890123456"}}}"#;

/// `kona-conformance run` with dummy credentials of valid lengths, the public test keys, a
/// clean environment plus `env`, and a scratch working directory; it stops at the first
/// failed scenario.
fn run_binary(base_url: &str, extra_args: &[&str], env: &[(&str, String)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures.json");
    std::fs::write(&fixtures, FIXTURES).unwrap();
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .current_dir(dir.path())
        .env("KONA_ASP_ID", "ASP000000000001")
        .env("KONA_ACCESS_KEY", "A".repeat(40))
        .env("KONA_SECRET_KEY", "transport-test-secret")
        .env("KONA_CRYPTO_KEY_ID", "0".repeat(32))
        .env(
            "KONA_SERVER_PUBLIC_KEY",
            repo_file("test-keys/server-public.pem"),
        )
        .env(
            "KONA_CLIENT_PRIVATE_KEY",
            repo_file("test-keys/client-private.pem"),
        )
        .args(["run", "--base-url", base_url, "--quiet", "--seed", "1"])
        .args(["--profile", "production", "--generated", "0", "--fail-fast"])
        .args(["--rate-limit", "1000", "--timeout", "5"])
        .arg("--fixtures")
        .arg(&fixtures)
        .args(extra_args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the binary");
    drop(dir);
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A loopback "proxy" that records the request line of each connection and hangs up.
fn recording_proxy() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            if let Some(head) = read_request(&mut stream) {
                let line = head.lines().next().unwrap_or_default().to_owned();
                record.lock().unwrap().push(line);
            }
            let _ = stream.shutdown(Shutdown::Both);
        }
    });
    (addr, seen)
}

/// A target off this machine that needs no name lookup when a proxy carries the request
/// (`.invalid` never resolves, so going direct fails at once).
const REMOTE: &str = "http://kona-target.invalid/open-api";

#[rstest]
#[case::upper_case("HTTP_PROXY")]
#[case::lower_case("http_proxy")]
#[case::all_proxy("ALL_PROXY")]
fn a_proxy_from_the_environment_carries_a_remote_targets_requests_and_is_named(
    #[case] variable: &str,
) {
    let (proxy, seen) = recording_proxy();
    let out = run_binary(REMOTE, &[], &[(variable, format!("http://{proxy}"))]);
    let seen = seen.lock().unwrap().clone();
    let err = stderr(&out);
    assert!(
        seen.contains(&format!("GET {REMOTE} HTTP/1.1")),
        "the probe went through the proxy: {seen:?}\n{err}"
    );
    assert!(
        err.contains(&format!(
            "proxy: every request goes through {proxy} (from {variable})"
        )),
        "{err}"
    );
    // The proxy hung up without an answer: the target is unreachable (exit 3), and the
    // message says it was through the proxy.
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("through the proxy {proxy}")), "{err}");
}

#[test]
fn https_proxy_from_the_environment_is_asked_to_connect() {
    let (proxy, seen) = recording_proxy();
    let url = "https://kona-target.invalid/open-api";
    let out = run_binary(url, &[], &[("HTTPS_PROXY", format!("http://{proxy}"))]);
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.contains(&"CONNECT kona-target.invalid:443 HTTP/1.1".to_owned()),
        "the probe tunnelled through the proxy: {seen:?}\n{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// Loopback targets never go through a proxy, whatever the environment says: a proxy
/// elsewhere cannot reach this machine, and would be handed every signed request.
#[rstest]
#[case::http_proxy("HTTP_PROXY")]
#[case::all_proxy("ALL_PROXY")]
#[case::lower_case("all_proxy")]
fn a_loopback_target_never_goes_through_a_proxy(#[case] variable: &str) {
    let (proxy, seen) = recording_proxy();
    let (port, answered) = fake_target(chrono::Duration::zero(), "200 OK", OK_BODY);
    let url = format!("http://127.0.0.1:{port}/open-api");
    let out = run_binary(&url, &[], &[(variable, format!("http://{proxy}"))]);
    let err = stderr(&out);
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert!(*answered.lock().unwrap() >= 1, "{err}");
    assert!(
        err.contains(&format!(
            "proxy: {variable} not used (the target is on this machine)"
        )),
        "{err}"
    );
}

/// The embedded sandbox too: a proxy in the environment changes nothing.
#[test]
fn the_embedded_sandbox_never_goes_through_a_proxy() {
    let (proxy, seen) = recording_proxy();
    let out = Command::new(BIN)
        .env_clear()
        .env("HTTP_PROXY", format!("http://{proxy}"))
        .env("ALL_PROXY", format!("http://{proxy}"))
        .args(["run", "--quiet", "--seed", "1", "--generated", "0"])
        .output()
        .unwrap();
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// `NO_PROXY`, `--no-proxy` and the config key `no-proxy` each send a remote target's
/// requests direct.
#[rstest]
#[case::no_proxy_variable(&[], Some("kona-target.invalid"), "NO_PROXY names the target")]
#[case::no_proxy_domain(&[], Some(".invalid"), "NO_PROXY names the target")]
#[case::flag(&["--no-proxy"], None, "--no-proxy")]
#[case::config_key(&["--config", "CONFIG"], None, "--no-proxy")]
fn going_direct_bypasses_the_proxy(
    #[case] args: &[&str],
    #[case] no_proxy: Option<&str>,
    #[case] why: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(&config, "no-proxy = true\n").unwrap();
    let args: Vec<&str> = args
        .iter()
        .map(|a| {
            if *a == "CONFIG" {
                config.to_str().unwrap()
            } else {
                a
            }
        })
        .collect();
    let (proxy, seen) = recording_proxy();
    let mut env = vec![("HTTP_PROXY", format!("http://{proxy}"))];
    if let Some(list) = no_proxy {
        env.push(("NO_PROXY", list.to_owned()));
    }
    let out = run_binary(REMOTE, &args, &env);
    let err = stderr(&out);
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("target unreachable"), "{err}");
    assert!(
        err.contains(&format!("proxy: HTTP_PROXY not used ({why}); going direct")),
        "{err}"
    );
}

/// A proxy that cannot be reached is named as the problem, not the target; its credentials
/// are never shown.
#[test]
fn an_unreachable_proxy_is_said_to_be_the_proxy() {
    let port = closed_port();
    let out = run_binary(
        REMOTE,
        &[],
        &[(
            "HTTP_PROXY",
            format!("http://kona:proxy-pw@127.0.0.1:{port}"),
        )],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "proxy unreachable: 127.0.0.1:{port} (from HTTP_PROXY)"
        )),
        "{err}"
    );
    assert!(!err.contains("target unreachable"), "{err}");
    assert!(!err.contains("proxy-pw"), "{err}");
}

/// Through a proxy that answers (here the proxy plays the target), every report names it:
/// host and port, and the variable, never its credentials.
#[test]
fn every_report_names_the_proxy_used() {
    let (port, answered) = fake_target(chrono::Duration::zero(), "200 OK", OK_BODY);
    let reports = tempfile::tempdir().unwrap();
    let out = run_binary(
        REMOTE,
        &["--report-dir", reports.path().to_str().unwrap()],
        &[(
            "HTTP_PROXY",
            format!("http://kona:proxy-pw@127.0.0.1:{port}"),
        )],
    );
    let err = stderr(&out);
    assert!(*answered.lock().unwrap() >= 1, "{err}");
    let named = format!("127.0.0.1:{port} (from HTTP_PROXY)");
    let console = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert!(console.contains(&format!("via proxy {named}")), "{console}");
    for file in ["results.json", "junit.xml", "summary.md", "report.html"] {
        let text = std::fs::read_to_string(reports.path().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}\n{err}"));
        // Markdown escapes `_` (HTTP\_PROXY), which it shows as `_`.
        let text = text.replace('\\', "");
        assert!(text.contains(&named), "{file} does not name the proxy");
        assert!(
            !text.contains("proxy-pw"),
            "{file} shows the proxy's password"
        );
    }
}

/// The platform's roots are used by default and kept when `--ca-cert` adds one: with the
/// test CA as the whole platform bundle (`SSL_CERT_FILE`, read by the platform verifier on
/// Linux), the HTTPS probe passes without `--ca-cert`, and still passes when `--ca-cert` names
/// an unrelated certificate.
#[cfg(target_os = "linux")]
#[rstest]
#[case::no_ca_cert(&[])]
#[case::unrelated_ca_cert(&["--ca-cert", "UNRELATED"])]
fn platform_roots_are_trusted_by_default_and_kept_with_ca_cert(#[case] extra: &[&str]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (port, answered) = rt.block_on(https_server());
    let unrelated = repo_file("test-keys/server-cert.pem").display().to_string();
    let extra: Vec<&str> = extra
        .iter()
        .map(|a| {
            if *a == "UNRELATED" {
                unrelated.as_str()
            } else {
                a
            }
        })
        .collect();
    let url = format!("https://127.0.0.1:{port}/open-api");
    let out = run_binary(
        &url,
        &extra,
        &[("SSL_CERT_FILE", ca_cert().display().to_string())],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(3), "reached over TLS: {err}");
    assert_ne!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("certificate"), "{err}");
    assert!(*answered.lock().unwrap() >= 1, "{err}");
}

// ---------------------------------------------------------------------------------------------
// Timeout

/// A server that accepts and reads, and never answers (for as long as the test lasts).
async fn silent_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ =
                tokio::time::timeout(Duration::from_millis(200), read_request_async(&mut stream))
                    .await;
            held.push(stream);
        }
    });
    port
}

#[tokio::test]
async fn a_silent_target_times_out_per_request() {
    let port = silent_server().await;
    let url = format!("http://127.0.0.1:{port}/open-api");
    let timeout = Duration::from_secs(1);
    let opts = options(timeout, None);

    let client = KonaClient::new(target(&url), &opts).unwrap();
    let started = Instant::now();
    // The guard turns a missing timeout into a failure instead of a hang.
    let guard = timeout + Duration::from_secs(5);
    let exchange = tokio::time::timeout(guard, client.send(&spec(), &mut KonaClient::rng(1)))
        .await
        .expect("the request timeout did not fire");
    let elapsed = started.elapsed();
    let failure = exchange.failure.expect("no answer");
    assert_eq!(failure.class, FailureClass::Transport);
    assert!(
        failure.reason.starts_with("timed out"),
        "{}",
        failure.reason
    );
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(elapsed < timeout + Duration::from_secs(5), "{elapsed:?}");

    let started = Instant::now();
    let err = tokio::time::timeout(guard, certify::probe(&url, &opts))
        .await
        .expect("the probe's timeout did not fire")
        .expect_err("no answer");
    let elapsed = started.elapsed();
    let RunError::Unreachable { reason, .. } = &err else {
        panic!("expected unreachable, got {err:?}");
    };
    assert!(reason.starts_with("timed out"), "{reason}");
    assert!(elapsed < timeout + Duration::from_secs(5), "{elapsed:?}");
}

/// The probe waits as long as the run's timeout says: a slow answer within it is reachable, the
/// same answer past a shorter one is not.
#[tokio::test]
async fn the_probe_uses_the_configured_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = read_request_async(&mut stream).await;
                tokio::time::sleep(Duration::from_millis(1500)).await;
                let answer = http_response("200 OK", &http_date(chrono::Utc::now()), OK_BODY);
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    let url = format!("http://127.0.0.1:{port}/open-api");
    let slow_but_in_time = certify::probe(&url, &options(Duration::from_secs(6), None)).await;
    assert!(slow_but_in_time.is_ok(), "{slow_but_in_time:?}");
    let too_slow = certify::probe(&url, &options(Duration::from_millis(500), None)).await;
    assert!(
        matches!(&too_slow, Err(RunError::Unreachable { reason, .. }) if reason.starts_with("timed out")),
        "{too_slow:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Clock

/// A plain HTTP server (own thread) answering every request with `status` and `body`, its
/// `Date` header `offset` from ours. Returns its port and how many requests it answered.
fn fake_target(
    offset: chrono::Duration,
    status: &'static str,
    body: &'static str,
) -> (u16, Arc<Mutex<usize>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answered = Arc::new(Mutex::new(0usize));
    let count = answered.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let count = count.clone();
            std::thread::spawn(move || {
                if read_request(&mut stream).is_some() {
                    *count.lock().unwrap() += 1;
                    let date = http_date(chrono::Utc::now() + offset);
                    let _ = stream.write_all(http_response(status, &date, body).as_bytes());
                    let _ = stream.flush();
                }
            });
        }
    });
    (port, answered)
}

#[rstest]
#[case::ahead(600)]
#[case::behind(-600)]
#[tokio::test]
async fn probe_reads_the_targets_clock(#[case] seconds: i64) {
    let (port, _) = fake_target(chrono::Duration::seconds(seconds), "200 OK", OK_BODY);
    let url = format!("http://127.0.0.1:{port}/open-api");
    let skew = certify::probe(&url, &options(Duration::from_secs(10), None))
        .await
        .expect("reachable")
        .expect("a Date header");
    assert!((skew.seconds - seconds).abs() <= 3, "{skew:?}");
    assert!(skew.is_significant());
}

fn clock_lines(err: &str) -> Vec<&str> {
    err.lines().filter(|l| l.starts_with("clock:")).collect()
}

#[rstest]
#[case::ahead(600, "ahead of")]
#[case::behind(-600, "behind")]
fn run_prints_one_clock_line_when_the_clocks_disagree(#[case] seconds: i64, #[case] says: &str) {
    let (port, answered) = fake_target(chrono::Duration::seconds(seconds), "200 OK", OK_BODY);
    let out = run_binary(&format!("http://127.0.0.1:{port}/open-api"), &[], &[]);
    let err = stderr(&out);
    let lines = clock_lines(&err);
    assert_eq!(lines.len(), 1, "exactly one clock line:\n{err}");
    let line = lines[0];
    assert!(line.contains(says), "{line}");
    let stated: i64 = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("the skew in seconds");
    assert!((stated - seconds.abs()).abs() <= 3, "{line}");
    assert!(*answered.lock().unwrap() >= 1);
}

#[test]
fn run_prints_no_clock_line_when_the_clocks_agree() {
    let (port, answered) = fake_target(chrono::Duration::zero(), "200 OK", OK_BODY);
    let out = run_binary(&format!("http://127.0.0.1:{port}/open-api"), &[], &[]);
    let err = stderr(&out);
    assert!(clock_lines(&err).is_empty(), "{err}");
    assert!(
        *answered.lock().unwrap() >= 2,
        "the probe and a scenario: {err}"
    );
}

/// The target rejects requests stamped with our current time as stale: one clock line, which
/// says so. When its `Date` agrees with ours the line says what else to suspect; when it does
/// not, the same single line gives the skew too.
#[rstest]
#[case::date_agrees(0, "X-KM-Time-Zone")]
#[case::date_ahead(600, "ahead of")]
fn run_prints_one_clock_line_when_current_requests_are_rejected_as_stale(
    #[case] seconds: i64,
    #[case] says: &str,
) {
    const STALE: &str = r#"{"response":{"code":"900_005","description":"Tran time is outside the allowed window."}}"#;
    let (port, answered) = fake_target(
        chrono::Duration::seconds(seconds),
        "401 Unauthorized",
        STALE,
    );
    let out = run_binary(&format!("http://127.0.0.1:{port}/open-api"), &[], &[]);
    let err = stderr(&out);
    let lines = clock_lines(&err);
    assert_eq!(lines.len(), 1, "exactly one clock line:\n{err}");
    assert!(
        lines[0].contains("stale-tran-time (900_005)"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(says), "{}", lines[0]);
    assert!(*answered.lock().unwrap() >= 2, "{err}");
}

/// Only requests that carried our current time count as evidence: the stale-time scenarios
/// shift the tran time on purpose, and their rejections say nothing about the clocks.
#[test]
fn stale_rejections_count_only_requests_stamped_with_our_time() {
    const STALE: &str = r#"{"response":{"code":"900_005","description":"Tran time is outside the allowed window."}}"#;
    const OK: &str = r#"{"response":{"code":"000_000","description":"OK"}}"#;
    let now = chrono::Utc::now();
    let exchange = |shift_minutes: i64, zone: TimeZoneName, body: &str| {
        let stamped =
            (now + chrono::Duration::minutes(shift_minutes)).with_timezone(&zone.offset());
        Exchange {
            endpoint_id: "card-info".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:9/open-api/v1/card/info".into(),
            request_headers: vec![
                ("X-KM-Tran-Time".into(), ids::tran_time(&stamped)),
                ("X-KM-Time-Zone".into(), zone.as_str().into()),
            ],
            request_body: Vec::new(),
            request_plaintext: None,
            correlation_id: String::new(),
            started_at: now,
            duration: Duration::ZERO,
            response: Some(ResponseCapture {
                status: 401,
                headers: Vec::new(),
                body: body.as_bytes().to_vec(),
                truncated: false,
                plaintext: None,
                parsed: Default::default(),
            }),
            failure: None,
            attempts: Vec::new(),
            gave_up: None,
        }
    };
    let results = |exchanges: Vec<Exchange>| RunResults {
        meta: RunMeta {
            tool_version: "test".into(),
            contract_hash: String::new(),
            catalogue_version: String::new(),
            target: "test".into(),
            base_url: String::new(),
            target_kind: TargetKind::External,
            profile: "sandbox".into(),
            seed: 1,
            started_at: now,
            finished_at: now,
            interrupted: None,
            proxy: None,
            source: Default::default(),
            exchanges_judged: None,
            journal: None,
        },
        scenarios: vec![{
            let mut s = ScenarioResult::new(
                "features/x.feature:1".into(),
                "x".into(),
                "x".into(),
                Vec::new(),
                Verdict::Failed,
            );
            s.exchanges = exchanges;
            s
        }],
    };
    let kst = TimeZoneName::Kst;
    let utc = TimeZoneName::Utc;
    // Deliberately shifted by 10 minutes, or answered with another code: no evidence.
    assert_eq!(
        certify::stale_rejections(
            kona_conformance::contract::Contract::shared().unwrap(),
            &results(vec![exchange(10, kst, STALE), exchange(0, kst, OK)])
        ),
        None
    );
    // Stamped with our time (in either zone) and called stale: evidence, counted.
    assert_eq!(
        certify::stale_rejections(
            kona_conformance::contract::Contract::shared().unwrap(),
            &results(vec![
                exchange(0, kst, STALE),
                exchange(0, utc, STALE),
                exchange(-10, utc, STALE),
            ])
        ),
        Some((2, "900_005".to_owned()))
    );
}

#[tokio::test]
async fn a_tls_server_named_with_http_gets_the_fix_named() {
    let (port, _) = https_server().await;
    let err = certify::probe(
        &format!("http://127.0.0.1:{port}/open-api"),
        &options(Duration::from_secs(5), None),
    )
    .await
    .expect_err("plain HTTP to a TLS server gets no answer");
    let line = err.to_string();
    assert!(
        line.contains("speaks TLS")
            && line.contains(&format!("--base-url https://127.0.0.1:{port}/open-api")),
        "{line}"
    );
}

#[tokio::test]
async fn a_plain_server_named_with_https_gets_the_fix_named() {
    let (port, _) = fake_target(chrono::Duration::zero(), "404 Not Found", "");
    let err = certify::probe(
        &format!("https://127.0.0.1:{port}/open-api"),
        &options(Duration::from_secs(5), None),
    )
    .await
    .expect_err("TLS to a plain server gets no answer");
    let line = err.to_string();
    assert!(
        line.contains("plain HTTP, not TLS")
            && line.contains(&format!("--base-url http://127.0.0.1:{port}/open-api")),
        "{line}"
    );
}

#[rstest]
#[case::address("127.0.0.1:8080/open-api", "http://127.0.0.1:8080/open-api")]
#[case::host_name("localhost:8080/open-api", "https://localhost:8080/open-api")]
#[case::other_scheme("ftp://example.com/open-api", "must start with http:// or https://")]
fn a_base_url_without_a_usable_scheme_is_a_usage_error_naming_the_fix(
    #[case] url: &str,
    #[case] says: &str,
) {
    let out = run_binary(url, &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("base-url") && err.contains(says), "{err}");
}

/// A base URL that cannot be meant is a usage error that shows the URL to write and never a
/// password given in it.
#[rstest]
#[case::userinfo(
    "http://kona:s3cret-pw@127.0.0.1:8080/open-api",
    "user name or password"
)]
#[case::user_only("http://kona@127.0.0.1:8080/open-api", "user name or password")]
#[case::query("http://127.0.0.1:8080/open-api?x=1", "query string")]
#[case::fragment("http://127.0.0.1:8080/open-api#top", "fragment")]
#[case::spaces(" http://127.0.0.1:8080/open-api\n", "spaces around it")]
fn a_base_url_with_more_than_a_base_path_is_a_usage_error_showing_the_url_to_write(
    #[case] url: &str,
    #[case] says: &str,
) {
    let out = run_binary(url, &[], &[]);
    let err = stderr(&out);
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(says), "{err}");
    assert!(
        err.contains("write --base-url http://127.0.0.1:8080/open-api\n"),
        "{err}"
    );
    assert!(
        !all.contains("s3cret-pw") && !all.contains("kona@"),
        "{all}"
    );
}

/// One rule for every credential: surrounding whitespace is refused, naming the variable,
/// and the value is never shown.
#[rstest]
#[case::asp_id("KONA_ASP_ID", "ASP000000000001 ".to_owned())]
#[case::access_key("KONA_ACCESS_KEY", format!("{}\n", "A".repeat(40)))]
#[case::secret_key("KONA_SECRET_KEY", "transport-test-secret\n".to_owned())]
#[case::secret_key_leading("KONA_SECRET_KEY", " transport-test-secret".to_owned())]
#[case::crypto_key_id("KONA_CRYPTO_KEY_ID", format!("{}\t", "0".repeat(32)))]
#[case::server_key(
    "KONA_SERVER_PUBLIC_KEY",
    format!("{}\n", repo_file("test-keys/server-public.pem").display())
)]
#[case::client_key(
    "KONA_CLIENT_PRIVATE_KEY",
    format!("{}\n", repo_file("test-keys/client-private.pem").display())
)]
fn a_credential_with_surrounding_whitespace_is_refused_naming_the_variable(
    #[case] variable: &str,
    #[case] value: String,
) {
    let url = format!("http://127.0.0.1:{}/open-api", closed_port());
    let out = run_binary(&url, &[], &[(variable, value.clone())]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("environment variable {variable}")) && err.contains("whitespace"),
        "{err}"
    );
    assert!(
        !err.contains(value.trim()),
        "the value is never shown: {err}"
    );
}

/// A secret written into the config file is refused by key, its value never quoted.
#[test]
fn a_secret_in_the_config_file_is_never_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(
        &config,
        "concurrency = 1\nsecret-key = \"TOPSECRET-value-1234567\"\n",
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{}/open-api", closed_port());
    let out = run_binary(&url, &["--config", config.to_str().unwrap()], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("TOPSECRET"), "{err}");
    assert!(
        err.contains("line 2") && err.contains("`secret-key`") && err.contains("KONA_SECRET_KEY"),
        "{err}"
    );
}

/// A request that runs out of time says which limit it hit and how to move it.
#[tokio::test]
async fn a_timeout_names_the_limit_and_the_flag() {
    let port = silent_server().await;
    let url = format!("http://127.0.0.1:{port}/open-api");
    let opts = options(Duration::from_millis(300), None);
    let client = KonaClient::new(target(&url), &opts).unwrap();
    let exchange = client.send(&spec(), &mut KonaClient::rng(1)).await;
    let reason = exchange.failure.expect("no answer").reason;
    assert!(
        reason.starts_with("timed out after 0.3 s") && reason.contains("--timeout"),
        "{reason}"
    );
    let err = certify::probe(&url, &opts).await.expect_err("no answer");
    assert!(
        err.to_string().contains("after 0.3 s") && err.to_string().contains("--timeout"),
        "{err}"
    );
}

// Flow control is not an answer (issue 21): a reused connection closed before any byte, a
// 429 and a 503 are resent within a bounded budget, never judged; a target whose throttling
// outlasts the budget verifies nothing and does not pass.

use crate::support::external_run;
use crate::support::flaky;

use external_run::SandboxCredentials as _;
use kona_conformance::sandbox::{Sandbox, SandboxConfig, Variant};

/// The `flow` of every resent attempt in a report folder's results.json, and the folder's
/// failed scenario count.
fn resends(dir: &std::path::Path) -> (Vec<String>, u64) {
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    let mut flows = Vec::new();
    for s in results["scenarios"].as_array().unwrap() {
        for e in s["exchanges"].as_array().into_iter().flatten() {
            for a in e["attempts"].as_array().into_iter().flatten() {
                flows.push(a["flow"].as_str().unwrap_or_default().to_owned());
            }
        }
    }
    let failed = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verdict"] == "failed")
        .count() as u64;
    (flows, failed)
}

async fn certify_through(base_url: String) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let output =
        tokio::task::spawn_blocking(move || external_run::certify(&base_url, &path, 7, true))
            .await
            .unwrap();
    (output, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_connection_closed_before_any_byte_is_resent_on_a_fresh_one() {
    let sandbox = Sandbox::start(SandboxConfig::for_certification())
        .await
        .unwrap();
    let base = url::Url::parse(&sandbox.base_url()).unwrap();
    let upstream = format!("127.0.0.1:{}", base.port().unwrap());
    let proxy = flaky::closes_reused_connections(upstream).await;
    let (output, dir) = certify_through(format!("http://{proxy}{}", base.path())).await;
    let (flows, failed) = resends(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(failed, 0);
    assert!(
        !flows.is_empty() && flows.iter().all(|f| f == "no-answer"),
        "{flows:?}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("resent after flow control"), "{stdout}");
    sandbox.shutdown().await;
}

/// Short-idle load balancers close a keep-alive after 50 ms: whatever the timing, no
/// scenario fails for it (a request caught by the close is resent on a fresh connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keep_alive_closed_after_50_ms_idle_fails_nothing() {
    let sandbox = Sandbox::start(SandboxConfig::for_certification())
        .await
        .unwrap();
    let base = url::Url::parse(&sandbox.base_url()).unwrap();
    let upstream = format!("127.0.0.1:{}", base.port().unwrap());
    let proxy = flaky::closes_idle_connections(upstream, Duration::from_millis(50)).await;
    let (output, dir) = certify_through(format!("http://{proxy}{}", base.path())).await;
    let (flows, failed) = resends(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(failed, 0);
    assert!(flows.iter().all(|f| f == "no-answer"), "{flows:?}");
    sandbox.shutdown().await;
}

#[rstest]
#[case::rate_limited_60_a_second(Variant::RateLimited, "throttled")]
#[case::a_transient_503(Variant::Transient503, "unavailable")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_control_is_resent_and_the_run_passes(#[case] variant: Variant, #[case] flow: &str) {
    let sandbox = Sandbox::start(SandboxConfig {
        variants: vec![variant],
        ..SandboxConfig::for_certification()
    })
    .await
    .unwrap();
    let (output, dir) = certify_through(sandbox.base_url()).await;
    let (flows, failed) = resends(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(failed, 0);
    assert!(flows.iter().any(|f| f == flow), "{flows:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_past_the_budget_verifies_nothing_and_fails_the_run() {
    let base_url = flaky::always_throttled().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kona-conformance"));
        cmd.args(["run", "--quiet", "--base-url", &base_url])
            .arg("--fixtures")
            .arg(external_run::manifest("fixtures/embedded-sandbox.json"))
            .args([
                "--profile",
                "sandbox",
                "--concurrency",
                "8",
                "--generated",
                "0",
            ])
            .arg("--report-dir")
            .arg(&path)
            .sandbox_credentials();
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    let said = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("flow control outlasted the resend budget"),
        "{said}"
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    let scenarios = results["scenarios"].as_array().unwrap();
    // Nothing passed on a 429, and nothing was charged to a rule.
    assert!(scenarios.iter().all(|s| s["verdict"] != "passed"));
    assert!(
        scenarios
            .iter()
            .all(|s| s["findings"].as_array().unwrap().is_empty())
    );
    assert!(
        scenarios
            .iter()
            .filter(|s| s["verdict"] == "not-verified")
            .any(|s| s["reason"]
                .as_str()
                .unwrap()
                .contains("throttled (HTTP 429) after 4 attempt(s)")),
        "{said}"
    );
    let (flows, _) = resends(dir.path());
    assert!(flows.iter().all(|f| f == "throttled") && !flows.is_empty());
}
