//! Federal law-enforcement agencies as their accounts are named.
//!
//! A federal account rarely carries the agency's name alone: it adds the acronym ("… (USMS)"),
//! the department before or after ("DOJ-DEA", "DEA, U.S. Department of Justice"), a field
//! office, sector, port or division ("FBI Denver Field Office"), drops a word ("Marshals
//! Service") or abbreviates ("Admin.", "Svc"). Weighted token overlap (the matcher)
//! scores such names low, because the extra words weigh as much as the agency's own. This
//! reading takes the name apart instead:
//!
//! 1. "United States"/"U.S." and a department the name mentions are set aside;
//! 2. the rest must contain every word of one *core* of one agency: the words of one of its
//!    names without "United States", or its recorded acronym (only acronyms the reference
//!    records, never initials), or a name with one generic word ("Service",
//!    "Administration", "Bureau") dropped;
//! 3. what is left must be nothing, or a sub-unit: words ending (or, written "Office of …",
//!    starting) with a unit word (field office, division, sector, port of entry, laboratory),
//!    with no word of a business, an association or a local government.
//!
//! A department named must be the agency's own. A short acronym that is also a word or
//! other organisations' initials ("ICE") counts only in capitals and only with its department
//! or a strong unit word. Only federal organisations that a reference classifies as
//! law-enforcement agencies are read this way; the reading runs only when the account has one
//! of their rarest words (a hash lookup per word), so other names cost nothing more.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::Candidate;
use crate::error::Result;
use crate::model::{Account, Kind, Role, Status};
use crate::names::{FUNCTION_WORDS, NormalizedName, SOFT_MARK, normalize};

mod words;

use crate::store::Store;
use words::{
    ABBREVIATIONS, DEPARTMENTS, DESIGNATORS, GENERIC, GENERIC_SWAPS, LEADING_UNIT_WORDS, LOCAL, NOT_A_UNIT,
    STRONG_UNIT_WORDS, UNIT_VOCABULARY, UNIT_WORDS, WEAK, word,
};

/// Score of an agency's name or acronym with nothing left over, or only its department.
const NAME_SCORE: f64 = 0.95;
/// Score of an agency's name followed by one of its sub-units.
const SUB_UNIT_SCORE: f64 = 0.9;
/// Score of a recorded acronym alone.
const ACRONYM_SCORE: f64 = 0.9;
/// Score of a name with a generic word dropped.
const WORD_DROPPED_SCORE: f64 = 0.88;

/// What the reading asks of the registry's words.
pub(super) trait Words {
    /// How many indexed aliases hold this (normalised) word.
    fn frequency(&self, word: &str) -> u32;
    /// The registry uses this word, or these initials, for an organisation other than `org`.
    fn shared_elsewhere(&self, word: &str, org: i64) -> bool;
    /// This word is in the name of a public body the registry holds (a place, mostly).
    fn public_word(&self, word: &str) -> bool;
}

/// How a core was made from an agency's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CoreKind {
    /// The words of one of its names.
    Name,
    /// Its recorded acronym; `word_like` when the registry uses it for others too.
    Acronym { word_like: bool },
    /// A name with a generic word dropped.
    Dropped,
}

/// Words that identify one agency when all are present.
struct Core {
    /// Sorted, distinct words (as [`word`] reads them).
    words: Vec<String>,
    agency: usize,
    kind: CoreKind,
    /// The only word left once "United States" is set aside ("U.S. Marshals"): the account
    /// must say "United States" too.
    needs_designator: bool,
    /// Holds a local body's function word ("Park Police", "Marshals Service").
    local_function: bool,
    /// The acronym as the account must write it in capitals, for a word-like acronym.
    upper: Option<String>,
    /// The alias the core was made from.
    alias: String,
}

struct Agency {
    org: i64,
    name: String,
    /// The key word of its department ([`DEPARTMENTS`]), when the registry knows its parent.
    department: Option<&'static str>,
}

