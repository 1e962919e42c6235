//! The seeded records of the three certified endpoints' collections: members, cards and bank
//! accounts generated from a fixed seed with `fake` (Korean names from [`crate::fixtures::korean`]),
//! plus the named records the scenarios ask for by role. The same records are the fixtures
//! file `fixtures/embedded-sandbox.json`, so what the sandbox serves and what the suite
//! expects cannot drift apart. Collections a contract adds are served from its
//! `sandbox-records.json` instead (see [`super::records`]).

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::NaiveDate;
use fake::Fake;
use fake::RngExt;
use fake::faker::name::raw::Name;
use fake::rand::SeedableRng;
use fake::rand::rngs::ChaCha8Rng;
use fake::rand::seq::IndexedRandom;

use serde_json::{Value, json};

use super::records::{Records, Served};
use crate::fixtures::korean::KO_KR;
use crate::fixtures::{FORMAT, Fixtures, Record};

/// The documented maximum of a member id (errata E04).
pub const MAX_USER_ID: u64 = 9_999_999_999_999_999_999;

/// Collection names, as the catalogue declares them.
const MEMBERS: &str = "members";
const CARDS: &str = "cards";
const BANK_ACCOUNTS: &str = "bankAccounts";

/// Changing the seed (or the generation order below) changes every record: regenerate the
/// fixtures file afterwards (`kona-conformance sandbox --write-fixtures ...`).
const SEED: u64 = 0x4B4F_4E41_5341_4E44; // "KONASAND"
/// Further valid records per kind, for generated cases.
const POOL_SIZE: usize = 50;
/// The largest balance the card/info page allows.
pub(crate) const MAX_BALANCE: u64 = 9_999_999_999;

/// Bank codes the bank page lists (any 3 digits is well-formed: errata E08).
const BANK_CODES: [&str; 29] = [
    "088", "004", "020", "081", "003", "002", "011", "012", "023", "090", "071", "045", "007",
    "048", "032", "039", "034", "037", "064", "031", "035", "089", "050", "092", "027", "240",
    "269", "278", "261",
];

/// Card products: (serviceId, serviceName).
const PRODUCTS: [(&str, &str); 4] = [
    ("000990000001000", "KONA 선불카드"),
    ("000990000002000", "KONA 모바일 선불카드"),
    ("000990000003000", "KONA 기프트카드"),
    ("000990000004000", "KONA 교통 선불카드"),
];

/// Partner companies that own products (ownerKa, 15 characters).
const OWNERS: [&str; 3] = ["000990000000001", "000990000000002", "000990000000003"];

pub(crate) const STATUSES: [&str; 3] = ["ACTIVE", "SUSPENDED", "TERMINATED"];

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub user_id: u64,
    pub is_authed: bool,
    pub name: String,
    pub birth_date: String,
}

#[derive(Debug, Clone)]
pub(crate) struct CashReceipt {
    pub approval_div: &'static str,
    pub id_no: String,
    pub man_yn: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Card {
    pub card_no: String,
    pub user_id: Option<u64>,
    pub balance: u64,
    pub service_id: &'static str,
    pub service_name: &'static str,
    pub owner_ka: Option<&'static str>,
    pub cash_receipt: Option<CashReceipt>,
    pub status: &'static str,
    pub auto_recharge: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub bank_code: String,
    pub bank_account: String,
    pub user_id: u64,
    pub birth_date: String,
    pub holder_name: String,
    /// The documented refusal this account always answers with, for the bank's test cases
    /// that depend on the bank's side (gateway down, account frozen, ...).
    pub refusal: Option<&'static str>,
}

/// What the sandbox serves, and the same records as fixtures.
#[derive(Debug)]
pub(crate) struct Seeded {
    pub served: Records,
    pub fixtures: Fixtures,
}

static SEEDED: LazyLock<Seeded> = LazyLock::new(|| Seeder::new().run());

/// The seeded records, generated once per process.
pub(crate) fn seeded() -> &'static Seeded {
    &SEEDED
}

struct Seeder {
    rng: ChaCha8Rng,
    user_ids: HashSet<u64>,
    card_nos: HashSet<String>,
    account_nos: HashSet<(String, String)>,
    members: Vec<Member>,
    cards: Vec<Card>,
    accounts: Vec<Account>,
}

impl Seeder {
    fn new() -> Seeder {
        Seeder {
            rng: ChaCha8Rng::seed_from_u64(SEED),
            user_ids: HashSet::new(),
            card_nos: HashSet::new(),
            account_nos: HashSet::new(),
            members: Vec::new(),
            cards: Vec::new(),
            accounts: Vec::new(),
        }
    }

