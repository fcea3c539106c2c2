//! Aggregate groups held compactly: a key of eight interned string ids (account, month, service,
//! capability, region class, unit, and the billing account and period the lines were billed
//! in) and sums with days as numbers, 64 bytes a group, with a hash index of 4-byte positions
//! beside them.
//!
//! Why not a map of owned keys: at a large provider's cardinality (4.3 million groups from
//! 500,000 accounts) six `String`s and two date strings per group cost about 500 bytes a group
//! and most of the time; ids keep the fold under a gigabyte, and text is looked up only when a
//! group is written out.

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::focus::ReadReport;
use crate::fold::{Key, Sums, UNMAPPED, day_text};

/// A group's key: string ids of account, month (`YYYY-MM`), service, capability id, region
/// class, unit, billing account and billing period (`YYYY-MM`).
pub(crate) type GroupKey = [u32; 8];

/// Sums while folding: days as numbers (days since 1970-01-01).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DaySums {
    /// Quantity in the key's unit.
    pub quantity: f64,
    /// Billed cost.
    pub cost: f64,
    /// Billing lines.
    pub lines: u64,
    /// First day of use.
    pub first: i32,
    /// Last day of use.
    pub last: i32,
}

impl DaySums {
    /// Nothing yet, for a group first seen on `day`.
    pub(crate) fn new(day: i32) -> DaySums {
        DaySums { quantity: 0.0, cost: 0.0, lines: 0, first: day, last: day }
    }

    #[inline]
    pub(crate) fn add_line(&mut self, quantity: f64, cost: f64, day: i32) {
        self.quantity += quantity;
        self.cost += cost;
        self.lines += 1;
        self.first = self.first.min(day);
        self.last = self.last.max(day);
    }

    pub(crate) fn add(&mut self, o: &DaySums) {
        self.quantity += o.quantity;
        self.cost += o.cost;
        self.lines += o.lines;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }

    /// The stored form, days as `YYYY-MM-DD`.
    pub fn to_sums(&self) -> Sums {
        Sums {
            quantity: self.quantity,
            cost: self.cost,
            lines: self.lines,
            first: day_text(self.first),
            last: day_text(self.last),
        }
    }
}

/// Interned strings: one id per distinct text.
#[derive(Default)]
pub(crate) struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        self.insert(s)
    }

    /// The id of a text read from outside, or `None` when it holds a character no name or id
    /// may hold (a control character: it would reach published records and pages). Checked
    /// once, when first seen, so a line costs no more than [`Interner::id`]. What is already
    /// interned was checked, or is candor's own text (capability ids, months).
    #[inline]
    pub(crate) fn outside_id(&mut self, s: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(s) {
            return Some(id);
        }
        input::refused(s, input::Lines::One).is_none().then(|| self.insert(s))
    }

    fn insert(&mut self, s: &str) -> u32 {
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    /// The strings in text order and, per old id, its new id (so that comparing ids compares
    /// text).
    fn into_sorted(self) -> (Vec<Box<str>>, Vec<u32>) {
        drop(self.ids);
        let mut order: Vec<u32> = (0..self.strings.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.strings[a as usize].cmp(&self.strings[b as usize]));
        let mut new_id = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let mut strings = self.strings;
        let mut sorted = Vec::with_capacity(strings.len());
        for &old in &order {
            sorted.push(std::mem::take(&mut strings[old as usize]));
        }
        (sorted, new_id)
    }
}

/// Sums by group key, in first-seen order, with a hash index of positions: a lookup per line
/// while folding, and the entries handed on as they are.
#[derive(Default)]
pub(crate) struct GroupTable {
    index: HashTable<u32>,
    entries: Vec<(GroupKey, DaySums)>,
}