/// The federal agencies a reference classifies as law enforcement, read their accounts' way.
#[derive(Default)]
pub(super) struct Federal {
    agencies: Vec<Agency>,
    cores: Vec<Core>,
    /// Account words (as written after normalising) that may start a reading: the rarest word
    /// of every core, its plural and its abbreviations, with the cores it is the rarest of.
    gate: HashMap<String, Vec<usize>>,
}

/// The tokens of a name as this reading compares them, with "United States" set aside.
struct Read<'a> {
    /// (as normalised, as compared), in the name's order.
    words: Vec<(&'a str, &'a str)>,
    designator: bool,
}

fn read(tokens: &[String]) -> Read<'_> {
    let mut words: Vec<(&str, &str)> = tokens.iter().map(|t| (t.trim_start_matches(SOFT_MARK), word(t))).collect();
    let mut designator = false;
    let mut i = 0;
    while i < words.len() {
        match DESIGNATORS.iter().find(|d| starts_with(&words[i..], d)) {
            Some(d) => {
                words.drain(i..i + d.len());
                designator = true;
            }
            None => i += 1,
        }
    }
    Read { words, designator }
}

fn starts_with(words: &[(&str, &str)], seq: &[&str]) -> bool {
    words.len() >= seq.len() && words.iter().zip(seq).all(|(w, s)| w.1 == *s)
}

/// Takes the departments out of `words`, returning their key words.
fn take_departments(words: &mut Vec<(&str, &str)>) -> Vec<&'static str> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match DEPARTMENTS.iter().filter(|(d, _)| starts_with(&words[i..], d)).max_by_key(|(d, _)| d.len()) {
            Some((d, key)) => {
                words.drain(i..i + d.len());
                found.push(*key);
            }
            None => i += 1,
        }
    }
    found
}

/// The department key word a department's name holds.
fn department_key(name: &str) -> Option<&'static str> {
    let n = normalize(name);
    let mut r = read(&n.tokens);
    take_departments(&mut r.words).first().copied()
}

impl Federal {
    /// Reads the agencies and their names from the store.
    pub(super) fn build(store: &dyn Store, words: &dyn Words) -> Result<Federal> {
        let orgs = store.organisations()?;
        let mut latest: HashMap<i64, (Role, Status)> = HashMap::default();
        for e in store.classification_events()? {
            latest.insert(e.org_id, (e.role, e.status));
        }
        let by_id: HashMap<i64, &crate::model::Organisation> = orgs.iter().map(|o| (o.id, o)).collect();
        let mut fed = Federal::default();
        let mut index: HashMap<i64, usize> = HashMap::default();
        for o in &orgs {
            let enforcement = matches!(latest.get(&o.id), Some((Role::Agency, s)) if *s != Status::Rejected);
            if o.kind != Kind::FederalAgency || !enforcement {
                continue;
            }
            let department = o.parent.and_then(|p| by_id.get(&p)).and_then(|p| department_key(&p.name));
            index.insert(o.id, fed.agencies.len());
            fed.agencies.push(Agency { org: o.id, name: o.name.clone(), department });
        }
        for (org, alias) in store.aliases()? {
            if let Some(&agency) = index.get(&org) {
                fed.add_cores(agency, &alias, words);
            }
        }
        // A core two agencies share identifies neither.
        let mut owners: HashMap<Vec<String>, HashSet<usize>> = HashMap::default();
        for c in &fed.cores {
            owners.entry(c.words.clone()).or_default().insert(c.agency);
        }
        fed.cores.retain(|c| owners[&c.words].len() == 1);
        // The gate: every core's rarest word, as an account may write it (a word read
        // without its plural "s" counts the aliases that write it either way).
        let mut gate: HashMap<String, Vec<usize>> = HashMap::default();
        let frequency = |w: &str| words.frequency(w) + words.frequency(&format!("{w}s"));
        for (i, c) in fed.cores.iter().enumerate() {
            if let Some(w) = c.words.iter().min_by_key(|w| frequency(w)) {
                gate.entry(w.clone()).or_default().push(i);
            }
        }
        for (w, cores) in gate.clone() {
            gate.entry(format!("{w}s")).or_default().extend(&cores);
            for (abbr, full) in ABBREVIATIONS {
                if word(full) == w {
                    gate.entry((*abbr).to_string()).or_default().extend(&cores);
                }
            }
        }
        fed.gate = gate;
        Ok(fed)
    }

