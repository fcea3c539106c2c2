//! What the routes share, and the helpers every route uses to answer and to check tokens.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use policy::engine::Decider;
use policy::store::PolicyStore;
use serde_json::{Value, json};

use crate::auth::{Role, Tokens};

/// What the routes share. Every part but the tokens is optional: a server without a policy
/// answers `/v1/authorize` with 503, one without a report answers the report's routes with
/// 404, one without a registry has no review routes.
pub struct AppState {
    /// The decision point (the active policy version over the registry's facts).
    pub decider: Option<Decider>,
    /// Who may call.
    pub tokens: Tokens,
    /// Where recorded decisions go, if anywhere.
    pub store: Option<Mutex<PolicyStore>>,
    /// The published report (the log's public folder), served as files and through the API.
    pub report: Option<crate::api::Report>,
    /// The registry, for the review routes.
    pub registry: Option<Mutex<registry::SqliteStore>>,
    /// Request counters and timings.
    pub metrics: crate::metrics::Metrics,
}

impl AppState {
    /// A server that only knows its tokens; set the other fields to add capabilities.
    pub fn new(tokens: Tokens) -> AppState {
        AppState {
            decider: None,
            tokens,
            store: None,
            report: None,
            registry: None,
            metrics: crate::metrics::Metrics::default(),
        }
    }
}

/// A JSON answer with its status.
pub type Reply = (StatusCode, Json<Value>);

/// An error answer: `{"error": message}`.
pub fn error(status: StatusCode, message: impl Into<String>) -> Reply {
    (status, Json(json!({ "error": message.into() })))
}

/// Refuses a caller without a token of one of `roles`: 401 without a valid token, 403 with
/// a token of another role. Returns the role and the token's label (who holds it).
pub fn require(state: &AppState, headers: &HeaderMap, roles: &[Role]) -> Result<(Role, String), Reply> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match state.tokens.who(auth) {
        None => Err(error(StatusCode::UNAUTHORIZED, "a bearer token is required (Authorization: Bearer …)")),
        Some((r, label)) if roles.contains(&r) => Ok((r, label.to_string())),
        Some((r, _)) => Err(error(StatusCode::FORBIDDEN, format!("a {} token may not do this", r.as_str()))),
    }
}

/// `GET /healthz`.
pub async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "policy_version": state.decider.as_ref().map(|d| d.version().sha256.clone()),
        "report": state.report.is_some(),
        "review": state.registry.is_some(),
    }))
}
