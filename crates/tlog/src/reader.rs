//! Reading a log back from its tiles: tiles at a tree size, subtree hashes for proofs,
//! entries.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Error;
use crate::hash::{Hash, node_hash};
use crate::merkle::{self, SubtreeSource};
use crate::storage::ReadStorage;
use crate::tile::{TILE_WIDTH, TileId, TileKind, parse_bundle, parse_hash_tile, width_at};

/// Most tiles a [`TileReader`] keeps in memory.
const TILE_CACHE_CAPACITY: usize = 1024;
/// Most inner subtree hashes a [`TileReader`] remembers (about 16 MB).
const SUBTREE_CACHE_CAPACITY: usize = 1 << 18;

/// Reads a tile or bundle; a missing partial one falls back to the full one cut to width
/// (the spec lets logs delete partial tiles once the full tile exists).
pub fn read_tile(storage: &dyn ReadStorage, id: TileId) -> Result<Vec<u8>, Error> {
    if let Some(b) = storage.read(&id.path())? {
        return Ok(b);
    }
    if !id.is_full() {
        let full = TileId { width: TILE_WIDTH as u16, ..id };
        if let Some(b) = storage.read(&full.path())? {
            return Ok(match id.kind {
                TileKind::Hashes { .. } => b.get(..id.hash_tile_len()).map(<[u8]>::to_vec).unwrap_or(b),
                TileKind::Entries => {
                    let entries = parse_bundle(&b)?;
                    let mut cut = Vec::new();
                    for e in entries.iter().take(usize::from(id.width)) {
                        crate::tile::push_bundle_entry(&mut cut, e)?;
                    }
                    cut
                }
            });
        }
    }
    Err(Error::Missing { path: id.path() })
}

/// Answers subtree-hash queries for a tree of a fixed size from its tiles.
///
/// It trusts the storage: tiles are not authenticated here. Check results against a
/// signed root (as [`crate::verify_log`] and every proof verification do).
pub struct TileReader<'a> {
    storage: &'a dyn ReadStorage,
    size: u64,
    cache: HashMap<(u8, u64), Arc<Vec<Hash>>>,
    /// Subtree hashes computed inside tiles, by (level, index): the proofs of neighbouring
    /// leaves share most of them, so each is hashed once, not once per proof.
    subtrees: HashMap<(u8, u64), Hash>,
}

