//! The accept loop's connection limits over real sockets on loopback: one client holding many
//! idle connections is capped, so another client is still served; the capped client's health
//! check is answered and its other requests shed with 503; its count drops as its connections
//! end. Linux routes all of 127.0.0.0/8 to loopback, so a socket bound to 127.0.0.2 is a second
//! client address.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;

/// A server with `limits` on a free loopback port of its own runtime (stopped when dropped).
fn start(limits: server::Limits) -> (SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().route("/", get(|| async { "served" })).route("/healthz", get(|| async { "alive" }));
    rt.spawn(server::listen::serve_with_limits(listener, app, limits, None::<std::future::Pending<()>>));
    (addr, rt)
}

/// A connection to `addr` from the local address `from` (port chosen by the system).
fn connect_from(rt: &tokio::runtime::Runtime, from: &str, addr: SocketAddr) -> TcpStream {
    let stream = rt
        .block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(format!("{from}:0").parse().expect("address"))?;
            socket.connect(addr).await?.into_std()
        })
        .unwrap_or_else(|e| panic!("connect from {from}: {e}"));
    stream.set_nonblocking(false).expect("blocking");
    stream
}

/// One request on `stream`: the status and the whole answer.
fn get_on(mut stream: TcpStream, path: &str) -> (u16, String) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes()).expect("write");
    let mut out = String::new();
    let _ = stream.read_to_string(&mut out);
    (out.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0), out)
}

/// F6 of the outside attack: one address holding every connection made the server answer
/// everyone else 503 (and a witness stop cosigning). With a per-client cap, another client is
/// served while the first holds all it may and more.
#[test]
fn regression_one_client_holding_many_connections_does_not_starve_another() {
    let limits = server::Limits {
        header_timeout: Duration::from_secs(30),
        max_connections: 16,
        max_per_client: 4,
        ..server::Limits::default()
    };
    let (addr, rt) = start(limits);
    // Ten times the cap, more than the whole limit: idle, sending nothing.
    let held: Vec<TcpStream> = (0..40).map(|_| connect_from(&rt, "127.0.0.1", addr)).collect();
    let (status, text) = get_on(connect_from(&rt, "127.0.0.2", addr), "/");
    assert_eq!(status, 200, "another client is served: {text}");
    // The flooding client itself is over its cap: its health check is still answered, anything
    // else is shed, saying when to retry.
    let (status, text) = get_on(connect_from(&rt, "127.0.0.1", addr), "/healthz");
    assert_eq!(status, 200, "{text}");
    let (status, text) = get_on(connect_from(&rt, "127.0.0.1", addr), "/");
    assert_eq!(status, 503, "{text}");
    assert!(text.to_ascii_lowercase().contains("retry-after: 1"), "{text}");
    // Its connections end: its count drops, and it is served again.
    drop(held);
    let start = Instant::now();
    loop {
        let (status, text) = get_on(connect_from(&rt, "127.0.0.1", addr), "/");
        if status == 200 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "still refused after its connections closed: {text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
