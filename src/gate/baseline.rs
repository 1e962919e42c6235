//! `--baseline results.json`: compare this run's requirement verdicts with an earlier run's.
//! A requirement that failed now and had not failed then is a regression; one that passes
//! now and had not passed then is newly passing. The baseline never excuses a standing
//! failure (that is what waivers are for).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::runner::results::Verdict;

use super::format::FORMAT;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("baseline {path} is not a results.json of this tool: {reason}")]
    Format { path: String, reason: String },
}

/// The parts of an earlier results.json the comparison needs.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: String,
    pub format: String,
    pub started_at: Option<String>,
    pub contract_hash: Option<String>,
    pub verdicts: BTreeMap<String, Verdict>,
}

fn verdict_of(s: &str) -> Option<Verdict> {
    match s {
        "passed" => Some(Verdict::Passed),
        "failed" => Some(Verdict::Failed),
        "not-verified" => Some(Verdict::NotVerified),
        _ => None,
    }
}

impl Baseline {
    pub fn parse(text: &str, origin: &str) -> Result<Baseline, BaselineError> {
        let err = |reason: String| BaselineError::Format {
            path: origin.to_owned(),
            reason,
        };
        let doc: Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        let format = doc
            .get("format")
            .and_then(Value::as_str)
            .ok_or_else(|| err("no \"format\" field".into()))?;
        let major = FORMAT.rsplit_once('/').map(|(p, _)| p).unwrap_or(FORMAT);
        if !format.starts_with(&format!("{major}/")) {
            return Err(err(format!(
                "\"format\" is {format:?}, expected \"{FORMAT}\""
            )));
        }
        if format != FORMAT {
            return Err(err(format!(
                "format {format:?} is not supported by this version (it reads \"{FORMAT}\")"
            )));
        }
        let list = doc
            .get("requirements")
            .and_then(Value::as_array)
            .ok_or_else(|| err("no \"requirements\" array".into()))?;
        let mut verdicts = BTreeMap::new();
        for (i, r) in list.iter().enumerate() {
            let id = r
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| err(format!("requirements[{i}].id is missing")))?;
            let verdict = r
                .get("verdict")
                .and_then(Value::as_str)
                .and_then(verdict_of)
                .ok_or_else(|| {
                    err(format!(
                        "requirements[{i}].verdict must be passed, failed or not-verified"
                    ))
                })?;
            verdicts.insert(id.to_owned(), verdict);
        }
        let run = doc.get("run");
        let text_at = |k: &str| {
            run.and_then(|r| r.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Ok(Baseline {
            path: origin.to_owned(),
            format: format.to_owned(),
            started_at: text_at("startedAt"),
            contract_hash: text_at("contractHash"),
            verdicts,
        })
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Baseline::parse(&text, &path.display().to_string())
    }
}

/// One requirement whose verdict moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub id: String,
    /// `None`: the baseline did not know the requirement.
    pub before: Option<Verdict>,
    pub now: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_started_at: Option<String>,
    pub same_contract: bool,
    /// Failed now, passed or not verified (or unknown) before: regressions.
    pub newly_failing: Vec<Change>,
    /// Passed now, failed or not verified (or unknown) before.
    pub newly_passing: Vec<Change>,
    /// Passed before, not verified now: coverage lost (reported, not failed).
    pub no_longer_verified: Vec<Change>,
}

/// Compare `now` (requirement id → verdict, in catalogue order) with the baseline.
pub fn compare<'a>(
    baseline: &Baseline,
    now: impl IntoIterator<Item = (&'a str, Verdict)>,
    contract_hash: &str,
) -> Comparison {
    let mut c = Comparison {
        file: baseline.path.clone(),
        baseline_started_at: baseline.started_at.clone(),
        same_contract: baseline.contract_hash.as_deref() == Some(contract_hash),
        newly_failing: Vec::new(),
        newly_passing: Vec::new(),
        no_longer_verified: Vec::new(),
    };
    for (id, verdict) in now {
        let before = baseline.verdicts.get(id).copied();
        let change = Change {
            id: id.to_owned(),
            before,
            now: verdict,
        };
        match (before, verdict) {
            (Some(Verdict::Failed), Verdict::Failed) => {}
            (_, Verdict::Failed) => c.newly_failing.push(change),
            (Some(Verdict::Passed), Verdict::Passed) => {}
            (_, Verdict::Passed) => c.newly_passing.push(change),
            (Some(Verdict::Passed), Verdict::NotVerified) => c.no_longer_verified.push(change),
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_are_sorted_into_regressions_and_improvements() {
        let b = Baseline::parse(
            r#"{"format":"kona-conformance-results/1","run":{"contractHash":"h"},"requirements":[
                {"id":"A","verdict":"passed"},{"id":"B","verdict":"not-verified"},
                {"id":"C","verdict":"failed"},{"id":"D","verdict":"failed"},
                {"id":"E","verdict":"passed"}]}"#,
            "b.json",
        )
        .unwrap();
        let c = compare(
            &b,
            [
                ("A", Verdict::Failed),
                ("B", Verdict::Failed),
                ("C", Verdict::Failed),
                ("D", Verdict::Passed),
                ("E", Verdict::NotVerified),
                ("F", Verdict::Failed),
            ],
            "h",
        );
        let ids = |v: &[Change]| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&c.newly_failing), ["A", "B", "F"]);
        assert_eq!(ids(&c.newly_passing), ["D"]);
        assert_eq!(ids(&c.no_longer_verified), ["E"]);
        assert!(c.same_contract);
    }

    #[test]
    fn other_files_are_refused() {
        for text in [
            "[]",
            "{}",
            r#"{"format":"x/1","requirements":[]}"#,
            "not json",
        ] {
            assert!(Baseline::parse(text, "b.json").is_err(), "{text}");
        }
    }
}
