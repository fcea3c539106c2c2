//! The accept loop: how many connections are served, for how long, and what a client that
//! holds them open gets.
//!
//! Each connection is served by hyper's HTTP/1 with a header-read timeout that also runs while
//! a keep-alive connection waits for its next request (so idle and half-sent connections are
//! closed), and every request must be answered within the request timeout (a body sent slowly
//! gets 408). At most `max_connections` are served at once; beyond that a connection is shed:
//! a health check is still answered (load balancers must see the server alive), anything else
//! gets 503 with `Retry-After` and is closed. Sixteen times as many may wait (a second at most)
//! to be shed; past that, a new connection is closed at once, so file descriptors stay bounded.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How long and how many.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To send a request's headers, and the longest a keep-alive connection may sit idle.
    pub header_timeout: Duration,
    /// To send the body and get the answer.
    pub request_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// The answer to a connection over the limit.
const SHED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n\
Content-Length: 61\r\nConnection: close\r\n\r\n{\"error\":\"the server is at its connection limit; retry soon\"}";

/// How long a shed connection may take to say what it wants.
const SHED_PEEK: Duration = Duration::from_secs(1);

/// Connections waiting to be shed, per connection served: enough that idle connections cannot
/// crowd out a health check (each waits at most [`SHED_PEEK`] and costs a task and a socket).
const SHED_ROOM: usize = 16;

/// Middleware: a request not answered within `limit` (a body sent too slowly, a handler stuck)
/// gets 408 and its work is dropped.
pub async fn request_timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, axum::Json(serde_json::json!({"error": "request took too long"})))
            .into_response(),
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets the
/// requests in flight finish (for at most the request timeout). Without `shutdown` it serves
/// until the runtime stops, and connections are not watched for a shutdown that cannot come.
pub async fn serve_with_limits(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: Option<impl Future<Output = ()>>,
) -> std::io::Result<()> {
    let served = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let shedding = Arc::new(Semaphore::new(limits.max_connections.max(1).saturating_mul(SHED_ROOM)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let watch = shutdown.is_some();
    let shutdown = async move {
        match shutdown {
            Some(signal) => signal.await,
            None => std::future::pending().await,
        }
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors or the like: wait for connections to close.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        if let Ok(permit) = served.clone().try_acquire_owned() {
            let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
            if watch {
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            } else {
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
        } else if let Ok(permit) = shedding.clone().try_acquire_owned() {
            let (app, http) = (app.clone(), http.clone());
            tokio::spawn(async move {
                shed(stream, app, http).await;
                drop(permit);
            });
        }
        // Else the stream is dropped: closed at once.
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.request_timeout, graceful.shutdown()).await;
    Ok(())
}

/// A connection over the limit: a health check is answered (once, then closed), anything else
/// gets 503.
async fn shed(mut stream: TcpStream, app: Router, mut http: hyper::server::conn::http1::Builder) {
    let mut head = [0u8; 16];
    let peeked = tokio::time::timeout(SHED_PEEK, stream.peek(&mut head)).await;
    let n = match peeked {
        Ok(Ok(n)) => n,
        _ => return,
    };
    let asks = &head[..n];
    if asks.starts_with(b"GET /healthz") || asks.starts_with(b"HEAD /healthz") {
        http.keep_alive(false);
        let _ = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app)).await;
        return;
    }
    let _ = tokio::time::timeout(SHED_PEEK, async {
        stream.write_all(SHED).await?;
        stream.shutdown().await
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shed_answer_says_its_own_length() {
        let text = std::str::from_utf8(SHED).expect("ascii");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.contains(&format!("Content-Length: {}", body.len())), "{head}");
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }
}
