//! A transparency-log witness (C2SP tlog-witness, the text in `../shared/specs`): it keeps, per
//! log it was told to watch, the latest checkpoint it cosigned, and cosigns a new checkpoint
//! only with a consistency proof from that one. So two readers shown different histories by the
//! same log key cannot both get this witness's cosignature: a split view needs the witnesses'
//! cooperation, not just the log's key.
//!
//! [`request`] parses `add-checkpoint` bodies; [`state`] is the SQLite state (logs, the latest
//! cosigned checkpoint per log, refused checkpoints kept as evidence); [`Witness`] answers a
//! submission as the spec says, within per-log [`rate`] limits that only submissions signed by
//! the log's key draw on; `signed` keeps of a checkpoint only the log's verified lines and the
//! witness's own cosignature; [`http`] serves it; [`home`] is its folder (key, state).
#![deny(missing_docs)]

pub mod home;
pub mod http;
pub mod rate;
pub mod request;
mod signed;
pub mod state;
mod witness;

pub use witness::{Answer, Witness};

/// Errors of the witness's state and keys (answers to submissions are [`Answer`]s, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The state database failed.
    #[error("witness state: {0}")]
    Db(#[from] rusqlite::Error),
    /// A key or checkpoint did not parse.
    #[error(transparent)]
    Note(#[from] tlog::NoteError),
    /// A log cannot be added as asked.
    #[error("{0}")]
    Log(String),
}
