//! Given/When steps: compose a request from the fixtures (through the endpoint's request
//! recipe in the catalogue), then break it on purpose.

use cucumber::{given, when};
use serde_json::{Map, Value};

use crate::client::{HeaderEdit, JweMutation};
use crate::crypto::ids::TimeZoneName;
use crate::secret::Secret;

use super::world::{Body, KonaWorld};
use crate::contract::Endpoint;
use crate::fixtures::{Fixtures, Record, request_body};
use crate::judge::NotVerified;

/// Why a request cannot be made from the fixtures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The scenario cannot be verified on this target (the fixtures lack the role).
    NotVerified(NotVerified),
    /// The scenario itself is wrong (no recipe, a role its collection does not declare).
    Broken(String),
}

/// The one place a scenario's record is chosen: the request body and the record of `role`
/// for `endpoint`, from the fixtures.
pub fn record_for(
    contract: &crate::contract::Contract,
    fixtures: &Fixtures,
    endpoint: &Endpoint,
    role: &str,
) -> Result<(Map<String, Value>, Record), Unavailable> {
    let Some(recipe) = &endpoint.request else {
        return Err(Unavailable::Broken(format!(
            "endpoint {} has no request recipe in the catalogue",
            endpoint.id
        )));
    };
    let declared = contract
        .catalogue
        .collections
        .get(&recipe.collection)
        .is_some_and(|c| c.roles.contains_key(role));
    if !declared {
        return Err(Unavailable::Broken(format!(
            "{:?} is not a role of the catalogue's {} collection",
            role, recipe.collection
        )));
    }
    match fixtures.role(&recipe.collection, role) {
        Some(record) => Ok((request_body(recipe, record), record.clone())),
        None => Err(Unavailable::NotVerified(NotVerified::missing_role(
            format!("the target's fixtures have no {} \"{role}\"", recipe.noun),
            format!("{}.{role}", recipe.collection),
        ))),
    }
}

/// What a scenario's request is made from, as its Given step says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A real record of this role (the recipe's default role when None).
    Record(Option<&'a str>),
    /// Any well-formed request: the default role's record if the fixtures have one, else a
    /// synthesized request.
    WellFormed,
    /// Always a synthesized request, naming a record that most likely does not exist.
    MadeUp,
    /// A well-formed request whose listed fields are a real record's: the default role's
    /// record, else a request synthesized over the fixtures' `known` values when they hold
    /// every listed field.
    Real(&'a [String]),
}

/// Where a request whose listed fields must be real comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum RealFields {
    /// The default role's record: the request body and the record.
    Record(Map<String, Value>, Record),
    /// The fixtures' known values hold every listed field: synthesize over them.
    Known,
}

/// Where a request whose `fields` must be real comes from, or why neither a record nor the
/// fixtures' known values will do.
pub fn real_fields_source(
    contract: &crate::contract::Contract,
    fixtures: &Fixtures,
    endpoint: &Endpoint,
    fields: &[String],
) -> Result<RealFields, Unavailable> {
    let Some(recipe) = &endpoint.request else {
        return Err(Unavailable::Broken(format!(
            "endpoint {} has no request recipe in the catalogue",
            endpoint.id
        )));
    };
    if let Some(field) = fields.iter().find(|f| !recipe.body.contains(f)) {
        return Err(Unavailable::Broken(format!(
            "{field:?} is not a request field of {} (its recipe sends {})",
            endpoint.id,
            recipe.body.join(", ")
        )));
    }
    match record_for(contract, fixtures, endpoint, &recipe.default_role) {
        Ok((body, record)) => return Ok(RealFields::Record(body, record)),
        Err(Unavailable::Broken(reason)) => return Err(Unavailable::Broken(reason)),
        Err(Unavailable::NotVerified(_)) => {}
    }
    let known = fixtures.known(&recipe.collection);
    let lacking: Vec<&str> = fields
        .iter()
        .filter(|f| known.is_none_or(|k| !k.contains_key(f.as_str())))
        .map(String::as_str)
        .collect();
    if lacking.is_empty() {
        return Ok(RealFields::Known);
    }
    Err(Unavailable::NotVerified(NotVerified::missing_role(
        format!(
            "the target's fixtures have no {} \"{}\" and {}.known lacks {}",
            recipe.noun,
            recipe.default_role,
            recipe.collection,
            lacking.join(", ")
        ),
        format!("{}.{}", recipe.collection, recipe.default_role),
    )))
}

