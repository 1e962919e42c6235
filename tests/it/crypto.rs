//! Integration tests for `kona_conformance::crypto`: known answers computed outside
//! this code, JWE vectors made by another JOSE implementation, one negative test
//! per rejection rule, and property tests that hostile input never panics.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, FixedOffset, TimeZone, Timelike};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use rstest::rstest;

use kona_conformance::crypto::jwe::{self, ContentEncryption, JweError, JwePart};
use kona_conformance::crypto::{
    KeyError, TOKEN_LEN, TimeZoneName, TokenError, correlation_id, is_correlation_id,
    parse_token_time, parse_tran_time, parse_tran_token, private_key_from_pem, public_key_from_pem,
    read_private_key_file, read_public_key_file, token_time, tran_time, tran_token,
    verify_tran_token,
};

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

static CLIENT_PRIVATE: LazyLock<RsaPrivateKey> =
    LazyLock::new(|| private_key_from_pem(&read("test-keys/client-private.pem")).unwrap());
static CLIENT_PUBLIC: LazyLock<RsaPublicKey> =
    LazyLock::new(|| public_key_from_pem(&read("test-keys/client-public.pem")).unwrap());
static SERVER_PUBLIC: LazyLock<RsaPublicKey> =
    LazyLock::new(|| public_key_from_pem(&read("test-keys/server-public.pem")).unwrap());

// ---------------------------------------------------------------------------
// Tran token: known answers.
//
// Expected tokens were computed with Python's standard library, not with this crate:
//
//   python3 -c 'import hmac,hashlib,base64,sys; s,t,b=sys.argv[1:]; \
//     print("KMV1:%s:%s" % (t, base64.b64encode(hmac.new(s.encode(), b.encode(), \
//     hashlib.sha256).digest()).decode()))' SECRET TIME BODY
//
// and the MACs of rows 1-3 and 7 were cross-checked with OpenSSL:
//
//   printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
//
// (OpenSSL refuses an empty -hmac key, so row 6 is Python only.)
// ---------------------------------------------------------------------------

const SECRET: &str = "kona-test-secret";

#[rstest]
#[case::ascii_json(
    SECRET,
    "20260115093000123",
    r#"{"userId":"u-001","amount":15000}"#,
    "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE="
)]
#[case::hangul_json(
    SECRET,
    "20260115093000123",
    r#"{"userName":"홍길동","memo":"안녕하세요"}"#,
    "KMV1:20260115093000123:RWVhmUgG4gTbLiZq1rD3Sl/XxoROUS+U4Zi7slMKeIE="
)]
#[case::empty_body(
    SECRET,
    "20260115093000123",
    "",
    "KMV1:20260115093000123:3zLdlBKsjrsqLp8VnxgvjiQ5eYcXMeWd8uSTxBlJr7k="
)]
#[case::enc_data_wrapper(
    SECRET,
    "20261231235959999",
    r#"{"encData":"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0.a2V5.aXY.Y3Q.dGFn"}"#,
    "KMV1:20261231235959999:AiVtEleznXJ4TAFGwoKnCPFE4M1gIHd67SJ0ZganrCU="
)]
#[case::trailing_newline_changes_the_mac(
    SECRET,
    "20260115093000123",
    "{\"userId\":\"u-001\",\"amount\":15000}\n",
    "KMV1:20260115093000123:XE28gmdom4Y2SGgnCs0mLgdFh1q470SotxZXRHOYkeQ="
)]
#[case::empty_secret(
    "",
    "20260101000000000",
    "{}",
    "KMV1:20260101000000000:IvjuqQlACvmK3zaBqfMZI+9rf8ukq7VT2Sgjo+nVwl4="
)]
#[case::secret_longer_than_a_sha256_block(
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
    "20260101000000000",
    "{}",
    "KMV1:20260101000000000:tonlDluktpXQeFgiUe2E/Bqqzy3B3IdqOtIWgSHQl8k="
)]
fn tran_token_known_answers(
    #[case] secret: &str,
    #[case] time: &str,
    #[case] body: &str,
    #[case] expected: &str,
) {
    let token = tran_token(secret.as_bytes(), time, body.as_bytes());
    assert_eq!(token, expected);
    assert_eq!(token.len(), TOKEN_LEN);
    let parsed = verify_tran_token(secret.as_bytes(), body.as_bytes(), expected).unwrap();
    assert_eq!(parsed.time, time);
    let mut wrong_body = body.as_bytes().to_vec();
    wrong_body.push(b' ');
    assert_eq!(
        verify_tran_token(secret.as_bytes(), &wrong_body, expected),
        Err(TokenError::Mismatch)
    );
}

