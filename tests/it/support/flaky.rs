//! Servers that behave as real networks do in front of a correct API: a connection that is
//! closed instead of answering when it is reused, and an endpoint that only ever throttles.

#![allow(dead_code)]

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// When a relaying proxy closes a client connection, without a byte of answer.
#[derive(Debug, Clone, Copy)]
enum Close {
    /// When a second request arrives on a connection already answered.
    OnReuse,
    /// Once the connection is idle this long with no answer outstanding.
    WhenIdle(std::time::Duration),
}

/// A proxy to `upstream` (`host:port`) that relays bytes both ways and closes each client
/// connection as `close` says.
async fn relay(upstream: String, close: Close) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let idle = match close {
        Close::WhenIdle(d) => Some(d),
        Close::OnReuse => None,
    };
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let (mut cbuf, mut sbuf) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
                let (mut answered, mut awaiting) = (false, false);
                loop {
                    tokio::select! {
                        n = cr.read(&mut cbuf) => match n {
                            Ok(_) if answered && matches!(close, Close::OnReuse) => return,
                            Ok(n) if n > 0 => {
                                if sw.write_all(&cbuf[..n]).await.is_err() {
                                    return;
                                }
                                awaiting = true;
                            }
                            _ => return,
                        },
                        n = sr.read(&mut sbuf) => match n {
                            Ok(n) if n > 0 => {
                                if cw.write_all(&sbuf[..n]).await.is_err() {
                                    return;
                                }
                                answered = true;
                                awaiting = false;
                            }
                            _ => return,
                        },
                        () = tokio::time::sleep(idle.unwrap_or_default()), if idle.is_some() && !awaiting => return,
                    }
                }
            });
        }
    });
    addr
}

/// A proxy to `upstream` (`host:port`) that relays the first request of each connection
/// and closes the connection, without a byte, when a second request arrives on it: what a
/// load balancer that closed an idle keep-alive does to the client that reuses it.
pub async fn closes_reused_connections(upstream: String) -> SocketAddr {
    relay(upstream, Close::OnReuse).await
}

/// A proxy to `upstream` that closes a client connection once it has been idle for `idle`
/// with no answer outstanding, as short-idle load balancers do (50 ms in the issue).
pub async fn closes_idle_connections(upstream: String, idle: std::time::Duration) -> SocketAddr {
    relay(upstream, Close::WhenIdle(idle)).await
}

/// A server that answers every request 429 with `Retry-After: 0` and a KONA envelope,
/// echoing the correlation id: a target whose limit never lifts.
pub async fn always_throttled() -> String {
    use axum::http::{HeaderMap, StatusCode};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|headers: HeaderMap| async move {
        let mut out = HeaderMap::new();
        out.insert("content-type", "application/json".parse().unwrap());
        out.insert("retry-after", "0".parse().unwrap());
        if let Some(id) = headers.get("x-km-correlation-id") {
            out.insert("x-km-correlation-id", id.clone());
        }
        (
            StatusCode::TOO_MANY_REQUESTS,
            out,
            r#"{"response":{"code":"900_429","description":"Too many requests."}}"#,
        )
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}
