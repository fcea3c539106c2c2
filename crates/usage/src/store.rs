//! The usage store (SQLite): aggregate rows and the files they came from.
//!
//! A file's SHA-256 is checked first (a file ingested before, and still in force, adds
//! nothing); the file is folded in memory ([`crate::aggregate`]); only then is the aggregate
//! stored, in one transaction, so a bad row leaves the store as it was.
//!
//! Re-exports replace, as cost tools treat FOCUS and CUR exports: a provider re-delivers a
//! billing period's file whenever charges change, with other quoting, a byte-order mark or
//! compression. So rows are kept per billing account and billing period (a "slice"), and a
//! file's lines for a slice replace whatever an earlier file stored for it; adding them would
//! count the period twice. Lines with no billing account (a non-conformant export, or an
//! aggregate computed elsewhere) cannot be attributed to a slice and are only added.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::aggregate::{Error, aggregate_file, read_aggregate};
use crate::focus::{ReadOptions, ReadReport};
use crate::fold::{Key, Sums, UNMAPPED};
use crate::taxonomy::Taxonomy;

/// Schema migrations, applied in order; `user_version` is the number applied (the registry's
/// and the policy store's style). The first is idempotent: databases made before versioning
/// (user_version 0) already hold it. The second stores rows in their key's B-tree (`WITHOUT
/// ROWID`): half the disk and half the writes of a table plus a separate key index, which
/// counts at millions of groups.
const MIGRATIONS: &[&str] = &["
CREATE TABLE IF NOT EXISTS usage (
    account TEXT NOT NULL, month TEXT NOT NULL, service TEXT NOT NULL, capability TEXT NOT NULL,
    region_class TEXT NOT NULL, unit TEXT NOT NULL,
    quantity REAL NOT NULL, cost REAL NOT NULL, lines INTEGER NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL,
    PRIMARY KEY (account, month, service, capability, region_class, unit));
CREATE TABLE IF NOT EXISTS ingested (sha256 TEXT PRIMARY KEY, file TEXT NOT NULL, rows INTEGER NOT NULL);
", "
CREATE TABLE usage_by_key (
    account TEXT NOT NULL, month TEXT NOT NULL, service TEXT NOT NULL, capability TEXT NOT NULL,
    region_class TEXT NOT NULL, unit TEXT NOT NULL,
    quantity REAL NOT NULL, cost REAL NOT NULL, lines INTEGER NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL,
    PRIMARY KEY (account, month, service, capability, region_class, unit)) WITHOUT ROWID;
INSERT INTO usage_by_key SELECT account, month, service, capability, region_class, unit, quantity, cost, lines, first, last FROM usage;
DROP TABLE usage;
ALTER TABLE usage_by_key RENAME TO usage;
", "
CREATE TABLE usage_by_slice (
    billing_account TEXT NOT NULL, billing_period TEXT NOT NULL,
    account TEXT NOT NULL, month TEXT NOT NULL, service TEXT NOT NULL, capability TEXT NOT NULL,
    region_class TEXT NOT NULL, unit TEXT NOT NULL,
    quantity REAL NOT NULL, cost REAL NOT NULL, lines INTEGER NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL,
    PRIMARY KEY (billing_account, billing_period, account, month, service, capability, region_class, unit)) WITHOUT ROWID;
INSERT INTO usage_by_slice SELECT '', '', account, month, service, capability, region_class, unit, quantity, cost, lines, first, last FROM usage;
DROP TABLE usage;
ALTER TABLE usage_by_slice RENAME TO usage;
CREATE TABLE ingested_slices (
    billing_account TEXT NOT NULL, billing_period TEXT NOT NULL, sha256 TEXT NOT NULL, in_force INTEGER NOT NULL,
    PRIMARY KEY (billing_account, billing_period, sha256)) WITHOUT ROWID;
CREATE INDEX ingested_slices_by_file ON ingested_slices (sha256, in_force);
"];

/// A file about to be ingested: new (with its hash and name), or seen before.
enum Identified {
    New { sha: String, file: String },
    Seen(IngestReport),
}

/// What an ingest is doing, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading and folding the file (counted in bytes).
    Reading,
    /// Writing the groups to the store (counted in groups).
    Writing,
}

/// The usage store: aggregate rows and the files they came from.
pub struct UsageStore {
    conn: Connection,
}

/// A billing account's billing period that a file replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// The billing account.
    pub billing_account: String,
    /// The billing period (`YYYY-MM`).
    pub billing_period: String,
    /// The earlier files whose lines for it were replaced.
    pub files: Vec<String>,
    /// Billing lines those files had stored for it.
    pub lines: u64,
}

