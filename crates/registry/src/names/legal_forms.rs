//! Legal forms, from GLEIF's ISO 20275 Entity Legal Forms code list (shipped as
//! `data/elf-code-list-2023-09-28.csv`, CC0) and a short supplement of spellings names use
//! that the list does not (`data/legal-forms-supplement.toml`: Russian singular forms and
//! their abbreviations, English translations, US abbreviations).
//!
//! Every spelling of a form (local name, transliterated name, local and transliterated
//! abbreviations) stands for the set of list entries that carry it: "AG" for the
//! Aktiengesellschaft of Germany, Austria, Switzerland, Liechtenstein and Belgium, "Ltd" for
//! 147 entries. Two spellings are the same form when their sets share an entry:
//! "Aktiengesellschaft" and "AG" are; "GmbH" and "AG" are not.
//!
//! A legal form says how an organisation is incorporated, not which organisation it is, so
//! forms are taken out of the name and kept aside: they may confirm a match, never make one.
//! Only forms at the end of a segment ("Acme, Inc.", "Krupp Aktiengesellschaft") or at the
//! start of the name ("OOO Romashka") are forms; a form word inside a name is a word.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Word, tokenize};

mod form_words;

/// The ISO 20275 list as GLEIF publishes it.
pub const ELF_FILE: &str = include_str!("../../data/elf-code-list-2023-09-28.csv");
/// Spellings names use that the list does not have.
pub const SUPPLEMENT_FILE: &str = include_str!("../../data/legal-forms-supplement.toml");

/// A legal form found in a name: an index into the table of entry sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormId(u32);

/// How two names' legal forms relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMatch {
    /// Both name a form and some entry has both spellings.
    Same,
    /// At least one name has no form.
    Absent,
    /// Both name forms, and no entry has both ("GmbH" and "AG").
    Different,
}

/// The table of legal-form spellings.
pub struct LegalForms {
    /// Normalised spellings (words joined by spaces), keyed by a hash of their words, so
    /// names are looked up without joining them (each hit is checked against the spelling).
    hashed: HashMap<u64, FormId>,
    /// Spellings that are forms only when written in another script ("Инк." is a Russian
    /// rendering of "Inc."; "Ink" in a Latin name is ink).
    foreign_spellings: HashMap<String, FormId>,
    /// Transliteration keys of one-word spellings of four letters or more, for forms written
    /// in another script ("Компани" → "kompani" → company).
    skeletons: HashMap<String, FormId>,
    /// Per form: the sorted list entries (row numbers) that carry its spelling.
    entries: Vec<Vec<u32>>,
    /// Per form: one spelling, for reasons and tests.
    names: Vec<String>,
    /// ELF code of each row.
    codes: Vec<String>,
    /// Words in the longest spelling.
    longest: usize,
}

/// Words that name what an organisation is, not how it is incorporated. The list names
/// banks, trusts, associations, foundations and the like as legal forms; in organisation
/// names these words tell organisations apart ("Minneapolis Foundation" is not the City of
/// Minneapolis), so spellings containing them are not treated as forms.
const IDENTITY_WORDS: &[&str] = &[
    "bank",
    "banka",
    "credit",
    "union",
    "trust",
    "trustee",
    "trusts",
    "church",
    "parish",
    "foundation",
    "fund",
    "fonds",
    "fondo",
    "association",
    "assn",
    "assoc",
    "society",
    "cooperative",
    "coop",
    "op",
    "university",
    "school",
    "college",
    "hospital",
    "district",
    "canton",
    "cantone",
    "kanton",
    "commune",
    "comune",
    "gemeinde",
    "bezirk",
    "bund",
    "embassy",
    "ambassade",
    "botschaft",
    "mission",
    "club",
    "state",
    "federal",
    "government",
    "administration",
    "municipal",
    "region",
    "department",
    "ministry",
    "ministere",
    "others",
    "series",
    "business",
    "trademark",
    "railroad",
    "artisan",
    "confederation",
    "confederazione",
    "caisse",
    "populaire",
    "savings",
    "loan",
    "insurance",
    "mutual",
    "pool",
    "ctr",
    "catholic",
    "religious",
    "community",
    "public",
    "benefit",
    "nonprofit",
    "not",
    "for",
    "profit",
    "partnership",
    "partnerships",
    "stiftung",
    "stiftelse",
    "stichting",
    "fundacja",
    "fundacion",
    "fundacao",
    "fondation",
    "fondazione",
    "verein",
    "vereniging",
    "forening",
    "asociacion",
    "associacao",
    "associazione",
    "sparkasse",
    "sparbank",
    "genossenschaft",
    "cooperativa",
    "cooperatie",
    "druzstvo",
    "zadruga",
    "osuuskunta",
    "andelslag",
    "uczelnia",
    "sindicato",
    "congregation",
    "condominium",
    "estado",
    "municipio",
    "municipalidad",
    "kommun",
    "kunta",
    "obec",
    "trustco",
    "electric",
    "indigenous",
    "international",
    "internat",
    "foreign",
    "branch",
    "embassies",
    "unincorporated",
    "nature",
    // Agency abbreviations ("Adams County SO" is its sheriff's office).
    "so",
    "pd",
    "dps",
];