fn start_from_fixture(
    world: &mut KonaWorld,
    noun: Option<&str>,
    named: Option<&str>,
    source: Source<'_>,
) {
    let endpoint = match world.set_endpoint(named) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let Some(recipe) = &endpoint.request else {
        panic!(
            "endpoint {} has no request recipe in the catalogue",
            endpoint.id
        );
    };
    if let Some(noun) = noun
        && noun != recipe.noun
    {
        panic!(
            "the step asks for a {noun} but endpoint {} takes a {}",
            endpoint.id, recipe.noun
        );
    }
    let ctx = world.ctx.clone();
    let role = match source {
        Source::Record(role) => role.unwrap_or(&recipe.default_role).to_owned(),
        _ => recipe.default_role.clone(),
    };
    let record = match source {
        Source::MadeUp => Err(Unavailable::NotVerified(NotVerified::default())),
        Source::Real(fields) => {
            match real_fields_source(ctx.contract, &ctx.fixtures, endpoint, fields) {
                Ok(RealFields::Record(body, record)) => Ok((body, record)),
                // The known values cover the fields: synthesize over them, as below.
                Ok(RealFields::Known) => Err(Unavailable::NotVerified(NotVerified::default())),
                Err(Unavailable::NotVerified(reason)) => {
                    world.not_verified = Some(reason);
                    return;
                }
                Err(broken) => Err(broken),
            }
        }
        _ => record_for(ctx.contract, &ctx.fixtures, endpoint, &role),
    };
    match (record, source) {
        (Ok((map, record)), _) => {
            world.body = Some(Body::Fields(map));
            world.fixture = Some(record);
        }
        (
            Err(Unavailable::NotVerified(_)),
            Source::WellFormed | Source::MadeUp | Source::Real(_),
        ) => {
            let synthesized = crate::fixtures::synthesize::synthesized_body(
                ctx.contract,
                &ctx.fixtures,
                endpoint,
                ctx.seed,
            )
            .unwrap_or_else(|| panic!("no request can be synthesized for {}", endpoint.id));
            world.body = Some(Body::Fields(synthesized));
            world.synthesized = true;
        }
        (Err(Unavailable::NotVerified(reason)), Source::Record(_)) => {
            world.not_verified = Some(reason)
        }
        (Err(Unavailable::Broken(reason)), _) => panic!("{reason}"),
    }
}

/// `Given the card "active" from the fixtures`: the noun is the endpoint recipe's.
#[given(regex = r#"^the (.+) "([^"]+)" from the fixtures$"#)]
fn record_of_role(world: &mut KonaWorld, noun: String, role: String) {
    let named = endpoint_of_noun(world, &noun);
    start_from_fixture(
        world,
        Some(&noun),
        named.as_deref(),
        Source::Record(Some(&role)),
    );
}

#[given(expr = "a valid request to {string}")]
fn valid_request(world: &mut KonaWorld, endpoint: String) {
    start_from_fixture(world, None, Some(&endpoint), Source::Record(None));
}

/// The endpoint whose request recipe calls one record a `noun`.
fn endpoint_of_noun(world: &KonaWorld, noun: &str) -> Option<String> {
    world
        .ctx
        .contract
        .catalogue
        .endpoint_by_noun(noun)
        .map(|e| e.id.clone())
}

/// `Given a well-formed card inquiry`: the scenario needs no real record, only a request
/// valid in form (a fixture's when there is one, else synthesized).
#[given(regex = r"^a well-formed (.+) inquiry$")]
fn well_formed_inquiry(world: &mut KonaWorld, noun: String) {
    let named = endpoint_of_noun(world, &noun);
    start_from_fixture(world, Some(&noun), named.as_deref(), Source::WellFormed);
}

#[given(expr = "a well-formed request to {string}")]
fn well_formed_request(world: &mut KonaWorld, endpoint: String) {
    start_from_fixture(world, None, Some(&endpoint), Source::WellFormed);
}

