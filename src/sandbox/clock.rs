//! Clocks the sandbox reads: one for the tran-time skew check, one for the bank's service
//! hours. Both are injectable so tests never depend on the wall clock or the hour.

use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone, Utc};

/// Korea Standard Time: UTC+9 all year (no daylight saving).
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is within a day")
}

/// Where "now" comes from. Every reading is expressed in KST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// Always this instant.
    Fixed(DateTime<FixedOffset>),
    /// The machine's clock shifted by this much (negative goes back).
    Offset(chrono::Duration),
}

impl Clock {
    /// The current instant, in KST.
    pub fn now(&self) -> DateTime<FixedOffset> {
        let now = match self {
            Clock::System => Utc::now().with_timezone(&kst()),
            Clock::Fixed(at) => *at,
            Clock::Offset(by) => Utc::now().with_timezone(&kst()) + *by,
        };
        now.with_timezone(&kst())
    }

    /// A clock pinned to `time` (KST) on today's KST date: only the time of day matters to
    /// the bank's service hours.
    pub fn kst_time_of_day(time: NaiveTime) -> Clock {
        let today = Utc::now().with_timezone(&kst()).date_naive();
        let at = today.and_time(time);
        match kst().from_local_datetime(&at).single() {
            Some(at) => Clock::Fixed(at),
            // A fixed offset maps every local time to exactly one instant.
            None => Clock::System,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_in_kst() {
        let utc_noon = Utc.with_ymd_and_hms(2026, 1, 2, 3, 0, 0).unwrap();
        let clock = Clock::Fixed(utc_noon.fixed_offset());
        assert_eq!(clock.now().offset().local_minus_utc(), 9 * 3600);
        assert_eq!(clock.now().format("%H:%M").to_string(), "12:00");
        assert_eq!(Clock::System.now().offset().local_minus_utc(), 9 * 3600);
    }

    #[test]
    fn offset_shifts_the_system_clock() {
        let ahead = Clock::Offset(chrono::Duration::hours(3)).now();
        let diff = ahead - Clock::System.now();
        assert!(
            (diff - chrono::Duration::hours(3)).num_seconds().abs() <= 1,
            "{diff}"
        );
    }

    #[test]
    fn time_of_day_pins_the_hour() {
        let clock = Clock::kst_time_of_day(NaiveTime::from_hms_opt(23, 45, 0).unwrap());
        assert_eq!(clock.now().format("%H:%M:%S").to_string(), "23:45:00");
    }
}
