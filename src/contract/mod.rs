//! The contract derived from the documentation: the catalogue and the JSON Schemas, embedded
//! at build time and compiled once per process ([`Contract::shared`]).

pub mod catalogue;
pub mod errata;
pub mod formats;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use catalogue::{
    Catalogue, Convention, DocumentedResponse, Endpoint, Expected, Requirement, Strength,
};
pub use errata::{Errata, Erratum};

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
    #[error("no schema named {0} in the contract")]
    UnknownSchema(String),
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
    hash: String,
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

    /// Load a contract from (path relative to `schemas/`, text) pairs.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Contract, ContractError> {
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

        let mut digest = Sha256::new();
        let mut sorted: Vec<_> = files.iter().collect();
        sorted.sort_by_key(|(p, _)| *p);
        for (path, body) in sorted {
            digest.update(path.as_bytes());
            digest.update([0]);
            digest.update(body.as_bytes());
            digest.update([0]);
        }
        let hash = digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();

        let contract = Contract {
            catalogue,
            errata,
            validators,
            documents: documents.into_iter().collect(),
            hash,
        };
        contract.check_consistency()?;
        Ok(contract)
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

    /// The rules that keep the catalogue one coherent source of truth.
    fn check_consistency(&self) -> Result<(), ContractError> {
        let cat = &self.catalogue;
        let mut seen = std::collections::HashSet::new();
        for r in &cat.requirements {
            if !seen.insert(r.id.as_str()) {
                return Err(ContractError::Inconsistent(format!(
                    "requirement id {} appears twice",
                    r.id
                )));
            }
            if r.endpoint != "*" && cat.endpoint(&r.endpoint).is_none() {
                return Err(ContractError::Inconsistent(format!(
                    "requirement {} names unknown endpoint {}",
                    r.id, r.endpoint
                )));
            }
        }
        let schema_known = |s: &str| self.validators.contains_key(s);
        for s in [
            &cat.envelope.schema,
            &cat.envelope.encrypted_schema,
            &cat.headers.request,
            &cat.headers.response,
        ] {
            if !schema_known(s) {
                return Err(ContractError::Inconsistent(format!(
                    "catalogue names schema {s}, which does not exist"
                )));
            }
        }
        for e in &cat.endpoints {
            for s in [&e.request_schema, &e.response_schema] {
                if !schema_known(s) {
                    return Err(ContractError::Inconsistent(format!(
                        "endpoint {} names schema {s}, which does not exist",
                        e.id
                    )));
                }
            }
            for r in &e.responses {
                match cat.requirement(&r.requirement) {
                    Some(req) if req.endpoint == e.id => {}
                    _ => {
                        return Err(ContractError::Inconsistent(format!(
                            "response {} of {} cites requirement {}, which is not one of this endpoint's",
                            r.code, e.id, r.requirement
                        )));
                    }
                }
                if !is_code(&r.code) {
                    return Err(ContractError::Inconsistent(format!(
                        "response code {} of {} is not NNN_NNN",
                        r.code, e.id
                    )));
                }
            }
        }
        for c in &cat.conventions {
            if c.endpoint != "*" && cat.endpoint(&c.endpoint).is_none() {
                return Err(ContractError::Inconsistent(format!(
                    "convention {} names unknown endpoint {}",
                    c.key, c.endpoint
                )));
            }
            if !is_code(&c.code) {
                return Err(ContractError::Inconsistent(format!(
                    "convention {} has code {}, which is not NNN_NNN",
                    c.key, c.code
                )));
            }
        }
        for e in &self.errata.errata {
            for req in &e.requirements {
                if cat.requirement(req).is_none() {
                    return Err(ContractError::Inconsistent(format!(
                        "erratum {} cites unknown requirement {req}",
                        e.id
                    )));
                }
            }
        }
        Ok(())
    }
}

fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7
        && b[3] == b'_'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 3 || c.is_ascii_digit())
}
