//! The accounts importer on arbitrary bytes (see `common/import.rs`).
#![no_main]

#[path = "common/import.rs"]
mod import;

libfuzzer_sys::fuzz_target!(|data: &[u8]| import::run(import::Importer::Accounts, data));
