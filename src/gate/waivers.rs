//! `--waivers FILE`: known deviations that do not fail the run until they expire.
//!
//! TOML (any extension but `.json`):
//!
//! ```toml
//! [[waiver]]
//! requirement = "BANK-CODE-002_003"
//! reason = "Vendor ticket KP-1234: the message text differs; fix promised for release 3.2"
//! expires = "2025-12-31"
//! ```
//!
//! JSON (`.json`): `{"waivers": [{"requirement": "...", "reason": "...", "expires": "YYYY-MM-DD"}]}`.
//!
//! A waiver holds through its expiry date (the run's start date, UTC, is compared). Every
//! field is required; unknown fields, unknown requirement ids, empty reasons, malformed
//! dates and a requirement waived twice are usage errors that name the field.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::contract::Catalogue;

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("cannot read waivers file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("waivers file {path} is not valid {format}: {reason}")]
    Parse {
        path: String,
        format: &'static str,
        reason: String,
    },
    #[error("waivers file {path}: {field}: {rule}")]
    Field {
        path: String,
        field: String,
        rule: String,
    },
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiver {
    pub requirement: String,
    pub reason: String,
    /// Last day the waiver holds.
    pub expires: NaiveDate,
}

impl Waiver {
    /// Whether the waiver still holds on `day`.
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        day <= self.expires
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default, alias = "waivers")]
    waiver: Vec<RawWaiver>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    requirement: String,
    reason: String,
    expires: String,
}

/// `YYYY-MM-DD`, a day that exists.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Parse waivers from `text`; `origin` names the file in errors, and its extension picks the
/// format (`.json` is JSON, anything else TOML).
pub fn parse(text: &str, origin: &str, catalogue: &Catalogue) -> Result<Vec<Waiver>, WaiverError> {
    let json = origin.to_ascii_lowercase().ends_with(".json");
    let raw: RawFile = if json {
        serde_json::from_str(text).map_err(|e| WaiverError::Parse {
            path: origin.to_owned(),
            format: "JSON",
            reason: e.to_string(),
        })?
    } else {
        toml::from_str(text).map_err(|e| WaiverError::Parse {
            path: origin.to_owned(),
            format: "TOML",
            reason: e.to_string().trim().replace('\n', " "),
        })?
    };
    let list = if json { "waivers" } else { "waiver" };
    let mut out: Vec<Waiver> = Vec::new();
    for (i, w) in raw.waiver.into_iter().enumerate() {
        let field = |name: &str| format!("{list}[{i}].{name}");
        let err = |name: &str, rule: String| WaiverError::Field {
            path: origin.to_owned(),
            field: field(name),
            rule,
        };
        let requirement = w.requirement.trim().to_owned();
        if catalogue.requirement(&requirement).is_none() {
            return Err(err(
                "requirement",
                format!("{requirement:?} is not a requirement id of the catalogue"),
            ));
        }
        if out.iter().any(|o| o.requirement == requirement) {
            return Err(err(
                "requirement",
                format!("{requirement} is waived twice; keep one waiver per requirement"),
            ));
        }
        let reason = w.reason.trim().to_owned();
        if reason.is_empty() {
            return Err(err(
                "reason",
                "must say why the deviation is accepted".into(),
            ));
        }
        let expires = parse_date(w.expires.trim()).ok_or_else(|| {
            err(
                "expires",
                format!("{:?} is not a date written YYYY-MM-DD", w.expires),
            )
        })?;
        out.push(Waiver {
            requirement,
            reason,
            expires,
        });
    }
    Ok(out)
}

pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Vec<Waiver>, WaiverError> {
    let text = std::fs::read_to_string(path).map_err(|e| WaiverError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    parse(&text, &path.display().to_string(), catalogue)
}

/// What a waiver did in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaiverStatus {
    /// The requirement failed and the waiver holds: the failure does not fail the run.
    Applied,
    /// The waiver has expired: a failure of its requirement fails the run again.
    Expired,
    /// The requirement did not fail: the waiver was not needed.
    NotNeeded,
}

impl WaiverStatus {
    pub fn label(self) -> &'static str {
        match self {
            WaiverStatus::Applied => "applied",
            WaiverStatus::Expired => "expired",
            WaiverStatus::NotNeeded => "not needed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;

    fn cat() -> &'static Catalogue {
        &Contract::shared().unwrap().catalogue
    }

    #[test]
    fn toml_and_json_say_the_same() {
        let t = parse(
            "[[waiver]]\nrequirement = \"RESP-JSON\"\nreason = \"벤더 티켓 KP-1\"\nexpires = \"2030-01-31\"\n",
            "w.toml",
            cat(),
        )
        .unwrap();
        let j = parse(
            r#"{"waivers":[{"requirement":"RESP-JSON","reason":"벤더 티켓 KP-1","expires":"2030-01-31"}]}"#,
            "w.json",
            cat(),
        )
        .unwrap();
        assert_eq!(t, j);
        assert_eq!(t[0].expires, NaiveDate::from_ymd_opt(2030, 1, 31).unwrap());
        assert!(t[0].holds_on(t[0].expires));
        assert!(!t[0].holds_on(t[0].expires.succ_opt().unwrap()));
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse(
            "[[waiver]]\nrequirement = \"NOPE\"\nreason = \"r\"\nexpires = \"2030-01-31\"\n",
            "w.toml",
            cat(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("waiver[0].requirement") && e.contains("NOPE"),
            "{e}"
        );
        for bad in ["2030-13-01", "2030-02-30", "31.01.2030", "2030-1-31"] {
            let e = parse(
                &format!(
                    "[[waiver]]\nrequirement = \"RESP-JSON\"\nreason = \"r\"\nexpires = \"{bad}\"\n"
                ),
                "w.toml",
                cat(),
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("waiver[0].expires"), "{e}");
        }
        let e = parse(
            r#"{"waivers":[{"requirement":"RESP-JSON","reason":"r","expiry":"2030-01-01"}]}"#,
            "w.json",
            cat(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("expiry"), "{e}");
    }
}
