//! Cryptography every request pays for: the tran token, the correlation id and the JWE.
//!
//! Run with `cargo bench --bench crypto`. Keys come from `test-keys/` (public test keys);
//! encryption is to the sandbox server's public key, decryption with the test client's
//! private key, as a client does it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kona_conformance::crypto::{
    ContentEncryption, TimeZoneName, correlation_id, jwe, now_in, private_key_from_pem,
    public_key_from_pem, token_time, tran_token,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

const SERVER_PUBLIC: &str = include_str!("../test-keys/server-public.pem");
const CLIENT_PUBLIC: &str = include_str!("../test-keys/client-public.pem");
const CLIENT_PRIVATE: &str = include_str!("../test-keys/client-private.pem");

/// A card-info request body, as signed on the wire.
const SMALL_BODY: &[u8] = br#"{"cardNo":"9491339401250765"}"#;
/// 32 bytes, the size of the secret keys the portal issues.
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const TOKEN_TIME: &str = "20251121103500123";

/// A 4 KiB JSON body (a long card-info request padded with a filler field).
fn body_4k() -> Vec<u8> {
    let mut body = br#"{"cardNo":"9491339401250765","filler":""#.to_vec();
    body.resize(4096 - 2, b'x');
    body.extend_from_slice(br#""}"#);
    assert_eq!(body.len(), 4096);
    body
}

fn configure() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

fn token(c: &mut Criterion) {
    let mut group = c.benchmark_group("tran_token");
    let big = body_4k();
    for (name, body) in [("small", SMALL_BODY), ("4KiB", big.as_slice())] {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| tran_token(black_box(SECRET), black_box(TOKEN_TIME), black_box(body)))
        });
    }
    group.finish();
}

fn ids(c: &mut Criterion) {
    let now = now_in(TimeZoneName::Kst);
    let mut rng = StdRng::seed_from_u64(1);
    c.bench_function("correlation_id", |b| {
        b.iter(|| correlation_id(black_box(&now), &mut rng))
    });
    c.bench_function("token_time", |b| b.iter(|| token_time(black_box(&now))));
}

fn jwe_roundtrip(c: &mut Criterion) {
    let server_public = public_key_from_pem(SERVER_PUBLIC).expect("server public key");
    let client_public = public_key_from_pem(CLIENT_PUBLIC).expect("client public key");
    let client_private = private_key_from_pem(CLIENT_PRIVATE).expect("client private key");

    let mut group = c.benchmark_group("jwe");
    group.bench_function("encrypt_A128GCM_RSA-OAEP-256", |b| {
        b.iter(|| {
            jwe::encrypt(
                black_box(SMALL_BODY),
                &server_public,
                ContentEncryption::A128Gcm,
                None,
            )
            .expect("encrypts")
        })
    });
    // What the server answers: encrypted to the client's key, decrypted with its private key.
    let compact = jwe::encrypt(SMALL_BODY, &client_public, ContentEncryption::A128Gcm, None)
        .expect("encrypts");
    group.bench_function("decrypt_A128GCM_RSA-OAEP-256", |b| {
        b.iter(|| jwe::decrypt(black_box(&compact), &client_private).expect("decrypts"))
    });
    group.finish();
}

/// What it would cost to parse a key per request instead of once per run.
fn keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_from_pem");
    group.bench_function("public_spki", |b| {
        b.iter(|| public_key_from_pem(black_box(SERVER_PUBLIC)).expect("parses"))
    });
    group.bench_function("private_pkcs8", |b| {
        b.iter(|| private_key_from_pem(black_box(CLIENT_PRIVATE)).expect("parses"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = configure();
    targets = token, ids, jwe_roundtrip, keys
}
criterion_main!(benches);
