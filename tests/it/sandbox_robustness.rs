//! Hostile input never breaks the sandbox: over 10,000 generated requests per run (most of
//! them correctly signed, so they reach body parsing), plus raw-TCP protocol abuse. Every
//! answer must be a catalogued code for its endpoint with the status paired to it, in the
//! JSON envelope, with the correlation id echoed; never a 5xx, a panic or a hang.

use crate::support::sandbox as support;

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use kona_conformance::crypto::jwe::{self, ContentEncryption};
use kona_conformance::crypto::keys::{private_key_from_pem, public_key_from_pem};
use kona_conformance::crypto::{
    TimeZoneName, correlation_id, is_correlation_id, now_in, token_time, tran_time, tran_token,
};
use kona_conformance::sandbox::{Sandbox, SandboxConfig, credentials, seeded_fixtures};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
});

struct Target {
    origin: String,
    addr: std::net::SocketAddr,
    _sandbox: Sandbox,
}

static TARGET: LazyLock<Target> = LazyLock::new(|| {
    let sandbox = RUNTIME
        .block_on(Sandbox::start(SandboxConfig::for_certification()))
        .unwrap();
    Target {
        origin: format!("http://{}", sandbox.local_addr()),
        addr: sandbox.local_addr(),
        _sandbox: sandbox,
    }
});

/// Built once: connection reuse keeps 10,000 requests fast.
static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    kona_conformance::client::target::install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
});

const ENDPOINTS: [&str; 3] = [DEDUCTION, CARD, BANK];
const LIMIT: usize = 64 * 1024;

// ------------------------------------------------------------------ generated JSON

/// JSON as text, so numbers can be anything (beyond u64, huge exponents, "-0").
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn text(&self) -> String {
        match self {
            J::Null => "null".into(),
            J::Bool(b) => b.to_string(),
            J::Num(n) => n.clone(),
            J::Str(s) => serde_json::to_string(s).unwrap(),
            J::Arr(items) => format!(
                "[{}]",
                items.iter().map(J::text).collect::<Vec<_>>().join(",")
            ),
            J::Obj(members) => format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v.text()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

fn hostile_number() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "-0",
            "1",
            "-1",
            "1.0",
            "1.5",
            "1e3",
            "1E3",
            "-1e-7",
            "1e400",
            "9999999999999999999",
            "9999999999999999998",
            "10000000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890123456789",
            "9999999999",
            "10000000000",
            "0.0000000000000000000000001",
            "4.9e-324",
        ])
        .prop_map(str::to_owned),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        "[1-9][0-9]{0,40}",
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            " ",
            "0",
            "1234567890123456",
            "123456789012345",
            "12345678901234567",
            "941000000000000A",
            "19751112",
            "751112",
            "20230229",
            "003",
            "03",
            "홍길동",
            "\u{0000}",
            "\u{202e}",
            "\u{feff}1234567890123456",
            "１２３４５６７８９０１２３４５６",
            "null",
            "true",
            "{\"cardNo\":\"1\"}",
            "a.b.c.d.e",
        ])
        .prop_map(str::to_owned),
        ".{0,40}",
        "[0-9]{0,25}",
        "[가-힣]{0,110}",
        prop::collection::vec(any::<char>(), 0..30).prop_map(|c| c.into_iter().collect()),
    ]
}

fn arb_json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        hostile_number().prop_map(J::Num),
        hostile_string().prop_map(J::Str),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(J::Arr),
            prop::collection::vec((field_name(), inner), 0..6).prop_map(J::Obj),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "userId", "cardNo", "bankAccount", "bankCode", "birthDate", "userName", "encData",
            "userid", "USERID", "response",
        ])
        .prop_map(str::to_owned),
        1 => ".{0,12}",
    ]
}

