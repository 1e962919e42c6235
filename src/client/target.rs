//! What is being certified: base URL, credentials (only from the environment or files), keys,
//! and how to reach it.

use std::path::PathBuf;
use std::time::Duration;

use crate::crypto::ids::TimeZoneName;
use crate::crypto::keys;
use crate::secret::Secret;

use super::ClientError;

/// The embedded sandbox gets exact assertions of this project's conventions; any other target
/// has them observed instead (issue: undocumented behaviour is observed, not asserted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Embedded,
    External,
}

#[derive(Clone)]
pub struct Credentials {
    pub asp_id: String,
    pub access_key: Secret,
    pub secret_key: Secret,
    pub crypto_key_id: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("asp_id", &self.asp_id)
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("crypto_key_id", &self.crypto_key_id)
            .finish()
    }
}

/// The server's public key (to encrypt requests) and ours (to decrypt responses).
#[derive(Clone)]
pub struct EncryptionKeys {
    pub server_public: rsa::RsaPublicKey,
    pub client_private: rsa::RsaPrivateKey,
}

impl std::fmt::Debug for EncryptionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKeys([REDACTED])")
    }
}

#[derive(Debug, Clone)]
pub struct Target {
    /// Up to and including the base path, e.g. `https://sandbox.konaplate.com/open-api`.
    pub base_url: String,
    pub kind: TargetKind,
    pub credentials: Credentials,
    pub keys: Option<EncryptionKeys>,
}

/// The environment variables a real target's credentials come from. Never flags: flags end up
/// in shell history and CI logs.
pub mod env {
    pub const ASP_ID: &str = "KONA_ASP_ID";
    pub const ACCESS_KEY: &str = "KONA_ACCESS_KEY";
    pub const SECRET_KEY: &str = "KONA_SECRET_KEY";
    pub const CRYPTO_KEY_ID: &str = "KONA_CRYPTO_KEY_ID";
    pub const SERVER_PUBLIC_KEY: &str = "KONA_SERVER_PUBLIC_KEY";
    pub const CLIENT_PRIVATE_KEY: &str = "KONA_CLIENT_PRIVATE_KEY";
    /// Every variable, in the order a missing one is reported.
    pub const ALL: [&str; 6] = [
        ASP_ID,
        ACCESS_KEY,
        SECRET_KEY,
        CRYPTO_KEY_ID,
        SERVER_PUBLIC_KEY,
        CLIENT_PRIVATE_KEY,
    ];
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "environment variable {0} is not set (credentials come only from the environment or files)"
    )]
    Missing(&'static str),
    #[error("environment variable {name}: {rule}")]
    Invalid { name: &'static str, rule: String },
    #[error("environment variable {name} names a key file that cannot be used: {reason}")]
    KeyFile { name: &'static str, reason: String },
}

impl Target {
    /// Read a real target's credentials and keys from the environment (`lookup` is
    /// `std::env::var` in production, a map in tests). Every variable is checked before any
    /// request is sent; the first missing one is named.
    pub fn from_env(
        base_url: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Target, CredentialsError> {
        let get = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(CredentialsError::Missing(name))
        };
        let asp_id = get(env::ASP_ID)?;
        let access_key = get(env::ACCESS_KEY)?;
        let secret_key = get(env::SECRET_KEY)?;
        let crypto_key_id = get(env::CRYPTO_KEY_ID)?;
        let server_key_path = get(env::SERVER_PUBLIC_KEY)?;
        let client_key_path = get(env::CLIENT_PRIVATE_KEY)?;
        let length = |name: &'static str, value: &str, len: usize| {
            if value.chars().count() == len {
                Ok(())
            } else {
                Err(CredentialsError::Invalid {
                    name,
                    rule: format!("must be exactly {len} characters"),
                })
            }
        };
        length(env::ASP_ID, &asp_id, 15)?;
        length(env::ACCESS_KEY, &access_key, 40)?;
        length(env::CRYPTO_KEY_ID, &crypto_key_id, 32)?;
        let server_public =
            keys::read_public_key_file(&PathBuf::from(&server_key_path)).map_err(|e| {
                CredentialsError::KeyFile {
                    name: env::SERVER_PUBLIC_KEY,
                    reason: e.to_string(),
                }
            })?;
        let client_private = keys::read_private_key_file(&PathBuf::from(&client_key_path))
            .map_err(|e| CredentialsError::KeyFile {
                name: env::CLIENT_PRIVATE_KEY,
                reason: e.to_string(),
            })?;
        Ok(Target {
            base_url: base_url.trim_end_matches('/').to_owned(),
            kind: TargetKind::External,
            credentials: Credentials {
                asp_id,
                access_key: Secret::new(access_key),
                secret_key: Secret::new(secret_key),
                crypto_key_id: Some(crypto_key_id),
            },
            keys: Some(EncryptionKeys {
                server_public,
                client_private,
            }),
        })
    }
}

/// How requests travel: the knobs a real network needs.
#[derive(Debug, Clone)]
pub struct TransportOptions {
    pub timeout: Duration,
    /// Requests per second across the whole run; `None` is unlimited.
    pub rate_limit: Option<f64>,
    /// A private CA to trust besides the platform's roots.
    pub ca_cert: Option<PathBuf>,
    pub time_zone: TimeZoneName,
    /// Idle connections kept per host (connection reuse is what makes a run fast).
    pub pool_per_host: usize,
    /// Stops every request of the run (signals, `--max-duration`).
    pub interrupt: super::Interrupt,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            timeout: Duration::from_secs(10),
            rate_limit: None,
            ca_cert: None,
            time_zone: TimeZoneName::Kst,
            pool_per_host: 64,
            interrupt: super::Interrupt::default(),
        }
    }
}

