//! Redaction by construction. Every report is rendered from a model built through a
//! [`Redactor`]: credentials never enter it, personal and card data enter it masked, and the
//! bytes of every artifact then pass a last filter for anything that slipped through.
//!
//! Three layers:
//!
//! 1. **By field name**, in JSON bodies: `cardNo` (first 6 + last 4), `bankAccount` and
//!    `idNo` (last 4), `userName` (first and last character), `birthDate` (year). Headers
//!    `X-KM-Access-Key` and `X-KM-Tran-Token` are replaced whole.
//! 2. **By value**, in free text (finding texts, step errors, cucumber's own output, bodies
//!    that are not JSON): every personal value seen in a body of the run is replaced by its
//!    masked form wherever it appears, and `field: value` / `"field":"value"` pairs are masked
//!    by name even when the JSON around them is broken.
//! 3. **Bytes**, over each finished artifact: the run's secrets (raw, JSON-escaped and
//!    markup-escaped), any `KMV1:` tran token and any PEM private key block.
//!
//! Nothing here panics on any input: bodies may be broken JSON or arbitrary bytes, and the
//! cost stays linear in the input: secrets and learned values are found with one
//! Aho-Corasick pass each, and the patterns use ASCII word boundaries, which the regex
//! engine's fast DFA handles on any text (a Unicode `\b` on Hangul sent it to its slowest
//! mode).
//!
//! Secrets come from [`crate::secret::known`] from the start (every [`Secret`] the process
//! created and the private key's text), not only from what crossed the wire.

pub mod inert;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde_json::{Map, Value};

use crate::client::Exchange;
use crate::client::headers::SECRET_HEADERS;
use crate::secret::{REDACTED, Secret};

/// Secrets shorter than this are not filtered byte by byte (they would match everywhere);
/// real access and secret keys are far longer.
pub const MIN_SECRET_LEN: usize = 6;

/// What a tran token is replaced by.
pub const TOKEN_REDACTED: &str = "KMV1:[REDACTED]";
/// What a private key block is replaced by.
pub const PRIVATE_KEY_REDACTED: &str = "[REDACTED PRIVATE KEY]";

/// The personal fields masked by name, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Personal {
    /// `cardNo`: first 6 and last 4 digits kept (`949133******0765`).
    CardNo,
    /// `bankAccount`: last 4 kept.
    BankAccount,
    /// `idNo` (cash-receipt identification): last 4 kept.
    IdNo,
    /// `userName`: first and last character kept (`홍*동`).
    UserName,
    /// `birthDate`: the year kept (`1975****`).
    BirthDate,
}

impl Personal {
    pub const ALL: [Personal; 5] = [
        Personal::CardNo,
        Personal::BankAccount,
        Personal::IdNo,
        Personal::UserName,
        Personal::BirthDate,
    ];

    /// The JSON field name.
    pub fn field(self) -> &'static str {
        match self {
            Personal::CardNo => "cardNo",
            Personal::BankAccount => "bankAccount",
            Personal::IdNo => "idNo",
            Personal::UserName => "userName",
            Personal::BirthDate => "birthDate",
        }
    }

    /// The personal field a JSON key or Rust field name names (`cardNo`, `card_no`, `CARDNO`).
    pub fn of_field(name: &str) -> Option<Personal> {
        let folded: String = name
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        Personal::ALL
            .into_iter()
            .find(|p| p.field().eq_ignore_ascii_case(&folded))
    }

    pub fn mask(self, value: &str) -> String {
        match self {
            Personal::CardNo => mask_card_no(value),
            Personal::BankAccount | Personal::IdNo => mask_keep_last4(value),
            Personal::UserName => mask_name(value),
            Personal::BirthDate => mask_birth_date(value),
        }
    }

    /// The shortest value worth replacing wherever it appears in free text; shorter values
    /// are masked by field name only (replacing them everywhere would garble the reports).
    fn min_learned_chars(self, value: &str) -> usize {
        match self {
            Personal::UserName if !value.is_ascii() => 2,
            Personal::UserName => 4,
            _ => 6,
        }
    }
}

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// `9491339401250765` → `949133******0765`; short values keep less.
pub fn mask_card_no(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n >= 14 {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}{}{tail}", stars(n - 10))
    } else {
        mask_keep_last4(value)
    }
}

