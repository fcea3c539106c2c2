//! Which organisations a period discloses, as any reader derives it from the log: the current
//! (uncorrected) `candor.organisation_usage` records of the period, by organisation name, each
//! with its index (the latest when a name has several).

use std::collections::BTreeMap;

use crate::corrections::corrected;
use crate::read::Parsed;
use crate::record::Body;

/// The organisations `period` discloses, by name, with the index of the current usage record
/// of each, among `records` (with their indexes into `entries`, in log order).
pub fn disclosed_in(entries: &[Vec<u8>], records: &[(u64, Parsed)], period: &str) -> BTreeMap<String, u64> {
    let corrected = corrected(entries, records.iter().map(|(i, r)| (*i, r)));
    let mut out = BTreeMap::new();
    for (index, record) in records {
        let Some(Body::OrganisationUsage(u)) = record.body() else { continue };
        if u.period == period && !corrected.contains_key(index) {
            out.insert(u.organisation.name.clone(), *index);
        }
    }
    out
}
