//! The screening index and the scoring of one account against it.
//!
//! Long because: the index, the blocking with its score bound and the scoring are one hot loop
//! tuned together (`candor-bench screen`); split, each part would expose the others' internals.
//!
//! Every alias of every organisation is normalised ([`crate::names`]) and indexed by token.
//! An account is compared only with aliases that share one of its rarest tokens (blocking),
//! so the cost grows with the number of accounts, not accounts × organisations. Candidates
//! are scored by IDF-weighted token-set overlap (word order does not matter), then by what
//! tells organisations apart beyond their words:
//!
//! - location: a different state is strong evidence of a different organisation;
//! - function words: "… Police" and "… Public Schools" are different bodies;
//! - numbers: "Partners VII" and "Partners VIII" are never the same organisation;
//! - legal forms: weak evidence, aside from the words ("Acme AG" shares nothing with
//!   "Zenith AG"); a different form (GmbH, AG) lowers the score a little, so when both are
//!   registered the right one wins.
//!
//! Words the registry does not know are looked up one edit away (long words), then two edits
//! away (rare long words), split into two known words ("Northwind" → "North Wind") or joined
//! with the next ("North Wind" → "Northwind"); a word of more than [`MAX_FUZZY_LEN`] letters
//! is matched only exactly, so the work per word is bounded. A name that is one capitalised
//! word may be an acronym: it matches the one organisation whose name has those initials.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::federal::{Federal, Words};
use super::{Candidate, Proposal, ScreenConfig};
use crate::error::Result;
use crate::model::{Account, Kind, Scheme};
use crate::names::legal_forms::{FormId, FormMatch, legal_forms};
use crate::names::numbers::is_number;
use crate::names::{
    FUNCTION_WORDS, NormalizedName, SOFT_MARK, canonical_state, edit_distance, given_names, normalize,
    normalize_identifier, one_edit, skeleton,
};
use crate::store::Store;

mod sounds;
mod truncated;

/// Beyond the rarest token, only tokens in at most this many aliases open candidate lists
/// ("county", "police" and "department" never do).
const MAX_BLOCKING_DF: u32 = 500;
/// How many of an account's rarest tokens open candidate lists.
const BLOCKING_TOKENS: usize = 3;
/// What a soft token ("City of", a legal-form word inside a name) costs when the other
/// name lacks it; when both have it, it counts its full weight.
const SOFT_WEIGHT: f64 = 0.5;
/// A known word `d` edits from the account's word of length `n` stands in at
/// `1 - TYPO_PENALTY * d / n` of its weight: a typo costs more in a short word.
const TYPO_PENALTY: f64 = 0.6;
/// A known word with the same transliteration key as a word the account wrote in another
/// script stands in at this share of its weight.
const TRANSLITERATION_FACTOR: f64 = 0.9;
/// Least length of a word looked up two edits away.
const TWO_EDIT_MIN_LEN: usize = 8;
/// Score multiplier when both names carry legal forms and they differ (GmbH, AG).
const FORM_DIFFERENT_FACTOR: f64 = 0.88;
/// Score multiplier when only one name carries numbers.
const NUMBER_ABSENT_FACTOR: f64 = 0.8;
/// Score of an acronym that is the initials of exactly one organisation's name.
const ACRONYM_SCORE: f64 = 0.9;
/// Least length of an acronym.
const ACRONYM_MIN_LEN: usize = 3;
/// Most readings of an account's typos tried.
const MAX_TYPO_READINGS: usize = 6;
/// Longest word (in bytes) read as a typo, two edits away or as a compound; a longer word is
/// matched only exactly (and by its transliteration key, a linear step). A word's typo keys
/// are its deletion variants, up to `1 + n + n(n-1)/2` hashes of `n` bytes each (work that
/// grows with the cube of its length), and a compound is tried at every cut (the square): one
/// 3,200-letter word in a name added 28 s to every screening, a 10 KB one minutes (issue 26).
/// With this bound a word costs at most 529 keys however long it is. The longest word in the
/// real files is 22 letters (PRICEWATERHOUSECOOPERS); a long German compound
/// ("Versicherungsaktiengesellschaft") has 31.
const MAX_FUZZY_LEN: usize = 32;
/// Most candidates listed on one ambiguous proposal.
pub const MAX_CANDIDATES: usize = 25;

struct Entry {
    org: i64,
    /// The organisation's state, interned (0: none), so scoring compares integers.
    state: u32,
    /// The organisation is a university or tribe: the FBI lists its police under its name.
    own_police: bool,
    alias: u32,
    /// Sorted, distinct token ids.
    tokens: Vec<u32>,
    /// Per token: soft here (see [`crate::names::SOFT_MARK`]).
    soft: Vec<bool>,
    /// What the tokens cost when unmatched: their weights, soft ones at [`SOFT_WEIGHT`].
    weight: f64,
    /// Token ids that are numbers, sorted.
    numbers: Vec<u32>,
    forms: Vec<FormId>,
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
    /// Per token: its weight (inverse document frequency, or [`SOFT_WEIGHT`]).
    weight: Vec<f64>,
    df: Vec<u32>,
    postings: Vec<Vec<u32>>,
    entries: Vec<Entry>,
    /// Per entry, beside the entries for locality: (cost of its tokens, their full weight),
    /// for bounding a candidate's score before reading its tokens.
    bounds: Vec<(f32, f32)>,
    aliases: Vec<String>,
    orgs: HashMap<i64, OrgInfo>,
    /// Interned state codes (uppercase) → id (from 1).
    states: HashMap<String, u32>,
    by_uei: HashMap<String, i64>,
    /// Hashes of every token and its single-deletion variants (symmetric-delete index), for
    /// finding the known token one edit away from a misspelt one without scanning the
    /// vocabulary.
    deletes: HashMap<u64, Vec<u32>>,
    /// Hashes of the one- and two-deletion variants of long tokens.
    deletes2: HashMap<u64, Vec<u32>>,
    /// Transliteration keys of tokens ([`skeleton`]).
    skeletons: HashMap<String, Vec<u32>>,
    /// Per token: does it name a function (police, fire, schools, …)?
    function: Vec<bool>,
    /// Per token: is it a number?
    number: Vec<bool>,
    /// Initials of aliases of at least three words → organisations.
    initials: HashMap<String, Vec<i64>>,
    /// Aliases written as one capitalised word ("NTSB") → organisations.
    acronym_aliases: HashMap<String, Vec<i64>>,
    /// Known words by sound key, for names in other scripts ([`sounds`]).
    sounds: sounds::Sounds,
    max_weight: f64,
    /// Federal agencies as their accounts are named ([`super::federal`]).
    federal: Federal,
}

