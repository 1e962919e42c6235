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
        generated.exchange_count(),
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
    let example_catalogue: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example("contract/catalogue.json")).unwrap())
            .unwrap();
    // The example's requirements, which its schemas' x-requirement annotations cite, as
    // rules of the endpoint under test.
    let mut requirements = example_catalogue["requirements"].clone();
    for r in requirements.as_array_mut().unwrap() {
        r["endpoint"] = endpoint["id"].clone();
    }
    let mut catalogue = serde_json::json!({
        "extends": "embedded",
        "requirements": requirements,
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
    assert!(
        err.contains("catalogue.json /endpoints/0/request/collection") && err.contains("nowhere"),
        "{err}"
    );

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
    let cov = kona_conformance::runner::coverage::coverage(contract, &features);
    let req = cov
        .requirements
        .iter()
        .find(|r| r.id == "EXAMPLE-COUPON-UNKNOWN")
        .unwrap();
    assert!(req.scenarios.is_empty());
    assert_eq!(cov.elsewhere.len(), 1);
    assert!(!cov.is_complete());

    let features = plan::load_features(Some(&example("features"))).unwrap();
    let cov = kona_conformance::runner::coverage::coverage(contract, &features);
    for r in cov
        .requirements
        .iter()
        .filter(|r| r.endpoint == "example-coupon-info")
    {
        assert!(!r.scenarios.is_empty(), "{} uncovered", r.id);
    }
}

/// The example's contract copied into `dir`, with `edit` applied to one of its files.
fn example_copy(dir: &Path, file: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let contract = dir.join("contract");
    std::fs::create_dir_all(contract.join("coupon-info")).unwrap();
    for f in [
        "catalogue.json",
        "sandbox-records.json",
        "coupon-info/request.schema.json",
        "coupon-info/response.schema.json",
    ] {
        std::fs::copy(example("contract").join(f), contract.join(f)).unwrap();
    }
    let path = contract.join(file);
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(&path, value.to_string()).unwrap();
    contract
}

/// Each broken rule is named in the file the user wrote, at its JSON pointer, with the
/// nearest valid name where there is one; the built-in catalogue's merged lines never show.
#[rstest::rstest]
#[case::unknown_x_requirement(
    "coupon-info/response.schema.json",
    |v: &mut serde_json::Value| v["allOf"][1]["properties"]["couponName"]["x-requirement"] = "EXAMPLE-COUPON-FIELD".into(),
    &["coupon-info/response.schema.json /allOf/1/properties/couponName/x-requirement", "did you mean EXAMPLE-COUPON-FIELDS?"]
)]
#[case::required_fields_disagree_with_the_schema(
    "catalogue.json",
    |v: &mut serde_json::Value| v["endpoints"][0]["requiredFields"] = serde_json::json!(["couponNo", "couponName"]),
    &["catalogue.json /endpoints/0/requiredFields/1", "couponName is not a property of coupon-info/request.schema.json"]
)]
#[case::unknown_collection(
    "catalogue.json",
    |v: &mut serde_json::Value| v["endpoints"][0]["request"]["collection"] = "exampleCoupon".into(),
    &["catalogue.json /endpoints/0/request/collection", "did you mean exampleCoupons?"]
)]
#[case::unknown_role(
    "catalogue.json",
    |v: &mut serde_json::Value| v["endpoints"][0]["request"]["defaultRole"] = "vaild".into(),
    &["catalogue.json /endpoints/0/request/defaultRole", "did you mean valid?"]
)]
#[case::unknown_answer_key(
    "catalogue.json",
    |v: &mut serde_json::Value| v["endpoints"][0]["sandbox"]["lookup"]["notFound"] = "unknown-cupon".into(),
    &["catalogue.json /endpoints/0/sandbox/lookup/notFound", "did you mean unknown-coupon?"]
)]
#[case::missing_member_of_an_item(
    "catalogue.json",
    |v: &mut serde_json::Value| { v["endpoints"][0].as_object_mut().unwrap().remove("path"); },
    &["catalogue.json /endpoints/0", "missing field `path`"]
)]
#[case::misspelt_top_level_member(
    "catalogue.json",
    |v: &mut serde_json::Value| { let e = v.as_object_mut().unwrap().remove("endpoints").unwrap(); v["endpoint"] = e; },
    &["catalogue.json /endpoint", "did you mean endpoints?"]
)]
fn a_contract_error_names_the_users_file_and_pointer(
    #[case] file: &str,
    #[case] edit: fn(&mut serde_json::Value),
    #[case] expected: &[&str],
) {
    let dir = tempfile::tempdir().unwrap();
    let contract = example_copy(dir.path(), file, edit);
    let err = Contract::load_dir(&contract).unwrap_err().to_string();
    let own = contract.display().to_string();
    for e in expected {
        let located = if e.contains(".json ") {
            format!("{own}/{e}")
        } else {
            (*e).to_owned()
        };
        assert!(err.contains(&located), "{located:?} not in:\n{err}");
    }
}

