//! The stores a process works on, opened once: the command line and the server make one
//! [`Stores`] from the places they were given and pass it to every use case. A store is opened
//! the first time a use case asks for it (a command that never reads usage never needs the usage
//! store to exist) and then kept: every open migrates, and on PostgreSQL each store would
//! otherwise build its own pool and each read see another moment.
//!
//! Each store sits behind a mutex, shared (`Arc`) with the server's handlers, which run on
//! several threads. A use case locks a store, passes the locked store on to what it calls, and
//! never asks [`Stores`] for the same store again while holding it (the mutex is not
//! re-entrant). Stores held together are locked in one order, so two threads never wait on
//! each other: the registry, then the review queue's index, then the policy store, then the
//! usage store.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::{Context, Result};
use policy::store::PolicyStore;
use usage::store::UsageStore;

/// A store shared by the use cases and the server's handlers.
pub type Shared<T> = Arc<Mutex<T>>;

/// The registry as it is shared.
pub type SharedRegistry = Shared<Box<dyn registry::Store>>;

/// Locks a shared store. A thread that panicked while holding it leaves the store usable: its
/// transaction, if any, was rolled back when dropped.
pub fn lock<T: ?Sized>(store: &Mutex<T>) -> MutexGuard<'_, T> {
    store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One store, opened at first use.
struct Slot<T>(Mutex<Option<Shared<T>>>);

impl<T> Slot<T> {
    fn new() -> Slot<T> {
        Slot(Mutex::new(None))
    }

    fn get_or_open(&self, open: impl FnOnce() -> Result<T>) -> Result<Shared<T>> {
        let mut slot = lock(&self.0);
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store = Arc::new(Mutex::new(open()?));
        *slot = Some(store.clone());
        Ok(store)
    }
}

/// Where the three stores live, and each one once opened. A command is given the places of
/// the stores it uses; asking for another is an error naming the missing flag, never a store
/// made at some default place.
#[derive(Default)]
pub struct Stores {
    registry_at: Option<PathBuf>,
    usage_at: Option<PathBuf>,
    policy_at: Option<PathBuf>,
    registry: Slot<Box<dyn registry::Store>>,
    usage: Slot<UsageStore>,
    policy: Slot<PolicyStore>,
}

impl<T> Default for Slot<T> {
    fn default() -> Slot<T> {
        Slot::new()
    }
}

impl std::fmt::Debug for Stores {
    // A place may be a URL with a password: only its description is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |p: &Option<PathBuf>| p.as_deref().map(pg::describe);
        f.debug_struct("Stores")
            .field("registry", &show(&self.registry_at))
            .field("usage", &show(&self.usage_at))
            .field("policy", &show(&self.policy_at))
            .finish()
    }
}

/// The error of asking for a store whose place the command was not given.
fn not_given(what: &str, flag: &str) -> anyhow::Error {
    anyhow::anyhow!("this step needs the {what}, and no {flag} was given")
}

impl Stores {
    /// All three stores at these places (each a SQLite file's path or a `postgres://` URL);
    /// none is opened yet.
    pub fn at(registry: impl Into<PathBuf>, usage: impl Into<PathBuf>, policy: impl Into<PathBuf>) -> Stores {
        Stores::default().with_registry(registry).with_usage(usage).with_policy(policy)
    }

    /// The demonstration's stores, in its folder.
    pub fn in_folder(dir: &Path) -> Stores {
        Stores::at(dir.join("registry.db"), dir.join("usage.db"), dir.join("policy.db"))
    }

    /// With the registry at `place`.
    pub fn with_registry(mut self, place: impl Into<PathBuf>) -> Stores {
        self.registry_at = Some(place.into());
        self
    }

    /// With the usage store at `place`.
    pub fn with_usage(mut self, place: impl Into<PathBuf>) -> Stores {
        self.usage_at = Some(place.into());
        self
    }

    /// With the policy store at `place`.
    pub fn with_policy(mut self, place: impl Into<PathBuf>) -> Stores {
        self.policy_at = Some(place.into());
        self
    }

    /// Where the registry is, when given.
    pub fn registry_place(&self) -> Option<&Path> {
        self.registry_at.as_deref()
    }

