//! The contract derived from the documentation: the catalogue and the JSON Schemas, embedded
//! at build time and compiled once per process ([`Contract::shared`]).

pub mod catalogue;
pub mod check;
pub mod errata;
pub mod field_rules;
pub mod formats;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use catalogue::{
    Catalogue, Collection, Convention, DocumentedResponse, Endpoint, Expected, Lookup,
    RequestRecipe, Requirement, SandboxBehaviour, Strength,
};
pub use check::ContractProblem;
pub use errata::{Errata, Erratum};
pub use field_rules::FieldRule;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The Gherkin feature files compiled into the binary, as (relative path, text).
pub fn embedded_features() -> &'static [(&'static str, &'static str)] {
    embedded::FEATURE_FILES
}

/// Every file under `schemas/`, as (relative path, text).
pub fn embedded_schema_files() -> &'static [(&'static str, &'static str)] {
    embedded::SCHEMA_FILES
}

/// Where relative `$ref`s between the schema files resolve; never fetched.
pub const SCHEMA_BASE_URI: &str = "https://kona-conformance.local/schemas/";

const CATALOGUE_FILE: &str = "catalogue.json";
const ERRATA_FILE: &str = "errata.json";
/// Records the embedded sandbox serves besides its seeded ones (fixtures format).
pub const SANDBOX_RECORDS_FILE: &str = "sandbox-records.json";
/// The value of a catalogue's `extends` that layers it on the contract built in.
const EXTENDS_EMBEDDED: &str = "embedded";

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("contract file {file} is missing from the build")]
    MissingFile { file: String },
    #[error("contract file {file} is not valid: {reason}")]
    Invalid { file: String, reason: String },
    #[error("schema {file} does not compile: {reason}")]
    Schema { file: String, reason: String },
    #[error("catalogue rule broken: {0}")]
    Inconsistent(String),
    #[error("the contract breaks {} rule(s), each named where it is broken:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Problems(Vec<ContractProblem>),
    #[error("no schema named {0} in the contract")]
    UnknownSchema(String),
    #[error("cannot read contract folder {path}: {reason}")]
    Read { path: String, reason: String },
}

/// One way an instance breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaViolation {
    /// JSON pointer into the instance, e.g. `/cashReceiptInfo/idNo` (empty for the root).
    pub instance_path: String,
    pub keyword: String,
    pub message: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "{path}: {} ({})", self.message, self.keyword)
    }
}

pub struct Contract {
    pub catalogue: Catalogue,
    pub errata: Errata,
    validators: BTreeMap<String, jsonschema::Validator>,
    documents: BTreeMap<String, Value>,
    sandbox_records: Option<String>,
    hash: String,
    origin: check::Origin,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("catalogue_version", &self.catalogue.catalogue_version)
            .field("schemas", &self.validators.keys().collect::<Vec<_>>())
            .field("hash", &self.hash)
            .finish()
    }
}

static SHARED: OnceLock<Result<Contract, String>> = OnceLock::new();

