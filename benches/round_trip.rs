//! One full signed request/response round trip against the in-process sandbox, over
//! loopback HTTP/1.1 with a kept-alive connection: build, (encrypt), sign, send, receive,
//! (decrypt). The client and the sandbox are started once, as in a run.
//!
//! Run with `cargo bench --bench round_trip`. The sandbox runs in the same process and on
//! the same cores, so a figure includes the server's work (for an encrypted request: its
//! RSA unwrap of the request key and its encryption of the answer).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kona_conformance::client::{KonaClient, RequestSpec, TargetKind, TransportOptions};
use kona_conformance::contract::Contract;
use kona_conformance::judge::answer;
use kona_conformance::sandbox::{self, Sandbox, SandboxConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn configure() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

fn card_info(c: &mut Criterion) {
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
    let body = serde_json::to_vec(&serde_json::json!({ "cardNo": card_no })).expect("body");

    let mut rng = StdRng::seed_from_u64(1);
    let mut group = c.benchmark_group("round_trip/card-info");
    for (name, encrypt) in [("plain", false), ("encrypted", true)] {
        let spec = RequestSpec {
            endpoint_id: endpoint.id.clone(),
            path: endpoint.path.clone(),
            body: body.clone(),
            encrypt,
            ..RequestSpec::default()
        };
        // A round trip that does not succeed would measure an error path.
        let exchange = rt.block_on(client.send(&spec, &mut rng));
        let response = exchange.response.as_ref().expect("the sandbox answers");
        assert_eq!(response.status, 200, "{name}: {exchange:?}");
        assert_eq!(
            encrypt,
            response.plaintext.is_some(),
            "{name}: the answer is encrypted exactly when the request is"
        );
        let findings = answer::automatic(contract, endpoint, TargetKind::Embedded, &exchange);
        assert!(findings.is_empty(), "{name}: {findings:?}");

        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(client.send(black_box(&spec), &mut rng)))
        });
        // The same, plus the automatic contract checks every exchange gets in a scenario.
        group.bench_function(format!("{name}+checks"), |b| {
            b.iter(|| {
                let exchange = rt.block_on(client.send(black_box(&spec), &mut rng));
                answer::automatic(contract, endpoint, TargetKind::Embedded, &exchange)
            })
        });
    }
    group.finish();
    rt.block_on(sandbox.shutdown());
}

criterion_group! {
    name = benches;
    config = configure();
    targets = card_info
}
criterion_main!(benches);
