//! Facts: what a page and the contract each say, located the same way
//! (`response.body.cashReceiptInfo.idNo.bounds`), so the two can be compared fact by fact
//! and an erratum can name the one it decides.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::{Page, ParamType, Section, flatten};
use super::text::NestingHints;
use crate::contract::{Contract, Endpoint, Strength};

/// Located facts, with the line of the page (page side) or the requirements (contract side).
pub type Facts = BTreeMap<String, Fact>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub value: String,
    pub line: Option<usize>,
    pub requirements: Vec<String>,
}

impl Fact {
    fn page(value: impl Into<String>, line: usize) -> Fact {
        Fact {
            value: value.into(),
            line: Some(line),
            requirements: Vec::new(),
        }
    }

    fn contract(value: impl Into<String>, requirements: &[String]) -> Fact {
        Fact {
            value: value.into(),
            line: None,
            requirements: requirements.to_vec(),
        }
    }
}

/// Mask the page prints for each format the contract checks by name.
const FORMAT_MASKS: [(&str, &str); 3] = [
    ("kona-date", "yyyyMMdd"),
    ("kona-correlation-id", "yyMMddHHmmss-xxxxxxx"),
    ("kona-tran-time", "yyyyMMddHHmmss"),
];

/// Masks compare without case: the portal writes `YYYYMMDDHHMMSS` and `yyyyMMddHHmmss` alike.
pub fn same_mask(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Attributes of a parameter, in the order facts list them.
pub const PARAM_ATTRIBUTES: [&str; 7] = [
    "type", "presence", "bounds", "value", "format", "values", "default",
];

fn values_text<'a>(codes: impl Iterator<Item = &'a str>) -> Option<String> {
    let set: BTreeSet<&str> = codes.collect();
    (!set.is_empty()).then(|| set.into_iter().collect::<Vec<_>>().join(","))
}

/// Every fact a page states.
pub fn page_facts(page: &Page) -> Facts {
    let mut facts = Facts::new();
    let head = page.method_line;
    facts.insert("method".into(), Fact::page(&page.method, head));
    facts.insert("path".into(), Fact::page(&page.path, head + 1));
    for (key, side) in [
        ("encryption.request", page.encrypted_request),
        ("encryption.response", page.encrypted_response),
    ] {
        if let Some(on) = side {
            facts.insert(key.into(), Fact::page(on.to_string(), head));
        }
    }
    for section in Section::ALL {
        for p in flatten(page.section(section)) {
            let at = format!("{}.{}", section.fact_prefix(), p.path);
            let mut put = |attr: &str, value: Option<String>| {
                if let Some(v) = value {
                    facts.insert(format!("{at}.{attr}"), Fact::page(v, p.line));
                }
            };
            put("type", Some(p.kind.as_page_text().into()));
            put("presence", Some(p.presence.as_str().into()));
            put("bounds", p.bounds.render());
            put("value", p.value.clone());
            put("format", p.format.clone());
            put(
                "values",
                values_text(p.values.iter().map(|v| v.code.as_str())),
            );
            put("default", p.default.clone());
        }
    }
    for row in &page.codes {
        facts.insert(
            format!("code.{}.status", row.code),
            Fact::page(row.status.to_string(), row.line),
        );
        facts.insert(
            format!("code.{}.message", row.code),
            Fact::page(&row.message, row.line),
        );
    }
    for (i, case) in page.test_data.iter().enumerate() {
        facts.insert(
            format!("testData.{:02}", i + 1),
            Fact::page(
                case.paired_code.clone().unwrap_or_else(|| UNCODED.into()),
                case.line,
            ),
        );
    }
    facts
}

/// What a test case without a code on the page pairs with.
pub const UNCODED: &str = "uncoded";

/// The contract's endpoint for a page, by path (a missing leading slash restored).
pub fn endpoint_for<'c>(contract: &'c Contract, page: &Page) -> Option<&'c Endpoint> {
    let path = page.normalized_path();
    contract.catalogue.endpoints.iter().find(|e| e.path == path)
}

