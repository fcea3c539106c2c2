//! Incremental verification: a signed checkpoint checked against a tree verified before, by
//! reading only what the new tree has that the old one did not — the entry bundles and hash
//! tiles past the old tree's right edge, each once — and keeping only the old tree's
//! [`Frontier`] between runs. Without an old tree it checks the whole log the same way.
//!
//! What it proves, once it returns `Ok`:
//! - every entry of every bundle read hashes to its place in its level-0 tile;
//! - every hash of every tile read is either the hash of the full tile below it (read too), or
//!   lies in the part of a grown tile that the old tree already had, where it must give back
//!   the old frontier's subtree hashes;
//! - the root of the new tree, from the tiles read and the old frontier where a tile did not
//!   change, is the signed one — so the signed tree holds the old frontier's subtrees at their
//!   places: it extends the old tree. An RFC 9162 consistency proof, built from the same hashes
//!   in memory (no read), is verified too.
//!
//! Entries and tiles wholly inside the old tree are not read again: a verifier that keeps a
//! frontier relies on the consistency of each new checkpoint with it, not on rereading.
//! Memory stays flat: one bundle at a time and at most two tiles per tile level.

use crate::checkpoint::Checkpoint;
use crate::error::Error;
use crate::frontier::{Frontier, subtrees};
use crate::hash::{Hash, leaf_hash, subtree_root};
use crate::merkle::{self, SubtreeSource};
use crate::note::Verifier;
use crate::reader::read_tile;
use crate::storage::ReadStorage;
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, TileId, parse_bundle, parse_hash_tile, width_at};

/// A tree verified before: its signed checkpoint and its frontier, which agree.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Verified {
    checkpoint: Checkpoint,
    frontier: Frontier,
}

impl Verified {
    /// Pairs a checkpoint (whose signature the caller checked) with a frontier kept for it;
    /// refused unless the frontier has the checkpoint's size and gives its root.
    pub fn new(checkpoint: Checkpoint, frontier: Frontier) -> Result<Verified, Error> {
        if frontier.size() != checkpoint.size || frontier.root() != checkpoint.root {
            return Err(Error::Inconsistent(format!(
                "the frontier kept for size {} does not give the root of the checkpoint of size {}",
                frontier.size(),
                checkpoint.size
            )));
        }
        Ok(Verified { checkpoint, frontier })
    }

    /// The verified checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// Its tree's frontier, to verify the next checkpoint from.
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }
}

/// What a successful [`verify_extension`] covered.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Extension {
    /// The new checkpoint and its frontier: the base of the next check.
    pub verified: Verified,
    /// Entries read and rehashed: the new ones, and the old ones sharing a bundle with them.
    pub entries: u64,
    /// Hash tiles read and checked (entry bundles not counted).
    pub tiles: u64,
}