// One row per format rule. GOOD is a well-formed token to mutate.
const GOOD: &str = "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=";

#[rstest]
#[case::empty("", TokenError::MissingPrefix)]
#[case::lowercase_prefix(
    "kmv1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::MissingPrefix
)]
#[case::other_version(
    "KMV2:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::MissingPrefix
)]
#[case::too_short(
    "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE",
    TokenError::WrongLength { found: 66 }
)]
#[case::too_long(
    "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE==",
    TokenError::WrongLength { found: 68 }
)]
#[case::trailing_newline(
    "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=\n",
    TokenError::WrongLength { found: 68 }
)]
#[case::time_of_14_digits(
    "KMV1:20260115093000:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::WrongLength { found: 64 }
)]
#[case::letter_in_time(
    "KMV1:2026011509300012x:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::BadTime
)]
#[case::time_of_18_digits(
    "KMV1:202601150930001234xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::MissingSeparator
)]
#[case::time_of_16_digits(
    "KMV1:2026011509300012:AxE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::BadTime
)]
#[case::other_separator(
    "KMV1:20260115093000123;xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::MissingSeparator
)]
#[case::url_safe_alphabet(
    "KMV1:20260115093000123:xE-7-KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=",
    TokenError::BadMac
)]
#[case::padding_missing(
    "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeEA",
    TokenError::BadMac
)]
#[case::non_canonical_trailing_bits(
    "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeF=",
    TokenError::BadMac
)]
#[case::mac_of_31_bytes(
    "KMV1:20260115093000123:xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJQ==",
    TokenError::BadMac
)]
fn tran_token_format_rules(#[case] token: &str, #[case] expected: TokenError) {
    assert_eq!(parse_tran_token(token), Err(expected.clone()));
    // Same answer with a key: format is checked before the MAC.
    assert_eq!(
        verify_tran_token(SECRET.as_bytes(), b"{}", token),
        Err(expected)
    );
}

#[test]
fn good_token_parses_to_its_parts() {
    let parsed = parse_tran_token(GOOD).unwrap();
    assert_eq!(parsed.time, "20260115093000123");
    assert_eq!(
        parsed.mac.to_vec(),
        base64::engine::general_purpose::STANDARD
            .decode("xE+7+KigDgcTJduR905By8MuxSUkho7I9m0dv4aUJeE=")
            .unwrap()
    );
}

// ---------------------------------------------------------------------------
// Times and correlation ids.
// ---------------------------------------------------------------------------

fn kst(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> DateTime<FixedOffset> {
    TimeZoneName::Kst
        .offset()
        .with_ymd_and_hms(y, mo, d, h, mi, s)
        .unwrap()
        .with_nanosecond(ms * 1_000_000)
        .unwrap()
}

#[rstest]
#[case::kst(
    TimeZoneName::Kst,
    "20260301080506",
    "20260301080506042",
    "260301080506-"
)]
#[case::utc_is_the_day_before(
    TimeZoneName::Utc,
    "20260228230506",
    "20260228230506042",
    "260228230506-"
)]
fn times_follow_the_named_zone(
    #[case] zone: TimeZoneName,
    #[case] tran: &str,
    #[case] token: &str,
    #[case] id_prefix: &str,
) {
    let now = kst(2026, 3, 1, 8, 5, 6, 42).with_timezone(&zone.offset());
    assert_eq!(tran_time(&now), tran);
    assert_eq!(token_time(&now), token);
    let id = correlation_id(&now, &mut StdRng::seed_from_u64(1));
    assert!(id.starts_with(id_prefix), "{id}");
    assert_eq!(
        parse_tran_time(tran, zone),
        Some(now.with_nanosecond(0).unwrap())
    );
    assert_eq!(parse_token_time(token, zone), Some(now));
}

#[test]
fn times_have_fixed_widths_at_the_edges() {
    for now in [
        kst(2026, 1, 1, 0, 0, 0, 0),
        kst(2026, 12, 31, 23, 59, 59, 999),
        kst(2028, 2, 29, 12, 0, 0, 1),
    ] {
        assert_eq!(tran_time(&now).len(), 14);
        assert_eq!(token_time(&now).len(), 17);
        assert!(tran_time(&now).bytes().all(|b| b.is_ascii_digit()));
        assert!(token_time(&now).bytes().all(|b| b.is_ascii_digit()));
    }
}

