//! Incremental verification: from any verified size to any later one it reads exactly the
//! bundles and tiles the later tree has that the earlier did not, each once, and gives the
//! same frontier as a check from scratch; what it does not reread, it does not vouch for; a
//! changed new entry or tile, a fork and a rollback are each told apart.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use tlog::tile::{TileKind, tiles_of, top_level};
use tlog::{
    Checkpoint, Error, Frontier, LogWriter, MemStorage, Object, ReadStorage, Signer, Storage, Verified,
    verify_extension,
};

/// Storage that records every read.
#[derive(Clone)]
struct Counting {
    inner: MemStorage,
    reads: Arc<Mutex<Vec<String>>>,
}

impl Counting {
    fn new() -> Counting {
        Counting { inner: MemStorage::new(), reads: Arc::new(Mutex::new(Vec::new())) }
    }

    fn take_reads(&self) -> Vec<String> {
        std::mem::take(&mut *self.reads.lock().expect("lock"))
    }
}

impl ReadStorage for Counting {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        self.reads.lock().expect("lock").push(path.to_string());
        self.inner.read(path)
    }
}

impl Storage for Counting {
    fn commit(&mut self, objects: &[Object], checkpoint: &[u8]) -> Result<(), Error> {
        self.inner.commit(objects, checkpoint)
    }
}

const ORIGIN: &str = "extend.example/log";

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// A log whose signed checkpoint at each size in `sizes` is kept (it appends up to each).
struct Log {
    storage: Counting,
    signer: Signer,
    writer: LogWriter<Counting>,
    checkpoints: Vec<(u64, Vec<u8>)>,
}

impl Log {
    fn new() -> Log {
        let storage = Counting::new();
        let signer = Signer::generate(ORIGIN).expect("key");
        let key = Signer::from_private_key(&signer.to_private_key()).expect("key");
        let writer = LogWriter::create(storage.clone(), key).expect("log");
        let checkpoints = vec![(0, writer.checkpoint().to_vec())];
        Log { storage, signer, writer, checkpoints }
    }

    fn grow_to(&mut self, size: u64) {
        let entries: Vec<Vec<u8>> = (self.writer.size()..size).map(entry).collect();
        self.writer.append(&entries).expect("append");
        self.checkpoints.push((size, self.writer.checkpoint().to_vec()));
    }

    fn checkpoint(&self, size: u64) -> &[u8] {
        &self.checkpoints.iter().find(|(s, _)| *s == size).expect("a checkpoint at that size").1
    }

    /// What a verifier keeps having checked the log at `size` (read from its right edge).
    fn verified(&self, size: u64) -> Verified {
        let cp = Checkpoint::open(self.checkpoint(size), &self.signer.verifier()).expect("open");
        let frontier = Frontier::from_tiles(&self.storage.inner, &cp).expect("frontier");
        Verified::new(cp, frontier).expect("verified")
    }
}

/// Every bundle and hash tile path of the tree of `size` entries.
fn paths(size: u64) -> BTreeSet<String> {
    let levels = top_level(size).map_or(0, |l| l + 1);
    let kinds = std::iter::once(TileKind::Entries).chain((0..levels).map(|level| TileKind::Hashes { level }));
    kinds.flat_map(|k| tiles_of(k, size)).map(|t| t.path()).collect()
}

/// Verifies `m` from `n` (from nothing when `n` is `None`), checking what was read and given.
fn check(log: &Log, n: Option<u64>, m: u64) {
    let base = n.map(|n| log.verified(n));
    let from = n.unwrap_or(0);
    log.storage.take_reads();
    let mut given = Vec::new();
    let ext = verify_extension(&log.storage, &log.signer.verifier(), base.as_ref(), log.checkpoint(m), &mut |i, e| {
        given.push((i, e.to_vec()))
    })
    .unwrap_or_else(|e| panic!("{from} → {m}: {e}"));
    let reads = log.storage.take_reads();
    let expected: Vec<String> = paths(m).difference(&paths(from)).cloned().collect();
    let mut sorted = reads.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{from} → {m}: read exactly what is new, each once");
    assert_eq!(given.len() as u64, m - from, "{from} → {m}");
    assert!(given.iter().zip(from..).all(|((i, e), want)| *i == want && *e == entry(want)), "{from} → {m}");
    assert_eq!(ext.verified, log.verified(m), "{from} → {m}: the frontier a check from the tiles gives");
}

#[test]
fn from_any_verified_size_it_reads_exactly_what_is_new() {
    let sizes = [
        0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 100, 255, 256, 257, 258, 300, 383, 384, 511, 512, 513, 599, 600, 767, 768,
        1024, 1100,
    ];
    let mut log = Log::new();
    for &s in &sizes[1..] {
        log.grow_to(s);
    }
    for (i, &n) in sizes.iter().enumerate() {
        for &m in &sizes[i..] {
            check(&log, Some(n), m);
        }
        check(&log, None, n);
    }
}

