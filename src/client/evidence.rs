//! How much of what a target sends is kept, decided when it is captured rather than when a
//! report is written: a hostile target answering megabytes 1,119 times must cost neither
//! memory during the run nor megabytes in every report.
//!
//! - Wherever target text is *quoted* (a finding's actual value, a response message, a
//!   header), it is cut at [`QUOTE_LIMIT`].
//! - Each body is kept once, as *evidence*, cut at [`EVIDENCE_LIMIT`], until the run has kept
//!   [`RUN_EVIDENCE_BUDGET`] bytes of the target's bodies; after that each body keeps
//!   [`QUOTE_LIMIT`]. Every cut says how long the original was.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Target text quoted in a finding, message or header: at most this many bytes.
pub const QUOTE_LIMIT: usize = 1024;
/// A string in a parsed response body: long enough for any real `encData` JWE.
pub const JSON_STRING_LIMIT: usize = 16 * 1024;
/// One body kept as evidence: at most this many bytes.
pub const EVIDENCE_LIMIT: usize = 64 * 1024;
/// The target's bodies kept as evidence over a whole run, before each keeps only
/// [`QUOTE_LIMIT`].
pub const RUN_EVIDENCE_BUDGET: usize = 4 * 1024 * 1024;

/// The longest prefix of `bytes` of at most `limit` bytes that does not split a UTF-8
/// sequence (when `bytes` is UTF-8; arbitrary bytes are cut at `limit`).
fn boundary(bytes: &[u8], limit: usize) -> usize {
    if bytes.len() <= limit {
        return bytes.len();
    }
    let mut cut = limit;
    // Back up over at most three continuation bytes.
    while cut > limit.saturating_sub(3) && cut > 0 && bytes[cut] & 0b1100_0000 == 0b1000_0000 {
        cut -= 1;
    }
    cut
}

/// The original length a cut marker at the end of `text` states (`… [cut: N bytes in all]`
/// or `… [evidence cut: N bytes in all]`), so a text cut again (evidence, then a quote of it)
/// still says how long the original was, not how long the first cut was.
pub fn stated_length(text: &[u8]) -> Option<usize> {
    let head = text.strip_suffix(b" bytes in all]")?;
    let digits = head.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let (before, number) = head.split_at(head.len() - digits);
    if !(before.ends_with("… [cut: ".as_bytes())
        || before.ends_with("… [evidence cut: ".as_bytes()))
    {
        return None;
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

/// The length of the original of `text`: the one its cut marker states, else its own.
pub fn original_length(text: &[u8]) -> usize {
    stated_length(text).unwrap_or(text.len())
}

/// `text` cut at `limit` bytes (on a character boundary), saying how long the original was
/// (in bytes, as every cut marker does).
pub fn cut_text(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!(
        "{}… [cut: {} bytes in all]",
        &text[..cut],
        original_length(text.as_bytes())
    ))
}

/// Target text as it may be quoted anywhere: at most [`QUOTE_LIMIT`] bytes.
pub fn quote(text: &str) -> Cow<'_, str> {
    cut_text(text, QUOTE_LIMIT)
}

/// `bytes` cut at `limit`, with a marker naming the original size.
pub fn cut_bytes(bytes: &mut Vec<u8>, limit: usize) {
    if bytes.len() <= limit {
        return;
    }
    let total = original_length(bytes);
    bytes.truncate(boundary(bytes, limit));
    bytes.extend_from_slice(format!("… [evidence cut: {total} bytes in all]").as_bytes());
    bytes.shrink_to_fit();
}

/// Every string in `value` longer than `limit` cut, in place.
pub fn cut_strings(value: &mut serde_json::Value, limit: usize) {
    match value {
        serde_json::Value::String(s) if s.len() > limit => {
            *s = cut_text(s, limit).into_owned();
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| cut_strings(v, limit)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| cut_strings(v, limit)),
        _ => {}
    }
}

/// Whether [`cut_strings`] with `limit` would change `value`.
pub fn any_string_longer(value: &serde_json::Value, limit: usize) -> bool {
    match value {
        serde_json::Value::String(s) => s.len() > limit,
        serde_json::Value::Array(items) => items.iter().any(|v| any_string_longer(v, limit)),
        serde_json::Value::Object(map) => map.values().any(|v| any_string_longer(v, limit)),
        _ => false,
    }
}

