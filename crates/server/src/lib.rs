//! candor's HTTP service. For now it is the policy decision point — `POST /v1/authorize`,
//! JSON in and out — which the full server (public report, log tiles, review UI) will absorb.
//!
//! Every route that is not public needs `Authorization: Bearer <token>` with a role allowed
//! for it ([`auth`]); tokens are stored only as SHA-256 hashes. Bodies are limited to
//! [`MAX_BODY`] bytes.

pub mod auth;
pub mod authorize;

pub use authorize::{AppState, router};

/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024;

/// Serves `app` on `listener` until Ctrl-C (or SIGTERM), then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
}

/// Serves `app` on `listener` until the runtime stops (tests, benchmarks).
pub async fn serve_until_dropped(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, app).await
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