/// Everything but the last 4 characters starred; values of 7 characters or fewer are
/// starred whole (their last 4 would be most of them).
pub fn mask_keep_last4(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n >= 8 {
        let tail: String = chars[n - 4..].iter().collect();
        format!("{}{tail}", stars(n - 4))
    } else {
        stars(n)
    }
}

/// `홍길동` → `홍*동`, `김철` → `김*`, `John Smith` → `J********h`.
pub fn mask_name(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], stars(n - 2), chars[n - 1]),
    }
}

/// `19750101` → `1975****`; anything that does not start with a 4-digit year is starred whole.
pub fn mask_birth_date(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() > 4 && chars[..4].iter().all(char::is_ascii_digit) {
        let head: String = chars[..4].iter().collect();
        format!("{head}{}", stars(chars.len() - 4))
    } else {
        stars(chars.len())
    }
}

/// A header value that is a credential.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
        || [
            "authorization",
            "proxy-authorization",
            "cookie",
            "set-cookie",
        ]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"KMV1:[0-9A-Za-z+/=:_\-]+").expect("valid regex"));
static TOKEN_BYTES: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(r"KMV1:[0-9A-Za-z+/=:_\-]+").expect("valid regex"));
const PEM_PATTERN: &str = r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\n]*)";
static PEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(PEM_PATTERN).expect("valid regex"));
static PEM_BYTES: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(PEM_PATTERN).expect("valid regex"));
/// `"cardNo": "..."`, `card_no: "..."`, `cardNo=...`: a personal field and its value in text
/// that is not (or no longer) parseable JSON.
static FIELD_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(["']?(?-u:\b)(?:card_?no|bank_?account|id_?no|user_?name|birth_?date)(?-u:\b)["']?[ \t]{0,8}[:=][ \t]{0,8})("(?:[^"\\]|\\.){0,64}"?|'[^']{0,64}'?|[^\s,;&}\])"']{1,64})"#,
    )
    .expect("valid regex")
});

/// Masks one value of `FIELD_PAIR`, keeping its quotes.
fn mask_pair(field_part: &str, value: &str) -> String {
    let name: String = field_part
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let Some(kind) = Personal::of_field(&name) else {
        return format!("{field_part}{value}");
    };
    let (open, inner, close) = match value.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let rest = &value[1..];
            match rest.strip_suffix(q) {
                Some(inner) => (q.to_string(), inner, q.to_string()),
                None => (q.to_string(), rest, String::new()),
            }
        }
        _ => (String::new(), value, String::new()),
    };
    format!("{field_part}{open}{}{close}", kind.mask(inner))
}

/// A value to replace in free text, and what replaces it.
pub type Replacement = (String, String);

/// The redaction state of one run: its secrets and the personal values seen on the wire.
/// Cloning is cheap (the state is shared until one of the clones learns something), so a
/// run's redactor can be specialised for one exchange ([`Redactor::for_exchange`]).
#[derive(Clone)]
pub struct Redactor {
    state: std::sync::Arc<State>,
    /// Personal values and secrets of one exchange that the shared state does not know,
    /// with their replacements, longest first: replaced by a plain search after the rest.
    extra: Vec<(String, String)>,
    /// Learning goes to `extra` (a redactor for one exchange), not to the shared state.
    transient: bool,
}

#[derive(Clone)]
struct State {
    /// Every form a secret may take in an artifact (raw, JSON-escaped, markup-escaped,
    /// markdown-escaped).
    secrets: Vec<String>,
    /// One automaton over `secrets`, built on first use after a change.
    secrets_ac: OnceLock<Option<AhoCorasick>>,
    /// Personal value → masked form.
    learned: BTreeMap<String, String>,
    /// The keys of `learned`, in the automaton's pattern order.
    learned_values: Vec<String>,
    /// Their masked forms, in the same order: the replacements, kept ready because `text`
    /// runs for every string of every report.
    learned_masks: Vec<String>,
    /// One automaton over `learned_values`, built on first use after a change.
    learned_ac: OnceLock<Option<AhoCorasick>>,
    /// One automaton over everything the two above find plus the private-key and token
    /// markers: a string it does not match (most of them) is returned as it is after a
    /// single pass.
    screen_ac: OnceLock<Option<AhoCorasick>>,
}

