//! Aggregation of one billing file per account, period, service, capability and region class
//! (Parquet on every core by [`crate::parquet_aggregate`], CSV here), aggregates computed
//! elsewhere read back, and stored rows rolled up per owner and period.
//!
//! The organisation behind an account is not part of the aggregate: it comes from the
//! registry's confirmed links at report time, so a link confirmed later applies to past usage
//! too.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::focus::{self, ReadOptions, Refused};
use crate::fold::{Granularity, Key, Sums};
use crate::groups::{FileAggregate, GroupTable, Interner};
use crate::line_classes::LineClasses;
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
    /// The PostgreSQL usage database failed.
    #[error("usage database: {0}")]
    Postgres(pg::Error),
    /// The usage database was made by a newer candor.
    #[error("the usage database has schema version {version}, newer than this candor ({known}); upgrade candor")]
    Newer {
        /// Its schema version.
        version: usize,
        /// The newest this candor knows.
        known: usize,
    },
    /// A group's quantity or cost in one file is beyond ±1e300 (the usage store's `MAX_MAGNITUDE`);
    /// nothing was stored.
    #[error(
        "{path}: the {} of account {} in {} ({}) is beyond ±1e300, more than any bill; summed with other files' it \
         could overflow; nothing was stored",
        what.column, what.account, what.month, what.service
    )]
    TooLarge {
        /// The file.
        path: String,
        /// Which group and sum.
        what: focus::Overflowed,
    },
    /// What the store holds does not read back (a damaged database file).
    #[error("usage database: {what} cannot be read: {message}")]
    Stored {
        /// What was being read.
        what: String,
        /// Where it went wrong.
        message: String,
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

impl From<pg::sqlite::SqliteError> for Error {
    fn from(e: pg::sqlite::SqliteError) -> Error {
        match e {
            pg::sqlite::SqliteError::Newer { found, known, .. } => Error::Newer { version: found, known },
            pg::sqlite::SqliteError::Io { path, source } => Error::Io { path: path.display().to_string(), source },
            pg::sqlite::SqliteError::Sqlite(e) => Error::Db(e),
            other => Error::Io { path: String::new(), source: std::io::Error::other(other.to_string()) },
        }
    }
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
    // Text is interned (a lookup per field, no allocation once seen; checked for control
    // characters once, when first seen), each distinct combination classified once, and rows
    // summed under a key of ids.
    let mut strings = Interner::default();
    let mut classes = LineClasses::new(taxonomy, &mut strings);
    let mut table = GroupTable::default();
    let mut last_day = (String::new(), 0i32);
    let read = focus::read_csv_with_progress(path, opts, progress, |l| {
        if l.day != last_day.0 {
            let (y, m, d) = convert::parse_date(&l.day).unwrap_or((1970, 1, 1));
            last_day = (l.day.clone(), convert::days_from_civil(y, m, d) as i32);
        }
        let day = last_day.1;
        let mut text = |field: &'static str, t: &str| strings.outside_id(t).ok_or(Refused(field));
        let [p, s, u, o, r] = [
            text("provider", &l.provider)?,
            text("service", &l.service)?,
            text("usage_type", &l.usage_type)?,
            text("operation", &l.operation)?,
            text("region", &l.region)?,
        ];
        let [account, unit, billing_account] =
            [text("account", &l.account)?, text("unit", &l.unit)?, text("billing_account", &l.billing_account)?];
        let line =
            || Line { provider: &l.provider, service: &l.service, usage_type: &l.usage_type, operation: &l.operation };
        let capability = classes.capability([p, s, u, o], line);
        let class = classes.region_class([p, r], || (&l.provider, &l.region));
        // Months are the reader's own text (`YYYY-MM` of a date it parsed).
        let key =
            [account, strings.id(&l.month), s, capability, class, unit, billing_account, strings.id(&l.billing_period)];
        table.sums(key, day).add_line(l.quantity, l.cost, day);
        Ok(())
    })?;
    Ok(FileAggregate::new(path, read, strings, table.into_entries())?)
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

/// Reads an aggregate from CSV with the header [`AGGREGATE_COLUMNS`]; a text holding a control
/// character is refused, naming its row and column (every cell is checked: an aggregate has
/// one row per group, and its text is stored as it is).
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
        let text = |i: usize| {
            let t = f(i);
            match input::check("", &t, input::Lines::One) {
                Ok(()) => Ok(t),
                Err(m) => Err(bad(row, expected[i], m.trim_start_matches(": ").to_string())),
            }
        };
        let num =
            |i: usize| f(i).parse::<f64>().map_err(|_| bad(row, expected[i], format!("{:?} is not a number", f(i))));
        let lines = f(8).parse::<u64>().map_err(|_| bad(row, "lines", format!("{:?} is not a count", f(8))))?;
        let key = Key {
            account: text(0)?,
            month: text(1)?,
            service: text(2)?,
            capability: text(3)?,
            region_class: text(4)?,
            unit: text(5)?,
        };
        out.push((key, Sums { quantity: num(6)?, cost: num(7)?, lines, first: text(9)?, last: text(10)? }));
    }
    Ok(out)
}

