//! Words read by their sound key ([`crate::names::transliterate::loose_key`]): a word the
//! account wrote in Cyrillic or Greek against every known word, and an unknown Latin word
//! against the words the registry holds from names written in another script ("Ŝeglovskij"
//! for a registry that says "Щегловский"). A Latin word against Latin words is never read
//! this way: two Latin spellings that only sound alike are two names.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::Matcher;
use crate::names::numbers::is_number;
use crate::names::transliterate::loose_key;

/// Least length of a word indexed or looked up by its sound key.
const MIN_LEN: usize = 4;

/// Known words by sound key, and which came from names written in another script.
#[derive(Default)]
pub(super) struct Sounds {
    by_key: HashMap<String, Vec<u32>>,
    foreign: HashSet<u32>,
}

impl Sounds {
    /// Records that token `id` was written in another script in some alias.
    pub(super) fn mark_foreign(&mut self, id: u32) {
        self.foreign.insert(id);
    }

    /// Indexes every word of the vocabulary (after the aliases are read).
    pub(super) fn index(&mut self, words: &[String]) {
        for (i, w) in words.iter().enumerate() {
            if w.len() >= MIN_LEN && !is_number(w) {
                self.by_key.entry(loose_key(w)).or_default().push(i as u32);
            }
        }
    }
}

impl Matcher {
    /// The known words that sound like `t` (at most three, most frequent first): any, when
    /// the account wrote `t` in another script; else only words the registry wrote in one.
    pub(super) fn by_sound(&self, t: &str, foreign: bool) -> Vec<u32> {
        if t.len() < MIN_LEN || is_number(t) {
            return Vec::new();
        }
        if !foreign && self.sounds.foreign.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<u32> = self.sounds.by_key.get(&loose_key(t)).cloned().unwrap_or_default();
        if !foreign {
            found.retain(|id| self.sounds.foreign.contains(id));
        }
        found.sort_by_key(|&id| std::cmp::Reverse(self.df[id as usize]));
        found.truncate(3);
        found
    }
}
