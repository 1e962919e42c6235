//! The HTTP side of a certification: one `reqwest` client per run (connection reuse), KONA
//! headers and X-KM-Tran-Token on every request, JWE bodies where asked, and every exchange
//! captured for the reports.

pub mod evidence;
pub mod exchange;
pub mod flow;
pub mod headers;
pub mod interrupt;
pub mod json;
pub mod target;
pub mod traffic;

pub use evidence::{EvidenceBudget, QUOTE_LIMIT, quote};
pub use exchange::{Exchange, FailureClass, ResponseCapture, TransportFailure};
pub use flow::{Attempt, FlowControl};
pub use headers::{HeaderEdit, SignedHeaders};
pub use interrupt::{Cause, Interrupt};
pub use target::{Credentials, EncryptionKeys, Target, TargetKind, TransportOptions};
pub use traffic::{Durations, Traffic};

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Utc};
use rand::SeedableRng;

use crate::crypto::ids::TimeZoneName;
use crate::crypto::jwe::{self, ContentEncryption};

/// Bodies larger than this are cut off and reported as a protocol failure: a conformant
/// answer to these endpoints is a few hundred bytes.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
    #[error("cannot read the CA certificate {path}: {reason}")]
    CaCert { path: String, reason: String },
    #[error("request body cannot be encrypted: {0}")]
    Encrypt(String),
    #[error(
        "the target has no encryption keys configured (KONA_CRYPTO_KEY_ID, KONA_SERVER_PUBLIC_KEY, KONA_CLIENT_PRIVATE_KEY)"
    )]
    NoKeys,
}

/// What to send: the endpoint path, the plaintext body, and the deliberate deviations a
/// scenario asks for.
#[derive(Debug, Clone, Default)]
pub struct RequestSpec {
    pub endpoint_id: String,
    pub path: String,
    /// The JSON (or deliberately broken) body, before encryption.
    pub body: Vec<u8>,
    pub encrypt: bool,
    /// Damage the `encData` value after encryption (malformed-JWE scenarios).
    pub enc_data_mutation: Option<JweMutation>,
    pub header_edits: Vec<HeaderEdit>,
    /// Sign this body instead of the one sent (token-mismatch scenarios).
    pub sign_other_body: Option<Vec<u8>>,
    /// Sign with this secret instead of the target's (wrong-key scenarios).
    pub secret_override: Option<crate::secret::Secret>,
    /// Shift the tran time away from now (stale-time scenarios).
    pub clock_shift: Option<chrono::Duration>,
    /// State the time in this zone instead of the run's.
    pub time_zone: Option<TimeZoneName>,
    pub content_type: Option<String>,
}

/// A deliberate corruption of a real JWE, applied after encryption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JweMutation {
    /// Replace the whole value with this text.
    Text(String),
    /// Drop the last of the five parts.
    DropPart,
    /// Flip a bit of the ciphertext.
    AlterCiphertext,
    /// Flip a bit of the authentication tag.
    AlterTag,
    /// Re-encode the protected header with this `alg`.
    HeaderAlg(String),
}

impl JweMutation {
    pub fn apply(&self, jwe: &str) -> String {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
        let flip = |part: &mut String| {
            if let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(part.as_bytes()) {
                if let Some(b) = bytes.first_mut() {
                    *b ^= 0x01;
                }
                *part = URL_SAFE_NO_PAD.encode(bytes);
            }
        };
        match self {
            JweMutation::Text(t) => return t.clone(),
            JweMutation::DropPart => {
                parts.pop();
            }
            JweMutation::AlterCiphertext if parts.len() == 5 => flip(&mut parts[3]),
            JweMutation::AlterTag if parts.len() == 5 => flip(&mut parts[4]),
            JweMutation::HeaderAlg(alg) if !parts.is_empty() => {
                let header = URL_SAFE_NO_PAD
                    .decode(parts[0].as_bytes())
                    .ok()
                    .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok());
                if let Some(mut header) = header {
                    header["alg"] = serde_json::Value::String(alg.clone());
                    parts[0] = URL_SAFE_NO_PAD.encode(header.to_string());
                }
            }
            _ => {}
        }
        parts.join(".")
    }
}

