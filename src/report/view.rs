//! What report.html and compare.html share: the style sheet, the one renderer every string
//! from a run goes through ([`Text`]: hidden characters shown as `<U+XXXX>`, then maud's
//! escaping), verdict badges and durations.

use maud::{DOCTYPE, Markup, PreEscaped, Render, html};

use crate::runner::results::Verdict;

/// Inline CSS (no fonts, images or imports): screen and print.
pub const CSS: &str = r#"
:root{--fail:#b42318;--fail-bg:#fef3f2;--pass:#067647;--pass-bg:#ecfdf3;--nv:#5d6b82;--nv-bg:#f2f4f7;--waive:#93370d;--waive-bg:#fffaeb;--line:#d0d5dd;--ink:#101828;--soft:#475467}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans KR","Noto Sans CJK KR","Apple SD Gothic Neo","Malgun Gothic",Roboto,sans-serif;color:var(--ink);background:#fff}
main{padding:0 24px 32px}
header.banner{padding:14px 24px 12px;border-bottom:4px solid}
header.failed{background:var(--fail-bg);border-color:var(--fail)}
header.passed{background:var(--pass-bg);border-color:var(--pass)}
.verdict{font-size:26px;font-weight:800;letter-spacing:.02em}
header.failed .verdict{color:var(--fail)}
header.passed .verdict{color:var(--pass)}
.headline{font-size:16px;font-weight:600;margin-top:2px}
.meta{color:var(--soft);font-size:12.5px;margin-top:4px;word-break:break-word}
ul.reasons{margin:6px 0 0;padding-left:18px;font-size:13px}
h2{font-size:18px;margin:22px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:14px 0 4px}
h4{font-size:13px;margin:10px 0 4px;color:var(--soft)}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f9fafb;font-weight:600;font-size:12.5px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.mono{overflow-wrap:anywhere}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"D2Coding","Noto Sans Mono CJK KR",monospace;font-size:12.5px}
pre{background:#f9fafb;border:1px solid var(--line);padding:6px 8px;white-space:pre-wrap;word-break:break-all;margin:2px 0 6px;max-width:100%}
.req{font-weight:700;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}
.cid{font-weight:700;background:#fff3c4;padding:1px 4px;border-radius:3px;white-space:nowrap;user-select:all}
.small{font-size:12px;color:var(--soft)}
dl.failure{display:grid;grid-template-columns:10em 1fr;gap:2px 10px;margin:4px 0 0}
dl.failure dt{color:var(--soft);font-weight:600;white-space:nowrap}
table.observed,table.fixed{table-layout:fixed}
table.observed td{overflow-wrap:anywhere}
dl.failure dd{margin:0;min-width:0;overflow-wrap:anywhere}
td,li,p,dd,summary,code,.headline{overflow-wrap:anywhere}
th{overflow-wrap:normal}
.cols>*,article{min-width:0;max-width:100%}
figure.chart{margin:6px 0}
svg.chart{max-width:100%;height:auto}
dd.act{color:var(--fail)}
.badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;font-weight:700;white-space:nowrap}
.b-failed{background:var(--fail-bg);color:var(--fail);border:1px solid var(--fail)}
.b-passed{background:var(--pass-bg);color:var(--pass);border:1px solid var(--pass)}
.b-not-verified{background:var(--nv-bg);color:var(--nv);border:1px solid var(--nv)}
.b-waived{background:var(--waive-bg);color:var(--waive);border:1px solid var(--waive)}
article.failure,article.scenario{border:1px solid var(--line);border-left:4px solid var(--fail);padding:4px 12px 8px;margin:10px 0}
article.waived{border-left-color:var(--waive)}
details{margin:4px 0}
details>summary{cursor:pointer;color:var(--soft)}
details.exchange{border-top:1px dashed var(--line);padding-top:4px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:12px}
a{color:#1849a9;text-decoration:none}
a:hover{text-decoration:underline}
footer{color:var(--soft);font-size:12px;padding:12px 24px;border-top:1px solid var(--line)}
@media print{
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 body{font-size:10.5px}
 main{padding:0 4px}
 header.banner{padding:8px 4px}
 tr,article.failure,dl.failure{break-inside:avoid}
 h2,h3{break-after:avoid}
 .cols{grid-template-columns:1fr}
 a{color:inherit}
 .screen-only{display:none}
 .clamp,.clamp3{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
 .clamp3{-webkit-line-clamp:3}
 table.observed code{font-size:8.5px;white-space:nowrap}
}
"#;

/// Characters HTML cannot carry (most C0 controls, U+FFFE, U+FFFF) are parse errors there.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// A string from a run (the target's answers, scenario names, reasons): what HTML cannot
/// carry becomes U+FFFD, the rest goes through maud's escaping. Every such string in the
/// pages is rendered through this type, so making target text inert is one change here.
pub struct Text<'a>(pub &'a str);

impl Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        // Hidden characters (bidi overrides, zero-width, ANSI) are shown, not carried.
        let shown = super::inert::visible(self.0);
        if shown.chars().all(allowed) {
            shown.as_ref().render_to(buffer);
        } else {
            let clean: String = shown
                .chars()
                .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
                .collect();
            clean.as_str().render_to(buffer);
        }
    }
}

pub fn badge(v: Verdict) -> Markup {
    let class = match v {
        Verdict::Passed => "badge b-passed",
        Verdict::Failed => "badge b-failed",
        Verdict::NotVerified => "badge b-not-verified",
    };
    html! { span class=(class) { (v.label()) } }
}

/// A whole self-contained page: the style sheet inline, nothing fetched.
pub fn page(title: &str, body: Markup) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="ko" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light";
                title { (Text(title)) }
                style { (PreEscaped(CSS)) }
            }
            body { (body) }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

/// Microseconds as milliseconds with three decimals (`0.412 ms`), in integer arithmetic.
pub fn millis(us: u64) -> String {
    format!("{}.{:03} ms", us / 1000, us % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_stripped_of_what_html_cannot_carry() {
        let m = html! { p title=(Text("\"x\"")) { (Text("<b>홍길동</b> & a\u{0}b\u{202E}c")) } };
        assert_eq!(
            m.into_string(),
            "<p title=\"&quot;x&quot;\">&lt;b&gt;홍길동&lt;/b&gt; &amp; a&lt;U+0000&gt;b&lt;U+202E&gt;c</p>"
        );
    }

    #[test]
    fn durations_keep_microseconds() {
        assert_eq!(millis(412), "0.412 ms");
        assert_eq!(millis(12_005), "12.005 ms");
        assert_eq!(millis(0), "0.000 ms");
    }
}
