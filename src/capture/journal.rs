//! A run's journal: every exchange it sent, one redacted exchange-log line each
//! ([`super::ndjson`]), appended as the exchange completes, so a run of any length keeps one
//! line in memory, and `verify` can judge a run's own traffic again.
//!
//! Redaction happens here, once per exchange, on its way out: [`redact_recorded`] masks
//! what the reports mask (credentials in headers, personal fields by name, personal values
//! and secrets wherever they appear) and [`Journal::append`] passes the finished line
//! through the redactor's last byte filter, as every report file does.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Location, Position, Recorded, RecordedMessage, RecordedResponse};
use crate::client::Exchange;
use crate::redact::{RedactedBody, Redactor, Replacement};

/// The journal's file name in a report folder.
pub const FILE_NAME: &str = "journal.ndjson";

/// An exchange the harness sent, as the exchange log records it: the bytes on the wire
/// (the `{"encData": …}` wrapper when encrypted), as far as the exchange kept them.
pub fn recorded_from_exchange(e: &Exchange) -> Recorded {
    let message = |headers: &[(String, String)], body: &[u8]| RecordedMessage {
        headers: headers.to_vec(),
        body: body.to_vec(),
        size: body.len() as u64,
    };
    Recorded {
        location: Location {
            file: String::new(),
            at: Position::File,
        },
        started_at: Some(e.started_at),
        duration_us: Some(u64::try_from(e.duration.as_micros()).unwrap_or(u64::MAX)),
        method: e.method.clone(),
        url: e.url.clone(),
        request: message(&e.request_headers, &e.request_body),
        response: e.response.as_ref().map(|r| RecordedResponse {
            status: r.status,
            message: message(&r.headers, &r.body),
        }),
        error: e.failure.as_ref().map(|f| f.reason.clone()),
        redacted: false,
        at_capture: Vec::new(),
    }
}

/// `recorded` as it may be written: credential headers replaced whole, every other header
/// value, the URL and the error made safe, and each body masked as the reports mask it
/// (JSON by field name, then every string; other text as free text). A body's `size` is
/// the length of what is written.
pub fn redact_recorded(recorded: &Recorded, r: &Redactor) -> Recorded {
    redact_with(recorded, r, &mut |body| redact_body(body, r))
}

/// A body as the journal writes it: masked JSON, compact, or masked text.
fn redact_body(bytes: &[u8], r: &Redactor) -> Vec<u8> {
    match r.body(bytes) {
        RedactedBody::Empty => Vec::new(),
        RedactedBody::Json(v) => serde_json::to_vec(&v).unwrap_or_default(),
        RedactedBody::Text(t) | RedactedBody::Binary(t) => t.into_bytes(),
    }
}

fn redact_with(
    recorded: &Recorded,
    r: &Redactor,
    body_of: &mut dyn FnMut(&[u8]) -> Vec<u8>,
) -> Recorded {
    let mut message = |m: &RecordedMessage| {
        let body = body_of(&m.body);
        RecordedMessage {
            headers: r.headers(&m.headers),
            size: body.len() as u64,
            body,
        }
    };
    Recorded {
        location: recorded.location.clone(),
        started_at: recorded.started_at,
        duration_us: recorded.duration_us,
        method: r.text(&recorded.method),
        url: r.text(&recorded.url),
        request: message(&recorded.request),
        response: recorded.response.as_ref().map(|resp| RecordedResponse {
            status: resp.status,
            message: message(&resp.message),
        }),
        error: recorded.error.as_deref().map(|e| r.text(e)),
        redacted: true,
        // What redaction changes for the judge is the caller's to add (`verify::journal`).
        at_capture: Vec::new(),
    }
}

/// Bodies up to this size are remembered by a [`BodyCache`].
const CACHED_BODY_BYTES: usize = 4096;
/// A [`BodyCache`] starts afresh past this many bodies of each kind.
const CACHED_BODIES: usize = 2048;

