//! One request and its answer, exactly as they crossed the wire, plus the plaintext of any
//! encrypted body. Transport problems are data here, not errors: a hostile target must give
//! every scenario a verdict, never a panic.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::evidence::{
    EvidenceBudget, JSON_STRING_LIMIT, QUOTE_LIMIT, any_string_longer, cut_in_place, cut_strings,
    quote,
};
use super::flow::{Attempt, FlowControl};
use super::json::{self, JsonRefusal};
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
    pub(crate) body: OnceLock<Option<Value>>,
    /// The member names the body repeats, found by the same parse.
    pub(crate) body_duplicates: OnceLock<Vec<json::DuplicateMember>>,
    pub(crate) message: OnceLock<MessageSlot>,
}

/// Where [`ResponseCapture::message`] is: a plain body with no string to cut is the body's
/// own tree, not a copy of it.
#[derive(Debug, Clone)]
pub(crate) enum MessageSlot {
    None,
    Body,
    Own(Value),
}

impl ResponseCapture {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON of a bounded shape ([`json::parse`]), with strings
    /// cut at [`JSON_STRING_LIMIT`].
    pub fn json(&self) -> Option<&Value> {
        self.parsed
            .body
            .get_or_init(|| {
                let (mut body, duplicates) = match json::parse_noting_duplicates(&self.body) {
                    Ok(parsed) => parsed,
                    Err(_) => {
                        let _ = self.parsed.body_duplicates.set(Vec::new());
                        return None;
                    }
                };
                let _ = self.parsed.body_duplicates.set(duplicates);
                cut_strings(&mut body, JSON_STRING_LIMIT);
                Some(body)
            })
            .as_ref()
    }

    /// Every member name the answer repeats in one object, in the body and in its decrypted
    /// plaintext: the body's are found by the parse behind [`ResponseCapture::json`].
    pub fn duplicate_members(&self) -> Vec<json::DuplicateMember> {
        self.json();
        let mut out = match self.parsed.body_duplicates.get() {
            Some(found) => found.clone(),
            // A body tree set without this parse.
            None => json::duplicate_members(&self.body),
        };
        if let Some(Ok(plain)) = &self.plaintext {
            out.extend(json::duplicate_members(plain));
        }
        out
    }

    /// The message the envelope is in: the decrypted plaintext when the body was encrypted
    /// and decrypted, the body itself otherwise. Its strings are cut at [`QUOTE_LIMIT`]:
    /// everything quoted from it (a result message in a finding) is bounded at the source.
    pub fn message(&self) -> Option<&Value> {
        let slot = self.parsed.message.get_or_init(|| {
            let cut = |mut message: Value| {
                cut_strings(&mut message, QUOTE_LIMIT);
                MessageSlot::Own(message)
            };
            match &self.plaintext {
                Some(Ok(plain)) => json::parse(plain).map_or(MessageSlot::None, cut),
                Some(Err(_)) => MessageSlot::None,
                None => match self.json() {
                    None => MessageSlot::None,
                    Some(body) if !any_string_longer(body, QUOTE_LIMIT) => MessageSlot::Body,
                    Some(body) => cut(body.clone()),
                },
            }
        });
        match slot {
            MessageSlot::None => None,
            MessageSlot::Body => self.json(),
            MessageSlot::Own(message) => Some(message),
        }
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
    /// Earlier attempts of this request that met flow control (429, 503, a connection
    /// closed before any byte), each with the wait that followed it.
    pub attempts: Vec<Attempt>,
    /// The resend budget ran out on flow control: the answer kept here says nothing about
    /// the request, so the scenario is not verified.
    pub gave_up: Option<FlowControl>,
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
            attempts: Vec::new(),
            gave_up: None,
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
///
/// Nothing the target says is followed or unpacked: a redirect is a transport failure
/// naming where it pointed (the client follows none, so no request is resent), a compressed
/// answer is a protocol failure (the request asked for `identity`), and a JSON body past the
/// [`json`] shape limits is a protocol failure before any tree is built.
pub(crate) async fn execute(
    request: reqwest::RequestBuilder,
) -> Result<ResponseCapture, SendFailure> {
    let response = request.send().await.map_err(|e| SendFailure {
        closed: closed_before_answer(&e),
        failure: classify(e),
    })?;
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        return Err(redirect_failure(&response).into());
    }
    if let Some(encoding) = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("identity"))
    {
        return Err(SendFailure::from(TransportFailure::new(
            FailureClass::Protocol,
            format!(
                "HTTP {status} with a compressed body (Content-Encoding: {}) although the request asked for Accept-Encoding: identity; the body was not decompressed",
                quote(&encoding)
            ),
        )));
    }
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
            SendFailure::from(f)
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
    if !truncated
        && looks_like_json(&body)
        && let Err(refusal) = json::check_shape(&body)
    {
        return Err(shape_failure(status, &refusal).into());
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

/// Why a send gave no usable answer, and whether the connection closed before any byte of
/// an answer (the one transport failure worth a resend on a fresh connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SendFailure {
    pub failure: TransportFailure,
    pub closed: Option<Closed>,
}

impl From<TransportFailure> for SendFailure {
    fn from(failure: TransportFailure) -> Self {
        SendFailure {
            failure,
            closed: None,
        }
    }
}

/// How a connection ended before any byte of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closed {
    /// An orderly close (FIN): what a server or load balancer does to an idle keep-alive.
    Cleanly,
    /// Reset, aborted or a broken pipe.
    Abruptly,
}

