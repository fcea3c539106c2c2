//! candor's gate: the decision a provider's gateway asks for on every API request, and the
//! counts of those decisions the report discloses.
//!
//! - [`ask`]: what a request asks — the operation recognised by the capability taxonomy (the
//!   same mapping the billing side uses, so a refusal and a bill speak of one capability),
//!   the caller's account, the region class.
//! - [`Gate`]: decides under the active policy version from a snapshot of the stores, rebuilt
//!   in the background when the policy or the registry changes; a short decision cache; while
//!   the stores cannot be read, the snapshot is trusted for a bounded time only, then each
//!   capability's fail mode decides (closed unless configured open).
//! - [`tally`]: decisions counted per day, capability, the caller's role class, outcome,
//!   policy version and refusing rule (and organisation, for linked accounts), flushed to the
//!   policy store. No account id, path or body is ever counted or kept.
//!
//! The gate knows nothing of HTTP (the server crate answers NGINX, Envoy and AuthZEN with
//! it) and nothing of where the stores are (a [`Source`] reads them).
#![deny(missing_docs)]

pub mod ask;
mod cache;
mod config;
mod gate;
pub mod tally;
mod verdict;

pub use config::{FailMode, GateConfig, Unrecognised};
pub use gate::{Built, Gate, Source, SourceError, Status};
pub use verdict::{Outcome, RoleClass, Verdict};

/// Errors of the gate: what a caller asked is not a request it can decide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request is malformed (a field too long, an unknown region class, a capability the
    /// policy schema does not know); answered 400, never decided or counted.
    #[error("{0}")]
    BadRequest(String),
}
