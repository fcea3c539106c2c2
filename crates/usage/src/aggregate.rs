//! Aggregation of one billing file per account, period, service, capability and region class
//! (Parquet on every core by [`crate::parquet_aggregate`], CSV here), aggregates computed
//! elsewhere read back, and stored rows rolled up per owner and period.
//!
//! The organisation behind an account is not part of the aggregate: it comes from the
//! registry's confirmed links at report time, so a link confirmed later applies to past usage
//! too.

use std::collections::BTreeMap;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::focus::{self, ReadOptions};
use crate::fold::{
    FastSums, FileAggregate, Granularity, Interner, Key, Sums, add_stored, capability_id, capability_of, month_text,
};
use crate::parquet::convert;
use crate::taxonomy::{Line, Taxonomy};

/// Errors ingesting or reporting usage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading a billing file failed.
    #[error(transparent)]
    Read(#[from] focus::Error),
    /// The usage database failed.
    #[error("usage database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The usage database was made by a newer candor.
    #[error("the usage database has schema version {version}, newer than this candor ({known}); upgrade candor")]
    Newer {
        /// Its schema version.
        version: usize,
        /// The newest this candor knows.
        known: usize,
    },
    /// A file could not be hashed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Aggregates one billing file in memory: Parquet (recognised by its magic bytes, read on
/// every core by [`crate::parquet_aggregate`]) or CSV, plain or gzip.
pub fn aggregate_file(
    taxonomy: &Taxonomy,
    path: &Path,
    opts: ReadOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<FileAggregate, Error> {
    if crate::parquet::is_parquet(path)? {
        return Ok(crate::parquet_aggregate::aggregate_parquet(taxonomy, path, opts, 0, progress)?);
    }
    // Text is interned (a lookup per field, no allocation once seen) and rows are summed
    // under a key of ids; each distinct key is classified once at the end.
    let mut strings = Interner::default();
    let mut sums: FxHashMap<[u32; 8], FastSums> = FxHashMap::default();
    let mut last_day = (String::new(), 0i32);
    let read = focus::read_csv_with_progress(path, opts, progress, |l| {
        if l.day != last_day.0 {
            let (y, m, d) = convert::parse_date(&l.day).unwrap_or((1970, 1, 1));
            last_day = (l.day.clone(), convert::days_from_civil(y, m, d) as i32);
        }
        let day = last_day.1;
        let month = l.month[..4].parse::<u32>().unwrap_or(0) * 12 + l.month[5..7].parse::<u32>().unwrap_or(1) - 1;
        let key = [
            strings.id(&l.account),
            month,
            strings.id(&l.provider),
            strings.id(&l.service),
            strings.id(&l.usage_type),
            strings.id(&l.operation),
            strings.id(&l.region),
            strings.id(&l.unit),
        ];
        let s = sums.entry(key).or_insert_with(|| FastSums::new(day));
        s.add_line(l.quantity, l.cost, day);
    })?;
    let mut entries: Vec<([u32; 8], FastSums)> = sums.into_iter().collect();
    entries.sort_unstable_by_key(|(k, _)| *k);
    let text = |i: u32| strings.strings[i as usize].as_str();
    let mut caps: FxHashMap<[u32; 4], u32> = FxHashMap::default();
    let mut classes: FxHashMap<[u32; 2], &'static str> = FxHashMap::default();
    let mut out = FileAggregate { read, ..FileAggregate::default() };
    for ([a, month, p, sv, u, o, r, un], s) in entries {
        let line = Line { provider: text(p), service: text(sv), usage_type: text(u), operation: text(o) };
        let cap = *caps.entry([p, sv, u, o]).or_insert_with(|| capability_of(taxonomy, &line));
        let class = *classes.entry([p, r]).or_insert_with(|| taxonomy.region_class(text(p), text(r)).as_str());
        let key = Key {
            account: text(a).to_string(),
            month: month_text(month),
            service: text(sv).to_string(),
            capability: capability_id(taxonomy, cap),
            region_class: class.to_string(),
            unit: text(un).to_string(),
        };
        add_stored(&mut out, key, &s);
    }
    Ok(out)
}

/// The columns of an aggregate computed elsewhere (`candor usage sql`'s result).
pub const AGGREGATE_COLUMNS: [&str; 11] =
    ["account", "month", "service", "capability", "region_class", "unit", "quantity", "cost", "lines", "first", "last"];

/// Reads an aggregate computed elsewhere: Parquet or CSV with the columns [`AGGREGATE_COLUMNS`].
pub fn read_aggregate(path: &Path) -> Result<Vec<(Key, Sums)>, Error> {
    if crate::parquet::is_parquet(path)? {
        Ok(crate::parquet_aggregate::read_aggregate(path, &AGGREGATE_COLUMNS)?)
    } else {
        read_aggregate_csv(path)
    }
}

/// Reads an aggregate from CSV with the header [`AGGREGATE_COLUMNS`].
fn read_aggregate_csv(path: &Path) -> Result<Vec<(Key, Sums)>, Error> {
    let bad = |row: u64, column: &str, message: String| {
        Error::Read(focus::Error::BadValue { path: path.into(), row, column: column.into(), message })
    };
    let expected = AGGREGATE_COLUMNS;
    let mut rdr = csv::Reader::from_path(path).map_err(|e| bad(0, "(file)", e.to_string()))?;
    let headers: Vec<String> =
        rdr.headers().map_err(|e| bad(0, "(header)", e.to_string()))?.iter().map(|h| h.to_lowercase()).collect();
    if headers != expected {
        return Err(bad(0, "(header)", format!("expected the columns {}", expected.join(", "))));
    }
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i as u64 + 1;
        let r = rec.map_err(|e| bad(row, "(row)", e.to_string()))?;
        let f = |i: usize| r.get(i).unwrap_or("").to_string();
        let num =
            |i: usize| f(i).parse::<f64>().map_err(|_| bad(row, expected[i], format!("{:?} is not a number", f(i))));
        let lines = f(8).parse::<u64>().map_err(|_| bad(row, "lines", format!("{:?} is not a count", f(8))))?;
        let key = Key { account: f(0), month: f(1), service: f(2), capability: f(3), region_class: f(4), unit: f(5) };
        out.push((key, Sums { quantity: num(6)?, cost: num(7)?, lines, first: f(9), last: f(10) }));
    }
    Ok(out)
}

/// Rolls stored rows up to (owner, period, service, capability, region class, unit), where the
/// owner of an account is given by `owner` (an organisation, or the account itself).
pub fn report(
    rows: &[(Key, Sums)],
    granularity: Granularity,
    owner: impl Fn(&str) -> String,
) -> BTreeMap<(String, String, String, String, String, String), Sums> {
    let mut out: BTreeMap<_, Sums> = BTreeMap::new();
    for (k, v) in rows {
        let key = (
            owner(&k.account),
            granularity.period(&k.month),
            k.service.clone(),
            k.capability.clone(),
            k.region_class.clone(),
            k.unit.clone(),
        );
        out.entry(key).or_default().add(v);
    }
    out
}
