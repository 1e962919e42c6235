//! The JSON Schemas under `schemas/`, checked through the contract loader.
//!
//! For every schema: documented examples (the vendor's public sandbox data where it fits, plus the
//! boundary values) validate, and for every constraint the pages state (or an errata decision sets)
//! one instance that breaks it fails, with a violation of the expected keyword whose instance path
//! or message names the field.
//!
//! Instances are written as JSON text and parsed with `serde_json` (arbitrary precision), so the
//! 19- and 20-digit user ids stay exact.

use std::sync::LazyLock;

use kona_conformance::contract::{Contract, SchemaViolation};
use rstest::rstest;
use serde_json::Value;

static CONTRACT: LazyLock<Contract> =
    LazyLock::new(|| Contract::embedded().expect("every schema under schemas/ compiles"));

const REQUEST_HEADERS: &str = "common/request-headers.schema.json";
const RESPONSE_HEADERS: &str = "common/response-headers.schema.json";
const ENVELOPE: &str = "common/envelope.schema.json";
const ENCRYPTED_BODY: &str = "common/encrypted-body.schema.json";
const DEDUCTION_REQUEST: &str = "deduction-info/request.schema.json";
const DEDUCTION_RESPONSE: &str = "deduction-info/response.schema.json";
const CARD_REQUEST: &str = "card-info/request.schema.json";
const CARD_RESPONSE: &str = "card-info/response.schema.json";
const BANK_REQUEST: &str = "bank-account-valid/request.schema.json";
const BANK_RESPONSE: &str = "bank-account-valid/response.schema.json";

/// Request headers as the sandbox ASP would send them (encrypted body, so with a crypto key id).
const REQ_HEADERS: &str = r#"{
    "X-KM-User-AspId": "000170000000000",
    "X-KM-Correlation-Id": "251121103500-0a1b2c3",
    "X-KM-Access-Key": "1a2b3c4-0123456789abcdef0123456789abcdef",
    "X-KM-Crypto-Key-Id": "0123456789abcdef0123456789abcdef",
    "X-KM-Tran-Token": "KMV1:20251121103500123:k4D5UUCPyZXcgoSGTXawGlBFe1YF+oeXgZEGrry4b2o=",
    "X-KM-Tran-Time": "20251121103500",
    "X-KM-Time-Zone": "KST",
    "Content-Type": "application/json"
}"#;

const RESP_HEADERS: &str = r#"{
    "X-KM-Correlation-Id": "251121103500-0A1B2C3",
    "X-KM-Crypto-Key-Id": "fedcba9876543210fedcba9876543210",
    "Content-Type": "application/json"
}"#;

const SUCCESS: &str = r#"{"response": {"code": "000_000", "description": "Success"}}"#;

const ENCRYPTED: &str = r#"{"encData": "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0.90VRl2WvMUTRmlcn09Datlok7ryGif5c.wV1yu-opZILieGWj.21deUV3V2dtk6CauLKQRgLEVQz9sDveAkFTtb4-U.cvCcLqs3QIyRSh598qDDqA"}"#;

const DED_REQ: &str = r#"{"userId": 1}"#;

const DED_RESP: &str =
    r#"{"response": {"code": "000_000", "description": "Success"}, "isAuthed": true}"#;

const CARD_REQ: &str = r#"{"cardNo": "9491339401250765"}"#;

/// A card-info success with every optional field present.
const CARD_RESP: &str = r#"{
    "response": {"code": "000_000", "description": "Success."},
    "userId": 1,
    "balance": 9999999999,
    "serviceId": "000170000002000",
    "serviceName": "코나 선불카드",
    "ownerKa": "000170000000000",
    "cashReceiptInfo": {"approvalDiv": "0", "idNo": "01012345678", "manYn": "1"},
    "cardStatus": "ACTIVE",
    "isAutoRechargeBeforePayment": false
}"#;

/// A card-info success with the required fields only (a card not mapped to a member).
const CARD_RESP_MINIMAL: &str = r#"{
    "response": {"code": "000_000", "description": "Success."},
    "balance": 0,
    "serviceId": "000170000002000",
    "serviceName": "K",
    "isAutoRechargeBeforePayment": true
}"#;

const BANK_REQ: &str = r#"{
    "bankAccount": "333015555557",
    "bankCode": "003",
    "birthDate": "19751112",
    "userId": 1,
    "userName": "홍길동"
}"#;

const MAX_USER_ID: &str = "9999999999999999999";
const OVER_MAX_USER_ID: &str = "10000000000000000000";

