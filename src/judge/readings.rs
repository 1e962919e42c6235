//! The precision principle: where the docs leave a case open to more than one answer, the
//! catalogue's `readings` list the others, and a foreign target passes with any of them.
//! This module recognizes those cases in the request that was actually sent, so every
//! scenario and every generated case gets the same treatment without naming it.

use serde_json::{Map, Value};

use crate::client::Exchange;
use crate::client::headers::CRYPTO_KEY_ID;
use crate::contract::{Contract, Endpoint, Expected, INVALID_ANSWER};

/// Another answer the docs allow for the case, and the reading that allows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub reading: String,
    pub expected: Expected,
}

const SUCCESS_KEY: &str = "success";
/// The reading for a request no record stands behind (errata E33).
const SYNTHESIZED_RECORD: &str = "synthesized-record";
const CRYPTO_KEY_ID_LENGTH: usize = 32;

/// The body that was sent, as JSON fields (the plaintext of an encrypted one).
fn sent_fields(ex: &Exchange) -> Option<Map<String, Value>> {
    let raw = ex.request_plaintext.as_deref().unwrap_or(&ex.request_body);
    match serde_json::from_slice(raw).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn request_header<'e>(ex: &'e Exchange, name: &str) -> Option<&'e str> {
    ex.request_headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether a property's schema type is (or includes) `integer`.
fn is_integer(rule: &Value) -> bool {
    match rule.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    }
}

/// The readings the request `ex` falls under, each with the field it concerns.
fn recognized(
    contract: &Contract,
    endpoint: &Endpoint,
    ex: &Exchange,
    expected: &Expected,
    synthesized: bool,
) -> Vec<(&'static str, Option<String>)> {
    let mut out = Vec::new();
    if synthesized {
        out.push((SYNTHESIZED_RECORD, None));
    }
    let fields = sent_fields(ex);
    let properties = contract.schema_properties(&endpoint.request_schema);
    if let Some(fields) = &fields {
        for field in &endpoint.required_fields {
            if fields.get(field).is_some_and(|v| v == "") {
                out.push(("empty-required-string", Some(field.clone())));
            }
        }
        for (name, value) in fields {
            if properties.get(name).is_some_and(is_integer)
                && crate::contract::formats::whole_number(value).is_some()
            {
                out.push(("whole-number-float", Some(name.clone())));
            }
        }
        if let Some(lookup) = endpoint.sandbox.as_ref().map(|s| &s.lookup)
            && fields
                .get(&lookup.match_field)
                .is_some_and(|v| !v.is_null())
        {
            let own = properties
                .get(&lookup.match_field)
                .and_then(|r| r.get(INVALID_ANSWER))
                .and_then(Value::as_str);
            if expected.key == "invalid-input" || Some(expected.key.as_str()) == own {
                out.push(("lookup-key-rejected", Some(lookup.match_field.clone())));
            }
        }
    }
    let declared = request_header(ex, "content-type").unwrap_or("application/json");
    let essence = declared.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") && fields.is_some() {
        out.push(("json-declared-otherwise", None));
    }
    if ex.request_plaintext.is_none()
        && request_header(ex, CRYPTO_KEY_ID)
            .is_some_and(|v| v.chars().count() != CRYPTO_KEY_ID_LENGTH)
    {
        out.push(("plain-crypto-key-id", Some(CRYPTO_KEY_ID.to_owned())));
    }
    out
}

/// The other answers the catalogue's readings allow for the answer the scenario expects.
/// An expected success is widened only by a reading that says so (`widensSuccess`: the
/// bank's service hours); every other reading widens rejections only. `synthesized`: the
/// request was made up rather than taken from a record.
pub fn alternatives(
    contract: &Contract,
    endpoint: &Endpoint,
    ex: &Exchange,
    expected: &Expected,
    synthesized: bool,
) -> Vec<Alternative> {
    let catalogue = &contract.catalogue;
    let properties = contract.schema_properties(&endpoint.request_schema);
    let mut out: Vec<Alternative> = Vec::new();
    let mut applying: Vec<(&str, Option<String>)> =
        recognized(contract, endpoint, ex, expected, synthesized);
    // Readings that hold for every request to the endpoint, whatever it carries.
    applying.extend(
        catalogue
            .readings
            .iter()
            .filter(|r| r.endpoints.contains(&endpoint.id))
            .map(|r| (r.id.as_str(), None)),
    );
    for (id, field) in applying {
        let Some(reading) = catalogue.reading(id) else {
            continue;
        };
        if expected.key == SUCCESS_KEY && !reading.widens_success {
            continue;
        }
        for key in &reading.also_accepts {
            let key = match key.as_str() {
                "{field-answer}" => match field
                    .as_deref()
                    .and_then(|f| properties.get(f))
                    .and_then(|r| r.get(INVALID_ANSWER))
                    .and_then(Value::as_str)
                {
                    Some(own) => own.to_owned(),
                    None => continue,
                },
                "{not-found}" => match endpoint.sandbox.as_ref() {
                    Some(s) => s.lookup.not_found.clone(),
                    None => continue,
                },
                other => other.to_owned(),
            };
            if key == expected.key || out.iter().any(|a| a.expected.key == key) {
                continue;
            }
            if let Some(e) = catalogue.expected(&endpoint.id, &key, field.as_deref()) {
                out.push(Alternative {
                    reading: reading.id.clone(),
                    expected: e,
                });
            }
        }
    }
    out
}
