//! Region words in a company's name: "Brightvale Nordic AB", "Corvanta Iberia S.L.",
//! "Pexolith UK Limited". A group's national or regional company is registered under its
//! trading name and a region; customers write the trading name alone. After the name's first
//! word a region word is *soft* (it counts fully when both names have it, little when one
//! lacks it), as legal-form words inside a name are. The first word stays hard: "Nordic
//! Semiconductor" is not "Semiconductor".
//!
//! The list holds region words that US public names rarely use inside a name: "Pacific",
//! "Gulf" or "America" name US places and bodies ("Union Pacific"), so they are not here.

use super::SOFT_MARK;

/// Region words, as the tokenizer writes them (lowercase ASCII).
const REGION_WORDS: &[&str] = &[
    "nordic",
    "nordics",
    "iberia",
    "iberica",
    "polska",
    "deutschland",
    "benelux",
    "europe",
    "italia",
    "france",
    "baltic",
    "baltics",
    "scandinavia",
    "uk",
    "schweiz",
    "suisse",
    "svizzera",
    "osterreich",
    "espana",
    "hellas",
    "nederland",
    "danmark",
    "sverige",
    "norge",
    "suomi",
    "ceska",
    "slovensko",
    "magyarorszag",
    "romania",
    "emea",
    "apac",
    "latam",
    "dach",
    "asia",
];

/// Marks region words after the name's first hard word soft; that word stays hard, so a
/// name is never left without one.
pub fn soften(tokens: &mut [String]) {
    let Some(first) = tokens.iter().position(|t| !t.starts_with(SOFT_MARK)) else { return };
    for i in first + 1..tokens.len() {
        let region = REGION_WORDS.contains(&tokens[i].as_str())
            // "Asia Pacific": the second word belongs to the region.
            || (tokens[i] == "pacific" && tokens[i - 1].trim_start_matches(SOFT_MARK) == "asia");
        if region {
            tokens[i].insert(0, SOFT_MARK);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn softened(words: &str) -> String {
        let mut t: Vec<String> = words.split(' ').map(str::to_string).collect();
        soften(&mut t);
        t.join(" ")
    }

    #[test]
    fn regions_after_the_first_word_are_soft() {
        assert_eq!(softened("brightvale nordic"), "brightvale ~nordic");
        assert_eq!(softened("quorvia asia pacific"), "quorvia ~asia ~pacific");
        assert_eq!(softened("nordic semiconductor"), "nordic semiconductor", "the first word is the name");
        assert_eq!(softened("union pacific railroad"), "union pacific railroad");
        assert_eq!(softened("~oao europe"), "~oao europe", "the name's only hard word");
    }
}
