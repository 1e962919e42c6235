//! `cucumber.json`: the Cucumber JSON that cucumber's own writer produced during the run,
//! completed to the shape Cucumber's own converter (`@cucumber/cucumber-json-converter`)
//! accepts as cucumber-ruby's, and with every string passed through the redactor.
//!
//! cucumber-rs leaves out what that schema requires and adds what it forbids, so the
//! writer's output is rebuilt field by field:
//! - features get an `id` report generators can name pages after (ASCII, unique in the
//!   file), their `line` and `description` from the features as run;
//! - scenarios get their `description`; tags are written `@name`, as Cucumber does;
//! - hooks get a `match`, steps and hooks lose cucumber-rs' `embeddings` and `hidden`;
//! - a failed step's message is the scenario's findings (requirement, expected, actual,
//!   correlation id) from the results model, never cucumber's "Matched: src/…" location or
//!   its "Step panicked" wrapper;
//! - a scenario the model failed though no step did (findings recorded without a panic)
//!   fails its last step; a scenario not verified has its steps skipped, the first saying
//!   why, so cucumber.json counts what junit.xml counts;
//! - `ambiguous`, a status the schema does not know, is reported as `failed`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::runner::results::Verdict;

use super::junit::finding_block;
use super::model::ScenarioDoc;
use super::redact::Redactor;

/// What stands in a hook's `match.location`: the hooks are the harness's own, not code of
/// the user's to point at.
const HOOK_LOCATION: &str = "kona-conformance";

/// Cucumber JSON for the run, redacted. Output that is not JSON (a run cut short) leaves an
/// empty feature list, so the file stays loadable.
pub fn render(
    raw: &[u8],
    features: &[gherkin::Feature],
    scenarios: &[ScenarioDoc],
    r: &Redactor,
) -> Vec<u8> {
    let parsed = if raw.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<Value>(raw).ok()
    };
    // Never pass unparsed bytes through: keep nothing but a valid, empty report.
    let out = match parsed {
        Some(Value::Array(written)) => {
            let mut ids = BTreeSet::new();
            Value::Array(
                written
                    .into_iter()
                    .map(|f| feature(f, features, scenarios, &mut ids))
                    .collect(),
            )
        }
        // Cut short (a stopped run: cucumber's writer never finished): the same report
        // rebuilt from the features and the model, so every finished scenario is kept.
        _ => {
            let mut ids = BTreeSet::new();
            Value::Array(
                as_written(features, scenarios)
                    .into_iter()
                    .map(|f| feature(f, features, scenarios, &mut ids))
                    .collect(),
            )
        }
    };
    let mut bytes = serde_json::to_vec_pretty(&r.json_strings(&out)).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// What cucumber's JSON writer would have written for the scenarios the model holds (each
/// finished one, and each a stopped run never finished, not verified), with every step
/// `passed`: [`element`] then gives each step the status of its scenario's verdict.
fn as_written(features: &[gherkin::Feature], scenarios: &[ScenarioDoc]) -> Vec<Value> {
    let tag_list =
        |tags: &[String]| -> Value { tags.iter().map(|t| json!({ "name": t })).collect() };
    let mut out = Vec::new();
    for f in features {
        let uri = crate::runner::plan::scenario_id(f, 0)
            .trim_end_matches(":0")
            .to_owned();
        let all = f
            .scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| &r.scenarios));
        let mut elements = Vec::new();
        for sc in all {
            // Outlines were expanded before the run: each row is a scenario of its own line.
            let line = sc.position.line;
            {
                if scenario_doc(scenarios, &uri, line as u64).is_none() {
                    continue;
                }
                let steps: Vec<Value> = sc
                    .steps
                    .iter()
                    .map(|st| {
                        json!({
                            "keyword": st.keyword.trim(),
                            "line": st.position.line,
                            "name": st.value,
                            "result": { "status": "passed" },
                        })
                    })
                    .collect();
                elements.push(json!({
                    "id": format!("{};{}", slug(&f.name), slug(&sc.name)),
                    "type": "scenario",
                    "keyword": sc.keyword,
                    "name": sc.name,
                    "line": line,
                    "tags": tag_list(&sc.tags),
                    "steps": steps,
                }));
            }
        }
        if !elements.is_empty() {
            out.push(json!({
                "uri": uri,
                "keyword": f.keyword,
                "name": f.name,
                "tags": tag_list(&f.tags),
                "elements": elements,
            }));
        }
    }
    out
}

