//! The sandbox's records: members, cards and bank accounts generated from a fixed seed with
//! `fake` (Korean names from [`super::korean`]), plus the named records the scenarios ask for
//! by role. The same records are the fixtures file `fixtures/embedded-sandbox.json`, so what
//! the sandbox serves and what the suite expects cannot drift apart.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::NaiveDate;
use fake::Fake;
use fake::RngExt;
use fake::faker::name::raw::Name;
use fake::rand::SeedableRng;
use fake::rand::rngs::ChaCha8Rng;
use fake::rand::seq::IndexedRandom;

use super::codebook::ResponseKey;
use super::korean::KO_KR;
use crate::fixtures::{
    BankAccountFixture, CardFixture, CashReceiptFixture, FORMAT, Fixtures, MAX_USER_ID,
    MemberFixture,
};

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
    pub refusal: Option<ResponseKey>,
}

/// Lookup tables the endpoints read, and the same records as fixtures.
#[derive(Debug)]
pub(crate) struct Store {
    members: HashMap<u64, Member>,
    cards: HashMap<String, Card>,
    /// bankCode -> bankAccount -> account.
    accounts: HashMap<String, HashMap<String, Account>>,
    fixtures: Fixtures,
}

static STORE: LazyLock<Store> = LazyLock::new(Store::seeded);

/// The seeded records, generated once per process.
pub(crate) fn store() -> &'static Store {
    &STORE
}

/// The sandbox's records as a fixtures file (roles plus a pool per kind).
pub fn seeded_fixtures() -> Fixtures {
    store().fixtures.clone()
}

impl Store {
    pub(crate) fn member(&self, user_id: u64) -> Option<&Member> {
        self.members.get(&user_id)
    }

    pub(crate) fn card(&self, card_no: &str) -> Option<&Card> {
        self.cards.get(card_no)
    }

    pub(crate) fn account(&self, bank_code: &str, bank_account: &str) -> Option<&Account> {
        self.accounts.get(bank_code)?.get(bank_account)
    }

    fn seeded() -> Store {
        Seeder::new().run()
    }
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

