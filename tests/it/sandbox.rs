//! The embedded sandbox, end to end over HTTP: every documented behaviour and every
//! convention it answers with, each with a test that fails if the behaviour breaks.

use crate::support::sandbox as support;

use std::time::{Duration, Instant};

use chrono::{NaiveTime, TimeZone};
use kona_conformance::contract::Strength;
use kona_conformance::crypto::jwe::ContentEncryption;
use kona_conformance::crypto::{TimeZoneName, now_in};
use kona_conformance::fixtures::{Fixtures, Record};
use kona_conformance::sandbox::{
    Clock, Fault, MAX_USER_ID, Sandbox, SandboxConfig, SandboxError, credentials, kst,
    load_conventions, parse_conventions, seeded_fixtures,
};
use rstest::rstest;
use serde_json::{Value, json};
use support::*;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn fx() -> Fixtures {
    seeded_fixtures()
}

fn member_body(user_id: u64) -> String {
    format!(r#"{{"userId":{user_id}}}"#)
}

fn card_body(card_no: &str) -> String {
    json!({ "cardNo": card_no }).to_string()
}

/// The seeded record of `role` in `collection`.
fn record(collection: &str, role: &str) -> Record {
    fx().role(collection, role)
        .unwrap_or_else(|| panic!("no {collection} role {role}"))
        .clone()
}

fn user_id(role: &str) -> u64 {
    record("members", role)["userId"].as_u64().unwrap()
}

fn card_no(role: &str) -> String {
    record("cards", role)["cardNo"].as_str().unwrap().to_owned()
}

fn bank_body(role: &str) -> Value {
    Value::Object(record("bankAccounts", role))
}

/// A body each endpoint answers with success.
fn valid_body(endpoint: &str) -> String {
    match endpoint {
        DEDUCTION => member_body(user_id("authed")),
        CARD => card_body(&card_no("active")),
        _ => bank_body("valid").to_string(),
    }
}

fn at_kst(h: u32, m: u32, s: u32) -> Clock {
    Clock::Fixed(kst().with_ymd_and_hms(2026, 3, 14, h, m, s).unwrap())
}

// ---------------------------------------------------------------- start, stop, public API

#[tokio::test]
async fn base_url_is_loopback_plus_the_catalogue_base_path_and_shutdown_stops_it() {
    let h = Harness::faithful().await;
    let addr = h.sandbox.local_addr();
    assert_eq!(
        h.sandbox.base_url(),
        format!("http://127.0.0.1:{}/open-api", addr.port())
    );
    h.to(CARD)
        .json(&valid_body(CARD))
        .send()
        .await
        .assert_is(CARD, "success", None);
    let client = h.client.clone();
    h.sandbox.shutdown().await;
    let after = client
        .post(format!("http://{addr}/open-api/api/v1/user/card/info"))
        .send()
        .await;
    assert!(after.is_err(), "still answering after shutdown");
}

#[tokio::test]
async fn start_on_uses_the_given_address_and_reports_a_taken_one() {
    let first = Sandbox::start_on("127.0.0.1:0".parse().unwrap(), SandboxConfig::faithful())
        .await
        .unwrap();
    let taken = first.local_addr();
    let err = Sandbox::start_on(taken, SandboxConfig::faithful())
        .await
        .unwrap_err();
    assert!(matches!(err, SandboxError::Bind { .. }), "{err}");
    assert!(err.to_string().contains(&taken.to_string()), "{err}");
    first.shutdown().await;
}

#[test]
fn credentials_have_the_documented_shapes_and_keys_that_load() {
    let c = credentials();
    assert_eq!(c.asp_id.len(), 15);
    assert_eq!(c.access_key.expose().len(), 40);
    assert_eq!(c.crypto_key_id.len(), 32);
    assert!(!c.secret_key.is_empty());
    assert_eq!(format!("{:?}", c.secret_key), "[REDACTED]");
    use kona_conformance::crypto::keys::{private_key_from_pem, public_key_from_pem};
    let server = public_key_from_pem(c.server_public_key_pem).unwrap();
    let client = private_key_from_pem(c.client_private_key_pem).unwrap();
    assert_eq!(
        client.to_public_key(),
        public_key_from_pem(c.client_public_key_pem).unwrap()
    );
    assert_ne!(server, client.to_public_key());
}

// ---------------------------------------------------------------- fixtures

#[test]
fn committed_fixtures_file_equals_the_seeded_data_byte_for_byte() {
    let committed = std::fs::read_to_string(format!("{REPO}/fixtures/embedded-sandbox.json"))
        .expect("fixtures/embedded-sandbox.json is committed");
    assert!(
        committed == seeded_fixtures().to_json(),
        "fixtures/embedded-sandbox.json drifted from the sandbox's data: regenerate it with \
         `kona-conformance sandbox --write-fixtures fixtures/embedded-sandbox.json`"
    );
    Fixtures::from_json(&committed, "embedded-sandbox.json").unwrap();
}

#[test]
fn seeded_fixtures_carry_every_role_and_a_pool() {
    let f = fx();
    let roles = |c: &str| f.collections[c].roles.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        roles("members"),
        ["authed", "max-id", "min-id", "not-authed", "unknown"]
    );
    assert_eq!(user_id("min-id"), 1);
    assert_eq!(user_id("max-id"), MAX_USER_ID);
    // Every role the catalogue declares for each collection is seeded.
    for (name, declared) in &contract().catalogue.collections {
        assert_eq!(
            roles(name),
            declared.roles.keys().cloned().collect::<Vec<_>>(),
            "{name}"
        );
    }
    // One bank role per response key that data can reach: all but the format error.
    let bank = contract().endpoint(BANK).unwrap();
    for r in &bank.responses {
        let role = match r.key.as_str() {
            "success" => "valid",
            "account-format" => continue,
            other => other,
        };
        assert!(f.role("bankAccounts", role).is_some(), "bank role {role}");
    }
    for c in ["members", "cards", "bankAccounts"] {
        assert!(f.pool(c).len() >= 50, "{c}");
    }
    let hangul = |s: &str| s.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
    assert!(
        f.pool("bankAccounts")
            .iter()
            .all(|a| hangul(a["userName"].as_str().unwrap()))
    );
    assert!(
        f.pool("members")
            .iter()
            .all(|m| m["userId"].as_u64().unwrap() > 1_000_000_000)
    );
    // Cash-receipt variety: both values of each flag somewhere among the cards.
    let receipts: Vec<&Value> = f.collections["cards"]
        .roles
        .values()
        .chain(f.pool("cards"))
        .filter_map(|c| c.get("cashReceiptInfo").filter(|r| !r.is_null()))
        .collect();
    for div in ["0", "1"] {
        assert!(receipts.iter().any(|r| r["approvalDiv"] == div));
        assert!(receipts.iter().any(|r| r["manYn"] == div));
    }
}

