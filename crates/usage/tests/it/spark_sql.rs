//! `candor usage sql --dialect spark` checked on real Apache Spark: PySpark (PyPI) in local
//! mode, on Debian's Java runtime, runs the generated query over the same files candor
//! aggregates itself — generated FOCUS and CUR 2.0 billing data as CSV and as candor's own
//! Parquet, and the real FOCUS sample — and every group agrees. One Spark session runs all the
//! files (a session takes ~15 s to start). Skips, saying why, where PySpark or Java is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use usage::generate::{Layout, write_csv, write_parquet};
use usage::sql::{Columns, Dialect, aggregate_query};
use usage::taxonomy::Taxonomy;

use crate::duckdb_sql::generated;
use crate::engine_rows::{assert_agree, candor_rows, engine_rows, headers_of};

/// Reads jobs (billing file, query file, result file) as argument triples; CSV is read as text
/// (every column a string, RFC 4180 quoting), as candor reads it.
const RUN: &str = r#"
import csv, sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").appName("candor-sql-check")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.shuffle.partitions", "4")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
args = sys.argv[1:]
for i in range(0, len(args), 3):
    path, sql, out = args[i], open(args[i + 1]).read(), args[i + 2]
    if path.endswith(".parquet"):
        df = spark.read.parquet(path)
    else:
        df = (spark.read.option("header", True).option("escape", '"').option("multiLine", True)
              .option("nullValue", "NULL").csv(path))
    df.createOrReplaceTempView("focus")
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        for row in spark.sql(sql).collect():
            w.writerow(list(row))
spark.stop()
"#;

fn spark_available() -> bool {
    let java = Command::new("java").arg("-version").output().map(|o| o.status.success()).unwrap_or(false);
    if !java {
        crate::skip("no Java runtime (apt-get install default-jre-headless)");
        return false;
    }
    let ok =
        Command::new("python3").args(["-c", "import pyspark"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        crate::skip("the pyspark Python package is not installed (python3 -m pip install pyspark)");
    }
    ok
}

#[test]
fn spark_running_the_generated_sql_agrees_with_candor() {
    if !spark_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files: Vec<PathBuf> = Vec::new();
    for (layout, name) in [(Layout::Focus, "focus"), (Layout::Cur, "cur")] {
        let csv = dir.path().join(format!("{name}.csv"));
        let mut f = std::fs::File::create(&csv).expect("create");
        write_csv(&mut f, &generated(), layout).expect("generate");
        files.push(csv);
        let parquet = dir.path().join(format!("{name}.parquet"));
        write_parquet(std::fs::File::create(&parquet).expect("create"), &generated(), layout, 4_096).expect("generate");
        files.push(parquet);
    }
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/focus/focus-1.0-sample.csv");
    if sample.exists() {
        files.push(sample);
    } else {
        crate::skip(&format!("{} is absent: Spark runs on generated data only", sample.display()));
    }

    let t = Taxonomy::builtin().expect("taxonomy");
    let script = dir.path().join("run.py");
    std::fs::write(&script, RUN).expect("write");
    let mut cmd = Command::new("python3");
    cmd.arg(&script);
    for (i, path) in files.iter().enumerate() {
        let headers = headers_of(path);
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let sql = aggregate_query(&t, &Columns::from_headers(&headers), "focus", Dialect::Spark);
        let sql_file = dir.path().join(format!("q{i}.sql"));
        std::fs::write(&sql_file, sql).expect("write");
        cmd.arg(path).arg(&sql_file).arg(dir.path().join(format!("out{i}.csv")));
    }
    let out = cmd.output().expect("python3");
    assert!(out.status.success(), "Spark failed: {}", String::from_utf8_lossy(&out.stderr));
    for (i, path) in files.iter().enumerate() {
        let theirs = engine_rows(&std::fs::read(dir.path().join(format!("out{i}.csv"))).expect("result"));
        assert_agree(&format!("Spark on {}", path.display()), &candor_rows(path), &theirs);
    }
}
