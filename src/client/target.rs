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

/// What a credential with surrounding whitespace is told (its value never shown).
pub const WHITESPACE_RULE: &str = "has whitespace (a space, tab or newline) before or after it: remove it (credentials are taken exactly as given, never trimmed)";

impl Target {
    /// Read a real target's credentials and keys from the environment (`lookup` is
    /// `std::env::var` in production, a map in tests). Every variable is checked before any
    /// request is sent; the first missing one is named.
    pub fn from_env(
        base_url: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Target, CredentialsError> {
        // One rule for every credential: surrounding whitespace (a newline from `$(cat file)`,
        // a space from a copy) is refused, naming the variable, never shown; nothing is trimmed
        // silently, since a trimmed secret would sign every request with another key.
        let get = |name: &'static str| {
            let value = lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(CredentialsError::Missing(name))?;
            if value.trim() != value {
                return Err(CredentialsError::Invalid {
                    name,
                    rule: WHITESPACE_RULE.into(),
                });
            }
            Ok(value)
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
    /// The proxy every request goes through; `None` is direct. Chosen once per run by
    /// [`proxy_for`] (the environment is never read behind the run's back).
    pub proxy: Option<UsedProxy>,
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
            proxy: None,
        }
    }
}

/// A proxy the run's requests go through: its URL (credentials included, for the client
/// only) and how every message names it: host and port, and the variable it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct UsedProxy {
    url: String,
    /// `host:port`, never credentials.
    pub address: String,
    pub variable: &'static str,
}

impl std::fmt::Debug for UsedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl UsedProxy {
    /// `proxy.example:3128 (from HTTPS_PROXY)`.
    pub fn describe(&self) -> String {
        format!("{} (from {})", self.address, self.variable)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("environment variable {variable}: {rule}; unset it or pass --no-proxy")]
    Unusable {
        variable: &'static str,
        rule: String,
    },
}

/// The proxy variables, in the order they are read, for each scheme (upper case first, as
/// reqwest reads them; `ALL_PROXY` when the scheme's own is unset).
const HTTP_PROXY_VARS: [&str; 4] = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];
const HTTPS_PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// How a run reaches `base_url`: through the proxy the environment names for its scheme
/// (`lookup` is `std::env::var` in production), or direct. Direct when `no_proxy` is set
/// (`--no-proxy`), when the target is on this machine (a proxy elsewhere cannot reach this
/// machine's loopback, and would be handed the credentials), or when `NO_PROXY` matches its
/// host. The second value is a note for the console when a proxy variable was set but not
/// used.
pub fn proxy_for(
    base_url: &str,
    no_proxy: bool,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(Option<UsedProxy>, Option<String>), ProxyError> {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return Ok((None, None));
    };
    let vars = if url.scheme() == "https" {
        HTTPS_PROXY_VARS
    } else {
        HTTP_PROXY_VARS
    };
    let Some((variable, value)) = vars.iter().find_map(|v| {
        lookup(v)
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .map(|x| (*v, x))
    }) else {
        return Ok((None, None));
    };
    let host = url.host_str().unwrap_or_default();
    let skip = if no_proxy {
        Some("--no-proxy")
    } else if is_loopback(base_url) {
        Some("the target is on this machine")
    } else if ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|v| lookup(v))
        .is_some_and(|list| no_proxy_matches(&list, host))
    {
        Some("NO_PROXY names the target")
    } else {
        None
    };
    if let Some(why) = skip {
        return Ok((
            None,
            Some(format!("proxy: {variable} not used ({why}); going direct")),
        ));
    }
    let unusable = |rule: String| ProxyError::Unusable { variable, rule };
    // curl and reqwest read a bare `host:port` as an HTTP proxy.
    let with_scheme = if value.contains("://") {
        value.clone()
    } else {
        format!("http://{value}")
    };
    let parsed = reqwest::Url::parse(&with_scheme)
        .map_err(|e| unusable(format!("not a proxy URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(unusable(format!(
            "a {} proxy is not supported (http:// or https:// only)",
            parsed.scheme()
        )));
    }
    let proxy_host = parsed
        .host_str()
        .ok_or_else(|| unusable("names no host".into()))?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    Ok((
        Some(UsedProxy {
            url: with_scheme,
            address: format!("{proxy_host}:{port}"),
            variable,
        }),
        None,
    ))
}

