//! Faults derived from the contract: each is defined by what it breaks (a documented answer,
//! a response field, a rule between fields), never by an endpoint the Rust knows, so an
//! endpoint added with `--contract` gets faults of its own. `mutants` runs them beside the
//! named faults of [`super::Fault`].

use std::fmt;

use axum::http::StatusCode;
use serde_json::Value;

use super::answer::Answer;
use super::codebook::{Codebook, SUCCESS};
use crate::contract::{Contract, Endpoint};

/// One contract-derived deviation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mutation {
    /// A documented answer carries another message.
    Message { endpoint: String, key: String },
    /// A documented answer comes with another HTTP status.
    Status { endpoint: String, key: String },
    /// A documented rejection is answered as the endpoint's success.
    Accepted { endpoint: String, key: String },
    /// Successes leave a required response field out.
    DropField { endpoint: String, field: String },
    /// Successes carry a response field as a value of another JSON type.
    FieldType { endpoint: String, field: String },
    /// A rule between fields (by its index in `fieldRules`) is not enforced.
    IgnoreFieldRule { endpoint: String, index: usize },
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mutation::Message { endpoint, key } => write!(f, "message:{endpoint}:{key}"),
            Mutation::Status { endpoint, key } => write!(f, "status:{endpoint}:{key}"),
            Mutation::Accepted { endpoint, key } => write!(f, "accepted:{endpoint}:{key}"),
            Mutation::DropField { endpoint, field } => write!(f, "drop-field:{endpoint}:{field}"),
            Mutation::FieldType { endpoint, field } => write!(f, "field-type:{endpoint}:{field}"),
            Mutation::IgnoreFieldRule { endpoint, index } => {
                write!(f, "ignore-field-rule:{endpoint}:{index}")
            }
        }
    }
}

impl Mutation {
    /// Every mutation `contract` allows for `endpoint`: one per documented answer and way
    /// to break it, per response field and per rule between fields.
    pub fn derive(contract: &Contract, endpoint: &Endpoint) -> Vec<Mutation> {
        let id = || endpoint.id.clone();
        let mut out = Vec::new();
        let has_success = endpoint.responses.iter().any(|r| r.key == SUCCESS);
        for row in &endpoint.responses {
            out.push(Mutation::Message {
                endpoint: id(),
                key: row.key.clone(),
            });
            out.push(Mutation::Status {
                endpoint: id(),
                key: row.key.clone(),
            });
            if row.key != SUCCESS && has_success {
                out.push(Mutation::Accepted {
                    endpoint: id(),
                    key: row.key.clone(),
                });
            }
        }
        // The endpoint's own conventions are asserted exactly against this sandbox too.
        for c in contract
            .catalogue
            .conventions
            .iter()
            .filter(|c| c.endpoint == endpoint.id)
        {
            out.push(Mutation::Message {
                endpoint: id(),
                key: c.key.clone(),
            });
            out.push(Mutation::Status {
                endpoint: id(),
                key: c.key.clone(),
            });
        }
        let envelope = &contract.catalogue.envelope.result_object;
        let required = contract.schema_required(&endpoint.response_schema);
        for field in contract
            .schema_properties(&endpoint.response_schema)
            .keys()
            .filter(|f| *f != envelope)
        {
            if required.contains(field) {
                out.push(Mutation::DropField {
                    endpoint: id(),
                    field: field.clone(),
                });
            }
            out.push(Mutation::FieldType {
                endpoint: id(),
                field: field.clone(),
            });
        }
        out.extend(
            (0..endpoint.field_rules.len()).map(|index| Mutation::IgnoreFieldRule {
                endpoint: id(),
                index,
            }),
        );
        out
    }

    pub fn endpoint(&self) -> &str {
        match self {
            Mutation::Message { endpoint, .. }
            | Mutation::Status { endpoint, .. }
            | Mutation::Accepted { endpoint, .. }
            | Mutation::DropField { endpoint, .. }
            | Mutation::FieldType { endpoint, .. }
            | Mutation::IgnoreFieldRule { endpoint, .. } => endpoint,
        }
    }

    pub fn description(&self) -> String {
        match self {
            Mutation::Message { key, .. } => {
                format!("answer {key} with a message the docs do not print")
            }
            Mutation::Status { key, .. } => format!("answer {key} with another HTTP status"),
            Mutation::Accepted { key, .. } => {
                format!("answer the case documented as {key} with success")
            }
            Mutation::DropField { field, .. } => {
                format!("leave the required {field} out of successes")
            }
            Mutation::FieldType { field, .. } => {
                format!("send {field} as a value of another JSON type")
            }
            Mutation::IgnoreFieldRule { index, .. } => {
                format!("do not enforce rule {index} between fields")
            }
        }
    }

    /// The rule between fields this mutation switches off, for `endpoint`.
    pub(crate) fn ignored_field_rule(&self, endpoint: &str) -> Option<usize> {
        match self {
            Mutation::IgnoreFieldRule { endpoint: e, index } if e == endpoint => Some(*index),
            _ => None,
        }
    }

    /// Change the chosen answer before it is serialized (the named faults' point 2).
    pub(crate) fn alter_answer(&self, answer: &mut Answer, book: &Codebook) {
        if answer.scope != Some(self.endpoint()) {
            return;
        }
        let success = answer.key == SUCCESS;
        match self {
            Mutation::Message { key, .. } if *key == answer.key => {
                answer.message = format!("{} (changed)", answer.message);
            }
            Mutation::Status { key, .. } if *key == answer.key => {
                answer.status = if answer.status == StatusCode::OK {
                    StatusCode::CREATED
                } else if answer.status == StatusCode::BAD_REQUEST {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::BAD_REQUEST
                };
            }
            Mutation::Accepted { key, .. } if *key == answer.key => {
                let entry = book.get(answer.scope, SUCCESS);
                answer.status = entry.status;
                answer.code = entry.code.clone();
                answer.message = entry.message.clone();
            }
            Mutation::DropField { field, .. } if success => {
                answer.data.remove(field);
            }
            Mutation::FieldType { field, .. } if success => {
                if let Some(v) = answer.data.get_mut(field) {
                    *v = match v {
                        Value::String(_) => Value::Bool(true),
                        _ => Value::String("changed".into()),
                    };
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_answer_field_and_rule_gets_its_mutations() {
        let contract = Contract::shared().unwrap();
        let card = contract.endpoint("card-info").unwrap();
        let all = Mutation::derive(contract, card);
        let names: Vec<String> = all.iter().map(ToString::to_string).collect();
        for expected in [
            "message:card-info:success",
            "status:card-info:invalid-input",
            "accepted:card-info:invalid-input",
            "drop-field:card-info:serviceName",
            "field-type:card-info:balance",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n == "accepted:card-info:success"));
        assert!(all.iter().all(|m| m.endpoint() == "card-info"));
    }
}