fn string(v: &Map<String, Value>, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn number(v: &Map<String, Value>, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// Lower-case ASCII letters and digits, every other run of characters one `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A feature id: the slug of its name (of its file when the name has no ASCII letter or
/// digit), made unique in the file with a numeric suffix.
fn feature_id(name: &str, uri: &str, taken: &mut BTreeSet<String>) -> String {
    let mut base = slug(name);
    if base.is_empty() {
        let stem = uri.rsplit('/').next().unwrap_or(uri);
        base = slug(stem.strip_suffix(".feature").unwrap_or(stem));
    }
    if base.is_empty() {
        base = "feature".into();
    }
    let mut id = base.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// The feature as run whose file is `uri` (cucumber trims the working directory off it).
fn source<'a>(
    features: &'a [gherkin::Feature],
    uri: &str,
    name: &str,
) -> Option<&'a gherkin::Feature> {
    features.iter().find(|f| {
        f.name == name
            && f.path
                .as_ref()
                .is_some_and(|p| p.to_string_lossy().ends_with(uri))
    })
}

fn scenario_description(feature: Option<&gherkin::Feature>, line: u64) -> String {
    let Some(f) = feature else {
        return String::new();
    };
    f.scenarios
        .iter()
        .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()))
        .find(|s| s.position.line as u64 == line)
        .and_then(|s| s.description.as_deref())
        .map(|d| d.trim().to_owned())
        .unwrap_or_default()
}

/// The scenario of the results model cucumber wrote as the element at `uri:line`.
fn scenario_doc<'a>(scenarios: &'a [ScenarioDoc], uri: &str, line: u64) -> Option<&'a ScenarioDoc> {
    let id = format!("{uri}:{line}");
    let nested = format!("/{id}");
    scenarios
        .iter()
        .find(|s| s.id == id || s.id.ends_with(&nested))
}

fn tags(v: Option<&Value>, line: u64) -> Value {
    let tags = v.and_then(Value::as_array).cloned().unwrap_or_default();
    Value::Array(
        tags.iter()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .map(|name| {
                let name = if name.starts_with('@') {
                    name.to_owned()
                } else {
                    format!("@{name}")
                };
                json!({ "name": name, "line": line })
            })
            .collect(),
    )
}

fn feature(
    v: Value,
    features: &[gherkin::Feature],
    scenarios: &[ScenarioDoc],
    ids: &mut BTreeSet<String>,
) -> Value {
    let v = match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let name = string(&v, "name");
    let mut uri = string(&v, "uri");
    let src = source(features, &uri, &name);
    if uri.is_empty() {
        uri = src
            .and_then(|f| f.path.as_ref())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| name.clone());
    }
    let line = src.map_or(1, |f| f.position.line as u64);
    let id = feature_id(&name, &uri, ids);
    let elements: Vec<Value> = v
        .get("elements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| element(e, &id, &uri, src, scenarios))
        .collect();
    json!({
        "uri": uri,
        "id": id,
        "line": line,
        "keyword": string(&v, "keyword"),
        "name": name,
        "description": src.and_then(|f| f.description.as_deref()).map(str::trim).unwrap_or_default(),
        "tags": tags(v.get("tags"), line),
        "elements": elements,
    })
}

