//! The exchange log: one exchange a line, as JSON (`"format":
//! "kona-conformance-exchange/1"`). Read as a stream, one bounded line at a time; written by
//! [`line`] one exchange at a time, so a journal of any length costs one line of memory.
//!
//! A body is `{"text": "…", "size": N}` when its bytes are UTF-8, else `{"base64": "…",
//! "size": N}`; `size` is the length of the whole body in bytes, so a body cut at the cap
//! says how long it was, and a body that is not as long as it says is refused.

use std::io::BufRead;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{
    EXCHANGE_FORMAT, Location, MAX_BODY_BYTES, MAX_RECORD_BYTES, Position, ReadProblem, Recorded,
    RecordedMessage, RecordedResponse,
};

/// One line of an exchange log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Line {
    pub format: String,
    /// When the request was sent, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// From the request's first byte to the answer's last, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_us: Option<u64>,
    pub request: LineRequest,
    #[serde(default)]
    pub response: Option<LineResponse>,
    /// What went wrong when there is no answer (a refused connection, a timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Written redacted: masked values are not the bytes sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    /// The judge's results before redaction, for the rules redaction hides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at_capture: Vec<super::CapturedVerdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineResponse {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
    /// The whole body's length in bytes (more than what is kept when it was cut).
    pub size: u64,
}

impl Body {
    /// The bytes kept and the whole size, or why they cannot be read.
    fn bytes(&self) -> Result<(Vec<u8>, u64), String> {
        let bytes = match (&self.text, &self.base64) {
            (Some(t), None) => t.as_bytes().to_vec(),
            (None, Some(b)) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| format!("body.base64 is not Base64: {e}"))?,
            (None, None) => Vec::new(),
            (Some(_), Some(_)) => return Err("body has both text and base64: give one".into()),
        };
        let kept = bytes.len() as u64;
        let cut = kept == MAX_BODY_BYTES as u64 && self.size > kept;
        if kept != self.size && !cut {
            return Err(format!(
                "body is {kept} bytes but its size says {}",
                self.size
            ));
        }
        let size = if cut { self.size } else { kept };
        let (bytes, _) = super::capped(bytes);
        Ok((bytes, size))
    }
}

fn headers(list: Vec<Header>) -> Vec<(String, String)> {
    list.into_iter().map(|h| (h.name, h.value)).collect()
}

fn message(headers_: Vec<Header>, body: Option<Body>) -> Result<RecordedMessage, String> {
    let (body, size) = match body {
        Some(b) => b.bytes()?,
        None => (Vec::new(), 0),
    };
    Ok(RecordedMessage {
        headers: headers(headers_),
        body,
        size,
    })
}

