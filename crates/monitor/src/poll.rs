//! One poll of one log: verify it whole (every entry rehashed, the tree recomputed from the
//! entry bundles, the signature checked), prove it extends the checkpoint verified last time,
//! compare it with each witness's latest view, then read the new entries for what the user
//! watches. A conflict (rollback, inconsistent history, split view) alerts with the two signed
//! checkpoints as proof, kept in `state_dir/proofs/`, and the monitor keeps its old base, so it
//! never accepts the history it could not reconcile.
//!
//! A fault alerts when it appears, not on every poll while it stands; a poll that finds its
//! check passing clears it, so the same fault coming back later alerts again. A checkpoint
//! claiming more than [`MAX_SIZE`] entries is a verification fault, never read further.

use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tlog::trust::Policy;
use tlog::{Checkpoint, ReadStorage, TileReader, Verifier, merkle};

use crate::alert::{Alert, Proof, now};
use crate::config::Watch;
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
    let verified = match tlog::verify_log(&source, &log.verifier, &[], &mut |_, _| {}) {
        Ok(r) => r.checkpoint,
        Err(tlog::Error::Io { path, source: e }) => {
            transient(state, &log.source, format!("{}: {e}", path.display()), &origin, ctx, &mut alerts);
            return alerts;
        }
        Err(e) => {
            let message = format!("the log at {} does not verify: {e}", log.source);
            raise(state, VERIFICATION, &message, Alert::new("verification", &origin, message.clone()), &mut alerts);
            return alerts;
        }
    };
    clear(state, VERIFICATION);
    match Checkpoint::open(&served, &log.verifier) {
        Ok(cp) if cp == verified => {}
        // The log moved on between the two reads; the next poll sees it whole.
        _ => return alerts,
    }
    state.failures.remove(&log.source);
    let served_text = String::from_utf8_lossy(&served).into_owned();

    let base = state.checkpoint.as_deref().and_then(|t| Checkpoint::open(t.as_bytes(), &log.verifier).ok());
    if let Some(base) = &base {
        if let Err(why) = extends(&source, base, &verified) {
            let old = state.checkpoint.clone().unwrap_or_default();
            let message = format!(
                "the log's checkpoint (size {}) does not extend the one verified before (size {}): {why}",
                verified.size, base.size
            );
            let fault = Fault { kind: "consistency", id: CONSISTENCY.to_string() };
            conflict(state, &fault, &origin, message, [old, served_text], ctx, &mut alerts);
            return alerts;
        }
        clear(state, CONSISTENCY);
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
        let split = if seen.size <= verified.size {
            extends(&source, &seen, &verified).err()
        } else {
            // The witness saw a later checkpoint; the log's tiles may already hold it.
            extends(&source, &verified, &seen).err().filter(|why| !why.starts_with("unavailable"))
        };
        if let Some(why) = split {
            let message = format!(
                "split view: witness {name} cosigned a checkpoint of size {} that the log's checkpoint of size {} \
                 contradicts ({why})",
                seen.size, verified.size
            );
            let seen_text = String::from_utf8_lossy(&view).into_owned();
            conflict(state, &split_fault, &origin, message, [served_text.clone(), seen_text], ctx, &mut alerts);
        } else {
            clear(state, &split_fault.id);
        }
    }

    // The new entries, each bundle read once.
    let from = base.map_or(0, |b| b.size);
    let reader = TileReader::new(&source, verified.size);
    let read = reader.for_each_entry(from, |index, entry| {
        let record: Value = match serde_json::from_slice(entry) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                let mut a = Alert::new(
                    "unparseable_entry",
                    &origin,
                    format!("entry #{index} is not a JSON record ({} bytes); read it with candor log", entry.len()),
                );
                a.index = Some(index);
                alerts.push(a);
                return;
            }
        };
        // Entries that are not candor's records (another writer's) match nothing.
        let Some(record) = records::parse_value(record) else { return };
        for item in crate::watch::matches(&record, ctx.watch) {
            let kind = record.kind();
            let mut a = Alert::new("watch", &origin, format!("entry #{index} ({kind}) matches {item}"));
            a.item = Some(item);
            a.index = Some(index);
            alerts.push(a);
        }
    });
    if let Err(e) = read {
        transient(state, &log.source, format!("entries from {from}: {e}"), &origin, ctx, &mut alerts);
        return alerts;
    }
    state.checkpoint = Some(served_text);
    alerts
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
