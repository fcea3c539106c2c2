//! The usage store in PostgreSQL (the `usage` schema): the same tables as the SQLite file.
//! A file's groups go in with one `COPY` into a temporary table and one `INSERT … ON CONFLICT`
//! that adds their sums to what is stored, instead of a statement per group. Writers
//! serialise on an advisory lock and check again, under it, that the file is not in force, so
//! two importers of one file store it once.

use std::collections::BTreeSet;
use std::io::Write;

use pg::{Database, Row as PgRow, ToSql};

use super::{Backend, Replacement, Row};
use crate::aggregate::Error;
use crate::fold::{Key, Sums};

/// The same migrations as SQLite's, in PostgreSQL's dialect (a test holds the counts equal).
/// The second rebuilt SQLite's table without row ids, which PostgreSQL has no use for; the
/// fifth gave SQLite its chunks, which PostgreSQL needs neither (`COPY` fills rows fast).
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE usage (
    account TEXT NOT NULL, month TEXT NOT NULL, service TEXT NOT NULL, capability TEXT NOT NULL,
    region_class TEXT NOT NULL, unit TEXT NOT NULL,
    quantity DOUBLE PRECISION NOT NULL, cost DOUBLE PRECISION NOT NULL, lines BIGINT NOT NULL,
    first TEXT NOT NULL, last TEXT NOT NULL,
    CONSTRAINT usage_key PRIMARY KEY (account, month, service, capability, region_class, unit));
CREATE TABLE ingested (sha256 TEXT PRIMARY KEY, file TEXT NOT NULL, rows BIGINT NOT NULL);
"#,
    "SELECT 1;",
    r#"
ALTER TABLE usage ADD COLUMN billing_account TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN billing_period TEXT NOT NULL DEFAULT '';
ALTER TABLE usage DROP CONSTRAINT usage_key;
ALTER TABLE usage ADD CONSTRAINT usage_key
    PRIMARY KEY (billing_account, billing_period, account, month, service, capability, region_class, unit);
CREATE TABLE ingested_slices (
    billing_account TEXT NOT NULL, billing_period TEXT NOT NULL, sha256 TEXT NOT NULL, in_force BIGINT NOT NULL,
    PRIMARY KEY (billing_account, billing_period, sha256));
CREATE INDEX ingested_slices_by_file ON ingested_slices (sha256, in_force);
"#,
    r#"
CREATE TABLE generation (one INTEGER PRIMARY KEY CHECK (one = 1), n BIGINT NOT NULL);
INSERT INTO generation (one, n) VALUES (1, 0);
"#,
    "SELECT 1;",
];

/// The key of the usage store's writer lock.
const WRITE_LOCK: i64 = 0x6361_6e64_6f72_0002;

impl From<pg::Error> for Error {
    fn from(e: pg::Error) -> Error {
        Error::Postgres(e)
    }
}

impl From<pg::PostgresError> for Error {
    fn from(e: pg::PostgresError) -> Error {
        Error::Postgres(pg::Error::from(e))
    }
}

pub(super) struct PgBackend {
    db: Database,
}

impl PgBackend {
    pub(super) fn connect(url: &str) -> Result<PgBackend, Error> {
        Ok(PgBackend { db: Database::connect(url, "usage", MIGRATIONS)? })
    }

    pub(super) fn database(&self) -> &Database {
        &self.db
    }
}

const IN_FORCE: &str = "SELECT 1 FROM ingested WHERE sha256 = $1 \
     AND NOT EXISTS (SELECT 1 FROM ingested_slices WHERE sha256 = $1 AND in_force = 0)";

/// A text value in COPY's text format.
fn copy_text(s: &str, out: &mut Vec<u8>) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}

