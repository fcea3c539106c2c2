//! What the site's model reads from each organisation-usage record (its hash, what listings
//! say of it, its lines), kept in the log's state folder so that the next writing reads,
//! parses and checks only the entries it has not seen. Usage records are most of a log (one
//! per organisation and period): reading every one of eight quarters at ten thousand
//! organisations was about a third of each writing, for a period that added an eighth.
//!
//! Like the records index (`crate::index`) it is a cache, never trusted over the log: each
//! item holds its entry's Merkle leaf hash and is used only when the tree the site is written
//! for (whose leaves are checked against its signed root) has that leaf at that index; any
//! other item is ignored and its entry read. A full writing (`--rebuild`) reads none and
//! writes the file anew, and its pages are byte for byte those of a writing that used it
//! (tests). The other fields are candor's own reading of the entries those leaves hash. The
//! file is the operator's, in the state folder: never served.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tlog::HashLevels;

use super::rows::{Interned, Line, LineWhat, Shared, UsageLines};
use crate::Error;

/// The file's name, in the log's private `state/` folder, beside the site's stamp.
pub const FILE_NAME: &str = "site-usage-index.json";

/// The file's format: a file of another is not read (and is written anew).
const FORMAT: u32 = 1;

/// The most bytes the file may take per entry of the log (an item takes about 300): a larger
/// file is not read.
const MAX_BYTES_PER_ENTRY: u64 = 4096;

/// Where the index is, and whether this writing may use what it holds.
#[derive(Debug, Clone, Copy)]
pub struct IndexAt<'a> {
    /// The file.
    pub path: &'a Path,
    /// Read it (else only written: a full writing reads every entry).
    pub read: bool,
}

/// The file as written.
#[derive(Serialize, Deserialize)]
struct IndexFile<W, I> {
    format: u32,
    /// The candor version that wrote it: another may read records otherwise (a file of
    /// another is not read).
    renderer: String,
    /// Each distinct usage line's what, once (a few hundred among a million lines).
    whats: Vec<W>,
    /// Each usage record, in log order.
    records: Vec<I>,
}

/// A line's what: capability, service, region class, unit, volume band.
type WhatOf<S> = (S, S, S, S, Option<S>);