/// `Given a well-formed bank account inquiry whose "bankCode" and "bankAccount" are real`:
/// the listed fields must be a real record's (the fixtures' record, or their known values);
/// the others may be synthesized.
#[given(regex = r"^a well-formed (.+) inquiry whose (.+) (?:is|are) real$")]
fn inquiry_with_real_fields(world: &mut KonaWorld, noun: String, fields: String) {
    let fields = quoted_names(&fields);
    let named = endpoint_of_noun(world, &noun);
    start_from_fixture(world, Some(&noun), named.as_deref(), Source::Real(&fields));
}

/// The names between double quotes in `text`: `"a", "b" and "c"`.
pub fn quoted_names(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// `Given the member found by asking about the card "active"`: a real record of the
/// scenario's collection, found through another endpoint's answer about a fixture record
/// (the catalogue's `foundThrough`). The question is evidence of the scenario, not one of
/// its own exchanges: its endpoint's scenarios judge that answer.
#[given(regex = r#"^the (.+) found by asking about the (.+) "([^"]+)"$"#)]
async fn found_by_asking(world: &mut KonaWorld, noun: String, asked_noun: String, role: String) {
    let contract = world.contract();
    let named = endpoint_of_noun(world, &noun);
    let endpoint = world
        .set_endpoint(named.as_deref())
        .unwrap_or_else(|e| panic!("{e}"));
    let (asked, link) =
        found_through(contract, endpoint, &asked_noun).unwrap_or_else(|e| panic!("{e}"));
    let ctx = world.ctx.clone();
    let body = match record_for(contract, &ctx.fixtures, asked, &role) {
        Ok((body, _)) => body,
        Err(Unavailable::NotVerified(reason)) => {
            world.not_verified = Some(reason);
            return;
        }
        Err(Unavailable::Broken(reason)) => panic!("{reason}"),
    };
    let spec = crate::client::RequestSpec {
        endpoint_id: asked.id.clone(),
        path: asked.path.clone(),
        body: serde_json::to_vec(&body).unwrap_or_default(),
        ..Default::default()
    };
    let exchange = ctx.client.send(&spec, &mut world.rng).await;
    if let Some(flow) = exchange.gave_up {
        world.give_up(flow, exchange.attempts.len() + 1);
        world.keep_lookup(exchange);
        return;
    }
    // An answer that breaks the contract fails this scenario too: a hostile or broken target
    // must not turn it into "not verified".
    let broken = crate::judge::answer::automatic(contract, asked, ctx.kind, &exchange);
    let found = exchange
        .response
        .as_ref()
        .and_then(|r| r.message())
        .and_then(|m| m.get(&link.answer_field))
        .filter(|v| !v.is_null())
        .cloned();
    let answered = crate::judge::answer::outcome(contract, &exchange)
        .map_or("no answer".to_owned(), |o| o.describe());
    world.keep_lookup(exchange);
    if !broken.is_empty() {
        world.conclude(broken);
    }
    let asked_about = format!("asking {} about the {asked_noun} \"{role}\"", asked.id);
    let Some(value) = found else {
        world.not_verified = Some(NotVerified::from(format!(
            "{asked_about} found no {noun}: the answer ({answered}) has no {}",
            link.answer_field
        )));
        return;
    };
    let mut fields = Map::new();
    fields.insert(link.field.clone(), value);
    // The two sides may rule the same field differently (errata E19: a card's userId may be
    // 0, a member inquiry's starts at 1): a value this request refuses names no record here.
    let refused = contract.validate(&endpoint.request_schema, &Value::Object(fields.clone()));
    if let Some(v) = refused.first() {
        world.not_verified = Some(NotVerified::from(format!(
            "{asked_about} named a {noun} whose {} the {} request refuses ({})",
            link.field, endpoint.id, v.message
        )));
        return;
    }
    world.body = Some(Body::Fields(fields));
}

/// The endpoint a `found by asking about the {asked_noun}` step asks, and the catalogue
/// link that says which field of its answer names a record of `endpoint`'s collection.
pub fn found_through<'c>(
    contract: &'c crate::contract::Contract,
    endpoint: &Endpoint,
    asked_noun: &str,
) -> Result<(&'c Endpoint, &'c crate::contract::catalogue::FoundThrough), String> {
    let catalogue = &contract.catalogue;
    let Some(asked) = catalogue.endpoint_by_noun(asked_noun) else {
        return Err(format!(
            "no endpoint's request recipe takes a {asked_noun:?}"
        ));
    };
    let collection = endpoint
        .request
        .as_ref()
        .map(|r| r.collection.as_str())
        .unwrap_or_default();
    catalogue
        .collections
        .get(collection)
        .and_then(|c| c.found_through.iter().find(|l| l.endpoint == asked.id))
        .map(|link| (asked, link))
        .ok_or_else(|| {
            format!(
                "the catalogue's {collection:?} collection has no foundThrough link from {}",
                asked.id
            )
        })
}

