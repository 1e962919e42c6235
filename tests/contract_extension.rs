//! Adding an endpoint needs no Rust and no rebuild: the made-up example endpoint in
//! `examples/coupon-info` is certified end to end against the embedded sandbox through
//! `--contract` and `--features`, and every request of its scenarios goes to its own path.
//! Also: the errors a broken contract or feature set gets before any request.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use kona_conformance::contract::Contract;
use kona_conformance::runner::NoProgress;
use kona_conformance::runner::certify::certify;
use kona_conformance::runner::config::{RunOptions, Settings};
use kona_conformance::runner::plan::{self, PlanError, PlanOptions};
use kona_conformance::runner::results::Verdict;
use kona_conformance::sandbox::{Sandbox, SandboxConfig, SandboxError, fixtures_for};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/coupon-info");

fn example(part: &str) -> PathBuf {
    Path::new(EXAMPLE).join(part)
}

fn example_contract() -> &'static Contract {
    Contract::resolve(Some(&example("contract"))).expect("the example contract loads")
}

#[test]
fn the_extension_adds_one_endpoint_to_the_embedded_contract() {
    let embedded = Contract::shared().unwrap();
    let extended = example_contract();
    assert_eq!(
        extended.catalogue.endpoints.len(),
        embedded.catalogue.endpoints.len() + 1
    );
    let added = extended.endpoint("example-coupon-info").unwrap();
    assert!(added.name.contains("EXAMPLE"), "marked as an example");
    assert_ne!(extended.hash(), embedded.hash());
    let fixtures = fixtures_for(extended).unwrap();
    assert!(fixtures.role("exampleCoupons", "valid").is_some());
    assert!(
        fixtures.role("cards", "active").is_some(),
        "seeded roles stay"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_endpoint_is_certified_end_to_end_on_its_own_path() {
    let options = RunOptions::resolve(Settings {
        contract: Some(example("contract")),
        features: Some(example("features")),
        seed: Some(3),
        generated: Some(40),
        ..Settings::default()
    })
    .unwrap();
    let contract = example_contract();
    let expected_scenarios = plan_in(contract, &example("features"))
        .unwrap()
        .scenarios
        .len();

    let certification = certify(&options, Arc::new(NoProgress)).await.unwrap();
    let results = &certification.execution.results;
    assert_eq!(results.scenarios.len(), expected_scenarios);
    let path = &contract.endpoint("example-coupon-info").unwrap().path;
    for s in &results.scenarios {
        assert_eq!(
            s.verdict,
            Verdict::Passed,
            "{} {}: {:?} {:?}",
            s.id,
            s.name,
            s.findings,
            s.error
        );
        assert!(!s.exchanges.is_empty(), "{} sent nothing", s.id);
        for e in &s.exchanges {
            assert!(e.url.ends_with(path.as_str()), "{} sent to {}", s.id, e.url);
        }
    }
    // Generated volume is spread over the contract's endpoints, the added one included.
    let generated = results
        .scenarios
        .iter()
        .find(|s| s.tags.iter().any(|t| t == "generated"))
        .unwrap();
    assert_eq!(
        generated.exchanges.len(),
        40usize.div_ceil(contract.catalogue.endpoints.len())
    );
}

#[test]
fn the_binary_certifies_the_example_without_a_rebuild() {
    let out = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["run", "--seed", "1", "-q", "--generated", "8", "--contract"])
        .arg(example("contract"))
        .arg("--features")
        .arg(example("features"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("example-coupon-info"), "{stdout}");
}

/// A contract folder holding the embedded files plus an extension catalogue.
fn extension(dir: &Path, endpoint: serde_json::Value, extra: serde_json::Value) -> PathBuf {
    let mut catalogue = serde_json::json!({
        "extends": "embedded",
        "endpoints": [endpoint],
    });
    if let (Some(c), serde_json::Value::Object(extra)) = (catalogue.as_object_mut(), extra) {
        c.extend(extra);
    }
    let schemas = dir.join("contract");
    std::fs::create_dir_all(schemas.join("coupon-info")).unwrap();
    for f in ["request.schema.json", "response.schema.json"] {
        std::fs::copy(
            example("contract/coupon-info").join(f),
            schemas.join("coupon-info").join(f),
        )
        .unwrap();
    }
    std::fs::write(schemas.join("catalogue.json"), catalogue.to_string()).unwrap();
    schemas
}

fn bare_endpoint() -> serde_json::Value {
    serde_json::json!({
        "id": "bare", "responseRequirement": "RESP-ENVELOPE", "name": "bare", "method": "POST",
        "path": "/api/v1/bare", "requestSchema": "coupon-info/request.schema.json",
        "responseSchema": "coupon-info/response.schema.json",
        "encryption": {"request": false, "response": false}, "requiredFields": ["couponNo"],
        "responses": []
    })
}

#[tokio::test]
async fn the_sandbox_refuses_an_endpoint_it_cannot_answer() {
    let dir = tempfile::tempdir().unwrap();
    let contract = Contract::resolve(Some(&extension(
        dir.path(),
        bare_endpoint(),
        serde_json::json!({}),
    )))
    .unwrap();
    let err = Sandbox::start(SandboxConfig::serving(contract))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SandboxError::NoHandler { id } if id == "bare"),
        "{err}"
    );
    assert!(
        err.to_string().contains("neither a declarative handler"),
        "{err}"
    );
}

