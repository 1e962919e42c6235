//! A tap on the sandbox: every request as received (headers, raw body bytes, time) with the
//! answer it got, and every connection that sent bytes the HTTP layer could not read as a
//! request. `certify-client` judges, journals and tracks tasks from it; the sandbox's
//! answers do not change whether a tap is set or not.
//!
//! Events go into a bounded channel: a slow reader holds back the request that is being
//! answered (back-pressure), never grows a queue. A connection that closes unread is
//! reported without waiting (a `Drop` cannot wait): when the channel is full it is lost.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use chrono::{DateTime, Utc};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The first bytes of an unreadable connection kept for the report.
pub const UNREADABLE_HEAD: usize = 256;

/// Where the sandbox sends what it saw.
pub type TapSender = mpsc::Sender<TapEvent>;

/// One thing the sandbox saw.
#[derive(Debug)]
pub enum TapEvent {
    Exchange(Box<Tapped>),
    Unreadable(Unreadable),
}

/// A request the handler read, and its answer.
#[derive(Debug, Clone)]
pub struct Tapped {
    pub received_at: DateTime<Utc>,
    pub duration: Duration,
    pub method: String,
    /// The path and query as requested.
    pub path: String,
    /// Header names and values as received (values that are not UTF-8 are read lossily).
    pub headers: Vec<(String, String)>,
    pub body: TappedBody,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Vec<u8>,
}

/// The request body as the sandbox got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TappedBody {
    /// Whole and within the limit.
    Read(Vec<u8>),
    /// Over the limit (`seen` bytes arrived before reading stopped), too slow, or broken
    /// off: only its size is known.
    NotRead { seen: u64 },
}

/// A connection that sent bytes but no request the HTTP layer could read (not HTTP,
/// headers too large, cut short): the HTTP layer answered or closed on its own.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub received_at: DateTime<Utc>,
    pub peer: Option<SocketAddr>,
    /// Bytes received on the connection.
    pub bytes: u64,
    /// The first of them, at most [`UNREADABLE_HEAD`].
    pub head: Vec<u8>,
}

/// What a connection's reader and the request handler share: how many requests reached
/// the handler.
#[derive(Debug, Default)]
pub(crate) struct ConnState {
    requests: AtomicUsize,
}

/// The connection a request came on, as the handler sees it (`ConnectInfo`).
#[derive(Debug, Clone)]
pub(crate) struct ConnTag {
    state: Arc<ConnState>,
}

impl ConnTag {
    pub(crate) fn request_seen(&self) {
        self.state.requests.fetch_add(1, Ordering::Relaxed);
    }
}

impl Connected<IncomingStream<'_, WatchedListener>> for ConnTag {
    fn connect_info(stream: IncomingStream<'_, WatchedListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP listener whose connections remember their first bytes, so one that never makes
/// a request can be reported.
pub(crate) struct WatchedListener {
    inner: TcpListener,
    tap: TapSender,
}

impl WatchedListener {
    pub(crate) fn new(inner: TcpListener, tap: TapSender) -> Self {
        WatchedListener { inner, tap }
    }
}

impl Listener for WatchedListener {
    type Io = Watched;
    type Addr = ConnTag;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (tcp, peer) = Listener::accept(&mut self.inner).await;
        // Small request/response pairs: don't let Nagle hold them back.
        let _ = tcp.set_nodelay(true);
        let state = Arc::new(ConnState::default());
        let io = Watched {
            tcp,
            peer,
            state: state.clone(),
            tap: self.tap.clone(),
            received_at: Utc::now(),
            bytes: 0,
            head: Vec::new(),
        };
        (io, ConnTag { state })
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr().map(|_| ConnTag {
            state: Arc::default(),
        })
    }
}

/// A TCP stream that counts what it reads and keeps the first bytes.
pub(crate) struct Watched {
    tcp: TcpStream,
    peer: SocketAddr,
    state: Arc<ConnState>,
    tap: TapSender,
    received_at: DateTime<Utc>,
    bytes: u64,
    head: Vec<u8>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        if self.bytes > 0 && self.state.requests.load(Ordering::Relaxed) == 0 {
            let _ = self.tap.try_send(TapEvent::Unreadable(Unreadable {
                received_at: self.received_at,
                peer: Some(self.peer),
                bytes: self.bytes,
                head: std::mem::take(&mut self.head),
            }));
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            let new = &buf.filled()[before..];
            if self.bytes == 0 && !new.is_empty() {
                self.received_at = Utc::now();
            }
            self.bytes = self.bytes.saturating_add(new.len() as u64);
            let room = UNREADABLE_HEAD.saturating_sub(self.head.len());
            let take = room.min(new.len());
            if take > 0 {
                let new = new[..take].to_vec();
                self.head.extend_from_slice(&new);
            }
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// Header names and values as text, in the order received.
pub fn header_list(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}
