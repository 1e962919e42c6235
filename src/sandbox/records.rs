//! The records the sandbox serves, by collection: the seeded ones (see [`super::seed`]) and
//! those a contract brings in its `sandbox-records.json`. Plain JSON, read by the generic
//! lookup and by an endpoint's own logic alike.

use std::collections::BTreeMap;

use crate::contract::{Contract, SANDBOX_RECORDS_FILE};
use crate::fixtures::{Fixtures, Record};

use super::SandboxError;

/// Records by collection name.
pub(crate) type Served = BTreeMap<String, Vec<Record>>;

#[derive(Debug, Clone, Default)]
pub(crate) struct Records {
    collections: Served,
}

impl Records {
    pub(crate) fn new(collections: Served) -> Records {
        Records { collections }
    }

    /// Every record of `collection` (none when the sandbox holds no such collection).
    pub(crate) fn get(&self, collection: &str) -> &[Record] {
        self.collections
            .get(collection)
            .map_or(&[], |records| records.as_slice())
    }
}

/// The records `contract` brings for the sandbox, as a fixtures file (roles and pools),
/// checked against the contract: every role and pool record is served.
pub(crate) fn contract_records(contract: &Contract) -> Result<Option<Fixtures>, SandboxError> {
    let Some(text) = contract.sandbox_records() else {
        return Ok(None);
    };
    let invalid = |reason: String| SandboxError::Records {
        file: SANDBOX_RECORDS_FILE.to_owned(),
        reason,
    };
    let fixtures =
        Fixtures::from_json(text, SANDBOX_RECORDS_FILE).map_err(|e| invalid(e.to_string()))?;
    fixtures
        .check(contract, SANDBOX_RECORDS_FILE)
        .map_err(|e| invalid(e.to_string()))?;
    Ok(Some(fixtures))
}

/// The seeded records plus every record of `extra`.
pub(crate) fn served_with(seeded: &Records, extra: Option<&Fixtures>) -> Records {
    let mut collections = seeded.collections.clone();
    if let Some(extra) = extra {
        for (name, c) in &extra.collections {
            collections
                .entry(name.clone())
                .or_default()
                .extend(c.roles.values().chain(&c.pool).cloned());
        }
    }
    Records { collections }
}