fn element(
    v: &Value,
    feature_id: &str,
    uri: &str,
    src: Option<&gherkin::Feature>,
    scenarios: &[ScenarioDoc],
) -> Value {
    let empty = Map::new();
    let v = v.as_object().unwrap_or(&empty);
    let line = number(v, "line");
    let kind = match v.get("type").and_then(Value::as_str) {
        Some("background") => "background",
        _ => "scenario",
    };
    let scenario = scenario_doc(scenarios, uri, line);
    // cucumber-rs ids are `feature/scenario`; keep the scenario part under the unique id.
    let written_id = string(v, "id");
    let tail = written_id
        .split_once('/')
        .map_or(written_id.as_str(), |(_, t)| t);
    let mut failure = scenario
        .filter(|s| s.verdict != Verdict::Passed)
        .map(failure_text);
    let hook = |key: &str, failure: &mut Option<String>| -> Vec<Value> {
        v.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|h| {
                json!({
                    "match": { "location": HOOK_LOCATION },
                    "result": result(h.get("result"), failure),
                })
            })
            .collect()
    };
    let before = hook("before", &mut failure);
    let mut steps: Vec<Value> = v
        .get("steps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            let s = s.as_object().unwrap_or(&empty);
            json!({
                "keyword": string(s, "keyword"),
                "line": number(s, "line"),
                "name": string(s, "name"),
                "result": result(s.get("result"), &mut failure),
            })
        })
        .collect();
    let after = hook("after", &mut failure);
    // The model failed the scenario (findings recorded) though no step did: the last step
    // carries the findings, so every report counts the same failures.
    if let (Some(text), Some(s)) = (failure, scenario)
        && s.verdict == Verdict::Failed
        && kind == "scenario"
        && let Some(last) = steps.last_mut()
    {
        last["result"]["status"] = json!("failed");
        last["result"]["error_message"] = json!(text);
    }
    // Not verified is not passed (junit.xml says skipped too): its steps read skipped, the
    // first with the reason.
    if let Some(s) = scenario
        && s.verdict == Verdict::NotVerified
        && kind == "scenario"
    {
        // A step a stopped run cut short may have failed before the model made the
        // scenario not verified: the model's verdict decides here too.
        for step in &mut steps {
            if step["result"]["status"] == "passed" || step["result"]["status"] == "failed" {
                step["result"]["status"] = json!("skipped");
                if let Some(result) = step["result"].as_object_mut() {
                    result.remove("error_message");
                }
            }
        }
        if let Some(first) = steps.first_mut() {
            first["result"]["error_message"] = json!(failure_text(s));
        }
    }
    let mut out = json!({
        "id": format!("{feature_id};{}", if tail.is_empty() { "scenario" } else { tail }),
        "type": kind,
        "keyword": string(v, "keyword"),
        "name": string(v, "name"),
        "line": line,
        "description": scenario_description(src, line),
        "tags": tags(v.get("tags"), line),
        "steps": steps,
    });
    if !before.is_empty() {
        out["before"] = Value::Array(before);
    }
    if !after.is_empty() {
        out["after"] = Value::Array(after);
    }
    out
}

/// A step's or hook's result in the schema's terms. A failure takes the scenario's failure
/// text (once: `failure` is emptied), or, with no model scenario, cucumber's message
/// without its source location.
fn result(v: Option<&Value>, failure: &mut Option<String>) -> Value {
    let empty = Map::new();
    let v = v.and_then(Value::as_object).unwrap_or(&empty);
    let written = v.get("status").and_then(Value::as_str).unwrap_or("failed");
    let status = match written {
        "passed" | "skipped" | "undefined" | "pending" => written,
        _ => "failed",
    };
    let mut out = json!({ "status": status, "duration": number(v, "duration") });
    if status == "failed" {
        let message = failure.take().unwrap_or_else(|| match written {
            "ambiguous" => "the step matches more than one step definition".to_owned(),
            _ => without_location(&string(v, "error_message")),
        });
        out["error_message"] = json!(message);
    } else if let Some(m) = v.get("error_message").and_then(Value::as_str) {
        out["error_message"] = json!(without_location(m));
    }
    out
}

