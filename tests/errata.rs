//! One test per erratum in `schemas/errata.json`: each fails if its decision is not applied.
//! The last test checks that every erratum names a test that exists here.

use kona_conformance::contract::{Contract, Strength};
use kona_conformance::crypto::{ids, token};
use serde_json::Value;

fn contract() -> &'static Contract {
    Contract::shared().expect("the embedded contract loads")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("test JSON parses")
}

fn valid(schema: &str, instance: &str) -> bool {
    contract().validate(schema, &json(instance)).is_empty()
}

const HEADERS: &str = "common/request-headers.schema.json";

fn headers_with(name: &str, value: &str) -> String {
    let mut h = json(
        r#"{"X-KM-User-AspId":"000170000000000","X-KM-Correlation-Id":"261121103000-0a1b2c3",
            "X-KM-Access-Key":"0a1b2c3-0123456789abcdef0123456789abcdef",
            "X-KM-Tran-Token":"KMV1:20261121103000123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "X-KM-Tran-Time":"20261121103000","X-KM-Time-Zone":"KST"}"#,
    );
    match value {
        "<absent>" => {
            h.as_object_mut().unwrap().remove(name);
        }
        v => h[name] = Value::from(v),
    }
    h.to_string()
}

#[test]
fn e01_tran_token_is_67_characters() {
    let t = token::tran_token(
        b"secret",
        "20261121103000123",
        br#"{"cardNo":"9491339401250765"}"#,
    );
    assert_eq!(t.len(), 67);
    assert!(valid(HEADERS, &headers_with("X-KM-Tran-Token", &t)));
    assert!(!valid(HEADERS, &headers_with("X-KM-Tran-Token", &t[..66])));
}

#[test]
fn e02_tran_time_is_14_digits() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:30:00+09:00").unwrap();
    assert_eq!(ids::tran_time(&now), "20261121103000");
    assert!(valid(
        HEADERS,
        &headers_with("X-KM-Tran-Time", "20261121103000")
    ));
    assert!(!valid(
        HEADERS,
        &headers_with("X-KM-Tran-Time", "2026112110300000")
    ));
}

fn bank(field: &str, value: &str) -> String {
    let mut b = json(
        r#"{"bankAccount":"333015555557","bankCode":"003","birthDate":"19751112",
            "userId":1,"userName":"홍길동"}"#,
    );
    b[field] = json(value);
    b.to_string()
}

const BANK: &str = "bank-account-valid/request.schema.json";

