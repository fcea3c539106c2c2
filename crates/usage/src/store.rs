//! The usage store (SQLite): aggregate rows and the files they came from.
//!
//! A file's SHA-256 is checked first (a file ingested before adds nothing); the file is folded
//! in memory ([`crate::aggregate`]); only then is the aggregate added, in one transaction, so a
//! bad row leaves the store as it was.

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
/// (user_version 0) already hold it.
const MIGRATIONS: &[&str] = &["
CREATE TABLE IF NOT EXISTS usage (
    account TEXT NOT NULL, month TEXT NOT NULL, service TEXT NOT NULL, capability TEXT NOT NULL,
    region_class TEXT NOT NULL, unit TEXT NOT NULL,
    quantity REAL NOT NULL, cost REAL NOT NULL, lines INTEGER NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL,
    PRIMARY KEY (account, month, service, capability, region_class, unit));
CREATE TABLE IF NOT EXISTS ingested (sha256 TEXT PRIMARY KEY, file TEXT NOT NULL, rows INTEGER NOT NULL);
"];

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
        }
        let store = UsageStore::open(&path).expect("migrated");
        let version: usize = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(version, MIGRATIONS.len());
        let kept: i64 = store.conn.query_row("SELECT COUNT(*) FROM ingested", [], |r| r.get(0)).expect("count");
        assert_eq!(kept, 1);
        store.conn.pragma_update(None, "user_version", MIGRATIONS.len() + 1).expect("bump");
        drop(store);
        assert!(matches!(UsageStore::open(&path), Err(Error::Newer { .. })));
    }
}
