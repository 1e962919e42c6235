//! Reading a conventions file (`--conventions FILE`): the catalogue's `conventions` array,
//! or an object holding it, with each entry checked so an error names the entry and field.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::SandboxError;
use crate::contract::{Catalogue, Convention};

const FIELDS: [&str; 7] = [
    "key",
    "endpoint",
    "status",
    "code",
    "message",
    "compatibleCodes",
    "meaning",
];

/// Read and check a conventions file.
pub fn load_conventions(path: &Path) -> Result<Vec<Convention>, SandboxError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SandboxError::Conventions {
        path: origin.clone(),
        field: "(file)".into(),
        reason: e.to_string(),
    })?;
    parse_conventions(&text, &origin)
}

/// Check conventions given as JSON text; `origin` names the source in errors.
pub fn parse_conventions(text: &str, origin: &str) -> Result<Vec<Convention>, SandboxError> {
    let err = |field: String, reason: &str| SandboxError::Conventions {
        path: origin.to_owned(),
        field,
        reason: reason.to_owned(),
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| err("(file)".into(), &format!("not JSON: {e}")))?;
    let (items, prefix) = match &value {
        Value::Array(items) => (items, String::new()),
        Value::Object(map) => match map.get("conventions") {
            Some(Value::Array(items)) => (items, "conventions".to_owned()),
            _ => {
                return Err(err("conventions".into(), "must be an array of conventions"));
            }
        },
        _ => {
            return Err(err(
                "(root)".into(),
                "must be an array of conventions, or an object with a `conventions` array",
            ));
        }
    };
    let catalogue = crate::contract::Contract::shared()
        .map(|c| c.catalogue.clone())
        .ok();
    let mut out = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("{prefix}[{i}].{field}");
        let Value::Object(map) = item else {
            return Err(err(format!("{prefix}[{i}]"), "must be an object"));
        };
        if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(err(at(unknown), "is not a convention field"));
        }
        let text = |field: &str| -> Result<String, SandboxError> {
            match map.get(field) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(err(at(field), "must be a string")),
                None => Err(err(at(field), "is missing")),
            }
        };
        let key = text("key")?;
        if key.is_empty() {
            return Err(err(at("key"), "must not be empty"));
        }
        let endpoint = text("endpoint")?;
        if endpoint != "*"
            && catalogue
                .as_ref()
                .is_some_and(|c: &Catalogue| c.endpoint(&endpoint).is_none())
        {
            return Err(err(
                at("endpoint"),
                "must be \"*\" or the id of a catalogue endpoint",
            ));
        }
        let status = match map.get("status") {
            Some(Value::Number(n)) => {
                n.as_u64()
                    .filter(|s| (400..=499).contains(s))
                    .ok_or_else(|| {
                        err(
                            at("status"),
                            "must be an HTTP client-error status (400..499)",
                        )
                    })?
            }
            Some(_) => return Err(err(at("status"), "must be a number")),
            None => return Err(err(at("status"), "is missing")),
        } as u16;
        let code = text("code")?;
        if !is_code(&code) {
            return Err(err(
                at("code"),
                "must be NNN_NNN (three digits, '_', three digits)",
            ));
        }
        let message = text("message")?;
        if message.is_empty() {
            return Err(err(at("message"), "must not be empty"));
        }
        let compatible_codes = match map.get("compatibleCodes") {
            Some(Value::Array(codes)) => codes
                .iter()
                .enumerate()
                .map(|(j, c)| match c {
                    Value::String(s) if is_code(s) => Ok(s.clone()),
                    _ => Err(err(
                        format!("{}[{j}]", at("compatibleCodes")),
                        "must be NNN_NNN",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(err(at("compatibleCodes"), "must be an array")),
            None => Vec::new(),
        };
        let meaning = match map.get("meaning") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(err(at("meaning"), "must be a string")),
            None => String::new(),
        };
        if !seen.insert((key.clone(), endpoint.clone())) {
            return Err(err(
                at("key"),
                &format!("{key} for endpoint {endpoint} appears twice"),
            ));
        }
        out.push(Convention {
            key,
            endpoint,
            status,
            code,
            message,
            compatible_codes,
            meaning,
        });
    }
    Ok(out)
}

fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7
        && b.iter().enumerate().all(|(i, c)| {
            if i == 3 {
                *c == b'_'
            } else {
                c.is_ascii_digit()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(text: &str) -> String {
        parse_conventions(text, "alt.json").unwrap_err().to_string()
    }

    const GOOD: &str = r#"{"key":"unknown-card","endpoint":"*","status":422,"code":"802_001","message":"No card.","compatibleCodes":[],"meaning":"m"}"#;

    #[test]
    fn accepts_an_array_or_an_object() {
        assert_eq!(
            parse_conventions(&format!("[{GOOD}]"), "a").unwrap().len(),
            1
        );
        let wrapped = format!(r#"{{"conventions":[{GOOD}]}}"#);
        assert_eq!(parse_conventions(&wrapped, "a").unwrap()[0].status, 422);
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let e = err_of(&format!("[{GOOD}, {}]", GOOD.replace("802_001", "80_001")));
        assert!(e.contains("alt.json") && e.contains("[1].code"), "{e}");
        let e = err_of(&format!("[{}]", GOOD.replace("422", "200")));
        assert!(e.contains("[0].status"), "{e}");
        let e = err_of(&format!("[{}]", GOOD.replace("\"status\":422,", "")));
        assert!(e.contains("[0].status") && e.contains("missing"), "{e}");
        let e = err_of(&format!("[{}]", GOOD.replace("\"meaning\"", "\"meening\"")));
        assert!(e.contains("[0].meening"), "{e}");
        let e = err_of(&format!("[{}]", GOOD.replace("\"*\"", "\"nowhere\"")));
        assert!(e.contains("[0].endpoint"), "{e}");
        let e = err_of(&format!("[{GOOD},{GOOD}]"));
        assert!(e.contains("[1].key") && e.contains("twice"), "{e}");
        let e = err_of("{\"x\":1}");
        assert!(e.contains("conventions"), "{e}");
        let e = err_of("[1,");
        assert!(e.contains("not JSON"), "{e}");
    }
}