/// An object with the endpoint's own fields, each present, null, absent or hostile.
fn field_body(endpoint: &'static str) -> impl Strategy<Value = J> {
    let required = contract()
        .endpoint(endpoint)
        .unwrap()
        .required_fields
        .clone();
    let n = required.len();
    let value = prop_oneof![
        6 => Just(None),
        1 => Just(Some(J::Null)),
        4 => arb_json().prop_map(Some),
        4 => hostile_string().prop_map(|s| Some(J::Str(s))),
        3 => hostile_number().prop_map(|n| Some(J::Num(n))),
    ];
    (
        prop::collection::vec(value, n),
        prop::collection::vec((field_name(), arb_json()), 0..3),
        any::<bool>(),
    )
        .prop_map(move |(values, extra, valid_base)| {
            // Half the time start from a valid record, so single-field breakage is common.
            let base = valid_members(endpoint);
            let mut members = Vec::new();
            for (i, (name, v)) in required.iter().zip(values).enumerate() {
                match (v, valid_base) {
                    (Some(v), _) => members.push((name.clone(), v)),
                    (None, true) => members.push(base[i].clone()),
                    (None, false) => {}
                }
            }
            members.extend(extra);
            J::Obj(members)
        })
}

fn valid_members(endpoint: &str) -> Vec<(String, J)> {
    let f = seeded_fixtures();
    let (collection, role) = match endpoint {
        DEDUCTION => ("members", "authed"),
        CARD => ("cards", "active"),
        _ => ("bankAccounts", "valid"),
    };
    let recipe = contract()
        .endpoint(endpoint)
        .unwrap()
        .request
        .clone()
        .unwrap();
    let record = f.role(collection, role).unwrap();
    recipe
        .body
        .iter()
        .map(|field| {
            let value = match &record[field] {
                Value::String(s) => J::Str(s.clone()),
                other => J::Num(other.to_string()),
            };
            (field.clone(), value)
        })
        .collect()
}

// ------------------------------------------------------------------ hostile requests

#[derive(Debug, Clone)]
enum Signing {
    Correct,
    WrongSecret,
}

