//! The reports fed to the tools that consume them, as a user would:
//! - `cucumber.json` to Cucumber's own converter (`@cucumber/cucumber-json-converter`), which
//!   must accept it as cucumber-ruby's JSON;
//! - `junit.xml` to libxml2 (`xmllint-wasm`) with the Jenkins `junit-10.xsd`;
//! - `summary.md` to a GitHub Flavored Markdown renderer (comrak, a port of GitHub's
//!   cmark-gfm), where nothing the target said may become a link, an image or emphasis.
//!
//! The node tools are pinned in `tools/consumers/package-lock.json`; `.ci/run` installs them
//! (`npm ci --prefix tools/consumers`) and sets `KONA_CONSUMER_TOOLS=1`, which makes them
//! required: then a missing tool fails the test. Without that variable and without the
//! installed tools, the two node checks say they were skipped and why.
//!
//! Two runs feed them: the embedded sandbox through the binary (passing, with scenarios not
//! verified), and a target whose every message is Markdown meant to inject links, images and
//! emphasis (every scenario fails).

use crate::support::echo;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kona_conformance::report;
use kona_conformance::runner::config::{RunOptions, Settings};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kona-conformance");
const TOOLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/consumers");

/// What the hostile target says in every answer: each piece would be a link, an image,
/// emphasis or raw HTML if a report passed it to Markdown as it is.
const MARKDOWN: &str = "[click here](https://evil.example/phish) ![pixel](https://evil.example/p.png) \
**loud** __loud__ *soft* _soft_ ~~gone~~ <a href=\"https://evil.example/raw\">raw</a> \
<img src=\"https://evil.example/i.png\"> https://evil.example/auto www.evil.example \
[ref][r]\n\n[r]: https://evil.example/ref";

/// Words of [`MARKDOWN`] that must never end up inside emphasis, and the host no link or
/// image may point at.
const EMPHASISED: [&str; 3] = ["loud", "soft", "gone"];
const EVIL: &str = "evil.example";

struct Reports {
    dir: PathBuf,
}

impl Reports {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn json(&self, name: &str) -> Value {
        serde_json::from_str(&self.text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// A fresh folder under cargo's target tmp dir; left in place for a human to look at.
fn keep_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("consumers")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The embedded sandbox certified by the binary, as the README's first command does.
fn sandbox() -> &'static Reports {
    static RUN: OnceLock<Reports> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = keep_dir("sandbox");
        let out = Command::new(BIN)
            .args(["run", "--quiet", "--seed", "1", "--report-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "the sandbox certifies: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Reports { dir }
    })
}

async fn markdown_answer(headers: HeaderMap) -> Response {
    let body = json!({"response": {"code": "999_999", "description": MARKDOWN}}).to_string();
    let mut reply = HeaderMap::new();
    if let Some(cid) = headers.get("x-km-correlation-id") {
        reply.insert("x-km-correlation-id", cid.clone());
    }
    reply.insert(
        "content-type",
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    (StatusCode::BAD_REQUEST, reply, body).into_response()
}

/// The whole suite against a target that answers every request with [`MARKDOWN`].
fn hostile() -> &'static Reports {
    static RUN: OnceLock<Reports> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = keep_dir("markdown");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = Router::new().fallback(markdown_answer);
            let server = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            let execution = echo::run_suite(&format!("http://{addr}/open-api"), 2).await;
            let options = RunOptions::resolve(Settings {
                report_dir: Some(dir.clone()),
                seed: Some(1),
                ..Settings::default()
            })
            .unwrap();
            let code = report::gate(&options, &execution).unwrap();
            assert_eq!(code, 1, "a target that answers 999_999 is not conformant");
            server.abort();
        });
        Reports { dir }
    })
}

/// Run a pinned node consumer on `file`; `None` when the tools are not installed and not
/// required (`KONA_CONSUMER_TOOLS` unset).
fn run_consumer(kind: &str, file: &Path) -> Option<std::process::Output> {
    let required = std::env::var_os("KONA_CONSUMER_TOOLS").is_some();
    let installed = Path::new(TOOLS).join("node_modules").is_dir();
    if !installed {
        let how = "install them with `npm ci --prefix tools/consumers` (node and npm needed)";
        assert!(
            !required,
            "KONA_CONSUMER_TOOLS is set but the report consumers are not installed: {how}"
        );
        eprintln!("SKIPPED the {kind} consumer: tools/consumers is not installed; {how}");
        return None;
    }
    Some(
        Command::new("node")
            .arg(Path::new(TOOLS).join("check.mjs"))
            .arg(kind)
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("node is needed for the {kind} consumer: {e}")),
    )
}

