//! Screening: linking customer accounts to registry organisations.
//!
//! Identifier matches come first (an account's UEI held by an organisation). Then names:
//! every alias of every organisation is normalised (see [`crate::names`]) and indexed by
//! token. An account is compared only with aliases that share one of its rarest tokens
//! (blocking), so the cost grows with the number of accounts, not accounts × organisations.
//! Candidates are scored by IDF-weighted token-set overlap (word order does not matter; a
//! token one edit away from a long token counts for most of its weight), then by location:
//! a different state is strong evidence of a different organisation.
//!
//! Every proposal carries its score and the reasons behind it; proposals go to the review
//! queue, and only a reviewer's confirmation links an account to an organisation.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::model::{Account, Kind, Scheme, Status};
use crate::names::{FUNCTION_WORDS, normalize, normalize_identifier, one_edit};
use crate::store::Store;

/// Actor recorded on proposals made by the matcher.
pub const SCREEN_ACTOR: &str = "candor:screen";

/// Beyond the rarest token, only tokens in at most this many aliases open candidate lists
/// ("county", "police" and "department" never do).
const MAX_BLOCKING_DF: u32 = 500;
/// How many of an account's rarest tokens open candidate lists.
const BLOCKING_TOKENS: usize = 3;

/// Matching thresholds.
#[derive(Debug, Clone, Copy)]
pub struct ScreenConfig {
    /// Least score for a proposal.
    pub threshold: f64,
    /// Score multiplier when account and organisation are in different states.
    pub state_mismatch_factor: f64,
    /// Score multiplier when the names name different functions (police, fire, schools, …).
    pub function_mismatch_factor: f64,
    /// No proposal when another organisation scores within this margin of the best.
    pub ambiguity_margin: f64,
}

impl Default for ScreenConfig {
    fn default() -> ScreenConfig {
        ScreenConfig {
            threshold: 0.82,
            state_mismatch_factor: 0.5,
            function_mismatch_factor: 0.6,
            ambiguity_margin: 0.02,
        }
    }
}

/// A proposed link with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// The account.
    pub account_id: String,
    /// The organisation.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// The alias that matched.
    pub matched_alias: String,
    /// Score, 0 to 1.
    pub score: f64,
    /// Why.
    pub reasons: Vec<String>,
}

struct Entry {
    org: i64,
    alias: u32,
    tokens: Vec<u32>,
    weight: f64,
}

struct OrgInfo {
    name: String,
    state: Option<String>,
    kind: Kind,
}

/// The screening index over a registry.
pub struct Matcher {
    vocab: HashMap<String, u32>,
    words: Vec<String>,
    idf: Vec<f64>,
    df: Vec<u32>,
    postings: Vec<Vec<u32>>,
    entries: Vec<Entry>,
    aliases: Vec<String>,
    orgs: HashMap<i64, OrgInfo>,
    by_uei: HashMap<String, i64>,
    // Single-deletion variants of every token (symmetric-delete index), for finding the known
    // token one edit away from a misspelt one without scanning the vocabulary.
    deletes: HashMap<String, Vec<u32>>,
    // Per token: does it name a function (police, fire, schools, …)?
    function: Vec<bool>,
}

