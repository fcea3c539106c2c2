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

/// Most characters of an account id, a service or a purpose in a request.
pub const MAX_ID: usize = 256;

/// Most characters of a capability id.
pub const MAX_CAPABILITY: usize = 128;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
/// The body of `POST /v1/authorize`: every field bounded and no other field, so any body the
/// API document allows fits under the server's body limit (written with 12-byte escapes, the
/// longest is about 11 KB).
pub struct AuthorizeBody {
    account: String,
    capability: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    region_class: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    record: bool,
}

impl AuthorizeBody {
    /// The request, or 400 naming the field that is too long.
    fn request(&self) -> Result<Request, ApiError> {
        for (field, value, max) in [
            ("account", &self.account, MAX_ID),
            ("capability", &self.capability, MAX_CAPABILITY),
            ("service", &self.service, MAX_ID),
            ("purpose", &self.purpose, MAX_ID),
        ] {
            if value.chars().count() > max {
                return Err(ApiError::bad_request(format!("{field}: at most {max} characters")));
            }
        }
        Ok(Request {
            account: self.account.clone(),
            capability: self.capability.clone(),
            service: self.service.clone(),
            region_class: self.region_class.clone(),
            purpose: self.purpose.clone(),
        })
    }
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
    let request = body.request()?;
    let decision = decider.decide(&request)?;
    state.metrics.decision(decision.allow);
    if body.record {
        if state.store.is_none() {
            return Err(ApiError::bad_request("this server does not record decisions (start it with --record)"));
        }
        let entities = decider.entities_for(&request).and_then(|e| entities_json(&e))?;
        let (state, request, recorded) = (state.clone(), request.clone(), decision.clone());
        crate::blocking(move || {
            let Some(store) = &state.store else { return Err(ApiError::internal("the decision store went away")) };
            let mut store = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            Ok(store.record_decision(&request, &entities, &recorded)?)
        })
        .await?;
    }
    Ok(Json(decision))
}