#[test]
fn vendor_fixtures_hold_only_the_public_portal_data() {
    let text = std::fs::read_to_string(format!("{REPO}/fixtures/vendor-sandbox.json")).unwrap();
    let f = Fixtures::from_json(&text, "vendor-sandbox.json").unwrap();
    f.check(contract(), "vendor-sandbox.json").unwrap();
    let active = f.role("cards", "active").unwrap();
    assert_eq!(active["cardNo"], "9491339401250765");
    assert_eq!(active["cardStatus"], "ACTIVE");
    assert_eq!(active["serviceId"], "000170000002000");
    assert_eq!(f.collections.len(), 2);
    assert_eq!(f.collections["cards"].roles.len(), 1);
    // The bank test member's public fields, without a whole record (issue 14).
    let known = f.known("bankAccounts").unwrap();
    assert_eq!(known["bankCode"], "003");
    assert_eq!(known["bankAccount"], "333015555557");
    assert_eq!(known["birthDate"], "19751112");
    assert!(f.collections["bankAccounts"].roles.is_empty());
    for word in ["19751112", "333015555557", "missing"] {
        assert!(
            f.description.contains(word),
            "description should mention {word}"
        );
    }
}

// ---------------------------------------------------------------- deduction/info

#[rstest]
#[case("authed")]
#[case("not-authed")]
#[case("min-id")]
#[case("max-id")]
#[tokio::test]
async fn members_answer_their_authentication_state(#[case] role: &str) {
    let h = Harness::faithful().await;
    let member = record("members", role);
    let reply = h
        .to(DEDUCTION)
        .json(&member_body(user_id(role)))
        .send()
        .await;
    reply.assert_is(DEDUCTION, "success", None);
    assert_eq!(reply.json()["isAuthed"], member["isAuthed"]);
    let violations = contract().validate("deduction-info/response.schema.json", &reply.json());
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test]
async fn both_authentication_states_exist_and_every_pool_member_is_known() {
    let h = Harness::faithful().await;
    assert_eq!(record("members", "authed")["isAuthed"], true);
    assert_eq!(record("members", "not-authed")["isAuthed"], false);
    for m in fx().pool("members") {
        let reply = h
            .to(DEDUCTION)
            .json(&Value::Object(m.clone()).to_string())
            .send()
            .await;
        reply.assert_is(DEDUCTION, "success", None);
        assert_eq!(reply.json()["isAuthed"], m["isAuthed"]);
    }
}

#[tokio::test]
async fn an_unknown_member_gets_the_unknown_member_convention() {
    let h = Harness::faithful().await;
    let reply = h
        .to(DEDUCTION)
        .json(&member_body(user_id("unknown")))
        .send()
        .await;
    reply.assert_is(DEDUCTION, "unknown-member", None);
    assert_eq!(
        expected(DEDUCTION, "unknown-member", None).strength,
        Strength::Convention
    );
}

#[rstest]
#[case::absent(r#"{}"#, "missing-field")]
#[case::null(r#"{"userId":null}"#, "missing-field")]
#[case::other_field_only(r#"{"userid":1}"#, "missing-field")]
#[case::string(r#"{"userId":"1"}"#, "invalid-input")]
#[case::float(r#"{"userId":1.0}"#, "invalid-input")]
#[case::exponent(r#"{"userId":1e3}"#, "invalid-input")]
#[case::negative(r#"{"userId":-5}"#, "invalid-input")]
#[case::zero(r#"{"userId":0}"#, "invalid-input")]
#[case::over_maximum(r#"{"userId":10000000000000000000}"#, "invalid-input")]
#[case::beyond_u64(r#"{"userId":18446744073709551616}"#, "invalid-input")]
#[case::far_beyond(r#"{"userId":123456789012345678901234567890}"#, "invalid-input")]
#[case::boolean(r#"{"userId":true}"#, "invalid-input")]
#[case::array(r#"{"userId":[1]}"#, "invalid-input")]
#[tokio::test]
async fn deduction_user_id_rules(#[case] body: &str, #[case] key: &str) {
    let h = Harness::faithful().await;
    let field = (key == "missing-field").then_some("userId");
    h.to(DEDUCTION)
        .json(body)
        .send()
        .await
        .assert_is(DEDUCTION, key, field);
}

#[tokio::test]
async fn the_maximum_user_id_is_matched_exactly_not_rounded() {
    let h = Harness::faithful().await;
    // 9999999999999999998 rounds to the same double as the maximum; it names no member.
    h.to(DEDUCTION)
        .json(&member_body(MAX_USER_ID - 1))
        .send()
        .await
        .assert_is(DEDUCTION, "unknown-member", None);
    h.to(DEDUCTION)
        .json(&member_body(MAX_USER_ID))
        .send()
        .await
        .assert_is(DEDUCTION, "success", None);
}

// ---------------------------------------------------------------- card/info

#[rstest]
#[tokio::test]
async fn card_roles_answer_their_records(
    #[values(
        "active",
        "suspended",
        "terminated",
        "unmapped",
        "zero-balance",
        "max-balance",
        "cash-receipt-consumer",
        "cash-receipt-business",
        "no-cash-receipt",
        "with-owner-ka",
        "without-owner-ka",
        "auto-recharge",
        "no-auto-recharge"
    )]
    role: &str,
) {
    let h = Harness::faithful().await;
    let card = record("cards", role);
    let reply = h.to(CARD).json(&card_body(&card_no(role))).send().await;
    reply.assert_is(CARD, "success", None);
    assert_card_matches(&reply.json(), &card);
}

/// Every response field of the record comes back as recorded: a `null` userId as an
/// explicit null (errata E11), any other `null` as a field left out.
fn assert_card_matches(doc: &Value, card: &Record) {
    let violations = contract().validate("card-info/response.schema.json", doc);
    assert!(violations.is_empty(), "{violations:?}");
    let obj = doc.as_object().unwrap();
    for (field, want) in card.iter().filter(|(f, _)| *f != "cardNo") {
        match want {
            Value::Null if field != "userId" => assert!(obj.get(field).is_none(), "{field}"),
            want => assert_eq!(obj.get(field), Some(want), "{field}"),
        }
    }
}