/// One change to a base instance, addressed by a JSON pointer to a member of an object.
enum Edit {
    Set(&'static str, String),
    Remove(&'static str),
}

/// Sets the member at `pointer` to the value written as JSON text.
fn set(pointer: &'static str, json: impl Into<String>) -> Edit {
    Edit::Set(pointer, json.into())
}

fn remove(pointer: &'static str) -> Edit {
    Edit::Remove(pointer)
}

/// The JSON text of a string value.
fn text(value: &str) -> String {
    serde_json::to_string(value).expect("a string serialises")
}

fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("test JSON does not parse ({e}): {json}"))
}

/// The base instance with the edits applied in order.
fn with<const N: usize>(base: &str, edits: [Edit; N]) -> Value {
    let mut value = parse(base);
    for edit in edits {
        let (pointer, new) = match edit {
            Edit::Set(pointer, json) => (pointer, Some(parse(&json))),
            Edit::Remove(pointer) => (pointer, None),
        };
        let (parent, key) = pointer
            .rsplit_once('/')
            .unwrap_or_else(|| panic!("not a JSON pointer: {pointer}"));
        let object = value
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("no object at {parent:?} for edit {pointer}"));
        match new {
            Some(new) => {
                object.insert(key.to_owned(), new);
            }
            None => {
                object
                    .remove(key)
                    .unwrap_or_else(|| panic!("nothing to remove at {pointer}"));
            }
        }
    }
    value
}

fn base(json: &str) -> Value {
    parse(json)
}

fn assert_valid(schema: &str, instance: &Value) {
    let violations = CONTRACT.validate(schema, instance);
    assert!(
        violations.is_empty(),
        "{schema} rejects a valid instance {instance}: {violations:#?}"
    );
}