impl Contract {
    /// The contract compiled into this binary, loaded and compiled once per process.
    pub fn shared() -> Result<&'static Contract, ContractError> {
        SHARED
            .get_or_init(|| Contract::embedded().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|reason| ContractError::Inconsistent(reason.clone()))
    }

    /// Load and compile the embedded contract (a fresh copy; prefer [`Contract::shared`]).
    pub fn embedded() -> Result<Contract, ContractError> {
        Self::from_files(embedded::SCHEMA_FILES)
    }

    /// The contract in `dir` (same layout as `schemas/`), or the embedded one. A loaded
    /// contract lives as long as the process, like the embedded one, and is compiled once:
    /// resolving the same files again (the CLI checks its inputs, then certifies) returns
    /// the same contract.
    pub fn resolve(dir: Option<&std::path::Path>) -> Result<&'static Contract, ContractError> {
        static LOADED: std::sync::Mutex<Vec<&'static Contract>> = std::sync::Mutex::new(Vec::new());
        let Some(dir) = dir else {
            return Contract::shared();
        };
        let (files, origin) = Self::files_of_dir(dir)?;
        let hash = files_hash(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = loaded.iter().find(|c| c.hash == hash) {
            return Ok(known);
        }
        let contract: &'static Contract =
            Box::leak(Box::new(Self::from_owned_files(&files, origin)?));
        loaded.push(contract);
        Ok(contract)
    }

    /// Load the contract in `dir`. A `catalogue.json` whose `extends` is `"embedded"` adds
    /// to the built-in contract: its requirements, endpoints, conventions and collections
    /// join the embedded catalogue's, and its other files join (or replace) the embedded
    /// files of the same path. Otherwise `dir` is a whole contract.
    pub fn load_dir(dir: &std::path::Path) -> Result<Contract, ContractError> {
        let (files, origin) = Self::files_of_dir(dir)?;
        Self::from_owned_files(&files, origin)
    }

    fn from_owned_files(
        files: &BTreeMap<String, String>,
        origin: check::Origin,
    ) -> Result<Contract, ContractError> {
        let pairs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        Self::compile(&pairs, origin)
    }

    /// The files of the contract in `dir`, merged with the embedded ones when it extends
    /// them: what [`Contract::load_dir`] compiles.
    fn files_of_dir(
        dir: &std::path::Path,
    ) -> Result<(BTreeMap<String, String>, check::Origin), ContractError> {
        let mut own = Vec::new();
        read_tree(dir, dir, &mut own)?;
        let catalogue_text = own
            .iter()
            .find(|(p, _)| p == CATALOGUE_FILE)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| ContractError::MissingFile {
                file: format!("{}/{CATALOGUE_FILE}", dir.display()),
            })?;
        let invalid = |reason: String| ContractError::Invalid {
            file: format!("{}/{CATALOGUE_FILE}", dir.display()),
            reason,
        };
        let mut catalogue: Value =
            serde_json::from_str(&catalogue_text).map_err(|e| invalid(e.to_string()))?;
        let extends = catalogue.as_object_mut().and_then(|o| o.remove("extends"));
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        let mut origin = check::Origin {
            dir: Some(dir.display().to_string()),
            own_files: own.iter().map(|(p, _)| p.clone()).collect(),
            base: None,
        };
        match extends {
            None => {}
            Some(Value::String(base)) if base == EXTENDS_EMBEDDED => {
                for (p, t) in embedded::SCHEMA_FILES {
                    files.insert((*p).to_owned(), (*t).to_owned());
                }
                let base: Value = serde_json::from_str(&files[CATALOGUE_FILE])
                    .map_err(|e| invalid(e.to_string()))?;
                let problems = check::extension_problems(&catalogue, &origin);
                if !problems.is_empty() {
                    return Err(ContractError::Problems(problems));
                }
                origin.base = Some(check::BaseCounts::of(&base));
                catalogue = extend_catalogue(base, catalogue).map_err(invalid)?;
            }
            Some(other) => {
                return Err(invalid(format!(
                    "extends: must be \"{EXTENDS_EMBEDDED}\" (the contract built in), found {other}"
                )));
            }
        }
        for (p, t) in own {
            files.insert(p, t);
        }
        files.insert(CATALOGUE_FILE.to_owned(), catalogue.to_string());
        Ok((files, origin))
    }

    /// Load a contract from (path relative to `schemas/`, text) pairs.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Contract, ContractError> {
        Self::compile(files, check::Origin::default())
    }

    fn compile(files: &[(&str, &str)], origin: check::Origin) -> Result<Contract, ContractError> {
        let text = |name: &str| {
            files
                .iter()
                .find(|(p, _)| *p == name)
                .map(|(_, t)| *t)
                .ok_or_else(|| ContractError::MissingFile {
                    file: name.to_owned(),
                })
        };
        let catalogue: Catalogue =
            serde_json::from_str(text(CATALOGUE_FILE)?).map_err(|e| ContractError::Invalid {
                file: CATALOGUE_FILE.into(),
                reason: e.to_string(),
            })?;
        let errata: Errata =
            serde_json::from_str(text(ERRATA_FILE)?).map_err(|e| ContractError::Invalid {
                file: ERRATA_FILE.into(),
                reason: e.to_string(),
            })?;

        let mut documents = Vec::new();
        for (path, body) in files.iter().filter(|(p, _)| p.ends_with(".schema.json")) {
            let value: Value = serde_json::from_str(body).map_err(|e| ContractError::Invalid {
                file: (*path).to_owned(),
                reason: e.to_string(),
            })?;
            documents.push(((*path).to_owned(), value));
        }
        let registry = jsonschema::Registry::new()
            .extend(
                documents
                    .iter()
                    .map(|(p, v)| (format!("{SCHEMA_BASE_URI}{p}"), v.clone())),
            )
            .and_then(|b| b.prepare())
            .map_err(|e| ContractError::Schema {
                file: "(registry)".into(),
                reason: e.to_string(),
            })?;
        let mut validators = BTreeMap::new();
        for (path, value) in &documents {
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .should_ignore_unknown_formats(false)
                .with_format(formats::CORRELATION_ID, formats::is_correlation_id)
                .with_format(formats::TRAN_TIME, formats::is_tran_time)
                .with_format(formats::DATE, formats::is_date)
                .with_format(formats::TRAN_TOKEN, formats::is_tran_token)
                .with_base_uri(format!("{SCHEMA_BASE_URI}{path}"))
                .with_registry(&registry)
                .build(value)
                .map_err(|e| ContractError::Schema {
                    file: path.clone(),
                    reason: e.to_string(),
                })?;
            validators.insert(path.clone(), validator);
        }

        let hash = files_hash(files.iter().map(|(p, t)| (*p, *t)));

        let sandbox_records = files
            .iter()
            .find(|(p, _)| *p == SANDBOX_RECORDS_FILE)
            .map(|(_, t)| (*t).to_owned());
        let contract = Contract {
            catalogue,
            errata,
            validators,
            documents: documents.into_iter().collect(),
            sandbox_records,
            hash,
            origin,
        };
        let problems = contract.problems();
        if !problems.is_empty() {
            return Err(ContractError::Problems(problems));
        }
        Ok(contract)
    }

    /// The endpoints the user's folder added: an extension's own (after the built-in
    /// ones), every endpoint of a whole contract folder, none of the contract built in.
    pub fn added_endpoints(&self) -> &[Endpoint] {
        let endpoints = &self.catalogue.endpoints;
        match (&self.origin.dir, &self.origin.base) {
            (None, _) => &[],
            (Some(_), Some(base)) => endpoints.get(base.endpoints..).unwrap_or_default(),
            (Some(_), None) => endpoints,
        }
    }

    /// SHA-256 of every contract file, so a report says exactly which contract it used.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn schema_names(&self) -> impl Iterator<Item = &str> {
        self.validators.keys().map(String::as_str)
    }

    /// The JSON of a schema file, as loaded (parsed once).
    pub fn schema_document(&self, name: &str) -> Option<Value> {
        self.documents.get(name).cloned()
    }

    /// Validate `instance` against the schema file `schema` (path under `schemas/`).
    /// An empty list means valid.
    pub fn validate(&self, schema: &str, instance: &Value) -> Vec<SchemaViolation> {
        match self.validators.get(schema) {
            Some(v) => v
                .iter_errors(instance)
                .map(|e| SchemaViolation {
                    instance_path: e.instance_path().to_string(),
                    keyword: e.kind().keyword().to_owned(),
                    message: e.masked().to_string(),
                })
                .collect(),
            None => vec![SchemaViolation {
                instance_path: String::new(),
                keyword: "$ref".into(),
                message: ContractError::UnknownSchema(schema.to_owned()).to_string(),
            }],
        }
    }

    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.catalogue.endpoint(id)
    }

    /// The text of `sandbox-records.json`, when the contract has one.
    pub fn sandbox_records(&self) -> Option<&str> {
        self.sandbox_records.as_deref()
    }

    /// A schema and its `allOf` parts, depth first: where its top-level keywords live.
    fn schema_parts<'a>(&'a self, schema: &str) -> Vec<&'a Value> {
        fn walk<'a>(doc: &'a Value, out: &mut Vec<&'a Value>) {
            out.push(doc);
            for part in doc
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                walk(part, out);
            }
        }
        let mut out = Vec::new();
        if let Some(doc) = self.documents.get(schema) {
            walk(doc, &mut out);
        }
        out
    }

    /// The top-level properties a schema describes, through its `allOf` parts, in order.
    pub fn schema_properties(&self, schema: &str) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        for part in self.schema_parts(schema) {
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                for (k, v) in p {
                    out.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        out
    }

    /// The top-level properties a schema requires, through its `allOf` parts.
    pub fn schema_required(&self, schema: &str) -> Vec<String> {
        self.schema_parts(schema)
            .into_iter()
            .flat_map(|part| part.get("required").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }
}

/// Request-schema annotation: the answer key a value of the right type that breaks the
/// property's rule gets, where the endpoint documents its own code for it.
pub const INVALID_ANSWER: &str = "x-invalid-answer";
/// Response-schema annotation: the requirement a property's value holds.
pub const REQUIREMENT: &str = "x-requirement";
/// Response-schema annotation: the requirement an expected `null` holds, when not the
/// property's own.
pub const NULL_REQUIREMENT: &str = "x-null-requirement";

/// Every file under `dir`, as (path relative to `root` with `/`, text).
fn read_tree(
    root: &std::path::Path,
    dir: &std::path::Path,
    out: &mut Vec<(String, String)>,
) -> Result<(), ContractError> {
    let read_error = |path: &std::path::Path, e: std::io::Error| ContractError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| read_error(dir, e))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((relative, text));
        }
    }
    Ok(())
}

