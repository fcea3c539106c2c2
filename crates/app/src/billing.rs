//! How: the usage store's use cases — billing files ingested into the store (each file once,
//! all or nothing), usage reported per organisation (accounts become organisations through
//! confirmed links only), and the aggregation as SQL for other engines — with their options
//! checked here, so `candor usage` only parses, calls and prints.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use usage::fold::Granularity;
use usage::store::{IngestReport, Phase};
use usage::taxonomy::Taxonomy;

use crate::stores::{Stores, lock};

/// The built-in taxonomy, with the user's own rules (read from `extra`) first.
pub fn taxonomy(extra: Option<&Path>) -> Result<Taxonomy> {
    Ok(Taxonomy::builtin_with(extra)?)
}

/// Ingests `files` into the usage store of `stores`, each once and all or nothing;
/// `progress(file, phase, done, total)` follows each file's reading, then its writing.
pub fn ingest(
    stores: &Stores,
    files: &[PathBuf],
    strict: bool,
    extra: Option<&Path>,
    progress: &mut dyn FnMut(&Path, Phase, u64, u64),
) -> Result<Vec<IngestReport>> {
    let t = taxonomy(extra)?;
    let store = stores.usage()?;
    let mut store = lock(&store);
    let mut reports = Vec::new();
    for f in files {
        let mut tick = |phase, done, total| progress(f, phase, done, total);
        reports.push(store.ingest_with_progress(&t, f, usage::focus::ReadOptions { strict }, &mut tick)?);
    }
    Ok(reports)
}

/// Ingests aggregates another engine computed with the query of [`sql`] (CSV or Parquet) into
/// the usage store of `stores`, each file once.
pub fn ingest_aggregate(stores: &Stores, files: &[PathBuf]) -> Result<Vec<IngestReport>> {
    let store = stores.usage()?;
    let mut store = lock(&store);
    let mut reports = Vec::new();
    for f in files {
        reports.push(store.ingest_aggregate(f)?);
    }
    Ok(reports)
}

/// The stored usage per organisation (or `account … (not linked)`), per period of
/// `granularity`: accounts become organisations through the registry's confirmed links only.
pub fn owner_report(stores: &Stores, granularity: Granularity) -> Result<usage::aggregate::UsageReport> {
    let owners = crate::period::owners::confirmed_owners(stores)?;
    let owner = |a: &str| owners.get(a).cloned().unwrap_or_else(|| format!("account {a} (not linked)"));
    // Rows are rolled up as the store reads them, never all held at once.
    let mut rolled = std::collections::BTreeMap::new();
    lock(&*stores.usage()?)
        .for_each_row(&mut |k, v| usage::aggregate::add_to_report(&mut rolled, &k, &v, granularity, &owner))?;
    Ok(usage::aggregate::UsageReport::from_rolled(rolled))
}

/// The aggregation as one SQL query in `dialect` over `table`, whose columns are those of
/// the CSV file `columns_from` (its header line) or FOCUS's.
pub fn sql(dialect: &str, columns_from: Option<&Path>, table: &str, extra: Option<&Path>) -> Result<String> {
    let t = taxonomy(extra)?;
    let d = usage::sql::Dialect::parse(dialect).context("--dialect")?;
    let header = match columns_from {
        Some(path) => {
            let mut first = String::new();
            let f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
            std::io::BufRead::read_line(&mut std::io::BufReader::new(f), &mut first)?;
            first
        }
        None => usage::sql::FOCUS_COLUMNS.join(","),
    };
    let headers: Vec<&str> = header.trim().split(',').map(|h| h.trim().trim_matches('"')).collect();
    if !table.chars().all(|c| c.is_ascii_alphanumeric() || "_.`\"".contains(c)) {
        bail!("--table {table:?}: use a plain (optionally qualified) table name");
    }
    Ok(usage::sql::aggregate_query(&t, &usage::sql::Columns::from_headers(&headers), table, d))
}
