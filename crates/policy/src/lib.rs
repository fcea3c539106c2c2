//! candor's use policies ("restrict"): the policy a provider adopts — for example "no face
//! identification for police" and "no service to companies that enable ICE" — written in
//! Cedar, validated against candor's schema, decided at request time, audited against the
//! usage that actually happened, and versioned in the transparency log.
//!
//! The Cedar model ([`schema`]): principals are customer accounts (and organisations) with
//! their registry classification as attributes; actions are the capability taxonomy's
//! capabilities (with the group `face_recognition`), so a policy speaks of "face
//! identification", not of one provider's API names; resources are services in a region
//! class. [`facts`] builds those attributes from the registry; [`version`] parses and
//! validates a policy text; [`engine`] decides; [`audit`] runs a policy over stored usage and
//! compares two policies; [`store`] keeps policy versions, registered use cases and recorded
//! decisions.
#![deny(missing_docs)]

pub mod audit;
pub mod declaration;
pub mod engine;
pub mod facts;
pub mod schema;
pub mod store;
pub mod version;

/// candor's default use policy: no face identification for law enforcement, no service to
/// companies that enable immigration enforcement (see `data/default.cedar`).
pub const DEFAULT_POLICY: &str = include_str!("../data/default.cedar");

/// Errors of the policy crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A policy does not parse or does not validate against the schema; the message holds
    /// Cedar's own diagnostics.
    #[error("{file}: the policy is not valid:\n{diagnostics}")]
    InvalidPolicy {
        /// The policy file (or a description of where the text came from).
        file: String,
        /// Cedar's diagnostics, one per line.
        diagnostics: String,
    },
    /// The schema candor generates is not valid (a bug, or a taxonomy capability id Cedar
    /// cannot use).
    #[error("candor's Cedar schema: {0}")]
    Schema(String),
    /// A request names something the schema does not know.
    #[error("request: {0}")]
    BadRequest(String),
    /// The registry could not be read.
    #[error(transparent)]
    Registry(#[from] registry::Error),
    /// The policy database failed.
    #[error("policy database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The built-in capability taxonomy did not load.
    #[error(transparent)]
    Taxonomy(#[from] usage::taxonomy::Error),
    /// Appending a policy version to the transparency log failed; nothing was recorded.
    #[error("appending the policy version to the log: {0}")]
    Log(#[from] tlog::Error),
    /// A policy version's log entry could not be encoded.
    #[error("encoding the policy version's log entry: {0}")]
    Entry(#[from] records::Error),
    /// Something else went wrong building entities or decisions.
    #[error("{0}")]
    Internal(String),
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, Error>;

impl From<pg::sqlite::SqliteError> for Error {
    fn from(e: pg::sqlite::SqliteError) -> Error {
        match e {
            pg::sqlite::SqliteError::Sqlite(e) => Error::Db(e),
            other => Error::Internal(other.to_string()),
        }
    }
}