impl State {
    fn empty() -> State {
        State {
            secrets: Vec::new(),
            secrets_ac: OnceLock::new(),
            learned: BTreeMap::new(),
            learned_values: Vec::new(),
            learned_masks: Vec::new(),
            learned_ac: OnceLock::new(),
            screen_ac: OnceLock::new(),
        }
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

/// Leftmost-longest, so a secret or value that contains another is replaced whole.
fn automaton<I, P>(patterns: I) -> Option<AhoCorasick>
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(patterns)
        .ok()
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.state.secrets.len())
            .field("learned", &self.state.learned.len())
            .field("extra", &self.extra.len())
            .finish()
    }
}

fn markup_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

impl Redactor {
    /// A redactor that knows every secret this process holds ([`crate::secret::known`]).
    pub fn new() -> Self {
        let mut r = Redactor {
            state: std::sync::Arc::new(State::empty()),
            extra: Vec::new(),
            transient: false,
        };
        for secret in crate::secret::known() {
            r.add_secret_str(&secret);
        }
        r
    }

    /// Never let `secret` through, in any artifact, in any common encoding.
    pub fn add_secret(&mut self, secret: &Secret) {
        self.add_secret_str(secret.expose());
    }

    fn add_secret_str(&mut self, raw: &str) {
        // Every form of a secret is added with it: one already known needs no new forms
        // (each exchange's request brings the run's access key again).
        if raw.chars().count() < MIN_SECRET_LEN || self.state.secrets.iter().any(|s| s == raw) {
            return;
        }
        let json = serde_json::to_string(raw).unwrap_or_default();
        let json = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or(&json)
            .to_owned();
        let markdown = inert::markdown(raw);
        for form in [raw.to_owned(), json, markup_escape(raw), markdown] {
            if self.state.secrets.contains(&form) {
                continue;
            }
            if self.transient {
                self.add_extra(form, REDACTED.to_owned());
                continue;
            }
            let state = std::sync::Arc::make_mut(&mut self.state);
            state.secrets.push(form);
            state.secrets_ac = OnceLock::new();
            state.screen_ac = OnceLock::new();
        }
    }

    /// One value of one exchange to replace after everything else, longest first.
    fn add_extra(&mut self, value: String, replacement: String) {
        if value.is_empty() || self.extra.iter().any(|(v, _)| *v == value) {
            return;
        }
        let at = self
            .extra
            .iter()
            .position(|(v, _)| v.len() < value.len())
            .unwrap_or(self.extra.len());
        self.extra.insert(at, (value, replacement));
    }

    /// A redactor for one exchange: this one's state (shared, not copied), plus the
    /// personal values and credentials `exchange` carried that it does not know yet. What
    /// it learns stays with it; the run's redactor is unchanged.
    pub fn for_exchange(&self, exchange: &Exchange) -> Redactor {
        let mut r = Redactor {
            state: self.state.clone(),
            extra: self.extra.clone(),
            transient: true,
        };
        r.learn_exchange(exchange);
        r
    }

    /// [`Redactor::for_exchange`], with the personal values of each body given by
    /// `values_of` (a cache of [`body_values`]) instead of parsed again here.
    pub fn for_exchange_with(
        &self,
        exchange: &Exchange,
        values_of: &mut dyn FnMut(&[u8]) -> std::sync::Arc<[Replacement]>,
    ) -> Redactor {
        let mut r = Redactor {
            state: self.state.clone(),
            extra: self.extra.clone(),
            transient: true,
        };
        r.learn_secret_headers(exchange);
        let response = exchange.response.as_ref();
        let bodies = [
            Some(exchange.request_body.as_slice()),
            exchange.request_plaintext.as_deref(),
            response.map(|r| r.body.as_slice()),
            response.and_then(|r| r.plaintext.as_ref()?.as_deref().ok()),
        ];
        for body in bodies.into_iter().flatten().filter(|b| !b.is_empty()) {
            for (value, mask) in values_of(body).iter() {
                if !r.state.learned.contains_key(value) {
                    r.add_extra(value.clone(), mask.clone());
                }
            }
        }
        r
    }