/// Whether a `NO_PROXY` list names `host`: `*`, the host itself, a domain it is in
/// (`example.com` or `.example.com`), or an IP address or CIDR range holding it.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: Option<std::net::IpAddr> = host.parse().ok();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
            return match (net.parse::<std::net::IpAddr>(), bits.parse::<u32>()) {
                (Ok(std::net::IpAddr::V4(n)), Ok(b)) if b <= 32 => match ip {
                    std::net::IpAddr::V4(i) => {
                        let mask = u32::MAX.checked_shl(32 - b).unwrap_or(0);
                        u32::from(i) & mask == u32::from(n) & mask
                    }
                    std::net::IpAddr::V6(_) => false,
                },
                (Ok(std::net::IpAddr::V6(n)), Ok(b)) if b <= 128 => match ip {
                    std::net::IpAddr::V6(i) => {
                        let mask = u128::MAX.checked_shl(128 - b).unwrap_or(0);
                        u128::from(i) & mask == u128::from(n) & mask
                    }
                    std::net::IpAddr::V4(_) => false,
                },
                _ => false,
            };
        }
        let domain = entry
            .trim_start_matches('.')
            .trim_start_matches('[')
            .trim_end_matches(']');
        !domain.is_empty()
            && (host.eq_ignore_ascii_case(domain)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", domain.to_ascii_lowercase())))
    })
}

/// Makes rustls's ring provider the process default, once; a later call, or one after another
/// provider was installed, changes nothing. reqwest is built with `rustls-no-provider` (no
/// aws-lc-rs and its C build) and panics on building a client before a provider is installed,
/// so anything that builds a `reqwest::Client` of its own (the tests do) calls this first.
pub fn install_crypto_provider() {
    // Err only means a provider is already installed, which is all this asks for.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One client per run: TLS verified against the platform's roots (plus `--ca-cert`), proxies
/// from the usual environment variables, a per-request timeout.
///
/// - TLS: rustls with `rustls-platform-verifier`. Verification is never switched off. On Linux
///   the platform's roots are the system CA bundle (`SSL_CERT_FILE` / `SSL_CERT_DIR` move it);
///   `--ca-cert` certificates are added to those roots (`tls_certs_merge`, which this verifier
///   supports on Linux and Windows), not put in their place.
/// - Proxies: only `options.proxy` (chosen by [`proxy_for`]); reqwest never reads the
///   environment itself.
/// - Timeout: the whole exchange (connect, send, answer, body) is bounded by
///   `options.timeout`; connecting alone by at most 10 s of it.
/// - Redirects: never followed. The API documents none, and following one would hand the
///   signed request and its credentials to whatever origin the answer names.
/// - Compression: none is negotiated or undone (reqwest is built without decoders).
/// - Retries: none. reqwest would resend a request the server refused at the protocol
///   level; every request this harness sends is one it records and judges (its own flow
///   control decides what to send again), and no copy is made for a resend.
pub fn build_http_client(options: &TransportOptions) -> Result<reqwest::Client, ClientError> {
    install_crypto_provider();
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .timeout(options.timeout)
        .connect_timeout(options.timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(options.pool_per_host)
        .pool_idle_timeout(super::flow::POOL_IDLE)
        .user_agent(concat!("kona-conformance/", env!("CARGO_PKG_VERSION")));
    let builder = match &options.proxy {
        // The error would show the URL, credentials included: name the proxy instead.
        Some(proxy) => builder.proxy(
            reqwest::Proxy::all(proxy.url.as_str())
                .map_err(|_| ClientError::Build(format!("unusable proxy {}", proxy.describe())))?,
        ),
        None => builder.no_proxy(),
    };
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

/// A transport failure's reason with what the run knows and reqwest does not: the limit a
/// timeout hit and the flag that moves it, and the proxy a failed connection went through.
pub fn explain(reason: String, options: &TransportOptions) -> String {
    if let Some(rest) = reason.strip_prefix("timed out") {
        return format!(
            "timed out after {} s (the --timeout limit; a slower target needs a larger --timeout SECONDS){rest}",
            options.timeout.as_secs_f64()
        );
    }
    if let Some(proxy) = &options.proxy {
        for what in ["connection failed", "request failed"] {
            if let Some(rest) = reason.strip_prefix(what) {
                return format!("{what} through the proxy {}{rest}", proxy.describe());
            }
        }
    }
    reason
}

/// The TLS certificate was rejected (so the server does speak TLS).
pub(crate) fn is_certificate_error(e: &reqwest::Error) -> bool {
    certificate_problem(e).is_some()
}

/// A base URL as `--base-url` needs it (`http://` or `https://`, a host, nothing after the
/// base path), or the rule it breaks and the URL to write instead. No message shows a
/// password or user name given in the URL.
pub fn check_base_url(url: &str) -> Result<(), String> {
    let trimmed = url.trim();
    let shown = without_userinfo(trimmed);
    if !trimmed.contains("://") {
        return Err(format!(
            "{shown:?} has no scheme: write http://{shown} for a plain-HTTP target or https://{shown} for TLS"
        ));
    }
    let parsed =
        reqwest::Url::parse(trimmed).map_err(|e| format!("{shown:?} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "{shown:?} uses the scheme {:?}: it must start with http:// or https://",
            parsed.scheme()
        ));
    }
    if parsed.host().is_none() {
        return Err(format!("{shown:?} names no host"));
    }
    let mut problems = Vec::new();
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // It would be printed everywhere and sent as `Authorization: Basic` to the target.
        problems.push(
            "carries a user name or password (user:password@): credentials come only from the KONA_* environment variables",
        );
    }
    if parsed.query().is_some() {
        problems.push("has a query string (?…): a base URL ends at its base path");
    }
    if parsed.fragment().is_some() {
        problems.push("has a fragment (#…): a base URL ends at its base path");
    }
    if trimmed != url {
        problems.push("has spaces around it");
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut fix = parsed;
    let _ = fix.set_username("");
    let _ = fix.set_password(None);
    fix.set_query(None);
    fix.set_fragment(None);
    Err(format!(
        "the base URL {}: write --base-url {}",
        problems.join("; "),
        fix.as_str().trim_end_matches('/')
    ))
}

/// `url` with anything before an `@` in its authority replaced by `…`, so a password given
/// there is never echoed (a plain text edit: it works on URLs that do not parse).
pub fn without_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}…{}", &url[..start], &url[start + at..]),
        None => url.to_owned(),
    }
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

