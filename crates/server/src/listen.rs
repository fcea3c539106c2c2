//! The accept loop: how many connections are served, for how long, and what a client that
//! holds them open gets.
//!
//! Each connection is served by hyper's HTTP/1 with a header-read timeout that also runs while
//! a keep-alive connection waits for its next request (so idle and half-sent connections are
//! closed), and every request must be answered within the request timeout (a body sent slowly
//! gets 408). At most `max_connections` are served at once, and at most `max_per_client` to one
//! client, so one address cannot take every connection (and stop a witness answering the log
//! it witnesses). A connection beyond either is shed: a health check is still answered (load
//! balancers must see the server alive), anything else gets 503 with `Retry-After` and is
//! closed. Sixteen times as many may wait (a second at most) to be shed; past that, a new
//! connection is closed at once, so file descriptors stay bounded.
//!
//! A client is its IP address; an IPv6 client is its /64, because a host is usually given a
//! whole /64 and could take a fresh address from it for each connection. Behind a proxy every
//! client has the proxy's address: there the per-client cap must be off (0).

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};
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
    /// Connections served at once to one client (an IP address; an IPv6 /64); 0: no cap, for
    /// a server behind a proxy, where every client has the proxy's address.
    pub max_per_client: usize,
}

impl Limits {
    /// The per-client cap that goes with a connection limit when none is given: a quarter of
    /// it (at least one), so four clients at their cap still leave no one out entirely.
    pub fn per_client_for(max_connections: usize) -> usize {
        (max_connections / 4).max(1)
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_per_client: Limits::per_client_for(1024),
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
    serve_maybe_tls(listener, app, limits, shutdown, None).await
}

/// [`serve_with_limits`] over TLS: each connection's handshake must finish within the header
/// timeout (a mutual-TLS acceptor refuses clients without a certificate it trusts).
pub async fn serve_tls_with_limits(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: Option<impl Future<Output = ()>>,
    tls: tokio_rustls::TlsAcceptor,
) -> std::io::Result<()> {
    serve_maybe_tls(listener, app, limits, shutdown, Some(tls)).await
}

async fn serve_maybe_tls(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: Option<impl Future<Output = ()>>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    let served = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let clients = Clients::new(limits.max_per_client);
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
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
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
        // The client's slot first: one over its cap is shed without taking a global permit.
        // Both are held by the connection's task and given back when it ends.
        if let Some(slot) = clients.enter(peer.ip())
            && let Ok(permit) = served.clone().try_acquire_owned()
        {
            if let Some(acceptor) = &tls {
                let (acceptor, http, app) = (acceptor.clone(), http.clone(), app.clone());
                let watcher = watch.then(|| graceful.watcher());
                let handshake = limits.header_timeout;
                tokio::spawn(async move {
                    // A client that does not finish its handshake in time, or has no trusted
                    // certificate, is closed without a request read.
                    if let Ok(Ok(stream)) = tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
                        match watcher {
                            Some(w) => drop(w.watch(conn).await),
                            None => drop(conn.await),
                        }
                    }
                    drop((permit, slot));
                });
                continue;
            }
            let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
            if watch {
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop((permit, slot));
                });
            } else {
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop((permit, slot));
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

/// Connections served per client, against the per-client cap. The map holds only clients with
/// a connection served, so it is never larger than the connection limit.
struct Clients {
    cap: usize,
    served: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Clients {
    fn new(cap: usize) -> Clients {
        Clients { cap, served: Arc::default() }
    }

    /// A slot for one more connection of the client at `ip`, or `None` when it is at its cap.
    fn enter(&self, ip: IpAddr) -> Option<ClientSlot> {
        if self.cap == 0 {
            return Some(ClientSlot { served: None, client: ip });
        }
        let client = client_of(ip);
        // Held only to count: no await and no panic inside, so poisoning cannot happen in
        // practice, and the counts stay right if it did.
        let mut served = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        let n = served.entry(client).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(ClientSlot { served: Some(self.served.clone()), client })
    }
}

/// One connection served to a client; dropping it (when the connection ends) gives the slot
/// back.
struct ClientSlot {
    served: Option<Arc<Mutex<HashMap<IpAddr, usize>>>>,
    client: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let Some(served) = &self.served else { return };
        let mut served = served.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = served.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                served.remove(&self.client);
            }
        }
    }
}

/// Who a peer address counts as: an IPv4 address (also when written IPv4-mapped), or an IPv6
/// address's /64.
fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
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

    #[test]
    fn a_client_is_its_ipv4_address_or_its_ipv6_slash_64() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("address");
        for (peer, client) in [
            ("192.0.2.7", "192.0.2.7"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
            ("2001:db8:1:2::1", "2001:db8:1:2::"),
            ("::1", "::"),
        ] {
            assert_eq!(client_of(ip(peer)), ip(client), "{peer}");
        }
    }

    #[test]
    fn a_client_gets_its_cap_and_its_slots_back_when_its_connections_end() {
        let (a, b) = ("192.0.2.1".parse().expect("a"), "2001:db8::1".parse().expect("b"));
        let clients = Clients::new(2);
        let held: Vec<ClientSlot> = (0..2).map(|_| clients.enter(a).expect("under the cap")).collect();
        assert!(clients.enter(a).is_none(), "over the cap");
        // Another address of the same IPv6 /64 is the same client; another client is not capped.
        let b1 = clients.enter(b).expect("b");
        let _b2 = clients.enter("2001:db8::2".parse().expect("b2")).expect("b2");
        assert!(clients.enter("2001:db8::3".parse().expect("b3")).is_none());
        drop(held);
        drop(b1);
        assert!(clients.enter(a).is_some() && clients.enter(b).is_some());
        let counts = clients.served.lock().expect("counts");
        assert_eq!(counts.get(&client_of(b)), Some(&1), "b's remaining connection");
        // With no cap, nothing is counted.
        let open = Clients::new(0);
        let slots: Vec<ClientSlot> = (0..100).map(|_| open.enter(a).expect("no cap")).collect();
        assert!(open.served.lock().expect("counts").is_empty() && slots.len() == 100);
    }
}
