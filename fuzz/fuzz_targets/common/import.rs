//! One registry importer on arbitrary bytes: every input is imported whole or refused with an
//! error, never a panic, and a refused file leaves the store as it was (with and without
//! skipping bad rows). Shared by the `import_*` targets, one per importer, so each gets its
//! own corpus and its own time.

use registry::import::{self, ImportOptions};
use registry::{SqliteStore, Store};

/// Which importer a target drives. (Each target builds this module and names one variant.)
#[derive(Clone, Copy)]
#[allow(dead_code)]
pub enum Importer {
    Usaspending,
    Fbi,
    Atlas,
    Accounts,
    FollowTheMoney,
}

pub fn run(importer: Importer, file: &[u8]) {
    let path = std::env::temp_dir().join(format!("candor-fuzz-import-{}.csv", std::process::id()));
    if std::fs::write(&path, file).is_err() {
        return;
    }
    let Ok(mut store) = SqliteStore::in_memory() else { return };
    let Ok(before) = store.counts() else { return };
    for skip_bad_rows in [false, true] {
        let opts = ImportOptions { skip_bad_rows };
        let result = match importer {
            Importer::Usaspending => import::import_usaspending(&mut store, &path, opts, &mut |_, _| {}),
            Importer::Fbi => import::import_fbi_agencies(&mut store, &path, opts, &mut |_, _| {}),
            Importer::Atlas => import::import_atlas(&mut store, &path, opts, &mut |_, _| {}),
            Importer::Accounts => import::import_accounts(&mut store, &path, opts, &mut |_, _| {}),
            Importer::FollowTheMoney => registry::ftm::import(&mut store, &path),
        };
        if result.is_err() && !skip_bad_rows {
            assert_eq!(store.counts().ok(), Some(before), "a refused file changes nothing");
        }
    }
}
