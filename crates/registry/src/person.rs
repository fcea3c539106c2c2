//! Who a person is, as decisions compare them. Reviewer and staff ids come from token labels
//! and command-line flags; `alice`, `Alice` and `ａｌｉｃｅ` (full-width) are one person, so
//! four eyes (a second, different reviewer) and one objection per person compare ids by a key:
//! Unicode compatibility normalisation (NFKC) with case folded, normalised again.

use unicode_normalization::UnicodeNormalization;

/// The key two ids of one person share: NFKC, then case folded (lowercase of uppercase, which
/// folds `ß` to `ss` and the final sigma as case folding does), then NFKC again.
pub fn key(id: &str) -> String {
    let nfkc: String = id.trim().nfkc().collect();
    nfkc.to_uppercase().to_lowercase().nfkc().collect()
}

/// Whether `a` and `b` name the same person.
pub fn same(a: &str, b: &str) -> bool {
    key(a) == key(b)
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
        for (a, b) in [("alice", "alicia"), ("r1", "r2"), ("bob", "b0b")] {
            assert!(!same(a, b), "{a:?} and {b:?} are two people");
        }
    }
}
