//! What the SQL-engine tests share: candor's own aggregate of a billing file, an engine's
//! result rows read back from CSV, and the comparison (sums within floating-point reordering,
//! everything else exact).

use std::collections::BTreeMap;
use std::path::Path;

use usage::focus::ReadOptions;
use usage::store::UsageStore;
use usage::taxonomy::Taxonomy;

/// The group key: account, month, service, capability, region class, unit.
pub type Key = (String, String, String, String, String, String);
/// The group's quantity, cost, line count, first and last day.
pub type Sums = (f64, f64, u64, String, String);

/// candor's own aggregation of `path`, as stored by `candor usage ingest`.
pub fn candor_rows(path: &Path) -> BTreeMap<Key, Sums> {
    let t = Taxonomy::builtin().expect("taxonomy");
    let mut store = UsageStore::in_memory().expect("store");
    store.ingest(&t, path, ReadOptions::default()).expect("ingest");
    store
        .rows()
        .expect("rows")
        .into_iter()
        .map(|(k, v)| {
            (
                (k.account, k.month, k.service, k.capability, k.region_class, k.unit),
                (v.quantity, v.cost, v.lines, v.first, v.last),
            )
        })
        .collect()
}

/// The column names of a billing file (its CSV header, or its Parquet schema's top fields).
pub fn headers_of(path: &Path) -> Vec<String> {
    if path.extension().is_some_and(|e| e == "parquet") {
        let file = usage::parquet::ParquetFile::open(path).expect("parquet");
        file.meta.top.iter().map(|f| f.name.clone()).collect()
    } else {
        let text = std::fs::read_to_string(path).expect("read");
        text.lines().next().expect("header").split(',').map(|h| h.trim_matches('"').to_string()).collect()
    }
}

/// An engine's result rows, as headerless CSV in the query's column order.
pub fn engine_rows(csv_text: &[u8]) -> BTreeMap<Key, Sums> {
    let mut out = BTreeMap::new();
    for rec in csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text).records() {
        let r = rec.expect("record");
        let f = |i: usize| r.get(i).unwrap_or("").to_string();
        let n = |i: usize| f(i).parse::<f64>().unwrap_or_else(|_| panic!("column {i} is not a number: {r:?}"));
        out.insert(
            (f(0), f(1), f(2), f(3), f(4), f(5)),
            (n(6), n(7), f(8).parse::<u64>().expect("count"), f(9), f(10)),
        );
    }
    out
}

/// Sums agree to 1e-9 relative (engines add in their own order); everything else exactly.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Asserts that `engine`'s rows are candor's rows.
pub fn assert_agree(engine: &str, ours: &BTreeMap<Key, Sums>, theirs: &BTreeMap<Key, Sums>) {
    assert!(!ours.is_empty(), "candor aggregated nothing: the comparison would prove nothing");
    assert_eq!(ours.len(), theirs.len(), "row counts differ: candor {} vs {engine} {}", ours.len(), theirs.len());
    for (k, (q, c, l, first, last)) in ours {
        let (tq, tc, tl, tfirst, tlast) = theirs.get(k).unwrap_or_else(|| panic!("{engine} has no row {k:?}"));
        assert!(close(*q, *tq) && close(*c, *tc), "{k:?}: candor ({q}, {c}) vs {engine} ({tq}, {tc})");
        assert_eq!((l, first, last), (tl, tfirst, tlast), "{k:?}");
    }
}
