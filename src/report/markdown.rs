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

fn bounded(s: &str) -> String {
    let mut head: String = s.chars().take(MAX_CELL).collect();
    if s.chars().nth(MAX_CELL).is_some() {
        head.push('…');
    }
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_carry_markup() {
        assert_eq!(cell("a|b\nc <b>&`"), "a\\|b c &lt;b&gt;&amp;\\`");
        assert_eq!(code(""), "–");
        assert_eq!(code("x|y"), "`x\\|y`");
        assert_eq!(cell(&"가".repeat(400)).chars().count(), MAX_CELL + 1);
    }
}