#[test]
fn correlation_ids_are_20_chars_lowercase_hex_and_vary() {
    let now = kst(2026, 7, 8, 9, 10, 11, 0);
    let mut rng = StdRng::seed_from_u64(42);
    let ids: std::collections::HashSet<String> =
        (0..100).map(|_| correlation_id(&now, &mut rng)).collect();
    assert!(ids.len() > 95, "random suffixes should rarely repeat");
    for id in &ids {
        assert_eq!(id.len(), 20);
        assert_eq!(&id[..13], "260708091011-");
        assert!(
            id[13..]
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        assert!(is_correlation_id(id));
    }
}

#[rstest]
#[case::lowercase("260708091011-0a1b2c3", true)]
#[case::uppercase_hex_accepted("260708091011-0A1B2C3", true)]
#[case::leap_day_2028("280229235959-fffffff", true)]
#[case::not_a_leap_year("260229000000-0000000", false)]
#[case::month_13("261308091011-0a1b2c3", false)]
#[case::day_32("260132091011-0a1b2c3", false)]
#[case::hour_24("260708241011-0a1b2c3", false)]
#[case::second_60("260708091060-0a1b2c3", false)]
#[case::six_hex("260708091011-0a1b2c", false)]
#[case::eight_hex("260708091011-0a1b2c3d", false)]
#[case::non_hex("260708091011-0a1b2cg", false)]
#[case::underscore("260708091011_0a1b2c3", false)]
#[case::four_digit_year("20260708091011-0a1b", false)]
#[case::empty("", false)]
#[case::multibyte_20_bytes("가나다라마바-01", false)]
fn correlation_id_format(#[case] id: &str, #[case] ok: bool) {
    assert_eq!(is_correlation_id(id), ok, "{id:?}");
}

#[rstest]
#[case::kst("KST", Some(TimeZoneName::Kst))]
#[case::utc("UTC", Some(TimeZoneName::Utc))]
#[case::lower("kst", None)]
#[case::other("JST", None)]
#[case::padded(" KST", None)]
fn time_zone_names(#[case] s: &str, #[case] expected: Option<TimeZoneName>) {
    assert_eq!(s.parse::<TimeZoneName>().ok(), expected);
}

#[rstest]
#[case::thirteen_digits("2026030109050")]
#[case::fifteen_digits("202603010905060")]
#[case::feb_30("20260230090506")]
#[case::letters("2026030109050x")]
#[case::signed("+2026030109050")]
fn bad_tran_times(#[case] s: &str) {
    assert_eq!(parse_tran_time(s, TimeZoneName::Kst), None);
}

// ---------------------------------------------------------------------------
// Keys.
// ---------------------------------------------------------------------------

#[test]
fn every_public_form_yields_the_same_key() {
    let private = &*CLIENT_PRIVATE;
    let expected = private.to_public_key();
    // PKCS#1 forms are made here from the committed PKCS#8 key.
    let pkcs1_private = private.to_pkcs1_pem(LineEnding::LF).unwrap();
    let pkcs1_public = expected.to_pkcs1_pem(LineEnding::LF).unwrap();
    assert_eq!(private_key_from_pem(&pkcs1_private).unwrap(), *private);
    assert_eq!(public_key_from_pem(&pkcs1_public).unwrap(), expected);
    assert_eq!(*CLIENT_PUBLIC, expected);
    assert_eq!(
        public_key_from_pem(&read("test-keys/client-cert.pem")).unwrap(),
        expected
    );
    // CRLF line endings, as files edited on Windows have.
    let crlf = read("test-keys/client-cert.pem").replace('\n', "\r\n");
    assert_eq!(public_key_from_pem(&crlf).unwrap(), expected);
}

#[rstest]
#[case::server("server")]
#[case::client("client")]
fn key_files_load_and_match(#[case] who: &str) {
    let private =
        read_private_key_file(&repo_path(&format!("test-keys/{who}-private.pem"))).unwrap();
    let public = read_public_key_file(&repo_path(&format!("test-keys/{who}-public.pem"))).unwrap();
    let cert = read_public_key_file(&repo_path(&format!("test-keys/{who}-cert.pem"))).unwrap();
    assert_eq!(private.to_public_key(), public);
    assert_eq!(cert, public);
    assert_eq!(rsa::traits::PublicKeyParts::size(&public), 256, "RSA-2048");
}

#[test]
fn certificate_chain_yields_the_first_certificate() {
    let chain = read("test-keys/server-cert.pem") + &read("test-keys/client-cert.pem");
    assert_eq!(public_key_from_pem(&chain).unwrap(), *SERVER_PUBLIC);
}

#[test]
fn key_errors_name_the_rule_not_the_material() {
    let pem = read("test-keys/client-private.pem");
    // Damage the base64 body in the middle.
    let body_line = pem.lines().nth(5).unwrap().to_owned();
    let damaged = pem.replacen(&body_line, &body_line.replace(['A', 'B', 'C'], "!"), 1);
    let err = private_key_from_pem(&damaged).unwrap_err();
    assert!(matches!(err, KeyError::Decode { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!shown.contains(line), "error shows key material: {shown}");
    }

    assert!(matches!(
        private_key_from_pem(&read("test-keys/client-public.pem")),
        Err(KeyError::UnexpectedLabel { .. })
    ));
    assert!(matches!(
        public_key_from_pem(&read("test-keys/client-private.pem")),
        Err(KeyError::UnexpectedLabel { .. })
    ));
    assert!(matches!(
        private_key_from_pem(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        ),
        Err(KeyError::EncryptedPrivateKey)
    ));
    assert!(matches!(
        public_key_from_pem("just text"),
        Err(KeyError::NoPemBlock)
    ));
}

#[test]
fn key_file_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pem");
    let err = read_private_key_file(&missing).unwrap_err();
    assert!(matches!(err, KeyError::Read { .. }));
    assert!(err.to_string().contains("nope.pem"), "{err}");

    // A private key where a public one is expected: the path is named, the key is not shown.
    let private_path = repo_path("test-keys/client-private.pem");
    let err = read_public_key_file(&private_path).unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("client-private.pem"), "{shown}");
    assert!(!shown.contains("MII"), "{shown}");

    let big = dir.path().join("big.pem");
    std::fs::write(&big, vec![b'A'; 100 * 1024]).unwrap();
    assert!(matches!(
        read_public_key_file(&big),
        Err(KeyError::FileTooLarge { .. })
    ));

    let binary = dir.path().join("key.der");
    std::fs::write(&binary, [0x30, 0x82, 0xff, 0xfe]).unwrap();
    assert!(matches!(
        read_public_key_file(&binary),
        Err(KeyError::Read { .. })
    ));
}

