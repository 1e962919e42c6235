//! `proxy`: a reverse proxy an integrator points its client at. Each request goes to the
//! upstream with its bytes and headers unchanged (hop-by-hop headers and `Host` aside), the
//! answer comes back unchanged, and both directions are judged after the answer has been
//! returned, on a thread of their own, so judging adds nothing to the exchange's latency.
//!
//! Memory is bounded per exchange (a request body over [`MAX_BODY_BYTES`] is refused with
//! 413, an answer over [`MAX_RESPONSE_BYTES`] with 502) and in all: judged exchanges go into
//! a bounded [`Tally`] and, redacted, into the journal, and the queue to the judge is bounded
//! (a full queue slows the proxy down rather than growing).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::capture::{
    Location, MAX_BODY_BYTES, Position, Recorded, RecordedMessage, RecordedResponse,
};
use crate::client::MAX_RESPONSE_BYTES;
use crate::contract::Contract;
use crate::sandbox::tap::header_list;
use crate::verify::journal::{Journal, LiveVerdicts};
use crate::verify::{Keys, Route, Tally, judge_one, route};

/// Exchanges waiting for the judge; past this the proxy waits for it.
const JUDGE_QUEUE: usize = 1024;

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error(
        "--upstream {0}: must be an http:// or https:// URL without credentials, query or fragment"
    )]
    Upstream(String),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("cannot open the journal {path}: {reason}")]
    Journal { path: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// What the proxy does.
pub struct ProxyConfig {
    /// Where requests go: the proxy's `/x` is the upstream's `UPSTREAM/x`.
    pub upstream: String,
    pub listen: SocketAddr,
    pub base_path: Option<String>,
    pub journal: Option<std::path::PathBuf>,
    /// One line per judged exchange on stderr, unless quiet.
    pub quiet: bool,
    pub transport: crate::client::TransportOptions,
}

/// The headers that belong to one connection, never forwarded (RFC 9110, 7.6.1).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn forwardable(name: &HeaderName) -> bool {
    let n = name.as_str();
    !HOP_BY_HOP.contains(&n) && n != "host" && n != "content-length"
}

struct Shared {
    client: reqwest::Client,
    upstream: String,
    queue: tokio::sync::mpsc::Sender<Recorded>,
    seq: AtomicUsize,
}

/// The upstream as a base URL, refused when it could leak credentials or is not HTTP.
pub fn check_upstream(upstream: &str) -> Result<String, ProxyError> {
    let refuse = || ProxyError::Upstream(crate::redact::for_console(&mask_userinfo(upstream)));
    let url = url::Url::parse(upstream).map_err(|_| refuse())?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.host().is_some();
    if !ok {
        return Err(refuse());
    }
    Ok(upstream.trim_end_matches('/').to_owned())
}

/// `user:password@` shown as `***@`: an error message never repeats a credential.
fn mask_userinfo(s: &str) -> String {
    match (s.find("://"), s.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}***{}", &s[..scheme + 3], &s[at..]),
        _ => s.to_owned(),
    }
}

/// A running proxy.
pub struct Proxy {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    judge: std::thread::JoinHandle<Tally>,
}

