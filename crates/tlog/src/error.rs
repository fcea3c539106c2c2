//! The crate's error types: one [`Error`] for everything the log does, and the
//! narrower [`ProofError`] and [`NoteError`] that pure verification returns.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in the log library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file-system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Bytes that should be a tile, bundle, checkpoint, note or proof are not well formed.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// An entry is larger than an entry bundle can hold; nothing was written.
    #[error(
        "entry {index} of the batch is {len} bytes, but log entries are limited to 65535 bytes; nothing was written"
    )]
    EntryTooLarge {
        /// Position of the entry in the batch.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// Another process holds the writer lock.
    #[error("the log is locked by another writer ({holder}); lock file {}", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// What the lock file says about its holder.
        holder: String,
    },
    /// A resource the log needs does not exist.
    #[error("missing {path}")]
    Missing {
        /// The resource path, relative to the log root.
        path: String,
    },
    /// The stored log contradicts itself (tiles against entries, tiles against the checkpoint).
    #[error("log is inconsistent: {0}")]
    Inconsistent(String),
    /// A signed checkpoint does not extend the tree verified before it: the log rolled back (told
    /// by the sizes alone), or its key signed another history (told only when the log's tiles
    /// give the new checkpoint, so not a fault of the tiles).
    #[error("the checkpoint of size {new} does not extend the tree of size {old} verified before: {why}")]
    NotExtending {
        /// The size verified before.
        old: u64,
        /// The new checkpoint's size.
        new: u64,
        /// What differs.
        why: String,
    },
    /// A proof did not verify.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A signed note did not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Refused to create something that already exists.
    #[error("refusing to overwrite {}", .0.display())]
    AlreadyExists(PathBuf),
    /// The writer failed earlier and must be reopened to recover.
    #[error("the log writer failed earlier ({0}); reopen the log to recover")]
    Poisoned(String),
    /// A file a reader will not read: not a regular file, a link out of the folder, too large.
    #[error("{path}: {why}; refused unread")]
    Refused {
        /// The resource path, relative to the folder.
        path: String,
        /// Why.
        why: String,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }

    pub(crate) fn malformed(what: &'static str, detail: impl Into<String>) -> Error {
        Error::Malformed { what, detail: detail.into() }
    }

    /// A short, low-cardinality category for metrics and logs.
    pub fn category(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Malformed { .. } => "malformed",
            Error::EntryTooLarge { .. } => "entry_too_large",
            Error::Locked { .. } => "locked",
            Error::Missing { .. } => "missing",
            Error::Inconsistent(_) => "inconsistent",
            Error::NotExtending { .. } => "not_extending",
            Error::Proof(_) => "proof",
            Error::Note(_) => "signature",
            Error::AlreadyExists(_) => "exists",
            Error::Poisoned(_) => "poisoned",
            Error::Refused { .. } => "refused",
        }
    }
}

/// Why a Merkle proof failed to verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizesOutOfOrder {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// The proof has the wrong number of hashes for the index and sizes.
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    /// The proof does not lead to the expected root.
    #[error("proof does not lead to the expected root hash")]
    RootMismatch,
}

/// Why a signed note was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note does not follow the signed-note format.
    #[error("malformed note: {0}")]
    Malformed(String),
    /// A key string (vkey or private key) is not well formed.
    #[error("malformed key: {0}")]
    MalformedKey(String),
    /// A signature from a known key did not verify.
    #[error("invalid signature by {name} (key ID {id:08x})")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key ID.
        id: u32,
    },
    /// No signature from any known key was found.
    #[error("no signature by a trusted key{}", if .0.is_empty() { String::new() } else { format!(" (signed by: {})", .0.join(", ")) })]
    NoTrustedSignature(Vec<String>),
    /// A cosignature from a known witness is dated after now.
    #[error("the cosignature by {name} is dated {timestamp}, after now ({now}); a witness cannot have cosigned then")]
    FutureCosignature {
        /// Witness name.
        name: String,
        /// Its timestamp (seconds since the epoch).
        timestamp: u64,
        /// Now, as the verifier counts it.
        now: u64,
    },
}
