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
    /// The located facts the decision overrides, for `derive --check`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

/// "The page says `page`, the contract decides `contract`" for one located fact of the
/// pages of `endpoints` (`*`: every page). It applies only while the page still says
/// `page`; `None` on either side means that side states nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Override {
    pub endpoints: Vec<String>,
    /// A fact locator as `derive` prints it, e.g. `response.body.balance.type`.
    pub fact: String,
    pub page: Option<String>,
    pub contract: Option<String>,
}

impl Override {
    pub fn covers(&self, endpoint: &str) -> bool {
        self.endpoints.iter().any(|e| e == "*" || e == endpoint)
    }
}

impl Errata {
    /// Every override, with the erratum that records it.
    pub fn overrides(&self) -> impl Iterator<Item = (&Erratum, &Override)> {
        self.errata
            .iter()
            .flat_map(|e| e.overrides.iter().map(move |o| (e, o)))
    }

    pub fn get(&self, id: &str) -> Option<&Erratum> {
        self.errata.iter().find(|e| e.id == id)
    }
}