/// The instance fails, and one violation has the expected keyword and names the field in its
/// instance path or message.
fn assert_invalid(schema: &str, instance: &Value, field: &str, keyword: &str) {
    let violations = CONTRACT.validate(schema, instance);
    assert!(
        !violations.is_empty(),
        "{schema} accepts an instance that breaks the {keyword} rule of {field}: {instance}"
    );
    // An empty field stands for the instance root.
    let names_field = |v: &SchemaViolation| {
        if field.is_empty() {
            v.instance_path.is_empty()
        } else {
            v.instance_path.split('/').any(|segment| segment == field) || v.message.contains(field)
        }
    };
    assert!(
        violations
            .iter()
            .any(|v| v.keyword == keyword && names_field(v)),
        "{schema}: no {keyword} violation naming {field} for {instance}: {violations:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// common/request-headers.schema.json

#[rstest]
#[case::sandbox_encrypted(base(REQ_HEADERS))]
#[case::without_crypto_key_id(with(REQ_HEADERS, [remove("/X-KM-Crypto-Key-Id")]))]
#[case::utc(with(REQ_HEADERS, [set("/X-KM-Time-Zone", text("UTC"))]))]
#[case::hex_upper_case(with(REQ_HEADERS, [set("/X-KM-Correlation-Id", text("251121235959-ABCDEF0"))]))]
fn request_headers_valid(#[case] instance: Value) {
    assert_valid(REQUEST_HEADERS, &instance);
}

#[rstest]
#[case::asp_id_missing(with(REQ_HEADERS, [remove("/X-KM-User-AspId")]), "X-KM-User-AspId", "required")]
#[case::asp_id_14(with(REQ_HEADERS, [set("/X-KM-User-AspId", text("00017000000000"))]), "X-KM-User-AspId", "minLength")]
#[case::asp_id_16(with(REQ_HEADERS, [set("/X-KM-User-AspId", text("0001700000000000"))]), "X-KM-User-AspId", "maxLength")]
#[case::asp_id_not_string(with(REQ_HEADERS, [set("/X-KM-User-AspId", "170000000000")]), "X-KM-User-AspId", "type")]
#[case::correlation_missing(with(REQ_HEADERS, [remove("/X-KM-Correlation-Id")]), "X-KM-Correlation-Id", "required")]
#[case::correlation_19(with(REQ_HEADERS, [set("/X-KM-Correlation-Id", text("25112110350-0a1b2c3"))]), "X-KM-Correlation-Id", "minLength")]
#[case::correlation_21(with(REQ_HEADERS, [set("/X-KM-Correlation-Id", text("2511211035000-0a1b2c3"))]), "X-KM-Correlation-Id", "maxLength")]
#[case::correlation_not_hex(with(REQ_HEADERS, [set("/X-KM-Correlation-Id", text("251121103500-0a1b2cg"))]), "X-KM-Correlation-Id", "pattern")]
#[case::correlation_no_hyphen(with(REQ_HEADERS, [set("/X-KM-Correlation-Id", text("2511211035000a1b2c3d"))]), "X-KM-Correlation-Id", "pattern")]
#[case::correlation_month_13(with(REQ_HEADERS, [set("/X-KM-Correlation-Id", text("251321103500-0a1b2c3"))]), "X-KM-Correlation-Id", "format")]
#[case::correlation_not_string(with(REQ_HEADERS, [set("/X-KM-Correlation-Id", "251121103500")]), "X-KM-Correlation-Id", "type")]
#[case::access_key_missing(with(REQ_HEADERS, [remove("/X-KM-Access-Key")]), "X-KM-Access-Key", "required")]
#[case::access_key_39(with(REQ_HEADERS, [set("/X-KM-Access-Key", text("1a2b3c4-0123456789abcdef0123456789abcde"))]), "X-KM-Access-Key", "minLength")]
#[case::access_key_41(with(REQ_HEADERS, [set("/X-KM-Access-Key", text("1a2b3c4-0123456789abcdef0123456789abcdef0"))]), "X-KM-Access-Key", "maxLength")]
#[case::access_key_not_string(with(REQ_HEADERS, [set("/X-KM-Access-Key", "null")]), "X-KM-Access-Key", "type")]
#[case::crypto_key_id_31(with(REQ_HEADERS, [set("/X-KM-Crypto-Key-Id", text("0123456789abcdef0123456789abcde"))]), "X-KM-Crypto-Key-Id", "minLength")]
#[case::crypto_key_id_33(with(REQ_HEADERS, [set("/X-KM-Crypto-Key-Id", text("0123456789abcdef0123456789abcdef0"))]), "X-KM-Crypto-Key-Id", "maxLength")]
#[case::crypto_key_id_not_string(with(REQ_HEADERS, [set("/X-KM-Crypto-Key-Id", "32")]), "X-KM-Crypto-Key-Id", "type")]
#[case::tran_token_missing(with(REQ_HEADERS, [remove("/X-KM-Tran-Token")]), "X-KM-Tran-Token", "required")]
#[case::tran_token_66_as_printed(with(REQ_HEADERS, [set("/X-KM-Tran-Token", text("KMV1:20251121103500123:k4D5UUCPyZXcgoSGTXawGlBFe1YF+oeXgZEGrry4b2o"))]), "X-KM-Tran-Token", "minLength")]
#[case::tran_token_68(with(REQ_HEADERS, [set("/X-KM-Tran-Token", text("KMV1:20251121103500123:k4D5UUCPyZXcgoSGTXawGlBFe1YF+oeXgZEGrry4b2o=="))]), "X-KM-Tran-Token", "maxLength")]
#[case::tran_token_wrong_version(with(REQ_HEADERS, [set("/X-KM-Tran-Token", text("KMV2:20251121103500123:k4D5UUCPyZXcgoSGTXawGlBFe1YF+oeXgZEGrry4b2o="))]), "X-KM-Tran-Token", "pattern")]
#[case::tran_token_url_safe_base64(with(REQ_HEADERS, [set("/X-KM-Tran-Token", text("KMV1:20251121103500123:k4D5UUCPyZXcgoSGTXawGlBFe1YF-oeXgZEGrry4b2o="))]), "X-KM-Tran-Token", "pattern")]
#[case::tran_token_hour_25(with(REQ_HEADERS, [set("/X-KM-Tran-Token", text("KMV1:20251121253500123:k4D5UUCPyZXcgoSGTXawGlBFe1YF+oeXgZEGrry4b2o="))]), "X-KM-Tran-Token", "format")]
#[case::tran_token_not_string(with(REQ_HEADERS, [set("/X-KM-Tran-Token", "[]")]), "X-KM-Tran-Token", "type")]
#[case::tran_time_missing(with(REQ_HEADERS, [remove("/X-KM-Tran-Time")]), "X-KM-Tran-Time", "required")]
#[case::tran_time_12(with(REQ_HEADERS, [set("/X-KM-Tran-Time", text("202511211035"))]), "X-KM-Tran-Time", "minLength")]
#[case::tran_time_16_as_printed(with(REQ_HEADERS, [set("/X-KM-Tran-Time", text("2025112110350012"))]), "X-KM-Tran-Time", "maxLength")]
#[case::tran_time_not_digits(with(REQ_HEADERS, [set("/X-KM-Tran-Time", text("2025-11-211035"))]), "X-KM-Tran-Time", "pattern")]
#[case::tran_time_hour_25(with(REQ_HEADERS, [set("/X-KM-Tran-Time", text("20251121253500"))]), "X-KM-Tran-Time", "format")]
#[case::tran_time_not_string(with(REQ_HEADERS, [set("/X-KM-Tran-Time", "20251121103500")]), "X-KM-Tran-Time", "type")]
#[case::time_zone_missing(with(REQ_HEADERS, [remove("/X-KM-Time-Zone")]), "X-KM-Time-Zone", "required")]
#[case::time_zone_2(with(REQ_HEADERS, [set("/X-KM-Time-Zone", text("KS"))]), "X-KM-Time-Zone", "minLength")]
#[case::time_zone_4(with(REQ_HEADERS, [set("/X-KM-Time-Zone", text("KSTX"))]), "X-KM-Time-Zone", "maxLength")]
#[case::time_zone_lower_case(with(REQ_HEADERS, [set("/X-KM-Time-Zone", text("kst"))]), "X-KM-Time-Zone", "pattern")]
#[case::time_zone_digit(with(REQ_HEADERS, [set("/X-KM-Time-Zone", text("K5T"))]), "X-KM-Time-Zone", "pattern")]
#[case::time_zone_not_string(with(REQ_HEADERS, [set("/X-KM-Time-Zone", "9")]), "X-KM-Time-Zone", "type")]
fn request_headers_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(REQUEST_HEADERS, &instance, field, keyword);
}

// ---------------------------------------------------------------------------------------------
// common/response-headers.schema.json

#[rstest]
#[case::with_crypto_key_id(base(RESP_HEADERS))]
#[case::without_crypto_key_id(with(RESP_HEADERS, [remove("/X-KM-Crypto-Key-Id")]))]
fn response_headers_valid(#[case] instance: Value) {
    assert_valid(RESPONSE_HEADERS, &instance);
}

#[rstest]
#[case::correlation_missing(with(RESP_HEADERS, [remove("/X-KM-Correlation-Id")]), "X-KM-Correlation-Id", "required")]
#[case::correlation_19(with(RESP_HEADERS, [set("/X-KM-Correlation-Id", text("25112110350-0A1B2C3"))]), "X-KM-Correlation-Id", "minLength")]
#[case::correlation_21(with(RESP_HEADERS, [set("/X-KM-Correlation-Id", text("251121103500-0A1B2C3D"))]), "X-KM-Correlation-Id", "maxLength")]
#[case::correlation_not_hex(with(RESP_HEADERS, [set("/X-KM-Correlation-Id", text("251121103500_0A1B2CX"))]), "X-KM-Correlation-Id", "pattern")]
#[case::correlation_day_32(with(RESP_HEADERS, [set("/X-KM-Correlation-Id", text("251132103500-0A1B2C3"))]), "X-KM-Correlation-Id", "format")]
#[case::correlation_not_string(with(RESP_HEADERS, [set("/X-KM-Correlation-Id", "true")]), "X-KM-Correlation-Id", "type")]
#[case::crypto_key_id_31(with(RESP_HEADERS, [set("/X-KM-Crypto-Key-Id", text("fedcba9876543210fedcba987654321"))]), "X-KM-Crypto-Key-Id", "minLength")]
#[case::crypto_key_id_33(with(RESP_HEADERS, [set("/X-KM-Crypto-Key-Id", text("fedcba9876543210fedcba98765432100"))]), "X-KM-Crypto-Key-Id", "maxLength")]
#[case::crypto_key_id_not_string(with(RESP_HEADERS, [set("/X-KM-Crypto-Key-Id", "{}")]), "X-KM-Crypto-Key-Id", "type")]
fn response_headers_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(RESPONSE_HEADERS, &instance, field, keyword);
}