/// What one run's journal has already worked out of a body: generated cases send the same
/// few bodies and get the same few answers thousands of times, so each distinct body is
/// parsed, learned from and redacted once. Bounded: small bodies only, and a full cache
/// starts afresh.
#[derive(Debug, Default)]
pub struct BodyCache {
    values: HashMap<Vec<u8>, Arc<[Replacement]>>,
    /// The redactor's fingerprint → the body → the body as written.
    redacted: HashMap<u64, HashMap<Vec<u8>, Arc<[u8]>>>,
    redacted_count: usize,
}

impl BodyCache {
    fn values(&mut self, body: &[u8]) -> Arc<[Replacement]> {
        if body.len() > CACHED_BODY_BYTES {
            return crate::redact::body_values(body).into();
        }
        if let Some(v) = self.values.get(body) {
            return v.clone();
        }
        if self.values.len() >= CACHED_BODIES {
            self.values.clear();
        }
        let v: Arc<[Replacement]> = crate::redact::body_values(body).into();
        self.values.insert(body.to_vec(), v.clone());
        v
    }

    fn redacted(&mut self, body: &[u8], r: &Redactor, fingerprint: u64) -> Arc<[u8]> {
        if body.len() > CACHED_BODY_BYTES {
            return redact_body(body, r).into();
        }
        if let Some(b) = self.redacted.get(&fingerprint).and_then(|m| m.get(body)) {
            return b.clone();
        }
        if self.redacted_count >= CACHED_BODIES {
            self.redacted.clear();
            self.redacted_count = 0;
        }
        let b: Arc<[u8]> = redact_body(body, r).into();
        self.redacted
            .entry(fingerprint)
            .or_default()
            .insert(body.to_vec(), b.clone());
        self.redacted_count += 1;
        b
    }
}

/// The journal line of `e` (no newline), redacted as [`redact_recorded`] does with
/// `base` specialised for `e` ([`Redactor::for_exchange`]), through the last byte filter;
/// bodies seen before come from `cache`. Written straight from the exchange: nothing that
/// needs no masking is copied.
pub fn line_of(e: &Exchange, base: &Redactor, cache: &mut BodyCache) -> Vec<u8> {
    let r = base.for_exchange_with(e, &mut |body| cache.values(body));
    let fingerprint = r.fingerprint();
    let request_body = cache.redacted(&e.request_body, &r, fingerprint);
    let request_headers = r.headers_cow(&e.request_headers);
    let response = e.response.as_ref().map(|resp| {
        (
            resp.status,
            r.headers_cow(&resp.headers),
            cache.redacted(&resp.body, &r, fingerprint),
        )
    });
    let method = r.text_cow(&e.method);
    let url = r.text_cow(&e.url);
    let error = e.failure.as_ref().map(|f| r.text_cow(&f.reason));
    let parts = super::ndjson::LineParts {
        started_at: Some(e.started_at),
        duration_us: Some(u64::try_from(e.duration.as_micros()).unwrap_or(u64::MAX)),
        method: &method,
        url: &url,
        request: super::ndjson::MessageParts {
            headers: &request_headers,
            body: &request_body,
            size: request_body.len() as u64,
        },
        response: response.as_ref().map(|(status, headers, body)| {
            (
                *status,
                super::ndjson::MessageParts {
                    headers,
                    body,
                    size: body.len() as u64,
                },
            )
        }),
        error: error.as_deref(),
        redacted: true,
        at_capture: &[],
    };
    let mut out = Vec::with_capacity(2048);
    super::ndjson::write_line(&parts, &mut out);
    match r.filter_bytes_cow(&out) {
        Cow::Borrowed(_) => out,
        Cow::Owned(filtered) => filtered,
    }
}

/// An exchange log being written: one line per [`Journal::append`], buffered, flushed by
/// [`Journal::flush`] and [`Journal::finish`]. Written to a temporary name beside `path`
/// and renamed into place when finished, so a folder never holds half a journal under the
/// journal's name.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    partial: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    lines: u64,
    /// The first write error; later appends are dropped and [`Journal::finish`] reports it.
    failed: Option<String>,
}