/// Verifies the signed `checkpoint` from `base` (or the whole log, with none), reading only the
/// bundles and tiles the new tree has that the base's did not (see the module documentation).
///
/// `each_new_entry(index, entry)` gets every entry past the base, in order, as its bundle is
/// read — before the rest of the tree is checked: act on them only once this returns `Ok`.
///
/// Errors: [`Error::NotExtending`] when the signed tree, as the log's tiles show it, does not
/// extend the base (a rollback, or another history under the same key); [`Error::Inconsistent`]
/// when the log's entries or tiles do not give the signed checkpoint; [`Error::Note`] for a bad
/// signature; [`Error::Missing`]/[`Error::Io`] when a resource cannot be read.
pub fn verify_extension(
    storage: &dyn ReadStorage,
    verifier: &Verifier,
    base: Option<&Verified>,
    checkpoint: &[u8],
    each_new_entry: &mut dyn FnMut(u64, &[u8]),
) -> Result<Extension, Error> {
    let cp = Checkpoint::open(checkpoint, verifier)?;
    let empty = Frontier::empty();
    let (old, old_root) = match base {
        Some(b) => (b.frontier(), b.checkpoint().root),
        None => (&empty, empty.root()),
    };
    let (n, m) = (old.size(), cp.size);
    if m < n {
        return Err(Error::NotExtending { old: n, new: m, why: format!("the log shrank from {n} to {m} entries") });
    }
    let mut walk = Walk { storage, old, size: m, levels: Vec::new(), forked: None, tiles: 0 };
    let mut entries = 0;
    // Bundles from the one the old tree ends in; a bundle of unchanged width (the old tree's
    // last, when nothing was added) is the old tree's and is not read.
    for bundle in n / TILE_WIDTH..m.div_ceil(TILE_WIDTH) {
        let width = width_at(0, bundle, m);
        if width == width_at(0, bundle, n) {
            continue;
        }
        let id = TileId::entries(bundle, width);
        let bytes = read_tile(storage, id)?;
        let bundled = parse_bundle(&bytes).map_err(|e| Error::Inconsistent(format!("{}: {e}", id.path())))?;
        if bundled.len() != usize::from(width) {
            return Err(Error::Inconsistent(format!(
                "{} holds {} entries, the tree size needs {width}",
                id.path(),
                bundled.len()
            )));
        }
        let tile_id = TileId::hashes(0, bundle, width);
        let hashes = walk.read(tile_id)?;
        let first = bundle * TILE_WIDTH;
        for (i, (entry, h)) in bundled.iter().zip(&hashes).enumerate() {
            if leaf_hash(entry) != *h {
                return Err(Error::Inconsistent(format!(
                    "entry {} (in {}) does not hash to hash {i} of {}",
                    first + i as u64,
                    id.path(),
                    tile_id.path()
                )));
            }
        }
        entries += bundled.len() as u64;
        walk.accept(0, bundle, hashes)?;
        for (i, entry) in bundled.iter().enumerate().skip(n.saturating_sub(first) as usize) {
            each_new_entry(first + i as u64, entry);
        }
    }

    let frontier = walk.frontier()?;
    let root = frontier.root();
    if n == 0 {
        if root != cp.root {
            return Err(Error::Inconsistent(format!(
                "the tiles give root {root} but the checkpoint signs {}",
                cp.root
            )));
        }
    } else {
        let differs = match walk.forked.take() {
            Some(why) => Some(why),
            None if root != cp.root => {
                Some("the tree verified before, grown by the tiles read, does not give the signed root".to_string())
            }
            None => walk.consistency(n, &old_root, &cp.root).err(),
        };
        if let Some(why) = differs {
            // Something differs from the base. Whether the log's tiles give its signed
            // checkpoint says which side is wrong: if they do not, the log's tiles are; if
            // they do, the signed tree itself is another history.
            Frontier::from_tiles(storage, &cp)?;
            return Err(Error::NotExtending { old: n, new: m, why });
        }
    }
    Ok(Extension { verified: Verified { checkpoint: cp, frontier }, entries, tiles: walk.tiles })
}

/// A tile held in memory.
struct Tile {
    index: u64,
    hashes: Vec<Hash>,
}

/// The tiles kept at one tile level: the first read (where the old tree ends, which the
/// consistency proof needs) and the last read (the right edge, which the root needs).
#[derive(Default)]
struct Level {
    first: Option<Tile>,
    last: Option<Tile>,
}

/// The walk over the new tiles, bottom-up as the bundles come, one tile per level at a time.
struct Walk<'a> {
    storage: &'a dyn ReadStorage,
    old: &'a Frontier,
    /// The new tree's size.
    size: u64,
    levels: Vec<Level>,
    /// Why a grown tile does not start with the old tree, if one does not.
    forked: Option<String>,
    /// Hash tiles read.
    tiles: u64,
}