    /// A fresh member id: large, as real ids are, and unused.
    fn user_id(&mut self) -> u64 {
        loop {
            let id = self.rng.random_range(1_000_000_000_000..=MAX_USER_ID);
            if self.user_ids.insert(id) {
                return id;
            }
        }
    }

    fn name(&mut self) -> String {
        Name(KO_KR).fake_with_rng(&mut self.rng)
    }

    /// Another name than `than`.
    fn other_name(&mut self, than: &str) -> String {
        loop {
            let name = self.name();
            if name != than {
                return name;
            }
        }
    }

    fn date(&mut self) -> NaiveDate {
        let base = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default();
        base + chrono::Duration::days(self.rng.random_range(0..20_000))
    }

    fn birth_date(&mut self) -> String {
        self.date().format("%Y%m%d").to_string()
    }

    fn other_birth_date(&mut self, than: &str) -> String {
        loop {
            let date = self.birth_date();
            if date != than {
                return date;
            }
        }
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    fn member(&mut self, user_id: Option<u64>, is_authed: Option<bool>) -> Member {
        let user_id = match user_id {
            Some(id) => {
                self.user_ids.insert(id);
                id
            }
            None => self.user_id(),
        };
        let member = Member {
            user_id,
            is_authed: is_authed.unwrap_or_else(|| self.rng.random_bool(0.7)),
            name: self.name(),
            birth_date: self.birth_date(),
        };
        self.members.push(member.clone());
        member
    }

    fn any_member(&mut self) -> Member {
        let i = self.rng.random_range(0..self.members.len());
        self.members[i].clone()
    }

    fn card_no(&mut self) -> String {
        loop {
            let no = format!("9410{}", self.digits(12));
            if self.card_nos.insert(no.clone()) {
                return no;
            }
        }
    }

    fn cash_receipt(&mut self) -> CashReceipt {
        match self.rng.random_range(0..4) {
            0 => CashReceipt {
                approval_div: "0",
                id_no: format!("1{}", self.digits(17)),
                man_yn: "0",
            },
            1 => CashReceipt {
                approval_div: "0",
                id_no: format!("010{}", self.digits(8)),
                man_yn: "1",
            },
            2 => CashReceipt {
                approval_div: "1",
                id_no: self.digits(10),
                man_yn: "1",
            },
            _ => CashReceipt {
                approval_div: "1",
                id_no: format!("1{}", self.digits(17)),
                man_yn: "0",
            },
        }
    }

    /// A registered card with random traits, mapped to a member.
    fn card(&mut self) -> Card {
        let owner = self.any_member().user_id;
        let (service_id, service_name) = *PRODUCTS.choose(&mut self.rng).unwrap_or(&PRODUCTS[0]);
        Card {
            card_no: self.card_no(),
            user_id: if self.rng.random_bool(0.9) {
                Some(owner)
            } else {
                None
            },
            balance: self.rng.random_range(0..=2_000_000),
            service_id,
            service_name,
            owner_ka: if self.rng.random_bool(0.6) {
                OWNERS.choose(&mut self.rng).copied()
            } else {
                None
            },
            cash_receipt: if self.rng.random_bool(0.5) {
                Some(self.cash_receipt())
            } else {
                None
            },
            status: if self.rng.random_bool(0.8) {
                "ACTIVE"
            } else {
                STATUSES.choose(&mut self.rng).copied().unwrap_or("ACTIVE")
            },
            auto_recharge: self.rng.random_bool(0.5),
        }
    }

    fn account_no(&mut self, bank_code: &str) -> String {
        loop {
            let len = self.rng.random_range(10..=14);
            let no = self.digits(len);
            if self.account_nos.insert((bank_code.to_owned(), no.clone())) {
                return no;
            }
        }
    }

    fn bank_code(&mut self) -> String {
        (*BANK_CODES.choose(&mut self.rng).unwrap_or(&"004")).to_owned()
    }

    fn account(&mut self, refusal: Option<&'static str>) -> Account {
        let holder = self.any_member();
        let bank_code = self.bank_code();
        Account {
            bank_account: self.account_no(&bank_code),
            bank_code,
            user_id: holder.user_id,
            birth_date: holder.birth_date,
            holder_name: holder.name,
            refusal,
        }
    }

    fn run(mut self) -> Seeded {
        let mut fx = Fixtures {
            format: FORMAT.to_owned(),
            description: "Records of the embedded sandbox (kona-conformance sandbox), generated \
                          from a fixed seed. Regenerate with `kona-conformance sandbox \
                          --write-fixtures fixtures/embedded-sandbox.json`; a test keeps this \
                          file equal to the sandbox's data."
                .to_owned(),
            ..Fixtures::default()
        };
        let role = |fx: &mut Fixtures, collection: &str, role: &str, record: Record| {
            fx.collections
                .entry(collection.to_owned())
                .or_default()
                .roles
                .insert(role.to_owned(), record);
        };
        let pool = |fx: &mut Fixtures, collection: &str, record: Record| {
            fx.collections
                .entry(collection.to_owned())
                .or_default()
                .pool
                .push(record);
        };

        // Members.
        for (name, id, authed) in [
            ("authed", None, true),
            ("not-authed", None, false),
            ("min-id", Some(1), true),
            ("max-id", Some(MAX_USER_ID), false),
        ] {
            let m = self.member(id, Some(authed));
            role(&mut fx, MEMBERS, name, member_record(&m));
        }
        for _ in 0..POOL_SIZE {
            let m = self.member(None, None);
            pool(&mut fx, MEMBERS, member_record(&m));
        }

        // Cards: a random card with the one trait its role is about forced.
        type Force = fn(&mut Card, &mut Seeder);
        let roles: [(&str, Force); 13] = [
            ("active", |c, _| c.status = "ACTIVE"),
            ("suspended", |c, _| c.status = "SUSPENDED"),
            ("terminated", |c, _| c.status = "TERMINATED"),
            ("unmapped", |c, _| c.user_id = None),
            ("zero-balance", |c, _| c.balance = 0),
            ("max-balance", |c, _| c.balance = MAX_BALANCE),
            ("cash-receipt-consumer", |c, s| {
                c.cash_receipt = Some(CashReceipt {
                    approval_div: "0",
                    id_no: format!("1{}", s.digits(17)),
                    man_yn: "0",
                })
            }),
            ("cash-receipt-business", |c, s| {
                c.cash_receipt = Some(CashReceipt {
                    approval_div: "1",
                    id_no: s.digits(10),
                    man_yn: "1",
                })
            }),
            ("no-cash-receipt", |c, _| c.cash_receipt = None),
            ("with-owner-ka", |c, _| c.owner_ka = Some(OWNERS[0])),
            ("without-owner-ka", |c, _| c.owner_ka = None),
            ("auto-recharge", |c, _| c.auto_recharge = true),
            ("no-auto-recharge", |c, _| c.auto_recharge = false),
        ];
        for (name, force) in roles {
            let mut card = self.card();
            force(&mut card, &mut self);
            role(&mut fx, CARDS, name, card_record(&card));
            self.cards.push(card);
        }
        for _ in 0..POOL_SIZE {
            let card = self.card();
            pool(&mut fx, CARDS, card_record(&card));
            self.cards.push(card);
        }

        // Bank accounts: one role per answer that seeded data can reach.
        let valid = self.account(None);
        role(&mut fx, BANK_ACCOUNTS, "valid", account_record(&valid));
        self.accounts.push(valid);

        let mismatch = self.account(None);
        let mut request = account_record(&mismatch);
        request.insert(
            "userName".into(),
            Value::from(self.other_name(&mismatch.holder_name)),
        );
        role(&mut fx, BANK_ACCOUNTS, "name-mismatch", request);
        self.accounts.push(mismatch);

        let not_found = self.account(None);
        let mut request = account_record(&not_found);
        request.insert(
            "birthDate".into(),
            Value::from(self.other_birth_date(&not_found.birth_date)),
        );
        role(&mut fx, BANK_ACCOUNTS, "user-not-found", request);
        self.accounts.push(not_found);

        for key in BANK_REFUSALS {
            let account = self.account(Some(key));
            role(&mut fx, BANK_ACCOUNTS, key, account_record(&account));
            self.accounts.push(account);
        }
        for _ in 0..POOL_SIZE {
            let account = self.account(None);
            pool(&mut fx, BANK_ACCOUNTS, account_record(&account));
            self.accounts.push(account);
        }

        // Well-formed values that name nothing.
        let unknown_member = self.user_id();
        role(
            &mut fx,
            MEMBERS,
            "unknown",
            record(json!({ "userId": unknown_member })),
        );
        let unknown_card = self.card_no();
        role(
            &mut fx,
            CARDS,
            "unknown",
            record(json!({ "cardNo": unknown_card })),
        );
        let holder = self.any_member();
        let bank_code = self.bank_code();
        let bank_account = self.account_no(&bank_code);
        role(
            &mut fx,
            BANK_ACCOUNTS,
            "account-not-found",
            record(json!({
                "bankAccount": bank_account,
                "bankCode": bank_code,
                "birthDate": holder.birth_date,
                "userId": holder.user_id,
                "userName": holder.name,
            })),
        );

        let mut served = Served::new();
        served.insert(
            MEMBERS.to_owned(),
            self.members.iter().map(member_record).collect(),
        );
        served.insert(
            CARDS.to_owned(),
            self.cards.iter().map(card_record).collect(),
        );
        served.insert(
            BANK_ACCOUNTS.to_owned(),
            self.accounts.iter().map(served_account).collect(),
        );
        Seeded {
            served: Records::new(served),
            fixtures: fx,
        }
    }
}

/// The bank's answers that depend on the bank's side (gateway down, account frozen, ...):
/// one seeded account always answers each.
const BANK_REFUSALS: [&str; 8] = [
    "name-check-unavailable",
    "before-business-hours",
    "outside-service-hours",
    "account-not-tradable",
    "account-not-checkable",
    "before-hours-uncoded",
    "processing-delay",
    "non-participating",
];

fn record(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        _ => Record::new(),
    }
}