#[test]
fn e03_birth_date_is_eight_digit_calendar_date() {
    assert!(valid(BANK, &bank("birthDate", r#""19751112""#)));
    assert!(!valid(BANK, &bank("birthDate", r#""751112""#)));
    assert!(!valid(BANK, &bank("birthDate", r#""19751332""#)));
}

#[test]
fn e04_user_id_maximum_is_exact() {
    const DED: &str = "deduction-info/request.schema.json";
    assert!(valid(DED, r#"{"userId":9999999999999999999}"#));
    assert!(!valid(DED, r#"{"userId":10000000000000000000}"#));
    // Exact end to end: parsing and printing keep every digit.
    let v = json(r#"{"userId":9999999999999999999}"#);
    assert_eq!(v.to_string(), r#"{"userId":9999999999999999999}"#);
    assert_eq!(v["userId"].as_u64(), Some(9_999_999_999_999_999_999));
}

fn card_response(field: &str, value: &str) -> String {
    let mut b = json(
        r#"{"response":{"code":"000_000","description":"Success."},"userId":1,"balance":0,
            "serviceId":"000170000002000","serviceName":"카드","cardStatus":"ACTIVE",
            "isAutoRechargeBeforePayment":false}"#,
    );
    match value {
        "<absent>" => {
            b.as_object_mut().unwrap().remove(field);
        }
        v => b[field] = json(v),
    }
    b.to_string()
}

const CARD_RESPONSE: &str = "card-info/response.schema.json";

#[test]
fn e05_card_status_is_an_enum_without_length() {
    assert!(valid(
        CARD_RESPONSE,
        &card_response("cardStatus", r#""TERMINATED""#)
    ));
    assert!(valid(
        CARD_RESPONSE,
        &card_response("cardStatus", r#""SUSPENDED""#)
    ));
    assert!(!valid(
        CARD_RESPONSE,
        &card_response("cardStatus", r#""CLOSED""#)
    ));
}

#[test]
fn e06_id_no_is_a_maximum_card_no_is_exact() {
    let receipt = |id: &str| format!(r#"{{"approvalDiv":"0","idNo":"{id}","manYn":"1"}}"#);
    assert!(valid(
        CARD_RESPONSE,
        &card_response("cashReceiptInfo", &receipt("01012345678"))
    ));
    assert!(!valid(
        CARD_RESPONSE,
        &card_response("cashReceiptInfo", &receipt(&"1".repeat(21)))
    ));
    const CARD: &str = "card-info/request.schema.json";
    assert!(valid(CARD, r#"{"cardNo":"9491339401250765"}"#));
    assert!(!valid(CARD, r#"{"cardNo":"949133940125076"}"#));
}

#[test]
fn e07_deduction_path_and_boolean_is_authed() {
    let endpoint = contract().endpoint("deduction-info").unwrap();
    assert_eq!(endpoint.path, "/api/v1/user/deduction/info");
    const DED: &str = "deduction-info/response.schema.json";
    let body = |v: &str| {
        format!(r#"{{"response":{{"code":"000_000","description":"Success"}},"isAuthed":{v}}}"#)
    };
    assert!(valid(DED, &body("true")));
    assert!(!valid(DED, &body("0")));
}

#[test]
fn e08_any_three_digit_bank_code_is_well_formed() {
    assert!(valid(BANK, &bank("bankCode", r#""005""#)));
    assert!(valid(BANK, &bank("bankCode", r#""088""#)));
    assert!(!valid(BANK, &bank("bankCode", r#""0055""#)));
}

#[test]
fn e09_uncoded_bank_cases_are_conventions() {
    let catalogue = &contract().catalogue;
    let endpoint = catalogue.endpoint("bank-account-valid").unwrap();
    for key in [
        "before-hours-uncoded",
        "processing-delay",
        "non-participating",
    ] {
        let expected = catalogue.expected(&endpoint.id, key, None).unwrap();
        assert_eq!(expected.strength, Strength::Convention, "{key}");
        assert!(expected.code.starts_with("903_"), "{key}");
        assert!(endpoint.responses.iter().all(|r| r.key != key), "{key}");
    }
}

#[test]
fn e10_missing_field_message_names_the_field() {
    let e = contract()
        .catalogue
        .expected("card-info", "missing-field", Some("cardNo"))
        .unwrap();
    assert_eq!(e.code, "000_003");
    assert_eq!(e.message, "Missing required values. cardNo");
    assert_eq!(e.strength, Strength::Documented);
}

#[test]
fn e11_unmapped_card_has_null_user_id() {
    assert!(valid(CARD_RESPONSE, &card_response("userId", "null")));
    assert!(valid(CARD_RESPONSE, &card_response("userId", "<absent>")));
    assert!(!valid(CARD_RESPONSE, &card_response("userId", r#""none""#)));
}

#[test]
fn e12_success_message_follows_each_page() {
    let catalogue = &contract().catalogue;
    let message = |e: &str| catalogue.expected(e, "success", None).unwrap().message;
    assert_eq!(message("card-info"), "Success.");
    assert_eq!(message("deduction-info"), "Success");
    assert_eq!(message("bank-account-valid"), "Success");
}

#[test]
fn e13_card_no_is_digits_only() {
    const CARD: &str = "card-info/request.schema.json";
    assert!(!valid(CARD, r#"{"cardNo":"949133940125076A"}"#));
}

#[test]
fn e14_common_input_codes_are_conventions_elsewhere() {
    let catalogue = &contract().catalogue;
    for endpoint in ["deduction-info", "bank-account-valid"] {
        let missing = catalogue
            .expected(endpoint, "missing-field", Some("userId"))
            .unwrap();
        assert_eq!(missing.strength, Strength::Convention);
        assert_eq!(missing.code, "000_003");
        assert_eq!(missing.message, "Missing required values. userId");
        let invalid = catalogue.expected(endpoint, "invalid-input", None).unwrap();
        assert_eq!(invalid.strength, Strength::Convention);
        assert_eq!(invalid.code, "000_002");
    }
}

#[test]
fn e15_bank_success_is_envelope_only() {
    const BANK_RESPONSE: &str = "bank-account-valid/response.schema.json";
    assert!(valid(
        BANK_RESPONSE,
        r#"{"response":{"code":"000_000","description":"Success"}}"#
    ));
    assert!(!valid(BANK_RESPONSE, r#"{"code":"000_000"}"#));
}

#[test]
fn e16_before_hours_coded_and_uncoded_differ() {
    let catalogue = &contract().catalogue;
    let coded = catalogue
        .expected("bank-account-valid", "before-business-hours", None)
        .unwrap();
    let uncoded = catalogue
        .expected("bank-account-valid", "before-hours-uncoded", None)
        .unwrap();
    assert_eq!(coded.code, "002_004");
    assert_eq!(coded.strength, Strength::Documented);
    assert_ne!(uncoded.code, coded.code);
    assert!(uncoded.compatible_codes.contains(&coded.code));
}

#[test]
fn e17_access_key_is_required() {
    assert!(!valid(
        HEADERS,
        &headers_with("X-KM-Access-Key", "<absent>")
    ));
    assert!(valid(
        HEADERS,
        &headers_with("X-KM-Crypto-Key-Id", "<absent>")
    ));
}

#[test]
fn e18_correlation_id_format() {
    assert!(valid(
        HEADERS,
        &headers_with("X-KM-Correlation-Id", "261121103000-0a1b2c3")
    ));
    assert!(!valid(
        HEADERS,
        &headers_with("X-KM-Correlation-Id", "2611211030-0a1b2c3")
    ));
    assert!(!valid(
        HEADERS,
        &headers_with("X-KM-Correlation-Id", "261121103000-0a1b2cg")
    ));
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:30:00+09:00").unwrap();
    let mut rng = rand::rng();
    let id = ids::correlation_id(&now, &mut rng);
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("261121103000-"));
}

#[test]
fn e19_user_id_minimum_differs_by_side() {
    assert!(valid(CARD_RESPONSE, &card_response("userId", "0")));
    assert!(!valid(
        "deduction-info/request.schema.json",
        r#"{"userId":0}"#
    ));
}

#[test]
fn e20_encrypted_sides_per_endpoint() {
    let sides = |id: &str| {
        let e = contract().endpoint(id).unwrap().encryption;
        (e.request, e.response)
    };
    assert_eq!(sides("card-info"), (true, true));
    assert_eq!(sides("deduction-info"), (true, false));
    assert_eq!(sides("bank-account-valid"), (true, false));
}

#[test]
fn e21_envelope_field_names() {
    let env = &contract().catalogue.envelope;
    assert_eq!(
        (
            env.result_object.as_str(),
            env.code_field.as_str(),
            env.message_field.as_str()
        ),
        ("response", "code", "description")
    );
    assert!(valid(
        &env.schema,
        r#"{"response":{"code":"002_003","description":"x"}}"#
    ));
    assert!(!valid(
        &env.schema,
        r#"{"response":{"code":"002_003","message":"x"}}"#
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e22_encryption_is_per_request_and_errors_are_plain() {
    use kona_conformance::client::{JweMutation, KonaClient, RequestSpec, TransportOptions};
    use kona_conformance::sandbox::{Sandbox, SandboxConfig};
    use rand::SeedableRng;

    let sandbox = Sandbox::start(SandboxConfig::for_certification())
        .await
        .unwrap();
    let target = kona_conformance::sandbox::embedded_target(&sandbox.base_url());
    let client = KonaClient::new(target, &TransportOptions::default()).unwrap();
    let fixtures = kona_conformance::sandbox::seeded_fixtures();
    let card = fixtures.role("cards", "active").unwrap()["cardNo"]
        .as_str()
        .unwrap();
    let spec = |encrypt: bool, mutation: Option<JweMutation>| RequestSpec {
        endpoint_id: "card-info".into(),
        path: "/api/v1/user/card/info".into(),
        body: format!(r#"{{"cardNo":"{card}"}}"#).into_bytes(),
        encrypt,
        enc_data_mutation: mutation,
        ..RequestSpec::default()
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(22);
    let is_encrypted = |e: &kona_conformance::client::Exchange| {
        let r = e.response.as_ref().unwrap();
        r.json().unwrap().get("encData").is_some()
    };

    let plain = client.send(&spec(false, None), &mut rng).await;
    assert_eq!(plain.response.as_ref().unwrap().status, 200);
    assert!(!is_encrypted(&plain), "a plain request gets a plain answer");

    let encrypted = client.send(&spec(true, None), &mut rng).await;
    let response = encrypted.response.as_ref().unwrap();
    assert_eq!(response.status, 200);
    assert!(
        is_encrypted(&encrypted),
        "an encrypted card request gets an encrypted answer"
    );
    assert!(matches!(response.plaintext, Some(Ok(_))));
    assert!(response.header("X-KM-Crypto-Key-Id").is_some());

    let broken = client
        .send(&spec(true, Some(JweMutation::AlterTag)), &mut rng)
        .await;
    assert_eq!(broken.response.as_ref().unwrap().status, 400);
    assert!(!is_encrypted(&broken), "errors are never encrypted");
    sandbox.shutdown().await;
}

#[test]
fn every_erratum_names_a_test_in_this_file() {
    let source = include_str!("errata.rs");
    let errata = &contract().errata.errata;
    assert!(errata.len() >= 11);
    for e in errata {
        let name = e
            .test
            .strip_prefix("tests/errata.rs::")
            .unwrap_or_else(|| panic!("{}: test {} is not in tests/errata.rs", e.id, e.test));
        assert!(
            source.contains(&format!("fn {name}()")),
            "{}: no test named {name}",
            e.id
        );
    }
}
