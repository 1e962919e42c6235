//! One request and its answer, exactly as they crossed the wire, plus the plaintext of any
//! encrypted body. Transport problems are data here, not errors: a hostile target must give
//! every scenario a verdict, never a panic.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::target::EncryptionKeys;
use super::{MAX_RESPONSE_BYTES, RequestSpec};
use crate::crypto::jwe;

/// Why an exchange has no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureClass {
    /// The request could not be prepared (e.g. no keys to encrypt with).
    Setup,
    /// No HTTP answer: refused, reset, timed out, TLS failure.
    Transport,
    /// An HTTP answer that is not a usable message: truncated, too large, not UTF-8 JSON.
    Protocol,
    /// A well-formed answer that breaks the documented contract.
    Contract,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TransportFailure {
    pub class: FailureClass,
    pub reason: String,
}

impl TransportFailure {
    pub fn new(class: FailureClass, reason: impl Into<String>) -> Self {
        TransportFailure {
            class,
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResponseCapture {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was cut at [`MAX_RESPONSE_BYTES`].
    pub truncated: bool,
    /// The decrypted `encData`, when the body was encrypted.
    pub plaintext: Option<Result<Vec<u8>, String>>,
    /// The body and the message parsed once: every check of every exchange reads them.
    pub parsed: ParsedCache,
}

/// Parse-once caches behind [`ResponseCapture::json`] and [`ResponseCapture::message`].
#[derive(Debug, Clone, Default)]
pub struct ParsedCache {
    body: OnceLock<Option<Value>>,
    message: OnceLock<Option<Value>>,
}

impl ResponseCapture {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<&Value> {
        self.parsed
            .body
            .get_or_init(|| serde_json::from_slice(&self.body).ok())
            .as_ref()
    }

    /// The message the envelope is in: the decrypted plaintext when the body was encrypted
    /// and decrypted, the body itself otherwise.
    pub fn message(&self) -> Option<&Value> {
        self.parsed
            .message
            .get_or_init(|| match &self.plaintext {
                Some(Ok(plain)) => serde_json::from_slice(plain).ok(),
                Some(Err(_)) => None,
                None => self.json().cloned(),
            })
            .as_ref()
    }
}

#[derive(Debug, Clone)]
pub struct Exchange {
    pub endpoint_id: String,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    /// The bytes sent (the `{"encData":..}` wrapper when encrypted).
    pub request_body: Vec<u8>,
    /// What was encrypted, when the request was.
    pub request_plaintext: Option<Vec<u8>>,
    pub correlation_id: String,
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    pub response: Option<ResponseCapture>,
    pub failure: Option<TransportFailure>,
}

impl Exchange {
    pub(crate) fn failed_before_sending(
        spec: &RequestSpec,
        url: &str,
        started_at: DateTime<Utc>,
        failure: TransportFailure,
    ) -> Exchange {
        Exchange {
            endpoint_id: spec.endpoint_id.clone(),
            method: "POST".into(),
            url: url.to_owned(),
            request_headers: Vec::new(),
            request_body: spec.body.clone(),
            request_plaintext: None,
            correlation_id: String::new(),
            started_at,
            duration: Duration::ZERO,
            response: None,
            failure: Some(failure),
        }
    }

    /// Decrypt an `{"encData": JWE}` response body with our private key, keeping the error
    /// text if it does not decrypt (that is a finding, not a crash).
    pub(crate) fn decrypt_response(&mut self, keys: Option<&EncryptionKeys>) {
        let Some(response) = self.response.as_mut() else {
            return;
        };
        let Some(enc) = response
            .json()
            .and_then(|v| v.get("encData").and_then(Value::as_str).map(str::to_owned))
        else {
            return;
        };
        response.plaintext = Some(match keys {
            Some(keys) => jwe::decrypt(&enc, &keys.client_private).map_err(|e| e.to_string()),
            None => Err("the response is encrypted but no client private key is configured".into()),
        });
        // The message is now the plaintext, whatever was read before.
        response.parsed.message = OnceLock::new();
    }
}

/// Send a prepared request and read at most [`MAX_RESPONSE_BYTES`] of the answer.
pub(crate) async fn execute(
    request: reqwest::RequestBuilder,
) -> Result<ResponseCapture, TransportFailure> {
    let response = request.send().await.map_err(classify)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    let mut truncated = false;
    let mut response = response;
    loop {
        let chunk = response.chunk().await.map_err(|e| {
            let mut f = classify(e);
            if f.class == FailureClass::Transport && !body.is_empty() {
                f.class = FailureClass::Protocol;
            }
            f.reason = format!(
                "response body cut short after {} bytes: {}",
                body.len(),
                f.reason
            );
            f
        })?;
        let Some(chunk) = chunk else {
            break;
        };
        let room = MAX_RESPONSE_BYTES - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(ResponseCapture {
        status,
        headers,
        body,
        truncated,
        plaintext: None,
        parsed: ParsedCache::default(),
    })
}

fn classify(e: reqwest::Error) -> TransportFailure {
    let malformed = e.is_decode() || e.is_body() && !e.is_timeout();
    let class = if malformed {
        FailureClass::Protocol
    } else {
        FailureClass::Transport
    };
    // One wording for every transport problem, the probe's included (certificate hints too).
    let reason = if malformed {
        match std::error::Error::source(&e) {
            Some(s) => format!("malformed response: {}", super::target::chain(s)),
            None => "malformed response".to_owned(),
        }
    } else {
        super::target::transport_reason(&e)
    };
    TransportFailure::new(class, reason)
}