#[tokio::test]
async fn card_traits_are_what_their_roles_say() {
    let h = Harness::faithful().await;
    let doc = |role: &'static str| {
        let no = card_no(role);
        let req = h.to(CARD).json(&card_body(&no));
        async move { req.send().await.json() }
    };
    assert_eq!(doc("active").await["cardStatus"], "ACTIVE");
    assert_eq!(doc("suspended").await["cardStatus"], "SUSPENDED");
    assert_eq!(doc("terminated").await["cardStatus"], "TERMINATED");
    let unmapped = doc("unmapped").await;
    // Errata E11: present and null, not left out.
    assert_eq!(
        unmapped.as_object().unwrap().get("userId"),
        Some(&Value::Null)
    );
    assert!(doc("active").await["userId"].is_u64());
    assert_eq!(
        doc("auto-recharge").await["isAutoRechargeBeforePayment"],
        true
    );
    assert_eq!(
        doc("no-auto-recharge").await["isAutoRechargeBeforePayment"],
        false
    );
    assert_eq!(
        doc("with-owner-ka").await["ownerKa"]
            .as_str()
            .unwrap()
            .len(),
        15
    );
    assert!(doc("without-owner-ka").await.get("ownerKa").is_none());
    assert!(
        doc("no-cash-receipt")
            .await
            .get("cashReceiptInfo")
            .is_none()
    );
    let consumer = doc("cash-receipt-consumer").await;
    assert_eq!(consumer["cashReceiptInfo"]["approvalDiv"], "0");
    assert_eq!(consumer["cashReceiptInfo"]["manYn"], "0");
    let business = doc("cash-receipt-business").await;
    assert_eq!(business["cashReceiptInfo"]["approvalDiv"], "1");
    assert_eq!(business["cashReceiptInfo"]["manYn"], "1");
}

#[tokio::test]
async fn balances_at_both_bounds_are_sent_exactly() {
    let h = Harness::faithful().await;
    for (role, text) in [
        ("zero-balance", "\"balance\":0,"),
        ("max-balance", "\"balance\":9999999999,"),
    ] {
        let reply = h.to(CARD).json(&card_body(&card_no(role))).send().await;
        let body = String::from_utf8(reply.body.clone()).unwrap();
        assert!(body.contains(text), "{body}");
    }
}

#[tokio::test]
async fn every_pool_card_answers_its_record() {
    let h = Harness::faithful().await;
    for card in fx().pool("cards") {
        let reply = h
            .to(CARD)
            .json(&card_body(card["cardNo"].as_str().unwrap()))
            .send()
            .await;
        reply.assert_is(CARD, "success", None);
        assert_card_matches(&reply.json(), card);
    }
}

#[rstest]
#[case::absent(r#"{}"#, "missing-field")]
#[case::null(r#"{"cardNo":null}"#, "missing-field")]
#[case::fifteen_digits(r#"{"cardNo":"941000000000000"}"#, "invalid-input")]
#[case::seventeen_digits(r#"{"cardNo":"94100000000000000"}"#, "invalid-input")]
#[case::letter(r#"{"cardNo":"941000000000000A"}"#, "invalid-input")]
#[case::empty(r#"{"cardNo":""}"#, "invalid-input")]
#[case::number(r#"{"cardNo":9410000000000000}"#, "invalid-input")]
#[case::object(r#"{"cardNo":{"no":"9410000000000000"}}"#, "invalid-input")]
#[tokio::test]
async fn card_no_rules(#[case] body: &str, #[case] key: &str) {
    let h = Harness::faithful().await;
    let field = (key == "missing-field").then_some("cardNo");
    let reply = h.to(CARD).json(body).send().await;
    reply.assert_is(CARD, key, field);
    // Both are documented on this page.
    assert_eq!(expected(CARD, key, field).strength, Strength::Documented);
    if key == "missing-field" {
        assert_eq!(reply.message(), "Missing required values. cardNo");
    }
}

#[tokio::test]
async fn an_unknown_card_gets_the_unknown_card_convention() {
    let h = Harness::faithful().await;
    h.to(CARD)
        .json(&card_body(&card_no("unknown")))
        .send()
        .await
        .assert_is(CARD, "unknown-card", None);
}

// ---------------------------------------------------------------- bankaccounts/user/valid

#[rstest]
#[case("valid", "success")]
#[case("name-check-unavailable", "name-check-unavailable")]
#[case("name-mismatch", "name-mismatch")]
#[case("before-business-hours", "before-business-hours")]
#[case("user-not-found", "user-not-found")]
#[case("outside-service-hours", "outside-service-hours")]
#[case("account-not-found", "account-not-found")]
#[case("account-not-tradable", "account-not-tradable")]
#[case("account-not-checkable", "account-not-checkable")]
#[case("before-hours-uncoded", "before-hours-uncoded")]
#[case("processing-delay", "processing-delay")]
#[case("non-participating", "non-participating")]
#[tokio::test]
async fn bank_roles_answer_their_codes(#[case] role: &str, #[case] key: &str) {
    let h = Harness::faithful().await;
    let reply = h.to(BANK).json(&bank_body(role).to_string()).send().await;
    reply.assert_is(BANK, key, None);
    if key == "success" {
        // Errata E15: the envelope alone.
        assert_eq!(reply.json().as_object().unwrap().len(), 1);
        let violations =
            contract().validate("bank-account-valid/response.schema.json", &reply.json());
        assert!(violations.is_empty(), "{violations:?}");
    }
}

#[tokio::test]
async fn every_documented_bank_code_and_uncoded_case_is_reachable() {
    let h = Harness::faithful().await;
    let mut seen = std::collections::BTreeSet::new();
    for role in fx().collections["bankAccounts"].roles.keys() {
        let reply = h.to(BANK).json(&bank_body(role).to_string()).send().await;
        seen.insert(reply.code());
    }
    seen.insert(
        h.to(BANK)
            .json(&json!({"bankAccount":"1234-5678","bankCode":"003","birthDate":"19751112","userId":1,"userName":"홍길동"}).to_string())
            .send()
            .await
            .code(),
    );
    for r in &contract().endpoint(BANK).unwrap().responses {
        assert!(seen.contains(&r.code), "{} never answered", r.code);
    }
    for key in [
        "before-hours-uncoded",
        "processing-delay",
        "non-participating",
    ] {
        assert!(seen.contains(&expected(BANK, key, None).code), "{key}");
    }
}

#[tokio::test]
async fn every_pool_account_verifies() {
    let h = Harness::faithful().await;
    for a in fx().pool("bankAccounts") {
        let body = serde_json::to_string(a).unwrap();
        h.to(BANK)
            .json(&body)
            .send()
            .await
            .assert_is(BANK, "success", None);
    }
}