impl<'a> TileReader<'a> {
    /// A reader for the tree of `size` entries stored in `storage`.
    pub fn new(storage: &'a dyn ReadStorage, size: u64) -> TileReader<'a> {
        TileReader { storage, size, cache: HashMap::new(), subtrees: HashMap::new() }
    }

    /// The tree size this reader answers for.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hashes of tile `index` at tile level `level`, at this reader's tree size.
    pub fn tile(&mut self, level: u8, index: u64) -> Result<Arc<Vec<Hash>>, Error> {
        if let Some(t) = self.cache.get(&(level, index)) {
            return Ok(t.clone());
        }
        let width = width_at(level, index, self.size);
        let id = TileId::hashes(level, index, width);
        if width == 0 {
            return Err(Error::Missing { path: format!("tile/{level}/{index} (beyond tree size {})", self.size) });
        }
        let bytes = read_tile(self.storage, id)?;
        let hashes =
            Arc::new(parse_hash_tile(&bytes, width).map_err(|e| Error::Inconsistent(format!("{}: {e}", id.path())))?);
        if self.cache.len() >= TILE_CACHE_CAPACITY {
            self.cache.clear();
        }
        self.cache.insert((level, index), hashes.clone());
        Ok(hashes)
    }

    /// The root hash of the tree.
    pub fn root(&mut self) -> Result<Hash, Error> {
        let size = self.size;
        merkle::tree_root(self, size)
    }

    /// The inclusion proof of entry `index`.
    pub fn inclusion_proof(&mut self, index: u64) -> Result<Vec<Hash>, Error> {
        let size = self.size;
        merkle::inclusion_proof(self, index, size)
    }

    /// The consistency proof from the tree of `old` entries to this reader's tree.
    pub fn consistency_proof(&mut self, old: u64) -> Result<Vec<Hash>, Error> {
        let size = self.size;
        merkle::consistency_proof(self, old, size)
    }

    /// Calls `each(index, entry)` for every entry from `from` to the tree's end, in order,
    /// reading each entry bundle once (a follower that reads new entries one by one would
    /// fetch a bundle up to 256 times). Stops at the first bundle that cannot be read, with its
    /// error; the entries before it have been given.
    pub fn for_each_entry(&self, from: u64, mut each: impl FnMut(u64, &[u8])) -> Result<(), Error> {
        let mut index = from;
        while index < self.size {
            let bundle = index / TILE_WIDTH;
            let id = TileId::entries(bundle, width_at(0, bundle, self.size));
            let bytes = read_tile(self.storage, id)?;
            let entries = parse_bundle(&bytes)?;
            if entries.len() < usize::from(id.width) {
                return Err(Error::Inconsistent(format!("{} holds fewer than {} entries", id.path(), id.width)));
            }
            let end = bundle * TILE_WIDTH + u64::from(id.width);
            for i in index..end {
                each(i, entries[(i % TILE_WIDTH) as usize]);
            }
            index = end;
        }
        Ok(())
    }

    /// Calls `each(index, entry)` for each of `indexes` (ascending; an index out of order or past
    /// the tree's end is an error), reading each entry bundle that holds one of them once: the
    /// few records a step needs from a long log, without a read per record.
    pub fn for_each_entry_at(
        &self,
        indexes: impl IntoIterator<Item = u64>,
        mut each: impl FnMut(u64, &[u8]),
    ) -> Result<(), Error> {
        let mut wanted: Vec<u64> = Vec::new();
        for index in indexes {
            if index >= self.size {
                return Err(Error::Missing { path: format!("entry {index} (tree size {})", self.size) });
            }
            if wanted.last().is_some_and(|&l| l >= index) {
                return Err(Error::Inconsistent(format!("entry {index} asked for out of order")));
            }
            wanted.push(index);
        }
        for group in wanted.chunk_by(|a, b| a / TILE_WIDTH == b / TILE_WIDTH) {
            let bundle = group[0] / TILE_WIDTH;
            let id = TileId::entries(bundle, width_at(0, bundle, self.size));
            let bytes = read_tile(self.storage, id)?;
            let entries = parse_bundle(&bytes)?;
            for &index in group {
                let entry = entries.get((index % TILE_WIDTH) as usize).ok_or_else(|| {
                    Error::Inconsistent(format!("{} holds fewer than {} entries", id.path(), id.width))
                })?;
                each(index, entry);
            }
        }
        Ok(())
    }

    /// The entry at `index`, read from its entry bundle.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, Error> {
        if index >= self.size {
            return Err(Error::Missing { path: format!("entry {index} (tree size {})", self.size) });
        }
        let bundle = index / TILE_WIDTH;
        let id = TileId::entries(bundle, width_at(0, bundle, self.size));
        let bytes = read_tile(self.storage, id)?;
        let entries = parse_bundle(&bytes)?;
        entries
            .get((index % TILE_WIDTH) as usize)
            .map(|e| e.to_vec())
            .ok_or_else(|| Error::Inconsistent(format!("{} holds fewer than {} entries", id.path(), id.width)))
    }
}

impl SubtreeSource for TileReader<'_> {
    fn subtree(&mut self, level: u8, index: u64) -> Result<Hash, Error> {
        let tile_level = level / 8;
        if level % 8 == 0 {
            // A hash a tile holds as such.
            let tile = self.tile(tile_level, index / TILE_WIDTH)?;
            return tile.get((index % TILE_WIDTH) as usize).copied().ok_or_else(|| {
                Error::Inconsistent(format!(
                    "tile {tile_level}/{} is too short for subtree {level}/{index}",
                    index / TILE_WIDTH
                ))
            });
        }
        if let Some(h) = self.subtrees.get(&(level, index)) {
            return Ok(*h);
        }
        // Hashed from its two halves, each remembered: a tile's 255 inner nodes are hashed
        // once for all the proofs through it.
        let left = self.subtree(level - 1, 2 * index)?;
        let right = self.subtree(level - 1, 2 * index + 1)?;
        let h = node_hash(&left, &right);
        if self.subtrees.len() >= SUBTREE_CACHE_CAPACITY {
            self.subtrees.clear();
        }
        self.subtrees.insert((level, index), h);
        Ok(h)
    }
}
