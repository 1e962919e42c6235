//! Typed view of `schemas/catalogue.json`: endpoints, documented responses, this project's
//! conventions for what the docs leave open, and the requirement ids everything else cites.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How strongly an expectation may be asserted (see the catalogue's `strength` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// Stated by the vendor's pages: asserted against every target.
    Documented,
    /// This project's choice where the pages are silent: asserted exactly only against the
    /// embedded sandbox, observed elsewhere.
    Convention,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Catalogue {
    pub catalogue_version: String,
    pub title: String,
    pub base_path: String,
    pub vendor_sandbox_base_url: String,
    pub envelope: Envelope,
    pub headers: HeaderSchemas,
    pub missing_field_message_prefix: String,
    pub requirements: Vec<Requirement>,
    /// Record collections the fixtures hold, by name (`members`, `cards`, ...).
    #[serde(default)]
    pub collections: BTreeMap<String, Collection>,
    pub endpoints: Vec<Endpoint>,
    pub conventions: Vec<Convention>,
    /// Cases the docs leave open to more than one answer: the other answers a foreign
    /// target may give (the precision principle).
    #[serde(default)]
    pub readings: Vec<Reading>,
}

/// A case with several answers consistent with the docs. The scenario's own answer is the
/// project's convention; any of `also_accepts` passes against a foreign target too, and the
/// one chosen is recorded as an observation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reading {
    /// What the harness recognizes in the request (see `judge::readings`).
    pub id: String,
    /// The erratum that records the decision.
    pub erratum: String,
    pub summary: String,
    /// Answer keys; `{field-answer}` is the field's own documented answer and `{not-found}`
    /// the endpoint lookup's not-found answer.
    pub also_accepts: Vec<String>,
    /// Endpoints every request to which falls under this reading, whatever it carries (the
    /// bank's own service hours): no recognizer in `judge::readings` is needed for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    /// The reading may stand in for an expected success too; others widen rejections only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub widens_success: bool,
}

/// A kind of record a target holds, and the roles scenarios may ask for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Collection {
    pub summary: String,
    /// Role name to what a record of that role is.
    pub roles: BTreeMap<String, String>,
    /// Endpoints whose answer about a record of another collection names a record of this
    /// one (card/info names the member a card is mapped to), so a scenario can find a real
    /// record through the target when the fixtures lack one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found_through: Vec<FoundThrough>,
}

/// One way to find a record of a collection through the target.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FoundThrough {
    /// The endpoint asked, with a record of its own request recipe's collection.
    pub endpoint: String,
    /// The field of its success answer that names the record.
    pub answer_field: String,
    /// The request field that value fills for this collection's endpoints.
    pub field: String,
    pub meaning: String,
}

/// Where the result code and text sit in a response body (errata E21 fixes the names once).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Envelope {
    pub result_object: String,
    pub code_field: String,
    pub message_field: String,
    pub encrypted_field: String,
    pub schema: String,
    pub encrypted_schema: String,
    #[serde(rename = "x-doc")]
    pub doc: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderSchemas {
    pub request: String,
    pub response: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// An endpoint id, or `*` for a rule every endpoint shares.
    pub endpoint: String,
    /// Whose rule it is: the server's, or the integrator's client's.
    #[serde(default, skip_serializing_if = "Side::is_server")]
    pub side: Side,
    pub strength: Strength,
    pub summary: String,
    pub source: String,
}

/// Whose behaviour a requirement is about. A server rule is certified by sending requests
/// (`run`) or by reading answers (`verify`, `proxy`); a client rule by reading the requests an
/// integrator's client sends (`verify`, `proxy`, `certify-client`), so no scenario covers it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    #[default]
    Server,
    Client,
}

impl Side {
    pub fn is_server(&self) -> bool {
        *self == Side::Server
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    pub request: bool,
    pub response: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    pub id: String,
    pub name: String,
    pub method: String,
    pub path: String,
    pub request_schema: String,
    pub response_schema: String,
    /// The requirement a success body that breaks the response schema violates.
    pub response_requirement: String,
    pub encryption: Encryption,
    pub required_fields: Vec<String>,
    pub responses: Vec<DocumentedResponse>,
    /// How a record of the fixtures becomes a request to this endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecipe>,
    /// The requirement each convention answer of this endpoint holds (documented rows
    /// name their own).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answer_requirements: BTreeMap<String, String>,
    /// How the embedded sandbox answers this endpoint when no Rust logic is registered for
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxBehaviour>,
    /// Rules between fields of one request, each with the answer that breaking it gets,
    /// checked in this order after every field's own rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_rules: Vec<super::field_rules::FieldRule>,
}

/// The request side of an endpoint, as data: which records feed it and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestRecipe {
    /// The fixtures collection the records come from.
    pub collection: String,
    /// What the Gherkin calls one record (`Given the card "active" from the fixtures`).
    pub noun: String,
    /// The role a plain valid request uses.
    pub default_role: String,
    /// Roles, besides the collection's pool, that generated valid cases draw from.
    pub generated_roles: Vec<String>,
    /// The record fields copied into the request body, in this order.
    pub body: Vec<String>,
}

