//! What a check verified of a site, kept in its memory (`check::memory`): what the pages were
//! built from and every file's SHA-256, so the next check can tell what changed.

use std::collections::BTreeMap;

/// The site a check verified: what its pages were built from, and every file by its hash.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SiteMemory {
    /// The log size it was built for.
    pub size: u64,
    /// SHA-256 of the trust policy's text ("" without one).
    pub policy: String,
    /// Whether it shows demonstration data.
    pub demonstration: bool,
    /// The checkpoints its pages carried, each with the hash of what pages show of it.
    pub kept: BTreeMap<u64, String>,
    /// Every file read and found as the log makes it, with its SHA-256 (hex).
    pub files: BTreeMap<String, String>,
    /// The stamps (`tlog::FileStamp`'s text form) of those files that had settled when they
    /// were read: found with the same stamp, a file is the one verified, unchanged since, and
    /// is not read again. None over HTTP, nor in a memory of an earlier version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stamps: BTreeMap<String, String>,
}

impl SiteMemory {
    /// What the site verified was built from.
    pub(crate) fn built(&self) -> super::built::BuiltFrom<'_> {
        super::built::BuiltFrom {
            size: self.size,
            policy: &self.policy,
            demonstration: self.demonstration,
            kept: &self.kept,
        }
    }

    /// Whether `rel` held bytes of SHA-256 `sha256` (hex) when verified.
    pub(crate) fn unchanged(&self, rel: &str, sha256: &str) -> bool {
        self.files.get(rel).is_some_and(|h| h == sha256)
    }
}
