//! The documentation-coverage gate: every requirement of the catalogue is verified by at
//! least one scenario, every `@req:` tag names a real requirement, every scenario carries one
//! safety class and verifies something. Removing the only scenario of a requirement fails here.

use kona_conformance::contract::Contract;
use kona_conformance::runner::coverage::{coverage, render};
use kona_conformance::runner::plan::load_features;

#[test]
fn every_requirement_has_a_scenario_and_every_tag_a_requirement() {
    let contract = Contract::shared().unwrap();
    let features = load_features(None).unwrap();
    let cov = coverage(contract, &features);
    assert!(cov.is_complete(), "{}", render(&cov));
    assert_eq!(
        cov.requirements.len(),
        contract.catalogue.requirements.len()
    );
}

#[test]
fn the_gate_fails_when_a_requirement_loses_its_only_scenario() {
    let contract = Contract::shared().unwrap();
    let mut features = load_features(None).unwrap();
    // Drop the one example row that verifies 002_003 (name mismatch).
    for f in &mut features {
        f.scenarios
            .retain(|s| !s.tags.iter().any(|t| t == "req:BANK-CODE-002_003"));
    }
    let cov = coverage(contract, &features);
    assert!(!cov.is_complete());
    let uncovered: Vec<_> = cov.uncovered().map(|r| r.id.as_str()).collect();
    assert_eq!(uncovered, ["BANK-CODE-002_003"]);
}

#[test]
fn an_unknown_requirement_tag_fails_the_gate() {
    let contract = Contract::shared().unwrap();
    let mut features = load_features(None).unwrap();
    features[0].scenarios[0]
        .tags
        .push("req:NO-SUCH-RULE".into());
    let cov = coverage(contract, &features);
    assert!(!cov.is_complete());
    assert_eq!(cov.unknown_references.len(), 1);
    assert!(render(&cov).contains("@req:NO-SUCH-RULE"));
}
