//! A transparency-log monitor: it follows one or more candor logs (a folder or a URL), keeps
//! the last checkpoint it verified per log on disk with its tree's frontier, and on every poll
//! verifies what each log added since, reading only the new entry bundles and tiles (which
//! proves the log extends that checkpoint), compares it with each witness's latest view (a
//! split view, two signed histories, is kept as proof), and reads the new records for what its
//! user watches: organisations, capabilities, record kinds. Alerts name the watch item that
//! matched and go to stdout (JSON lines), a program, a webhook and an Atom feed ([`alert`]).
//!
//! [`config`] is the TOML file; [`source`] reads a log or a witness; [`poll`] is one log's
//! poll; [`watch`] matches records; [`state`] is what it remembers. [`run`] is the loop: poll
//! every log, deliver, save, a daily heartbeat, reload on SIGHUP, stop on SIGINT/SIGTERM.
#![deny(missing_docs)]

pub mod alert;
pub mod config;
pub mod poll;
pub mod source;
pub mod state;
pub mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::alert::{Alert, Sinks, now};
use crate::config::Config;
use crate::poll::{Context, Followed};
use crate::state::State;

/// Errors of the monitor's configuration and state (what it finds in the logs are alerts).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration file is unusable.
    #[error("monitor configuration {}: {message}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The state folder is unusable.
    #[error("monitor state {}: {message}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The logs of `config`, their keys and trust policies read.
fn followed(config: &Config, path: &Path) -> Result<Vec<Followed>, Error> {
    let bad = |message: String| Error::Config { path: path.to_path_buf(), message };
    config
        .logs
        .iter()
        .map(|l| {
            let verifier =
                tlog::Verifier::from_vkey(l.vkey.trim()).map_err(|e| bad(format!("log {}: vkey: {e}", l.source)))?;
            let policy = match &l.policy {
                None => None,
                Some(p) => {
                    let text = std::fs::read_to_string(p).map_err(|e| bad(format!("policy {}: {e}", p.display())))?;
                    Some(tlog::trust::Policy::parse(&text).map_err(|e| bad(format!("policy {}: {e}", p.display())))?)
                }
            };
            let start_at = l.start_at.unwrap_or(config.start_at);
            Ok(Followed { source: l.source.clone(), verifier, policy, start_at })
        })
        .collect()
}

/// Polls every log once, delivers the alerts (and a heartbeat when one is due) and saves the
/// state. Returns the alerts.
pub fn poll_once(config: &Config, path: &Path, out: &mut dyn Write) -> Result<Vec<Alert>, Error> {
    let logs = followed(config, path)?;
    std::fs::create_dir_all(&config.state_dir)
        .map_err(|e| Error::State { path: config.state_dir.clone(), message: e.to_string() })?;
    let mut state = State::load(&config.state_dir)?;
    let agent = source::agent();
    let ctx = Context {
        watch: &config.watch,
        state_dir: &config.state_dir,
        failures_before_alert: config.failures_before_alert,
        agent: &agent,
    };
    let mut alerts = Vec::new();
    for log in &logs {
        let entry = state.logs.entry(log.verifier.to_vkey()).or_default();
        alerts.extend(poll::poll(log, entry, &ctx));
    }
    let due = config.heartbeat_hours > 0 && now().saturating_sub(state.last_heartbeat) >= config.heartbeat_hours * 3600;
    if due {
        let sizes: Vec<String> = logs
            .iter()
            .map(|l| {
                let size =
                    state.logs.get(&l.verifier.to_vkey()).and_then(|s| s.checkpoint.as_deref()).and_then(|c| {
                        tlog::Checkpoint::open(c.as_bytes(), &l.verifier).ok().map(|cp| cp.size.to_string())
                    });
                format!("{} at size {}", l.verifier.name(), size.unwrap_or_else(|| "unverified".into()))
            })
            .collect();
        alerts.push(Alert::new("heartbeat", "monitor", format!("monitoring {}", sizes.join(", "))));
        state.last_heartbeat = now();
    }
    // State first: an alert delivered for a state that was then lost would be raised twice.
    state.save(&config.state_dir)?;
    Sinks { alerts: &config.alerts, state_dir: &config.state_dir, out, agent: &agent }.deliver(&alerts);
    Ok(alerts)
}

/// Runs until SIGINT or SIGTERM (or after one poll with `once`): polls every
/// `poll_seconds`, rereading the configuration on SIGHUP (a bad one is reported and the old
/// one kept).
pub fn run(path: &Path, once: bool, out: &mut dyn Write) -> Result<(), Error> {
    let mut config = Config::load(path)?;
    followed(&config, path)?;
    let reload = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let hook = |sig, flag: &Arc<AtomicBool>| {
        signal_hook::flag::register(sig, flag.clone())
            .map_err(|e| Error::State { path: path.to_path_buf(), message: format!("signal handler: {e}") })
    };
    hook(signal_hook::consts::SIGHUP, &reload)?;
    hook(signal_hook::consts::SIGINT, &stop)?;
    hook(signal_hook::consts::SIGTERM, &stop)?;
    loop {
        poll_once(&config, path, out)?;
        if once {
            return Ok(());
        }
        for _ in 0..config.poll_seconds * 10 {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if reload.swap(false, Ordering::Relaxed) {
                match Config::load(path).and_then(|c| followed(&c, path).map(|_| c)) {
                    Ok(c) => {
                        eprintln!("monitor: reloaded {}", path.display());
                        config = c;
                    }
                    Err(e) => eprintln!("monitor: {e}; keeping the configuration loaded before"),
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
