//! A rejection verifies a rule only if the target tells requests apart. A base URL missing
//! its base path, or a secret key with a stray newline, gets every request refused with one
//! and the same answer; every negative scenario would then "pass" without the target having
//! evaluated the rule it names. So a passed scenario that expected a rejection verifies only
//! when, in the same run, the same endpoint answered a well-formed request with something
//! else: a success, one of the endpoint's own documented answers (which depend on the
//! record asked about, like 002_003 for a name that differs), or its answer for a record
//! that does not exist.

use std::collections::BTreeMap;

use crate::client::Exchange;
use crate::contract::Contract;
use crate::judge::answer::{SUCCESS, outcome};

use super::results::{ScenarioResult, Verdict};

/// The answers each endpoint gave in this run that prove it reads the request: successes
/// and the endpoint's own documented codes, by endpoint id (the scenarios' examples and
/// what was noted of the exchanges they did not keep).
fn telling_answers(
    scenarios: &[ScenarioResult],
    contract: &Contract,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |endpoint: &str, code: &str| {
        let codes = out.entry(endpoint.to_owned()).or_default();
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_owned());
        }
    };
    for s in scenarios {
        for e in &s.exchanges {
            if let Some(code) = telling_code(contract, e) {
                add(&e.endpoint_id, &code);
            }
        }
        for (endpoint, codes) in &s.traffic.telling {
            for code in codes {
                add(endpoint, code);
            }
        }
    }
    out
}

/// The code of `e`'s answer when it proves the endpoint read the request.
pub fn telling_code(contract: &Contract, e: &Exchange) -> Option<String> {
    let o = outcome(contract, e)?;
    let code = o.code?;
    let success = code == SUCCESS && (200..300).contains(&o.status);
    let endpoint = contract.catalogue.endpoint(&e.endpoint_id);
    let own = endpoint.is_some_and(|ep| {
        ep.responses
            .iter()
            .any(|r| r.code == code && r.status == o.status)
    });
    // "No such record" comes only from a target that read the request and looked.
    let not_found = endpoint
        .and_then(|ep| {
            let key = &ep.sandbox.as_ref()?.lookup.not_found;
            contract.catalogue.expected(&ep.id, key, None)
        })
        .is_some_and(|x| x.code == code && x.status == o.status);
    (success || own || not_found).then_some(code)
}

/// Note what `e` tells of its endpoint in `traffic` (an exchange not kept).
pub fn note(contract: &Contract, e: &Exchange, traffic: &mut crate::client::Traffic) {
    if let Some(code) = telling_code(contract, e) {
        let codes = traffic.telling.entry(e.endpoint_id.clone()).or_default();
        if !codes.contains(&code) {
            codes.insert(code);
        }
    }
}

/// Whether any endpoint answered any request in a way that shows it read it: when none
/// did, every request was refused alike.
pub fn any_told_apart(scenarios: &[ScenarioResult], contract: &Contract) -> bool {
    !telling_answers(scenarios, contract).is_empty()
}

/// Turn every passed rejection scenario whose endpoint never answered otherwise into not
/// verified, with the reason.
pub fn demote_refused_alike(scenarios: &mut [ScenarioResult], contract: &Contract) {
    let telling = telling_answers(scenarios, contract);
    for s in scenarios.iter_mut() {
        let (Verdict::Passed, Some(code), Some(endpoint)) = (
            s.verdict,
            s.expected_rejection.as_deref(),
            s.endpoint.as_deref(),
        ) else {
            continue;
        };
        let told_apart = telling
            .get(endpoint)
            .is_some_and(|codes| codes.iter().any(|c| c != code));
        if told_apart {
            continue;
        }
        s.verdict = Verdict::NotVerified;
        s.refused_alike = Some(code.to_owned());
        s.reason = Some(refused_alike_reason(endpoint, code));
    }
}

pub fn refused_alike_reason(endpoint: &str, code: &str) -> String {
    format!(
        "{endpoint} answered no request with a success or a documented answer other than {code}: a rejection verifies its rule only when the target tells requests apart (check the base URL and credentials)"
    )
}

/// The run's headline when no endpoint answered any request in a telling way.
pub const REFUSED_ALIKE: &str =
    "every request was refused alike: check the base URL and credentials";
