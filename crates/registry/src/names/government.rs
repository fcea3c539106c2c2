//! Government names: the many ways one agency type is written become one *function word*,
//! so "Adams County Sheriff", "Sheriff of Adams County", "Adams County Sheriff's Department"
//! and "Adams Co. SO" all read `adams county sheriffs`, and "City of Springfield Police
//! Department", "Police Department, City of Springfield" and "Springfield PD" all read
//! `springfield police` (with `city`, a word that counts little: see
//! [`super::SOFT_MARK`]).
//!
//! Function words are what tell public bodies of one place apart: the matcher treats two
//! names with different function words as different bodies ("Adams County Sheriff" is never
//! "Adams Police Department").

/// Phrases rewritten to one canonical function word; longest first where they overlap.
/// Matching runs after abbreviations are expanded (`dept` → `department`).
const AGENCY_PHRASES: &[(&[&str], &str)] = &[
    (&["department", "of", "public", "safety"], "publicsafety"),
    (&["public", "safety", "department"], "publicsafety"),
    (&["public", "safety"], "publicsafety"),
    (&["dps"], "publicsafety"),
    (&["office", "of", "the", "sheriff"], "sheriffs"),
    (&["office", "of", "sheriff"], "sheriffs"),
    (&["sheriffs", "office"], "sheriffs"),
    (&["sheriff", "office"], "sheriffs"),
    (&["sheriffs", "department"], "sheriffs"),
    (&["sheriff", "department"], "sheriffs"),
    (&["sheriff"], "sheriffs"),
    // Common misspellings two edits away.
    (&["sherrif"], "sheriffs"),
    (&["sherrifs"], "sheriffs"),
    (&["sherriff"], "sheriffs"),
    (&["sherriffs"], "sheriffs"),
    (&["shf"], "sheriffs"),
    (&["department", "of", "police"], "police"),
    (&["police", "department"], "police"),
    (&["police", "division"], "police"),
    (&["police", "bureau"], "police"),
    (&["police", "force"], "police"),
    (&["police", "agency"], "police"),
    (&["police", "services"], "police"),
    (&["pd"], "police"),
    (&["marshals", "office"], "marshals"),
    (&["marshal", "office"], "marshals"),
    (&["marshal"], "marshals"),
    (&["constables", "office"], "constable"),
    (&["constable", "office"], "constable"),
    (&["constables"], "constable"),
    (&["parish"], "county"),
];

/// The words of government names, for recognising them when written in another script.
const VOCABULARY: &[&str] = &[
    "public",
    "safety",
    "department",
    "police",
    "sheriff",
    "sheriffs",
    "office",
    "county",
    "city",
    "town",
    "village",
    "township",
    "borough",
    "state",
    "marshal",
    "marshals",
    "constable",
    "division",
    "bureau",
    "university",
    "college",
    "services",
    "service",
    "district",
    "attorney",
    "court",
    "patrol",
    "highway",
    "corrections",
];

/// The government word a word written in another script spells, by its transliteration
/// key ("kounti" → `county`).
pub fn from_other_script(word: &str) -> Option<&'static str> {
    let key = super::skeleton(word);
    VOCABULARY.iter().copied().find(|v| super::skeleton(v) == key)
}

/// Words that say who governs or owns a university, not which one it is ("Regents of the
/// University of Minnesota" is the University of Minnesota).
const GOVERNING_WORDS: &[&str] = &["regents", "trustees", "governors", "board", "president", "fellows"];

