//! Request times and correlation ids, in the vendor's fixed-width formats.
//!
//! - `X-KM-Tran-Time`: `yyyyMMddHHmmss`, 14 digits.
//! - The time inside the tran token: `yyyyMMddHHmmssSSS`, 17 digits (milliseconds).
//! - `X-KM-Time-Zone`: three letters naming the zone those times are written in,
//!   `KST` (UTC+9) or `UTC`.
//! - `X-KM-Correlation-Id`: 20 characters, `yyMMddHHmmss`, a `-`, then 7 hex digits.
//!
//! The formatters write the time in the offset of the `DateTime` they are given,
//! so callers convert to the zone they name first (see [`now_in`]).

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike as _, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike as _, Utc,
};

/// Length of `X-KM-Tran-Time`.
pub const TRAN_TIME_LEN: usize = 14;
/// Length of the time inside the tran token.
pub const TOKEN_TIME_LEN: usize = 17;
/// Length of `X-KM-Correlation-Id`.
pub const CORRELATION_ID_LEN: usize = 20;

/// The zones `X-KM-Time-Zone` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeZoneName {
    /// Korea Standard Time, UTC+9 all year (Korea has no daylight saving).
    Kst,
    Utc,
}

impl TimeZoneName {
    pub fn offset(&self) -> FixedOffset {
        let seconds = match self {
            Self::Kst => 9 * 3600,
            Self::Utc => 0,
        };
        FixedOffset::east_opt(seconds).expect("offsets within a day are valid")
    }

    /// The header value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Kst => "KST",
            Self::Utc => "UTC",
        }
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `X-KM-Time-Zone` value other than `KST` or `UTC`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("X-KM-Time-Zone must be \"KST\" or \"UTC\"")]
pub struct UnknownTimeZone;

impl FromStr for TimeZoneName {
    type Err = UnknownTimeZone;

    /// Exact, upper-case match: the header is a fixed three-letter code.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "KST" => Ok(Self::Kst),
            "UTC" => Ok(Self::Utc),
            _ => Err(UnknownTimeZone),
        }
    }
}

/// The current time, expressed in `zone`.
pub fn now_in(zone: TimeZoneName) -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&zone.offset())
}

/// `X-KM-Tran-Time`: `yyyyMMddHHmmss` in `now`'s own offset. 14 digits for
/// years 0 to 9999. Written field by field rather than through a strftime pattern, which
/// is parsed again on every call and every request signs three of these.
pub fn tran_time(now: &DateTime<FixedOffset>) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        now.year(),
        now.month(),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// The token's time: `yyyyMMddHHmmssSSS` in `now`'s own offset. 17 digits for
/// years 0 to 9999.
pub fn token_time(now: &DateTime<FixedOffset>) -> String {
    format!(
        "{}{:03}",
        tran_time(now),
        now.nanosecond() % 1_000_000_000 / 1_000_000
    )
}

/// A fresh `X-KM-Correlation-Id`: `yyMMddHHmmss-` then 7 random lowercase hex digits.
pub fn correlation_id(now: &DateTime<FixedOffset>, rng: &mut impl rand::Rng) -> String {
    let suffix: u32 = rng.random_range(0..0x1000_0000);
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}-{suffix:07x}",
        now.year().rem_euclid(100),
        now.month(),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Whether `s` is exactly a correlation id: 20 characters, a real date and time
/// in `yyMMddHHmmss`, `-`, 7 hex digits of either case.
pub fn is_correlation_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == CORRELATION_ID_LEN
        && parse_yy_stamp(&b[..12]).is_some()
        && b[12] == b'-'
        && b[13..].iter().all(u8::is_ascii_hexdigit)
}

/// Reads an `X-KM-Tran-Time` (14 digits, a real date and time) written in `zone`.
pub fn parse_tran_time(s: &str, zone: TimeZoneName) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() != TRAN_TIME_LEN {
        return None;
    }
    let naive = parse_stamp(number(&b[..4])?, &b[4..14], 0)?;
    zone.offset().from_local_datetime(&naive).single()
}

/// Reads the token's 17-digit time (a real date and time) written in `zone`.
pub fn parse_token_time(s: &str, zone: TimeZoneName) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() != TOKEN_TIME_LEN {
        return None;
    }
    let millis = number(&b[14..17])?;
    let naive = parse_stamp(number(&b[..4])?, &b[4..14], millis)?;
    zone.offset().from_local_datetime(&naive).single()
}

