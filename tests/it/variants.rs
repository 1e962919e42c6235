//! The counterpart of tests/mutants.rs: every legitimate reading of the docs the sandbox can
//! serve (`sandbox --variant`) passes when certified as a foreign target through the binary's
//! `run --base-url`, and each variant really answers differently from the default reading
//! (otherwise passing it would prove nothing).

use crate::support::sandbox as support;

use std::process::Command;

use kona_conformance::sandbox::{SandboxConfig, Variant, seeded_fixtures};
use rstest::rstest;
use serde_json::Value;
use support::*;

#[test]
fn every_variant_passes_as_a_foreign_target() {
    let output = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["variants", "--json", "--concurrency", "4"])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{stdout}\n{stderr}"));
    let variants = report["variants"].as_array().expect("a list of variants");
    assert_eq!(variants.len(), Variant::ALL.len(), "{stdout}");
    assert!(variants.len() >= 8);
    for v in variants {
        assert_eq!(v["exitCode"], 0, "{v:#}");
        assert_eq!(v["failed"], 0, "{v:#}");
        assert!(v["passed"].as_u64().unwrap_or(0) > 100, "{v:#}");
    }
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
}

fn card_no(role: &str) -> String {
    seeded_fixtures().role("cards", role).unwrap()["cardNo"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The envelope's code, or nothing when the body is not JSON (a transient 503's text).
fn code(reply: &Reply) -> String {
    serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v["response"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What the default reading and the variant answer to one request, as (status, code, a
/// detail the variant changes).
async fn answer(variant: Option<Variant>, name: &str) -> (u16, String, String) {
    let h = Harness::start(SandboxConfig {
        variants: variant.into_iter().collect(),
        ..SandboxConfig::for_certification()
    })
    .await;
    let active = format!(r#"{{"cardNo":"{}"}}"#, card_no("active"));
    let reply = match name {
        "empty-as-missing" => h.to(CARD).json(r#"{"cardNo":""}"#).send().await,
        "strict-content-type" | "lenient-content-type" => {
            h.to(CARD)
                .json(&active)
                .content_type(Some("text/plain"))
                .send()
                .await
        }
        "json-charset" => h.to(CARD).json(&active).send().await,
        "null-optionals" => {
            let unowned = format!(r#"{{"cardNo":"{}"}}"#, card_no("without-owner-ka"));
            h.to(CARD).json(&unowned).send().await
        }
        "extra-fields" => h.to(CARD).json(&active).send().await,
        "auth-403" => {
            h.to(CARD)
                .json(&active)
                .secret(b"another secret")
                .send()
                .await
        }
        "not-found-404" => {
            h.to(CARD)
                .json(&format!(r#"{{"cardNo":"{}"}}"#, card_no("unknown")))
                .send()
                .await
        }
        "float-user-id" => h.to(DEDUCTION).json(r#"{"userId":1.0}"#).send().await,
        "ignore-plain-crypto-key-id" => {
            h.to(CARD)
                .json(&active)
                .header("X-KM-Crypto-Key-Id", "short")
                .send()
                .await
        }
        "lookup-first" => h.to(CARD).json(r#"{"cardNo":"123"}"#).send().await,
        "fresh-correlation-id" => {
            h.to(CARD)
                .json(&active)
                .header("X-KM-Correlation-Id", "bad")
                .send()
                .await
        }
        "bank-closed" => {
            let account = seeded_fixtures()
                .role("bankAccounts", "valid")
                .unwrap()
                .clone();
            h.to(BANK)
                .json(&Value::Object(account).to_string())
                .send()
                .await
        }
        "bank-checks-member-id" | "bank-name-first" => {
            let mut account = seeded_fixtures()
                .role("bankAccounts", "valid")
                .unwrap()
                .clone();
            // Another member id; for the name-first reading, another birth date and name too.
            account.insert("userId".into(), Value::from(1_u64));
            if name == "bank-name-first" {
                account.insert("birthDate".into(), Value::from("19000101"));
                account.insert("userName".into(), Value::from("김민준박서연"));
            }
            h.to(BANK)
                .json(&Value::Object(account).to_string())
                .send()
                .await
        }
        // Flow control shows only past its threshold: the request after the allowance.
        "rate-limited" | "transient-503" => {
            let threshold = if name == "rate-limited" { 61 } else { 150 };
            let mut last = None;
            for _ in 0..threshold {
                last = Some(h.to(CARD).json(&active).send().await);
            }
            last.expect("at least one request")
        }
        other => panic!("no probe for variant {other}"),
    };
    let detail = match name {
        "json-charset" => format!("{:?}", reply.headers.get("content-type")),
        "null-optionals" => reply
            .json()
            .get("ownerKa")
            .map(Value::to_string)
            .unwrap_or_default(),
        "extra-fields" => reply.json().to_string().contains("traceId").to_string(),
        "fresh-correlation-id" => format!("{:?}", reply.headers.get("x-km-correlation-id")),
        _ => String::new(),
    };
    let result = (reply.status, code(&reply), detail);
    h.sandbox.shutdown().await;
    result
}

#[rstest]
#[tokio::test]
async fn each_variant_answers_differently_from_the_default_reading(
    #[values(
        "empty-as-missing",
        "strict-content-type",
        "lenient-content-type",
        "json-charset",
        "null-optionals",
        "extra-fields",
        "auth-403",
        "not-found-404",
        "float-user-id",
        "ignore-plain-crypto-key-id",
        "lookup-first",
        "fresh-correlation-id",
        "bank-checks-member-id",
        "bank-name-first",
        "bank-closed",
        "rate-limited",
        "transient-503"
    )]
    name: &str,
) {
    let variant: Variant = name.parse().unwrap();
    let default = answer(None, name).await;
    let read = answer(Some(variant), name).await;
    assert_ne!(default, read, "{name} changes nothing");
}

#[test]
fn every_variant_has_a_probe_above() {
    let source = include_str!("variants.rs");
    for v in Variant::ALL {
        assert!(source.contains(&format!("\"{}\"", v.name())), "{v}");
    }
}
