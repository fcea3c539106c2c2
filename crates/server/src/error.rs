//! The one error type every route answers with: a status and `{"error": message}`. Internal
//! failures (SQLite, Cedar, I/O) are logged with an id and answered as a generic 500 that
//! carries only that id, so a client never sees a database's or an engine's text.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// Set for internal errors: the id under which the details were logged.
    id: Option<String>,
}

impl ApiError {
    /// An answer with this status and message (the message is for the client: say what to do).
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), id: None }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: the request conflicts with what is stored.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    /// 503: this server lacks the part the route needs, or it is not ready.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// 500: logs `cause` with a fresh id and answers with the id only.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        let mut bytes = [0u8; 6];
        let id = match getrandom::fill(&mut bytes) {
            Ok(()) => hex::encode(bytes),
            Err(_) => "unidentified".to_string(),
        };
        tracing::error!(error_id = %id, "internal error: {cause}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("internal error {id}; the server's log has the details"),
            id: Some(id),
        }
    }

    /// The status answered.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self.id {
            Some(id) => json!({"error": self.message, "error_id": id}),
            None => json!({"error": self.message}),
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> ApiError {
        ApiError::new(e.status(), e.body_text())
    }
}

impl From<registry::Error> for ApiError {
    fn from(e: registry::Error) -> ApiError {
        match e {
            registry::Error::NotFound(m) => ApiError::not_found(m),
            registry::Error::Invalid(m) => ApiError::bad_request(m),
            registry::Error::Conflict(m) => ApiError::conflict(m),
            other => ApiError::internal(other),
        }
    }
}

impl From<policy::Error> for ApiError {
    fn from(e: policy::Error) -> ApiError {
        match e {
            policy::Error::BadRequest(m) => ApiError::bad_request(m),
            other => ApiError::internal(other),
        }
    }
}

/// What a route returns.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_answers_with_an_id_and_never_the_cause() {
        let res = ApiError::internal("SQLite: no such table: link_events").into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let bytes = rt.block_on(axum::body::to_bytes(res.into_body(), 1 << 16)).expect("body");
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        let id = body["error_id"].as_str().expect("an id");
        assert_eq!(id.len(), 12);
        let text = body["error"].as_str().expect("a message");
        assert!(text.contains(id), "{text}");
        assert!(!text.contains("SQLite") && !text.contains("link_events"), "{text}");
    }

    #[test]
    fn typed_errors_of_the_crates_below_keep_their_client_status() {
        assert_eq!(ApiError::from(registry::Error::NotFound("x".into())).status(), StatusCode::NOT_FOUND);
        assert_eq!(ApiError::from(registry::Error::Invalid("x".into())).status(), StatusCode::BAD_REQUEST);
        assert_eq!(ApiError::from(registry::Error::Conflict("x".into())).status(), StatusCode::CONFLICT);
        assert_eq!(ApiError::from(policy::Error::BadRequest("x".into())).status(), StatusCode::BAD_REQUEST);
        assert_eq!(ApiError::from(policy::Error::Internal("x".into())).status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
