//! Failure injection: a commit breaks at a chosen step; the writer reports the error,
//! recovers from what storage durably holds, keeps appending, and the log verifies with
//! every checkpoint it ever signed consistent with the next.

use std::sync::{Arc, Mutex};

use tlog::{Error, LogWriter, MemStorage, Object, ReadStorage, Signer, Storage, verify_log};

/// Where a commit breaks.
#[derive(Clone, Copy, Debug)]
enum Break {
    /// After writing this many objects; the checkpoint is not replaced.
    AfterObjects(usize),
    /// After writing every object, before the checkpoint.
    BeforeCheckpoint,
    /// After everything is written (a late error, e.g. a failed directory fsync).
    AfterCheckpoint,
}

/// MemStorage that breaks the next commit as told.
#[derive(Clone)]
struct Breaking {
    inner: MemStorage,
    next: Arc<Mutex<Option<Break>>>,
}

impl ReadStorage for Breaking {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        self.inner.read(path)
    }
}

impl Storage for Breaking {
    fn commit(&mut self, objects: &[Object], checkpoint: &[u8]) -> Result<(), Error> {
        let fail = || Error::io("injected", std::io::Error::other("injected failure"));
        let brk = self.next.lock().expect("lock").take();
        match brk {
            None => self.inner.commit(objects, checkpoint),
            Some(Break::AfterObjects(n)) => {
                for o in objects.iter().take(n) {
                    self.inner.put(&o.path, o.data.clone());
                }
                Err(fail())
            }
            Some(Break::BeforeCheckpoint) => {
                for o in objects {
                    self.inner.put(&o.path, o.data.clone());
                }
                Err(fail())
            }
            Some(Break::AfterCheckpoint) => {
                self.inner.commit(objects, checkpoint)?;
                Err(fail())
            }
        }
    }
}

fn check(brk: Break, expect_size_after_failure: u64) {
    let inner = MemStorage::new();
    let storage = Breaking { inner: inner.clone(), next: Arc::new(Mutex::new(None)) };
    let signer = Signer::generate("fail.example/log").expect("key");
    let verifier = signer.verifier();
    let mut w = LogWriter::create(storage.clone(), signer).expect("create");
    let mut signed = vec![w.checkpoint().to_vec()];
    // 300 entries: the next batch completes a level-0 tile and bundle and writes partials.
    let first: Vec<Vec<u8>> = (0..300).map(|i| format!("a{i}").into_bytes()).collect();
    w.append(&first).expect("append");
    signed.push(w.checkpoint().to_vec());

    *storage.next.lock().expect("lock") = Some(brk);
    let second: Vec<Vec<u8>> = (0..300).map(|i| format!("b{i}").into_bytes()).collect();
    assert!(w.append(&second).is_err(), "{brk:?}: the broken commit reports an error");
    assert_eq!(w.size(), expect_size_after_failure, "{brk:?}: state reloaded from storage");
    signed.push(w.checkpoint().to_vec());

    // The writer goes on; the log verifies; every signed checkpoint is consistent with it.
    let third: Vec<Vec<u8>> = (0..50).map(|i| format!("c{i}").into_bytes()).collect();
    let range = w.append(&third).expect("append after failure");
    assert_eq!(range.start, expect_size_after_failure);
    let report = verify_log(&inner, &verifier, &signed, &mut |_, _| {}).expect("log verifies");
    assert_eq!(report.checkpoint.size, expect_size_after_failure + 50);
}

#[test]
fn a_commit_broken_at_any_step_leaves_a_log_that_recovers_and_verifies() {
    for (brk, size) in [
        (Break::AfterObjects(0), 300),
        (Break::AfterObjects(1), 300),
        (Break::AfterObjects(3), 300),
        (Break::BeforeCheckpoint, 300),
        (Break::AfterCheckpoint, 600),
    ] {
        check(brk, size);
    }
}
