//! The witness over HTTP: `POST /add-checkpoint` (and the same under any prefix a front server
//! strips), bodies up to 64 KiB (63 proof lines and a checkpoint with its signatures fit many
//! times over), one submission at a time against the state.
//!
//! `GET /checkpoints/<origin>` (a candor extension) answers the latest checkpoint of that log
//! this witness cosigned, with the log's signature and this witness's cosignature and no other
//! line, so a monitor can compare the witness's view with what the log shows it (split-view
//! detection).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::Witness;

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// The witness's routes.
pub fn router(witness: Arc<Mutex<Witness>>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/checkpoints/{*origin}", get(latest_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(witness)
}

async fn latest_checkpoint(AxumState(witness): AxumState<Arc<Mutex<Witness>>>, Path(origin): Path<String>) -> Response {
    let latest = match witness.lock() {
        Ok(w) => w.latest_checkpoint(&origin),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "the witness failed earlier\n").into_response(),
    };
    match latest {
        Ok(Some(note)) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, format!("no checkpoint of {origin} cosigned here\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("the witness's state failed: {e}\n")).into_response(),
    }
}

async fn add_checkpoint(AxumState(witness): AxumState<Arc<Mutex<Witness>>>, body: Bytes) -> Response {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs().max(1));
    let answer = match witness.lock() {
        Ok(mut w) => w.add_checkpoint(&body, now),
        Err(_) => crate::Answer {
            status: 500,
            content_type: "text/plain",
            body: b"the witness failed earlier\n".to_vec(),
            retry_after: None,
        },
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, [(header::CONTENT_TYPE, answer.content_type)], answer.body).into_response();
    if let Some(wait) = answer.retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
    }
    response
}