impl Walk<'_> {
    /// Reads and parses one hash tile.
    fn read(&mut self, id: TileId) -> Result<Vec<Hash>, Error> {
        let bytes = read_tile(self.storage, id)?;
        self.tiles += 1;
        parse_hash_tile(&bytes, id.width).map_err(|e| Error::Inconsistent(format!("{}: {e}", id.path())))
    }

    /// Takes in tile `index` at `level` as read: the part the old tree had must give the old
    /// frontier's subtrees there, and a full tile's hash must be in the tile above it.
    fn accept(&mut self, level: u8, index: u64, hashes: Vec<Hash>) -> Result<(), Error> {
        let low = u32::from(level) * TILE_HEIGHT;
        let old = self.old;
        if self.forked.is_none() && width_at(level, index, old.size()) > 0 {
            // The old frontier's subtrees with heights in this tile level all lie in this tile.
            let here = old.entries().filter(|(h, ..)| u32::from(*h) / TILE_HEIGHT == u32::from(level));
            for (height, at, expected) in here {
                let (first, count) = in_tile(height, at, low);
                let got = hashes.get(first..first + count).map(subtree_root);
                if got != Some(expected) {
                    self.forked = Some(format!(
                        "{} does not hold the tree verified before (its subtree of {count} hashes at {first} differs)",
                        TileId::hashes(level, index, hashes.len() as u16).path()
                    ));
                    break;
                }
            }
        }
        if hashes.len() as u64 == TILE_WIDTH {
            self.check(level + 1, index, subtree_root(&hashes), level, index)?;
        }
        let at = self.level(level);
        if at.first.is_none() {
            at.first = Some(Tile { index, hashes: hashes.clone() });
        }
        at.last = Some(Tile { index, hashes });
        Ok(())
    }

    /// Checks that hash `position` at `level` is `hash`, the root of full tile `child` at
    /// `child_level`, reading the tile holding it when the walk reaches it. Positions come in
    /// order, so each tile is read once.
    fn check(&mut self, level: u8, position: u64, hash: Hash, child_level: u8, child: u64) -> Result<(), Error> {
        let index = position / TILE_WIDTH;
        if self.level(level).last.as_ref().is_none_or(|t| t.index != index) {
            let id = TileId::hashes(level, index, width_at(level, index, self.size));
            let hashes = self.read(id)?;
            self.accept(level, index, hashes)?;
        }
        let j = (position % TILE_WIDTH) as usize;
        let held = self.level(level).last.as_ref().and_then(|t| t.hashes.get(j).copied());
        if held != Some(hash) {
            let width = width_at(level, index, self.size);
            return Err(Error::Inconsistent(format!(
                "hash {j} of {} is not the hash of tile {}",
                TileId::hashes(level, index, width).path(),
                TileId::hashes(child_level, child, TILE_WIDTH as u16).path()
            )));
        }
        Ok(())
    }

    fn level(&mut self, level: u8) -> &mut Level {
        let l = usize::from(level);
        if self.levels.len() <= l {
            self.levels.resize_with(l + 1, Level::default);
        }
        &mut self.levels[l]
    }

    /// The new tree's frontier: from the right-edge tiles read, and from the old frontier at
    /// the levels where the right-edge tile did not change.
    fn frontier(&mut self) -> Result<Frontier, Error> {
        let hashes = subtrees(self.size).map(|(l, i)| self.subtree(l, i)).collect::<Result<Vec<_>, _>>()?;
        Frontier::new(self.size, hashes)
    }

    /// Verifies the RFC 9162 consistency proof from the old tree, built from the tiles held
    /// and the old frontier.
    fn consistency(&mut self, old: u64, old_root: &Hash, new_root: &Hash) -> Result<(), String> {
        let size = self.size;
        let proof = merkle::consistency_proof(self, old, size).map_err(|e| e.to_string())?;
        merkle::verify_consistency(old, size, old_root, new_root, &proof).map_err(|e| e.to_string())
    }
}

impl SubtreeSource for Walk<'_> {
    /// From a tile held (the log's, as read) or else the old frontier; the walk holds every
    /// subtree the new root and the consistency proof need (the new tree's frontier lies in
    /// the right-edge tiles, the proof's other hashes in the tiles where the old tree ends).
    fn subtree(&mut self, level: u8, index: u64) -> Result<Hash, Error> {
        let tile_level = u32::from(level) / TILE_HEIGHT;
        let (first, count) = in_tile(level, index, tile_level * TILE_HEIGHT);
        let tile = (index << (u32::from(level) - tile_level * TILE_HEIGHT)) / TILE_WIDTH;
        let held = self.levels.get(tile_level as usize).into_iter().flat_map(|l| [&l.first, &l.last]).flatten();
        for t in held {
            if let (true, Some(hashes)) = (t.index == tile, t.hashes.get(first..first + count)) {
                return Ok(subtree_root(hashes));
            }
        }
        self.old.get(level, index).ok_or_else(|| {
            Error::Inconsistent(format!("subtree {level}/{index} is neither in a tile read nor in the frontier"))
        })
    }
}

/// Where complete subtree `index` at tree level `height` lies in its tile at the tile level
/// whose lowest tree level is `low`: its first hash there and how many hashes it spans.
fn in_tile(height: u8, index: u64, low: u32) -> (usize, usize) {
    let within = u32::from(height) - low;
    let first = ((index << within) % TILE_WIDTH) as usize;
    (first, 1usize << within)
}
