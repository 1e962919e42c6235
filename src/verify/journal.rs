//! The journal of a live session (`proxy`, `certify-client`): every exchange, redacted,
//! appended as one exchange-log line (`capture::ndjson`) as soon as it is judged, so `verify`
//! reads it back. Redaction happens here, before anything is written: credentials and cookies
//! replaced whole, personal fields masked, secrets and tokens removed in every encoding.
//!
//! Redaction changes bytes the judge reads (the token's MAC covers the unmasked body; a
//! masked card number breaks its pattern), so a line carries, for the rules whose result
//! redaction changes, what the judge found before it (`atCapture`): judging the journal
//! again gives the verdicts judging the live exchange gave.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Judged, Keys, judge_one};
use crate::capture::{
    CapturedFinding, CapturedVerdict, MAX_CAPTURED_FINDINGS, MAX_CAPTURED_TEXT,
    MAX_CAPTURED_VERDICTS, Recorded, ndjson,
};
use crate::contract::{Contract, Endpoint};
use crate::judge::Finding;
use crate::redact::Redactor;

/// Why the journal could not be written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub use crate::capture::journal::redact_recorded;

/// An exchange log being written, one line an exchange.
pub struct Journal {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    pub lines: usize,
}

impl Journal {
    /// Create (or truncate) the file at `path`, and its folder.
    pub fn create(path: &Path) -> Result<Journal, JournalError> {
        Journal::open(path, false)
    }

    /// Open the file at `path` to add lines after those it holds (created if missing).
    pub fn append_to(path: &Path) -> Result<Journal, JournalError> {
        Journal::open(path, true)
    }

    fn open(path: &Path, append: bool) -> Result<Journal, JournalError> {
        let err = |source| JournalError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(err)?;
        Ok(Journal {
            path: path.to_owned(),
            file: std::io::BufWriter::new(file),
            lines: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append `rec`, redacted, with the verdicts redaction would change when `live` says
    /// how it was judged; flushed so a reader (or a crash) sees whole lines.
    pub fn append(
        &mut self,
        rec: &Recorded,
        redactor: &Redactor,
        live: Option<&LiveVerdicts<'_>>,
    ) -> Result<(), JournalError> {
        let mut redacted = redact_recorded(rec, redactor);
        if let Some(live) = live {
            let again = judge_one(live.contract, live.endpoint, &redacted, live.keys);
            redacted.at_capture = at_capture(live.judged, &again, redactor);
        }
        let line = ndjson::line(&redacted);
        let line = redactor.filter_bytes(line.as_bytes());
        let result = self
            .file
            .write_all(&line)
            .and_then(|_| self.file.write_all(b"\n"))
            .and_then(|_| self.file.flush());
        result.map_err(|source| JournalError::Write {
            path: self.path.clone(),
            source,
        })?;
        self.lines += 1;
        Ok(())
    }
}

/// How a live exchange was judged, for the journal to carry what redaction would change.
pub struct LiveVerdicts<'a> {
    pub contract: &'a Contract,
    pub endpoint: &'a Endpoint,
    pub judged: &'a Judged,
    pub keys: &'a Keys,
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

/// The rules whose evidence redaction replaces on any line: the credential headers, the
/// token over the unmasked body, masked values against a schema.
fn touched_by_redaction(judged: &Judged, endpoint_response: &str) -> Vec<String> {
    use crate::judge::request::ids;
    let mut out: Vec<String> = [
        ids::HDR_ACCESS_KEY,
        ids::TOKEN_FORM,
        ids::TOKEN_TIME,
        ids::TOKEN_HMAC,
        ids::BODY_SCHEMA,
        // A body over the evidence limit is written cut, no longer JSON.
        ids::BODY_JSON,
        "RESP-JSON",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    out.push(endpoint_response.to_owned());
    // Any other rule a schema broke at a field redaction masks (a card number, a name).
    let masked = |path: &str| {
        path.split('/')
            .any(|segment| crate::redact::Personal::of_field(segment).is_some())
    };
    out.extend(
        judged
            .findings()
            .filter(|f| f.schema_errors.iter().any(|e| masked(&e.instance_path)))
            .filter_map(|f| f.requirement.clone()),
    );
    out
}

/// Put a redacted line's capture-time verdicts in place of what judging it again found. A
/// redacted line without them (a run's journal) is not judged on the rules redaction
/// touches: they are left unexercised, and the reports say why.
pub fn apply_at_capture(judged: &mut Judged, rec: &Recorded, endpoint_response: &str) {
    if !rec.redacted {
        return;
    }
    if rec.at_capture.is_empty() {
        for id in touched_by_redaction(judged, endpoint_response) {
            judged
                .request
                .findings
                .retain(|f| f.requirement.as_deref() != Some(id.as_str()));
            judged
                .answer
                .retain(|f| f.requirement.as_deref() != Some(id.as_str()));
            judged.request.exercised.retain(|k| *k != id);
            judged.answer_exercised.remove(&id);
        }
        judged.unjudged.get_or_insert_with(|| {
            "a redacted line without capture-time verdicts (a run's journal): the rules redaction changes (credentials, the token, masked values against a schema) were not judged again".to_owned()
        });
        return;
    }
    // A line may claim a pass only for a rule whose evidence redaction replaced: any other
    // rule is judged on what the line holds, so a hand-written `atCapture` cannot pass a
    // rule the judge never evaluated. Failures and "not exercised" are always taken.
    let touched = touched_by_redaction(judged, endpoint_response);
    for v in &rec.at_capture {
        let id = v.requirement.as_str();
        let claims_pass = v.exercised && v.findings.is_empty();
        if claims_pass && !touched.iter().any(|t| t == id) {
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Location, Position, RecordedMessage, RecordedResponse};
    use crate::secret::Secret;

    #[test]
    fn a_journal_line_keeps_no_credential_token_or_card_number() {
        let rec = Recorded {
            location: Location {
                file: "requests".into(),
                at: Position::Line(1),
            },
            started_at: None,
            duration_us: Some(10),
            method: "POST".into(),
            url: "http://127.0.0.1:1/open-api/api/v1/user/card/info".into(),
            request: RecordedMessage::new(
                vec![
                    (
                        "X-KM-Access-Key".into(),
                        "an-access-key-value-0123456789".into(),
                    ),
                    (
                        "X-KM-Tran-Token".into(),
                        "KMV1:20261207100203000:abc=".into(),
                    ),
                    ("X-KM-Note".into(), "signed with sekrit-value-42".into()),
                ],
                br#"{"cardNo":"9410064130111814"}"#.to_vec(),
            ),
            response: Some(RecordedResponse {
                status: 200,
                message: RecordedMessage::new(Vec::new(), b"{}".to_vec()),
            }),
            error: None,
            redacted: false,
            at_capture: Vec::new(),
        };
        let mut redactor = Redactor::new();
        redactor.add_secret(&Secret::new("sekrit-value-42".to_owned()));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/journal.ndjson");
        let mut j = Journal::create(&path).unwrap();
        j.append(&rec, &redactor, None).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for leak in [
            "an-access-key-value",
            "KMV1:2026",
            "sekrit-value-42",
            "9410064130111814",
        ] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
        let mut read = Vec::new();
        let problems = ndjson::read(text.as_bytes(), "journal", &mut |r| read.push(r));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].method, "POST");
    }
}
