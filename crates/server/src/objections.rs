//! Objections to policy proposals: `POST /v1/proposals/{index}/objections`, for staff (and
//! admins). The server only checks the caller and the body; filing the objection — a record in
//! the transparency log, under a pseudonym of the token's label — is the [`Desk`]'s job, which
//! the application provides ([`crate::desk`]), so this crate knows nothing of logs.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Caller, Staff};
use crate::state::AppState;

pub use crate::desk::{Desk, Refused};

/// Longest reason accepted, in characters.
pub const MAX_REASON: usize = 4_000;

/// The body limit of `POST /v1/proposals/{index}/objections`: any body its schema allows fits.
pub const OBJECTION_BODY: usize = MAX_REASON * crate::review::MAX_BYTES_PER_CHAR + 1024;

/// The body of `POST /v1/proposals/{index}/objections`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionBody {
    reason: String,
}

/// `POST /v1/proposals/{index}/objections` (staff or admin): `{"reason": "…"}`. The objector
/// is the token's label; the record shows only a pseudonym of it.
pub async fn file(
    State(state): State<Arc<AppState>>,
    caller: Caller<Staff>,
    Path(index): Path<String>,
    ApiJson(body): ApiJson<ObjectionBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let index: u64 = index.parse().map_err(|_| ApiError::bad_request("the proposal is named by its log index"))?;
    let reason = crate::extract::reason("reason", &body.reason, MAX_REASON)?;
    let desk = state.objections.clone().ok_or_else(|| ApiError::not_found("this server takes no objections"))?;
    let staff = caller.id()?;
    let reason = reason.to_string();
    let filed = crate::blocking(move || Ok(desk.object(index, &reason, &staff)?)).await?;
    Ok((StatusCode::CREATED, Json(json!({"objection": filed}))))
}