    fn add_cores(&mut self, agency: usize, alias: &str, words: &dyn Words) {
        let norm = normalize(alias);
        let r = read(&norm.tokens);
        let mut core: Vec<String> = r.words.iter().map(|w| w.1.to_string()).collect();
        core.sort();
        core.dedup();
        if core.is_empty() {
            return;
        }
        let functions: Vec<&str> = FUNCTION_WORDS.iter().map(|f| word(f)).collect();
        let local_function = core.iter().any(|w| functions.contains(&w.as_str()));
        let org = self.agencies[agency].org;
        let (kind, upper) = match &norm.acronym {
            Some(a) if core.len() == 1 => {
                let word_like = words.shared_elsewhere(a, org);
                (CoreKind::Acronym { word_like }, word_like.then(|| a.to_uppercase()))
            }
            // One word without "United States" that is not an acronym says too little.
            _ if core.len() == 1 && !r.designator => return,
            _ => (CoreKind::Name, None),
        };
        let needs_designator = kind == CoreKind::Name && core.len() == 1;
        if kind == CoreKind::Name && core.len() >= 3 {
            for g in GENERIC {
                let rest: Vec<String> = core.iter().filter(|w| *w != g).cloned().collect();
                if rest.len() == core.len() || rest.iter().filter(|w| !WEAK.contains(&w.as_str())).count() < 2 {
                    continue;
                }
                self.cores.push(Core {
                    words: rest,
                    agency,
                    kind: CoreKind::Dropped,
                    needs_designator: false,
                    local_function,
                    upper: None,
                    alias: alias.to_string(),
                });
            }
        }
        self.cores.push(Core {
            words: core,
            agency,
            kind,
            needs_designator,
            local_function,
            upper,
            alias: alias.to_string(),
        });
    }

    /// True when the reading may find something in these tokens: one of them is a core's
    /// rarest word and the others of that core are there too ("Highland Park" has the rarest
    /// word of "Park Police" but not "Police"). A hash lookup per word; no allocation.
    fn may_read(&self, tokens: &[String]) -> bool {
        let has = |w: &str| tokens.iter().any(|t| word(t) == w);
        tokens
            .iter()
            .filter_map(|t| self.gate.get(t.trim_start_matches(SOFT_MARK)))
            .any(|cores| cores.iter().any(|&c| self.cores[c].words.iter().all(|w| has(w))))
    }

