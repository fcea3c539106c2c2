//! Generated billing data in every format — FOCUS and CUR 2.0, as CSV, gzip CSV and Parquet —
//! aggregates to the same result; Parquet is read the same on one thread or two; strict mode
//! flags what AWS-style Parquet does differently from FOCUS; bad Parquet is refused with file,
//! row and column, and leaves the store as it was.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use usage::aggregate::aggregate_file;
use usage::focus::ReadOptions;
use usage::fold::{Key, Sums};
use usage::generate::{GenConfig, Layout, write_csv, write_parquet};
use usage::parquet_aggregate::aggregate_parquet;
use usage::store::UsageStore;
use usage::taxonomy::Taxonomy;

fn cfg(rows: u64) -> GenConfig {
    GenConfig {
        rows,
        accounts: (1..=120).map(|i| format!("demo-acct-{i:05}")).collect(),
        face_accounts: vec!["demo-acct-00001".into(), "demo-acct-00007".into()],
        start_month: (2026, 6),
        months: 4,
        seed: 7,
    }
}

fn write_all(dir: &Path, layout: Layout, rows: u64) -> Vec<PathBuf> {
    let name = if layout == Layout::Cur { "cur" } else { "focus" };
    let c = cfg(rows);
    let csv = dir.join(format!("{name}.csv"));
    let mut f = std::fs::File::create(&csv).expect("create");
    write_csv(&mut f, &c, layout).expect("csv");
    let gz = dir.join(format!("{name}.csv.gz"));
    let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&gz).expect("create"), flate2::Compression::fast());
    write_csv(&mut e, &c, layout).expect("gzip");
    e.finish().expect("gzip").flush().expect("flush");
    let pq = dir.join(format!("{name}.parquet"));
    // Small row groups, so the file has many and both threads get some.
    write_parquet(std::fs::File::create(&pq).expect("create"), &c, layout, 3_000).expect("parquet");
    vec![csv, gz, pq]
}

fn agg(path: &Path) -> BTreeMap<Key, Sums> {
    let t = Taxonomy::builtin().expect("taxonomy");
    aggregate_file(&t, path, ReadOptions::default(), &mut |_, _| {}).expect("aggregate").groups.to_map()
}

fn assert_same(a: &BTreeMap<Key, Sums>, b: &BTreeMap<Key, Sums>, what: &str) {
    let only_a = a.keys().find(|k| !b.contains_key(*k));
    let only_b = b.keys().find(|k| !a.contains_key(*k));
    assert!(only_a.is_none() && only_b.is_none(), "{what}: keys differ: {only_a:?} / {only_b:?}");
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    for (k, x) in a {
        let y = &b[k];
        assert_eq!((x.lines, &x.first, &x.last), (y.lines, &y.first, &y.last), "{what}: {k:?}");
        assert!(close(x.quantity, y.quantity) && close(x.cost, y.cost), "{what}: {k:?}: {x:?} vs {y:?}");
    }
}

#[test]
fn every_format_aggregates_to_the_same_result() {
    let d = tempfile::tempdir().expect("tempdir");
    let focus = write_all(d.path(), Layout::Focus, 20_000);
    let cur = write_all(d.path(), Layout::Cur, 20_000);
    let reference = agg(&focus[0]);
    assert!(reference.len() > 500, "a realistic spread of keys: {}", reference.len());
    assert!(reference.keys().any(|k| k.capability == "face_identification" && k.region_class == "government"));
    for f in &focus[1..] {
        assert_same(&reference, &agg(f), &f.display().to_string());
    }
    let lines: u64 = reference.values().map(|s| s.lines).sum();
    assert_eq!(lines, 20_000);
    // CUR names services by product code (AmazonEC2, not Amazon Elastic Compute Cloud); with
    // the service left out, the same lines give the same aggregate.
    let without_service = |m: &BTreeMap<Key, Sums>| {
        let mut out: BTreeMap<Key, Sums> = BTreeMap::new();
        for (k, v) in m {
            let e = out.entry(Key { service: String::new(), ..k.clone() }).or_default();
            e.quantity += v.quantity;
            e.cost += v.cost;
            e.lines += v.lines;
            e.first = if e.first.is_empty() { v.first.clone() } else { e.first.clone().min(v.first.clone()) };
            e.last = e.last.clone().max(v.last.clone());
        }
        out
    };
    let cur_reference = agg(&cur[0]);
    assert_same(&without_service(&reference), &without_service(&cur_reference), "FOCUS vs CUR");
    for f in &cur[1..] {
        assert_same(&cur_reference, &agg(f), &f.display().to_string());
    }
}

#[test]
fn parquet_reads_the_same_on_one_thread_or_two() {
    let d = tempfile::tempdir().expect("tempdir");
    let t = Taxonomy::builtin().expect("taxonomy");
    for layout in [Layout::Focus, Layout::Cur] {
        let pq = &write_all(d.path(), layout, 30_000)[2];
        let one = aggregate_parquet(&t, pq, ReadOptions::default(), 1, &mut |_, _| {}).expect("one");
        let two = aggregate_parquet(&t, pq, ReadOptions::default(), 2, &mut |_, _| {}).expect("two");
        // Partial sums are added in row-group order: bit-for-bit the same.
        assert_eq!(one.groups.to_map(), two.groups.to_map());
        assert_eq!(one.unmapped, two.unmapped);
        assert_eq!(one.read.rows, 30_000);
    }
}

