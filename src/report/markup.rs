//! Escaping for XML and HTML: everything a report prints goes through these.

/// Characters XML 1.0 cannot carry even escaped (most C0 controls, U+FFFE, U+FFFF) become
/// U+FFFD; HTML gets the same treatment (they are parse errors there).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// Text content of an XML or HTML element.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
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
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
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
    fn escapes_markup_keeps_hangul_and_drops_what_xml_cannot_carry() {
        assert_eq!(text("<a & b> 홍길동"), "&lt;a &amp; b&gt; 홍길동");
        assert_eq!(attr("\"x'\n"), "&quot;x&#39;&#10;");
        assert_eq!(text("a\u{0}b\u{1b}c"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(anchor("r-", "CARD-CODE-000_000"), "r-CARD-CODE-000_000");
        assert_eq!(anchor("s-", "f.feature:12"), "s-f.feature_3a12");
    }
}