impl Matcher {
    /// Builds the index from every organisation and alias in the store.
    pub fn build(store: &dyn Store) -> Result<Matcher> {
        let orgs: HashMap<i64, OrgInfo> = store
            .organisations()?
            .into_iter()
            .map(|o| (o.id, OrgInfo { name: o.name, state: o.jurisdiction.state, kind: o.kind }))
            .collect();
        let mut m = Matcher {
            vocab: HashMap::new(),
            words: Vec::new(),
            idf: Vec::new(),
            df: Vec::new(),
            postings: Vec::new(),
            entries: Vec::new(),
            aliases: Vec::new(),
            orgs,
            by_uei: HashMap::new(),
            deletes: HashMap::new(),
            function: Vec::new(),
        };
        for (org, scheme, value) in store.identifiers()? {
            if scheme == Scheme::Uei {
                m.by_uei.insert(value, org);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (org, alias) in store.aliases()? {
            let norm = normalize(&alias);
            let mut tokens: Vec<u32> = norm.tokens.iter().map(|t| m.intern(t)).collect();
            tokens.sort_unstable();
            tokens.dedup();
            if tokens.is_empty() || !seen.insert((org, tokens.clone())) {
                continue;
            }
            let idx = m.entries.len() as u32;
            for &t in &tokens {
                m.df[t as usize] += 1;
                m.postings[t as usize].push(idx);
            }
            m.aliases.push(alias);
            m.entries.push(Entry { org, alias: idx, tokens, weight: 0.0 });
        }
        let n = m.entries.len().max(1) as f64;
        m.idf = m.df.iter().map(|&d| (n / f64::from(d.max(1))).ln() + 1.0).collect();
        for e in &mut m.entries {
            e.weight = e.tokens.iter().map(|&t| m.idf[t as usize]).sum();
        }
        for (i, w) in m.words.iter().enumerate() {
            if w.len() >= 4 && w.is_ascii() {
                for d in deletions(w) {
                    m.deletes.entry(d).or_default().push(i as u32);
                }
            }
        }
        m.function = m.words.iter().map(|w| FUNCTION_WORDS.contains(&w.as_str())).collect();
        Ok(m)
    }

    fn intern(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.vocab.get(token) {
            return id;
        }
        let id = self.words.len() as u32;
        self.vocab.insert(token.to_string(), id);
        self.words.push(token.to_string());
        self.df.push(0);
        self.postings.push(Vec::new());
        id
    }

    /// Number of indexed aliases.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best proposal for one account, if any reaches the threshold.
    pub fn screen(&self, account: &Account, cfg: &ScreenConfig, scratch: &mut Scratch) -> Option<Proposal> {
        if let Some(uei) = account.uei.as_deref().map(normalize_identifier)
            && let Some(&org) = self.by_uei.get(&uei)
        {
            let info = &self.orgs[&org];
            return Some(Proposal {
                account_id: account.account_id.clone(),
                org_id: org,
                org_name: info.name.clone(),
                matched_alias: info.name.clone(),
                score: 1.0,
                reasons: vec![format!("UEI {uei} is the organisation's")],
            });
        }
        let norm = normalize(&account.legal_name);
        // Query tokens: known ones with their weight; unknown ones may be one edit from a
        // known long token (a typo), which then stands in at 80% of its weight.
        let mut query: Vec<(u32, f64)> = Vec::with_capacity(norm.tokens.len());
        let mut unknown_weight = 0.0;
        for t in &norm.tokens {
            match self.vocab.get(t.as_str()) {
                Some(&id) => query.push((id, 1.0)),
                None => match self.near_token(t) {
                    Some(id) => query.push((id, 0.8)),
                    None => unknown_weight += self.idf.iter().copied().fold(1.0, f64::max),
                },
            }
        }
        query.sort_unstable_by_key(|&(id, _)| id);
        query.dedup_by_key(|q| q.0);
        if query.is_empty() {
            return None;
        }
        let query_weight: f64 = query.iter().map(|&(t, f)| self.idf[t as usize] * f).sum::<f64>() + unknown_weight;

        // Blocking: candidates share one of the rarest query tokens.
        let mut by_rarity = query.clone();
        by_rarity.sort_by(|a, b| self.df[a.0 as usize].cmp(&self.df[b.0 as usize]));
        scratch.next_generation(self.entries.len());
        let mut candidates: Vec<u32> = Vec::new();
        for (i, &(t, _)) in by_rarity.iter().enumerate() {
            if i >= BLOCKING_TOKENS || (i > 0 && self.df[t as usize] > MAX_BLOCKING_DF) {
                break;
            }
            for &e in &self.postings[t as usize] {
                if scratch.mark(e) {
                    candidates.push(e);
                }
            }
        }

        // Rank by name score adjusted for location: many places share a name ("Marion County
        // Sheriff's Office" exists in a dozen states), so location decides between them.
        let query_functions: Vec<u32> = query.iter().map(|q| q.0).filter(|&t| self.function[t as usize]).collect();
        let mut best: Option<(f64, f64, u32)> = None;
        // The best score of any other organisation, to refuse ambiguous matches.
        let mut runner_up: (f64, i64) = (0.0, -1);
        for &c in &candidates {
            let e = &self.entries[c as usize];
            let mut common = 0.0;
            let (mut i, mut j) = (0, 0);
            while i < query.len() && j < e.tokens.len() {
                match query[i].0.cmp(&e.tokens[j]) {
                    std::cmp::Ordering::Equal => {
                        common += self.idf[query[i].0 as usize] * query[i].1;
                        i += 1;
                        j += 1;
                    }
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                }
            }
            // Weighted Jaccard: shared weight over the weight of the union.
            let name_score = common / (query_weight + e.weight - common);
            let mut adjusted = name_score * self.location_factor(account, &self.orgs[&e.org], cfg);
            // "Fairfax County Police Department" is not "Fairfax County Public Schools": a
            // different function is a different body, however many other words agree.
            if !query_functions.iter().copied().eq(e.tokens.iter().copied().filter(|&t| self.function[t as usize])) {
                adjusted *= cfg.function_mismatch_factor;
            }
            match best {
                Some((s, _, b)) if adjusted <= s => {
                    if self.entries[b as usize].org != e.org && adjusted > runner_up.0 {
                        runner_up = (adjusted, e.org);
                    }
                }
                _ => {
                    if let Some((s, _, b)) = best
                        && self.entries[b as usize].org != e.org
                        && s > runner_up.0
                    {
                        runner_up = (s, self.entries[b as usize].org);
                    }
                    best = Some((adjusted, name_score, c));
                }
            }
        }
        let (score, name_score, c) = best?;
        if runner_up.1 != self.entries[c as usize].org && score - runner_up.0 < cfg.ambiguity_margin {
            // Two organisations fit equally well: a reviewer would have nothing to go on.
            return None;
        }
        let e = &self.entries[c as usize];
        let info = &self.orgs[&e.org];
        let mut reasons = vec![format!(
            "name {:?} matches {:?} ({:.2})",
            account.legal_name, self.aliases[e.alias as usize], name_score
        )];
        match (account.state.as_deref(), info.state.as_deref()) {
            (Some(a), Some(o)) if a.eq_ignore_ascii_case(o) => reasons.push(format!("same state {o}")),
            (Some(a), Some(o)) => reasons.push(format!("different state: account {a}, organisation {o}")),
            _ if info.kind == Kind::FederalAgency => reasons.push("federal agency: location not compared".into()),
            _ => {}
        }
        (score >= cfg.threshold).then(|| Proposal {
            account_id: account.account_id.clone(),
            org_id: e.org,
            org_name: info.name.clone(),
            matched_alias: self.aliases[e.alias as usize].clone(),
            score,
            reasons,
        })
    }

    /// How location changes a name score: a different state is strong evidence of a different
    /// organisation; no state on either side says nothing.
    fn location_factor(&self, account: &Account, org: &OrgInfo, cfg: &ScreenConfig) -> f64 {
        match (account.state.as_deref(), org.state.as_deref()) {
            (Some(a), Some(o)) if !a.eq_ignore_ascii_case(o) => cfg.state_mismatch_factor,
            _ => 1.0,
        }
    }

    /// A known token one edit away from `t` (at least five letters), the most frequent if
    /// several are.
    fn near_token(&self, t: &str) -> Option<u32> {
        if t.len() < 5 || !t.is_ascii() {
            return None;
        }
        let mut candidates: Vec<u32> = Vec::new();
        // t with one letter more than a known word, or a known word with one letter more.
        for d in deletions(t) {
            if let Some(&id) = self.vocab.get(&d) {
                candidates.push(id);
            }
            candidates.extend(self.deletes.get(&d).into_iter().flatten());
        }
        candidates.extend(self.deletes.get(t).into_iter().flatten());
        candidates
            .into_iter()
            .filter(|&id| one_edit(t.as_bytes(), self.words[id as usize].as_bytes()))
            .max_by_key(|&id| self.df[id as usize])
    }
}

/// Every string made by deleting one character of `w` (ASCII).
fn deletions(w: &str) -> Vec<String> {
    (0..w.len()).map(|i| format!("{}{}", &w[..i], &w[i + 1..])).collect()
}

/// Reusable per-thread scratch space for candidate de-duplication.
#[derive(Default)]
pub struct Scratch {
    stamp: Vec<u32>,
    generation: u32,
}

impl Scratch {
    fn next_generation(&mut self, n: usize) {
        if self.stamp.len() < n {
            self.stamp.resize(n, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    fn mark(&mut self, e: u32) -> bool {
        let slot = &mut self.stamp[e as usize];
        if *slot == self.generation {
            false
        } else {
            *slot = self.generation;
            true
        }
    }
}

/// What a screening run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScreenReport {
    /// Accounts screened.
    pub accounts: usize,
    /// Proposals made (including ones already in the queue).
    pub proposals: Vec<Proposal>,
    /// New proposals appended to the review queue.
    pub queued: usize,
}

/// Screens every account in the store and queues new proposals for review.
pub fn screen_all(store: &mut dyn Store, cfg: &ScreenConfig) -> Result<ScreenReport> {
    let matcher = Matcher::build(store)?;
    let accounts = store.accounts()?;
    let mut scratch = Scratch::default();
    let proposals: Vec<Proposal> = accounts.iter().filter_map(|a| matcher.screen(a, cfg, &mut scratch)).collect();
    // A pair already in the history (proposed, confirmed or rejected) is not proposed again.
    let known: std::collections::HashSet<(String, i64)> =
        store.link_events()?.into_iter().map(|e| (e.account_id, e.org_id)).collect();
    let mut tx = store.begin()?;
    let mut queued = 0;
    for p in &proposals {
        if known.contains(&(p.account_id.clone(), p.org_id)) {
            continue;
        }
        tx.append_link(&p.account_id, p.org_id, Status::Proposed, Some(p.score), &p.reasons.join("; "), SCREEN_ACTOR)?;
        queued += 1;
    }
    tx.commit()?;
    Ok(ScreenReport { accounts: accounts.len(), proposals, queued })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::model::{Jurisdiction, NewOrganisation};

    fn check(registry: &[(&str, &str)], account: (&str, &str), expect: Option<&str>) {
        let mut store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("tx");
        for (i, (name, state)) in registry.iter().enumerate() {
            let id = tx
                .insert_organisation(&NewOrganisation {
                    key: format!("test:{i}"),
                    name: name.to_string(),
                    kind: Kind::LocalAgency,
                    jurisdiction: Jurisdiction { state: Some(state.to_string()), ..Jurisdiction::default() },
                })
                .expect("org");
            tx.add_alias(id, name).expect("alias");
        }
        tx.commit().expect("commit");
        let m = Matcher::build(&store).expect("matcher");
        let a = Account {
            account_id: "a".into(),
            legal_name: account.0.into(),
            country: None,
            state: Some(account.1.into()),
            city: None,
            uei: None,
            domain: None,
        };
        let got = m.screen(&a, &ScreenConfig::default(), &mut Scratch::default()).map(|p| p.org_name);
        assert_eq!(got.as_deref(), expect, "{account:?}");
    }

    const FAIRFAX: &[(&str, &str)] = &[
        ("Fairfax County Police Department", "VA"),
        ("Fairfax County Public Schools", "VA"),
        ("Fairfax County Sheriff's Office", "VA"),
        ("Fairfax Police Department", "VT"),
        ("Arlington County Police Department", "VA"),
    ];

    #[test]
    fn near_misses_are_not_confused() {
        check(FAIRFAX, ("Fairfax County Public Schools", "VA"), Some("Fairfax County Public Schools"));
        check(FAIRFAX, ("FAIRFAX CNTY PD", "VA"), Some("Fairfax County Police Department"));
        check(FAIRFAX, ("Fairfax County Sheriffs Off.", "VA"), Some("Fairfax County Sheriff's Office"));
        check(FAIRFAX, ("Police Department, Fairfax", "VT"), Some("Fairfax Police Department"));
        check(&FAIRFAX[..1], ("Fairfax County Public Schools", "VA"), None);
        check(&FAIRFAX[..1], ("Fairfax County Public Library", "VA"), None);
        check(&FAIRFAX[..1], ("Fairfax County Police Department", "TX"), None);
    }

    #[test]
    fn typos_transliteration_and_legal_forms() {
        let reg = &[("West Publishing Corporation", "MN"), ("Western Logistics Corporation", "MN")];
        check(reg, ("West Pbulishing Corp.", "MN"), Some("West Publishing Corporation"));
        // Short tokens are not typo-corrected: "Wset" could as well be another word.
        check(reg, ("Wset Publishing Corp.", "MN"), None);
        check(reg, ("WÉST PUBLISHING, INCORPORATED", "MN"), Some("West Publishing Corporation"));
        check(reg, ("West Publishing", "MN"), Some("West Publishing Corporation"));
        check(reg, ("East Publishing Corporation", "MN"), None);
    }

    #[test]
    fn two_organisations_that_fit_equally_are_not_chosen_between() {
        let reg = &[("Marion County Sheriff's Office", "IA"), ("Marion County Sheriff's Office", "IA")];
        check(reg, ("Marion County Sheriff's Office", "IA"), None);
    }

    #[test]
    fn one_edit_cases_live_in_names() {
        assert!(crate::names::one_edit(b"publishing", b"publshing"));
        assert!(crate::names::one_edit(b"publishing", b"publishingg"));
        assert!(crate::names::one_edit(b"publishing", b"publixhing"));
        assert!(crate::names::one_edit(b"publishing", b"pbulishing"));
        assert!(!crate::names::one_edit(b"publishing", b"publishing"));
        assert!(!crate::names::one_edit(b"publishing", b"pubshing"));
        assert!(!crate::names::one_edit(b"police", b"public"));
    }
}
