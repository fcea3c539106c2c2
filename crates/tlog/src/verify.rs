//! A full check of a stored log: every entry rehashed, every tile and the root recomputed,
//! the checkpoint's signature checked, and consistency with older trusted checkpoints.

use crate::checkpoint::Checkpoint;
use crate::error::Error;
use crate::hash::{Hash, leaf_hash, subtree_root};
use crate::merkle::verify_consistency;
use crate::note::Verifier;
use crate::reader::{TileReader, read_tile};
use crate::storage::{CHECKPOINT_PATH, ReadStorage};
use crate::tile::{TILE_WIDTH, TileKind, parse_bundle, parse_hash_tile, tiles_of, top_level};

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
    let cp = Checkpoint::open(&bytes, verifier)?;
    let size = cp.size;

    // Level 0: every entry rehashed against its level-0 tile.
    let mut full_tile_roots: Vec<Hash> = Vec::new();
    let mut tiles = 0u64;
    for bundle_id in tiles_of(TileKind::Entries, size) {
        let bundle = read_tile(storage, bundle_id)?;
        let entries = parse_bundle(&bundle).map_err(|e| Error::Inconsistent(format!("{}: {e}", bundle_id.path())))?;
        if entries.len() != usize::from(bundle_id.width) {
            return Err(Error::Inconsistent(format!(
                "{} holds {} entries, the tree size needs {}",
                bundle_id.path(),
                entries.len(),
                bundle_id.width
            )));
        }
        let tile_id = crate::tile::TileId::hashes(0, bundle_id.index, bundle_id.width);
        let hashes = parse_hash_tile(&read_tile(storage, tile_id)?, tile_id.width)
            .map_err(|e| Error::Inconsistent(format!("{}: {e}", tile_id.path())))?;
        for (i, (entry, h)) in entries.iter().zip(&hashes).enumerate() {
            if leaf_hash(entry) != *h {
                return Err(Error::Inconsistent(format!(
                    "entry {} (in {}) does not hash to hash {i} of {}",
                    bundle_id.index * TILE_WIDTH + i as u64,
                    bundle_id.path(),
                    tile_id.path()
                )));
            }
        }
        tiles += 1;
        if tile_id.is_full() {
            full_tile_roots.push(subtree_root(&hashes));
        }
        progress(bundle_id.index * TILE_WIDTH + u64::from(bundle_id.width), size);
    }

    // Higher levels: every hash equals the subtree hash of the full tile below it.
    for level in 1..=top_level(size).unwrap_or(0) {
        let mut next = Vec::new();
        for id in tiles_of(TileKind::Hashes { level }, size) {
            let hashes = parse_hash_tile(&read_tile(storage, id)?, id.width)
                .map_err(|e| Error::Inconsistent(format!("{}: {e}", id.path())))?;
            for (j, h) in hashes.iter().enumerate() {
                let child = id.index * TILE_WIDTH + j as u64;
                if full_tile_roots.get(child as usize) != Some(h) {
                    return Err(Error::Inconsistent(format!(
                        "hash {j} of {} is not the hash of tile {}",
                        id.path(),
                        crate::tile::TileId::hashes(level - 1, child, TILE_WIDTH as u16).path()
                    )));
                }
            }
            tiles += 1;
            if id.is_full() {
                next.push(subtree_root(&hashes));
            }
        }
        full_tile_roots = next;
    }

    // The root: recomputed from the (now checked) tiles.
    let mut reader = TileReader::new(storage, size);
    let root = reader.root()?;
    if root != cp.root {
        return Err(Error::Inconsistent(format!("the tiles give root {root} but the checkpoint signs {}", cp.root)));
    }

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
    Ok(VerifyReport { checkpoint: cp, entries: size, tiles, trusted: trusted_ok })
}