    /// What tells this redactor from another made from the same run's redactor by
    /// [`Redactor::for_exchange`]: the values it learned of its own.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.extra.hash(&mut h);
        h.finish()
    }

    fn learn_secret_headers(&mut self, exchange: &Exchange) {
        for (name, value) in &exchange.request_headers {
            if is_secret_header(name) && !value.starts_with("KMV1:") {
                self.add_secret_str(value);
            }
        }
    }

    fn secrets_automaton(&self) -> Option<&AhoCorasick> {
        let state = &*self.state;
        state
            .secrets_ac
            .get_or_init(|| (!state.secrets.is_empty()).then(|| automaton(&state.secrets))?)
            .as_ref()
    }

    fn learned_automaton(&self) -> Option<&AhoCorasick> {
        let state = &*self.state;
        state
            .learned_ac
            .get_or_init(|| {
                (!state.learned.is_empty()).then(|| automaton(&state.learned_values))?
            })
            .as_ref()
    }

    fn screen_automaton(&self) -> Option<&AhoCorasick> {
        let state = &*self.state;
        state
            .screen_ac
            .get_or_init(|| {
                let markers = ["PRIVATE KEY", "KMV1:"];
                let patterns = state
                    .secrets
                    .iter()
                    .chain(&state.learned_values)
                    .map(String::as_str)
                    .chain(markers);
                // A DFA: built once per run, the fastest to ask "anything here?".
                AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(patterns)
                    .ok()
            })
            .as_ref()
    }

    /// Whether [`Redactor::text`] leaves `s` as it is: nothing its steps replace is in it.
    fn leaves_alone(&self, s: &str) -> bool {
        let Some(screen) = self.screen_automaton() else {
            return false;
        };
        if screen.is_match(s)
            || (s.bytes().any(|b| b == b':' || b == b'=') && FIELD_PAIR.is_match(s))
        {
            return false;
        }
        !self.extra.iter().any(|(v, _)| s.contains(v.as_str()))
    }

    /// Remember `value` of field `kind`, to mask it wherever it shows up in free text.
    pub fn learn(&mut self, kind: Personal, value: &str) {
        let value = value.trim();
        if value.chars().count() < kind.min_learned_chars(value) {
            return;
        }
        if self.state.learned.contains_key(value) {
            return;
        }
        let masked = kind.mask(value);
        if masked == value {
            return;
        }
        if self.transient {
            self.add_extra(value.to_owned(), masked);
            return;
        }
        let state = std::sync::Arc::make_mut(&mut self.state);
        state.learned.insert(value.to_owned(), masked.clone());
        state.learned_values.push(value.to_owned());
        state.learned_masks.push(masked);
        state.learned_ac = OnceLock::new();
        state.screen_ac = OnceLock::new();
    }

    /// Learn every personal value in a JSON document.
    pub fn learn_json(&mut self, value: &Value) {
        fn walk(r: &mut Redactor, v: &Value, field: Option<Personal>) {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        walk(r, v, Personal::of_field(k).or(field));
                    }
                }
                Value::Array(items) => {
                    for v in items {
                        walk(r, v, field);
                    }
                }
                Value::String(s) => {
                    if let Some(kind) = field {
                        r.learn(kind, s);
                    }
                }
                Value::Number(n) => {
                    if let Some(kind) = field {
                        r.learn(kind, &n.to_string());
                    }
                }
                Value::Bool(_) | Value::Null => {}
            }
        }
        walk(self, value, None);
    }

    /// Learn from a body that may or may not be JSON.
    pub fn learn_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if let Ok(v) = crate::client::json::parse(bytes) {
            self.learn_json(&v);
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        let found: Vec<(Personal, String)> = FIELD_PAIR
            .captures_iter(&text)
            .filter_map(|c| {
                let field: String = c[1]
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let value = c[2].trim_matches(|c| c == '"' || c == '\'').to_owned();
                Personal::of_field(&field).map(|k| (k, value))
            })
            .collect();
        for (kind, value) in found {
            self.learn(kind, &value);
        }
    }

    /// Learn from everything an exchange carried, and treat the access key it sent as a
    /// secret.
    pub fn learn_exchange(&mut self, exchange: &Exchange) {
        self.learn_secret_headers(exchange);
        self.learn_bytes(&exchange.request_body);
        if let Some(p) = &exchange.request_plaintext {
            self.learn_bytes(p);
        }
        if let Some(r) = &exchange.response {
            self.learn_bytes(&r.body);
            if let Some(Ok(p)) = &r.plaintext {
                self.learn_bytes(p);
            }
        }
    }

    pub fn learned_count(&self) -> usize {
        self.state.learned.len() + self.extra.len()
    }

    /// Build the automata once the learning is done (text() builds them lazily too).
    pub fn prepare(&mut self) {
        self.secrets_automaton();
        self.learned_automaton();
        self.screen_automaton();
    }

    /// Free text made safe: private keys, tran tokens, secrets, `field: value` pairs and
    /// every learned personal value. Linear in the length of `s`.
    pub fn text(&self, s: &str) -> String {
        self.text_cow(s).into_owned()
    }

    /// [`Redactor::text`], borrowing `s` when nothing in it needs masking (most header
    /// names, ids and times): the journal redacts every header of every exchange.
    pub fn text_cow<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if self.leaves_alone(s) {
            return Cow::Borrowed(s);
        }
        self.text_every_step(s)
    }

    /// [`Redactor::text_cow`] without the screen: every step tried in turn.
    fn text_every_step<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(s);
        if out.contains("PRIVATE KEY") {
            out = Cow::Owned(PEM.replace_all(&out, PRIVATE_KEY_REDACTED).into_owned());
        }
        if out.contains("KMV1:") {
            out = Cow::Owned(TOKEN.replace_all(&out, TOKEN_REDACTED).into_owned());
        }
        if let Some(ac) = self.secrets_automaton()
            && ac.is_match(out.as_ref())
        {
            out = Cow::Owned(ac.replace_all(&out, &vec![REDACTED; self.state.secrets.len()]));
        }
        // A `field: value` pair needs a `:` or `=`: most strings (header names, ids, times)
        // have neither and skip the pattern.
        if out.bytes().any(|b| b == b':' || b == b'=')
            && FIELD_PAIR.is_match(&out)
            && let Cow::Owned(masked) =
                FIELD_PAIR.replace_all(&out, |c: &regex::Captures<'_>| mask_pair(&c[1], &c[2]))
        {
            out = Cow::Owned(masked);
        }
        if let Some(ac) = self.learned_automaton()
            && ac.is_match(out.as_ref())
        {
            out = Cow::Owned(ac.replace_all(&out, &self.state.learned_masks));
        }
        for (value, replacement) in &self.extra {
            if out.contains(value.as_str()) {
                out = Cow::Owned(out.replace(value.as_str(), replacement));
            }
        }
        out
    }

    /// A JSON document with personal fields masked by name and every string made safe.
    /// Masked numbers become strings (a masked card number is not a number).
    pub fn json(&self, value: &Value) -> Value {
        self.json_in(value, None)
    }

    fn json_in(&self, value: &Value, field: Option<Personal>) -> Value {
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(
                        self.text(k),
                        self.json_in(v, Personal::of_field(k).or(field)),
                    );
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.json_in(v, field)).collect())
            }
            Value::String(s) => Value::String(match field {
                Some(kind) => kind.mask(s),
                None => self.text(s),
            }),
            Value::Number(n) => match field {
                Some(kind) => Value::String(kind.mask(&n.to_string())),
                None => Value::Number(n.clone()),
            },
            other => other.clone(),
        }
    }

    /// Every string of a JSON document made safe with [`Redactor::text`], keys included;
    /// structure and numbers untouched (for cucumber's own JSON).
    pub fn json_strings(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.text(k), self.json_strings(v)))
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.json_strings(v)).collect())
            }
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }

    /// Headers with credentials replaced whole and every other value made safe.
    pub fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        self.headers_cow(headers)
            .into_iter()
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect()
    }

    /// [`Redactor::headers`], borrowing every name and value that needs no masking.
    pub fn headers_cow<'a>(
        &self,
        headers: &'a [(String, String)],
    ) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        headers
            .iter()
            .map(|(n, v)| {
                let value = if is_secret_header(n) {
                    Cow::Borrowed(REDACTED)
                } else {
                    self.text_cow(v)
                };
                (self.text_cow(n), value)
            })
            .collect()
    }

    /// A body as the reports show it: masked JSON when it parses, masked text otherwise.
    pub fn body(&self, bytes: &[u8]) -> RedactedBody {
        if bytes.is_empty() {
            return RedactedBody::Empty;
        }
        let redacted = if let Ok(v) = crate::client::json::parse(bytes) {
            RedactedBody::Json(self.json(&v))
        } else {
            match std::str::from_utf8(bytes) {
                Ok(text) => RedactedBody::Text(self.text(text)),
                Err(_) => RedactedBody::Binary(self.text(&String::from_utf8_lossy(bytes))),
            }
        };
        // Evidence is for reading, not for replaying a flood: a hostile target's megabytes
        // are cut after masking, so nothing unmasked survives the cut.
        if bytes.len() <= EVIDENCE_LIMIT {
            return redacted;
        }
        let shown = match redacted {
            RedactedBody::Json(v) => v.to_string(),
            RedactedBody::Text(t) | RedactedBody::Binary(t) => t,
            RedactedBody::Empty => String::new(),
        };
        let mut cut = EVIDENCE_LIMIT.min(shown.len());
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        RedactedBody::Text(format!(
            "{}… [evidence cut: {} bytes in all]",
            &shown[..cut],
            crate::client::evidence::original_length(bytes)
        ))
    }

    /// The last line of defence, over the finished bytes of an artifact: secrets in every
    /// encoding, tran tokens and private keys. Structure-safe: the replacements contain no
    /// quote, backslash or markup character.
    pub fn filter_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        self.filter_bytes_cow(bytes).into_owned()
    }

    /// [`Redactor::filter_bytes`], borrowing `bytes` when nothing in them is filtered.
    pub fn filter_bytes_cow<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let mut out = Cow::Borrowed(bytes);
        if memchr::memmem::find(&out, b"PRIVATE KEY").is_some() {
            out = Cow::Owned(
                PEM_BYTES
                    .replace_all(&out, PRIVATE_KEY_REDACTED.as_bytes())
                    .into_owned(),
            );
        }
        if memchr::memmem::find(&out, b"KMV1:").is_some() {
            out = Cow::Owned(
                TOKEN_BYTES
                    .replace_all(&out, TOKEN_REDACTED.as_bytes())
                    .into_owned(),
            );
        }
        if let Some(ac) = self.secrets_automaton()
            && ac.is_match(out.as_ref())
        {
            out = Cow::Owned(
                ac.replace_all_bytes(&out, &vec![REDACTED.as_bytes(); self.state.secrets.len()]),
            );
        }
        for (value, replacement) in self.extra.iter().filter(|(_, r)| r == REDACTED) {
            if memchr::memmem::find(&out, value.as_bytes()).is_some() {
                out = Cow::Owned(replace_bytes(
                    &out,
                    value.as_bytes(),
                    replacement.as_bytes(),
                ));
            }
        }
        out
    }
}

