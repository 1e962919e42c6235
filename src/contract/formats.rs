//! The custom JSON Schema formats the schemas use. Each schema also carries an equivalent
//! `pattern`, so tools that don't know these names (Schemathesis, Prism) still check the
//! shape; these functions add what a pattern cannot say: a real calendar date and time.

use chrono::NaiveDate;

pub const CORRELATION_ID: &str = "kona-correlation-id";
pub const TRAN_TIME: &str = "kona-tran-time";
pub const DATE: &str = "kona-date";
pub const TRAN_TOKEN: &str = "kona-tran-token";

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// `yyyyMMdd`, a day that exists.
pub fn is_date(s: &str) -> bool {
    all_digits(s, 8) && NaiveDate::parse_from_str(s, "%Y%m%d").is_ok()
}

/// `yyyyMMddHHmmss`, an instant that exists (seconds 00–59: the request formats have no
/// leap second). Read as `crypto` reads the header, so the schema and the signer agree.
pub fn is_tran_time(s: &str) -> bool {
    crate::crypto::parse_tran_time(s, crate::crypto::TimeZoneName::Utc).is_some()
}

/// `yyMMddHHmmss-` and 7 hex digits: 20 characters, a time that exists. One reading for
/// the schema format, the sandbox and the judge: `crypto`'s.
pub use crate::crypto::is_correlation_id;

/// `KMV1:` + 17-digit time + `:` + 44 characters of padded base64 (a 32-byte MAC).
pub fn is_tran_token(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("KMV1:") else {
        return false;
    };
    let Some((time, mac)) = rest.split_once(':') else {
        return false;
    };
    crate::crypto::parse_token_time(time, crate::crypto::TimeZoneName::Utc).is_some()
        && mac.len() == 44
        && mac.ends_with('=')
        && !mac[..43].contains('=')
        && mac[..43]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// `1.0` as `1`: a JSON number whose text has only zeros after the point, compared through
/// its text (no float rounding: errata E04).
pub fn whole_number(value: &serde_json::Value) -> Option<serde_json::Value> {
    let serde_json::Value::Number(n) = value else {
        return None;
    };
    let text = n.to_string();
    let (whole, fraction) = text.split_once('.')?;
    if fraction.is_empty() || !fraction.bytes().all(|b| b == b'0') || whole.contains(['e', 'E']) {
        return None;
    }
    serde_json::from_str(whole).ok()
}

/// Whether two JSON values are the same, a whole number written `1.0` being the integer
/// `1` (errata E27); numbers are compared through their text, never through a float.
pub fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    let whole = |v: &serde_json::Value| whole_number(v).unwrap_or_else(|| v.clone());
    whole(a) == whole(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("1.0", Some("1"))]
    #[case("9999999999999999999.00", Some("9999999999999999999"))]
    #[case("1.5", None)]
    #[case("1", None)]
    #[case("1e3", None)]
    fn whole_numbers_are_read_through_their_text(#[case] text: &str, #[case] whole: Option<&str>) {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            whole_number(&value).map(|v| v.to_string()),
            whole.map(str::to_owned)
        );
    }

    #[rstest]
    #[case("19751112", true)]
    #[case("20240229", true)]
    #[case("20230229", false)]
    #[case("19751332", false)]
    #[case("751112", false)]
    #[case("1975-11-12", false)]
    fn dates(#[case] input: &str, #[case] valid: bool) {
        assert_eq!(is_date(input), valid, "{input}");
    }

    #[rstest]
    #[case("20261121103000", true)]
    #[case("2026112110300000", false)]
    #[case("20261121253000", false)]
    #[case("20261121103060", false)]
    #[case("2026112110300a", false)]
    fn tran_times(#[case] input: &str, #[case] valid: bool) {
        assert_eq!(is_tran_time(input), valid, "{input}");
    }

    #[rstest]
    #[case("261121103000-0a1b2c3", true)]
    #[case("261121103000-0A1B2C3", true)]
    #[case("261121103000-0a1b2c", false)]
    #[case("261121103000-0a1b2cg", false)]
    #[case("261321103000-0a1b2c3", false)]
    #[case("261121103060-0a1b2c3", false)]
    #[case("2611211030000a1b2c3x", false)]
    fn correlation_ids(#[case] input: &str, #[case] valid: bool) {
        assert_eq!(is_correlation_id(input), valid, "{input}");
    }

    #[rstest]
    #[case(
        "KMV1:20261121103000123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        true
    )]
    #[case(
        "KMV2:20261121103000123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        false
    )]
    #[case(
        "KMV1:2026112110300012:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        false
    )]
    #[case(
        "KMV1:20261121103000123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        false
    )]
    #[case(
        "KMV1:20261121103000123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
        false
    )]
    fn tran_tokens(#[case] input: &str, #[case] valid: bool) {
        assert_eq!(is_tran_token(input), valid, "{input}");
    }
}
