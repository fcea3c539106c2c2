//! The Trino and BigQuery queries (and the DuckDB and Spark ones, which also run for real
//! elsewhere) parse in sqlglot (PyPI), each in its own dialect, so a syntax error in any
//! dialect fails the tests. A query cut short must fail to parse, so the check can fail.
//!
//! focus-validator pins an old sqlglot, so `.ci/run` installs a current one apart, under
//! `target/tools/sqlglot`, and this test puts it first on `PYTHONPATH`.

use std::path::Path;
use std::process::Command;

use usage::sql::{Columns, Dialect, FOCUS_COLUMNS, aggregate_query};
use usage::taxonomy::Taxonomy;

const PARSE: &str = r#"
import sys, sqlglot
from sqlglot.errors import ErrorLevel
dialect, path = sys.argv[1], sys.argv[2]
trees = sqlglot.parse(open(path).read(), read=dialect, error_level=ErrorLevel.RAISE)
assert len(trees) == 1 and trees[0] is not None, f"{len(trees)} statements"
print(sqlglot.__version__, type(trees[0]).__name__)
"#;

fn sqlglot_path() -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/sqlglot");
    if p.join("sqlglot").is_dir() {
        Some(p)
    } else {
        crate::skip(
            "no sqlglot in target/tools/sqlglot (run .ci/run, or python3 -m pip install --target target/tools/sqlglot sqlglot)",
        );
        None
    }
}

fn parse(dir: &Path, lib: &Path, dialect: &str, sql: &str) -> std::process::Output {
    let (script, query) = (dir.join("parse.py"), dir.join(format!("{dialect}.sql")));
    std::fs::write(&script, PARSE).expect("write");
    std::fs::write(&query, sql).expect("write");
    Command::new("python3").env("PYTHONPATH", lib).arg(&script).arg(dialect).arg(&query).output().expect("python3")
}

#[test]
fn every_dialects_query_parses_in_sqlglot() {
    let Some(lib) = sqlglot_path() else { return };
    let t = Taxonomy::builtin().expect("taxonomy");
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, dialect) in [
        ("duckdb", Dialect::DuckDb),
        ("spark", Dialect::Spark),
        ("trino", Dialect::Trino),
        ("bigquery", Dialect::BigQuery),
    ] {
        // Both column layouts: FOCUS, and CUR 2.0 (other names, no provider column).
        for headers in [
            FOCUS_COLUMNS.to_vec(),
            vec![
                "line_item_usage_account_id",
                "product_servicecode",
                "line_item_usage_type",
                "line_item_operation",
                "product_region_code",
                "line_item_usage_amount",
                "pricing_unit",
                "line_item_unblended_cost",
                "line_item_usage_start_date",
            ],
        ] {
            let sql = aggregate_query(&t, &Columns::from_headers(&headers), "billing.focus", dialect);
            let out = parse(dir.path(), &lib, name, &sql);
            assert!(
                out.status.success(),
                "sqlglot could not parse the {name} query: {}\n{sql}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("Select"), "{name}: not one SELECT");
            // The same query cut before its last GROUP BY column is a syntax error.
            let cut = &sql[..sql.find("GROUP BY").expect("group by") + "GROUP BY account,".len()];
            let broken = format!("{cut} ORDER BY");
            assert!(!parse(dir.path(), &lib, name, &broken).status.success(), "{name}: a broken query parsed");
        }
    }
}