    fn account(&mut self, refusal: Option<ResponseKey>) -> Account {
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

    fn run(mut self) -> Store {
        let mut fx = Fixtures {
            format: FORMAT.to_owned(),
            description: "Records of the embedded sandbox (kona-conformance sandbox), generated \
                          from a fixed seed. Regenerate with `kona-conformance sandbox \
                          --write-fixtures fixtures/embedded-sandbox.json`; a test keeps this \
                          file equal to the sandbox's data."
                .to_owned(),
            ..Fixtures::default()
        };

        // Members.
        for (role, id, authed) in [
            ("authed", None, true),
            ("not-authed", None, false),
            ("min-id", Some(1), true),
            ("max-id", Some(MAX_USER_ID), false),
        ] {
            let m = self.member(id, Some(authed));
            fx.members.insert(role.to_owned(), member_fixture(&m));
        }
        for _ in 0..POOL_SIZE {
            let m = self.member(None, None);
            fx.pool.members.push(member_fixture(&m));
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
        for (role, force) in roles {
            let mut card = self.card();
            force(&mut card, &mut self);
            fx.cards.insert(role.to_owned(), card_fixture(&card));
            self.cards.push(card);
        }
        for _ in 0..POOL_SIZE {
            let card = self.card();
            fx.pool.cards.push(card_fixture(&card));
            self.cards.push(card);
        }

        // Bank accounts: one role per answer that seeded data can reach.
        let valid = self.account(None);
        fx.bank_accounts
            .insert("valid".into(), account_fixture(&valid));
        self.accounts.push(valid);

        let mismatch = self.account(None);
        let mut request = account_fixture(&mismatch);
        request.user_name = self.other_name(&mismatch.holder_name);
        fx.bank_accounts.insert("name-mismatch".into(), request);
        self.accounts.push(mismatch);

        let not_found = self.account(None);
        let mut request = account_fixture(&not_found);
        request.birth_date = self.other_birth_date(&not_found.birth_date);
        fx.bank_accounts.insert("user-not-found".into(), request);
        self.accounts.push(not_found);

        for key in [
            ResponseKey::NameCheckUnavailable,
            ResponseKey::BeforeBusinessHours,
            ResponseKey::OutsideServiceHours,
            ResponseKey::AccountNotTradable,
            ResponseKey::AccountNotCheckable,
            ResponseKey::BeforeHoursUncoded,
            ResponseKey::ProcessingDelay,
            ResponseKey::NonParticipating,
        ] {
            let account = self.account(Some(key));
            fx.bank_accounts
                .insert(key.as_str().to_owned(), account_fixture(&account));
            self.accounts.push(account);
        }
        for _ in 0..POOL_SIZE {
            let account = self.account(None);
            fx.pool.bank_accounts.push(account_fixture(&account));
            self.accounts.push(account);
        }

        // Well-formed values that name nothing.
        let unknown_member = self.user_id();
        fx.members.insert(
            "unknown".into(),
            MemberFixture {
                user_id: unknown_member,
                is_authed: None,
            },
        );
        let unknown_card = self.card_no();
        fx.cards.insert("unknown".into(), bare_card(unknown_card));
        let holder = self.any_member();
        let bank_code = self.bank_code();
        let bank_account = self.account_no(&bank_code);
        fx.bank_accounts.insert(
            "account-not-found".into(),
            BankAccountFixture {
                bank_account,
                bank_code,
                birth_date: holder.birth_date,
                user_id: holder.user_id,
                user_name: holder.name,
            },
        );

        let mut accounts: HashMap<String, HashMap<String, Account>> = HashMap::new();
        for a in self.accounts {
            accounts
                .entry(a.bank_code.clone())
                .or_default()
                .insert(a.bank_account.clone(), a);
        }
        Store {
            members: self.members.into_iter().map(|m| (m.user_id, m)).collect(),
            cards: self
                .cards
                .into_iter()
                .map(|c| (c.card_no.clone(), c))
                .collect(),
            accounts,
            fixtures: fx,
        }
    }
}

fn member_fixture(m: &Member) -> MemberFixture {
    MemberFixture {
        user_id: m.user_id,
        is_authed: Some(m.is_authed),
    }
}

fn card_fixture(c: &Card) -> CardFixture {
    CardFixture {
        card_no: c.card_no.clone(),
        user_id: Some(c.user_id),
        balance: Some(c.balance),
        card_status: Some(c.status.to_owned()),
        service_id: Some(c.service_id.to_owned()),
        service_name: Some(c.service_name.to_owned()),
        owner_ka: Some(c.owner_ka.map(str::to_owned)),
        cash_receipt_info: Some(c.cash_receipt.as_ref().map(|r| CashReceiptFixture {
            approval_div: r.approval_div.to_owned(),
            id_no: r.id_no.clone(),
            man_yn: r.man_yn.to_owned(),
        })),
        is_auto_recharge_before_payment: Some(c.auto_recharge),
    }
}

fn bare_card(card_no: String) -> CardFixture {
    CardFixture {
        card_no,
        user_id: None,
        balance: None,
        card_status: None,
        service_id: None,
        service_name: None,
        owner_ka: None,
        cash_receipt_info: None,
        is_auto_recharge_before_payment: None,
    }
}

fn account_fixture(a: &Account) -> BankAccountFixture {
    BankAccountFixture {
        bank_account: a.bank_account.clone(),
        bank_code: a.bank_code.clone(),
        birth_date: a.birth_date.clone(),
        user_id: a.user_id,
        user_name: a.holder_name.clone(),
    }
}

/// The bank roles and the answer each must get.
#[cfg(test)]
pub(crate) fn bank_roles() -> std::collections::BTreeMap<&'static str, ResponseKey> {
    std::collections::BTreeMap::from([
        ("valid", ResponseKey::Success),
        ("name-mismatch", ResponseKey::NameMismatch),
        ("user-not-found", ResponseKey::UserNotFound),
        ("account-not-found", ResponseKey::AccountNotFound),
        ("name-check-unavailable", ResponseKey::NameCheckUnavailable),
        ("before-business-hours", ResponseKey::BeforeBusinessHours),
        ("outside-service-hours", ResponseKey::OutsideServiceHours),
        ("account-not-tradable", ResponseKey::AccountNotTradable),
        ("account-not-checkable", ResponseKey::AccountNotCheckable),
        ("before-hours-uncoded", ResponseKey::BeforeHoursUncoded),
        ("processing-delay", ResponseKey::ProcessingDelay),
        ("non-participating", ResponseKey::NonParticipating),
    ])
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
    }

    #[test]
    fn every_role_is_served_as_its_role_says() {
        let store = store();
        let fx = &store.fixtures;
        for (role, m) in &fx.members {
            match (role.as_str(), store.member(m.user_id)) {
                ("unknown", found) => assert!(found.is_none()),
                (_, Some(member)) => assert_eq!(Some(member.is_authed), m.is_authed),
                (_, None) => panic!("member role {role} not in the store"),
            }
        }
        assert_eq!(fx.members["min-id"].user_id, 1);
        assert_eq!(fx.members["max-id"].user_id, MAX_USER_ID);
        assert!(store.card(&fx.cards["unknown"].card_no).is_none());
        for (role, key) in bank_roles() {
            let a = &fx.bank_accounts[role];
            let stored = store.account(&a.bank_code, &a.bank_account);
            match key {
                ResponseKey::AccountNotFound => assert!(stored.is_none()),
                ResponseKey::NameMismatch => assert_ne!(stored.unwrap().holder_name, a.user_name),
                ResponseKey::UserNotFound => assert_ne!(stored.unwrap().birth_date, a.birth_date),
                ResponseKey::Success => assert_eq!(stored.unwrap().refusal, None),
                other => assert_eq!(stored.unwrap().refusal, Some(other), "{role}"),
            }
        }
        assert_eq!(fx.bank_accounts.len(), bank_roles().len());
        assert_eq!(fx.pool.members.len(), POOL_SIZE);
        assert_eq!(fx.pool.cards.len(), POOL_SIZE);
        assert_eq!(fx.pool.bank_accounts.len(), POOL_SIZE);
    }
}