fn member_record(m: &Member) -> Record {
    record(json!({ "userId": m.user_id, "isAuthed": m.is_authed }))
}

/// A card as a record: request field, then every response field (null where the card has
/// no value, which the fixtures read as "expect it null or absent").
fn card_record(c: &Card) -> Record {
    record(json!({
        "cardNo": c.card_no,
        "userId": c.user_id,
        "balance": c.balance,
        "cardStatus": c.status,
        "serviceId": c.service_id,
        "serviceName": c.service_name,
        "ownerKa": c.owner_ka,
        "cashReceiptInfo": c.cash_receipt.as_ref().map(|r| json!({
            "approvalDiv": r.approval_div,
            "idNo": r.id_no,
            "manYn": r.man_yn,
        })),
        "isAutoRechargeBeforePayment": c.auto_recharge,
    }))
}

/// The request that checks account `a` for its own holder.
fn account_record(a: &Account) -> Record {
    record(json!({
        "bankAccount": a.bank_account,
        "bankCode": a.bank_code,
        "birthDate": a.birth_date,
        "userId": a.user_id,
        "userName": a.holder_name,
    }))
}

/// The account as the bank holds it: its holder, and the answer it always gets, if any.
fn served_account(a: &Account) -> Record {
    let mut r = account_record(a);
    if let Some(answer) = a.refusal {
        r.insert(super::bank::ANSWER.into(), Value::from(answer));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_is_deterministic_and_valid() {
        let a = Seeder::new().run().fixtures;
        let b = Seeder::new().run().fixtures;
        assert_eq!(a, b);
        let again = Fixtures::from_json(&a.to_json(), "seeded").unwrap();
        assert_eq!(again, a);
        a.check(crate::contract::Contract::shared().unwrap(), "seeded")
            .unwrap();
    }

    #[test]
    fn unknown_roles_are_not_served_and_the_others_are() {
        let seeded = seeded();
        let fx = &seeded.fixtures;
        let served = |collection: &str, field: &str, role: &str| {
            let value = &fx.role(collection, role).unwrap()[field];
            seeded
                .served
                .get(collection)
                .iter()
                .any(|r| r.get(field) == Some(value))
        };
        assert!(!served(MEMBERS, "userId", "unknown"));
        assert!(!served(CARDS, "cardNo", "unknown"));
        assert!(!served(BANK_ACCOUNTS, "bankAccount", "account-not-found"));
        assert!(served(MEMBERS, "userId", "authed"));
        assert!(served(CARDS, "cardNo", "suspended"));
        assert_eq!(fx.role(MEMBERS, "min-id").unwrap()["userId"], json!(1));
        assert_eq!(fx.pool(MEMBERS).len(), POOL_SIZE);
        assert_eq!(fx.pool(CARDS).len(), POOL_SIZE);
        assert_eq!(fx.pool(BANK_ACCOUNTS).len(), POOL_SIZE);
        for key in BANK_REFUSALS {
            let account = &fx.role(BANK_ACCOUNTS, key).unwrap()["bankAccount"];
            let stored = seeded
                .served
                .get(BANK_ACCOUNTS)
                .iter()
                .find(|r| r.get("bankAccount") == Some(account))
                .unwrap();
            assert_eq!(stored[super::super::bank::ANSWER], json!(key));
        }
    }
}