#[derive(Debug, Clone)]
pub struct KonaClient {
    http: reqwest::Client,
    /// No pool: a resend after a connection closed before any byte goes out on its own.
    fresh: reqwest::Client,
    target: Arc<Target>,
    /// The run's pace: `--rate-limit`, slowed down whenever the target throttles.
    pace: Arc<flow::Pace>,
    time_zone: TimeZoneName,
    interrupt: Interrupt,
    /// What is left of the run's evidence budget (shared by every clone of the client).
    evidence: Arc<EvidenceBudget>,
    /// How requests travel, to explain a failure (the timeout hit, the proxy used).
    transport: Arc<TransportOptions>,
}

impl KonaClient {
    pub fn new(target: Target, options: &TransportOptions) -> Result<KonaClient, ClientError> {
        let http = target::build_http_client(options)?;
        let fresh = target::build_http_client(&TransportOptions {
            pool_per_host: 0,
            ..options.clone()
        })?;
        // The private key is redacted from everything from now on, even before any exchange.
        if let Some(keys) = &target.keys {
            crate::secret::register_private_key(&keys.client_private);
        }
        Ok(KonaClient {
            http,
            fresh,
            target: Arc::new(target),
            pace: Arc::new(flow::Pace::new(options.rate_limit)),
            time_zone: options.time_zone,
            interrupt: options.interrupt.clone(),
            evidence: Arc::new(EvidenceBudget::default()),
            transport: Arc::new(options.clone()),
        })
    }

