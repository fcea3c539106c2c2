//! `GET /healthz`: whether the server answers, and which of its parts are on.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::state::AppState;

/// `GET /healthz`.
pub async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "policy_version": state.decider.as_ref().map(|d| d.version().sha256.clone()),
        "report": state.report.is_some(),
        "review": state.registry.is_some(),
    }))
}
