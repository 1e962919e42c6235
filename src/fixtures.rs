//! The fixtures file: which records on a target play which role in the scenarios.
//!
//! A scenario never names a record's values; it asks for a role of a collection ("a
//! suspended card"). The embedded sandbox writes its seeded records as
//! `fixtures/embedded-sandbox.json`; pointing the same suite at another target means handing
//! it that target's fixtures file. A role the file lacks makes the scenarios that need it
//! *not verified*, never passed.
//!
//! Format `kona-conformance-fixtures/2`: per collection of the catalogue, a map from role to
//! record and an optional `pool` of further valid records that generated cases draw from. A
//! record is plain JSON: the fields its endpoint's request recipe copies into the body, plus,
//! optionally, the response fields the answer must carry (compared only when present).
//! Files in the earlier format `kona-conformance-fixtures/1` (one top-level map per
//! collection, pools under `pool`) are read and converted on load.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contract::{Contract, Endpoint, RequestRecipe};

pub const FORMAT: &str = "kona-conformance-fixtures/2";
/// The first format: still read, converted to the current one on load.
pub const LEGACY_FORMAT: &str = "kona-conformance-fixtures/1";

/// One record: request fields and, optionally, expected response fields.
pub type Record = Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum FixturesError {
    #[error("cannot read fixtures file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("fixtures file {path} is not valid: {reason}")]
    Parse { path: String, reason: String },
    #[error(
        "fixtures file {path}: field `format` must be \"{FORMAT}\" (or the earlier \"{LEGACY_FORMAT}\"), found \"{found}\""
    )]
    Format { path: String, found: String },
    #[error("fixtures file {path}: {field}: {rule}")]
    Rule {
        path: String,
        field: String,
        rule: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixtures {
    pub format: String,
    #[serde(default)]
    pub description: String,
    /// By collection name, as the catalogue's `collections` declares them.
    #[serde(default)]
    pub collections: BTreeMap<String, RecordCollection>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordCollection {
    #[serde(default)]
    pub roles: BTreeMap<String, Record>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pool: Vec<Record>,
    /// Field values known for this collection without a whole record (a target's public
    /// test data, say): a request synthesized for a scenario that needs no real record
    /// takes them instead of made-up ones.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub known: Record,
}

/// The request body a record makes under `recipe`: the recipe's fields, in its order, as
/// far as the record has them (a missing one is the schema check's business).
pub fn request_body(recipe: &RequestRecipe, record: &Record) -> Map<String, Value> {
    recipe
        .body
        .iter()
        .filter_map(|f| record.get(f).map(|v| (f.clone(), v.clone())))
        .collect()
}

impl Fixtures {
    /// No records at all, in the current format.
    pub fn empty() -> Fixtures {
        Fixtures {
            format: FORMAT.to_owned(),
            ..Fixtures::default()
        }
    }

    /// Parse a fixtures file of either format. Its records are checked against a contract
    /// with [`Fixtures::check`].
    pub fn from_json(text: &str, origin: &str) -> Result<Fixtures, FixturesError> {
        let parse = |reason: String| FixturesError::Parse {
            path: origin.to_owned(),
            reason,
        };
        let value: Value = serde_json::from_str(text).map_err(|e| parse(e.to_string()))?;
        let format = value
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match format.as_str() {
            FORMAT => serde_json::from_value(value).map_err(|e| parse(e.to_string())),
            LEGACY_FORMAT => from_legacy(value).map_err(parse),
            _ => Err(FixturesError::Format {
                path: origin.to_owned(),
                found: format,
            }),
        }
    }

    pub fn load(path: &Path) -> Result<Fixtures, FixturesError> {
        let text = std::fs::read_to_string(path).map_err(|e| FixturesError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_json(&text, &path.display().to_string())
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The record playing `role` in `collection`.
    pub fn role(&self, collection: &str, role: &str) -> Option<&Record> {
        self.collections.get(collection)?.roles.get(role)
    }

    /// The field values `collection` knows without a whole record, if any.
    pub fn known(&self, collection: &str) -> Option<&Record> {
        self.collections
            .get(collection)
            .map(|c| &c.known)
            .filter(|k| !k.is_empty())
    }

    /// The pool of further valid records of `collection`.
    pub fn pool(&self, collection: &str) -> &[Record] {
        self.collections
            .get(collection)
            .map_or(&[], |c| c.pool.as_slice())
    }

    /// Every record of `collection`: its roles, then its pool.
    pub fn all<'a>(&'a self, collection: &str) -> impl Iterator<Item = &'a Record> + 'a {
        self.collections
            .get(collection)
            .into_iter()
            .flat_map(|c| c.roles.values().chain(&c.pool))
    }

    /// Add `other`'s collections, roles and pools (a role of the same name is replaced).
    pub fn merge(&mut self, other: Fixtures) {
        for (name, more) in other.collections {
            let mine = self.collections.entry(name).or_default();
            mine.roles.extend(more.roles);
            mine.pool.extend(more.pool);
            mine.known.extend(more.known);
        }
    }

    /// Every collection and role is one the catalogue declares, and every record makes a
    /// request its endpoint's schema accepts: a fixture that breaks a request rule would
    /// turn a target's correct rejection into a false failure.
    pub fn check(&self, contract: &Contract, origin: &str) -> Result<(), FixturesError> {
        let rule = |field: String, rule: String| FixturesError::Rule {
            path: origin.to_owned(),
            field,
            rule,
        };
        let catalogue = &contract.catalogue;
        for (name, collection) in &self.collections {
            let Some(declared) = catalogue.collections.get(name) else {
                return Err(rule(
                    name.clone(),
                    format!(
                        "not a collection of the catalogue (known: {})",
                        known(catalogue.collections.keys())
                    ),
                ));
            };
            for role in collection.roles.keys() {
                if !declared.roles.contains_key(role) {
                    // No scenario can use it: a typo would leave its scenarios unverified.
                    let nearest = nearest(role, declared.roles.keys())
                        .map(|n| format!("did you mean {n:?}? "))
                        .unwrap_or_default();
                    return Err(rule(
                        format!("{name}.{role}"),
                        format!(
                            "not a role of {name}, so no scenario uses it ({nearest}known: {})",
                            known(declared.roles.keys())
                        ),
                    ));
                }
            }
            let records = collection
                .roles
                .iter()
                .map(|(r, rec)| (format!("{name}.{r}"), rec))
                .chain(
                    collection
                        .pool
                        .iter()
                        .enumerate()
                        .map(|(i, rec)| (format!("pool.{name}[{i}]"), rec)),
                );
            let fed: Vec<&Endpoint> = catalogue
                .endpoints
                .iter()
                .filter(|e| e.request.as_ref().is_some_and(|r| &r.collection == name))
                .collect();
            for endpoint in fed.iter().filter(|_| !collection.known.is_empty()) {
                let Some(recipe) = &endpoint.request else {
                    continue;
                };
                if let Some(field) = collection.known.keys().find(|f| !recipe.body.contains(f)) {
                    return Err(rule(
                        format!("{name}.known.{field}"),
                        format!(
                            "not a field {}'s request is made of (fields: {})",
                            endpoint.id,
                            known(recipe.body.iter())
                        ),
                    ));
                }
                let synthesized =
                    crate::steps::generated::synthesized_body(contract, self, endpoint, 0)
                        .map(Value::Object)
                        .unwrap_or_default();
                if let Some(v) = contract
                    .validate(&endpoint.request_schema, &synthesized)
                    .first()
                {
                    let at = v.instance_path.trim_start_matches('/');
                    return Err(rule(format!("{name}.known.{at}"), v.message.clone()));
                }
            }
            // The members a record of this collection may have: request fields, and the
            // response fields its answer is compared on. Anything else is a typo that would
            // silently compare nothing (`cardStauts`).
            let mut members: BTreeMap<String, Option<Vec<Value>>> = BTreeMap::new();
            for endpoint in &fed {
                if let Some(recipe) = &endpoint.request {
                    for f in &recipe.body {
                        members.entry(f.clone()).or_insert(None);
                    }
                }
                for schema in [&endpoint.request_schema, &endpoint.response_schema] {
                    for (f, property) in contract.schema_properties(schema) {
                        let listed = property.get("enum").and_then(Value::as_array).cloned();
                        let slot = members.entry(f).or_insert(None);
                        if schema == &endpoint.response_schema && listed.is_some() {
                            *slot = listed;
                        }
                    }
                }
            }
            for (field, record) in records.clone() {
                if fed.is_empty() {
                    break;
                }
                for (member, value) in record {
                    let Some(listed) = members.get(member) else {
                        let nearest = nearest(member, members.keys())
                            .map(|n| format!("did you mean {n:?}? "))
                            .unwrap_or_default();
                        return Err(rule(
                            format!("{field}.{member}"),
                            format!(
                                "not a field of this collection's requests or answers, so nothing would be sent or compared ({nearest}fields: {})",
                                known(members.keys())
                            ),
                        ));
                    };
                    // A value the schema does not list would be blamed on the target when its
                    // answer is compared with the record.
                    if let Some(listed) = listed
                        && !value.is_null()
                        && !listed.contains(value)
                    {
                        let texts: Vec<String> = listed
                            .iter()
                            .filter(|v| !v.is_null())
                            .map(Value::to_string)
                            .collect();
                        // Only a difference of case is a confident guess; otherwise the
                        // list says it all.
                        let nearest = value
                            .as_str()
                            .and_then(|v| {
                                listed
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .find(|l| l.eq_ignore_ascii_case(v))
                            })
                            .map(|n| format!("did you mean {n:?}? "))
                            .unwrap_or_default();
                        return Err(rule(
                            format!("{field}.{member}"),
                            format!(
                                "{} is not a value the response schema lists ({nearest}listed: {})",
                                crate::client::quote(&value.to_string()),
                                texts.join(", ")
                            ),
                        ));
                    }
                }
            }
            for (field, record) in records {
                for endpoint in &fed {
                    let Some(recipe) = &endpoint.request else {
                        continue;
                    };
                    let body = Value::Object(request_body(recipe, record));
                    if let Some(v) = contract.validate(&endpoint.request_schema, &body).first() {
                        let at = match v.instance_path.as_str() {
                            "" => String::new(),
                            path => format!(".{}", path.trim_start_matches('/')),
                        };
                        return Err(rule(format!("{field}{at}"), v.message.clone()));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The known name closest to `name` in edits (insert, delete, replace a character).
fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut previous = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let replaced = previous + usize::from(ca != *cb);
                previous = row[j + 1];
                row[j + 1] = replaced.min(row[j] + 1).min(previous + 1);
            }
        }
        row[b.len()]
    };
    known.min_by_key(|k| distance(name, k))
}

fn known<'a>(names: impl Iterator<Item = &'a String>) -> String {
    names.map(String::as_str).collect::<Vec<_>>().join(", ")
}

/// Format 1: `{format, description?, <collection>: {role: record}, pool?: {<collection>:
/// [record]}}`. Every other top-level member is a collection.
fn from_legacy(value: Value) -> Result<Fixtures, String> {
    let Value::Object(top) = value else {
        return Err("a fixtures file is a JSON object".into());
    };
    let mut out = Fixtures::empty();
    let objects = |v: Value, at: &str| -> Result<Record, String> {
        match v {
            Value::Object(m) => Ok(m),
            _ => Err(format!("{at}: must be a JSON object")),
        }
    };
    for (key, v) in top {
        match key.as_str() {
            "format" => {}
            "description" => out.description = v.as_str().unwrap_or_default().to_owned(),
            "pool" => {
                for (name, list) in objects(v, "pool")? {
                    let Value::Array(list) = list else {
                        return Err(format!("pool.{name}: must be a list of records"));
                    };
                    let pool = &mut out.collections.entry(name.clone()).or_default().pool;
                    for (i, r) in list.into_iter().enumerate() {
                        pool.push(objects(r, &format!("pool.{name}[{i}]"))?);
                    }
                }
            }
            _ => {
                let roles = &mut out.collections.entry(key.clone()).or_default().roles;
                for (role, r) in objects(v, &key)? {
                    let record = objects(r, &format!("{key}.{role}"))?;
                    roles.insert(role, record);
                }
            }
        }
    }
    Ok(out)
}