#[rstest]
#[tokio::test]
async fn a_missing_or_null_bank_field_is_named(
    #[values("bankAccount", "bankCode", "birthDate", "userId", "userName")] field: &str,
    #[values(false, true)] null: bool,
) {
    let h = Harness::faithful().await;
    let mut body = bank_body("valid");
    if null {
        body[field] = Value::Null;
    } else {
        body.as_object_mut().unwrap().remove(field);
    }
    h.to(BANK)
        .json(&body.to_string())
        .send()
        .await
        .assert_is(BANK, "missing-field", Some(field));
}

#[rstest]
#[case("bankCode", "userName", "bankCode")]
#[case("userName", "bankAccount", "bankAccount")]
#[case("userId", "birthDate", "birthDate")]
#[tokio::test]
async fn of_two_missing_fields_the_first_in_catalogue_order_is_named(
    #[case] a: &str,
    #[case] b: &str,
    #[case] named: &str,
) {
    let h = Harness::faithful().await;
    let mut body = bank_body("valid");
    body.as_object_mut().unwrap().remove(a);
    body.as_object_mut().unwrap().remove(b);
    h.to(BANK)
        .json(&body.to_string())
        .send()
        .await
        .assert_is(BANK, "missing-field", Some(named));
}

#[tokio::test]
async fn a_missing_field_comes_before_a_malformed_one() {
    let h = Harness::faithful().await;
    let mut body = bank_body("valid");
    body["bankAccount"] = json!("12-34");
    body.as_object_mut().unwrap().remove("userName");
    h.to(BANK).json(&body.to_string()).send().await.assert_is(
        BANK,
        "missing-field",
        Some("userName"),
    );
}

#[rstest]
#[case::account_empty("bankAccount", json!(""), "account-format")]
#[case::account_21_digits("bankAccount", json!("123456789012345678901"), "account-format")]
#[case::account_hyphen("bankAccount", json!("3330-15555557"), "account-format")]
#[case::account_letter("bankAccount", json!("33301555555A"), "account-format")]
#[case::account_number("bankAccount", json!(333015555557u64), "invalid-input")]
#[case::code_two_digits("bankCode", json!("03"), "invalid-input")]
#[case::code_four_digits("bankCode", json!("0031"), "invalid-input")]
#[case::code_letters("bankCode", json!("abc"), "invalid-input")]
#[case::code_number("bankCode", json!(3), "invalid-input")]
#[case::birth_six_digits("birthDate", json!("751112"), "invalid-input")]
#[case::birth_month_13("birthDate", json!("19751312"), "invalid-input")]
#[case::birth_feb_29_2023("birthDate", json!("20230229"), "invalid-input")]
#[case::birth_dashes("birthDate", json!("1975-11-12"), "invalid-input")]
#[case::user_id_string("userId", json!("1"), "invalid-input")]
#[case::user_id_zero("userId", json!(0), "invalid-input")]
#[case::user_id_negative("userId", json!(-1), "invalid-input")]
#[case::user_id_float("userId", json!(1.5), "invalid-input")]
#[case::user_id_over_max("userId", json!(10_000_000_000_000_000_000u64), "invalid-input")]
#[case::name_empty("userName", json!(""), "invalid-input")]
#[case::name_101("userName", json!("가".repeat(101)), "invalid-input")]
#[case::name_number("userName", json!(7), "invalid-input")]
#[tokio::test]
async fn malformed_bank_fields(#[case] field: &str, #[case] value: Value, #[case] key: &str) {
    let h = Harness::faithful().await;
    let mut body = bank_body("valid");
    body[field] = value;
    h.to(BANK)
        .json(&body.to_string())
        .send()
        .await
        .assert_is(BANK, key, None);
}

#[tokio::test]
async fn a_user_id_beyond_u64_is_invalid_input_on_the_bank_page_too() {
    let h = Harness::faithful().await;
    let body = bank_body("valid").to_string();
    let id = record("bankAccounts", "valid")["userId"].to_string();
    let body = body.replace(&id, "99999999999999999999999");
    h.to(BANK)
        .json(&body)
        .send()
        .await
        .assert_is(BANK, "invalid-input", None);
}

#[tokio::test]
async fn hundred_character_names_and_unlisted_bank_codes_are_well_formed() {
    let h = Harness::faithful().await;
    let mut body = bank_body("valid");
    body["userName"] = json!("가".repeat(100));
    h.to(BANK)
        .json(&body.to_string())
        .send()
        .await
        .assert_is(BANK, "name-mismatch", None);
    // Errata E08: a legacy code is well-formed; it just names no account here.
    let mut body = bank_body("valid");
    body["bankCode"] = json!("005");
    h.to(BANK)
        .json(&body.to_string())
        .send()
        .await
        .assert_is(BANK, "account-not-found", None);
}

/// Errata E34: the birth date is the holder's detail the bank compares; the member id is
/// the partner's and is not compared.
#[rstest]
#[case::birth_date("birthDate", "user-not-found")]
#[case::user_id("userId", "success")]
#[tokio::test]
async fn the_bank_compares_the_holder_s_birth_date_not_the_member_id(
    #[case] field: &str,
    #[case] answer: &str,
) {
    let h = Harness::faithful().await;
    let mut body = bank_body("valid");
    body[field] = match field {
        "birthDate" => json!("19000101"),
        _ => json!(user_id("min-id")),
    };
    h.to(BANK)
        .json(&body.to_string())
        .send()
        .await
        .assert_is(BANK, answer, None);
}

#[rstest]
#[case((12, 0, 0), "success")]
#[case((23, 29, 59), "success")]
#[case((23, 30, 0), "outside-service-hours")]
#[case((23, 45, 0), "outside-service-hours")]
#[case((23, 59, 59), "outside-service-hours")]
#[case((0, 0, 0), "before-business-hours")]
#[case((0, 15, 0), "before-business-hours")]
#[case((0, 29, 59), "before-business-hours")]
#[case((0, 30, 0), "success")]
#[tokio::test]
async fn the_bank_clock_decides_service_hours(#[case] hms: (u32, u32, u32), #[case] key: &str) {
    let h = Harness::start(SandboxConfig {
        bank_clock: at_kst(hms.0, hms.1, hms.2),
        ..SandboxConfig::faithful()
    })
    .await;
    h.to(BANK)
        .json(&bank_body("valid").to_string())
        .send()
        .await
        .assert_is(BANK, key, None);
}

#[tokio::test]
async fn within_the_window_every_account_answers_the_bank_hours_code() {
    let h = Harness::start(SandboxConfig {
        bank_clock: at_kst(23, 50, 0),
        ..SandboxConfig::faithful()
    })
    .await;
    for role in fx().collections["bankAccounts"].roles.keys() {
        h.to(BANK)
            .json(&bank_body(role).to_string())
            .send()
            .await
            .assert_is(BANK, "outside-service-hours", None);
    }
    // ...but a malformed request is still refused for what it is.
    let mut body = bank_body("valid");
    body["bankAccount"] = json!("x");
    h.to(BANK)
        .json(&body.to_string())
        .send()
        .await
        .assert_is(BANK, "account-format", None);
}

