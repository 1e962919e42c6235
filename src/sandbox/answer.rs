//! An answer on its way out, before it is serialized: what the pipeline chose and what faults,
//! mutations and variants may change (fault point 2). Kept apart from the pipeline so those
//! that change it need not know the pipeline.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, StatusCode};
use serde_json::{Map, Value};

use super::codebook::Scope;

pub(crate) const CORRELATION_HEADER: HeaderName = HeaderName::from_static("x-km-correlation-id");

/// Whose public key an encrypted answer is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recipient {
    /// The partner's (the key pair the request's crypto key id stands for).
    Client,
    /// The server's own: only a fault does that.
    Server,
}

/// The answer with its code and message resolved, before serialization (fault point 2).
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// Which endpoint answers and which catalogue answer this is: read, not changed, by
    /// faults that concern one case only.
    pub scope: Scope,
    pub key: String,
    /// The field the message names, if any.
    pub field: Option<String>,
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub data: Map<String, Value>,
    pub encrypt: bool,
    pub recipient: Recipient,
    /// Held back this long before it is sent (besides the configured latency).
    pub delay: Option<Duration>,
}

/// Bytes on their way out.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
}