/// A report's key: owner, period, service, capability, region class, unit.
pub type ReportKey = (String, String, String, String, String, String);

/// Rolls stored rows up to (owner, period, service, capability, region class, unit), where the
/// owner of an account is given by `owner` (an organisation, or the account itself).
pub fn report(
    rows: &[(Key, Sums)],
    granularity: Granularity,
    owner: impl Fn(&str) -> String,
) -> BTreeMap<ReportKey, Sums> {
    let mut out = BTreeMap::new();
    for (k, v) in rows {
        add_to_report(&mut out, k, v, granularity, &owner);
    }
    out
}

/// Adds one stored row to a report being rolled up (rows read one at a time, in the store's
/// order, add up exactly as [`report`] adds them).
pub fn add_to_report(
    out: &mut BTreeMap<ReportKey, Sums>,
    k: &Key,
    v: &Sums,
    granularity: Granularity,
    owner: &dyn Fn(&str) -> String,
) {
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

/// One row of the usage report: an owner's use of one capability in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerUsage {
    /// The organisation, or the account when it is not linked to one.
    pub owner: String,
    /// Period (`2026-07` or `2026-Q3`).
    pub period: String,
    /// Service.
    pub service: String,
    /// Capability id, or `unmapped`.
    pub capability: String,
    /// Region class.
    pub region_class: String,
    /// Unit of the quantity.
    pub unit: String,
    /// Quantity in that unit.
    pub quantity: f64,
    /// Billed cost.
    pub cost: f64,
    /// Billing lines.
    pub lines: u64,
    /// First day of use.
    pub first_use: String,
    /// Last day of use.
    pub last_use: String,
}

/// The usage report: every owner's use per period, service, capability and region class, in
/// that order.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct UsageReport(pub Vec<OwnerUsage>);

/// [`report`] as rows for people and programs.
pub fn owner_report(rows: &[(Key, Sums)], granularity: Granularity, owner: impl Fn(&str) -> String) -> UsageReport {
    UsageReport::from_rolled(report(rows, granularity, owner))
}

impl UsageReport {
    /// The report of rows rolled up by [`report`] or [`add_to_report`].
    pub fn from_rolled(rolled: BTreeMap<ReportKey, Sums>) -> UsageReport {
        let rows = rolled.into_iter().map(|((owner, period, service, capability, region_class, unit), v)| OwnerUsage {
            owner,
            period,
            service,
            capability,
            region_class,
            unit,
            quantity: v.quantity,
            cost: v.cost,
            lines: v.lines,
            first_use: v.first,
            last_use: v.last,
        });
        UsageReport(rows.collect())
    }
}

impl std::fmt::Display for UsageReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut last_owner = "";
        for r in &self.0 {
            if r.owner != last_owner {
                writeln!(f, "{}", r.owner)?;
                last_owner = &r.owner;
            }
            let (p, cap, class, service, unit) = (&r.period, &r.capability, &r.region_class, &r.service, &r.unit);
            writeln!(
                f,
                "  {p}  {cap:24} {class:10} {service:30} {:>14.2} {unit:10} ${:>10.2}  {}..{}",
                r.quantity, r.cost, r.first_use, r.last_use
            )?;
        }
        Ok(())
    }
}