impl Journal {
    /// Start a journal that will be `path` once finished.
    pub fn create(path: &Path) -> std::io::Result<Journal> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".part-{}", std::process::id()));
        let partial = path.with_file_name(name);
        let file = std::fs::File::create(&partial)?;
        Ok(Journal {
            path: path.to_path_buf(),
            partial,
            out: std::io::BufWriter::with_capacity(256 * 1024, file),
            lines: 0,
            failed: None,
        })
    }

    /// The file the journal becomes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Append one exchange, redacted with `r`; its line number (from 1), or `None` when
    /// the journal could not be written.
    pub fn append(&mut self, recorded: &Recorded, r: &Redactor) -> Option<u64> {
        let line = super::ndjson::line(&redact_recorded(recorded, r));
        self.append_line(&r.filter_bytes(line.as_bytes()))
    }

    /// Append one line that is already redacted (no newline in it).
    pub fn append_line(&mut self, line: &[u8]) -> Option<u64> {
        if self.failed.is_some() {
            return None;
        }
        let written = self
            .out
            .write_all(line)
            .and_then(|()| self.out.write_all(b"\n"));
        match written {
            Ok(()) => {
                self.lines += 1;
                Some(self.lines)
            }
            Err(e) => {
                self.failed = Some(e.to_string());
                None
            }
        }
    }

    /// Write out what is buffered (a stopped run calls this before anything else).
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Flush, and rename the journal into place: its path and line count.
    pub fn finish(mut self) -> std::io::Result<(PathBuf, u64)> {
        if let Some(e) = self.failed.take() {
            let _ = std::fs::remove_file(&self.partial);
            return Err(std::io::Error::other(e));
        }
        self.out.flush()?;
        self.out.get_ref().sync_data().ok();
        std::fs::rename(&self.partial, &self.path)?;
        Ok((self.path.clone(), self.lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{FailureClass, RequestSpec, TransportFailure};

    fn exchange(body: &[u8]) -> Exchange {
        let spec = RequestSpec {
            endpoint_id: "card-info".into(),
            path: "/api/v1/user/card/info".into(),
            body: body.to_vec(),
            ..RequestSpec::default()
        };
        let mut e = Exchange::failed_before_sending(
            &spec,
            "http://127.0.0.1:9/open-api/api/v1/user/card/info",
            chrono::Utc::now(),
            TransportFailure::new(FailureClass::Transport, "refused for 홍길동"),
        );
        e.request_headers = vec![
            ("X-KM-Access-Key".into(), "AK-canary-0123456789".into()),
            ("Content-Type".into(), "application/json".into()),
        ];
        e
    }

    /// The cached way gives the very line the plain way gives, the second time as the first.
    #[test]
    fn a_cached_line_is_the_same_line() {
        let e = exchange(r#"{"cardNo":"9491339401250765","userName":"홍길동"}"#.as_bytes());
        let base = Redactor::new();
        let plain = {
            let r = base.for_exchange(&e);
            r.filter_bytes(
                super::super::ndjson::line(&redact_recorded(&recorded_from_exchange(&e), &r))
                    .as_bytes(),
            )
        };
        let mut cache = BodyCache::default();
        assert_eq!(line_of(&e, &base, &mut cache), plain);
        assert_eq!(line_of(&e, &base, &mut cache), plain);
        assert!(!String::from_utf8_lossy(&plain).contains("홍길동"));
    }

    #[test]
    fn a_journal_line_is_redacted_and_reads_back() {
        let e = exchange(r#"{"cardNo":"9491339401250765","userName":"홍길동"}"#.as_bytes());
        let r = Redactor::new().for_exchange(&e);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut journal = Journal::create(&path).unwrap();
        assert_eq!(journal.append(&recorded_from_exchange(&e), &r), Some(1));
        assert_eq!(journal.append(&recorded_from_exchange(&e), &r), Some(2));
        let (written, lines) = journal.finish().unwrap();
        assert_eq!((written.as_path(), lines), (path.as_path(), 2));
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in ["AK-canary-0123456789", "9491339401250765", "홍길동"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("949133******0765"), "{text}");
        let mut read = Vec::new();
        let problems = crate::capture::read_file(&path, &mut |rec| read.push(rec)).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].location.at, Position::Line(2));
        assert!(read[0].error.as_deref().unwrap().contains("홍*동"));
        assert_eq!(read[0].request.size, read[0].request.body.len() as u64);
    }
}
