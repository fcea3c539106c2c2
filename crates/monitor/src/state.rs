//! What the monitor remembers between polls, in `state_dir/state.json` (replaced atomically):
//! per log, the last checkpoint it verified (the base every later checkpoint must extend) and
//! its tree's frontier (at most 64 hashes, in `tlog::Frontier`'s text form: what lets the next
//! poll read only what is new), its run of failed polls, and the faults standing since they
//! alerted (so a standing fault alerts once, not every poll, and alerts again if it clears and
//! comes back); and when the last heartbeat went out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// The state of one followed log.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogState {
    /// The last checkpoint verified, as signed.
    pub checkpoint: Option<String>,
    /// The frontier of its tree (`tlog::Frontier::to_text`). Absent from the state of a
    /// monitor before this field: the next poll then reads the log whole once, and keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontier: Option<String>,
    /// Consecutive polls that failed for a transient reason (per source: the log, each witness).
    #[serde(default)]
    pub failures: BTreeMap<String, u32>,
    /// Keys of the faults and conflicts alerted and not yet found gone (`fault:key`).
    #[serde(default)]
    pub alerted: BTreeSet<String>,
}

/// Everything the monitor remembers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Per log, by verifier key.
    pub logs: BTreeMap<String, LogState>,
    /// When the last heartbeat went out (seconds since the epoch).
    pub last_heartbeat: u64,
}

impl State {
    fn path(dir: &Path) -> PathBuf {
        dir.join("state.json")
    }

    /// Reads the state in `dir` (empty when there is none yet).
    pub fn load(dir: &Path) -> Result<State, Error> {
        let path = State::path(dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::State { path, message: format!("not the monitor's state: {e}") }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(Error::State { path, message: e.to_string() }),
        }
    }

    /// Saves the state in `dir` durably: a crash leaves the old state or the new one.
    pub fn save(&self, dir: &Path) -> Result<(), Error> {
        let bytes =
            serde_json::to_vec_pretty(self).map_err(|e| Error::State { path: dir.into(), message: e.to_string() })?;
        write_atomic(&State::path(dir), &bytes)
    }
}

/// Writes `path` by rename after an fsync, so readers see the old or the new bytes.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::State { path: path.to_path_buf(), message: e.to_string() };
    let dir = folder_of(path);
    std::fs::create_dir_all(dir).map_err(fail)?;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(fail)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)?;
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(fail)
}

/// The folder `path` is in: `.` for a bare file name, whose parent is the empty path (which
/// cannot be opened to sync the rename).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_file_name_is_in_the_current_folder() {
        assert_eq!(folder_of(Path::new("alerts.xml")), Path::new("."));
        assert_eq!(folder_of(Path::new("state/state.json")), Path::new("state"));
        assert_eq!(folder_of(Path::new("/state.json")), Path::new("/"));
    }
}
