//! How a record names another: by log index and the SHA-256 of its entry, so a reader can
//! check that the record it finds at the index is the one meant.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A reference to an earlier record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Link {
    /// Its index in the log.
    pub index: u64,
    /// SHA-256 (lowercase hex) of its entry bytes.
    pub sha256: String,
}

/// The link to `entry` at `index`.
pub fn link_to(index: u64, entry: &[u8]) -> Link {
    Link { index, sha256: sha256_hex(entry) }
}

/// SHA-256 of `bytes` in lowercase hex, as records and downloads name entries.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
