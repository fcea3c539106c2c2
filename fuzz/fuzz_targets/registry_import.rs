//! The registry's importers on arbitrary bytes: the first byte picks USAspending, the FBI
//! list, the Atlas of Surveillance, customer accounts or FollowTheMoney; the rest is the file.
//! Every input is imported whole or refused with an error, never a panic, and a refused file
//! leaves the store as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use registry::import::{self, ImportOptions};
use registry::{SqliteStore, Store};

fuzz_target!(|data: &[u8]| {
    let Some((&which, file)) = data.split_first() else { return };
    let path = std::env::temp_dir().join(format!("candor-fuzz-import-{}.csv", std::process::id()));
    if std::fs::write(&path, file).is_err() {
        return;
    }
    let Ok(mut store) = SqliteStore::in_memory() else { return };
    let Ok(before) = store.counts() else { return };
    for skip_bad_rows in [false, true] {
        let opts = ImportOptions { skip_bad_rows };
        let result = match which % 5 {
            0 => import::import_usaspending(&mut store, &path, opts, &mut |_, _| {}),
            1 => import::import_fbi_agencies(&mut store, &path, opts, &mut |_, _| {}),
            2 => import::import_atlas(&mut store, &path, opts, &mut |_, _| {}),
            3 => import::import_accounts(&mut store, &path, opts, &mut |_, _| {}),
            _ => registry::ftm::import(&mut store, &path),
        };
        if result.is_err() && !skip_bad_rows {
            assert_eq!(store.counts().ok(), Some(before), "a refused file changes nothing");
        }
    }
});
