//! Where the server hands work it does not know how to do: filing an objection to a policy
//! proposal is a record in the transparency log ([`Desk`]), and the review queue ordered by
//! consequence joins the registry, the usage store and the policy ([`ReviewQueue`]); the
//! application provides both. The server maps their [`Refused`] answers to HTTP statuses.

use serde_json::Value;

use crate::error::ApiError;

/// Where objections are filed.
pub trait Desk: Send + Sync {
    /// Files `staff`'s objection to the proposal at log index `proposal`, for `reason`
    /// (already trimmed and bounded). Returns what to answer: the objection's record index and
    /// the pseudonym it was filed under. Durable once it returns.
    fn object(&self, proposal: u64, reason: &str, staff: &str) -> Result<Value, Refused>;
}

/// The review queue, filtered, ordered and paged.
pub trait ReviewQueue: Send + Sync {
    /// A page for the URL query's `key=value` pairs (`sort`, `offset`, `limit`, filters),
    /// caught up with `store`'s latest decisions.
    fn page(&self, store: &dyn registry::Store, query: &[(String, String)]) -> Result<Value, Refused>;
}

/// Why an objection was not filed, or a request not answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// No proposal at that index.
    #[error("{0}")]
    NotFound(String),
    /// The proposal is no longer open, or this person already objected to it.
    #[error("{0}")]
    Conflict(String),
    /// The request itself is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The log is being written by someone else; try again.
    #[error("{0}")]
    Busy(String),
    /// Anything else (logged, never shown).
    #[error("{0}")]
    Failed(String),
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> ApiError {
        match r {
            Refused::NotFound(m) => ApiError::not_found(m),
            Refused::Conflict(m) => ApiError::conflict(m),
            Refused::Invalid(m) => ApiError::bad_request(m),
            Refused::Busy(m) => ApiError::unavailable(m),
            Refused::Failed(m) => ApiError::internal(m),
        }
    }
}