    /// The run's stop switch (shared with whoever built the transport options).
    pub fn interrupt(&self) -> &Interrupt {
        &self.interrupt
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn time_zone(&self) -> TimeZoneName {
        self.time_zone
    }

    /// Now, in the zone the requests declare.
    pub fn now(&self) -> DateTime<FixedOffset> {
        Utc::now().with_timezone(&self.time_zone.offset())
    }

    /// Encrypt `plaintext` for the target's server key (compact JWE).
    pub fn encrypt_jwe(&self, plaintext: &[u8]) -> Result<String, ClientError> {
        let keys = self.target.keys.as_ref().ok_or(ClientError::NoKeys)?;
        jwe::encrypt(
            plaintext,
            &keys.server_public,
            ContentEncryption::A128Gcm,
            None,
        )
        .map_err(|e| ClientError::Encrypt(e.to_string()))
    }

    /// Build, sign, send and capture one request. Never fails: a transport problem is part of
    /// the captured exchange, classified for the verdict.
    pub async fn send(&self, spec: &RequestSpec, rng: &mut rand::rngs::StdRng) -> Exchange {
        let started = Utc::now();
        let url = format!(
            "{}{}",
            self.target.base_url.trim_end_matches('/'),
            spec.path
        );
        let mut body = spec.body.clone();
        let mut encrypted = false;
        if spec.encrypt {
            match self.encrypt_jwe(&spec.body) {
                Ok(jwe) => {
                    let jwe = match &spec.enc_data_mutation {
                        Some(m) => m.apply(&jwe),
                        None => jwe,
                    };
                    body = wrap_enc_data(&jwe);
                    encrypted = true;
                }
                Err(e) => {
                    return Exchange::failed_before_sending(
                        spec,
                        &url,
                        started,
                        TransportFailure::new(FailureClass::Setup, e.to_string()),
                    );
                }
            }
        }
        let zone = spec.time_zone.unwrap_or(self.time_zone);
        let mut now = Utc::now().with_timezone(&zone.offset());
        if let Some(shift) = spec.clock_shift {
            now += shift;
        }
        let signed_body = spec.sign_other_body.as_deref().unwrap_or(&body);
        let mut credentials = self.target.credentials.clone();
        if let Some(secret) = &spec.secret_override {
            credentials.secret_key = secret.clone();
        }
        let mut headers = headers::sign(&credentials, signed_body, &now, zone, encrypted, rng);
        headers.apply(&spec.header_edits);
        let content_type = spec
            .content_type
            .clone()
            .unwrap_or_else(|| "application/json".to_owned());

        let mut attempts: Vec<flow::Attempt> = Vec::new();
        let mut fresh = false;
        let mut gave_up = None;
        // A stop before a request leaves: refused, with the attempts already made.
        let not_sent = |cause, attempts| {
            let mut exchange = Exchange::failed_before_sending(
                spec,
                &url,
                started,
                TransportFailure::not_sent(cause),
            );
            exchange.attempts = attempts;
            exchange
        };
        let (outcome, duration) = loop {
            // Unpaced (the usual case), nothing to wait for: no timer and no second
            // subscription to the stop signal for each request.
            let at = self.pace.reserve();
            if at > Instant::now() {
                tokio::select! {
                    () = tokio::time::sleep_until(at.into()) => {}
                    cause = self.interrupt.triggered() => return not_sent(cause, attempts),
                }
            }
            if let Some(cause) = self.interrupt.cause() {
                return not_sent(cause, attempts);
            }
            let sent_at = Utc::now();
            let clock = Instant::now();
            let http = if fresh { &self.fresh } else { &self.http };
            let mut request = http
                .post(&url)
                .header("Content-Type", &content_type)
                .header("Accept", "application/json")
                // Nothing is decompressed: a compressed answer is a finding, never a bomb.
                .header("Accept-Encoding", "identity");
            for (name, value) in headers.pairs() {
                request = request.header(name.as_str(), value.as_str());
            }
            let outcome = tokio::select! {
                outcome = exchange::execute(request.body(body.clone())) => outcome,
                cause = async {
                    let cause = self.interrupt.triggered().await;
                    tokio::time::sleep(interrupt::IN_FLIGHT_GRACE).await;
                    cause
                } => Err(TransportFailure::cut_in_flight(cause).into()),
            };
            let duration = clock.elapsed();
            // What this attempt was, if it was flow control rather than an answer.
            let (flow, status, retry_after) = match &outcome {
                Ok(r) => (
                    FlowControl::of_status(r.status),
                    Some(r.status),
                    r.header("retry-after")
                        .and_then(|v| flow::retry_after(v, Utc::now())),
                ),
                // Only a pooled connection closed is worth a resend; a fresh one closed
                // cleanly again is a target giving no answer, an abrupt close a failure.
                Err(f) => match f.closed {
                    Some(_) if !fresh => (Some(FlowControl::NoAnswer), None, None),
                    Some(exchange::Closed::Cleanly) => {
                        gave_up = Some(FlowControl::NoAnswer);
                        (None, None, None)
                    }
                    _ => (None, None, None),
                },
            };
            let Some(flow) = flow else {
                break (outcome, duration);
            };
            let budget = if self.pace.exhausted() && flow != FlowControl::NoAnswer {
                None
            } else {
                flow::BUDGET.next_wait(flow, attempts.len() + 1, retry_after)
            };
            let Some(wait) = budget else {
                gave_up = Some(flow);
                break (outcome, duration);
            };
            // Only a 429 asks the caller to slow down; a 503 or a closed connection is
            // the target's own trouble, waited out by this request alone.
            if flow == FlowControl::Throttled {
                self.pace.push_back(wait);
            }
            fresh = flow == FlowControl::NoAnswer;
            attempts.push(flow::Attempt {
                started_at: sent_at,
                duration,
                flow,
                status,
                retry_after,
                waited: wait,
                fresh_connection_next: fresh,
            });
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = async { self.interrupt.triggered().await; } => {}
            }
        };
        self.pace.settled(gave_up.is_some());
        let (response, failure) = match outcome {
            Ok(r) => (Some(r), None),
            Err(f) => {
                let mut f = f.failure;
                f.reason = target::explain(f.reason, &self.transport);
                (None, Some(f))
            }
        };
        let mut exchange = Exchange {
            endpoint_id: spec.endpoint_id.clone(),
            method: "POST".into(),
            url,
            request_headers: headers.pairs().to_vec(),
            request_body: body,
            request_plaintext: encrypted.then(|| spec.body.clone()),
            correlation_id: headers.get("X-KM-Correlation-Id").unwrap_or_default(),
            started_at: started,
            duration,
            response,
            failure,
            attempts,
            gave_up,
        };
        exchange.decrypt_response(self.target.keys.as_ref());
        exchange.keep_as_evidence(&self.evidence);
        exchange
    }

    /// A seeded RNG for correlation ids and generated cases.
    pub fn rng(seed: u64) -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(seed)
    }
}

/// `{"encData":"<jwe>"}` with the JWE as a JSON string (escaped, whatever it holds).
pub fn wrap_enc_data(jwe: &str) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    map.insert("encData".into(), serde_json::Value::String(jwe.to_owned()));
    serde_json::to_vec(&serde_json::Value::Object(map)).unwrap_or_default()
}