// ---------------------------------------------------------------------------
// JWE.
// ---------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn header_b64(json: &str) -> String {
    b64(json.as_bytes())
}

/// `compact` with part `index` replaced.
fn with_part(compact: &str, index: usize, value: &str) -> String {
    let mut parts: Vec<&str> = compact.split('.').collect();
    parts[index] = value;
    parts.join(".")
}

static A128_SAMPLE: LazyLock<String> = LazyLock::new(|| {
    jwe::encrypt(
        br#"{"a":1}"#,
        &CLIENT_PUBLIC,
        ContentEncryption::A128Gcm,
        None,
    )
    .unwrap()
});

#[rstest]
#[case::a128_no_kid(
    ContentEncryption::A128Gcm,
    None,
    r#"{"alg":"RSA-OAEP-256","enc":"A128GCM"}"#
)]
#[case::a128_kid(
    ContentEncryption::A128Gcm,
    Some("key-1"),
    r#"{"alg":"RSA-OAEP-256","enc":"A128GCM","kid":"key-1"}"#
)]
#[case::a128_kid_needing_escapes(
    ContentEncryption::A128Gcm,
    Some("a\"b\\c"),
    r#"{"alg":"RSA-OAEP-256","enc":"A128GCM","kid":"a\"b\\c"}"#
)]
#[case::a256(
    ContentEncryption::A256Gcm,
    None,
    r#"{"alg":"RSA-OAEP-256","enc":"A256GCM"}"#
)]
fn round_trip(#[case] enc: ContentEncryption, #[case] kid: Option<&str>, #[case] header: &str) {
    let plaintext = r#"{"userName":"홍길동","userId":9999999999999999999}"#.as_bytes();
    let compact = jwe::encrypt(plaintext, &CLIENT_PUBLIC, enc, kid).unwrap();
    let parts: Vec<&str> = compact.split('.').collect();
    assert_eq!(parts.len(), 5);
    assert_eq!(parts[0], header_b64(header), "protected header bytes");
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[1]).unwrap().len(), 256);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 12);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[4]).unwrap().len(), 16);
    let peeked = jwe::peek_header(&compact).unwrap();
    assert_eq!(peeked.alg, "RSA-OAEP-256");
    assert_eq!(peeked.enc, enc.as_str());
    assert_eq!(peeked.kid.as_deref(), kid);
    assert_eq!(jwe::decrypt(&compact, &CLIENT_PRIVATE).unwrap(), plaintext);
}

