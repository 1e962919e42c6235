//! JWE in compact serialization, limited to what the vendor uses.
//!
//! The vendor encrypts with RSA-OAEP-256 (RSA-OAEP, SHA-256 as both the hash and
//! the MGF1 hash) to wrap a fresh content key, and AES-GCM for the content. We
//! send `A128GCM` with the protected header exactly
//! `{"alg":"RSA-OAEP-256","enc":"A128GCM"}` (plus `kid` when asked), and accept
//! `A128GCM` or `A256GCM` back. As RFC 7516 says, the AAD is the ASCII of the
//! base64url protected header as it appears in the compact string.
//!
//! Everything else is refused with a [`JweError`] that says which part broke which
//! rule; no input makes these functions panic.

use std::fmt;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::rand_core::{OsRng, RngCore};
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use sha2::Sha256;

/// Longest compact string [`decrypt`] and [`peek_header`] look at (1 MiB), so
/// a hostile peer cannot make us decode without bound. [`encrypt`] refuses
/// plaintexts whose result would exceed it, so whatever it makes can be read back.
pub const MAX_COMPACT_LEN: usize = 1 << 20;

/// The only key-management algorithm supported.
pub const ALG_RSA_OAEP_256: &str = "RSA-OAEP-256";

const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Content encryption (`enc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEncryption {
    A128Gcm,
    A256Gcm,
}

impl ContentEncryption {
    /// The `enc` header value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::A128Gcm => "A128GCM",
            Self::A256Gcm => "A256GCM",
        }
    }

    /// Content key length in bytes.
    pub fn key_len(&self) -> usize {
        match self {
            Self::A128Gcm => 16,
            Self::A256Gcm => 32,
        }
    }

    fn from_header(enc: &str) -> Option<Self> {
        match enc {
            "A128GCM" => Some(Self::A128Gcm),
            "A256GCM" => Some(Self::A256Gcm),
            _ => None,
        }
    }
}

impl fmt::Display for ContentEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The five parts of the compact form, to say where a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwePart {
    ProtectedHeader,
    EncryptedKey,
    Iv,
    Ciphertext,
    Tag,
}

impl fmt::Display for JwePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ProtectedHeader => "protected header",
            Self::EncryptedKey => "encrypted key",
            Self::Iv => "initialization vector",
            Self::Ciphertext => "ciphertext",
            Self::Tag => "authentication tag",
        })
    }
}

/// Why a JWE was refused or could not be made. Messages never contain key
/// material, the content key or plaintext; header values they quote are cut short.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    #[error("JWE is {len} bytes, over the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    #[error("JWE compact serialization has 5 dot-separated parts, found {found}")]
    PartCount { found: usize },
    #[error("JWE {part} is not valid unpadded base64url")]
    Base64 { part: JwePart },
    #[error("JWE protected header is not a JSON object with string \"alg\" and \"enc\": {reason}")]
    HeaderNotJson { reason: String },
    #[error("JWE \"alg\" {alg:?} is not supported; only \"RSA-OAEP-256\" is")]
    UnsupportedAlg { alg: String },
    #[error("JWE \"enc\" {enc:?} is not supported; only \"A128GCM\" and \"A256GCM\" are")]
    UnsupportedEnc { enc: String },
    #[error("JWE \"zip\" (compressed content) is not supported")]
    ZipNotSupported,
    #[error("JWE \"crit\" header extensions are not supported")]
    CritNotSupported,
    #[error("JWE encrypted key is empty; RSA-OAEP-256 needs a wrapped content key")]
    MissingEncryptedKey,
    #[error("JWE initialization vector must be {IV_LEN} bytes, found {found}")]
    BadIvLength { found: usize },
    #[error("JWE authentication tag must be {TAG_LEN} bytes, found {found}")]
    BadTagLength { found: usize },
    #[error("JWE content key for {enc} must be {} bytes, found {found}", enc.key_len())]
    CekLength {
        enc: ContentEncryption,
        found: usize,
    },
    #[error("JWE encrypted key could not be unwrapped with RSA-OAEP-256 and this private key")]
    KeyUnwrap,
    #[error("JWE content key could not be wrapped with RSA-OAEP-256 for this public key")]
    KeyWrap,
    #[error("JWE authentication failed: the tag does not match the ciphertext, IV, AAD and key")]
    AuthenticationFailed,
    #[error("JWE content encryption failed")]
    ContentEncryption,
    #[error("no randomness available for the JWE content key and IV")]
    Randomness,
}

/// The protected header's fields that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JweHeader {
    pub alg: String,
    pub enc: String,
    pub kid: Option<String>,
}

/// As the header is read. `zip` and `crit` are captured only to refuse them;
/// other members are ignored, as RFC 7516 allows.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    enc: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    zip: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// Header values go into error messages; keep those short whatever was sent.
fn clip(s: &str) -> String {
    clip_to(s, 40)
}

fn clip_to(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

fn b64(part: JwePart, s: &str) -> Result<Vec<u8>, JweError> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| JweError::Base64 { part })
}

/// The five raw parts, after the size and count checks.
fn split(compact: &str) -> Result<[&str; 5], JweError> {
    if compact.len() > MAX_COMPACT_LEN {
        return Err(JweError::TooLarge {
            len: compact.len(),
            max: MAX_COMPACT_LEN,
        });
    }
    let parts: Vec<&str> = compact.split('.').collect();
    <[&str; 5]>::try_from(parts).map_err(|parts| JweError::PartCount { found: parts.len() })
}

fn parse_header(b64_header: &str) -> Result<RawHeader, JweError> {
    let json = b64(JwePart::ProtectedHeader, b64_header)?;
    // A derived struct would also accept a JSON array, filling fields by position;
    // the header must be an object.
    let first = json
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return Err(JweError::HeaderNotJson {
            reason: "not a JSON object".into(),
        });
    }
    serde_json::from_slice::<RawHeader>(&json).map_err(|e| JweError::HeaderNotJson {
        // serde's message names the problem (e.g. "missing field `enc`") and its
        // position; clip it in case it quotes a long value.
        reason: clip_to(&e.to_string(), 120),
    })
}

/// Reads the protected header without decrypting, e.g. to pick a key by `kid`.
/// Checks only size, part count, base64url and JSON; not whether alg/enc are
/// supported.
pub fn peek_header(compact: &str) -> Result<JweHeader, JweError> {
    let [header, ..] = split(compact)?;
    let raw = parse_header(header)?;
    Ok(JweHeader {
        alg: raw.alg,
        enc: raw.enc,
        kid: raw.kid,
    })
}

/// Encrypts `plaintext` to `recipient` with RSA-OAEP-256 and `enc`, returning the
/// compact serialization. The header is `{"alg":"RSA-OAEP-256","enc":...}` in that
/// order, with `"kid"` last when given.
pub fn encrypt(
    plaintext: &[u8],
    recipient: &RsaPublicKey,
    enc: ContentEncryption,
    kid: Option<&str>,
) -> Result<String, JweError> {
    let mut header = format!(r#"{{"alg":"{ALG_RSA_OAEP_256}","enc":"{}""#, enc.as_str());
    if let Some(kid) = kid {
        header.push_str(r#","kid":"#);
        // serde_json escapes quotes and control characters in the kid.
        header.push_str(&serde_json::Value::from(kid).to_string());
    }
    header.push('}');
    let header_b64 = URL_SAFE_NO_PAD.encode(header.as_bytes());

    // Refuse before the expensive work if the result could not be decrypted.
    let wrapped_len = rsa::traits::PublicKeyParts::size(recipient);
    let total = header_b64.len()
        + encoded_len(wrapped_len)
        + encoded_len(IV_LEN)
        + encoded_len(plaintext.len())
        + encoded_len(TAG_LEN)
        + 4;
    if total > MAX_COMPACT_LEN {
        return Err(JweError::TooLarge {
            len: total,
            max: MAX_COMPACT_LEN,
        });
    }

    let mut cek = [0u8; 32];
    let cek = &mut cek[..enc.key_len()];
    let mut iv = [0u8; IV_LEN];
    OsRng
        .try_fill_bytes(cek)
        .and_then(|()| OsRng.try_fill_bytes(&mut iv))
        .map_err(|_| JweError::Randomness)?;

    let encrypted_key = recipient
        .encrypt(&mut OsRng, Oaep::new::<Sha256>(), cek)
        .map_err(|_| JweError::KeyWrap)?;

    let mut buf = plaintext.to_vec();
    let nonce = Nonce::from_slice(&iv);
    let aad = header_b64.as_bytes();
    let tag = match enc {
        ContentEncryption::A128Gcm => Aes128Gcm::new_from_slice(cek)
            .map_err(|_| JweError::ContentEncryption)?
            .encrypt_in_place_detached(nonce, aad, &mut buf),
        ContentEncryption::A256Gcm => Aes256Gcm::new_from_slice(cek)
            .map_err(|_| JweError::ContentEncryption)?
            .encrypt_in_place_detached(nonce, aad, &mut buf),
    }
    .map_err(|_| JweError::ContentEncryption)?;
    cek.fill(0);

    Ok([
        header_b64,
        URL_SAFE_NO_PAD.encode(encrypted_key),
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&buf),
        URL_SAFE_NO_PAD.encode(tag),
    ]
    .join("."))
}

fn encoded_len(n: usize) -> usize {
    // Unpadded base64: 4 characters per 3 bytes, rounded up.
    n.div_ceil(3) * 4 - (3 - n % 3) % 3
}

/// A compact JWE whose form is right: what is left to check needs the private key.
struct Form<'a> {
    header_b64: &'a str,
    header: JweHeader,
    enc: ContentEncryption,
    encrypted_key: Vec<u8>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

fn form(compact: &str) -> Result<Form<'_>, JweError> {
    let [header_b64, ek_b64, iv_b64, ct_b64, tag_b64] = split(compact)?;
    let header = parse_header(header_b64)?;
    if header.alg != ALG_RSA_OAEP_256 {
        return Err(JweError::UnsupportedAlg {
            alg: clip(&header.alg),
        });
    }
    let enc =
        ContentEncryption::from_header(&header.enc).ok_or_else(|| JweError::UnsupportedEnc {
            enc: clip(&header.enc),
        })?;
    if header.zip.is_some() {
        return Err(JweError::ZipNotSupported);
    }
    if header.crit.is_some() {
        return Err(JweError::CritNotSupported);
    }
    let encrypted_key = b64(JwePart::EncryptedKey, ek_b64)?;
    let iv = b64(JwePart::Iv, iv_b64)?;
    let ciphertext = b64(JwePart::Ciphertext, ct_b64)?;
    let tag = b64(JwePart::Tag, tag_b64)?;
    if encrypted_key.is_empty() {
        return Err(JweError::MissingEncryptedKey);
    }
    if iv.len() != IV_LEN {
        return Err(JweError::BadIvLength { found: iv.len() });
    }
    if tag.len() != TAG_LEN {
        return Err(JweError::BadTagLength { found: tag.len() });
    }
    Ok(Form {
        header_b64,
        header: JweHeader {
            alg: header.alg,
            enc: header.enc,
            kid: header.kid,
        },
        enc,
        encrypted_key,
        iv,
        ciphertext,
        tag,
    })
}

/// Checks everything about a compact JWE that needs no key: size, five base64url parts,
/// a protected header with a supported `alg` and `enc` and nothing this module refuses, a
/// wrapped key, and IV and tag lengths. What a recorded request encrypted for someone else's
/// key can be checked for.
pub fn check_form(compact: &str) -> Result<JweHeader, JweError> {
    form(compact).map(|f| f.header)
}

/// Decrypts a compact JWE with `key`.
///
/// Checks run cheapest first (size, parts, base64url, header, lengths) so the RSA
/// operation only runs on well-formed input. A failed unwrap is reported as such
/// ([`JweError::KeyUnwrap`]); this is a test harness, and telling a tester why is
/// worth more than hiding it.
pub fn decrypt(compact: &str, key: &RsaPrivateKey) -> Result<Vec<u8>, JweError> {
    let Form {
        header_b64,
        enc,
        encrypted_key,
        iv,
        ciphertext: mut buf,
        tag,
        ..
    } = form(compact)?;
    let mut cek = key
        .decrypt(Oaep::new::<Sha256>(), &encrypted_key)
        .map_err(|_| JweError::KeyUnwrap)?;
    if cek.len() != enc.key_len() {
        let found = cek.len();
        cek.fill(0);
        return Err(JweError::CekLength { enc, found });
    }

    let nonce = Nonce::from_slice(&iv);
    let tag = Tag::from_slice(&tag);
    let aad = header_b64.as_bytes();
    let opened = match enc {
        ContentEncryption::A128Gcm => Aes128Gcm::new_from_slice(&cek)
            .map_err(|_| JweError::AuthenticationFailed)?
            .decrypt_in_place_detached(nonce, aad, &mut buf, tag),
        ContentEncryption::A256Gcm => Aes256Gcm::new_from_slice(&cek)
            .map_err(|_| JweError::AuthenticationFailed)?
            .decrypt_in_place_detached(nonce, aad, &mut buf, tag),
    };
    cek.fill(0);
    opened.map_err(|_| JweError::AuthenticationFailed)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_len_matches_the_engine() {
        for n in 0..100 {
            assert_eq!(
                encoded_len(n),
                URL_SAFE_NO_PAD.encode(vec![0u8; n]).len(),
                "{n}"
            );
        }
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("short"), "short");
        let long = "가".repeat(50);
        let clipped = clip(&long);
        assert_eq!(clipped.chars().count(), 41);
        assert!(clipped.ends_with('…'));
    }

    #[test]
    fn split_counts_parts() {
        assert_eq!(split("a.b.c.d"), Err(JweError::PartCount { found: 4 }));
        assert_eq!(split(""), Err(JweError::PartCount { found: 1 }));
        assert!(split("....").is_ok());
    }
}
