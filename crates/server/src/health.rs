//! `GET /healthz`: whether the server answers, and which of its parts are on.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::state::AppState;

/// `GET /healthz`. `report` is true only when the report's data can be served (the API would
/// answer 503 otherwise), and then `report_unavailable` says why.
pub async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    let (report, why) = match &state.report {
        None => (false, None),
        Some(r) => match r.data() {
            Ok(_) => (true, None),
            Err(e) => (false, Some(e)),
        },
    };
    Json(json!({
        "status": "ok",
        "policy_version": state.decider.as_ref().map(|d| d.version().sha256.clone()),
        "report": report,
        "report_unavailable": why,
        "review": state.registry.is_some(),
    }))
}
