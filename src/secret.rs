//! A string that must never reach a log, a report or an error message.
//!
//! `Debug` and `Display` print a fixed placeholder, so a secret that ends up in a
//! `format!` by mistake leaks nothing; code that really needs the bytes calls
//! [`Secret::expose`], which is easy to grep for.
//!
//! Every secret the process creates is also remembered in a process-wide list ([`known`]),
//! so the redactor of every artifact and of every console line knows it from the start, not
//! only once it has been seen on the wire (a secret key never is).

use std::fmt;
use std::sync::RwLock;

/// Every secret value this process holds, in registration order, without duplicates.
static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remember `value` as a secret for every later redaction in this process.
pub fn register(value: &str) {
    if value.is_empty() {
        return;
    }
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    if !known.iter().any(|k| k == value) {
        known.push(value.to_owned());
    }
}

/// Every secret registered so far.
pub fn known() -> Vec<String> {
    KNOWN.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Register the text forms a private key may take when leaked: each line of its PKCS#8 and
/// PKCS#1 PEM encodings (what key files hold), so a target echoing a key file's lines, with
/// or without the BEGIN/END armour, is caught.
pub fn register_private_key(key: &rsa::RsaPrivateKey) {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::EncodePrivateKey as _;
    let pems = [
        key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .map(|p| p.to_string())
            .ok(),
        key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .map(|p| p.to_string())
            .ok(),
    ];
    for pem in pems.into_iter().flatten() {
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            // The short last line of a block would match too much.
            if line.len() >= 16 {
                register(line);
            }
        }
    }
}

/// What every secret prints as.
pub const REDACTED: &str = "[REDACTED]";

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret, remembered for redaction ([`known`]).
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        register(&value);
        Self(value)
    }

    /// The raw value; only for signing and for the redaction filter itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("canary-secret-value");
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some([REDACTED])");
        assert_eq!(secret.expose(), "canary-secret-value");
        assert!(known().iter().any(|k| k == "canary-secret-value"));
    }
}
