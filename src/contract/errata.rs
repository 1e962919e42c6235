//! Typed view of `schemas/errata.json`: each place the vendor's pages contradict themselves,
//! the decision this project took, and the test that holds the decision.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Errata {
    pub errata: Vec<Erratum>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Erratum {
    /// `E01`, `E02`, ...
    pub id: String,
    pub title: String,
    /// What the pages say, in this project's words.
    pub contradiction: String,
    pub decision: String,
    /// Requirement ids whose expectations follow from the decision.
    pub requirements: Vec<String>,
    /// `file::test_name` of the test that fails if the decision is not applied.
    pub test: String,
}

impl Errata {
    pub fn get(&self, id: &str) -> Option<&Erratum> {
        self.errata.iter().find(|e| e.id == id)
    }
}
