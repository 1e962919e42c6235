//! The work the harness does on one exchange once its answer is in: the judge (the
//! automatic checks and the expectation of a generated case), and the exchange's way out
//! (a redactor for it, its exchange-log line redacted and serialised for the journal).
//! One real exchange is captured from the in-process sandbox first, so nothing here
//! measures the network.
//!
//! Run with `cargo bench --bench judge`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kona_conformance::capture::journal::{recorded_from_exchange, redact_recorded};
use kona_conformance::client::{KonaClient, RequestSpec, TransportOptions};
use kona_conformance::contract::Contract;
use kona_conformance::judge::answer;
use kona_conformance::redact::Redactor;
use kona_conformance::sandbox::{self, Sandbox, SandboxConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn configure() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

fn judge(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let contract = Contract::shared().expect("the embedded contract compiles");
    let endpoint = contract.endpoint("card-info").expect("card-info endpoint");
    let sandbox = rt
        .block_on(Sandbox::start(SandboxConfig::for_certification()))
        .expect("sandbox starts");
    let client = KonaClient::new(
        sandbox::embedded_target(&sandbox.base_url()),
        &TransportOptions::default(),
    )
    .expect("client builds");
    let fixtures = sandbox::seeded_fixtures();
    let card_no = &fixtures.role("cards", "active").expect("an active card")["cardNo"];
    let spec = RequestSpec {
        endpoint_id: endpoint.id.clone(),
        path: endpoint.path.clone(),
        body: serde_json::to_vec(&serde_json::json!({ "cardNo": card_no })).expect("body"),
        ..RequestSpec::default()
    };
    let exchange = rt.block_on(client.send(&spec, &mut StdRng::seed_from_u64(1)));
    assert_eq!(exchange.response.as_ref().map(|r| r.status), Some(200));
    let expected = contract
        .catalogue
        .expected(&endpoint.id, "success", None)
        .expect("card-info documents its success");
    let requirement = contract
        .catalogue
        .answer_requirement(endpoint, "success")
        .unwrap_or_default();
    let blame = answer::Blame::same(&requirement);
    let kind = kona_conformance::client::TargetKind::Embedded;
    // What a run's journal starts from: its secrets and the fixtures' personal values.
    let mut run_redactor = Redactor::new();
    if let Ok(v) = serde_json::from_str(&fixtures.to_json()) {
        run_redactor.learn_json(&v);
    }
    run_redactor.prepare();

    let mut group = c.benchmark_group("judge/card-info");
    group.bench_function("automatic checks", |b| {
        b.iter(|| {
            black_box(answer::automatic(
                contract,
                endpoint,
                kind,
                black_box(&exchange),
            ))
        })
    });
    group.bench_function("automatic checks and expectation", |b| {
        b.iter(|| {
            let found = answer::automatic(contract, endpoint, kind, black_box(&exchange));
            let expectation = answer::expectation(
                contract,
                endpoint,
                kind,
                &exchange,
                &expected,
                &blame,
                "a valid request from the fixtures",
                false,
            );
            black_box((found, expectation))
        })
    });
    group.bench_function("journal line (redactor, redact, serialise)", |b| {
        b.iter(|| {
            let r = run_redactor.for_exchange(black_box(&exchange));
            let line = kona_conformance::capture::ndjson::line(&redact_recorded(
                &recorded_from_exchange(&exchange),
                &r,
            ));
            black_box(r.filter_bytes(line.as_bytes()))
        })
    });
    group.finish();
    rt.block_on(sandbox.shutdown());
}

criterion_group! {
    name = benches;
    config = configure();
    targets = judge
}
criterion_main!(benches);
