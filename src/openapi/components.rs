//! The schema files as `components/schemas`: which files the document needs, what each is
//! called, and `$ref`s between files rewritten to point inside the one document.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Map, Value};

use super::OpenApiError;
use crate::contract::SCHEMA_BASE_URI;

const COMPONENT_PREFIX: &str = "#/components/schemas/";

/// Where a schema file's components entry traces back to, so readers (and the tests) can
/// find the file a component came from without knowing the naming rule.
pub const SOURCE_KEYWORD: &str = "x-kona-source";

/// The component name of a schema file: `common/envelope.schema.json` becomes `Envelope`,
/// `card-info/response.schema.json` becomes `CardInfoResponse`. The `common/` folder adds
/// nothing to a name, so it is left out.
pub fn component_name(file: &str) -> String {
    let stem = file
        .strip_suffix(".schema.json")
        .or_else(|| file.strip_suffix(".json"))
        .unwrap_or(file);
    let stem = stem.strip_prefix("common/").unwrap_or(stem);
    stem.split(['/', '-', '_', '.'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The schema files reachable from the catalogue's roots, rewritten as components.
pub struct Components {
    /// Schema file path to component name.
    names: BTreeMap<String, String>,
    /// Component name to rewritten schema, ordered by name so the output is stable.
    schemas: Map<String, Value>,
}

impl Components {
    /// Load `roots` and every file their `$ref`s reach. Only reachable files come in, so a
    /// schema the API does not use (a catalogue schema, say) stays out of the document.
    pub fn collect(
        roots: &[&str],
        lookup: &dyn Fn(&str) -> Option<Value>,
    ) -> Result<Components, OpenApiError> {
        let mut documents = BTreeMap::new();
        let mut queue: VecDeque<String> = roots.iter().map(|r| (*r).to_owned()).collect();
        while let Some(file) = queue.pop_front() {
            if documents.contains_key(&file) {
                continue;
            }
            let mut document =
                lookup(&file).ok_or_else(|| OpenApiError::MissingSchema { file: file.clone() })?;
            walk_refs(&mut document, &mut |reference| {
                let (target, _) = resolve(&file, reference)?;
                queue.push_back(target);
                Ok(())
            })?;
            documents.insert(file, document);
        }

        let mut names = BTreeMap::new();
        let mut owners: BTreeMap<String, String> = BTreeMap::new();
        for file in documents.keys() {
            let name = component_name(file);
            if let Some(first) = owners.insert(name.clone(), file.clone()) {
                return Err(OpenApiError::NameClash {
                    name,
                    first,
                    second: file.clone(),
                });
            }
            names.insert(file.clone(), name);
        }

        let mut components = Components {
            names,
            schemas: Map::new(),
        };
        let mut by_name = BTreeMap::new();
        for (file, document) in documents {
            let mut schema = components.rewrite(&file, document)?;
            if let Value::Object(map) = &mut schema {
                // `$id` would make the rewritten `#/components/...` refs resolve against the
                // file's own URI; `$schema` only restates the dialect the document declares.
                map.shift_remove("$id");
                map.shift_remove("$schema");
                map.insert(SOURCE_KEYWORD.into(), Value::String(file.clone()));
            }
            by_name.insert(components.names[&file].clone(), schema);
        }
        components.schemas = by_name.into_iter().collect();
        Ok(components)
    }

    /// `{"$ref": "#/components/schemas/<Name>"}` for a loaded schema file.
    pub fn reference(&self, file: &str) -> Result<Value, OpenApiError> {
        let name = self
            .names
            .get(file)
            .ok_or_else(|| OpenApiError::MissingSchema {
                file: file.to_owned(),
            })?;
        let mut map = Map::new();
        map.insert(
            "$ref".into(),
            Value::String(format!("{COMPONENT_PREFIX}{name}")),
        );
        Ok(Value::Object(map))
    }

    /// A schema taken from `file` (the whole file or a part of it, such as one header's
    /// property), with its `$ref`s pointing into `components/schemas`.
    pub fn rewrite(&self, file: &str, mut schema: Value) -> Result<Value, OpenApiError> {
        walk_refs(&mut schema, &mut |reference| {
            let (target, fragment) = resolve(file, reference)?;
            let name = self
                .names
                .get(&target)
                .ok_or_else(|| OpenApiError::MissingSchema {
                    file: target.clone(),
                })?;
            *reference = format!("{COMPONENT_PREFIX}{name}{fragment}");
            Ok(())
        })?;
        Ok(schema)
    }

    pub fn schemas(&self) -> &Map<String, Value> {
        &self.schemas
    }
}

/// Resolve `reference`, found in schema file `base`, to (schema file, JSON-pointer fragment).
/// Relative paths and the contract's own base URI are understood; anything else would need a
/// fetch, which the contract never does, so it is an error.
fn resolve(base: &str, reference: &str) -> Result<(String, String), OpenApiError> {
    let unresolved = || OpenApiError::UnresolvedRef {
        file: base.to_owned(),
        reference: reference.to_owned(),
    };
    let (target, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    // Plain-name fragments (`$anchor`s) have no place in `#/components/...` pointers.
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(unresolved());
    }
    let file = if target.is_empty() {
        base.to_owned()
    } else if let Some(rest) = target.strip_prefix(SCHEMA_BASE_URI) {
        rest.to_owned()
    } else if target.contains(':') || target.starts_with('/') {
        return Err(unresolved());
    } else {
        let mut parts: Vec<&str> = base.split('/').collect();
        parts.pop();
        for segment in target.split('/') {
            match segment {
                "." | "" => {}
                ".." => {
                    parts.pop().ok_or_else(unresolved)?;
                }
                other => parts.push(other),
            }
        }
        parts.join("/")
    };
    Ok((file, fragment.to_owned()))
}

/// Call `visit` on every `$ref` of a schema, descending only through keywords that hold
/// subschemas, so data (`enum`, `const`, `x-known-values`, ...) is never mistaken for one.
fn walk_refs(
    schema: &mut Value,
    visit: &mut dyn FnMut(&mut String) -> Result<(), OpenApiError>,
) -> Result<(), OpenApiError> {
    let Value::Object(map) = schema else {
        return Ok(());
    };
    for (keyword, value) in map.iter_mut() {
        match keyword.as_str() {
            "$ref" => {
                if let Value::String(reference) = value {
                    visit(reference)?;
                }
            }
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                if let Value::Object(children) = value {
                    for child in children.values_mut() {
                        walk_refs(child, visit)?;
                    }
                }
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" | "items" => match value {
                Value::Array(children) => {
                    for child in children {
                        walk_refs(child, visit)?;
                    }
                }
                other => walk_refs(other, visit)?,
            },
            "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "additionalProperties"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema"
            | "additionalItems" => walk_refs(value, visit)?,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_folder_and_file() {
        assert_eq!(component_name("common/envelope.schema.json"), "Envelope");
        assert_eq!(
            component_name("common/request-headers.schema.json"),
            "RequestHeaders"
        );
        assert_eq!(
            component_name("bank-account-valid/response.schema.json"),
            "BankAccountValidResponse"
        );
    }

    #[test]
    fn relative_and_absolute_refs_resolve_to_files() {
        let base = "card-info/response.schema.json";
        assert_eq!(
            resolve(base, "../common/envelope.schema.json").unwrap(),
            ("common/envelope.schema.json".into(), String::new())
        );
        assert_eq!(
            resolve(base, "#/$defs/x").unwrap(),
            (base.into(), "/$defs/x".into())
        );
        assert_eq!(
            resolve(
                base,
                &format!("{SCHEMA_BASE_URI}common/envelope.schema.json#/properties/response")
            )
            .unwrap(),
            (
                "common/envelope.schema.json".into(),
                "/properties/response".into()
            )
        );
        assert!(resolve(base, "https://example.com/x.json").is_err());
        assert!(resolve(base, "../../x.json").is_err());
        assert!(resolve(base, "#anchor").is_err());
    }
}
