//! Flow control is not an answer. A 429, a 503, or a pooled connection the far end closed
//! before it sent a byte says nothing about the request, so it is resent within a bounded
//! budget and the run slows down; when the budget runs out, the exchange carries the typed
//! reason and its scenario is not verified (never passed, never charged to a rule).
//!
//! Resending is safe: the three endpoints are inquiries (a card, a member, a bank account's
//! holder) that change nothing on the target, and a resend carries the very bytes and
//! headers of the first attempt, correlation id included.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Why an answer was not taken as the target's verdict on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowControl {
    /// HTTP 429: the target asks the caller to slow down.
    Throttled,
    /// HTTP 503: the target (or a proxy before it) is temporarily unavailable.
    Unavailable,
    /// The connection closed before any byte of an answer, on a fresh connection too.
    NoAnswer,
}

impl FlowControl {
    pub fn of_status(status: u16) -> Option<FlowControl> {
        match status {
            429 => Some(FlowControl::Throttled),
            503 => Some(FlowControl::Unavailable),
            _ => None,
        }
    }
}

impl std::fmt::Display for FlowControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FlowControl::Throttled => "throttled (HTTP 429)",
            FlowControl::Unavailable => "unavailable (HTTP 503)",
            FlowControl::NoAnswer => "no answer (the connection closed before any byte)",
        })
    }
}

/// The not-verified reason of a scenario one of whose requests got only flow control.
pub fn not_verified_reason(flow: FlowControl, attempts: usize) -> String {
    format!(
        "the target's flow control outlasted the resend budget: {flow} after {attempts} attempt(s); no answer to judge, so nothing was verified or charged to a rule"
    )
}

/// An attempt that was flow control, and what the harness did about it. Kept in the
/// exchange's evidence, before the attempt whose answer the exchange holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub started_at: DateTime<Utc>,
    #[serde(serialize_with = "as_millis")]
    pub duration: Duration,
    pub flow: FlowControl,
    /// The HTTP status, when there was an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What the target's Retry-After asked for, when it sent one that parses.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_millis")]
    pub retry_after: Option<Duration>,
    /// How long the harness waited before the next attempt.
    #[serde(serialize_with = "as_millis")]
    pub waited: Duration,
    /// The next attempt went out on a connection of its own (not from the pool).
    pub fresh_connection_next: bool,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn opt_millis<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => as_millis(d, s),
        None => s.serialize_none(),
    }
}

/// The resend budget of one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Attempts in all for a 429 or 503 (the first included).
    pub attempts: usize,
    /// The longest Retry-After honoured; a longer one is waited this long.
    pub retry_after_cap: Duration,
    /// The first wait when the target names none; doubled at each resend.
    pub backoff: Duration,
}

/// Four attempts, waits of at most 5 s each: an exchange spends at most 15 s waiting.
pub const BUDGET: Budget = Budget {
    attempts: 4,
    retry_after_cap: Duration::from_secs(5),
    backoff: Duration::from_millis(250),
};

/// Pooled connections are dropped after this long idle: below the 5 s keep-alive of common
/// servers and load balancers (Node.js, Apache httpd), far below nginx's 75 s and the 60 s
/// of cloud load balancers, so the pool rarely hands out a connection the far end closed.
pub const POOL_IDLE: Duration = Duration::from_secs(4);

impl Budget {
    /// How long to wait before attempt `made + 1`, or `None` when the budget is spent.
    /// `made` attempts were made so far (at least 1).
    pub fn next_wait(
        &self,
        flow: FlowControl,
        made: usize,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        match flow {
            // One resend, at once, on a fresh connection.
            FlowControl::NoAnswer => (made < 2).then_some(Duration::ZERO),
            FlowControl::Throttled | FlowControl::Unavailable => {
                if made >= self.attempts {
                    return None;
                }
                let backoff = self
                    .backoff
                    .saturating_mul(1 << (made.saturating_sub(1)).min(8));
                Some(retry_after.unwrap_or(backoff).min(self.retry_after_cap))
            }
        }
    }
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), relative to `now`.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&Utc) - now).to_std().unwrap_or_default())
}

/// The run's pace, shared by every request: at most one request per `interval`, slowed down
/// (never sped up again) each time the target throttles, and held back as a whole while a
/// Retry-After runs.
#[derive(Debug)]
pub struct Pace {
    state: Mutex<PaceState>,
}

#[derive(Debug)]
struct PaceState {
    interval: Duration,
    next: Instant,
    last_slowdown: Option<Instant>,
    slowdowns: usize,
    /// Exchanges in a row whose budget ran out on flow control.
    given_up_in_a_row: usize,
}

