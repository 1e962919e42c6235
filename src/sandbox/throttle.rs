//! Flow control as real endpoints apply it, for the variants that prove the harness resends
//! it instead of judging it: a limit of requests per second answered 429 with Retry-After
//! and a KONA envelope, and a rare transient 503 with a plain-text body.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};

use super::answer::{CORRELATION_HEADER, Reply};

/// Requests a second [`super::Variant::RateLimited`] admits.
pub const RATE_LIMIT_PER_SECOND: u32 = 60;
/// One request in this many is answered 503 under [`super::Variant::Transient503`].
pub const TRANSIENT_EVERY: u64 = 150;

#[derive(Debug)]
pub(crate) struct Gate {
    window: Mutex<(Instant, u32)>,
    seen: AtomicU64,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            window: Mutex::new((Instant::now(), 0)),
            seen: AtomicU64::new(0),
        }
    }
}

impl Gate {
    /// A 429 when this second's allowance is spent (a fixed one-second window).
    pub(crate) fn over_limit(&self, correlation: &HeaderValue) -> Option<Reply> {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if now.duration_since(w.0) >= Duration::from_secs(1) {
            *w = (now, 0);
        }
        w.1 += 1;
        (w.1 > RATE_LIMIT_PER_SECOND).then(|| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
            headers.insert(CORRELATION_HEADER, correlation.clone());
            Reply {
                status: StatusCode::TOO_MANY_REQUESTS,
                headers,
                body: br#"{"response":{"code":"900_429","description":"Too many requests."}}"#
                    .to_vec(),
                delay: None,
            }
        })
    }

    /// A 503 with `Retry-After: 0` and a plain-text body, once in [`TRANSIENT_EVERY`].
    pub(crate) fn transient(&self) -> Option<Reply> {
        let n = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        (n % TRANSIENT_EVERY == 0).then(|| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            headers.insert(RETRY_AFTER, HeaderValue::from_static("0"));
            Reply {
                status: StatusCode::SERVICE_UNAVAILABLE,
                headers,
                body: b"Service temporarily unavailable".to_vec(),
                delay: None,
            }
        })
    }
}