#[test]
fn empty_plaintext_round_trips() {
    let compact = jwe::encrypt(b"", &CLIENT_PUBLIC, ContentEncryption::A128Gcm, None).unwrap();
    assert_eq!(compact.split('.').nth(3), Some(""));
    assert_eq!(jwe::decrypt(&compact, &CLIENT_PRIVATE).unwrap(), b"");
}

#[test]
fn each_encryption_uses_a_fresh_key_and_iv() {
    let a = jwe::encrypt(b"same", &CLIENT_PUBLIC, ContentEncryption::A128Gcm, None).unwrap();
    let b = jwe::encrypt(b"same", &CLIENT_PUBLIC, ContentEncryption::A128Gcm, None).unwrap();
    assert_ne!(a.split('.').nth(1), b.split('.').nth(1));
    assert_ne!(a.split('.').nth(2), b.split('.').nth(2));
}

// Vectors made by jwcrypto (tests/vectors/jwe/make_vectors.py), an independent
// JOSE implementation, encrypted to test-keys/client-public.pem. Its headers are
// written with spaces (`{"alg": "RSA-OAEP-256", ...}`), which also shows that the
// AAD is taken from the header as received, not as we would write it.
#[rstest]
#[case::ascii_a128("ascii", "A128GCM")]
#[case::ascii_a256("ascii", "A256GCM")]
#[case::hangul_a128("hangul", "A128GCM")]
#[case::hangul_a256("hangul", "A256GCM")]
#[case::bignum_a128("bignum", "A128GCM")]
#[case::bignum_a256("bignum", "A256GCM")]
fn decrypts_jwcrypto_vectors(#[case] name: &str, #[case] enc: &str) {
    let compact = read(&format!("tests/vectors/jwe/{name}.{enc}.jwe"));
    let expected = std::fs::read(repo_path(&format!("tests/vectors/jwe/{name}.txt"))).unwrap();
    let header = jwe::peek_header(compact.trim()).unwrap();
    assert_eq!(header.alg, "RSA-OAEP-256");
    assert_eq!(header.enc, enc);
    assert_eq!(
        header.kid.as_deref(),
        (name == "ascii").then_some("test-client")
    );
    let plaintext = jwe::decrypt(compact.trim(), &CLIENT_PRIVATE).unwrap();
    assert_eq!(plaintext, expected);
    if name == "bignum" {
        // The digits survive as bytes; nothing here went through a float.
        assert_eq!(plaintext, br#"{"userId":9999999999999999999}"#);
    }
}

/// Cross-check in the other direction, run by hand while developing:
///
///   cargo test --test it -- --ignored crypto::write_vectors_for_jwcrypto
///   python3 tests/vectors/jwe/make_vectors.py --check target/tmp/jwe-from-rust
///
/// jwcrypto decrypted all of them (A128GCM and A256GCM, with and without kid)
/// with client-private.pem. Ignored so the suite never needs Python.
#[test]
#[ignore = "writes files for a manual jwcrypto cross-check"]
fn write_vectors_for_jwcrypto() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jwe-from-rust");
    std::fs::create_dir_all(&dir).unwrap();
    for (file, enc, kid) in [
        ("a128.jwe", ContentEncryption::A128Gcm, None),
        ("a128-kid.jwe", ContentEncryption::A128Gcm, Some("rust-kid")),
        ("a256.jwe", ContentEncryption::A256Gcm, None),
    ] {
        let text = r#"{"from":"rust","name":"홍길동"}"#;
        let compact = jwe::encrypt(text.as_bytes(), &CLIENT_PUBLIC, enc, kid).unwrap();
        std::fs::write(dir.join(file), compact).unwrap();
    }
    println!("wrote {}", dir.display());
}

// One test per rejection rule; each asserts the exact variant.

#[test]
fn rejects_over_one_mebibyte() {
    let huge = "a".repeat(jwe::MAX_COMPACT_LEN + 1);
    assert_eq!(
        jwe::decrypt(&huge, &CLIENT_PRIVATE),
        Err(JweError::TooLarge {
            len: jwe::MAX_COMPACT_LEN + 1,
            max: jwe::MAX_COMPACT_LEN
        })
    );
    assert!(matches!(
        jwe::peek_header(&huge),
        Err(JweError::TooLarge { .. })
    ));
    // And encrypt refuses what decrypt could not read back.
    assert!(matches!(
        jwe::encrypt(
            &vec![0u8; jwe::MAX_COMPACT_LEN],
            &CLIENT_PUBLIC,
            ContentEncryption::A128Gcm,
            None
        ),
        Err(JweError::TooLarge { .. })
    ));
}

