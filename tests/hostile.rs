//! A hostile target: connections reset, answers that stall past the timeout, truncated JSON,
//! an HTML error page, a 10 MB body, invalid UTF-8, a malformed JWE. Against each, every
//! scenario that sends a request gets a failed verdict with a classified reason, nothing
//! panics, and no scenario waits past its timeout.

use std::sync::Arc;
use std::time::Duration;

use kona_conformance::client::{FailureClass, TargetKind, TransportOptions};
use kona_conformance::runner::NoProgress;
use kona_conformance::runner::config::{RunOptions, Settings};
use kona_conformance::runner::plan;
use kona_conformance::runner::results::Verdict;
use kona_conformance::runner::suite::{SuiteOptions, run_suite};
use rstest::rstest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy)]
enum Mode {
    Reset,
    Stall,
    Truncated,
    HtmlErrorPage,
    TenMegabytes,
    InvalidUtf8,
    MalformedJwe,
}

/// Read one request (headers and Content-Length body) and return the correlation id sent.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let original = String::from_utf8_lossy(&buf[..end]).to_string();
            return Some(
                original
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("x-km-correlation-id")
                            .then(|| v.trim().to_owned())
                    })
                    .unwrap_or_default(),
            );
        }
    }
}

fn response(status: &str, content_type: &str, correlation: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        // One answer per connection: a reused connection the server already closed would
        // surface as a reset and blur the class this test checks.
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: {content_type}\r\nX-KM-Correlation-Id: {correlation}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

async fn serve(mode: Mode, mut stream: TcpStream) {
    let Some(correlation) = read_request(&mut stream).await else {
        return;
    };
    match mode {
        Mode::Reset => {
            // Linger zero: closing sends RST instead of FIN. Blocking on drop is what this
            // test server wants, hence the deprecated call.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Mode::Stall => {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Mode::Truncated => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-KM-Correlation-Id: {correlation}\r\nContent-Length: 200\r\n\r\n{{\"response\":{{\"code\":\"000_"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Mode::HtmlErrorPage => {
            let body = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
            let _ = stream
                .write_all(&response(
                    "502 Bad Gateway",
                    "text/html",
                    &correlation,
                    body,
                ))
                .await;
        }
        Mode::TenMegabytes => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-KM-Correlation-Id: {correlation}\r\nContent-Length: {}\r\n\r\n",
                10 * 1024 * 1024
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let block = vec![b' '; 64 * 1024];
            for _ in 0..160 {
                if stream.write_all(&block).await.is_err() {
                    break;
                }
            }
        }
        Mode::InvalidUtf8 => {
            let body = [0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28];
            let _ = stream
                .write_all(&response("200 OK", "application/json", &correlation, &body))
                .await;
        }
        Mode::MalformedJwe => {
            let body =
                br#"{"encData":"eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.bm90.a2V5.bm90LWNpcGhlcg.dGFn"}"#;
            let _ = stream
                .write_all(&response("200 OK", "application/json", &correlation, body))
                .await;
        }
    }
}

async fn hostile_server(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(mode, stream));
        }
    });
    format!("http://{addr}/open-api")
}

#[rstest]
#[case::reset(Mode::Reset, &[FailureClass::Transport])]
#[case::stall(Mode::Stall, &[FailureClass::Transport])]
#[case::truncated(Mode::Truncated, &[FailureClass::Protocol, FailureClass::Transport])]
#[case::html(Mode::HtmlErrorPage, &[FailureClass::Protocol, FailureClass::Contract])]
#[case::ten_megabytes(Mode::TenMegabytes, &[FailureClass::Protocol])]
#[case::invalid_utf8(Mode::InvalidUtf8, &[FailureClass::Protocol, FailureClass::Contract])]
#[case::malformed_jwe(Mode::MalformedJwe, &[FailureClass::Contract])]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_fails_with_a_classified_reason(
    #[case] mode: Mode,
    #[case] classes: &[FailureClass],
) {
    let base_url = hostile_server(mode).await;
    let mut target = kona_conformance::sandbox::embedded_target(&base_url);
    target.kind = TargetKind::External;
    let timeout = Duration::from_millis(800);
    let options = SuiteOptions {
        tags: Some("not @generated".into()),
        concurrency: 32,
        transport: TransportOptions {
            timeout,
            ..TransportOptions::default()
        },
        ..SuiteOptions::full(7, 0)
    };
    let execution = run_suite(
        target,
        kona_conformance::sandbox::seeded_fixtures(),
        plan::load_features(None).expect("features"),
        &options,
        Arc::new(NoProgress),
    )
    .await
    .expect("the suite runs");
    // Every report is still written, and the gate says the run failed.
    let report_dir = tempfile::tempdir().expect("temp dir");
    let options = RunOptions::resolve(Settings {
        report_dir: Some(report_dir.path().to_owned()),
        seed: Some(7),
        ..Settings::default()
    })
    .expect("options");
    assert_eq!(
        kona_conformance::report::gate(&options, &execution).expect("reports written"),
        kona_conformance::cli::exit::CONFORMANCE_FAILURE
    );
    for file in kona_conformance::report::FILES {
        let bytes = std::fs::metadata(report_dir.path().join(file)).map(|m| m.len());
        assert!(
            bytes.is_ok_and(|n| n > 0),
            "{mode:?}: {file} missing or empty"
        );
    }
    let results = execution.results;
    assert!(!results.scenarios.is_empty());
    for s in &results.scenarios {
        assert_eq!(
            s.verdict,
            Verdict::Failed,
            "{mode:?}: {} {} passed",
            s.id,
            s.name
        );
        let classified = s.findings.iter().any(|f| classes.contains(&f.class));
        assert!(
            classified,
            "{mode:?}: {} has no {classes:?} finding: {:?}",
            s.id, s.findings
        );
        for e in &s.exchanges {
            assert!(
                e.duration < timeout + Duration::from_secs(2),
                "{mode:?}: an exchange took {:?}",
                e.duration
            );
        }
    }
}
