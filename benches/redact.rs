//! Redaction of a hostile target's largest bodies (1 MB: Hangul, binary noise, deep JSON,
//! a near-miss of every pattern), through the path a report takes: `Redactor::body`, and the
//! final byte filter over an artifact of that size. Linear time is the point: each should
//! take well under 50 ms.
//!
//! Run with `cargo bench --bench redact`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kona_conformance::report::Redactor;
use kona_conformance::secret::Secret;

const MB: usize = 1_000_000;

fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    let hangul = format!(
        r#"{{"result":{{"code":"999_999","message":"{}"}}}}"#,
        "가나다라 마바사 userName 홍길동 ".repeat(MB / 40)
    );
    // xorshift noise: reproducible, no UTF-8 structure.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..MB)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let one = format!("{}{}", "[".repeat(120), "]".repeat(120));
    let deep = format!("[{}]", vec![one; MB / 242].join(","));
    // Field names everywhere, values that never close: the patterns' worst case.
    let near_miss = "cardNo: \"9491 userName=\u{D64D} KMV1:20250101 -----BEGIN ".repeat(MB / 50);
    vec![
        ("hangul", hangul.into_bytes()),
        ("noise", noise),
        ("deep-json", deep.into_bytes()),
        ("near-miss", near_miss.into_bytes()),
    ]
}

fn redactor() -> Redactor {
    let mut r = Redactor::new();
    r.add_secret(&Secret::new("CANARY-SECRET-KEY-\"<&>'-홍길동-5c1e9a7b3d"));
    r.add_secret(&Secret::new("CANARY-ACCESS-KEY-7f3a9c2e5b8d1f4a6c0e9b"));
    r.learn_bytes(
        r#"{"userName":"홍길동","cardNo":"9491337711220765","bankAccount":"110733994412"}"#
            .as_bytes(),
    );
    r.prepare();
    r
}

fn redaction(c: &mut Criterion) {
    let r = redactor();
    let mut group = c.benchmark_group("redact-1MB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for (name, body) in bodies() {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(format!("body/{name}"), |b| {
            b.iter(|| black_box(r.body(black_box(&body))))
        });
        group.bench_function(format!("filter_bytes/{name}"), |b| {
            b.iter(|| black_box(r.filter_bytes(black_box(&body))))
        });
    }
    group.finish();
}

criterion_group!(benches, redaction);
criterion_main!(benches);