#[test]
fn strict_mode_flags_aws_style_parquet_and_accepts_generated_focus() {
    let d = tempfile::tempdir().expect("tempdir");
    let t = Taxonomy::builtin().expect("taxonomy");
    let strict = ReadOptions { strict: true };
    let focus = &write_all(d.path(), Layout::Focus, 2_000)[2];
    let r = aggregate_parquet(&t, focus, strict, 0, &mut |_, _| {}).expect("focus");
    assert!(r.read.nonconformance.is_empty(), "{:?}", r.read.nonconformance);
    let cur = &write_all(d.path(), Layout::Cur, 2_000)[2];
    let lenient = aggregate_parquet(&t, cur, ReadOptions::default(), 0, &mut |_, _| {}).expect("lenient");
    assert!(lenient.read.nonconformance.is_empty());
    let r = aggregate_parquet(&t, cur, strict, 0, &mut |_, _| {}).expect("strict");
    let kinds: Vec<&str> = r.read.nonconformance_counts.keys().map(String::as_str).collect();
    assert_eq!(kinds, vec!["INT96 timestamp", "MAP column", "amount stored as floating point"]);
    assert_eq!(r.read.nonconformance_counts["amount stored as floating point"], 2);
    assert_eq!(r.groups.to_map(), lenient.groups.to_map());
}

#[test]
fn bad_parquet_names_file_row_and_column_and_changes_nothing() {
    let d = tempfile::tempdir().expect("tempdir");
    let t = Taxonomy::builtin().expect("taxonomy");
    let good = &write_all(d.path(), Layout::Focus, 10_000)[2];
    let mut store = UsageStore::in_memory().expect("store");
    store.ingest(&t, good, ReadOptions::default()).expect("ingest");
    let before = store.rows().expect("rows");
    let bytes = std::fs::read(good).expect("read");
    // Truncated: the footer is gone.
    let cut = d.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let e = store.ingest(&t, &cut, ReadOptions::default()).expect_err("truncated").to_string();
    assert!(e.contains("cut.parquet") && e.contains("PAR1"), "{e}");
    // Every byte of the first row group's data flipped in turn would take long; flip a
    // stretch at the start and in the middle of columns candor reads (a column it does not
    // read cannot change its sums) and require a clear error.
    let meta = usage::parquet::ParquetFile::open(good).expect("parquet").meta;
    let chunk = |name: &str| {
        let i = meta.leaves.iter().position(|l| l.path == [name]).expect("column");
        let c = &meta.row_groups[0].chunks[i];
        (c.start as usize, c.len as usize)
    };
    let (account, cost, start) = (chunk("SubAccountId"), chunk("BilledCost"), chunk("ChargePeriodStart"));
    let mut found_error = false;
    for offset in [4usize, account.0 + 8, account.0 + account.1 / 2, cost.0 + cost.1 / 2, start.0 + 8] {
        let mut b = bytes.clone();
        for x in &mut b[offset..offset + 64] {
            *x ^= 0x5a;
        }
        let p = d.path().join(format!("flip{offset}.parquet"));
        std::fs::write(&p, &b).expect("write");
        match store.ingest(&t, &p, ReadOptions::default()) {
            Err(e) => {
                let e = e.to_string();
                assert!(e.contains(&format!("flip{offset}.parquet")), "{e}");
                assert!(e.contains("row") && e.contains("row group"), "names row and row group: {e}");
                found_error = true;
            }
            Ok(_) => panic!("corruption at {offset} went unnoticed"),
        }
        assert_eq!(store.rows().expect("rows"), before, "store unchanged after a bad file");
    }
    assert!(found_error);
}

#[test]
fn random_corruption_of_parquet_is_an_error_or_a_result_never_a_panic() {
    let d = tempfile::tempdir().expect("tempdir");
    let t = Taxonomy::builtin().expect("taxonomy");
    let pq = &write_all(d.path(), Layout::Cur, 3_000)[2];
    let bytes = std::fs::read(pq).expect("read");
    let p = d.path().join("corrupt.parquet");
    // CANDOR_CORRUPT_RUNS and CANDOR_CORRUPT_SEED run a longer or different sweep.
    let runs: usize = std::env::var("CANDOR_CORRUPT_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let mut state: u64 =
        std::env::var("CANDOR_CORRUPT_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x2545_f491_4f6c_dd1d) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut errors, mut results) = (0, 0);
    for _ in 0..runs {
        let mut b = bytes.clone();
        // One to four bytes replaced, anywhere (the footer included).
        for _ in 0..1 + next() % 4 {
            let i = (next() % b.len() as u64) as usize;
            b[i] = next() as u8;
        }
        std::fs::write(&p, &b).expect("write");
        match aggregate_parquet(&t, &p, ReadOptions::default(), 2, &mut |_, _| {}) {
            Ok(_) => results += 1,
            Err(e) => {
                assert!(e.to_string().contains("corrupt.parquet"), "{e}");
                errors += 1;
            }
        }
    }
    assert!(errors > 50 && results > 50, "both outcomes occur: {errors} errors, {results} results");
}

#[test]
fn a_footer_with_a_negative_chunk_offset_is_an_error_not_a_panic() {
    // Found by the Parquet fuzz target: the `parquet` crate's `byte_range` panics on it.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/negative-chunk-offset.parquet");
    let t = Taxonomy::builtin().expect("taxonomy");
    let e = aggregate_parquet(&t, &path, ReadOptions::default(), 0, &mut |_, _| {}).expect_err("refused");
    let e = e.to_string();
    assert!(e.contains("negative-chunk-offset.parquet") && e.contains("negative"), "{e}");
}
