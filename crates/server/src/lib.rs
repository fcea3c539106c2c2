//! candor's HTTP service: one axum server for
//! - the static report and the log's tiles and checkpoint ([`files`], tlog-tiles content
//!   types and cache headers, no path can leave the served folder);
//! - a read-only JSON API over what the report published ([`api`]), described by an
//!   OpenAPI 3.1 document at `/openapi.json` ([`openapi`]);
//! - the policy decision point, `POST /v1/authorize` ([`authorize`]);
//! - a small review UI and its routes for reviewers ([`review`]);
//! - objections to policy proposals, for staff ([`objections`]);
//! - `/healthz` and Prometheus metrics at `/metrics` ([`metrics`]).
//!
//! Public routes only read. Every other route needs `Authorization: Bearer <token>` with a
//! role allowed for it ([`auth`]); tokens are stored only as SHA-256 hashes. A handler states
//! both in its signature: [`extract::Caller`] checks the token's role, [`extract::ApiJson`] the
//! body, and every failure is an [`ApiError`] (internal ones logged with an id and answered as
//! a generic 500). Bodies are limited to [`MAX_BODY`] bytes (routes that take a reason to what their schema allows); connections, header and request
//! times to [`Limits`] ([`listen`]). Each request is logged (tracing) without its headers.

pub mod api;
pub mod auth;
pub mod authorize;
pub mod desk;
pub mod error;
pub mod extract;
pub mod files;
pub mod gateway;
pub mod health;
pub mod listen;
pub mod metrics;
pub mod objections;
pub mod openapi;
pub mod queue;
pub mod report;
pub mod review;
mod state;
pub mod tls;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use error::{ApiError, ApiResult};
pub use listen::Limits;
pub use state::AppState;

/// Largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024;

/// Runs store work (SQLite, or PostgreSQL through its synchronous client, which must not run
/// on a runtime thread) on tokio's blocking pool, and waits for it.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> error::ApiResult<T> + Send + 'static,
) -> error::ApiResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|_| error::ApiError::internal("a store task failed"))?
}

/// Every route of the server.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.limits.request_timeout;
    Router::new()
        .route("/v1/authorize", post(authorize::authorize))
        .route("/v1/organisations", get(api::organisations))
        .route("/v1/organisations/{slug}", get(api::organisation))
        .route("/v1/usage", get(api::usage))
        .route("/v1/disclosures", get(api::disclosures))
        .route("/v1/disclosures/{index}", get(api::disclosure))
        .route("/v1/search", get(api::search))
        .route("/v1/review/queue", get(review::queue))
        // Bodies with a reason may be larger than the default: every body the API document
        // allows must fit (a reason of 4-byte characters written as escapes is 12 bytes each).
        .route("/v1/review/decisions", post(review::decide).layer(DefaultBodyLimit::max(review::DECISION_BODY)))
        .route("/v1/review/bulk-accept", post(review::bulk_accept).layer(DefaultBodyLimit::max(review::BULK_BODY)))
        .route(
            "/v1/proposals/{index}/objections",
            post(objections::file).layer(DefaultBodyLimit::max(objections::OBJECTION_BODY)),
        )
        .route("/review", get(review::page))
        .route("/openapi.json", get(openapi::document))
        .route("/healthz", get(health::health))
        .route("/metrics", get(metrics::render).with_state(state.metrics.clone()))
        .fallback(files::serve_file)
        .layer(axum::middleware::from_fn(move |req, next| listen::request_timeout(limit, req, next)))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::observe))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Serves `app` on `listener` within `limits` until Ctrl-C (or SIGTERM), then finishes the
/// requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, app: Router, limits: Limits) -> std::io::Result<()> {
    listen::serve_with_limits(listener, app, limits, Some(shutdown_signal())).await
}

/// Serves `state` on `listen` until Ctrl-C or SIGTERM, on a runtime of its own; `banner` is
/// called with the server's URL once it listens (so a port 0 shows the port chosen).
pub fn run_until_signal(state: AppState, listen: &str, banner: &dyn Fn(&str)) -> std::io::Result<()> {
    let limits = state.limits;
    run_app(router(Arc::new(state)), limits, listen, banner)
}

/// Serves any `app` (a witness, say) on `listen` within `limits` until Ctrl-C or SIGTERM, on a
/// runtime of its own, with the same accept loop, timeouts and connection limit as the report.
pub fn run_router_until_signal(
    app: Router,
    limits: Limits,
    listen: &str,
    banner: &dyn Fn(&str),
) -> std::io::Result<()> {
    let limit = limits.request_timeout;
    let app = app.layer(axum::middleware::from_fn(move |req, next| listen::request_timeout(limit, req, next)));
    run_app(app, limits, listen, banner)
}

/// [`run_router_until_signal`] over mutual TLS (see [`tls::mutual`]); the banner's URL is
/// `https://`.
pub fn run_router_until_signal_tls(
    app: Router,
    limits: Limits,
    listen: &str,
    banner: &dyn Fn(&str),
    tls: tokio_rustls::TlsAcceptor,
) -> std::io::Result<()> {
    let limit = limits.request_timeout;
    let app = app.layer(axum::middleware::from_fn(move |req, next| listen::request_timeout(limit, req, next)));
    run_app_with(app, limits, listen, banner, Some(tls))
}

fn run_app(app: Router, limits: Limits, listen: &str, banner: &dyn Fn(&str)) -> std::io::Result<()> {
    run_app_with(app, limits, listen, banner, None)
}

fn run_app_with(
    app: Router,
    limits: Limits,
    listen: &str,
    banner: &dyn Fn(&str),
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    // The stores are dropped here, after the runtime, never inside it: PostgreSQL's synchronous
    // client closes its connection by blocking, which the runtime refuses with a panic (and a
    // panic while unwinding aborts the process).
    let stores = app.clone();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let served = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("listening on {listen}: {e}")))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        banner(&format!("{scheme}://{}", listener.local_addr()?));
        match tls {
            Some(tls) => listen::serve_tls_with_limits(listener, app, limits, Some(shutdown_signal()), tls).await,
            None => serve(listener, app, limits).await,
        }
    });
    drop(rt);
    drop(stores);
    served
}

/// A router served on its own small runtime in the background until dropped: the demo's
/// witnesses, benchmarks.
pub struct Background {
    addr: std::net::SocketAddr,
    // Dropping the runtime stops the server.
    _runtime: tokio::runtime::Runtime,
}

impl Background {
    /// Binds `listen` (e.g. `127.0.0.1:0`) and serves `app` there with the default limits.
    pub fn start(app: Router, listen: &str) -> std::io::Result<Background> {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(listen))
            .map_err(|e| std::io::Error::new(e.kind(), format!("listening on {listen}: {e}")))?;
        let addr = listener.local_addr()?;
        runtime.spawn(serve_until_dropped(listener, app));
        Ok(Background { addr, _runtime: runtime })
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }
}

/// Serves `app` on `listener` until the runtime stops (tests, benchmarks).
pub async fn serve_until_dropped(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    listen::serve_with_limits(listener, app, Limits::default(), None::<std::future::Pending<()>>).await
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
    tracing::info!("shutting down: finishing the requests in flight");
}