/// `yyMMddHHmmss`. Two-digit years are read as 20yy; that only matters for
/// 29 February, and 2000-2099 is where these ids live.
fn parse_yy_stamp(b: &[u8]) -> Option<NaiveDateTime> {
    parse_stamp(2000 + number(&b[..2])?, &b[2..], 0)
}

/// `MMddHHmmss` after a year already read. Parsed by hand rather than with
/// chrono's `%S`, which would take `60` as a leap second.
fn parse_stamp(year: u32, b: &[u8], millis: u32) -> Option<NaiveDateTime> {
    if b.len() != 10 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        number(&b[0..2])?,
        number(&b[2..4])?,
    )?;
    let time = NaiveTime::from_hms_milli_opt(
        number(&b[4..6])?,
        number(&b[6..8])?,
        number(&b[8..10])?,
        millis,
    )?;
    // from_hms_milli_opt allows 1000..=1999 ms for leap seconds; the format can't say that.
    if millis >= 1000 {
        return None;
    }
    Some(date.and_time(time))
}

/// ASCII digits only (no sign, no spaces), as a number.
fn number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// A time from RFC 3339 text, e.g. "2026-01-02T03:04:05.007+09:00".
    fn at(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn zone_names_round_trip() {
        for z in [TimeZoneName::Kst, TimeZoneName::Utc] {
            assert_eq!(z.as_str().parse::<TimeZoneName>(), Ok(z));
        }
        assert_eq!(TimeZoneName::Kst.offset().local_minus_utc(), 9 * 3600);
        assert_eq!(TimeZoneName::Utc.offset().local_minus_utc(), 0);
        assert!("kst".parse::<TimeZoneName>().is_err());
        assert!("JST".parse::<TimeZoneName>().is_err());
    }

    #[test]
    fn times_are_written_in_the_given_offset() {
        let kst = at("2026-01-02T03:04:05.007+09:00");
        assert_eq!(tran_time(&kst), "20260102030405");
        assert_eq!(token_time(&kst), "20260102030405007");
        let utc = kst.with_timezone(&TimeZoneName::Utc.offset());
        assert_eq!(tran_time(&utc), "20260101180405");
    }

    /// The hand-written formats are chrono's patterns, digit for digit.
    #[test]
    fn formats_match_the_strftime_patterns() {
        let mut rng = StdRng::seed_from_u64(3);
        for t in [
            "2026-01-02T03:04:05.007+09:00",
            "2009-12-31T23:59:59.999+00:00",
            "0999-02-03T00:00:00.000+00:00",
            "2100-02-28T10:20:30.450+09:00",
        ] {
            let now = at(t);
            assert_eq!(
                tran_time(&now),
                now.format("%Y%m%d%H%M%S").to_string(),
                "{t}"
            );
            assert_eq!(
                token_time(&now),
                now.format("%Y%m%d%H%M%S%3f").to_string(),
                "{t}"
            );
            let id = correlation_id(&now, &mut rng);
            assert_eq!(id[..12], now.format("%y%m%d%H%M%S").to_string(), "{t}");
        }
    }

    #[test]
    fn correlation_id_is_well_formed() {
        let mut rng = StdRng::seed_from_u64(7);
        let now = at("2026-12-31T23:59:58+09:00");
        for _ in 0..200 {
            let id = correlation_id(&now, &mut rng);
            assert_eq!(id.len(), CORRELATION_ID_LEN);
            assert!(id.starts_with("261231235958-"), "{id}");
            assert!(
                id[13..]
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
            );
            assert!(is_correlation_id(&id));
        }
    }

    #[test]
    fn parsing_reads_back_what_was_written() {
        let t = at("2024-02-29T23:00:59.999+09:00");
        assert_eq!(
            parse_tran_time(&tran_time(&t), TimeZoneName::Kst),
            Some(t.with_nanosecond(0).unwrap())
        );
        assert_eq!(
            parse_token_time(&token_time(&t), TimeZoneName::Kst),
            Some(t)
        );
        assert_eq!(parse_tran_time("20260229000000", TimeZoneName::Utc), None);
        assert_eq!(parse_tran_time("20261231235960", TimeZoneName::Utc), None);
        assert_eq!(parse_tran_time("2026123123595", TimeZoneName::Utc), None);
        assert_eq!(parse_tran_time("+0261231235959", TimeZoneName::Utc), None);
    }
}
