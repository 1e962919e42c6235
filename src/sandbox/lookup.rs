//! The declarative endpoint: "find the record of collection Y whose field X equals the
//! request's X, else answer key Z; on success return the record's fields F", as the
//! catalogue's `sandbox.lookup` says. Any endpoint whose answer is a record needs no Rust.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::contract::{Contract, Endpoint, Lookup};
use crate::fixtures::Record;

use super::records::Records;

/// A lookup, indexed once at start.
#[derive(Debug, Clone)]
pub(crate) struct RecordLookup {
    match_field: String,
    not_found: String,
    /// Each returned field, and whether the response schema gives `null` a meaning of its
    /// own (otherwise a record's `null` means "leave it out").
    respond: Vec<(String, bool)>,
    /// The match field's JSON text to the record.
    index: HashMap<String, Record>,
}

impl RecordLookup {
    pub(crate) fn new(
        contract: &Contract,
        endpoint: &Endpoint,
        spec: &Lookup,
        records: &Records,
    ) -> RecordLookup {
        let response = contract.schema_properties(&endpoint.response_schema);
        // Only a documented null (a property with its own null requirement, e.g. userId of
        // an unmapped card) is sent as null; any other optional field a record lacks is left
        // out, the default reading of an optional field (errata E23 allows null as well).
        let nullable = |field: &str| {
            response
                .get(field)
                .is_some_and(|r| r.get(crate::contract::NULL_REQUIREMENT).is_some())
        };
        RecordLookup {
            match_field: spec.match_field.clone(),
            not_found: spec.not_found.clone(),
            respond: spec
                .respond
                .iter()
                .map(|f| (f.clone(), nullable(f)))
                .collect(),
            index: records
                .get(&spec.collection)
                .iter()
                .filter_map(|r| {
                    r.get(&spec.match_field)
                        .map(|key| (key.to_string(), r.clone()))
                })
                .collect(),
        }
    }

    /// The answers a lookup gives besides success.
    pub(crate) fn answers(&self) -> Vec<String> {
        vec![self.not_found.clone()]
    }

    /// The not-found answer key when the body names the match field (neither absent nor
    /// null) and no record has that value: the lookup-first reading answers this before
    /// checking the field's format.
    pub(crate) fn not_found_for(&self, body: &Map<String, Value>) -> Option<String> {
        match body.get(&self.match_field) {
            None | Some(Value::Null) => None,
            Some(v) => (!self.index.contains_key(&v.to_string())).then(|| self.not_found.clone()),
        }
    }

    /// The record's fields, or the not-found answer key.
    pub(crate) fn answer(&self, body: &Map<String, Value>) -> Result<Map<String, Value>, String> {
        let record = body
            .get(&self.match_field)
            .and_then(|v| self.index.get(&v.to_string()))
            .ok_or_else(|| self.not_found.clone())?;
        let mut data = Map::new();
        for (field, nullable) in &self.respond {
            match record.get(field) {
                Some(Value::Null) if !nullable => {}
                Some(v) => {
                    data.insert(field.clone(), v.clone());
                }
                None => {}
            }
        }
        Ok(data)
    }
}