#[tokio::test]
async fn for_certification_pins_the_bank_clock_at_noon() {
    let config = SandboxConfig::for_certification();
    assert_eq!(
        config.bank_clock.now().time(),
        NaiveTime::from_hms_opt(12, 0, 0).unwrap()
    );
    assert_eq!(config.clock, Clock::System);
    assert_eq!(config.skew, chrono::Duration::minutes(5));
    assert_eq!(config.body_limit, 64 * 1024);
    assert_eq!(config.conventions, contract().catalogue.conventions);
}

// ---------------------------------------------------------------- headers and security

#[rstest]
#[tokio::test]
async fn each_missing_header_is_named_on_every_endpoint(
    #[values(DEDUCTION, CARD, BANK)] endpoint: &str,
    #[values(ASP_ID, CORRELATION_ID, ACCESS_KEY, TRAN_TOKEN, TRAN_TIME, TIME_ZONE)] header: &str,
) {
    let h = Harness::faithful().await;
    h.to(endpoint)
        .json(&valid_body(endpoint))
        .without(header)
        .send()
        .await
        .assert_is(endpoint, "missing-header", Some(header));
}

#[tokio::test]
async fn headers_are_checked_in_the_documented_order() {
    let h = Harness::faithful().await;
    // Two missing: the first in order is named.
    h.to(CARD)
        .json(&valid_body(CARD))
        .without(TIME_ZONE)
        .without(ACCESS_KEY)
        .send()
        .await
        .assert_is(CARD, "missing-header", Some(ACCESS_KEY));
    // Missing beats malformed, even when the malformed one comes first.
    h.to(CARD)
        .json(&valid_body(CARD))
        .header(ASP_ID, "short")
        .without(TIME_ZONE)
        .send()
        .await
        .assert_is(CARD, "missing-header", Some(TIME_ZONE));
    // Header problems come before any body problem.
    h.to(CARD)
        .json("not json")
        .header(ACCESS_KEY, "x".repeat(40))
        .send()
        .await
        .assert_is(CARD, "unknown-credentials", None);
}

#[rstest]
#[case(ASP_ID, "00099000000001")]
#[case(CORRELATION_ID, "260314120000-0a1b2c")]
#[case(CORRELATION_ID, "261314120000-0a1b2c3")]
#[case(ACCESS_KEY, "5a3c9e1-0f4b2d6e8a1c3e5f7b9d0a2c4e6f8b1")]
#[case(
    TRAN_TOKEN,
    "KMV1:20260314120000000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)]
#[case(
    TRAN_TOKEN,
    "KMV1:2026031412000000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)]
#[case(
    TRAN_TOKEN,
    "HMAC:20260314120000000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)]
#[case(TRAN_TIME, "2026031412000")]
#[case(TRAN_TIME, "2026031412000000")]
#[case(TRAN_TIME, "20260230120000")]
#[case(TIME_ZONE, "JST")]
#[case(TIME_ZONE, "kst")]
#[case(TIME_ZONE, "Asia/Seoul")]
#[case(CRYPTO_KEY_ID, "8d2f6b0a4c1e3f5a7b9c2d4e6f8a0b1")]
#[tokio::test]
async fn each_malformed_header_is_named(#[case] header: &str, #[case] value: &str) {
    let h = Harness::faithful().await;
    h.to(DEDUCTION)
        .json(&valid_body(DEDUCTION))
        .header(header, value)
        .send()
        .await
        .assert_is(DEDUCTION, "malformed-header", Some(header));
}

#[tokio::test]
async fn a_non_ascii_header_value_is_malformed() {
    let h = Harness::faithful().await;
    h.to(CARD)
        .json(&valid_body(CARD))
        .header(ASP_ID, b"00099000000000\xea")
        .send()
        .await
        .assert_is(CARD, "malformed-header", Some(ASP_ID));
}

#[rstest]
#[case::asp_id(ASP_ID, "000170000000000")]
#[case::access_key(ACCESS_KEY, "0000000-00000000000000000000000000000000")]
#[tokio::test]
async fn unknown_credentials_are_refused(#[case] header: &str, #[case] value: &str) {
    let h = Harness::faithful().await;
    h.to(BANK)
        .json(&valid_body(BANK))
        .header(header, value)
        .send()
        .await
        .assert_is(BANK, "unknown-credentials", None);
}

#[rstest]
#[case(-6 * 60, "stale-tran-time")]
#[case(-4 * 60, "success")]
#[case(0, "success")]
#[case(4 * 60, "success")]
#[case(6 * 60, "stale-tran-time")]
#[case(24 * 3600, "stale-tran-time")]
#[tokio::test]
async fn tran_time_must_be_within_the_skew(#[case] seconds: i64, #[case] key: &str) {
    let h = Harness::faithful().await;
    let at = now_in(TimeZoneName::Kst) + chrono::Duration::seconds(seconds);
    h.to(CARD)
        .json(&valid_body(CARD))
        .at(at, TimeZoneName::Kst)
        .send()
        .await
        .assert_is(CARD, key, None);
}

#[tokio::test]
async fn the_time_zone_header_says_how_to_read_the_tran_time() {
    let h = Harness::faithful().await;
    let now = now_in(TimeZoneName::Utc);
    h.to(CARD)
        .json(&valid_body(CARD))
        .at(now, TimeZoneName::Utc)
        .send()
        .await
        .assert_is(CARD, "success", None);
    // KST digits labelled UTC are nine hours off.
    let kst_digits = kona_conformance::crypto::tran_time(&now_in(TimeZoneName::Kst));
    h.to(CARD)
        .json(&valid_body(CARD))
        .header(TRAN_TIME, kst_digits)
        .header(TIME_ZONE, "UTC")
        .send()
        .await
        .assert_is(CARD, "stale-tran-time", None);
}

#[tokio::test]
async fn the_skew_and_the_clock_are_configurable() {
    let fixed = kst().with_ymd_and_hms(2031, 7, 1, 9, 0, 0).unwrap();
    let h = Harness::start(SandboxConfig {
        clock: Clock::Fixed(fixed),
        skew: chrono::Duration::seconds(30),
        ..SandboxConfig::for_certification()
    })
    .await;
    let send = |at| {
        h.to(CARD)
            .json(&valid_body(CARD))
            .at(at, TimeZoneName::Kst)
            .send()
    };
    send(fixed).await.assert_is(CARD, "success", None);
    send(fixed + chrono::Duration::seconds(29))
        .await
        .assert_is(CARD, "success", None);
    send(fixed - chrono::Duration::seconds(31))
        .await
        .assert_is(CARD, "stale-tran-time", None);
    send(now_in(TimeZoneName::Kst))
        .await
        .assert_is(CARD, "stale-tran-time", None);
}

