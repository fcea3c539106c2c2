//! Entry bundles and hash tiles: no panics, and what parses re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = tlog::tile::parse_bundle(data) {
        let mut again = Vec::new();
        for e in &entries {
            tlog::tile::push_bundle_entry(&mut again, e).expect("parsed entries fit");
        }
        assert_eq!(again, data);
    }
    let width = data.first().map(|&w| u16::from(w).max(1)).unwrap_or(1);
    if let Ok(hashes) = tlog::tile::parse_hash_tile(&data[1.min(data.len())..], width) {
        assert_eq!(hashes.len(), usize::from(width));
    }
});
