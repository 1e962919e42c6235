//! Rules between two fields of one request, as data (`fieldRules` on an endpoint): a date
//! span with a maximum, one date not after another, a field required when another is
//! present. Each names the answer a request that breaks it gets. The sandbox answers them,
//! the generator draws requests that keep them and cases that break each one, and the
//! contract checks that their fields and answers exist.
//!
//! Dates are the API's `YYYYMMDD`. A rule whose fields are absent or not dates is not this
//! rule's business: the fields' own schema rules answer those requests first.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One rule between fields of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "camelCase", deny_unknown_fields)]
pub enum FieldRule {
    /// `to` is at most `max_days` days after `from`.
    #[serde(rename_all = "camelCase")]
    MaxSpan {
        from: String,
        to: String,
        max_days: u32,
        answer: String,
    },
    /// `field` is not after `other`.
    #[serde(rename_all = "camelCase")]
    NotAfter {
        field: String,
        other: String,
        answer: String,
    },
    /// `field` is present (and not null) whenever `when` is.
    #[serde(rename_all = "camelCase")]
    RequiredWith {
        field: String,
        when: String,
        answer: String,
    },
}

const DATE: &str = "%Y%m%d";

fn date(body: &Map<String, Value>, field: &str) -> Option<NaiveDate> {
    let text = body.get(field)?.as_str()?;
    if text.len() != 8 {
        return None;
    }
    NaiveDate::parse_from_str(text, DATE).ok()
}

fn present(body: &Map<String, Value>, field: &str) -> bool {
    !matches!(body.get(field), None | Some(Value::Null))
}

fn put(body: &mut Map<String, Value>, field: &str, day: NaiveDate) {
    body.insert(field.to_owned(), Value::from(day.format(DATE).to_string()));
}

impl FieldRule {
    /// The answer key a request breaking this rule gets.
    pub fn answer(&self) -> &str {
        match self {
            FieldRule::MaxSpan { answer, .. }
            | FieldRule::NotAfter { answer, .. }
            | FieldRule::RequiredWith { answer, .. } => answer,
        }
    }

    /// The field the answer names (`{field}` in its message).
    pub fn named_field(&self) -> &str {
        match self {
            FieldRule::MaxSpan { to, .. } => to,
            FieldRule::NotAfter { field, .. } | FieldRule::RequiredWith { field, .. } => field,
        }
    }

    /// Every request field the rule reads.
    pub fn fields(&self) -> [&str; 2] {
        match self {
            FieldRule::MaxSpan { from, to, .. } => [from, to],
            FieldRule::NotAfter { field, other, .. } => [field, other],
            FieldRule::RequiredWith { field, when, .. } => [field, when],
        }
    }

    /// Whether `body` breaks this rule.
    pub fn is_broken_by(&self, body: &Map<String, Value>) -> bool {
        match self {
            FieldRule::MaxSpan {
                from, to, max_days, ..
            } => match (date(body, from), date(body, to)) {
                (Some(f), Some(t)) => (t - f).num_days() > i64::from(*max_days),
                _ => false,
            },
            FieldRule::NotAfter { field, other, .. } => {
                match (date(body, field), date(body, other)) {
                    (Some(a), Some(b)) => a > b,
                    _ => false,
                }
            }
            FieldRule::RequiredWith { field, when, .. } => {
                present(body, when) && !present(body, field)
            }
        }
    }

    /// Change `body` as little as possible so that it keeps this rule: a synthesized
    /// request draws its fields one by one, and a correct target enforcing the rule must
    /// not fail it for that.
    pub fn keep_in(&self, body: &mut Map<String, Value>) {
        if !self.is_broken_by(body) {
            return;
        }
        match self {
            FieldRule::MaxSpan {
                from, to, max_days, ..
            } => {
                if let Some(f) = date(body, from)
                    && let Some(t) = f.checked_add_days(Days::new(u64::from(*max_days / 2)))
                {
                    put(body, to, t);
                }
            }
            FieldRule::NotAfter { field, other, .. } => {
                // Swap the two dates: both stay well-formed, and now in order.
                if let (Some(a), Some(b)) = (body.get(field).cloned(), body.get(other).cloned()) {
                    body.insert(field.clone(), b);
                    body.insert(other.clone(), a);
                }
            }
            FieldRule::RequiredWith { when, .. } => {
                body.remove(when);
            }
        }
    }

