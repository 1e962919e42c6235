//! The suite proves its own power: against the faithful sandbox it is green, and against a
//! sandbox with any one fault injected it fails (the fault is "killed").

use kona_conformance::mutants::{MutantsOptions, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_killed_and_the_faithful_run_is_green() {
    let report = run(&MutantsOptions::default()).await.expect("mutants run");
    println!("{}", report.render());
    assert!(report.faithful_green(), "{}", report.render());
    let survivors: Vec<_> = report.survivors().filter_map(|m| m.fault.clone()).collect();
    assert!(
        survivors.is_empty(),
        "faults survived: {survivors:?}\n{}",
        report.render()
    );
    assert_eq!(
        report.mutants.len(),
        kona_conformance::sandbox::Fault::ALL.len()
    );
}

/// An endpoint added as data gets faults derived from what its contract says (each
/// documented answer's message and status, an accepted rejection, each response field, each
/// rule between fields): the example's own features kill every one, and a named fault of an
/// endpoint those features never send to is reported as not run rather than as survived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_endpoint_gets_its_own_faults_and_the_features_kill_them() {
    use kona_conformance::contract::Contract;
    use kona_conformance::sandbox::{Fault, Mutation};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/card-transactions");
    let contract = Contract::resolve(Some(&dir.join("contract"))).unwrap();
    let features =
        kona_conformance::runner::plan::load_features(Some(&dir.join("features"))).unwrap();
    let mutations = kona_conformance::mutants::derived_mutations(contract, &features, false);
    let endpoint = contract.endpoint("example-card-transactions").unwrap();
    assert_eq!(mutations, Mutation::derive(contract, endpoint));
    for kind in [
        "message:",
        "status:",
        "accepted:",
        "drop-field:",
        "field-type:",
        "ignore-field-rule:",
    ] {
        assert!(
            mutations.iter().any(|m| m.to_string().starts_with(kind)),
            "no {kind} mutation"
        );
    }
    let report = run(&MutantsOptions {
        contract: Some(contract),
        features: Some(dir.join("features")),
        faults: vec![Fault::AcceptLongCardNo, Fault::NoCorrelationEcho],
        mutations: mutations.clone(),
        generated_per_endpoint: 20,
        ..MutantsOptions::default()
    })
    .await
    .expect("mutants run");
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.mutants.len(), mutations.len() + 1);
    assert_eq!(
        report.not_applicable,
        vec!["accept-long-card-no".to_owned()]
    );
    assert!(report.unreached.is_empty(), "{}", report.render());
    // A target that does not evaluate a rule between fields never has that rule verified:
    // the rule's own requirement is what fails, not some other check that happens to trip.
    for (index, rule) in endpoint.field_rules.iter().enumerate() {
        let name = Mutation::IgnoreFieldRule {
            endpoint: endpoint.id.clone(),
            index,
        }
        .to_string();
        let outcome = report
            .mutants
            .iter()
            .find(|m| m.fault.as_deref() == Some(name.as_str()))
            .unwrap();
        let requirement = contract
            .catalogue
            .answer_requirement(endpoint, rule.answer())
            .unwrap();
        assert!(
            outcome.caught_by.contains(&requirement),
            "{name}: caught by {:?}, not {requirement}",
            outcome.caught_by
        );
    }
}
