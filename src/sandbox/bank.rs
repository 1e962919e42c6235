//! The one endpoint whose answer is logic rather than a record: the account holder's
//! real-name check (`bank-account-valid`). The bank's service hours, then the account, its
//! own standing answer, the holder's birth date and the holder's name, in that order. The
//! member id is the partner's, not the bank's: it is not compared (errata E34), unless the
//! variant that reads it as part of the member's details is on.

use std::collections::HashMap;

use chrono::NaiveTime;
use serde_json::{Map, Value};

pub(crate) use super::Clock;
use super::records::Records;

/// The catalogue id of the endpoint this module answers.
pub(crate) const ENDPOINT: &str = "bank-account-valid";
/// The collection the accounts come from.
const COLLECTION: &str = "bankAccounts";
/// In a served account: the answer the bank always gives for it (gateway down, account
/// frozen, ...), a catalogue key.
pub(crate) const ANSWER: &str = "answer";

const ACCOUNT_NOT_FOUND: &str = "account-not-found";
const USER_NOT_FOUND: &str = "user-not-found";
const NAME_MISMATCH: &str = "name-mismatch";
const OUTSIDE_SERVICE_HOURS: &str = "outside-service-hours";
const BEFORE_BUSINESS_HOURS: &str = "before-business-hours";

/// How the check reads the parts the docs leave open (errata E34), as the variants choose.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BankReading {
    /// Also compare the member id with the account's (`bank-checks-member-id`).
    pub checks_member_id: bool,
    /// Compare the holder's name before the birth date (`bank-name-first`).
    pub name_first: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Bank {
    clock: Clock,
    reading: BankReading,
    /// (bankCode, bankAccount) to the account.
    accounts: HashMap<(String, String), Map<String, Value>>,
}

fn text<'a>(m: &'a Map<String, Value>, field: &str) -> &'a str {
    m.get(field).and_then(Value::as_str).unwrap_or_default()
}

impl Bank {
    pub(crate) fn new(records: &Records, clock: Clock, reading: BankReading) -> Bank {
        let accounts = records
            .get(COLLECTION)
            .iter()
            .map(|a| {
                (
                    (
                        text(a, "bankCode").to_owned(),
                        text(a, "bankAccount").to_owned(),
                    ),
                    a.clone(),
                )
            })
            .collect();
        Bank {
            clock,
            reading,
            accounts,
        }
    }

    /// Every answer besides success this logic may give.
    pub(crate) fn answers(&self) -> Vec<String> {
        let mut keys: Vec<String> = [
            ACCOUNT_NOT_FOUND,
            USER_NOT_FOUND,
            NAME_MISMATCH,
            OUTSIDE_SERVICE_HOURS,
            BEFORE_BUSINESS_HOURS,
        ]
        .map(str::to_owned)
        .to_vec();
        keys.extend(
            self.accounts
                .values()
                .filter_map(|a| a.get(ANSWER).and_then(Value::as_str).map(str::to_owned)),
        );
        keys.sort();
        keys.dedup();
        keys
    }

    /// The answer for a request whose fields already passed the request schema.
    pub(crate) fn answer(&self, body: &Map<String, Value>) -> Result<Map<String, Value>, String> {
        if let Some(closed) = bank_window(self.clock.now().time()) {
            return Err(closed.to_owned());
        }
        let key = (
            text(body, "bankCode").to_owned(),
            text(body, "bankAccount").to_owned(),
        );
        let Some(account) = self.accounts.get(&key) else {
            return Err(ACCOUNT_NOT_FOUND.into());
        };
        if let Some(answer) = account.get(ANSWER).and_then(Value::as_str) {
            return Err(answer.to_owned());
        }
        // Member ids compare by their exact JSON text: never through a float (errata E04).
        let same = |field: &str| {
            account.get(field).map(Value::to_string) == body.get(field).map(Value::to_string)
        };
        let member = same("birthDate") && (!self.reading.checks_member_id || same("userId"));
        let name = same("userName");
        match (member, name) {
            (true, true) => Ok(Map::new()),
            (false, false) if self.reading.name_first => Err(NAME_MISMATCH.into()),
            (false, _) => Err(USER_NOT_FOUND.into()),
            (true, false) => Err(NAME_MISMATCH.into()),
        }
    }
}

/// A time of day (KST) at which the banks are outside service hours.
pub(crate) const CLOSED_AT: NaiveTime = match NaiveTime::from_hms_opt(23, 45, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Which bank-hours answer applies at `time` (KST), if any: from 23:30 the banks are outside
/// service hours, from midnight to 00:30 not yet open for business.
pub(crate) fn bank_window(time: NaiveTime) -> Option<&'static str> {
    let closing = NaiveTime::from_hms_opt(23, 30, 0)?;
    let opening = NaiveTime::from_hms_opt(0, 30, 0)?;
    if time >= closing {
        Some(OUTSIDE_SERVICE_HOURS)
    } else if time < opening {
        Some(BEFORE_BUSINESS_HOURS)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("12:00:00", None)]
    #[case("23:29:59", None)]
    #[case("23:30:00", Some(OUTSIDE_SERVICE_HOURS))]
    #[case("23:59:59", Some(OUTSIDE_SERVICE_HOURS))]
    #[case("00:00:00", Some(BEFORE_BUSINESS_HOURS))]
    #[case("00:29:59", Some(BEFORE_BUSINESS_HOURS))]
    #[case("00:30:00", None)]
    fn the_bank_window(#[case] time: &str, #[case] key: Option<&str>) {
        let time = NaiveTime::parse_from_str(time, "%H:%M:%S").unwrap();
        assert_eq!(bank_window(time), key);
    }
}
