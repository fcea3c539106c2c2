//! Tile paths: no panics, and only canonical paths parse (they write back identically).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        if let Ok(id) = tlog::TileId::parse_path(path) {
            assert_eq!(id.path(), path);
        }
    }
});