    /// Change a valid `body` so that it breaks this rule and keeps every field well-formed;
    /// what was done, in words. `None` when this body cannot be made to break it (a field
    /// it needs is absent).
    pub fn break_in(&self, body: &mut Map<String, Value>) -> Option<String> {
        match self {
            FieldRule::MaxSpan {
                from, to, max_days, ..
            } => {
                let f = date(body, from)?;
                let t = f.checked_add_days(Days::new(u64::from(*max_days) + 1))?;
                put(body, to, t);
                Some(format!(
                    "{to} {} days after {from} (at most {max_days})",
                    max_days + 1
                ))
            }
            FieldRule::NotAfter { field, other, .. } => {
                let b = date(body, other)?;
                put(body, field, b.checked_add_days(Days::new(1))?);
                Some(format!("{field} one day after {other}"))
            }
            FieldRule::RequiredWith { field, when, .. } => {
                if !present(body, when) {
                    return None;
                }
                body.remove(field);
                Some(format!("{field} left out while {when} is given"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn span() -> FieldRule {
        FieldRule::MaxSpan {
            from: "fromDate".into(),
            to: "toDate".into(),
            max_days: 92,
            answer: "range-too-long".into(),
        }
    }

    fn order() -> FieldRule {
        FieldRule::NotAfter {
            field: "fromDate".into(),
            other: "toDate".into(),
            answer: "invalid-range".into(),
        }
    }

    fn with() -> FieldRule {
        FieldRule::RequiredWith {
            field: "pageSize".into(),
            when: "pageNo".into(),
            answer: "missing-field".into(),
        }
    }

    #[rstest]
    #[case::span_at_the_limit(span(), json!({"fromDate": "20260101", "toDate": "20260403"}), false)]
    #[case::span_one_over(span(), json!({"fromDate": "20260101", "toDate": "20260404"}), true)]
    #[case::span_across_a_leap_day(span(), json!({"fromDate": "20240201", "toDate": "20240503"}), false)]
    #[case::span_without_a_date(span(), json!({"fromDate": "20260101"}), false)]
    #[case::span_not_a_date(span(), json!({"fromDate": "2026-01-01", "toDate": "20270101"}), false)]
    #[case::order_same_day(order(), json!({"fromDate": "20260101", "toDate": "20260101"}), false)]
    #[case::order_reversed(order(), json!({"fromDate": "20260102", "toDate": "20260101"}), true)]
    #[case::with_both(with(), json!({"pageNo": 1, "pageSize": 10}), false)]
    #[case::with_neither(with(), json!({}), false)]
    #[case::with_only_when(with(), json!({"pageNo": 1}), true)]
    #[case::with_null(with(), json!({"pageNo": 1, "pageSize": null}), true)]
    fn rules_read_the_body(#[case] rule: FieldRule, #[case] b: Value, #[case] broken: bool) {
        assert_eq!(rule.is_broken_by(&body(b)), broken);
    }

    #[test]
    fn rules_are_read_from_the_catalogue_format() {
        let rule: FieldRule = serde_json::from_value(json!(
            {"rule": "maxSpan", "from": "fromDate", "to": "toDate", "maxDays": 92, "answer": "range-too-long"}
        ))
        .unwrap();
        assert_eq!(rule, span());
        let err = serde_json::from_value::<FieldRule>(json!(
            {"rule": "maxSpan", "from": "a", "to": "b", "maxDay": 92, "answer": "x"}
        ))
        .unwrap_err();
        assert!(err.to_string().contains("maxDay"), "{err}");
    }

    fn any_date() -> impl Strategy<Value = String> {
        (0u64..40_000).prop_map(|d| {
            NaiveDate::from_ymd_opt(1950, 1, 1)
                .and_then(|s| s.checked_add_days(Days::new(d)))
                .map(|d| d.format(DATE).to_string())
                .unwrap_or_default()
        })
    }

    proptest! {
        /// Whatever two dates a synthesized request drew, keeping the rules leaves a body
        /// that breaks none of them; breaking one from there breaks exactly that one.
        #[test]
        fn keeping_and_breaking_do_what_they_say(from in any_date(), to in any_date(), page in proptest::option::of(1u32..100)) {
            let rules = [span(), order(), with()];
            let mut b = body(json!({"fromDate": from, "toDate": to}));
            if let Some(p) = page {
                b.insert("pageNo".into(), json!(p));
            }
            for _ in 0..rules.len() {
                for r in &rules {
                    r.keep_in(&mut b);
                }
            }
            for r in &rules {
                prop_assert!(!r.is_broken_by(&b), "{r:?} still broken by {b:?}");
            }
            for r in &rules {
                let mut broken = b.clone();
                if r.break_in(&mut broken).is_some() {
                    prop_assert!(r.is_broken_by(&broken), "{r:?} not broken by {broken:?}");
                }
            }
        }

        /// Hostile bodies never make a rule panic.
        #[test]
        fn any_body_is_read_without_panicking(a in ".{0,12}", c in ".{0,12}") {
            let mut b = body(json!({"fromDate": a, "toDate": c, "pageNo": "x"}));
            for r in [span(), order(), with()] {
                let _ = r.is_broken_by(&b);
                r.keep_in(&mut b);
                let _ = r.break_in(&mut b.clone());
            }
        }
    }
}
