//! A full check of a stored log: every entry rehashed, every tile and the root recomputed,
//! the checkpoint's signature checked (all by [`verify_extension`] from the empty tree), and
//! consistency with older trusted checkpoints; older partial tiles against the log.

use crate::checkpoint::Checkpoint;
use crate::error::Error;
use crate::extend::{Verified, verify_extension};
use crate::merkle::verify_consistency;
use crate::note::Verifier;
use crate::reader::{TileReader, read_tile};
use crate::storage::{CHECKPOINT_PATH, ReadStorage};
use crate::tile::{TILE_WIDTH, TileId, TileKind, parse_bundle, tiles_of, top_level, width_at};

/// What a successful check covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The verified checkpoint.
    pub checkpoint: Checkpoint,
    /// Entries rehashed.
    pub entries: u64,
    /// Hash tiles checked (entry bundles not counted).
    pub tiles: u64,
    /// Older checkpoints proven consistent with the latest.
    pub trusted: Vec<Checkpoint>,
    /// The verified tree (checkpoint and frontier): the base of a later incremental check.
    pub verified: Verified,
}

/// Checks a whole log. Returns the first fault found, naming the resource.
///
/// `trusted` are older signed checkpoints the caller has seen: each must verify, and the
/// latest checkpoint must be consistent with it. `progress` is called with the number of
/// entries checked so far and the total.
pub fn verify_log(
    storage: &dyn ReadStorage,
    verifier: &Verifier,
    trusted: &[Vec<u8>],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, Error> {
    let bytes = storage.read(CHECKPOINT_PATH)?.ok_or_else(|| Error::Missing { path: CHECKPOINT_PATH.into() })?;
    let size = Checkpoint::open(&bytes, verifier)?.size;
    // The incremental check from the empty tree reads every bundle and tile once, with memory
    // that does not grow with the log.
    let checked = verify_extension(storage, verifier, None, &bytes, &mut |index, _| {
        if (index + 1) % TILE_WIDTH == 0 || index + 1 == size {
            progress(index + 1, size);
        }
    })?;
    let tiles = checked.tiles;
    let cp = checked.verified.checkpoint().clone();
    let trusted_ok = verify_trusted(storage, verifier, &cp, trusted)?;
    Ok(VerifyReport { checkpoint: cp, entries: size, tiles, trusted: trusted_ok, verified: checked.verified })
}

/// Checks older checkpoints the caller trusts against the log at `cp` (verified): each must be
/// signed by the log's key, reproduced by the tiles at its size, and consistent with `cp`.
pub fn verify_trusted(
    storage: &dyn ReadStorage,
    verifier: &Verifier,
    cp: &Checkpoint,
    trusted: &[Vec<u8>],
) -> Result<Vec<Checkpoint>, Error> {
    let size = cp.size;
    let mut reader = TileReader::new(storage, size);

    // Older checkpoints: signed, reproduced by the tiles at their size, consistent.
    let mut trusted_ok = Vec::new();
    for (n, old_bytes) in trusted.iter().enumerate() {
        let old = Checkpoint::open(old_bytes, verifier)
            .map_err(|e| Error::Inconsistent(format!("trusted checkpoint {}: {e}", n + 1)))?;
        if old.size > size {
            return Err(Error::Inconsistent(format!(
                "trusted checkpoint {} has size {} but the log's checkpoint only {size}: the log lost entries or this is another log",
                n + 1,
                old.size
            )));
        }
        let old_root = TileReader::new(storage, old.size).root()?;
        if old_root != old.root {
            return Err(Error::Inconsistent(format!(
                "the tiles at size {} give root {old_root} but trusted checkpoint {} signs {}",
                old.size,
                n + 1,
                old.root
            )));
        }
        let proof = reader.consistency_proof(old.size)?;
        verify_consistency(old.size, size, &old.root, &cp.root, &proof).map_err(|e| {
            Error::Inconsistent(format!(
                "trusted checkpoint {} (size {}) is not consistent with the log: {e}",
                n + 1,
                old.size
            ))
        })?;
        trusted_ok.push(old);
    }
    Ok(trusted_ok)
}

/// Checks one stored tile against a log already verified at `size`. A tile the log at `size`
/// does not have is refused; an earlier partial tile (tlog-tiles keeps serving the partial
/// tiles of every size a checkpoint was produced for) must hold exactly the start of the log's
/// tile at its position.
pub fn verify_stored_tile(storage: &dyn ReadStorage, id: TileId, size: u64) -> Result<(), Error> {
    let stored = storage.read(&id.path())?.ok_or_else(|| Error::Missing { path: id.path() })?;
    check_stored_tile(storage, id, &stored, size)
}

/// [`verify_stored_tile`] on bytes already read.
fn check_stored_tile(storage: &dyn ReadStorage, id: TileId, stored: &[u8], size: u64) -> Result<(), Error> {
    let level = match id.kind {
        TileKind::Hashes { level } => level,
        TileKind::Entries => 0,
    };
    let now = width_at(level, id.index, size);
    if id.width > now {
        return Err(Error::Inconsistent(format!(
            "{} holds {} {}, but the log of size {size} has {now} there",
            id.path(),
            id.width,
            if id.kind == TileKind::Entries { "entries" } else { "hashes" }
        )));
    }
    let current_id = TileId { width: now, ..id };
    let current = read_tile(storage, current_id)?;
    let same = match id.kind {
        TileKind::Hashes { .. } => current.get(..id.hash_tile_len()) == Some(stored),
        TileKind::Entries => {
            let now_entries = parse_bundle(&current)?;
            let stored_entries =
                parse_bundle(stored).map_err(|e| Error::Inconsistent(format!("{}: {e}", id.path())))?;
            stored_entries.len() == usize::from(id.width)
                && now_entries.get(..stored_entries.len()) == Some(&stored_entries[..])
        }
    };
    if same {
        Ok(())
    } else {
        Err(Error::Inconsistent(format!(
            "{} is not the first {} of {}: an earlier tile was changed",
            id.path(),
            id.width,
            current_id.path()
        )))
    }
}

/// Checks that the tiles a tree of `old` entries needs (a size a checkpoint was produced for)
/// are still served and agree with the log verified at `size`. A partial tile may be gone
/// once its full tile exists, as tlog-tiles allows. Returns the partial tiles checked.
pub fn verify_tiles_at(storage: &dyn ReadStorage, old: u64, size: u64) -> Result<u64, Error> {
    if old > size {
        return Err(Error::Inconsistent(format!("size {old} is beyond the log's {size}")));
    }
    let mut checked = 0;
    let kinds = std::iter::once(TileKind::Entries)
        .chain((0..=top_level(old).unwrap_or(0)).map(|level| TileKind::Hashes { level }));
    for kind in kinds {
        let level = match kind {
            TileKind::Hashes { level } => level,
            TileKind::Entries => 0,
        };
        // Full tiles at `old` are full tiles of the log, checked with it; only the partial one is new.
        for id in tiles_of(kind, old).filter(|id| !id.is_full()) {
            let Some(stored) = storage.read(&id.path())? else {
                if u64::from(width_at(level, id.index, size)) == TILE_WIDTH {
                    continue;
                }
                return Err(Error::Inconsistent(format!(
                    "{} is missing: a checkpoint was produced for size {old}, so the log must serve it",
                    id.path()
                )));
            };
            check_stored_tile(storage, id, &stored, size)?;
            checked += 1;
        }
    }
    Ok(checked)
}
