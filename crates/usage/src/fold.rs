//! The in-memory fold every billing file goes through: the aggregate row's key and sums, the
//! compact sums and interned strings used while reading, and the step that turns a key of
//! indices into the stored key (account, month, service, capability, region class, unit).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::focus::ReadReport;
use crate::parquet::convert;
use crate::taxonomy::{Line, Taxonomy};

/// The capability recorded for lines no rule maps.
pub const UNMAPPED: &str = "unmapped";

/// Period granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Calendar month: `2026-07`.
    Month,
    /// Calendar quarter: `2026-Q3`.
    Quarter,
}

impl Granularity {
    /// The period a `YYYY-MM` month falls in.
    pub fn period(self, month: &str) -> String {
        match self {
            Granularity::Month => month.to_string(),
            Granularity::Quarter => {
                let m: u32 = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
                format!("{}-Q{}", &month[..4.min(month.len())], m.div_ceil(3))
            }
        }
    }
}

/// The key of one aggregate row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key {
    /// Account.
    pub account: String,
    /// Month (`YYYY-MM`).
    pub month: String,
    /// Service.
    pub service: String,
    /// Capability id, or `unmapped`.
    pub capability: String,
    /// Region class.
    pub region_class: String,
    /// Unit of the quantity.
    pub unit: String,
}

/// The sums of one aggregate row.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sums {
    /// Quantity in the key's unit.
    pub quantity: f64,
    /// Billed cost.
    pub cost: f64,
    /// Billing lines.
    pub lines: u64,
    /// First day of use.
    pub first: String,
    /// Last day of use.
    pub last: String,
}

impl Sums {
    pub(crate) fn add(&mut self, other: &Sums) {
        self.quantity += other.quantity;
        self.cost += other.cost;
        self.lines += other.lines;
        if self.first.is_empty() || (!other.first.is_empty() && other.first < self.first) {
            self.first = other.first.clone();
        }
        if other.last > self.last {
            self.last = other.last.clone();
        }
    }
}

/// What aggregating a file produced.
#[derive(Debug, Clone, Default)]
pub struct FileAggregate {
    /// Rows read and non-conformance.
    pub read: ReadReport,
    /// The aggregate.
    pub rows: BTreeMap<Key, Sums>,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

/// Sums while reading: days as numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FastSums {
    quantity: f64,
    cost: f64,
    lines: u64,
    pub(crate) first: i32,
    last: i32,
}

impl FastSums {
    pub(crate) fn new(day: i32) -> FastSums {
        FastSums { quantity: 0.0, cost: 0.0, lines: 0, first: day, last: day }
    }

    #[inline]
    pub(crate) fn add_line(&mut self, quantity: f64, cost: f64, day: i32) {
        self.quantity += quantity;
        self.cost += cost;
        self.lines += 1;
        self.first = self.first.min(day);
        self.last = self.last.max(day);
    }

    pub(crate) fn add(&mut self, o: &FastSums) {
        self.quantity += o.quantity;
        self.cost += o.cost;
        self.lines += o.lines;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }
}

/// One worker's interned strings.
#[derive(Default)]
pub(crate) struct Interner {
    ids: FxHashMap<String, u32>,
    pub(crate) strings: Vec<String>,
}

impl Interner {
    pub(crate) fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }
}

/// `YYYY-MM` of a month key (`year * 12 + month - 1`).
pub(crate) fn month_text(k: u32) -> String {
    format!("{:04}-{:02}", k / 12, k % 12 + 1)
}

/// `YYYY-MM-DD` of a day number.
pub(crate) fn day_text(d: i32) -> String {
    let (y, m, dd) = convert::civil_from_days(i64::from(d));
    format!("{y:04}-{m:02}-{dd:02}")
}

/// The capability id of a capability index (`u32::MAX`: unmapped).
pub(crate) fn capability_id(taxonomy: &Taxonomy, c: u32) -> String {
    match c {
        u32::MAX => UNMAPPED.to_string(),
        c => taxonomy.capabilities()[c as usize].id.clone(),
    }
}

/// The capability index of a line (`u32::MAX`: unmapped).
pub(crate) fn capability_of(taxonomy: &Taxonomy, line: &Line<'_>) -> u32 {
    taxonomy.rule_for(line).map(|r| taxonomy.rules()[r].capability as u32).unwrap_or(u32::MAX)
}

/// Adds sums under a stored key, counting unmapped lines by service.
pub(crate) fn add_stored(out: &mut FileAggregate, key: Key, s: &FastSums) {
    if key.capability == UNMAPPED {
        let service = if key.service.is_empty() { "(no service)".to_string() } else { key.service.clone() };
        *out.unmapped.entry(service).or_insert(0) += s.lines;
    }
    out.rows.entry(key).or_default().add(&Sums {
        quantity: s.quantity,
        cost: s.cost,
        lines: s.lines,
        first: day_text(s.first),
        last: day_text(s.last),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters() {
        assert_eq!(Granularity::Quarter.period("2026-01"), "2026-Q1");
        assert_eq!(Granularity::Quarter.period("2026-09"), "2026-Q3");
        assert_eq!(Granularity::Quarter.period("2026-10"), "2026-Q4");
        assert_eq!(Granularity::Month.period("2026-10"), "2026-10");
    }
}
