//! Where the server hands work it does not know how to do: filing an objection to a policy
//! proposal is a record in the transparency log ([`Desk`]), and the review queue ordered by
//! consequence joins the registry, the usage store and the policy ([`ReviewQueue`]); the
//! application provides both. The server maps their [`Refused`] answers to HTTP statuses.

use crate::error::ApiError;
use crate::queue::{BulkAccepted, Decided, Objected, QueuePage};

/// Where objections are filed.
pub trait Desk: Send + Sync {
    /// Files `staff`'s objection to the proposal at log index `proposal`, for `reason`
    /// (already trimmed and bounded). Returns what to answer: the objection's record index and
    /// the pseudonym it was filed under. Durable once it returns.
    fn object(&self, proposal: u64, reason: &str, staff: &str) -> Result<Objected, Refused>;
}

/// The review queue, filtered, ordered and paged, and the decisions made from it.
pub trait ReviewQueue: Send + Sync {
    /// A page for the URL query's `key=value` pairs (`sort`, `offset`, `limit`, filters),
    /// caught up with `store`'s latest decisions.
    fn page(&self, store: &dyn registry::Store, query: &[(String, String)]) -> Result<QueuePage, Refused>;
    /// One decision, with the queue's rules (a link that would make a deny needs a second
    /// reviewer when four eyes are on). Durable once it returns.
    fn decide(&self, store: &mut dyn registry::Store, ask: &DecisionAsk) -> Result<Decided, Refused>;
    /// Accepts every proposal in `ids`, each recorded as its own decision with `reason`; refused
    /// as a whole, naming them, when any is not an exact identifier match.
    fn bulk_accept(
        &self,
        store: &mut dyn registry::Store,
        ids: &[i64],
        reviewer: &str,
        reason: &str,
    ) -> Result<BulkAccepted, Refused>;
}

/// A reviewer's decision as the route received it (already checked for shape).
#[derive(Debug, Clone)]
pub struct DecisionAsk {
    /// The proposal (or its link's latest event).
    pub proposal_id: i64,
    /// Accept or reject.
    pub accept: bool,
    /// For an ambiguous proposal, the candidate accepted.
    pub org_id: Option<i64>,
    /// Who (the token's label).
    pub reviewer: String,
    /// Why.
    pub reason: String,
    /// Decide again a proposal decided before (a recorded reversal).
    pub overrides: bool,
}

impl From<registry::Error> for Refused {
    fn from(e: registry::Error) -> Refused {
        match e {
            registry::Error::NotFound(m) => Refused::NotFound(m),
            registry::Error::Invalid(m) => Refused::Invalid(m),
            registry::Error::Conflict(m) => Refused::Conflict(m),
            other => Refused::Failed(other.to_string()),
        }
    }
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
