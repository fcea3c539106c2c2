//! Signed-note parsing and opening never panic; a parsed note's text is a prefix of it.
#![no_main]
use libfuzzer_sys::fuzz_target;

const VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

fuzz_target!(|data: &[u8]| {
    if let Ok((text, _sigs)) = tlog::note::parse(data) {
        assert!(data.starts_with(text.as_bytes()));
        assert!(text.ends_with('\n'));
    }
    if let Ok(v) = tlog::Verifier::from_vkey(VKEY) {
        let _ = tlog::note::open(data, &[v]);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = tlog::Verifier::from_vkey(s);
        let _ = tlog::Signer::from_private_key(s);
    }
});
