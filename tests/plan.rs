//! The planner: which scenarios run, which are not verified on a target and why.

use std::collections::BTreeMap;

use kona_conformance::fixtures::Fixtures;
use kona_conformance::runner::config::Profile;
use kona_conformance::runner::plan::{
    PlanError, PlanOptions, PlannedScenario, load_features, plan,
};
use kona_conformance::sandbox::seeded_fixtures;

fn planned(fixtures: &Fixtures, options: &PlanOptions) -> BTreeMap<String, PlannedScenario> {
    plan(load_features(None).unwrap(), fixtures, options)
        .unwrap()
        .scenarios
}

fn options() -> PlanOptions {
    PlanOptions {
        tags: None,
        profile: Profile::Sandbox,
        has_keys: true,
        generated_per_endpoint: 10,
    }
}

#[test]
fn the_embedded_fixtures_leave_nothing_unverified() {
    let all = planned(&seeded_fixtures(), &options());
    assert!(all.len() > 100);
    assert!(all.values().all(|s| s.not_verified.is_none()));
}

#[test]
fn a_missing_role_names_the_role() {
    let mut fixtures = seeded_fixtures();
    fixtures
        .collections
        .get_mut("cards")
        .unwrap()
        .roles
        .remove("suspended");
    let all = planned(&fixtures, &options());
    let reasons: Vec<_> = all
        .values()
        .filter_map(|s| s.not_verified.clone())
        .collect();
    assert_eq!(
        reasons,
        ["the target's fixtures have no card \"suspended\" (add cards.suspended to the fixtures)"]
    );
}

#[test]
fn a_scenario_that_asks_only_for_a_well_formed_request_needs_no_record() {
    let all = planned(&Fixtures::empty(), &options());
    let verifiable: Vec<_> = all.values().filter(|s| s.not_verified.is_none()).collect();
    assert!(!verifiable.is_empty());
    for s in &verifiable {
        assert!(
            !s.tags.iter().any(|t| t == "req:DED-CODE-000_000"),
            "{} needs a member but is verifiable without one",
            s.id
        );
    }
    for s in all.values() {
        if s.name.contains("without a required header") {
            assert!(s.not_verified.is_none(), "{}: {:?}", s.id, s.not_verified);
        }
    }
}

#[test]
fn without_keys_only_encrypted_requests_are_unverified() {
    let all = planned(
        &seeded_fixtures(),
        &PlanOptions {
            has_keys: false,
            ..options()
        },
    );
    for s in all.values() {
        let encrypts = s.name.contains("encrypted")
            || s.name.contains("encData")
            || (s.name.contains("crypto key id") && !s.name.contains("plaintext"));
        assert_eq!(s.not_verified.is_some(), encrypts, "{} {}", s.id, s.name);
    }
}

#[test]
fn production_runs_read_only_scenarios_and_tags_filter() {
    let all = planned(
        &seeded_fixtures(),
        &PlanOptions {
            profile: Profile::Production,
            ..options()
        },
    );
    for s in all.values() {
        let read_only = s.tags.iter().any(|t| t == "read-only");
        assert_eq!(s.not_verified.is_none(), read_only, "{}", s.id);
    }
    let filtered = planned(
        &seeded_fixtures(),
        &PlanOptions {
            tags: Some("@endpoint:deduction-info and not @generated".into()),
            ..options()
        },
    );
    assert!(!filtered.is_empty());
    assert!(
        filtered
            .keys()
            .all(|id| id.starts_with("features/deduction_info"))
    );
    let bad = plan(
        load_features(None).unwrap(),
        &Fixtures::default(),
        &PlanOptions {
            tags: Some("@a and and".into()),
            ..options()
        },
    );
    assert!(matches!(bad, Err(PlanError::Tags { .. })));
}