impl Line {
    /// The exchange this line records, or why it is not one.
    pub fn into_recorded(self, location: Location) -> Result<Recorded, String> {
        if self.format != EXCHANGE_FORMAT {
            return Err(format!(
                "format is {:?}; this harness reads {EXCHANGE_FORMAT:?}",
                self.format
            ));
        }
        let started_at = match &self.started_at {
            Some(t) => Some(
                DateTime::parse_from_rfc3339(t)
                    .map_err(|e| format!("startedAt {t:?} is not an RFC 3339 time: {e}"))?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let request =
            message(self.request.headers, self.request.body).map_err(|e| format!("request.{e}"))?;
        let response = match self.response {
            Some(r) => Some(RecordedResponse {
                status: r.status,
                message: message(r.headers, r.body).map_err(|e| format!("response.{e}"))?,
            }),
            None => None,
        };
        if self.at_capture.len() > super::MAX_CAPTURED_VERDICTS
            || self
                .at_capture
                .iter()
                .any(|v| v.findings.len() > super::MAX_CAPTURED_FINDINGS)
        {
            return Err(format!(
                "atCapture holds more than {} rules or {} findings a rule",
                super::MAX_CAPTURED_VERDICTS,
                super::MAX_CAPTURED_FINDINGS
            ));
        }
        let mut at_capture = self.at_capture;
        for v in &mut at_capture {
            for f in &mut v.findings {
                crate::client::evidence::cut_in_place(&mut f.expected, super::MAX_CAPTURED_TEXT);
                crate::client::evidence::cut_in_place(&mut f.actual, super::MAX_CAPTURED_TEXT);
            }
        }
        Ok(Recorded {
            location,
            started_at,
            duration_us: self.duration_us,
            method: self.request.method,
            url: self.request.url,
            request,
            response,
            error: self.error,
            redacted: self.redacted,
            at_capture,
        })
    }
}

/// The exchange-log line for one exchange (no newline). The caller redacts what it hands
/// in: this writes exactly what it is given, bodies cut at [`MAX_BODY_BYTES`].
pub fn line(recorded: &Recorded) -> String {
    fn message(m: &RecordedMessage) -> MessageParts<'_, String> {
        MessageParts {
            headers: &m.headers,
            body: &m.body,
            size: m.size,
        }
    }
    let parts = LineParts {
        started_at: recorded.started_at,
        duration_us: recorded.duration_us,
        method: &recorded.method,
        url: &recorded.url,
        request: message(&recorded.request),
        response: recorded
            .response
            .as_ref()
            .map(|r| (r.status, message(&r.message))),
        error: recorded.error.as_deref(),
        redacted: recorded.redacted,
        at_capture: &recorded.at_capture,
    };
    let mut out = Vec::with_capacity(1024);
    write_line(&parts, &mut out);
    // serde_json writes UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// One message of a line to write, borrowed: headers as any string type.
pub struct MessageParts<'a, S> {
    pub headers: &'a [(S, S)],
    pub body: &'a [u8],
    /// The whole body's length (more than `body` when it was cut).
    pub size: u64,
}

/// The parts of one exchange-log line, borrowed from wherever they are, so a line is
/// written without first copying the exchange into a [`Line`].
pub struct LineParts<'a, S> {
    pub started_at: Option<DateTime<Utc>>,
    pub duration_us: Option<u64>,
    pub method: &'a str,
    pub url: &'a str,
    pub request: MessageParts<'a, S>,
    pub response: Option<(u16, MessageParts<'a, S>)>,
    pub error: Option<&'a str>,
    pub redacted: bool,
    pub at_capture: &'a [super::CapturedVerdict],
}

/// Append the line of `parts` to `out` (no newline): the members and order of [`Line`].
pub fn write_line<S: AsRef<str>>(parts: &LineParts<'_, S>, out: &mut Vec<u8>) {
    fn body<'b, S>(m: &MessageParts<'b, S>) -> Option<BodyOut<'b>> {
        (m.size > 0).then(|| BodyOut::of(m.body, m.size))
    }
    let line = LineOut {
        format: EXCHANGE_FORMAT,
        started_at: parts
            .started_at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true)),
        duration_us: parts.duration_us,
        request: RequestOut {
            method: parts.method,
            url: parts.url,
            headers: HeadersOut(parts.request.headers),
            body: body(&parts.request),
        },
        response: parts.response.as_ref().map(|(status, m)| ResponseOut {
            status: *status,
            headers: HeadersOut(m.headers),
            body: body(m),
        }),
        error: parts.error,
        redacted: parts.redacted,
        at_capture: parts.at_capture,
    };
    // Writing to a Vec fails only if a Serialize impl does, and these cannot.
    let _ = serde_json::to_writer(out, &line);
}

/// [`Line`] as written, borrowed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", bound = "S: AsRef<str>")]
struct LineOut<'a, S> {
    format: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_us: Option<u64>,
    request: RequestOut<'a, S>,
    response: Option<ResponseOut<'a, S>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    redacted: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    at_capture: &'a [super::CapturedVerdict],
}

#[derive(Serialize)]
#[serde(bound = "S: AsRef<str>")]
struct RequestOut<'a, S> {
    method: &'a str,
    url: &'a str,
    headers: HeadersOut<'a, S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<BodyOut<'a>>,
}

#[derive(Serialize)]
#[serde(bound = "S: AsRef<str>")]
struct ResponseOut<'a, S> {
    status: u16,
    headers: HeadersOut<'a, S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<BodyOut<'a>>,
}

/// Headers as [`Header`] objects.
struct HeadersOut<'a, S>(&'a [(S, S)]);

