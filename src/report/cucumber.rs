//! `cucumber.json`: the standard Cucumber JSON that cucumber's own writer produced during the
//! run, with every string passed through the redactor (step texts, error messages, names).
//! Structure, numbers and statuses are untouched, so existing Cucumber report tools load it.

use serde_json::Value;

use super::redact::Redactor;

/// Cucumber's JSON output, redacted. Output that is not JSON (a run cut short) is redacted as
/// text and wrapped so the file stays loadable: an empty feature list.
pub fn redact(raw: &[u8], r: &Redactor) -> Vec<u8> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return b"[]\n".to_vec();
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(v) => {
            let mut out = serde_json::to_vec_pretty(&r.json_strings(&v)).unwrap_or_default();
            out.push(b'\n');
            out
        }
        Err(_) => {
            // Never pass unparsed bytes through: keep nothing but a valid, empty report.
            b"[]\n".to_vec()
        }
    }
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
/// `name` and `elements`, each element with `steps`, each step with `result.status`. Returns
/// the first problem as a JSON path.
pub fn check_shape(v: &Value) -> Result<(usize, usize, usize), String> {
    let features = v.as_array().ok_or("the document is not an array")?;
    let (mut elements, mut steps) = (0, 0);
    for (i, f) in features.iter().enumerate() {
        for key in ["uri", "name", "keyword"] {
            if !f.get(key).is_some_and(Value::is_string) {
                return Err(format!("[{i}].{key} is not a string"));
            }
        }
        let els = f
            .get("elements")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("[{i}].elements is not an array"))?;
        for (j, e) in els.iter().enumerate() {
            elements += 1;
            for key in ["name", "keyword", "type"] {
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
                if ![
                    "passed",
                    "failed",
                    "skipped",
                    "undefined",
                    "pending",
                    "ambiguous",
                ]
                .contains(&status)
                {
                    return Err(format!(
                        "[{i}].elements[{j}].steps[{k}].result.status {status:?} is not a Cucumber status"
                    ));
                }
            }
        }
    }
    Ok((features.len(), elements, steps))
}
