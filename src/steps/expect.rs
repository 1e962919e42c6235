//! Then steps: compare the answer with the catalogue and the fixtures. Each one also reports
//! the automatic-check findings of the exchange (see `KonaWorld::conclude`).

use cucumber::then;
use serde_json::Value;

use crate::client::FailureClass;
use crate::contract::{NULL_REQUIREMENT, REQUIREMENT, Strength};
use crate::judge::Finding;

use super::world::KonaWorld;
use crate::judge::answer;

fn finding(world: &KonaWorld, requirement: &str, expected: String, actual: String) -> Finding {
    Finding {
        requirement: Some(requirement.to_owned()),
        class: FailureClass::Contract,
        expected,
        actual,
        schema_errors: Vec::new(),
        correlation_id: world
            .exchange
            .as_ref()
            .map(|e| e.correlation_id.clone())
            .unwrap_or_default(),
    }
}

/// Who is blamed when the answer differs: a documented row blames its own requirement; a
/// convention blames the scenario's convention-strength requirement for a different answer,
/// and its documented one for accepting what must be rejected.
fn blame_for(world: &KonaWorld, documented: Option<&str>) -> answer::Blame {
    if let Some(id) = documented {
        return answer::Blame::same(id);
    }
    let tags = world.requirements();
    let catalogue = &world.contract().catalogue;
    let strength = |id: &String| catalogue.requirement(id).map(|r| r.strength);
    let convention = tags
        .iter()
        .find(|id| strength(id) == Some(Strength::Convention));
    let documented = tags
        .iter()
        .find(|id| strength(id) == Some(Strength::Documented));
    let fallback = "RESP-CODE-KNOWN".to_owned();
    answer::Blame {
        rule: documented.or(convention).unwrap_or(&fallback).clone(),
        answer: convention.or(documented).unwrap_or(&fallback).clone(),
    }
}

fn answers(world: &mut KonaWorld, key: &str, field: Option<&str>) {
    if world.not_verified.is_some() {
        return;
    }
    let Some(endpoint) = world.endpoint else {
        panic!("no request was sent in this scenario");
    };
    let contract = world.contract();
    let Some(expected) = contract.catalogue.expected(&endpoint.id, key, field) else {
        panic!("the catalogue has no answer {key:?} for {}", endpoint.id);
    };
    let documented = endpoint
        .responses
        .iter()
        .find(|r| r.key == key)
        .map(|r| r.requirement.as_str());
    let blame = blame_for(world, documented);
    let Some(exchange) = world.exchange.as_ref() else {
        panic!("no request was sent in this scenario");
    };
    let case = match field {
        Some(f) => format!("{key} ({f})"),
        None => key.to_owned(),
    };
    let (own, observation) = answer::expectation(
        contract,
        endpoint,
        world.ctx.kind,
        exchange,
        &expected,
        &blame,
        &case,
        world.synthesized,
    );
    if own.is_empty() && observation.as_ref().is_none_or(|o| o.reading.is_none()) {
        world.exercised.insert(blame.answer.clone());
    }
    if expected.code != crate::judge::answer::SUCCESS {
        world
            .expected_rejection
            .get_or_insert_with(|| expected.code.clone());
    }
    world.observations.extend(observation);
    // Extra members pass (errata E26), and each is shown as what this target adds.
    if let Some(got) = answer::outcome(contract, exchange) {
        for member in answer::undocumented_members(contract, endpoint, exchange) {
            let o = answer::undocumented_member(endpoint, exchange, &got, &member);
            world.observations.push(o);
        }
    }
    world.conclude(own);
}

#[then(expr = "the target answers {string}")]
fn target_answers(world: &mut KonaWorld, key: String) {
    answers(world, &key, None);
}

#[then(expr = "the target answers {string} naming {string}")]
fn target_answers_naming(world: &mut KonaWorld, key: String, field: String) {
    answers(world, &key, Some(&field));
}

fn message(world: &KonaWorld) -> Option<Value> {
    world
        .exchange
        .as_ref()
        .and_then(|e| e.response.as_ref())
        .and_then(|r| r.message().cloned())
}

/// The requirement a response property holds, from its schema annotations: for an
/// expected `null` the property's null requirement if it has one.
fn property_requirement(world: &KonaWorld, field: &str, null: bool) -> String {
    let Some(endpoint) = world.endpoint else {
        return "RESP-CODE-KNOWN".into();
    };
    let properties = world
        .contract()
        .schema_properties(&endpoint.response_schema);
    let rule = properties.get(field);
    let annotation = |name: &str| rule.and_then(|r| r.get(name)).and_then(Value::as_str);
    null.then(|| annotation(NULL_REQUIREMENT))
        .flatten()
        .or_else(|| annotation(REQUIREMENT))
        .unwrap_or(&endpoint.response_requirement)
        .to_owned()
}

