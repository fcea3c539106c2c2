//! Screening evaluation against a labelled set: precision, recall and F1, overall and per
//! category.
//!
//! The set is a CSV of `account_id, legal_name, state, expect, how` (columns by header
//! name), where `expect` is the identifier (`uei:…`, `duns:…`, `ori:…`, or a natural key) of
//! the right organisation, several joined by `|` when the name belongs to several
//! registrations, or empty when no organisation should be proposed; `how` names the category
//! (how the name was written, or which near miss it is).
//!
//! Scoring: a proposal for the expected organisation is a true positive; so is an ambiguous
//! proposal whose candidates include every expected organisation (a reviewer chooses among
//! them). Any other proposal is a false positive. A row with several expected organisations
//! needs an ambiguous proposal: choosing one of equal registrations is a guess.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Account;
use crate::screen::{Matcher, Scratch, ScreenConfig};
use crate::store::Store;

/// One evaluation mistake.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// The name screened.
    pub legal_name: String,
    /// How the name was varied.
    pub how: String,
    /// Expected organisation (empty: none).
    pub expected: String,
    /// What was proposed (empty: nothing; candidates joined by ` | ` when ambiguous).
    pub proposed: String,
    /// Score of the proposal.
    pub score: Option<f64>,
}

/// Counts for one category (or overall).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Rows.
    pub rows: usize,
    /// Rows with an expected organisation.
    pub positives: usize,
    /// Correct proposals.
    pub true_positives: usize,
    /// Wrong proposals (another organisation, or any for a negative).
    pub false_positives: usize,
    /// Ambiguous proposals among the true positives.
    pub ambiguous: usize,
}

impl Tally {
    /// TP / (TP + FP); 1 when nothing was proposed.
    pub fn precision(&self) -> f64 {
        let p = self.true_positives + self.false_positives;
        if p == 0 { 1.0 } else { self.true_positives as f64 / p as f64 }
    }

    /// TP / positives; `None` for a category of negatives only.
    pub fn recall(&self) -> Option<f64> {
        (self.positives > 0).then(|| self.true_positives as f64 / self.positives as f64)
    }

    /// For a category of negatives only (near misses): the share left unlinked.
    pub fn rejected(&self) -> Option<f64> {
        (self.positives == 0 && self.rows > 0).then(|| 1.0 - self.false_positives as f64 / self.rows as f64)
    }
}

/// Evaluation results.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Rows evaluated.
    pub rows: usize,
    /// Rows with an expected organisation.
    pub positives: usize,
    /// Correct proposals.
    pub true_positives: usize,
    /// Wrong proposals (another organisation, or any for a negative).
    pub false_positives: usize,
    /// Positives with no correct proposal.
    pub false_negatives: usize,
    /// Correct proposals that list several candidates.
    pub ambiguous: usize,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / positives.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Per category (`how`).
    pub categories: BTreeMap<String, CategoryReport>,
    /// Per score band of the proposals made (`screen::bands`): how many were right, so a
    /// score can be read as a chance (the review queue's prior).
    pub bands: BTreeMap<String, BandReport>,
    /// Every mistake.
    pub misses: Vec<Miss>,
}

/// One category's results.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryReport {
    /// The counts.
    #[serde(flatten)]
    pub tally: Tally,
    /// Precision.
    pub precision: f64,
    /// Recall (`null` for negatives).
    pub recall: Option<f64>,
    /// For negatives only: the share of rows that got no proposal.
    pub rejected: Option<f64>,
}

/// The proposals made at one score band.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BandReport {
    /// Proposals with a score in the band.
    pub proposals: usize,
    /// Of which correct.
    pub correct: usize,
}

impl BandReport {
    /// correct / proposals; `None` when the band holds no proposal.
    pub fn precision(&self) -> Option<f64> {
        (self.proposals > 0).then(|| self.correct as f64 / self.proposals as f64)
    }
}

