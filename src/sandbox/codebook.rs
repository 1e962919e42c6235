//! Every answer the sandbox can give, resolved once at start from the catalogue: documented
//! rows of each endpoint first, then the configured conventions (the catalogue's own, or an
//! alternative set). Answers are named by the catalogue's keys, as strings; the sandbox
//! never spells a code or a message itself.

use std::collections::HashMap;

use axum::http::StatusCode;

use super::SandboxError;
use crate::contract::{Catalogue, Convention};

/// Which part of the API an answer belongs to: an endpoint (by catalogue id), or none at
/// all (`None`: a path or method the API does not have).
pub(crate) type Scope = Option<&'static str>;

/// The key of a success, in every endpoint's table.
pub(crate) const SUCCESS: &str = "success";
/// The key of a path or method the API does not have.
pub(crate) const UNKNOWN_PATH: &str = "unknown-path";

/// Answers every endpoint can give: the checks the pipeline makes before any endpoint rule.
pub(crate) const SHARED: [&str; 11] = [
    SUCCESS,
    "missing-header",
    "malformed-header",
    "unknown-credentials",
    "stale-tran-time",
    "token-mismatch",
    "body-not-json",
    "unknown-crypto-key",
    "undecryptable-body",
    "missing-field",
    "invalid-input",
];

/// One resolved answer. `message` may still hold `{field}`.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Codebook {
    endpoints: HashMap<String, HashMap<String, Entry>>,
    unrouted: Entry,
}

impl Codebook {
    /// Resolve, for each endpoint, the shared answers plus `own[endpoint]` (the answers its
    /// handler and request rules may give); fails if the catalogue plus `conventions` leave
    /// one without a code, so nothing is looked up in vain at request time.
    pub(crate) fn new(
        catalogue: &Catalogue,
        conventions: &[Convention],
        own: &HashMap<String, Vec<String>>,
    ) -> Result<Codebook, SandboxError> {
        let mut merged = catalogue.clone();
        merged.conventions = conventions.to_vec();
        let resolve = |endpoint: &str, key: &str| {
            let missing = |detail: String| SandboxError::MissingAnswer {
                endpoint: endpoint.to_owned(),
                key: detail,
            };
            let expected = merged
                .expected(endpoint, key, None)
                .ok_or_else(|| missing(key.to_owned()))?;
            let status = StatusCode::from_u16(expected.status).map_err(|_| {
                missing(format!(
                    "{key} (status {} is not an HTTP status)",
                    expected.status
                ))
            })?;
            Ok::<Entry, SandboxError>(Entry {
                status,
                code: expected.code,
                message: expected.message,
            })
        };
        let mut endpoints = HashMap::new();
        for endpoint in &catalogue.endpoints {
            let mut table = HashMap::new();
            let keys = SHARED
                .iter()
                .map(|k| (*k).to_owned())
                .chain(own.get(&endpoint.id).into_iter().flatten().cloned());
            for key in keys {
                let entry = resolve(&endpoint.id, &key)?;
                table.insert(key, entry);
            }
            // Whatever else the catalogue lists for it, so a fault can answer as any case.
            let extra = endpoint.responses.iter().map(|r| r.key.clone()).chain(
                merged
                    .conventions
                    .iter()
                    .filter(|c| c.endpoint == endpoint.id || c.endpoint == "*")
                    .map(|c| c.key.clone()),
            );
            for key in extra {
                if !table.contains_key(&key)
                    && let Ok(entry) = resolve(&endpoint.id, &key)
                {
                    table.insert(key, entry);
                }
            }
            endpoints.insert(endpoint.id.clone(), table);
        }
        Ok(Codebook {
            endpoints,
            unrouted: resolve("*", UNKNOWN_PATH)?,
        })
    }

    /// The answer for `key` in `scope`. Every pair the pipeline asks for was resolved in
    /// [`Codebook::new`]; a pair it was not is answered as an unknown path rather than
    /// panicking.
    pub(crate) fn get(&self, scope: Scope, key: &str) -> &Entry {
        scope
            .and_then(|id| self.endpoints.get(id))
            .and_then(|table| table.get(key))
            .unwrap_or(&self.unrouted)
    }
}
