//! `POST /v1/authorize`: a decision for one request, JSON in and out.
//!
//! In: `{"account": "…", "capability": "face_identification", "service": "…",
//! "region_class": "government", "purpose": "…", "record": false}`. Out: the decision
//! (`allow`, `policies`, `attributes`, `errors`, `policy_version`). With `"record": true` the
//! decision and the entities it used are stored for replay.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use policy::engine::{Decision, Request, entities_json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Authorizers, Caller};
use crate::state::AppState;

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
    _caller: Caller<Authorizers>,
    ApiJson(body): ApiJson<AuthorizeBody>,
) -> ApiResult<Json<Decision>> {
    let Some(decider) = &state.decider else {
        return Err(ApiError::unavailable("this server has no active use policy (run candor policy activate)"));
    };
    let decision = decider.decide(&body.request)?;
    state.metrics.decision(decision.allow);
    if body.record {
        if state.store.is_none() {
            return Err(ApiError::bad_request("this server does not record decisions (start it with --record)"));
        }
        let entities = decider.entities_for(&body.request).and_then(|e| entities_json(&e))?;
        let (state, request, recorded) = (state.clone(), body.request.clone(), decision.clone());
        crate::blocking(move || {
            let Some(store) = &state.store else { return Err(ApiError::internal("the decision store went away")) };
            let mut store = store.lock().map_err(|_| ApiError::internal("the decision store's lock is poisoned"))?;
            Ok(store.record_decision(&request, &entities, &recorded)?)
        })
        .await?;
    }
    Ok(Json(decision))
}
