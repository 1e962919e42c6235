//! Exchanges this harness did not send: recorded traffic read from a file, one exchange at a
//! time, so memory stays bounded whatever the file's size. Two formats, told apart by
//! content, not by file name:
//!
//! - the exchange log ([`ndjson`]): one JSON object a line, `"format":
//!   "kona-conformance-exchange/1"`, described by `schemas/formats/exchange-log.schema.json`;
//!   `proxy` and a run's journal write it, `verify` reads it;
//! - HAR 1.2 ([`har`]), as browser dev tools, mitmproxy, Charles and Postman export it,
//!   streamed entry by entry.
//!
//! Every byte read is hostile input: bodies are capped at [`MAX_BODY_BYTES`], a line or an
//! entry at [`MAX_RECORD_BYTES`]; what cannot be read is a [`ReadProblem`] naming the file
//! and the line or entry, and the rest is still read.

pub mod har;
pub mod journal;
pub mod ndjson;

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, Utc};

/// The exchange-log format name, written in every line.
pub const EXCHANGE_FORMAT: &str = "kona-conformance-exchange/1";
/// The schema file, under `schemas/`, that describes one line of an exchange log.
pub const EXCHANGE_SCHEMA: &str = "formats/exchange-log.schema.json";
/// A recorded body is kept up to this many bytes, like an answer the harness receives.
pub const MAX_BODY_BYTES: usize = crate::client::MAX_RESPONSE_BYTES;
/// One NDJSON line or one HAR entry is read up to this many bytes; a longer one is
/// skipped with a problem (two bodies at their cap, with room for headers and escapes).
pub const MAX_RECORD_BYTES: usize = 6 * MAX_BODY_BYTES;

/// Where a recorded exchange came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// `line N` of an exchange log, `entry N` of a HAR (both from 1).
    pub at: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Line(usize),
    Entry(usize),
    /// The file as a whole (it could not be read, or is no format this harness reads).
    File,
    /// The Nth exchange of a live session (`proxy`, `certify-client`), from 1.
    Exchange(usize),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Position::Line(n) => write!(f, "{} line {n}", self.file),
            Position::Entry(n) => write!(f, "{} entry {n}", self.file),
            Position::File => write!(f, "{}", self.file),
            Position::Exchange(n) => write!(f, "{} exchange {n}", self.file),
        }
    }
}

/// One side of a recorded exchange.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordedMessage {
    /// Header names and values in the order recorded (duplicates kept).
    pub headers: Vec<(String, String)>,
    /// The bytes recorded, cut at [`MAX_BODY_BYTES`].
    pub body: Vec<u8>,
    /// The whole body's length in bytes: more than `body` holds when it was cut.
    pub size: u64,
}

impl RecordedMessage {
    /// A message of `headers` and `body`, the body cut at [`MAX_BODY_BYTES`].
    pub fn new(headers: Vec<(String, String)>, body: Vec<u8>) -> RecordedMessage {
        let size = body.len() as u64;
        let (body, _) = capped(body);
        RecordedMessage {
            headers,
            body,
            size,
        }
    }

    /// Whether the body was longer than what is kept.
    pub fn truncated(&self) -> bool {
        self.size > self.body.len() as u64
    }

    /// The value of header `name` (case-insensitive), the first one when repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One exchange as it went over the wire, read from a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub location: Location,
    pub started_at: Option<DateTime<Utc>>,
    pub duration_us: Option<u64>,
    pub method: String,
    pub url: String,
    pub request: RecordedMessage,
    /// `None` when the capture holds no answer (the connection failed, say).
    pub response: Option<RecordedResponse>,
    /// What the recorder said went wrong, when it says so.
    pub error: Option<String>,
    /// The exchange was redacted when written (a journal of `proxy` or a run): masked
    /// bodies and credentials are not the bytes that went over the wire.
    pub redacted: bool,
    /// What the judge found when the exchange was recorded, for the rules whose evidence
    /// the redaction replaced; a redacted exchange is judged again with these in place.
    pub at_capture: Vec<CapturedVerdict>,
}