/// One usage record.
#[derive(Serialize, Deserialize)]
struct Item<S> {
    index: u64,
    /// Its entry's Merkle leaf hash (hex): what binds the item to the log.
    leaf: String,
    /// Its entry's SHA-256 (hex).
    sha256: S,
    organisation: S,
    period: S,
    /// The organisation's kind.
    kind: S,
    law_enforcement_role: S,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    demonstration: bool,
    /// The largest log index it names (0: none).
    #[serde(default, skip_serializing_if = "is_zero")]
    named_newest: u64,
    /// Its lines: the number of their what in `whats`, and the exact quantity's bits (an
    /// `f64` written as its bits reads back the same number, not one a decimal rounds to).
    lines: Vec<(u32, Option<u64>)>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A usage record as the index holds it, its texts shared.
pub(crate) struct Known {
    pub(crate) sha256: String,
    pub(crate) organisation: Shared,
    pub(crate) demonstration: bool,
    pub(crate) named_newest: u64,
    pub(crate) lines: UsageLines,
}

/// What reading the index found.
#[derive(Default)]
pub(crate) struct Read {
    /// The usage records it holds of the log, by index.
    pub(crate) known: BTreeMap<u64, Known>,
    /// Whether every item it holds was used (a file missing, of another version or format,
    /// damaged or holding an item not of this log is written anew).
    pub(crate) all_used: bool,
}

/// The usage records the file at `path` holds of the log whose tree is `tree`, by index: the
/// items whose leaf is the tree's at their index. None when the file is missing, too large, of
/// another format or version or not readable (the entries are then all read).
pub(crate) fn read(path: &Path, tree: &HashLevels, words: &mut Interned) -> Read {
    let mut known = BTreeMap::new();
    let most = tree.size().max(1).saturating_mul(MAX_BYTES_PER_ENTRY);
    let Ok(Some(bytes)) = crate::state_file::read_at_most(path, most) else { return Read::default() };
    let Ok(file) = serde_json::from_slice::<IndexFile<WhatOf<String>, Item<String>>>(&bytes) else {
        return Read::default();
    };
    drop(bytes);
    if file.format != FORMAT || file.renderer != env!("CARGO_PKG_VERSION") {
        return Read::default();
    }
    let mut all_used = true;
    let whats: Vec<Arc<LineWhat>> = (file.whats.iter())
        .map(|(capability, service, region_class, unit, band)| {
            let what = LineWhat {
                capability: words.get(capability),
                service: words.get(service),
                region_class: words.get(region_class),
                unit: words.get(unit),
                volume_band: band.as_deref().map(|b| words.get(b)),
            };
            words.line(what)
        })
        .collect();
    'items: for item in file.records {
        let hash_like = item.sha256.len() == 64 && item.sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hash_like || tree.leaf(item.index).map(|l| l.to_hex()).as_deref() != Some(item.leaf.as_str()) {
            all_used = false;
            continue;
        }
        let mut lines = Vec::with_capacity(item.lines.len());
        for (what, quantity) in item.lines {
            // A line naming no what, or a quantity no JSON number reads as (infinite, not a
            // number), is a damaged item: its entry is read instead.
            let quantity = quantity.map(f64::from_bits);
            let what = usize::try_from(what).ok().and_then(|w| whats.get(w));
            let (Some(what), true) = (what, quantity.is_none_or(f64::is_finite)) else {
                all_used = false;
                continue 'items;
            };
            lines.push(Line { what: what.clone(), quantity });
        }
        let lines = UsageLines {
            kind: words.get(&item.kind),
            law_enforcement_role: words.get(&item.law_enforcement_role),
            period: words.get(&item.period),
            lines,
        };
        known.insert(
            item.index,
            Known {
                sha256: item.sha256,
                organisation: words.get(&item.organisation),
                demonstration: item.demonstration,
                named_newest: item.named_newest,
                lines,
            },
        );
    }
    Read { known, all_used }
}

/// One usage record as the model holds it, for [`write`].
pub(crate) struct Usage<'a> {
    pub(crate) index: u64,
    pub(crate) sha256: &'a str,
    pub(crate) organisation: &'a str,
    pub(crate) demonstration: bool,
    pub(crate) named_newest: u64,
    pub(crate) lines: &'a UsageLines,
}

/// Writes the index of `usage` (every usage record of the log whose tree is `tree`, in log
/// order) to `path`, replacing the file whole.
pub(crate) fn write<'a>(path: &Path, tree: &HashLevels, usage: impl Iterator<Item = Usage<'a>>) -> Result<(), Error> {
    let mut numbers: HashMap<&'a LineWhat, u32> = HashMap::new();
    let mut whats: Vec<WhatOf<&'a str>> = Vec::new();
    let mut records: Vec<Item<&'a str>> = Vec::new();
    for u in usage {
        let Some(leaf) = tree.leaf(u.index) else { continue };
        let lines = (u.lines.lines.iter())
            .map(|l| {
                let w: &'a LineWhat = &l.what;
                let n = *numbers.entry(w).or_insert_with(|| {
                    whats.push((&w.capability, &w.service, &w.region_class, &w.unit, w.volume_band.as_deref()));
                    (whats.len() - 1) as u32
                });
                (n, l.quantity.map(f64::to_bits))
            })
            .collect();
        records.push(Item {
            index: u.index,
            leaf: leaf.to_hex(),
            sha256: u.sha256,
            organisation: u.organisation,
            period: &u.lines.period,
            kind: &u.lines.kind,
            law_enforcement_role: &u.lines.law_enforcement_role,
            demonstration: u.demonstration,
            named_newest: u.named_newest,
            lines,
        });
    }
    let file = IndexFile { format: FORMAT, renderer: env!("CARGO_PKG_VERSION").to_string(), whats, records };
    super::atomic::write_atomic_streamed(path, &|w| serde_json::to_writer(w, &file).map_err(std::io::Error::other))
}