/// Plan the features in `dir` against `contract` and its embedded-sandbox fixtures.
fn plan_in(contract: &'static Contract, dir: &Path) -> Result<plan::Plan, PlanError> {
    plan::plan_for(
        contract,
        plan::load_features(Some(dir)).unwrap(),
        &fixtures_for(contract).unwrap(),
        &PlanOptions {
            tags: None,
            profile: kona_conformance::runner::config::Profile::Sandbox,
            has_keys: true,
            generated_per_endpoint: 1,
        },
    )
}

fn plan_error(contract: &'static Contract, feature: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.feature"), feature).unwrap();
    let err = plan_in(contract, dir.path()).unwrap_err();
    assert!(matches!(err, PlanError::Scenario { .. }), "{err}");
    err.to_string()
}

#[test]
fn scenarios_fail_loudly_before_any_request() {
    let embedded = Contract::shared().unwrap();
    let scenario = |tag: &str, given: &str| {
        format!(
            "{tag}\nFeature: f\n  @req:RESP-JSON @read-only\n  Scenario: s\n    Given {given}\n    When the request is sent\n    Then the target answers \"success\"\n"
        )
    };
    let err = plan_error(
        embedded,
        &scenario(
            "@endpoint:card-info",
            "the member \"authed\" from the fixtures",
        ),
    );
    assert!(
        err.contains("deduction-info") && err.contains("card-info"),
        "{err}"
    );
    let err = plan_error(
        embedded,
        &scenario(
            "@endpoint:card-info",
            "a valid request to \"deduction-info\"",
        ),
    );
    assert!(err.contains("deduction-info"), "{err}");
    let err = plan_error(
        embedded,
        &scenario(
            "@endpoint:card-info",
            "the card \"actve\" from the fixtures",
        ),
    );
    assert!(
        err.contains("\"actve\" is not a role of the catalogue's cards"),
        "{err}"
    );
    let err = plan_error(
        embedded,
        &scenario("@endpoint:card-info", "the widget \"a\" from the fixtures"),
    );
    assert!(err.contains("widget"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let mut endpoint = bare_endpoint();
    endpoint["sandbox"] = serde_json::json!({"lookup": {"collection": "cards", "match": "couponNo",
        "notFound": "invalid-input", "respond": []}});
    let contract = Contract::resolve(Some(&extension(
        dir.path(),
        endpoint,
        serde_json::json!({}),
    )))
    .unwrap();
    let err = plan_error(
        contract,
        &scenario("@endpoint:bare", "a valid request to \"bare\""),
    );
    assert!(err.contains("bare has no request recipe"), "{err}");
}

#[test]
fn a_broken_extension_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let mut endpoint = bare_endpoint();
    endpoint["request"] = serde_json::json!({"collection": "nowhere", "noun": "thing",
        "defaultRole": "x", "generatedRoles": [], "body": ["couponNo"]});
    let path = extension(dir.path(), endpoint, serde_json::json!({}));
    let err = Contract::load_dir(&path).unwrap_err().to_string();
    assert!(err.contains("bare") && err.contains("nowhere"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let path = extension(
        dir.path(),
        bare_endpoint(),
        serde_json::json!({"title": "mine"}),
    );
    let err = Contract::load_dir(&path).unwrap_err().to_string();
    assert!(err.contains("title"), "{err}");
}

/// A `foundThrough` link is checked when the contract loads, naming the link and the rule.
#[rstest::rstest]
#[case::unknown_endpoint(
    serde_json::json!({"endpoint": "nowhere", "answerField": "userId", "field": "couponNo", "meaning": "m"}),
    "foundThrough nowhere: not an endpoint of the catalogue"
)]
#[case::answer_field_not_in_the_response(
    serde_json::json!({"endpoint": "card-info", "answerField": "couponNo", "field": "couponNo", "meaning": "m"}),
    "answerField couponNo is not a property of card-info/response.schema.json"
)]
#[case::field_no_endpoint_sends(
    serde_json::json!({"endpoint": "card-info", "answerField": "userId", "field": "userId", "meaning": "m"}),
    "field userId is not a request field of any endpoint taking coupons"
)]
fn a_broken_found_through_link_names_the_rule(
    #[case] link: serde_json::Value,
    #[case] message: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut endpoint = bare_endpoint();
    endpoint["request"] = serde_json::json!({"collection": "coupons", "noun": "coupon",
        "defaultRole": "valid", "generatedRoles": [], "body": ["couponNo"]});
    let collections = serde_json::json!({"collections": {"coupons": {
        "summary": "coupons", "roles": {"valid": "a coupon"}, "foundThrough": [link]}}});
    let path = extension(dir.path(), endpoint, collections);
    let err = Contract::load_dir(&path).unwrap_err().to_string();
    assert!(
        err.contains("collections.coupons.foundThrough") && err.contains(message),
        "{err}"
    );
}