#[tokio::test]
async fn the_token_must_be_the_hmac_of_the_exact_body_under_the_secret() {
    let h = Harness::faithful().await;
    let body = valid_body(DEDUCTION);
    h.to(DEDUCTION)
        .json(&body)
        .secret(b"not the secret")
        .send()
        .await
        .assert_is(DEDUCTION, "token-mismatch", None);
    // Signed over one body, sent with another that differs by a space.
    let signed = h.to(DEDUCTION).json(&body).headers();
    let token = signed.get(TRAN_TOKEN).unwrap().to_str().unwrap().to_owned();
    h.to(DEDUCTION)
        .json(&body.replace(':', ": "))
        .header(TRAN_TOKEN, &token)
        .send()
        .await
        .assert_is(DEDUCTION, "token-mismatch", None);
    // The same token over the same bytes passes (no replay protection is documented).
    h.to(DEDUCTION)
        .json(&body)
        .header(TRAN_TOKEN, &token)
        .send()
        .await
        .assert_is(DEDUCTION, "success", None);
}

// ---------------------------------------------------------------- the body

#[rstest]
#[case::text_plain(Some("text/plain"), b"{\"cardNo\":\"1\"}".as_slice())]
#[case::form(Some("application/x-www-form-urlencoded"), b"cardNo=1".as_slice())]
#[case::no_content_type(None, b"{\"cardNo\":\"1\"}".as_slice())]
#[case::invalid_utf8(Some("application/json"), b"{\"cardNo\":\"\xff\xfe\"}".as_slice())]
#[case::array(Some("application/json"), b"[]".as_slice())]
#[case::string(Some("application/json"), b"\"cardNo\"".as_slice())]
#[case::number(Some("application/json"), b"1".as_slice())]
#[case::null(Some("application/json"), b"null".as_slice())]
#[case::empty(Some("application/json"), b"".as_slice())]
#[case::truncated(Some("application/json"), b"{\"cardNo\":".as_slice())]
#[case::trailing(Some("application/json"), b"{} {}".as_slice())]
#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused(
    #[case] content_type: Option<&str>,
    #[case] body: &[u8],
) {
    let h = Harness::faithful().await;
    h.to(CARD)
        .raw(body)
        .content_type(content_type)
        .send()
        .await
        .assert_is(CARD, "body-not-json", None);
}

#[tokio::test]
async fn json_content_type_parameters_are_fine() {
    let h = Harness::faithful().await;
    h.to(CARD)
        .json(&valid_body(CARD))
        .content_type(Some("application/json; charset=UTF-8"))
        .send()
        .await
        .assert_is(CARD, "success", None);
}

#[tokio::test]
async fn the_body_size_limit_holds_at_the_byte() {
    let h = Harness::faithful().await;
    let body = valid_body(CARD);
    let limit = 64 * 1024;
    let at_limit = format!("{body}{}", " ".repeat(limit - body.len()));
    h.to(CARD)
        .json(&at_limit)
        .send()
        .await
        .assert_is(CARD, "success", None);
    let over = format!("{at_limit} ");
    h.to(CARD)
        .json(&over)
        .send()
        .await
        .assert_is(CARD, "body-not-json", None);
    let far_over = format!("{at_limit}{}", " ".repeat(4 << 20));
    h.to(CARD)
        .json(&far_over)
        .send()
        .await
        .assert_is(CARD, "body-not-json", None);

    let small = Harness::start(SandboxConfig {
        body_limit: body.len(),
        ..SandboxConfig::for_certification()
    })
    .await;
    small
        .to(CARD)
        .json(&body)
        .send()
        .await
        .assert_is(CARD, "success", None);
    small
        .to(CARD)
        .json(&format!("{body} "))
        .send()
        .await
        .assert_is(CARD, "body-not-json", None);
}

// ---------------------------------------------------------------- encryption (errata E20, E22)

#[tokio::test]
async fn an_encrypted_card_request_gets_an_encrypted_success() {
    let h = Harness::faithful().await;
    let card = record("cards", "cash-receipt-consumer");
    let reply = h
        .to(CARD)
        .encrypted(&card_body(&card_no("cash-receipt-consumer")))
        .send()
        .await;
    let outer = reply.json();
    assert_eq!(outer.as_object().unwrap().len(), 1, "{outer}");
    let violations = contract().validate("common/encrypted-body.schema.json", &outer);
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(
        reply.header(CRYPTO_KEY_ID),
        Some(credentials().crypto_key_id.as_str())
    );
    reply.assert_is(CARD, "success", None);
    assert_card_matches(&reply.document(), &card);
    // The plaintext is byte-for-byte the plain answer.
    let plain = h
        .to(CARD)
        .json(&card_body(&card_no("cash-receipt-consumer")))
        .send()
        .await;
    assert_eq!(reply.document(), plain.json());
    assert!(!plain.is_encrypted() && plain.header(CRYPTO_KEY_ID).is_none());
}

#[tokio::test]
async fn encrypted_requests_to_endpoints_that_answer_plain_get_plain_answers() {
    let h = Harness::faithful().await;
    for endpoint in [DEDUCTION, BANK] {
        let reply = h.to(endpoint).encrypted(&valid_body(endpoint)).send().await;
        assert!(!reply.is_encrypted(), "{endpoint}");
        reply.assert_is(endpoint, "success", None);
    }
}

