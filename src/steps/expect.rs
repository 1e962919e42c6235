//! Then steps: compare the answer with the catalogue and the fixtures. Each one also reports
//! the automatic-check findings of the exchange (see `KonaWorld::conclude`).

use cucumber::then;
use serde_json::Value;

use crate::client::FailureClass;
use crate::contract::Strength;
use crate::fixtures::CardFixture;
use crate::runner::results::Finding;

use super::checks;
use super::world::{FixtureRecord, KonaWorld};

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
fn blame_for(world: &KonaWorld, documented: Option<&str>) -> checks::Blame {
    if let Some(id) = documented {
        return checks::Blame::same(id);
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
    checks::Blame {
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
    let (own, observation) = checks::expectation(
        contract,
        endpoint,
        world.ctx.kind,
        exchange,
        &expected,
        &blame,
        &case,
    );
    world.observations.extend(observation);
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

/// Exact comparison of a JSON number with a u64: through the number's own text, so nothing
/// is rounded (E04).
fn same_number(value: Option<&Value>, want: u64) -> bool {
    value
        .and_then(|v| match v {
            Value::Number(n) => n.to_string().parse::<u64>().ok(),
            _ => None,
        })
        .is_some_and(|n| n == want)
}

fn card_differences(card: &CardFixture, m: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut diff = |req: &str, what: String, got: String| out.push((req.to_owned(), what, got));
    let shown = |v: Option<&Value>| v.map_or("absent".to_owned(), Value::to_string);
    match &card.user_id {
        Some(None) if !matches!(m.get("userId"), None | Some(Value::Null)) => diff(
            "CARD-RESP-UNMAPPED-NULL",
            "userId null for a card mapped to no member".into(),
            format!("userId {}", shown(m.get("userId"))),
        ),
        Some(Some(id)) if !same_number(m.get("userId"), *id) => diff(
            "CARD-RESP-FIELDS",
            format!("userId {id} as in the fixtures"),
            format!("userId {}", shown(m.get("userId"))),
        ),
        _ => {}
    }
    if let Some(balance) = card.balance
        && !same_number(m.get("balance"), balance)
    {
        diff(
            "CARD-RESP-FIELDS",
            format!("balance {balance}"),
            format!("balance {}", shown(m.get("balance"))),
        );
    }
    let text = |k: &str| m.get(k).and_then(Value::as_str);
    for (key, want) in [
        ("cardStatus", &card.card_status),
        ("serviceId", &card.service_id),
        ("serviceName", &card.service_name),
    ] {
        if let Some(want) = want
            && text(key) != Some(want.as_str())
        {
            diff(
                "CARD-RESP-FIELDS",
                format!("{key} {want:?}"),
                format!("{key} {}", shown(m.get(key))),
            );
        }
    }
    match &card.owner_ka {
        Some(None) if m.get("ownerKa").is_some_and(|v| !v.is_null()) => diff(
            "CARD-RESP-FIELDS",
            "no ownerKa".into(),
            format!("ownerKa {}", shown(m.get("ownerKa"))),
        ),
        Some(Some(want)) if text("ownerKa") != Some(want.as_str()) => diff(
            "CARD-RESP-FIELDS",
            format!("ownerKa {want:?}"),
            format!("ownerKa {}", shown(m.get("ownerKa"))),
        ),
        _ => {}
    }
    match &card.cash_receipt_info {
        Some(None) if m.get("cashReceiptInfo").is_some_and(|v| !v.is_null()) => diff(
            "CARD-RESP-FIELDS",
            "no cashReceiptInfo".into(),
            "cashReceiptInfo present".into(),
        ),
        Some(Some(want)) => {
            let got = m.get("cashReceiptInfo");
            for (k, w) in [
                ("approvalDiv", &want.approval_div),
                ("idNo", &want.id_no),
                ("manYn", &want.man_yn),
            ] {
                if got.and_then(|g| g.get(k)).and_then(Value::as_str) != Some(w.as_str()) {
                    diff(
                        "CARD-RESP-FIELDS",
                        format!("cashReceiptInfo.{k} as in the fixtures"),
                        format!("cashReceiptInfo.{k} {}", shown(got.and_then(|g| g.get(k)))),
                    );
                }
            }
        }
        _ => {}
    }
    if let Some(want) = card.is_auto_recharge_before_payment
        && m.get("isAutoRechargeBeforePayment")
            .and_then(Value::as_bool)
            != Some(want)
    {
        diff(
            "CARD-RESP-FIELDS",
            format!("isAutoRechargeBeforePayment {want}"),
            format!(
                "isAutoRechargeBeforePayment {}",
                shown(m.get("isAutoRechargeBeforePayment"))
            ),
        );
    }
    out
}

#[then("the answer matches the fixture record")]
fn matches_fixture(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    let Some(m) = message(world) else {
        world.conclude(Vec::new());
        panic!("the answer has no readable JSON to compare with the fixtures");
    };
    let differences = match &world.fixture {
        Some(FixtureRecord::Member(member)) => match member.is_authed {
            Some(want) if m.get("isAuthed").and_then(Value::as_bool) != Some(want) => vec![(
                "DED-RESP-ISAUTHED".to_owned(),
                format!("isAuthed {want} as in the fixtures"),
                format!(
                    "isAuthed {}",
                    m.get("isAuthed").map_or("absent".into(), Value::to_string)
                ),
            )],
            _ => Vec::new(),
        },
        Some(FixtureRecord::Card(card)) => card_differences(card, &m),
        _ => Vec::new(),
    };
    let own = differences
        .into_iter()
        .map(|(req, want, got)| finding(world, &req, want, got))
        .collect();
    world.conclude(own);
}

#[then("the answer has userId null")]
fn user_id_null(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    let got = message(world).and_then(|m| m.get("userId").cloned());
    let own = match got {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => vec![finding(
            world,
            "CARD-RESP-UNMAPPED-NULL",
            "userId null".into(),
            format!("userId {v}"),
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
