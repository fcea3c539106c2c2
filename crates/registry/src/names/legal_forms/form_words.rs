//! Legal forms mistyped or cut short: "Muhlbach Werkzeugbau Aktiengeselschaft", "… JOINT
//! STOCK COMPAN", "Joynt Stock Company", "Gesellschaft mit beschränkter Haftun". A name's
//! last words are read as a legal form when each is a word of some form's spelling, one edit
//! from one (two in a word of ten letters or more), or, for the name's very last word, its
//! beginning (a form field's length limit cut it), and the words so read spell a form.
//!
//! Cheap by construction: the name's last word is looked up first, among the form words that
//! begin with its first two letters; a name whose last word is no form word, near or cut,
//! costs one hash lookup and a few bounded edit distances.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::OnceLock;

use super::{FormId, LegalForms};
use crate::names::{Word, edit_distance, one_edit};

/// Least length of a word read as a mistyped form word.
const TYPO_MIN_LEN: usize = 5;
/// Least length of a one-word spelling that a typo or a cut may stand for.
const SINGLE_MIN_LEN: usize = 7;
/// Least length of a word read as a form word cut short, when it is the form's only word.
const CUT_MIN_LEN_ALONE: usize = 6;
/// Least length of a cut word when the form's other words are there ("Sociedad Anoni…").
const CUT_MIN_LEN: usize = 5;

/// The words of the table's spellings.
struct FormWords {
    /// Every word of every spelling.
    all: HashSet<String>,
    /// Words of [`TYPO_MIN_LEN`] letters or more, by their first two letters and length, so a
    /// word looks only at form words its own length or one or two letters off.
    by_start: HashMap<([u8; 2], usize), Vec<String>>,
    /// The same words by their first [`CUT_MIN_LEN`] letters, for words cut short.
    by_prefix: HashMap<String, Vec<String>>,
}

fn form_words(table: &LegalForms) -> &'static FormWords {
    static WORDS: OnceLock<FormWords> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut all = HashSet::default();
        // Words a typo or a cut may stand for: the words of spellings of several words, and
        // long one-word spellings. A short abbreviation ("PartG") is no word to misspell.
        let mut long = HashSet::default();
        for spelling in table.spellings() {
            let words: Vec<&str> = spelling.split(' ').collect();
            for w in &words {
                all.insert(w.to_string());
                if w.len() >= TYPO_MIN_LEN && w.is_ascii() && (words.len() > 1 || w.len() >= SINGLE_MIN_LEN) {
                    long.insert(w.to_string());
                }
            }
        }
        let mut by_start: HashMap<([u8; 2], usize), Vec<String>> = HashMap::default();
        let mut by_prefix: HashMap<String, Vec<String>> = HashMap::default();
        let mut long: Vec<&String> = long.iter().collect();
        long.sort();
        for w in long {
            let b = w.as_bytes();
            by_start.entry(([b[0], b[1]], w.len())).or_default().push(w.clone());
            by_prefix.entry(w[..CUT_MIN_LEN].to_string()).or_default().push(w.clone());
        }
        FormWords { all, by_start, by_prefix }
    })
}

/// The form words `w` may stand for: itself, when it is one; else the form words one edit
/// away (two for ten letters or more); else, when `cut` allows, the longer form words it
/// begins.
fn readings<'a>(words: &'a FormWords, w: &str, cut: Option<usize>) -> Vec<&'a str> {
    let exact = words.all.get(w);
    let mut found: Vec<&str> = exact.into_iter().map(String::as_str).collect();
    if (exact.is_some() && cut.is_none()) || w.len() < TYPO_MIN_LEN || !w.is_ascii() {
        return found;
    }
    let b = w.as_bytes();
    if exact.is_none() {
        let max = if w.len() >= 10 { 2 } else { 1 };
        for len in w.len().saturating_sub(max)..=w.len() + max {
            for f in words.by_start.get(&([b[0], b[1]], len)).into_iter().flatten() {
                // One edit is checked in one pass; the banded programme only for long words.
                let near =
                    if max == 1 { one_edit(b, f.as_bytes()) } else { edit_distance(b, f.as_bytes(), max).is_some() };
                if near {
                    found.push(f.as_str());
                }
            }
        }
    }
    // A form word itself ("anonim", Turkish), or one edit from one ("corporat": corporate),
    // may still be the start of another ("anonima", "corporation").
    if let Some(min) = cut
        && w.len() >= min
    {
        // Cut by a length limit: at least 60% of the word is there.
        for f in words.by_prefix.get(&w[..CUT_MIN_LEN]).into_iter().flatten() {
            if f.len() > w.len() && f.starts_with(w) && w.len() * 5 >= f.len() * 3 {
                found.push(f.as_str());
            }
        }
    }
    found
}