// ---------------------------------------------------------------------------------------------
// common/envelope.schema.json

#[rstest]
#[case::success(base(SUCCESS))]
#[case::documented_error(with(SUCCESS, [set("/response", r#"{"code": "000_003", "description": "Missing required values. cardNo"}"#)]))]
#[case::data_beside_response(base(DED_RESP))]
fn envelope_valid(#[case] instance: Value) {
    assert_valid(ENVELOPE, &instance);
}

#[rstest]
#[case::response_missing(parse(r#"{"isAuthed": true}"#), "response", "required")]
#[case::response_not_object(with(SUCCESS, [set("/response", text("000_000"))]), "response", "type")]
#[case::code_missing(with(SUCCESS, [remove("/response/code")]), "code", "required")]
#[case::code_no_underscore(with(SUCCESS, [set("/response/code", text("000000"))]), "code", "pattern")]
#[case::code_wrong_grouping(with(SUCCESS, [set("/response/code", text("00_0000"))]), "code", "pattern")]
#[case::code_not_string(with(SUCCESS, [set("/response/code", "0")]), "code", "type")]
#[case::description_missing(with(SUCCESS, [remove("/response/description")]), "description", "required")]
#[case::description_not_string(with(SUCCESS, [set("/response/description", "null")]), "description", "type")]
#[case::not_object(parse("[]"), "", "type")]
fn envelope_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(ENVELOPE, &instance, field, keyword);
}

