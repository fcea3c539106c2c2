//! An in-memory [`Storage`] for tests and tools. Clones share the same contents.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{CHECKPOINT_PATH, Object, ReadStorage, Storage};
use crate::error::Error;

/// In-memory storage. Cloning gives another handle on the same resources, so a test can
/// keep one handle to inspect what a writer stored.
#[derive(Debug, Clone, Default)]
pub struct MemStorage {
    files: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
}

impl MemStorage {
    /// Empty storage.
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    fn files(&self) -> MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A poisoned lock only means a test thread panicked; the map itself is intact.
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every stored path with its bytes, in path order.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.files().clone()
    }

    /// Puts bytes at a path directly (to set up or corrupt a test log).
    pub fn put(&self, path: &str, data: Vec<u8>) {
        self.files().insert(path.to_string(), data);
    }

    /// Removes a path (to simulate a lost file).
    pub fn remove(&self, path: &str) -> Option<Vec<u8>> {
        self.files().remove(path)
    }
}

impl ReadStorage for MemStorage {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.files().get(path).cloned())
    }
}

impl Storage for MemStorage {
    fn commit(&mut self, objects: &[Object], checkpoint: &[u8]) -> Result<(), Error> {
        let mut files = self.files();
        for o in objects {
            files.insert(o.path.clone(), o.data.clone());
        }
        files.insert(CHECKPOINT_PATH.to_string(), checkpoint.to_vec());
        Ok(())
    }
}
