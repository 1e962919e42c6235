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
        [kona_conformance::judge::NotVerified {
            reason: "the target's fixtures have no card \"suspended\" (add cards.suspended to the fixtures)".into(),
            unlocks: Some("cards.suspended".into()),
        }]
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

fn reason_of<'p>(all: &'p BTreeMap<String, PlannedScenario>, name: &str) -> Option<&'p str> {
    all.values()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name:?}"))
        .not_verified
        .as_ref()
        .map(|n| n.reason.as_str())
}

const NAME_CHECK: &str = "A name other than the holder's is not matched";
const BIRTH_DATE_CHECK: &str =
    "A birth date other than the holder's finds no account for the member";
const MADE_UP_ACCOUNT: &str = "An account number that no account has is not found";
const FOUND_MEMBER: &str = "The member a registered card is mapped to is found";

/// Fixtures holding only the seeded record of `collection`'s `role`.
fn with_seeded_role(collection: &str, role: &str) -> Fixtures {
    let mut fixtures = Fixtures::empty();
    let record = seeded_fixtures().role(collection, role).unwrap().clone();
    fixtures
        .collections
        .entry(collection.into())
        .or_default()
        .roles
        .insert(role.into(), record);
    fixtures
}

fn with_known_bank_fields(fields: &[(&str, &str)]) -> Fixtures {
    let mut fixtures = Fixtures::empty();
    let known = &mut fixtures
        .collections
        .entry("bankAccounts".into())
        .or_default()
        .known;
    for (field, value) in fields {
        known.insert((*field).into(), (*value).into());
    }
    fixtures
}

#[test]
fn a_scenario_needing_real_fields_takes_a_record_or_the_known_values_that_cover_them() {
    // Nothing known: both need the record or the known fields, and say which.
    let all = planned(&Fixtures::empty(), &options());
    assert_eq!(
        reason_of(&all, NAME_CHECK),
        Some(
            "the target's fixtures have no bank account \"valid\" and bankAccounts.known lacks bankCode, bankAccount, birthDate (add bankAccounts.valid to the fixtures)"
        )
    );
    assert!(reason_of(&all, BIRTH_DATE_CHECK).is_some());
    // A made-up account needs nothing real.
    assert_eq!(reason_of(&all, MADE_UP_ACCOUNT), None);

    // The account is known but not its holder's birth date: only the birth-date check runs.
    let all = planned(
        &with_known_bank_fields(&[("bankCode", "003"), ("bankAccount", "333015555557")]),
        &options(),
    );
    assert_eq!(reason_of(&all, BIRTH_DATE_CHECK), None);
    assert!(
        reason_of(&all, NAME_CHECK).is_some_and(|r| r.contains("lacks birthDate (")),
        "{:?}",
        reason_of(&all, NAME_CHECK)
    );

    // A whole record serves both.
    let all = planned(&with_seeded_role("bankAccounts", "valid"), &options());
    assert_eq!(reason_of(&all, NAME_CHECK), None);
    assert_eq!(reason_of(&all, BIRTH_DATE_CHECK), None);
}

#[test]
fn a_member_found_through_a_card_needs_the_card_not_a_member() {
    let all = planned(&Fixtures::empty(), &options());
    assert_eq!(
        reason_of(&all, FOUND_MEMBER),
        Some("the target's fixtures have no card \"active\" (add cards.active to the fixtures)")
    );
    let all = planned(&with_seeded_role("cards", "active"), &options());
    assert_eq!(reason_of(&all, FOUND_MEMBER), None);
    // The member roles still need their records.
    assert!(
        all.values()
            .filter(|s| s
                .name
                .contains("A member's authentication state is reported"))
            .all(|s| s.not_verified.is_some())
    );
}

#[rstest::rstest]
#[case::no_link(
    "Given the member found by asking about the bank account \"valid\"",
    "has no foundThrough link from bank-account-valid"
)]
#[case::undeclared_role(
    "Given the member found by asking about the card \"lost\"",
    "\"lost\" is not a role of the card-info endpoint's collection"
)]
#[case::no_quoted_field(
    "Given a well-formed bank account inquiry whose account is real",
    "name the fields that must be real in double quotes"
)]
#[case::not_a_request_field(
    "Given a well-formed bank account inquiry whose \"cardNo\" is real",
    "\"cardNo\" is not a request field of bank-account-valid"
)]
fn a_step_that_names_what_the_catalogue_lacks_is_a_broken_scenario(
    #[case] step: &str,
    #[case] reason: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.feature"),
        format!(
            "Feature: broken\n  @read-only\n  Scenario: one\n    {step}\n    When the request is sent\n    Then the target answers \"success\"\n"
        ),
    )
    .unwrap();
    let err = plan(
        load_features(Some(dir.path())).unwrap(),
        &seeded_fixtures(),
        &options(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, PlanError::Scenario { .. }) && err.to_string().contains(reason),
        "{err}"
    );
}
