//! One poll of one log: verify what the log's signed checkpoint adds to the one verified last
//! time (`tlog::verify_extension`: each new entry bundle and each new or grown tile read once,
//! every new entry rehashed, the new tree's root recomputed, and the old tree's frontier found in
//! it, which proves the new checkpoint extends the old), compare it with each witness's latest
//! view, and match the new entries against what the user watches, from the same single read of
//! each bundle. A conflict (rollback, inconsistent history, split view) alerts with the two
//! signed checkpoints as proof, kept in `state_dir/proofs/`, and the monitor keeps its old base,
//! so it never accepts the history it could not reconcile.
//!
//! Entries and tiles the monitor verified before are not read again: a change to them later
//! goes unseen by this monitor, whose guarantee is that each checkpoint extends the last one it
//! verified (what a changed old entry cannot do under the same signed history).
//!
//! Without a base, the first poll verifies the whole log the same way, or, for a log started
//! `now`, takes its signed checkpoint as it stands (no old entry read, none matched). A state
//! written before the frontier was kept holds only a checkpoint: that poll verifies the whole
//! log once, matches only the entries past it, and proves it extends it from the log's tiles.
//!
//! A fault alerts when it appears, not on every poll while it stands; a poll that finds its
//! check passing clears it, so the same fault coming back later alerts again. A checkpoint
//! claiming more than [`MAX_SIZE`] entries is a verification fault, never read further.

use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tlog::trust::Policy;
use tlog::{Checkpoint, Frontier, ReadStorage, TileReader, Verified, Verifier, merkle};

use crate::alert::{Alert, Proof, now};
use crate::config::{StartAt, Watch};
use crate::source::{LogSource, witness_view};
use crate::state::LogState;

/// The most entries a checkpoint may claim. No storage holds 2^63 entries, and larger sizes do
/// not fit the signed 64-bit integers that databases and other implementations keep them in,
/// so a log's key signing one is itself a fault, whatever its tiles say.
pub const MAX_SIZE: u64 = i64::MAX as u64;

/// The fault of a log that does not verify (its signature, its tiles, its size).
const VERIFICATION: &str = "verification";
/// The fault of a log whose checkpoint does not extend the one verified before.
const CONSISTENCY: &str = "consistency";

/// A log as the monitor follows it.
pub struct Followed {
    /// Where it is read.
    pub source: String,
    /// Its key.
    pub verifier: Verifier,
    /// Its trust policy, if the user gave one.
    pub policy: Option<Policy>,
    /// Where it is started while the monitor has no state for it.
    pub start_at: StartAt,
}

/// What one poll needs besides the log.
pub struct Context<'a> {
    /// What the user watches.
    pub watch: &'a Watch,
    /// Where proofs are kept.
    pub state_dir: &'a Path,
    /// Consecutive failures before they alert.
    pub failures_before_alert: u32,
    /// HTTP agent.
    pub agent: &'a ureq::Agent,
}

/// What a poll checks the log's checkpoint against.
enum Base {
    /// Nothing yet.
    None,
    /// The checkpoint verified last and its tree's frontier: only what is new is read.
    Frontier(Verified),
    /// A checkpoint kept without its frontier (by a monitor before frontiers were kept).
    Checkpoint(Checkpoint),
}

impl Base {
    /// The base `state` holds for a log with key `verifier`. A stored checkpoint that no longer
    /// opens (another key) is no base, as before frontiers; a frontier that does not give the
    /// checkpoint's root is as good as none.
    fn of(state: &LogState, verifier: &Verifier) -> Base {
        let Some(cp) = state.checkpoint.as_deref().and_then(|t| Checkpoint::open(t.as_bytes(), verifier).ok()) else {
            return Base::None;
        };
        match state.frontier.as_deref().and_then(|t| Frontier::parse(t).ok()) {
            Some(f) => Verified::new(cp.clone(), f).map_or(Base::Checkpoint(cp), Base::Frontier),
            None => Base::Checkpoint(cp),
        }
    }

    fn checkpoint(&self) -> Option<&Checkpoint> {
        match self {
            Base::None => None,
            Base::Frontier(v) => Some(v.checkpoint()),
            Base::Checkpoint(cp) => Some(cp),
        }
    }
}

