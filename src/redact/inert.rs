//! Target text made inert wherever it is shown: it can neither format the page it lands on
//! (Markdown links and images, HTML tags) nor hide or reorder what is around it (terminal
//! escape sequences, bidi overrides such as U+202E, zero-width characters).
//!
//! One rule for every output: a character that controls or hides text is shown as
//! `<U+XXXX>` ([`visible`]); each format then escapes its own markup ([`markdown`],
//! [`markdown_code`], [`console`], [`json_bytes`]; XML and HTML in [`super::markup`]).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters shown as `<U+XXXX>` instead of themselves: controls (C0 but tab and line
/// feed, DEL, C1), bidi embeddings, overrides, isolates and marks, zero-width and other
/// invisible characters, line and paragraph separators, noncharacters and tag characters.
pub fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{B}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{FFFE}' | '\u{FFFF}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}')
}

/// How a hidden character is shown.
fn push_visible(out: &mut String, c: char) {
    let _ = write!(out, "<U+{:04X}>", c as u32);
}

/// `s` with every [`is_hidden`] character shown as `<U+XXXX>`; line feeds and tabs kept.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hidden(c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A line for the terminal: nothing the target sent can move the cursor, recolour, retitle
/// the window or reorder the line.
pub fn console(s: &str) -> String {
    visible(s).into_owned()
}

/// Inline Markdown (a paragraph, a list item, a table cell) that renders as exactly `s`,
/// escaping only what could start Markdown: emphasis, code, links and images (`*_`[]~\`),
/// table pipes, raw HTML and entities (`<`, `>`, `&` as entities), a heading, list or rule
/// at the start, and GFM autolinks (`://`, `www.`, `@`: an `<wbr>` before it, since an
/// escaped `\@` still makes an e-mail link in cmark-gfm). Line breaks become spaces.
pub fn markdown(s: &str) -> String {
    let shown = visible(s);
    let mut out = String::with_capacity(shown.len() + shown.len() / 8);
    let chars: Vec<char> = shown.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = |k: usize| chars.get(i + k).copied();
        let at_start = out.trim_start().is_empty();
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            // cmark-gfm (GitHub) finds e-mail autolinks in text after escapes are read, so
            // `a\@b.c` still links (measured with cmark-gfm through cmarkgfm 2025.10.22); an
            // empty `<wbr>` element before the `@` splits the text, so no address forms.
            '@' => out.push_str("<wbr>@"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            // `https://…` and `www.…` would become links (GFM autolinks).
            ':' if next(1) == Some('/') && next(2) == Some('/') => out.push_str("\\:"),
            '.' if i >= 3
                && chars[i - 3..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case("www") =>
            {
                out.push_str("\\.")
            }
            // A list item, block quote, setext underline or numbered list at the start.
            '-' | '+' | '=' | '!' if at_start => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if at_start_of_number(&out) && matches!(next(1), None | Some(' ')) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `out` so far is only digits (so a `.` or `)` now would make an ordered list).
fn at_start_of_number(out: &str) -> bool {
    let t = out.trim_start();
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit())
}

/// The inside of a Markdown code span (the caller adds the backticks): a code span shows
/// its text literally, so only what could end it or break a table changes: backticks
/// become `'`, pipes `\|` (GFM tables split on them even in code), line breaks spaces.
pub fn markdown_code(s: &str) -> String {
    let shown = visible(s);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '`' => out.push('\''),
            '|' => out.push_str("\\|"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Serialised JSON with every hidden character written as a `\uXXXX` escape: the data is
/// unchanged for any JSON reader, and the raw file shows nothing hidden. serde_json already
/// escapes ASCII controls; outside strings JSON has only ASCII, so every match is inside a
/// string.
pub fn json_bytes(bytes: Vec<u8>) -> Vec<u8> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return e.into_bytes(),
    };
    if !text.chars().any(|c| !c.is_ascii() && is_hidden(c)) {
        return text.into_bytes();
    }
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        if !c.is_ascii() && is_hidden(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::ansi("a\u{1b}[31mred\u{1b}[0m", "a<U+001B>[31mred<U+001B>[0m")]
    #[case::bidi("abc\u{202E}fed", "abc<U+202E>fed")]
    #[case::zero_width("pay\u{200B}pal\u{FEFF}", "pay<U+200B>pal<U+FEFF>")]
    #[case::carriage_return("ok\rFAIL", "ok<U+000D>FAIL")]
    #[case::hangul_and_newlines_kept("홍길동\n\t끝", "홍길동\n\t끝")]
    #[case::tag_characters("x\u{E0041}", "x<U+E0041>")]
    fn hidden_characters_are_shown(#[case] input: &str, #[case] shown: &str) {
        assert_eq!(visible(input), shown);
        assert_eq!(console(input), shown);
    }

    #[rstest]
    #[case::image(
        "![x](https://evil.example/p.png)",
        r"\!\[x\](https\://evil.example/p.png)"
    )]
    #[case::html("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;")]
    #[case::emphasis("**bold** _it_ ~~s~~", r"\*\*bold\*\* \_it\_ \~\~s\~\~")]
    #[case::table_pipe("a|b\nc", r"a\|b c")]
    #[case::autolink(
        "see www.evil.example or a@b.c",
        r"see www\.evil.example or a<wbr>@b.c"
    )]
    #[case::list_at_start("- item", r"\- item")]
    #[case::numbered_at_start("1. item", r"1\. item")]
    #[case::heading("# title", r"\# title")]
    #[case::plain_text_stays_readable(
        "127.0.0.1:9/open-api (3 of 4)",
        "127.0.0.1:9/open-api (3 of 4)"
    )]
    fn markdown_renders_literally(#[case] input: &str, #[case] escaped: &str) {
        assert_eq!(markdown(input), escaped);
    }

    #[test]
    fn code_spans_cannot_be_closed_or_split() {
        assert_eq!(markdown_code("a`b|c\nd\u{202E}"), "a'b\\|c d<U+202E>");
    }

    #[test]
    fn json_keeps_the_data_and_hides_nothing() {
        let v = serde_json::json!({"m": "a\u{202E}b\u{200B}c\u{E0041}"});
        let bytes = json_bytes(serde_json::to_vec(&v).unwrap());
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.is_ascii(), "{text}");
        let back: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, v);
    }

    proptest! {
        #[test]
        fn nothing_hidden_survives(s in ".*") {
            prop_assert!(!visible(&s).chars().any(is_hidden));
            // The only markup is the harness's own empty `<wbr>` before an `@`.
            let md = markdown(&s).replace("<wbr>@", "@");
            prop_assert!(!md.chars().any(|c| is_hidden(c) || c == '\n' || c == '<'));
            prop_assert!(!markdown_code(&s).chars().any(|c| is_hidden(c) || c == '`'));
        }

        #[test]
        fn json_escaping_round_trips(s in ".*") {
            let v = serde_json::Value::String(s);
            let bytes = json_bytes(serde_json::to_vec(&v).unwrap());
            let back: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(back, v);
        }
    }
}