// ---------------------------------------------------------------------------------------------
// common/encrypted-body.schema.json

#[rstest]
#[case::rsa_oaep_256_a128gcm(base(ENCRYPTED))]
fn encrypted_body_valid(#[case] instance: Value) {
    assert_valid(ENCRYPTED_BODY, &instance);
}

#[rstest]
#[case::enc_data_missing(parse("{}"), "encData", "required")]
#[case::plaintext_beside(with(ENCRYPTED, [set("/cardNo", text("9491339401250765"))]), "cardNo", "additionalProperties")]
#[case::four_parts(parse(r#"{"encData": "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0.90VRl2WvMUTRmlcn09Datlok7ryGif5c.wV1yu-opZILieGWj.21deUV3V2dtk6CauLKQRgLEVQz9sDveAkFTtb4-U"}"#), "encData", "pattern")]
#[case::empty_part(parse(r#"{"encData": "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0..wV1yu-opZILieGWj.21deUV3V2dtk6CauLKQRgLEVQz9sDveAkFTtb4-U.cvCcLqs3QIyRSh598qDDqA"}"#), "encData", "pattern")]
#[case::padded_base64(parse(r#"{"encData": "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0=.90VRl2WvMUTRmlcn09Datlok7ryGif5c.wV1yu-opZILieGWj.21deUV3V2dtk6CauLKQRgLEVQz9sDveAkFTtb4-U.cvCcLqs3QIyRSh598qDDqA"}"#), "encData", "pattern")]
#[case::not_string(
    parse(r#"{"encData": {"cardNo": "9491339401250765"}}"#),
    "encData",
    "type"
)]
fn encrypted_body_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(ENCRYPTED_BODY, &instance, field, keyword);
}

// ---------------------------------------------------------------------------------------------
// deduction-info

#[rstest]
#[case::smallest_user_id(base(DED_REQ))]
#[case::largest_user_id(with(DED_REQ, [set("/userId", MAX_USER_ID)]))]
#[case::other_member_allowed(with(DED_REQ, [set("/userId", "12345"), set("/note", text("x"))]))]
fn deduction_request_valid(#[case] instance: Value) {
    assert_valid(DEDUCTION_REQUEST, &instance);
}

#[rstest]
#[case::user_id_missing(parse("{}"), "userId", "required")]
#[case::user_id_zero(with(DED_REQ, [set("/userId", "0")]), "userId", "minimum")]
#[case::user_id_negative(with(DED_REQ, [set("/userId", "-1")]), "userId", "minimum")]
#[case::user_id_over_max(with(DED_REQ, [set("/userId", OVER_MAX_USER_ID)]), "userId", "maximum")]
#[case::user_id_fraction(with(DED_REQ, [set("/userId", "1.5")]), "userId", "type")]
#[case::user_id_string(with(DED_REQ, [set("/userId", text("1"))]), "userId", "type")]
#[case::user_id_null(with(DED_REQ, [set("/userId", "null")]), "userId", "type")]
fn deduction_request_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(DEDUCTION_REQUEST, &instance, field, keyword);
}

#[rstest]
#[case::authed(base(DED_RESP))]
#[case::not_authed(with(DED_RESP, [set("/isAuthed", "false")]))]
fn deduction_response_valid(#[case] instance: Value) {
    assert_valid(DEDUCTION_RESPONSE, &instance);
}

#[rstest]
#[case::is_authed_missing(base(SUCCESS), "isAuthed", "required")]
#[case::is_authed_zero_as_printed(with(DED_RESP, [set("/isAuthed", "0")]), "isAuthed", "type")]
#[case::is_authed_string(with(DED_RESP, [set("/isAuthed", text("true"))]), "isAuthed", "type")]
#[case::envelope_missing(parse(r#"{"isAuthed": true}"#), "response", "required")]
#[case::envelope_bad_code(with(DED_RESP, [set("/response/code", text("0000"))]), "code", "pattern")]
fn deduction_response_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(DEDUCTION_RESPONSE, &instance, field, keyword);
}

