//! Which records stand corrected. A correction counts only when it comes after the record it
//! names and names it by the SHA-256 of that record's entry: one naming a later index (a record
//! not yet written, whose bytes follow from its content and can be foreseen), an entry of
//! another hash, or itself corrects nothing. So no writer to the log can withdraw a record
//! before it is written, and the publisher and every reader agree on what is current.

use std::collections::BTreeMap;

use crate::link::sha256_hex;
use crate::read::Parsed;
use crate::record::Body;

/// The records corrected among `records` (with their indexes into `entries`, in log order),
/// each with the first correction that counts for it.
pub fn corrected<'a, E: AsRef<[u8]>>(
    entries: &[E],
    records: impl IntoIterator<Item = (u64, &'a Parsed)>,
) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    for (index, record) in records {
        let Some(Body::Correction(c)) = record.body() else { continue };
        let target = c.corrects.index;
        let entry = usize::try_from(target).ok().and_then(|t| entries.get(t));
        if target < index && entry.is_some_and(|e| sha256_hex(e.as_ref()) == c.corrects.sha256) {
            out.entry(target).or_insert(index);
        }
    }
    out
}
