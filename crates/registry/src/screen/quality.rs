//! The screening's quality as the labelled evaluation sets shipped with this release measure
//! it (`tests/data/screening-eval*.csv`, each screened against the registry built from the
//! real public files, plus the fictional organisations of a set that brings its own): what a period summary publishes beside the reviewers' own figures, and
//! the prior of the review queue's calibration. Recorded here, not measured at run time (the
//! sets need the public files, which a provider's deployment does not carry); a test screens
//! every set again and fails when these figures are not what the sets give.

use serde_json::{Value, json};

/// Precision and recall on the labelled sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelledQuality {
    /// Names screened, over every set.
    pub names: u64,
    /// Of which the set names an organisation for.
    pub positives: u64,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / positives.
    pub recall: f64,
    /// Per score band (`screen::bands`) holding proposals: correct / proposals there.
    pub bands: &'static [(&'static str, f64)],
}

/// The labelled sets the figures are measured on (in `crates/registry/tests/data/`).
pub const SETS: &[&str] = &[
    "screening-eval.csv",
    "screening-eval-forms.csv",
    "screening-eval-federal.csv",
    "screening-eval-international.csv",
];

/// This release's figures (four decimals).
pub const RELEASE: LabelledQuality = LabelledQuality {
    names: 3519,
    positives: 2254,
    precision: 0.9991,
    recall: 0.9947,
    bands: &[("1.00", 0.9994), ("0.95-1.00", 0.9971), ("0.90-0.95", 1.0), ("0.85-0.90", 1.0)],
};

impl LabelledQuality {
    /// The labelled precision at `band`, when the sets hold proposals there.
    pub fn precision_at(&self, band: &str) -> Option<f64> {
        self.bands.iter().find(|(b, _)| *b == band).map(|(_, p)| *p)
    }

    /// As a period summary holds it (`screening.labelled`).
    pub fn to_json(&self) -> Value {
        json!({
            "names": self.names,
            "positives": self.positives,
            "precision": self.precision,
            "recall": self.recall,
            "bands": self.bands.iter().map(|(b, p)| json!({"band": b, "precision": p})).collect::<Vec<_>>(),
        })
    }
}
