//! The pool: one per store and process, each connection's `search_path` set to the store's
//! schema, so the stores' SQL names its tables unqualified, as on SQLite.

use std::time::Duration;

use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};
use crate::migrate;

type Manager = PostgresConnectionManager<MakeRustlsConnect>;

/// A connection taken from the pool; it returns to the pool when dropped.
pub type Conn = r2d2::PooledConnection<Manager>;

/// `url` with any password replaced by `***`, for messages (a URL may carry one; it is never
/// printed).
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_string() };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].find(':') {
            Some(colon) => format!("{}{}:***{}", &url[..scheme_end], &rest[..colon], &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// True when a store is at `place`: a `postgres://` URL (the server is asked when it is
/// opened), or a file that exists.
pub fn place_exists(place: &std::path::Path) -> bool {
    place.to_str().is_some_and(is_url) || place.exists()
}

/// How to name a store's `place` in a message: the path, or the URL without its password.
pub fn describe(place: &std::path::Path) -> String {
    match place.to_str() {
        Some(url) if is_url(url) => redact(url),
        _ => place.display().to_string(),
    }
}

/// True when `text` names a PostgreSQL database rather than a SQLite file.
pub fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// TLS by rustls with Mozilla's roots, used when the server offers it (libpq's `sslmode`
/// in the URL decides whether it is required).
fn tls() -> Result<MakeRustlsConnect> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Url(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// A PostgreSQL advisory lock held for as long as this value lives, on a connection of its
/// own (a pooled one would keep the lock after going back to the pool).
pub struct SessionLock {
    _client: postgres::Client,
}

impl SessionLock {
    /// Takes the lock named `name` in the database at `url`, or fails at once when another
    /// session holds it.
    pub fn try_acquire(url: &str, name: &str) -> Result<Option<SessionLock>> {
        if !is_url(url) {
            return Err(Error::Url("it must start with postgres:// or postgresql://".into()));
        }
        let mut client = postgres::Client::connect(url, tls()?)?;
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock(hashtextextended('candor-lock:' || $1, 0))", &[&name])?
            .get(0);
        Ok(got.then_some(SessionLock { _client: client }))
    }
}

/// One store's schema in one PostgreSQL database.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<Manager>,
    schema: &'static str,
}

impl std::fmt::Debug for Database {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("schema", &self.schema).finish_non_exhaustive()
    }
}

impl Database {
    /// Connects to `url`, creates the store's `schema` if needed and applies its
    /// `migrations` (the same list, in the same order, as the store's SQLite ones).
    pub fn connect(url: &str, schema: &'static str, migrations: &[&str]) -> Result<Database> {
        if !is_url(url) {
            return Err(Error::Url("it must start with postgres:// or postgresql://".into()));
        }
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| Error::Url(e.to_string()))?;
        if config.get_application_name().is_none() {
            config.application_name("candor");
        }
        // Every connection works in the store's schema; the option is sent at startup, so a
        // pooled connection cannot lose it.
        config.options(&format!("-c search_path={schema}"));
        let manager = PostgresConnectionManager::new(config, tls()?);
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            // Failures are returned to the caller; r2d2's own logging would only repeat them.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build(manager)?;
        let db = Database { pool, schema };
        migrate::apply(&mut *db.conn()?, schema, migrations)?;
        Ok(db)
    }

    /// A connection from the pool.
    pub fn conn(&self) -> Result<Conn> {
        Ok(self.pool.get()?)
    }

    /// The store's schema.
    pub fn schema(&self) -> &'static str {
        self.schema
    }
}