/// Whether `url` points at this machine: only then are the fast, full defaults safe, and
/// never is a proxy used.
pub fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[rstest]
    #[case::http("http://t.example/open-api", &[("HTTP_PROXY", "http://p:3128")], Some("p:3128 (from HTTP_PROXY)"))]
    #[case::https_own("https://t.example/", &[("HTTP_PROXY", "http://a:1"), ("HTTPS_PROXY", "b:2")], Some("b:2 (from HTTPS_PROXY)"))]
    #[case::all_proxy("https://t.example/", &[("all_proxy", "http://c")], Some("c:80 (from all_proxy)"))]
    #[case::credentials_never_named("http://t.example/", &[("HTTP_PROXY", "http://u:pw@p:8080")], Some("p:8080 (from HTTP_PROXY)"))]
    #[case::loopback("http://127.0.0.1:9/", &[("HTTP_PROXY", "http://p:1")], None)]
    #[case::localhost("http://localhost:9/", &[("ALL_PROXY", "http://p:1")], None)]
    #[case::no_proxy_exact("http://t.example/", &[("HTTP_PROXY", "p:1"), ("NO_PROXY", "t.example")], None)]
    #[case::no_proxy_suffix("http://a.t.example/", &[("HTTP_PROXY", "p:1"), ("no_proxy", ".t.example")], None)]
    #[case::no_proxy_not_a_suffix("http://evilt.example/", &[("HTTP_PROXY", "p:1"), ("NO_PROXY", "t.example")], Some("p:1 (from HTTP_PROXY)"))]
    #[case::no_proxy_cidr("http://10.1.2.3/", &[("HTTP_PROXY", "p:1"), ("NO_PROXY", "10.0.0.0/8")], None)]
    #[case::no_proxy_star("http://t.example/", &[("HTTP_PROXY", "p:1"), ("NO_PROXY", "*")], None)]
    #[case::none("http://t.example/", &[], None)]
    fn the_proxy_for_a_target(
        #[case] url: &str,
        #[case] vars: &[(&str, &str)],
        #[case] named: Option<&str>,
    ) {
        let (proxy, _) = proxy_for(url, false, env(vars)).unwrap();
        assert_eq!(proxy.map(|p| p.describe()).as_deref(), named);
    }

    #[test]
    fn no_proxy_flag_and_unusable_proxies() {
        let (proxy, note) =
            proxy_for("http://t.example/", true, env(&[("HTTP_PROXY", "p:1")])).unwrap();
        assert!(proxy.is_none());
        assert_eq!(
            note.as_deref(),
            Some("proxy: HTTP_PROXY not used (--no-proxy); going direct")
        );
        let err = proxy_for(
            "http://t.example/",
            false,
            env(&[("HTTP_PROXY", "socks5://u:pw@p:1")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("HTTP_PROXY") && err.contains("socks5"),
            "{err}"
        );
        assert!(!err.contains("pw"), "{err}");
    }

    #[rstest]
    #[case("http://u:pw@h:1/x", "http://…@h:1/x")]
    #[case("u:pw@h/x", "…@h/x")]
    #[case("http://h/x?a=b@c", "http://h/x?a=b@c")]
    fn userinfo_is_never_echoed(#[case] url: &str, #[case] shown: &str) {
        assert_eq!(without_userinfo(url), shown);
    }
}
