//! The use cases as library calls, each on a demo of its own (fictional organisations,
//! generated usage): four eyes, the notice gate, the witness quorum and the enforcement disclosure.
//! (Store opens are counted in `tests/opens.rs`, a binary of its own.)

mod enforcement;
mod four_eyes;
mod notice_gate;
mod reconcile;
mod witness_quorum;

use std::path::PathBuf;

/// A demo in a folder of its own, kept (with its witnesses serving) while the value lives.
pub struct Demo {
    /// What the demo did (its witnesses serve while it lives).
    pub run: app::demo::DemoRun,
    /// Its folder.
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// Runs the demo in a new folder.
pub fn demo() -> Demo {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The demo makes its folder itself (it refuses to replace one it did not make).
    let dir = tmp.path().join("demo");
    let run = app::demo::run(&dir).expect("the demo");
    Demo { run, dir, _tmp: tmp }
}

impl Demo {
    /// Its stores (opened by the use cases that ask for them, once).
    pub fn stores(&self) -> app::stores::Stores {
        app::stores::Stores::in_folder(&self.dir)
    }

    /// Every entry of the demo's log, as served.
    pub fn entries(&self) -> Vec<Vec<u8>> {
        let public = self.dir.join("log/public");
        let cp = std::fs::read_to_string(public.join("checkpoint")).expect("checkpoint");
        let size: u64 = cp.lines().nth(1).and_then(|l| l.parse().ok()).expect("size");
        publish::entries::read_all(&tlog::Dir::new(public), size).expect("entries").iter().map(|e| e.to_vec()).collect()
    }
}
