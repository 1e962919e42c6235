//! Observations, aggregated: how a target answers the cases the docs leave open. A run sends
//! the same kind of case many times (every generated invalid input, every endpoint), so the
//! reports show one row per endpoint, case and observed answer, with a count, the inputs it
//! covers and one correlation id to look up. Answers equal to this project's convention are
//! only counted: the table is what the target does differently.

use crate::runner::results::Observation;

/// An answer: HTTP status, result code and message (both absent when the body had none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Answer {
    pub status: u16,
    pub code: Option<String>,
    pub message: Option<String>,
}

impl Answer {
    pub fn observed(o: &Observation) -> Answer {
        Answer {
            status: o.observed_status,
            code: o.observed_code.clone(),
            message: o.observed_message.clone(),
        }
    }

    pub fn convention(o: &Observation) -> Answer {
        Answer {
            status: o.convention.status,
            code: Some(o.convention.code.clone()),
            message: Some(o.convention.message.clone()),
        }
    }

    /// `HTTP 404 800_008`: status and code, the message left to a column of its own.
    pub fn status_code(&self) -> String {
        format!(
            "HTTP {} {}",
            self.status,
            self.code.as_deref().unwrap_or("(no code)")
        )
    }
}

/// Which input of a case an observation answers: the generated case's description when it
/// has one (`cardNo of 17 characters (max 16)`), else the scenario that sent it (a scenario's
/// case is only the convention key, perhaps with the field: `missing-field (cardNo)`).
pub fn input_of<'a>(case: &'a str, key: &str, scenario_name: &'a str) -> &'a str {
    let from_key = case == key
        || case
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with(" ("));
    if from_key { scenario_name } else { case }
}

/// One row: every observation of `case` on `endpoint` answered with `observed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRow {
    pub endpoint: String,
    /// The kind of case: the convention key (`invalid-input`, `unknown-card`, ...).
    pub case: String,
    pub requirement: String,
    pub convention: Answer,
    pub observed: Answer,
    pub count: usize,
    /// Distinct inputs, in the order first seen.
    pub inputs: Vec<String>,
    pub example_correlation_id: String,
}

impl ObservedRow {
    /// Status, code and message as the convention says.
    pub fn as_convention(&self) -> bool {
        self.observed == self.convention
    }
}

/// Every observation of a run, aggregated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// Observations answered exactly as the convention says.
    pub as_convention: usize,
    /// Their distinct (endpoint, case) pairs.
    pub as_convention_cases: usize,
    /// The rows answered otherwise, by endpoint and case.
    pub differing: Vec<ObservedRow>,
    /// Every observation, differing or not.
    pub total: usize,
}

impl Observed {
    /// Aggregate `(scenario name, observation)` pairs.
    pub fn of<'a>(observations: impl IntoIterator<Item = (&'a str, &'a Observation)>) -> Observed {
        let mut rows: Vec<ObservedRow> = Vec::new();
        let mut total = 0;
        for (scenario, o) in observations {
            total += 1;
            let observed = Answer::observed(o);
            let input = input_of(&o.case, &o.convention.key, scenario);
            let row = rows.iter_mut().find(|r| {
                r.endpoint == o.endpoint && r.case == o.convention.key && r.observed == observed
            });
            match row {
                Some(r) => {
                    r.count += 1;
                    if !r.inputs.iter().any(|i| i == input) {
                        r.inputs.push(input.to_owned());
                    }
                }
                None => rows.push(ObservedRow {
                    endpoint: o.endpoint.clone(),
                    case: o.convention.key.clone(),
                    requirement: o.requirement.clone(),
                    convention: Answer::convention(o),
                    observed,
                    count: 1,
                    inputs: vec![input.to_owned()],
                    example_correlation_id: o.correlation_id.clone(),
                }),
            }
        }
        let (same, mut differing): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(ObservedRow::as_convention);
        differing.sort_by(|a, b| (&a.endpoint, &a.case).cmp(&(&b.endpoint, &b.case)));
        Observed {
            as_convention: same.iter().map(|r| r.count).sum(),
            as_convention_cases: same.len(),
            differing,
            total,
        }
    }

    /// The console's view: rows of one case answered with the same status and code merged
    /// into one line whatever their messages (which name a field or header) and endpoints,
    /// sorted by case.
    pub fn by_case_and_code(&self) -> Vec<Vec<&ObservedRow>> {
        let mut out: Vec<Vec<&ObservedRow>> = Vec::new();
        let same = |a: &ObservedRow, b: &ObservedRow| {
            a.case == b.case
                && a.observed.status == b.observed.status
                && a.observed.code == b.observed.code
        };
        for r in &self.differing {
            match out.iter_mut().find(|rows| same(rows[0], r)) {
                Some(rows) => rows.push(r),
                None => out.push(vec![r]),
            }
        }
        out.sort_by(|a, b| a[0].case.cmp(&b[0].case));
        out
    }

    /// The one line that counts what equals the convention.
    pub fn convention_line(&self) -> String {
        format!(
            "{} observed answer(s): {} equal this project's convention ({} case(s) on their endpoints, counted, not listed); {} differ, in {} row(s)",
            self.total,
            self.as_convention,
            self.as_convention_cases,
            self.total - self.as_convention,
            self.differing.len()
        )
    }
}