#[test]
fn coverage_counts_only_scenarios_that_reach_the_requirements_endpoint() {
    let contract = example_contract();
    let dir = tempfile::tempdir().unwrap();
    // A scenario on card-info tagged with the example endpoint's requirement covers nothing.
    std::fs::write(
        dir.path().join("x.feature"),
        "@endpoint:card-info\nFeature: f\n  @req:EXAMPLE-COUPON-UNKNOWN @read-only\n  Scenario: s\n    Given the card \"active\" from the fixtures\n    When the request is sent\n    Then the target answers \"success\"\n",
    )
    .unwrap();
    let features = plan::load_features(Some(dir.path())).unwrap();
    let cov = kona_conformance::coverage::coverage(contract, &features);
    let req = cov
        .requirements
        .iter()
        .find(|r| r.id == "EXAMPLE-COUPON-UNKNOWN")
        .unwrap();
    assert!(req.scenarios.is_empty());
    assert_eq!(cov.elsewhere.len(), 1);
    assert!(!cov.is_complete());

    let features = plan::load_features(Some(&example("features"))).unwrap();
    let cov = kona_conformance::coverage::coverage(contract, &features);
    for r in cov
        .requirements
        .iter()
        .filter(|r| r.endpoint == "example-coupon-info")
    {
        assert!(!r.scenarios.is_empty(), "{} uncovered", r.id);
    }
}