impl GroupTable {
    /// The sums of `key`, new (first seen on `day`) if it has none yet.
    #[inline]
    pub(crate) fn sums(&mut self, key: GroupKey, day: i32) -> &mut DaySums {
        let hash = FxBuildHasher.hash_one(key);
        let entries = &mut self.entries;
        let found = self.index.find(hash, |&i| entries[i as usize].0 == key).copied();
        let i = match found {
            Some(i) => i as usize,
            None => {
                let i = entries.len();
                entries.push((key, DaySums::new(day)));
                self.index.insert_unique(hash, i as u32, |&j| FxBuildHasher.hash_one(entries[j as usize].0));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Adds a group's sums.
    pub(crate) fn add(&mut self, key: GroupKey, sums: &DaySums) {
        self.sums(key, sums.first).add(sums);
    }

    /// The entries so far; the table is left empty, its index keeping its room.
    pub(crate) fn take(&mut self) -> Vec<(GroupKey, DaySums)> {
        self.index.clear();
        let room = self.entries.capacity();
        std::mem::replace(&mut self.entries, Vec::with_capacity(room))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, in first-seen order.
    pub(crate) fn into_entries(self) -> Vec<(GroupKey, DaySums)> {
        self.entries
    }
}

/// One group, its text borrowed from the aggregate.
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// Account.
    pub account: &'a str,
    /// Month (`YYYY-MM`).
    pub month: &'a str,
    /// Service.
    pub service: &'a str,
    /// Capability id, or `unmapped`.
    pub capability: &'a str,
    /// Region class.
    pub region_class: &'a str,
    /// Unit of the quantity.
    pub unit: &'a str,
    /// The billing account its lines were billed to.
    pub billing_account: &'a str,
    /// The billing period (`YYYY-MM`) its lines were billed in.
    pub billing_period: &'a str,
    /// Its sums.
    pub sums: &'a DaySums,
}

impl Group<'_> {
    /// The owned key.
    pub fn key(&self) -> Key {
        Key {
            account: self.account.into(),
            month: self.month.into(),
            service: self.service.into(),
            capability: self.capability.into(),
            region_class: self.region_class.into(),
            unit: self.unit.into(),
        }
    }
}

/// The groups of an aggregate, sorted by key (account, month, service, capability, region
/// class, unit, billing account, billing period, compared as text).
#[derive(Default)]
pub struct Groups {
    strings: Vec<Box<str>>,
    entries: Vec<(GroupKey, DaySums)>,
}

impl Groups {
    /// Sorts folded entries by text, renumbering the interned ids in text order first so
    /// that the sort compares numbers.
    pub(crate) fn sorted(strings: Interner, mut entries: Vec<(GroupKey, DaySums)>) -> Groups {
        let (strings, new_id) = strings.into_sorted();
        for (k, _) in &mut entries {
            for id in k.iter_mut() {
                *id = new_id[*id as usize];
            }
        }
        drop(new_id);
        entries.sort_unstable_by_key(|(k, _)| *k);
        entries.shrink_to_fit();
        Groups { strings, entries }
    }

    /// Groups.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No groups.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The groups in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Group<'_>> + '_ {
        let text = |id: u32| &*self.strings[id as usize];
        self.entries.iter().map(move |([a, m, s, c, r, u, ba, bp], sums)| Group {
            account: text(*a),
            month: text(*m),
            service: text(*s),
            capability: text(*c),
            region_class: text(*r),
            unit: text(*u),
            billing_account: text(*ba),
            billing_period: text(*bp),
            sums,
        })
    }

    /// The first group whose quantity or cost summed beyond a finite number.
    pub fn overflowed(&self) -> Option<crate::focus::Overflowed> {
        self.iter().find_map(|g| {
            let column = match (g.sums.quantity.is_finite(), g.sums.cost.is_finite()) {
                (true, true) => return None,
                (false, _) => "quantity",
                (true, false) => "cost",
            };
            Some(crate::focus::Overflowed {
                account: g.account.into(),
                month: g.month.into(),
                service: g.service.into(),
                column,
            })
        })
    }

    /// The groups with owned keys and stored sums, billing accounts and periods added up (for
    /// small aggregates and tests).
    pub fn to_map(&self) -> BTreeMap<Key, Sums> {
        let mut map: BTreeMap<Key, Sums> = BTreeMap::new();
        for g in self.iter() {
            map.entry(g.key()).or_default().add(&g.sums.to_sums());
        }
        map
    }
}

impl std::fmt::Debug for Groups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groups").field("len", &self.len()).finish_non_exhaustive()
    }
}

