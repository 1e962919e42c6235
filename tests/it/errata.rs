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

// E23..E32: the precision principle. Each judges a synthetic exchange as a foreign
// target would be judged (the automatic checks plus the case's expectation).

use kona_conformance::client::{Exchange, ResponseCapture, TargetKind};
use kona_conformance::judge::answer;
use kona_conformance::runner::results::{Finding, Observation};

const SENT_ID: &str = "261121103000-0a1b2c3";

/// A request to `endpoint` with `body` and the extra request headers, answered with
/// `status` and `response` (JSON text) and the response headers given (the correlation id
/// echoed and a JSON content type unless they are given).
fn exchange(
    endpoint: &str,
    body: &str,
    request_headers: &[(&str, &str)],
    status: u16,
    response: &str,
    response_headers: &[(&str, &str)],
) -> Exchange {
    let mut sent = vec![("X-KM-Correlation-Id".to_owned(), SENT_ID.to_owned())];
    for (n, v) in request_headers {
        sent.retain(|(name, _)| !name.eq_ignore_ascii_case(n));
        sent.push(((*n).to_owned(), (*v).to_owned()));
    }
    let correlation = sent[0].1.clone();
    let mut got = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("x-km-correlation-id".to_owned(), correlation.clone()),
    ];
    for (n, v) in response_headers {
        got.retain(|(name, _)| !name.eq_ignore_ascii_case(n));
        got.push(((*n).to_owned(), (*v).to_owned()));
    }
    Exchange {
        endpoint_id: endpoint.to_owned(),
        method: "POST".into(),
        url: format!(
            "http://127.0.0.1:1/open-api{}",
            contract().endpoint(endpoint).unwrap().path
        ),
        request_headers: sent,
        request_body: body.as_bytes().to_vec(),
        request_plaintext: None,
        correlation_id: correlation,
        started_at: chrono::Utc::now(),
        duration: std::time::Duration::ZERO,
        response: Some(ResponseCapture {
            status,
            headers: got,
            body: response.as_bytes().to_vec(),
            truncated: false,
            plaintext: None,
            parsed: Default::default(),
        }),
        failure: None,
        attempts: Vec::new(),
        gave_up: None,
    }
}