#[derive(Debug, Clone)]
enum HeaderFault {
    Drop(&'static str),
    Replace(&'static str, Vec<u8>),
    Duplicate(&'static str),
}

#[derive(Debug, Clone)]
enum Correlation {
    Valid,
    Absent,
    Other(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Hostile {
    endpoint: &'static str,
    /// Set for requests sent somewhere other than the endpoint's path.
    path: Option<String>,
    method: reqwest::Method,
    body: Vec<u8>,
    content_type: Option<Vec<u8>>,
    signing: Signing,
    zone: TimeZoneName,
    skew_seconds: i64,
    crypto_key_id: Option<Vec<u8>>,
    faults: Vec<HeaderFault>,
    correlation: Correlation,
}

const HEADERS: [&str; 8] = [
    ASP_ID,
    CORRELATION_ID,
    ACCESS_KEY,
    TRAN_TOKEN,
    TRAN_TIME,
    TIME_ZONE,
    CRYPTO_KEY_ID,
    "content-type",
];

/// Bytes a header value may hold on the wire (visible ASCII, space, tab, obs-text).
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')], 0..80),
        "[0-9A-Za-z:+/=-]{0,70}".prop_map(String::into_bytes),
    ]
    .prop_map(|mut v| {
        // Leading/trailing whitespace is trimmed by HTTP; keep the value what we meant.
        while v.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            v.remove(0);
        }
        while v.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
            v.pop();
        }
        v
    })
}

fn header_fault() -> impl Strategy<Value = HeaderFault> {
    let name = prop::sample::select(HEADERS.to_vec());
    prop_oneof![
        name.clone().prop_map(HeaderFault::Drop),
        (name.clone(), header_bytes()).prop_map(|(n, v)| HeaderFault::Replace(n, v)),
        name.prop_map(HeaderFault::Duplicate),
    ]
}

fn body_text(endpoint: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => field_body(endpoint).prop_map(|j| j.text().into_bytes()),
        2 => arb_json().prop_map(|j| j.text().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => ".{0,200}".prop_map(String::into_bytes),
        1 => (field_body(endpoint), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(j, i, b)| {
            // One byte changed or the text cut short.
            let mut t = j.text().into_bytes();
            if !t.is_empty() {
                let at = i.index(t.len());
                if b % 2 == 0 { t[at] = b } else { t.truncate(at) }
            }
            t
        }),
    ]
}

fn signed_body_request() -> impl Strategy<Value = Hostile> {
    prop::sample::select(ENDPOINTS.to_vec())
        .prop_flat_map(|endpoint| {
            (
                body_text(endpoint),
                prop_oneof![
                    10 => Just(Some(b"application/json".to_vec())),
                    1 => Just(Some(b"application/json; charset=utf-8".to_vec())),
                    1 => Just(None),
                    1 => header_bytes().prop_map(Some),
                ],
                prop_oneof![18 => Just(Correlation::Valid), 1 => Just(Correlation::Absent), 1 => header_bytes().prop_map(Correlation::Other)],
            )
                .prop_map(move |(body, content_type, correlation)| Hostile {
                    endpoint,
                    path: None,
                    method: reqwest::Method::POST,
                    body,
                    content_type,
                    signing: Signing::Correct,
                    zone: TimeZoneName::Kst,
                    skew_seconds: 0,
                    crypto_key_id: None,
                    faults: Vec::new(),
                    correlation,
                })
        })
}

fn header_request() -> impl Strategy<Value = Hostile> {
    (
        prop::sample::select(ENDPOINTS.to_vec()),
        prop::collection::vec(header_fault(), 0..3),
        prop_oneof![4 => Just(Signing::Correct), 1 => Just(Signing::WrongSecret)],
        prop_oneof![Just(TimeZoneName::Kst), Just(TimeZoneName::Utc)],
        prop_oneof![6 => Just(0i64), 1 => -100_000i64..100_000],
        prop::option::of(prop_oneof![
            Just(credentials().crypto_key_id.into_bytes()),
            header_bytes()
        ]),
        prop_oneof![8 => Just(Correlation::Valid), 1 => Just(Correlation::Absent), 1 => header_bytes().prop_map(Correlation::Other)],
    )
        .prop_map(|(endpoint, faults, signing, zone, skew_seconds, crypto_key_id, correlation)| Hostile {
            body: valid_json(endpoint).into_bytes(),
            endpoint,
            path: None,
            method: reqwest::Method::POST,
            content_type: Some(b"application/json".to_vec()),
            signing,
            zone,
            skew_seconds,
            crypto_key_id,
            faults,
            correlation,
        })
}

fn valid_json(endpoint: &str) -> String {
    J::Obj(valid_members(endpoint)).text()
}

static SERVER_KEY: LazyLock<rsa::RsaPublicKey> =
    LazyLock::new(|| public_key_from_pem(credentials().server_public_key_pem).unwrap());
static CLIENT_KEY: LazyLock<rsa::RsaPrivateKey> =
    LazyLock::new(|| private_key_from_pem(credentials().client_private_key_pem).unwrap());

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `encData` values: garbage of every shape, and (less often, RSA is slow in debug builds)
/// real JWEs of hostile plaintexts, sometimes damaged.
fn enc_data() -> impl Strategy<Value = J> {
    prop_oneof![
        4 => hostile_string().prop_map(J::Str),
        2 => prop::collection::vec("[A-Za-z0-9_-]{0,40}", 0..7).prop_map(|p| J::Str(p.join("."))),
        2 => (prop::collection::vec(any::<u8>(), 0..60), prop::sample::select(vec![
                r#"{"alg":"RSA-OAEP-256","enc":"A128GCM"}"#, r#"{"alg":"none","enc":"A128GCM"}"#,
                r#"{"alg":"RSA-OAEP-256","enc":"A128GCM","zip":"DEF"}"#, r#"{"alg":"RSA-OAEP-256"}"#,
                "[]", "not json"]))
            .prop_map(|(junk, header)| J::Str(format!("{}.{}.{}.{}.{}", b64(header.as_bytes()), b64(&junk), b64(&junk[..junk.len().min(12)]), b64(&junk), b64(&junk[..junk.len().min(16)])))),
        1 => arb_json(),
        2 => (arb_json(), any::<bool>(), any::<prop::sample::Index>()).prop_map(|(plain, damage, at)| {
            let mut compact = jwe::encrypt(plain.text().as_bytes(), &SERVER_KEY, ContentEncryption::A128Gcm, None).unwrap();
            if damage {
                let i = at.index(compact.len());
                let c = if compact.as_bytes()[i] == b'A' { "B" } else { "A" };
                compact.replace_range(i..i + 1, c);
            }
            J::Str(compact)
        }),
        1 => field_body(CARD).prop_map(|plain| {
            J::Str(jwe::encrypt(plain.text().as_bytes(), &SERVER_KEY, ContentEncryption::A256Gcm, None).unwrap())
        }),
    ]
}

fn encrypted_request() -> impl Strategy<Value = Hostile> {
    (
        prop::sample::select(ENDPOINTS.to_vec()),
        enc_data(),
        prop::collection::vec((field_name(), arb_json()), 0..2),
        prop_oneof![
            6 => Just(Some(credentials().crypto_key_id.into_bytes())),
            1 => Just(None),
            1 => header_bytes().prop_map(Some),
        ],
    )
        .prop_map(|(endpoint, data, extra, crypto_key_id)| {
            let mut members = vec![("encData".to_owned(), data)];
            members.extend(extra);
            Hostile {
                endpoint,
                path: None,
                method: reqwest::Method::POST,
                body: J::Obj(members).text().into_bytes(),
                content_type: Some(b"application/json".to_vec()),
                signing: Signing::Correct,
                zone: TimeZoneName::Kst,
                skew_seconds: 0,
                crypto_key_id,
                faults: Vec::new(),
                correlation: Correlation::Valid,
            }
        })
}

fn elsewhere_request() -> impl Strategy<Value = Hostile> {
    (
        prop::sample::select(ENDPOINTS.to_vec()),
        prop_oneof![
            Just(None),
            "/[a-z/]{0,30}".prop_map(Some),
            "/open-api/api/v1/[a-zA-Z/%._-]{0,30}".prop_map(Some),
        ],
        prop::sample::select(vec![
            reqwest::Method::POST,
            reqwest::Method::GET,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::PATCH,
            reqwest::Method::OPTIONS,
            reqwest::Method::HEAD,
        ]),
        body_text(CARD),
        prop::collection::vec(header_fault(), 0..2),
    )
        .prop_map(|(endpoint, path, method, body, faults)| Hostile {
            endpoint,
            path,
            method,
            body,
            content_type: Some(b"application/json".to_vec()),
            signing: Signing::Correct,
            zone: TimeZoneName::Kst,
            skew_seconds: 0,
            crypto_key_id: None,
            faults,
            correlation: Correlation::Valid,
        })
}

// ------------------------------------------------------------------ sending and judging

fn headers_for(req: &Hostile) -> HeaderMap {
    let creds = credentials();
    let at = now_in(req.zone) + chrono::Duration::seconds(req.skew_seconds);
    let secret = match req.signing {
        Signing::Correct => creds.secret_key.expose().as_bytes().to_vec(),
        Signing::WrongSecret => b"wrong".to_vec(),
    };
    let mut h = HeaderMap::new();
    let mut put = |name: &str, value: &[u8]| {
        h.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value).unwrap(),
        );
    };
    put(ASP_ID, creds.asp_id.as_bytes());
    match &req.correlation {
        Correlation::Valid => put(
            CORRELATION_ID,
            correlation_id(&at, &mut rand::rng()).as_bytes(),
        ),
        Correlation::Absent => {}
        Correlation::Other(v) => put(CORRELATION_ID, v),
    }
    put(ACCESS_KEY, creds.access_key.expose().as_bytes());
    put(
        TRAN_TOKEN,
        tran_token(&secret, &token_time(&at), &req.body).as_bytes(),
    );
    put(TRAN_TIME, tran_time(&at).as_bytes());
    put(TIME_ZONE, req.zone.as_str().as_bytes());
    if let Some(id) = &req.crypto_key_id {
        put(CRYPTO_KEY_ID, id);
    }
    if let Some(ct) = &req.content_type {
        put("content-type", ct);
    }
    for fault in &req.faults {
        let name = |n: &str| HeaderName::from_bytes(n.as_bytes()).unwrap();
        match fault {
            HeaderFault::Drop(n) => {
                h.remove(name(n));
            }
            HeaderFault::Replace(n, v) => {
                h.insert(name(n), HeaderValue::from_bytes(v).unwrap());
            }
            HeaderFault::Duplicate(n) => {
                let v = h
                    .get(name(n))
                    .cloned()
                    .unwrap_or(HeaderValue::from_static("x"));
                h.append(name(n), v);
            }
        }
    }
    h
}

