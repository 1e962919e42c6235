//! Request-field rules, read from the contract's compiled request schemas: the sandbox
//! writes none of them again.
//!
//! Order, as a client sees it: the first required field (in the catalogue's order) that is
//! absent or null is missing; then the first property (in the schema's order) that breaks
//! its rule is invalid. A property annotated `x-invalid-answer` gets that answer for a value
//! of the right type, and plain invalid input for a value of another type.
//!
//! One reading is the sandbox's own: an integer must be written as one (digits, no fraction
//! or exponent), because member ids are handled exactly and never through a float (errata
//! E04), although JSON Schema counts `1.0` as an integer.

use serde_json::{Map, Value};

use crate::contract::{Contract, Endpoint, FieldRule, INVALID_ANSWER};

pub(crate) const MISSING_FIELD: &str = "missing-field";
pub(crate) const INVALID_INPUT: &str = "invalid-input";

/// One property's rule, as far as the order of checks and the answer need it.
#[derive(Debug, Clone)]
struct Property {
    name: String,
    own_answer: Option<String>,
    integer: bool,
}

/// The request rules of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct RequestRules {
    contract: &'static Contract,
    schema: String,
    required: Vec<String>,
    properties: Vec<Property>,
    field_rules: Vec<FieldRule>,
}

/// A rule the body breaks: the answer key and the field it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub key: String,
    pub field: Option<String>,
}

impl RequestRules {
    pub(crate) fn new(contract: &'static Contract, endpoint: &Endpoint) -> RequestRules {
        let properties = contract
            .schema_properties(&endpoint.request_schema)
            .into_iter()
            .map(|(name, rule)| Property {
                own_answer: rule
                    .get(INVALID_ANSWER)
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                integer: match rule.get("type") {
                    Some(Value::String(t)) => t == "integer",
                    Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
                    _ => false,
                },
                name,
            })
            .collect();
        RequestRules {
            contract,
            schema: endpoint.request_schema.clone(),
            required: endpoint.required_fields.clone(),
            properties,
            field_rules: endpoint.field_rules.clone(),
        }
    }

    /// Stop enforcing the rule between fields at `index` (a contract-derived fault).
    pub(crate) fn ignore_field_rule(&mut self, index: usize) {
        if index < self.field_rules.len() {
            self.field_rules.remove(index);
        }
    }

    /// The answers these rules may give besides the shared ones.
    pub(crate) fn own_answers(&self) -> impl Iterator<Item = &str> {
        self.properties
            .iter()
            .filter_map(|p| p.own_answer.as_deref())
            .chain(self.field_rules.iter().map(FieldRule::answer))
    }

    /// The first rule `body` breaks, if any.
    pub(crate) fn check(&self, body: &Map<String, Value>) -> Option<Problem> {
        if let Some(field) = self
            .required
            .iter()
            .find(|f| matches!(body.get(f.as_str()), None | Some(Value::Null)))
        {
            return Some(Problem {
                key: MISSING_FIELD.into(),
                field: Some(field.clone()),
            });
        }
        let violations = self
            .contract
            .validate(&self.schema, &Value::Object(body.clone()));
        for property in &self.properties {
            let at = format!("/{}", property.name);
            let own: Vec<_> = violations
                .iter()
                .filter(|v| v.instance_path == at || v.instance_path.starts_with(&format!("{at}/")))
                .collect();
            let loose_integer = property.integer
                && matches!(body.get(&property.name), Some(Value::Number(n)) if !plain_integer(&n.to_string()));
            if own.is_empty() && !loose_integer {
                continue;
            }
            let wrong_type = loose_integer || own.iter().any(|v| v.keyword == "type");
            let key = match &property.own_answer {
                Some(answer) if !wrong_type => answer.clone(),
                _ => INVALID_INPUT.into(),
            };
            return Some(Problem {
                key,
                field: Some(property.name.clone()),
            });
        }
        if !violations.is_empty() {
            return Some(Problem {
                key: INVALID_INPUT.into(),
                field: None,
            });
        }
        // Rules between fields, once every field is well-formed on its own.
        self.field_rules
            .iter()
            .find(|r| r.is_broken_by(body))
            .map(|r| Problem {
                key: r.answer().to_owned(),
                field: Some(r.named_field().to_owned()),
            })
    }
}

/// `-?[0-9]+`: an integer written without fraction or exponent.
fn plain_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("1", true)]
    #[case("-5", true)]
    #[case("9999999999999999999", true)]
    #[case("1.0", false)]
    #[case("1e3", false)]
    #[case("-", false)]
    #[case("", false)]
    fn plain_integers(#[case] text: &str, #[case] plain: bool) {
        assert_eq!(plain_integer(text), plain, "{text}");
    }
}
