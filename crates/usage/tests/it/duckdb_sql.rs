//! `candor usage sql --dialect duckdb` checked for real: DuckDB (the `duckdb` Python package)
//! runs the generated query on the same file that candor aggregates itself, and the results are
//! identical — on generated billing data (CSV, and candor's own Parquet) and on the real FOCUS
//! sample. And the other way round: Parquet written by DuckDB, in every codec and both page
//! versions, reads in candor to the same aggregate as the CSV it came from. Skips, saying why,
//! where DuckDB (or the sample) is absent.

use std::path::Path;
use std::process::Command;

use usage::aggregate::aggregate_file;
use usage::focus::ReadOptions;
use usage::generate::{GenConfig, Layout, write_csv, write_parquet};
use usage::sql::{Columns, Dialect, aggregate_query};
use usage::store::UsageStore;
use usage::taxonomy::Taxonomy;

use crate::engine_rows::{assert_agree, candor_rows, close, engine_rows, headers_of};

const RUN: &str = r#"
import csv, sys, duckdb
path, sql = sys.argv[1], open(sys.argv[2]).read()
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
quoted = path.replace("'", "''")
if path.endswith(".parquet"):
    con.execute(f"CREATE VIEW focus AS SELECT * FROM read_parquet('{quoted}')")
else:
    con.execute(f"CREATE VIEW focus AS SELECT * FROM read_csv('{quoted}', header=true, nullstr='NULL')")
w = csv.writer(sys.stdout)
for row in con.execute(sql).fetchall():
    w.writerow(row)
# The same result as Parquet, the other form `candor usage ingest-aggregate` reads.
out = sys.argv[3].replace("'", "''")
con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
"#;