    /// The agency the account's name names, read the federal way, if any.
    pub(super) fn screen(
        &self,
        account: &Account,
        norm: &NormalizedName,
        threshold: f64,
        words: &dyn Words,
    ) -> Option<Candidate> {
        // A legal form makes it a company ("BOP Brewing Company").
        if !norm.forms.is_empty() || !self.may_read(&norm.tokens) {
            return None;
        }
        let read = read(&norm.tokens);
        // The department first ("Dept. of Homeland Security - Transportation Security
        // Admin"), then the whole name, for agencies whose name holds a department's words
        // ("Homeland Security Investigations").
        let mut without = read.words.clone();
        let departments = take_departments(&mut without);
        let found = self
            .find(&without, read.designator)
            .map(|f| (f, departments))
            .or_else(|| self.find(&read.words, read.designator).map(|f| (f, Vec::new())))?;
        let (Found { agency, cores, mut rest }, mut departments) = found;
        departments.extend(take_departments(&mut rest));
        let agency_ref = &self.agencies[agency];
        // A department named must be the agency's own.
        if departments.iter().any(|d| agency_ref.department != Some(*d)) {
            return None;
        }
        let hits: Vec<&Core> = cores.iter().map(|&c| &self.cores[c]).collect();
        let acronym_only = hits.iter().all(|c| matches!(c.kind, CoreKind::Acronym { .. }));
        let word_like = acronym_only && hits.iter().any(|c| c.upper.is_some());
        let dropped = hits.iter().all(|c| c.kind == CoreKind::Dropped);
        let local_function = hits.iter().all(|c| c.local_function) && !read.designator;
        if word_like && !hits.iter().filter_map(|c| c.upper.as_deref()).any(|a| written_upper(&account.legal_name, a)) {
            return None;
        }
        if dropped {
            // "Drug Enforcement Agency": the dropped word written as another generic one.
            if let Some(i) = rest.iter().position(|w| GENERIC_SWAPS.contains(&w.1)) {
                rest.remove(i);
            }
        }
        let best = hits.iter().max_by_key(|c| (c.kind == CoreKind::Name, c.words.len())).copied()?;
        let (score, how) = if rest.is_empty() {
            match () {
                // An acronym that is a word elsewhere ("ICE") needs its department.
                _ if word_like && departments.is_empty() => return None,
                _ if dropped => (WORD_DROPPED_SCORE, "its name with a word dropped".to_string()),
                _ if acronym_only && departments.is_empty() => (ACRONYM_SCORE, "its recorded acronym".to_string()),
                _ => (NAME_SCORE, "its name".to_string()),
            }
        } else {
            let strong = word_like || local_function;
            if dropped || !self.sub_unit(&rest, &account.legal_name, strong, acronym_only, words) {
                return None;
            }
            (SUB_UNIT_SCORE, format!("its name, with the sub-unit {:?}", as_written(&account.legal_name, &rest)))
        };
        if score < threshold {
            return None;
        }
        let mut reasons =
            vec![format!("name {:?} read as the federal agency {:?}: {how}", account.legal_name, agency_ref.name)];
        if !departments.is_empty() {
            reasons.push(format!("its department named ({})", departments.join(", ")));
        }
        reasons.push("federal agency: location not compared".into());
        Some(Candidate {
            org_id: agency_ref.org,
            org_name: agency_ref.name.clone(),
            matched_alias: best.alias.clone(),
            score,
            reasons,
        })
    }

    /// The one agency whose cores cover most of `words`, its cores and the words left over.
    fn find<'a>(&self, words: &[(&'a str, &'a str)], designator: bool) -> Option<Found<'a>> {
        let mut have: Vec<&str> = words.iter().map(|w| w.1).collect();
        have.sort_unstable();
        have.dedup();
        let mut per_agency: HashMap<usize, (Vec<usize>, HashSet<&str>)> = HashMap::default();
        for (i, c) in self.cores.iter().enumerate() {
            if (c.needs_designator && !designator) || !c.words.iter().all(|w| have.binary_search(&w.as_str()).is_ok()) {
                continue;
            }
            let (cores, covered) = per_agency.entry(c.agency).or_default();
            cores.push(i);
            covered.extend(c.words.iter().map(String::as_str));
        }
        let mut ranked: Vec<(usize, usize)> = per_agency.iter().map(|(a, (_, cov))| (cov.len(), *a)).collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        match ranked.as_slice() {
            [] => None,
            // Two agencies named equally: not for this reading to choose.
            [(n, _), (m, _), ..] if n == m => None,
            [(_, agency), ..] => {
                let (cores, covered) = per_agency.remove(agency)?;
                let rest = words.iter().filter(|w| !covered.contains(w.1)).copied().collect();
                Some(Found { agency: *agency, cores, rest })
            }
        }
    }