// ---------------------------------------------------------------------------------------------
// card-info

#[rstest]
#[case::sandbox_card(base(CARD_REQ))]
#[case::other_member_allowed(with(CARD_REQ, [set("/note", text("x"))]))]
fn card_request_valid(#[case] instance: Value) {
    assert_valid(CARD_REQUEST, &instance);
}

#[rstest]
#[case::card_no_missing(parse("{}"), "cardNo", "required")]
#[case::card_no_15(with(CARD_REQ, [set("/cardNo", text("949133940125076"))]), "cardNo", "minLength")]
#[case::card_no_17(with(CARD_REQ, [set("/cardNo", text("94913394012507650"))]), "cardNo", "maxLength")]
#[case::card_no_letter(with(CARD_REQ, [set("/cardNo", text("949133940125076A"))]), "cardNo", "pattern")]
#[case::card_no_hyphens(with(CARD_REQ, [set("/cardNo", text("9491-3394-012507"))]), "cardNo", "pattern")]
#[case::card_no_number(with(CARD_REQ, [set("/cardNo", "9491339401250765")]), "cardNo", "type")]
fn card_request_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(CARD_REQUEST, &instance, field, keyword);
}

#[rstest]
#[case::every_field(base(CARD_RESP))]
#[case::required_only(base(CARD_RESP_MINIMAL))]
#[case::unmapped_card_null_user(with(CARD_RESP, [set("/userId", "null")]))]
#[case::user_id_zero_as_printed(with(CARD_RESP, [set("/userId", "0")]))]
#[case::largest_user_id(with(CARD_RESP, [set("/userId", MAX_USER_ID)]))]
#[case::suspended(with(CARD_RESP, [set("/cardStatus", text("SUSPENDED"))]))]
#[case::terminated(with(CARD_RESP, [set("/cardStatus", text("TERMINATED"))]))]
#[case::business_receipt_by_card(with(CARD_RESP, [set("/cashReceiptInfo", r#"{"approvalDiv": "1", "idNo": "9491339401250765", "manYn": "0"}"#)]))]
#[case::id_no_20(with(CARD_RESP, [set("/cashReceiptInfo/idNo", text("12345678901234567890"))]))]
#[case::id_no_1(with(CARD_RESP, [set("/cashReceiptInfo/idNo", text("1"))]))]
#[case::service_name_256(with(CARD_RESP, [set("/serviceName", text(&"가".repeat(256)))]))]
fn card_response_valid(#[case] instance: Value) {
    assert_valid(CARD_RESPONSE, &instance);
}

