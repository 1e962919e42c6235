//! Generated cases: valid requests drawn from the target's fixtures, and invalid ones made by
//! breaking one constraint of the endpoint's request schema at a time. Everything follows
//! from the seed, so a failure names the seed and case number that reproduce it.

use cucumber::{then, when};
use fake::Fake;
use fake::faker::lorem::en::Word;
use futures::StreamExt;
// fake brings its own rand generation; generation draws from it, sending from ours.
use fake::rand::SeedableRng as _;
use fake::rand::rngs::StdRng as GenRng;
use fake::rand::seq::IndexedRandom as _;
use rand::SeedableRng as _;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

use crate::client::RequestSpec;
use crate::contract::{Contract, Endpoint, FieldRule, INVALID_ANSWER};
use crate::fixtures::Fixtures;
use crate::judge::Finding;

use super::world::KonaWorld;
use crate::fixtures::request_body;
use crate::fixtures::synthesize::fxhash;
use crate::judge::NotVerified;
use crate::judge::answer;

/// One generated request and the answer the catalogue expects for it.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedCase {
    pub index: usize,
    /// What was done to the valid request, in words (never the personal values themselves).
    pub description: String,
    pub body: Map<String, Value>,
    pub expected_key: String,
    pub field: Option<String>,
}

/// One way to break one constraint of one field.
#[derive(Debug, Clone, PartialEq)]
struct Breakage {
    field: String,
    description: String,
    value: Option<Value>,
    expected_key: String,
    names_field: bool,
    /// A rule between fields to break instead of setting `value` (which then stays `None`).
    rule: Option<FieldRule>,
}

/// The valid request bodies the fixtures offer for `endpoint`: the pool of its recipe's
/// collection, plus the roles the recipe says succeed.
fn valid_bodies(fixtures: &Fixtures, endpoint: &Endpoint) -> Vec<Map<String, Value>> {
    let Some(recipe) = &endpoint.request else {
        return Vec::new();
    };
    fixtures
        .pool(&recipe.collection)
        .iter()
        .chain(
            recipe
                .generated_roles
                .iter()
                .filter_map(|r| fixtures.role(&recipe.collection, r)),
        )
        .map(|record| request_body(recipe, record))
        .collect()
}

fn plus_one(n: &serde_json::Number) -> Option<Value> {
    let v: u128 = n.to_string().parse().ok()?;
    serde_json::from_str(&(v + 1).to_string()).ok()
}

fn minus_one(n: &serde_json::Number) -> Option<Value> {
    let v: i128 = n.to_string().parse().ok()?;
    serde_json::from_str(&(v - 1).to_string()).ok()
}