    /// True when `rest` names a sub-unit of an agency: its last word a unit word, or one
    /// written "<unit> of …", or a leading "Sector";
    /// no word of a business, association, cause or local government, no other function;
    /// after an acronym alone, its other words places the registry knows or words of federal
    /// units.
    fn sub_unit(&self, rest: &[(&str, &str)], name: &str, strong: bool, acronym_only: bool, words: &dyn Words) -> bool {
        let functions = |w: &str| FUNCTION_WORDS.iter().any(|f| word(f) == w);
        if rest.iter().any(|w| NOT_A_UNIT.contains(&w.1) || LOCAL.contains(&w.1) || functions(w.1)) {
            return false;
        }
        let unit_words: &[&str] = if strong { STRONG_UNIT_WORDS } else { UNIT_WORDS };
        let (Some(first), Some(last)) = (rest.first(), rest.last()) else { return false };
        let ends = unit_words.contains(&last.1);
        // "Sector San Diego"; "Office of Diversion Control", "Eastern District of Texas".
        let starts = unit_words.contains(&first.1) && LEADING_UNIT_WORDS.contains(&first.1);
        let lower = name.to_lowercase();
        let of = || rest.iter().any(|w| unit_words.contains(&w.1) && lower.contains(&format!("{} of ", w.0)));
        if !ends && !starts && !of() {
            return false;
        }
        !acronym_only
            || rest.iter().all(|w| {
                UNIT_WORDS.contains(&w.1)
                    || UNIT_VOCABULARY.contains(&w.1)
                    || w.0.bytes().all(|b| b.is_ascii_digit())
                    || words.public_word(w.0)
            })
    }
}

struct Found<'a> {
    agency: usize,
    cores: Vec<usize>,
    rest: Vec<(&'a str, &'a str)>,
}

