//! Markdown for summary.md and compare.md. Every string from a run goes through [`cell`], so
//! making target text inert in Markdown is one change here.

/// Longest table cell; longer text is cut with `…`.
const MAX_CELL: usize = 300;

/// A Markdown table cell: bounded length, rendered literally (no pipes, line breaks, HTML,
/// links, images or emphasis; hidden characters shown: [`super::inert::markdown`]).
pub fn cell(s: &str) -> String {
    super::inert::markdown(&bounded(s))
}

/// A cell in code style, `–` when empty.
pub fn code(s: &str) -> String {
    if s.is_empty() {
        "–".into()
    } else {
        format!("`{}`", super::inert::markdown_code(&bounded(s)))
    }
}

/// At most [`MAX_CELL`] characters, cut like every cut: saying the original length in bytes.
fn bounded(s: &str) -> String {
    match s.char_indices().nth(MAX_CELL) {
        None => s.to_owned(),
        Some((at, _)) => format!(
            "{}… [cut: {} bytes in all]",
            &s[..at],
            crate::client::evidence::original_length(s.as_bytes())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_carry_markup() {
        assert_eq!(cell("a|b\nc <b>&`"), "a\\|b c &lt;b&gt;&amp;\\`");
        assert_eq!(code(""), "–");
        assert_eq!(code("x|y"), "`x\\|y`");
        let long = cell(&"가".repeat(400));
        assert!(long.starts_with(&"가".repeat(MAX_CELL)), "{long}");
        // Escaped for Markdown, which shows it as `… [cut: 1200 bytes in all]`.
        assert!(long.ends_with(r"… \[cut: 1200 bytes in all\]"), "{long}");
    }
}