/// `base` with the lists of `extension` appended and its collections added.
fn extend_catalogue(mut base: Value, extension: Value) -> Result<Value, String> {
    let Value::Object(extension) = extension else {
        return Err("an extension catalogue must be a JSON object".into());
    };
    for (key, value) in extension {
        match (key.as_str(), base.get_mut(&key), value) {
            (
                "requirements" | "endpoints" | "conventions",
                Some(Value::Array(list)),
                Value::Array(more),
            ) => list.extend(more),
            ("collections", Some(Value::Object(map)), Value::Object(more)) => {
                for (name, c) in more {
                    if map.contains_key(&name) {
                        return Err(format!(
                            "collections: {name} is already in the embedded catalogue"
                        ));
                    }
                    map.insert(name, c);
                }
            }
            ("collections", None, more @ Value::Object(_)) => {
                if let Value::Object(b) = &mut base {
                    b.insert(key, more);
                }
            }
            // Notes for readers (an example's disclaimer, say): not part of the catalogue.
            (note, _, _) if note.starts_with("x-") => {}
            (other, _, _) => {
                return Err(format!(
                    "{other}: an extension may add requirements, endpoints, conventions and collections only"
                ));
            }
        }
    }
    Ok(base)
}

/// SHA-256 over every (path, text) pair in path order: which contract a report used.
fn files_hash<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut sorted: Vec<(&str, &str)> = files.into_iter().collect();
    sorted.sort_by_key(|(p, _)| *p);
    let mut digest = Sha256::new();
    for (path, body) in sorted {
        digest.update(path.as_bytes());
        digest.update([0]);
        digest.update(body.as_bytes());
        digest.update([0]);
    }
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7
        && b[3] == b'_'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 3 || c.is_ascii_digit())
}
