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