#[tokio::test]
async fn errors_to_encrypted_requests_are_plain() {
    let h = Harness::faithful().await;
    let reply = h
        .to(CARD)
        .encrypted(&card_body(&card_no("unknown")))
        .send()
        .await;
    assert!(!reply.is_encrypted());
    reply.assert_is(CARD, "unknown-card", None);
    let reply = h.to(CARD).encrypted(r#"{"cardNo":"12"}"#).send().await;
    assert!(!reply.is_encrypted());
    reply.assert_is(CARD, "invalid-input", None);
}

#[tokio::test]
async fn a256gcm_requests_are_decrypted_too() {
    let h = Harness::faithful().await;
    h.to(CARD)
        .encrypted_with(valid_body(CARD).as_bytes(), ContentEncryption::A256Gcm)
        .send()
        .await
        .assert_is(CARD, "success", None);
}

#[rstest]
#[case::no_key_id("no-key-id", "missing-header")]
#[case::unknown_key_id("unknown-key-id", "unknown-crypto-key")]
#[case::garbage("garbage", "undecryptable-body")]
#[case::not_a_string("not-a-string", "undecryptable-body")]
#[case::extra_member("extra-member", "undecryptable-body")]
#[case::wrong_recipient("wrong-recipient", "undecryptable-body")]
#[case::tampered("tampered", "undecryptable-body")]
#[case::plaintext_array("plaintext-array", "body-not-json")]
#[case::plaintext_not_utf8("plaintext-not-utf8", "body-not-json")]
#[tokio::test]
async fn broken_encryption_is_refused(#[case] case: &str, #[case] key: &str) {
    use kona_conformance::crypto::jwe;
    use kona_conformance::crypto::keys::public_key_from_pem;
    let h = Harness::faithful().await;
    let good = h.to(CARD).encrypted(&valid_body(CARD));
    let compact = serde_json::from_slice::<Value>(&good.body).unwrap()["encData"]
        .as_str()
        .unwrap()
        .to_owned();
    let req = match case {
        "no-key-id" => h.to(CARD).raw(&good.body.clone()),
        "unknown-key-id" => h
            .to(CARD)
            .encrypted(&valid_body(CARD))
            .header(CRYPTO_KEY_ID, "f".repeat(32)),
        "garbage" => h
            .to(CARD)
            .encrypted("{}")
            .json(r#"{"encData":"a.b.c.d.e"}"#),
        "not-a-string" => h.to(CARD).encrypted("{}").json(r#"{"encData":{"x":1}}"#),
        "extra-member" => h
            .to(CARD)
            .encrypted("{}")
            .json(&json!({"encData": compact, "cardNo": "1"}).to_string()),
        "wrong-recipient" => {
            let key = public_key_from_pem(credentials().client_public_key_pem).unwrap();
            let other = jwe::encrypt(
                valid_body(CARD).as_bytes(),
                &key,
                ContentEncryption::A128Gcm,
                None,
            )
            .unwrap();
            h.to(CARD)
                .encrypted("{}")
                .json(&json!({ "encData": other }).to_string())
        }
        "tampered" => {
            let mut parts: Vec<String> = compact.split('.').map(str::to_owned).collect();
            let flipped = if parts[3].starts_with('A') { "B" } else { "A" };
            parts[3].replace_range(0..1, flipped);
            h.to(CARD)
                .encrypted("{}")
                .json(&json!({ "encData": parts.join(".") }).to_string())
        }
        "plaintext-array" => h.to(CARD).encrypted("[1,2]"),
        _ => h
            .to(CARD)
            .encrypted_with(b"\xff\xfe{}", ContentEncryption::A128Gcm),
    };
    let field = (key == "missing-header").then_some(CRYPTO_KEY_ID);
    let reply = req.send().await;
    assert!(!reply.is_encrypted());
    reply.assert_is(CARD, key, field);
}

// ---------------------------------------------------------------- common response rules

#[tokio::test]
async fn the_correlation_id_is_echoed_on_every_kind_of_answer() {
    let h = Harness::faithful().await;
    let replies = [
        h.to(CARD).json(&valid_body(CARD)).send().await,
        h.to(CARD)
            .json(&valid_body(CARD))
            .without(TIME_ZONE)
            .send()
            .await,
        h.to(CARD).json(&valid_body(CARD)).secret(b"x").send().await,
        h.to(CARD).json("[").send().await,
        h.to(CARD).json("{}").send().await,
        h.to(CARD).encrypted(&valid_body(CARD)).send().await,
        h.to_path("/open-api/nope").json("{}").send().await,
    ];
    for reply in replies {
        let sent = reply.sent_correlation.clone().unwrap();
        assert_eq!(reply.headers.get(CORRELATION_ID), Some(&sent));
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn a_request_without_a_correlation_id_gets_a_fresh_valid_one() {
    let h = Harness::faithful().await;
    let a = h
        .to(CARD)
        .json(&valid_body(CARD))
        .without(CORRELATION_ID)
        .send()
        .await;
    let b = h
        .to(CARD)
        .json(&valid_body(CARD))
        .without(CORRELATION_ID)
        .send()
        .await;
    a.assert_is(CARD, "missing-header", Some(CORRELATION_ID));
    let (a, b) = (
        a.header(CORRELATION_ID).unwrap(),
        b.header(CORRELATION_ID).unwrap(),
    );
    assert!(kona_conformance::crypto::is_correlation_id(a), "{a}");
    assert_ne!(a, b);
    let violations = contract().validate(
        "common/response-headers.schema.json",
        &json!({ "X-KM-Correlation-Id": a }),
    );
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test]
async fn a_malformed_correlation_id_is_still_echoed_as_sent() {
    let h = Harness::faithful().await;
    let reply = h
        .to(CARD)
        .json(&valid_body(CARD))
        .header(CORRELATION_ID, "my-trace-1")
        .send()
        .await;
    reply.assert_is(CARD, "malformed-header", Some(CORRELATION_ID));
    assert_eq!(reply.header(CORRELATION_ID), Some("my-trace-1"));
}

#[rstest]
#[case::unknown_path(reqwest::Method::POST, "/open-api/api/v1/user/card/infos")]
#[case::trailing_slash(reqwest::Method::POST, "/open-api/api/v1/user/card/info/")]
#[case::no_base_path(reqwest::Method::POST, "/api/v1/user/card/info")]
#[case::root(reqwest::Method::POST, "/")]
#[case::get(reqwest::Method::GET, "/open-api/api/v1/user/card/info")]
#[case::put(reqwest::Method::PUT, "/open-api/api/v1/bankaccounts/user/valid")]
#[case::delete(reqwest::Method::DELETE, "/open-api/api/v1/user/deduction/info")]
#[tokio::test]
async fn unknown_paths_and_methods_get_the_unknown_path_convention(
    #[case] method: reqwest::Method,
    #[case] path: &str,
) {
    let h = Harness::faithful().await;
    // Even an unsigned request: there is no endpoint whose rules could apply.
    let reply = h
        .to_path(path)
        .method(method)
        .without(TRAN_TOKEN)
        .send()
        .await;
    let want = expected("*", "unknown-path", None);
    assert_eq!(
        (reply.status, reply.code(), reply.message()),
        (want.status, want.code, want.message)
    );
    reply.assert_common();
}

#[tokio::test]
async fn the_query_string_does_not_change_the_route() {
    let h = Harness::faithful().await;
    h.to_path(&format!("{}?x=1", path_of(CARD)))
        .json(&valid_body(CARD))
        .send()
        .await
        .assert_is(CARD, "success", None);
}

// ---------------------------------------------------------------- alternative conventions

fn alternative() -> Vec<kona_conformance::contract::Convention> {
    load_conventions(std::path::Path::new(&format!(
        "{REPO}/fixtures/alternative-conventions.json"
    )))
    .unwrap()
}

#[test]
fn alternative_conventions_change_every_code_and_message_but_no_meaning() {
    let ours = &contract().catalogue.conventions;
    let alt = alternative();
    assert_eq!(alt.len(), ours.len());
    let mut status_changed = 0;
    for (a, o) in alt.iter().zip(ours) {
        assert_eq!((&a.key, &a.endpoint), (&o.key, &o.endpoint));
        assert_ne!(a.code, o.code, "{}", a.key);
        assert_ne!(a.message, o.message, "{}", a.key);
        assert_eq!(
            a.message.contains("{field}"),
            o.message.contains("{field}"),
            "{}",
            a.key
        );
        assert!(a.code.starts_with('8'), "{}", a.code);
        assert!((400..500).contains(&a.status));
        status_changed += usize::from(a.status != o.status);
        // No alternative code collides with any documented or catalogued one.
        for e in &contract().catalogue.endpoints {
            assert!(e.responses.iter().all(|r| r.code != a.code), "{}", a.code);
        }
        assert!(ours.iter().all(|c| c.code != a.code), "{}", a.code);
    }
    assert!(status_changed >= ours.len() / 2, "{status_changed}");
}

#[tokio::test]
async fn the_sandbox_answers_with_alternative_conventions() {
    let alt = alternative();
    let h = Harness::start(SandboxConfig {
        conventions: alt.clone(),
        ..SandboxConfig::for_certification()
    })
    .await;
    let find = |key: &str, endpoint: &str| {
        alt.iter()
            .find(|c| c.key == key && (c.endpoint == endpoint || c.endpoint == "*"))
            .unwrap()
            .clone()
    };
    let check = |reply: Reply, key: &str, endpoint: &str, field: Option<&str>| {
        let c = find(key, endpoint);
        let message = field.map_or(c.message.clone(), |f| c.message.replace("{field}", f));
        assert_eq!(
            (reply.status, reply.code(), reply.message()),
            (c.status, c.code, message),
            "{key}"
        );
        reply.assert_common();
    };
    check(
        h.to(DEDUCTION)
            .json(&member_body(user_id("unknown")))
            .send()
            .await,
        "unknown-member",
        DEDUCTION,
        None,
    );
    check(
        h.to(DEDUCTION).json("{}").send().await,
        "missing-field",
        DEDUCTION,
        Some("userId"),
    );
    check(
        h.to(CARD)
            .json(&valid_body(CARD))
            .without(ACCESS_KEY)
            .send()
            .await,
        "missing-header",
        CARD,
        Some(ACCESS_KEY),
    );
    check(
        h.to(CARD).json(&valid_body(CARD)).secret(b"x").send().await,
        "token-mismatch",
        CARD,
        None,
    );
    check(
        h.to(BANK)
            .json(&bank_body("processing-delay").to_string())
            .send()
            .await,
        "processing-delay",
        BANK,
        None,
    );
    check(
        h.to(CARD).json("[]").send().await,
        "body-not-json",
        CARD,
        None,
    );
    // Documented rows do not move.
    h.to(CARD)
        .json("{}")
        .send()
        .await
        .assert_is(CARD, "missing-field", Some("cardNo"));
    h.to(CARD)
        .json(r#"{"cardNo":"1"}"#)
        .send()
        .await
        .assert_is(CARD, "invalid-input", None);
    h.to(BANK)
        .json(&bank_body("name-mismatch").to_string())
        .send()
        .await
        .assert_is(BANK, "name-mismatch", None);
    h.to(BANK)
        .json(&valid_body(BANK))
        .send()
        .await
        .assert_is(BANK, "success", None);
}

#[tokio::test]
async fn conventions_that_leave_a_case_without_an_answer_stop_the_start() {
    let mut conventions = contract().catalogue.conventions.clone();
    conventions.retain(|c| c.key != "token-mismatch");
    let err = Sandbox::start(SandboxConfig {
        conventions,
        ..SandboxConfig::faithful()
    })
    .await
    .unwrap_err();
    assert!(matches!(err, SandboxError::MissingAnswer { .. }));
    assert!(err.to_string().contains("token-mismatch"), "{err}");
}

#[test]
fn a_bad_conventions_file_is_named_with_its_field() {
    let err = load_conventions(std::path::Path::new("/nonexistent/alt.json")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/alt.json"), "{err}");
    let text = std::fs::read_to_string(format!("{REPO}/fixtures/alternative-conventions.json"))
        .unwrap()
        .replacen("\"code\": \"8", "\"code\": \"x", 1);
    let err = parse_conventions(&text, "alt.json")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("alt.json") && err.contains("[0].code"),
        "{err}"
    );
}

// ---------------------------------------------------------------- faults and latency

#[tokio::test]
async fn each_fault_changes_exactly_its_rule() {
    let with = |fault| {
        Harness::start(SandboxConfig {
            fault: Some(fault),
            ..SandboxConfig::for_certification()
        })
    };
    let h = with(Fault::AcceptAnyToken).await;
    h.to(CARD)
        .json(&valid_body(CARD))
        .secret(b"x")
        .send()
        .await
        .assert_is(CARD, "success", None);
    h.to(CARD)
        .json(&valid_body(CARD))
        .header(TRAN_TOKEN, "x")
        .send()
        .await
        .assert_is(CARD, "malformed-header", Some(TRAN_TOKEN));

    let h = with(Fault::WrongSuccessMessage).await;
    let reply = h.to(CARD).json(&valid_body(CARD)).send().await;
    assert_eq!(reply.code(), "000_000");
    assert_ne!(reply.message(), expected(CARD, "success", None).message);
    h.to(CARD)
        .json("{}")
        .send()
        .await
        .assert_is(CARD, "missing-field", Some("cardNo"));

    let h = with(Fault::NoCorrelationEcho).await;
    let reply = h.to(CARD).json(&valid_body(CARD)).send().await;
    assert_eq!(reply.code(), "000_000");
    assert!(reply.header(CORRELATION_ID).is_none());
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let h = Harness::start(SandboxConfig {
        latency: Some(Duration::from_millis(300)),
        ..SandboxConfig::for_certification()
    })
    .await;
    let started = Instant::now();
    h.to(CARD)
        .json("{}")
        .send()
        .await
        .assert_is(CARD, "missing-field", Some("cardNo"));
    assert!(started.elapsed() >= Duration::from_millis(300));
}