/// What the consumer said when it accepted `file` (it must).
fn accepted(kind: &str, file: &Path) -> Option<Value> {
    let out = run_consumer(kind, file)?;
    assert!(
        out.status.success(),
        "the {kind} consumer rejected {}:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the consumer prints JSON"))
}

fn reports() -> [(&'static str, &'static Reports); 2] {
    [("sandbox", sandbox()), ("markdown target", hostile())]
}

#[test]
fn cucumbers_converter_accepts_cucumber_json_as_cucumber_ruby() {
    for (run, r) in reports() {
        let Some(verdict) = accepted("cucumber", &r.path("cucumber.json")) else {
            return;
        };
        let implementations = verdict["implementations"].as_array().unwrap();
        assert!(
            implementations.contains(&json!("cucumber-ruby")),
            "{run}: {verdict}"
        );
    }
}

#[test]
fn junit_xml_is_valid_against_the_jenkins_schema() {
    for (run, r) in reports() {
        let Some(verdict) = accepted("junit", &r.path("junit.xml")) else {
            return;
        };
        assert_eq!(verdict["accepted"], true, "{run}");
    }
}

/// The checks themselves reject what the issue found, so their passing means something.
#[test]
fn the_consumers_reject_the_old_shapes() {
    let dir = keep_dir("old-shapes");
    let old_junit = dir.join("junit.xml");
    std::fs::write(
        &old_junit,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="x" tests="1" failures="0" errors="0" skipped="0" time="0.001" timestamp="t">
  <testsuite name="f" tests="1" failures="0" errors="0"><testcase name="s" file="f" line="3"/></testsuite>
</testsuites>
"#,
    )
    .unwrap();
    let old_cucumber = dir.join("cucumber.json");
    std::fs::write(
        &old_cucumber,
        r#"[{"uri":"f.feature","keyword":"Feature","name":"f","tags":[],"elements":[]}]"#,
    )
    .unwrap();
    for (kind, file) in [("junit", &old_junit), ("cucumber", &old_cucumber)] {
        let Some(out) = run_consumer(kind, file) else {
            return;
        };
        assert_eq!(
            out.status.code(),
            Some(1),
            "{kind}: the old shape is rejected"
        );
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("rejected"), "{kind}: {said}");
    }
}

/// Feature ids name report pages (multiple-cucumber-html-reporter): present, file-name safe,
/// unique. Failed steps carry the findings, never a source location or a panic.
#[test]
fn cucumber_json_ids_and_failure_messages() {
    for (run, r) in reports() {
        let doc = r.json("cucumber.json");
        report::cucumber::check_shape(&doc).unwrap_or_else(|e| panic!("{run}: {e}"));
        let features = doc.as_array().unwrap();
        assert_eq!(features.len(), 5, "{run}");
        let mut ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
        for id in &ids {
            assert!(
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{run}: feature id {id:?}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), features.len(), "{run}: feature ids are unique");
        assert!(
            features
                .iter()
                .all(|f| f["line"].as_u64().is_some_and(|l| l > 0)
                    && !f["description"].as_str().unwrap().is_empty()),
            "{run}: every feature has its line and description"
        );
    }

    let doc = hostile().json("cucumber.json");
    let (mut failed, mut with_correlation_id) = (0u64, 0u64);
    for step in doc
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["elements"].as_array().unwrap())
        .flat_map(|e| e["steps"].as_array().unwrap())
        .filter(|s| s["result"]["status"] == "failed")
    {
        failed += 1;
        let message = step["result"]["error_message"].as_str().unwrap();
        for banned in ["src/", ".rs:", "panicked", "Matched:"] {
            assert!(!message.contains(banned), "{banned:?} in {message}");
        }
        // Findings first: `[REQ-ID] Class failure`, expected, actual.
        if message.contains("expected:") {
            assert!(message.starts_with('['), "{message}");
            assert!(message.contains("actual:"), "{message}");
        }
        if message.contains("correlation id: ") {
            with_correlation_id += 1;
        }
    }
    let results = hostile().json("results.json");
    let failed_scenarios = results["counts"]["scenarios"]["failed"].as_u64().unwrap();
    assert!(failed_scenarios > 20, "{results}");
    assert_eq!(
        failed, failed_scenarios,
        "one failed step per failed scenario"
    );
    assert!(
        with_correlation_id * 2 > failed,
        "{with_correlation_id} of {failed} failures name a correlation id"
    );
}

