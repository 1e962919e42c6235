//! Hostile targets on loopback, one behaviour each, on raw TCP so they can break HTTP in ways
//! a framework would not let them. Shared by `tests/it/hostile.rs` and the example
//! `hostile_target` that `scripts/hostile-rss.sh` measures (which `#[path]`-includes it).

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Reset,
    Stall,
    Truncated,
    HtmlErrorPage,
    TenMegabytes,
    InvalidUtf8,
    MalformedJwe,
    /// 307 to this URL (another origin), which must never be asked anything.
    Redirect(String),
    /// 964 KB of JSON: 4,000 arrays each nested 120 deep.
    NestedJsonBomb,
    /// A chunked body that never ends.
    EndlessChunked,
    /// `Content-Encoding: gzip` over a deflate stream of 100 MB of zeros (630 KB sent).
    GzipBomb,
    /// A result message of 1 MB of Hangul.
    Hangul,
    /// A result message made of injection strings: Markdown, HTML, ANSI, bidi, zero-width.
    Injection,
    /// Reads every request and never answers (a run to stop mid-flight).
    Silent,
}

impl Mode {
    /// The modes `scripts/hostile-rss.sh` runs, by name.
    pub fn named(name: &str, redirect_to: &str) -> Option<Mode> {
        Some(match name {
            "reset" => Mode::Reset,
            "stall" => Mode::Stall,
            "truncated" => Mode::Truncated,
            "html" => Mode::HtmlErrorPage,
            "ten-megabytes" => Mode::TenMegabytes,
            "invalid-utf8" => Mode::InvalidUtf8,
            "malformed-jwe" => Mode::MalformedJwe,
            "redirect" => Mode::Redirect(redirect_to.to_owned()),
            "nested-json" => Mode::NestedJsonBomb,
            "endless-chunked" => Mode::EndlessChunked,
            "gzip-bomb" => Mode::GzipBomb,
            "hangul" => Mode::Hangul,
            "injection" => Mode::Injection,
            "silent" => Mode::Silent,
            _ => return None,
        })
    }
}

/// What an injected message tries: each must reach every report and console line inert.
pub const INJECTIONS: [&str; 6] = [
    "![tracker](https://evil.example/pixel.png)",
    "[click me](https://evil.example/login)",
    "<img src=x onerror=alert(1)><script>alert(2)</script>",
    "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}[31mRED",
    "abc\u{202E}gnp.exe",
    "pay\u{200B}pal",
];

/// One request as read: its method and the correlation id it sent.
struct Request {
    method: String,
    correlation: String,
}

/// Read one request (headers and Content-Length body).
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
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
            let method = original.split(' ').next().unwrap_or_default().to_owned();
            let correlation = original
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("x-km-correlation-id")
                        .then(|| v.trim().to_owned())
                })
                .unwrap_or_default();
            return Some(Request {
                method,
                correlation,
            });
        }
    }
}

fn response(status: &str, extra: &str, correlation: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        // One answer per connection: a reused connection the server already closed would
        // surface as a reset and blur the class the tests check.
        "HTTP/1.1 {status}\r\nConnection: close\r\n{extra}X-KM-Correlation-Id: {correlation}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

const JSON: &str = "Content-Type: application/json\r\n";

/// 4,000 arrays, each nested 120 deep: under serde_json's depth limit, 480,000 values.
pub fn nested_json_bomb() -> Vec<u8> {
    let one = format!("{}{}", "[".repeat(120), "]".repeat(120));
    format!("[{}]", vec![one; 4000].join(",")).into_bytes()
}

/// A gzip member holding `zeros` zero bytes: one literal, then copies of 258 at distance 1,
/// in a fixed-Huffman deflate block (13 bits per 258 bytes). The trailer's CRC is left zero:
/// nothing may get far enough to check it.
pub fn gzip_bomb(zeros: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, count: u32) {
            self.acc |= value << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
            self.put(reversed, len);
        }
    }
    let mut bits = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman
    bits.code(0x30, 8); // literal 0
    let mut left = zeros.saturating_sub(1);
    while left >= 258 {
        bits.code(0b1100_0101, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block (code 256)
    bits.put(0, 7);
    let mut out = bits.out;
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(zeros as u32).to_le_bytes());
    out
}

/// An envelope whose result message is `message`.
pub fn envelope(message: &str) -> Vec<u8> {
    serde_json::json!({"response": {"code": "999_999", "description": message}})
        .to_string()
        .into_bytes()
}

/// Prepared once per server: the bodies are large.
struct Bodies {
    nested: Vec<u8>,
    gzip: Vec<u8>,
    hangul: Vec<u8>,
    injection: Vec<u8>,
}

impl Bodies {
    fn for_mode(mode: &Mode) -> Bodies {
        Bodies {
            nested: if *mode == Mode::NestedJsonBomb {
                nested_json_bomb()
            } else {
                Vec::new()
            },
            gzip: if *mode == Mode::GzipBomb {
                gzip_bomb(100 * 1024 * 1024)
            } else {
                Vec::new()
            },
            hangul: if *mode == Mode::Hangul {
                envelope(&"가".repeat(1_000_000 / 3))
            } else {
                Vec::new()
            },
            injection: envelope(&INJECTIONS.join(" ")),
        }
    }
}

