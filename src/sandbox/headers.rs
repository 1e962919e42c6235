//! Request-header rules, checked in a fixed order: every required header present, then
//! each one well-formed (the optional crypto key id last). Pure functions over a
//! `HeaderMap`, so the rules are unit-tested without a server.

use axum::http::HeaderMap;

use crate::contract::formats;
use crate::crypto::TimeZoneName;
use crate::crypto::ids::parse_tran_time;
use crate::crypto::token::parse_tran_token;

pub(crate) const ASP_ID: &str = "X-KM-User-AspId";
pub(crate) const CORRELATION_ID: &str = "X-KM-Correlation-Id";
pub(crate) const ACCESS_KEY: &str = "X-KM-Access-Key";
pub(crate) const TRAN_TOKEN: &str = "X-KM-Tran-Token";
pub(crate) const TRAN_TIME: &str = "X-KM-Tran-Time";
pub(crate) const TIME_ZONE: &str = "X-KM-Time-Zone";
pub(crate) const CRYPTO_KEY_ID: &str = "X-KM-Crypto-Key-Id";

/// The headers every request must carry, in the order they are checked.
pub(crate) const REQUIRED: [&str; 6] = [
    ASP_ID,
    CORRELATION_ID,
    ACCESS_KEY,
    TRAN_TOKEN,
    TRAN_TIME,
    TIME_ZONE,
];

/// The request headers, all present and well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestHeaders<'a> {
    pub asp_id: &'a str,
    pub correlation_id: &'a str,
    pub access_key: &'a str,
    pub tran_token: &'a str,
    pub tran_time: &'a str,
    pub zone: TimeZoneName,
    pub crypto_key_id: Option<&'a str>,
}

/// Why the headers were refused; the name is the header's, as the docs spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    Missing(&'static str),
    Malformed(&'static str),
}

/// One header's value: `None` when absent or empty; an error when sent twice or not
/// visible ASCII (a value we could not compare or echo reliably).
fn value<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, HeaderProblem> {
    let mut all = headers.get_all(name).iter();
    let Some(first) = all.next() else {
        return Ok(None);
    };
    if all.next().is_some() {
        return Err(HeaderProblem::Malformed(name));
    }
    if first.is_empty() {
        return Ok(None);
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| HeaderProblem::Malformed(name))
}

fn chars(s: &str, n: usize) -> bool {
    s.chars().count() == n
}

/// Check presence, then form, of every request header.
#[cfg(test)]
pub(crate) fn read(headers: &HeaderMap) -> Result<RequestHeaders<'_>, HeaderProblem> {
    read_with(headers, None)
}

/// Check presence, then form, of every request header. With `zone_default`, a request
/// without X-KM-Time-Zone is read as stated in that zone (only a fault does that: the
/// header is required).
pub(crate) fn read_with(
    headers: &HeaderMap,
    zone_default: Option<TimeZoneName>,
) -> Result<RequestHeaders<'_>, HeaderProblem> {
    let absent = |name: &str| headers.get_all(name).iter().all(|v| v.is_empty());
    // Presence first, for all of them, so a request missing two headers always names the
    // first in the documented order whatever else is wrong.
    for name in REQUIRED {
        if absent(name) && !(name == TIME_ZONE && zone_default.is_some()) {
            return Err(HeaderProblem::Missing(name));
        }
    }
    let get = |name: &'static str| -> Result<&str, HeaderProblem> {
        value(headers, name)?.ok_or(HeaderProblem::Missing(name))
    };
    let well_formed = |name: &'static str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(HeaderProblem::Malformed(name))
        }
    };

    let asp_id = get(ASP_ID)?;
    well_formed(ASP_ID, chars(asp_id, 15))?;
    let correlation_id = get(CORRELATION_ID)?;
    well_formed(
        CORRELATION_ID,
        crate::crypto::is_correlation_id(correlation_id),
    )?;
    let access_key = get(ACCESS_KEY)?;
    well_formed(ACCESS_KEY, chars(access_key, 40))?;
    let tran_token = get(TRAN_TOKEN)?;
    well_formed(
        TRAN_TOKEN,
        parse_tran_token(tran_token).is_ok() && formats::is_tran_token(tran_token),
    )?;
    let tran_time = get(TRAN_TIME)?;
    // The zone only shifts the instant; whether the digits are a real time does not
    // depend on it.
    well_formed(
        TRAN_TIME,
        parse_tran_time(tran_time, TimeZoneName::Kst).is_some(),
    )?;
    let zone = match zone_default {
        Some(zone) if absent(TIME_ZONE) => zone,
        _ => get(TIME_ZONE)?
            .parse::<TimeZoneName>()
            .map_err(|_| HeaderProblem::Malformed(TIME_ZONE))?,
    };
    let crypto_key_id = value(headers, CRYPTO_KEY_ID)?;
    if let Some(id) = crypto_key_id {
        well_formed(CRYPTO_KEY_ID, chars(id, 32))?;
    }
    Ok(RequestHeaders {
        asp_id,
        correlation_id,
        access_key,
        tran_token,
        tran_time,
        zone,
        crypto_key_id,
    })
}

