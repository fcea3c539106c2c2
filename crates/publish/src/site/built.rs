//! What a site's record pages were built from, as far as keeping them goes: one rule for the
//! writer (judging its own earlier writing by its stamp) and the checker (judging the site it
//! verified before by its memory); they differ only in how they judge the files themselves.

use std::collections::BTreeMap;

/// What a site was built from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BuiltFrom<'a> {
    /// The log size its pages' newest checkpoint is of.
    pub size: u64,
    /// SHA-256 of the trust policy's text ("" without one).
    pub policy: &'a str,
    /// Whether it shows demonstration data.
    pub demonstration: bool,
    /// The checkpoints its pages carry, by size, each with the hash of what pages show of it.
    pub kept: &'a BTreeMap<u64, String>,
}

impl BuiltFrom<'_> {
    /// The log size of this (earlier) site when a site built from `newer` can keep its record
    /// pages that carry a checkpoint of at most that size: built for a smaller log, under the
    /// same policy and demonstration notice, and every checkpoint its pages carried still
    /// carried, shown the same way. Nothing such a page shows changed (see [`super::history`]).
    pub(crate) fn pages_kept_by(&self, newer: &BuiltFrom<'_>) -> Option<u64> {
        let same_history = newer.kept.range(..=self.size).eq(self.kept.iter());
        (self.size < newer.size
            && self.policy == newer.policy
            && self.demonstration == newer.demonstration
            && same_history)
            .then_some(self.size)
    }
}