fn envelope(code: &str, message: &str, data: &str) -> String {
    let data = if data.is_empty() {
        String::new()
    } else {
        format!(",{data}")
    };
    format!(r#"{{"response":{{"code":"{code}","description":"{message}"}}{data}}}"#)
}

/// Every finding on `ex` when the case expects `key` (naming `field`), and the observation.
fn judged(
    kind: TargetKind,
    ex: &Exchange,
    key: &str,
    field: Option<&str>,
) -> (Vec<Finding>, Option<Observation>) {
    judged_as(kind, ex, key, field, false)
}

/// [`judged`] for a request that was synthesized (`true`) or made from a record.
fn judged_as(
    kind: TargetKind,
    ex: &Exchange,
    key: &str,
    field: Option<&str>,
    synthesized: bool,
) -> (Vec<Finding>, Option<Observation>) {
    let c = contract();
    let endpoint = c.endpoint(&ex.endpoint_id).unwrap();
    let expected = c.catalogue.expected(&endpoint.id, key, field).unwrap();
    let mut findings = answer::automatic(c, endpoint, kind, ex);
    let (more, observation) = answer::expectation(
        c,
        endpoint,
        kind,
        ex,
        &expected,
        &answer::Blame::same("RESP-CODE-KNOWN"),
        "the case",
        synthesized,
    );
    findings.extend(more);
    (findings, observation)
}

fn passes(ex: &Exchange, key: &str, field: Option<&str>) -> bool {
    let (findings, _) = judged(TargetKind::External, ex, key, field);
    findings.is_empty()
}

const CARD_DATA: &str = r#""userId":1,"balance":0,"serviceId":"000170000002000","serviceName":"card","isAutoRechargeBeforePayment":false"#;
const BANK_BODY: &str =
    r#"{"bankAccount":"","bankCode":"003","birthDate":"19751112","userId":1,"userName":"Kim"}"#;

#[test]
fn e23_optional_response_fields_may_be_absent_or_null() {
    let body = |extra: &str| envelope("000_000", "Success.", &format!("{CARD_DATA}{extra}"));
    let request = r#"{"cardNo":"9491339401250765"}"#;
    for extra in [
        "",
        r#","ownerKa":null,"cashReceiptInfo":null,"cardStatus":null"#,
    ] {
        let ex = exchange("card-info", request, &[], 200, &body(extra), &[]);
        assert!(passes(&ex, "success", None), "{extra}");
    }
    // Present, they keep their rules.
    let ex = exchange(
        "card-info",
        request,
        &[],
        200,
        &body(r#","cardStatus":"CLOSED""#),
        &[],
    );
    assert!(!passes(&ex, "success", None));
}

#[test]
fn e24_empty_required_string_has_three_readings() {
    for (status, code, message) in [
        (
            400,
            "002_001",
            "Bank account is length over limit or including not-number digit.",
        ),
        (400, "000_003", "Missing required values. bankAccount"),
        (400, "000_002", "Invalid input parameter."),
    ] {
        let ex = exchange(
            "bank-account-valid",
            BANK_BODY,
            &[],
            status,
            &envelope(code, message, ""),
            &[],
        );
        let (findings, observation) = judged(TargetKind::External, &ex, "account-format", None);
        assert!(findings.is_empty(), "{code}: {findings:?}");
        if code != "002_001" {
            let observed = observation.expect("another reading is observed");
            assert!(
                observed.case.contains("empty-required-string"),
                "{}",
                observed.case
            );
        }
        // The embedded sandbox keeps its own reading exactly.
        let embedded = judged(TargetKind::Embedded, &ex, "account-format", None).0;
        assert_eq!(embedded.is_empty(), code == "002_001", "{code}");
    }
    // A code the docs reserve for another case is still a failure, said in words.
    let ex = exchange(
        "bank-account-valid",
        BANK_BODY,
        &[],
        400,
        &envelope("002_007", "Bank account is not found.", ""),
        &[],
    );
    let (findings, _) = judged(TargetKind::External, &ex, "account-format", None);
    assert!(
        findings.iter().any(|f| f
            .actual
            .contains(r#"002_007 is the documented code for "Bank account is not found.""#)),
        "{findings:?}"
    );
}

#[test]
fn e25_json_declared_as_text_may_be_read_or_refused() {
    let request = r#"{"cardNo":"9491339401250765"}"#;
    let plain = [("Content-Type", "text/plain")];
    let success = envelope("000_000", "Success.", CARD_DATA);
    let ex = exchange("card-info", request, &plain, 200, &success, &[]);
    assert!(passes(&ex, "body-not-json", None), "read as JSON");
    let refused = envelope("904_415", "Unsupported media type.", "");
    let ex = exchange("card-info", request, &plain, 415, &refused, &[]);
    assert!(passes(&ex, "body-not-json", None), "refused");
    // Read as JSON, the answer must be right for the body.
    let wrong = envelope("000_000", "Success.", r#""balance":"x""#);
    let ex = exchange("card-info", request, &plain, 200, &wrong, &[]);
    assert!(!passes(&ex, "body-not-json", None));
    // A body that is not JSON at all must be refused.
    let ex = exchange("card-info", "not json", &plain, 200, &success, &[]);
    assert!(!passes(&ex, "body-not-json", None));
}

#[test]
fn e26_extra_fields_are_not_failures() {
    let body = r#"{"response":{"code":"000_000","description":"Success.","traceId":"t-1"},"serverRegion":"kr",
        "userId":1,"balance":0,"serviceId":"000170000002000","serviceName":"card","isAutoRechargeBeforePayment":false}"#;
    let ex = exchange(
        "card-info",
        r#"{"cardNo":"9491339401250765"}"#,
        &[],
        200,
        body,
        &[],
    );
    assert!(passes(&ex, "success", None));
    let missing =
        r#"{"response":{"code":"000_000","description":"Success.","traceId":"t-1"},"balance":0}"#;
    let ex = exchange(
        "card-info",
        r#"{"cardNo":"9491339401250765"}"#,
        &[],
        200,
        missing,
        &[],
    );
    assert!(
        !passes(&ex, "success", None),
        "required fields stay required"
    );
}

#[test]
fn e27_whole_number_float_user_id_has_two_readings() {
    let request = r#"{"userId":1.0}"#;
    let accepted = envelope("000_000", "Success", r#""isAuthed":true"#);
    let refused = envelope("000_002", "Invalid input parameter.", "");
    for (status, body) in [(200, accepted), (400, refused)] {
        let ex = exchange("deduction-info", request, &[], status, &body, &[]);
        assert!(passes(&ex, "invalid-input", None), "{body}");
    }
    // In a response 1.0 is the integer 1, compared through its text.
    use kona_conformance::contract::formats::same_json;
    assert!(same_json(&json("1.0"), &json("1")));
    assert!(same_json(
        &json("9999999999999999999.0"),
        &json("9999999999999999999")
    ));
    assert!(!same_json(
        &json("9999999999999999998.0"),
        &json("9999999999999999999")
    ));
    assert!(valid(
        "card-info/response.schema.json",
        &envelope(
            "000_000",
            "Success.",
            &CARD_DATA.replace(r#""userId":1"#, r#""userId":1.0"#)
        )
    ));
}

#[test]
fn e28_plain_request_may_ignore_a_malformed_crypto_key_id() {
    let request = r#"{"cardNo":"9491339401250765"}"#;
    let short = [("X-KM-Crypto-Key-Id", "0123456789abcdef0123456789abcde")];
    let success = envelope("000_000", "Success.", CARD_DATA);
    let refused = envelope("900_002", "Invalid header value. X-KM-Crypto-Key-Id", "");
    for (status, body) in [(200, success), (400, refused)] {
        let ex = exchange("card-info", request, &short, status, &body, &[]);
        assert!(
            passes(&ex, "malformed-header", Some("X-KM-Crypto-Key-Id")),
            "{body}"
        );
    }
}

#[test]
fn e29_malformed_correlation_id_may_be_echoed_or_replaced() {
    let request = r#"{"cardNo":"12"}"#;
    let refused = envelope("900_002", "Invalid header value. X-KM-Correlation-Id", "");
    let malformed = [("X-KM-Correlation-Id", "261121103000-0a1b2c")];
    let answer = |sent: &[(&str, &str)], back: &str| {
        let ex = exchange(
            "card-info",
            request,
            sent,
            400,
            &refused,
            &[("X-KM-Correlation-Id", back)],
        );
        passes(&ex, "malformed-header", Some("X-KM-Correlation-Id"))
    };
    assert!(
        answer(&malformed, "261121103000-0a1b2c"),
        "echoed unchanged"
    );
    assert!(
        answer(&malformed, "261121103001-0a1b2c4"),
        "a fresh well-formed id"
    );
    assert!(
        !answer(&malformed, "not-an-id"),
        "a fresh id must be well-formed"
    );
    assert!(
        !answer(&[], "261121103001-0a1b2c4"),
        "a well-formed id is echoed unchanged"
    );
    let document = kona_conformance::openapi::export(contract())
        .unwrap()
        .to_string();
    assert!(
        document.contains("errata E29"),
        "the OpenAPI export states the rule"
    );
}

#[test]
fn e30_rejections_may_be_401_or_403_and_400_or_404() {
    let request = r#"{"cardNo":"9491339401250765"}"#;
    for status in [401, 403] {
        let ex = exchange(
            "card-info",
            request,
            &[],
            status,
            &envelope("910_001", "Forbidden.", ""),
            &[],
        );
        assert!(passes(&ex, "unknown-credentials", None), "{status}");
    }
    for status in [400, 404] {
        let ex = exchange(
            "card-info",
            request,
            &[],
            status,
            &envelope("910_002", "No card.", ""),
            &[],
        );
        assert!(passes(&ex, "unknown-card", None), "{status}");
    }
    // A bare 404, an HTML page or an empty body is not a rejection by the API.
    for body in ["", "<html>Not Found</html>", "{}"] {
        let ex = exchange(
            "card-info",
            request,
            &[],
            404,
            body,
            &[("content-type", "text/html")],
        );
        let (findings, _) = judged(TargetKind::External, &ex, "unknown-card", None);
        assert!(
            !findings.is_empty(),
            "{body:?} must not satisfy a rejection"
        );
    }
}

#[test]
fn e31_order_of_checks_is_open_where_a_lookup_decides() {
    let unknown = envelope("902_001", "Card not found.", "");
    let ex = exchange(
        "card-info",
        r#"{"cardNo":"949133940125076"}"#,
        &[],
        404,
        &unknown,
        &[],
    );
    assert!(
        passes(&ex, "invalid-input", None),
        "lookup first on card/info"
    );
    assert!(
        !judged(TargetKind::Embedded, &ex, "invalid-input", None)
            .0
            .is_empty()
    );
    let ex = exchange(
        "deduction-info",
        r#"{"userId":0}"#,
        &[],
        400,
        &envelope("901_001", "User info not found.", ""),
        &[],
    );
    assert!(
        passes(&ex, "invalid-input", None),
        "lookup first on deduction/info"
    );
    // bankAccount's format rule has its own documented code.
    let body = BANK_BODY.replace(
        r#""bankAccount":"""#,
        r#""bankAccount":"123456789012345678901""#,
    );
    let ex = exchange(
        "bank-account-valid",
        &body,
        &[],
        400,
        &envelope("002_007", "Bank account is not found.", ""),
        &[],
    );
    assert!(!passes(&ex, "account-format", None));
}

#[test]
fn e33_synthesized_requests_pass_with_either_order_of_checks() {
    // A synthesized bank request with a malformed birth date: a target that looks the made-up
    // member up first answers "user not found", and that is consistent with the docs.
    let body = BANK_BODY
        .replace(r#""bankAccount":"""#, r#""bankAccount":"333015555557""#)
        .replace("19751112", "19751332");
    let lookup_first = exchange(
        "bank-account-valid",
        &body,
        &[],
        400,
        &envelope("002_005", "User info not found.", ""),
        &[],
    );
    let (findings, observation) = judged_as(
        TargetKind::External,
        &lookup_first,
        "invalid-input",
        None,
        true,
    );
    assert!(findings.is_empty(), "{findings:?}");
    let observation = observation.expect("the chosen order is observed");
    assert!(
        observation.case.contains("synthesized-record reading"),
        "{}",
        observation.case
    );
    // Made from a real record, the same answer is a failure: the record exists.
    assert!(!passes(&lookup_first, "invalid-input", None));
    // The embedded sandbox checks fields first and is held to it.
    assert!(
        !judged_as(
            TargetKind::Embedded,
            &lookup_first,
            "invalid-input",
            None,
            true
        )
        .0
        .is_empty()
    );
    // The reading widens a rejection only: a synthesized request never turns an accepted
    // malformed field into a pass.
    let accepted = exchange(
        "bank-account-valid",
        &body,
        &[],
        200,
        &envelope("000_000", "Success.", ""),
        &[],
    );
    assert!(
        !judged_as(TargetKind::External, &accepted, "invalid-input", None, true)
            .0
            .is_empty()
    );
}

#[test]
fn e32_json_with_a_charset_is_json() {
    let request = r#"{"cardNo":"9491339401250765"}"#;
    let success = envelope("000_000", "Success.", CARD_DATA);
    for declared in [
        "application/json; charset=utf-8",
        "Application/JSON;Charset=UTF-8",
    ] {
        let ex = exchange(
            "card-info",
            request,
            &[],
            200,
            &success,
            &[("content-type", declared)],
        );
        assert!(passes(&ex, "success", None), "{declared}");
        let sent = [("Content-Type", declared)];
        let ex = exchange("card-info", request, &sent, 200, &success, &[]);
        assert!(passes(&ex, "success", None), "sent as {declared}");
    }
    let ex = exchange(
        "card-info",
        request,
        &[],
        200,
        &success,
        &[("content-type", "text/html")],
    );
    assert!(!passes(&ex, "success", None));
}

#[test]
fn every_reading_names_an_erratum() {
    let c = contract();
    assert!(c.catalogue.readings.len() >= 5);
    for r in &c.catalogue.readings {
        assert!(
            c.errata.errata.iter().any(|e| e.id == r.erratum),
            "{}: {}",
            r.id,
            r.erratum
        );
    }
}

#[test]
fn every_erratum_names_a_test_in_this_file() {
    let source = include_str!("errata.rs");
    let errata = &contract().errata.errata;
    assert!(errata.len() >= 11);
    for e in errata {
        let name = e
            .test
            .strip_prefix("tests/it/errata.rs::")
            .unwrap_or_else(|| panic!("{}: test {} is not in tests/it/errata.rs", e.id, e.test));
        assert!(
            source.contains(&format!("fn {name}(")),
            "{}: no test named {name}",
            e.id
        );
    }
}

/// The code the sandbox, under `variants`, gives the valid bank record with `changes`.
async fn bank_check(
    variants: Vec<kona_conformance::sandbox::Variant>,
    changes: &[(&str, Value)],
) -> String {
    use kona_conformance::client::{KonaClient, RequestSpec, TransportOptions};
    use kona_conformance::sandbox::{Sandbox, SandboxConfig};
    use rand::SeedableRng;

    let mut config = SandboxConfig::for_certification();
    config.variants = variants;
    let sandbox = Sandbox::start(config).await.unwrap();
    let target = kona_conformance::sandbox::embedded_target(&sandbox.base_url());
    let client = KonaClient::new(target, &TransportOptions::default()).unwrap();
    let mut body = kona_conformance::sandbox::seeded_fixtures()
        .role("bankAccounts", "valid")
        .unwrap()
        .clone();
    for (field, value) in changes {
        body.insert((*field).to_owned(), value.clone());
    }
    let spec = RequestSpec {
        endpoint_id: "bank-account-valid".into(),
        path: "/api/v1/bankaccounts/user/valid".into(),
        body: serde_json::to_vec(&body).unwrap(),
        ..RequestSpec::default()
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(34);
    let exchange = client.send(&spec, &mut rng).await;
    sandbox.shutdown().await;
    let message = exchange
        .response
        .as_ref()
        .and_then(|r| r.message())
        .unwrap();
    message["response"]["code"].as_str().unwrap().to_owned()
}

#[rstest::rstest]
#[case::the_holder(&[], "000_000", "000_000", "000_000")]
#[case::another_member_id(&[("userId", Value::from(1_u64))], "000_000", "002_005", "000_000")]
#[case::another_name(&[("userName", Value::from("김민준박서연"))], "002_003", "002_003", "002_003")]
#[case::another_birth_date(&[("birthDate", Value::from("19000101"))], "002_005", "002_005", "002_005")]
#[case::another_birth_date_and_name(
    &[("birthDate", Value::from("19000101")), ("userName", Value::from("김민준박서연"))],
    "002_005",
    "002_005",
    "002_003"
)]
#[case::another_account(&[("bankAccount", Value::from("123456789012"))], "002_007", "002_007", "002_007")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e34_the_bank_check_compares_birth_date_and_name_not_the_member_id(
    #[case] changes: &[(&str, Value)],
    #[case] faithful: &str,
    #[case] checks_member_id: &str,
    #[case] name_first: &str,
) {
    use kona_conformance::sandbox::Variant;
    assert_eq!(
        bank_check(Vec::new(), changes).await,
        faithful,
        "the decision"
    );
    assert_eq!(
        bank_check(vec![Variant::BankChecksMemberId], changes).await,
        checks_member_id,
        "variant bank-checks-member-id"
    );
    assert_eq!(
        bank_check(vec![Variant::BankNameFirst], changes).await,
        name_first,
        "variant bank-name-first"
    );
}

#[test]
fn e35_a_closed_bank_is_never_a_failure_and_never_a_verification() {
    let body = BANK_BODY.replace(r#""bankAccount":"""#, r#""bankAccount":"333015555557""#);
    let closed = |code: &str, message: &str| {
        exchange(
            "bank-account-valid",
            &body,
            &[],
            400,
            &envelope(code, message, ""),
            &[],
        )
    };
    let outside = closed("002_006", "Bank is not valid.");
    let not_open = closed("002_004", "Bank is not valid to check account info.");
    // Any bank check, a success included, may meet the bank's hours: an observation under
    // the reading, which a report counts as leaving the expected requirement unverified.
    for (ex, key) in [
        (&outside, "success"),
        (&outside, "name-mismatch"),
        (&not_open, "user-not-found"),
        (&not_open, "success"),
    ] {
        let (findings, observation) = judged_as(TargetKind::External, ex, key, None, false);
        assert!(findings.is_empty(), "{key}: {findings:?}");
        let observation = observation.expect("the closed bank is observed");
        assert_eq!(observation.reading.as_deref(), Some("bank-service-hours"));
        assert_eq!(observation.convention.key, key);
    }
    // The embedded sandbox is held to its own clock (pinned at noon when certifying).
    assert!(
        !judged_as(TargetKind::Embedded, &outside, "success", None, false)
            .0
            .is_empty()
    );
    // Only the bank has hours: a card answered 002_006 is still a failure.
    let card = exchange(
        "card-info",
        r#"{"cardNo":"9491339401250765"}"#,
        &[],
        400,
        &envelope("002_006", "Bank is not valid.", ""),
        &[],
    );
    assert!(!passes(&card, "success", None));
}

#[test]
fn e36_balance_is_a_whole_number_of_won() {
    const CARD: &str = "card-info/response.schema.json";
    let success = |balance: &str| {
        format!(
            r#"{{"response":{{"code":"000_000","description":"Success."}},"balance":{balance},
                "serviceId":"000170000002000","serviceName":"K","isAutoRechargeBeforePayment":true}}"#
        )
    };
    assert!(valid(CARD, &success("9999999999")));
    assert!(
        valid(CARD, &success("10.0")),
        "10.0 is the integer 10 (E27)"
    );
    assert!(!valid(CARD, &success("10.5")), "won has no minor unit");
    assert!(!valid(CARD, &success("10000000000")));
    // The decision is recorded as an override of the page's word, for `derive --check`.
    let erratum = contract().errata.get("E36").expect("E36 is recorded");
    assert!(
        erratum
            .overrides
            .iter()
            .any(|o| o.fact == "response.body.balance.type"
                && o.page.as_deref() == Some("number")
                && o.contract.as_deref() == Some("integer"))
    );
}