/// Words that name what a public body does. Two names that differ in these name different
/// bodies ("… County Sheriff's Office" and "… County Public Schools").
pub const FUNCTION_WORDS: &[&str] = &[
    "police",
    "sheriffs",
    "marshals",
    "constable",
    "publicsafety",
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

/// Words that say which kind of government a place has when written as a designator ("City
/// of X", "X, Town of"). As designators they are *soft* (see [`super::SOFT_MARK`]): they
/// count fully when the other name has the same word and little when it has none, so "City
/// of Springfield Police Department" finds "Springfield Police Department" while "Yorktown
/// Police Department" stays apart from "Yorktown Town Police Department", whose "Town" is
/// part of its name.
const DESIGNATORS: &[&str] = &["city", "town", "village", "borough", "township", "municipality"];

/// Long words of agency names, recognised with one typo ("Deparmtent", "Sherifs"), or two
/// in words of eight letters or more ("Depatemnt"), so that their phrases are still found.
const AGENCY_WORDS: &[&str] = &[
    "department",
    "sheriffs",
    "sheriff",
    "division",
    "constable",
    "constables",
    "township",
    "marshals",
    "university",
    "college",
];

/// Rewrites agency-type phrases in `tokens` (lowercase words, connectives still present)
/// to their function words, and marks designators soft.
pub fn canonicalize(mut tokens: Vec<String>) -> Vec<String> {
    for t in &mut tokens {
        if t.len() >= 6 && !AGENCY_WORDS.contains(&t.as_str()) {
            // Typos rarely hit the first letter: checking it first keeps this cheap.
            let edits = |w: &&&str| {
                let max = if w.len() >= 8 { 2 } else { 1 };
                w.as_bytes()[0] == t.as_bytes()[0]
                    && w.len().abs_diff(t.len()) <= max
                    && super::edit_distance(t.as_bytes(), w.as_bytes(), max).is_some()
            };
            if let Some(w) = AGENCY_WORDS.iter().find(edits) {
                *t = w.to_string();
            }
        }
    }
    let n = tokens.len();
    // Where the last agency word is, found once: asking at every "co" whether one follows
    // would read the rest of the name again each time.
    let last_agency_word = tokens.iter().rposition(|t| is_agency_word(t));
    let mut out: Vec<String> = Vec::with_capacity(n);
    let mut i = 0;
    'outer: while i < n {
        if !may_start_phrase(&tokens[i]) {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        if DESIGNATORS.contains(&tokens[i].as_str()) && tokens.get(i + 1).is_some_and(|t| t == "of") {
            out.push(format!("{}{}", super::SOFT_MARK, tokens[i]));
            i += 2;
            continue;
        }
        // "Upper Saucon Township Police Department" is the police of Upper Saucon Township,
        // which people write "Upper Saucon Police Department": before the police, a township
        // or borough says whose police it is. (A town or village stays a word: New York's
        // "Yorktown Town" and "Irvington Village" police are not assumed to be another
        // Yorktown's or Irvington's.)
        if matches!(tokens[i].as_str(), "township" | "borough")
            && i > 0
            && tokens.get(i + 1).is_some_and(|t| t == "police" || t == "pd")
        {
            out.push(format!("{}{}", super::SOFT_MARK, tokens[i]));
            i += 1;
            continue;
        }
        for (phrase, canonical) in AGENCY_PHRASES {
            let len = phrase.len();
            if i + len <= n && tokens[i..i + len].iter().zip(phrase.iter()).all(|(t, p)| t == p) {
                // One function word for one body: "Sheriff's Office Sheriff" is one sheriff.
                if out.last().map(String::as_str) != Some(canonical) {
                    out.push(canonical.to_string());
                }
                i += len;
                continue 'outer;
            }
        }
        // "SO" is a sheriff's office only where sheriffs are: after a county, or last.
        if tokens[i] == "so" && (i + 1 == n || out.last().is_some_and(|t| t == "county")) {
            out.push("sheriffs".into());
            i += 1;
            continue;
        }
        // "Co." is a county inside a government name ("Adams Co. Sheriff").
        if tokens[i] == "co" && last_agency_word.is_some_and(|last| last > i) {
            out.push("county".into());
            i += 1;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    // "Office of the Adams County Sheriff", "Department Police Monroe": the office or
    // department is the agency's.
    if out.iter().any(|t| matches!(t.as_str(), "sheriffs" | "police" | "marshals" | "constable")) {
        out.retain(|t| !matches!(t.as_str(), "office" | "department" | "dept" | "division" | "bureau"));
    }
    // A university's police department is the university: the FBI lists campus police
    // under the university's name ("University of Wisconsin: River Falls").
    if out.iter().any(|t| t == "university" || t == "college") {
        out.retain(|t| t != "police" && t != "campus" && !GOVERNING_WORDS.contains(&t.as_str()));
    }
    out
}

/// Whether a word can start a rewrite below (a cheap test before trying every phrase).
fn may_start_phrase(t: &str) -> bool {
    DESIGNATORS.contains(&t) || matches!(t, "so" | "co") || AGENCY_PHRASES.iter().any(|(p, _)| p[0] == t)
}

fn is_agency_word(t: &str) -> bool {
    matches!(t, "sheriff" | "sheriffs" | "police" | "pd" | "so" | "constable" | "marshal" | "marshals" | "jail")
}

#[cfg(test)]
mod tests {
    use crate::names::normalize;

    fn same(a: &str, b: &str) {
        assert_eq!(normalize(a).sorted_key(), normalize(b).sorted_key(), "{a:?} vs {b:?}");
    }

    fn apart(a: &str, b: &str) {
        assert_ne!(normalize(a).sorted_key(), normalize(b).sorted_key(), "{a:?} vs {b:?}");
    }

    #[test]
    fn sheriffs_written_every_way() {
        for v in [
            "Sheriff of Adams County",
            "Adams County Sheriff",
            "Adams County Sheriff's Department",
            "Adams County Sheriffs Dept.",
            "Adams Co. Sheriff",
            "Adams County SO",
            "Office of the Adams County Sheriff",
            "ADAMS CNTY SHERIFF OFFICE",
        ] {
            same(v, "Adams County Sheriff's Office");
        }
        apart("Adams County Sheriff", "Adams Police Department");
    }

    #[test]
    fn police_written_every_way() {
        for v in [
            "Springfield Police Dept",
            "Springfield PD",
            "Springfield Police Division",
            "Department of Police, Springfield",
            "Springfield Police",
        ] {
            same(v, "Springfield Police Department");
        }
        // The city's own words count little but are there.
        assert_eq!(normalize("City of Springfield Police Department").sorted_key(), "police springfield ~city");
        assert_eq!(normalize("Police Department, City of Riverton").sorted_key(), "police riverton ~city");
        assert_eq!(normalize("Town of Milton Police").sorted_key(), "milton police ~town");
        // A designator is soft; the same word as part of a name is not.
        assert_eq!(normalize("Yorktown Town Police Department").sorted_key(), "police town yorktown");
    }

    #[test]
    fn agency_words_with_a_typo() {
        same("Bedford Police Deaprtment", "Bedford Police Department");
        same("Bedford Police Depatemnt", "Bedford Police Department");
        same("West Unviersty Place Police Department", "West University Place Police Department");
        same("Adams County Sherrifs Office", "Adams County Sheriff's Office");
        same("Adams County Sherifs Office", "Adams County Sheriff's Office");
        apart("Adams County Sheriff", "Adams County Shelter");
    }

    #[test]
    fn government_words_in_another_script() {
        same("Анока Коунти Шериф", "Anoka County Sheriff's Office");
        same("Публик Сафети Аризона", "Arizona Department of Public Safety");
    }

    #[test]
    fn public_safety_marshals_constables() {
        same("Texas DPS", "Texas Department of Public Safety");
        same("Sunnyvale Public Safety Department", "Sunnyvale Dept. of Public Safety");
        same("Dover Fire Marshal's Office", "Dover Fire Marshal");
        same("Harris County Constable's Office Precinct 3", "Harris County Constable Precinct Three");
        apart("Harris County Constable Precinct 3", "Harris County Constable Precinct 4");
    }

    #[test]
    fn universities_and_their_police() {
        same("University of Wisconsin-River Falls Police Department", "University of Wisconsin: River Falls");
        same("Regents of the University of Minnesota", "University of Minnesota");
        same("University of Kansas Campus Police", "University of Kansas");
        apart("University of Kansas", "Kansas Police Department");
    }
}
