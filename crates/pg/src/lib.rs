//! PostgreSQL for candor's stores: a database is named by a `postgres://` URL (libpq's
//! connection URL, `sslmode` included), reached through a connection pool, TLS by rustls when
//! the server offers it, and each store lives in its own schema (`registry`, `usage`,
//! `policy`), so one database holds all three without their tables meeting.
//!
//! [`Database::connect`] makes the schema current: each store's migrations (numbered like
//! SQLite's `user_version`) are applied once, under an advisory lock, so two processes
//! starting at once do not both migrate. The stores' SQLite files open one way too
//! ([`sqlite::SqliteSchema`]), with the same refusal of a newer database.

mod error;
mod migrate;
pub mod moving;
pub mod opens;
mod place;
mod pool;
pub mod scratch;
pub mod sqlite;

pub use error::{Error, Result};
pub use place::Place;
pub use pool::{Conn, Database, SessionLock, describe, is_url, place_exists, pools_built, redact};
pub use postgres::error::SqlState;
pub use postgres::types::ToSql;
pub use postgres::{Error as PostgresError, Row, Statement};
