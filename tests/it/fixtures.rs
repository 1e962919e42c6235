//! The fixtures file: both formats read, records checked against the contract, errors that
//! name the field and the rule.

use kona_conformance::contract::Contract;
use kona_conformance::fixtures::{FORMAT, Fixtures};
use serde_json::Value;

fn contract() -> &'static Contract {
    Contract::shared().unwrap()
}

#[test]
fn the_first_format_is_read_and_converted() {
    let text = r#"{"format":"kona-conformance-fixtures/1","description":"d",
        "cards":{"unmapped":{"cardNo":"1234567890123456","userId":null},
                 "active":{"cardNo":"1234567890123457"}},
        "pool":{"cards":[{"cardNo":"1234567890123458"}]}}"#;
    let f = Fixtures::from_json(text, "inline").unwrap();
    assert_eq!(f.format, FORMAT);
    assert_eq!(f.description, "d");
    assert_eq!(f.role("cards", "unmapped").unwrap()["userId"], Value::Null);
    assert!(!f.role("cards", "active").unwrap().contains_key("userId"));
    assert_eq!(f.pool("cards").len(), 1);
    f.check(contract(), "inline").unwrap();
    let again = Fixtures::from_json(&f.to_json(), "again").unwrap();
    assert_eq!(again, f);
}

#[test]
fn big_numbers_stay_exact() {
    let text = r#"{"format":"kona-conformance-fixtures/2",
        "collections":{"members":{"roles":{"max-id":{"userId":9999999999999999999}}}}}"#;
    let f = Fixtures::from_json(text, "inline").unwrap();
    assert_eq!(
        f.role("members", "max-id").unwrap()["userId"].to_string(),
        "9999999999999999999"
    );
    f.check(contract(), "inline").unwrap();
}

#[test]
fn errors_name_the_field_and_rule() {
    let check = |text: &str| {
        Fixtures::from_json(text, "f.json")
            .and_then(|f| f.check(contract(), "f.json"))
            .unwrap_err()
            .to_string()
    };
    let err =
        check(r#"{"format":"kona-conformance-fixtures/1","cards":{"active":{"cardNo":"12345"}}}"#);
    assert!(err.contains("cards.active.cardNo"), "{err}");
    assert!(err.contains("shorter than 16"), "{err}");
    let err = check(r#"{"format":"x"}"#);
    assert!(err.contains("format"), "{err}");
    let err = check(r#"{"format":"kona-conformance-fixtures/1","card":{}}"#);
    assert!(err.contains("card: not a collection"), "{err}");
    let err = check(
        r#"{"format":"kona-conformance-fixtures/2","collections":{"cards":{"roles":{"actve":{"cardNo":"1234567890123456"}}}}}"#,
    );
    assert!(err.contains("cards.actve: not a role of cards"), "{err}");
    let err = check(
        r#"{"format":"kona-conformance-fixtures/2","collections":{"cards":{"pool":[{"balance":1}]}}}"#,
    );
    assert!(err.contains("pool.cards[0]"), "{err}");
    assert!(err.contains("cardNo"), "{err}");
}

/// A record's response fields are checked at load, not blamed on the target later: a value
/// the response schema does not list, a member no request or answer of the collection has.
#[rstest::rstest]
#[case::unlisted_value(
    r#"{"cardNo":"1234567890123456","cardStatus":"OPEN"}"#,
    &["cards.active.cardStatus", "\"OPEN\"", "not a value the response schema lists", "\"ACTIVE\"", "\"SUSPENDED\""]
)]
#[case::value_in_the_wrong_case(
    r#"{"cardNo":"1234567890123456","cardStatus":"active"}"#,
    &["cards.active.cardStatus", "did you mean \"ACTIVE\"?"]
)]
#[case::misspelt_member(
    r#"{"cardNo":"1234567890123456","cardStauts":"ACTIVE"}"#,
    &["cards.active.cardStauts", "did you mean \"cardStatus\"?"]
)]
fn records_are_checked_against_the_response_schema(#[case] record: &str, #[case] says: &[&str]) {
    let text = format!(
        r#"{{"format":"kona-conformance-fixtures/2","collections":{{"cards":{{"roles":{{"active":{record}}}}}}}}}"#
    );
    let err = Fixtures::from_json(&text, "f.json")
        .and_then(|f| f.check(contract(), "f.json"))
        .unwrap_err()
        .to_string();
    for s in says {
        assert!(err.contains(s), "{s:?} missing from: {err}");
    }
}

#[test]
fn listed_values_and_null_pass() {
    for status in [r#""ACTIVE""#, "null"] {
        let text = format!(
            r#"{{"format":"kona-conformance-fixtures/2","collections":{{"cards":{{"roles":{{"active":{{"cardNo":"1234567890123456","cardStatus":{status}}}}}}}}}}}"#
        );
        let f = Fixtures::from_json(&text, "f.json").unwrap();
        f.check(contract(), "f.json").unwrap();
    }
    // The embedded sandbox's own records pass too.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/embedded-sandbox.json"
    );
    Fixtures::load(std::path::Path::new(path))
        .unwrap()
        .check(contract(), path)
        .unwrap();
}
