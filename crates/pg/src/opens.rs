//! How many times this process opened each store (SQLite file or PostgreSQL database): each
//! open migrates and, on PostgreSQL, builds a pool, so a use case opens each store once and
//! passes it on. A test holds publishing to one open per store with these counts.

use std::sync::atomic::{AtomicU64, Ordering};

static REGISTRY: AtomicU64 = AtomicU64::new(0);
static USAGE: AtomicU64 = AtomicU64::new(0);
static POLICY: AtomicU64 = AtomicU64::new(0);
static OTHER: AtomicU64 = AtomicU64::new(0);

fn counter(store: &str) -> &'static AtomicU64 {
    match store {
        "registry" => &REGISTRY,
        "usage" => &USAGE,
        "policy" => &POLICY,
        _ => &OTHER,
    }
}

/// Counts one open of `store` (`registry`, `usage`, `policy`).
pub fn note(store: &str) {
    counter(store).fetch_add(1, Ordering::Relaxed);
}

/// How many times `store` was opened in this process so far.
pub fn count(store: &str) -> u64 {
    counter(store).load(Ordering::Relaxed)
}