/// The schema files of each section, for an endpoint.
fn section_schemas(contract: &Contract, endpoint: &Endpoint) -> [(Section, String); 4] {
    [
        (
            Section::RequestHeaders,
            contract.catalogue.headers.request.clone(),
        ),
        (Section::RequestParameters, endpoint.request_schema.clone()),
        (
            Section::ResponseHeaders,
            contract.catalogue.headers.response.clone(),
        ),
        (
            Section::ResponseParameters,
            endpoint.response_schema.clone(),
        ),
    ]
}

/// Where a text page's objects end, from the contract's schemas for the endpoint at `path`.
pub fn nesting_hints(contract: &Contract, path: &str) -> NestingHints {
    let mut hints = NestingHints::default();
    let Some(endpoint) = contract.catalogue.endpoints.iter().find(|e| e.path == path) else {
        return hints;
    };
    fn walk(hints: &mut NestingHints, section: Section, prefix: &str, properties: &Value) {
        let Some(props) = properties.as_object() else {
            return;
        };
        for (name, schema) in props {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let (inner, at) = match schema.get("items") {
                Some(items) => (items, format!("{path}[]")),
                None => (schema, path),
            };
            if let Some(members) = inner.get("properties") {
                let names = members
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                hints.insert(section, &at, names);
                walk(hints, section, &at, members);
            }
        }
    }
    for (section, schema) in section_schemas(contract, endpoint) {
        let props = Value::Object(contract.schema_properties(&schema));
        walk(&mut hints, section, "", &props);
    }
    hints
}

/// The page's word for a JSON Schema type.
fn page_type(schema: &Value) -> Option<String> {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let main = types.into_iter().find(|t| *t != "null")?;
    Some(match main {
        "array" => {
            let item = schema.get("items").and_then(|i| i.get("type"));
            match item.and_then(Value::as_str) {
                Some("object") => ParamType::ArrayOfObjects.as_page_text().into(),
                _ => ParamType::ArrayOfStrings.as_page_text().into(),
            }
        }
        other => other.to_owned(),
    })
}

fn number(v: Option<&Value>) -> Option<i128> {
    v.and_then(|n| n.to_string().parse::<i128>().ok())
}