/// Where the answer differs from what the record expects, as (what, expected, got). A
/// `null` expects the field null or absent; an object is compared member by member (only
/// the members the record has); anything else must be equal (numbers by their exact text).
fn differences(path: &str, want: &Value, got: Option<&Value>, out: &mut Vec<(String, String)>) {
    let shown = |v: Option<&Value>| v.map_or("absent".to_owned(), Value::to_string);
    // Nested values may be personal (cash-receipt ids): only top-level ones are quoted.
    let quoted = |v: &Value| {
        if path.contains('.') {
            "as in the fixtures".to_owned()
        } else {
            v.to_string()
        }
    };
    match (want, got) {
        (Value::Null, None | Some(Value::Null)) => {}
        (Value::Null, Some(g)) => out.push((
            format!("{path} null or absent"),
            format!("{path} {}", quoted(g)),
        )),
        (Value::Object(w), Some(Value::Object(g))) => {
            for (k, wv) in w {
                differences(&format!("{path}.{k}"), wv, g.get(k), out);
            }
        }
        (w, g) if !g.is_some_and(|g| crate::contract::formats::same_json(w, g)) => out.push((
            format!("{path} {} as in the fixtures", quoted(w)),
            format!(
                "{path} {}",
                match g {
                    Some(g) => quoted(g),
                    None => shown(None),
                }
            ),
        )),
        _ => {}
    }
}

/// Every response field the record holds (those its request recipe does not send) must
/// come back as recorded; each difference blames the requirement the response schema
/// names for that field.
#[then("the answer matches the fixture record")]
fn matches_fixture(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    let Some(m) = message(world) else {
        world.conclude(Vec::new());
        panic!("the answer has no readable JSON to compare with the fixtures");
    };
    let (Some(endpoint), Some(record)) = (world.endpoint, world.fixture.as_ref()) else {
        world.conclude(Vec::new());
        panic!("the scenario did not start from a fixture record");
    };
    let sent: Vec<&String> = endpoint.request.iter().flat_map(|r| &r.body).collect();
    let response_fields = world
        .contract()
        .schema_properties(&endpoint.response_schema);
    let mut own = Vec::new();
    for (field, want) in record {
        if sent.contains(&field) || !response_fields.contains_key(field) {
            continue;
        }
        let mut found = Vec::new();
        differences(field, want, m.get(field), &mut found);
        let requirement = property_requirement(world, field, want.is_null());
        for (expected, actual) in found {
            own.push(finding(world, &requirement, expected, actual));
        }
    }
    world.conclude(own);
}

#[then(regex = r"^the answer has (\w+) null$")]
fn field_null(world: &mut KonaWorld, field: String) {
    if world.not_verified.is_some() {
        return;
    }
    let got = message(world).and_then(|m| m.get(&field).cloned());
    let own = match got {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => vec![finding(
            world,
            &property_requirement(world, &field, true),
            format!("{field} null"),
            format!("{field} {v}"),
        )],
    };
    world.conclude(own);
}

fn is_encrypted(world: &KonaWorld) -> bool {
    let field = &world.contract().catalogue.envelope.encrypted_field;
    world
        .exchange
        .as_ref()
        .and_then(|e| e.response.as_ref())
        .and_then(|r| r.json())
        .is_some_and(|b| b.get(field).is_some())
}

#[then("the answer is encrypted for the partner's key")]
fn answer_encrypted(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    let decrypted = world
        .exchange
        .as_ref()
        .and_then(|e| e.response.as_ref())
        .is_some_and(|r| matches!(r.plaintext, Some(Ok(_))));
    let own = if is_encrypted(world) && decrypted {
        Vec::new()
    } else {
        vec![finding(
            world,
            "ENC-RESPONSE",
            "an {\"encData\": JWE} answer that decrypts with the partner's private key".into(),
            if is_encrypted(world) {
                "encData that does not decrypt".into()
            } else {
                "a plain answer".into()
            },
        )]
    };
    world.conclude(own);
}

#[then("the answer is not encrypted")]
fn answer_plain(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    let own = if is_encrypted(world) {
        vec![finding(
            world,
            "ENC-RESPONSE",
            "a plain JSON answer (errata E20)".into(),
            "an encrypted answer".into(),
        )]
    } else {
        Vec::new()
    };
    world.conclude(own);
}

#[then("the response echoes the request's correlation id")]
fn echoes_correlation_id(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    let Some(exchange) = world.exchange.as_ref() else {
        panic!("no request was sent in this scenario");
    };
    let got = exchange
        .response
        .as_ref()
        .and_then(|r| r.header(crate::client::headers::CORRELATION_ID))
        .map(str::to_owned);
    let own = if got.as_deref() == Some(exchange.correlation_id.as_str()) {
        Vec::new()
    } else {
        vec![finding(
            world,
            "RESP-CORRELATION-ECHO",
            format!("X-KM-Correlation-Id {}", exchange.correlation_id),
            got.unwrap_or_else(|| "no X-KM-Correlation-Id".into()),
        )]
    };
    world.conclude(own);
}
