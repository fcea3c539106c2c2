//! OpenID AuthZEN Authorization API 1.0: access evaluation, batch evaluation and the PDP's
//! discovery document, over the same gate (so an AuthZEN decision is counted and names its
//! policy version like a gateway's).
//!
//! The subject is an account (`{"type": "account", "id": "…"}`), the action a capability of
//! the taxonomy (`{"name": "face_identification"}`), the resource a service
//! (`{"type": "service", "id": "…", "properties": {"region_class": "government"}}`), and the
//! context may carry a `purpose`. Entity types the gate does not decide for are refused with
//! 400, never guessed.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gate::ask::Ask;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{GateState, authorised};
use crate::error::ApiError;
use crate::extract::ApiJson;

/// Most evaluations in one batch.
pub const MAX_EVALUATIONS: usize = 256;

/// An AuthZEN subject.
#[derive(Debug, Clone, Deserialize)]
pub struct Subject {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

/// An AuthZEN action.
#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    name: String,
}

/// An AuthZEN resource.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    properties: Map<String, Value>,
}

/// `POST /access/v1/evaluation`'s body.
#[derive(Debug, Deserialize)]
pub struct Evaluation {
    subject: Subject,
    action: Action,
    resource: Resource,
    #[serde(default)]
    context: Map<String, Value>,
}

/// One entry of a batch: each part given replaces the batch's default.
#[derive(Debug, Deserialize)]
pub struct Partial {
    #[serde(default)]
    subject: Option<Subject>,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    resource: Option<Resource>,
    #[serde(default)]
    context: Option<Map<String, Value>>,
}

/// `POST /access/v1/evaluations`'s body.
#[derive(Debug, Deserialize)]
pub struct Evaluations {
    #[serde(default)]
    subject: Option<Subject>,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    resource: Option<Resource>,
    #[serde(default)]
    context: Option<Map<String, Value>>,
    #[serde(default)]
    evaluations: Option<Vec<Partial>>,
    #[serde(default)]
    options: Option<Options>,
}

/// Batch options.
#[derive(Debug, Deserialize)]
pub struct Options {
    #[serde(default)]
    evaluations_semantic: Option<String>,
}

fn ask_of(
    subject: &Subject,
    action: &Action,
    resource: &Resource,
    context: &Map<String, Value>,
) -> Result<Ask, String> {
    if subject.kind != "account" {
        return Err(format!("subject.type {:?}: the gate decides for accounts (\"account\")", subject.kind));
    }
    if resource.kind != "service" {
        return Err(format!("resource.type {:?}: the gate decides about services (\"service\")", resource.kind));
    }
    let text = |m: &Map<String, Value>, key: &str, what: &str| -> Result<String, String> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{what}.{key} must be a string")),
        }
    };
    if action.name.chars().count() > 128 {
        return Err("action.name: at most 128 characters".into());
    }
    Ok(Ask {
        account: subject.id.clone(),
        capability: Some(action.name.clone()),
        service: resource.id.clone(),
        region_class: text(&resource.properties, "region_class", "resource.properties")?,
        purpose: text(context, "purpose", "context")?,
    })
}

/// The decision as AuthZEN answers it, candor's details in its context.
fn decide(state: &GateState, ask: Result<Ask, String>) -> Result<Value, String> {
    let ask = ask?;
    let v = state.gate.decide(&ask).map_err(|e| e.to_string())?;
    let mut context = json!({
        "policy_version": v.policy_version,
        "outcome": v.outcome.as_str(),
        "capability": v.capability,
        "policies": v.policies,
    });
    if let Some(reason) = &v.reason {
        context["reason_admin"] = json!({"en": reason});
    }
    Ok(json!({"decision": v.allow, "context": context}))
}

fn with_request_id(headers: &HeaderMap, body: Value, status: StatusCode) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Some(id) =
        headers.get("x-request-id").filter(|v| v.len() <= 128).and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
    {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

/// `POST /access/v1/evaluation`.
pub async fn evaluation(
    State(state): State<Arc<GateState>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Evaluation>,
) -> Result<Response, ApiError> {
    authorised(&state, &headers)?;
    let ask = ask_of(&body.subject, &body.action, &body.resource, &body.context);
    let answer = decide(&state, ask).map_err(ApiError::bad_request)?;
    Ok(with_request_id(&headers, answer, StatusCode::OK))
}

/// `POST /access/v1/evaluations`: each entry's parts default to the batch's; a malformed
/// entry is answered `decision: false` with the error in its context; `deny_on_first_deny`
/// and `permit_on_first_permit` stop at the first such decision.
pub async fn evaluations(
    State(state): State<Arc<GateState>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Evaluations>,
) -> Result<Response, ApiError> {
    authorised(&state, &headers)?;
    let context = body.context.clone().unwrap_or_default();
    let Some(items) = &body.evaluations else {
        // No list: one evaluation from the defaults, answered as the evaluation endpoint does.
        let (Some(s), Some(a), Some(r)) = (&body.subject, &body.action, &body.resource) else {
            return Err(ApiError::bad_request("give evaluations, or a subject, an action and a resource"));
        };
        let answer = decide(&state, ask_of(s, a, r, &context)).map_err(ApiError::bad_request)?;
        return Ok(with_request_id(&headers, answer, StatusCode::OK));
    };
    if items.len() > MAX_EVALUATIONS {
        return Err(ApiError::bad_request(format!("at most {MAX_EVALUATIONS} evaluations in one request")));
    }
    let semantic = body.options.as_ref().and_then(|o| o.evaluations_semantic.as_deref()).unwrap_or("execute_all");
    if !["execute_all", "deny_on_first_deny", "permit_on_first_permit"].contains(&semantic) {
        return Err(ApiError::bad_request(format!(
            "options.evaluations_semantic {semantic:?} is not one of execute_all, deny_on_first_deny, permit_on_first_permit"
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let parts = (
            item.subject.as_ref().or(body.subject.as_ref()),
            item.action.as_ref().or(body.action.as_ref()),
            item.resource.as_ref().or(body.resource.as_ref()),
        );
        let ask = match parts {
            (Some(s), Some(a), Some(r)) => ask_of(s, a, r, item.context.as_ref().unwrap_or(&context)),
            _ => Err("this evaluation has no subject, action or resource, and the request gives no default".into()),
        };
        let answer = decide(&state, ask)
            .unwrap_or_else(|e| json!({"decision": false, "context": {"code": "400", "reason_admin": {"en": e}}}));
        let decision = answer["decision"].as_bool().unwrap_or(false);
        out.push(answer);
        if (semantic == "deny_on_first_deny" && !decision) || (semantic == "permit_on_first_permit" && decision) {
            break;
        }
    }
    Ok(with_request_id(&headers, json!({"evaluations": out}), StatusCode::OK))
}

/// `GET /.well-known/authzen-configuration`: where the evaluation endpoints are.
pub async fn configuration(State(state): State<Arc<GateState>>) -> Json<Value> {
    let base = state.base_url().trim_end_matches('/');
    Json(json!({
        "policy_decision_point": base,
        "access_evaluation_endpoint": format!("{base}/access/v1/evaluation"),
        "access_evaluations_endpoint": format!("{base}/access/v1/evaluations"),
    }))
}
