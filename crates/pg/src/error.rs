//! The errors of reaching PostgreSQL.

/// A PostgreSQL failure: connecting, the pool, or a statement.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error, or the connection failed.
    #[error("PostgreSQL: {}", explain(.0))]
    Postgres(#[from] postgres::Error),
    /// No connection could be had from the pool in time.
    #[error("PostgreSQL connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// The URL is not a PostgreSQL connection URL.
    #[error("not a PostgreSQL URL ({0}): expected postgres://user@host:port/database")]
    Url(String),
    /// The SQLite source failed while moving a store.
    #[error("SQLite source: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Moving a store could not be completed or checked.
    #[error("moving to PostgreSQL: {0}")]
    Move(String),
    /// The database's schema is newer than this candor.
    #[error("the {store} schema in PostgreSQL has version {found}, newer than this candor ({known}); upgrade candor")]
    Newer {
        /// The store (schema name).
        store: String,
        /// The version found.
        found: i64,
        /// The newest this candor knows.
        known: usize,
    },
}

impl Error {
    /// True when the server refused the statement for a unique-key violation (another writer
    /// stored the same row first).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Postgres(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION))
    }

    /// The server's message alone, when there is one (for errors raised by triggers).
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Postgres(e) => e.as_db_error().map(|d| d.message()),
            _ => None,
        }
    }
}

/// The client's own text says only "db error": the server's message (and the cause of a
/// connection failure) is what a person needs.
fn explain(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        return text;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// Result with this crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