/// Every constraint of the request schema, broken once. The expected answer follows the
/// catalogue's keys: a missing field names it; a property annotated with its own answer
/// (`x-invalid-answer`) gets that answer for a value of the right type that breaks its rule.
fn breakages(contract: &Contract, endpoint: &Endpoint, rng: &mut GenRng) -> Vec<Breakage> {
    let Some(schema) = contract.schema_document(&endpoint.request_schema) else {
        return Vec::new();
    };
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, rule) in properties {
        let own_answer = rule.get(INVALID_ANSWER).and_then(Value::as_str);
        // A field with its own documented answer is not sent with another type: the docs
        // give that case no code.
        let own_code = own_answer.is_some();
        let invalid = own_answer.unwrap_or("invalid-input");
        let mut push = |description: String, value: Option<Value>, key: &str| {
            out.push(Breakage {
                field: field.clone(),
                description,
                value,
                expected_key: key.to_owned(),
                names_field: key == "missing-field",
                rule: None,
            })
        };
        if required.contains(field) {
            push(format!("{field} left out"), None, "missing-field");
            push(format!("{field} null"), Some(Value::Null), "missing-field");
        }
        match rule.get("type").and_then(Value::as_str) {
            Some("string") => {
                if !own_code {
                    push(
                        format!("{field} as a number"),
                        Some(Value::from(12345)),
                        invalid,
                    );
                }
                let digits = rule
                    .get("pattern")
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.contains("[0-9]"));
                let filler = |n: usize| {
                    if digits {
                        "7".repeat(n)
                    } else {
                        "가".repeat(n)
                    }
                };
                if let Some(max) = rule.get("maxLength").and_then(Value::as_u64) {
                    push(
                        format!("{field} of {} characters (max {max})", max + 1),
                        Some(Value::from(filler(max as usize + 1))),
                        invalid,
                    );
                }
                if let Some(min) = rule.get("minLength").and_then(Value::as_u64)
                    && min > 0
                {
                    push(
                        format!("{field} of {} characters (min {min})", min - 1),
                        Some(Value::from(filler(min as usize - 1))),
                        invalid,
                    );
                }
                if digits {
                    let len = rule
                        .get("maxLength")
                        .and_then(Value::as_u64)
                        .unwrap_or(8)
                        .clamp(2, 16) as usize;
                    let word: String = Word().fake_with_rng(rng);
                    let letter = word
                        .chars()
                        .find(|c| c.is_ascii_alphabetic())
                        .unwrap_or('x');
                    let mut s = "1".repeat(len - 1);
                    s.insert(len / 2, letter);
                    push(
                        format!("{field} with a letter"),
                        Some(Value::from(s)),
                        invalid,
                    );
                }
                if rule.get("format").and_then(Value::as_str) == Some("kona-date") {
                    push(
                        format!("{field} not a calendar date"),
                        Some(Value::from("19751332")),
                        invalid,
                    );
                }
            }
            Some("integer") => {
                push(
                    format!("{field} as a string"),
                    Some(Value::from("1")),
                    invalid,
                );
                push(
                    format!("{field} as a fraction"),
                    Some(serde_json::from_str("1.5").unwrap_or(Value::Null)),
                    invalid,
                );
                if let Some(Value::Number(max)) = rule.get("maximum") {
                    push(
                        format!("{field} one above its maximum"),
                        plus_one(max),
                        invalid,
                    );
                }
                if let Some(Value::Number(min)) = rule.get("minimum") {
                    push(
                        format!("{field} one below its minimum"),
                        minus_one(min),
                        invalid,
                    );
                }
            }
            _ => {}
        }
    }
    // Every rule between fields, broken once from a valid body.
    out.extend(endpoint.field_rules.iter().map(|rule| Breakage {
        field: rule.named_field().to_owned(),
        description: String::new(),
        value: None,
        expected_key: rule.answer().to_owned(),
        names_field: true,
        rule: Some(rule.clone()),
    }));
    out
}

/// `count` cases for `endpoint`: even indexes valid, odd ones breaking a constraint (in turn,
/// so every constraint is broken once before any is broken twice).
pub fn generate(
    contract: &Contract,
    fixtures: &Fixtures,
    endpoint: &Endpoint,
    seed: u64,
    count: usize,
) -> Vec<GeneratedCase> {
    cases(contract, fixtures, endpoint, seed, count).collect()
}

/// The cases of [`generate`], one at a time: a run of any size holds only those in flight.
pub fn cases(
    contract: &Contract,
    fixtures: &Fixtures,
    endpoint: &Endpoint,
    seed: u64,
    count: usize,
) -> impl Iterator<Item = GeneratedCase> + use<> {
    let mut rng = GenRng::seed_from_u64(seed ^ fxhash(&endpoint.id));
    let valid = valid_bodies(fixtures, endpoint);
    let broken = if valid.is_empty() {
        Vec::new()
    } else {
        breakages(contract, endpoint, &mut rng)
    };
    let count = if valid.is_empty() { 0 } else { count };
    (0..count).map(move |index| {
        let base = valid.choose(&mut rng).cloned().unwrap_or_default();
        if index % 2 == 0 || broken.is_empty() {
            return GeneratedCase {
                index,
                description: "a valid request from the fixtures".into(),
                body: base,
                expected_key: "success".into(),
                field: None,
            };
        }
        let b = &broken[(index / 2) % broken.len()];
        let mut body = base;
        if let Some(rule) = &b.rule {
            let Some(description) = rule.break_in(&mut body) else {
                // This record lacks a field the rule needs: a valid case instead.
                return GeneratedCase {
                    index,
                    description: "a valid request from the fixtures".into(),
                    body,
                    expected_key: "success".into(),
                    field: None,
                };
            };
            return GeneratedCase {
                index,
                description,
                body,
                expected_key: b.expected_key.clone(),
                field: b.names_field.then(|| b.field.clone()),
            };
        }
        match &b.value {
            Some(v) => {
                body.insert(b.field.clone(), v.clone());
            }
            None => {
                body.remove(&b.field);
            }
        }
        GeneratedCase {
            index,
            description: b.description.clone(),
            body,
            expected_key: b.expected_key.clone(),
            field: b.names_field.then(|| b.field.clone()),
        }
    })
}

