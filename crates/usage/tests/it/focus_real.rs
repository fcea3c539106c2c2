//! The real FOCUS 1.0 sample (FinOps Foundation, CC BY 4.0) reads in lenient mode and is
//! flagged in strict mode. Skips, saying why, where `../shared/data` is absent.

use std::path::Path;

use usage::focus::{ReadOptions, read_csv};
use usage::scan::scan;
use usage::taxonomy::Taxonomy;

fn sample() -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/focus/focus-1.0-sample.csv");
    if p.exists() {
        Some(p)
    } else {
        crate::skip(&format!("{} is absent", p.display()));
        None
    }
}

#[test]
fn the_real_sample_reads_leniently_and_is_flagged_strictly() {
    let Some(path) = sample() else { return };
    let mut providers = std::collections::BTreeSet::new();
    let lenient = read_csv(&path, ReadOptions::default(), |l| {
        providers.insert(l.provider.clone());
    })
    .expect("lenient read");
    assert_eq!(lenient.rows, 1000);
    assert!(lenient.nonconformance.is_empty());
    assert!(providers.len() >= 3, "{providers:?}");

    let strict = read_csv(&path, ReadOptions { strict: true }, |_| {}).expect("strict read");
    let kinds: Vec<&String> = strict.nonconformance_counts.keys().collect();
    assert!(strict.nonconformance_counts["NULL written as text"] > 0, "{kinds:?}");
    assert_eq!(strict.nonconformance_counts["ChargePeriodStart_IsDateTime"], 1000);
    assert!(strict.nonconformance_counts["ChargeFrequency_Enum"] > 0, "the sample writes Usage-based: {kinds:?}");
    assert!(strict.nonconformance.iter().any(|n| n.row == 0 && n.column == "Id"), "the custom column Id is named");
}

#[test]
fn the_real_sample_is_classified_with_unmapped_lines_counted() {
    let Some(path) = sample() else { return };
    let t = Taxonomy::builtin().expect("taxonomy");
    let r = scan(&t, &[path.as_path()], ReadOptions::default()).expect("scan");
    let mapped: u64 = r.capabilities.iter().map(|t| t.lines).sum();
    let unmapped: u64 = r.unmapped.values().sum();
    assert_eq!(mapped + unmapped, 1000, "every line is either classified or counted as unmapped");
    // With the shipped taxonomy every service in the sample is mapped.
    assert_eq!(unmapped, 0, "{:?}", r.unmapped);
    // The sample has no face-recognition rows (the data's README says so).
    assert!(!r.capabilities.iter().any(|t| t.capability.starts_with("face")));
}