fn send_and_check(req: Hostile) -> Result<String, TestCaseError> {
    let url = format!(
        "{}{}",
        TARGET.origin,
        req.path.clone().unwrap_or_else(|| path_of(req.endpoint))
    );
    let headers = headers_for(&req);
    // An empty correlation id counts as none sent.
    let sent_correlation = headers
        .get(CORRELATION_ID)
        .filter(|v| !v.is_empty())
        .cloned();
    let expected_missing = [
        ASP_ID,
        CORRELATION_ID,
        ACCESS_KEY,
        TRAN_TOKEN,
        TRAN_TIME,
        TIME_ZONE,
    ]
    .into_iter()
    .find(|name| headers.get_all(*name).iter().all(|v| v.is_empty()));
    let (status, got_headers, body) = RUNTIME
        .block_on(async {
            let r = CLIENT
                .request(req.method.clone(), url)
                .headers(headers)
                .body(req.body.clone())
                .send()
                .await?;
            let status = r.status().as_u16();
            let h = r.headers().clone();
            Ok::<_, reqwest::Error>((status, h, r.bytes().await?.to_vec()))
        })
        .map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;

    prop_assert!(status < 500, "status {status}");
    prop_assert_eq!(
        got_headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    match &sent_correlation {
        Some(sent) => prop_assert_eq!(got_headers.get(CORRELATION_ID), Some(sent)),
        None => prop_assert!(
            got_headers
                .get(CORRELATION_ID)
                .and_then(|v| v.to_str().ok())
                .is_some_and(is_correlation_id)
        ),
    }
    if req.method == reqwest::Method::HEAD {
        return Ok("(head)".into());
    }
    let outer: Value = serde_json::from_slice(&body).map_err(|e| {
        TestCaseError::fail(format!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&body)
        ))
    })?;
    let document = match outer.get("encData").and_then(Value::as_str) {
        Some(compact) => {
            prop_assert_eq!(status, 200, "only successes are encrypted");
            prop_assert_eq!(req.endpoint, CARD);
            serde_json::from_slice(
                &jwe::decrypt(compact, &CLIENT_KEY)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?,
            )
            .map_err(|e| TestCaseError::fail(e.to_string()))?
        }
        None => outer,
    };
    let code = document["response"]["code"].as_str().map(str::to_owned);
    prop_assert!(
        document["response"]["description"].is_string(),
        "{}",
        document
    );
    let code = code.ok_or_else(|| TestCaseError::fail(format!("no code: {document}")))?;
    let catalogue = &contract().catalogue;
    let known = if req.path.is_some() || req.method != reqwest::Method::POST {
        let want = catalogue.expected("*", "unknown-path", None).unwrap();
        vec![(want.status, want.code)]
    } else {
        catalogue.known_codes(req.endpoint)
    };
    prop_assert!(
        known.contains(&(status, code.clone())),
        "({status}, {code}) is not catalogued for {}: {document}",
        req.endpoint
    );
    // A missing header decides the answer whatever else is wrong: it must be named.
    if req.path.is_none() && req.method == reqwest::Method::POST {
        if let Some(name) = expected_missing {
            let want = catalogue
                .expected(req.endpoint, "missing-header", Some(name))
                .unwrap();
            prop_assert_eq!(&code, &want.code);
            prop_assert_eq!(
                document["response"]["description"].as_str(),
                Some(want.message.as_str())
            );
        }
    }
    Ok(code)
}

