//! Moving a store from its SQLite file into PostgreSQL: table by table, each in one
//! transaction streamed with `COPY … FROM STDIN`, ids kept (so every reference, log record and
//! page that names an id stays true), identity sequences moved past them.
//!
//! Resumable at table granularity: a table whose copy committed is recognised by its row count
//! and content hash and skipped; one that did not commit holds nothing. A target table holding
//! other rows is refused, never mixed. At the end every table is checked again: the same row
//! count and the same SHA-256 over its rows in key order, read back from each side (numbers
//! compared as numbers, since the two engines print floating-point values differently).

use std::io::Write;

use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::pool::Database;

/// One table to move: its name, columns (the same in both schemas), and the key to order by.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Table name.
    pub name: &'static str,
    /// Column names, in order.
    pub columns: &'static [&'static str],
    /// A unique key to order by: (column, true when it is text). Text keys are compared
    /// bytewise on both sides (SQLite's BINARY, PostgreSQL's "C" collation), so both read the
    /// rows in one order.
    pub order_by: &'static [(&'static str, bool)],
    /// The identity column whose sequence must move past the copied ids, if any.
    pub identity: Option<&'static str>,
}

/// What happened to one table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Moved {
    /// Table name.
    pub table: &'static str,
    /// Rows in the source (and, after checking, the target).
    pub rows: u64,
    /// SHA-256 of the rows, hex (identical on both sides).
    pub sha256: String,
    /// False when an earlier run had already copied it.
    pub copied: bool,
}

impl std::fmt::Display for Moved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.copied { "copied" } else { "already there" };
        writeln!(f, "{:22} {:>10} rows  {:13} sha256 {}", self.table, self.rows, what, self.sha256)
    }
}

/// Moves `tables` (in order: referenced tables first) from `sqlite` into `target`.
pub fn from_sqlite(
    sqlite: &rusqlite::Connection,
    target: &Database,
    tables: &[Table],
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Vec<Moved>> {
    let mut out = Vec::new();
    for t in tables {
        let (rows, sha) = sqlite_digest(sqlite, t)?;
        let (there, there_sha) = postgres_digest(target, t)?;
        let copied = if there == 0 && rows > 0 {
            copy(sqlite, target, t, progress)?;
            true
        } else if there == 0 || (there == rows && there_sha == sha) {
            // Nothing to copy, or an earlier run copied it.
            false
        } else {
            return Err(Error::Move(format!(
                "table {} in PostgreSQL already holds {there} rows that are not the source's {rows}; \
                 move into an empty database",
                t.name
            )));
        };
        let (after, after_sha) = postgres_digest(target, t)?;
        if after != rows || after_sha != sha {
            return Err(Error::Move(format!(
                "table {}: {rows} rows (sha256 {sha}) in SQLite but {after} (sha256 {after_sha}) in PostgreSQL",
                t.name
            )));
        }
        out.push(Moved { table: t.name, rows, sha256: sha, copied });
    }
    Ok(out)
}

/// A value in the hashed form both sides agree on.
fn canonical_sqlite(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "\\N".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

fn hash_row(h: &mut Sha256, fields: &[String]) {
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
}

fn select(t: &Table, cast: bool) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| if cast { format!("{c}::text, pg_typeof({c})::text") } else { c.to_string() })
        .collect();
    let keys: Vec<String> = t
        .order_by
        .iter()
        // Qualified: an unqualified name would order by the output column (the text cast).
        .map(
            |(k, text)| if cast && *text { format!("{}.{k} COLLATE \"C\"", t.name) } else { format!("{}.{k}", t.name) },
        )
        .collect();
    format!("SELECT {} FROM {} ORDER BY {}", cols.join(", "), t.name, keys.join(", "))
}

fn sqlite_digest(conn: &rusqlite::Connection, t: &Table) -> Result<(u64, String)> {
    let mut st = conn.prepare(&select(t, false))?;
    let mut rows = st.query([])?;
    let (mut n, mut h) = (0u64, Sha256::new());
    while let Some(r) = rows.next()? {
        let mut fields = Vec::with_capacity(t.columns.len());
        for i in 0..t.columns.len() {
            fields.push(canonical_sqlite(r.get_ref(i)?));
        }
        hash_row(&mut h, &fields);
        n += 1;
    }
    Ok((n, hex(&h.finalize())))
}

fn postgres_digest(db: &Database, t: &Table) -> Result<(u64, String)> {
    let mut conn = db.conn()?;
    let (mut n, mut h) = (0u64, Sha256::new());
    for r in conn.query(&select(t, true), &[])? {
        let mut fields = Vec::with_capacity(t.columns.len());
        for i in 0..t.columns.len() {
            let text: Option<String> = r.get(2 * i);
            let ty: String = r.get(2 * i + 1);
            fields.push(match text {
                None => "\\N".into(),
                Some(s) if ty == "double precision" || ty == "real" => {
                    s.parse::<f64>().map(|f| format!("{f:?}")).unwrap_or(s)
                }
                Some(s) => s,
            });
        }
        hash_row(&mut h, &fields);
        n += 1;
    }
    Ok((n, hex(&h.finalize())))
}

/// A value in COPY's text format.
fn copy_field(v: ValueRef<'_>, out: &mut Vec<u8>) {
    match v {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => out.extend_from_slice(format!("{f:?}").as_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b => out.push(b),
                }
            }
        }
    }
}

fn copy(
    sqlite: &rusqlite::Connection,
    target: &Database,
    t: &Table,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<()> {
    let mut conn = target.conn()?;
    let mut tx = conn.transaction()?;
    {
        let mut writer = tx.copy_in(&format!("COPY {} ({}) FROM STDIN", t.name, t.columns.join(", ")))?;
        let mut st = sqlite.prepare(&select(t, false))?;
        let mut rows = st.query([])?;
        let (mut line, mut n) = (Vec::with_capacity(256), 0u64);
        while let Some(r) = rows.next()? {
            line.clear();
            for i in 0..t.columns.len() {
                if i > 0 {
                    line.push(b'\t');
                }
                copy_field(r.get_ref(i)?, &mut line);
            }
            line.push(b'\n');
            writer.write_all(&line).map_err(|e| Error::Move(format!("copying {}: {e}", t.name)))?;
            n += 1;
            if n % 10_000 == 0 {
                progress(t.name, n);
            }
        }
        writer.finish()?;
        progress(t.name, n);
    }
    if let Some(col) = t.identity {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{0}', '{col}'), COALESCE((SELECT MAX({col}) FROM {0}), 0) + 1, false)",
                t.name
            ),
            &[],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
