//! Response examples: one per documented code and one per convention, each the body a server
//! sends in that case, built from the catalogue's envelope field names, code and message.

use serde_json::{Map, Value};

use crate::contract::{Catalogue, Endpoint, Strength};

/// One answer an endpoint may give: a documented row or a convention of this project.
pub struct Case<'a> {
    pub key: &'a str,
    pub status: u16,
    pub code: &'a str,
    pub message: &'a str,
    pub meaning: &'a str,
    pub strength: Strength,
    pub requirement: Option<&'a str>,
    pub compatible_codes: &'a [String],
}

/// The documented rows of `endpoint`, then the conventions that apply to it. A convention is
/// left out where a documented row has its key, or an endpoint-specific convention overrides
/// a shared one: the same precedence as `Catalogue::expected`.
pub fn cases<'a>(catalogue: &'a Catalogue, endpoint: &'a Endpoint) -> Vec<Case<'a>> {
    let documented = endpoint.responses.iter().map(|r| Case {
        key: &r.key,
        status: r.status,
        code: &r.code,
        message: &r.message,
        meaning: &r.meaning,
        strength: r.strength,
        requirement: Some(&r.requirement),
        compatible_codes: &[],
    });
    let conventions = catalogue
        .conventions
        .iter()
        .filter(|c| {
            (c.endpoint == "*" || c.endpoint == endpoint.id)
                && catalogue.convention(&endpoint.id, &c.key) == Some(*c)
                && !endpoint.responses.iter().any(|r| r.key == c.key)
        })
        .map(|c| Case {
            key: &c.key,
            status: c.status,
            code: &c.code,
            message: &c.message,
            meaning: &c.meaning,
            strength: Strength::Convention,
            requirement: None,
            compatible_codes: &c.compatible_codes,
        });
    documented.chain(conventions).collect()
}

/// `{"<resultObject>": {"<codeField>": code, "<messageField>": message}}`.
pub fn envelope(catalogue: &Catalogue, code: &str, message: &str) -> Map<String, Value> {
    let names = &catalogue.envelope;
    let mut result = Map::new();
    result.insert(names.code_field.clone(), Value::String(code.to_owned()));
    result.insert(
        names.message_field.clone(),
        Value::String(message.to_owned()),
    );
    let mut body = Map::new();
    body.insert(names.result_object.clone(), Value::Object(result));
    body
}

/// The Example Object for `case`, whose message has had `{field}` filled in already.
pub fn example(case: &Case<'_>, message: &str, value: Value, note: Option<&str>) -> Value {
    let mut example = Map::new();
    example.insert(
        "summary".into(),
        Value::String(format!("{} {message}", case.code)),
    );
    // The meaning is quoted as written: it may open with a field name such as `encData`.
    let description = match note {
        Some(note) => format!("{}. {note}.", case.meaning),
        None => format!("{}.", case.meaning),
    };
    example.insert("description".into(), Value::String(description));
    example.insert("value".into(), value);
    example.insert(
        "x-kona-strength".into(),
        serde_json::to_value(case.strength).unwrap_or(Value::Null),
    );
    if let Some(requirement) = case.requirement {
        example.insert(
            "x-kona-requirement".into(),
            Value::String(requirement.to_owned()),
        );
    }
    if case.strength == Strength::Convention {
        example.insert(
            "x-kona-compatible-codes".into(),
            Value::Array(
                case.compatible_codes
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
        );
    }
    Value::Object(example)
}

/// A placeholder instance of `schema`: every required member with the smallest value its
/// rules allow. The pages publish no sample bodies, so a success example can only show the
/// shape; the caller validates the result and drops it if the rules were not all met.
/// `root` is the document, for `#/components/...` references.
pub fn placeholder(schema: &Value, root: &Value) -> Option<Value> {
    placeholder_at(schema, root, 0)
}

fn placeholder_at(schema: &Value, root: &Value, depth: usize) -> Option<Value> {
    // Bounds a recursive schema, which has no finite placeholder anyway.
    if depth > 32 {
        return None;
    }
    let schema = schema.as_object()?;
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = root.pointer(reference.strip_prefix('#')?)?;
        return placeholder_at(target, root, depth + 1);
    }
    for keyword in ["const", "default"] {
        if let Some(value) = schema.get(keyword) {
            return Some(value.clone());
        }
    }
    for keyword in ["enum", "examples"] {
        if let Some(first) = schema.get(keyword).and_then(|v| v.get(0)) {
            return Some(first.clone());
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            match placeholder_at(part, root, depth + 1)? {
                Value::Object(members) => merged.extend(members),
                _ => return None,
            }
        }
        return Some(Value::Object(merged));
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        // `["integer", "null"]`: the first type is the informative one.
        Some(Value::Array(kinds)) => kinds.first()?.as_str()?,
        _ if schema.contains_key("properties") => "object",
        _ => return None,
    };
    match kind {
        "object" => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let mut members = Map::new();
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let property = properties?.get(name)?;
                members.insert(name.to_owned(), placeholder_at(property, root, depth + 1)?);
            }
            Some(Value::Object(members))
        }
        // Cloned, not converted: a bound such as 9999999999999999999 must stay exact.
        "integer" | "number" => Some(
            schema
                .get("minimum")
                .cloned()
                .unwrap_or_else(|| Value::from(0)),
        ),
        "boolean" => Some(Value::Bool(false)),
        "null" => Some(Value::Null),
        "string" => {
            let length = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            Some(Value::String("0".repeat(usize::try_from(length).ok()?)))
        }
        "array" => Some(Value::Array(Vec::new())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholder_fills_required_members_with_smallest_values() {
        let root = json!({"components": {"schemas": {"E": {
            "type": "object",
            "properties": {"r": {"type": "string", "minLength": 2}},
            "required": ["r"]
        }}}});
        let schema = json!({"allOf": [
            {"$ref": "#/components/schemas/E"},
            {"type": "object",
             "properties": {
                "n": {"type": ["integer", "null"], "minimum": 1},
                "b": {"type": "boolean"},
                "s": {"enum": ["A", "B"]},
                "optional": {"type": "string"}
             },
             "required": ["n", "b", "s"]}
        ]});
        assert_eq!(
            placeholder(&schema, &root),
            Some(json!({"r": "00", "n": 1, "b": false, "s": "A"}))
        );
    }
}
