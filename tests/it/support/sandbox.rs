//! Shared by the sandbox test modules (`use crate::support::sandbox as support;`): start a
//! sandbox, build signed requests with the crypto module, and read answers.
#![allow(dead_code)]

use chrono::{DateTime, FixedOffset};
use kona_conformance::contract::{Contract, Expected};
use kona_conformance::crypto::jwe::{self, ContentEncryption};
use kona_conformance::crypto::keys::{private_key_from_pem, public_key_from_pem};
use kona_conformance::crypto::{
    TimeZoneName, correlation_id, now_in, token_time, tran_time, tran_token,
};
use kona_conformance::sandbox::{Sandbox, SandboxConfig, credentials};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

pub const DEDUCTION: &str = "deduction-info";
pub const CARD: &str = "card-info";
pub const BANK: &str = "bank-account-valid";

pub const ASP_ID: &str = "X-KM-User-AspId";
pub const CORRELATION_ID: &str = "X-KM-Correlation-Id";
pub const ACCESS_KEY: &str = "X-KM-Access-Key";
pub const TRAN_TOKEN: &str = "X-KM-Tran-Token";
pub const TRAN_TIME: &str = "X-KM-Tran-Time";
pub const TIME_ZONE: &str = "X-KM-Time-Zone";
pub const CRYPTO_KEY_ID: &str = "X-KM-Crypto-Key-Id";

pub fn contract() -> &'static Contract {
    Contract::shared().expect("the embedded contract loads")
}

/// What the catalogue says `endpoint` answers in case `key`.
pub fn expected(endpoint: &str, key: &str, field: Option<&str>) -> Expected {
    contract()
        .catalogue
        .expected(endpoint, key, field)
        .unwrap_or_else(|| panic!("catalogue has no {key} for {endpoint}"))
}

pub fn path_of(endpoint: &str) -> String {
    let cat = &contract().catalogue;
    format!("{}{}", cat.base_path, cat.endpoint(endpoint).unwrap().path)
}

pub struct Harness {
    pub sandbox: Sandbox,
    pub origin: String,
    pub client: reqwest::Client,
}

impl Harness {
    pub async fn start(config: SandboxConfig) -> Harness {
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let origin = format!("http://{}", sandbox.local_addr());
        kona_conformance::client::target::install_crypto_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .unwrap();
        Harness {
            sandbox,
            origin,
            client,
        }
    }

    pub async fn faithful() -> Harness {
        Harness::start(SandboxConfig::for_certification()).await
    }

    /// A request to `endpoint` (a catalogue id).
    pub fn to(&self, endpoint: &str) -> Req {
        Req::new(
            &self.client,
            format!("{}{}", self.origin, path_of(endpoint)),
        )
    }

    /// A request to any path under the origin.
    pub fn to_path(&self, path: &str) -> Req {
        Req::new(&self.client, format!("{}{path}", self.origin))
    }
}

/// A request under construction. Headers are computed at send time so the token always
/// covers the final body, then overrides apply.
pub struct Req {
    client: reqwest::Client,
    url: String,
    pub method: reqwest::Method,
    pub body: Vec<u8>,
    pub at: DateTime<FixedOffset>,
    pub zone: TimeZoneName,
    pub secret: Vec<u8>,
    pub crypto_key_id: Option<String>,
    pub content_type: Option<String>,
    /// (name, None = remove, Some = replace with these bytes)
    pub overrides: Vec<(String, Option<Vec<u8>>)>,
    pub correlation_id: String,
}

impl Req {
    /// A request to `endpoint` on a server at `origin` (`http://host:port`).
    pub fn to_origin(client: &reqwest::Client, origin: &str, endpoint: &str) -> Req {
        Req::new(client, format!("{origin}{}", path_of(endpoint)))
    }

    fn new(client: &reqwest::Client, url: String) -> Req {
        let at = now_in(TimeZoneName::Kst);
        Req {
            client: client.clone(),
            url,
            method: reqwest::Method::POST,
            body: Vec::new(),
            correlation_id: correlation_id(&at, &mut rand::rng()),
            at,
            zone: TimeZoneName::Kst,
            secret: credentials().secret_key.expose().as_bytes().to_vec(),
            crypto_key_id: None,
            content_type: Some("application/json".into()),
            overrides: Vec::new(),
        }
    }

    pub fn json(mut self, body: &str) -> Req {
        self.body = body.as_bytes().to_vec();
        self
    }

    pub fn raw(mut self, body: &[u8]) -> Req {
        self.body = body.to_vec();
        self
    }

    /// `{"encData": JWE of plain}` for the server key, with the crypto key id header.
    pub fn encrypted(self, plain: &str) -> Req {
        self.encrypted_with(plain.as_bytes(), ContentEncryption::A128Gcm)
    }