/// The reachability probe (a GET) gets a plain 404: the target is up, and hostile only
/// where the API is called.
const PROBE_ANSWER: &[u8] =
    b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

async fn serve(mode: Mode, bodies: Arc<Bodies>, mut stream: TcpStream) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    if request.method == "GET" {
        let _ = stream.write_all(PROBE_ANSWER).await;
        return;
    }
    let c = request.correlation.as_str();
    let answer: Vec<u8> = match &mode {
        Mode::Reset => {
            // Linger zero: closing sends RST instead of FIN. Blocking on drop is what this
            // test server wants, hence the deprecated call.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
            return;
        }
        Mode::Stall => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return;
        }
        Mode::Silent => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            return;
        }
        Mode::Truncated => {
            let head = format!(
                "HTTP/1.1 200 OK\r\n{JSON}X-KM-Correlation-Id: {c}\r\nContent-Length: 200\r\n\r\n{{\"response\":{{\"code\":\"000_"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.shutdown().await;
            return;
        }
        Mode::HtmlErrorPage => {
            let body = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
            response("502 Bad Gateway", "Content-Type: text/html\r\n", c, body)
        }
        Mode::TenMegabytes => {
            let head = format!(
                "HTTP/1.1 200 OK\r\n{JSON}X-KM-Correlation-Id: {c}\r\nContent-Length: {}\r\n\r\n",
                10 * 1024 * 1024
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let block = vec![b' '; 64 * 1024];
            for _ in 0..160 {
                if stream.write_all(&block).await.is_err() {
                    break;
                }
            }
            return;
        }
        Mode::InvalidUtf8 => response("200 OK", JSON, c, &[0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28]),
        Mode::MalformedJwe => response(
            "200 OK",
            JSON,
            c,
            br#"{"encData":"eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.bm90.a2V5.bm90LWNpcGhlcg.dGFn"}"#,
        ),
        Mode::Redirect(to) => response(
            "307 Temporary Redirect",
            &format!("Location: {to}\r\n"),
            c,
            b"",
        ),
        Mode::NestedJsonBomb => response("200 OK", JSON, c, &bodies.nested),
        Mode::EndlessChunked => {
            let head = format!(
                "HTTP/1.1 200 OK\r\n{JSON}X-KM-Correlation-Id: {c}\r\nTransfer-Encoding: chunked\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut chunk = format!("{:x}\r\n", 16 * 1024).into_bytes();
            chunk.extend(std::iter::repeat_n(b'[', 16 * 1024));
            chunk.extend_from_slice(b"\r\n");
            while stream.write_all(&chunk).await.is_ok() {}
            return;
        }
        Mode::GzipBomb => response(
            "200 OK",
            &format!("{JSON}Content-Encoding: gzip\r\n"),
            c,
            &bodies.gzip,
        ),
        Mode::Hangul => response(
            "400 Bad Request",
            "Content-Type: application/json;charset=UTF-8\r\n",
            c,
            &bodies.hangul,
        ),
        Mode::Injection => response(
            "400 Bad Request",
            "Content-Type: application/json;charset=UTF-8\r\n",
            c,
            &bodies.injection,
        ),
    };
    let _ = stream.write_all(&answer).await;
    let _ = stream.shutdown().await;
}

/// Serve `mode` on `listener` until the process ends.
pub async fn serve_on(mode: Mode, listener: TcpListener) {
    let bodies = Arc::new(Bodies::for_mode(&mode));
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve(mode.clone(), bodies.clone(), stream));
    }
}

/// A hostile target on a free loopback port; its base URL.
pub async fn hostile_server(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(serve_on(mode, listener));
    format!("http://{addr}/open-api")
}

/// A loopback listener, its address, and a counter with a second handle for the server.
async fn counting_listener() -> (
    TcpListener,
    std::net::SocketAddr,
    Arc<AtomicUsize>,
    Arc<AtomicUsize>,
) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    (listener, addr, seen, counter)
}

/// A server that only counts the connections it is offered (and answers none): a redirect
/// target that must never be reached.
pub async fn capture_server() -> (String, Arc<AtomicUsize>) {
    let (listener, addr, seen, counter) = counting_listener().await;
    tokio::spawn(async move {
        while let Ok((_stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (format!("http://{addr}/collect"), seen)
}

/// A server that accepts connections and reads requests forever without answering; counts
/// the requests it has read (for stopping a run mid-flight).
pub async fn silent_server() -> (String, Arc<AtomicUsize>) {
    let (listener, addr, seen, counter) = counting_listener().await;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                match read_request(&mut stream).await {
                    Some(r) if r.method == "GET" => {
                        let _ = stream.write_all(PROBE_ANSWER).await;
                    }
                    Some(_) => {
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_secs(600)).await;
                    }
                    None => {}
                }
            });
        }
    });
    (format!("http://{addr}/open-api"), seen)
}