/// The words of `rest` as `name` writes them ("Boston Field Office"), each normalised word
/// that the name does not write as such ("Ofc") as read.
fn as_written(name: &str, rest: &[(&str, &str)]) -> String {
    let written: Vec<&str> = name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    rest.iter()
        .map(|w| written.iter().find(|x| x.to_lowercase() == w.0).copied().unwrap_or(w.0))
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when `name` writes `acronym` as a word in capitals (dotted or not: "ICE", "I.C.E.").
fn written_upper(name: &str, acronym: &str) -> bool {
    let letters: String = name.chars().map(|c| if c == '.' { ' ' } else { c }).collect();
    let mut words = letters.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).peekable();
    // Dotted initials arrive as one-letter words: join runs of them.
    let mut joined: Vec<String> = Vec::new();
    while let Some(w) = words.next() {
        if w.chars().count() == 1 {
            let mut run = w.to_string();
            while let Some(n) = words.peek().filter(|n| n.chars().count() == 1) {
                run.push_str(n);
                words.next();
            }
            joined.push(run);
        } else {
            joined.push(w.to_string());
        }
    }
    joined.iter().any(|w| w == acronym)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::import::import_reference;
    use crate::model::{Jurisdiction, NewOrganisation};
    use crate::screen::{Matcher, Scratch, ScreenConfig};

    /// Screens each name against candor's reference and two companies (one named with a
    /// word that is also an agency's acronym), expecting the organisation of that key or none.
    fn check(cases: &[(&str, Option<&str>)]) {
        let mut store = SqliteStore::in_memory().expect("store");
        import_reference(&mut store, None).expect("reference");
        let mut tx = store.begin().expect("tx");
        for (i, name) in ["Ice Cream Depot", "Harbor Logistics Corporation"].iter().enumerate() {
            let org = NewOrganisation {
                key: format!("test:{i}"),
                name: name.to_string(),
                kind: Kind::Company,
                jurisdiction: Jurisdiction::default(),
            };
            let id = tx.insert_organisation(&org).expect("org");
            tx.add_alias(id, name).expect("alias");
        }
        tx.commit().expect("commit");
        let keys: HashMap<i64, String> =
            store.organisations().expect("orgs").into_iter().map(|o| (o.id, o.key)).collect();
        let m = Matcher::build(&store).expect("matcher");
        let mut scratch = Scratch::default();
        for (name, want) in cases {
            let a = Account {
                account_id: "a".into(),
                legal_name: name.to_string(),
                country: None,
                state: None,
                city: None,
                uei: None,
                domain: None,
            };
            let got = m.screen(&a, &ScreenConfig::default(), &mut scratch);
            assert_eq!(got.as_ref().map(|p| keys[&p.org_id].as_str()), *want, "{name}: {got:?}");
        }
    }

    #[test]
    fn agencies_as_their_accounts_name_them() {
        check(&[
            ("Federal Bureau of Investigation (FBI)", Some("ref:FBI")),
            ("DOJ / Drug Enforcement Admin.", Some("ref:DEA")),
            ("Bureau of Prisons, U.S. Dept. of Justice", Some("ref:BOP")),
            ("DHS - ICE", Some("agency:7012")),
            ("Federal Bureau of Investigation, Omaha Field Office", Some("ref:FBI")),
            ("FBI Laboratory Division", Some("ref:FBI")),
            ("U.S. Marshals Service, Eastern District of Texas", Some("ref:USMS")),
            ("Marshals Service", Some("ref:USMS")),
            ("U.S.M.S.", Some("ref:USMS")),
        ]);
    }

    #[test]
    fn near_misses_stay_apart() {
        check(&[
            // A department that is not the agency's.
            ("Department of Justice - Customs and Border Protection", None),
            // "ICE" is a word here too: in lower case, or with a weak unit word, it is not the
            // agency.
            ("DHS Ice", None),
            ("ICE Storage Center", None),
            // After an acronym alone, a sub-unit's words are places the registry knows or
            // words of federal units.
            ("FBI Omaha Field Office", None),
            // Sub-units' words, but a business's or an association's.
            ("FBI Agents Association Field Office", None),
            ("DEA Office Furniture Outlet", None),
            ("Coast Guard Families Credit Union", None),
            // A legal form: a company.
            ("ATF Compliance Division LLC", None),
            // "United States" is what makes one word an agency's name.
            ("Marshals", None),
            // Not federal law enforcement.
            ("Federal Emergency Management Agency Region 5 Office", None),
        ]);
    }

    #[test]
    fn words_read_alike_however_written() {
        assert_eq!(word("centers"), "center");
        assert_eq!(word("ctr"), "ctr", "the common abbreviations are the normaliser's");
        assert_eq!(word("admin"), "administration");
        assert_eq!(word("~marshals"), "marshal");
        assert_eq!(word("address"), "address");
        assert_eq!(word("us"), "us");
    }

    #[test]
    fn departments_and_united_states_are_set_aside() {
        let n = normalize("U.S. Department of Justice - United States Marshals Service");
        let mut r = read(&n.tokens);
        assert!(r.designator);
        assert_eq!(take_departments(&mut r.words), vec!["justice"]);
        assert_eq!(r.words.iter().map(|w| w.1).collect::<Vec<_>>(), ["marshal", "service"]);
        // "State" of the Department of State is not "United States".
        let n = normalize("Department of State");
        let mut r = read(&n.tokens);
        assert!(!r.designator);
        assert_eq!(take_departments(&mut r.words), vec!["state"]);
        assert_eq!(department_key("Department of the Treasury"), Some("treasury"));
    }

    #[test]
    fn sub_units_are_shown_as_written() {
        let rest = [("boston", "boston"), ("field", "field"), ("office", "office")];
        assert_eq!(as_written("FBI Boston Field Ofc", &rest), "Boston Field office");
    }

    #[test]
    fn acronyms_in_capitals() {
        assert!(written_upper("DHS / ICE", "ICE"));
        assert!(written_upper("I.C.E. Chicago Field Office", "ICE"));
        assert!(!written_upper("Ice Storage Center", "ICE"));
        assert!(!written_upper("ICEBERG Office", "ICE"));
    }
}