    pub fn encrypted_with(mut self, plain: &[u8], enc: ContentEncryption) -> Req {
        self.body = encrypt_request(plain, enc).into_bytes();
        self.crypto_key_id = Some(credentials().crypto_key_id);
        self
    }

    pub fn method(mut self, method: reqwest::Method) -> Req {
        self.method = method;
        self
    }

    /// Sign as of `at`, written in `zone`.
    pub fn at(mut self, at: DateTime<FixedOffset>, zone: TimeZoneName) -> Req {
        self.at = at.with_timezone(&zone.offset());
        self.zone = zone;
        self
    }

    pub fn secret(mut self, secret: &[u8]) -> Req {
        self.secret = secret.to_vec();
        self
    }

    pub fn content_type(mut self, ct: Option<&str>) -> Req {
        self.content_type = ct.map(str::to_owned);
        self
    }

    pub fn without(mut self, name: &str) -> Req {
        self.overrides.push((name.to_owned(), None));
        self
    }

    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Req {
        self.overrides
            .push((name.to_owned(), Some(value.as_ref().to_vec())));
        self
    }

    pub fn headers(&self) -> HeaderMap {
        let creds = credentials();
        let mut h = HeaderMap::new();
        let mut set = |name: &str, value: &str| {
            h.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        };
        set(ASP_ID, &creds.asp_id);
        set(CORRELATION_ID, &self.correlation_id);
        set(ACCESS_KEY, creds.access_key.expose());
        set(
            TRAN_TOKEN,
            &tran_token(&self.secret, &token_time(&self.at), &self.body),
        );
        set(TRAN_TIME, &tran_time(&self.at));
        set(TIME_ZONE, self.zone.as_str());
        if let Some(id) = &self.crypto_key_id {
            set(CRYPTO_KEY_ID, id);
        }
        if let Some(ct) = &self.content_type {
            set("content-type", ct);
        }
        for (name, value) in &self.overrides {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            match value {
                None => {
                    h.remove(&name);
                }
                Some(v) => {
                    h.insert(name, HeaderValue::from_bytes(v).unwrap());
                }
            }
        }
        h
    }

    pub async fn send(self) -> Reply {
        let headers = self.headers();
        let sent_correlation = headers.get(CORRELATION_ID).cloned();
        let response = self
            .client
            .request(self.method.clone(), &self.url)
            .headers(headers)
            .body(self.body.clone())
            .send()
            .await
            .expect("the sandbox answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("a whole body").to_vec();
        Reply {
            status,
            headers,
            body,
            sent_correlation,
        }
    }
}

pub fn encrypt_request(plain: &[u8], enc: ContentEncryption) -> String {
    let key = public_key_from_pem(credentials().server_public_key_pem).unwrap();
    let compact = jwe::encrypt(plain, &key, enc, None).unwrap();
    serde_json::json!({ "encData": compact }).to_string()
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub sent_correlation: Option<HeaderValue>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The plain document: the body, or its decrypted `encData`.
    pub fn document(&self) -> Value {
        let body = self.json();
        match body.get("encData").and_then(Value::as_str) {
            Some(compact) => {
                let key = private_key_from_pem(credentials().client_private_key_pem).unwrap();
                serde_json::from_slice(&jwe::decrypt(compact, &key).unwrap()).unwrap()
            }
            None => body,
        }
    }

    pub fn is_encrypted(&self) -> bool {
        self.json().get("encData").is_some()
    }

    pub fn code(&self) -> String {
        self.document()["response"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn message(&self) -> String {
        self.document()["response"]["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Status, code and message are exactly the catalogue's for (endpoint, key, field),
    /// and the common response rules hold.
    #[track_caller]
    pub fn assert_is(&self, endpoint: &str, key: &str, field: Option<&str>) {
        let want = expected(endpoint, key, field);
        let body = String::from_utf8_lossy(&self.body);
        assert_eq!(
            (self.status, self.code(), self.message()),
            (want.status, want.code.clone(), want.message.clone()),
            "expected {key} from {endpoint}; got {body}"
        );
        self.assert_common();
    }

    /// Rules every response follows: JSON, the envelope, the correlation id echoed.
    #[track_caller]
    pub fn assert_common(&self) {
        assert_eq!(self.header("content-type"), Some("application/json"));
        let echoed = self.headers.get(CORRELATION_ID).expect("a correlation id");
        match &self.sent_correlation {
            Some(sent) => assert_eq!(echoed, sent),
            None => assert!(
                kona_conformance::crypto::is_correlation_id(echoed.to_str().unwrap()),
                "{echoed:?}"
            ),
        }
        let violations = contract().validate("common/envelope.schema.json", &self.document());
        assert!(violations.is_empty(), "{violations:?}");
        if !self.is_encrypted() {
            assert!(self.headers.get(CRYPTO_KEY_ID).is_none());
        }
    }
}