/// Run `cases` generated requests; return how often each code was answered.
fn run_property<S>(cases: u32, strategy: S) -> BTreeMap<String, usize>
where
    S: Strategy<Value = Hostile>,
{
    let seen = Mutex::new(BTreeMap::<String, usize>::new());
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    });
    let outcome = runner.run(&strategy, |req| {
        let code = send_and_check(req)?;
        *seen.lock().unwrap().entry(code).or_default() += 1;
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
    let seen = seen.into_inner().unwrap();
    // Visible with --nocapture: which answers the generated requests reached.
    eprintln!("{cases} cases: {seen:?}");
    assert!(seen.values().sum::<usize>() >= cases as usize, "{seen:?}");
    seen
}

/// Share of answers whose code is one of `keys` (for any endpoint).
fn share(seen: &BTreeMap<String, usize>, keys: &[&str]) -> f64 {
    let codes: Vec<String> = keys
        .iter()
        .flat_map(|k| {
            ENDPOINTS
                .iter()
                .filter_map(|e| contract().catalogue.expected(e, k, None))
        })
        .map(|e| e.code)
        .collect();
    let hits: usize = seen
        .iter()
        .filter(|(c, _)| codes.contains(c))
        .map(|(_, n)| n)
        .sum();
    hits as f64 / seen.values().sum::<usize>().max(1) as f64
}

const HEADER_KEYS: [&str; 5] = [
    "missing-header",
    "malformed-header",
    "unknown-credentials",
    "stale-tran-time",
    "token-mismatch",
];

// 6,000 + 2,500 + 1,200 + 800 = 10,500 generated requests per run.

#[test]
fn signed_hostile_bodies() {
    let seen = run_property(6_000, signed_body_request());
    // Signed correctly, so almost all of them get past the headers to the body rules.
    assert!(share(&seen, &HEADER_KEYS) < 0.2, "{seen:?}");
    assert!(
        share(&seen, &["missing-field", "invalid-input", "account-format"]) > 0.3,
        "{seen:?}"
    );
    assert!(share(&seen, &["body-not-json"]) > 0.05, "{seen:?}");
    assert!(share(&seen, &["success"]) > 0.01, "{seen:?}");
}

#[test]
fn hostile_headers() {
    let seen = run_property(2_500, header_request());
    assert!(share(&seen, &HEADER_KEYS) > 0.3, "{seen:?}");
    assert!(share(&seen, &["success"]) > 0.05, "{seen:?}");
}

#[test]
fn hostile_encrypted_bodies() {
    let seen = run_property(1_200, encrypted_request());
    assert!(share(&seen, &["undecryptable-body"]) > 0.3, "{seen:?}");
    // Some cases must get through decryption to the body's checks. The cases are drawn
    // afresh each run and about 5-7 % do (58 to 81 of 1,200 in four runs; a bound of 5 %
    // failed the run with 58), so the bound sits below what a run can miss by chance.
    assert!(
        share(
            &seen,
            &["missing-field", "invalid-input", "body-not-json", "success"]
        ) > 0.03,
        "{seen:?}"
    );
}

#[test]
fn hostile_paths_and_methods() {
    run_property(800, elsewhere_request());
}

#[test]
fn oversize_bodies_are_refused_whole() {
    for (i, extra) in [1usize, 1000, 300_000, 5 << 20].into_iter().enumerate() {
        let mut body = valid_json(CARD).into_bytes();
        body.resize(LIMIT + extra, if i % 2 == 0 { b' ' } else { b'x' });
        let req = Hostile {
            endpoint: CARD,
            path: None,
            method: reqwest::Method::POST,
            body,
            content_type: Some(b"application/json".to_vec()),
            signing: Signing::Correct,
            zone: TimeZoneName::Kst,
            skew_seconds: 0,
            crypto_key_id: None,
            faults: Vec::new(),
            correlation: Correlation::Valid,
        };
        send_and_check(req).unwrap();
    }
}

// ------------------------------------------------------------------ raw TCP

/// Send `bytes`, read until the server closes (or 5 s), return the raw answer.
fn raw_exchange(bytes: &[u8], half_close: bool) -> Vec<u8> {
    RUNTIME.block_on(async {
        let mut stream = tokio::net::TcpStream::connect(TARGET.addr).await.unwrap();
        let _ = stream.write_all(bytes).await;
        if half_close {
            let _ = stream.shutdown().await;
        }
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
        out
    })
}

/// A raw HTTP response: status, lower-cased headers, body.
type RawResponse = (u16, Vec<(String, String)>, Vec<u8>);

/// Every HTTP response in `raw`.
fn parse_responses(mut raw: &[u8]) -> Vec<RawResponse> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0usize);
        let body_start = end + 4;
        let body_end = (body_start + len).min(raw.len());
        out.push((status, headers, raw[body_start..body_end].to_vec()));
        raw = &raw[body_end..];
    }
    out
}

