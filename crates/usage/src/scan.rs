//! A first look at billing files: every line classified, summed per capability and region
//! class, unmapped lines counted by service — the stored aggregation without the store.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::aggregate::{Error, aggregate_file};
use crate::focus::{ReadOptions, ReadReport};
use crate::fold::UNMAPPED;
use crate::taxonomy::Taxonomy;

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

/// Reads and classifies FOCUS or CUR files (CSV, gzip CSV or Parquet).
pub fn scan(taxonomy: &Taxonomy, files: &[&Path], opts: ReadOptions) -> Result<ScanReport, Error> {
    scan_with_progress(taxonomy, files, opts, &mut |_, _, _| {})
}

/// Like [`scan`], calling `progress(file index, bytes read, file size)` as it goes.
pub fn scan_with_progress(
    taxonomy: &Taxonomy,
    files: &[&Path],
    opts: ReadOptions,
    progress: &mut dyn FnMut(usize, u64, u64),
) -> Result<ScanReport, Error> {
    let mut report = ScanReport::default();
    for (i, path) in files.iter().enumerate() {
        let agg = aggregate_file(taxonomy, path, opts, &mut |done, total| progress(i, done, total))?;
        for (k, v) in agg.rows {
            if k.capability == UNMAPPED {
                continue;
            }
            let t = report.capabilities.entry((k.capability, k.region_class)).or_default();
            t.lines += v.lines;
            *t.quantity.entry(k.unit).or_insert(0.0) += v.quantity;
            t.cost += v.cost;
            if t.months.0.is_empty() || k.month < t.months.0 {
                t.months.0 = k.month.clone();
            }
            if k.month > t.months.1 {
                t.months.1 = k.month;
            }
        }
        for (service, n) in agg.unmapped {
            *report.unmapped.entry(service).or_insert(0) += n;
        }
        report.files.push((path.display().to_string(), agg.read));
    }
    Ok(report)
}