/// One client per run: TLS verified against the platform's roots (plus `--ca-cert`), proxies
/// from the usual environment variables, a per-request timeout.
///
/// - TLS: rustls with `rustls-platform-verifier`. Verification is never switched off. On Linux
///   the platform's roots are the system CA bundle (`SSL_CERT_FILE` / `SSL_CERT_DIR` move it);
///   `--ca-cert` certificates are added to those roots (`tls_certs_merge`, which this verifier
///   supports on Linux and Windows), not put in their place.
/// - Proxies: `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case), read once
///   when the client is built (reqwest's `system-proxy`).
/// - Timeout: the whole exchange (connect, send, answer, body) is bounded by
///   `options.timeout`; connecting alone by at most 10 s of it.
/// - Redirects: never followed. The API documents none, and following one would hand the
///   signed request and its credentials to whatever origin the answer names.
/// - Compression: none is negotiated or undone (reqwest is built without decoders).
pub(crate) fn build_http_client(
    options: &TransportOptions,
) -> Result<reqwest::Client, ClientError> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .connect_timeout(options.timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(options.pool_per_host)
        .pool_idle_timeout(super::flow::POOL_IDLE)
        .user_agent(concat!("kona-conformance/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &options.ca_cert {
        let ca_error = |reason: String| ClientError::CaCert {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| ca_error(format!("not a PEM certificate file: {}", chain(&e))))?;
        if certs.is_empty() {
            return Err(ca_error(
                "no PEM certificate in the file (expected -----BEGIN CERTIFICATE-----; convert DER with `openssl x509 -inform DER -in FILE -out FILE.pem`)".into(),
            ));
        }
        // A PEM block whose contents are not a usable certificate fails only here.
        return builder
            .tls_certs_merge(certs)
            .build()
            .map_err(|e| ca_error(format!("not usable as a trusted root: {}", chain(&e))));
    }
    builder.build().map_err(|e| ClientError::Build(chain(&e)))
}

/// An error and its sources on one line, `a: b: c`, skipping a source whose text its parent
/// already shows.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Why a request got no HTTP answer, on one line: timed out, connection failed (with the
/// cause: refused, reset, no route), or the TLS certificate was rejected and why, with what
/// to do about it.
pub(crate) fn transport_reason(e: &reqwest::Error) -> String {
    if let Some(problem) = certificate_problem(e) {
        return certificate_reason(problem);
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    // The URL is said by the caller; the chain after the top says why.
    match std::error::Error::source(e) {
        Some(s) => format!("{what}: {}", chain(s)),
        None => what.to_owned(),
    }
}

/// The TLS certificate was rejected (so the server does speak TLS).
pub(crate) fn is_certificate_error(e: &reqwest::Error) -> bool {
    certificate_problem(e).is_some()
}

/// A base URL as `--base-url` needs it (`http://` or `https://`, a host), or the rule it
/// breaks and what to write instead.
pub fn check_base_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if !url.contains("://") {
        return Err(format!(
            "{url:?} has no scheme: write http://{url} for a plain-HTTP target or https://{url} for TLS"
        ));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "{url:?} uses the scheme {:?}: it must start with http:// or https://",
            parsed.scheme()
        ));
    }
    if parsed.host().is_none() {
        return Err(format!("{url:?} names no host"));
    }
    Ok(())
}

/// The rustls certificate error somewhere in `e`'s sources. hyper-rustls hands it over inside
/// an `io::Error` inside another `io::Error`, and `io::Error::source` skips the error it
/// wraps, so each link is also unwrapped through `io::Error::get_ref`.
fn certificate_problem<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::CertificateError> {
    let mut link = Some(e);
    while let Some(err) = link {
        let mut inner: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(candidate) = inner {
            if let Some(rustls::Error::InvalidCertificate(problem)) =
                candidate.downcast_ref::<rustls::Error>()
            {
                return Some(problem);
            }
            inner = candidate
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|wrapped| wrapped as &(dyn std::error::Error + 'static));
        }
        link = err.source();
    }
    None
}

fn certificate_reason(problem: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    let why = match problem {
        C::UnknownIssuer => {
            "it is not issued by a CA we trust (the platform's roots, plus --ca-cert if given); for a private CA pass --ca-cert FILE (PEM)"
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it is not valid for this host name; use the host name the certificate names"
        }
        C::Expired | C::ExpiredContext { .. } => {
            "it has expired (or this machine's clock is wrong)"
        }
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "it is not valid yet (or this machine's clock is wrong)"
        }
        C::Revoked => "it has been revoked",
        _ => "verification failed",
    };
    format!("TLS certificate rejected: {why} ({problem})")
}