/// A request that was sent (or being sent) on a connection the far end closed before
/// answering. Timeouts, refused connections and TLS failures are not this.
fn closed_before_answer(e: &reqwest::Error) -> Option<Closed> {
    if e.is_timeout() || e.is_connect() || e.is_redirect() || e.is_decode() {
        return None;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(io.kind(), ConnectionReset | ConnectionAborted | BrokenPipe) {
                return Some(Closed::Abruptly);
            }
        }
        // hyper's IncompleteMessage, which it does not expose as a type reqwest re-exports.
        if s.to_string()
            .contains("connection closed before message completed")
        {
            return Some(Closed::Cleanly);
        }
        source = s.source();
    }
    None
}

/// A body that opens like a JSON container (an HTML page full of commas is not one).
fn looks_like_json(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

fn shape_failure(status: u16, refusal: &JsonRefusal) -> TransportFailure {
    TransportFailure::new(
        FailureClass::Protocol,
        format!("HTTP {status} with {refusal}"),
    )
}

/// A 3xx answer: its status and the origin its `Location` points at (never the full URL,
/// which may carry anything). Redirects are not followed, so nothing was resent.
fn redirect_failure(response: &reqwest::Response) -> TransportFailure {
    let status = response.status().as_u16();
    let from = response.url();
    let target = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| from.join(l).ok());
    let whither = match target {
        Some(to) if to.origin() == from.origin() => {
            format!("to {} (the same origin)", to.origin().ascii_serialization())
        }
        Some(to) => format!(
            "to another origin, {}",
            quote(&to.origin().ascii_serialization())
        ),
        None => "with no usable Location header".to_owned(),
    };
    TransportFailure::new(
        FailureClass::Transport,
        format!(
            "HTTP {status} redirect {whither}; the API documents no redirects, so it was not followed and nothing was resent"
        ),
    )
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
impl Exchange {
    /// Bound what this exchange keeps of the target, as soon as it is captured: the body and
    /// message are parsed first (so the checks see the whole answer, through bounded trees),
    /// then the raw body and plaintext are cut by `budget`, header values and decryption
    /// errors at [`QUOTE_LIMIT`].
    pub fn keep_as_evidence(&mut self, budget: &EvidenceBudget) {
        if let Some(failure) = &mut self.failure {
            cut_in_place(&mut failure.reason, QUOTE_LIMIT);
        }
        let Some(response) = &mut self.response else {
            return;
        };
        response.json();
        response.message();
        for (name, value) in &mut response.headers {
            cut_in_place(name, QUOTE_LIMIT);
            cut_in_place(value, QUOTE_LIMIT);
        }
        budget.keep(&mut response.body);
        match &mut response.plaintext {
            Some(Ok(plain)) => budget.keep(plain),
            Some(Err(e)) => cut_in_place(e, QUOTE_LIMIT),
            None => {}
        }
    }

    /// Forget the parsed body once its scenario is over (the message, small and cut, stays):
    /// a report re-reads the kept bytes if it needs them.
    pub fn forget_parsed_body(&mut self) {
        if let Some(response) = &mut self.response {
            let message = response.parsed.message.take();
            let body = response.parsed.body.take().flatten();
            response.parsed = ParsedCache::default();
            let message = match (message, body) {
                // The message was the body's tree: it stays as its own.
                (Some(MessageSlot::Body), Some(body)) => Some(MessageSlot::Own(body)),
                (Some(MessageSlot::Body), None) => None,
                (message, _) => message,
            };
            if let Some(message) = message {
                let _ = response.parsed.message.set(message);
            }
        }
    }
}