/// Polls `log` once, updating `state`; returns the alerts raised.
pub fn poll(log: &Followed, state: &mut LogState, ctx: &Context<'_>) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let origin = log.verifier.name().to_string();
    let source = LogSource::new(&log.source, ctx.agent);
    let served = match source.read(tlog::CHECKPOINT_PATH) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            transient(state, &log.source, "the log serves no checkpoint".into(), &origin, ctx, &mut alerts);
            return alerts;
        }
        Err(e) => {
            transient(state, &log.source, e.to_string(), &origin, ctx, &mut alerts);
            return alerts;
        }
    };
    if let Ok(claimed) = Checkpoint::open(&served, &log.verifier)
        && claimed.size > MAX_SIZE
    {
        let message = format!(
            "the log at {} signed a checkpoint claiming {} entries, more than any log can hold (at most {MAX_SIZE})",
            log.source, claimed.size
        );
        raise(state, VERIFICATION, &message, Alert::new("verification", &origin, message.clone()), &mut alerts);
        return alerts;
    }
    let served_text = String::from_utf8_lossy(&served).into_owned();

    // The check, with the new entries matched as their bundles are read; their alerts count
    // only once the check has passed.
    let base = Base::of(state, &log.verifier);
    let from = base.checkpoint().map_or(0, |b| b.size);
    let mut found = Vec::new();
    let checked = match (&base, log.start_at) {
        (Base::None, StartAt::Now) => as_it_stands(&source, &log.verifier, &served),
        _ => {
            let verified = match &base {
                Base::Frontier(v) => Some(v),
                Base::None | Base::Checkpoint(_) => None,
            };
            let mut each = |index, entry: &[u8]| {
                if index >= from {
                    match_entry(index, entry, &origin, ctx.watch, &mut found);
                }
            };
            tlog::verify_extension(&source, &log.verifier, verified, &served, &mut each).map(|e| e.verified)
        }
    };
    let verified = match checked {
        Ok(v) => v,
        Err(tlog::Error::Io { path, source: e }) => {
            transient(state, &log.source, format!("{}: {e}", path.display()), &origin, ctx, &mut alerts);
            return alerts;
        }
        Err(tlog::Error::NotExtending { old, new, why }) => {
            // The log's tiles give its checkpoint: the log verifies, its history is the fault.
            clear(state, VERIFICATION);
            state.failures.remove(&log.source);
            not_extending(state, (old, new), &why, served_text, &origin, ctx, &mut alerts);
            return alerts;
        }
        Err(e) => {
            let message = format!("the log at {} does not verify: {e}", log.source);
            raise(state, VERIFICATION, &message, Alert::new("verification", &origin, message.clone()), &mut alerts);
            return alerts;
        }
    };
    clear(state, VERIFICATION);
    state.failures.remove(&log.source);
    let new = verified.checkpoint();

    match &base {
        Base::None => {}
        // Proven by the frontier found in the new tree.
        Base::Frontier(_) => clear(state, CONSISTENCY),
        Base::Checkpoint(old) => {
            if let Err(why) = extends(&source, old, new) {
                not_extending(state, (old.size, new.size), &why, served_text, &origin, ctx, &mut alerts);
                return alerts;
            }
            clear(state, CONSISTENCY);
        }
    }

    for (name, url) in log.policy.iter().flat_map(|p| &p.witnesses).filter_map(|w| Some((&w.name, w.url.as_ref()?))) {
        // Per witness (its name hex-encoded, so no name can be a prefix of another's id).
        let view_fault = format!("witness-view:{}", hex(name.as_bytes()));
        let split_fault = Fault { kind: "split_view", id: format!("split_view:{}", hex(name.as_bytes())) };
        let view = match witness_view(ctx.agent, url, &origin) {
            Ok(Some(v)) => v,
            Ok(None) => {
                // It holds no view of this log now: neither fault stands.
                clear(state, &view_fault);
                clear(state, &split_fault.id);
                continue;
            }
            Err(e) => {
                let what = format!("witness {name} ({url})");
                transient(state, &what, e, &origin, ctx, &mut alerts);
                continue;
            }
        };
        state.failures.remove(&format!("witness {name} ({url})"));
        let Ok(seen) = Checkpoint::open(&view, &log.verifier) else {
            let message = format!("witness {name} serves a checkpoint of this log that the log's key did not sign");
            raise(state, &view_fault, &message, Alert::new("verification", &origin, message.clone()), &mut alerts);
            continue;
        };
        if seen.size > MAX_SIZE {
            let message = format!(
                "witness {name} serves a checkpoint signed by this log's key claiming {} entries, more than any \
                 log can hold (at most {MAX_SIZE})",
                seen.size
            );
            raise(state, &view_fault, &message, Alert::new("verification", &origin, message.clone()), &mut alerts);
            continue;
        }
        clear(state, &view_fault);
        let split = match base.checkpoint() {
            // The base, which the new checkpoint was just proven to extend: no read needed.
            Some(old) if seen.size == old.size => {
                (seen.root != old.root).then(|| tlog::ProofError::RootMismatch.to_string())
            }
            _ if seen.size <= new.size => extends(&source, &seen, new).err(),
            // The witness saw a later checkpoint; the log's tiles may already hold it.
            _ => extends(&source, new, &seen).err().filter(|why| !why.starts_with("unavailable")),
        };
        if let Some(why) = split {
            let message = format!(
                "split view: witness {name} cosigned a checkpoint of size {} that the log's checkpoint of size {} \
                 contradicts ({why})",
                seen.size, new.size
            );
            let seen_text = String::from_utf8_lossy(&view).into_owned();
            conflict(state, &split_fault, &origin, message, [served_text.clone(), seen_text], ctx, &mut alerts);
        } else {
            clear(state, &split_fault.id);
        }
    }

    alerts.append(&mut found);
    state.frontier = Some(verified.frontier().to_text());
    state.checkpoint = Some(served_text);
    alerts
}