/// Suite times are wall-clock: none exceeds the run, though their scenarios ran in parallel.
#[test]
fn junit_suite_times_are_wall_clock() {
    for (run, r) in reports() {
        let xml = r.text("junit.xml");
        let mut reader = quick_xml::Reader::from_str(&xml);
        let (mut run_time, mut suites, mut cases) = (None, Vec::new(), 0.0f64);
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Eof => break,
                quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                    let time = e.try_get_attribute("time").unwrap().map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .parse::<f64>()
                            .unwrap()
                    });
                    match e.name().as_ref() {
                        b"testsuites" => run_time = time,
                        b"testsuite" => suites.push(time.unwrap()),
                        b"testcase" => {
                            assert!(e.try_get_attribute("file").unwrap().is_none());
                            assert!(e.try_get_attribute("line").unwrap().is_none());
                            cases += time.unwrap();
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let run_time = run_time.expect("testsuites has a time");
        for t in &suites {
            assert!(
                *t <= run_time,
                "{run}: a suite of {t} s in a run of {run_time} s"
            );
        }
        if cases > run_time {
            let sum: f64 = suites.iter().sum();
            assert!(
                sum < cases,
                "{run}: suites ({sum} s) add up scenario times ({cases} s)"
            );
        }
    }
}

fn gfm(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    // GitHub keeps safe raw HTML (links, images); so does this rendering.
    options.render.r#unsafe = true;
    comrak::markdown_to_html(markdown, &options)
}

/// The text inside every `<tag>...</tag>` of `html`.
fn inside<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    html.match_indices(&open)
        .filter_map(|(at, _)| {
            let rest = &html[at + open.len()..];
            rest.find(&close).map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn target_text_in_summary_md_is_never_a_link_image_or_emphasis() {
    let md = hostile().text("summary.md");
    assert!(
        md.contains("evil"),
        "the target's message reaches the summary, or this proves nothing: {md}"
    );
    let html = gfm(&md);
    // Escaped markup (`&lt;a href=…`) is inert text; only a real anchor element is a link.
    for (at, _) in html.match_indices("<a href=") {
        let link = &html[at..html.len().min(at + 80)];
        assert!(!link.contains(EVIL), "a link to the target's URL: {link}");
    }
    assert!(!html.contains("<img"), "an image: {html}");
    for tag in ["em", "strong", "del"] {
        for text in inside(&html, tag) {
            for word in EMPHASISED {
                assert!(!text.contains(word), "<{tag}>{text}</{tag}> in {html}");
            }
        }
    }
}

/// The renderer check is not vacuous: the same text, unescaped, does produce all of it.
#[test]
fn the_gfm_renderer_turns_the_payload_into_links_images_and_emphasis() {
    let html = gfm(MARKDOWN);
    assert!(
        html.contains("href=\"https://evil.example/phish\""),
        "{html}"
    );
    assert!(html.contains("href=\"http://www.evil.example\""), "{html}");
    assert!(
        html.contains("<img src=\"https://evil.example/p.png\""),
        "{html}"
    );
    assert!(html.contains("<strong>loud</strong>"), "{html}");
    assert!(html.contains("<em>soft</em>"), "{html}");
    assert!(html.contains("<del>gone</del>"), "{html}");
}

/// Every GFM autolink form in target text stays text under cmark-gfm's rules: e-mail
/// addresses (with or without `mailto:`), `www.` and `http(s)://` links, in any case.
#[rstest::rstest]
#[case::email("write to mail@e.invalid now")]
#[case::email_dotted("first.last+tag@sub.e.invalid")]
#[case::mailto("mailto:mail@e.invalid")]
#[case::xmpp("xmpp:mail@e.invalid/res")]
#[case::www("see www.evil.example/p")]
#[case::www_upper("WWW.EVIL.EXAMPLE")]
#[case::https("https://evil.example/phish")]
#[case::http_upper("HTTP://EVIL.EXAMPLE")]
#[case::ftp("ftp://evil.example")]
#[case::escaped_already(r"mail\@e.invalid")]
fn autolinks_in_target_text_stay_text(#[case] text: &str) {
    let md = kona_conformance::report::inert::markdown(text);
    let html = gfm(&format!("| a |\n| --- |\n| {md} |\n\n- {md}\n\n{md}\n"));
    assert!(
        !html.contains("<a "),
        "{text:?} became a link: {md} → {html}"
    );
    // What a reader sees is still the text (tags dropped, entities read).
    let seen = html
        .replace("<wbr />", "")
        .replace("<wbr>", "")
        .replace("&amp;", "&");
    assert!(
        seen.contains(text.trim()),
        "{text:?} not shown as is: {html}"
    );
}
