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
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            timeout: Duration::from_secs(10),
            rate_limit: None,
            ca_cert: None,
            time_zone: TimeZoneName::Kst,
            pool_per_host: 64,
        }
    }
}

/// One client per run: TLS verified against the platform's roots (plus `--ca-cert`), proxies
/// from the usual environment variables, a per-request timeout.
pub(crate) fn build_http_client(
    options: &TransportOptions,
) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(options.pool_per_host)
        .user_agent(concat!("kona-conformance/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &options.ca_cert {
        let pem = std::fs::read(path).map_err(|e| ClientError::CaCert {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ClientError::CaCert {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(ClientError::CaCert {
                path: path.display().to_string(),
                reason: "no PEM certificate in the file".into(),
            });
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))
}
