//! The gate: decisions from a snapshot of the stores, kept fresh by a background thread.
//!
//! Life of a decision: the request's capability is known (or the operation is unrecognised
//! and the configured answer given); if the stores were read successfully within the outage
//! TTL and a policy is active, the decision comes from the cache or from the snapshot's
//! decider; otherwise the capability's fail mode decides. Every decision is counted.
//!
//! Life of a snapshot: every `refresh` the background thread asks the [`Source`] for its
//! stamp (the active version and what the registry's facts were built from); a new stamp
//! builds a new decider off the request path, and swaps it in whole. A stamp that cannot be
//! read starts the outage clock; the snapshot keeps deciding until `outage_ttl` has passed
//! since the last successful read, then the fail modes decide until the stores answer again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use policy::engine::{Decider, Request};
use policy::store::GateCount;
use serde::Serialize;
use usage::taxonomy::Taxonomy;

use crate::Error;
use crate::ask::Ask;
use crate::cache::DecisionCache;
use crate::config::{FailMode, GateConfig, Unrecognised};
use crate::tally::{Key, Tally};
use crate::verdict::{Outcome, RoleClass, Verdict};

/// An error of a [`Source`], as text for the gate's status (never a request's detail).
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// Where a gate reads what it decides from and writes its counts to.
pub trait Source: Send + Sync + 'static {
    /// A stamp that changes whenever the active policy version or the facts decisions read
    /// (links, classifications, registered uses) change. Asked every `refresh`; must be cheap.
    fn stamp(&self) -> Result<String, SourceError>;
    /// A decider for the active version over the current facts, or the facts alone when no
    /// policy is active (so the fail modes' decisions are still counted by the caller's class).
    fn build(&self) -> Result<Built, SourceError>;
    /// Adds counts to the durable store (all or none).
    fn flush(&self, counts: &[GateCount]) -> Result<(), SourceError>;
}

/// What a [`Source`] builds.
pub enum Built {
    /// The active version over the facts.
    Decider(Decider),
    /// No policy is active: the facts alone.
    NoPolicy(policy::facts::Facts),
}

/// What the gate decides from: one decider and the stamp it was built at.
struct Snapshot {
    decider: Option<Decider>,
    /// The facts, when there is no decider to hold them.
    facts: Option<policy::facts::Facts>,
    stamp: String,
    /// Counts snapshots; cache entries of older ones are never used.
    generation: u64,
    /// The build failed: try again on the next refresh even if the stamp is unchanged.
    failed: bool,
}

/// What a gate reports of itself (health, `/metrics`).
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The version decided under, if any.
    pub policy_version: Option<String>,
    /// Snapshots built since the start.
    pub generation: u64,
    /// Seconds since the stores were last read successfully (`None`: never).
    pub stores_read_seconds_ago: Option<f64>,
    /// Whether decisions are made by fail modes now.
    pub failing: bool,
    /// The last error reading the stores or writing counts.
    pub last_error: Option<String>,
}