/// What is left of [`RUN_EVIDENCE_BUDGET`] in one run; shared by every scenario.
#[derive(Debug)]
pub struct EvidenceBudget {
    left: AtomicUsize,
}

impl Default for EvidenceBudget {
    fn default() -> Self {
        EvidenceBudget::new(RUN_EVIDENCE_BUDGET)
    }
}

impl EvidenceBudget {
    pub fn new(bytes: usize) -> Self {
        EvidenceBudget {
            left: AtomicUsize::new(bytes),
        }
    }

    /// The limit for a body of `len` bytes: [`EVIDENCE_LIMIT`] while the budget lasts (and
    /// the budget spent accordingly), [`QUOTE_LIMIT`] after.
    fn limit_for(&self, len: usize) -> usize {
        let want = len.min(EVIDENCE_LIMIT);
        if want <= QUOTE_LIMIT {
            return QUOTE_LIMIT;
        }
        let taken = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(want)
            });
        if taken.is_ok() {
            EVIDENCE_LIMIT
        } else {
            QUOTE_LIMIT
        }
    }

    pub(crate) fn keep(&self, body: &mut Vec<u8>) {
        let limit = self.limit_for(body.len());
        cut_bytes(body, limit);
    }
}

pub(crate) fn cut_in_place(s: &mut String, limit: usize) {
    if let Cow::Owned(cut) = cut_text(s, limit) {
        *s = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_keep_characters_whole_and_say_how_long() {
        let hangul = "가".repeat(1000);
        let cut = quote(&hangul);
        assert!(cut.starts_with("가가"));
        assert!(cut.ends_with("[cut: 3000 bytes in all]"), "{cut}");
        assert!(cut.len() < QUOTE_LIMIT + 40);
        let mut bytes = hangul.into_bytes();
        cut_bytes(&mut bytes, 1000);
        assert!(std::str::from_utf8(&bytes).is_ok());
        assert!(bytes.ends_with(b"[evidence cut: 3000 bytes in all]"));
        let mut noise = vec![0xffu8; 5000];
        cut_bytes(&mut noise, 100);
        assert_eq!(&noise[..100], &[0xff; 100][..]);
    }

    /// A text cut twice (evidence, then a quote of it) names the first original's length.
    #[test]
    fn a_cut_of_a_cut_states_the_original_length() {
        let original = "x".repeat(1_000_000);
        let mut evidence = original.clone().into_bytes();
        cut_bytes(&mut evidence, EVIDENCE_LIMIT);
        assert_eq!(stated_length(&evidence), Some(1_000_000));
        let quoted = quote(std::str::from_utf8(&evidence).unwrap()).into_owned();
        assert!(
            quoted.ends_with("… [cut: 1000000 bytes in all]"),
            "{quoted}"
        );
        let again = cut_text(&quoted, 100);
        assert!(again.ends_with("… [cut: 1000000 bytes in all]"), "{again}");
        assert_eq!(stated_length(b"plain text"), None);
        assert_eq!(stated_length(b"says 12 bytes in all]"), None);
    }

    #[test]
    fn the_budget_keeps_full_evidence_until_spent() {
        let budget = EvidenceBudget::new(2 * EVIDENCE_LIMIT);
        let mut kept = Vec::new();
        for _ in 0..4 {
            let mut body = vec![b'x'; 1_000_000];
            budget.keep(&mut body);
            kept.push(body.len());
        }
        assert!(kept[0] > EVIDENCE_LIMIT && kept[1] > EVIDENCE_LIMIT);
        assert!(
            kept[2] < QUOTE_LIMIT + 64 && kept[3] < QUOTE_LIMIT + 64,
            "{kept:?}"
        );
        let mut small = b"{}".to_vec();
        budget.keep(&mut small);
        assert_eq!(small, b"{}");
    }

    #[test]
    fn long_strings_in_a_tree_are_cut() {
        let mut v = serde_json::json!({"a": "x".repeat(5000), "b": ["y".repeat(5000), 1]});
        cut_strings(&mut v, 100);
        assert!(v["a"].as_str().unwrap().len() < 140);
        assert!(v["b"][0].as_str().unwrap().len() < 140);
        assert_eq!(v["b"][1], 1);
    }
}