/// Whether a `Content-Type` says JSON: `application/json`, any case, parameters allowed.
pub(crate) fn is_json_content_type(headers: &HeaderMap) -> bool {
    let mut all = headers.get_all(axum::http::header::CONTENT_TYPE).iter();
    let (Some(value), None) = (all.next(), all.next()) else {
        return false;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    let media_type = text.split(';').next().unwrap_or("").trim();
    media_type.eq_ignore_ascii_case("application/json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use rstest::rstest;

    const TOKEN: &str = "KMV1:20260102030405678:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    fn good() -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in [
            (ASP_ID, "000990000000001"),
            (CORRELATION_ID, "260102030405-0a1b2c3"),
            (ACCESS_KEY, "5a3c9e1-0f4b2d6e8a1c3e5f7b9d0a2c4e6f8b1d"),
            (TRAN_TOKEN, TOKEN),
            (TRAN_TIME, "20260102030405"),
            (TIME_ZONE, "KST"),
        ] {
            h.insert(name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn a_complete_set_is_read() {
        let h = good();
        let read = read(&h).unwrap();
        assert_eq!(read.zone, TimeZoneName::Kst);
        assert_eq!(read.crypto_key_id, None);
        assert_eq!(read.tran_token, TOKEN);
    }

    #[rstest]
    #[case(ASP_ID)]
    #[case(CORRELATION_ID)]
    #[case(ACCESS_KEY)]
    #[case(TRAN_TOKEN)]
    #[case(TRAN_TIME)]
    #[case(TIME_ZONE)]
    fn each_missing_header_is_named(#[case] name: &'static str) {
        let mut h = good();
        h.remove(name);
        assert_eq!(read(&h), Err(HeaderProblem::Missing(name)));
        h.insert(name, HeaderValue::from_static(""));
        assert_eq!(read(&h), Err(HeaderProblem::Missing(name)));
    }

    #[test]
    fn a_zone_default_only_fills_an_absent_time_zone() {
        let mut h = good();
        h.remove(TIME_ZONE);
        let read = read_with(&h, Some(TimeZoneName::Kst)).unwrap();
        assert_eq!(read.zone, TimeZoneName::Kst);
        h.insert(TIME_ZONE, HeaderValue::from_static("XYZ"));
        assert_eq!(
            read_with(&h, Some(TimeZoneName::Kst)),
            Err(HeaderProblem::Malformed(TIME_ZONE))
        );
        h.remove(TIME_ZONE);
        h.remove(ACCESS_KEY);
        assert_eq!(
            read_with(&h, Some(TimeZoneName::Kst)),
            Err(HeaderProblem::Missing(ACCESS_KEY))
        );
    }

    #[test]
    fn presence_is_checked_before_form_and_in_order() {
        let mut h = good();
        h.remove(TIME_ZONE);
        h.remove(ACCESS_KEY);
        h.insert(ASP_ID, HeaderValue::from_static("short"));
        assert_eq!(read(&h), Err(HeaderProblem::Missing(ACCESS_KEY)));
    }

    #[rstest]
    #[case(ASP_ID, "00099000000001")]
    #[case(ASP_ID, "0009900000000011")]
    #[case(CORRELATION_ID, "260102030405-0a1b2c")]
    #[case(CORRELATION_ID, "261302030405-0a1b2c3")]
    #[case(CORRELATION_ID, "260102030405_0a1b2c3")]
    #[case(ACCESS_KEY, "5a3c9e1-0f4b2d6e8a1c3e5f7b9d0a2c4e6f8b1")]
    #[case(
        TRAN_TOKEN,
        "KMV1:20260102030405678:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    )]
    #[case(
        TRAN_TOKEN,
        "KMV2:20260102030405678:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    )]
    #[case(
        TRAN_TOKEN,
        "KMV1:20261302030405678:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    )]
    #[case(
        TRAN_TOKEN,
        "KMV1:20260102030405678:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*="
    )]
    #[case(TRAN_TIME, "2026010203040")]
    #[case(TRAN_TIME, "2026010203040500")]
    #[case(TRAN_TIME, "20260230030405")]
    #[case(TRAN_TIME, "20260102250405")]
    #[case(TIME_ZONE, "JST")]
    #[case(TIME_ZONE, "kst")]
    #[case(TIME_ZONE, "KST9")]
    #[case(CRYPTO_KEY_ID, "8d2f6b0a4c1e3f5a7b9c2d4e6f8a0b1")]
    fn each_malformed_header_is_named(#[case] name: &'static str, #[case] bad: &'static str) {
        let mut h = good();
        h.insert(name, HeaderValue::from_static(bad));
        assert_eq!(read(&h), Err(HeaderProblem::Malformed(name)));
    }

    #[test]
    fn a_header_sent_twice_or_not_ascii_is_malformed() {
        let mut h = good();
        h.append(ACCESS_KEY, HeaderValue::from_static("x"));
        assert_eq!(read(&h), Err(HeaderProblem::Malformed(ACCESS_KEY)));
        let mut h = good();
        h.insert(
            ASP_ID,
            HeaderValue::from_bytes(b"00099000000000\xff").unwrap(),
        );
        assert_eq!(read(&h), Err(HeaderProblem::Malformed(ASP_ID)));
    }

    #[test]
    fn utc_and_a_crypto_key_id_are_accepted() {
        let mut h = good();
        h.insert(TIME_ZONE, HeaderValue::from_static("UTC"));
        h.insert(
            CRYPTO_KEY_ID,
            HeaderValue::from_static("8d2f6b0a4c1e3f5a7b9c2d4e6f8a0b1c"),
        );
        let read = read(&h).unwrap();
        assert_eq!(read.zone, TimeZoneName::Utc);
        assert_eq!(read.crypto_key_id, Some("8d2f6b0a4c1e3f5a7b9c2d4e6f8a0b1c"));
    }

    #[rstest]
    #[case(Some("application/json"), true)]
    #[case(Some("Application/JSON; charset=utf-8"), true)]
    #[case(Some("application/json;charset=UTF-8"), true)]
    #[case(Some("text/plain"), false)]
    #[case(Some("application/jsonx"), false)]
    #[case(Some("application/x-www-form-urlencoded"), false)]
    #[case(None, false)]
    fn content_types(#[case] value: Option<&'static str>, #[case] json: bool) {
        let mut h = HeaderMap::new();
        if let Some(v) = value {
            h.insert("content-type", HeaderValue::from_static(v));
        }
        assert_eq!(is_json_content_type(&h), json);
    }
}
