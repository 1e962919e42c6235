//! Contract checks a response goes through, with the schemas compiled once
//! ([`Contract::shared`]), as in a run.
//!
//! Run with `cargo bench --bench validation`. Instances are parsed before the timed loop:
//! only validation is measured (each `validate` call collects every violation, as the
//! steps do).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kona_conformance::contract::Contract;
use serde_json::Value;

const DEDUCTION_SUCCESS: &str =
    r#"{"response": {"code": "000_000", "description": "Success"}, "isAuthed": true}"#;

/// A card-info success with every optional field present.
const CARD_SUCCESS: &str = r#"{
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

const BANK_SUCCESS: &str = r#"{"response": {"code": "000_000", "description": "Success"}}"#;

/// A documented error answer (card-info 000_003), checked against the common envelope.
const ERROR_ENVELOPE: &str =
    r#"{"response": {"code": "000_003", "description": "Missing required values. cardNo"}}"#;

/// Request headers of an encrypted request, as a client sends them.
const REQUEST_HEADERS: &str = r#"{
    "X-KM-User-AspId": "000170000000000",
    "X-KM-Correlation-Id": "251121103500-0a1b2c3",
    "X-KM-Access-Key": "1a2b3c4-0123456789abcdef0123456789abcdef",
    "X-KM-Crypto-Key-Id": "0123456789abcdef0123456789abcdef",
    "X-KM-Tran-Token": "KMV1:20251121103500123:k4D5UUCPyZXcgoSGTXawGlBFe1YF+oeXgZEGrry4b2o=",
    "X-KM-Tran-Time": "20251121103500",
    "X-KM-Time-Zone": "KST",
    "Content-Type": "application/json"
}"#;

const RESPONSE_HEADERS: &str = r#"{
    "X-KM-Correlation-Id": "251121103500-0A1B2C3",
    "X-KM-Crypto-Key-Id": "fedcba9876543210fedcba9876543210"
}"#;

const ENCRYPTED_BODY: &str = r#"{"encData": "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0.90VRl2WvMUTRmlcn09Datlok7ryGif5c.wV1yu-opZILieGWj.21deUV3V2dtk6CauLKQRgLEVQz9sDveAkFTtb4-U.cvCcLqs3QIyRSh598qDDqA"}"#;

fn configure() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

fn parse(json: &str) -> Value {
    serde_json::from_str(json).expect("bench JSON parses")
}

/// Bench `instance` against `schema`, after checking it is valid there.
fn bench_valid(c: &mut Criterion, name: &str, schema: &str, instance: &str) {
    let contract = Contract::shared().expect("the embedded contract compiles");
    let instance = parse(instance);
    assert!(
        contract.validate(schema, &instance).is_empty(),
        "{name}: bench instance must be valid against {schema}"
    );
    c.bench_function(name, |b| {
        b.iter(|| contract.validate(black_box(schema), black_box(&instance)))
    });
}

fn responses(c: &mut Criterion) {
    let contract = Contract::shared().expect("the embedded contract compiles");
    for (id, body) in [
        ("deduction-info", DEDUCTION_SUCCESS),
        ("card-info", CARD_SUCCESS),
        ("bank-account-valid", BANK_SUCCESS),
    ] {
        let schema = contract
            .endpoint(id)
            .expect("endpoint in the catalogue")
            .response_schema
            .clone();
        bench_valid(c, &format!("validate/response/{id}"), &schema, body);
    }
    let envelope = contract.catalogue.envelope.schema.clone();
    bench_valid(c, "validate/error_envelope", &envelope, ERROR_ENVELOPE);
    let encrypted = contract.catalogue.envelope.encrypted_schema.clone();
    bench_valid(c, "validate/encrypted_body", &encrypted, ENCRYPTED_BODY);
}

fn headers(c: &mut Criterion) {
    let contract = Contract::shared().expect("the embedded contract compiles");
    let request = contract.catalogue.headers.request.clone();
    let response = contract.catalogue.headers.response.clone();
    bench_valid(c, "validate/request_headers", &request, REQUEST_HEADERS);
    bench_valid(c, "validate/response_headers", &response, RESPONSE_HEADERS);
}

/// What the once-per-run work costs, to compare with per-request figures.
fn once_per_run(c: &mut Criterion) {
    let mut group = c.benchmark_group("contract");
    group.sample_size(10);
    group.bench_function("compile_all_schemas", |b| {
        b.iter(|| Contract::embedded().expect("compiles"))
    });
    let contract = Contract::shared().expect("the embedded contract compiles");
    group.bench_function("schema_document/card-info_request", |b| {
        b.iter(|| contract.schema_document(black_box("card-info/request.schema.json")))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = configure();
    targets = responses, headers, once_per_run
}
criterion_main!(benches);
