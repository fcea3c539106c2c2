//! Name particles written apart or together: "Van den Berg", "Vandenberg" and "VanDenBerg"
//! are one name, `vandenberg`; so are "Mac Allister" and "MacAllister", "Al Rashidi" and
//! "Alrashidi". A particle and the words it governs are joined into one token on both sides
//! of a comparison, so neither spelling has to be guessed from the other.
//!
//! Only particles that start a surname join (Dutch and German `van`, `von`, `ter`;
//! Gaelic `mac`, `mc`; Arabic `al`, `el`), with the articles that follow them (`van der`,
//! `von dem`). Romance `de`, `da`, `la` do not start a join: they are also prepositions
//! ("Departamento de Policía"), and joining them would glue words that are not a name; nor
//! does Dutch `ten`, a number word first ("Ten Mile Creek" is "10 Mile Creek").

/// Particles that start a surname.
const STARTS: &[&str] = &["van", "von", "vander", "vanden", "vande", "ter", "mac", "mc", "al", "el"];
/// Articles that may follow a starting particle ("van der", "von dem", "van de").
const ARTICLES: &[&str] = &["de", "den", "der", "dem", "het", "zu", "zum", "zur", "t"];

/// Joins each particle with its articles and the word they govern: `van den berg` →
/// `vandenberg`. The governed word must be a word of letters (not a number, not a soft
/// token), so "Van 2" and "El 7" stay apart.
pub fn join(tokens: &mut Vec<String>) {
    if !tokens.iter().any(|t| STARTS.contains(&t.as_str())) {
        return;
    }
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if STARTS.contains(&tokens[i].as_str()) {
            let mut j = i + 1;
            while j < tokens.len() && ARTICLES.contains(&tokens[j].as_str()) {
                j += 1;
            }
            let governed = tokens.get(j).filter(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_lowercase()));
            if governed.is_some() {
                out.push(tokens[i..=j].concat());
                i = j + 1;
                continue;
            }
        }
        out.push(std::mem::take(&mut tokens[i]));
        i += 1;
    }
    *tokens = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(words: &str) -> String {
        let mut t: Vec<String> = words.split(' ').map(str::to_string).collect();
        join(&mut t);
        t.join(" ")
    }

    #[test]
    fn particles_join_the_word_they_govern() {
        assert_eq!(joined("van den berg koeltechniek"), "vandenberg koeltechniek");
        assert_eq!(joined("vandenberg koeltechniek"), "vandenberg koeltechniek");
        assert_eq!(joined("von der heide feinmechanik"), "vonderheide feinmechanik");
        assert_eq!(joined("mac allister surveying"), "macallister surveying");
        assert_eq!(joined("al rashidi marine trading"), "alrashidi marine trading");
        assert_eq!(joined("pieter de vries advocaten"), "pieter de vries advocaten", "de alone is a preposition");
    }

    #[test]
    fn particles_without_a_word_stay() {
        assert_eq!(joined("route van 2"), "route van 2");
        assert_eq!(joined("acme van"), "acme van");
        assert_eq!(joined("van ~ltd"), "van ~ltd");
    }
}
