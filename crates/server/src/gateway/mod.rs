//! The gate's routes: what a gateway calls on every request to the provider's APIs.
//!
//! - `/nginx` for NGINX `auth_request` (the original method and URI in `X-Original-Method` and
//!   `X-Original-URI`, the client's headers as NGINX passes them);
//! - `/envoy/…` for Envoy's HTTP `ext_authz` (the original method and path, the allowed
//!   headers);
//! - AuthZEN 1.0: `POST /access/v1/evaluation`, `POST /access/v1/evaluations` and
//!   `GET /.well-known/authzen-configuration` ([`authzen`]).
//!
//! Every answer names the policy version it was decided under (`Candor-Policy-Version`, or
//! the AuthZEN context). Callers authenticate with an authorizer token (or by the client
//! certificate of a mutual-TLS listener). The gate reads no request body from NGINX or
//! Envoy and logs none: what it keeps are the counts of [`gate::tally`].

pub mod authzen;
mod proxy;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use crate::auth::{Role, Tokens};
use crate::error::ApiError;
use crate::metrics::Metrics;

/// Largest AuthZEN body (a batch of [`authzen::MAX_EVALUATIONS`] evaluations).
pub const MAX_GATE_BODY: usize = 256 * 1024;

/// What the gate's routes share.
pub struct GateState {
    /// The decision point.
    pub gate: Arc<gate::Gate>,
    /// Who may call (authorizer and admin tokens).
    pub tokens: Tokens,
    /// The header the provider's authentication layer puts the caller's account in.
    pub account_header: HeaderName,
    /// The header carrying the region class of the endpoint called, if the gateway sets one.
    pub region_header: HeaderName,
    /// The URL the gate is reached at, for the AuthZEN discovery document: the one configured,
    /// or else the address bound (see [`GateState::bound_at`]).
    base_url: std::sync::OnceLock<String>,
    /// Connections are authenticated by client certificates (mutual TLS): no token needed.
    pub client_certificates: bool,
    /// Request counters and timings.
    pub metrics: Arc<Metrics>,
    /// `Authorization` values already found to hold an authorizer's token (at most 8).
    accepted: std::sync::RwLock<Vec<String>>,
}

impl GateState {
    /// A gate's state with fresh metrics; the header names are checked (an error names the bad
    /// one). `base_url` is the URL the gate is reached at, if configured; without it the
    /// discovery document names the address the server binds (tell it with
    /// [`GateState::bound_at`]).
    pub fn new(
        gate: Arc<gate::Gate>,
        tokens: Tokens,
        account_header: &str,
        region_header: &str,
        base_url: Option<String>,
    ) -> Result<GateState, String> {
        let name = |n: &str| {
            HeaderName::from_bytes(n.trim().to_ascii_lowercase().as_bytes())
                .map_err(|_| format!("{n:?} is not a header name"))
        };
        let configured = std::sync::OnceLock::new();
        if let Some(url) = base_url {
            let _ = configured.set(url);
        }
        Ok(GateState {
            gate,
            tokens,
            account_header: name(account_header)?,
            region_header: name(region_header)?,
            base_url: configured,
            client_certificates: false,
            metrics: Arc::new(Metrics::default()),
            accepted: std::sync::RwLock::new(Vec::new()),
        })
    }

    /// The server is listening at `url` (`http://ADDR`, the port resolved): the gate's URL
    /// unless one was configured. (A listen address with port 0 is no URL a client could use;
    /// on every interface, 0.0.0.0, neither is the bound one: configure the URL then.)
    pub fn bound_at(&self, url: &str) {
        let _ = self.base_url.set(url.to_string());
    }

    /// The URL the gate is reached at ("" before it is bound, when none was configured).
    pub fn base_url(&self) -> &str {
        self.base_url.get().map_or("", String::as_str)
    }
}

/// Every route of the gate.
pub fn router(state: Arc<GateState>) -> Router {
    Router::new()
        .route("/nginx", any(proxy::nginx))
        .route("/envoy", any(proxy::envoy))
        .route("/envoy/{*path}", any(proxy::envoy))
        .route("/access/v1/evaluation", post(authzen::evaluation))
        .route("/access/v1/evaluations", post(authzen::evaluations))
        .route("/.well-known/authzen-configuration", get(authzen::configuration))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), observe))
        .layer(DefaultBodyLimit::max(MAX_GATE_BODY))
        .with_state(state)
}

/// Whether the caller may ask: a client certificate on a mutual-TLS listener, or one
/// authorizer (or admin) bearer token.
fn authorised(state: &GateState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.client_certificates {
        return Ok(());
    }
    if headers.get_all(header::AUTHORIZATION).iter().nth(1).is_some() {
        return Err(ApiError::bad_request("send one Authorization header, not several"));
    }
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    // A gateway sends the same token on every request: one already found to be an authorizer's
    // is recognised without hashing it again (a few, so a rotation does not thrash).
    if let Some(a) = auth
        && state.accepted.read().unwrap_or_else(std::sync::PoisonError::into_inner).iter().any(|t| same(t, a))
    {
        return Ok(());
    }
    match state.tokens.who(auth) {
        Some((Role::Authorizer | Role::Admin, _)) => {
            let mut accepted = state.accepted.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(a) = auth.filter(|_| accepted.len() < 8) {
                accepted.push(a.to_string());
            }
            Ok(())
        }
        None => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "an authorizer token is required (Authorization: Bearer …)"))
        }
        Some((role, _)) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, format!("a {} token may not ask the gate", role.as_str())))
        }
    }
}

/// Middleware: counts and times every request by route. Unlike the report's server it logs no
/// path (Envoy's carries the provider's API path) and logs at debug level only: a gate answers
/// thousands of requests a second, and what it keeps of them are the counts.
async fn observe(
    axum::extract::State(metrics): axum::extract::State<Arc<Metrics>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let start = std::time::Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_string());
    let route = route.unwrap_or_else(|| "(none)".into());
    let res = next.run(req).await;
    let seconds = start.elapsed().as_secs_f64();
    metrics.request(method.as_str(), &route, res.status().as_u16(), seconds);
    tracing::debug!(method = %method, route = %route, status = res.status().as_u16(), ms = seconds * 1e3, "gate request");
    res
}

/// `GET /metrics` (an authorizer's token, or a client certificate): exact counts per route and
/// status, which the report publishes only as bands.
async fn metrics(axum::extract::State(state): axum::extract::State<Arc<GateState>>, headers: HeaderMap) -> Response {
    if let Err(e) = authorised(&state, &headers) {
        return e.into_response();
    }
    crate::metrics::render(axum::extract::State(state.metrics.clone())).await
}

/// Equal strings, compared in time that does not depend on where they differ (a token must not
/// be guessed byte by byte from answer times).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /healthz`: the gate's status (policy version, how fresh its snapshot is, whether the
/// fail modes decide now).
async fn health(axum::extract::State(state): axum::extract::State<Arc<GateState>>) -> Response {
    let status = state.gate.status();
    let code = if status.failing { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    (code, axum::Json(status)).into_response()
}