#[rstest]
#[case::envelope_missing(with(CARD_RESP, [remove("/response")]), "response", "required")]
#[case::envelope_bad_code(with(CARD_RESP, [set("/response/code", text("000-000"))]), "code", "pattern")]
#[case::user_id_negative(with(CARD_RESP, [set("/userId", "-1")]), "userId", "minimum")]
#[case::user_id_over_max(with(CARD_RESP, [set("/userId", OVER_MAX_USER_ID)]), "userId", "maximum")]
#[case::user_id_string(with(CARD_RESP, [set("/userId", text("1"))]), "userId", "type")]
#[case::balance_missing(with(CARD_RESP, [remove("/balance")]), "balance", "required")]
#[case::balance_negative(with(CARD_RESP, [set("/balance", "-1")]), "balance", "minimum")]
#[case::balance_over_max(with(CARD_RESP, [set("/balance", "10000000000")]), "balance", "maximum")]
#[case::balance_fraction(with(CARD_RESP, [set("/balance", "0.5")]), "balance", "type")]
#[case::balance_string(with(CARD_RESP, [set("/balance", text("100"))]), "balance", "type")]
#[case::service_id_missing(with(CARD_RESP, [remove("/serviceId")]), "serviceId", "required")]
#[case::service_id_14(with(CARD_RESP, [set("/serviceId", text("00017000000200"))]), "serviceId", "minLength")]
#[case::service_id_16(with(CARD_RESP, [set("/serviceId", text("0001700000020000"))]), "serviceId", "maxLength")]
#[case::service_id_number(with(CARD_RESP, [set("/serviceId", "170000002000")]), "serviceId", "type")]
#[case::service_name_missing(with(CARD_RESP, [remove("/serviceName")]), "serviceName", "required")]
#[case::service_name_empty(with(CARD_RESP, [set("/serviceName", text(""))]), "serviceName", "minLength")]
#[case::service_name_257(with(CARD_RESP, [set("/serviceName", text(&"가".repeat(257)))]), "serviceName", "maxLength")]
#[case::service_name_not_string(with(CARD_RESP, [set("/serviceName", "null")]), "serviceName", "type")]
#[case::owner_ka_14(with(CARD_RESP, [set("/ownerKa", text("00017000000000"))]), "ownerKa", "minLength")]
#[case::owner_ka_16(with(CARD_RESP, [set("/ownerKa", text("0001700000000000"))]), "ownerKa", "maxLength")]
#[case::owner_ka_not_string(with(CARD_RESP, [set("/ownerKa", "170000000000")]), "ownerKa", "type")]
#[case::cash_receipt_not_object(with(CARD_RESP, [set("/cashReceiptInfo", text("01012345678"))]), "cashReceiptInfo", "type")]
#[case::approval_div_missing(with(CARD_RESP, [remove("/cashReceiptInfo/approvalDiv")]), "approvalDiv", "required")]
#[case::approval_div_2(with(CARD_RESP, [set("/cashReceiptInfo/approvalDiv", text("2"))]), "approvalDiv", "enum")]
#[case::approval_div_empty(with(CARD_RESP, [set("/cashReceiptInfo/approvalDiv", text(""))]), "approvalDiv", "minLength")]
#[case::approval_div_2_chars(with(CARD_RESP, [set("/cashReceiptInfo/approvalDiv", text("00"))]), "approvalDiv", "maxLength")]
#[case::approval_div_number(with(CARD_RESP, [set("/cashReceiptInfo/approvalDiv", "0")]), "approvalDiv", "type")]
#[case::id_no_missing(with(CARD_RESP, [remove("/cashReceiptInfo/idNo")]), "idNo", "required")]
#[case::id_no_empty(with(CARD_RESP, [set("/cashReceiptInfo/idNo", text(""))]), "idNo", "minLength")]
#[case::id_no_21(with(CARD_RESP, [set("/cashReceiptInfo/idNo", text("123456789012345678901"))]), "idNo", "maxLength")]
#[case::id_no_number(with(CARD_RESP, [set("/cashReceiptInfo/idNo", "1012345678")]), "idNo", "type")]
#[case::man_yn_missing(with(CARD_RESP, [remove("/cashReceiptInfo/manYn")]), "manYn", "required")]
#[case::man_yn_y(with(CARD_RESP, [set("/cashReceiptInfo/manYn", text("Y"))]), "manYn", "enum")]
#[case::man_yn_empty(with(CARD_RESP, [set("/cashReceiptInfo/manYn", text(""))]), "manYn", "minLength")]
#[case::man_yn_2_chars(with(CARD_RESP, [set("/cashReceiptInfo/manYn", text("01"))]), "manYn", "maxLength")]
#[case::man_yn_boolean(with(CARD_RESP, [set("/cashReceiptInfo/manYn", "true")]), "manYn", "type")]
#[case::card_status_closed(with(CARD_RESP, [set("/cardStatus", text("CLOSED"))]), "cardStatus", "enum")]
#[case::card_status_lower_case(with(CARD_RESP, [set("/cardStatus", text("active"))]), "cardStatus", "enum")]
#[case::card_status_not_string(with(CARD_RESP, [set("/cardStatus", "1")]), "cardStatus", "type")]
#[case::auto_recharge_missing(with(CARD_RESP, [remove("/isAutoRechargeBeforePayment")]), "isAutoRechargeBeforePayment", "required")]
#[case::auto_recharge_yn(with(CARD_RESP, [set("/isAutoRechargeBeforePayment", text("Y"))]), "isAutoRechargeBeforePayment", "type")]
fn card_response_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(CARD_RESPONSE, &instance, field, keyword);
}

// ---------------------------------------------------------------------------------------------
// bank-account-valid

#[rstest]
#[case::sandbox_member(base(BANK_REQ))]
#[case::largest_user_id(with(BANK_REQ, [set("/userId", MAX_USER_ID)]))]
#[case::legacy_bank_code(with(BANK_REQ, [set("/bankCode", text("005"))]))]
#[case::account_1_digit(with(BANK_REQ, [set("/bankAccount", text("7"))]))]
#[case::account_20_digits(with(BANK_REQ, [set("/bankAccount", text("12345678901234567890"))]))]
#[case::leap_day(with(BANK_REQ, [set("/birthDate", text("20000229"))]))]
#[case::name_1(with(BANK_REQ, [set("/userName", text("김"))]))]
#[case::name_100(with(BANK_REQ, [set("/userName", text(&"가".repeat(100)))]))]
#[case::other_member_allowed(with(BANK_REQ, [set("/note", text("x"))]))]
fn bank_request_valid(#[case] instance: Value) {
    assert_valid(BANK_REQUEST, &instance);
}

