//! `kona-conformance sign`: print the headers the harness would send for a body, so an
//! integrator can compare them with what their own client computes.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use clap::Args;
use sha2::{Digest, Sha256};

use crate::client::Credentials;
use crate::client::headers::{self, ACCESS_KEY};
use crate::client::target::env;
use crate::crypto::ids::TimeZoneName;
use crate::secret::{REDACTED, Secret};

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The exact body bytes to sign (what goes on the wire).
    #[arg(long, value_name = "FILE")]
    pub body: PathBuf,
    /// Use the embedded sandbox's public test credentials instead of the environment.
    #[arg(long)]
    pub sandbox: bool,
    /// Zone the times are stated in.
    #[arg(long, default_value = "KST", value_parser = parse_zone)]
    pub time_zone: TimeZoneName,
    /// Sign as of this time (yyyyMMddHHmmssSSS, in --time-zone) instead of now.
    #[arg(long, value_name = "TIME17")]
    pub at: Option<String>,
    /// Print the access key in full (it is masked by default).
    #[arg(long)]
    pub show_access_key: bool,
    /// Include X-KM-Crypto-Key-Id (the body is an encrypted {"encData": ...} wrapper).
    #[arg(long)]
    pub encrypted: bool,
    /// Encrypt --body first (JWE, RSA-OAEP-256 + A128GCM) for the server key in this PEM
    /// (public key or certificate), and sign the {"encData": ...} wrapper.
    #[arg(long, value_name = "PEM")]
    pub encrypt_for: Option<PathBuf>,
    /// Write the body that was signed (the wrapper, when encrypting) to this file.
    #[arg(long, value_name = "FILE")]
    pub write_body: Option<PathBuf>,
}

fn parse_zone(s: &str) -> Result<TimeZoneName, String> {
    s.parse::<TimeZoneName>()
        .map_err(|_| format!("{s:?} is not a supported time zone (KST or UTC)"))
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot read --body {path}: {reason}")]
    Body { path: String, reason: String },
    #[error("--at {0:?} must be 17 digits yyyyMMddHHmmssSSS")]
    At(String),
    #[error("environment variable {0} is not set (credentials come only from the environment)")]
    Missing(&'static str),
    #[error("--encrypt-for: {0}")]
    Key(String),
    #[error("cannot write --write-body {path}: {reason}")]
    WriteBody { path: String, reason: String },
}

fn credentials_from_env() -> Result<Credentials, SignError> {
    let get = |name: &'static str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or(SignError::Missing(name))
    };
    Ok(Credentials {
        asp_id: get(env::ASP_ID)?,
        access_key: Secret::new(get(env::ACCESS_KEY)?),
        secret_key: Secret::new(get(env::SECRET_KEY)?),
        crypto_key_id: std::env::var(env::CRYPTO_KEY_ID).ok(),
    })
}

fn parse_at(at: &str, zone: TimeZoneName) -> Result<DateTime<FixedOffset>, SignError> {
    let err = || SignError::At(at.to_owned());
    if at.len() != 17 || !at.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let naive = NaiveDateTime::parse_from_str(&at[..14], "%Y%m%d%H%M%S").map_err(|_| err())?;
    let millis: i64 = at[14..].parse().map_err(|_| err())?;
    zone.offset()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t + chrono::Duration::milliseconds(millis))
        .ok_or_else(err)
}

/// The lines `sign` prints.
pub fn render(args: &SignArgs) -> Result<Vec<String>, SignError> {
    let mut body = std::fs::read(&args.body).map_err(|e| SignError::Body {
        path: args.body.display().to_string(),
        reason: e.to_string(),
    })?;
    if let Some(pem) = &args.encrypt_for {
        let key = crate::crypto::keys::read_public_key_file(pem)
            .map_err(|e| SignError::Key(e.to_string()))?;
        let jwe = crate::crypto::jwe::encrypt(
            &body,
            &key,
            crate::crypto::jwe::ContentEncryption::A128Gcm,
            None,
        )
        .map_err(|e| SignError::Key(e.to_string()))?;
        body = crate::client::wrap_enc_data(&jwe);
    }
    if let Some(out) = &args.write_body {
        std::fs::write(out, &body).map_err(|e| SignError::WriteBody {
            path: out.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    let credentials = if args.sandbox {
        crate::sandbox::embedded_credentials()
    } else {
        credentials_from_env()?
    };
    let now = match &args.at {
        Some(at) => parse_at(at, args.time_zone)?,
        None => chrono::Utc::now().with_timezone(&args.time_zone.offset()),
    };
    let signed = headers::sign(
        &credentials,
        &body,
        &now,
        args.time_zone,
        args.encrypted || args.encrypt_for.is_some() || credentials.crypto_key_id.is_some(),
        &mut rand::rng(),
    );
    let mut lines: Vec<String> = signed
        .pairs()
        .iter()
        .map(|(name, value)| {
            let shown = if name == ACCESS_KEY && !args.show_access_key {
                mask(value)
            } else {
                value.clone()
            };
            format!("{name}: {shown}")
        })
        .collect();
    let digest: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    lines.push(String::new());
    lines.push(format!(
        "# signed {} body bytes (sha256 {digest}) with the secret key {REDACTED}",
        body.len()
    ));
    Ok(lines)
}

fn mask(value: &str) -> String {
    let keep: String = value.chars().take(4).collect();
    format!(
        "{keep}{}",
        "*".repeat(value.chars().count().saturating_sub(4))
    )
}
