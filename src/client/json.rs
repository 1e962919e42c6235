//! JSON from the target, parsed only when its shape is known to be small. A cheap scan over
//! the raw bytes counts nesting depth and values first; a body beyond either limit never
//! becomes a tree (a megabyte of nested arrays would cost hundreds of megabytes as one).

use serde_json::Value;

use super::MAX_RESPONSE_BYTES;

/// Deeper than this is refused (serde_json's own recursion limit is the same).
pub const MAX_DEPTH: usize = 128;
/// More values than this is refused: a conformant answer holds a few dozen.
pub const MAX_VALUES: usize = 512;

/// Why a body was not parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonRefusal {
    #[error("a JSON answer of {0} bytes, over the {MAX_RESPONSE_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("a JSON answer nested more than {MAX_DEPTH} levels deep (refused before parsing)")]
    TooDeep,
    #[error("a JSON answer of more than {MAX_VALUES} values (refused before parsing)")]
    TooManyValues,
    #[error("not JSON: {0}")]
    Invalid(String),
}

impl JsonRefusal {
    /// The body has a JSON shape the harness will not build, as opposed to not being JSON.
    pub fn is_limit(&self) -> bool {
        !matches!(self, JsonRefusal::Invalid(_))
    }
}

/// Depth and value count of `bytes` read as JSON, stopping as soon as a limit is passed.
/// Strings are skipped (with their escapes), so brackets inside them do not count.
pub fn check_shape(bytes: &[u8]) -> Result<(), JsonRefusal> {
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err(JsonRefusal::TooLarge(bytes.len()));
    }
    let mut depth = 0usize;
    // Every value is either a container opening or follows a comma, or is the top value.
    let mut values = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                values += 1;
                if depth > MAX_DEPTH {
                    return Err(JsonRefusal::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' => values += 1,
            _ => continue,
        }
        if values > MAX_VALUES {
            return Err(JsonRefusal::TooManyValues);
        }
    }
    Ok(())
}

/// `bytes` as a JSON tree, if its shape is within the limits and it parses.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonRefusal> {
    check_shape(bytes)?;
    serde_json::from_slice(bytes).map_err(|e| JsonRefusal::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn nested(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[rstest]
    #[case::small_object(r#"{"a":[1,2,{"b":"[[[["}]}"#.to_owned(), true)]
    #[case::at_depth_limit(nested(MAX_DEPTH), true)]
    #[case::past_depth_limit(nested(MAX_DEPTH + 1), false)]
    #[case::wide(format!("[{}]", vec!["[]"; MAX_VALUES].join(",")), false)]
    #[case::brackets_in_strings(format!("[\"{}\"]", "[".repeat(10_000)), true)]
    #[case::escaped_quote(format!("[\"\\\"{}\"]", "[".repeat(10_000)), true)]
    fn shape_limits(#[case] body: String, #[case] accepted: bool) {
        assert_eq!(check_shape(body.as_bytes()).is_ok(), accepted, "{body:.60}");
    }

    #[test]
    fn refusals_say_why_and_numbers_stay_exact() {
        assert_eq!(
            parse(nested(500).as_bytes()).unwrap_err(),
            JsonRefusal::TooDeep
        );
        assert!(JsonRefusal::TooDeep.is_limit());
        assert!(!parse(b"nope").unwrap_err().is_limit());
        let v = parse(br#"{"userId":9999999999999999999}"#).unwrap();
        assert_eq!(v["userId"].to_string(), "9999999999999999999");
    }

    proptest! {
        #[test]
        fn never_panics_and_never_builds_past_the_limits(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            if let Ok(v) = parse(&bytes) {
                fn count(v: &Value, depth: usize) -> (usize, usize) {
                    match v {
                        Value::Array(a) => a.iter().map(|x| count(x, depth + 1)).fold((1, depth), |(n, d), (m, e)| (n + m, d.max(e))),
                        Value::Object(o) => o.values().map(|x| count(x, depth + 1)).fold((1, depth), |(n, d), (m, e)| (n + m, d.max(e))),
                        _ => (1, depth),
                    }
                }
                let (n, d) = count(&v, 0);
                prop_assert!(n <= MAX_VALUES && d <= MAX_DEPTH);
            }
        }
    }
}