/// The pace a first throttle slows an unpaced run to: 100 requests a second.
const FIRST_SLOW_INTERVAL: Duration = Duration::from_millis(10);
/// Throttles closer together than this are one episode (answers already in flight).
const EPISODE: Duration = Duration::from_millis(500);
/// The slowest pace: ten requests a second. A target that still throttles at this pace
/// gets its requests given up (and the run not verified) rather than an endless run.
const SLOWEST: Duration = Duration::from_millis(100);
/// After this many exchanges in a row ran out of budget, flow control is given up at the
/// first answer: the target is not letting the run through, and waiting proves nothing.
const GIVE_UP_STREAK: usize = 5;

impl Pace {
    /// `rps`: the configured rate limit, if any.
    pub fn new(rps: Option<f64>) -> Pace {
        let interval = rps
            .filter(|r| *r > 0.0 && r.is_finite())
            .map_or(Duration::ZERO, |r| Duration::from_secs_f64(1.0 / r));
        Pace {
            state: Mutex::new(PaceState {
                interval,
                next: Instant::now(),
                last_slowdown: None,
                slowdowns: 0,
                given_up_in_a_row: 0,
            }),
        }
    }

    /// When the next request may leave (and reserve that slot).
    pub fn reserve(&self) -> Instant {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let at = s.next.max(now);
        s.next = at + s.interval;
        at
    }

    /// The target pushed back: hold every request for `hold`, and slow the pace by half
    /// once per episode.
    pub fn push_back(&self, hold: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        s.next = s.next.max(now + hold);
        if s.last_slowdown
            .is_none_or(|t| now.duration_since(t) >= EPISODE)
        {
            s.interval = if s.interval.is_zero() {
                FIRST_SLOW_INTERVAL
            } else {
                (s.interval * 3 / 2).min(SLOWEST)
            };
            s.last_slowdown = Some(now);
            s.slowdowns += 1;
        }
    }

    /// An exchange ended: on an answer (`false`) or with its budget spent (`true`).
    pub fn settled(&self, gave_up: bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.given_up_in_a_row = if gave_up { s.given_up_in_a_row + 1 } else { 0 };
    }

    /// Several exchanges in a row ran out of budget: resend no more until one is answered.
    pub fn exhausted(&self) -> bool {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.given_up_in_a_row >= GIVE_UP_STREAK
    }

    /// The pace now (zero: unpaced) and how many times the run was slowed down.
    pub fn current(&self) -> (Duration, usize) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (s.interval, s.slowdowns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(FlowControl::Throttled, 1, Some(1), Some(1000))]
    #[case(FlowControl::Throttled, 1, Some(60), Some(5000))]
    #[case(FlowControl::Unavailable, 1, Some(0), Some(0))]
    #[case(FlowControl::Unavailable, 1, None, Some(250))]
    #[case(FlowControl::Unavailable, 3, None, Some(1000))]
    #[case(FlowControl::Throttled, 4, Some(1), None)]
    #[case(FlowControl::NoAnswer, 1, None, Some(0))]
    #[case(FlowControl::NoAnswer, 2, None, None)]
    fn the_budget_is_bounded(
        #[case] flow: FlowControl,
        #[case] made: usize,
        #[case] retry_after_s: Option<u64>,
        #[case] wait_ms: Option<u64>,
    ) {
        let got = BUDGET.next_wait(flow, made, retry_after_s.map(Duration::from_secs));
        assert_eq!(got, wait_ms.map(Duration::from_millis));
    }

    #[rstest]
    #[case("1", Some(1))]
    #[case(" 0 ", Some(0))]
    #[case("Wed, 21 Oct 2015 07:28:10 GMT", Some(10))]
    #[case("Wed, 21 Oct 2015 07:27:00 GMT", Some(0))]
    #[case("soon", None)]
    #[case("-1", None)]
    fn retry_after_reads_seconds_and_dates(#[case] value: &str, #[case] secs: Option<u64>) {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after(value, now), secs.map(Duration::from_secs));
    }

    #[test]
    fn a_throttle_episode_slows_the_pace_once_and_it_never_speeds_up() {
        let pace = Pace::new(None);
        assert_eq!(pace.current(), (Duration::ZERO, 0));
        pace.push_back(Duration::ZERO);
        pace.push_back(Duration::ZERO);
        assert_eq!(pace.current(), (FIRST_SLOW_INTERVAL, 1));
        let paced = Pace::new(Some(50.0));
        paced.push_back(Duration::ZERO);
        assert_eq!(paced.current(), (Duration::from_millis(30), 1));
    }

    #[test]
    fn budgets_spent_in_a_row_stop_the_resends_until_an_answer() {
        let pace = Pace::new(None);
        for _ in 0..GIVE_UP_STREAK {
            assert!(!pace.exhausted());
            pace.settled(true);
        }
        assert!(pace.exhausted());
        pace.settled(false);
        assert!(!pace.exhausted());
    }
}
