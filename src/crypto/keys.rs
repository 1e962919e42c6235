//! RSA keys from PEM text or files.
//!
//! Private keys come as PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`).
//! Public keys come as SubjectPublicKeyInfo (`PUBLIC KEY`), PKCS#1
//! (`RSA PUBLIC KEY`), or inside an X.509 `CERTIFICATE`, which is what the
//! vendor portal hands out.
//!
//! Only the first PEM block is read, so a certificate chain yields the leaf and
//! text around the block (as some tools write) is ignored. Errors name the
//! format or the file, never the key material.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use x509_cert::Certificate;
use x509_cert::der::{DecodePem, Encode};

/// Largest key file read (64 KiB); real ones are a few KiB.
pub const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// OID of `rsaEncryption`, the algorithm of an RSA SubjectPublicKeyInfo.
const RSA_ENCRYPTION: x509_cert::der::oid::ObjectIdentifier =
    x509_cert::der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no PEM block (\"-----BEGIN ...-----\" to \"-----END ...-----\") found")]
    NoPemBlock,
    #[error("PEM label {found:?} is not one of {expected}")]
    UnexpectedLabel {
        found: String,
        expected: &'static str,
    },
    #[error("encrypted private keys (ENCRYPTED PRIVATE KEY) are not supported; decrypt it first")]
    EncryptedPrivateKey,
    #[error("{format} could not be decoded: {reason}")]
    Decode {
        format: &'static str,
        reason: String,
    },
    #[error("certificate public key is not RSA (algorithm {oid})")]
    NotRsa { oid: String },
    #[error("RSA private key is inconsistent: {reason}")]
    InvalidKey { reason: String },
    #[error("cannot read key file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {} is over {max} bytes", path.display())]
    FileTooLarge { path: PathBuf, max: u64 },
    #[error("key file {}: {source}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<KeyError>,
    },
}

/// The first PEM block in `text` and its label.
fn first_block(text: &str) -> Result<(&str, &str), KeyError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let start = text.find(BEGIN).ok_or(KeyError::NoPemBlock)?;
    let after_begin = &text[start + BEGIN.len()..];
    let label_len = after_begin.find(DASHES).ok_or(KeyError::NoPemBlock)?;
    let label = &after_begin[..label_len];
    let end_line = format!("-----END {label}-----");
    let end = text[start..].find(&end_line).ok_or(KeyError::NoPemBlock)?;
    Ok((label, &text[start..start + end + end_line.len()]))
}

fn decode_err<E: std::fmt::Display>(format: &'static str) -> impl FnOnce(E) -> KeyError {
    move |e| KeyError::Decode {
        format,
        reason: e.to_string(),
    }
}

/// An RSA private key from PKCS#8 or PKCS#1 PEM.
pub fn private_key_from_pem(pem: &str) -> Result<RsaPrivateKey, KeyError> {
    let (label, block) = first_block(pem)?;
    let key = match label {
        "PRIVATE KEY" => {
            RsaPrivateKey::from_pkcs8_pem(block).map_err(decode_err("PKCS#8 private key"))?
        }
        "RSA PRIVATE KEY" => {
            RsaPrivateKey::from_pkcs1_pem(block).map_err(decode_err("PKCS#1 private key"))?
        }
        "ENCRYPTED PRIVATE KEY" => return Err(KeyError::EncryptedPrivateKey),
        other => {
            return Err(KeyError::UnexpectedLabel {
                found: other.to_owned(),
                expected: "PRIVATE KEY, RSA PRIVATE KEY",
            });
        }
    };
    // Parsing checks the structure; this checks the numbers agree with each other.
    key.validate().map_err(|e| KeyError::InvalidKey {
        reason: e.to_string(),
    })?;
    Ok(key)
}

/// An RSA public key from SPKI or PKCS#1 PEM, or from an X.509 certificate PEM.
/// A certificate is not checked for validity dates or signature: only its key is used.
pub fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, KeyError> {
    let (label, block) = first_block(pem)?;
    match label {
        "PUBLIC KEY" => RsaPublicKey::from_public_key_pem(block)
            .map_err(decode_err("SubjectPublicKeyInfo public key")),
        "RSA PUBLIC KEY" => {
            RsaPublicKey::from_pkcs1_pem(block).map_err(decode_err("PKCS#1 public key"))
        }
        "CERTIFICATE" => {
            let cert =
                Certificate::from_pem(block.as_bytes()).map_err(decode_err("X.509 certificate"))?;
            let spki = &cert.tbs_certificate.subject_public_key_info;
            if spki.algorithm.oid != RSA_ENCRYPTION {
                return Err(KeyError::NotRsa {
                    oid: spki.algorithm.oid.to_string(),
                });
            }
            let der = spki
                .to_der()
                .map_err(decode_err("X.509 certificate public key"))?;
            RsaPublicKey::from_public_key_der(&der)
                .map_err(decode_err("X.509 certificate public key"))
        }
        other => Err(KeyError::UnexpectedLabel {
            found: other.to_owned(),
            expected: "PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE",
        }),
    }
}

/// Reads at most [`MAX_KEY_FILE_LEN`] bytes of UTF-8 text.
fn read_text(path: &Path) -> Result<String, KeyError> {
    let read_err = |source| KeyError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_KEY_FILE_LEN {
        return Err(KeyError::FileTooLarge {
            path: path.to_owned(),
            max: MAX_KEY_FILE_LEN,
        });
    }
    String::from_utf8(bytes).map_err(|_| {
        read_err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not UTF-8 text (a PEM file was expected)",
        ))
    })
}

fn in_file(path: &Path) -> impl FnOnce(KeyError) -> KeyError {
    move |e| KeyError::InFile {
        path: path.to_owned(),
        source: Box::new(e),
    }
}

/// [`private_key_from_pem`] on a file's contents; errors name the path.
pub fn read_private_key_file(path: &Path) -> Result<RsaPrivateKey, KeyError> {
    private_key_from_pem(&read_text(path)?).map_err(in_file(path))
}

/// [`public_key_from_pem`] on a file's contents; errors name the path.
pub fn read_public_key_file(path: &Path) -> Result<RsaPublicKey, KeyError> {
    public_key_from_pem(&read_text(path)?).map_err(in_file(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_block_skips_preamble_and_following_blocks() {
        let text = "Bag Attributes: x\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n\
                    -----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n\n";
        let (label, block) = first_block(text).unwrap();
        assert_eq!(label, "CERTIFICATE");
        assert_eq!(
            block,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
        );
    }

    #[test]
    fn no_block_is_an_error() {
        assert!(matches!(first_block("hello"), Err(KeyError::NoPemBlock)));
        assert!(matches!(
            first_block("-----BEGIN PUBLIC KEY-----\nAAAA\n"),
            Err(KeyError::NoPemBlock)
        ));
        assert!(matches!(
            first_block("-----BEGIN "),
            Err(KeyError::NoPemBlock)
        ));
    }

    #[test]
    fn wrong_label_is_named() {
        let err =
            private_key_from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .unwrap_err();
        assert!(
            matches!(err, KeyError::UnexpectedLabel { ref found, .. } if found == "PUBLIC KEY")
        );
    }
}
