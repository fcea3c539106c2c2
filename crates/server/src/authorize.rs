//! `POST /v1/authorize`: a decision for one request, JSON in and out.
//!
//! In: `{"account": "…", "capability": "face_identification", "service": "…",
//! "region_class": "government", "purpose": "…", "record": false}`. Out: the decision
//! (`allow`, `policies`, `attributes`, `errors`, `policy_version`). With `"record": true` the
//! decision and the entities it used are stored for replay.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use policy::engine::{Request, entities_json};
use serde_json::json;

use crate::auth::Role;
use crate::state::{AppState, Reply, error, require};

#[derive(serde::Deserialize)]
/// The body of `POST /v1/authorize`.
pub struct AuthorizeBody {
    #[serde(flatten)]
    request: Request,
    #[serde(default)]
    record: bool,
}

/// `POST /v1/authorize` (authorizer or admin).
pub async fn authorize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Json<AuthorizeBody>, JsonRejection>,
) -> Reply {
    if let Err(reply) = require(&state, &headers, &[Role::Authorizer, Role::Admin]) {
        return reply;
    }
    let Some(decider) = &state.decider else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "this server has no active use policy (run candor policy activate)",
        );
    };
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return error(e.status(), e.body_text()),
    };
    let decision = match decider.decide(&body.request) {
        Ok(d) => d,
        Err(policy::Error::BadRequest(m)) => return error(StatusCode::BAD_REQUEST, m),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    state.metrics.decision(decision.allow);
    if body.record {
        let Some(store) = &state.store else {
            return error(StatusCode::BAD_REQUEST, "this server does not record decisions (start it with --record)");
        };
        let entities = match decider.entities_for(&body.request).and_then(|e| entities_json(&e)) {
            Ok(e) => e,
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        let recorded = match store.lock() {
            Ok(mut s) => s.record_decision(&body.request, &entities, &decision),
            Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "the decision store failed earlier"),
        };
        if let Err(e) = recorded {
            return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
    }
    (StatusCode::OK, Json(json!(decision)))
}