/// A decision point for gateways.
pub struct Gate {
    config: GateConfig,
    taxonomy: Taxonomy,
    /// The capabilities (and groups) a request may name: anything else is refused before it is
    /// decided or counted, so no text from a caller reaches the counts.
    known: std::collections::BTreeSet<String>,
    source: Arc<dyn Source>,
    current: RwLock<Arc<Snapshot>>,
    started: Instant,
    /// Milliseconds after `started` of the last successful stamp read, plus one (0: never).
    last_ok: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// The last flush's error (kept apart: a successful refresh must not hide it).
    flush_error: Mutex<Option<String>>,
    cache: DecisionCache,
    tally: Tally,
    /// Today's date, formatted once a day rather than once a decision.
    today: crate::tally::Today,
    stop: AtomicBool,
    worker: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Gate {
    /// Reads the stores once (a failure starts the gate in its fail modes) and starts the
    /// thread that keeps the snapshot fresh and flushes the counts.
    pub fn start(source: Arc<dyn Source>, taxonomy: Taxonomy, config: GateConfig) -> Arc<Gate> {
        let cache = DecisionCache::new(config.cache_ttl, config.cache_entries);
        let known = taxonomy
            .capabilities()
            .iter()
            .map(|c| c.id.clone())
            .chain(policy::schema::GROUPS.iter().map(|g| g.to_string()))
            .collect();
        let gate = Arc::new(Gate {
            config,
            taxonomy,
            known,
            source,
            current: RwLock::new(Arc::new(Snapshot {
                decider: None,
                facts: None,
                stamp: String::new(),
                generation: 0,
                failed: true,
            })),
            started: Instant::now(),
            last_ok: AtomicU64::new(0),
            last_error: Mutex::new(None),
            flush_error: Mutex::new(None),
            cache,
            tally: Tally::default(),
            today: crate::tally::Today::default(),
            stop: AtomicBool::new(false),
            worker: Mutex::new(None),
        });
        gate.refresh();
        let weak = Arc::downgrade(&gate);
        let worker = std::thread::Builder::new().name("candor-gate".into()).spawn(move || keep_fresh(weak));
        match worker {
            Ok(handle) => *lock(&gate.worker) = Some(handle),
            Err(e) => gate.note_error(format!("starting the refresh thread: {e}")),
        }
        gate
    }

    /// The taxonomy requests are recognised by.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// Decides `ask` and counts the decision. A malformed request is an error (not decided,
    /// not counted).
    pub fn decide(&self, ask: &Ask) -> Result<Verdict, Error> {
        ask.check()?;
        if let Some(c) = ask.capability.as_ref().filter(|c| !self.known.contains(*c)) {
            return Err(Error::BadRequest(format!("{c:?} is not a capability of the taxonomy")));
        }
        let now = Instant::now();
        let snapshot = self.snapshot();
        let (verdict, organisation) = self.verdict(ask, &snapshot, now)?;
        self.count(&verdict, organisation);
        Ok(verdict)
    }

    /// The verdict and the caller's organisation (for the count): from the cache when the same
    /// request was decided under this snapshot within the TTL, else decided, the caller looked
    /// up once.
    fn verdict(&self, ask: &Ask, snapshot: &Snapshot, now: Instant) -> Result<(Verdict, Option<i64>), Error> {
        let fresh = self.outage(now).is_none() && snapshot.decider.is_some() && ask.capability.is_some();
        if fresh && let Some(hit) = self.cache.get(snapshot.generation, ask, now) {
            return Ok(hit);
        }
        let (role_class, organisation) = caller(snapshot, &ask.account);
        let verdict = self.decide_uncached(ask, snapshot, now, role_class)?;
        if fresh && matches!(verdict.outcome, Outcome::Allowed | Outcome::Denied) {
            self.cache.put(snapshot.generation, ask, &(verdict.clone(), organisation), now);
        }
        Ok((verdict, organisation))
    }

    fn decide_uncached(
        &self,
        ask: &Ask,
        snapshot: &Snapshot,
        now: Instant,
        role_class: RoleClass,
    ) -> Result<Verdict, Error> {
        let Some(capability) = &ask.capability else {
            let allow = self.config.unrecognised == Unrecognised::Allow;
            return Ok(Verdict {
                allow,
                outcome: if allow { Outcome::Allowed } else { Outcome::Denied },
                capability: "unrecognised".into(),
                policy_version: None,
                policies: Vec::new(),
                reason: Some("the taxonomy knows no operation of this request".into()),
                role_class,
            });
        };
        let fail = |reason: String| {
            let open = self.config.fail_mode(capability) == FailMode::Open;
            Verdict {
                allow: open,
                outcome: if open { Outcome::FailedOpen } else { Outcome::FailedClosed },
                capability: capability.clone(),
                policy_version: None,
                policies: Vec::new(),
                reason: Some(reason),
                role_class,
            }
        };
        if let Some(since) = self.outage(now) {
            return Ok(fail(format!("the stores have not been read for {:.0} s", since.as_secs_f64())));
        }
        let Some(decider) = &snapshot.decider else {
            return Ok(fail("no policy is active (or it could not be loaded)".into()));
        };
        let request = Request {
            account: ask.account.clone(),
            capability: capability.clone(),
            service: ask.service.clone(),
            region_class: ask.region_class.clone(),
            purpose: ask.purpose.clone(),
        };
        let verdict = match decider.decide(&request) {
            Ok(d) => Verdict {
                allow: d.allow,
                outcome: if d.allow { Outcome::Allowed } else { Outcome::Denied },
                capability: capability.clone(),
                policy_version: Some(d.policy_version),
                policies: d.policies,
                reason: None,
                role_class,
            },
            Err(policy::Error::BadRequest(m)) => return Err(Error::BadRequest(m)),
            Err(e) => fail(format!("the decision failed: {e}")),
        };
        Ok(verdict)
    }

    fn count(&self, verdict: &Verdict, organisation: Option<i64>) {
        let day = self.config.counting_day.clone().unwrap_or_else(|| self.today.get());
        self.tally.add_on(
            day,
            Key {
                capability: verdict.capability.clone(),
                role_class: verdict.role_class,
                outcome: verdict.outcome,
                policy_version: verdict.policy_version.clone().unwrap_or_default(),
                policy: if verdict.outcome == Outcome::Denied {
                    verdict.policies.first().cloned().unwrap_or_default()
                } else {
                    String::new()
                },
                organisation,
            },
            1,
        );
    }

    /// How long the stores have been unreadable, once that is longer than the outage TTL.
    fn outage(&self, now: Instant) -> Option<Duration> {
        let last = self.last_ok.load(Ordering::Acquire);
        if last == 0 {
            return Some(now.duration_since(self.started));
        }
        let since = now.duration_since(self.started).saturating_sub(Duration::from_millis(last - 1));
        (since > self.config.outage_ttl).then_some(since)
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Reads the stamp and, when it changed (or the last build failed), builds a new snapshot.
    pub fn refresh(&self) {
        let stamp = match self.source.stamp() {
            Ok(s) => s,
            Err(e) => return self.note_error(format!("reading the stores: {e}")),
        };
        let current = self.snapshot();
        let changed = current.stamp != stamp || current.failed;
        if changed {
            let (decider, facts, failed) = match self.source.build() {
                Ok(Built::Decider(d)) => (Some(d), None, false),
                Ok(Built::NoPolicy(f)) => (None, Some(f), false),
                Err(e) => {
                    self.note_error(format!("building the decision snapshot: {e}"));
                    (None, None, true)
                }
            };
            if failed && current.decider.is_some() {
                // Keep deciding from the last good snapshot; the outage clock decides how long.
                return;
            }
            let next = Snapshot { decider, facts, stamp, generation: current.generation + 1, failed };
            *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(next);
            self.cache.clear();
            if failed {
                return;
            }
        }
        let ms = self.started.elapsed().as_millis() as u64 + 1;
        self.last_ok.store(ms, Ordering::Release);
        *lock(&self.last_error) = None;
    }

    /// Writes the counts so far to the store; on failure they are kept for the next flush.
    pub fn flush(&self) -> Result<usize, SourceError> {
        let (rows, invalid): (Vec<GateCount>, Vec<GateCount>) =
            self.tally.drain().into_iter().partition(|r| r.check().is_ok());
        if !invalid.is_empty() {
            // Never expected (requests are checked before they are counted); a row the store
            // would refuse must not keep every other count from being written.
            *lock(&self.flush_error) = Some(format!("{} count rows dropped as invalid", invalid.len()));
        }
        if rows.is_empty() {
            return Ok(0);
        }
        match self.source.flush(&rows) {
            Ok(()) => {
                *lock(&self.flush_error) = None;
                Ok(rows.iter().map(|r| r.count as usize).sum())
            }
            Err(e) => {
                *lock(&self.flush_error) = Some(format!("writing the counts: {e}"));
                self.tally.restore(rows);
                Err(e)
            }
        }
    }

    /// Stops the refresh thread and writes the last counts.
    pub fn shutdown(&self) -> Result<usize, SourceError> {
        self.stop.store(true, Ordering::Release);
        if let Some(handle) = lock(&self.worker).take() {
            let _ = handle.join();
        }
        self.flush()
    }

    /// What the gate reports of itself.
    pub fn status(&self) -> Status {
        let now = Instant::now();
        let snapshot = self.snapshot();
        let last = self.last_ok.load(Ordering::Acquire);
        Status {
            policy_version: snapshot.decider.as_ref().map(|d| d.version().sha256.clone()),
            generation: snapshot.generation,
            stores_read_seconds_ago: (last > 0).then(|| {
                now.duration_since(self.started).saturating_sub(Duration::from_millis(last - 1)).as_secs_f64()
            }),
            failing: snapshot.decider.is_none() || self.outage(now).is_some(),
            last_error: lock(&self.last_error).clone().or_else(|| lock(&self.flush_error).clone()),
        }
    }

    fn note_error(&self, message: String) {
        *lock(&self.last_error) = Some(message);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        // The last counts, if nobody called shutdown (errors have nowhere to go now).
        self.stop.store(true, Ordering::Release);
        let rows = self.tally.drain();
        if !rows.is_empty() {
            let _ = self.source.flush(&rows);
        }
    }
}

/// The caller's role class and organisation, from the snapshot's facts.
fn caller(snapshot: &Snapshot, account: &str) -> (RoleClass, Option<i64>) {
    let Some(facts) = snapshot.decider.as_ref().map(Decider::facts).or(snapshot.facts.as_ref()) else {
        return (RoleClass::Unknown, None);
    };
    let Some(org) = facts.accounts.get(account).and_then(|a| a.org) else { return (RoleClass::Unknown, None) };
    let class = facts
        .orgs
        .get(&org)
        .map_or(RoleClass::Unknown, |o| RoleClass::of(&o.principal.law_enforcement_role, &o.principal.role_status));
    (class, Some(org))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The background thread: refresh every `refresh`, flush every `flush`, until the gate stops
/// or is dropped.
fn keep_fresh(gate: Weak<Gate>) {
    let mut last_flush = Instant::now();
    loop {
        let Some(g) = gate.upgrade() else { return };
        let (refresh, flush) = (g.config.refresh, g.config.flush);
        drop(g);
        let until = Instant::now() + refresh;
        while Instant::now() < until {
            let Some(g) = gate.upgrade() else { return };
            if g.stop.load(Ordering::Acquire) {
                return;
            }
            drop(g);
            std::thread::sleep(Duration::from_millis(20).min(refresh));
        }
        let Some(g) = gate.upgrade() else { return };
        if g.stop.load(Ordering::Acquire) {
            return;
        }
        g.refresh();
        if last_flush.elapsed() >= flush {
            let _ = g.flush();
            last_flush = Instant::now();
        }
    }
}
