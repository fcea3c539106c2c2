//! The log the release before this crate wrote: every record reads into its type and writes
//! back to exactly its bytes.

use std::path::PathBuf;

use records::{Parsed, parse};
use tlog::tile::{TILE_WIDTH, TileId, parse_bundle, width_at};

pub fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/log-before-records-crate")
}

/// Every entry of the log in `dir`, as its checkpoint counts them.
pub fn entries(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let cp = std::fs::read_to_string(dir.join("checkpoint")).expect("checkpoint");
    let size: u64 = cp.lines().nth(1).and_then(|l| l.parse().ok()).expect("size line");
    let storage = tlog::Dir::new(dir.to_path_buf());
    let mut out = Vec::new();
    for bundle in 0..size.div_ceil(TILE_WIDTH) {
        let id = TileId::entries(bundle, width_at(0, bundle, size));
        let bytes = tlog::read_tile(&storage, id).expect("bundle");
        out.extend(parse_bundle(&bytes).expect("entries").into_iter().map(<[u8]>::to_vec));
    }
    assert_eq!(out.len() as u64, size);
    out
}

#[test]
fn every_record_of_the_old_log_reads_into_its_type_and_writes_back_byte_for_byte() {
    let entries = entries(&fixture());
    let mut kinds = std::collections::BTreeSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let parsed = parse(entry).unwrap_or_else(|| panic!("entry {i} is not a candor record"));
        let Parsed::Known(record) = &parsed else { panic!("entry {i} is not of a known kind: {parsed:?}") };
        assert!(record.extra.is_empty(), "entry {i} has members the format does not define: {:?}", record.extra);
        assert_eq!(&record.entry().expect("canonical"), entry, "entry {i} ({}) changed its bytes", record.kind());
        kinds.insert(record.kind());
    }
    // The demo writes every kind but enforcement's withdrawal-only paths; most kinds are here.
    for kind in [
        "candor.organisation_usage",
        "candor.classification",
        "candor.correction",
        "candor.period_summary",
        "candor.period_records",
        "candor.policy_version",
        "candor.policy_proposal",
        "candor.policy_objection",
        "candor.policy_notice_setting",
    ] {
        assert!(kinds.contains(kind), "the fixture holds no {kind}: {kinds:?}");
    }
}
