//! The monitor's configuration file (TOML): the logs it follows, what its user watches for,
//! where alerts go, and how often it polls.
//!
//! ```toml
//! state_dir = "monitor-state"        # last verified checkpoint per log, proofs, alert history
//! poll_seconds = 300
//! heartbeat_hours = 24               # a heartbeat alert this often, so silence means trouble
//! failures_before_alert = 3          # transient errors alert only when they persist
//! start_at = "start"                 # or "now": see below (the default for every log)
//!
//! [[log]]
//! source = "https://transparency.example/"   # or a folder holding `checkpoint` and `tile/`
//! vkey = "transparency.example/log+1234abcd+AQ..."
//! policy = "trust-policy"            # optional: compare with its witnesses' views
//! start_at = "now"                   # optional: this log's own
//!
//! [watch]
//! organisations = ["Lakemoor County Sheriff's Office", "UEI:ABCDEF123456"]
//! capabilities = ["face_identification"]
//! record_kinds = ["correction", "withdrawal", "policy_version"]
//!
//! [alerts]
//! stdout = true                      # JSON lines
//! exec = ["/usr/local/bin/notify"]   # gets each alert's JSON on stdin
//! webhook = "https://hooks.example/candor"   # POSTed each alert's JSON
//! atom = "alerts.xml"                # an Atom feed of the latest alerts
//! ```
//!
//! Relative paths are relative to the configuration file's folder.
//!
//! `start_at` says where the monitor starts a log it has no state for. `"start"` (the
//! default) reads and verifies the whole log and matches every record against the watch list.
//! `"now"` takes the log's current signed checkpoint as it stands (its signature checked, the
//! witnesses' views compared, its frontier read from the few tiles on the tree's right edge)
//! and reads only the entries appended after it: nothing this monitor did checks the entries
//! before, and none of them raises a watch alert. Once a log has state, `start_at` has no effect.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

/// Largest configuration file read.
const MAX_CONFIG: u64 = 1 << 20;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the monitor keeps its state.
    pub state_dir: PathBuf,
    /// Seconds between polls.
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    /// Hours between heartbeats (0: none).
    #[serde(default = "default_heartbeat")]
    pub heartbeat_hours: u64,
    /// Consecutive failed polls of a log before they alert.
    #[serde(default = "default_failures")]
    pub failures_before_alert: u32,
    /// Where a log without state is started, unless the log says otherwise.
    #[serde(default)]
    pub start_at: StartAt,
    /// The logs followed.
    #[serde(rename = "log")]
    pub logs: Vec<LogConfig>,
    /// What the user watches for.
    #[serde(default)]
    pub watch: Watch,
    /// Where alerts go.
    #[serde(default)]
    pub alerts: Alerts,
}

/// One log to follow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Its URL or folder.
    pub source: String,
    /// Its verifier key.
    pub vkey: String,
    /// A trust policy whose witnesses (with URLs) are asked for their latest view.
    pub policy: Option<PathBuf>,
    /// Where this log is started when the monitor has no state for it (the global one if absent).
    pub start_at: Option<StartAt>,
}

/// Where the monitor starts a log it has no state for (see the module documentation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartAt {
    /// Verify the whole log and read every entry.
    #[default]
    Start,
    /// Take the current signed checkpoint as the base, reading none of the entries before it.
    Now,
}

/// What to watch for in new records.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    /// Organisations, by name (case-insensitive) or identifier (`SCHEME:VALUE`).
    #[serde(default)]
    pub organisations: Vec<String>,
    /// Capability ids (e.g. `face_identification`).
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Record kinds: a record `type` (`candor.correction`) or its short form (`correction`),
    /// or `withdrawal` (a correction that withdraws a record without replacing it).
    #[serde(default)]
    pub record_kinds: Vec<String>,
}

/// Where alerts go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// JSON lines on stdout.
    #[serde(default = "yes")]
    pub stdout: bool,
    /// A program (and arguments) run per alert with its JSON on stdin.
    pub exec: Option<Vec<String>>,
    /// A URL each alert's JSON is POSTed to.
    pub webhook: Option<String>,
    /// An Atom feed file of the latest alerts.
    pub atom: Option<PathBuf>,
}

impl Default for Alerts {
    fn default() -> Alerts {
        Alerts { stdout: true, exec: None, webhook: None, atom: None }
    }
}

fn default_poll() -> u64 {
    300
}
fn default_heartbeat() -> u64 {
    24
}
fn default_failures() -> u32 {
    3
}
fn yes() -> bool {
    true
}

impl Config {
    /// Reads and checks the configuration at `path`; relative paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let bad = |why: String| Error::Config { path: path.to_path_buf(), message: why };
        let len = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?.len();
        if len > MAX_CONFIG {
            return Err(bad("larger than 1 MiB".into()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let mut config: Config = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if config.logs.is_empty() {
            return Err(bad("no [[log]] to follow".into()));
        }
        if config.poll_seconds == 0 || config.failures_before_alert == 0 {
            return Err(bad("poll_seconds and failures_before_alert must be at least 1".into()));
        }
        if let Some(exec) = &config.alerts.exec
            && exec.is_empty()
        {
            return Err(bad("alerts.exec must name a program".into()));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let rebase = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        rebase(&mut config.state_dir);
        if let Some(atom) = config.alerts.atom.as_mut() {
            rebase(atom);
        }
        for log in &mut config.logs {
            if let Some(p) = log.policy.as_mut() {
                rebase(p);
            }
            if !is_url(&log.source) && Path::new(&log.source).is_relative() {
                log.source = base.join(&log.source).display().to_string();
            }
        }
        Ok(config)
    }
}

/// Whether a source names a URL rather than a folder.
pub fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(global: &str, own: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(&format!("state_dir = \"s\"\n{global}\n[[log]]\nsource = \"a\"\nvkey = \"k\"\n{own}\n"))
    }

    #[test]
    fn start_at_defaults_to_the_start_and_a_log_may_set_its_own() {
        let c = parse("", "").expect("parse");
        assert_eq!((c.start_at, c.logs[0].start_at), (StartAt::Start, None));
        let c = parse("start_at = \"now\"", "").expect("parse");
        assert_eq!((c.start_at, c.logs[0].start_at), (StartAt::Now, None));
        let c = parse("start_at = \"now\"", "start_at = \"start\"").expect("parse");
        assert_eq!((c.start_at, c.logs[0].start_at), (StartAt::Now, Some(StartAt::Start)));
        assert!(parse("start_at = \"yesterday\"", "").is_err());
        assert!(parse("", "start_at = \"Now\"").is_err());
    }
}
