//! Checkpoint bodies: no panics, and whatever parses writes back to the same text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cp) = tlog::Checkpoint::parse_text(text) {
            assert_eq!(cp.to_text(), text);
        }
    }
});