#[rstest]
#[case::empty("", 1)]
#[case::three_parts_jws_like("a.b.c", 3)]
#[case::four("a.b.c.d", 4)]
#[case::six("a.b.c.d.e.f", 6)]
fn rejects_wrong_part_count(#[case] compact: &str, #[case] found: usize) {
    assert_eq!(
        jwe::decrypt(compact, &CLIENT_PRIVATE),
        Err(JweError::PartCount { found })
    );
}

#[test]
fn rejects_a_sixth_part_on_a_real_token() {
    let compact = format!("{}.AAAA", *A128_SAMPLE);
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::PartCount { found: 6 })
    );
}

/// `part` padded with `A`s to a length no base64 string can have (4n+1).
fn impossible_length(part: &str) -> String {
    let mut s = format!("{part}A");
    while s.len() % 4 != 1 {
        s.push('A');
    }
    s
}

#[rstest]
#[case::header(0, JwePart::ProtectedHeader)]
#[case::encrypted_key(1, JwePart::EncryptedKey)]
#[case::iv(2, JwePart::Iv)]
#[case::ciphertext(3, JwePart::Ciphertext)]
#[case::tag(4, JwePart::Tag)]
fn rejects_bad_base64url_in_each_part(#[case] index: usize, #[case] part: JwePart) {
    let original = A128_SAMPLE.split('.').nth(index).unwrap().to_owned();
    for bad in [
        format!("{original}+"),       // standard alphabet, not url-safe
        format!("{original}/"),       // ditto
        format!("{original}="),       // padding is not allowed
        format!("{original}!"),       // not base64 at all
        format!("{original} "),       // whitespace
        impossible_length(&original), // 4n+1 characters
    ] {
        let compact = with_part(&A128_SAMPLE, index, &bad);
        assert_eq!(
            jwe::decrypt(&compact, &CLIENT_PRIVATE),
            Err(JweError::Base64 { part }),
            "{part}: {bad:?}"
        );
    }
}

#[rstest]
#[case::not_json("alg=RSA-OAEP-256")]
#[case::array(r#"["RSA-OAEP-256","A128GCM"]"#)]
#[case::missing_enc(r#"{"alg":"RSA-OAEP-256"}"#)]
#[case::missing_alg(r#"{"enc":"A128GCM"}"#)]
#[case::alg_not_a_string(r#"{"alg":1,"enc":"A128GCM"}"#)]
#[case::duplicate_alg(r#"{"alg":"RSA-OAEP-256","alg":"RSA-OAEP-256","enc":"A128GCM"}"#)]
#[case::truncated(r#"{"alg":"RSA-OAEP-256","enc":"A128GCM""#)]
#[case::trailing_garbage(r#"{"alg":"RSA-OAEP-256","enc":"A128GCM"}x"#)]
fn rejects_header_that_is_not_the_json_expected(#[case] header: &str) {
    let compact = with_part(&A128_SAMPLE, 0, &header_b64(header));
    let err = jwe::decrypt(&compact, &CLIENT_PRIVATE).unwrap_err();
    assert!(matches!(err, JweError::HeaderNotJson { .. }), "{err:?}");
    assert!(matches!(
        jwe::peek_header(&compact),
        Err(JweError::HeaderNotJson { .. })
    ));
}

#[test]
fn rejects_header_bytes_that_are_not_utf8() {
    let compact = with_part(
        &A128_SAMPLE,
        0,
        &b64(b"{\"alg\":\"\xff\",\"enc\":\"A128GCM\"}"),
    );
    assert!(matches!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::HeaderNotJson { .. })
    ));
}

#[rstest]
#[case::rsa_oaep_sha1("RSA-OAEP")]
#[case::rsa1_5("RSA1_5")]
#[case::direct("dir")]
#[case::none("none")]
#[case::lowercase("rsa-oaep-256")]
#[case::ecdh("ECDH-ES+A128KW")]
fn rejects_unsupported_alg(#[case] alg: &str) {
    let header = format!(r#"{{"alg":"{alg}","enc":"A128GCM"}}"#);
    let compact = with_part(&A128_SAMPLE, 0, &header_b64(&header));
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::UnsupportedAlg { alg: alg.into() })
    );
    // peek_header does not judge alg/enc.
    assert_eq!(jwe::peek_header(&compact).unwrap().alg, alg);
}

