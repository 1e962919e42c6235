//! The HTTP side: one axum fallback handler hands every request, whatever its path or
//! method, to the pipeline, so nothing is answered by the framework on its own.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, Response};
use futures::StreamExt;

use super::Variant;
use super::pipeline::{App, Reply};
use super::tap::{ConnTag, TapEvent, Tapped, TappedBody, header_list};
use axum::extract::ConnectInfo;

/// How long a body may take to arrive; a client that stalls mid-body gets an answer.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Over the size limit, this much more is read and dropped so the client can finish
/// sending and read the refusal (closing on unread data would reset the connection).
const DRAIN_LIMIT: usize = 16 << 20;

pub(crate) async fn handle(State(app): State<Arc<App>>, request: Request) -> Response<Body> {
    let Some(tap) = app.config.tap.clone() else {
        return answer(&app, request).await.0;
    };
    let received_at = chrono::Utc::now();
    let started = std::time::Instant::now();
    if let Some(ConnectInfo(conn)) = request.extensions().get::<ConnectInfo<ConnTag>>() {
        conn.request_seen();
    }
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers = header_list(request.headers());
    let (response, body) = answer(&app, request).await;
    // The answer is rebuilt from its parts so the tap reads the bytes the client gets.
    let (parts, out) = response.into_parts();
    let response_body = axum::body::to_bytes(out, usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let event = Tapped {
        received_at,
        duration: started.elapsed(),
        method,
        path,
        headers,
        body,
        status: parts.status.as_u16(),
        response_headers: header_list(&parts.headers),
        response_body: response_body.clone(),
    };
    // Back-pressure: a reader that falls behind slows the client, it never queues.
    let _ = tap.send(TapEvent::Exchange(Box::new(event))).await;
    Response::from_parts(parts, Body::from(response_body))
}

/// The sandbox's answer, and the body as read (for the tap).
async fn answer(app: &App, request: Request) -> (Response<Body>, TappedBody) {
    let (parts, body) = request.into_parts();
    let correlation = app.correlation_for(&parts.headers);
    // Read (or drain) the body whatever happens next, for the reason given at DRAIN_LIMIT.
    let (raw, seen) = read_body(&parts.headers, body, app.config.body_limit).await;
    let tapped = match &raw {
        Some(bytes) if app.config.tap.is_some() => TappedBody::Read(bytes.clone()),
        _ => TappedBody::NotRead { seen },
    };
    // Flow control comes before anything reads the request, as at a gateway.
    if app.reads(Variant::RateLimited)
        && let Some(reply) = app.gate.over_limit(&correlation)
    {
        return (into_response(reply), tapped);
    }
    if app.reads(Variant::Transient503)
        && let Some(reply) = app.gate.transient()
    {
        return (into_response(reply), tapped);
    }
    let headers = app.request_headers(&parts.headers, raw.as_deref());
    let outcome = match app.admit(&parts.method, parts.uri.path(), &headers) {
        Err(outcome) => *outcome,
        Ok(admitted) => app.answer(&admitted, &headers, raw.as_deref()),
    };
    let reply = app.render(outcome, correlation);
    let delay = app.config.latency.unwrap_or_default() + reply.delay.unwrap_or_default();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    (into_response(reply), tapped)
}

/// The body if it is within `limit` and arrives whole and in time (`None` otherwise), and
/// how many bytes arrived (the declared length of one not read at all).
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> (Option<Vec<u8>>, u64) {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // A body announced as too big to be worth draining is not read at all.
    if let Some(n) = declared.filter(|n| *n > (limit + DRAIN_LIMIT) as u64) {
        return (None, n);
    }
    let seen = std::sync::atomic::AtomicU64::new(0);
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.ok()?;
            total = total.saturating_add(chunk.len());
            seen.store(total as u64, std::sync::atomic::Ordering::Relaxed);
            if total > limit + DRAIN_LIMIT {
                return None;
            }
            if total <= limit {
                buf.extend_from_slice(&chunk);
            }
        }
        (total <= limit).then_some(buf)
    };
    let raw = tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .ok()
        .flatten();
    (raw, seen.into_inner())
}

fn into_response(reply: Reply) -> Response<Body> {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = reply.status;
    *response.headers_mut() = reply.headers;
    response
}
