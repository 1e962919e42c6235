//! A hostile target for report tests: it answers every request by echoing back everything it
//! was sent (headers, decrypted body), plus the run's secrets and private key, in JSON, in
//! response headers, in encrypted answers, and in bodies that are not JSON or not UTF-8. A
//! report that stays clean after a run against it cannot leak by accident.
//!
//! Shared by `tests/it/reports.rs`, `tests/it/redaction.rs` and others.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use kona_conformance::client::{Credentials, EncryptionKeys, KonaClient, Target, TargetKind};
use kona_conformance::contract::Contract;
use kona_conformance::crypto::jwe::{self, ContentEncryption};
use kona_conformance::crypto::keys;
use kona_conformance::fixtures::Fixtures;
use kona_conformance::runner::plan::{self, PlanOptions};
use kona_conformance::runner::{EngineOptions, Execution, NoProgress};
use kona_conformance::secret::Secret;
use kona_conformance::steps::RunContext;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub const ASP_ID: &str = "CANARYASP000001";
/// 40 characters, as `KONA_ACCESS_KEY` must be.
pub const ACCESS_KEY: &str = "CANARY-ACCESS-KEY-7f3a9c2e5b8d1f4a6c0e9b";
/// Quotes and markup characters on purpose: every escaped form must be caught too.
pub const SECRET_KEY: &str = "CANARY-SECRET-KEY-\"<&>'-홍길동-5c1e9a7b3d";
pub const CRYPTO_KEY_ID: &str = "CANARY0000000000000000000000KEY1";

pub fn test_keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-keys")
}

pub fn pem(name: &str) -> String {
    std::fs::read_to_string(test_keys_dir().join(name)).expect("test key readable")
}

/// A line from the middle of the client's private key: if it shows up, the key leaked.
pub fn private_key_canary() -> String {
    pem("client-private.pem")
        .lines()
        .nth(5)
        .expect("a PEM of several lines")
        .to_owned()
}

/// Fixtures full of canary personal data.
pub const CANARY_FIXTURES: &str = r#"{
  "format": "kona-conformance-fixtures/1",
  "description": "canaries",
  "members": {
    "authed": {"userId": 9999999999999999999, "isAuthed": true},
    "not-authed": {"userId": 1000000000000000002, "isAuthed": false},
    "unknown": {"userId": 1000000000000000003},
    "min-id": {"userId": 1},
    "max-id": {"userId": 9999999999999999999}
  },
  "cards": {
    "active": {"cardNo": "9491337711220765", "cardStatus": "ACTIVE", "balance": 1200, "userId": 1000000000000000001,
               "cashReceiptInfo": {"approvalDiv": "0", "idNo": "01077553311", "manYn": "1"}},
    "suspended": {"cardNo": "9491337711230766", "cardStatus": "SUSPENDED"},
    "terminated": {"cardNo": "9491337711240767", "cardStatus": "TERMINATED"},
    "unmapped": {"cardNo": "9491337711250768", "userId": null},
    "cash-receipt-business": {"cardNo": "9491337711260769",
               "cashReceiptInfo": {"approvalDiv": "1", "idNo": "2208162517", "manYn": "1"}},
    "unknown": {"cardNo": "9491337711270760"}
  },
  "bankAccounts": {
    "valid": {"bankAccount": "110733994412", "bankCode": "088", "birthDate": "19750314", "userId": 1000000000000000001, "userName": "홍캐나리"},
    "name-mismatch": {"bankAccount": "110733994413", "bankCode": "088", "birthDate": "19820527", "userId": 1000000000000000001, "userName": "김카나리아"}
  }
}"#;

pub fn fixtures() -> Fixtures {
    Fixtures::from_json(CANARY_FIXTURES, "canary fixtures").expect("canary fixtures are valid")
}

/// Every personal value of the canary fixtures, raw: none may appear in any artifact.
pub fn personal_canaries() -> Vec<String> {
    let f = fixtures();
    let mut out = Vec::new();
    for c in f.all("cards") {
        let id_no = c.get("cashReceiptInfo").and_then(|r| r.get("idNo"));
        for v in [c.get("cardNo"), id_no].into_iter().flatten() {
            out.extend(v.as_str().map(str::to_owned));
        }
    }
    for a in f.all("bankAccounts") {
        for k in ["bankAccount", "birthDate", "userName"] {
            out.extend(a.get(k).and_then(|v| v.as_str()).map(str::to_owned));
        }
    }
    out
}

/// Every secret canary, with the forms it may take once escaped.
pub fn secret_canaries() -> Vec<String> {
    vec![
        ACCESS_KEY.to_owned(),
        SECRET_KEY.to_owned(),
        // Any escaped form of the secret starts like this.
        "CANARY-SECRET-KEY".to_owned(),
        "CANARY-ACCESS-KEY".to_owned(),
        private_key_canary(),
    ]
}

/// Occurrences of every canary of this target in `bytes` (see [`hits_of`]).
pub fn hits(bytes: &[u8]) -> Vec<(String, usize)> {
    let canaries: Vec<String> = secret_canaries()
        .into_iter()
        .chain(personal_canaries())
        .collect();
    hits_of(bytes, &canaries)
}

/// Occurrences of every canary in `bytes`, plus every `KMV1:` followed by a digit (a tran
/// token). Returns the hits as (canary, count).
pub fn hits_of(bytes: &[u8], canaries: &[String]) -> Vec<(String, usize)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for c in canaries {
        let n = text.matches(c.as_str()).count();
        if n > 0 {
            out.push((c.clone(), n));
        }
    }
    let tokens = regex::Regex::new(r"KMV1:[0-9]").unwrap();
    let n = tokens.find_iter(&text).count();
    if n > 0 {
        out.push(("KMV1:<digits> (a tran token)".into(), n));
    }
    out
}

