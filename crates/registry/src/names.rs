//! Name normalisation for matching organisation names written by different hands.
//!
//! `normalize` turns "The Fairfax Cnty. Sheriff's Off., Inc." and "FAIRFAX COUNTY SHERIFF
//! OFFICE" into the same token list: transliterated to ASCII, lowercased, punctuation dropped,
//! legal forms removed, abbreviations expanded to one canonical word. Word order is handled by
//! the matcher, which compares token sets.

use deunicode::deunicode;

/// Legal-form words dropped from names: they say how an organisation is incorporated, not
/// which organisation it is. Multi-word forms are matched after dots are removed.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sarl",
    "bv",
    "nv",
    "plc",
    "pllc",
    "pc",
    "pa",
    "lc",
    "ltda",
    "srl",
    "spa",
    "kg",
    "oy",
    "ab",
    "as",
    "pty",
    "the",
    "dba",
];

/// Abbreviations and their canonical word.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("dept", "department"),
    ("dep", "department"),
    ("depts", "department"),
    ("pd", "police department"),
    ("so", "sheriffs office"),
    ("sheriff", "sheriffs"),
    ("sheriffs", "sheriffs"),
    ("shf", "sheriffs"),
    ("off", "office"),
    ("ofc", "office"),
    ("cnty", "county"),
    ("cty", "county"),
    ("co.", "county"),
    ("twp", "township"),
    ("univ", "university"),
    ("u", "university"),
    ("svcs", "services"),
    ("svc", "services"),
    ("service", "services"),
    ("srvcs", "services"),
    ("intl", "international"),
    ("natl", "national"),
    ("assn", "association"),
    ("assoc", "association"),
    ("ctr", "center"),
    ("centre", "center"),
    ("mgmt", "management"),
    ("tech", "technologies"),
    ("technology", "technologies"),
    ("sys", "systems"),
    ("system", "systems"),
    ("solution", "solutions"),
    ("grp", "group"),
    ("hosp", "hospital"),
    ("st", "state"),
    ("ft", "fort"),
    ("mt", "mount"),
    ("and", "&"),
    ("&", "&"),
];

/// Words that name what a public body does. Two names that differ in these name different
/// bodies ("… County Sheriff's Office" and "… County Public Schools").
pub const FUNCTION_WORDS: &[&str] = &[
    "police",
    "sheriffs",
    "marshal",
    "marshals",
    "constable",
    "fire",
    "schools",
    "school",
    "library",
    "health",
    "hospital",
    "water",
    "parks",
    "recreation",
    "transit",
    "elections",
    "court",
    "courts",
    "corrections",
    "correctional",
    "jail",
    "detention",
    "prison",
    "probation",
    "parole",
    "attorney",
    "prosecutor",
    "highway",
    "patrol",
    "airport",
    "housing",
    "sanitation",
    "utilities",
    "university",
    "college",
    "museum",
    "zoo",
    "treasurer",
];

/// Long legal-form words, also recognised with one typo ("Incoprorated").
const LONG_LEGAL_FORMS: &[&str] = &["incorporated", "corporation", "company", "limited"];

/// One normalised name: its tokens in their original order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedName {
    /// Canonical tokens, legal forms removed, abbreviations expanded.
    pub tokens: Vec<String>,
}

impl NormalizedName {
    /// The tokens sorted and joined: equal for names that differ only in word order.
    pub fn sorted_key(&self) -> String {
        let mut t = self.tokens.clone();
        t.sort();
        t.dedup();
        t.join(" ")
    }

    /// The tokens in order, joined by spaces.
    pub fn joined(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Normalises an organisation name for matching.
pub fn normalize(name: &str) -> NormalizedName {
    // ASCII transliteration first ("Zürich" → "Zurich", "Łódź" → "Lodz").
    let ascii = deunicode(name).to_lowercase();
    // "L.L.C." → "llc"; "Sheriff's" → "sheriffs"; other punctuation separates words.
    let mut cleaned = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        match c {
            '.' | '\'' | '`' => {}
            '&' => cleaned.push_str(" & "),
            c if c.is_ascii_alphanumeric() => cleaned.push(c),
            _ => cleaned.push(' '),
        }
    }
    let mut tokens = Vec::new();
    for word in cleaned.split_whitespace() {
        if LEGAL_FORMS.contains(&word)
            || (word.len() >= 7 && LONG_LEGAL_FORMS.iter().any(|f| one_edit(word.as_bytes(), f.as_bytes())))
        {
            continue;
        }
        match ABBREVIATIONS.iter().find(|(a, _)| *a == word) {
            Some((_, full)) => tokens.extend(full.split(' ').map(str::to_string)),
            None => tokens.push(word.to_string()),
        }
    }
    // "&" carries no identity ("Smith & Wesson" = "Smith and Wesson" = "Smith Wesson").
    tokens.retain(|t| t != "&");
    if tokens.is_empty() {
        // A name made only of legal-form words ("The Company") keeps its words.
        tokens = cleaned.split_whitespace().map(str::to_string).collect();
    }
    NormalizedName { tokens }
}

/// True when `a` and `b` differ by one insertion, deletion, substitution or adjacent swap.
pub fn one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let p = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        let rest = short.len() - p;
        return short[p + 1..] == long[p + 1..]
            || (rest >= 2 && short[p] == long[p + 1] && short[p + 1] == long[p] && short[p + 2..] == long[p + 2..]);
    }
    short[p..] == long[p + 1..]
}

/// Normalises a person-free identifier (UEI, DUNS, ORI, CAGE): uppercase, no separators.
pub fn normalize_identifier(value: &str) -> String {
    value.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str) {
        assert_eq!(normalize(a).sorted_key(), normalize(b).sorted_key(), "{a:?} vs {b:?}");
    }

    #[test]
    fn spellings_of_one_name_agree() {
        check("West Publishing Corporation", "WEST PUBLISHING CORP.");
        check("Lukos, LLC", "LUKOS  L.L.C.");
        check("Fairfax County Sheriff's Office", "FAIRFAX CNTY SHERIFFS OFF");
        check("Fairfax County Sheriff's Office", "Fairfax County SO");
        check("Minneapolis Police Dept.", "MINNEAPOLIS PD");
        check("Thomson Reuters (Markets) LLC", "Thomson Reuters Markets, L.L.C.");
        check("Zürich Versicherungs GmbH", "ZURICH VERSICHERUNGS");
        check("Smith & Wesson Inc", "Smith and Wesson, Incorporated");
        check("Department of Corrections, State of Example", "State of Example Dept of Corrections");
        check("Justice Packaging Coproration", "JUSTICE PACKAGING CORP");
    }

    #[test]
    fn near_misses_stay_apart() {
        assert_ne!(
            normalize("Fairfax County Police Department").sorted_key(),
            normalize("Fairfax County Public Schools").sorted_key()
        );
    }

    #[test]
    fn names_of_only_legal_words_keep_their_words() {
        assert_eq!(normalize("The Company").tokens, vec!["the", "company"]);
    }

    #[test]
    fn identifiers_normalise() {
        assert_eq!(normalize_identifier(" l997db4pejl8 "), "L997DB4PEJL8");
        assert_eq!(normalize_identifier("01-327-4878"), "013274878");
    }
}
