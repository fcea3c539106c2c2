//! The test vectors of `docs/disclosure-format.md`: each reads into its type, is its own
//! canonical encoding, and has the SHA-256 and leaf hash the text gives.

use records::{Parsed, parse};

#[test]
fn the_format_s_test_vectors_hold() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/disclosure-format.md"))
        .expect("docs/disclosure-format.md");
    let vectors = doc.split("## 8. Test vectors").nth(1).expect("the test vectors section");
    let mut checked = 0;
    for block in vectors.split("```json\n").skip(1) {
        let (entry, after) = block.split_once("\n```").expect("a closed block");
        let hex_after = |label: &str| -> String {
            let at = after.find(label).unwrap_or_else(|| panic!("{label} after {entry}"));
            after[at + label.len()..].trim_start_matches([' ', '`']).chars().take(64).collect()
        };
        let bytes = entry.as_bytes();
        let Some(Parsed::Known(record)) = parse(bytes) else { panic!("not a known record: {entry}") };
        assert_eq!(record.entry().expect("canonical"), bytes, "not its canonical encoding: {entry}");
        assert_eq!(records::sha256_hex(bytes), hex_after("SHA-256:"), "{entry}");
        assert_eq!(tlog::leaf_hash(bytes).to_hex(), hex_after("Leaf hash:"), "{entry}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}