#[when("the generated cases for this endpoint are sent")]
async fn send_generated(world: &mut KonaWorld) {
    let Some(endpoint) = world.tagged_endpoint() else {
        panic!("a generated-cases scenario needs an @endpoint: tag on its feature");
    };
    world.endpoint = Some(endpoint);
    let ctx = world.ctx.clone();
    if ctx.generated_per_endpoint == 0 {
        world.not_verified = Some("generated cases are off for this run (--generated 0)".into());
        return;
    }
    let mut cases = cases(
        ctx.contract,
        &ctx.fixtures,
        endpoint,
        ctx.seed,
        ctx.generated_per_endpoint,
    )
    .peekable();
    if cases.peek().is_none() {
        world.not_verified = Some(NotVerified::from(format!(
            "the fixtures offer no valid {} request to generate cases from",
            endpoint.id
        )));
        return;
    }
    // A slow target gets the budget, not cases × answer time: no case starts after it.
    let total = ctx.generated_per_endpoint;
    let deadline = tokio::time::Instant::now() + ctx.generated_budget;
    let sending = ctx.clone();
    let results = futures::stream::iter(cases.map(move |case| {
        let ctx = sending.clone();
        async move {
            let spec = RequestSpec {
                endpoint_id: endpoint.id.clone(),
                path: endpoint.path.clone(),
                body: serde_json::to_vec(&case.body).unwrap_or_default(),
                ..RequestSpec::default()
            };
            let mut rng = StdRng::seed_from_u64(
                (ctx.seed ^ fxhash(&endpoint.id)).wrapping_add(case.index as u64),
            );
            let exchange = ctx.client.send(&spec, &mut rng).await;
            (case, exchange)
        }
    }))
    .take_while(|_| std::future::ready(tokio::time::Instant::now() < deadline))
    .buffer_unordered(ctx.generated_concurrency.max(1));
    let mut results = std::pin::pin!(results);

    // Each case is judged as its answer comes, journaled, and kept as an example only when
    // it is one: memory stays the same whatever the number of cases.
    let mut findings = Vec::new();
    let mut gave_up = None;
    let (mut sent, mut answered, mut answered_ms) = (0usize, 0u128, 0u128);
    let (mut kept_passed, mut kept_failed) = (0usize, 0usize);
    while let Some((case, exchange)) = results.next().await {
        sent += 1;
        if exchange.response.is_some() {
            answered += 1;
            answered_ms += exchange.duration.as_millis();
        }
        let mut example = false;
        if let Some(flow) = exchange.gave_up {
            // Flow control is not an answer: this case is not judged.
            gave_up.get_or_insert((flow, exchange.attempts.len() + 1));
            example = true;
        } else if let Some(expected) =
            ctx.contract
                .catalogue
                .expected(&endpoint.id, &case.expected_key, case.field.as_deref())
        {
            let requirement = case_requirement(ctx.contract, endpoint, &case);
            let mut own: Vec<Finding> =
                answer::automatic(ctx.contract, endpoint, ctx.kind, &exchange);
            let (more, observation) = answer::expectation(
                ctx.contract,
                endpoint,
                ctx.kind,
                &exchange,
                &expected,
                &answer::Blame::same(&requirement),
                &case.description,
                false,
            );
            if more.is_empty() && observation.as_ref().is_none_or(|o| o.reading.is_none()) {
                world.exercised.insert(requirement.clone());
            }
            own.extend(more);
            if !own.is_empty() || observation.as_ref().is_some_and(|o| o.reading.is_some()) {
                example = true;
            }
            if let Some(o) = observation {
                world.add_observation(o);
            }
            if !own.is_empty() {
                let label = format!(
                    "generated case {} of seed {} ({})",
                    case.index, ctx.seed, case.description
                );
                for f in &mut own {
                    f.expected = format!("{label}: {}", f.expected);
                }
                world.add_findings(&mut findings, own);
            }
        }
        if example && kept_failed < crate::steps::world::FAILED_EXAMPLES {
            kept_failed += 1;
            world.keep(exchange);
        } else if !example && kept_passed < crate::steps::world::PASSED_EXAMPLES {
            kept_passed += 1;
            world.keep(exchange);
        } else {
            world.pass_by(&exchange);
        }
    }
    if sent < total {
        let typical = match answered {
            0 => "no answer came".to_owned(),
            n => format!("answers took {} ms on average", answered_ms / n),
        };
        eprintln!(
            "{}",
            crate::redact::for_console(&format!(
                "generated cases for {}: {sent} of {total} sent; the {} s budget for generated cases ran out ({typical}); --generated sets fewer",
                endpoint.id,
                ctx.generated_budget.as_secs_f64()
            ))
        );
    }
    // Some cases went unjudged: the scenario no longer speaks for all of them.
    if let Some((flow, attempts)) = gave_up
        && findings.is_empty()
    {
        world.give_up(flow, attempts);
    }
    world.pending = findings;
}

