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

/// A member name repeated in one JSON object, with the value of its first and of its later
/// occurrence (a parser keeps only one of them; which one differs between parsers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DuplicateMember {
    /// Where the object is, as a JSON pointer (`""` for the top level).
    pub object: String,
    pub key: String,
    pub first: String,
    pub second: String,
}

/// Every repeated member name in `bytes` read as JSON (none if it is not JSON of a shape
/// [`check_shape`] allows).
pub fn duplicate_members(bytes: &[u8]) -> Vec<DuplicateMember> {
    parse_noting_duplicates(bytes)
        .map(|(_, found)| found)
        .unwrap_or_default()
}

/// [`parse`], and every member name repeated in one object, in one pass: the tree is the
/// one [`parse`] builds (a repeated name keeps its first place and its last value).
pub fn parse_noting_duplicates(bytes: &[u8]) -> Result<(Value, Vec<DuplicateMember>), JsonRefusal> {
    use serde::de::DeserializeSeed;
    check_shape(bytes)?;
    let mut found = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Walk {
        at: &At::Root,
        found: &mut found,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| JsonRefusal::Invalid(e.to_string()))?;
    Ok((value, found))
}

/// Where a value is: its parent chain, made a JSON pointer only for a repeated name
/// (building one string per member of every answer cost more than the parse).
enum At<'p> {
    Root,
    Member(&'p At<'p>, &'p str),
    Item(&'p At<'p>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Member(parent, key) => format!(
                "{}/{}",
                parent.pointer(),
                key.replace('~', "~0").replace('/', "~1")
            ),
            At::Item(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// Rebuilds each value while remembering, per object, which names it has seen.
struct Walk<'a, 'p> {
    at: &'p At<'p>,
    found: &'a mut Vec<DuplicateMember>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // With `arbitrary_precision`, serde_json hands a number over as a one-member
            // map under this private name, its text as the value.
            if out.is_empty() && key == "$serde_json::private::Number" {
                let text: String = map.next_value()?;
                return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
            }
            let value = map.next_value_seed(Walk {
                at: &At::Member(self.at, &key),
                found: &mut *self.found,
            })?;
            if let Some(first) = out.get(&key) {
                self.found.push(DuplicateMember {
                    object: self.at.pointer(),
                    key: key.clone(),
                    first: first.to_string(),
                    second: value.to_string(),
                });
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Walk {
            at: &At::Item(self.at, out.len()),
            found: &mut *self.found,
        })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    // Scalars and numbers (arbitrary precision) keep their value exactly.
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        r#"{"code":"999_999","code":"000_000"}"#,
        "",
        "code",
        r#""999_999""#,
        r#""000_000""#
    )]
    #[case(
        r#"{"response":{"code":"000_000","message":"a","message":"b"}}"#,
        "/response",
        "message",
        r#""a""#,
        r#""b""#
    )]
    #[case(
        r#"[{"n":1.50,"n":12345678901234567890123}]"#,
        "/0",
        "n",
        "1.50",
        "12345678901234567890123"
    )]
    fn a_repeated_member_is_named_with_both_values(
        #[case] body: &str,
        #[case] object: &str,
        #[case] key: &str,
        #[case] first: &str,
        #[case] second: &str,
    ) {
        assert_eq!(
            duplicate_members(body.as_bytes()),
            vec![DuplicateMember {
                object: object.into(),
                key: key.into(),
                first: first.into(),
                second: second.into(),
            }]
        );
    }

    proptest::proptest! {
        /// One pass gives the tree `parse` gives, on any bytes, JSON-like or not.
        #[test]
        fn noting_duplicates_parses_as_parse_does(
            text in proptest::string::string_regex(
                r#"[\{\}\[\],:" a-c0-9.eE+\-\\]{0,48}"#
            ).unwrap(),
            members in proptest::collection::vec(("[a-c]", "(-?[0-9]{1,22}(\\.[0-9]{1,3})?|\"[a-c]{0,3}\"|true|null)"), 0..6),
        ) {
            let object = format!(
                "{{{}}}",
                members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            );
            for bytes in [text.as_bytes(), object.as_bytes()] {
                let plain = parse(bytes).ok();
                let noting = parse_noting_duplicates(bytes).ok().map(|(v, _)| v);
                proptest::prop_assert_eq!(&plain, &noting, "{}", String::from_utf8_lossy(bytes));
            }
        }
    }

    #[rstest]
    #[case(r#"{"code":"000_000","data":{"code":1}}"#)]
    #[case("not json")]
    #[case("[1,2,3]")]
    fn distinct_names_or_no_json_find_nothing(#[case] body: &str) {
        assert!(duplicate_members(body.as_bytes()).is_empty());
    }
}
