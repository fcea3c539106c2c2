//! The registry's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the registry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database failed.
    #[error("registry database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The PostgreSQL database failed.
    #[error("registry database: {0}")]
    Postgres(pg::Error),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A row of an input file is bad; the file was not imported.
    #[error("{}: line {line}, column {column}: {message}; nothing from this file was imported", file.display())]
    BadRow {
        /// The input file.
        file: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column (header name).
        column: String,
        /// What is wrong.
        message: String,
    },
    /// An input file as a whole is not what the importer expects.
    #[error("{}: {message}", file.display())]
    BadFile {
        /// The input file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Something asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A request conflicts with what is stored (deciding a decided proposal again without
    /// overriding it).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A request is not valid (missing reviewer, unknown status, ...).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// Wraps an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }
}

/// Result with the registry's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<pg::sqlite::SqliteError> for Error {
    fn from(e: pg::sqlite::SqliteError) -> Error {
        match e {
            pg::sqlite::SqliteError::Io { path, source } => Error::Io { path, source },
            pg::sqlite::SqliteError::Sqlite(e) => Error::Db(e),
            newer => Error::Invalid(newer.to_string()),
        }
    }
}
