//! Given/When steps: compose a request from the fixtures, then break it on purpose.

use cucumber::{given, when};
use serde_json::{Map, Value};

use crate::client::{HeaderEdit, JweMutation};
use crate::crypto::ids::TimeZoneName;
use crate::secret::Secret;

use super::world::{Body, FixtureRecord, KonaWorld};

/// The role a plain "valid request" uses on each endpoint.
pub fn default_role(endpoint: &str) -> &'static str {
    match endpoint {
        "deduction-info" => "authed",
        "card-info" => "active",
        _ => "valid",
    }
}

/// The fixture map (members, cards, bank accounts) an endpoint's requests come from.
pub fn fixture_kind(endpoint: &str) -> &'static str {
    match endpoint {
        "deduction-info" => "member",
        "card-info" => "card",
        _ => "bank account",
    }
}

/// The request body of `role` on `endpoint`, or why the fixtures cannot supply it.
pub fn fixture_body(
    fixtures: &crate::fixtures::Fixtures,
    endpoint: &str,
    role: &str,
) -> Result<(Map<String, Value>, FixtureRecord), String> {
    let missing = || format!("the fixtures have no {} \"{role}\"", fixture_kind(endpoint));
    let mut map = Map::new();
    let record = match endpoint {
        "deduction-info" => {
            let m = fixtures.members.get(role).ok_or_else(missing)?;
            map.insert("userId".into(), Value::from(m.user_id));
            FixtureRecord::Member(m.clone())
        }
        "card-info" => {
            let c = fixtures.cards.get(role).ok_or_else(missing)?;
            map.insert("cardNo".into(), Value::from(c.card_no.clone()));
            FixtureRecord::Card(Box::new(c.clone()))
        }
        _ => {
            let a = fixtures.bank_accounts.get(role).ok_or_else(missing)?;
            map = bank_body(a);
            FixtureRecord::BankAccount
        }
    };
    Ok((map, record))
}

pub fn bank_body(a: &crate::fixtures::BankAccountFixture) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("bankAccount".into(), Value::from(a.bank_account.clone()));
    map.insert("bankCode".into(), Value::from(a.bank_code.clone()));
    map.insert("birthDate".into(), Value::from(a.birth_date.clone()));
    map.insert("userId".into(), Value::from(a.user_id));
    map.insert("userName".into(), Value::from(a.user_name.clone()));
    map
}

fn start_from_fixture(world: &mut KonaWorld, endpoint: &str, role: &str) {
    if let Err(e) = world.set_endpoint(endpoint) {
        panic!("{e}");
    }
    match fixture_body(&world.ctx.fixtures, endpoint, role) {
        Ok((map, record)) => {
            world.body = Some(Body::Fields(map));
            world.fixture = Some(record);
        }
        Err(reason) => world.not_verified = Some(reason),
    }
}

#[given(expr = "the member {string} from the fixtures")]
fn member(world: &mut KonaWorld, role: String) {
    start_from_fixture(world, "deduction-info", &role);
}

#[given(expr = "the card {string} from the fixtures")]
fn card(world: &mut KonaWorld, role: String) {
    start_from_fixture(world, "card-info", &role);
}

#[given(expr = "the bank account {string} from the fixtures")]
fn bank_account(world: &mut KonaWorld, role: String) {
    start_from_fixture(world, "bank-account-valid", &role);
}

#[given(expr = "a valid request to {string}")]
fn valid_request(world: &mut KonaWorld, endpoint: String) {
    start_from_fixture(world, &endpoint, default_role(&endpoint));
}

fn edit_fields(world: &mut KonaWorld, edit: impl FnOnce(&mut Map<String, Value>)) {
    match world.fields_mut() {
        Ok(map) => edit(map),
        Err(e) => panic!("{e}"),
    }
}

/// The value is a JSON literal as written in the feature: big integers stay exact.
#[given(regex = r#"^the field "([^"]+)" is set to (.+)$"#)]
fn field_set(world: &mut KonaWorld, field: String, literal: String) {
    let value: Value = serde_json::from_str(literal.trim())
        .unwrap_or_else(|e| panic!("the feature's value {literal} is not a JSON literal: {e}"));
    edit_fields(world, |map| {
        map.insert(field, value);
    });
}

#[given(regex = r#"^the field "([^"]+)" is left out$"#)]
fn field_removed(world: &mut KonaWorld, field: String) {
    edit_fields(world, |map| {
        map.remove(&field);
    });
}

/// Hangul on purpose: the limit counts characters, not bytes.
#[given(regex = r#"^the field "([^"]+)" is a string of (\d+) characters$"#)]
fn field_long(world: &mut KonaWorld, field: String, count: usize) {
    edit_fields(world, |map| {
        map.insert(field, Value::from("가".repeat(count)));
    });
}

#[given(regex = r#"^the header "([^"]+)" is left out$"#)]
fn header_removed(world: &mut KonaWorld, header: String) {
    world.spec.header_edits.push(HeaderEdit::Remove(header));
}

#[given(regex = r#"^the header "([^"]+)" is "([^"]*)"$"#)]
fn header_set(world: &mut KonaWorld, header: String, value: String) {
    world.spec.header_edits.push(HeaderEdit::Set(header, value));
}

#[given("the tran token is computed over a different body")]
fn token_other_body(world: &mut KonaWorld) {
    // Sign a body one byte longer than the one sent.
    world.spec.sign_other_body = Some(b"{\"tampered\":true}".to_vec());
}

#[given("the tran token is computed with another secret key")]
fn token_other_secret(world: &mut KonaWorld) {
    world.spec.secret_override = Some(Secret::new("a-secret-key-the-target-never-issued"));
}

#[given(regex = r"^the tran time is shifted by (-?\d+) minutes$")]
fn tran_time_shift(world: &mut KonaWorld, minutes: i64) {
    world.spec.clock_shift = Some(chrono::Duration::minutes(minutes));
}

#[given("the request states its time in UTC")]
fn time_in_utc(world: &mut KonaWorld) {
    world.spec.time_zone = Some(TimeZoneName::Utc);
}

/// The text between the single quotes is sent as it is.
#[given(regex = r"^the body is replaced by '(.*)'$")]
fn body_replaced(world: &mut KonaWorld, text: String) {
    world.body = Some(Body::Raw(text.into_bytes()));
}

#[given(expr = "the body is sent as {string}")]
fn declared_content_type(world: &mut KonaWorld, declared: String) {
    world.spec.content_type = Some(declared);
}

#[given("the request is encrypted")]
fn encrypted(world: &mut KonaWorld) {
    world.spec.encrypt = true;
}

#[given(regex = r"^the encrypted data is replaced by (.+)$")]
fn enc_data_replaced(world: &mut KonaWorld, what: String) {
    let mutation = match what.as_str() {
        "a JWE with one part missing" => JweMutation::DropPart,
        "a JWE whose ciphertext is altered" => JweMutation::AlterCiphertext,
        "a JWE whose tag is altered" => JweMutation::AlterTag,
        other => match (
            other.strip_prefix("the text \""),
            other.strip_prefix("a JWE whose header names "),
        ) {
            (Some(t), _) => JweMutation::Text(t.trim_end_matches('"').to_owned()),
            (_, Some(alg)) => JweMutation::HeaderAlg(alg.to_owned()),
            _ => panic!("unknown encData replacement: {other}"),
        },
    };
    world.spec.enc_data_mutation = Some(mutation);
}

#[when("the request is sent")]
async fn send(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    if let Err(e) = world.send().await {
        panic!("{e}");
    }
}