#[test]
fn unsupported_values_are_clipped_in_errors() {
    let long_alg = "X".repeat(5000);
    let header = format!(r#"{{"alg":"{long_alg}","enc":"A128GCM"}}"#);
    let compact = with_part(&A128_SAMPLE, 0, &header_b64(&header));
    let err = jwe::decrypt(&compact, &CLIENT_PRIVATE).unwrap_err();
    assert!(err.to_string().len() < 200, "{err}");
}

#[rstest]
#[case::cbc_hs256("A128CBC-HS256")]
#[case::a192gcm("A192GCM")]
#[case::lowercase("a128gcm")]
#[case::empty("")]
fn rejects_unsupported_enc(#[case] enc: &str) {
    let header = format!(r#"{{"alg":"RSA-OAEP-256","enc":"{enc}"}}"#);
    let compact = with_part(&A128_SAMPLE, 0, &header_b64(&header));
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::UnsupportedEnc { enc: enc.into() })
    );
}

#[test]
fn rejects_zip() {
    let header = r#"{"alg":"RSA-OAEP-256","enc":"A128GCM","zip":"DEF"}"#;
    let compact = with_part(&A128_SAMPLE, 0, &header_b64(header));
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::ZipNotSupported)
    );
}

#[test]
fn rejects_crit() {
    let header = r#"{"alg":"RSA-OAEP-256","enc":"A128GCM","crit":["exp"],"exp":1}"#;
    let compact = with_part(&A128_SAMPLE, 0, &header_b64(header));
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::CritNotSupported)
    );
}

#[test]
fn rejects_missing_encrypted_key() {
    let compact = with_part(&A128_SAMPLE, 1, "");
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::MissingEncryptedKey)
    );
}

#[rstest]
#[case::empty(0)]
#[case::eight(8)]
#[case::sixteen(16)]
fn rejects_iv_not_12_bytes(#[case] len: usize) {
    let compact = with_part(&A128_SAMPLE, 2, &b64(&vec![7u8; len]));
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::BadIvLength { found: len })
    );
}

#[rstest]
#[case::empty(0)]
#[case::truncated(15)]
#[case::long(17)]
fn rejects_tag_not_16_bytes(#[case] len: usize) {
    let compact = with_part(&A128_SAMPLE, 4, &b64(&vec![7u8; len]));
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::BadTagLength { found: len })
    );
}

