//! tlog-proof files: no panics, what parses writes back identically, and verification of
//! arbitrary proofs fails cleanly.
#![no_main]
use libfuzzer_sys::fuzz_target;

const VKEY: &str = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = tlog::TlogProof::parse(data) {
        assert_eq!(p.to_bytes(), data);
        if let Ok(v) = tlog::Verifier::from_vkey(VKEY) {
            let _ = p.verify(b"one", &v);
        }
    }
    // Inclusion and consistency verification on arbitrary numbers and hashes.
    if data.len() >= 80 {
        let n = |i: usize| u64::from_le_bytes(data[i..i + 8].try_into().expect("8 bytes")) % 100_000;
        let hashes: Vec<tlog::Hash> = data[16..].chunks_exact(32).filter_map(tlog::Hash::from_slice).collect();
        if let Some((first, rest)) = hashes.split_first() {
            let _ = tlog::merkle::verify_inclusion(n(0), n(8), first, rest, first);
            let _ = tlog::merkle::verify_consistency(n(0), n(8), first, first, rest);
        }
    }
});