/// One candidate's score, before candidates are gathered per organisation.
#[derive(Clone, Copy)]
struct Scored {
    score: f64,
    name_score: f64,
    entry: u32,
    form: FormMatch,
}

/// FNV-1a over the concatenation of `parts`, so a string with letters deleted is hashed
/// without building it. Index keys only: every hit is checked against the word itself.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Hashes of `w` and of every string made by deleting one of its bytes (`depth` 1) or one
/// or two (`depth` 2); none for a word longer than [`MAX_FUZZY_LEN`], which is matched only
/// exactly, so that no word costs more than `1 + 32 + 32·31/2` keys.
fn deletion_hashes(w: &[u8], depth: usize, out: &mut Vec<u64>) {
    out.clear();
    if w.len() > MAX_FUZZY_LEN {
        return;
    }
    out.push(fnv(&[w]));
    for i in 0..w.len() {
        out.push(fnv(&[&w[..i], &w[i + 1..]]));
        if depth >= 2 {
            for j in i + 1..w.len() {
                out.push(fnv(&[&w[..i], &w[i + 1..j], &w[j + 1..]]));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
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
            vocab: HashMap::default(),
            words: Vec::new(),
            weight: Vec::new(),
            df: Vec::new(),
            postings: Vec::new(),
            entries: Vec::new(),
            bounds: Vec::new(),
            aliases: Vec::new(),
            orgs,
            states: HashMap::default(),
            by_uei: HashMap::default(),
            deletes: HashMap::default(),
            deletes2: HashMap::default(),
            skeletons: HashMap::default(),
            function: Vec::new(),
            number: Vec::new(),
            initials: HashMap::default(),
            acronym_aliases: HashMap::default(),
            sounds: sounds::Sounds::default(),
            max_weight: 1.0,
            federal: Federal::default(),
        };
        for (org, scheme, value) in store.identifiers()? {
            if scheme == Scheme::Uei {
                m.by_uei.insert(value, org);
            }
        }
        let mut seen = HashSet::default();
        for (org, alias) in store.aliases()? {
            let norm = normalize(&alias);
            if let Some(i) = norm.initials.as_ref().filter(|i| i.len() >= ACRONYM_MIN_LEN) {
                let orgs = m.initials.entry(i.clone()).or_default();
                if !orgs.contains(&org) {
                    orgs.push(org);
                }
            }
            if let Some(a) = &norm.acronym {
                let orgs = m.acronym_aliases.entry(a.clone()).or_default();
                if !orgs.contains(&org) {
                    orgs.push(org);
                }
            }
            let mut pairs: Vec<(u32, bool)> = norm
                .tokens
                .iter()
                .map(|t| match t.strip_prefix(SOFT_MARK) {
                    Some(word) => (m.intern(word), true),
                    None => (m.intern(t), false),
                })
                .collect();
            pairs.sort_unstable();
            // One token once; soft only if every occurrence is.
            pairs.dedup_by(|b, a| {
                if a.0 == b.0 {
                    a.1 &= b.1;
                    true
                } else {
                    false
                }
            });
            let (tokens, soft): (Vec<u32>, Vec<bool>) = pairs.into_iter().unzip();
            if !norm.foreign.is_empty() {
                let foreign: HashSet<&str> = norm.foreign.iter().map(String::as_str).collect();
                for w in norm.tokens.iter().map(|t| t.trim_start_matches(SOFT_MARK)) {
                    if foreign.contains(w)
                        && let Some(&id) = m.vocab.get(w)
                    {
                        m.sounds.mark_foreign(id);
                    }
                }
            }
            if tokens.is_empty() || !seen.insert((org, tokens.clone(), soft.clone(), norm.forms.clone())) {
                continue;
            }
            let idx = m.entries.len() as u32;
            for &t in &tokens {
                m.df[t as usize] += 1;
                m.postings[t as usize].push(idx);
            }
            let numbers = tokens.iter().copied().filter(|&t| is_number(&m.words[t as usize])).collect();
            m.aliases.push(alias);
            let (state, own_police) = match m.orgs.get(&org) {
                Some(info) => {
                    let state = match &info.state {
                        Some(st) => {
                            let next = m.states.len() as u32 + 1;
                            *m.states.entry(canonical_state(st)).or_insert(next)
                        }
                        None => 0,
                    };
                    (state, matches!(info.kind, Kind::University | Kind::Tribal))
                }
                None => (0, false),
            };
            m.entries.push(Entry {
                org,
                state,
                own_police,
                alias: idx,
                tokens,
                soft,
                weight: 0.0,
                numbers,
                forms: norm.forms,
            });
        }
        let n = m.entries.len().max(1) as f64;
        m.weight = m.df.iter().map(|&d| (n / f64::from(d.max(1))).ln() + 1.0).collect();
        m.max_weight = m.weight.iter().copied().fold(1.0, f64::max);
        for e in &mut m.entries {
            e.weight = e
                .tokens
                .iter()
                .zip(&e.soft)
                .map(|(&t, &soft)| if soft { SOFT_WEIGHT } else { m.weight[t as usize] })
                .sum();
        }
        m.bounds = m
            .entries
            .iter()
            .map(|e| (e.weight as f32, e.tokens.iter().map(|&t| m.weight[t as usize]).sum::<f64>() as f32))
            .collect();
        let mut hashes = Vec::new();
        for (i, w) in m.words.iter().enumerate() {
            if w.len() >= 4 && w.is_ascii() {
                deletion_hashes(w.as_bytes(), 1, &mut hashes);
                for &h in &hashes {
                    m.deletes.entry(h).or_default().push(i as u32);
                }
            }
            if w.len() >= 3 && !is_number(w) {
                m.skeletons.entry(skeleton(w)).or_default().push(i as u32);
            }
            if w.len() >= TWO_EDIT_MIN_LEN - 2 && !is_number(w) {
                deletion_hashes(w.as_bytes(), 2, &mut hashes);
                for &h in &hashes {
                    m.deletes2.entry(h).or_default().push(i as u32);
                }
            }
        }
        m.sounds.index(&m.words);
        m.function = m.words.iter().map(|w| FUNCTION_WORDS.contains(&w.as_str())).collect();
        m.number = m.words.iter().map(|w| is_number(w)).collect();
        m.federal = Federal::build(store, &m)?;
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

    /// The best proposal for one account, if any reaches the threshold. When several
    /// organisations fit within [`ScreenConfig::ambiguity_margin`] of the best, the proposal
    /// lists them all as candidates, for a reviewer to choose.
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
                candidates: Vec::new(),
            });
        }
        let norm = normalize(&account.legal_name);
        let mut scored: Vec<(i64, Scored)> = Vec::new();
        for variant in self.variants(&norm.tokens, false) {
            self.score_variant(&variant, &norm, account, cfg, scratch, false, &mut scored);
        }
        // Nothing fits: a known word may still be two the registry writes apart ("Glenrock"
        // for "Glen Rock").
        if !scored.iter().any(|(_, s)| s.score >= cfg.threshold) {
            for variant in self.variants(&norm.tokens, true).into_iter().skip(1) {
                self.score_variant(&variant, &norm, account, cfg, scratch, false, &mut scored);
            }
        }
        // Still nothing: the last word, though a known word, may be cut short by a form
        // field ("… Shipping and Forward" for "Forwarding").
        if !scored.iter().any(|(_, s)| s.score >= cfg.threshold) && self.may_be_cut(&norm.tokens) {
            self.score_variant(&norm.tokens, &norm, account, cfg, scratch, true, &mut scored);
        }
        // Best score per organisation, best first (ties: lower organisation id, for a
        // deterministic order).
        scored.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        let mut per_org: Vec<(i64, Scored)> = Vec::new();
        for (org, s) in scored {
            if !per_org.iter().any(|(o, _)| *o == org) {
                per_org.push((org, s));
            }
        }
        // A federal agency named its accounts' way ("DOJ-DEA", "FBI Denver Field Office") is
        // the proposal, unless the words found a public body or company that is not federal,
        // or found a federal agency by one of its names exactly (1.00 says more than the
        // reading's 0.95).
        let found =
            per_org.first().filter(|(_, s)| s.score >= cfg.threshold).map(|(org, s)| (self.orgs[org].kind, s.score));
        if found.is_none_or(|(kind, score)| kind == Kind::FederalAgency && score < 1.0)
            && let Some(c) = self.federal.screen(account, &norm, cfg.threshold, self)
        {
            return Some(Proposal::from_candidate(&account.account_id, c));
        }
        match per_org.first() {
            Some((_, best)) if best.score >= cfg.threshold => {}
            _ => return self.acronym(account, &norm, cfg),
        }
        let best = per_org[0].1.score;
        let fitting: Vec<&(i64, Scored)> =
            per_org.iter().take_while(|(_, s)| best - s.score < cfg.ambiguity_margin).take(MAX_CANDIDATES).collect();
        let candidates: Vec<Candidate> =
            fitting.iter().map(|(org, s)| self.candidate(account, &norm, *org, s)).collect();
        let mut p = Proposal::from_candidate(&account.account_id, candidates[0].clone());
        if candidates.len() > 1 {
            p.reasons.push(format!(
                "ambiguous: {} organisations fit within {:.2} of each other; a reviewer chooses",
                candidates.len(),
                cfg.ambiguity_margin
            ));
            p.candidates = candidates;
        }
        Some(p)
    }

    /// The account's words, and the words with unknown ones (or, with `split_known`, any)
    /// split, or neighbours joined, when that makes known words.
    fn variants(&self, tokens: &[String], split_known: bool) -> Vec<Vec<String>> {
        let mut out = vec![tokens.to_vec()];
        fn bare(t: &str) -> &str {
            t.trim_start_matches(SOFT_MARK)
        }
        // Joined: "north wind" → "northwind", when the registry knows the joined word.
        let mut both = String::new();
        let joins = |i: usize, both: &mut String| {
            if i + 1 >= tokens.len() || is_number(&tokens[i]) || is_number(&tokens[i + 1]) {
                return false;
            }
            both.clear();
            both.push_str(bare(&tokens[i]));
            both.push_str(bare(&tokens[i + 1]));
            both.len() >= 6 && self.vocab.contains_key(both.as_str())
        };
        if (0..tokens.len()).any(|i| joins(i, &mut both)) {
            let mut joined = Vec::with_capacity(tokens.len());
            let mut i = 0;
            while i < tokens.len() {
                if joins(i, &mut both) {
                    joined.push(both.clone());
                    i += 2;
                } else {
                    joined.push(tokens[i].clone());
                    i += 1;
                }
            }
            out.push(joined);
        }
        // Split: "northwind" → "north wind", when the registry knows both halves.
        let mut split = Vec::with_capacity(tokens.len() + 1);
        let mut changed = false;
        for t in tokens {
            // Every cut of a word is two lookups, each hashing its half: a longer word than
            // MAX_FUZZY_LEN is not cut (its work would grow with the square of its length).
            if (6..=MAX_FUZZY_LEN).contains(&t.len())
                && t.is_ascii()
                && (split_known || !self.vocab.contains_key(t))
                && !is_number(t)
            {
                let best = (3..=t.len() - 3)
                    .filter_map(|k| {
                        let (a, b) = t.split_at(k);
                        let (ia, ib) = (self.vocab.get(a)?, self.vocab.get(b)?);
                        Some((self.df[*ia as usize].min(self.df[*ib as usize]), k))
                    })
                    .max();
                if let Some((_, k)) = best {
                    split.push(t[..k].to_string());
                    split.push(t[k..].to_string());
                    changed = true;
                    continue;
                }
            }
            split.push(t.clone());
        }
        if changed {
            out.push(split);
        }
        out
    }

    /// Scores one variant of the account's words against its blocked candidates; with
    /// `cut_known`, the last word is read as cut short even when it is a known word.
    #[allow(clippy::too_many_arguments)]
    fn score_variant(
        &self,
        tokens: &[String],
        norm: &NormalizedName,
        account: &Account,
        cfg: &ScreenConfig,
        scratch: &mut Scratch,
        cut_known: bool,
        out: &mut Vec<(i64, Scored)>,
    ) {
        if cut_known && tokens.last().is_none_or(|t| is_number(t.trim_start_matches(SOFT_MARK))) {
            return;
        }
        // Query tokens: known ones with their weight; unknown ones may be a typo of a known
        // token, which then stands in at part of its weight. A typo one edit from several
        // known words ("Allegahny": Allegany, Alleghany) is tried as each.
        let mut base: Vec<(u32, f64, bool)> = Vec::with_capacity(tokens.len());
        let mut options: Vec<(Vec<(u32, f64)>, bool)> = Vec::new();
        let mut unknown_weight = 0.0;
        let mut numbers: Vec<Option<u32>> = Vec::new();
        // The words written in another script, as a set: a name of many foreign words would
        // otherwise compare each of its words with all of them.
        let foreign_words: HashSet<&str> = norm.foreign.iter().map(String::as_str).collect();
        for (i, t) in tokens.iter().enumerate() {
            let (t, soft) = match t.strip_prefix(SOFT_MARK) {
                Some(word) => (word, true),
                None => (t.as_str(), false),
            };
            if cut_known && i + 1 == tokens.len() && !is_number(t) {
                let cut = self.completions(t, self.anchor(&base));
                if cut.is_empty() {
                    // Read as before: nothing new to score.
                    return;
                }
                options.push((cut, soft));
                continue;
            }
            if let Some(&id) = self.vocab.get(t) {
                if is_number(t) {
                    numbers.push(Some(id));
                }
                base.push((id, 1.0, soft));
                continue;
            }
            if is_number(t) {
                numbers.push(None);
                unknown_weight += self.max_weight;
                continue;
            }
            let foreign = foreign_words.contains(t);
            // The last word may be cut short by a form field: its completions among the
            // organisations that share the account's rarest known word.
            if i + 1 == tokens.len() && !foreign {
                let cut = self.completions(t, self.anchor(&base));
                if !cut.is_empty() {
                    options.push((cut, soft));
                    continue;
                }
            }
            let near = scratch.readings(t, foreign, |t| self.readings(t, foreign));
            match near.len() {
                0 if soft => unknown_weight += SOFT_WEIGHT,
                0 => unknown_weight += self.max_weight,
                1 => base.push((near[0].0, near[0].1, soft)),
                _ => options.push((near, soft)),
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
        // Every combination of the typo readings (few: at most MAX_TYPO_READINGS).
        let mut queries: Vec<Vec<(u32, f64, bool)>> = vec![base];
        for (near, soft) in &options {
            let mut next = Vec::new();
            for q in &queries {
                for &(id, f) in near {
                    if next.len() < MAX_TYPO_READINGS {
                        let mut q = q.clone();
                        q.push((id, f, *soft));
                        next.push(q);
                    }
                }
            }
            queries = next;
        }
        for query in queries {
            self.score_query(query, unknown_weight, &numbers, norm, account, cfg, scratch, out);
        }
    }

    /// Scores one reading of the account's words against its blocked candidates.
    #[allow(clippy::too_many_arguments)]
    fn score_query(
        &self,
        mut query: Vec<(u32, f64, bool)>,
        unknown_weight: f64,
        numbers: &[Option<u32>],
        norm: &NormalizedName,
        account: &Account,
        cfg: &ScreenConfig,
        scratch: &mut Scratch,
        out: &mut Vec<(i64, Scored)>,
    ) {
        query.sort_unstable_by_key(|q| q.0);
        query.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.2 &= b.2;
                true
            } else {
                false
            }
        });
        if query.is_empty() {
            return;
        }
        let cost = |&(t, f, soft): &(u32, f64, bool)| if soft { SOFT_WEIGHT } else { self.weight[t as usize] * f };
        let query_cost: f64 = query.iter().map(cost).sum::<f64>() + unknown_weight;
        let query_full: f64 = query.iter().map(|q| self.weight[q.0 as usize]).sum();
        // The least the query can cost: a university's or tribe's own "police" costs little.
        let police_id = self.vocab.get("police").copied();
        let query_cost_low = query_cost
            - query.iter().filter(|q| Some(q.0) == police_id && !q.2).map(|q| cost(q) - SOFT_WEIGHT).sum::<f64>();

        // Blocking: candidates share one of the rarest query tokens.
        let mut by_rarity = query.clone();
        by_rarity.sort_by(|a, b| self.df[a.0 as usize].cmp(&self.df[b.0 as usize]));
        scratch.next_generation(self.entries.len());
        let mut candidates: Vec<u32> = Vec::new();
        // While blocking, each candidate accumulates the weight of the blocking tokens it
        // shares; the query's other tokens are the most it can share beyond them.
        let mut rest = query_full;
        for (i, &(t, f, _)) in by_rarity.iter().enumerate() {
            if i >= BLOCKING_TOKENS || (i > 0 && self.df[t as usize] > MAX_BLOCKING_DF) {
                break;
            }
            let w = (self.weight[t as usize] * f) as f32;
            rest -= self.weight[t as usize];
            for &e in &self.postings[t as usize] {
                if scratch.add(e, w) {
                    candidates.push(e);
                }
            }
        }
        let rest = rest.max(0.0);

        let query_functions: Vec<u32> =
            query.iter().filter(|q| !q.2).map(|q| q.0).filter(|&t| self.function[t as usize]).collect();
        // The FBI lists campus and tribal police under the university's or the tribe's name
        // ("The Citadel", "Squaxin Island Tribal"): against those, the account's "police" is
        // what the organisation is, not another function.
        let police = self.vocab.get("police").and_then(|id| query.iter().find(|q| q.0 == *id && !q.2)).copied();
        let forms = legal_forms();
        // The account's state as an interned id; a state no organisation has differs from all.
        let account_state =
            account.state.as_deref().map(|st| self.states.get(&canonical_state(st)).copied().unwrap_or(u32::MAX));
        // Below this, a candidate can neither be proposed nor fall within the margin of one
        // that is.
        let floor = cfg.threshold - cfg.ambiguity_margin;
        for &c in &candidates {
            // The score cannot exceed the weight the two can share (the blocking tokens this
            // entry has, the query's other tokens, at most the entry's weight) over the union
            // (at least either side's cost), and every factor below is at most one: most
            // candidates end here, before their tokens are read.
            let (entry_cost, entry_full) = self.bounds[c as usize];
            let shared = (f64::from(scratch.acc[c as usize]) + rest).min(f64::from(entry_full));
            let bound = shared / f64::from(entry_cost).max(query_cost_low);
            if bound < floor * 0.999 {
                continue;
            }
            let e = &self.entries[c as usize];
            // Numbers must agree: "Partners VII" is not "Partners VIII".
            let number_factor = match (numbers.is_empty(), e.numbers.is_empty()) {
                (true, true) => 1.0,
                (false, false) => {
                    if numbers.len() != e.numbers.len() || numbers.iter().zip(&e.numbers).any(|(q, n)| *q != Some(*n)) {
                        continue;
                    }
                    1.0
                }
                _ => NUMBER_ABSENT_FACTOR,
            };
            // Weighted Jaccard: shared weight over the weight of the union. A token both
            // names have counts its full weight (less a typo's share); an unmatched one its
            // cost (soft tokens little).
            let (mut common, mut union) = (0.0, 0.0);
            let (mut matched_q, mut matched_e) = (0.0, 0.0);
            let (mut i, mut j) = (0, 0);
            while i < query.len() && j < e.tokens.len() {
                match query[i].0.cmp(&e.tokens[j]) {
                    std::cmp::Ordering::Equal => {
                        let w = self.weight[query[i].0 as usize];
                        common += w * query[i].1;
                        union += w;
                        matched_q += cost(&query[i]);
                        matched_e += if e.soft[j] { SOFT_WEIGHT } else { w };
                        i += 1;
                        j += 1;
                    }
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                }
            }
            let own_police = police.filter(|p| e.own_police && e.tokens.binary_search(&p.0).is_err());
            let mut unmatched_q = query_cost - matched_q;
            if let Some(p) = own_police {
                unmatched_q += SOFT_WEIGHT - cost(&p);
            }
            let name_score = common / (union + unmatched_q + (e.weight - matched_e));
            let location = match account_state {
                Some(a) if e.state != 0 && e.state != a => cfg.state_mismatch_factor,
                _ => 1.0,
            };
            let mut score = name_score * number_factor * location;
            // "Fairfax County Police Department" is not "Fairfax County Public Schools": a
            // different function is a different body, however many other words agree.
            let functions = query_functions.iter().copied().filter(|&t| own_police.is_none_or(|p| p.0 != t));
            if !functions.eq(e.tokens.iter().copied().filter(|&t| self.function[t as usize])) {
                score *= cfg.function_mismatch_factor;
            }
            let form = forms.relate(&norm.forms, &e.forms);
            if form == FormMatch::Different {
                score *= FORM_DIFFERENT_FACTOR;
            }
            if score >= floor {
                out.push((e.org, Scored { score, name_score, entry: c, form }));
            }
        }
    }

    /// A candidate with the reasons a reviewer reads.
    fn candidate(&self, account: &Account, norm: &NormalizedName, org: i64, s: &Scored) -> Candidate {
        let e = &self.entries[s.entry as usize];
        let info = &self.orgs[&org];
        let alias = &self.aliases[e.alias as usize];
        let mut reasons = vec![format!("name {:?} matches {:?} ({:.2})", account.legal_name, alias, s.name_score)];
        self.location_reasons(account, info, &mut reasons);
        let forms = legal_forms();
        match s.form {
            FormMatch::Same => reasons.push(format!(
                "same legal form ({})",
                norm.forms.iter().map(|f| forms.name(*f)).collect::<Vec<_>>().join(", ")
            )),
            FormMatch::Different => reasons.push(format!(
                "different legal form: account {}, organisation {}",
                norm.forms.iter().map(|f| forms.name(*f)).collect::<Vec<_>>().join(", "),
                e.forms.iter().map(|f| forms.name(*f)).collect::<Vec<_>>().join(", ")
            )),
            FormMatch::Absent => {}
        }
        Candidate { org_id: org, org_name: info.name.clone(), matched_alias: alias.clone(), score: s.score, reasons }
    }

    fn location_reasons(&self, account: &Account, info: &OrgInfo, reasons: &mut Vec<String>) {
        match (account.state.as_deref(), info.state.as_deref()) {
            (Some(a), Some(o)) if canonical_state(a) == canonical_state(o) => reasons.push(format!("same state {o}")),
            (Some(a), Some(o)) => reasons.push(format!("different state: account {a}, organisation {o}")),
            _ if info.kind == Kind::FederalAgency => reasons.push("federal agency: location not compared".into()),
            _ => {}
        }
    }

    /// An acronym: the account's one capitalised word is the initials of exactly one
    /// organisation's name, or the account's name has the initials one organisation uses as
    /// its name.
    fn acronym(&self, account: &Account, norm: &NormalizedName, cfg: &ScreenConfig) -> Option<Proposal> {
        let (org, how) = if let Some(a) = norm.acronym.as_deref().filter(|a| a.len() >= ACRONYM_MIN_LEN) {
            let orgs = self.initials.get(a)?;
            let [org] = orgs.as_slice() else { return None };
            // A word the registry uses in other organisations' names is a word, not an acronym.
            if let Some(&t) = self.vocab.get(a)
                && self.postings[t as usize].iter().any(|&e| self.entries[e as usize].org != *org)
            {
                return None;
            }
            (*org, format!("acronym {:?} is the initials of one organisation's name", a.to_uppercase()))
        } else {
            let initials = norm.initials.as_deref().filter(|i| i.len() >= ACRONYM_MIN_LEN)?;
            let orgs = self.acronym_aliases.get(initials)?;
            let [org] = orgs.as_slice() else { return None };
            if self.initials.get(initials).is_some_and(|o| o.iter().any(|x| x != org)) {
                return None;
            }
            (*org, format!("initials {:?} are the organisation's acronym", initials.to_uppercase()))
        };
        let info = &self.orgs[&org];
        let score = ACRONYM_SCORE * self.location_factor(account, info, cfg);
        if score < cfg.threshold {
            return None;
        }
        let mut reasons = vec![how];
        self.location_reasons(account, info, &mut reasons);
        Some(Proposal::from_candidate(
            &account.account_id,
            Candidate { org_id: org, org_name: info.name.clone(), matched_alias: info.name.clone(), score, reasons },
        ))
    }

    /// How location changes a name score: a different state is strong evidence of a different
    /// organisation; no state on either side says nothing.
    fn location_factor(&self, account: &Account, org: &OrgInfo, cfg: &ScreenConfig) -> f64 {
        match (account.state.as_deref(), org.state.as_deref()) {
            (Some(a), Some(o)) if canonical_state(a) != canonical_state(o) => cfg.state_mismatch_factor,
            _ => 1.0,
        }
    }

    /// The known words an unknown word may stand for, with the share of their weight it
    /// carries: a word written in another script is first read through its transliteration
    /// key (Antei/Antey, Iug/Yug, Kolt/Colt), then as a typo one edit away, then two.
    fn readings(&self, t: &str, foreign: bool) -> Vec<(u32, f64)> {
        let typo = |d: usize| 1.0 - TYPO_PENALTY * d as f64 / t.len() as f64;
        let mut near: Vec<(u32, f64)> = if foreign {
            self.by_skeleton(t).into_iter().map(|id| (id, TRANSLITERATION_FACTOR)).collect()
        } else {
            Vec::new()
        };
        if near.is_empty() {
            near.extend(self.near_tokens(t).into_iter().map(|id| (id, typo(1))));
        }
        if near.is_empty() {
            near.extend(self.two_edits(t).into_iter().map(|id| (id, typo(2))));
        }
        if near.is_empty() {
            near.extend(self.by_sound(t, foreign).into_iter().map(|id| (id, TRANSLITERATION_FACTOR)));
        }
        // "Giulio" is not a typo of "Giulia": two people.
        near.retain(|&(id, _)| !given_names::different_people(t, &self.words[id as usize]));
        near
    }

    /// The known tokens one edit away from `t` (five to [`MAX_FUZZY_LEN`] letters), most
    /// frequent first (at most three).
    fn near_tokens(&self, t: &str) -> Vec<u32> {
        if t.len() < 5 || t.len() > MAX_FUZZY_LEN || !t.is_ascii() {
            return Vec::new();
        }
        // t with one letter more than a known word, a known word with one letter more, or
        // both with one letter changed or two swapped: t and its deletions meet the words and
        // theirs.
        let mut hashes = Vec::with_capacity(t.len() + 1);
        deletion_hashes(t.as_bytes(), 1, &mut hashes);
        let mut candidates: Vec<u32> = Vec::new();
        for h in &hashes {
            candidates.extend(self.deletes.get(h).into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .retain(|&id| !self.number[id as usize] && one_edit(t.as_bytes(), self.words[id as usize].as_bytes()));
        candidates.sort_by_key(|&id| std::cmp::Reverse(self.df[id as usize]));
        candidates.truncate(3);
        candidates
    }

    /// The known tokens whose transliteration key is `t`'s, most frequent first (at most
    /// three).
    fn by_skeleton(&self, t: &str) -> Vec<u32> {
        let key = skeleton(t);
        let mut found: Vec<u32> = self.skeletons.get(&key).cloned().unwrap_or_default();
        // "Servike" for a registry that says "services".
        found.extend(self.skeletons.get(&format!("{key}s")).into_iter().flatten());
        found.sort_unstable();
        found.dedup();
        found.sort_by_key(|&id| std::cmp::Reverse(self.df[id as usize]));
        found.truncate(3);
        found
    }

    /// The known long tokens two edits away from `t` (one of the two at least
    /// [`TWO_EDIT_MIN_LEN`] letters, neither over [`MAX_FUZZY_LEN`]), most frequent first (at
    /// most three): the account's other words and its state choose among them.
    fn two_edits(&self, t: &str) -> Vec<u32> {
        if t.len() < TWO_EDIT_MIN_LEN - 2 || t.len() > MAX_FUZZY_LEN || !t.is_ascii() {
            return Vec::new();
        }
        let mut hashes = Vec::new();
        deletion_hashes(t.as_bytes(), 2, &mut hashes);
        let mut found: Vec<u32> = Vec::new();
        for h in hashes {
            for &id in self.deletes2.get(&h).into_iter().flatten() {
                let w = self.words[id as usize].as_bytes();
                if !found.contains(&id)
                    && t.len().max(w.len()) >= TWO_EDIT_MIN_LEN
                    && edit_distance(t.as_bytes(), w, 2).is_some()
                {
                    found.push(id);
                }
            }
        }
        found.sort_by_key(|&id| std::cmp::Reverse(self.df[id as usize]));
        found.truncate(3);
        found
    }
}

/// The registry's words, for the federal reading.
impl Words for Matcher {
    fn frequency(&self, word: &str) -> u32 {
        self.vocab.get(word).map_or(0, |&t| self.df[t as usize])
    }

    fn shared_elsewhere(&self, word: &str, org: i64) -> bool {
        let other = |orgs: Option<&Vec<i64>>| orgs.is_some_and(|o| o.iter().any(|x| *x != org));
        self.vocab
            .get(word)
            .is_some_and(|&t| self.postings[t as usize].iter().any(|&e| self.entries[e as usize].org != org))
            || other(self.initials.get(word))
            || other(self.acronym_aliases.get(word))
    }

    fn public_word(&self, word: &str) -> bool {
        self.vocab.get(word).is_some_and(|&t| {
            self.postings[t as usize].iter().any(|&e| {
                self.orgs
                    .get(&self.entries[e as usize].org)
                    .is_some_and(|o| !matches!(o.kind, Kind::Company | Kind::Other))
            })
        })
    }
}

/// Reusable per-thread scratch space for candidate de-duplication.
#[derive(Default)]
pub struct Scratch {
    stamp: Vec<u32>,
    /// Per entry: the weight of the blocking tokens it shares with the query.
    acc: Vec<f32>,
    generation: u32,
    /// Readings of unknown words seen before (names repeat words): one matcher's only.
    readings: HashMap<(String, bool), Vec<(u32, f64)>>,
}

/// Most unknown words whose readings one scratch remembers.
const READINGS_CACHED: usize = 50_000;

impl Scratch {
    /// The readings of an unknown word, from the cache or computed by `compute`.
    fn readings(&mut self, t: &str, foreign: bool, compute: impl FnOnce(&str) -> Vec<(u32, f64)>) -> Vec<(u32, f64)> {
        // A word longer than MAX_FUZZY_LEN has only exact readings, cheaper to compute again
        // than to copy into the cache, and the cache would hold every such word whole.
        if t.len() > MAX_FUZZY_LEN {
            return compute(t);
        }
        if let Some(r) = self.readings.get(&(t.to_string(), foreign)) {
            return r.clone();
        }
        let r = compute(t);
        if self.readings.len() >= READINGS_CACHED {
            self.readings.clear();
        }
        self.readings.insert((t.to_string(), foreign), r.clone());
        r
    }

    fn next_generation(&mut self, n: usize) {
        if self.stamp.len() < n {
            self.stamp.resize(n, 0);
            self.acc.resize(n, 0.0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    /// Adds `w` to the entry's shared weight; true when the entry is new in this generation.
    fn add(&mut self, e: u32, w: f32) -> bool {
        let slot = &mut self.stamp[e as usize];
        if *slot == self.generation {
            self.acc[e as usize] += w;
            false
        } else {
            *slot = self.generation;
            self.acc[e as usize] = w;
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::model::{Jurisdiction, NewOrganisation};

    /// Most typo keys one word can have: itself, its one- and its two-letter deletions.
    const MOST_KEYS: usize = 1 + MAX_FUZZY_LEN + MAX_FUZZY_LEN * (MAX_FUZZY_LEN - 1) / 2;

    /// A word of `n` letters, the same for the same seed.
    fn word(n: usize, seed: u64) -> String {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (b'a' + (x % 26) as u8) as char
            })
            .collect()
    }

    /// `w` with its middle letter changed: one edit away.
    fn one_letter_changed(w: &str) -> String {
        let mut b = w.as_bytes().to_vec();
        let at = b.len() / 2;
        b[at] = if b[at] == b'z' { b'a' } else { b[at] + 1 };
        String::from_utf8(b).expect("ascii")
    }

    /// The index over organisations of these names (no state), beside a few others.
    fn matcher(names: &[&str]) -> Matcher {
        let mut store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("tx");
        let others = ["Bluebird Bakery LLC", "Granite Dental Care Inc", "Harbor Logistics Corporation"];
        for (i, name) in names.iter().chain(&others).enumerate() {
            let id = tx
                .insert_organisation(&NewOrganisation {
                    key: format!("test:{i}"),
                    name: name.to_string(),
                    kind: Kind::Company,
                    jurisdiction: Jurisdiction::default(),
                })
                .expect("org");
            tx.add_alias(id, name).expect("alias");
        }
        tx.commit().expect("commit");
        Matcher::build(&store).expect("matcher")
    }

    fn screen(m: &Matcher, name: &str, scratch: &mut Scratch) -> Option<Proposal> {
        let a = Account {
            account_id: "a".into(),
            legal_name: name.into(),
            country: None,
            state: None,
            city: None,
            uei: None,
            domain: None,
        };
        m.screen(&a, &ScreenConfig::default(), scratch)
    }

    /// Entries in the typo indexes (every key of every word).
    fn typo_index_size(m: &Matcher) -> usize {
        m.deletes.values().chain(m.deletes2.values()).map(Vec::len).sum()
    }

    /// Issue 26: a word's typo keys were all its one- and two-letter deletions, so their
    /// number grew with the square of its length and their hashing with the cube.
    #[test]
    fn a_word_has_a_bounded_number_of_typo_keys_whatever_its_length() {
        let mut keys = Vec::new();
        deletion_hashes(b"publishing", 2, &mut keys);
        assert_eq!(keys.len(), 1 + 10 + 45, "an ordinary word keeps all its keys");
        for len in [MAX_FUZZY_LEN, MAX_FUZZY_LEN + 1, 1_000, 100 * 1024] {
            let w = word(len, 7);
            for depth in [1, 2] {
                deletion_hashes(w.as_bytes(), depth, &mut keys);
                assert!(keys.len() <= MOST_KEYS, "{len} letters, depth {depth}: {} keys", keys.len());
                if len > MAX_FUZZY_LEN {
                    assert!(keys.is_empty(), "{len} letters: matched only exactly");
                }
            }
        }
    }

    /// A long word in an organisation's name adds nothing to the typo indexes: the index over
    /// "<100 KB word> Surveillance Systems Inc" is the index over "Surveillance Systems Inc".
    #[test]
    fn a_long_word_adds_nothing_to_the_typo_index() {
        let without = typo_index_size(&matcher(&["Surveillance Systems Inc"]));
        for len in [1_000, 100 * 1024] {
            let name = format!("{} Surveillance Systems Inc", word(len, 11));
            let m = matcher(&[&name]);
            assert_eq!(typo_index_size(&m), without, "{len} letters");
            assert!(m.words.iter().any(|w| w.len() == len), "the word itself is indexed, for exact matches");
        }
    }

    /// A long word matches itself, never a word one letter off; a compound longer than
    /// MAX_FUZZY_LEN is not cut into known words; and no long word is kept in the cache of
    /// readings.
    #[test]
    fn long_words_match_only_exactly() {
        for len in [1_000, 100 * 1024] {
            let w = word(len, 13);
            let m = matcher(&[&format!("{w} Surveillance Systems Inc")]);
            let mut scratch = Scratch::default();
            let exact = screen(&m, &format!("{w} Surveillance Systems"), &mut scratch);
            assert!(exact.is_some_and(|p| p.score >= 0.99), "{len} letters, exactly");
            let typo = screen(&m, &format!("{} Surveillance Systems", one_letter_changed(&w)), &mut scratch);
            assert!(typo.is_none(), "{len} letters, one letter off: scored {:?}", typo.map(|p| p.score));
            assert!(scratch.readings.keys().all(|(t, _)| t.len() <= MAX_FUZZY_LEN));
        }
        // A short word one letter off still reads as the known word.
        let w = word(12, 17);
        let m = matcher(&[&format!("{w} Surveillance Systems Inc")]);
        let typo = screen(&m, &format!("{} Surveillance Systems", one_letter_changed(&w)), &mut Scratch::default());
        assert!(typo.is_some(), "a 12-letter word one letter off");
        // Two known 20-letter words written as one: 40 letters, beyond the bound, not cut.
        let (a, b) = (word(20, 19), word(20, 23));
        let m = matcher(&[&format!("{a} {b} Inc")]);
        assert!(screen(&m, &format!("{a}{b}"), &mut Scratch::default()).is_none());
        let (a, b) = (word(10, 19), word(10, 23));
        let m = matcher(&[&format!("{a} {b} Inc")]);
        assert!(screen(&m, &format!("{a}{b}"), &mut Scratch::default()).is_some(), "20 letters are cut");
    }
}
