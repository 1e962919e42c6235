//! `derive --draft`: a contract extension for a page the contract does not cover, written
//! as data the way `examples/coupon-info` is: schemas, a catalogue entry with requirement
//! ids, documented codes and a request recipe, placeholder records and a feature file using
//! the existing steps. Every description is a placeholder for the user to write in their
//! own words; the vendor's sentences are never copied (codes and messages are facts the
//! harness asserts, so they are kept).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::DeriveError;
use super::facts;
use super::model::{Page, Param, ParamType, Presence};
use crate::contract::Contract;

/// What a draft needs from the page and the contract, worked out before anything is written.
struct Names {
    id: String,
    prefix: String,
    collection: String,
    noun: String,
    unknown_key: String,
}

fn names(page: &Page) -> Names {
    let path = page.normalized_path();
    // `/api/v1/user/point/info` -> `user-point-info`
    let tail: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .skip_while(|s| {
            *s == "api" || (s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    let words: Vec<String> = tail
        .iter()
        .flat_map(|s| s.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let id = words.join("-");
    let pascal: String = words
        .iter()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    Names {
        prefix: id.to_ascii_uppercase(),
        collection: format!("draft{pascal}"),
        noun: format!("{} record", words.join(" ")),
        unknown_key: format!("unknown-{id}"),
        id,
    }
}

/// The answer key a documented code gets: the catalogue's own keys for the common codes.
fn answer_key(code: &str) -> String {
    match code {
        "000_000" => "success".into(),
        "000_002" => "invalid-input".into(),
        "000_003" => "missing-field".into(),
        other => format!("code-{}", other.replace('_', "-")),
    }
}

const PLACEHOLDER: &str = "TODO: describe in your own words";

fn schema_of(param: &Param, requirement: Option<&str>) -> Value {
    let mut s = Map::new();
    s.insert(
        "description".into(),
        json!(format!("{PLACEHOLDER} (page line {})", param.line)),
    );
    if let Some(r) = requirement {
        s.insert("x-requirement".into(), json!(r));
    }
    let bound =
        |n: Option<i128>| n.and_then(|v| serde_json::from_str::<Value>(&v.to_string()).ok());
    match param.kind {
        ParamType::String => {
            s.insert("type".into(), json!("string"));
            if let Some(v) = bound(param.bounds.min) {
                s.insert("minLength".into(), v);
            }
            if let Some(v) = bound(param.bounds.max) {
                s.insert("maxLength".into(), v);
            }
            if !param.values.is_empty() {
                let codes: Vec<&str> = param.values.iter().map(|v| v.code.as_str()).collect();
                s.insert("enum".into(), json!(codes));
            }
            if let Some(format) = param.format.as_deref().and_then(kona_format) {
                s.insert("format".into(), json!(format));
            }
        }
        // Whole numbers on every page seen (errata E04, E36): a draft says integer.
        ParamType::Number => {
            s.insert("type".into(), json!("integer"));
            if let Some(v) = bound(param.bounds.min) {
                s.insert("minimum".into(), v);
            }
            if let Some(v) = bound(param.bounds.max) {
                s.insert("maximum".into(), v);
            }
        }
        ParamType::Boolean => {
            s.insert("type".into(), json!("boolean"));
        }
        ParamType::Object => {
            s.insert("type".into(), json!("object"));
            object_members(&mut s, &param.members);
        }
        ParamType::ArrayOfStrings => {
            s.insert("type".into(), json!("array"));
            s.insert("items".into(), json!({"type": "string"}));
        }
        ParamType::ArrayOfObjects => {
            s.insert("type".into(), json!("array"));
            let mut item = Map::new();
            item.insert("type".into(), json!("object"));
            object_members(&mut item, &param.members);
            s.insert("items".into(), Value::Object(item));
        }
    }
    Value::Object(s)
}

fn object_members(s: &mut Map<String, Value>, members: &[Param]) {
    let props: Map<String, Value> = members
        .iter()
        .map(|m| (m.name.clone(), schema_of(m, None)))
        .collect();
    s.insert("properties".into(), Value::Object(props));
    s.insert("required".into(), json!(required(members)));
}

fn required(params: &[Param]) -> Vec<&str> {
    params
        .iter()
        .filter(|p| p.presence == Presence::Required)
        .map(|p| p.name.as_str())
        .collect()
}

/// The contract's format for a mask the page prints.
fn kona_format(mask: &str) -> Option<&'static str> {
    [
        ("kona-date", "yyyyMMdd"),
        ("kona-tran-time", "yyyyMMddHHmmss"),
    ]
    .into_iter()
    .find(|(_, m)| facts::same_mask(m, mask))
    .map(|(f, _)| f)
}

/// A value that meets the parameter's printed rules: the placeholder records.
fn placeholder(param: &Param) -> Value {
    let within = |n: i128| {
        let n = param.bounds.min.map_or(n, |m| n.max(m));
        param.bounds.max.map_or(n, |m| n.min(m))
    };
    match param.kind {
        ParamType::String => {
            if let Some(v) = param.values.first() {
                return json!(v.code);
            }
            if param.format.as_deref().and_then(kona_format) == Some("kona-date") {
                return json!("20000101");
            }
            let len = usize::try_from(within(1).max(1)).unwrap_or(1);
            json!("1".repeat(len.min(4096)))
        }
        ParamType::Number => serde_json::from_str(&within(1).to_string()).unwrap_or(json!(1)),
        ParamType::Boolean => json!(true),
        ParamType::Object => members_record(&param.members),
        ParamType::ArrayOfStrings => json!(["1"]),
        ParamType::ArrayOfObjects => json!([members_record(&param.members)]),
    }
}

/// Another value of the same printed rule than [`placeholder`]'s, as a JSON literal.
fn other_placeholder(param: &Param) -> Option<String> {
    match (param.kind, placeholder(param)) {
        (ParamType::String, Value::String(s))
            if param.values.is_empty() && param.format.is_none() =>
        {
            Some(Value::from("2".repeat(s.chars().count())).to_string())
        }
        (ParamType::String, _) => param
            .values
            .get(1)
            .map(|v| Value::from(v.code.as_str()).to_string()),
        (ParamType::Number, v) => {
            let n: i128 = v.to_string().parse().ok()?;
            let other = if param.bounds.max.is_some_and(|m| n >= m) {
                n - 1
            } else {
                n + 1
            };
            (param.bounds.min.is_none_or(|m| other >= m)).then(|| other.to_string())
        }
        _ => None,
    }
}

fn members_record(members: &[Param]) -> Value {
    Value::Object(
        members
            .iter()
            .map(|m| (m.name.clone(), placeholder(m)))
            .collect(),
    )
}

/// A JSON value of the wrong type for the parameter: a sure 000_002.
fn wrong_type(param: &Param) -> &'static str {
    match param.kind {
        ParamType::Boolean => "\"not-a-boolean\"",
        _ => "true",
    }
}

/// The files of a draft, as (path under the output folder, text).
pub fn draft_files(
    contract: &Contract,
    page: &Page,
) -> Result<Vec<(PathBuf, String)>, DeriveError> {
    let fail = |reason: String| DeriveError::Draft {
        file: page.source.clone(),
        reason,
    };
    if let Some(e) = facts::endpoint_for(contract, page) {
        return Err(fail(format!(
            "the contract already covers {} as endpoint {}: use `derive --check`",
            page.normalized_path(),
            e.id
        )));
    }
    let n = names(page);
    if n.id.is_empty() {
        return Err(fail(format!(
            "no endpoint id can be made from the path {}",
            page.path
        )));
    }
    if contract.endpoint(&n.id).is_some() {
        return Err(fail(format!(
            "the contract already has an endpoint with id {}",
            n.id
        )));
    }
    let body = &page.request_parameters;
    let lookup = body
        .iter()
        .find(|p| {
            p.presence == Presence::Required
                && matches!(p.kind, ParamType::String | ParamType::Number)
        })
        .ok_or_else(|| {
            fail(
                "the request has no required string or number parameter to find a record by".into(),
            )
        })?;
    let req = |what: &str| format!("{}-{what}", n.prefix);
    let code_req = |code: &str| req(&format!("CODE-{code}"));
    let fields_req = req("RESP-FIELDS");
    let unknown_req = req("UNKNOWN");
    let source = "vendor page, drafted by derive --draft (TODO: name the page)";

    let mut requirements = vec![json!({
        "id": fields_req, "endpoint": n.id, "strength": "documented",
        "summary": format!("{PLACEHOLDER}: what a success carries"), "source": source,
    })];
    let mut responses = Vec::new();
    let mut roles = Map::new();
    roles.insert(
        "valid".into(),
        json!(format!(
            "{PLACEHOLDER}: a record the endpoint answers with success"
        )),
    );
    let mut scenarios = Vec::new();
    let prefix = &contract.catalogue.missing_field_message_prefix;
    let invalid_field = body.first().map(|p| (p.name.clone(), wrong_type(p)));
    let missing_field = body
        .iter()
        .find(|p| p.presence == Presence::Required)
        .map(|p| p.name.clone());
    for row in &page.codes {
        let key = answer_key(&row.code);
        let id = code_req(&row.code);
        let message = if row.code == "000_003" && row.message.starts_with(prefix.as_str()) {
            format!("{prefix}{{field}}")
        } else {
            row.message.clone()
        };
        requirements.push(json!({
            "id": id, "endpoint": n.id, "strength": "documented",
            "summary": format!("{PLACEHOLDER}: when the target answers {}", row.code), "source": source,
        }));
        responses.push(json!({
            "key": key, "status": row.status, "code": row.code, "message": message,
            "meaning": PLACEHOLDER, "strength": "documented", "requirement": id,
        }));
        let scenario = match (key.as_str(), &invalid_field, &missing_field) {
            ("success", _, _) => format!(
                "  @req:{id} @req:{fields_req} @read-only\n  Scenario: A known record is answered with success\n    Given the {noun} \"valid\" from the fixtures\n    When the request is sent\n    Then the target answers \"success\"\n    And the answer matches the fixture record\n",
                noun = n.noun
            ),
            ("missing-field", _, Some(field)) => format!(
                "  @req:{id} @negative\n  Scenario: A request without {field} is rejected, naming it\n    Given the {noun} \"valid\" from the fixtures\n    And the field \"{field}\" is left out\n    When the request is sent\n    Then the target answers \"missing-field\" naming \"{field}\"\n",
                noun = n.noun
            ),
            ("invalid-input", Some((field, value)), _) => format!(
                "  @req:{id} @negative\n  Scenario: A {field} of the wrong type is rejected\n    Given the {noun} \"valid\" from the fixtures\n    And the field \"{field}\" is set to {value}\n    When the request is sent\n    Then the target answers \"invalid-input\"\n",
                noun = n.noun
            ),
            // A code the embedded sandbox has no record for: its role stays empty in the
            // placeholder records, so the scenario is not verified until a target's fixtures
            // name a record that gets this answer.
            _ => {
                roles.insert(
                    key.clone(),
                    json!(format!("{PLACEHOLDER}: a record answered {}", row.code)),
                );
                format!(
                    "  @req:{id} @read-only\n  Scenario: The record that gets {code} is answered so\n    Given the {noun} \"{key}\" from the fixtures\n    When the request is sent\n    Then the target answers \"{key}\"\n",
                    code = row.code,
                    noun = n.noun
                )
            }
        };
        scenarios.push(scenario);
    }
    if !page.codes.iter().any(|c| c.code == "000_000") {
        return Err(fail(
            "the response-code table has no success row (000_000)".into(),
        ));
    }
    requirements.push(json!({
        "id": unknown_req, "endpoint": n.id, "strength": "convention",
        "summary": format!("{PLACEHOLDER}: a well-formed {} that names no record is rejected", lookup.name),
        "source": source,
    }));
    // A value of the field's printed rule that the placeholder record does not hold (the
    // step that draws another value needs a pattern the page may not give).
    let change = match other_placeholder(lookup) {
        Some(value) => format!("is set to {value}"),
        None => "is changed to another well-formed value".to_owned(),
    };
    scenarios.push(format!(
        "  @req:{unknown_req} @read-only\n  Scenario: A well-formed {field} that names no record is rejected\n    Given the {noun} \"valid\" from the fixtures\n    And the field \"{field}\" {change}\n    When the request is sent\n    Then the target answers \"{key}\"\n",
        field = lookup.name,
        noun = n.noun,
        key = n.unknown_key
    ));

    let schema_dir = n.id.clone();
    let request_schema = format!("{schema_dir}/request.schema.json");
    let response_schema = format!("{schema_dir}/response.schema.json");
    let invalid_req = page
        .codes
        .iter()
        .any(|c| c.code == "000_002")
        .then(|| code_req("000_002"));
    let request_props: Map<String, Value> = body
        .iter()
        .map(|p| (p.name.clone(), schema_of(p, invalid_req.as_deref())))
        .collect();
    let response_props: Map<String, Value> = page
        .response_parameters
        .iter()
        .map(|p| (p.name.clone(), schema_of(p, Some(&fields_req))))
        .collect();
    let base = crate::contract::SCHEMA_BASE_URI;
    let request_doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}{request_schema}"),
        "title": format!("DRAFT {} request body", n.id),
        "description": PLACEHOLDER,
        "type": "object",
        "properties": request_props,
        "required": required(body),
    });
    let response_doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}{response_schema}"),
        "title": format!("DRAFT {} success response body", n.id),
        "description": PLACEHOLDER,
        "allOf": [
            {"$ref": format!("../{}", contract.catalogue.envelope.schema)},
            {"type": "object", "properties": response_props, "required": required(&page.response_parameters)}
        ]
    });

    let record: Map<String, Value> = page
        .response_parameters
        .iter()
        .chain(body.iter())
        .map(|p| (p.name.clone(), placeholder(p)))
        .collect();
    let records = json!({
        "format": "kona-conformance-fixtures/2",
        "description": "DRAFT placeholder records for the embedded sandbox; replace them with real ones for another target's fixtures.",
        "collections": {n.collection.clone(): {"roles": {"valid": record}, "pool": []}}
    });

    let catalogue = json!({
        "extends": "embedded",
        "x-draft": format!("DRAFT written by derive --draft from {}: every TODO is for you to write in your own words", page.source),
        "requirements": requirements,
        "collections": {n.collection.clone(): {"summary": PLACEHOLDER, "roles": roles}},
        "endpoints": [{
            "id": n.id,
            "responseRequirement": fields_req,
            "name": format!("DRAFT {}", n.id),
            "method": page.method,
            "path": page.normalized_path(),
            "requestSchema": request_schema,
            "responseSchema": response_schema,
            "encryption": {"request": page.encrypted_request.unwrap_or(false), "response": page.encrypted_response.unwrap_or(false)},
            "requiredFields": required(body),
            "responses": responses,
            "request": {"collection": n.collection, "noun": n.noun, "defaultRole": "valid", "generatedRoles": ["valid"], "body": body.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()},
            "answerRequirements": {n.unknown_key.clone(): unknown_req},
            "sandbox": {"lookup": {"collection": n.collection, "match": lookup.name, "notFound": n.unknown_key, "respond": page.response_parameters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()}}
        }],
        "conventions": [{
            "key": n.unknown_key, "endpoint": n.id, "status": 400, "code": "990_001",
            "message": "Record not found.", "compatibleCodes": ["000_002"],
            "meaning": format!("{PLACEHOLDER}: no record has this {}", lookup.name)
        }]
    });

    let feature = format!(
        "@endpoint:{id}\nFeature: DRAFT {id}\n  {PLACEHOLDER}. Drafted by derive --draft; the scenarios use the existing steps.\n\n{}",
        scenarios.join("\n"),
        id = n.id
    );
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    Ok(vec![
        (PathBuf::from("contract/catalogue.json"), pretty(&catalogue)),
        (
            PathBuf::from("contract").join(&request_schema),
            pretty(&request_doc),
        ),
        (
            PathBuf::from("contract").join(&response_schema),
            pretty(&response_doc),
        ),
        (
            PathBuf::from("contract").join(crate::contract::SANDBOX_RECORDS_FILE),
            pretty(&records),
        ),
        (
            PathBuf::from(format!("features/{}.feature", n.id.replace('-', "_"))),
            feature,
        ),
    ])
}

/// Write a draft under `out` (`contract/` and `features/`), returning the paths written.
pub fn write_draft(
    contract: &Contract,
    page: &Page,
    out: &Path,
) -> Result<Vec<PathBuf>, DeriveError> {
    let files = draft_files(contract, page)?;
    let mut written = Vec::new();
    for (relative, text) in files {
        let path = out.join(relative);
        let fail = |e: std::io::Error| DeriveError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&path, text).map_err(fail)?;
        written.push(path);
    }
    Ok(written)
}