fn signed_head(path: &str, body: &[u8], extra: &str) -> String {
    let creds = credentials();
    let at = now_in(TimeZoneName::Kst);
    format!(
        "POST {path} HTTP/1.1\r\nHost: sandbox\r\n{ASP_ID}: {}\r\n{CORRELATION_ID}: {}\r\n{ACCESS_KEY}: {}\r\n{TRAN_TOKEN}: {}\r\n{TRAN_TIME}: {}\r\n{TIME_ZONE}: KST\r\nContent-Type: application/json\r\n{extra}",
        creds.asp_id,
        correlation_id(&at, &mut rand::rng()),
        creds.access_key.expose(),
        tran_token(creds.secret_key.expose().as_bytes(), &token_time(&at), body),
        tran_time(&at),
    )
}

#[test]
fn malformed_http_never_gets_a_server_error_and_the_server_lives_on() {
    let card = path_of(CARD);
    let body = valid_json(CARD);
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("garbage", b"GARBAGE\r\n\r\n".to_vec(), false),
        ("binary", (0u8..=255).cycle().take(2000).collect(), false),
        ("empty", Vec::new(), true),
        ("request line only", b"POST / HTTP/1.1\r\n".to_vec(), true),
        ("short body", format!("{}Content-Length: 100\r\n\r\n{{\"card", signed_head(&card, body.as_bytes(), "")).into_bytes(), true),
        ("bad chunk", format!("{}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{body}\r\n0\r\n\r\n", signed_head(&card, body.as_bytes(), "")).into_bytes(), false),
        ("good chunks", format!("{}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n", signed_head(&card, body.as_bytes(), ""), body.len()).into_bytes(), false),
        ("control byte in a header", format!("POST {card} HTTP/1.1\r\nHost: x\r\nX-KM-User-AspId: a\x01b\r\nConnection: close\r\n\r\n").into_bytes(), false),
        ("obs-text asp id", {
            let mut v = format!("POST {card} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-KM-User-AspId: 00099000000000").into_bytes();
            v.extend_from_slice(b"\xff\r\nContent-Length: 0\r\n\r\n");
            v
        }, false),
        ("huge header", format!("POST {card} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(200_000)).into_bytes(), false),
        ("both lengths", format!("POST {card} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n").into_bytes(), false),
        ("negative length", format!("POST {card} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n").into_bytes(), false),
        ("http/1.0 no host", format!("POST {card} HTTP/1.0\r\nContent-Length: 2\r\n\r\n{{}}").into_bytes(), false),
        ("absolute form", format!("POST http://sandbox{card} HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").into_bytes(), false),
        ("odd method", format!("BREW {card} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(), false),
        ("pipelined", format!(
            "{}Content-Length: {}\r\n\r\n{body}POST {card} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
            signed_head(&card, body.as_bytes(), ""), body.len()
        ).into_bytes(), false),
    ];
    let mut json_answers = 0;
    for (name, bytes, half_close) in cases {
        let raw = raw_exchange(&bytes, half_close);
        for (status, headers, body) in parse_responses(&raw) {
            assert!((100..500).contains(&status), "{name}: status {status}");
            let json = headers
                .iter()
                .any(|(k, v)| k == "content-type" && v == "application/json");
            if json {
                json_answers += 1;
                let doc: Value =
                    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
                let code = doc["response"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let all: Vec<_> = ENDPOINTS
                    .iter()
                    .flat_map(|e| contract().catalogue.known_codes(e))
                    .collect();
                assert!(
                    all.iter().any(|(s, c)| *s == status && *c == code),
                    "{name}: ({status}, {code})"
                );
                assert!(
                    headers.iter().any(|(k, _)| k == "x-km-correlation-id"),
                    "{name}"
                );
            }
        }
    }
    assert!(json_answers >= 5, "only {json_answers} JSON answers");
    // Still serving.
    let f = seeded_fixtures();
    let ok = Hostile {
        endpoint: CARD,
        path: None,
        method: reqwest::Method::POST,
        body: format!(
            r#"{{"cardNo":"{}"}}"#,
            f.role("cards", "active").unwrap()["cardNo"]
                .as_str()
                .unwrap()
        )
        .into_bytes(),
        content_type: Some(b"application/json".to_vec()),
        signing: Signing::Correct,
        zone: TimeZoneName::Kst,
        skew_seconds: 0,
        crypto_key_id: None,
        faults: Vec::new(),
        correlation: Correlation::Valid,
    };
    send_and_check(ok).unwrap();
}
