//! Where a store lives, parsed once where it is given (`--db`, `--usage-db`, `--policy-db`):
//! a SQLite file (a path, or `sqlite:PATH`) or a PostgreSQL database (`postgres://…`, checked
//! as libpq's URL). A mistyped URL or a folder given as a file is refused there, naming the
//! flag, not later by whichever step opens the store first.

use std::path::{Path, PathBuf};

/// Longest place accepted, in bytes (Linux's `PATH_MAX`).
pub const MAX_PLACE: usize = 4096;

/// A store's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A SQLite file (created when absent).
    Sqlite(PathBuf),
    /// A PostgreSQL database, by its URL.
    Postgres(String),
}

impl Place {
    /// Parses a place as given on the command line or in the environment.
    pub fn parse(text: &str) -> Result<Place, String> {
        // A place is shown in messages and on terminals: no control characters, and a length
        // no file system or URL needs.
        if text.len() > MAX_PLACE {
            return Err(format!("a store's place is at most {MAX_PLACE} bytes; this one is {}", text.len()));
        }
        if text.chars().any(char::is_control) {
            return Err("a store's place may not hold control characters".into());
        }
        if crate::is_url(text) {
            // The parser's own message is not repeated: it could quote part of the URL.
            text.parse::<postgres::Config>().map_err(|_| {
                format!("{}: not a PostgreSQL URL (postgres://user@host:port/database)", crate::redact(text))
            })?;
            return Ok(Place::Postgres(text.to_string()));
        }
        let path = text.strip_prefix("sqlite:").unwrap_or(text);
        if path.trim().is_empty() {
            return Err("a store's place is a SQLite file's path or a postgres:// URL, not empty".into());
        }
        if Path::new(path).is_dir() {
            return Err(format!("{path}: a folder, not a SQLite file"));
        }
        Ok(Place::Sqlite(PathBuf::from(path)))
    }

    /// The place as the stores' `open` takes it: the file's path, or the URL as a path.
    pub fn path(&self) -> &Path {
        match self {
            Place::Sqlite(p) => p,
            Place::Postgres(url) => Path::new(url),
        }
    }
}

impl std::fmt::Display for Place {
    /// The path, or the URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Sqlite(p) => write!(f, "{}", p.display()),
            Place::Postgres(url) => f.write_str(&crate::redact(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_is_a_file_or_a_url_checked_once() {
        assert_eq!(Place::parse("candor-data/usage.db"), Ok(Place::Sqlite("candor-data/usage.db".into())));
        assert_eq!(Place::parse("sqlite:x.db"), Ok(Place::Sqlite("x.db".into())));
        let url = "postgres://candor:secret@127.0.0.1:5432/candor";
        let pg = Place::parse(url).expect("url");
        assert_eq!(pg.path(), Path::new(url));
        assert!(!pg.to_string().contains("secret"), "{pg}");
        assert!(Place::parse("").is_err());
        assert!(Place::parse("x\u{1b}[31m.db").unwrap_err().contains("control characters"));
        assert!(Place::parse(&"a".repeat(100_000)).unwrap_err().contains("at most 4096 bytes"));
        assert!(Place::parse("postgres://candor@host:notaport/db").is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Place::parse(&dir.path().display().to_string()).unwrap_err().contains("a folder"));
    }
}