#[test]
fn across_the_second_tile_level_it_reads_exactly_what_is_new() {
    // 65,536 entries fill a level-1 tile: the first level-2 hash appears.
    let sizes = [65_000, 65_535, 65_536, 65_537, 65_536 + 256 * 3 + 7, 131_072 + 1, 131_072 + 300];
    let mut log = Log::new();
    for s in sizes {
        log.grow_to(s);
    }
    for pair in sizes.windows(2) {
        check(&log, Some(pair[0]), pair[1]);
    }
    check(&log, Some(sizes[0]), sizes[sizes.len() - 1]);
}

/// The outcome of verifying 900 from 300 after `change` (run on the storage after the log grew).
fn after(change: fn(&MemStorage)) -> Result<(), Error> {
    let mut log = Log::new();
    log.grow_to(300);
    log.grow_to(900);
    change(&log.storage.inner);
    let base = log.verified(300);
    verify_extension(&log.storage, &log.signer.verifier(), Some(&base), log.checkpoint(900), &mut |_, _| {}).map(|_| ())
}

/// Flips one bit of byte `at` of the resource at `path`.
fn flip(storage: &MemStorage, path: &str, at: usize) {
    let mut bytes = storage.read(path).expect("read").expect("present");
    bytes[at] ^= 1;
    storage.put(path, bytes);
}

/// Byte offset of entry `i` of the bundle `entries` (all entries "entry N" of known length).
fn entry_offset(first: u64, i: u64) -> usize {
    (first..i).map(|j| 2 + entry(j).len()).sum::<usize>() + 2
}

#[test]
fn each_change_is_found_or_said_to_be_out_of_reach() {
    type Row = (&'static str, fn(&MemStorage), Option<&'static str>);
    let rows: [Row; 6] = [
        (
            "a new entry",
            |s| flip(s, "tile/entries/002", entry_offset(512, 600)),
            Some("entry 600 (in tile/entries/002)"),
        ),
        (
            "an old entry in a bundle that grew (reread with it)",
            |s| flip(s, "tile/entries/001", entry_offset(256, 290)),
            Some("entry 290"),
        ),
        ("a new hash in a level-0 tile", |s| flip(s, "tile/0/002", 32 * 7), Some("hash 7 of tile/0/002")),
        (
            "the old part of a grown level-1 tile",
            |s| flip(s, "tile/1/000.p/3", 0),
            Some("the tiles at size 900 give root"),
        ),
        (
            "the new part of a grown level-1 tile",
            |s| flip(s, "tile/1/000.p/3", 32 * 2),
            Some("hash 2 of tile/1/000.p/3"),
        ),
        // Not reread: the base vouches for it (and a monitor for its consistency, not its bytes).
        ("an old entry in a bundle that did not change", |s| flip(s, "tile/entries/000", 9), None),
    ];
    for (what, change, expect) in rows {
        match (after(change), expect) {
            (Ok(()), None) => {}
            (Err(e @ Error::Inconsistent(_)), Some(text)) if e.to_string().contains(text) => {}
            (got, _) => panic!("{what}: {got:?}, expected {expect:?}"),
        }
    }
}

#[test]
fn another_history_under_the_same_key_does_not_extend_the_base() {
    let mut honest = Log::new();
    honest.grow_to(300);
    let base = honest.verified(300);
    // Forks that differ in an old full tile, in the old partial tile, and at the same size.
    for (differs_at, size) in [(5u64, 900u64), (290, 900), (290, 300), (5, 301)] {
        let storage = MemStorage::new();
        let key = Signer::from_private_key(&honest.signer.to_private_key()).expect("key");
        let mut fork = LogWriter::create(storage.clone(), key).expect("fork");
        let entries: Vec<Vec<u8>> =
            (0..size).map(|i| if i == differs_at { b"forked".to_vec() } else { entry(i) }).collect();
        fork.append(&entries).expect("append");
        let got = verify_extension(&storage, &honest.signer.verifier(), Some(&base), fork.checkpoint(), &mut |_, _| {});
        assert!(
            matches!(got, Err(Error::NotExtending { old: 300, new, .. }) if new == size),
            "fork at {differs_at}, size {size}: {got:?}"
        );
    }
}

#[test]
fn a_rollback_does_not_extend_the_base_and_a_mismatched_frontier_is_refused() {
    let mut log = Log::new();
    log.grow_to(300);
    log.grow_to(600);
    let base = log.verified(600);
    let got = verify_extension(&log.storage, &log.signer.verifier(), Some(&base), log.checkpoint(300), &mut |_, _| {});
    assert!(matches!(got, Err(Error::NotExtending { old: 600, new: 300, .. })), "{got:?}");

    let cp = Checkpoint::open(log.checkpoint(600), &log.signer.verifier()).expect("open");
    let other = log.verified(300).frontier().clone();
    assert!(Verified::new(cp, other).is_err(), "a frontier of another tree");
}
