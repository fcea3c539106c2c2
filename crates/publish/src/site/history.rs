//! The checkpoints pages keep: why an old record's page need not be written again when the
//! log grows.
//!
//! Every page embeds the signed checkpoint its inclusion proofs are for. If every page carried
//! the newest one, every page would change whenever the log grows. So the site keeps each
//! checkpoint it was written for (`checkpoints/<size>`, listed in `checkpoints/index.json`), and
//! a record's own page carries the first kept checkpoint that covers everything the page
//! shows: the record, the records it names, and the correction that corrects it. Such a page
//! stays as it was until one of those changes, which can only happen by a later entry, and
//! then it moves to the newest checkpoint. The browser's check proves a page's checkpoint
//! consistent with the log's latest, and the outside check renders every page at the
//! checkpoint this rule gives it.
//!
//! A kept checkpoint serves only while it is the log's own: signed by its key, for its origin,
//! its size the file's name, its root the root of the log's first `size` entries, and (when the
//! log has a trust policy) witnessed by its quorum. One that is not is dropped from the list.

use std::collections::{BTreeMap, BTreeSet};

use tlog::{Checkpoint, ReadStorage, TileReader, Verifier};

use super::model::RecordView;
use super::signed::Signed;

/// The folder of kept checkpoints, in the site.
pub const DIR: &str = "checkpoints";
/// The list of kept sizes, in the site.
pub const LIST: &str = "checkpoints/index.json";
/// Most kept checkpoints read from a list (one per publish and notice for centuries). A list
/// naming more is no history; a writing keeps the newest `MAX_KEPT - 1` older ones that serve
/// beside the newest, so the list it writes is one it (and the outside check) reads back.
pub const MAX_KEPT: usize = 100_000;
/// Most bytes a list of [`MAX_KEPT`] sizes takes as the site writes it (`[`, each size of at
/// most 20 digits and a comma, `]`): a longer file is not parsed, since a folder's largest file
/// of small numbers would be read into hundreds of MiB of sizes before they were counted.
const MAX_LIST_BYTES: usize = 2 + MAX_KEPT * 21;

/// A kept checkpoint a page can carry.
pub struct Kept {
    /// Its tree size.
    pub size: u64,
    /// Its signed text and witnessing, as pages show them.
    pub signed: Signed,
}

/// The checkpoints the site keeps: the older ones that still serve, and the newest.
pub struct History {
    older: BTreeMap<u64, Kept>,
}

/// The path of the kept checkpoint of `size`.
pub fn path(size: u64) -> String {
    format!("{DIR}/{size}")
}

impl History {
    /// The older kept checkpoints that still serve, read from `src` (the site as written
    /// before, or as published): each listed one that is the log's own and witnessed, below
    /// `latest`. A missing or unreadable list is no history (every page carries the newest).
    pub fn read(
        src: &dyn ReadStorage,
        verifier: &Verifier,
        latest: &Checkpoint,
        policy: Option<&str>,
        now: u64,
    ) -> History {
        // Each size once (a list may name one many times; each reading verifies signatures and a
        // root), and only those a checkpoint older than the latest can have.
        let sizes: BTreeSet<u64> = src
            .read(LIST)
            .ok()
            .flatten()
            .filter(|b| b.len() <= MAX_LIST_BYTES)
            .and_then(|b| serde_json::from_slice::<Vec<u64>>(&b).ok())
            .filter(|s| s.len() <= MAX_KEPT)
            .unwrap_or_default()
            .into_iter()
            .filter(|&s| s > 0 && s < latest.size)
            .collect();
        // One reader of the newest tree's tiles for every root: they share its subtrees.
        let mut tiles = TileReader::new(src, latest.size);
        let mut older = BTreeMap::new();
        // Newest first: at the bound, the oldest go (their pages move to the next kept one).
        for size in sizes.into_iter().rev() {
            if older.len() == MAX_KEPT - 1 {
                break;
            }
            if let Some(kept) = serving(src, &mut tiles, verifier, latest, size, policy, now) {
                older.insert(size, kept);
            }
        }
        History { older }
    }

    /// The sizes of the older kept checkpoints that serve.
    pub fn sizes(&self) -> impl Iterator<Item = u64> + '_ {
        self.older.keys().copied()
    }

    /// Each older kept checkpoint that serves.
    pub fn older(&self) -> impl Iterator<Item = &Kept> {
        self.older.values()
    }

    /// The kept checkpoint a page showing records up to index `newest` carries: the first
    /// older one that covers it, or `None` for the newest.
    pub fn covering(&self, newest: u64) -> Option<&Kept> {
        self.older.range(newest.saturating_add(1)..).next().map(|(_, k)| k)
    }
}

/// The kept checkpoint of `size` in `src`, when it serves.
fn serving(
    src: &dyn ReadStorage,
    tiles: &mut TileReader<'_>,
    verifier: &Verifier,
    latest: &Checkpoint,
    size: u64,
    policy: Option<&str>,
    now: u64,
) -> Option<Kept> {
    let bytes = src.read(&path(size)).ok().flatten()?;
    let cp = Checkpoint::open(&bytes, verifier).ok()?;
    if cp.origin != latest.origin || cp.size != size {
        return None;
    }
    // Its root must be the root of the log's first `size` entries, from the tiles of the
    // newest tree (checked against the newest checkpoint by whoever reads them): a complete
    // subtree of the smaller tree is one of the larger, so no older partial tile is needed.
    let root = tlog::merkle::tree_root(tiles, size).ok()?;
    if root != cp.root {
        return None;
    }
    let signed =
        Signed::new(verifier.to_vkey(), String::from_utf8_lossy(&bytes).into_owned(), policy.map(str::to_string), now);
    if signed.witnessing.contains("not-witnessed") {
        return None;
    }
    Some(Kept { size, signed })
}

/// The newest log index a record's own page shows: the record, every record it names (an
/// object with an `index` and a `sha256`), and the correction that corrects it. A period's
/// summary also shows what its proposals became since (objections), so its page always
/// carries the newest checkpoint (`u64::MAX`).
pub(crate) fn newest_shown(r: &RecordView) -> u64 {
    if matches!(r.kept_body(), Some(records::Body::PeriodSummary(_))) {
        return u64::MAX;
    }
    r.index.max(r.corrected_by.unwrap_or(0)).max(r.named_newest)
}
