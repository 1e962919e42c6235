//! A time-dependent reading must fit the evidence. The bank-service-hours reading (E35)
//! excuses 002_004 or 002_006 where another answer was expected, because a bank may be
//! closed when asked. It holds only if the run's own answers agree: when, close to the same
//! moment, the same bank answered another check as an open bank does (a success, or an
//! answer about the account or its holder), the excuse contradicts the evidence, and the
//! scenario fails with a finding that names both exchanges.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::client::{Exchange, FailureClass};
use crate::contract::Contract;
use crate::judge::answer::{SUCCESS, outcome};

use super::results::{Finding, ScenarioResult, Verdict};

/// The reading this module holds to the evidence.
pub const READING: &str = "bank-service-hours";
/// The answers the reading allows: the bank is not open (yet).
const CLOSED_CODES: [&str; 2] = ["002_004", "002_006"];
/// How close two answers must be to speak about the same opening hours: a bank opens or
/// closes on the minute, and a run's answers a minute apart still describe one state.
const SAME_MOMENT: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

fn bank_of(e: &Exchange) -> Option<String> {
    let raw = e.request_plaintext.as_deref().unwrap_or(&e.request_body);
    // Only the request field that names the bank is built: every exchange not kept comes
    // through here.
    #[derive(serde::Deserialize)]
    struct Bank {
        #[serde(rename = "bankCode")]
        bank: Option<Value>,
    }
    let body: Bank = serde_json::from_slice(raw).ok()?;
    body.bank.map(|v| match v {
        Value::String(s) => s,
        other => other.to_string(),
    })
}

/// An answer only an open bank gives: a success, or one of the endpoint's documented
/// answers about the account or holder (not its format, not the gateway, not the hours).
fn open_answer(contract: &Contract, e: &Exchange) -> Option<String> {
    let o = outcome(contract, e)?;
    let code = o.code?;
    let endpoint = contract.catalogue.endpoint(&e.endpoint_id)?;
    let about_record = matches!(
        endpoint
            .responses
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.key.as_str()),
        Some(
            "name-mismatch"
                | "user-not-found"
                | "account-not-found"
                | "account-not-tradable"
                | "account-not-checkable"
        )
    );
    ((code == SUCCESS && (200..300).contains(&o.status)) || about_record).then_some(code)
}

/// The minute an exchange's request was sent in: the key its open answers are noted under.
fn minute(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

/// Note an open bank's answer of an exchange not kept: the first and the last of each
/// (endpoint, bank, minute), which are the closest to any moment in the minutes around.
pub fn note(contract: &Contract, e: &Exchange, traffic: &mut crate::client::Traffic) {
    let Some(code) = open_answer(contract, e) else {
        return;
    };
    let Some(bank) = bank_of(e) else {
        return;
    };
    let seen = (e.started_at, e.correlation_id.clone(), code);
    let key = (e.endpoint_id.clone(), bank, minute(e.started_at));
    let entry = traffic.open_banks.entry(key).or_default();
    if entry.first.as_ref().is_none_or(|f| seen.0 < f.0) {
        entry.first = Some(seen.clone());
    }
    if entry.last.as_ref().is_none_or(|l| seen.0 > l.0) {
        entry.last = Some(seen);
    }
}

/// An open answer noted of an exchange not kept, near `c`: its code and correlation id.
fn noted_open(scenarios: &[ScenarioResult], c: &Closed) -> Option<(String, String)> {
    let at = minute(c.at);
    scenarios.iter().find_map(|s| {
        (at - 1..=at + 1).find_map(|m| {
            let seen = s
                .traffic
                .open_banks
                .get(&(c.endpoint.clone(), c.bank.clone(), m))?;
            [&seen.first, &seen.last]
                .into_iter()
                .flatten()
                .find(|(t, _, _)| (*t - c.at).abs() <= SAME_MOMENT)
                .map(|(_, id, code)| (code.clone(), id.clone()))
        })
    })
}

struct Closed {
    scenario: usize,
    requirement: String,
    code: String,
    bank: String,
    at: DateTime<Utc>,
    correlation_id: String,
    endpoint: String,
}

/// Fail every scenario that passed through the service-hours reading while the same bank
/// answered as open at the same moment.
pub fn hold_to_evidence(scenarios: &mut [ScenarioResult], contract: &Contract) {
    let mut excused = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        if s.verdict != Verdict::Passed {
            continue;
        }
        for o in s
            .observations
            .iter()
            .filter(|o| o.reading.as_deref() == Some(READING))
        {
            let Some(e) = s
                .exchanges
                .iter()
                .find(|e| e.correlation_id == o.correlation_id)
            else {
                continue;
            };
            let (Some(code), Some(bank)) = (o.observed_code.clone(), bank_of(e)) else {
                continue;
            };
            if CLOSED_CODES.contains(&code.as_str()) {
                excused.push(Closed {
                    scenario: i,
                    requirement: o.requirement.clone(),
                    code,
                    bank,
                    at: e.started_at,
                    correlation_id: e.correlation_id.clone(),
                    endpoint: e.endpoint_id.clone(),
                });
            }
        }
    }
    for c in excused {
        let open = scenarios
            .iter()
            .flat_map(|s| &s.exchanges)
            .find_map(|e| {
                let near = (e.started_at - c.at).abs() <= SAME_MOMENT;
                (e.endpoint_id == c.endpoint && near && bank_of(e).as_deref() == Some(&c.bank))
                    .then(|| open_answer(contract, e).map(|code| (code, e.correlation_id.clone())))
                    .flatten()
            })
            .or_else(|| noted_open(scenarios, &c));
        let Some((open_code, open_id)) = open else {
            continue;
        };
        let s = &mut scenarios[c.scenario];
        s.verdict = Verdict::Failed;
        s.findings.push(Finding {
            requirement: Some(c.requirement),
            class: FailureClass::Contract,
            expected: format!(
                "{} only while bank {} is closed (the service-hours reading, errata E35)",
                c.code, c.bank
            ),
            actual: format!(
                "{} for bank {} (correlation id {}) while, within {} s, the same bank answered {} as an open bank does (correlation id {open_id})",
                c.code,
                c.bank,
                c.correlation_id,
                SAME_MOMENT.num_seconds(),
                open_code
            ),
            schema_errors: Vec::new(),
            correlation_id: c.correlation_id,
        });
    }
}
