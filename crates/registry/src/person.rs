//! Who a person is, as decisions compare them. Reviewer and staff ids come from token labels
//! and command-line flags; `alice`, `Alice` and `ａｌｉｃｅ` (full-width) are one person, so
//! four eyes (a second, different reviewer) and one objection per person compare ids by a key:
//! Unicode compatibility normalisation (NFKC) with case folded, normalised again. An id may
//! hold only what can tell people apart to a reader — letters and digits of one script (UTS #39's
//! identifier characters), ASCII punctuation and spaces — so an invisible character (U+200B,
//! a soft hyphen) or a letter of another script (Cyrillic `а` in `alice`) cannot make one
//! person two; and four eyes compare the keys' confusable skeletons (UTS #39) on top, so `rn`
//! and `m`, `l` and `1` are one person there.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript};

/// How the actors of candor's own steps begin (`candor:screen`, `candor:rules`, …).
pub const RESERVED: &str = "candor:";

/// `Ok` when `id` may name a person; else why not, naming `field`.
pub fn check(field: &str, id: &str) -> Result<(), String> {
    input::check(field, id, input::Lines::One)?;
    if let Some(c) = id.chars().find(|c| !(c.identifier_allowed() || c.is_ascii_punctuation() || *c == ' ')) {
        return Err(format!(
            "{field}: U+{:04X} is not a letter, digit or ASCII punctuation; an id names a person with what a \
             reader can tell apart",
            c as u32
        ));
    }
    if !id.is_single_script() {
        return Err(format!("{field}: {id:?} mixes letters of several scripts; use one"));
    }
    // `candor:` names candor's own steps (the screening, the rules, the reference): a person
    // under such an id would have their decisions read as the screening's (left out of the
    // published review and screening figures, counted as proposals) and their id published
    // unsalted.
    if key(id).starts_with(RESERVED) {
        return Err(format!("{field}: {id:?} begins with {RESERVED:?}, which names candor's own steps, not a person"));
    }
    Ok(())
}

/// The key two ids of one person share: NFKC, then case folded (lowercase of uppercase, which
/// folds `ß` to `ss` and the final sigma as case folding does), then NFKC again.
pub fn key(id: &str) -> String {
    let nfkc: String = id.trim().nfkc().collect();
    nfkc.to_uppercase().to_lowercase().nfkc().collect()
}

/// Whether `a` and `b` name the same person, as four eyes decide it: their keys' confusable
/// skeletons are equal (so look-alikes count as one person: a refusal, never a bypass).
pub fn same(a: &str, b: &str) -> bool {
    let skeleton = |id: &str| unicode_security::skeleton(&key(id)).collect::<String>();
    key(a) == key(b) || skeleton(a) == skeleton(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_width_variants_are_one_person() {
        for (a, b) in [
            ("alice", "Alice"),
            ("alice", "ALICE"),
            ("alice", "ａｌｉｃｅ"),
            ("reviewer-7", "Reviewer-７"),
            ("strauß", "STRAUSS"),
            ("ὈΔΥΣΣΕΎΣ", "ὀδυσσεύς"),
            ("ﬁona", "fiona"),
            (" bob ", "bob"),
        ] {
            assert!(same(a, b), "{a:?} and {b:?} are one person ({:?} vs {:?})", key(a), key(b));
        }
        for (a, b) in [("alice", "alicia"), ("r1", "r2"), ("bob", "bert")] {
            assert!(!same(a, b), "{a:?} and {b:?} are two people");
        }
        // Look-alikes are one person for four eyes.
        for (a, b) in [("mike", "rnike"), ("a1ice", "alice"), ("alice", "аlice")] {
            assert!(same(a, b), "{a:?} and {b:?} look alike");
        }
    }

    #[test]
    fn an_id_holds_only_what_a_reader_can_tell_apart() {
        for good in ["alice", "Rev One", "alice.staff@example.org", "reviewer-7", "Ψυχή", "山田", "o'brien"] {
            assert_eq!(check("id", good), Ok(()), "{good:?}");
        }
        for (bad, why) in [
            ("alice\u{200b}", "U+200B"),
            ("al\u{ad}ice", "U+00AD"),
            ("alice\u{2060}", "U+2060"),
            ("\u{feff}alice", "U+FEFF"),
            ("alice\u{e0001}", "U+E0001"),
            ("alice\u{3164}", "U+3164"),
            ("alicе", "several scripts"),
            ("a\u{1b}b", "U+001B"),
            ("candor:screen", "candor's own steps"),
            ("Candor:Rules", "candor's own steps"),
            (" candor:reviewer", "candor's own steps"),
        ] {
            let e = check("--reviewer", bad).expect_err(bad);
            assert!(e.starts_with("--reviewer: ") && e.contains(why), "{bad:?}: {e}");
        }
    }
}