#[test]
fn rejects_content_key_of_the_wrong_length() {
    // A 16-byte key presented as A256GCM, and a 32-byte key presented as A128GCM.
    let a256_header = header_b64(r#"{"alg":"RSA-OAEP-256","enc":"A256GCM"}"#);
    let compact = with_part(&A128_SAMPLE, 0, &a256_header);
    assert_eq!(
        jwe::decrypt(&compact, &CLIENT_PRIVATE),
        Err(JweError::CekLength {
            enc: ContentEncryption::A256Gcm,
            found: 16
        })
    );
    let a256 = jwe::encrypt(b"x", &CLIENT_PUBLIC, ContentEncryption::A256Gcm, None).unwrap();
    let a128_header = header_b64(r#"{"alg":"RSA-OAEP-256","enc":"A128GCM"}"#);
    assert_eq!(
        jwe::decrypt(&with_part(&a256, 0, &a128_header), &CLIENT_PRIVATE),
        Err(JweError::CekLength {
            enc: ContentEncryption::A128Gcm,
            found: 32
        })
    );
}

fn flip_bit(part_b64: &str, byte: usize) -> String {
    let mut bytes = URL_SAFE_NO_PAD.decode(part_b64).unwrap();
    bytes[byte] ^= 0x01;
    b64(&bytes)
}

#[test]
fn rejects_tampering_as_authentication_failure() {
    let parts: Vec<&str> = A128_SAMPLE.split('.').collect();
    let tampered = [
        ("tag", with_part(&A128_SAMPLE, 4, &flip_bit(parts[4], 0))),
        (
            "ciphertext",
            with_part(&A128_SAMPLE, 3, &flip_bit(parts[3], 0)),
        ),
        ("iv", with_part(&A128_SAMPLE, 2, &flip_bit(parts[2], 11))),
        // Same JSON, other bytes: the AAD is the header as sent.
        (
            "header spelling",
            with_part(
                &A128_SAMPLE,
                0,
                &header_b64(r#"{"enc":"A128GCM","alg":"RSA-OAEP-256"}"#),
            ),
        ),
    ];
    for (what, compact) in tampered {
        assert_eq!(
            jwe::decrypt(&compact, &CLIENT_PRIVATE),
            Err(JweError::AuthenticationFailed),
            "{what}"
        );
    }
}

#[test]
fn rejects_key_that_does_not_unwrap() {
    // Encrypted to the server, opened with the client's key.
    let to_server = jwe::encrypt(b"x", &SERVER_PUBLIC, ContentEncryption::A128Gcm, None).unwrap();
    assert_eq!(
        jwe::decrypt(&to_server, &CLIENT_PRIVATE),
        Err(JweError::KeyUnwrap)
    );
    // Garbage of the right size, and of the wrong size.
    for len in [256, 255, 10] {
        let compact = with_part(&A128_SAMPLE, 1, &b64(&vec![0x5a; len]));
        assert_eq!(
            jwe::decrypt(&compact, &CLIENT_PRIVATE),
            Err(JweError::KeyUnwrap),
            "{len}"
        );
    }
}

#[test]
fn encrypt_to_a_too_small_key_is_a_wrap_error() {
    // 512-bit RSA cannot hold an OAEP-SHA-256 block with a 32-byte key.
    let mut rng = rsa::rand_core::OsRng;
    let small = RsaPrivateKey::new(&mut rng, 512).unwrap();
    assert_eq!(
        jwe::encrypt(
            b"x",
            &small.to_public_key(),
            ContentEncryption::A256Gcm,
            None
        ),
        Err(JweError::KeyWrap)
    );
}

// ---------------------------------------------------------------------------
// Property tests: nothing panics on hostile input.
// ---------------------------------------------------------------------------

fn b64url_part() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{0,400}"
}

proptest! {
    #[test]
    fn decrypt_never_panics_on_any_string(s in any::<String>()) {
        let _ = jwe::decrypt(&s, &CLIENT_PRIVATE);
        let _ = jwe::peek_header(&s);
    }

    #[test]
    fn decrypt_never_panics_on_five_parts(
        parts in proptest::collection::vec(b64url_part(), 5),
    ) {
        let compact = parts.join(".");
        prop_assert!(jwe::decrypt(&compact, &CLIENT_PRIVATE).is_err());
    }

    #[test]
    fn parse_tran_token_never_panics(s in any::<String>()) {
        let _ = parse_tran_token(&s);
        let _ = verify_tran_token(b"k", b"{}", &s);
    }

    #[test]
    fn parse_tran_token_never_panics_near_the_format(rest in "\\PC{0,70}") {
        let token = format!("KMV1:{rest}");
        let _ = parse_tran_token(&token);
    }

    #[test]
    fn token_round_trips(
        secret in proptest::collection::vec(any::<u8>(), 0..100),
        time in "[0-9]{17}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let token = tran_token(&secret, &time, &body);
        prop_assert_eq!(token.len(), TOKEN_LEN);
        prop_assert_eq!(verify_tran_token(&secret, &body, &token)?.time, time);
    }

    #[test]
    fn correlation_ids_always_check_out(seed in any::<u64>(), secs in 946_684_800i64..4_102_444_800) {
        let now = chrono::DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&TimeZoneName::Kst.offset());
        let id = correlation_id(&now, &mut StdRng::seed_from_u64(seed));
        prop_assert!(is_correlation_id(&id), "{}", id);
    }
}

proptest! {
    // Fewer cases: each one reaches the RSA operation.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn decrypt_never_panics_past_the_header(
        enc in prop_oneof![Just("A128GCM"), Just("A256GCM")],
        // Mostly modulus-sized, so the RSA operation itself runs.
        ek in prop_oneof![
            3 => proptest::collection::vec(any::<u8>(), 256..=256),
            1 => proptest::collection::vec(any::<u8>(), 1..300),
        ],
        iv in proptest::collection::vec(any::<u8>(), 12..=12),
        ct in proptest::collection::vec(any::<u8>(), 0..100),
        tag in proptest::collection::vec(any::<u8>(), 16..=16),
    ) {
        let header = header_b64(&format!(r#"{{"alg":"RSA-OAEP-256","enc":"{enc}"}}"#));
        let compact = [header, b64(&ek), b64(&iv), b64(&ct), b64(&tag)].join(".");
        prop_assert!(jwe::decrypt(&compact, &CLIENT_PRIVATE).is_err());
    }
}