/// Up to `max` inputs joined with `; `, then how many more.
pub fn inputs_text(inputs: &[String], max: usize) -> String {
    let mut s = inputs
        .iter()
        .take(max)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if inputs.len() > max {
        s.push_str(&format!("; +{} more", inputs.len() - max));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Expected, Strength};

    fn obs(endpoint: &str, key: &str, case: &str, status: u16, code: &str) -> Observation {
        Observation {
            endpoint: endpoint.into(),
            case: case.into(),
            requirement: "R".into(),
            convention: Expected {
                key: key.into(),
                status: 400,
                code: "000_002".into(),
                message: "m".into(),
                strength: Strength::Convention,
                compatible_codes: Vec::new(),
            },
            observed_status: status,
            observed_code: Some(code.into()),
            observed_message: Some("m".into()),
            correlation_id: format!("cid-{case}"),
            reading: None,
        }
    }

    #[test]
    fn one_row_per_endpoint_case_and_answer_with_its_inputs() {
        let card = [
            ("cardNo as a number", 422, "800_002"),
            ("cardNo with a letter", 422, "800_002"),
            ("cardNo as a number", 422, "800_002"),
            ("cardNo of 17 characters", 400, "800_009"),
        ]
        .map(|(case, status, code)| obs("card-info", "invalid-input", case, status, code));
        let list: Vec<Observation> = card
            .into_iter()
            .chain([
                obs(
                    "bank-account-valid",
                    "invalid-input",
                    "invalid-input",
                    400,
                    "000_002",
                ),
                obs("card-info", "unknown-card", "unknown-card", 404, "802_001"),
            ])
            .collect();
        let o = Observed::of(list.iter().map(|o| ("A named scenario", o)));
        assert_eq!(o.total, 6);
        assert_eq!((o.as_convention, o.as_convention_cases), (1, 1));
        assert_eq!(o.differing.len(), 3);
        let first = &o.differing[0];
        assert_eq!((first.case.as_str(), first.count), ("invalid-input", 3));
        assert_eq!(first.inputs, ["cardNo as a number", "cardNo with a letter"]);
        assert_eq!(first.example_correlation_id, "cid-cardNo as a number");
        // A scenario's own case names its scenario as the input.
        assert_eq!(o.differing[2].inputs, ["A named scenario"]);
        assert_eq!(o.by_case_and_code().len(), 3);
        assert!(
            o.convention_line()
                .starts_with("6 observed answer(s): 1 equal")
        );
    }

    #[test]
    fn inputs_are_cut_with_a_count() {
        let inputs: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        assert_eq!(inputs_text(&inputs, 3), "0; 1; 2; +2 more");
        assert_eq!(inputs_text(&inputs[..2], 3), "0; 1");
    }
}