/// The findings of a failed scenario, or its step error, as a step's failure message.
pub fn failure_text(s: &ScenarioDoc) -> String {
    let mut text = String::new();
    for f in &s.findings {
        text.push_str(&finding_block(f));
    }
    if let Some(line) = s.omitted_line() {
        let _ = writeln!(text, "{line}");
    }
    if let Some(e) = s.extra_error() {
        let _ = writeln!(text, "step failure: {e}");
    }
    if text.is_empty() {
        text = match &s.reason {
            Some(reason) => format!("not verified: {reason}\n"),
            None => "the scenario failed\n".to_owned(),
        };
    }
    text
}

/// cucumber-rs' message less its `Matched: path:line:column` line and panic wrapper.
fn without_location(message: &str) -> String {
    let body = match message.split_once('\n') {
        Some((first, rest)) if first.starts_with("Matched: ") => rest,
        _ => message,
    };
    body.strip_prefix("Step panicked. Captured output: ")
        .unwrap_or(body)
        .to_owned()
}

/// Cucumber JSON with one more feature, `Run interrupted`, whose single failed step says
/// `why`: report tools then show a stopped run as failed, with the reason, wherever they
/// list features.
pub fn mark_interrupted(redacted: Vec<u8>, why: &str) -> Vec<u8> {
    let mut features = match serde_json::from_slice::<Value>(&redacted) {
        Ok(Value::Array(features)) => features,
        _ => Vec::new(),
    };
    features.push(serde_json::json!({
        "uri": "kona-conformance/interrupted",
        "id": "run-interrupted",
        "keyword": "Feature",
        "name": "Run interrupted",
        "description": "",
        "line": 1,
        "elements": [{
            "id": "run-interrupted;stopped",
            "keyword": "Scenario",
            "type": "scenario",
            "name": "The run was stopped before every scenario ran",
            "description": "",
            "line": 1,
            "steps": [{
                "keyword": "Then ",
                "name": "every planned scenario ran",
                "line": 1,
                "result": {"status": "failed", "error_message": why}
            }]
        }]
    }));
    let mut out = serde_json::to_vec_pretty(&Value::Array(features)).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Check the Cucumber JSON shape report tools rely on: an array of features, each with `uri`,
/// `id`, `name`, `keyword`, `description` and `elements`, each element with `steps`, each
/// step with `result.status`. Returns the first problem as a JSON path.
pub fn check_shape(v: &Value) -> Result<(usize, usize, usize), String> {
    let features = v.as_array().ok_or("the document is not an array")?;
    let (mut elements, mut steps) = (0, 0);
    for (i, f) in features.iter().enumerate() {
        for key in ["uri", "id", "name", "keyword", "description"] {
            if !f.get(key).is_some_and(Value::is_string) {
                return Err(format!("[{i}].{key} is not a string"));
            }
        }
        if !f.get("line").is_some_and(Value::is_u64) {
            return Err(format!("[{i}].line is not a number"));
        }
        let els = f
            .get("elements")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("[{i}].elements is not an array"))?;
        for (j, e) in els.iter().enumerate() {
            elements += 1;
            for key in ["name", "keyword", "type", "description"] {
                if !e.get(key).is_some_and(Value::is_string) {
                    return Err(format!("[{i}].elements[{j}].{key} is not a string"));
                }
            }
            let st = e
                .get("steps")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("[{i}].elements[{j}].steps is not an array"))?;
            for (k, s) in st.iter().enumerate() {
                steps += 1;
                let status = s
                    .get("result")
                    .and_then(|r| r.get("status"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        format!("[{i}].elements[{j}].steps[{k}].result.status is not a string")
                    })?;
                if !["passed", "failed", "skipped", "undefined", "pending"].contains(&status) {
                    return Err(format!(
                        "[{i}].elements[{j}].steps[{k}].result.status {status:?} is not a Cucumber status"
                    ));
                }
            }
        }
    }
    Ok((features.len(), elements, steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_and_ids_unique() {
        assert_eq!(
            slug("Card-user mapped inquiry (POST /api/v1/user/card/info)"),
            "card-user-mapped-inquiry-post-api-v1-user-card-info"
        );
        assert_eq!(slug("카드 정보"), "");
        let mut taken = BTreeSet::new();
        assert_eq!(feature_id("A b", "features/x.feature", &mut taken), "a-b");
        assert_eq!(
            feature_id("A  b!", "features/y.feature", &mut taken),
            "a-b-2"
        );
        assert_eq!(
            feature_id("카드 정보", "features/card_info.feature", &mut taken),
            "card-info"
        );
        assert_eq!(feature_id("", "", &mut taken), "feature");
    }

    fn step(status: &str, message: &str) -> Value {
        json!({"keyword": "Then ", "line": 5, "name": message, "hidden": true,
               "result": {"status": status, "duration": 7, "error_message": message},
               "embeddings": [{"data": "", "mime_type": "text/plain"}]})
    }

    /// What cucumber-rs writes, including what the schema forbids (null uri, embeddings,
    /// hidden, ambiguous) and text of any kind.
    fn written(name: &str, message: &str) -> Vec<u8> {
        json!([{
            "uri": null, "keyword": "Feature", "name": name,
            "tags": [{"name": "endpoint:x", "line": 1}],
            "elements": [{
                "keyword": "Scenario", "type": "scenario", "id": format!("{name}/{message}"),
                "line": 4, "name": message, "tags": [],
                "before": [{"result": {"status": "passed", "duration": 1}}],
                "steps": [step("passed", message), step("ambiguous", message), step("failed", message)],
            }],
        }])
        .to_string()
        .into_bytes()
    }

    fn rendered(raw: &[u8]) -> Value {
        serde_json::from_slice(&render(raw, &[], &[], &Redactor::new())).expect("always JSON")
    }

    #[test]
    fn the_writers_output_is_completed_to_the_schema() {
        let v = rendered(&written("Card info", "Matched: src/steps/x.rs:1:1\nboom"));
        assert_eq!(check_shape(&v), Ok((1, 1, 3)));
        let f = &v[0];
        assert_eq!(
            (f["id"].as_str(), f["uri"].as_str()),
            (Some("card-info"), Some("Card info"))
        );
        assert_eq!(f["tags"][0]["name"], "@endpoint:x");
        let e = &f["elements"][0];
        assert_eq!(e["id"], "card-info;Matched: src/steps/x.rs:1:1\nboom");
        assert_eq!(e["before"][0]["match"]["location"], HOOK_LOCATION);
        let steps = e["steps"].as_array().unwrap();
        assert!(
            steps
                .iter()
                .all(|s| s.get("embeddings").is_none() && s.get("hidden").is_none())
        );
        assert_eq!(
            steps[1]["result"]["status"], "failed",
            "ambiguous is not a schema status"
        );
        assert_eq!(steps[2]["result"]["error_message"], "boom");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_give_a_loadable_report(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            proptest::prop_assert!(check_shape(&rendered(&raw)).is_ok());
        }

        #[test]
        fn any_names_and_messages_keep_the_shape(name in ".{0,40}", message in ".{0,80}") {
            let v = rendered(&written(&name, &message));
            proptest::prop_assert_eq!(check_shape(&v), Ok((1, 1, 3)));
            let id = v[0]["id"].as_str().unwrap();
            proptest::prop_assert!(!id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
    }

    #[test]
    fn cucumber_locations_and_panic_wrappers_are_dropped() {
        assert_eq!(
            without_location(
                "Matched: src/steps/expect.rs:90:1\nStep panicked. Captured output: boom"
            ),
            "boom"
        );
        assert_eq!(without_location("plain"), "plain");
    }
}