/// What ingesting a file did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// File.
    pub file: String,
    /// The same file (by SHA-256) was ingested before and is still in force; nothing changed.
    pub already_ingested: bool,
    /// Billing periods of billing accounts this file's lines replaced.
    pub replaced: Vec<Replacement>,
    /// Reading.
    pub read: ReadReport,
    /// Aggregate rows added or grown.
    pub rows: usize,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

impl std::fmt::Display for IngestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.already_ingested {
            return writeln!(f, "{}: ingested before (same SHA-256); nothing added", self.file);
        }
        let unmapped: u64 = self.unmapped.values().sum();
        writeln!(
            f,
            "{}: {} lines into {} aggregate rows; {unmapped} unmapped line(s)",
            self.file, self.read.rows, self.rows
        )?;
        for r in &self.replaced {
            writeln!(
                f,
                "  replaces billing account {} period {}: {} line(s) from {}",
                r.billing_account,
                r.billing_period,
                r.lines,
                r.files.join(", ")
            )?;
        }
        Ok(())
    }
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

    /// Applies the migrations `conn` lacks, each in its own transaction; refuses a newer database.
    fn migrated(mut conn: Connection) -> Result<UsageStore, Error> {
        let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            return Err(Error::Newer { version, known: MIGRATIONS.len() });
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction()?;
            tx.execute_batch(m)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(UsageStore { conn })
    }

    /// Ingests one FOCUS or CUR file (CSV, gzip CSV or Parquet): all of it, or (on any error)
    /// nothing.
    pub fn ingest(&mut self, taxonomy: &Taxonomy, path: &Path, opts: ReadOptions) -> Result<IngestReport, Error> {
        self.ingest_with_progress(taxonomy, path, opts, &mut |_, _, _| {})
    }

    /// Like [`UsageStore::ingest`], calling `progress(phase, done, total)` as it goes: bytes
    /// of the file while reading, groups while writing to the store.
    pub fn ingest_with_progress(
        &mut self,
        taxonomy: &Taxonomy,
        path: &Path,
        opts: ReadOptions,
        progress: &mut dyn FnMut(Phase, u64, u64),
    ) -> Result<IngestReport, Error> {
        let (sha, file) = match self.identify(path)? {
            Identified::New { sha, file } => (sha, file),
            Identified::Seen(report) => return Ok(report),
        };
        let agg = aggregate_file(taxonomy, path, opts, &mut |done, total| progress(Phase::Reading, done, total))?;
        let total = agg.groups.len() as u64;
        let slices: std::collections::BTreeSet<(&str, &str)> =
            agg.groups.iter().map(|g| (g.billing_account, g.billing_period)).collect();
        let rows = agg.groups.iter().enumerate().map(|(i, g)| {
            if i % 65_536 == 0 {
                progress(Phase::Writing, i as u64, total);
            }
            let key = [g.account, g.month, g.service, g.capability, g.region_class, g.unit];
            (key, (g.billing_account, g.billing_period), g.sums.to_sums())
        });
        let replaced = self.store(rows, &slices, &sha, &file, agg.read.rows)?;
        progress(Phase::Writing, total, total);
        Ok(IngestReport {
            file,
            already_ingested: false,
            replaced,
            rows: agg.groups.len(),
            read: agg.read,
            unmapped: agg.unmapped,
        })
    }

    /// Hashes a file and tells whether it was ingested before and is still wholly in force
    /// (then with the report to return). A file some of whose slices a later file replaced is
    /// not: ingesting it again replaces them back.
    fn identify(&self, path: &Path) -> Result<Identified, Error> {
        let sha = sha256_file(path)?;
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let seen: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM ingested WHERE sha256 = ?1 \
                 AND NOT EXISTS (SELECT 1 FROM ingested_slices WHERE sha256 = ?1 AND in_force = 0)",
                [&sha],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match seen {
            Some(_) => Identified::Seen(IngestReport {
                file,
                already_ingested: true,
                replaced: Vec::new(),
                read: ReadReport::default(),
                rows: 0,
                unmapped: BTreeMap::new(),
            }),
            None => Identified::New { sha, file },
        })
    }

    /// Stores a file's aggregate rows (key: account, month, service, capability, region class,
    /// unit; slice: billing account and period) and records the file, in one transaction.
    /// First the `slices` it covers that have a billing account are emptied (an earlier file's
    /// lines for them are replaced); then one upsert per row, the sums added as [`Sums::add`]
    /// adds them. Returns what was replaced.
    fn store<'a>(
        &mut self,
        rows: impl Iterator<Item = ([&'a str; 6], (&'a str, &'a str), Sums)>,
        slices: &std::collections::BTreeSet<(&str, &str)>,
        sha: &str,
        file: &str,
        lines: u64,
    ) -> Result<Vec<Replacement>, Error> {
        let tx = self.conn.transaction()?;
        let mut replaced = Vec::new();
        for &(billing_account, billing_period) in slices.iter().filter(|(a, _)| !a.is_empty()) {
            let slice = params![billing_account, billing_period, sha];
            let mut earlier = tx.prepare_cached(
                "SELECT DISTINCT i.file FROM ingested_slices s JOIN ingested i ON i.sha256 = s.sha256 \
                 WHERE s.billing_account = ?1 AND s.billing_period = ?2 AND s.in_force = 1 AND s.sha256 <> ?3 \
                 ORDER BY i.file",
            )?;
            let files = earlier.query_map(slice, |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            let slice = params![billing_account, billing_period];
            let stored: i64 = tx.query_row(
                "SELECT coalesce(sum(lines), 0) FROM usage WHERE billing_account = ?1 AND billing_period = ?2",
                slice,
                |r| r.get(0),
            )?;
            if files.is_empty() && stored == 0 {
                continue;
            }
            tx.execute("DELETE FROM usage WHERE billing_account = ?1 AND billing_period = ?2", slice)?;
            tx.execute(
                "UPDATE ingested_slices SET in_force = 0 WHERE billing_account = ?1 AND billing_period = ?2",
                slice,
            )?;
            replaced.push(Replacement {
                billing_account: billing_account.into(),
                billing_period: billing_period.into(),
                files,
                lines: stored as u64,
            });
        }
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO usage (account, month, service, capability, region_class, unit, quantity, cost, lines, first, last, \
                 billing_account, billing_period) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                 ON CONFLICT (billing_account, billing_period, account, month, service, capability, region_class, unit) \
                 DO UPDATE SET \
                 quantity = quantity + excluded.quantity, cost = cost + excluded.cost, lines = lines + excluded.lines, \
                 first = CASE WHEN first = '' OR (excluded.first <> '' AND excluded.first < first) \
                         THEN excluded.first ELSE first END, \
                 last = max(last, excluded.last) \
                 RETURNING quantity, cost",
            )?;
            for ([account, month, service, capability, region_class, unit], (billing_account, billing_period), v) in
                rows
            {
                // A stored sum plus this one may overflow (infinity, or NaN, which SQLite
                // stores as NULL): refused, naming the group, and the transaction rolled back.
                let overflow = |column| {
                    Error::Read(crate::focus::Error::Overflow {
                        path: file.into(),
                        what: crate::focus::Overflowed {
                            account: account.into(),
                            month: month.into(),
                            service: service.into(),
                            column,
                        },
                    })
                };
                let params = params![
                    account,
                    month,
                    service,
                    capability,
                    region_class,
                    unit,
                    v.quantity,
                    v.cost,
                    v.lines as i64,
                    v.first,
                    v.last,
                    billing_account,
                    billing_period
                ];
                let sums = put.query_row(params, |r| Ok((r.get::<_, Option<f64>>(0)?, r.get::<_, Option<f64>>(1)?)));
                match sums {
                    Ok((Some(q), Some(c))) if q.is_finite() && c.is_finite() => {}
                    Ok((Some(q), _)) if q.is_finite() => return Err(overflow("cost")),
                    Ok(_) => return Err(overflow("quantity")),
                    Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                        return Err(overflow(if v.quantity.is_finite() { "cost" } else { "quantity" }));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO ingested (sha256, file, rows) VALUES (?1, ?2, ?3)",
            params![sha, file, lines as i64],
        )?;
        // A file ingested again after a later one replaced some of it holds its slices anew.
        tx.execute("DELETE FROM ingested_slices WHERE sha256 = ?1", [sha])?;
        for (billing_account, billing_period) in slices {
            tx.execute(
                "INSERT INTO ingested_slices (billing_account, billing_period, sha256, in_force) VALUES (?1, ?2, ?3, 1)",
                params![billing_account, billing_period, sha],
            )?;
        }
        tx.commit()?;
        Ok(replaced)
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
        let rows = read_aggregate(path)?;
        let mut agg: BTreeMap<Key, Sums> = BTreeMap::new();
        let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
        let read = ReadReport { rows: rows.len() as u64, ..ReadReport::default() };
        for (key, sums) in rows {
            if key.capability == UNMAPPED {
                *unmapped.entry(key.service.clone()).or_insert(0) += sums.lines;
            }
            agg.entry(key).or_default().add(&sums);
        }
        // An aggregate names no billing account or period: it is only added, never replaces.
        let rows = agg.iter().map(|(k, v)| {
            ([&*k.account, &k.month, &k.service, &k.capability, &k.region_class, &k.unit], ("", ""), v.clone())
        });
        let replaced = self.store(rows, &Default::default(), &sha, &file, read.rows)?;
        Ok(IngestReport { file, already_ingested: false, replaced, rows: agg.len(), read, unmapped })
    }

    /// Every stored aggregate row, billing accounts and periods added up.
    pub fn rows(&self) -> Result<Vec<(Key, Sums)>, Error> {
        let mut st = self.conn.prepare(
            "SELECT account, month, service, capability, region_class, unit, sum(quantity), sum(cost), sum(lines), \
             coalesce(min(nullif(first, '')), ''), max(last) FROM usage \
             GROUP BY account, month, service, capability, region_class, unit \
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
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::report;
    use crate::fold::Granularity;

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
    fn a_second_file_adds_to_the_groups_it_shares_with_the_first() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = UsageStore::in_memory().expect("store");
        let first = d.path().join("first.csv");
        std::fs::write(&first, FILE).expect("write");
        s.ingest(&t, &first, ReadOptions::default()).expect("first");
        // The same July group a day earlier, and a new month.
        let second = d.path().join("second.csv");
        let header = FILE.lines().next().expect("header");
        std::fs::write(
            &second,
            format!(
                "{header}\nAWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,250,Images,0.25,2026-06-30T23:00:00Z\n\
                 AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,250,Images,0.25,2026-07-20T00:00:00Z\n\
                 AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1,Images,0.01,2026-10-02T00:00:00Z\n"
            ),
        )
        .expect("write");
        let r = s.ingest(&t, &second, ReadOptions::default()).expect("second");
        assert_eq!(r.rows, 3);
        let rows = s.rows().expect("rows");
        let july: Vec<&Sums> = rows
            .iter()
            .filter(|(k, _)| k.account == "111" && k.month == "2026-07" && k.capability == "face_identification")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(july.len(), 1);
        assert_eq!((july[0].quantity, july[0].lines), (1250.0, 2));
        assert_eq!((july[0].first.as_str(), july[0].last.as_str()), ("2026-07-01", "2026-07-20"));
        assert!(rows.iter().any(|(k, v)| k.month == "2026-06" && v.first == "2026-06-30"));
        assert!(rows.iter().any(|(k, v)| k.month == "2026-10" && v.lines == 1));
        assert_eq!(rows.len(), 6);
    }

    /// Billing account P's July and August, with a late July charge billed in August.
    const EXPORT: &str = "ProviderName,BillingAccountId,SubAccountId,ServiceName,x_UsageType,x_Operation,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,ChargePeriodStart,BillingPeriodStart\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1000,Images,1.00,2026-07-01T00:00:00Z,2026-07-01T00:00:00Z\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,10,Images,0.01,2026-07-30T00:00:00Z,2026-08-01T00:00:00Z\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,500,Images,0.50,2026-08-15T00:00:00Z,2026-08-01T00:00:00Z\n\
        AWS,P,222,Amazon EC2,BoxUsage:m5.large,RunInstances,us-east-1,24,Hrs,2.30,2026-08-02T00:00:00Z,2026-08-01T00:00:00Z\n";

    #[test]
    fn a_re_export_replaces_its_billing_periods_and_a_true_duplicate_changes_nothing() {
        use std::io::Write as _;
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = UsageStore::in_memory().expect("store");
        let write = |name: &str, bytes: &[u8]| {
            let p = d.path().join(name);
            std::fs::write(&p, bytes).expect("write");
            p
        };
        let slices = |r: &IngestReport| -> Vec<(String, String, Vec<String>, u64)> {
            r.replaced
                .iter()
                .map(|x| (x.billing_account.clone(), x.billing_period.clone(), x.files.clone(), x.lines))
                .collect()
        };
        let a = write("a.csv", EXPORT.as_bytes());
        assert!(s.ingest(&t, &a, ReadOptions::default()).expect("a").replaced.is_empty());
        let once = s.rows().expect("rows");
        // The same lines re-exported: a byte-order mark, every field quoted, gzip.
        let quoted: String = EXPORT
            .lines()
            .map(|l| l.split(',').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(",") + "\r\n")
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(format!("\u{feff}{quoted}").as_bytes()).expect("gzip");
        let b = write("b.csv.gz", &gz.finish().expect("gzip"));
        let r = s.ingest(&t, &b, ReadOptions::default()).expect("b");
        assert!(!r.already_ingested);
        let a_name = vec!["a.csv".to_string()];
        assert_eq!(
            slices(&r),
            [("P".into(), "2026-07".into(), a_name.clone(), 1), ("P".into(), "2026-08".into(), a_name, 3)]
        );
        assert!(r.to_string().contains("replaces billing account P period 2026-08: 3 line(s) from a.csv"), "{r}");
        assert_eq!(s.rows().expect("rows"), once, "a re-export is not counted twice");
        assert!(s.ingest(&t, &b, ReadOptions::default()).expect("b again").already_ingested);
        assert_eq!(s.rows().expect("rows"), once);

        // August re-billed: only August changes (and the late July charge billed in it goes).
        let august = EXPORT.lines().filter(|l| !l.contains("0.01,") && !l.contains("1.00,")).collect::<Vec<_>>();
        let c = write("c.csv", (august.join("\n").replace("0.50", "0.75") + "\n").as_bytes());
        let r = s.ingest(&t, &c, ReadOptions::default()).expect("c");
        assert_eq!(slices(&r), [("P".into(), "2026-08".into(), vec!["b.csv.gz".into()], 3)]);
        let rows = s.rows().expect("rows");
        let face = |rows: &[(Key, Sums)], month: &str| {
            rows.iter().find(|(k, _)| k.account == "111" && k.month == month).map(|(_, v)| (v.lines, v.cost))
        };
        assert_eq!(face(&rows, "2026-07"), Some((1, 1.00)));
        assert_eq!(face(&rows, "2026-08"), Some((1, 0.75)));

        // The first export ingested again is in force again; another billing account adds.
        let r = s.ingest(&t, &a, ReadOptions::default()).expect("a again");
        assert!(!r.already_ingested && r.replaced.len() == 2, "{r}");
        assert_eq!(s.rows().expect("rows"), once);
        let q = write("q.csv", EXPORT.replace(",P,", ",Q,").as_bytes());
        assert!(s.ingest(&t, &q, ReadOptions::default()).expect("q").replaced.is_empty());
        // July of account 111 under both billing accounts: two July lines and two late ones.
        let (lines, cost) = face(&s.rows().expect("rows"), "2026-07").expect("july");
        assert_eq!((lines, (cost * 100.0).round()), (4, 202.0));
    }

    #[test]
    fn sums_that_overflow_across_files_are_refused_naming_the_group() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = UsageStore::in_memory().expect("store");
        let big = |name: &str, day: &str| {
            let p = d.path().join(name);
            let header = FILE.lines().next().expect("header");
            std::fs::write(
                &p,
                format!("{header}\nAWS,111,Amazon EC2,BoxUsage:m5.large,RunInstances,us-east-1,1e308,Hrs,1.00,{day}\n"),
            )
            .expect("write");
            p
        };
        s.ingest(&t, &big("one.csv", "2026-07-01T00:00:00Z"), ReadOptions::default()).expect("one");
        let before = s.rows().expect("rows");
        let e = s.ingest(&t, &big("two.csv", "2026-07-02T00:00:00Z"), ReadOptions::default()).expect_err("overflow");
        let e = e.to_string();
        assert!(e.contains("two.csv") && e.contains("quantity of account 111 in 2026-07 (Amazon EC2)"), "{e}");
        assert_eq!(s.rows().expect("rows"), before, "nothing stored");
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
    fn a_database_from_before_versioning_is_migrated_and_a_newer_one_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("usage.db");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(MIGRATIONS[0]).expect("the unversioned schema");
            conn.execute("INSERT INTO ingested VALUES ('ab', 'old.csv', 1)", []).expect("row");
            conn.execute(
                "INSERT INTO usage VALUES ('111', '2026-07', 'Amazon Rekognition', 'face_identification', \
                 'commercial', 'Images', 1000, 1, 1, '2026-07-01', '2026-07-01')",
                [],
            )
            .expect("usage row");
        }
        let store = UsageStore::open(&path).expect("migrated");
        let version: usize = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(version, MIGRATIONS.len());
        let kept: i64 = store.conn.query_row("SELECT COUNT(*) FROM ingested", [], |r| r.get(0)).expect("count");
        assert_eq!(kept, 1);
        let rows = store.rows().expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].0.account.as_str(), rows[0].1.quantity), ("111", 1000.0));
        store.conn.pragma_update(None, "user_version", MIGRATIONS.len() + 1).expect("bump");
        drop(store);
        assert!(matches!(UsageStore::open(&path), Err(Error::Newer { .. })));
    }
}
