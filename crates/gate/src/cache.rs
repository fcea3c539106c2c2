//! A small cache of recent decisions, so a busy account's repeated requests cost a lookup,
//! not a Cedar evaluation. Entries belong to one snapshot of the stores (its generation): a
//! new policy version or registry change makes every older entry unusable at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ask::Ask;
use crate::verdict::Verdict;

/// A decision and the caller's organisation (what counting it needs).
pub(crate) type Cached = (Verdict, Option<i64>);

/// Decisions by (snapshot generation, request), each with when it was made.
pub(crate) struct DecisionCache {
    ttl: Duration,
    capacity: usize,
    // One lock: a lookup is a hash and a compare, far shorter than the evaluation it saves.
    entries: Mutex<HashMap<(u64, Ask), (Cached, Instant)>>,
}

impl DecisionCache {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> DecisionCache {
        DecisionCache { ttl, capacity, entries: Mutex::new(HashMap::new()) }
    }

    /// The decision made for `ask` under `generation` within the TTL.
    pub(crate) fn get(&self, generation: u64, ask: &Ask, now: Instant) -> Option<Cached> {
        if self.capacity == 0 || self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // The key is built only to look up; asks are small.
        let (cached, at) = entries.get(&(generation, ask.clone()))?;
        (now.duration_since(*at) < self.ttl).then(|| cached.clone())
    }

    /// Keeps `verdict` for `ask`; a full cache is emptied first (bounded memory, no eviction
    /// bookkeeping on the hot path).
    pub(crate) fn put(&self, generation: u64, ask: &Ask, verdict: &Cached, now: Instant) {
        if self.capacity == 0 || self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert((generation, ask.clone()), (verdict.clone(), now));
    }

    /// Drops every entry (a new snapshot).
    pub(crate) fn clear(&self) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}
