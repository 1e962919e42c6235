//! HAR 1.2 (browser dev tools, mitmproxy, Charles, Postman), streamed: `log.entries` is
//! walked one entry at a time, each entry parsed on its own, so a large HAR costs one entry
//! of memory, a broken entry costs only itself, and a truncated file keeps every entry
//! before the cut.
//!
//! Only what the judge needs is read: the request's method, URL, headers and body
//! (`postData.text`), the answer's status, headers and body (`content.text`, Base64 when
//! `content.encoding` says so), `startedDateTime` and `time`. Exporters differ on the rest,
//! so the rest is ignored rather than required.

use std::fmt;
use std::io::Read;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{
    Location, MAX_RECORD_BYTES, Position, ReadProblem, Recorded, RecordedMessage, RecordedResponse,
};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default)]
    started_date_time: Option<String>,
    /// Milliseconds, a float in every exporter.
    #[serde(default)]
    time: Option<f64>,
    request: Request,
    #[serde(default)]
    response: Option<Response>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    post_data: Option<PostData>,
    /// -1 when unknown.
    #[serde(default)]
    body_size: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct PostData {
    #[serde(default)]
    text: Option<String>,
    /// Not in HAR 1.2 for requests, but some exporters write it.
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Response {
    /// 0 when the request got no answer (dev tools record failed requests so).
    status: i64,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    content: Option<Content>,
    /// Set by some exporters when the request failed (`_error`).
    #[serde(default, rename = "_error")]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Content {
    /// Decoded length; -1 or absent when unknown.
    #[serde(default)]
    size: Option<i64>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Header {
    name: String,
    value: String,
}

fn decode(text: Option<String>, encoding: Option<&str>) -> Result<Vec<u8>, String> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    match encoding {
        None | Some("") => Ok(text.into_bytes()),
        Some(e) if e.eq_ignore_ascii_case("base64") => base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|err| format!("text is not Base64 although encoding says so: {err}")),
        Some(other) => Err(format!(
            "encoding {other:?} is not one HAR defines (base64)"
        )),
    }
}

fn headers(list: Vec<Header>) -> Vec<(String, String)> {
    list.into_iter()
        // HTTP/2 exports list pseudo-headers (`:authority`); they are not headers.
        .filter(|h| !h.name.starts_with(':'))
        .map(|h| (h.name, h.value))
        .collect()
}

