//! The usage store in a SQLite file (WAL), migrations by `user_version`.

use std::path::Path;

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::packed::{CHUNK_ROWS, Packer, SliceRow, unpack};
use super::{Backend, Replacement, Row};
use crate::aggregate::Error;
use crate::fold::{Key, Sums};

/// Schema migrations, applied in order; `user_version` is the number applied (the registry's
/// and the policy store's style). The first is idempotent: databases made before versioning
/// (user_version 0) already hold it. The second stores rows in their key's B-tree (`WITHOUT
/// ROWID`): half the disk and half the writes of a table plus a separate key index, which
/// counts at millions of groups. The fifth stores what files bring in chunks
/// ([`super::packed`]), one B-tree row per 65,536 groups: rows from before it stay in `usage`
/// and are read with the chunks.
pub(super) const MIGRATIONS: &[&str] = &["
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
", "
CREATE TABLE generation (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);
INSERT INTO generation (one, n) VALUES (1, 0);
", "
CREATE TABLE usage_chunks (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, rows INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX usage_chunks_by_file ON usage_chunks (sha256);
ALTER TABLE ingested_slices ADD COLUMN lines INTEGER NOT NULL DEFAULT 0;
"];

/// The tables, for moving the store to PostgreSQL.
pub(super) const TABLES: &[pg::moving::Table] = &[
    pg::moving::Table {
        name: "usage",
        columns: &[
            "billing_account",
            "billing_period",
            "account",
            "month",
            "service",
            "capability",
            "region_class",
            "unit",
            "quantity",
            "cost",
            "lines",
            "first",
            "last",
        ],
        order_by: &[
            ("billing_account", true),
            ("billing_period", true),
            ("account", true),
            ("month", true),
            ("service", true),
            ("capability", true),
            ("region_class", true),
            ("unit", true),
        ],
        identity: None,
    },
    pg::moving::Table {
        name: "ingested",
        columns: &["sha256", "file", "rows"],
        order_by: &[("sha256", true)],
        identity: None,
    },
    pg::moving::Table {
        name: "ingested_slices",
        columns: &["billing_account", "billing_period", "sha256", "in_force"],
        order_by: &[("billing_account", true), ("billing_period", true), ("sha256", true)],
        identity: None,
    },
];

pub(super) struct SqliteBackend {
    conn: Connection,
}

impl SqliteBackend {
    /// Opens (creating) the usage database.
    pub(super) fn open(path: &Path) -> Result<SqliteBackend, Error> {
        Ok(SqliteBackend { conn: SCHEMA.open(path)? })
    }

    pub(super) fn in_memory() -> Result<SqliteBackend, Error> {
        Ok(SqliteBackend { conn: SCHEMA.in_memory()? })
    }

    pub(super) fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(super) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// How the usage store's file is opened and migrated.
const SCHEMA: pg::sqlite::SqliteSchema =
    pg::sqlite::SqliteSchema { store: "usage", migrations: MIGRATIONS, pragmas: &[] };

fn in_force(conn: &Connection, sha: &str) -> Result<bool, Error> {
    let seen: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM ingested WHERE sha256 = ?1 \
             AND NOT EXISTS (SELECT 1 FROM ingested_slices WHERE sha256 = ?1 AND in_force = 0)",
            [sha],
            |r| r.get(0),
        )
        .optional()?;
    Ok(seen.is_some())
}

impl Backend for SqliteBackend {
    fn in_force(&self, sha: &str) -> Result<bool, Error> {
        in_force(&self.conn, sha)
    }

    /// Stores a file's aggregate rows (key: account, month, service, capability, region class,
    /// unit; slice: billing account and period) and records the file, in one transaction.
    /// First the `slices` it covers that have a billing account are taken out of force (an
    /// earlier file's lines for them are replaced: rows from before chunks are deleted, chunks
    /// are filtered when read and deleted once none of their file's slices is in force); then
    /// the rows are packed into chunks. Returns what was replaced.
    fn store(
        &mut self,
        rows: &mut dyn Iterator<Item = Row<'_>>,
        slices: &std::collections::BTreeSet<(&str, &str)>,
        sha: &str,
        file: &str,
        lines: u64,
    ) -> Result<Option<Vec<Replacement>>, Error> {
        // Immediate: the write lock from the start, so the check below holds until commit.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if in_force(&tx, sha)? {
            return Ok(None);
        }
        let mut replaced = Vec::new();
        for &(billing_account, billing_period) in slices.iter().filter(|(a, _)| !a.is_empty()) {
            if let Some(r) = replace_slice(&tx, billing_account, billing_period, sha)? {
                replaced.push(r);
            }
        }
        // A file ingested again after a later one replaced some of it: its chunks, if kept,
        // hold these very rows (the same bytes), in their place in the summing order, and are
        // read whole again once its slices are in force. A file stored before chunks has its
        // lines with no billing account in the rows from before (never taken out of force).
        let kept: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM usage_chunks WHERE sha256 = ?1)", [sha], |r| r.get(0))?;
        let mut st =
            tx.prepare("SELECT billing_period FROM ingested_slices WHERE sha256 = ?1 AND billing_account = ''")?;
        let unattributed = st.query_map([sha], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        drop(st);
        let mut slice_lines: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        {
            let mut put = tx.prepare_cached("INSERT INTO usage_chunks (sha256, rows, data) VALUES (?1, ?2, ?3)")?;
            let mut packer = Packer::default();
            let mut flush = |packer: &mut Packer| -> Result<(), Error> {
                let n = packer.len() as i64;
                put.execute(params![sha, n, packer.finish()])?;
                Ok(())
            };
            for (key, slice, sums) in rows {
                *slice_lines.entry(slice).or_insert(0) += sums.lines;
                if kept || (slice.0.is_empty() && unattributed.iter().any(|p| p == slice.1)) {
                    continue;
                }
                packer.push(key, slice, &sums);
                if packer.len() == CHUNK_ROWS {
                    flush(&mut packer)?;
                }
            }
            if packer.len() > 0 {
                flush(&mut packer)?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO ingested (sha256, file, rows) VALUES (?1, ?2, ?3)",
            params![sha, file, lines as i64],
        )?;
        // A file ingested again after a later one replaced some of it holds its slices anew.
        tx.execute("DELETE FROM ingested_slices WHERE sha256 = ?1", [sha])?;
        for &(billing_account, billing_period) in slices {
            let n = slice_lines.get(&(billing_account, billing_period)).copied().unwrap_or(0);
            tx.execute(
                "INSERT INTO ingested_slices (billing_account, billing_period, sha256, in_force, lines) \
                 VALUES (?1, ?2, ?3, 1, ?4)",
                params![billing_account, billing_period, sha, n as i64],
            )?;
        }
        // Chunks of files wholly replaced are never read again.
        tx.execute(
            "DELETE FROM usage_chunks WHERE sha256 IN \
             (SELECT sha256 FROM ingested_slices GROUP BY sha256 HAVING max(in_force) = 0)",
            [],
        )?;
        tx.execute("UPDATE generation SET n = n + 1", [])?;
        tx.commit()?;
        Ok(Some(replaced))
    }

    fn generation(&self) -> Result<u64, Error> {
        Ok(self.conn.query_row("SELECT n FROM generation", [], |r| r.get::<_, i64>(0))? as u64)
    }

    fn for_each_slice_row(&self, month: &dyn Fn(&str) -> bool, each: &mut dyn FnMut(Key, Sums)) -> Result<(), Error> {
        super::merge::for_each_slice_row(&self.conn, month, each)
    }
}

/// Takes the slice (billing account, billing period) out of force for every file but `sha`;
/// what it held, if anything.
fn replace_slice(
    tx: &Connection,
    billing_account: &str,
    billing_period: &str,
    sha: &str,
) -> Result<Option<Replacement>, Error> {
    let slice = params![billing_account, billing_period, sha];
    let mut earlier = tx.prepare_cached(
        "SELECT DISTINCT i.file FROM ingested_slices s JOIN ingested i ON i.sha256 = s.sha256 \
         WHERE s.billing_account = ?1 AND s.billing_period = ?2 AND s.in_force = 1 AND s.sha256 <> ?3 \
         ORDER BY i.file",
    )?;
    let files = earlier.query_map(slice, |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    let in_chunks: i64 = tx.query_row(
        "SELECT coalesce(sum(lines), 0) FROM ingested_slices \
         WHERE billing_account = ?1 AND billing_period = ?2 AND in_force = 1 AND sha256 <> ?3",
        slice,
        |r| r.get(0),
    )?;
    let slice = params![billing_account, billing_period];
    let in_rows: i64 = tx.query_row(
        "SELECT coalesce(sum(lines), 0) FROM usage WHERE billing_account = ?1 AND billing_period = ?2",
        slice,
        |r| r.get(0),
    )?;
    let stored = in_chunks + in_rows;
    if files.is_empty() && stored == 0 {
        return Ok(None);
    }
    tx.execute("DELETE FROM usage WHERE billing_account = ?1 AND billing_period = ?2", slice)?;
    tx.execute("UPDATE ingested_slices SET in_force = 0 WHERE billing_account = ?1 AND billing_period = ?2", slice)?;
    Ok(Some(Replacement {
        billing_account: billing_account.into(),
        billing_period: billing_period.into(),
        files,
        lines: stored as u64,
    }))
}

/// Every row in force: the rows from before chunks, then each chunk's in the order stored
/// (what [`unpack_chunks`] writes back as rows).
fn stored_rows(conn: &Connection) -> Result<Vec<SliceRow>, Error> {
    let mut all: Vec<SliceRow> = super::merge::rows_before_chunks(conn)?;
    let replaced = super::merge::replaced_slices(conn)?;
    let none = Vec::new();
    let mut st = conn.prepare("SELECT id, sha256, data FROM usage_chunks ORDER BY id")?;
    let mut chunks = st.query([])?;
    while let Some(chunk) = chunks.next()? {
        let (id, sha): (i64, String) = (chunk.get(0)?, chunk.get(1)?);
        let out = replaced.get(&sha).unwrap_or(&none);
        let keep = |a: &str, p: &str| !out.iter().any(|(x, y)| x == a && y == p);
        let damaged = |message: String| Error::Stored { what: format!("usage chunk {id} of file {sha}"), message };
        let data = chunk.get_ref(2)?.as_blob().map_err(|e| damaged(e.to_string()))?;
        unpack(data, &keep, &mut |row| all.push(row)).map_err(damaged)?;
    }
    Ok(all)
}

/// Writes every chunk's rows in force into the `usage` table (summed with a row already there
/// for the same key and slice, in the order stored) and deletes the chunks: the layout
/// [`pg::moving`] copies table by table into PostgreSQL. One transaction.
pub(super) fn unpack_chunks(conn: &mut Connection) -> Result<(), Error> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let chunks: i64 = tx.query_row("SELECT count(*) FROM usage_chunks", [], |r| r.get(0))?;
    if chunks == 0 {
        return Ok(());
    }
    let legacy: i64 = tx.query_row("SELECT count(*) FROM usage", [], |r| r.get(0))?;
    let rows = stored_rows(&tx)?;
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
             last = max(last, excluded.last)",
        )?;
        // The rows already in the table are the first `legacy` ones.
        for (k, (billing_account, billing_period), v) in rows.into_iter().skip(legacy as usize) {
            put.execute(params![
                k.account,
                k.month,
                k.service,
                k.capability,
                k.region_class,
                k.unit,
                v.quantity,
                v.cost,
                v.lines as i64,
                v.first,
                v.last,
                billing_account,
                billing_period
            ])?;
        }
    }
    tx.execute("DELETE FROM usage_chunks", [])?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::UsageStore;

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
        let version: usize = SqliteBackend::open(&path)
            .expect("raw")
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len());
        let kept: i64 = SqliteBackend::open(&path)
            .expect("raw")
            .conn
            .query_row("SELECT COUNT(*) FROM ingested", [], |r| r.get(0))
            .expect("count");
        assert_eq!(kept, 1);
        let rows = store.rows().expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].0.account.as_str(), rows[0].1.quantity), ("111", 1000.0));
        SqliteBackend::open(&path)
            .expect("raw")
            .conn
            .pragma_update(None, "user_version", MIGRATIONS.len() + 1)
            .expect("bump");
        drop(store);
        assert!(matches!(UsageStore::open(&path), Err(Error::Newer { .. })));
    }

    /// Billing account P's July and August.
    const EXPORT: &str = "ProviderName,BillingAccountId,SubAccountId,ServiceName,x_UsageType,x_Operation,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,ChargePeriodStart,BillingPeriodStart\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1000,Images,1.00,2026-07-01T00:00:00Z,2026-07-01T00:00:00Z\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,500,Images,0.50,2026-08-15T00:00:00Z,2026-08-01T00:00:00Z\n\
        AWS,P,222,Amazon EC2,BoxUsage:m5.large,RunInstances,us-east-1,24,Hrs,2.30,2026-08-02T00:00:00Z,2026-08-01T00:00:00Z\n";

    fn count(path: &Path, sql: &str) -> i64 {
        SqliteBackend::open(path).expect("raw").conn.query_row(sql, [], |r| r.get(0)).expect(sql)
    }

    #[test]
    fn rows_from_before_chunks_are_read_with_them_and_replaced_like_them() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("usage.db");
        {
            // A store of schema version 4: its rows in the `usage` table.
            let conn = Connection::open(&path).expect("open");
            for m in &MIGRATIONS[..4] {
                conn.execute_batch(m).expect("migration");
            }
            conn.pragma_update(None, "user_version", 4).expect("version");
            conn.execute_batch(
                "INSERT INTO ingested VALUES ('old', 'old.csv', 3);
                 INSERT INTO ingested_slices VALUES ('P', '2026-07', 'old', 1), ('P', '2026-08', 'old', 1);
                 INSERT INTO usage VALUES ('P', '2026-07', '111', '2026-07', 'Amazon Rekognition', 'face_identification',
                     'commercial', 'Images', 7, 0.07, 1, '2026-07-03', '2026-07-03');
                 INSERT INTO usage VALUES ('P', '2026-08', '111', '2026-08', 'Amazon Rekognition', 'face_identification',
                     'commercial', 'Images', 9, 0.09, 2, '2026-08-03', '2026-08-04');",
            )
            .expect("old rows");
        }
        let t = crate::taxonomy::Taxonomy::builtin().expect("taxonomy");
        let mut store = UsageStore::open(&path).expect("migrated");
        assert_eq!(store.rows().expect("rows").len(), 2, "rows from before chunks are read");
        // August re-exported: it replaces the old August rows (2 lines), July stays.
        let august: String = EXPORT.lines().filter(|l| !l.contains("2026-07-01T")).map(|l| format!("{l}\n")).collect();
        let file = dir.path().join("august.csv");
        std::fs::write(&file, august).expect("write");
        let r = store.ingest(&t, &file, crate::focus::ReadOptions::default()).expect("ingest");
        assert_eq!(r.replaced.len(), 1);
        assert_eq!((r.replaced[0].billing_period.as_str(), r.replaced[0].lines), ("2026-08", 2));
        assert_eq!(r.replaced[0].files, ["old.csv"]);
        let rows = store.rows().expect("rows");
        let face =
            |month: &str| rows.iter().find(|(k, _)| k.account == "111" && k.month == month).map(|(_, v)| v.quantity);
        assert_eq!((face("2026-07"), face("2026-08")), (Some(7.0), Some(500.0)));
        assert_eq!(count(&path, "SELECT count(*) FROM usage"), 1, "the replaced row is gone");
        assert_eq!(count(&path, "SELECT count(*) FROM usage_chunks"), 1);
        // More files over the same keys (another billing account, an aggregate without one):
        // the merge reads what sorting every row would, in the same order, with the same sums.
        let q = dir.path().join("q.csv");
        std::fs::write(&q, EXPORT.replace(",P,", ",Q,").replace("1000,", "1000.1,")).expect("write");
        store.ingest(&t, &q, crate::focus::ReadOptions::default()).expect("q");
        let merged = store.rows().expect("rows");
        let mut sorted = stored_rows(&SqliteBackend::open(&path).expect("raw").conn).expect("stored");
        sorted.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut folded: Vec<(Key, Sums)> = Vec::new();
        for (k, _, v) in sorted {
            match folded.last_mut() {
                Some((last, sums)) if *last == k => sums.add(&v),
                _ => folded.push((k, v)),
            }
        }
        assert_eq!(merged, folded);
        assert_eq!(merged.len(), 3, "{merged:?}");
        // A month's rows read alone (from before chunks and from chunks, a slice replaced) are
        // that month's rows of the whole reading, in its order, with its sums.
        for month in ["2026-07", "2026-08", "2026-09"] {
            let mut alone = Vec::new();
            store.for_each_row_in(&|m| m == month, &mut |k, s| alone.push((k, s))).expect("rows in");
            let whole: Vec<(Key, Sums)> = merged.iter().filter(|(k, _)| k.month == month).cloned().collect();
            assert_eq!(alone, whole, "{month}");
            assert_eq!(alone.is_empty(), month == "2026-09");
        }
    }

    #[test]
    fn chunks_of_a_wholly_replaced_file_go_and_unpacking_keeps_every_sum() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("usage.db");
        let t = crate::taxonomy::Taxonomy::builtin().expect("taxonomy");
        let mut store = UsageStore::open(&path).expect("store");
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).expect("write");
            p
        };
        store.ingest(&t, &write("a.csv", EXPORT), crate::focus::ReadOptions::default()).expect("a");
        // August alone, re-billed: a's August is out of force, its July still read from a's chunk.
        let august: String = EXPORT
            .lines()
            .filter(|l| !l.contains("2026-07-01T"))
            .map(|l| format!("{}\n", l.replace("0.50", "0.75")))
            .collect();
        store.ingest(&t, &write("b.csv", &august), crate::focus::ReadOptions::default()).expect("b");
        assert_eq!(count(&path, "SELECT count(*) FROM usage_chunks"), 2);
        let rows = store.rows().expect("rows");
        let cost: f64 = rows.iter().map(|(_, v)| v.cost).sum();
        assert_eq!((cost * 100.0).round(), 405.0, "July 1.00 from a, August 0.75 + 2.30 from b: {rows:?}");
        // A re-export of both months replaces every slice of a and b: their chunks go.
        let all = EXPORT.replace("1000,", "1001,");
        store.ingest(&t, &write("c.csv", &all), crate::focus::ReadOptions::default()).expect("c");
        assert_eq!(count(&path, "SELECT count(*) FROM usage_chunks"), 1, "only c's chunk is left");
        store
            .ingest(&t, &write("d.csv", &EXPORT.replace(",P,", ",Q,")), crate::focus::ReadOptions::default())
            .expect("d");
        let before = store.rows().expect("rows");
        drop(store);
        let mut raw = SqliteBackend::open(&path).expect("raw");
        unpack_chunks(raw.connection_mut()).expect("unpack");
        drop(raw);
        assert_eq!(count(&path, "SELECT count(*) FROM usage_chunks"), 0);
        assert_eq!(
            UsageStore::open(&path).expect("store").rows().expect("rows"),
            before,
            "unpacked rows add up the same"
        );
    }
}
