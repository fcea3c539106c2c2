//! Aggregation of billing lines per account, period, service, capability and region class,
//! stored so that disclosures can use it.
//!
//! Life of a file: its SHA-256 is checked (a file ingested before adds nothing); every line is
//! classified and added to an in-memory aggregate; only when the whole file has been read is the
//! aggregate added to the store, in one transaction. A bad row therefore leaves the store as it
//! was. The organisation behind an account is not stored here: it comes from the registry's
//! confirmed links at report time, so a link confirmed later applies to past usage too.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::focus::{self, ReadOptions, ReadReport};
use rustc_hash::FxHashMap;

use crate::columnar::{FastSums, Interner, add_stored, capability_id, capability_of, month_text};
use crate::parquet::convert;
use crate::taxonomy::{Line, Taxonomy};

/// The capability recorded for lines no rule maps.
pub const UNMAPPED: &str = "unmapped";

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
    /// A file could not be hashed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Period granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Calendar month: `2026-07`.
    Month,
    /// Calendar quarter: `2026-Q3`.
    Quarter,
}

impl Granularity {
    /// The period a `YYYY-MM` month falls in.
    pub fn period(self, month: &str) -> String {
        match self {
            Granularity::Month => month.to_string(),
            Granularity::Quarter => {
                let m: u32 = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
                format!("{}-Q{}", &month[..4.min(month.len())], m.div_ceil(3))
            }
        }
    }
}

/// The key of one aggregate row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key {
    /// Account.
    pub account: String,
    /// Month (`YYYY-MM`).
    pub month: String,
    /// Service.
    pub service: String,
    /// Capability id, or `unmapped`.
    pub capability: String,
    /// Region class.
    pub region_class: String,
    /// Unit of the quantity.
    pub unit: String,
}

/// The sums of one aggregate row.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sums {
    /// Quantity in the key's unit.
    pub quantity: f64,
    /// Billed cost.
    pub cost: f64,
    /// Billing lines.
    pub lines: u64,
    /// First day of use.
    pub first: String,
    /// Last day of use.
    pub last: String,
}

impl Sums {
    pub(crate) fn add(&mut self, other: &Sums) {
        self.quantity += other.quantity;
        self.cost += other.cost;
        self.lines += other.lines;
        if self.first.is_empty() || (!other.first.is_empty() && other.first < self.first) {
            self.first = other.first.clone();
        }
        if other.last > self.last {
            self.last = other.last.clone();
        }
    }
}

