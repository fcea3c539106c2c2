//! Extractors: a JSON body whose rejection is an [`ApiError`], and the caller's token checked
//! against the roles a route allows, so a handler states both in its signature and cannot
//! forget either.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body; a bad body is answered with the [`ApiError`] for it (400, 413, 415, 422).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// The roles a route admits.
pub trait Roles: Send + Sync {
    /// Every role admitted.
    const ALLOWED: &'static [Role];
}

/// Reviewers and admins (the review queue and decisions).
pub struct Reviewers;
impl Roles for Reviewers {
    const ALLOWED: &'static [Role] = &[Role::Reviewer, Role::Admin];
}

/// Authorizers and admins (the decision point).
pub struct Authorizers;
impl Roles for Authorizers {
    const ALLOWED: &'static [Role] = &[Role::Authorizer, Role::Admin];
}

/// The caller, holding a token of one of `R`'s roles: 401 without a valid token, 403 with a
/// token of another role.
pub struct Caller<R: Roles> {
    /// The token's role.
    pub role: Role,
    /// The token's label (who holds it).
    pub label: String,
    roles: PhantomData<R>,
}

impl<R: Roles> FromRequestParts<Arc<AppState>> for Caller<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        // Two credentials are ambiguous: which one was meant is not guessed.
        if parts.headers.get_all(header::AUTHORIZATION).iter().nth(1).is_some() {
            return Err(ApiError::bad_request("send one Authorization header, not several"));
        }
        let auth = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        match state.tokens.who(auth) {
            None => {
                Err(ApiError::new(StatusCode::UNAUTHORIZED, "a bearer token is required (Authorization: Bearer …)"))
            }
            Some((role, label)) if R::ALLOWED.contains(&role) => {
                Ok(Caller { role, label: label.to_string(), roles: PhantomData })
            }
            Some((role, _)) => {
                Err(ApiError::new(StatusCode::FORBIDDEN, format!("a {} token may not do this", role.as_str())))
            }
        }
    }
}
