//! Reading new entries reads each entry bundle once, and only the bundles past where the
//! reader starts.

use std::sync::{Arc, Mutex};

use tlog::{Error, LogWriter, MemStorage, Object, ReadStorage, Signer, Storage, TileReader};

/// Storage that counts the reads of each path.
#[derive(Clone)]
struct Counting {
    inner: MemStorage,
    reads: Arc<Mutex<Vec<String>>>,
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

/// A log of 700 entries (two full bundles and a partial one), its reads counted from now on.
fn log_of_700() -> (Counting, Vec<Vec<u8>>) {
    let storage = Counting { inner: MemStorage::new(), reads: Arc::new(Mutex::new(Vec::new())) };
    let mut w = LogWriter::create(storage.clone(), Signer::generate("bundles.example/log").expect("key")).expect("log");
    let entries: Vec<Vec<u8>> = (0..700).map(|i| format!("entry {i}").into_bytes()).collect();
    w.append(&entries).expect("append");
    storage.reads.lock().expect("lock").clear();
    (storage, entries)
}

#[test]
fn new_entries_read_each_bundle_once() {
    let (storage, entries) = log_of_700();
    let reader = TileReader::new(&storage, 700);
    let mut seen = Vec::new();
    reader.for_each_entry(300, |i, e| seen.push((i, e.to_vec()))).expect("read");
    assert_eq!(seen.len(), 400);
    assert!(seen.iter().all(|(i, e)| *e == entries[*i as usize]), "each entry at its index");
    // Bundle 0 is not read (the reader starts past it); bundles 1 and 2 (partial) once each.
    let reads = storage.reads.lock().expect("lock").clone();
    assert_eq!(reads, vec!["tile/entries/001".to_string(), "tile/entries/002.p/188".to_string()], "{reads:?}");
}

#[test]
fn chosen_entries_read_each_of_their_bundles_once() {
    let (storage, entries) = log_of_700();
    let reader = TileReader::new(&storage, 700);
    let wanted = [3u64, 4, 200, 255, 600, 699];
    let mut seen = Vec::new();
    reader.for_each_entry_at(wanted, |i, e| seen.push((i, e.to_vec()))).expect("read");
    assert_eq!(seen.iter().map(|(i, _)| *i).collect::<Vec<_>>(), wanted);
    assert!(seen.iter().all(|(i, e)| *e == entries[*i as usize]), "each entry at its index");
    // Bundle 1 holds none of them and is not read; bundles 0 and 2 once each.
    let reads = storage.reads.lock().expect("lock").clone();
    assert_eq!(reads, vec!["tile/entries/000".to_string(), "tile/entries/002.p/188".to_string()], "{reads:?}");
    assert!(reader.for_each_entry_at([5, 4], |_, _| {}).is_err(), "out of order");
    assert!(reader.for_each_entry_at([4, 4], |_, _| {}).is_err(), "twice");
    assert!(reader.for_each_entry_at([700], |_, _| {}).is_err(), "past the end");
}