impl<S: AsRef<str>> Serialize for HeadersOut<'_, S> {
    fn serialize<Z: serde::Serializer>(&self, z: Z) -> Result<Z::Ok, Z::Error> {
        use serde::ser::{SerializeSeq as _, SerializeStruct as _};
        struct One<'b>(&'b str, &'b str);
        impl Serialize for One<'_> {
            fn serialize<Z: serde::Serializer>(&self, z: Z) -> Result<Z::Ok, Z::Error> {
                let mut h = z.serialize_struct("Header", 2)?;
                h.serialize_field("name", self.0)?;
                h.serialize_field("value", self.1)?;
                h.end()
            }
        }
        let mut seq = z.serialize_seq(Some(self.0.len()))?;
        for (name, value) in self.0 {
            seq.serialize_element(&One(name.as_ref(), value.as_ref()))?;
        }
        seq.end()
    }
}

/// [`Body`] as written, borrowed when the bytes are text.
#[derive(Serialize)]
struct BodyOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base64: Option<String>,
    size: u64,
}

impl<'a> BodyOut<'a> {
    /// The body of `bytes`, kept up to [`MAX_BODY_BYTES`]; `size` is the whole length.
    fn of(bytes: &'a [u8], size: u64) -> BodyOut<'a> {
        let kept = &bytes[..bytes.len().min(MAX_BODY_BYTES)];
        match std::str::from_utf8(kept) {
            Ok(text) => BodyOut {
                text: Some(text),
                base64: None,
                size,
            },
            Err(_) => BodyOut {
                text: None,
                base64: Some(base64::engine::general_purpose::STANDARD.encode(kept)),
                size,
            },
        }
    }
}

/// Read an exchange log line by line, handing each exchange to `each`; the problems of
/// the lines that are not exchanges. A line longer than [`MAX_RECORD_BYTES`] is skipped
/// without being held.
pub fn read(
    mut reader: impl BufRead,
    file: &str,
    each: &mut dyn FnMut(Recorded),
) -> Vec<ReadProblem> {
    let mut problems = Vec::new();
    let mut buf = Vec::new();
    let mut number = 0;
    loop {
        number += 1;
        buf.clear();
        let location = Location {
            file: file.to_owned(),
            at: Position::Line(number),
        };
        let limit = (MAX_RECORD_BYTES + 1) as u64;
        let read = std::io::Read::take(&mut reader, limit).read_until(b'\n', &mut buf);
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                problems.push(ReadProblem {
                    location,
                    problem: format!("cannot read: {e}"),
                });
                break;
            }
        }
        if buf.len() > MAX_RECORD_BYTES && buf.last() != Some(&b'\n') {
            // Skip the rest of the line without keeping it.
            let mut rest = 0usize;
            loop {
                let chunk = match reader.fill_buf() {
                    Ok(c) if !c.is_empty() => c,
                    _ => break,
                };
                let (used, done) = match chunk.iter().position(|b| *b == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (chunk.len(), false),
                };
                rest += used;
                reader.consume(used);
                if done {
                    break;
                }
            }
            problems.push(ReadProblem {
                location,
                problem: format!(
                    "the line is {} bytes or more, over the {MAX_RECORD_BYTES}-byte limit: skipped",
                    MAX_RECORD_BYTES + rest
                ),
            });
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<Line>(text.trim())
            .map_err(|e| format!("not an exchange: {e}"))
            .and_then(|l| l.into_recorded(location.clone()));
        match parsed {
            Ok(recorded) => each(recorded),
            Err(problem) => problems.push(ReadProblem { location, problem }),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Recorded {
        Recorded {
            location: Location {
                file: "log.ndjson".into(),
                at: Position::Line(1),
            },
            started_at: DateTime::parse_from_rfc3339("2026-12-07T01:02:03.000004Z")
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            duration_us: Some(812),
            method: "POST".into(),
            url: "http://127.0.0.1:8080/open-api/api/v1/user/card/info".into(),
            request: RecordedMessage {
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: br#"{"cardNo": "9491339401250765"}"#.to_vec(),
                size: 30,
            },
            response: Some(RecordedResponse {
                status: 200,
                message: RecordedMessage {
                    headers: vec![("X-A".into(), "1".into()), ("X-A".into(), "2".into())],
                    body: vec![0xff, 0x00, 0x7b],
                    size: 3,
                },
            }),
            error: None,
            // A journal's line: redacted, with a verdict judged before redaction.
            redacted: true,
            at_capture: vec![crate::capture::CapturedVerdict {
                requirement: "CLIENT-TOKEN-HMAC".into(),
                exercised: true,
                findings: vec![crate::capture::CapturedFinding {
                    expected: "the MAC of the bytes sent".into(),
                    actual: "a MAC of something else".into(),
                }],
            }],
        }
    }

    fn read_all(text: &str) -> (Vec<Recorded>, Vec<ReadProblem>) {
        let mut out = Vec::new();
        let problems = read(text.as_bytes(), "log.ndjson", &mut |r| out.push(r));
        (out, problems)
    }

    #[test]
    fn a_line_reads_back_as_the_exchange_it_wrote() {
        let written = line(&sample());
        assert!(!written.contains('\n'));
        let contract = crate::contract::Contract::shared().unwrap();
        let value: serde_json::Value = serde_json::from_str(&written).unwrap();
        let violations = contract.validate(crate::capture::EXCHANGE_SCHEMA, &value);
        assert!(violations.is_empty(), "{violations:?}");
        let (read_back, problems) = read_all(&format!("{written}\n"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(read_back, vec![sample()]);
    }

    #[test]
    fn every_line_that_is_not_an_exchange_is_named_and_the_rest_is_read() {
        let good = line(&sample());
        let wrong_size = good.replace("\"size\":30", "\"size\":31");
        let text = format!(
            "{good}\nnot json\n{{\"format\":\"kona-conformance-exchange/2\",\"request\":{{\"method\":\"POST\",\"url\":\"u\"}}}}\n\n{wrong_size}\n{{\"format\":\"kona-conformance-exchange/1\",\"request\":{{\"method\":\"POST\",\"url\":\"u\",\"bodi\":1}}}}\n{good}"
        );
        let (read_back, problems) = read_all(&text);
        assert_eq!(read_back.len(), 2);
        assert_eq!(read_back[1].location.at, Position::Line(7));
        let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(said.len(), 4, "{said:?}");
        assert!(
            said[0].starts_with("log.ndjson line 2: not an exchange"),
            "{said:?}"
        );
        assert!(
            said[1].contains("line 3: format is \"kona-conformance-exchange/2\""),
            "{said:?}"
        );
        assert!(
            said[2].contains("line 5: request.body is 30 bytes but its size says 31"),
            "{said:?}"
        );
        assert!(
            said[3].contains("line 6: not an exchange: unknown field `bodi`"),
            "{said:?}"
        );
    }

    #[test]
    fn an_over_long_line_is_skipped_without_being_held() {
        let long = format!(
            "{{\"format\": \"{}\"}}\n",
            "x".repeat(MAX_RECORD_BYTES + 10)
        );
        let text = format!("{long}{}\n", line(&sample()));
        let (read_back, problems) = read_all(&text);
        assert_eq!(read_back.len(), 1);
        assert_eq!(read_back[0].location.at, Position::Line(2));
        assert!(problems[0].problem.contains("over the"), "{problems:?}");
    }

    #[test]
    fn a_body_cut_at_the_cap_says_so() {
        let mut big = sample();
        big.request = RecordedMessage::new(Vec::new(), vec![b'a'; MAX_BODY_BYTES + 5]);
        let (read_back, problems) = read_all(&line(&big));
        assert!(problems.is_empty(), "{problems:?}");
        assert!(read_back[0].request.truncated());
        assert_eq!(read_back[0].request.body.len(), MAX_BODY_BYTES);
        assert_eq!(read_back[0].request.size, (MAX_BODY_BYTES + 5) as u64);
    }

    proptest! {
        /// Hostile bytes never make the reader panic; every line is an exchange or a problem.
        #[test]
        fn any_bytes_are_read_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut n = 0;
            let problems = read(bytes.as_slice(), "f", &mut |_| n += 1);
            let lines = bytes.split(|b| *b == b'\n').filter(|l| !String::from_utf8_lossy(l).trim().is_empty()).count();
            prop_assert_eq!(n + problems.len(), lines);
        }
    }
}