    /// Where the usage store is, when given.
    pub fn usage_place(&self) -> Option<&Path> {
        self.usage_at.as_deref()
    }

    /// Where the policy store is, when given.
    pub fn policy_place(&self) -> Option<&Path> {
        self.policy_at.as_deref()
    }

    /// True when there is a registry (a PostgreSQL URL, or a SQLite file that exists).
    pub fn has_registry(&self) -> bool {
        self.registry_at.as_deref().is_some_and(pg::place_exists)
    }

    /// True when there is a usage store.
    pub fn has_usage(&self) -> bool {
        self.usage_at.as_deref().is_some_and(pg::place_exists)
    }

    /// True when there is a policy store.
    pub fn has_policy(&self) -> bool {
        self.policy_at.as_deref().is_some_and(pg::place_exists)
    }

    /// The registry, opened (and created when absent) the first time it is asked for.
    pub fn registry(&self) -> Result<SharedRegistry> {
        let place = self.registry_at.as_deref().ok_or_else(|| not_given("registry", "--db"))?;
        self.registry.get_or_open(|| {
            registry::open(place).with_context(|| format!("opening the registry {}", pg::describe(place)))
        })
    }

    /// The usage store, opened (and created when absent) the first time it is asked for.
    pub fn usage(&self) -> Result<Shared<UsageStore>> {
        let place = self.usage_at.as_deref().ok_or_else(|| not_given("usage store", "--usage-db"))?;
        self.usage.get_or_open(|| {
            UsageStore::open(place).with_context(|| format!("opening the usage store {}", pg::describe(place)))
        })
    }

    /// The policy store, opened (and created when absent) the first time it is asked for.
    pub fn policy(&self) -> Result<Shared<PolicyStore>> {
        let place = self.policy_at.as_deref().ok_or_else(|| not_given("policy store", "--policy-db"))?;
        self.policy.get_or_open(|| {
            PolicyStore::open(place).with_context(|| format!("opening the policy store {}", pg::describe(place)))
        })
    }

    /// The usage store's rows (none when there is no usage store).
    pub fn usage_rows(&self) -> Result<Vec<(usage::fold::Key, usage::fold::Sums)>> {
        self.usage_rows_in(&|_| true)
    }

    /// The stored usage rows of the months (`YYYY-MM`) `month` accepts, as
    /// [`Stores::usage_rows`] gives them (same order, same sums): a step about one period reads
    /// and holds that period's rows, not years of them.
    pub fn usage_rows_in(&self, month: &dyn Fn(&str) -> bool) -> Result<Vec<(usage::fold::Key, usage::fold::Sums)>> {
        let mut out = Vec::new();
        if self.has_usage() {
            lock(&*self.usage()?).for_each_row_in(month, &mut |k, s| out.push((k, s)))?;
        }
        Ok(out)
    }
}

/// One moment of the registry and the policy store: until dropped, every read of either sees
/// it as it was at the first read (a read-only transaction on each), so a period is published
/// from one consistent read of each store.
pub struct ReadMoment<'a> {
    registry: &'a dyn registry::Store,
    policy: Option<&'a PolicyStore>,
}

impl<'a> ReadMoment<'a> {
    /// Holds a moment of `registry` and, when given, of `policy`.
    pub fn hold(registry: &'a dyn registry::Store, policy: Option<&'a PolicyStore>) -> Result<ReadMoment<'a>> {
        registry.begin_read().context("holding one moment of the registry")?;
        if let Some(p) = policy
            && let Err(e) = p.begin_read()
        {
            let _ = registry.end_read();
            return Err(anyhow::Error::new(e).context("holding one moment of the policy store"));
        }
        Ok(ReadMoment { registry, policy })
    }

    /// Ends the moment, reporting a failure to end it (dropping ends it too, silently).
    pub fn end(self) -> Result<()> {
        self.registry.end_read()?;
        if let Some(p) = self.policy {
            p.end_read()?;
        }
        Ok(())
    }
}

impl Drop for ReadMoment<'_> {
    fn drop(&mut self) {
        // Reached after `end` too: ending a moment no longer held does nothing.
        let _ = self.registry.end_read();
        if let Some(p) = self.policy {
            let _ = p.end_read();
        }
    }
}
