//! The Parquet read path (the `parquet` crate's footer and page reader under candor's fast path
//! and its fallback): any bytes give an aggregate or an error, never a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn taxonomy() -> &'static usage::taxonomy::Taxonomy {
    static T: OnceLock<usage::taxonomy::Taxonomy> = OnceLock::new();
    T.get_or_init(|| usage::taxonomy::Taxonomy::builtin().expect("the built-in taxonomy loads"))
}

fuzz_target!(|data: &[u8]| {
    // The reader works on files (it reads by offset); one file per fuzzing process.
    let path = std::env::temp_dir().join(format!("candor-fuzz-{}.parquet", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let opts = usage::focus::ReadOptions { strict: data.first().is_some_and(|b| b & 1 == 1) };
    let _ = usage::parquet_aggregate::aggregate_parquet(taxonomy(), &path, opts, 1, &mut |_, _| {});
});