#[test]
fn every_contract_error_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let contract = example_copy(dir.path(), "catalogue.json", |v| {
        v["endpoints"][0]["request"]["defaultRole"] = "vaild".into();
        v["endpoints"][0]["sandbox"]["lookup"]["match"] = "couponNumber".into();
        v["requirements"][0]["endpoint"] = "example-coupon".into();
    });
    let err = Contract::load_dir(&contract).unwrap_err();
    let kona_conformance::contract::ContractError::Problems(problems) = &err else {
        panic!("{err}");
    };
    // The endpoint typo also leaves the first response citing a requirement of no endpoint.
    assert_eq!(problems.len(), 4, "{err}");
    let own = format!("{}/catalogue.json", contract.display());
    assert!(problems.iter().all(|p| p.file == own), "{err}");
    assert!(err.to_string().contains("breaks 4 rule(s)"), "{err}");

    // The binary says the same and exits 2 before any request.
    let out = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["run", "-q", "--contract"])
        .arg(&contract)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/endpoints/0/sandbox/lookup/match"),
        "{stderr}"
    );
}

/// Feature files that name what the contract lacks are refused before any request, every
/// problem at once, each at its file and line.
#[test]
fn features_that_do_not_fit_the_contract_are_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("x.feature"),
        "@endpoint:example-coupon-info\nFeature: f\n\n  @req:EXAMPLE-COUPON-FIELD @read-only\n  Scenario: typo in a tag\n    Given the coupon \"valid\" from the fixtures\n    When the request is sent\n    Then the target answers \"success\"\n\n  @req:CARD-RESP-FIELDS @read-only\n  Scenario: a rule of another endpoint\n    Given the coupon \"valid\" from the fixtures\n    When the request is sent\n    Then the target answers \"sucess\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["run", "-q", "--contract"])
        .arg(example("contract"))
        .arg("--features")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "3 problem(s)",
        "x.feature:5: @req:EXAMPLE-COUPON-FIELD names no requirement of the contract (did you mean @req:EXAMPLE-COUPON-FIELDS?)",
        "x.feature:11: @req:CARD-RESP-FIELDS is a rule of card-info, and this scenario sends no request there",
        "x.feature:14: step \"the target answers \\\"sucess\\\"\": example-coupon-info gives no answer \"sucess\" (did you mean \"success\"?)",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
}