/// Raises the consistency conflict of the log's checkpoint `served`: of `sizes.1` entries, it
/// does not extend the base of `sizes.0` (`why`).
fn not_extending(
    state: &mut LogState,
    sizes: (u64, u64),
    why: &str,
    served: String,
    origin: &str,
    ctx: &Context<'_>,
    alerts: &mut Vec<Alert>,
) {
    let (old, new) = sizes;
    let message =
        format!("the log's checkpoint (size {new}) does not extend the one verified before (size {old}): {why}");
    let fault = Fault { kind: "consistency", id: CONSISTENCY.to_string() };
    let old_text = state.checkpoint.clone().unwrap_or_default();
    conflict(state, &fault, origin, message, [old_text, served], ctx, alerts);
}

/// A log started `now`: its signed checkpoint as it stands, its frontier from the tiles on the
/// tree's right edge, checked against the signed root. No entry is read.
fn as_it_stands(source: &dyn ReadStorage, verifier: &Verifier, served: &[u8]) -> Result<Verified, tlog::Error> {
    let cp = Checkpoint::open(served, verifier)?;
    let frontier = Frontier::from_tiles(source, &cp)?;
    Verified::new(cp, frontier)
}

/// The alerts of new entry `index`: one per watch item its record matches, or one saying it is
/// not a record.
fn match_entry(index: u64, entry: &[u8], origin: &str, watch: &Watch, alerts: &mut Vec<Alert>) {
    let record: Value = match serde_json::from_slice(entry) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            let mut a = Alert::new(
                "unparseable_entry",
                origin,
                format!("entry #{index} is not a JSON record ({} bytes); read it with candor log", entry.len()),
            );
            a.index = Some(index);
            alerts.push(a);
            return;
        }
    };
    // Entries that are not candor's records (another writer's) match nothing.
    let Some(record) = records::parse_value(record) else { return };
    for item in crate::watch::matches(&record, watch) {
        let kind = record.kind();
        let mut a = Alert::new("watch", origin, format!("entry #{index} ({kind}) matches {item}"));
        a.item = Some(item);
        a.index = Some(index);
        alerts.push(a);
    }
}

/// Whether `new` extends `old` in the log at `source`; why not. An error starting with
/// `unavailable` means the tiles to decide are not there.
fn extends(source: &dyn ReadStorage, old: &Checkpoint, new: &Checkpoint) -> Result<(), String> {
    if old.size > new.size {
        return Err(format!("the log shrank from {} to {} entries", old.size, new.size));
    }
    let proof = TileReader::new(source, new.size)
        .consistency_proof(old.size)
        .map_err(|e| format!("unavailable: no consistency proof from the log's tiles: {e}"))?;
    merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &proof).map_err(|e| e.to_string())
}

/// Counts a transient failure of `what`; alerts once when the run reaches the threshold.
fn transient(state: &mut LogState, what: &str, why: String, origin: &str, ctx: &Context<'_>, alerts: &mut Vec<Alert>) {
    let n = state.failures.entry(what.to_string()).or_insert(0);
    *n += 1;
    if *n == ctx.failures_before_alert {
        alerts.push(Alert::new("unreachable", origin, format!("{what}: {n} polls in a row failed; the last: {why}")));
    }
}

/// Raises `alert` for the fault `fault` found as `key`, unless it was raised before and no
/// poll since found the fault gone.
fn raise(state: &mut LogState, fault: &str, key: &str, alert: Alert, alerts: &mut Vec<Alert>) {
    if state.alerted.insert(format!("{fault}:{}", hex(&Sha256::digest(key.as_bytes())))) {
        alerts.push(alert);
    }
}

/// The check of `fault` passed: whatever it found before is gone, so it alerts again if it
/// comes back.
fn clear(state: &mut LogState, fault: &str) {
    let prefix = format!("{fault}:");
    state.alerted.retain(|k| !k.starts_with(&prefix));
}

/// A conflict's alert kind and the fault it is kept under.
struct Fault {
    kind: &'static str,
    id: String,
}

/// Raises a conflict (unless it stands since it was raised), keeping both signed checkpoints
/// in `state_dir/proofs/`.
fn conflict(
    state: &mut LogState,
    fault: &Fault,
    origin: &str,
    message: String,
    checkpoints: [String; 2],
    ctx: &Context<'_>,
    alerts: &mut Vec<Alert>,
) {
    let key = hex(&Sha256::digest(format!("{}\0{}", checkpoints[0], checkpoints[1]).as_bytes()));
    if !state.alerted.insert(format!("{}:{key}", fault.id)) {
        return;
    }
    let kind = fault.kind;
    let file = ctx.state_dir.join("proofs").join(format!("{kind}-{}-{}.txt", &key[..16], now()));
    let text = format!(
        "# candor monitor: two checkpoints signed by the key of {origin} that no consistent history explains.\n\
         # {message}\n\n{}\n{}",
        checkpoints[0], checkpoints[1]
    );
    if let Err(e) = crate::state::write_atomic(&file, text.as_bytes()) {
        eprintln!("{}: {e}", file.display());
    }
    let mut a = Alert::new(kind, origin, message);
    a.proof = Some(Proof { file, checkpoints: checkpoints.to_vec() });
    alerts.push(a);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