/// The legal form the last words of `seg` spell once mistyped or cut words are read as form
/// words: (how many words, the form), `min` to `max` words. `last_of_name`: the segment ends
/// the name, so its last word may be cut short. `allowed(n)`: whether taking `n` words
/// leaves the name a word.
pub fn near_form(
    table: &LegalForms,
    seg: &[Word],
    min: usize,
    max: usize,
    last_of_name: bool,
    allowed: impl Fn(usize) -> bool,
) -> Option<(usize, FormId)> {
    let words = form_words(table);
    let last = seg.last()?;
    let cut = last_of_name.then_some(CUT_MIN_LEN);
    let last_readings = readings(words, &last.text, cut);
    if last_readings.is_empty() {
        return None;
    }
    let max = max.min(seg.len());
    for len in (min.max(1)..=max).rev() {
        if !allowed(len) {
            continue;
        }
        let tail = &seg[seg.len() - len..seg.len() - 1];
        let mut options: Vec<Vec<&str>> = Vec::with_capacity(len);
        for w in tail {
            let r = readings(words, &w.text, None);
            if r.is_empty() {
                break;
            }
            options.push(r);
        }
        if options.len() + 1 != len {
            continue;
        }
        options.push(last_readings.clone());
        // Few words have more than one reading: try each combination, longest spelling first.
        let mut combos: Vec<Vec<&str>> = vec![Vec::new()];
        for o in &options {
            let mut next = Vec::new();
            for c in &combos {
                for &w in o {
                    let mut c = c.clone();
                    c.push(w);
                    next.push(c);
                }
            }
            next.truncate(16);
            combos = next;
        }
        for c in combos {
            let changed = c.iter().zip(&seg[seg.len() - len..]).any(|(r, w)| *r != w.text);
            // Alone, a word is read as a form only for a long form word ("Limted": limited),
            // never as a short one one letter off ("Partn" is not PartG).
            let alone = len == 1 && (c[0].len() < SINGLE_MIN_LEN || last.text.len() < CUT_MIN_LEN_ALONE);
            if changed
                && !alone
                && let Some(f) = table.lookup(&c)
            {
                return Some((len, f));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::names::legal_forms::{FormMatch, legal_forms};
    use crate::names::normalize;

    fn same_form(a: &str, b: &str) {
        let (x, y) = (normalize(a), normalize(b));
        assert_eq!(legal_forms().relate(&x.forms, &y.forms), FormMatch::Same, "{a:?} vs {b:?}");
        assert_eq!(x.tokens, y.tokens, "{a:?} vs {b:?}");
    }

    #[test]
    fn mistyped_and_cut_forms_are_forms() {
        same_form("Muhlbach Werkzeugbau Aktiengeselschaft", "Muhlbach Werkzeugbau AG");
        same_form("MUHLBACH WERKZEUGBAU AKTIENGESELLSCH", "Muhlbach Werkzeugbau AG");
        same_form("Tarvika Logistika JOINT STOCK COMPAN", "Tarvika Logistika JSC");
        same_form("Tarvika Logistika Joynt Stock Company", "Tarvika Logistika JSC");
        same_form("Brenholt Gesellschaft mit beschrankter Haftun", "Brenholt GmbH");
        same_form("Velmora Textiles Limted", "Velmora Textiles Ltd");
    }

    #[test]
    fn ordinary_last_words_stay_words() {
        assert_eq!(normalize("Speed Limit").tokens, vec!["speed", "limit"], "five letters are not a cut form");
        assert_eq!(normalize("Acme Stock").tokens, vec!["acme", "stock"]);
        assert_eq!(normalize("Fairfax County Police").tokens, vec!["fairfax", "county", "police"]);
        assert!(normalize("Compass Analytics").forms.is_empty());
    }
}