fn duckdb_available() -> bool {
    let ok =
        Command::new("python3").args(["-c", "import duckdb"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        crate::skip("the duckdb Python package is not installed (python3 -m pip install duckdb)");
    }
    ok
}

fn check(path: &Path) {
    let t = Taxonomy::builtin().expect("taxonomy");
    let ours = candor_rows(path);
    // DuckDB running the generated SQL.
    let header = headers_of(path);
    let headers: Vec<&str> = header.iter().map(String::as_str).collect();
    let sql = aggregate_query(&t, &Columns::from_headers(&headers), "focus", Dialect::DuckDb);
    let dir = tempfile::tempdir().expect("tempdir");
    let (sql_file, script) = (dir.path().join("q.sql"), dir.path().join("run.py"));
    std::fs::write(&sql_file, &sql).expect("write");
    std::fs::write(&script, RUN).expect("write");
    let agg_parquet = dir.path().join("aggregate.parquet");
    let out =
        Command::new("python3").arg(&script).arg(path).arg(&sql_file).arg(&agg_parquet).output().expect("python3");
    assert!(out.status.success(), "duckdb failed: {}\n{sql}", String::from_utf8_lossy(&out.stderr));
    let theirs = engine_rows(&out.stdout);
    // Their result, brought back into candor with `ingest-aggregate` (CSV and Parquet), stores
    // the same rows.
    let agg = dir.path().join("aggregate.csv");
    let mut text = String::from("account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n");
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    std::fs::write(&agg, text).expect("write");
    let mut back = UsageStore::in_memory().expect("store");
    let r = back.ingest_aggregate(&agg).expect("ingest-aggregate");
    assert!(!r.already_ingested);
    assert!(back.ingest_aggregate(&agg).expect("again").already_ingested);
    let back_rows = back.rows().expect("rows");
    assert_eq!(back_rows.len(), ours.len());
    // And as Parquet: the same stored rows.
    let mut from_parquet = UsageStore::in_memory().expect("store");
    from_parquet.ingest_aggregate(&agg_parquet).expect("ingest-aggregate parquet");
    let parquet_rows = from_parquet.rows().expect("rows");
    assert_eq!(parquet_rows.len(), back_rows.len());
    // (DuckDB ran the query twice; its parallel sums may differ in the last bits.)
    for ((ka, a), (kb, b)) in parquet_rows.iter().zip(&back_rows) {
        assert_eq!((ka, a.lines, &a.first, &a.last), (kb, b.lines, &b.first, &b.last), "Parquet vs CSV aggregate");
        assert!(close(a.quantity, b.quantity) && close(a.cost, b.cost), "{ka:?}: {a:?} vs {b:?}");
    }
    for (k, v) in &back_rows {
        let key = (
            k.account.clone(),
            k.month.clone(),
            k.service.clone(),
            k.capability.clone(),
            k.region_class.clone(),
            k.unit.clone(),
        );
        let (q, c, l, first, last) = &ours[&key];
        assert!(close(v.quantity, *q) && close(v.cost, *c), "{key:?}");
        assert_eq!((&v.lines, &v.first, &v.last), (l, first, last));
    }

    assert_agree("DuckDB", &ours, &theirs);
}

pub fn generated() -> GenConfig {
    GenConfig {
        rows: 20_000,
        accounts: (1..=200).map(|i| format!("demo-acct-{i:05}")).collect(),
        face_accounts: vec!["demo-acct-00001".into(), "demo-acct-00007".into(), "demo-acct-00017".into()],
        start_month: (2026, 7),
        months: 3,
        seed: 7,
    }
}

#[test]
fn duckdb_running_the_generated_sql_agrees_with_candor_on_generated_data() {
    if !duckdb_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("focus.csv");
    let mut f = std::fs::File::create(&path).expect("create");
    write_csv(&mut f, &generated(), Layout::Focus).expect("generate");
    drop(f);
    check(&path);
}

#[test]
fn duckdb_reads_candors_parquet_and_agrees() {
    if !duckdb_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // FOCUS: decimals and UTC timestamps; CUR: doubles, INT96 timestamps and a MAP column.
    for (layout, name) in [(Layout::Focus, "focus.parquet"), (Layout::Cur, "cur.parquet")] {
        let path = dir.path().join(name);
        let f = std::fs::File::create(&path).expect("create");
        write_parquet(f, &generated(), layout, 4_096).expect("generate");
        check(&path);
    }
}

const REWRITE: &str = r#"
import sys, duckdb
src, dst, codec, version = sys.argv[1:5]
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute(f"""COPY (SELECT *, MAP {{'x_note': x_CandorNote}} AS Tags FROM read_csv('{src}', header=true))
    TO '{dst}' (FORMAT parquet, COMPRESSION {codec}, PARQUET_VERSION {version}, ROW_GROUP_SIZE 5000)""")
"#;

#[test]
fn candor_reads_duckdbs_parquet_in_every_codec_and_page_version() {
    if !duckdb_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("focus.csv");
    let mut f = std::fs::File::create(&csv).expect("create");
    write_csv(&mut f, &generated(), Layout::Focus).expect("generate");
    drop(f);
    let t = Taxonomy::builtin().expect("taxonomy");
    let agg =
        |p: &Path| aggregate_file(&t, p, ReadOptions::default(), &mut |_, _| {}).expect("aggregate").groups.to_map();
    let reference = agg(&csv);
    let script = dir.path().join("rewrite.py");
    std::fs::write(&script, REWRITE).expect("write");
    for codec in ["uncompressed", "snappy", "gzip", "zstd", "lz4", "brotli"] {
        for version in ["v1", "v2"] {
            let out = dir.path().join(format!("duck-{codec}-{version}.parquet"));
            let o = Command::new("python3")
                .arg(&script)
                .arg(&csv)
                .arg(&out)
                .arg(codec)
                .arg(version)
                .output()
                .expect("python3");
            assert!(o.status.success(), "duckdb: {}", String::from_utf8_lossy(&o.stderr));
            let theirs = agg(&out);
            assert_eq!(theirs.len(), reference.len(), "{codec} {version}");
            for (k, v) in &reference {
                let w = theirs.get(k).unwrap_or_else(|| panic!("{codec} {version}: no {k:?}"));
                assert!(close(v.quantity, w.quantity) && close(v.cost, w.cost), "{codec} {version}: {k:?}");
                assert_eq!((v.lines, &v.first, &v.last), (w.lines, &w.first, &w.last), "{codec} {version}: {k:?}");
            }
        }
    }
}

#[test]
fn duckdb_running_the_generated_sql_agrees_with_candor_on_the_real_sample() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/focus/focus-1.0-sample.csv");
    if !path.exists() {
        crate::skip(&format!("{} is absent", path.display()));
        return;
    }
    if !duckdb_available() {
        return;
    }
    check(&path);
}