/// What aggregating a file produced.
#[derive(Debug, Default)]
pub struct FileAggregate {
    /// Rows read and non-conformance.
    pub read: ReadReport,
    /// The aggregate.
    pub groups: Groups,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

impl FileAggregate {
    /// The aggregate of folded entries, with its unmapped lines counted by service; a sum that
    /// overflowed is an error naming the group.
    pub(crate) fn new(
        path: &std::path::Path,
        read: ReadReport,
        strings: Interner,
        entries: Vec<(GroupKey, DaySums)>,
    ) -> Result<FileAggregate, crate::focus::Error> {
        let groups = Groups::sorted(strings, entries);
        if let Some(what) = groups.overflowed() {
            return Err(crate::focus::Error::Overflow { path: path.into(), what });
        }
        let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
        for g in groups.iter().filter(|g| g.capability == UNMAPPED) {
            let service = if g.service.is_empty() { "(no service)" } else { g.service };
            *unmapped.entry(service.to_string()).or_insert(0) += g.sums.lines;
        }
        Ok(FileAggregate { read, groups, unmapped })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_come_out_in_text_order_whatever_order_they_were_seen_in() {
        let mut strings = Interner::default();
        let mut table = GroupTable::default();
        let key = |s: &mut Interner, a: &str, svc: &str, cap: &str| {
            [
                s.id(a),
                s.id("2026-07"),
                s.id(svc),
                s.id(cap),
                s.id("commercial"),
                s.id("Images"),
                s.id("p"),
                s.id("2026-07"),
            ]
        };
        let k1 = key(&mut strings, "b", "Amazon Rekognition", "face_identification");
        let k2 = key(&mut strings, "a", "Amazon EC2", UNMAPPED);
        let k3 = key(&mut strings, "a", "", UNMAPPED);
        table.sums(k1, 10).add_line(1.0, 2.0, 12);
        table.sums(k2, 11).add_line(3.0, 4.0, 11);
        table.sums(k1, 9).add_line(1.0, 2.0, 9);
        table.sums(k3, 5).add_line(0.0, 0.0, 5);
        assert_eq!(table.len(), 3);
        let agg = FileAggregate::new(std::path::Path::new("t.csv"), ReadReport::default(), strings, table.take())
            .expect("finite");
        let keys: Vec<(&str, &str)> = agg.groups.iter().map(|g| (g.account, g.service)).collect();
        assert_eq!(keys, [("a", ""), ("a", "Amazon EC2"), ("b", "Amazon Rekognition")]);
        let b = agg.groups.iter().last().expect("b");
        assert_eq!((b.sums.lines, b.sums.first, b.sums.last, b.sums.cost), (2, 9, 12, 4.0));
        assert_eq!(agg.unmapped.get("Amazon EC2"), Some(&1));
        assert_eq!(agg.unmapped.get("(no service)"), Some(&1));
        assert_eq!(agg.groups.to_map().len(), 3);
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn a_sum_beyond_a_finite_number_is_an_error_naming_its_group() {
        let mut strings = Interner::default();
        let mut table = GroupTable::default();
        let key =
            ["111", "2026-07", "Amazon EC2", "compute", "commercial", "Hrs", "p", "2026-07"].map(|t| strings.id(t));
        table.sums(key, 1).add_line(1e308, 1.0, 1);
        table.sums(key, 1).add_line(1e308, 1.0, 1);
        let e = FileAggregate::new(std::path::Path::new("big.csv"), ReadReport::default(), strings, table.take())
            .expect_err("overflow")
            .to_string();
        assert!(e.contains("big.csv") && e.contains("quantity of account 111 in 2026-07 (Amazon EC2)"), "{e}");
    }
}
