//! `POST /v1/authorize`: a decision for one request, JSON in and out.
//!
//! In: `{"account": "…", "capability": "face_identification", "service": "…",
//! "region_class": "government", "purpose": "…", "record": false}`. Out: the decision
//! (`allow`, `policies`, `attributes`, `errors`, `policy_version`). With `"record": true` the
//! decision and the entities it used are stored for replay.

use std::sync::{Arc, Mutex};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use policy::engine::{Decider, Request, entities_json};
use policy::store::PolicyStore;
use serde_json::{Value, json};

use crate::auth::{Role, Tokens};

/// What the routes share.
pub struct AppState {
    /// The decision point (the active policy version over the registry's facts).
    pub decider: Decider,
    /// Who may call.
    pub tokens: Tokens,
    /// Where recorded decisions go, if anywhere.
    pub store: Option<Mutex<PolicyStore>>,
}

#[derive(serde::Deserialize)]
struct AuthorizeBody {
    #[serde(flatten)]
    request: Request,
    #[serde(default)]
    record: bool,
}

type Reply = (StatusCode, Json<Value>);

fn error(status: StatusCode, message: impl Into<String>) -> Reply {
    (status, Json(json!({ "error": message.into() })))
}

/// Refuses a caller without a token of one of `roles`: 401 without a valid token, 403 with
/// a token of another role.
fn require(state: &AppState, headers: &HeaderMap, roles: &[Role]) -> Result<Role, Reply> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match state.tokens.role_of(auth) {
        None => Err(error(StatusCode::UNAUTHORIZED, "a bearer token is required (Authorization: Bearer …)")),
        Some(r) if roles.contains(&r) => Ok(r),
        Some(r) => Err(error(StatusCode::FORBIDDEN, format!("a {} token may not do this", r.as_str()))),
    }
}

async fn authorize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Json<AuthorizeBody>, JsonRejection>,
) -> Reply {
    if let Err(reply) = require(&state, &headers, &[Role::Authorizer, Role::Admin]) {
        return reply;
    }
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return error(e.status(), e.body_text()),
    };
    let decision = match state.decider.decide(&body.request) {
        Ok(d) => d,
        Err(policy::Error::BadRequest(m)) => return error(StatusCode::BAD_REQUEST, m),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    if body.record {
        let Some(store) = &state.store else {
            return error(StatusCode::BAD_REQUEST, "this server does not record decisions (start it with --record)");
        };
        let entities = match state.decider.entities_for(&body.request).and_then(|e| entities_json(&e)) {
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

async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({ "status": "ok", "policy_version": state.decider.version().sha256 }))
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/authorize", post(authorize))
        .route("/healthz", get(health))
        .layer(DefaultBodyLimit::max(crate::MAX_BODY))
        .with_state(state)
}