/// Every fact the contract states about an endpoint, in the page's terms. `with_test_data`:
/// whether to state the test-data pairing (only when the page has a test-data list).
pub fn contract_facts(contract: &Contract, endpoint: &Endpoint, with_test_data: bool) -> Facts {
    let mut facts = Facts::new();
    let success_req: Vec<String> = endpoint
        .responses
        .iter()
        .find(|r| r.key == "success")
        .map(|r| vec![r.requirement.clone()])
        .unwrap_or_default();
    facts.insert(
        "method".into(),
        Fact::contract(&endpoint.method, &success_req),
    );
    facts.insert("path".into(), Fact::contract(&endpoint.path, &success_req));
    let known = |id: &str| {
        contract
            .catalogue
            .requirement(id)
            .map(|r| vec![r.id.clone()])
            .unwrap_or_default()
    };
    facts.insert(
        "encryption.request".into(),
        Fact::contract(
            endpoint.encryption.request.to_string(),
            &known("ENC-REQUEST"),
        ),
    );
    facts.insert(
        "encryption.response".into(),
        Fact::contract(
            endpoint.encryption.response.to_string(),
            &known("ENC-RESPONSE"),
        ),
    );

    fn walk(
        facts: &mut Facts,
        prefix: &str,
        properties: &serde_json::Map<String, Value>,
        required: &[String],
        inherited: &[String],
        fallback: &[String],
    ) {
        for (name, schema) in properties {
            let at = format!("{prefix}.{name}");
            let own: Vec<String> = schema
                .get("x-requirement")
                .and_then(Value::as_str)
                .map(|r| vec![r.to_owned()])
                .unwrap_or_else(|| {
                    if inherited.is_empty() {
                        fallback.to_vec()
                    } else {
                        inherited.to_vec()
                    }
                });
            let mut put = |attr: &str, value: Option<String>| {
                if let Some(v) = value {
                    facts.insert(format!("{at}.{attr}"), Fact::contract(v, &own));
                }
            };
            let kind = page_type(schema);
            put("type", kind.clone());
            put(
                "presence",
                Some(if required.contains(name) {
                    "required".into()
                } else {
                    "optional".into()
                }),
            );
            let bounds = if kind.as_deref() == Some("string") {
                super::model::Bounds {
                    min: number(schema.get("minLength")),
                    max: number(schema.get("maxLength")),
                }
            } else {
                super::model::Bounds {
                    min: number(schema.get("minimum")),
                    max: number(schema.get("maximum")),
                }
            };
            put("bounds", bounds.render());
            let format = schema.get("format").and_then(Value::as_str).and_then(|f| {
                FORMAT_MASKS
                    .iter()
                    .find(|(name, _)| *name == f)
                    .map(|(_, mask)| (*mask).to_owned())
            });
            put("format", format);
            let enumerated = schema
                .get("enum")
                .and_then(Value::as_array)
                .map(|vs| vs.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                .unwrap_or_default();
            let known = schema
                .get("x-known-values")
                .and_then(Value::as_array)
                .map(|vs| {
                    vs.iter()
                        .filter_map(|v| v.get("code").and_then(Value::as_str))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            put("values", values_text(enumerated.into_iter().chain(known)));
            put(
                "default",
                schema.get("default").map(|d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
            );
            let (inner, inner_prefix) = match schema.get("items") {
                Some(items) => (items, format!("{at}[]")),
                None => (schema, at.clone()),
            };
            if let Some(members) = inner.get("properties").and_then(Value::as_object) {
                let inner_required: Vec<String> = inner
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                walk(
                    facts,
                    &inner_prefix,
                    members,
                    &inner_required,
                    &own,
                    fallback,
                );
            }
        }
    }
    let body_fallback = vec![endpoint.response_requirement.clone()];
    for (section, schema) in section_schemas(contract, endpoint) {
        let properties = contract.schema_properties(&schema);
        let required = contract.schema_required(&schema);
        let (properties, fallback) = match section {
            // The envelope is the contract's own (errata E21): no page prints it.
            Section::ResponseParameters => {
                let envelope = &contract.catalogue.envelope.result_object;
                let mut p = properties;
                p.remove(envelope);
                (p, body_fallback.clone())
            }
            _ => (properties, Vec::new()),
        };
        walk(
            &mut facts,
            section.fact_prefix(),
            &properties,
            &required,
            &[],
            &fallback,
        );
    }

    let documented: Vec<_> = endpoint
        .responses
        .iter()
        .filter(|r| r.strength == Strength::Documented)
        .collect();
    for r in &documented {
        let req = vec![r.requirement.clone()];
        facts.insert(
            format!("code.{}.status", r.code),
            Fact::contract(r.status.to_string(), &req),
        );
        facts.insert(
            format!("code.{}.message", r.code),
            Fact::contract(&r.message, &req),
        );
    }
    if with_test_data {
        for (i, r) in documented.iter().enumerate() {
            facts.insert(
                format!("testData.{:02}", i + 1),
                Fact::contract(&r.code, std::slice::from_ref(&r.requirement)),
            );
        }
        // The cases the page lists without a code are this project's conventions (errata
        // E09), each a requirement whose source is the page's test data.
        let uncoded: Vec<&str> = contract
            .catalogue
            .requirements
            .iter()
            .filter(|r| {
                r.endpoint == endpoint.id
                    && r.strength == Strength::Convention
                    && r.source.contains("Test Data")
            })
            .map(|r| r.id.as_str())
            .collect();
        for (j, id) in uncoded.iter().enumerate() {
            facts.insert(
                format!("testData.{:02}", documented.len() + j + 1),
                Fact::contract(UNCODED, &[(*id).to_owned()]),
            );
        }
    }
    facts
}

/// The parameter a fact belongs to (`response.body.cashReceiptInfo.idNo` for
/// `response.body.cashReceiptInfo.idNo.bounds`), with its attribute.
pub fn split_param_fact(locator: &str) -> Option<(&str, &str)> {
    if !(locator.starts_with("request.") || locator.starts_with("response.")) {
        return None;
    }
    let (param, attr) = locator.rsplit_once('.')?;
    PARAM_ATTRIBUTES.contains(&attr).then_some((param, attr))
}
