//! The journal of a live session: every exchange, redacted, appended as one exchange-log
//! line (`capture::ndjson`), so `verify` reads it back. Two functions of the same shape as
//! the run journal's (`redact_recorded`, then append `ndjson::line`), kept here until the
//! two are one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::capture::{Recorded, RecordedMessage, ndjson};
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

/// `rec` as it may be kept: credentials replaced whole, tokens and secrets filtered,
/// personal values in bodies masked.
pub fn redact_recorded(rec: &Recorded, redactor: &Redactor) -> Recorded {
    let message = |m: &RecordedMessage| {
        let body = match crate::client::json::parse(&m.body) {
            Ok(v) => redactor.json(&v).to_string().into_bytes(),
            Err(_) => m.body.clone(),
        };
        let body = redactor.filter_bytes(&body);
        RecordedMessage {
            headers: redactor.headers(&m.headers),
            // A body cut when recorded keeps the size sent, so a reader knows it is cut.
            size: if m.truncated() {
                m.size
            } else {
                body.len() as u64
            },
            body,
        }
    };
    let mut out = rec.clone();
    out.request = message(&rec.request);
    if let Some(r) = &mut out.response {
        r.message = message(&r.message);
    }
    out.url = redactor.text(&rec.url);
    out.error = rec.error.as_deref().map(|e| redactor.text(e));
    out
}

/// An exchange log being written, one line an exchange.
pub struct Journal {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    pub lines: usize,
}

impl Journal {
    /// Create (or truncate) the file at `path`, and its folder.
    pub fn create(path: &Path) -> Result<Journal, JournalError> {
        let err = |source| JournalError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let file = std::fs::File::create(path).map_err(err)?;
        Ok(Journal {
            path: path.to_owned(),
            file: std::io::BufWriter::new(file),
            lines: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append `rec`, redacted; flushed so a reader (or a crash) sees whole lines.
    pub fn append(&mut self, rec: &Recorded, redactor: &Redactor) -> Result<(), JournalError> {
        let line = ndjson::line(&redact_recorded(rec, redactor));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Location, Position, RecordedResponse};
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
        };
        let mut redactor = Redactor::new();
        redactor.add_secret(&Secret::new("sekrit-value-42".to_owned()));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/journal.ndjson");
        let mut j = Journal::create(&path).unwrap();
        j.append(&rec, &redactor).unwrap();
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