/// An extension's requirements are gated like the built-in ones: a coupon record that
/// differs from the fixtures fails EXAMPLE-COUPON-FIELDS in every report, with the
/// extension's own reading of the code; a waiver can name it, and `compare` sees it.
#[test]
fn an_extension_requirement_fails_the_gate_in_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures.json");
    std::fs::write(
        &fixtures,
        r#"{"format": "kona-conformance-fixtures/2", "collections": {"exampleCoupons": {"roles": {
            "valid": {"couponNo": "100000000001", "couponName": "Another name", "remainingUses": 3}}}}}"#,
    )
    .unwrap();
    let run = |reports: &Path, extra: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
            .args(["run", "-q", "--seed", "1", "--generated", "4", "--contract"])
            .arg(example("contract"))
            .arg("--features")
            .arg(example("features"))
            .arg("--report-dir")
            .arg(reports)
            .args(extra)
            .output()
            .unwrap()
    };
    let failing = dir.path().join("failing");
    let out = run(&failing, &["--fixtures".as_ref(), fixtures.as_os_str()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(failing.join(name)).unwrap();
    let results: serde_json::Value = serde_json::from_str(&read("results.json")).unwrap();
    let requirement = results["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "EXAMPLE-COUPON-FIELDS")
        .expect("results.json lists the extension's requirements");
    assert_eq!(requirement["verdict"], "failed");
    assert!(
        results["outcome"]["failingRequirements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "EXAMPLE-COUPON-FIELDS")
    );
    let summary = read("summary.md");
    assert!(!summary.contains("✅ PASSED"), "{summary}");
    assert!(summary.contains("EXAMPLE-COUPON-FIELDS"), "{summary}");
    assert!(
        summary.contains("is the documented code for \"Success\" (the coupon was found")
            && !summary.contains("documented only for"),
        "the code is read with the run's contract:\n{summary}"
    );
    for file in ["junit.xml", "cucumber.json", "report.html"] {
        assert!(read(file).contains("EXAMPLE-COUPON-FIELDS"), "{file}");
    }

    // A waiver may name it.
    let waivers = dir.path().join("waivers.toml");
    std::fs::write(
        &waivers,
        "[[waiver]]\nrequirement = \"EXAMPLE-COUPON-FIELDS\"\nreason = \"test\"\nexpires = \"2999-01-01\"\n",
    )
    .unwrap();
    let waived = dir.path().join("waived");
    let out = run(
        &waived,
        &[
            "--fixtures".as_ref(),
            fixtures.as_os_str(),
            "--waivers".as_ref(),
            waivers.as_os_str(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // compare sees the requirement change between a passing run and the failing one.
    let passing = dir.path().join("passing");
    assert_eq!(run(&passing, &[]).status.code(), Some(0));
    let out = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .current_dir(dir.path())
        .arg("compare")
        .arg(passing.join("results.json"))
        .arg(failing.join("results.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("EXAMPLE-COUPON-FIELDS"), "{stdout}");
}

/// The catalogue format has a JSON Schema of its own, for editors: the built-in catalogue
/// and the example extension are valid against it, and a misspelt member is not.
#[test]
fn the_catalogue_format_schema_describes_both_kinds_of_catalogue() {
    let contract = Contract::shared().unwrap();
    const FORMAT: &str = "formats/catalogue.schema.json";
    let read = |path: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for catalogue in [
        root.join("schemas/catalogue.json"),
        example("contract/catalogue.json"),
    ] {
        let violations = contract.validate(FORMAT, &read(&catalogue));
        assert!(
            violations.is_empty(),
            "{}: {violations:?}",
            catalogue.display()
        );
    }
    let mut typo = read(&example("contract/catalogue.json"));
    typo["endpoints"][0]["requestSchemas"] = typo["endpoints"][0]["requestSchema"].take();
    assert!(!contract.validate(FORMAT, &typo).is_empty());
}

/// The errata and fixtures formats have JSON Schemas of their own too: every shipped file is
/// valid against its schema, and a misspelt member is not.
#[rstest::rstest]
#[case::errata("formats/errata.schema.json", "schemas/errata.json", "/errata/0/tset")]
#[case::vendor_fixtures(
    "formats/fixtures.schema.json",
    "fixtures/vendor-sandbox.json",
    "/collections/cards/rolse"
)]
#[case::embedded_fixtures(
    "formats/fixtures.schema.json",
    "fixtures/embedded-sandbox.json",
    "/descripton"
)]
#[case::coupon_records(
    "formats/fixtures.schema.json",
    "examples/coupon-info/contract/sandbox-records.json",
    "/collections/exampleCoupons/pol"
)]
#[case::transaction_records(
    "formats/fixtures.schema.json",
    "examples/card-transactions/contract/sandbox-records.json",
    "/formt"
)]
fn every_shipped_data_file_is_valid_against_its_format_schema(
    #[case] schema: &str,
    #[case] file: &str,
    #[case] typo_at: &str,
) {
    let contract = Contract::shared().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let violations = contract.validate(schema, &value);
    assert!(violations.is_empty(), "{file}: {violations:?}");
    let (parent, member) = typo_at.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut value
    } else {
        value.pointer_mut(parent).unwrap()
    };
    target[member] = serde_json::json!("x");
    assert!(
        !contract.validate(schema, &value).is_empty(),
        "{file}: {typo_at} accepted"
    );
}

const TRANSACTIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/card-transactions");

/// Rules between fields, as data only: the transaction-history example certifies green on
/// the embedded sandbox with every one of its requirements verified, its generated cases
/// break each rule once, and a made-up request keeps the rules (else a correct target that
/// enforces the span would fail it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_between_fields_certify_with_no_rust() {
    let dir = Path::new(TRANSACTIONS);
    let contract = Contract::resolve(Some(&dir.join("contract"))).unwrap();
    let endpoint = contract.endpoint("example-card-transactions").unwrap();
    assert_eq!(endpoint.field_rules.len(), 3);
    let options = RunOptions::resolve(Settings {
        contract: Some(dir.join("contract")),
        features: Some(dir.join("features")),
        seed: Some(5),
        generated: Some(60),
        ..Settings::default()
    })
    .unwrap();
    let certification = certify(&options, Arc::new(NoProgress)).await.unwrap();
    let results = &certification.execution.results;
    for s in &results.scenarios {
        assert_eq!(
            s.verdict,
            Verdict::Passed,
            "{} {}: {:?}",
            s.id,
            s.name,
            s.findings
        );
    }
    for r in results
        .requirement_verdicts(contract)
        .iter()
        .filter(|r| r.endpoint == endpoint.id)
    {
        assert_eq!(r.verdict, Verdict::Passed, "{} {:?}", r.id, r.reason);
    }
    let generated = kona_conformance::steps::generated::generate(
        contract,
        &fixtures_for(contract).unwrap(),
        endpoint,
        5,
        60,
    );
    for key in ["range-too-long", "range-reversed"] {
        assert!(
            generated.iter().any(|c| c.expected_key == key),
            "no generated case breaks the rule answered {key}"
        );
    }
    // Whatever the seed, a made-up request keeps every rule.
    for seed in 0..200 {
        let body = kona_conformance::fixtures::synthesize::synthesized_body(
            contract,
            &kona_conformance::fixtures::Fixtures::empty(),
            endpoint,
            seed,
        )
        .unwrap();
        for rule in &endpoint.field_rules {
            assert!(!rule.is_broken_by(&body), "seed {seed}: {rule:?} {body:?}");
        }
    }
}

/// The same example is red when the target's records differ from the fixtures, or when a
/// fixtures record's period breaks a rule the target enforces.
#[rstest::rstest]
#[case::other_transactions(
    r#"{"cardNo": "9400000000000001", "fromDate": "20260101", "toDate": "20260331", "transactions": []}"#,
    "EXAMPLE-TXN-FIELDS"
)]
#[case::period_too_long(
    r#"{"cardNo": "9400000000000001", "fromDate": "20250101", "toDate": "20260331", "transactions": []}"#,
    "EXAMPLE-TXN-CODE-000_000"
)]
fn rules_between_fields_fail_on_broken_records(#[case] record: &str, #[case] failed: &str) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures.json");
    std::fs::write(
        &fixtures,
        format!(
            r#"{{"format": "kona-conformance-fixtures/2", "collections": {{"exampleCardHistories": {{"roles": {{"valid": {record}}}}}}}}}"#
        ),
    )
    .unwrap();
    let reports = dir.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
        .args(["run", "-q", "--seed", "1", "--generated", "4", "--contract"])
        .arg(Path::new(TRANSACTIONS).join("contract"))
        .arg("--features")
        .arg(Path::new(TRANSACTIONS).join("features"))
        .arg("--fixtures")
        .arg(&fixtures)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("results.json")).unwrap())
            .unwrap();
    let failing = results["outcome"]["failingRequirements"]
        .as_array()
        .unwrap();
    assert!(failing.iter().any(|r| r == failed), "{failing:?}");
}
