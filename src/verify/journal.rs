//! The journal `proxy` writes: one redacted exchange-log line per exchange, appended as it
//! is judged, so `verify` can judge it again later. Redaction happens here, before anything
//! is written: credentials and cookies replaced whole, personal fields masked, secrets and
//! tokens removed wherever they appear.
//!
//! Redaction changes bytes the judge reads (the token's MAC covers the unmasked body; a
//! masked card number breaks its pattern), so each line carries, for the rules whose result
//! redaction changes, what the judge found before it (`atCapture`): judging the journal
//! again gives the verdicts judging the live exchange gave.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use super::{Judged, Keys, judge_one};
use crate::capture::{
    CapturedFinding, CapturedVerdict, MAX_CAPTURED_FINDINGS, MAX_CAPTURED_TEXT,
    MAX_CAPTURED_VERDICTS, Recorded, RecordedMessage, RecordedResponse,
};
use crate::contract::{Contract, Endpoint};
use crate::judge::Finding;
use crate::redact::{RedactedBody, Redactor};

/// `rec` as it may be written: headers and bodies redacted, marked as such.
pub fn redact_recorded(rec: &Recorded, r: &Redactor) -> Recorded {
    let message = |m: &RecordedMessage| {
        let body = match r.body(&m.body) {
            RedactedBody::Empty => Vec::new(),
            RedactedBody::Json(v) => v.to_string().into_bytes(),
            RedactedBody::Text(t) | RedactedBody::Binary(t) => t.into_bytes(),
        };
        RecordedMessage {
            headers: r.headers(&m.headers),
            size: body.len() as u64,
            body,
        }
    };
    Recorded {
        location: rec.location.clone(),
        started_at: rec.started_at,
        duration_us: rec.duration_us,
        method: rec.method.clone(),
        url: r.text(&rec.url),
        request: message(&rec.request),
        response: rec.response.as_ref().map(|resp| RecordedResponse {
            status: resp.status,
            message: message(&resp.message),
        }),
        error: rec.error.as_deref().map(|e| r.text(e)),
        redacted: true,
        at_capture: Vec::new(),
    }
}

/// Each rule's state in a judgement: exercised, and its findings.
fn states(j: &Judged) -> std::collections::BTreeMap<String, (bool, Vec<&Finding>)> {
    let mut out: std::collections::BTreeMap<String, (bool, Vec<&Finding>)> = Default::default();
    for id in j.exercised() {
        out.entry(id.to_owned()).or_default().0 = true;
    }
    for f in j.findings() {
        if let Some(id) = &f.requirement {
            out.entry(id.clone()).or_default().1.push(f);
        }
    }
    out
}

/// The verdicts of `live` that judging `redacted` would not reproduce, as a line carries them.
pub fn at_capture(live: &Judged, redacted: &Judged, r: &Redactor) -> Vec<CapturedVerdict> {
    let before = states(live);
    let after = states(redacted);
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let (was_exercised, was) = before.get(id).cloned().unwrap_or_default();
        let (now_exercised, now) = after.get(id).cloned().unwrap_or_default();
        if was_exercised == now_exercised && was.is_empty() == now.is_empty() {
            continue;
        }
        out.push(CapturedVerdict {
            requirement: id.clone(),
            exercised: was_exercised,
            findings: was
                .iter()
                .take(MAX_CAPTURED_FINDINGS)
                .map(|f| CapturedFinding {
                    expected: cut(&r.text(&f.expected)),
                    actual: cut(&r.text(&f.actual)),
                })
                .collect(),
        });
        if out.len() == MAX_CAPTURED_VERDICTS {
            break;
        }
    }
    out
}

fn cut(s: &str) -> String {
    crate::client::evidence::cut_text(s, MAX_CAPTURED_TEXT).into_owned()
}

/// Put a redacted line's capture-time verdicts in place of what judging it again found.
pub fn apply_at_capture(judged: &mut Judged, rec: &Recorded) {
    if !rec.redacted || rec.at_capture.is_empty() {
        return;
    }
    for v in &rec.at_capture {
        let id = v.requirement.as_str();
        judged
            .request
            .findings
            .retain(|f| f.requirement.as_deref() != Some(id));
        judged
            .answer
            .retain(|f| f.requirement.as_deref() != Some(id));
        // The rule ids are the contract's; an unknown one is dropped with the rest of it.
        let known = crate::judge::request::ids::REQUEST_CHECKED
            .iter()
            .copied()
            .find(|k| *k == id);
        match known {
            Some(k) if v.exercised => {
                judged.request.exercised.insert(k);
            }
            Some(k) => {
                judged.request.exercised.remove(k);
            }
            None if v.exercised => {
                judged.answer_exercised.insert(id.to_owned());
            }
            None => {
                judged.answer_exercised.remove(id);
            }
        }
        for f in &v.findings {
            let finding = Finding {
                requirement: Some(id.to_owned()),
                class: crate::client::FailureClass::Contract,
                expected: f.expected.clone(),
                actual: format!("{} (judged when recorded)", f.actual),
                schema_errors: Vec::new(),
                correlation_id: judged.exchange.correlation_id.clone(),
            };
            if known.is_some() {
                judged.request.findings.push(finding);
            } else {
                judged.answer.push(finding);
            }
        }
    }
}

/// Appends redacted lines to a journal file.
pub struct Journal {
    out: std::io::BufWriter<std::fs::File>,
    redactor: Redactor,
}

impl Journal {
    /// Open `path` for appending (created if missing). `redactor` knows the secrets.
    pub fn open(path: &Path, redactor: Redactor) -> std::io::Result<Journal> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Journal {
            out: std::io::BufWriter::new(file),
            redactor,
        })
    }

    /// Redact `rec`, carry the verdicts redaction would change, append, flush: a journal
    /// cut short by a crash holds every exchange judged before it.
    pub fn append(
        &mut self,
        contract: &Contract,
        endpoint: Option<&Endpoint>,
        rec: &Recorded,
        live: Option<&Judged>,
        keys: &Keys,
    ) -> std::io::Result<()> {
        let mut redacted = redact_recorded(rec, &self.redactor);
        if let (Some(endpoint), Some(live)) = (endpoint, live) {
            let again = judge_one(contract, endpoint, &redacted, keys);
            redacted.at_capture = at_capture(live, &again, &self.redactor);
        }
        let line = crate::capture::ndjson::line(&redacted);
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
