//! The usage store in a SQLite file (WAL), migrations by `user_version`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::{Backend, Replacement, Row};
use crate::aggregate::Error;
use crate::fold::{Key, Sums};

/// Schema migrations, applied in order; `user_version` is the number applied (the registry's
/// and the policy store's style). The first is idempotent: databases made before versioning
/// (user_version 0) already hold it. The second stores rows in their key's B-tree (`WITHOUT
/// ROWID`): half the disk and half the writes of a table plus a separate key index, which
/// counts at millions of groups.
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
    /// First the `slices` it covers that have a billing account are emptied (an earlier file's
    /// lines for them are replaced); then one upsert per row, the sums added as [`Sums::add`]
    /// adds them. Returns what was replaced.
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
        tx.execute("UPDATE generation SET n = n + 1", [])?;
        tx.commit()?;
        Ok(Some(replaced))
    }

    fn generation(&self) -> Result<u64, Error> {
        Ok(self.conn.query_row("SELECT n FROM generation", [], |r| r.get::<_, i64>(0))? as u64)
    }

    fn slice_rows(&self) -> Result<Vec<(Key, Sums)>, Error> {
        let mut st = self.conn.prepare(
            "SELECT account, month, service, capability, region_class, unit, quantity, cost, lines, first, last FROM usage \
             ORDER BY account, month, service, capability, region_class, unit, billing_account, billing_period",
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
}
