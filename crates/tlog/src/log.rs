//! The log writer: integrates batches of entries into tiles and signs checkpoints.
//!
//! Life of a batch: every entry is checked against the size limit first (a bad batch
//! writes nothing); then entries go into the rightmost entry bundle and their leaf hashes
//! into the rightmost level-0 tile; a tile that fills up is written whole and its subtree
//! hash moves up a level. The rightmost partial tile of every level that changed is written
//! under its `.p/W` name, the new root is computed from the partial tiles, a checkpoint is
//! signed, and storage commits it all, checkpoint last. Only then does the batch get its
//! indexes.
//!
//! Recovery is the same code as opening: the durable checkpoint says the size, the partial
//! tiles at that size give the right edge of the tree, and the root they give must equal
//! the checkpoint's. Anything written past the checkpoint by an interrupted commit is
//! ignored and later overwritten; those appends never returned.

use std::ops::Range;

use crate::checkpoint::Checkpoint;
use crate::error::Error;
use crate::hash::{HASH_SIZE, Hash, empty_root, leaf_hash, node_hash};
use crate::note::Signer;
use crate::reader::read_tile;
use crate::storage::{CHECKPOINT_PATH, Object, Storage};
use crate::tile::{
    MAX_ENTRY_SIZE, TILE_WIDTH, TileId, hashes_at_level, parse_bundle, parse_hash_tile, push_bundle_entry, top_level,
};

/// The single writer of a log.
pub struct LogWriter<S: Storage> {
    storage: S,
    signer: Signer,
    state: State,
    // Set when a commit failed and the state could not be reloaded from storage.
    failed: Option<String>,
    // Commits (signed checkpoints) made by this writer since it was opened.
    commits: u64,
}

/// The writer's in-memory view of the durable log.
#[derive(Default)]
struct State {
    size: u64,
    // The rightmost partial tile of every tile level, fewer than 256 hashes each.
    edge: Vec<EdgeTile>,
    // The rightmost partial entry bundle, encoded.
    bundle: Vec<u8>,
    root: Hash,
    checkpoint: Vec<u8>,
}

/// The rightmost, partial tile of one level, with its compact range: the hashes of the
/// complete subtrees it splits into, largest first. Keeping the range as hashes arrive
/// costs the same node hashes a full tile's subtree hash needs anyway, and makes the tree
/// root a matter of folding a few hashes instead of rehashing every partial tile.
#[derive(Default, Clone)]
struct EdgeTile {
    hashes: Vec<Hash>,
    // (height, hash) of complete subtrees, heights strictly decreasing.
    range: Vec<(u32, Hash)>,
}

impl EdgeTile {
    /// Adds a hash; when the tile becomes full, empties it and returns its hashes and the
    /// subtree hash over them.
    fn push(&mut self, h: Hash) -> Option<(Vec<Hash>, Hash)> {
        self.hashes.push(h);
        let mut node = (0u32, h);
        while let Some(&(height, left)) = self.range.last() {
            if height != node.0 {
                break;
            }
            self.range.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.range.push(node);
        if self.hashes.len() as u64 == TILE_WIDTH {
            let full = std::mem::replace(&mut self.hashes, Vec::with_capacity(TILE_WIDTH as usize));
            self.range.clear();
            return Some((full, node.1));
        }
        None
    }
}

impl<S: Storage> LogWriter<S> {
    /// Creates a new, empty log and signs its first checkpoint (size 0).
    ///
    /// The origin is the signer's key name. Refuses storage that already has a checkpoint.
    pub fn create(mut storage: S, signer: Signer) -> Result<LogWriter<S>, Error> {
        if storage.read(CHECKPOINT_PATH)?.is_some() {
            return Err(Error::AlreadyExists(CHECKPOINT_PATH.into()));
        }
        let root = empty_root();
        let cp = Checkpoint { origin: signer.name().to_string(), size: 0, root, extensions: vec![] };
        let checkpoint = cp.sign(&signer)?.into_bytes();
        storage.commit(&[], &checkpoint)?;
        let state = State { root, checkpoint, ..State::default() };
        Ok(LogWriter { storage, signer, state, failed: None, commits: 0 })
    }