/// `Given a made-up card`: a synthesized request whose record most likely does not exist.
#[given(regex = r"^a made-up (.+)$")]
fn made_up(world: &mut KonaWorld, noun: String) {
    let named = endpoint_of_noun(world, &noun);
    start_from_fixture(world, Some(&noun), named.as_deref(), Source::MadeUp);
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

/// Another value of the field's own rule: well-formed, but naming something else (another
/// account number, another birth date, another name).
#[given(regex = r#"^the field "([^"]+)" is changed to another well-formed value$"#)]
fn field_set_to_another(world: &mut KonaWorld, field: String) {
    let Some(endpoint) = world.endpoint else {
        panic!("the field {field:?} can only be changed after a Given step picked an endpoint");
    };
    let (contract, seed) = (world.contract(), world.ctx.seed);
    edit_fields(world, |map| {
        let value = crate::fixtures::synthesize::another_value(
            contract,
            endpoint,
            &field,
            map.get(&field),
            seed,
        )
        .unwrap_or_else(|| {
            panic!(
                "no other well-formed value of {field:?} can be drawn from {}",
                endpoint.request_schema
            )
        });
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
/// The same JSON as the composed body, written the way no serializer writes it: members in
/// reverse order, spaces and line breaks around every token, the first character of every
/// string and every non-ASCII character as `\u` escapes. Any JSON parser reads it as the
/// same object; only the bytes differ.
pub fn loose_json(value: &Value) -> String {
    fn string(s: &str, out: &mut String) {
        out.push('"');
        for (i, c) in s.chars().enumerate() {
            if i == 0 || !c.is_ascii() || c == '"' || c == '\\' || c.is_control() {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            } else {
                out.push(c);
            }
        }
        out.push('"');
    }
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                out.push_str("{\n");
                for (i, (k, v)) in map.iter().rev().enumerate() {
                    if i > 0 {
                        out.push_str(" ,\n");
                    }
                    out.push_str("   ");
                    string(k, out);
                    out.push_str(" :\t");
                    write(v, out);
                }
                out.push_str("\n}");
            }
            Value::Array(items) => {
                out.push_str("[ ");
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" , ");
                    }
                    write(v, out);
                }
                out.push_str(" ]");
            }
            Value::String(s) => string(s, out),
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out.push('\n');
    out
}

#[given(
    "the body is written loosely, with spaces, escaped characters and its members in another order"
)]
fn body_loose(world: &mut KonaWorld) {
    let fields = match world.fields_mut() {
        Ok(map) => map.clone(),
        Err(e) => panic!("{e}"),
    };
    world.body = Some(Body::Raw(loose_json(&Value::Object(fields)).into_bytes()));
}

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

#[cfg(test)]
mod loose_tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(r#"{"cardNo":"9491337711220765"}"#)]
    #[case(r#"{"bankCode":"007","userName":"한선우","userId":6222067981643209468,"n":null}"#)]
    #[case(r#"{"a":{"b":[1,"x\"y"]},"c":"\\"}"#)]
    fn a_loose_body_is_the_same_json_in_other_bytes(#[case] compact: &str) {
        let value: Value = serde_json::from_str(compact).unwrap();
        let loose = loose_json(&value);
        assert_ne!(loose, compact);
        assert!(loose.contains("\\u00"), "{loose}");
        let back: Value = serde_json::from_str(&loose).unwrap();
        assert!(
            crate::contract::formats::same_json(&back, &value),
            "{loose}"
        );
    }
}
