//! What can go wrong writing records.

/// Why records could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value canonical JSON cannot hold exactly.
    #[error("a {kind} record cannot be written as canonical JSON: {source}")]
    Canonical {
        /// The record's type.
        kind: &'static str,
        /// Why.
        source: crate::canonical::Error,
    },
    /// A record longer than a log entry may be.
    #[error(
        "a {kind} record is {len} bytes, but log entries are limited to {max} bytes; nothing was appended",
        max = tlog::MAX_ENTRY_SIZE
    )]
    TooLarge {
        /// The record's type.
        kind: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// The log refused or failed.
    #[error(transparent)]
    Log(#[from] tlog::Error),
}