/// A declarative sandbox answer: find a record, answer its fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SandboxBehaviour {
    pub lookup: Lookup,
}

/// "Find the record of `collection` whose `match` field equals the request's, else answer
/// `not_found`; on success return the record's `respond` fields."
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lookup {
    pub collection: String,
    #[serde(rename = "match")]
    pub match_field: String,
    pub not_found: String,
    pub respond: Vec<String>,
}

/// A row of an endpoint's response-code table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentedResponse {
    pub key: String,
    pub status: u16,
    pub code: String,
    /// May contain `{field}`, replaced by the name of the offending field.
    pub message: String,
    pub meaning: String,
    pub strength: Strength,
    pub requirement: String,
}

/// An answer this project chose for a case the pages leave without a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Convention {
    pub key: String,
    /// An endpoint id, or `*`.
    pub endpoint: String,
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Documented codes whose meaning is close enough that a real server using them for this
    /// case is not contradicting the docs (issue: observed codes that collide are failures).
    pub compatible_codes: Vec<String>,
    pub meaning: String,
}

/// What a scenario expects back, resolved from the catalogue by endpoint and key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expected {
    pub key: String,
    pub status: u16,
    pub code: String,
    pub message: String,
    pub strength: Strength,
    /// Only for conventions: documented codes that would not contradict the docs.
    pub compatible_codes: Vec<String>,
}

impl Catalogue {
    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    pub fn endpoint_by_path(&self, path: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.path == path)
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The endpoint whose request recipe calls one record `noun`.
    pub fn endpoint_by_noun(&self, noun: &str) -> Option<&Endpoint> {
        self.endpoints
            .iter()
            .find(|e| e.request.as_ref().is_some_and(|r| r.noun == noun))
    }

    /// The requirement an answer `key` of `endpoint` holds: the documented row's own, or
    /// the one the endpoint names for that convention.
    pub fn answer_requirement(&self, endpoint: &Endpoint, key: &str) -> Option<String> {
        endpoint
            .responses
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.requirement.clone())
            .or_else(|| endpoint.answer_requirements.get(key).cloned())
    }

    /// The convention for `key` that applies to `endpoint`: an endpoint-specific one wins
    /// over a shared (`*`) one.
    pub fn convention(&self, endpoint: &str, key: &str) -> Option<&Convention> {
        let mut shared = None;
        for c in self.conventions.iter().filter(|c| c.key == key) {
            if c.endpoint == endpoint {
                return Some(c);
            }
            if c.endpoint == "*" {
                shared = Some(c);
            }
        }
        shared
    }

    /// What `endpoint` answers in case `key`, with `{field}` filled in. A documented row
    /// wins over a convention of the same key.
    pub fn expected(&self, endpoint: &str, key: &str, field: Option<&str>) -> Option<Expected> {
        let fill = |m: &str| match field {
            Some(f) => m.replace("{field}", f),
            None => m.to_owned(),
        };
        if let Some(r) = self
            .endpoint(endpoint)
            .and_then(|e| e.responses.iter().find(|r| r.key == key))
        {
            return Some(Expected {
                key: key.to_owned(),
                status: r.status,
                code: r.code.clone(),
                message: fill(&r.message),
                strength: r.strength,
                compatible_codes: Vec::new(),
            });
        }
        self.convention(endpoint, key).map(|c| Expected {
            key: key.to_owned(),
            status: c.status,
            code: c.code.clone(),
            message: fill(&c.message),
            strength: Strength::Convention,
            compatible_codes: c.compatible_codes.clone(),
        })
    }

    pub fn reading(&self, id: &str) -> Option<&Reading> {
        self.readings.iter().find(|r| r.id == id)
    }

    /// Every (status, code) pair `endpoint` may answer with: its documented rows and the
    /// conventions that apply to it.
    pub fn known_codes(&self, endpoint: &str) -> Vec<(u16, String)> {
        let mut out: Vec<(u16, String)> = self
            .endpoint(endpoint)
            .map(|e| {
                e.responses
                    .iter()
                    .map(|r| (r.status, r.code.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for c in &self.conventions {
            if (c.endpoint == "*" || c.endpoint == endpoint)
                && self.convention(endpoint, &c.key) == Some(c)
            {
                out.push((c.status, c.code.clone()));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The documented row that carries `code` on `endpoint`, if any.
    pub fn documented_code(&self, endpoint: &str, code: &str) -> Option<&DocumentedResponse> {
        self.endpoint(endpoint)
            .and_then(|e| e.responses.iter().find(|r| r.code == code))
    }
}
