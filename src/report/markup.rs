//! Escaping for XML and HTML: everything a report prints goes through these.
//!
//! Characters that control or hide text ([`super::inert::is_hidden`]: controls, bidi
//! overrides, zero-width characters) are shown as `<U+XXXX>`. That also covers every
//! character XML 1.0 cannot carry even escaped (C0 controls, U+FFFE, U+FFFF).

use crate::redact::inert::is_hidden;

fn push_hidden(out: &mut String, c: char) {
    out.push_str(&format!("&lt;U+{:04X}&gt;", c as u32));
}

/// Text content of an XML or HTML element.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_hidden(c) => push_hidden(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// A quoted attribute value (XML or HTML). Line breaks and tabs are written as character
/// references so XML attribute normalisation keeps them.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_hidden(c) => push_hidden(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// An id usable in an HTML `id`/`href="#..."` (ASCII letters, digits, `-`, `_`, `.`).
pub fn anchor(prefix: &str, s: &str) -> String {
    let mut out = String::from(prefix);
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_keeps_hangul_and_shows_what_hides_or_controls_text() {
        assert_eq!(text("<a & b> 홍길동"), "&lt;a &amp; b&gt; 홍길동");
        assert_eq!(attr("\"x'\n"), "&quot;x&#39;&#10;");
        assert_eq!(text("a\u{0}b\u{1b}c"), "a&lt;U+0000&gt;b&lt;U+001B&gt;c");
        assert_eq!(attr("x\u{202E}y"), "x&lt;U+202E&gt;y");
        assert_eq!(anchor("r-", "CARD-CODE-000_000"), "r-CARD-CODE-000_000");
        assert_eq!(anchor("s-", "f.feature:12"), "s-f.feature_3a12");
    }
}