    /// Opens an existing log, recovering its state from the latest durable checkpoint.
    pub fn open(storage: S, signer: Signer) -> Result<LogWriter<S>, Error> {
        let state = recover(&storage, &signer)?;
        Ok(LogWriter { storage, signer, state, failed: None, commits: 0 })
    }

    /// Number of entries in the log (as of the latest checkpoint).
    pub fn size(&self) -> u64 {
        self.state.size
    }

    /// Root hash at the latest checkpoint.
    pub fn root(&self) -> Hash {
        self.state.root
    }

    /// The latest signed checkpoint, as stored.
    pub fn checkpoint(&self) -> &[u8] {
        &self.state.checkpoint
    }

    /// The log's origin (its key name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// Number of batches this writer has committed since it was created or opened.
    pub fn commits(&self) -> u64 {
        self.commits
    }

    /// The storage, for reading.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Gives the storage back (releasing the writer lock where there is one).
    pub fn into_storage(self) -> S {
        self.storage
    }

    /// Appends a batch of entries and returns their indexes once they are durable.
    ///
    /// All entries are checked first: an entry over 65,535 bytes fails the whole batch and
    /// nothing is written. An empty batch returns an empty range and signs nothing.
    pub fn append<E: AsRef<[u8]>>(&mut self, entries: &[E]) -> Result<Range<u64>, Error> {
        if let Some(why) = &self.failed {
            return Err(Error::Poisoned(why.clone()));
        }
        check_entry_sizes(entries)?;
        let start = self.state.size;
        if entries.is_empty() {
            return Ok(start..start);
        }
        let mut batch = Batch { objects: Vec::new(), dirty: vec![false; self.state.edge.len()], bundle_dirty: false };
        for e in entries {
            self.add_entry(e.as_ref(), &mut batch)?;
        }
        self.flush_partials(&mut batch);
        self.state.root = edge_root(&self.state.edge);
        let cp = Checkpoint {
            origin: self.signer.name().to_string(),
            size: self.state.size,
            root: self.state.root,
            extensions: vec![],
        };
        let signed = cp.sign(&self.signer)?.into_bytes();
        if let Err(e) = self.storage.commit(&batch.objects, &signed) {
            // Storage may hold the old or the new checkpoint; reload to find out which.
            match recover(&self.storage, &self.signer) {
                Ok(state) => self.state = state,
                Err(reload) => self.failed = Some(format!("{e}; reloading failed: {reload}")),
            }
            return Err(e);
        }
        self.state.checkpoint = signed;
        self.commits += 1;
        Ok(start..self.state.size)
    }

    fn add_entry(&mut self, entry: &[u8], batch: &mut Batch) -> Result<(), Error> {
        push_bundle_entry(&mut self.state.bundle, entry)?;
        self.state.size += 1;
        if self.state.size.is_multiple_of(TILE_WIDTH) {
            let id = TileId::entries(self.state.size / TILE_WIDTH - 1, TILE_WIDTH as u16);
            // The next bundle will likely be as large as this one: size it so it never regrows.
            let next = Vec::with_capacity(self.state.bundle.len() + self.state.bundle.len() / 8);
            batch.objects.push(Object { path: id.path(), data: std::mem::replace(&mut self.state.bundle, next) });
            batch.bundle_dirty = false;
        } else {
            batch.bundle_dirty = true;
        }
        self.push_hash(0, leaf_hash(entry), batch);
        Ok(())
    }

    /// Adds a hash to the rightmost tile of `level`, writing the tile and carrying its
    /// subtree hash up when it fills.
    fn push_hash(&mut self, level: u8, hash: Hash, batch: &mut Batch) {
        let l = usize::from(level);
        if self.state.edge.len() <= l {
            self.state.edge.push(EdgeTile::default());
            batch.dirty.push(false);
        }
        if let Some((tile, up)) = self.state.edge[l].push(hash) {
            let index = hashes_at_level(level, self.state.size) / TILE_WIDTH - 1;
            let path = TileId::hashes(level, index, TILE_WIDTH as u16).path();
            batch.objects.push(Object { path, data: tile_bytes(&tile) });
            batch.dirty[l] = false;
            self.push_hash(level + 1, up, batch);
        } else {
            batch.dirty[l] = true;
        }
    }

