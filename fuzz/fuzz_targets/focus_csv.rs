//! The billing CSV reader (FOCUS and CUR, plain or gzip: bytes starting 1f 8b are inflated)
//! on arbitrary bytes: every input gives rows or an error naming file, row and column, never
//! a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usage::focus::{ReadOptions, read_csv};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("candor-fuzz-{}.csv", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    for strict in [false, true] {
        let mut lines = 0u64;
        if let Ok(report) = read_csv(&path, ReadOptions { strict }, |_| lines += 1) {
            assert_eq!(report.rows, lines, "every row read is handed on");
        }
    }
});