/// One rule's result as judged on the exchange before it was redacted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CapturedVerdict {
    pub requirement: String,
    /// Whether the exchange exercised the rule at all.
    pub exercised: bool,
    /// Its findings then (none: it passed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<CapturedFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapturedFinding {
    pub expected: String,
    pub actual: String,
}

/// Capture-time verdicts read from a file are hostile input too: this many rules, this many
/// findings each, texts this long.
pub const MAX_CAPTURED_VERDICTS: usize = 64;
pub const MAX_CAPTURED_FINDINGS: usize = 4;
pub const MAX_CAPTURED_TEXT: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedResponse {
    pub status: u16,
    pub message: RecordedMessage,
}

/// Something in a capture that could not be read; the rest of the file still is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    pub location: Location,
    pub problem: String,
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.problem)
    }
}

/// The kinds of capture this harness reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ExchangeLog,
    Har,
}

/// What a capture file is, told by its first bytes: an exchange log's first line is an
/// object naming [`EXCHANGE_FORMAT`]; anything else that opens a JSON object is read as a
/// HAR. `None` for neither.
pub fn sniff(head: &[u8]) -> Option<Kind> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if !text.starts_with('{') {
        return None;
    }
    let first_line = text.lines().next().unwrap_or_default();
    let names_format = first_line.contains(&format!("\"{EXCHANGE_FORMAT}\""));
    if names_format
        && serde_json::from_str::<serde_json::Value>(first_line)
            .ok()
            .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned))
            .as_deref()
            == Some(EXCHANGE_FORMAT)
    {
        return Some(Kind::ExchangeLog);
    }
    Some(Kind::Har)
}

/// Read every exchange of the capture at `path`, handing each to `each` as soon as it is
/// read (nothing else is kept), and return what could not be read.
pub fn read_file(
    path: &Path,
    each: &mut dyn FnMut(Recorded),
) -> Result<Vec<ReadProblem>, ReadProblem> {
    let name = path.display().to_string();
    let whole = |problem: String| ReadProblem {
        location: Location {
            file: name.clone(),
            at: Position::File,
        },
        problem,
    };
    let file = std::fs::File::open(path).map_err(|e| whole(format!("cannot open: {e}")))?;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    let head = reader
        .fill_buf()
        .map_err(|e| whole(format!("cannot read: {e}")))?
        .to_vec();
    match sniff(&head) {
        Some(Kind::ExchangeLog) => Ok(ndjson::read(reader, &name, each)),
        Some(Kind::Har) => har::read(reader, &name, each),
        None if head.is_empty() => Err(whole("the file is empty".into())),
        None => Err(whole(format!(
            "neither an exchange log ({EXCHANGE_FORMAT}, one JSON object a line) nor a HAR (a JSON object with log.entries)"
        ))),
    }
}

/// `bytes` cut at [`MAX_BODY_BYTES`], and whether it was cut.
pub(crate) fn capped(mut bytes: Vec<u8>) -> (Vec<u8>, bool) {
    let truncated = bytes.len() > MAX_BODY_BYTES;
    bytes.truncate(MAX_BODY_BYTES);
    (bytes, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::exchange_log(br#"{"format":"kona-conformance-exchange/1","method":"POST"}"#.as_slice(), Some(Kind::ExchangeLog))]
    #[case::exchange_log_after_a_bom("\u{feff}{\"format\": \"kona-conformance-exchange/1\"}\n{}".as_bytes(), Some(Kind::ExchangeLog))]
    #[case::har(br#"{"log": {"version": "1.2", "entries": []}}"#.as_slice(), Some(Kind::Har))]
    #[case::har_on_many_lines(b"{\n  \"log\": {}\n}".as_slice(), Some(Kind::Har))]
    #[case::format_named_in_a_value_only(br#"{"note":"kona-conformance-exchange/1"}"#.as_slice(), Some(Kind::Har))]
    #[case::an_array(b"[1, 2]".as_slice(), None)]
    #[case::text(b"GET / HTTP/1.1".as_slice(), None)]
    #[case::empty(b"".as_slice(), None)]
    fn the_kind_is_told_by_content(#[case] head: &[u8], #[case] kind: Option<Kind>) {
        assert_eq!(sniff(head), kind);
    }
}