impl Entry {
    fn into_recorded(self, location: Location) -> Result<Recorded, String> {
        let started_at = match &self.started_date_time {
            Some(t) => Some(
                DateTime::parse_from_rfc3339(t)
                    .map_err(|e| format!("startedDateTime {t:?} is not an ISO 8601 time: {e}"))?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let post = self.request.post_data;
        let body = decode(
            post.as_ref().and_then(|p| p.text.clone()),
            post.as_ref().and_then(|p| p.encoding.as_deref()),
        )
        .map_err(|e| format!("request.postData.{e}"))?;
        if let Some(declared) = self.request.body_size.filter(|s| *s > 0)
            && declared as u64 != body.len() as u64
            && !body.is_empty()
        {
            return Err(format!(
                "request.postData.text is {} bytes but request.bodySize says {declared}",
                body.len()
            ));
        }
        let request = RecordedMessage::new(headers(self.request.headers), body);
        let (response, error) = match self.response {
            Some(r) if r.status > 0 => {
                let status = u16::try_from(r.status)
                    .ok()
                    .filter(|s| (100..=999).contains(s))
                    .ok_or_else(|| format!("response.status {} is not an HTTP status", r.status))?;
                let content = r.content;
                let body = decode(
                    content.as_ref().and_then(|c| c.text.clone()),
                    content.as_ref().and_then(|c| c.encoding.as_deref()),
                )
                .map_err(|e| format!("response.content.{e}"))?;
                if let Some(declared) = content.as_ref().and_then(|c| c.size).filter(|s| *s >= 0)
                    && !body.is_empty()
                    && declared as u64 != body.len() as u64
                {
                    return Err(format!(
                        "response.content.text is {} bytes but response.content.size says {declared}",
                        body.len()
                    ));
                }
                (
                    Some(RecordedResponse {
                        status,
                        message: RecordedMessage::new(headers(r.headers), body),
                    }),
                    r.error,
                )
            }
            Some(r) => (
                None,
                Some(r.error.unwrap_or_else(|| "no answer (status 0)".into())),
            ),
            None => (None, Some("no answer recorded".into())),
        };
        Ok(Recorded {
            location,
            started_at,
            duration_us: self
                .time
                .filter(|t| t.is_finite() && *t >= 0.0)
                // Whole microseconds of a millisecond float: rounding is the exporter's.
                .map(|t| (t * 1000.0).round() as u64),
            method: self.request.method,
            url: self.request.url,
            request,
            response,
            error,
            redacted: false,
            at_capture: Vec::new(),
        })
    }
}

/// Counts the bytes read since the last entry, and refuses to read past
/// [`MAX_RECORD_BYTES`] of them: one entry is held at a time, and this bounds its size.
struct Bounded<R> {
    inner: R,
    since_entry: std::rc::Rc<std::cell::Cell<usize>>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let used = self.since_entry.get();
        if used > MAX_RECORD_BYTES {
            return Err(std::io::Error::other(format!(
                "an entry is over the {MAX_RECORD_BYTES}-byte limit"
            )));
        }
        let n = self.inner.read(buf)?;
        self.since_entry.set(used + n);
        Ok(n)
    }
}

/// What the walk hands back for each element of `log.entries`.
struct Walk<'a> {
    file: &'a str,
    each: &'a mut dyn FnMut(Recorded),
    problems: Vec<ReadProblem>,
    entries: usize,
    saw_entries: bool,
    since_entry: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Walk<'_> {
    fn entry(&mut self, value: serde_json::Value) {
        self.since_entry.set(0);
        self.entries += 1;
        let location = Location {
            file: self.file.to_owned(),
            at: Position::Entry(self.entries),
        };
        let parsed = serde_json::from_value::<Entry>(value)
            .map_err(|e| format!("not a HAR entry: {e}"))
            .and_then(|e| e.into_recorded(location.clone()));
        match parsed {
            Ok(r) => (self.each)(r),
            Err(problem) => self.problems.push(ReadProblem { location, problem }),
        }
    }
}

