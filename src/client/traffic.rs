//! What a scenario keeps of the exchanges it did not keep as examples: counts, answer
//! times and the few facts the run-level checks read, folded in once per exchange as it
//! goes by, so a scenario of a million generated cases costs a fixed amount of memory.
//! Every exchange itself went to the run's journal (`capture::journal`) when there is one.

use std::collections::{BTreeMap, BTreeSet};

use super::Exchange;

/// Answer times in microseconds, as a histogram: exact below [`Durations::EXACT_BELOW`] µs
/// (every loopback answer), to four significant digits in binary above (under 0.05 %), so
/// its size is bounded whatever the number of answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durations {
    /// Bucket (its lowest value) → answers in it.
    buckets: BTreeMap<u64, u64>,
    count: u64,
    max: u64,
}

impl Durations {
    /// Values below this are kept exactly.
    pub const EXACT_BELOW: u64 = 1 << 12;

    fn bucket(us: u64) -> u64 {
        if us < Self::EXACT_BELOW {
            return us;
        }
        let shift = 63 - us.leading_zeros() - 11;
        (us >> shift) << shift
    }

    pub fn add(&mut self, us: u64) {
        *self.buckets.entry(Self::bucket(us)).or_default() += 1;
        self.count += 1;
        self.max = self.max.max(us);
    }

    pub fn merge(&mut self, other: &Durations) {
        for (b, n) in &other.buckets {
            *self.buckets.entry(*b).or_default() += n;
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The slowest answer, exactly.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Every value with how many answers took it (a bucket's lowest value above
    /// [`Durations::EXACT_BELOW`]), fastest first.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.buckets.iter().map(|(b, n)| (*b, *n))
    }

    /// The value of nearest rank `rank` (from 1), fastest first.
    pub fn at_rank(&self, rank: u64) -> Option<u64> {
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(if rank == self.count { self.max } else { *b });
            }
        }
        None
    }
}

/// An answer seen at a time: when, its correlation id, its code.
pub type Sighting = (chrono::DateTime<chrono::Utc>, String, String);

/// The first and the last of some answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    pub first: Option<Sighting>,
    pub last: Option<Sighting>,
}

/// The exchanges of one scenario that were not kept as examples, summarised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Exchanges sent to the target.
    pub sent: usize,
    /// Requests a stopped run refused before sending.
    pub not_sent: usize,
    /// Requests sent again after flow control.
    pub resends: usize,
    /// Answer times of the exchanges that got an answer.
    pub durations: Durations,
    /// Codes by endpoint id that show the endpoint reads a request (`runner::apart`).
    pub telling: BTreeMap<String, BTreeSet<String>>,
    /// Answers of an open bank, by (endpoint, bank, minute of the request): the first and
    /// the last of that minute (`runner::hours`).
    pub open_banks: BTreeMap<(String, String, i64), Seen>,
    /// Exchanges carrying our own time that were answered as stale (`runner::certify`).
    pub stale: usize,
    /// One of them was cut short or refused by a stopped run.
    pub cut_short: bool,
    /// Observations counted but not kept (past a few of one kind in one scenario).
    pub observations_omitted: usize,
    /// The journal line of each example kept, in the order of the scenario's exchanges.
    pub lines: Vec<Option<u64>>,
}

impl Traffic {
    /// Count one exchange that is not kept: what every exchange contributes to the counts
    /// and the answer times.
    pub fn count(&mut self, e: &Exchange) {
        self.cut_short |= e.failure.as_ref().is_some_and(|f| f.is_interruption());
        if e.failure.as_ref().is_some_and(|f| f.was_not_sent()) {
            self.not_sent += 1;
        } else {
            self.sent += 1;
        }
        self.resends += e.attempts.len();
        if e.response.is_some() {
            self.durations
                .add(u64::try_from(e.duration.as_micros()).unwrap_or(u64::MAX));
        }
    }

    /// Everything `other` counted, added to this.
    pub fn merge(&mut self, other: Traffic) {
        self.sent += other.sent;
        self.not_sent += other.not_sent;
        self.resends += other.resends;
        self.durations.merge(&other.durations);
        for (endpoint, codes) in other.telling {
            self.telling.entry(endpoint).or_default().extend(codes);
        }
        for (key, seen) in other.open_banks {
            let entry = self.open_banks.entry(key).or_default();
            if let Some(f) = seen.first
                && entry.first.as_ref().is_none_or(|e| f.0 < e.0)
            {
                entry.first = Some(f);
            }
            if let Some(l) = seen.last
                && entry.last.as_ref().is_none_or(|e| l.0 > e.0)
            {
                entry.last = Some(l);
            }
        }
        self.stale += other.stale;
        self.cut_short |= other.cut_short;
        self.observations_omitted += other.observations_omitted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_exact_below_the_bound_and_close_above() {
        let mut d = Durations::default();
        for us in [412, 1030, 3114, 5_000_001] {
            d.add(us);
        }
        assert_eq!(d.at_rank(1), Some(412));
        assert_eq!(d.at_rank(3), Some(3114));
        assert_eq!(d.max(), 5_000_001);
        let high = d.at_rank(4).unwrap();
        assert!(
            high <= 5_000_001 && 5_000_001 - high < 5_000_001 / 2000,
            "{high}"
        );
        let mut many = Durations::default();
        for us in 0..1_000_000 {
            many.add(us * 7);
        }
        assert!(many.iter().count() < 40_000, "{}", many.iter().count());
        assert_eq!(many.count(), 1_000_000);
    }
}