#[rstest]
#[case::account_missing(with(BANK_REQ, [remove("/bankAccount")]), "bankAccount", "required")]
#[case::account_empty(with(BANK_REQ, [set("/bankAccount", text(""))]), "bankAccount", "minLength")]
#[case::account_21_digits(with(BANK_REQ, [set("/bankAccount", text("123456789012345678901"))]), "bankAccount", "maxLength")]
#[case::account_hyphen(with(BANK_REQ, [set("/bankAccount", text("333-015-555557"))]), "bankAccount", "pattern")]
#[case::account_letter(with(BANK_REQ, [set("/bankAccount", text("33301555555A"))]), "bankAccount", "pattern")]
#[case::account_number(with(BANK_REQ, [set("/bankAccount", "333015555557")]), "bankAccount", "type")]
#[case::bank_code_missing(with(BANK_REQ, [remove("/bankCode")]), "bankCode", "required")]
#[case::bank_code_2(with(BANK_REQ, [set("/bankCode", text("03"))]), "bankCode", "minLength")]
#[case::bank_code_4(with(BANK_REQ, [set("/bankCode", text("0003"))]), "bankCode", "maxLength")]
#[case::bank_code_letter(with(BANK_REQ, [set("/bankCode", text("A03"))]), "bankCode", "pattern")]
#[case::bank_code_number(with(BANK_REQ, [set("/bankCode", "3")]), "bankCode", "type")]
#[case::birth_date_missing(with(BANK_REQ, [remove("/birthDate")]), "birthDate", "required")]
#[case::birth_date_6_as_printed(with(BANK_REQ, [set("/birthDate", text("751112"))]), "birthDate", "minLength")]
#[case::birth_date_dashed(with(BANK_REQ, [set("/birthDate", text("1975-11-12"))]), "birthDate", "maxLength")]
#[case::birth_date_letter(with(BANK_REQ, [set("/birthDate", text("1975111A"))]), "birthDate", "pattern")]
#[case::birth_date_month_13(with(BANK_REQ, [set("/birthDate", text("19751332"))]), "birthDate", "format")]
#[case::birth_date_not_leap(with(BANK_REQ, [set("/birthDate", text("19750229"))]), "birthDate", "format")]
#[case::birth_date_number(with(BANK_REQ, [set("/birthDate", "19751112")]), "birthDate", "type")]
#[case::user_id_missing(with(BANK_REQ, [remove("/userId")]), "userId", "required")]
#[case::user_id_zero(with(BANK_REQ, [set("/userId", "0")]), "userId", "minimum")]
#[case::user_id_over_max(with(BANK_REQ, [set("/userId", OVER_MAX_USER_ID)]), "userId", "maximum")]
#[case::user_id_fraction(with(BANK_REQ, [set("/userId", "1.5")]), "userId", "type")]
#[case::user_id_string(with(BANK_REQ, [set("/userId", text("1"))]), "userId", "type")]
#[case::user_name_missing(with(BANK_REQ, [remove("/userName")]), "userName", "required")]
#[case::user_name_empty(with(BANK_REQ, [set("/userName", text(""))]), "userName", "minLength")]
#[case::user_name_101(with(BANK_REQ, [set("/userName", text(&"가".repeat(101)))]), "userName", "maxLength")]
#[case::user_name_number(with(BANK_REQ, [set("/userName", "7")]), "userName", "type")]
fn bank_request_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(BANK_REQUEST, &instance, field, keyword);
}

#[rstest]
#[case::success(base(SUCCESS))]
fn bank_response_valid(#[case] instance: Value) {
    assert_valid(BANK_RESPONSE, &instance);
}

#[rstest]
#[case::envelope_missing(parse("{}"), "response", "required")]
#[case::code_missing(with(SUCCESS, [remove("/response/code")]), "code", "required")]
#[case::code_bad(with(SUCCESS, [set("/response/code", text("OK"))]), "code", "pattern")]
#[case::description_missing(with(SUCCESS, [remove("/response/description")]), "description", "required")]
fn bank_response_invalid(#[case] instance: Value, #[case] field: &str, #[case] keyword: &str) {
    assert_invalid(BANK_RESPONSE, &instance, field, keyword);
}
