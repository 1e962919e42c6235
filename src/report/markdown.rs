//! Markdown for summary.md and compare.md. Every string from a run goes through [`cell`], so
//! making target text inert in Markdown is one change here.

/// Longest table cell; longer text is cut with `…`.
const MAX_CELL: usize = 300;

/// A Markdown table cell: no pipes or line breaks, no raw HTML, bounded length.
pub fn cell(s: &str) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n >= MAX_CELL {
            out.push('…');
            break;
        }
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A cell in code style, `–` when empty.
pub fn code(s: &str) -> String {
    if s.is_empty() {
        "–".into()
    } else {
        format!("`{}`", cell(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_carry_markup() {
        assert_eq!(cell("a|b\nc <b>&`"), "a\\|b c &lt;b&gt;&amp;'");
        assert_eq!(code(""), "–");
        assert_eq!(code("x|y"), "`x\\|y`");
        assert_eq!(cell(&"가".repeat(400)).chars().count(), MAX_CELL + 1);
    }
}
