//! One direct request per fault: against a sandbox with the fault injected the answer shows
//! the deviation, and the same request against the faithful sandbox does not. The last test
//! checks that every fault in `Fault::ALL` has its case here.

use std::time::Duration;

use kona_conformance::client::{Exchange, HeaderEdit, KonaClient, RequestSpec, TransportOptions};
use kona_conformance::contract::Contract;
use kona_conformance::fixtures::Fixtures;
use kona_conformance::mutants::MutantsOptions;
use kona_conformance::sandbox::fault::SLOW_RESPONSE;
use kona_conformance::sandbox::{Fault, Sandbox, SandboxConfig, embedded_target, seeded_fixtures};
use kona_conformance::secret::Secret;
use rand::SeedableRng;
use rstest::rstest;
use serde_json::{Map, Value};

const DEDUCTION: &str = "deduction-info";
const CARD: &str = "card-info";
const BANK: &str = "bank-account-valid";
/// The largest userId the pages allow (errata E04).
const MAX_USER_ID: u128 = 9_999_999_999_999_999_999;

/// A request, and how its exchange shows the fault.
struct Probe {
    spec: RequestSpec,
    deviates: Box<dyn Fn(&Exchange) -> bool>,
}

fn spec(endpoint: &str, body: Map<String, Value>) -> RequestSpec {
    let contract = Contract::shared().expect("the embedded contract loads");
    let path = contract
        .endpoint(endpoint)
        .expect("a catalogue endpoint")
        .path
        .clone();
    RequestSpec {
        endpoint_id: endpoint.into(),
        path,
        body: serde_json::to_vec(&Value::Object(body)).unwrap(),
        ..RequestSpec::default()
    }
}

fn card_body(card_no: &str) -> Map<String, Value> {
    Map::from_iter([("cardNo".to_owned(), Value::from(card_no))])
}

fn record(fixtures: &Fixtures, collection: &str, role: &str) -> Map<String, Value> {
    fixtures
        .role(collection, role)
        .unwrap_or_else(|| panic!("no {collection} role {role}"))
        .clone()
}

fn card(fixtures: &Fixtures, role: &str) -> RequestSpec {
    let no = record(fixtures, "cards", role)["cardNo"].clone();
    spec(CARD, Map::from_iter([("cardNo".to_owned(), no)]))
}

fn member(fixtures: &Fixtures, role: &str) -> RequestSpec {
    let id = record(fixtures, "members", role)["userId"].clone();
    spec(DEDUCTION, Map::from_iter([("userId".to_owned(), id)]))
}

fn bank(fixtures: &Fixtures, role: &str) -> RequestSpec {
    spec(BANK, record(fixtures, "bankAccounts", role))
}

fn status(ex: &Exchange) -> u16 {
    ex.response.as_ref().map_or(0, |r| r.status)
}

fn message(ex: &Exchange) -> Value {
    ex.response
        .as_ref()
        .and_then(|r| r.message().cloned())
        .unwrap_or(Value::Null)
}