    /// Writes the partial tiles and bundle this batch changed; the new checkpoint needs them.
    fn flush_partials(&self, batch: &mut Batch) {
        let size = self.state.size;
        for (l, tile) in self.state.edge.iter().enumerate() {
            if batch.dirty[l] && !tile.hashes.is_empty() {
                let level = l as u8;
                let id = TileId::hashes(level, hashes_at_level(level, size) / TILE_WIDTH, tile.hashes.len() as u16);
                batch.objects.push(Object { path: id.path(), data: tile_bytes(&tile.hashes) });
            }
        }
        if batch.bundle_dirty {
            let id = TileId::entries(size / TILE_WIDTH, (size % TILE_WIDTH) as u16);
            batch.objects.push(Object { path: id.path(), data: self.state.bundle.clone() });
        }
    }
}

impl LogWriter<crate::storage::DirStorage> {
    /// Publishes the latest checkpoint with `cosignatures` (witness signature lines, each
    /// ending in a newline) added after the log's own signature. For a held log this is what
    /// readers see; for a log that publishes as it goes it adds the lines to the served one.
    pub fn publish_checkpoint(&self, cosignatures: &[String]) -> Result<Vec<u8>, Error> {
        let mut bytes = self.state.checkpoint.clone();
        for line in cosignatures {
            if !line.starts_with('\u{2014}') || !line.ends_with('\n') || line[..line.len() - 1].contains('\n') {
                return Err(Error::malformed("cosignature line", format!("{line:?} is not one signature line")));
            }
            bytes.extend_from_slice(line.as_bytes());
        }
        self.storage.publish_checkpoint(&bytes)?;
        Ok(bytes)
    }
}

/// What one batch writes.
struct Batch {
    objects: Vec<Object>,
    // Which levels' partial tiles changed in this batch.
    dirty: Vec<bool>,
    bundle_dirty: bool,
}

/// Checks every entry of a batch against the bundle size limit.
pub fn check_entry_sizes<E: AsRef<[u8]>>(entries: &[E]) -> Result<(), Error> {
    match entries.iter().position(|e| e.as_ref().len() > MAX_ENTRY_SIZE) {
        Some(index) => Err(Error::EntryTooLarge { index, len: entries[index].as_ref().len() }),
        None => Ok(()),
    }
}

fn tile_bytes(hashes: &[Hash]) -> Vec<u8> {
    let mut b = Vec::with_capacity(hashes.len() * HASH_SIZE);
    for h in hashes {
        b.extend_from_slice(&h.0);
    }
    b
}

/// The tree root from the right edge: the complete subtrees of every level's partial tile,
/// top level first (left to right in the tree), folded from the right.
fn edge_root(edge: &[EdgeTile]) -> Hash {
    let mut subtrees: Vec<Hash> = edge.iter().rev().flat_map(|t| t.range.iter().map(|&(_, h)| h)).collect();
    let Some(last) = subtrees.pop() else { return empty_root() };
    subtrees.iter().rev().fold(last, |acc, h| node_hash(h, &acc))
}

/// Rebuilds the writer state from the durable checkpoint and the partial tiles at its size.
fn recover<S: Storage>(storage: &S, signer: &Signer) -> Result<State, Error> {
    let checkpoint = storage.read(CHECKPOINT_PATH)?.ok_or_else(|| Error::Missing { path: CHECKPOINT_PATH.into() })?;
    let cp = Checkpoint::open(&checkpoint, &signer.verifier())?;
    let size = cp.size;
    let mut edge = Vec::new();
    if let Some(top) = top_level(size) {
        for level in 0..=top {
            let n = hashes_at_level(level, size);
            let width = (n % TILE_WIDTH) as u16;
            let mut tile = EdgeTile::default();
            if width > 0 {
                let id = TileId::hashes(level, n / TILE_WIDTH, width);
                let hashes = parse_hash_tile(&read_tile(storage, id)?, width)
                    .map_err(|e| Error::Inconsistent(format!("{}: {e}", id.path())))?;
                // Fewer than 256 hashes: pushing them never completes the tile.
                for h in hashes {
                    tile.push(h);
                }
            }
            edge.push(tile);
        }
    }
    let mut bundle = Vec::new();
    let width = (size % TILE_WIDTH) as u16;
    if width > 0 {
        let id = TileId::entries(size / TILE_WIDTH, width);
        let bytes = read_tile(storage, id)?;
        let entries = parse_bundle(&bytes).map_err(|e| Error::Inconsistent(format!("{}: {e}", id.path())))?;
        if entries.len() != usize::from(width) {
            return Err(Error::Inconsistent(format!("{} holds {} entries, not {width}", id.path(), entries.len())));
        }
        for (i, e) in entries.iter().enumerate() {
            if leaf_hash(e) != edge[0].hashes[i] {
                return Err(Error::Inconsistent(format!(
                    "entry {} in {} does not match its level-0 tile hash",
                    size - u64::from(width) + i as u64,
                    id.path()
                )));
            }
            push_bundle_entry(&mut bundle, e)?;
        }
    }
    let root = edge_root(&edge);
    if root != cp.root {
        return Err(Error::Inconsistent(format!(
            "the tiles at size {size} give root {root} but the checkpoint signs {}",
            cp.root
        )));
    }
    Ok(State { size, edge, bundle, root, checkpoint })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MemoryTree;
    use crate::reader::TileReader;
    use crate::storage::MemStorage;

    fn writer() -> (LogWriter<MemStorage>, MemStorage) {
        let mem = MemStorage::new();
        let signer = Signer::generate("test.example/log").expect("key");
        (LogWriter::create(mem.clone(), signer).expect("create"), mem)
    }

    #[test]
    fn root_matches_reference_across_tile_boundaries() {
        let (mut w, mem) = writer();
        let mut reference = MemoryTree::default();
        let mut n = 0u64;
        // Batches of awkward sizes cross level-0 and level-1 tile boundaries.
        for batch in [1usize, 254, 1, 300, 65_000, 536, 7] {
            let entries: Vec<Vec<u8>> = (0..batch).map(|i| format!("e{}", n + i as u64).into_bytes()).collect();
            for e in &entries {
                reference.push(leaf_hash(e));
            }
            let r = w.append(&entries).expect("append");
            assert_eq!(r, n..n + batch as u64);
            n += batch as u64;
            assert_eq!(w.root(), crate::merkle::tree_root(&mut reference, n).expect("ref root"), "size {n}");
            assert_eq!(TileReader::new(&mem, n).root().expect("tile root"), w.root());
        }
    }

    #[test]
    fn reopen_recovers_the_same_state() {
        let (mut w, mem) = writer();
        w.append(&[b"a".as_slice(), b"b", b"c"]).expect("append");
        let signer = Signer::from_private_key(&w.signer.to_private_key()).expect("key");
        let root = w.root();
        let mut w2 = LogWriter::open(mem.clone(), signer).expect("open");
        assert_eq!((w2.size(), w2.root()), (3, root));
        w2.append(&[b"d"]).expect("append");
        let mut reference = MemoryTree::new([b"a", b"b", b"c", b"d"].iter().map(|e| leaf_hash(*e)).collect());
        assert_eq!(w2.root(), crate::merkle::tree_root(&mut reference, 4).expect("root"));
    }

    #[test]
    fn oversized_entry_fails_the_batch_and_writes_nothing() {
        let (mut w, mem) = writer();
        let before = mem.snapshot();
        let big = vec![0u8; MAX_ENTRY_SIZE + 1];
        let err = w.append(&[b"ok".to_vec(), big]).expect_err("too large");
        assert!(matches!(err, Error::EntryTooLarge { index: 1, len: 65536 }), "{err}");
        assert_eq!(mem.snapshot(), before);
        assert_eq!(w.size(), 0);
        w.append(&[vec![1u8; MAX_ENTRY_SIZE]]).expect("the largest entry fits");
    }

    #[test]
    fn create_refuses_an_existing_log() {
        let (_, mem) = writer();
        let err = LogWriter::create(mem, Signer::generate("test.example/log").expect("key")).err().expect("refused");
        assert!(matches!(err, Error::AlreadyExists(_)));
    }

    #[test]
    fn open_refuses_a_checkpoint_signed_by_another_key() {
        let (_, mem) = writer();
        let other = Signer::generate("test.example/log").expect("key");
        assert!(matches!(LogWriter::open(mem, other).err(), Some(Error::Note(_))));
    }
}