/// A float in COPY's text format (PostgreSQL reads `Infinity` and `NaN`, so an overflow is
/// found after the sums are added, as on SQLite).
fn copy_float(f: f64, out: &mut Vec<u8>) {
    if f.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if f.is_infinite() {
        out.extend_from_slice(if f > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else {
        out.extend_from_slice(format!("{f:?}").as_bytes());
    }
}

impl Backend for PgBackend {
    fn in_force(&self, sha: &str) -> Result<bool, Error> {
        Ok(!self.db.conn()?.query(IN_FORCE, &[&sha])?.is_empty())
    }

    fn store(
        &mut self,
        rows: &mut dyn Iterator<Item = Row<'_>>,
        slices: &BTreeSet<(&str, &str)>,
        sha: &str,
        file: &str,
        lines: u64,
    ) -> Result<Option<Vec<Replacement>>, Error> {
        let mut conn = self.db.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        if !tx.query(IN_FORCE, &[&sha])?.is_empty() {
            return Ok(None);
        }
        let mut replaced = Vec::new();
        for &(billing_account, billing_period) in slices.iter().filter(|(a, _)| !a.is_empty()) {
            let files: Vec<String> = tx
                .query(
                    "SELECT DISTINCT i.file COLLATE \"C\" FROM ingested_slices s JOIN ingested i ON i.sha256 = s.sha256 \
                     WHERE s.billing_account = $1 AND s.billing_period = $2 AND s.in_force = 1 AND s.sha256 <> $3 \
                     ORDER BY i.file COLLATE \"C\"",
                    &[&billing_account, &billing_period, &sha],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let slice: [&(dyn ToSql + Sync); 2] = [&billing_account, &billing_period];
            let stored: i64 = tx
                .query_one(
                    "SELECT coalesce(sum(lines), 0)::BIGINT FROM usage WHERE billing_account = $1 AND billing_period = $2",
                    &slice,
                )?
                .get(0);
            if files.is_empty() && stored == 0 {
                continue;
            }
            tx.execute("DELETE FROM usage WHERE billing_account = $1 AND billing_period = $2", &slice)?;
            tx.execute(
                "UPDATE ingested_slices SET in_force = 0 WHERE billing_account = $1 AND billing_period = $2",
                &slice,
            )?;
            replaced.push(Replacement {
                billing_account: billing_account.into(),
                billing_period: billing_period.into(),
                files,
                lines: stored as u64,
            });
        }
        // The file's groups, streamed in; the groups of one file are unique by key.
        tx.batch_execute(
            "CREATE TEMPORARY TABLE incoming (LIKE usage INCLUDING DEFAULTS) ON COMMIT DROP; \
             ALTER TABLE incoming ADD PRIMARY KEY (billing_account, billing_period, account, month, service, capability, region_class, unit);",
        )?;
        {
            let mut w = tx.copy_in(
                "COPY incoming (account, month, service, capability, region_class, unit, quantity, cost, lines, first, last, \
                 billing_account, billing_period) FROM STDIN",
            )?;
            let mut line = Vec::with_capacity(256);
            for (key, (billing_account, billing_period), v) in rows {
                line.clear();
                for k in key {
                    copy_text(k, &mut line);
                    line.push(b'\t');
                }
                copy_float(v.quantity, &mut line);
                line.push(b'\t');
                copy_float(v.cost, &mut line);
                line.extend_from_slice(format!("\t{}\t", v.lines).as_bytes());
                copy_text(v.first, &mut line);
                line.push(b'\t');
                copy_text(v.last, &mut line);
                line.push(b'\t');
                copy_text(billing_account, &mut line);
                line.push(b'\t');
                copy_text(billing_period, &mut line);
                line.push(b'\n');
                w.write_all(&line).map_err(|e| Error::Io { path: file.into(), source: e })?;
            }
            w.finish()?;
        }
        // A file ingested again after a later one replaced some of it: its lines with no
        // billing account were never taken out of force, so they are stored already.
        tx.execute(
            "DELETE FROM incoming WHERE billing_account = '' AND billing_period IN \
             (SELECT billing_period FROM ingested_slices WHERE sha256 = $1 AND billing_account = '')",
            &[&sha],
        )?;
        // Adding finite sums can overflow: PostgreSQL refuses (22003) where SQLite stores
        // infinity. Either way the store names the group and keeps nothing.
        tx.batch_execute("SAVEPOINT add_sums")?;
        let added = tx.batch_execute(
            "INSERT INTO usage SELECT * FROM incoming \
             ON CONFLICT (billing_account, billing_period, account, month, service, capability, region_class, unit) \
             DO UPDATE SET quantity = usage.quantity + excluded.quantity, cost = usage.cost + excluded.cost, \
             lines = usage.lines + excluded.lines, \
             first = CASE WHEN usage.first = '' OR (excluded.first <> '' AND excluded.first COLLATE \"C\" < usage.first) \
                     THEN excluded.first ELSE usage.first END, \
             last = GREATEST(usage.last COLLATE \"C\", excluded.last)",
        );
        const KEY: &str = "billing_account, billing_period, account, month, service, capability, region_class, unit";
        const ORDER: &str = "ORDER BY t.account COLLATE \"C\", t.month COLLATE \"C\", t.service COLLATE \"C\" LIMIT 1";
        let bad = match added {
            Ok(()) => tx.query(
                &format!(
                    "SELECT t.account, t.month, t.service, \
                     CASE WHEN abs(u.quantity) < 'Infinity' THEN 'cost' ELSE 'quantity' END \
                     FROM incoming t JOIN usage u USING ({KEY}) \
                     WHERE NOT (abs(u.quantity) < 'Infinity' AND abs(u.cost) < 'Infinity') {ORDER}"
                ),
                &[],
            )?,
            Err(e) if e.code() == Some(&pg::SqlState::NUMERIC_VALUE_OUT_OF_RANGE) => {
                tx.batch_execute("ROLLBACK TO SAVEPOINT add_sums")?;
                // Halves cannot overflow: the sum overflows when the sum of halves passes half
                // the largest double.
                let rows = tx.query(
                    &format!(
                        "SELECT t.account, t.month, t.service, \
                         CASE WHEN abs(u.quantity / 2 + t.quantity / 2) > 8.988465674311579e307 THEN 'quantity' ELSE 'cost' END \
                         FROM incoming t JOIN usage u USING ({KEY}) \
                         WHERE abs(u.quantity / 2 + t.quantity / 2) > 8.988465674311579e307 \
                            OR abs(u.cost / 2 + t.cost / 2) > 8.988465674311579e307 {ORDER}"
                    ),
                    &[],
                )?;
                if rows.is_empty() {
                    return Err(pg::Error::from(e).into());
                }
                rows
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(r) = bad.first() {
            return Err(overflow(file, r));
        }
        tx.execute(
            "INSERT INTO ingested (sha256, file, rows) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256) DO UPDATE SET file = excluded.file, rows = excluded.rows",
            &[&sha, &file, &(lines as i64)],
        )?;
        // A file ingested again after a later one replaced some of it holds its slices anew.
        tx.execute("DELETE FROM ingested_slices WHERE sha256 = $1", &[&sha])?;
        for (billing_account, billing_period) in slices {
            tx.execute(
                "INSERT INTO ingested_slices (billing_account, billing_period, sha256, in_force) VALUES ($1, $2, $3, 1)",
                &[billing_account, billing_period, &sha],
            )?;
        }
        tx.execute("UPDATE generation SET n = n + 1", &[])?;
        tx.commit()?;
        Ok(Some(replaced))
    }

    fn generation(&self) -> Result<u64, Error> {
        Ok(self.db.conn()?.query_one("SELECT n FROM generation", &[])?.get::<_, i64>(0) as u64)
    }

    fn for_each_slice_row(&self, month: &dyn Fn(&str) -> bool, each: &mut dyn FnMut(Key, Sums)) -> Result<(), Error> {
        let rows = self.db.conn()?.query(
            "SELECT account, month, service, capability, region_class, unit, quantity, cost, lines, first, last FROM usage \
             ORDER BY account COLLATE \"C\", month COLLATE \"C\", service COLLATE \"C\", capability COLLATE \"C\", \
             region_class COLLATE \"C\", unit COLLATE \"C\", billing_account COLLATE \"C\", billing_period COLLATE \"C\"",
            &[],
        )?;
        for r in rows.iter().filter(|r| month(r.get::<_, &str>(1))) {
            each(
                Key {
                    account: r.get(0),
                    month: r.get(1),
                    service: r.get(2),
                    capability: r.get(3),
                    region_class: r.get(4),
                    unit: r.get(5),
                },
                Sums {
                    quantity: r.get(6),
                    cost: r.get(7),
                    lines: r.get::<_, i64>(8) as u64,
                    first: r.get(9),
                    last: r.get(10),
                },
            );
        }
        Ok(())
    }
}

fn overflow(file: &str, r: &PgRow) -> Error {
    let column: String = r.get(3);
    Error::Read(crate::focus::Error::Overflow {
        path: file.into(),
        what: crate::focus::Overflowed {
            account: r.get(0),
            month: r.get(1),
            service: r.get(2),
            column: if column == "cost" { "cost" } else { "quantity" },
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_dialects_have_the_same_migrations() {
        assert_eq!(super::MIGRATIONS.len(), super::super::sqlite::MIGRATIONS.len());
    }
}
