//! Opening a store's SQLite file, the one way every store does it: the folder made, WAL
//! journal, the store's pragmas, then the migrations it lacks (numbered by `user_version`,
//! each in its own transaction). A database written by a newer candor is refused, with one
//! wording for every store, before anything is changed.

use std::path::Path;

use rusqlite::Connection;

/// Why a store's SQLite file could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// The database was made by a newer candor.
    #[error("the {store} database has schema version {found}, newer than this candor ({known}); upgrade candor")]
    Newer {
        /// The store (`registry`, `usage`, `policy`).
        store: &'static str,
        /// The version found.
        found: usize,
        /// The newest this candor knows.
        known: usize,
    },
    /// The folder for the file could not be made.
    #[error("{}: {source}", path.display())]
    Io {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// A store's SQLite schema: its name and its migrations, in order.
#[derive(Debug, Clone, Copy)]
pub struct SqliteSchema {
    /// The store (`registry`, `usage`, `policy`), as errors name it.
    pub store: &'static str,
    /// The migrations; `user_version` is the number applied.
    pub migrations: &'static [&'static str],
    /// Pragmas set on every connection after the journal mode (e.g. `foreign_keys`).
    pub pragmas: &'static [(&'static str, &'static str)],
}

impl SqliteSchema {
    /// Opens (creating) the file at `path` with the WAL journal and migrates it.
    pub fn open(&self, path: &Path) -> Result<Connection, SqliteError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| SqliteError::Io { path: dir.to_path_buf(), source })?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        self.migrated(conn)
    }

    /// A migrated database in memory (tests, tools).
    pub fn in_memory(&self) -> Result<Connection, SqliteError> {
        self.migrated(Connection::open_in_memory()?)
    }

    fn migrated(&self, mut conn: Connection) -> Result<Connection, SqliteError> {
        for (name, value) in self.pragmas {
            conn.pragma_update(None, name, value)?;
        }
        let found: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = self.migrations.len();
        if found > known {
            return Err(SqliteError::Newer { store: self.store, found, known });
        }
        for (i, m) in self.migrations.iter().enumerate().skip(found) {
            let tx = conn.transaction()?;
            tx.execute_batch(m)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(conn)
    }
}

/// Holds one moment for the reads on `conn` that follow (the stores' `begin_read`): a deferred
/// transaction, so the snapshot is taken at the first read and no write lock is asked for.
/// Holding one already held does nothing.
pub fn begin_read(conn: &Connection) -> rusqlite::Result<()> {
    if conn.is_autocommit() { conn.execute_batch("BEGIN DEFERRED") } else { Ok(()) }
}

/// Ends the moment [`begin_read`] holds (nothing when none is held).
pub fn end_read(conn: &Connection) -> rusqlite::Result<()> {
    if conn.is_autocommit() { Ok(()) } else { conn.execute_batch("COMMIT") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: SqliteSchema = SqliteSchema {
        store: "test",
        migrations: &["CREATE TABLE a (x INTEGER)", "CREATE TABLE b (y INTEGER)"],
        pragmas: &[("foreign_keys", "ON")],
    };

    #[test]
    fn a_file_is_migrated_once_and_a_newer_one_is_refused_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/test.db");
        let conn = SCHEMA.open(&path).expect("open");
        let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(version, 2);
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("pragma");
        assert_eq!(fk, 1);
        conn.pragma_update(None, "user_version", 3).expect("bump");
        drop(conn);
        let err = SCHEMA.open(&path).expect_err("newer");
        assert_eq!(
            err.to_string(),
            "the test database has schema version 3, newer than this candor (2); upgrade candor"
        );
        let conn = Connection::open(&path).expect("reopen");
        let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(version, 3, "nothing changed");
    }
}
