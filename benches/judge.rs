//! The work the harness does on one exchange once its answer is in: the judge (the
//! automatic checks and the expectation of a generated case), and the exchange's way out
//! (its journal line made as `run` makes it, with bodies new and bodies met before). Each
//! iteration gets the exchange with its parse-once caches empty, as a run does. One real
//! exchange is captured from the in-process sandbox first, so nothing here
//! measures the network.
//!
//! Run with `cargo bench --bench judge`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kona_conformance::capture::journal::{BodyCache, line_of};
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

    // As in a run, each iteration meets the answer unparsed: the exchange's parse-once
    // caches start empty, so the body's parse is part of what is measured.
    let fresh = || {
        let mut e = exchange.clone();
        if let Some(r) = e.response.as_mut() {
            r.parsed = Default::default();
        }
        e
    };

    let mut group = c.benchmark_group("judge/card-info");
    group.bench_function("automatic checks", |b| {
        b.iter_batched(
            fresh,
            |exchange| black_box(answer::automatic(contract, endpoint, kind, &exchange)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("automatic checks and expectation", |b| {
        b.iter_batched(
            fresh,
            |exchange| {
                let found = answer::automatic(contract, endpoint, kind, &exchange);
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
            },
            BatchSize::SmallInput,
        )
    });
    // The run's journal path: a line made as `run` makes it, first with bodies never seen
    // (each parsed, learned from and masked), then with bodies the run has met before.
    group.bench_function("journal line, bodies new", |b| {
        b.iter_batched(
            fresh,
            |exchange| black_box(line_of(&exchange, &run_redactor, &mut BodyCache::default())),
            BatchSize::SmallInput,
        )
    });
    let mut seen = BodyCache::default();
    group.bench_function("journal line, bodies seen before", |b| {
        b.iter_batched(
            fresh,
            |exchange| black_box(line_of(&exchange, &run_redactor, &mut seen)),
            BatchSize::SmallInput,
        )
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
