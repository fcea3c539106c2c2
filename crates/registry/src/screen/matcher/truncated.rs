//! A name cut off by a form field's length limit: its last word is the beginning of a word
//! ("Marendo Pharmaceutic", "HALVERSTONE PRECISION ENGINEER"). The completions looked for
//! are the words of the organisations that share the account's rarest known word, so the
//! search reads one short postings list, never the vocabulary, and finds only completions
//! that can make a match. Several completions are several readings: when they lead to
//! several organisations, the proposal lists them all for a reviewer.

use super::{MAX_FUZZY_LEN, Matcher};
use crate::names::SOFT_MARK;
use crate::names::numbers::is_number;

/// Least length of a cut word read as the beginning of a longer one.
const MIN_LEN: usize = 4;
/// The rarest word's postings read at most: a name whose rarest word is this common says too
/// little about which organisation is meant, and reading its postings would cost every
/// unmatched account (`candor-bench screen`).
const MAX_POSTINGS: u32 = 50;
/// Most completions tried.
const MAX_COMPLETIONS: usize = 3;
/// A completion stands in at `CUT_BASE + CUT_PER_LETTER * letters` of its weight (at most
/// [`CUT_MOST`]): the more of the word is there, the surer the reading. Every completion of
/// one cut word gets the same share: "Partn" says nothing of "Partners" over "Partnership".
const CUT_BASE: f64 = 0.55;
const CUT_PER_LETTER: f64 = 0.05;
const CUT_MOST: f64 = 0.95;

impl Matcher {
    /// Whether the account's last word has completions under its rarest other known word:
    /// a few lookups that spare the unmatched accounts a second scoring.
    pub(super) fn may_be_cut(&self, tokens: &[String]) -> bool {
        let Some((last, rest)) = tokens.split_last() else { return false };
        let anchor = rest
            .iter()
            .filter(|t| !t.starts_with(SOFT_MARK))
            .filter_map(|t| self.vocab.get(t.as_str()).copied())
            .min_by_key(|&id| self.df[id as usize]);
        !self.completions(last.trim_start_matches(SOFT_MARK), anchor).is_empty()
    }

    /// The rarest of the account's words read exactly (not soft): the anchor of a search
    /// for completions.
    pub(super) fn anchor(&self, base: &[(u32, f64, bool)]) -> Option<u32> {
        base.iter().filter(|b| b.1 >= 1.0 && !b.2).map(|b| b.0).min_by_key(|&id| self.df[id as usize])
    }

    /// The words, in aliases that hold `anchor`, that begin with `prefix` and are longer, with
    /// the share of their weight the cut word carries.
    pub(super) fn completions(&self, prefix: &str, anchor: Option<u32>) -> Vec<(u32, f64)> {
        let Some(anchor) = anchor else { return Vec::new() };
        if !(MIN_LEN..=MAX_FUZZY_LEN).contains(&prefix.len())
            || is_number(prefix)
            || self.df[anchor as usize] > MAX_POSTINGS
        {
            return Vec::new();
        }
        let mut found: Vec<u32> = Vec::new();
        for &e in &self.postings[anchor as usize] {
            for &t in &self.entries[e as usize].tokens {
                let w = &self.words[t as usize];
                if w.len() > prefix.len() && w.starts_with(prefix) && !found.contains(&t) {
                    found.push(t);
                }
            }
        }
        found.sort_by_key(|&id| std::cmp::Reverse(self.df[id as usize]));
        found.truncate(MAX_COMPLETIONS);
        let share = (CUT_BASE + CUT_PER_LETTER * prefix.len() as f64).min(CUT_MOST);
        found.into_iter().map(|t| (t, share)).collect()
    }
}
