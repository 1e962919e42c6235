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

/// How long a body may take to arrive; a client that stalls mid-body gets an answer.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Over the size limit, this much more is read and dropped so the client can finish
/// sending and read the refusal (closing on unread data would reset the connection).
const DRAIN_LIMIT: usize = 16 << 20;

pub(crate) async fn handle(State(app): State<Arc<App>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let correlation = app.correlation_for(&parts.headers);
    // Read (or drain) the body whatever happens next, for the reason given at DRAIN_LIMIT.
    let raw = read_body(&parts.headers, body, app.config.body_limit).await;
    // Flow control comes before anything reads the request, as at a gateway.
    if app.reads(Variant::RateLimited)
        && let Some(reply) = app.gate.over_limit(&correlation)
    {
        return into_response(reply);
    }
    if app.reads(Variant::Transient503)
        && let Some(reply) = app.gate.transient()
    {
        return into_response(reply);
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
    into_response(reply)
}

/// The body if it is within `limit` and arrives whole and in time; `None` otherwise.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Option<Vec<u8>> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // A body announced as too big to be worth draining is not read at all.
    if declared.is_some_and(|n| n > (limit + DRAIN_LIMIT) as u64) {
        return None;
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = Vec::new();
        let mut seen = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.ok()?;
            seen = seen.saturating_add(chunk.len());
            if seen > limit + DRAIN_LIMIT {
                return None;
            }
            if seen <= limit {
                buf.extend_from_slice(&chunk);
            }
        }
        (seen <= limit).then_some(buf)
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .ok()
        .flatten()
}

fn into_response(reply: Reply) -> Response<Body> {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = reply.status;
    *response.headers_mut() = reply.headers;
    response
}
