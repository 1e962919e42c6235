//! The portal's HTML page, rendered to the lines a browser's copy would give (a block per
//! line, list items as bullets, table cells apart), each line with its depth in the markup:
//! a member nested inside its object's element stands deeper than the object, which is the
//! nesting a text page loses. Tokenized by `html5gum` (a WHATWG tokenizer, no DOM needed).

use html5gum::{Token, Tokenizer};

use super::text::SourceLine;

/// Elements that end a line.
const BLOCKS: [&str; 27] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "section",
];
/// Lists and table rows end a line too (cells only stand apart, see [`CELL_GAP`]).
const LIST_AND_TABLE_BLOCKS: [&str; 5] = ["table", "tbody", "thead", "tr", "ul"];
/// Elements without an end tag: they never deepen the markup.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
/// Elements whose text is not page content.
const HIDDEN: [&str; 5] = ["script", "style", "noscript", "template", "head"];
/// Between table cells, the gap a text copy shows.
const CELL_GAP: &str = "   ";

#[derive(Default)]
struct Renderer {
    lines: Vec<SourceLine>,
    current: String,
    current_depth: usize,
    open: Vec<String>,
    hidden: usize,
}

impl Renderer {
    fn depth(&self) -> usize {
        self.open.len()
    }

    fn end_line(&mut self) {
        let text = self.current.trim().to_owned();
        if !text.is_empty() {
            self.lines.push(SourceLine {
                number: self.lines.len() + 1,
                text,
                depth: Some(self.current_depth),
            });
        }
        self.current.clear();
    }

    fn text(&mut self, s: &str) {
        if self.hidden > 0 {
            return;
        }
        let collapsed: String = s
            .split(|c: char| c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if collapsed.is_empty() {
            if !self.current.is_empty() && !self.current.ends_with(' ') {
                self.current.push(' ');
            }
            return;
        }
        if self.current.trim().is_empty() {
            self.current_depth = self.depth();
        } else if s.starts_with(char::is_whitespace) && !self.current.ends_with(' ') {
            self.current.push(' ');
        }
        self.current.push_str(&collapsed);
        if s.ends_with(char::is_whitespace) {
            self.current.push(' ');
        }
    }

    fn start(&mut self, name: &str, self_closing: bool) {
        if HIDDEN.contains(&name) {
            self.hidden += 1;
        }
        if BLOCKS.contains(&name) || LIST_AND_TABLE_BLOCKS.contains(&name) {
            self.end_line();
        }
        if matches!(name, "td" | "th") && !self.current.trim().is_empty() {
            self.current.push_str(CELL_GAP);
        }
        if name == "li" {
            self.current_depth = self.depth();
            self.current.push_str("  • ");
        }
        if !VOID.contains(&name) && !self_closing {
            self.open.push(name.to_owned());
        }
    }

    fn end(&mut self, name: &str) {
        if HIDDEN.contains(&name) {
            self.hidden = self.hidden.saturating_sub(1);
        }
        if BLOCKS.contains(&name) || LIST_AND_TABLE_BLOCKS.contains(&name) {
            self.end_line();
        }
        // Close up to the matching element; an end tag that matches nothing open is
        // ignored, as a browser would.
        if let Some(pos) = self.open.iter().rposition(|n| n == name) {
            self.open.truncate(pos);
        }
    }
}

/// The lines of an HTML page.
pub fn lines_of_html(html: &str) -> Vec<SourceLine> {
    let mut r = Renderer::default();
    for token in Tokenizer::new(html).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                r.start(&name, tag.self_closing);
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                r.end(&name);
            }
            Token::String(s) => r.text(&String::from_utf8_lossy(&s).replace('\u{a0}', " ")),
            _ => {}
        }
    }
    r.end_line();
    r.lines
}

/// Whether a file's text is HTML rather than the portal's text.
pub fn looks_like_html(text: &str) -> bool {
    let head = text.trim_start().get(..200).unwrap_or(text.trim_start());
    let head = head.to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with('<')
}
