//! The log's entries as the site's model reads them: held (the check reads every entry to
//! verify it), or read from the log's entry bundles a bundle at a time, first to build the
//! model and again when a page shows a record whose entry the model does not hold (years of
//! entries held at once took a quarter of the site's peak memory).

use std::ops::ControlFlow;
use std::sync::{Mutex, MutexGuard};

use tlog::tile::TILE_WIDTH;
use tlog::{HashLevels, ReadStorage};

use crate::Error;
use crate::entries::{Entry, read_bundle};

/// Where the model's entries come from.
pub enum Entries {
    /// Every entry, in order.
    Held(Vec<Entry>),
    /// The entry bundles of a log of `size` entries in `storage`.
    Bundles {
        /// The log's public files.
        storage: Box<dyn ReadStorage + Send + Sync>,
        /// Entries in the tree the site is written for.
        size: u64,
        /// The bundles read last, by number, newest last: pages are written in log order, so
        /// most reads are of a bundle just read; pages are rendered on every core (hence the
        /// lock), each core near its own bundle, so one kept per core and one more.
        last: Mutex<Vec<(u64, Vec<Entry>)>>,
        /// The first entry, in log order, that could not be read again when shown (the pages
        /// written with it are wrong, so the writing fails: see [`Entries::read_error`]); pages
        /// rendered on several cores fail in any order, and the one reported is the same
        /// whatever the number of cores.
        failed: Mutex<Option<(u64, Error)>>,
    },
}

impl Default for Entries {
    fn default() -> Entries {
        Entries::Held(Vec::new())
    }
}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Entries::Held(e) => write!(f, "Entries::Held({} entries)", e.len()),
            Entries::Bundles { size, .. } => write!(f, "Entries::Bundles({size} entries)"),
        }
    }
}

impl Entries {
    /// The entries of the log of `size` entries in `storage`, read a bundle at a time.
    pub fn bundles(storage: Box<dyn ReadStorage + Send + Sync>, size: u64) -> Entries {
        Entries::Bundles { storage, size, last: Mutex::new(Vec::new()), failed: Mutex::new(None) }
    }

    /// How many entries there are.
    pub fn len(&self) -> u64 {
        match self {
            Entries::Held(e) => e.len() as u64,
            Entries::Bundles { size, .. } => *size,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `each` with every entry but those `known` (whose reading the caller has), in
    /// order, until it breaks; a bundle of only known entries is not read.
    pub fn for_each_except(
        &self,
        known: &dyn Fn(u64) -> bool,
        each: &mut dyn FnMut(u64, &Entry) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        match self {
            Entries::Held(entries) => {
                for (i, e) in entries.iter().enumerate().filter(|(i, _)| !known(*i as u64)) {
                    if each(i as u64, e).is_break() {
                        break;
                    }
                }
            }
            Entries::Bundles { storage, size, .. } => {
                for bundle in 0..size.div_ceil(TILE_WIDTH) {
                    let first = bundle * TILE_WIDTH;
                    if (first..(first + TILE_WIDTH).min(*size)).all(known) {
                        continue;
                    }
                    let entries = read_bundle(storage.as_ref(), bundle, *size)?;
                    for (i, e) in entries.iter().enumerate() {
                        let index = first + i as u64;
                        if !known(index) && each(index, e).is_break() {
                            return Ok(());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The entry at `index`, read again from its bundle when not held and checked against
    /// the tree's leaf; an entry that cannot be read is empty, and the error is kept for
    /// [`Entries::read_error`].
    pub fn get(&self, index: u64, tree: &HashLevels) -> Entry {
        match self {
            Entries::Held(entries) => usize::try_from(index)
                .ok()
                .and_then(|i| entries.get(i))
                .cloned()
                .unwrap_or_else(|| Entry::from(&[][..])),
            Entries::Bundles { storage, size, last, failed } => {
                let bundle = index / TILE_WIDTH;
                let at = (index % TILE_WIDTH) as usize;
                // Looked up under the lock; a bundle not held is read without it, so the
                // other cores' pages wait for no file.
                let held = {
                    let mut last = locked(last);
                    last.iter().position(|(b, _)| *b == bundle).map(|k| {
                        // The newest last: the bundle read longest ago goes first.
                        let hit = last.remove(k);
                        let entry = hit.1.get(at).cloned();
                        last.push(hit);
                        entry
                    })
                };
                let entry = match held {
                    Some(entry) => entry,
                    None => match read_bundle(storage.as_ref(), bundle, *size) {
                        Ok(entries) => {
                            let entry = entries.get(at).cloned();
                            let mut last = locked(last);
                            if !last.iter().any(|(b, _)| *b == bundle) {
                                if last.len() > super::parallel::workers() {
                                    last.remove(0);
                                }
                                last.push((bundle, entries));
                            }
                            entry
                        }
                        Err(e) => {
                            fail(failed, index, e);
                            return Entry::from(&[][..]);
                        }
                    },
                };
                match entry {
                    Some(e) if tree.leaf(index) == Some(tlog::leaf_hash(&e)) => e,
                    _ => {
                        let message = "read again from its bundle, the entry is not the one the log's tree holds";
                        fail(failed, index, Error::BadEntry { index, message: message.into() });
                        Entry::from(&[][..])
                    }
                }
            }
        }
    }

    /// The first error reading an entry again, if any: a site written with it is not the
    /// log's.
    pub fn read_error(&self) -> Result<(), Error> {
        match self {
            Entries::Held(_) => Ok(()),
            Entries::Bundles { failed, .. } => locked(failed).take().map_or(Ok(()), |(_, e)| Err(e)),
        }
    }
}

/// Keeps `error`, met reading the entry at `index` again, if it is the first in log order.
fn fail(failed: &Mutex<Option<(u64, Error)>>, index: u64, error: Error) {
    let mut failed = locked(failed);
    if failed.as_ref().is_none_or(|(first, _)| index < *first) {
        *failed = Some((index, error));
    }
}

/// The value behind `lock`, also when a thread that held it panicked (the value is a cache or
/// the first error, whole either way).
fn locked<T>(lock: &Mutex<T>) -> MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
