//! The publish crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while publishing or checking a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A period is not `YYYY-Qn`.
    #[error("period {0:?}: expected YYYY-Qn, e.g. 2026-Q3")]
    BadPeriod(String),
    /// The registry failed.
    #[error(transparent)]
    Registry(#[from] registry::Error),
    /// The log failed.
    #[error(transparent)]
    Log(#[from] tlog::Error),
    /// A record could not be written in canonical JSON.
    #[error(transparent)]
    Canonical(#[from] records::canonical::Error),
    /// A record could not be written (canonical JSON, the entry limit).
    #[error(transparent)]
    Record(#[from] records::Error),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The log does not hold what the report needs (names the entry).
    #[error("log entry {index}: {message}")]
    BadEntry {
        /// The entry's index.
        index: u64,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Wraps an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }
}
