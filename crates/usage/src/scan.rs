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
    /// Capability id.
    pub capability: String,
    /// Region class.
    pub region_class: String,
    /// Billing lines.
    pub lines: u64,
    /// Consumed quantity, summed per unit.
    pub quantity: BTreeMap<String, f64>,
    /// Billed cost.
    pub cost: f64,
    /// First month seen.
    pub first_month: String,
    /// Last month seen.
    pub last_month: String,
}

impl Totals {
    fn add(&mut self, lines: u64, unit: &str, quantity: f64, cost: f64, first_month: &str, last_month: &str) {
        self.lines += lines;
        match self.quantity.get_mut(unit) {
            Some(q) => *q += quantity,
            None => {
                self.quantity.insert(unit.to_string(), quantity);
            }
        }
        self.cost += cost;
        if self.first_month.is_empty() || first_month < self.first_month.as_str() {
            self.first_month = first_month.to_string();
        }
        if last_month > self.last_month.as_str() {
            self.last_month = last_month.to_string();
        }
    }
}

/// What a scan found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    /// Per file: rows and non-conformance.
    pub files: Vec<(String, ReadReport)>,
    /// Totals per capability and region class, in that order.
    pub capabilities: Vec<Totals>,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

impl std::fmt::Display for ScanReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (file, read) in &self.files {
            writeln!(f, "{file}: {} rows", read.rows)?;
            for (kind, n) in &read.nonconformance_counts {
                writeln!(f, "  not conformant: {kind}: {n} finding(s)")?;
            }
            for n in read.nonconformance.iter().take(10) {
                writeln!(f, "    row {}, column {}: {}", n.row, n.column, n.message)?;
            }
        }
        writeln!(f, "{:26} {:10} {:>8} {:>14}  months", "capability", "region", "lines", "cost")?;
        for t in &self.capabilities {
            let (c, class) = (&t.capability, &t.region_class);
            writeln!(f, "{c:26} {class:10} {:>8} {:>14.2}  {}..{}", t.lines, t.cost, t.first_month, t.last_month)?;
        }
        let unmapped: u64 = self.unmapped.values().sum();
        if unmapped > 0 {
            let services: Vec<String> = self.unmapped.iter().map(|(s, n)| format!("{s} ({n})")).collect();
            writeln!(f, "unmapped: {unmapped} line(s): {}", services.join(", "))?;
        }
        Ok(())
    }
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
    let mut capabilities: BTreeMap<(String, String), Totals> = BTreeMap::new();
    for (i, path) in files.iter().enumerate() {
        let agg = aggregate_file(taxonomy, path, opts, &mut |done, total| progress(i, done, total))?;
        // Rolled up by borrowed text first: a handful of capabilities, millions of groups.
        let mut totals: BTreeMap<(&str, &str), Totals> = BTreeMap::new();
        for g in agg.groups.iter().filter(|g| g.capability != UNMAPPED) {
            let s = g.sums;
            totals
                .entry((g.capability, g.region_class))
                .or_default()
                .add(s.lines, g.unit, s.quantity, s.cost, g.month, g.month);
        }
        for ((capability, class), t) in totals {
            let into = capabilities.entry((capability.to_string(), class.to_string())).or_insert_with(|| Totals {
                capability: capability.to_string(),
                region_class: class.to_string(),
                ..Totals::default()
            });
            for (unit, q) in &t.quantity {
                into.add(0, unit, *q, 0.0, &t.first_month, &t.last_month);
            }
            into.lines += t.lines;
            into.cost += t.cost;
        }
        for (service, n) in agg.unmapped {
            *report.unmapped.entry(service).or_insert(0) += n;
        }
        report.files.push((path.display().to_string(), agg.read));
    }
    report.capabilities = capabilities.into_values().collect();
    Ok(report)
}