/// `haystack` with every `needle` replaced.
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Bodies longer than this are cut in evidence (after masking); the client keeps no more
/// than this of any body in the first place.
pub const EVIDENCE_LIMIT: usize = crate::client::evidence::EVIDENCE_LIMIT;

/// Console output made safe: every known secret and token redacted, then made inert for a
/// terminal (escape sequences, bidi and invisible characters shown as `<U+XXXX>`).
pub fn for_console(text: &str) -> String {
    inert::console(&Redactor::new().text(text))
}

/// A body ready for a report.
#[derive(Debug, Clone, PartialEq)]
pub enum RedactedBody {
    Empty,
    Json(Value),
    /// Valid UTF-8 that is not JSON.
    Text(String),
    /// Not UTF-8: shown lossily (invalid sequences as U+FFFD).
    Binary(String),
}

impl RedactedBody {
    /// For display: pretty JSON or the text.
    pub fn display(&self) -> String {
        match self {
            RedactedBody::Empty => String::new(),
            RedactedBody::Json(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
            RedactedBody::Text(t) | RedactedBody::Binary(t) => t.clone(),
        }
    }
}

/// The personal values a body carries worth replacing in free text, each with its masked
/// form: what learning from the body remembers (see [`Redactor::for_exchange_with`]).
pub fn body_values(bytes: &[u8]) -> Vec<Replacement> {
    let mut r = Redactor {
        state: std::sync::Arc::new(State::empty()),
        extra: Vec::new(),
        transient: true,
    };
    r.learn_bytes(bytes);
    r.extra
}

/// A redactor for one finished run: the given secrets, plus what its exchanges carried.
pub fn for_exchanges<'a>(
    secrets: impl IntoIterator<Item = &'a Secret>,
    exchanges: impl IntoIterator<Item = &'a Exchange>,
) -> Redactor {
    let mut r = Redactor::new();
    for s in secrets {
        r.add_secret(s);
    }
    for e in exchanges {
        r.learn_exchange(e);
    }
    r.prepare();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's redactor and one exchange's: secrets, learned values and extras of its own.
    fn screened_redactor() -> Redactor {
        let mut r = Redactor::new();
        r.add_secret_str("kona-secret-canary-0123");
        r.learn_bytes(r#"{"userName":"홍길동","bankAccount":"110123456789"}"#.as_bytes());
        r.prepare();
        let mut one = r.clone();
        one.transient = true;
        one.learn_bytes(r#"{"cardNo":"9491339401250765","birthDate":"19750101"}"#.as_bytes());
        one.add_secret_str("AK-extra-canary-98765");
        one
    }

    use proptest::prelude::*;

    proptest::proptest! {
        /// The screen only skips work: whatever the string, the text is what every step
        /// in turn makes of it.
        #[test]
        fn the_screen_never_changes_the_text(
            parts in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(vec![
                        "kona-secret-canary-0123", "홍길동", "110123456789", "9491339401250765",
                        "19750101", "AK-extra-canary-98765", "KMV1:20261207101010123:abc=",
                        "-----BEGIN PRIVATE KEY-----", "cardNo=", "user_name: ", "\"", ":", "=",
                    ]).prop_map(str::to_owned),
                    "[ -~]{0,12}",
                    ".{0,4}",
                ],
                0..8,
            )
        ) {
            let r = screened_redactor();
            let s: String = parts.concat();
            proptest::prop_assert_eq!(r.text_cow(&s), r.text_every_step(&s));
        }
    }

    #[test]
    fn a_clean_string_is_borrowed_and_a_dirty_one_masked() {
        let r = screened_redactor();
        assert!(matches!(r.text_cow("application/json"), Cow::Borrowed(_)));
        assert!(matches!(
            r.text_cow("Mon, 07 Dec 2026 06:14:20 GMT"),
            Cow::Borrowed(_)
        ));
        for dirty in [
            "to 홍길동",
            "card 9491339401250765",
            "AK-extra-canary-98765",
            "cardNo=123456",
        ] {
            assert_ne!(r.text_cow(dirty), dirty, "{dirty}");
        }
    }

    #[test]
    fn masks_match_the_documented_shapes() {
        assert_eq!(mask_card_no("9491339401250765"), "949133******0765");
        assert_eq!(mask_keep_last4("110123456789"), "********6789");
        assert_eq!(mask_keep_last4("1234567"), "*******");
        assert_eq!(mask_name("홍길동"), "홍*동");
        assert_eq!(mask_name("김철"), "김*");
        assert_eq!(mask_name("남궁민수"), "남**수");
        assert_eq!(mask_birth_date("19750101"), "1975****");
        assert_eq!(mask_birth_date("abc"), "***");
    }

    #[test]
    fn field_names_match_in_any_style() {
        assert_eq!(Personal::of_field("cardNo"), Some(Personal::CardNo));
        assert_eq!(Personal::of_field("card_no"), Some(Personal::CardNo));
        assert_eq!(Personal::of_field("BIRTHDATE"), Some(Personal::BirthDate));
        assert_eq!(Personal::of_field("userId"), None);
    }

    #[test]
    fn json_bodies_are_masked_by_field_and_numbers_stay_exact() {
        let r = Redactor::new();
        let v: Value = serde_json::from_str(
            r#"{"cardNo":"9491339401250765","userId":9999999999999999999,"x":{"userName":"홍길동","birthDate":19750101}}"#,
        )
        .unwrap();
        let m = r.json(&v);
        assert_eq!(
            m.to_string(),
            r#"{"cardNo":"949133******0765","userId":9999999999999999999,"x":{"userName":"홍*동","birthDate":"1975****"}}"#
        );
    }

    #[test]
    fn broken_json_and_bytes_are_masked_by_pattern() {
        let r = Redactor::new();
        let b = r.body(r#"{"cardNo": "9491339401250765", "userName":"홍길동""#.as_bytes());
        assert_eq!(
            b,
            RedactedBody::Text(r#"{"cardNo": "949133******0765", "userName":"홍*동""#.into())
        );
        let mut bytes = b"cardNo=9491339401250765&x=\xff".to_vec();
        bytes.push(0);
        match r.body(&bytes) {
            RedactedBody::Binary(t) => assert!(t.starts_with("cardNo=949133******0765&x=")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn learned_values_are_masked_in_free_text() {
        let mut r = Redactor::new();
        r.learn_bytes(r#"{"userName":"홍길동","bankAccount":"110123456789"}"#.as_bytes());
        r.prepare();
        assert_eq!(
            r.text("expected 홍길동 at account 110123456789"),
            "expected 홍*동 at account ********6789"
        );
    }

    #[test]
    fn secrets_tokens_and_keys_never_pass() {
        let mut r = Redactor::new();
        r.add_secret(&Secret::new("s3cr\"et<&>value"));
        let text = "a s3cr\"et<&>value b KMV1:20250101120000000:abc+/= c";
        assert_eq!(r.text(text), "a [REDACTED] b KMV1:[REDACTED] c");
        let json = serde_json::to_vec(&Value::String(text.into())).unwrap();
        let filtered = String::from_utf8(r.filter_bytes(&json)).unwrap();
        assert!(!filtered.contains("et<&>value"), "{filtered}");
        assert!(!filtered.contains("20250101120000000"), "{filtered}");
        let html = markup_escape(text);
        let filtered = String::from_utf8(r.filter_bytes(html.as_bytes())).unwrap();
        assert!(!filtered.contains("value"), "{filtered}");
        let pem = "x -----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY----- y";
        assert_eq!(
            String::from_utf8(r.filter_bytes(pem.as_bytes())).unwrap(),
            format!("x {PRIVATE_KEY_REDACTED} y")
        );
    }

    #[test]
    fn headers_with_credentials_are_replaced_whole() {
        let r = Redactor::new();
        let h = r.headers(&[
            ("X-KM-Access-Key".into(), "abc".into()),
            ("x-km-tran-token".into(), "KMV1:1".into()),
            ("X-KM-Correlation-Id".into(), "250101120000-abcdef0".into()),
        ]);
        assert_eq!(h[0].1, REDACTED);
        assert_eq!(h[1].1, REDACTED);
        assert_eq!(h[2].1, "250101120000-abcdef0");
    }
}