fn code(ex: &Exchange) -> String {
    message(ex)["response"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn description(ex: &Exchange) -> String {
    message(ex)["response"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn header(ex: &Exchange, name: &str) -> Option<String> {
    ex.response
        .as_ref()
        .and_then(|r| r.header(name))
        .map(str::to_owned)
}

/// A number's exact value (the JSON text, never a float).
fn exact(v: &Value) -> Option<u128> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// A card role mapped to a member whose userId a 64-bit float cannot hold exactly.
fn big_id_card(fixtures: &Fixtures) -> (String, u64) {
    fixtures.collections["cards"]
        .roles
        .iter()
        .filter(|(role, _)| role.as_str() != "unknown")
        .find_map(|(_, c)| match c.get("userId").and_then(Value::as_u64) {
            Some(id) if id as f64 as u64 != id => {
                Some((c["cardNo"].as_str().unwrap_or_default().to_owned(), id))
            }
            _ => None,
        })
        .expect("a seeded card maps to a userId above 2^53")
}

fn accepted(ex: &Exchange) -> bool {
    status(ex) == 200 && code(ex) == "000_000"
}

fn probe(name: &str, fixtures: &Fixtures) -> Probe {
    let fault: Fault = name.parse().expect("a fault name");
    let p = |spec: RequestSpec, deviates: Box<dyn Fn(&Exchange) -> bool>| Probe { spec, deviates };
    match fault {
        Fault::AcceptAnyToken => {
            let mut s = card(fixtures, "active");
            s.secret_override = Some(Secret::new("a-secret-key-the-target-never-issued"));
            p(s, Box::new(accepted))
        }
        Fault::AcceptStaleTranTime => {
            let mut s = card(fixtures, "active");
            s.clock_shift = Some(chrono::Duration::minutes(-30));
            p(s, Box::new(accepted))
        }
        Fault::AcceptUnknownCredentials => {
            let mut s = card(fixtures, "active");
            s.header_edits = vec![HeaderEdit::Set(
                "X-KM-User-AspId".into(),
                "999999999999999".into(),
            )];
            p(s, Box::new(accepted))
        }
        Fault::AcceptAnyContentType => {
            let mut s = card(fixtures, "active");
            s.content_type = Some("text/plain".into());
            p(s, Box::new(accepted))
        }
        Fault::AcceptMissingTimeZone => {
            let mut s = bank(fixtures, "valid");
            s.header_edits = vec![HeaderEdit::Remove("X-KM-Time-Zone".into())];
            p(s, Box::new(accepted))
        }
        Fault::AcceptLongCardNo => {
            // The active card's number with one more digit: its first 16 name a real card.
            let long = format!(
                "{}1",
                record(fixtures, "cards", "active")["cardNo"]
                    .as_str()
                    .unwrap()
            );
            p(spec(CARD, card_body(&long)), Box::new(accepted))
        }
        Fault::WrongSuccessMessage => p(
            card(fixtures, "active"),
            Box::new(|ex| code(ex) == "000_000" && description(ex) != "Success."),
        ),
        Fault::WrongErrorMessage => p(
            spec(CARD, card_body("12345")),
            Box::new(|ex| code(ex) == "000_002" && description(ex) != "Invalid input parameter."),
        ),
        Fault::NameMismatchAsNotFound => p(
            bank(fixtures, "name-mismatch"),
            Box::new(|ex| code(ex) == "002_007"),
        ),
        Fault::InvalidInput422 => p(
            spec(CARD, card_body("12345")),
            Box::new(|ex| code(ex) == "000_002" && status(ex) == 422),
        ),
        Fault::FrozenAccountAccepted => {
            p(bank(fixtures, "account-not-tradable"), Box::new(accepted))
        }
        Fault::MissingFieldUnnamed => p(
            spec(CARD, Map::new()),
            Box::new(|ex| code(ex) == "000_003" && !description(ex).contains("cardNo")),
        ),
        Fault::NameCheck500 => p(
            bank(fixtures, "name-check-unavailable"),
            Box::new(|ex| code(ex) == "002_002" && status(ex) == 500),
        ),
        Fault::UndocumentedCode => {
            let catalogued: Vec<String> = Contract::shared()
                .unwrap()
                .catalogue
                .known_codes(CARD)
                .into_iter()
                .map(|(_, c)| c)
                .collect();
            p(
                card(fixtures, "unknown"),
                Box::new(move |ex| !catalogued.contains(&code(ex))),
            )
        }
        Fault::NoServiceName => p(
            card(fixtures, "active"),
            Box::new(|ex| accepted(ex) && message(ex).get("serviceName").is_none()),
        ),
        Fault::BalanceAsString => p(
            card(fixtures, "max-balance"),
            Box::new(|ex| message(ex)["balance"].is_string()),
        ),
        Fault::NegativeBalance => p(
            card(fixtures, "max-balance"),
            Box::new(|ex| message(ex)["balance"].as_i64().is_some_and(|b| b < 0)),
        ),
        Fault::UserIdOverMax => {
            let (card_no, _) = big_id_card(fixtures);
            p(
                spec(CARD, card_body(&card_no)),
                Box::new(|ex| exact(&message(ex)["userId"]).is_some_and(|id| id > MAX_USER_ID)),
            )
        }
        Fault::RoundedUserId => {
            let (card_no, id) = big_id_card(fixtures);
            p(
                spec(CARD, card_body(&card_no)),
                Box::new(move |ex| {
                    accepted(ex) && exact(&message(ex)["userId"]) != Some(u128::from(id))
                }),
            )
        }
        Fault::CardStatusClosed => p(
            card(fixtures, "terminated"),
            Box::new(|ex| message(ex)["cardStatus"] == "CLOSED"),
        ),
        Fault::ServiceIdOf14 => p(
            card(fixtures, "active"),
            Box::new(|ex| {
                message(ex)["serviceId"]
                    .as_str()
                    .is_some_and(|s| s.chars().count() == 14)
            }),
        ),
        Fault::UnmappedUserId => p(
            card(fixtures, "unmapped"),
            Box::new(|ex| accepted(ex) && !message(ex)["userId"].is_null()),
        ),
        Fault::IsAuthedInverted => {
            let authed = record(fixtures, "members", "authed")["isAuthed"].clone();
            assert_eq!(authed, Value::Bool(true));
            p(
                member(fixtures, "authed"),
                Box::new(|ex| message(ex)["isAuthed"] == false),
            )
        }
        Fault::PlainCardAnswer => {
            let mut s = card(fixtures, "active");
            s.encrypt = true;
            p(
                s,
                Box::new(|ex| {
                    accepted(ex)
                        && ex
                            .response
                            .as_ref()
                            .and_then(|r| r.json())
                            .is_some_and(|b| b.get("encData").is_none())
                }),
            )
        }
        Fault::WrongEncryptionKey => {
            let mut s = card(fixtures, "active");
            s.encrypt = true;
            p(
                s,
                Box::new(|ex| {
                    ex.response
                        .as_ref()
                        .is_some_and(|r| matches!(r.plaintext, Some(Err(_))))
                }),
            )
        }
        Fault::SlowMemberLookup => p(
            member(fixtures, "authed"),
            Box::new(|ex| {
                ex.failure
                    .as_ref()
                    .is_some_and(|f| f.reason.contains("timed out"))
            }),
        ),
        Fault::NoCorrelationEcho => p(
            card(fixtures, "active"),
            Box::new(|ex| header(ex, "X-KM-Correlation-Id").is_none()),
        ),
        Fault::CorrelationRegenerated => p(
            card(fixtures, "active"),
            Box::new(|ex| {
                header(ex, "X-KM-Correlation-Id")
                    .is_some_and(|got| got != ex.correlation_id && got.len() == 20)
            }),
        ),
        Fault::TextPlainContentType => p(
            card(fixtures, "active"),
            Box::new(|ex| {
                accepted(ex)
                    && header(ex, "Content-Type").is_some_and(|ct| ct.starts_with("text/plain"))
            }),
        ),
        Fault::RejectAll => p(card(fixtures, "active"), Box::new(|ex| status(ex) == 401)),
        Fault::OneAccountClosed => p(
            bank(fixtures, "valid"),
            Box::new(|ex| code(ex) == "002_006"),
        ),
        Fault::DuplicateMemberNames => p(
            card(fixtures, "active"),
            Box::new(|ex| {
                ex.response.as_ref().is_some_and(|r| {
                    String::from_utf8_lossy(&r.body)
                        .contains(r#""code":"999_999","code":"000_000""#)
                })
            }),
        ),
        Fault::TokenOverReserializedBody => {
            // Valid, signed over its exact bytes, but not written compactly.
            let mut s = card(fixtures, "active");
            let value: Value = serde_json::from_slice(&s.body).unwrap();
            s.body = kona_conformance::steps::request::loose_json(&value).into_bytes();
            p(s, Box::new(|ex| status(ex) == 401))
        }
    }
}

async fn send(fault: Option<Fault>, spec: &RequestSpec) -> Exchange {
    let sandbox = Sandbox::start(SandboxConfig {
        fault,
        ..SandboxConfig::for_certification()
    })
    .await
    .expect("the sandbox starts");
    // The mutants run's time budget, which the slow fault exceeds.
    let client = KonaClient::new(
        embedded_target(&sandbox.base_url()),
        &TransportOptions {
            timeout: MutantsOptions::default().timeout,
            ..TransportOptions::default()
        },
    )
    .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let exchange = client.send(spec, &mut rng).await;
    sandbox.shutdown().await;
    exchange
}

fn describe(ex: &Exchange) -> String {
    match (&ex.response, &ex.failure) {
        (Some(r), _) => format!(
            "HTTP {} {:?} {}",
            r.status,
            r.header("Content-Type"),
            message(ex)
        ),
        (None, Some(f)) => format!("no answer: {}", f.reason),
        (None, None) => "nothing".into(),
    }
}

#[rstest]
#[case::accept_any_token("accept-any-token")]
#[case::accept_stale_tran_time("accept-stale-tran-time")]
#[case::accept_unknown_credentials("accept-unknown-credentials")]
#[case::accept_any_content_type("accept-any-content-type")]
#[case::accept_missing_time_zone("accept-missing-time-zone")]
#[case::accept_long_card_no("accept-long-card-no")]
#[case::wrong_success_message("wrong-success-message")]
#[case::wrong_error_message("wrong-error-message")]
#[case::name_mismatch_as_not_found("name-mismatch-as-not-found")]
#[case::invalid_input_422("invalid-input-422")]
#[case::frozen_account_accepted("frozen-account-accepted")]
#[case::missing_field_unnamed("missing-field-unnamed")]
#[case::name_check_500("name-check-500")]
#[case::undocumented_code("undocumented-code")]
#[case::no_service_name("no-service-name")]
#[case::balance_as_string("balance-as-string")]
#[case::negative_balance("negative-balance")]
#[case::user_id_over_max("user-id-over-max")]
#[case::rounded_user_id("rounded-user-id")]
#[case::card_status_closed("card-status-closed")]
#[case::service_id_of_14("service-id-of-14")]
#[case::unmapped_user_id("unmapped-user-id")]
#[case::is_authed_inverted("is-authed-inverted")]
#[case::plain_card_answer("plain-card-answer")]
#[case::wrong_encryption_key("wrong-encryption-key")]
#[case::slow_member_lookup("slow-member-lookup")]
#[case::no_correlation_echo("no-correlation-echo")]
#[case::correlation_regenerated("correlation-regenerated")]
#[case::text_plain_content_type("text-plain-content-type")]
#[case::reject_all("reject-all")]
#[case::one_account_closed("one-account-closed")]
#[case::duplicate_member_names("duplicate-member-names")]
#[case::token_over_reserialized_body("token-over-reserialized-body")]
#[tokio::test]
async fn the_fault_shows_and_the_faithful_sandbox_does_not(#[case] name: &str) {
    let fixtures = seeded_fixtures();
    let fault: Fault = name.parse().unwrap();
    let probe = probe(name, &fixtures);

    let faulty = send(Some(fault), &probe.spec).await;
    assert!(
        (probe.deviates)(&faulty),
        "{name}: the deviation does not show: {}",
        describe(&faulty)
    );
    let faithful = send(None, &probe.spec).await;
    assert!(
        faithful.failure.is_none() && !(probe.deviates)(&faithful),
        "{name}: the faithful sandbox deviates too: {}",
        describe(&faithful)
    );
}

#[test]
fn every_fault_has_a_case() {
    let source = include_str!("sandbox_faults.rs");
    for fault in Fault::ALL {
        assert!(
            source.contains(&format!("(\"{}\")]", fault.name())),
            "no case for {fault}"
        );
    }
    assert!(Fault::ALL.len() >= 25);
}

#[test]
fn the_slow_fault_outlasts_the_mutants_time_budget() {
    let budget = MutantsOptions::default().timeout;
    assert!(SLOW_RESPONSE > budget);
    assert!(
        SLOW_RESPONSE < budget + Duration::from_secs(2),
        "keep the mutants run fast"
    );
}