/// The requirement a generated case's expectation holds, as the catalogue names it.
fn case_requirement(contract: &Contract, endpoint: &Endpoint, case: &GeneratedCase) -> String {
    contract
        .catalogue
        .answer_requirement(endpoint, &case.expected_key)
        .unwrap_or_else(|| "RESP-CODE-KNOWN".into())
}

#[then("every generated case got its catalogued answer")]
fn generated_verdict(world: &mut KonaWorld) {
    if world.not_verified.is_some() {
        return;
    }
    world.conclude(Vec::new());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::synthesize::{another_value, synthesized_body};

    #[rstest::rstest]
    #[case::bank_account("bank-account-valid", "bankAccount")]
    #[case::bank_code("bank-account-valid", "bankCode")]
    #[case::birth_date("bank-account-valid", "birthDate")]
    #[case::user_id("bank-account-valid", "userId")]
    #[case::user_name("bank-account-valid", "userName")]
    #[case::card_no("card-info", "cardNo")]
    #[case::member("deduction-info", "userId")]
    fn another_value_is_well_formed_and_never_the_current_one(
        #[case] endpoint: &str,
        #[case] field: &str,
    ) {
        let contract = Contract::shared().unwrap();
        let endpoint = contract.endpoint(endpoint).unwrap();
        for seed in 0..40 {
            let body = synthesized_body(contract, &Fixtures::empty(), endpoint, seed).unwrap();
            let other = another_value(contract, endpoint, field, body.get(field), seed).unwrap();
            assert_ne!(Some(&other), body.get(field), "seed {seed}");
            let mut changed = body.clone();
            changed.insert(field.to_owned(), other.clone());
            let violations = contract.validate(&endpoint.request_schema, &Value::Object(changed));
            assert!(violations.is_empty(), "{other}: {violations:?}");
        }
    }

    #[test]
    fn another_name_is_two_names_run_together() {
        let contract = Contract::shared().unwrap();
        let endpoint = contract.endpoint("bank-account-valid").unwrap();
        let current = Value::from("김영희");
        for seed in 0..40 {
            let other =
                another_value(contract, endpoint, "userName", Some(&current), seed).unwrap();
            // Korean names are two to five syllables; two of them run together are longer
            // than any name the generator draws on its own.
            assert!(other.as_str().unwrap().chars().count() >= 4, "{other}");
        }
    }

    #[test]
    fn arithmetic_on_the_maximum_is_exact() {
        let max: serde_json::Number = serde_json::from_str("9999999999999999999").unwrap();
        assert_eq!(plus_one(&max).unwrap().to_string(), "10000000000000000000");
        let one: serde_json::Number = serde_json::from_str("1").unwrap();
        assert_eq!(minus_one(&one).unwrap().to_string(), "0");
    }
}