/// Screens every row of the labelled set and scores the proposals.
pub fn evaluate(store: &dyn Store, path: &Path, cfg: &ScreenConfig) -> Result<EvalReport> {
    let matcher = Matcher::build(store)?;
    let mut by_ident: HashMap<String, i64> = HashMap::new();
    for (org, scheme, value) in store.identifiers()? {
        by_ident.insert(format!("{scheme}:{value}"), org);
    }
    for o in store.organisations()? {
        by_ident.entry(o.key.clone()).or_insert(o.id);
    }
    let bad = |message: String| Error::BadFile { file: path.into(), message };
    let mut rdr = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let headers = rdr.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(c_name), Some(c_expect)) = (col("legal_name"), col("expect")) else {
        return Err(bad("needs the columns legal_name and expect (and account_id, state, how)".into()));
    };
    let (c_id, c_state, c_how) = (col("account_id"), col("state"), col("how"));
    let mut total = Tally::default();
    let mut categories: BTreeMap<String, Tally> = BTreeMap::new();
    let mut bands: BTreeMap<String, BandReport> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut scratch = Scratch::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let field = |c: Option<usize>| c.and_then(|i| rec.get(i)).unwrap_or("").trim().to_string();
        let (name, state, expect, how) = (field(Some(c_name)), field(c_state), field(Some(c_expect)), field(c_how));
        let mut expected: Vec<i64> = expect
            .split('|')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| by_ident.get(e).copied().ok_or_else(|| bad(format!("line {line}: {e} is not in the registry"))))
            .collect::<Result<_>>()?;
        // Identifiers the registry holds for one organisation (a DUNS and a UEI) expect it once.
        expected.sort_unstable();
        expected.dedup();
        let account = Account {
            account_id: field(c_id),
            legal_name: name.clone(),
            country: None,
            state: (!state.is_empty()).then_some(state),
            city: None,
            uei: None,
            domain: None,
        };
        let proposal = matcher.screen(&account, cfg, &mut scratch);
        let correct = match &proposal {
            None => false,
            Some(_) if expected.is_empty() => false,
            Some(p) if p.is_ambiguous() => {
                let ids = p.org_ids();
                expected.iter().all(|e| ids.contains(e))
            }
            Some(p) => expected.len() == 1 && p.org_id == expected[0],
        };
        if let Some(p) = &proposal {
            let b = bands.entry(crate::screen::bands::band(p.score).to_string()).or_default();
            b.proposals += 1;
            b.correct += usize::from(correct);
        }
        let tally = categories.entry(how.clone()).or_default();
        for t in [&mut total, tally] {
            t.rows += 1;
            t.positives += usize::from(!expected.is_empty());
            if correct {
                t.true_positives += 1;
                t.ambiguous += usize::from(proposal.as_ref().is_some_and(|p| p.is_ambiguous()));
            } else if proposal.is_some() {
                t.false_positives += 1;
            }
        }
        let right = correct || (proposal.is_none() && expected.is_empty());
        if !right {
            misses.push(Miss {
                legal_name: name,
                how,
                expected: expect,
                proposed: proposal
                    .as_ref()
                    .map(|p| {
                        if p.is_ambiguous() {
                            p.candidates.iter().map(|c| c.org_name.as_str()).collect::<Vec<_>>().join(" | ")
                        } else {
                            p.org_name.clone()
                        }
                    })
                    .unwrap_or_default(),
                score: proposal.as_ref().map(|p| p.score),
            });
        }
    }
    let precision = total.precision();
    let recall = total.recall().unwrap_or(1.0);
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Ok(EvalReport {
        rows: total.rows,
        positives: total.positives,
        true_positives: total.true_positives,
        false_positives: total.false_positives,
        false_negatives: total.positives - total.true_positives,
        ambiguous: total.ambiguous,
        precision,
        recall,
        f1,
        categories: categories
            .into_iter()
            .map(|(k, t)| {
                let (precision, recall, rejected) = (t.precision(), t.recall(), t.rejected());
                (k, CategoryReport { tally: t, precision, recall, rejected })
            })
            .collect(),
        bands,
        misses,
    })
}
