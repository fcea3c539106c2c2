//! The aggregate row every billing file is folded into, as stored: its key (account, month,
//! service, capability, region class, unit) and sums, the period a month falls in, and the
//! text of the numbers the fold keeps while reading ([`crate::groups`] holds the fold itself).

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::groups::Interner;
use crate::parquet::convert;
use crate::taxonomy::{Line, RegionClass, Taxonomy};

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

/// `YYYY-MM` of a month key (`year * 12 + month - 1`).
pub(crate) fn month_text(k: u32) -> String {
    format!("{:04}-{:02}", k / 12, k % 12 + 1)
}

/// `YYYY-MM-DD` of a day number.
pub(crate) fn day_text(d: i32) -> String {
    let (y, m, dd) = convert::civil_from_days(i64::from(d));
    format!("{y:04}-{m:02}-{dd:02}")
}

/// The capability and region class of lines as string ids, each worked out once per distinct
/// combination of the ids it depends on, so a line costs two lookups in small tables. The ids
/// a line is given are its reader's (dictionary ids in Parquet, interned ids in CSV); call
/// [`LineClasses::forget`] when they change meaning.
#[derive(Clone)]
pub(crate) struct LineClasses<'t> {
    taxonomy: &'t Taxonomy,
    /// String id per capability index, then `unmapped`'s.
    capability_ids: Vec<u32>,
    /// String ids of `commercial`, `government`, `secret`.
    class_ids: [u32; 3],
    capabilities: FxHashMap<[u32; 4], u32>,
    classes: FxHashMap<[u32; 2], u32>,
}

impl<'t> LineClasses<'t> {
    /// Interns every capability id, `unmapped` and every region class.
    pub(crate) fn new(taxonomy: &'t Taxonomy, strings: &mut Interner) -> LineClasses<'t> {
        let mut capability_ids: Vec<u32> = taxonomy.capabilities().iter().map(|c| strings.id(&c.id)).collect();
        capability_ids.push(strings.id(UNMAPPED));
        let class_ids =
            [RegionClass::Commercial, RegionClass::Government, RegionClass::Secret].map(|c| strings.id(c.as_str()));
        LineClasses {
            taxonomy,
            capability_ids,
            class_ids,
            capabilities: FxHashMap::default(),
            classes: FxHashMap::default(),
        }
    }

    /// Forgets what ids meant (a new row group's dictionaries).
    pub(crate) fn forget(&mut self) {
        self.capabilities.clear();
        self.classes.clear();
    }

    /// The capability's string id for a line with these (provider, service, usage type,
    /// operation) ids; `line` gives their text the first time.
    #[inline]
    pub(crate) fn capability<'l>(&mut self, ids: [u32; 4], line: impl FnOnce() -> Line<'l>) -> u32 {
        if let Some(&id) = self.capabilities.get(&ids) {
            return id;
        }
        let taxonomy = self.taxonomy;
        let index =
            taxonomy.rule_for(&line()).map_or(taxonomy.capabilities().len(), |r| taxonomy.rules()[r].capability);
        let id = self.capability_ids[index];
        self.capabilities.insert(ids, id);
        id
    }

    /// The region class's string id for these (provider, region) ids; `text` gives their text
    /// the first time.
    #[inline]
    pub(crate) fn region_class<'l>(&mut self, ids: [u32; 2], text: impl FnOnce() -> (&'l str, &'l str)) -> u32 {
        if let Some(&id) = self.classes.get(&ids) {
            return id;
        }
        let (provider, region) = text();
        let id = match self.taxonomy.region_class(provider, region) {
            RegionClass::Commercial => self.class_ids[0],
            RegionClass::Government => self.class_ids[1],
            RegionClass::Secret => self.class_ids[2],
        };
        self.classes.insert(ids, id);
        id
    }
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
