//! A first look at billing files: every line classified, summed per capability and region
//! class, unmapped lines counted by service. (Stored aggregation per organisation and period
//! is the next step; this is the same pass without the store.)

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::focus::{self, ReadOptions, ReadReport};
use crate::taxonomy::{Classifier, Line, Taxonomy};

/// Totals for one capability in one region class.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Billing lines.
    pub lines: u64,
    /// Consumed quantity, summed per unit.
    pub quantity: BTreeMap<String, f64>,
    /// Billed cost.
    pub cost: f64,
    /// First and last month seen.
    pub months: (String, String),
}

/// What a scan found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    /// Per file: rows and non-conformance.
    pub files: Vec<(String, ReadReport)>,
    /// (capability id, region class) → totals.
    pub capabilities: BTreeMap<(String, String), Totals>,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

/// Reads and classifies FOCUS CSV files.
pub fn scan(taxonomy: &Taxonomy, files: &[&Path], opts: ReadOptions) -> Result<ScanReport, focus::Error> {
    scan_with_progress(taxonomy, files, opts, &mut |_, _, _| {})
}

/// Like [`scan`], calling `progress(file index, bytes read, file size)` as it goes.
pub fn scan_with_progress(
    taxonomy: &Taxonomy,
    files: &[&Path],
    opts: ReadOptions,
    progress: &mut dyn FnMut(usize, u64, u64),
) -> Result<ScanReport, focus::Error> {
    let mut classifier = Classifier::new(taxonomy);
    let mut report = ScanReport::default();
    for (i, path) in files.iter().enumerate() {
        let read = focus::read_csv_with_progress(path, opts, &mut |done, total| progress(i, done, total), |l| {
            let line =
                Line { provider: &l.provider, service: &l.service, usage_type: &l.usage_type, operation: &l.operation };
            let Some(cap) = classifier.classify(&line) else { return };
            let class = taxonomy.region_class(&l.provider, &l.region).as_str();
            let t =
                report.capabilities.entry((taxonomy.capabilities()[cap].id.clone(), class.to_string())).or_default();
            t.lines += 1;
            *t.quantity.entry(l.unit.clone()).or_insert(0.0) += l.quantity;
            t.cost += l.cost;
            if t.months.0.is_empty() || l.month < t.months.0 {
                t.months.0 = l.month.clone();
            }
            if l.month > t.months.1 {
                t.months.1 = l.month.clone();
            }
        })?;
        report.files.push((path.display().to_string(), read));
    }
    report.unmapped = classifier.unmapped().clone();
    Ok(report)
}