/// Deserializes the document, calling [`Walk::entry`] for each entry.
struct Root<'w, 'a>(&'w mut Walk<'a>);
struct Log<'w, 'a>(&'w mut Walk<'a>);
struct Entries<'w, 'a>(&'w mut Walk<'a>);

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR document (an object with log)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                map.next_value_seed(Log(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("log: an object with entries")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "entries" {
                self.0.saw_entries = true;
                map.next_value_seed(Entries(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("log.entries: an array of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<serde_json::Value>()? {
            self.0.entry(value);
        }
        Ok(())
    }
}

/// Read a HAR document entry by entry, handing each exchange to `each`. The problems of
/// the entries that could not be read; an error when the document itself is not a HAR
/// (no `log.entries`, or unreadable before its first entry).
pub fn read(
    reader: impl Read,
    file: &str,
    each: &mut dyn FnMut(Recorded),
) -> Result<Vec<ReadProblem>, ReadProblem> {
    let since_entry = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut walk = Walk {
        file,
        each,
        problems: Vec::new(),
        entries: 0,
        saw_entries: false,
        since_entry: since_entry.clone(),
    };
    let bounded = Bounded {
        inner: reader,
        since_entry,
    };
    let mut de = serde_json::Deserializer::from_reader(bounded);
    let outcome = Root(&mut walk).deserialize(&mut de).and_then(|()| de.end());
    let whole = |problem: String| ReadProblem {
        location: Location {
            file: file.to_owned(),
            at: Position::File,
        },
        problem,
    };
    match outcome {
        Ok(()) if walk.saw_entries => Ok(walk.problems),
        Ok(()) => Err(whole("not a HAR: no log.entries".into())),
        Err(e) if walk.entries == 0 && !walk.saw_entries => {
            Err(whole(format!("not a HAR document: {e}")))
        }
        Err(e) => {
            let mut problems = walk.problems;
            problems.push(whole(format!(
                "the document breaks off after entry {} ({e}); the entries before were read",
                walk.entries
            )));
            Ok(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HAR: &str = r#"{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
      {"startedDateTime": "2026-12-07T01:02:03.500+09:00", "time": 1.25,
       "request": {"method": "POST", "url": "http://127.0.0.1:9/open-api/api/v1/user/card/info",
         "headers": [{"name": ":authority", "value": "x"}, {"name": "X-KM-User-AspId", "value": "000170000000000"}],
         "postData": {"mimeType": "application/json", "text": "{\"cardNo\":\"1\"}"}, "bodySize": 14},
       "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
         "content": {"size": 2, "mimeType": "application/json", "text": "e30=", "encoding": "base64"}}},
      {"request": {"method": "POST"}},
      {"startedDateTime": "2026-12-07T01:02:04Z", "request": {"method": "POST", "url": "http://h/x"},
       "response": {"status": 0, "_error": "net::ERR_CONNECTION_REFUSED"}}
    ]}}"#;

    fn read_all(text: &str) -> (Vec<Recorded>, Result<Vec<ReadProblem>, ReadProblem>) {
        let mut out = Vec::new();
        let result = read(text.as_bytes(), "t.har", &mut |r| out.push(r));
        (out, result)
    }

    #[test]
    fn entries_are_read_one_by_one_and_a_broken_one_is_named() {
        let (entries, problems) = read_all(HAR);
        let problems = problems.unwrap();
        assert_eq!(entries.len(), 2);
        let first = &entries[0];
        assert_eq!(first.request.body, br#"{"cardNo":"1"}"#);
        assert_eq!(first.request.headers.len(), 1, "pseudo-headers dropped");
        assert_eq!(first.response.as_ref().unwrap().message.body, b"{}");
        assert_eq!(first.duration_us, Some(1250));
        assert_eq!(
            first.started_at.unwrap().to_rfc3339(),
            "2026-12-06T16:02:03.500+00:00"
        );
        assert!(entries[1].response.is_none());
        assert_eq!(
            entries[1].error.as_deref(),
            Some("net::ERR_CONNECTION_REFUSED")
        );
        assert_eq!(entries[1].location.at, Position::Entry(3));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .to_string()
                .starts_with("t.har entry 2: not a HAR entry: missing field `url`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_truncated_har_keeps_the_entries_before_the_cut() {
        let cut = &HAR[..HAR.find("{\"request\": {\"method\": \"POST\"}}").unwrap() + 10];
        let (entries, problems) = read_all(cut);
        assert_eq!(entries.len(), 1);
        let problems = problems.unwrap();
        assert!(
            problems
                .last()
                .unwrap()
                .problem
                .contains("breaks off after entry 1"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_size_that_disagrees_with_the_body_is_named() {
        let lying = HAR.replace("\"bodySize\": 14", "\"bodySize\": 15");
        let (entries, problems) = read_all(&lying);
        assert_eq!(entries.len(), 1);
        assert!(
            problems.unwrap()[0]
                .problem
                .contains("is 14 bytes but request.bodySize says 15")
        );
    }

    #[test]
    fn json_that_is_not_a_har_is_refused_whole() {
        for text in [r#"{"entries": []}"#, r#"{"log": {"pages": []}}"#, "[1]"] {
            let (entries, result) = read_all(text);
            assert!(entries.is_empty());
            assert!(result.is_err(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn any_text_is_read_without_panicking(text in ".{0,400}") {
            let _ = read_all(&format!("{{\"log\": {{\"entries\": [{text}"));
            let _ = read_all(&text);
        }
    }
}
