//! The fixtures file: which records on a target play which role in the scenarios.
//!
//! A scenario never names a card number or a member id; it asks for a role ("a suspended
//! card"). The embedded sandbox writes its seeded records as `fixtures/embedded-sandbox.json`;
//! pointing the same suite at another target means handing it that target's fixtures file.
//! A role the file lacks makes the scenarios that need it *not verified*, never passed.
//!
//! Format (`format: "kona-conformance-fixtures/1"`): three maps from role name to record, plus
//! an optional `pool` of further valid records that generated cases draw from. Every field
//! other than the request fields is an expectation, checked only when present.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "kona-conformance-fixtures/1";

#[derive(Debug, thiserror::Error)]
pub enum FixturesError {
    #[error("cannot read fixtures file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("fixtures file {path} is not valid: {reason}")]
    Parse { path: String, reason: String },
    #[error("fixtures file {path}: field `format` must be \"{FORMAT}\", found \"{found}\"")]
    Format { path: String, found: String },
    #[error("fixtures file {path}: {field}: {rule}")]
    Rule {
        path: String,
        field: String,
        rule: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixtures {
    pub format: String,
    #[serde(default)]
    pub description: String,
    /// Roles: `authed`, `not-authed`, `unknown`, `min-id`, `max-id`.
    #[serde(default)]
    pub members: BTreeMap<String, MemberFixture>,
    /// Roles: `active`, `suspended`, `terminated`, `unmapped`, `zero-balance`, `max-balance`,
    /// `cash-receipt-consumer`, `cash-receipt-business`, `no-cash-receipt`, `with-owner-ka`,
    /// `without-owner-ka`, `auto-recharge`, `no-auto-recharge`, `unknown`.
    #[serde(default)]
    pub cards: BTreeMap<String, CardFixture>,
    /// Roles: `valid` plus one per response key of the bank endpoint that seeded data can
    /// reach (`name-mismatch`, `user-not-found`, ..., `non-participating`).
    #[serde(default)]
    pub bank_accounts: BTreeMap<String, BankAccountFixture>,
    #[serde(default)]
    pub pool: Pool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pool {
    #[serde(default)]
    pub members: Vec<MemberFixture>,
    #[serde(default)]
    pub cards: Vec<CardFixture>,
    #[serde(default)]
    pub bank_accounts: Vec<BankAccountFixture>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberFixture {
    pub user_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_authed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CardFixture {
    pub card_no: String,
    /// `Some(None)` expects `userId` null (unmapped); `None` checks nothing.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub user_id: Option<Option<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// `Some(None)` expects no ownerKa.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub owner_ka: Option<Option<String>>,
    /// `Some(None)` expects no cashReceiptInfo.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub cash_receipt_info: Option<Option<CashReceiptFixture>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_auto_recharge_before_payment: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CashReceiptFixture {
    pub approval_div: String,
    pub id_no: String,
    pub man_yn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BankAccountFixture {
    pub bank_account: String,
    pub bank_code: String,
    pub birth_date: String,
    pub user_id: u64,
    pub user_name: String,
}

/// serde helper: tell an absent key (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

impl Fixtures {
    pub fn from_json(text: &str, origin: &str) -> Result<Fixtures, FixturesError> {
        let fixtures: Fixtures = serde_json::from_str(text).map_err(|e| FixturesError::Parse {
            path: origin.to_owned(),
            reason: e.to_string(),
        })?;
        if fixtures.format != FORMAT {
            return Err(FixturesError::Format {
                path: origin.to_owned(),
                found: fixtures.format,
            });
        }
        fixtures.check(origin)?;
        Ok(fixtures)
    }

    pub fn load(path: &Path) -> Result<Fixtures, FixturesError> {
        let text = std::fs::read_to_string(path).map_err(|e| FixturesError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_json(&text, &path.display().to_string())
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The request fields must be usable as they are: a fixture that breaks a documented
    /// request rule would turn a target's correct rejection into a false failure.
    fn check(&self, origin: &str) -> Result<(), FixturesError> {
        let rule = |field: String, rule: &str| FixturesError::Rule {
            path: origin.to_owned(),
            field,
            rule: rule.to_owned(),
        };
        let member_ids = self
            .members
            .iter()
            .map(|(r, m)| (format!("members.{r}.userId"), m.user_id))
            .chain(
                self.pool
                    .members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (format!("pool.members[{i}].userId"), m.user_id)),
            );
        for (field, id) in member_ids {
            if !(1..=MAX_USER_ID).contains(&id) {
                return Err(rule(field, "must be 1..9999999999999999999"));
            }
        }
        let cards = self
            .cards
            .iter()
            .map(|(r, c)| (format!("cards.{r}.cardNo"), c))
            .chain(
                self.pool
                    .cards
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("pool.cards[{i}].cardNo"), c)),
            );
        for (field, card) in cards {
            if card.card_no.len() != 16 || !card.card_no.bytes().all(|b| b.is_ascii_digit()) {
                return Err(rule(field, "must be exactly 16 digits"));
            }
        }
        let accounts = self
            .bank_accounts
            .iter()
            .map(|(r, a)| (format!("bankAccounts.{r}"), a))
            .chain(
                self.pool
                    .bank_accounts
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (format!("pool.bankAccounts[{i}]"), a)),
            );
        for (field, a) in accounts {
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            if a.bank_account.is_empty() || a.bank_account.len() > 20 || !digits(&a.bank_account) {
                return Err(rule(
                    format!("{field}.bankAccount"),
                    "must be 1 to 20 digits",
                ));
            }
            if a.bank_code.len() != 3 || !digits(&a.bank_code) {
                return Err(rule(format!("{field}.bankCode"), "must be 3 digits"));
            }
            if !crate::contract::formats::is_date(&a.birth_date) {
                return Err(rule(
                    format!("{field}.birthDate"),
                    "must be a calendar date written yyyyMMdd",
                ));
            }
            if !(1..=MAX_USER_ID).contains(&a.user_id) {
                return Err(rule(
                    format!("{field}.userId"),
                    "must be 1..9999999999999999999",
                ));
            }
            let chars = a.user_name.chars().count();
            if chars == 0 || chars > 100 {
                return Err(rule(
                    format!("{field}.userName"),
                    "must be 1 to 100 characters",
                ));
            }
        }
        Ok(())
    }
}

/// The documented maximum of `userId`.
pub const MAX_USER_ID: u64 = 9_999_999_999_999_999_999;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_absent_user_id_are_told_apart() {
        let text = r#"{"format":"kona-conformance-fixtures/1",
            "cards":{"unmapped":{"cardNo":"1234567890123456","userId":null},
                     "active":{"cardNo":"1234567890123457"}}}"#;
        let f = Fixtures::from_json(text, "inline").unwrap();
        assert_eq!(f.cards["unmapped"].user_id, Some(None));
        assert_eq!(f.cards["active"].user_id, None);
        let again = Fixtures::from_json(&f.to_json(), "again").unwrap();
        assert_eq!(again, f);
    }

    #[test]
    fn maximum_user_id_is_exact() {
        let text = r#"{"format":"kona-conformance-fixtures/1",
            "members":{"max-id":{"userId":9999999999999999999}}}"#;
        let f = Fixtures::from_json(text, "inline").unwrap();
        assert_eq!(f.members["max-id"].user_id, MAX_USER_ID);
    }

    #[test]
    fn errors_name_the_field_and_rule() {
        let text = r#"{"format":"kona-conformance-fixtures/1",
            "cards":{"active":{"cardNo":"12345"}}}"#;
        let err = Fixtures::from_json(text, "f.json").unwrap_err().to_string();
        assert!(err.contains("cards.active.cardNo"), "{err}");
        assert!(err.contains("16 digits"), "{err}");
        let err = Fixtures::from_json(r#"{"format":"x"}"#, "f.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("format"), "{err}");
        let err = Fixtures::from_json(
            r#"{"format":"kona-conformance-fixtures/1","card":{}}"#,
            "f.json",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `card`"), "{err}");
    }
}