/// What aggregating a file produced.
#[derive(Debug, Clone, Default)]
pub struct FileAggregate {
    /// Rows read and non-conformance.
    pub read: ReadReport,
    /// The aggregate.
    pub rows: BTreeMap<Key, Sums>,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

/// Aggregates one billing file in memory: Parquet (recognised by its magic bytes, read on
/// every core by [`crate::columnar`]) or CSV, plain or gzip.
pub fn aggregate_file(
    taxonomy: &Taxonomy,
    path: &Path,
    opts: ReadOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<FileAggregate, Error> {
    if crate::parquet::is_parquet(path)? {
        return Ok(crate::columnar::aggregate_parquet(taxonomy, path, opts, 0, progress)?);
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

/// A file about to be ingested: new (with its hash and name), or seen before.
enum Identified {
    New { sha: String, file: String },
    Seen(IngestReport),
}

/// The usage store: aggregate rows and the files they came from.
pub struct UsageStore {
    conn: Connection,
}

/// What ingesting a file did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// File.
    pub file: String,
    /// The same file (by SHA-256) was ingested before; nothing was added.
    pub already_ingested: bool,
    /// Reading.
    pub read: ReadReport,
    /// Aggregate rows added or grown.
    pub rows: usize,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

impl UsageStore {
    /// Opens (creating) the usage database.
    pub fn open(path: &Path) -> Result<UsageStore, Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.display().to_string(), source: e })?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        UsageStore::migrated(conn)
    }

    /// An in-memory store (tests).
    pub fn in_memory() -> Result<UsageStore, Error> {
        UsageStore::migrated(Connection::open_in_memory()?)
    }

    fn migrated(conn: Connection) -> Result<UsageStore, Error> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS usage (
                account TEXT NOT NULL, month TEXT NOT NULL, service TEXT NOT NULL, capability TEXT NOT NULL,
                region_class TEXT NOT NULL, unit TEXT NOT NULL,
                quantity REAL NOT NULL, cost REAL NOT NULL, lines INTEGER NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL,
                PRIMARY KEY (account, month, service, capability, region_class, unit));
             CREATE TABLE IF NOT EXISTS ingested (sha256 TEXT PRIMARY KEY, file TEXT NOT NULL, rows INTEGER NOT NULL);",
        )?;
        Ok(UsageStore { conn })
    }

    /// Ingests one FOCUS or CUR file (CSV, gzip CSV or Parquet): all of it, or (on any error)
    /// nothing.
    pub fn ingest(&mut self, taxonomy: &Taxonomy, path: &Path, opts: ReadOptions) -> Result<IngestReport, Error> {
        self.ingest_with_progress(taxonomy, path, opts, &mut |_, _| {})
    }

    /// Like [`UsageStore::ingest`], calling `progress(bytes read, file size)` as it goes.
    pub fn ingest_with_progress(
        &mut self,
        taxonomy: &Taxonomy,
        path: &Path,
        opts: ReadOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<IngestReport, Error> {
        let (sha, file) = match self.identify(path)? {
            Identified::New { sha, file } => (sha, file),
            Identified::Seen(report) => return Ok(report),
        };
        let agg = aggregate_file(taxonomy, path, opts, progress)?;
        self.add(&agg.rows, &sha, &file, agg.read.rows)?;
        Ok(IngestReport { file, already_ingested: false, rows: agg.rows.len(), read: agg.read, unmapped: agg.unmapped })
    }

    /// Hashes a file and tells whether it was ingested before (then with the report to return).
    fn identify(&self, path: &Path) -> Result<Identified, Error> {
        let sha = sha256_file(path)?;
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let seen: Option<i64> =
            self.conn.query_row("SELECT 1 FROM ingested WHERE sha256 = ?1", [&sha], |r| r.get(0)).optional()?;
        Ok(match seen {
            Some(_) => Identified::Seen(IngestReport {
                file,
                already_ingested: true,
                read: ReadReport::default(),
                rows: 0,
                unmapped: BTreeMap::new(),
            }),
            None => Identified::New { sha, file },
        })
    }

    /// Adds an aggregate to the store and records its file, in one transaction.
    fn add(&mut self, agg: &BTreeMap<Key, Sums>, sha: &str, file: &str, rows: u64) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        {
            let mut get = tx.prepare_cached(
                "SELECT quantity, cost, lines, first, last FROM usage WHERE account = ?1 AND month = ?2 AND service = ?3 \
                 AND capability = ?4 AND region_class = ?5 AND unit = ?6",
            )?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO usage (account, month, service, capability, region_class, unit, quantity, cost, lines, first, last) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for (k, v) in agg {
                let mut sums: Sums = get
                    .query_row(params![k.account, k.month, k.service, k.capability, k.region_class, k.unit], |r| {
                        Ok(Sums {
                            quantity: r.get(0)?,
                            cost: r.get(1)?,
                            lines: r.get::<_, i64>(2)? as u64,
                            first: r.get(3)?,
                            last: r.get(4)?,
                        })
                    })
                    .optional()?
                    .unwrap_or_default();
                sums.add(v);
                put.execute(params![
                    k.account,
                    k.month,
                    k.service,
                    k.capability,
                    k.region_class,
                    k.unit,
                    sums.quantity,
                    sums.cost,
                    sums.lines as i64,
                    sums.first,
                    sums.last
                ])?;
            }
        }
        tx.execute("INSERT INTO ingested (sha256, file, rows) VALUES (?1, ?2, ?3)", params![sha, file, rows as i64])?;
        tx.commit()?;
        Ok(())
    }

    /// Ingests an aggregate computed elsewhere (the result of `candor usage sql` run on another
    /// engine, as CSV with header `account, month, service, capability, region_class, unit,
    /// quantity, cost, lines, first, last`, or as Parquet with those columns): all of it or
    /// nothing, and only once.
    pub fn ingest_aggregate(&mut self, path: &Path) -> Result<IngestReport, Error> {
        let (sha, file) = match self.identify(path)? {
            Identified::New { sha, file } => (sha, file),
            Identified::Seen(report) => return Ok(report),
        };
        let rows = if crate::parquet::is_parquet(path)? {
            crate::columnar::read_aggregate(path, &AGGREGATE_COLUMNS)?
        } else {
            read_aggregate_csv(path)?
        };
        let mut agg: BTreeMap<Key, Sums> = BTreeMap::new();
        let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
        let read = ReadReport { rows: rows.len() as u64, ..ReadReport::default() };
        for (key, sums) in rows {
            if key.capability == UNMAPPED {
                *unmapped.entry(key.service.clone()).or_insert(0) += sums.lines;
            }
            agg.entry(key).or_default().add(&sums);
        }
        self.add(&agg, &sha, &file, read.rows)?;
        Ok(IngestReport { file, already_ingested: false, rows: agg.len(), read, unmapped })
    }

    /// Every stored aggregate row.
    pub fn rows(&self) -> Result<Vec<(Key, Sums)>, Error> {
        let mut st = self.conn.prepare(
            "SELECT account, month, service, capability, region_class, unit, quantity, cost, lines, first, last FROM usage \
             ORDER BY account, month, service, capability, region_class, unit",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                Key {
                    account: r.get(0)?,
                    month: r.get(1)?,
                    service: r.get(2)?,
                    capability: r.get(3)?,
                    region_class: r.get(4)?,
                    unit: r.get(5)?,
                },
                Sums {
                    quantity: r.get(6)?,
                    cost: r.get(7)?,
                    lines: r.get::<_, i64>(8)? as u64,
                    first: r.get(9)?,
                    last: r.get(10)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
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

fn sha256_file(path: &Path) -> Result<String, Error> {
    let io = |source| Error::Io { path: path.display().to_string(), source };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "ProviderName,SubAccountId,ServiceName,x_UsageType,x_Operation,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,ChargePeriodStart\n\
        AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1000,Images,1.00,2026-07-01T00:00:00Z\n\
        AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFaces,us-east-1,500,Images,0.50,2026-08-15T00:00:00Z\n\
        AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,CompareFaces,us-east-1,7,Images,0.01,2026-08-16T00:00:00Z\n\
        AWS,222,Amazon Managed Blockchain,Member-Hours,,us-gov-west-1,3,Hours,0.00,2026-09-30T00:00:00Z\n";

    #[test]
    fn ingest_aggregates_once_and_reports_by_owner_and_quarter() {
        let d = tempfile::tempdir().expect("tempdir");
        let path = d.path().join("focus.csv");
        std::fs::write(&path, FILE).expect("write");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = UsageStore::in_memory().expect("store");
        let r = s.ingest(&t, &path, ReadOptions::default()).expect("ingest");
        assert_eq!(r.read.rows, 4);
        assert_eq!(r.unmapped.get("Amazon Managed Blockchain"), Some(&1));
        assert!(s.ingest(&t, &path, ReadOptions::default()).expect("again").already_ingested);
        let rows = s.rows().expect("rows");
        let report =
            report(
                &rows,
                Granularity::Quarter,
                |a| if a == "111" { "Example Org".into() } else { format!("account {a}") },
            );
        let ident = &report[&(
            "Example Org".to_string(),
            "2026-Q3".to_string(),
            "Amazon Rekognition".to_string(),
            "face_identification".to_string(),
            "commercial".to_string(),
            "Images".to_string(),
        )];
        assert_eq!((ident.quantity, ident.lines), (1500.0, 2));
        assert_eq!((ident.first.as_str(), ident.last.as_str()), ("2026-07-01", "2026-08-15"));
        assert!(report.keys().any(|k| k.3 == "face_verification"));
        assert!(report.keys().any(|k| k.0 == "account 222" && k.3 == UNMAPPED && k.4 == "government"));
    }

    #[test]
    fn a_bad_row_leaves_the_store_unchanged() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = UsageStore::in_memory().expect("store");
        let good = d.path().join("good.csv");
        std::fs::write(&good, FILE).expect("write");
        s.ingest(&t, &good, ReadOptions::default()).expect("ingest");
        let before = s.rows().expect("rows");
        let bad = d.path().join("bad.csv");
        std::fs::write(&bad, FILE.replace("0.50", "fifty cents")).expect("write");
        let err = s.ingest(&t, &bad, ReadOptions::default()).expect_err("bad").to_string();
        assert!(err.contains("row 2") && err.contains("BilledCost"), "{err}");
        assert_eq!(s.rows().expect("rows"), before);
    }

    #[test]
    fn quarters() {
        assert_eq!(Granularity::Quarter.period("2026-01"), "2026-Q1");
        assert_eq!(Granularity::Quarter.period("2026-09"), "2026-Q3");
        assert_eq!(Granularity::Quarter.period("2026-10"), "2026-Q4");
        assert_eq!(Granularity::Month.period("2026-10"), "2026-10");
    }
}