impl Proxy {
    /// Bind, then serve until [`Proxy::stop`].
    pub async fn start(
        config: ProxyConfig,
        contract: &'static Contract,
        keys: Keys,
        journal_redactor: crate::redact::Redactor,
    ) -> Result<Proxy, ProxyError> {
        let upstream = check_upstream(&config.upstream)?;
        let client = crate::client::target::build_http_client(&config.transport)
            .map_err(|e| ProxyError::Client(e.to_string()))?;
        let journal = match &config.journal {
            Some(path) => Some(Journal::append_to(path).map_err(|e| ProxyError::Journal {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| ProxyError::Listen {
                addr: config.listen,
                reason: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| ProxyError::Listen {
            addr: config.listen,
            reason: e.to_string(),
        })?;
        let (queue, mut inbox) = tokio::sync::mpsc::channel::<Recorded>(JUDGE_QUEUE);
        let base_path = config.base_path.clone();
        let quiet = config.quiet;
        let judge = std::thread::spawn(move || {
            let mut judging = Judging {
                contract,
                keys,
                base_path,
                quiet,
                journal,
                redactor: journal_redactor,
                tally: Tally::new(contract),
            };
            while let Some(rec) = inbox.blocking_recv() {
                judging.one(rec);
            }
            judging.tally
        });
        let shared = Arc::new(Shared {
            client,
            upstream,
            queue,
            seq: AtomicUsize::new(0),
        });
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Proxy {
            addr,
            stop: Some(stop),
            server,
            judge,
        })
    }

    /// Stop accepting, finish the exchanges in flight, judge what is queued: the tally.
    pub async fn stop(mut self) -> Tally {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The server's task holds the last sender; once it ends, the judge drains and ends.
        let _ = self.server.await;
        tokio::task::spawn_blocking(move || self.judge.join())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| Tally::new(Contract::shared().expect("the built-in contract loads")))
    }
}

/// The judge's side: one exchange at a time, off the request path.
struct Judging {
    contract: &'static Contract,
    keys: Keys,
    base_path: Option<String>,
    quiet: bool,
    journal: Option<Journal>,
    redactor: crate::redact::Redactor,
    tally: Tally,
}

impl Judging {
    fn one(&mut self, rec: Recorded) {
        let (endpoint, judged) = match route(
            self.contract,
            &rec.method,
            &rec.url,
            self.base_path.as_deref(),
        ) {
            Route::Endpoint(e) => (Some(e), Some(judge_one(self.contract, e, &rec, &self.keys))),
            Route::Unknown { method, path } => {
                self.tally.unknown(&rec.location, &method, &path);
                if !self.quiet {
                    eprintln!(
                        "proxy: {} {method} {path}: no endpoint of the contract; forwarded, not judged",
                        rec.location
                    );
                }
                (None, None)
            }
        };
        let live = match (endpoint, &judged) {
            (Some(endpoint), Some(judged)) => Some(LiveVerdicts {
                contract: self.contract,
                endpoint,
                judged,
                keys: &self.keys,
            }),
            _ => None,
        };
        if let Some(journal) = &mut self.journal
            && let Err(e) = journal.append(&rec, &self.redactor, live.as_ref())
        {
            eprintln!("proxy: the journal could not be written: {e}");
        }
        if let Some(judged) = judged {
            if !self.quiet {
                eprintln!("{}", line(&rec, &judged));
            }
            self.tally.add(&rec.location, judged);
        }
    }
}

/// `proxy: exchange 3 POST card-info → 200 answered 000_000: ok` or the failed rules.
fn line(rec: &Recorded, judged: &crate::verify::Judged) -> String {
    let status = rec
        .response
        .as_ref()
        .map(|r| r.status.to_string())
        .unwrap_or_else(|| "no answer".into());
    let mut failed: Vec<&str> = judged
        .findings()
        .filter_map(|f| f.requirement.as_deref())
        .collect();
    failed.sort_unstable();
    failed.dedup();
    let verdict = if failed.is_empty() {
        "ok".to_owned()
    } else {
        format!("failed {}", failed.join(", "))
    };
    crate::redact::for_console(&format!(
        "{} {} {} → {status} {}: {verdict}",
        rec.location,
        crate::client::evidence::cut_text(&rec.method, 16),
        judged.endpoint,
        judged.outcome.label()
    ))
}

/// One exchange: forward, answer, queue for the judge.
async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let n = shared.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let started_at = chrono::Utc::now();
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let url = format!("{}{path}", shared.upstream);
    let request_headers = header_list(&parts.headers);
    let mut rec = Recorded {
        location: Location {
            file: "proxy".into(),
            at: Position::Exchange(n),
        },
        started_at: Some(started_at),
        duration_us: None,
        method: parts.method.as_str().to_owned(),
        url: url.clone(),
        request: RecordedMessage::new(request_headers, Vec::new()),
        response: None,
        error: None,
        redacted: false,
        at_capture: Vec::new(),
    };
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            rec.error = Some(format!(
                "the request body is over {MAX_BODY_BYTES} bytes or could not be read: refused with 413, not forwarded"
            ));
            let _ = shared.queue.send(rec).await;
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body over the proxy's limit\n",
            )
                .into_response();
        }
    };
    rec.request = RecordedMessage::new(rec.request.headers, body.to_vec());

    let mut upstream = shared.client.request(parts.method.clone(), &url);
    for (name, value) in parts.headers.iter().filter(|(n, _)| forwardable(n)) {
        upstream = upstream.header(name, value);
    }
    let answer = match upstream.body(body).send().await {
        Ok(answer) => answer,
        Err(e) => {
            let reason = crate::client::target::transport_reason(&e);
            rec.error = Some(reason.clone());
            rec.duration_us = Some(started.elapsed().as_micros() as u64);
            let _ = shared.queue.send(rec).await;
            return (
                StatusCode::BAD_GATEWAY,
                format!(
                    "the upstream could not be reached: {}\n",
                    crate::redact::for_console(&reason)
                ),
            )
                .into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let mut answer = answer;
    let mut bytes: Vec<u8> = Vec::new();
    let mut over = false;
    loop {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    over = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                rec.error = Some(format!(
                    "the answer was cut off: {}",
                    crate::client::target::transport_reason(&e)
                ));
                rec.duration_us = Some(started.elapsed().as_micros() as u64);
                let _ = shared.queue.send(rec).await;
                return (
                    StatusCode::BAD_GATEWAY,
                    "the upstream's answer was cut off\n",
                )
                    .into_response();
            }
        }
    }
    rec.duration_us = Some(started.elapsed().as_micros() as u64);
    if over {
        rec.error = Some(format!(
            "the answer is over {MAX_RESPONSE_BYTES} bytes: the client got 502 instead"
        ));
        let _ = shared.queue.send(rec).await;
        return (
            StatusCode::BAD_GATEWAY,
            "the upstream's answer is over the proxy's limit\n",
        )
            .into_response();
    }
    let mut reply = Response::builder().status(status);
    for (name, value) in headers.iter().filter(|(n, _)| forwardable(n)) {
        reply = reply.header(name, value);
    }
    rec.response = Some(RecordedResponse {
        status: status.as_u16(),
        message: RecordedMessage::new(header_list(&headers), bytes.clone()),
    });
    let response = reply
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response());
    // Queued for the judge, who works on its own thread; only a full queue makes the
    // exchange wait (bounded memory before speed).
    if let Err(tokio::sync::mpsc::error::TrySendError::Full(rec)) = shared.queue.try_send(rec) {
        let _ = shared.queue.send(rec).await;
    }
    response
}