pub fn target(base_url: &str) -> Target {
    Target {
        base_url: base_url.to_owned(),
        kind: TargetKind::External,
        credentials: Credentials {
            asp_id: ASP_ID.into(),
            access_key: Secret::new(ACCESS_KEY),
            secret_key: Secret::new(SECRET_KEY),
            crypto_key_id: Some(CRYPTO_KEY_ID.into()),
        },
        keys: Some(EncryptionKeys {
            server_public: keys::public_key_from_pem(&pem("server-public.pem")).unwrap(),
            client_private: keys::private_key_from_pem(&pem("client-private.pem")).unwrap(),
        }),
    }
}

struct State {
    server_private: rsa::RsaPrivateKey,
    client_public: rsa::RsaPublicKey,
}

pub struct Echo {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Echo {
    pub fn base_url(&self) -> String {
        format!("http://{}/open-api", self.addr)
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn header(v: &str) -> HeaderValue {
    HeaderValue::from_bytes(v.as_bytes()).unwrap_or(HeaderValue::from_static("x"))
}

async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sent: BTreeMap<String, String> = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let plaintext: Value = match parsed
        .as_ref()
        .and_then(|v| v.get("encData"))
        .and_then(Value::as_str)
    {
        Some(enc) => jwe::decrypt(enc, &state.server_private)
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .unwrap_or(Value::Null),
        None => parsed
            .clone()
            .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&body).into_owned())),
    };
    let token = sent.get("x-km-tran-token").cloned().unwrap_or_default();
    let correlation = sent.get("x-km-correlation-id").cloned().unwrap_or_default();
    let pem_text = pem("client-private.pem");
    let mut reply_headers = HeaderMap::new();
    reply_headers.insert(
        HeaderName::from_static("x-km-correlation-id"),
        header(&correlation),
    );
    reply_headers.insert(
        HeaderName::from_static("x-echo-access-key"),
        header(ACCESS_KEY),
    );
    reply_headers.insert(HeaderName::from_static("x-echo-secret"), header(SECRET_KEY));
    reply_headers.insert(HeaderName::from_static("x-echo-token"), header(&token));
    // Personal data in a header with no personal name.
    let flat = plaintext.to_string();
    reply_headers.insert(HeaderName::from_static("x-echo-body"), header(&flat));

    let path = uri.path();
    if path.ends_with("/bankaccounts/user/valid") {
        // Not JSON, not even UTF-8: masked by pattern and by learned value.
        reply_headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain"),
        );
        let mut bytes = format!(
            "echo: {flat}\nsecret={SECRET_KEY} access={ACCESS_KEY} token={token}\n{pem_text}\n"
        )
        .into_bytes();
        bytes.extend_from_slice(b"\xff\xfe broken \xc3");
        return (StatusCode::OK, reply_headers, bytes).into_response();
    }
    let message = format!("성공 <b>&amp;</b> {ACCESS_KEY} {SECRET_KEY} {token}");
    let mut answer = json!({
        "result": {"code": "000_000", "message": message},
        "echo": {"headers": sent, "body": plaintext.clone(), "text": flat},
        "privateKey": pem_text,
        "big": 9999999999999999999u64,
        "userId": 9999999999999999999u64,
    });
    if let Value::Object(fields) = &plaintext
        && let Value::Object(a) = &mut answer
    {
        for (k, v) in fields {
            a.insert(k.clone(), v.clone());
        }
    }
    reply_headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    let text = answer.to_string();
    if path.ends_with("/user/card/info") {
        // Encrypted for the client: the personal data is in the decrypted plaintext.
        let enc = jwe::encrypt(
            text.as_bytes(),
            &state.client_public,
            ContentEncryption::A128Gcm,
            None,
        )
        .unwrap_or_default();
        let wrapped = json!({"encData": enc}).to_string();
        return (StatusCode::OK, reply_headers, wrapped).into_response();
    }
    (StatusCode::OK, reply_headers, text).into_response()
}

pub async fn start() -> Echo {
    let state = Arc::new(State {
        server_private: keys::private_key_from_pem(&pem("server-private.pem")).unwrap(),
        client_public: keys::public_key_from_pem(&pem("client-public.pem")).unwrap(),
    });
    let app = Router::new().fallback(handle).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Echo {
        addr,
        stop: Some(stop),
    }
}

/// The whole suite, in process, against `base_url` with the canary credentials and fixtures.
pub async fn run_suite(base_url: &str, generated_per_endpoint: usize) -> Execution {
    let contract = Contract::shared().expect("contract loads");
    let fixtures = fixtures();
    let features = plan::load_features(None).expect("embedded features");
    let planned = plan::plan(
        features,
        &fixtures,
        &PlanOptions {
            tags: None,
            profile: kona_conformance::runner::config::Profile::Sandbox,
            has_keys: true,
            generated_per_endpoint,
        },
    )
    .expect("plan");
    let client = KonaClient::new(
        target(base_url),
        &kona_conformance::client::TransportOptions::default(),
    )
    .expect("client");
    let ctx = RunContext {
        contract,
        client,
        fixtures,
        kind: TargetKind::External,
        seed: 7,
        generated_per_endpoint,
        generated_concurrency: 4,
        generated_budget: kona_conformance::runner::suite::DEFAULT_GENERATED_BUDGET,
    };
    kona_conformance::runner::execute(
        planned,
        ctx,
        EngineOptions {
            concurrency: 8,
            fail_fast: false,
            target_label: base_url.to_owned(),
            profile: "sandbox".into(),
        },
        Arc::new(NoProgress),
    )
    .await
}
