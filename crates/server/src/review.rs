//! The review UI and its routes: reviewers see the proposed account-to-organisation links and
//! accept or reject each with a reason. Everything here needs a reviewer or admin token (the
//! queue names customer accounts, which the public report never does); the page itself is
//! only a shell that asks for the token and calls the routes.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, Reviewers};
use crate::state::AppState;

/// Longest reason accepted.
pub const MAX_REASON: usize = 2_000;

/// The registry. Its lock is taken even after a handler panicked holding it: the panicking
/// handler's transaction rolled back when dropped, so the store is as the last commit left it,
/// and review must not stay down until a restart.
fn registry(state: &AppState) -> ApiResult<&Mutex<Box<dyn registry::Store>>> {
    state.registry.as_deref().ok_or_else(|| ApiError::not_found("this server has no registry to review"))
}

/// `GET /v1/review/queue` (reviewer or admin): links waiting for review, from the
/// application's [`crate::desk::ReviewQueue`]: ordered by consequence (`sort=impact`, `score`,
/// `age` or `value`), filtered (`kind`, `role`, `status`, `country`, `state`, `capability`,
/// `score=LOW-HIGH`, `age=DAYS`, `would_deny`) and paged (`offset`, `limit`), each row with the
/// account's and the organisation's facts side by side. A server without a review queue has no
/// review routes (404): there is one queue, with its rules, or none.
pub async fn queue(
    State(state): State<Arc<AppState>>,
    _caller: Caller<Reviewers>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<crate::queue::QueuePage>> {
    let q = review_queue(&state)?;
    crate::blocking(move || {
        let store = registry(&state)?.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(q.page(&**store, &query)?)
    })
    .await
    .map(Json)
}

/// The application's review queue, or 404 when this server has none.
fn review_queue(state: &AppState) -> ApiResult<Arc<dyn crate::desk::ReviewQueue>> {
    state.review_queue.clone().ok_or_else(|| ApiError::not_found("this server has no review queue"))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
/// The body of `POST /v1/review/decisions`.
pub struct DecisionBody {
    #[serde(deserialize_with = "crate::extract::integer")]
    proposal_id: i64,
    accept: bool,
    reason: String,
    /// For an ambiguous proposal: the candidate accepted.
    #[serde(default, deserialize_with = "crate::extract::optional_integer")]
    org_id: Option<i64>,
    /// Decide a proposal decided before (recorded as a reversal); without it, 409.
    #[serde(default, rename = "override")]
    overrides: bool,
}

/// `POST /v1/review/decisions` (reviewer or admin): `{"proposal_id", "accept", "reason"}`,
/// and `"org_id"` to accept one candidate of an ambiguous proposal.
/// The reviewer is the token's label; published records show only a pseudonym of it.
pub async fn decide(
    State(state): State<Arc<AppState>>,
    caller: Caller<Reviewers>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<crate::queue::Decided>> {
    let reason = crate::extract::reason("reason", &body.reason, MAX_REASON)?;
    let reviewer = caller.id()?;
    let reason = reason.to_string();
    // Every decision goes through the queue and its rules (four eyes on a link that would make
    // a deny): there is no second path that would skip them.
    let q = review_queue(&state)?;
    let ask = crate::desk::DecisionAsk {
        proposal_id: body.proposal_id,
        accept: body.accept,
        org_id: body.org_id,
        reviewer,
        reason,
        overrides: body.overrides,
    };
    crate::blocking(move || {
        let mut store = registry(&state)?.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(q.decide(&mut **store, &ask)?)
    })
    .await
    .map(Json)
}

/// The body of `POST /v1/review/bulk-accept`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    #[serde(deserialize_with = "crate::extract::integers")]
    proposal_ids: Vec<i64>,
    reason: String,
}

/// Most proposals one bulk acceptance takes.
pub const MAX_BULK: usize = 500;

/// Most bytes a JSON text needs for one character of a reason: a character beyond the Basic
/// Multilingual Plane written as two `\uXXXX` escapes, as JSON writers that keep to ASCII do.
pub const MAX_BYTES_PER_CHAR: usize = 12;

/// Most bytes a JSON integer the server reads takes, with its separator: `-9223372036854775808`,
/// `-9.223372036854775808e+18` or with a zero fraction (what JSON writers produce for an integer).
const MAX_INTEGER_BYTES: usize = 32;

/// Room for the keys, the other fields and the white space a writer adds.
const BODY_OVERHEAD: usize = 1024;

/// The body limit of `POST /v1/review/decisions`: any body its schema allows fits.
pub const DECISION_BODY: usize = MAX_REASON * MAX_BYTES_PER_CHAR + BODY_OVERHEAD;

/// The body limit of `POST /v1/review/bulk-accept`: any body its schema allows fits.
pub const BULK_BODY: usize = MAX_BULK * MAX_INTEGER_BYTES + MAX_REASON * MAX_BYTES_PER_CHAR + BODY_OVERHEAD;

/// `POST /v1/review/bulk-accept` (reviewer or admin): `{"proposal_ids": [..], "reason"}`.
/// Only exact identifier matches (UEI, DUNS, ORI); each is recorded as its own decision.
pub async fn bulk_accept(
    State(state): State<Arc<AppState>>,
    caller: Caller<Reviewers>,
    ApiJson(body): ApiJson<BulkBody>,
) -> ApiResult<Json<crate::queue::BulkAccepted>> {
    let reason = crate::extract::reason("reason", &body.reason, MAX_REASON)?;
    if body.proposal_ids.is_empty() || body.proposal_ids.len() > MAX_BULK {
        return Err(ApiError::bad_request(format!("proposal_ids: from 1 to {MAX_BULK} proposals")));
    }
    let q = review_queue(&state)?;
    let reviewer = caller.id()?;
    let reason = reason.to_string();
    crate::blocking(move || {
        let mut store = registry(&state)?.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(q.bulk_accept(&mut **store, &body.proposal_ids, &reviewer, &reason)?)
    })
    .await
    .map(Json)
}

/// `GET /review`: the review UI (a shell; its data comes from the routes above, with the
/// reviewer's token kept in this browser tab only).
pub async fn page() -> Response {
    let mut res = PAGE.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"),
    );
    res
}

/// The page: a shell whose script loads the queue with the reviewer's token and decides by
/// keyboard (see its key list).
const PAGE: &str = include_str!("review_page.html");
