//! NGINX `auth_request` and Envoy HTTP `ext_authz`: the original request described by the
//! subrequest, answered 2xx (let it through) or 403 (refuse) with the decision in headers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use gate::ask::{Ask, recognise};
use gate::{Outcome, Verdict};

use super::{GateState, authorised};

/// `/nginx`: NGINX's `auth_request` subrequest. The original method and URI come in
/// `X-Original-Method` and `X-Original-URI` (set them in the auth location); the answer is
/// 204 to let the request through, 403 to refuse it.
pub(super) async fn nginx(State(state): State<Arc<GateState>>, headers: HeaderMap) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (Some(method), Some(uri)) = (text("x-original-method"), text("x-original-uri")) else {
        return refused_unasked("the auth location must set X-Original-Method and X-Original-URI");
    };
    answer(&state, &headers, &method, &uri, StatusCode::NO_CONTENT)
}

/// `/envoy/…`: Envoy's HTTP authorization request, which carries the original method and
/// path (after the configured prefix, `/envoy`) and the headers Envoy is told to pass; 200
/// lets the request through, 403 refuses it.
pub(super) async fn envoy(
    State(state): State<Arc<GateState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().strip_prefix("/envoy").unwrap_or("");
    let original = match uri.query() {
        Some(q) => format!("{}?{q}", if path.is_empty() { "/" } else { path }),
        None => {
            if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            }
        }
    };
    answer(&state, &headers, method.as_str(), &original, StatusCode::OK)
}

fn answer(state: &GateState, headers: &HeaderMap, method: &str, uri: &str, allowed: StatusCode) -> Response {
    if let Err(e) = authorised(state, headers) {
        return e.into_response();
    }
    // A value that is not visible ASCII is kept as a value of its own (never skipped), so it
    // counts as a different value of a header sent twice, and recognises nothing.
    let values =
        |name: &str| -> Vec<&str> { headers.get_all(name).iter().map(|v| v.to_str().unwrap_or("\u{fffd}")).collect() };
    let operation = match recognise(state.gate.taxonomy(), method, uri, &values) {
        Ok(op) => op,
        Err(e) => return refused_unasked(&e.to_string()),
    };
    let accounts = values(state.account_header.as_str());
    if accounts.len() > 1 {
        return refused_unasked("the account header is sent more than once");
    }
    let one = |name: &str| values(name).first().map(|v| v.trim().to_string()).unwrap_or_default();
    let (capability, service) = match operation {
        Some((capability, service, _)) => (Some(capability), service),
        None => (None, String::new()),
    };
    let ask = Ask {
        account: accounts.first().map(|v| v.trim().to_string()).unwrap_or_default(),
        capability,
        service,
        region_class: one(state.region_header.as_str()),
        purpose: String::new(),
    };
    match state.gate.decide(&ask) {
        Ok(v) => verdict_response(&v, if v.allow { allowed } else { StatusCode::FORBIDDEN }),
        Err(e) => refused_unasked(&e.to_string()),
    }
}

/// The answer to a decided request, the decision in `Candor-*` headers.
fn verdict_response(v: &Verdict, status: StatusCode) -> Response {
    let mut response = status.into_response();
    let h = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(&header_text(value)) {
            h.insert(name, v);
        }
    };
    set("candor-decision", if v.allow { "allow" } else { "deny" });
    set("candor-outcome", v.outcome.as_str());
    set("candor-capability", &v.capability);
    set("candor-policy-version", v.policy_version.as_deref().unwrap_or("none"));
    if !v.policies.is_empty() {
        set("candor-policies", &v.policies.join(","));
    }
    if matches!(v.outcome, Outcome::FailedOpen | Outcome::FailedClosed)
        && let Some(reason) = &v.reason
    {
        set("candor-reason", reason);
    }
    response
}

/// 403 for a request the gate could not ask about (`auth_request` turns any other status but
/// 401 into a 500 for the client, which would hide the reason).
fn refused_unasked(reason: &str) -> Response {
    let mut response = StatusCode::FORBIDDEN.into_response();
    if let Ok(v) = HeaderValue::from_str(&header_text(reason)) {
        response.headers_mut().insert("candor-reason", v);
    }
    response.headers_mut().insert("candor-decision", HeaderValue::from_static("deny"));
    response
}

/// Printable ASCII only, at most 512 bytes: a header value the gateway can pass on.
fn header_text(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).take(512).collect()
}
