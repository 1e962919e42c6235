//! Request-field rules of the three endpoints, as pure functions over JSON values.
//!
//! `serde_json` runs with `arbitrary_precision`, so a number keeps the text it was sent
//! as: `userId` is read from that text, digits only, into a `u64` (errata E04), and
//! nothing is ever rounded through a float.

use serde_json::{Map, Value};

use crate::contract::formats;
use crate::fixtures::MAX_USER_ID;

/// The first field of `required` (in the catalogue's order) that is absent or null.
pub(crate) fn first_missing<'a>(
    body: &Map<String, Value>,
    required: &'a [String],
) -> Option<&'a str> {
    required
        .iter()
        .find(|f| matches!(body.get(f.as_str()), None | Some(Value::Null)))
        .map(String::as_str)
}

/// `userId`: a JSON integer 1..=9999999999999999999, written without sign, fraction or
/// exponent. Strings, floats, negatives and anything beyond the maximum are refused.
pub(crate) fn user_id(value: &Value) -> Option<u64> {
    let Value::Number(n) = value else {
        return None;
    };
    let text = n.to_string();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Overflow (more than u64 holds) fails the parse; 10^19 parses but is over the maximum.
    text.parse::<u64>()
        .ok()
        .filter(|id| (1..=MAX_USER_ID).contains(id))
}

fn digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// `cardNo`: exactly 16 digits (errata E06, E13).
pub(crate) fn card_no(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) if s.len() == 16 && digits(s) => Some(s),
        _ => None,
    }
}

/// `cardNo` without its upper length limit: 16 digits or more, looked up by the first 16
/// (only a fault reads card numbers this way).
pub(crate) fn card_no_prefix(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) if s.len() >= 16 && digits(s) => Some(&s[..16]),
        _ => None,
    }
}

/// How `bankAccount` breaks its rule: the documented code 002_001 covers the account
/// number's text (empty, over 20, a non-digit); a value that is not text at all is plain
/// invalid input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountProblem {
    NotText,
    BadText,
}

/// `bankAccount`: 1 to 20 digits.
pub(crate) fn bank_account(value: &Value) -> Result<&str, AccountProblem> {
    match value {
        Value::String(s) if !s.is_empty() && s.len() <= 20 && digits(s) => Ok(s),
        Value::String(_) => Err(AccountProblem::BadText),
        _ => Err(AccountProblem::NotText),
    }
}

/// `bankCode`: 3 digits; codes outside the bank page's list are fine (errata E08).
pub(crate) fn bank_code(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) if s.len() == 3 && digits(s) => Some(s),
        _ => None,
    }
}

/// `birthDate`: a real date written yyyyMMdd (errata E03).
pub(crate) fn birth_date(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) if formats::is_date(s) => Some(s),
        _ => None,
    }
}

/// `userName`: 1 to 100 characters.
pub(crate) fn user_name(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) if (1..=100).contains(&s.chars().count()) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[rstest]
    #[case("1", Some(1))]
    #[case("9999999999999999999", Some(MAX_USER_ID))]
    #[case("1234567890123456789", Some(1_234_567_890_123_456_789))]
    #[case("0", None)]
    #[case("-1", None)]
    #[case("-0", None)]
    #[case("1.0", None)]
    #[case("1e3", None)]
    #[case("1E3", None)]
    #[case("10000000000000000000", None)]
    #[case("18446744073709551615", None)]
    #[case("18446744073709551616", None)]
    #[case("123456789012345678901234567890", None)]
    #[case("\"1\"", None)]
    #[case("true", None)]
    #[case("null", None)]
    #[case("[1]", None)]
    fn user_ids(#[case] text: &str, #[case] expected: Option<u64>) {
        assert_eq!(user_id(&json(text)), expected, "{text}");
    }

    #[rstest]
    #[case("\"1234567890123456\"", true)]
    #[case("\"123456789012345\"", false)]
    #[case("\"12345678901234567\"", false)]
    #[case("\"123456789012345a\"", false)]
    #[case("\"１２３４５６７８９０１２３４５６\"", false)]
    #[case("1234567890123456", false)]
    #[case("\"\"", false)]
    fn card_numbers(#[case] text: &str, #[case] ok: bool) {
        assert_eq!(card_no(&json(text)).is_some(), ok, "{text}");
    }

    #[test]
    fn card_number_prefixes_drop_only_the_upper_limit() {
        assert_eq!(
            card_no_prefix(&json("\"94100000000000001\"")),
            Some("9410000000000000")
        );
        assert_eq!(
            card_no_prefix(&json("\"9410000000000000\"")),
            Some("9410000000000000")
        );
        assert_eq!(card_no_prefix(&json("\"941000000000000\"")), None);
        assert_eq!(card_no_prefix(&json("\"941000000000000A1\"")), None);
    }

    #[rstest]
    #[case("\"333015555557\"", Ok("333015555557"))]
    #[case("\"1\"", Ok("1"))]
    #[case("\"12345678901234567890\"", Ok("12345678901234567890"))]
    #[case("\"123456789012345678901\"", Err(AccountProblem::BadText))]
    #[case("\"\"", Err(AccountProblem::BadText))]
    #[case("\"3330-1555\"", Err(AccountProblem::BadText))]
    #[case("\" 333015555557\"", Err(AccountProblem::BadText))]
    #[case("333015555557", Err(AccountProblem::NotText))]
    #[case("[\"1\"]", Err(AccountProblem::NotText))]
    fn bank_accounts(#[case] text: &str, #[case] expected: Result<&str, AccountProblem>) {
        assert_eq!(bank_account(&json(text)), expected, "{text}");
    }

    #[rstest]
    #[case("\"003\"", true)]
    #[case("\"005\"", true)]
    #[case("\"03\"", false)]
    #[case("\"0031\"", false)]
    #[case("\"0a3\"", false)]
    #[case("3", false)]
    fn bank_codes(#[case] text: &str, #[case] ok: bool) {
        assert_eq!(bank_code(&json(text)).is_some(), ok, "{text}");
    }

    #[rstest]
    #[case("\"19751112\"", true)]
    #[case("\"20240229\"", true)]
    #[case("\"751112\"", false)]
    #[case("\"20230229\"", false)]
    #[case("\"19751332\"", false)]
    #[case("\"1975-11-12\"", false)]
    #[case("19751112", false)]
    fn birth_dates(#[case] text: &str, #[case] ok: bool) {
        assert_eq!(birth_date(&json(text)).is_some(), ok, "{text}");
    }

    #[test]
    fn user_names_count_characters_not_bytes() {
        assert!(user_name(&Value::from("홍길동")).is_some());
        assert!(user_name(&Value::from("가".repeat(100))).is_some());
        assert!(user_name(&Value::from("가".repeat(101))).is_none());
        assert!(user_name(&Value::from("")).is_none());
        assert!(user_name(&json("7")).is_none());
    }

    #[test]
    fn null_counts_as_missing_and_order_is_the_catalogues() {
        let required: Vec<String> = ["bankAccount", "bankCode", "birthDate"]
            .map(String::from)
            .to_vec();
        let body = json(r#"{"bankAccount":"1","bankCode":null}"#);
        let body = body.as_object().unwrap();
        assert_eq!(first_missing(body, &required), Some("bankCode"));
        let body = json(r#"{"birthDate":"19751112","bankCode":"003","bankAccount":"1"}"#);
        assert_eq!(first_missing(body.as_object().unwrap(), &required), None);
    }
}