/// Single-word names are forms only when they are plainly company words: most single-word
/// entries of the list are also ordinary nouns (Bank, Trust, Foundation, Verein).
const COMPANY_STEMS: &[&str] = &[
    "gesellschaft",
    "bolag",
    "selskab",
    "selskap",
    "yhtio",
    "vennootschap",
    "corporation",
    "company",
    "incorporated",
    "incorporation",
    "limited",
    "corporacion",
    "companhia",
    "compagnie",
    "osauhing",
    "aktsiaselts",
    "hlutafelag",
    "gaisya",
    "kaisha",
    "hoesa",
    "berhad",
    "teoranta",
    "cyfyngedig",
    "limitee",
    "reszvenytarsasag",
    "osakeyhtio",
];

fn is_roman(w: &str) -> bool {
    matches!(w, "i" | "ii" | "iii" | "iv" | "v" | "vi" | "vii" | "viii" | "ix" | "x" | "xi" | "xii")
}

/// Whether a spelling (its words) may stand for a legal form in names.
fn acceptable(words: &[String], full_name: bool) -> bool {
    if words.is_empty() || words.len() > 8 {
        return false;
    }
    if words.iter().any(|w| IDENTITY_WORDS.contains(&w.as_str())) {
        return false;
    }
    if words.len() == 1 {
        let w = words[0].as_str();
        if w.len() < 2 || is_roman(w) || w.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        if full_name && !COMPANY_STEMS.iter().any(|s| w.contains(s)) {
            return false;
        }
    }
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Supplement {
    form: Vec<SupplementForm>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupplementForm {
    /// candor's own code (not an ELF code).
    code: String,
    /// ELF codes this spelling also stands for.
    #[serde(default)]
    same_as: Vec<String>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    abbreviations: Vec<String>,
    /// `"foreign"`: these spellings are forms only in words written in another script.
    script: Option<String>,
    /// Why it is here.
    #[allow(dead_code)]
    note: Option<String>,
}

/// Normalised words of a spelling, as names are tokenised.
fn spelling_words(s: &str) -> Vec<String> {
    tokenize(s).into_iter().flatten().map(|w| w.text).collect()
}

impl LegalForms {
    /// Builds the table from the list's CSV text and the supplement's TOML text.
    pub fn parse(elf_csv: &str, supplement: &str) -> Result<LegalForms, String> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(elf_csv.trim_start_matches('\u{feff}').as_bytes());
        let headers = rdr.headers().map_err(|e| format!("ELF list header: {e}"))?.clone();
        let col = |name: &str| {
            headers.iter().position(|h| h.trim() == name).ok_or_else(|| format!("ELF list: no column {name:?}"))
        };
        let code_col = col("ELF Code")?;
        let name_cols = [
            col("Entity Legal Form name Local name")?,
            col("Entity Legal Form name Transliterated name (per ISO 01-140-10)")?,
        ];
        let abbr_cols = [col("Abbreviations Local language")?, col("Abbreviations transliterated")?];
        let mut by_spelling: HashMap<String, Vec<u32>> = HashMap::new();
        let mut foreign_only: HashMap<String, Vec<u32>> = HashMap::new();
        let mut codes = Vec::new();
        let add = |spelling: &str, full_name: bool, row: u32, by_spelling: &mut HashMap<String, Vec<u32>>| {
            let words = spelling_words(spelling);
            if acceptable(&words, full_name) {
                by_spelling.entry(words.join(" ")).or_default().push(row);
            }
        };
        for rec in rdr.records() {
            let rec = rec.map_err(|e| format!("ELF list: {e}"))?;
            let row = codes.len() as u32;
            codes.push(rec.get(code_col).unwrap_or("").to_string());
            for &c in &name_cols {
                add(rec.get(c).unwrap_or(""), true, row, &mut by_spelling);
            }
            for &c in &abbr_cols {
                for a in rec.get(c).unwrap_or("").split(';') {
                    add(a, false, row, &mut by_spelling);
                }
            }
        }
        let supplement: Supplement = toml::from_str(supplement).map_err(|e| format!("legal-form supplement: {e}"))?;
        for f in &supplement.form {
            let row = codes.len() as u32;
            codes.push(f.code.clone());
            let mut rows = vec![row];
            for same in &f.same_as {
                let r = codes
                    .iter()
                    .position(|c| c == same)
                    .ok_or_else(|| format!("legal-form supplement {}: unknown ELF code {same}", f.code))?;
                rows.push(r as u32);
            }
            let target = match f.script.as_deref() {
                None => &mut by_spelling,
                Some("foreign") => &mut foreign_only,
                Some(other) => return Err(format!("legal-form supplement {}: unknown script {other:?}", f.code)),
            };
            for s in f.names.iter().chain(&f.abbreviations) {
                let words = spelling_words(s);
                if words.is_empty() {
                    return Err(format!("legal-form supplement {}: empty spelling {s:?}", f.code));
                }
                // The supplement is written by hand for names: its spellings are taken as given.
                target.entry(words.join(" ")).or_default().extend(rows.iter().copied());
            }
        }
        let mut entries = Vec::with_capacity(by_spelling.len());
        let mut names = Vec::with_capacity(by_spelling.len());
        let mut longest = 0;
        let mut table = |map: HashMap<String, Vec<u32>>| {
            let mut sorted: Vec<(String, Vec<u32>)> = map.into_iter().collect();
            sorted.sort();
            let mut out = HashMap::with_capacity(sorted.len());
            for (spelling, mut rows) in sorted {
                rows.sort_unstable();
                rows.dedup();
                longest = longest.max(spelling.split(' ').count());
                out.insert(spelling.clone(), FormId(entries.len() as u32));
                entries.push(rows);
                names.push(spelling);
            }
            out
        };
        let spellings = table(by_spelling);
        let foreign_spellings = table(foreign_only);
        let mut skeletons = HashMap::new();
        let mut single: Vec<(&String, &FormId)> =
            spellings.iter().filter(|(s, _)| s.len() >= 4 && !s.contains(' ')).collect();
        single.sort();
        for (spelling, f) in single {
            skeletons.entry(super::skeleton(spelling)).or_insert(*f);
        }
        let hashed =
            spellings.iter().map(|(spelling, f)| (words_hash(&spelling.split(' ').collect::<Vec<_>>()), *f)).collect();
        Ok(LegalForms { hashed, foreign_spellings, skeletons, entries, names, codes, longest })
    }

    /// The form these words spell, if any.
    pub fn lookup(&self, words: &[&str]) -> Option<FormId> {
        if words.is_empty() || words.len() > self.longest {
            return None;
        }
        let f = *self.hashed.get(&words_hash(words))?;
        let spelling = &self.names[f.0 as usize];
        let same = spelling.len() == words.iter().map(|w| w.len() + 1).sum::<usize>() - 1
            && spelling.split(' ').eq(words.iter().copied());
        same.then_some(f)
    }

    /// The form these words spell, counting spellings that are forms only in another script
    /// when `foreign` (the words were written in one).
    pub fn lookup_written(&self, words: &[&str], foreign: bool) -> Option<FormId> {
        self.lookup(words).or_else(|| {
            if !foreign || words.is_empty() || words.len() > self.longest {
                return None;
            }
            self.foreign_spellings.get(&words.join(" ")).copied().or_else(|| match words {
                [w] if w.len() >= 4 => self.skeletons.get(&super::skeleton(w)).copied(),
                _ => None,
            })
        })
    }

    /// Every spelling, its words joined by spaces.
    pub(crate) fn spellings(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Number of distinct spellings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A spelling of the form.
    pub fn name(&self, f: FormId) -> &str {
        &self.names[f.0 as usize]
    }

    /// The ELF (or supplement) codes a form stands for.
    pub fn codes(&self, f: FormId) -> Vec<&str> {
        self.entries[f.0 as usize].iter().map(|&r| self.codes[r as usize].as_str()).collect()
    }

    /// Whether two single forms can be the same legal form.
    pub fn same(&self, a: FormId, b: FormId) -> bool {
        let (x, y) = (&self.entries[a.0 as usize], &self.entries[b.0 as usize]);
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        false
    }

    /// How the forms of two names relate.
    pub fn relate(&self, a: &[FormId], b: &[FormId]) -> FormMatch {
        if a.is_empty() || b.is_empty() {
            return FormMatch::Absent;
        }
        if a.iter().any(|&x| b.iter().any(|&y| x == y || self.same(x, y))) {
            FormMatch::Same
        } else {
            FormMatch::Different
        }
    }
}

/// FNV-1a of words with a separator between them.
fn words_hash(words: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            h ^= u64::from(b' ');
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for &b in w.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The table built into candor (parsed once).
pub fn legal_forms() -> &'static LegalForms {
    static TABLE: OnceLock<LegalForms> = OnceLock::new();
    TABLE.get_or_init(|| match LegalForms::parse(ELF_FILE, SUPPLEMENT_FILE) {
        Ok(t) => t,
        // The shipped files are checked by a unit test; an unreadable one is a build defect.
        Err(e) => panic!("candor's legal-form table does not parse: {e}"),
    })
}

/// Long form words also recognised with one typo ("Coproration"), two in the longest
/// ("Ilcorpoated").
const LONG_FORM_WORDS: &[&str] = &["incorporated", "corporation", "company", "limited"];

/// Takes legal forms out of a tokenised name: at the end of every segment (longest
/// spelling first, repeatedly: "JSC Almaz Corp." has two), and at the start of the name.
/// A form is only taken while at least one word that is not a connective remains.
/// A form at the start is recorded and its word kept as a soft token (see the code).
pub fn strip(segments: &mut [Vec<Word>]) -> Vec<FormId> {
    let table = legal_forms();
    let mut forms = Vec::new();
    let identity = |segments: &[Vec<Word>]| -> usize {
        segments.iter().flatten().filter(|w| !super::STOP_WORDS.contains(&w.text.as_str())).count()
    };
    let mut remaining = identity(segments);
    // Last segment first: in "SCI, Incorporated" the form is the second segment, and the
    // first segment is the name, never all taken.
    for s in (0..segments.len()).rev() {
        loop {
            let seg = &segments[s];
            let mut taken = None;
            let keep = usize::from(s == 0);
            let max = seg.len().saturating_sub(keep).min(table.longest);
            for len in (1..=max).rev() {
                let tail = &seg[seg.len() - len..];
                let words: Vec<&str> = tail.iter().map(|w| w.text.as_str()).collect();
                let non_stop = words.iter().filter(|w| !super::STOP_WORDS.contains(w)).count();
                if remaining <= non_stop {
                    continue;
                }
                if let Some(f) = table.lookup_written(&words, tail.iter().all(|w| w.foreign)) {
                    taken = Some((len, f, non_stop));
                    break;
                }
            }
            if taken.is_none()
                && let Some(last) = seg.last()
                && last.text.len() >= 7
                && remaining > 1
                && let Some(word) = LONG_FORM_WORDS.iter().find(|f| {
                    let max = if f.len() >= 10 { 2 } else { 1 };
                    f.len().abs_diff(last.text.len()) <= max
                        && super::edit_distance(last.text.as_bytes(), f.as_bytes(), max).is_some_and(|d| d > 0)
                })
                && let Some(f) = table.lookup(&[word])
            {
                taken = Some((1, f, 1));
            }
            // Mistyped or cut short ("Aktiengeselschaft", "JOINT STOCK COMPAN"), and longer
            // than a form found as written ("Joynt Stock Company" is more than "Company").
            let longer = taken.map_or(1, |(len, _, _)| len + 1);
            if longer <= max {
                let seg = &segments[s];
                let non_stop = |len: usize| {
                    seg[seg.len() - len..].iter().filter(|w| !super::STOP_WORDS.contains(&w.text.as_str())).count()
                };
                let last_of_name = s + 1 == segments.len();
                let near =
                    form_words::near_form(table, seg, longer, max, last_of_name, |len| remaining > non_stop(len));
                if let Some((len, f)) = near {
                    taken = Some((len, f, non_stop(len)));
                }
            }
            let Some((len, f, non_stop)) = taken else { break };
            let seg = &mut segments[s];
            seg.truncate(seg.len() - len);
            forms.push(f);
            remaining -= non_stop;
        }
    }
    // At the start of the name ("OOO Romashka", "JSC Almaz"): the form is recorded, and its
    // word stays as a soft token, because a name's first word is as often a name that
    // happens to spell a form ("SAS Institute", "AM General").
    if let Some(first) = segments.iter_mut().find(|s| !s.is_empty()) {
        let max = first.len().min(table.longest);
        for len in (1..=max).rev() {
            let words: Vec<&str> = first[..len].iter().map(|w| w.text.as_str()).collect();
            if remaining <= len {
                continue;
            }
            let Some(f) = table.lookup_written(&words, first[..len].iter().all(|w| w.foreign)) else { continue };
            // A two-letter word before a one-word name stays a word ("AM General"), unless it
            // was written in another script ("АО Алмаз").
            let short = len == 1 && words[0].len() < 3;
            if short && remaining - len < 2 && !first[0].foreign {
                continue;
            }
            let joined: String = words.concat();
            first.drain(..len);
            first.insert(0, Word { text: format!("{}{joined}", super::SOFT_MARK), upper: false, foreign: false });
            forms.push(f);
            break;
        }
    }
    forms.sort_unstable();
    forms.dedup();
    forms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::normalize;

    fn forms_of(name: &str) -> Vec<FormId> {
        normalize(name).forms
    }

    fn relation(a: &str, b: &str) -> FormMatch {
        legal_forms().relate(&forms_of(a), &forms_of(b))
    }

    #[test]
    fn the_shipped_table_parses_and_is_large() {
        let t = LegalForms::parse(ELF_FILE, SUPPLEMENT_FILE).expect("parses");
        assert!(t.len() > 1500, "{} spellings", t.len());
        assert!(t.codes.len() >= 3819, "every ELF entry read");
    }

    #[test]
    fn spellings_of_one_form_are_the_same_form() {
        for (a, b) in [
            ("Krupp Aktiengesellschaft", "Krupp AG"),
            ("Acme Limited Liability Company", "Acme LLC"),
            ("Acme L.L.C.", "Acme LLC"),
            ("JSC Almaz Corp.", "Almaz Joint Stock Company"),
            ("Almaz Public Limited Company", "Almaz plc"),
            ("Acme Gesellschaft mit beschränkter Haftung", "Acme GmbH"),
            ("Acme Sp. z o.o.", "Acme spółka z ograniczoną odpowiedzialnością"),
            ("ООО Ромашка", "Romashka OOO"),
            ("ООО Ромашка", "Romashka LLC"),
            ("Acme Società a responsabilità limitata", "Acme S.r.l."),
            ("Acme Inc", "Acme Corporation"),
            ("Acme Incorporated", "Acme Inc."),
            ("Эппл Инк.", "Eppl Inc"),
            ("Федерал Картридж Компани", "Federal Kartridzh Company"),
        ] {
            assert_eq!(relation(a, b), FormMatch::Same, "{a:?} vs {b:?}");
            // The same words, apart from a leading form kept soft.
            let hard = |n: &str| -> Vec<String> {
                normalize(n).tokens.into_iter().filter(|t| !t.starts_with(crate::names::SOFT_MARK)).collect()
            };
            assert_eq!(hard(a), hard(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn different_forms_are_different() {
        assert_eq!(relation("Acme GmbH", "Acme AG"), FormMatch::Different);
        assert_eq!(relation("Acme AG", "Acme"), FormMatch::Absent);
    }

    #[test]
    fn forms_are_only_taken_at_the_ends() {
        // Inside the name a form word stays, soft (it counts little when the other name lacks it).
        assert_eq!(normalize("Trust Company of the West").tokens, vec!["trust", "~company", "west"]);
        assert_eq!(normalize("AM General LLC").tokens, vec!["am", "general"]);
        assert_eq!(normalize("SAS Institute Inc").tokens, vec!["~sas", "institute"]);
        assert_eq!(normalize("OOO Romashka").tokens, vec!["~ooo", "romashka"]);
        assert_eq!(normalize("Minneapolis Foundation").tokens, vec!["minneapolis", "foundation"]);
        // A Cyrillic rendering of "Inc." is a form only in Cyrillic.
        assert_eq!(normalize("American Toner & Ink").tokens, vec!["american", "toner", "ink"]);
        assert!(normalize("Minneapolis Foundation").forms.is_empty());
        // A name that is only a form keeps it.
        assert_eq!(normalize("Incorporated").tokens, vec!["incorporated"]);
        // The name before the comma is a name, even when it spells a form.
        assert_eq!(normalize("SCI, Incorporated").tokens, vec!["sci"]);
    }
}
