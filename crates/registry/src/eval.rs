//! Screening evaluation against a labelled set: precision, recall and F1.
//!
//! The set is a CSV of `account_id, legal_name, state, expect, how`, where `expect` is the
//! identifier (`uei:…`, `duns:…`, `ori:…`, or a natural key) of the right organisation, or
//! empty when no organisation should be proposed.

use std::collections::HashMap;
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
    /// What was proposed (empty: nothing).
    pub proposed: String,
    /// Score of the proposal.
    pub score: Option<f64>,
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
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / positives.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Every mistake.
    pub misses: Vec<Miss>,
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
    let mut rdr =
        csv::Reader::from_path(path).map_err(|e| Error::BadFile { file: path.into(), message: e.to_string() })?;
    let (mut rows, mut positives, mut tp, mut fp) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    let mut scratch = Scratch::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::BadFile { file: path.into(), message: e.to_string() })?;
        let field = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let (name, state, expect, how) = (field(1), field(2), field(3), field(4));
        rows += 1;
        let expected = if expect.is_empty() {
            None
        } else {
            positives += 1;
            Some(*by_ident.get(&expect).ok_or_else(|| Error::BadFile {
                file: path.into(),
                message: format!(
                    "line {}: {expect} is not in the registry",
                    rec.position().map(|p| p.line()).unwrap_or(0)
                ),
            })?)
        };
        let account = Account {
            account_id: field(0),
            legal_name: name.clone(),
            country: None,
            state: (!state.is_empty()).then_some(state),
            city: None,
            uei: None,
            domain: None,
        };
        let proposal = matcher.screen(&account, cfg, &mut scratch);
        match (&proposal, expected) {
            (Some(p), Some(e)) if p.org_id == e => tp += 1,
            (None, None) => {}
            _ => {
                if proposal.is_some() {
                    fp += 1;
                }
                misses.push(Miss {
                    legal_name: name,
                    how,
                    expected: expect,
                    proposed: proposal.as_ref().map(|p| p.org_name.clone()).unwrap_or_default(),
                    score: proposal.as_ref().map(|p| p.score),
                });
            }
        }
    }
    let precision = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
    let recall = if positives == 0 { 1.0 } else { tp as f64 / positives as f64 };
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Ok(EvalReport {
        rows,
        positives,
        true_positives: tp,
        false_positives: fp,
        false_negatives: positives - tp,
        precision,
        recall,
        f1,
        misses,
    })
}
