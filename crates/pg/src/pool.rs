//! The pool: one per database and process, shared by the stores in that database; a
//! connection's `search_path` is set to the schema of the store that takes it, so the stores'
//! SQL names its tables unqualified, as on SQLite.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
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

/// A pool and which stores' schemas it has made current. One per database URL and process:
/// the stores in one database share it, and every open of a store after the first reuses it.
struct Shared {
    pool: r2d2::Pool<Manager>,
    migrated: Mutex<HashSet<&'static str>>,
}

/// The process's pools by URL. Weak: a pool lives while a store holds it, and a database that
/// no store of this process uses any more keeps no idle connection open (a test may drop it).
fn pools() -> &'static Mutex<HashMap<String, Weak<Shared>>> {
    static POOLS: OnceLock<Mutex<HashMap<String, Weak<Shared>>>> = OnceLock::new();
    POOLS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// How many pools this process built so far (a test holds a process to one per database).
pub fn pools_built() -> u64 {
    BUILT.load(Ordering::Relaxed)
}

static BUILT: AtomicU64 = AtomicU64::new(0);

/// The schema a pooled connection's `search_path` is set to (kept with the connection).
struct SearchPath(&'static str);

/// One store's schema in one PostgreSQL database.
pub struct Database {
    shared: Arc<Shared>,
    schema: &'static str,
    /// The connection every read goes to while a read moment is held ([`Database::begin_read`]).
    moment: Mutex<Option<Conn>>,
}

impl Clone for Database {
    // A clone shares the pool, not a moment its original holds.
    fn clone(&self) -> Database {
        Database { shared: self.shared.clone(), schema: self.schema, moment: Mutex::new(None) }
    }
}

impl Drop for Database {
    // A moment still held goes back to the pool closed, never inside its transaction.
    fn drop(&mut self) {
        // Even after a panic poisoned the moment's lock: a connection still inside its
        // transaction must not reach the pool.
        let held = self.moment.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(mut conn) = held {
            // When it fails the connection is broken, and the pool drops broken connections.
            let _ = conn.batch_execute("ROLLBACK");
        }
    }
}

impl std::fmt::Debug for Database {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("schema", &self.schema).finish_non_exhaustive()
    }
}

/// Locks `m`; a thread that panicked while holding it left nothing half-done that matters here
/// (a map of weak pools, a set of migrated schemas, a held moment).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The process's pool for `url`, built on first use.
fn shared(url: &str) -> Result<Arc<Shared>> {
    if let Some(found) = lock(pools()).get(url).and_then(Weak::upgrade) {
        return Ok(found);
    }
    // Built without holding the map: connecting may take seconds, and other databases' opens
    // need not wait for it.
    let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| Error::Url(e.to_string()))?;
    if config.get_application_name().is_none() {
        config.application_name("candor");
    }
    let manager = PostgresConnectionManager::new(config, tls()?);
    let pool = r2d2::Pool::builder()
        .max_size(8)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        // Failures are returned to the caller; r2d2's own logging would only repeat them.
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .build(manager)?;
    let mut pools = lock(pools());
    // Two opens of one database at once: the first pool in the map is the process's one.
    if let Some(found) = pools.get(url).and_then(Weak::upgrade) {
        return Ok(found);
    }
    BUILT.fetch_add(1, Ordering::Relaxed);
    let shared = Arc::new(Shared { pool, migrated: Mutex::new(HashSet::new()) });
    pools.retain(|_, w| w.strong_count() > 0);
    pools.insert(url.to_string(), Arc::downgrade(&shared));
    Ok(shared)
}

impl Database {
    /// Connects to `url`, creates the store's `schema` if needed and applies its
    /// `migrations` (the same list, in the same order, as the store's SQLite ones). The pool
    /// is the process's one for `url`; the migrations run once per process and schema.
    pub fn connect(url: &str, schema: &'static str, migrations: &[&str]) -> Result<Database> {
        if !is_url(url) {
            return Err(Error::Url("it must start with postgres:// or postgresql://".into()));
        }
        let db = Database { shared: shared(url)?, schema, moment: Mutex::new(None) };
        let mut migrated = lock(&db.shared.migrated);
        if !migrated.contains(schema) {
            migrate::apply(&mut *db.conn()?, schema, migrations)?;
            migrated.insert(schema);
        }
        drop(migrated);
        Ok(db)
    }

    /// A connection from the pool, its `search_path` set to the store's schema (so the
    /// stores' SQL names its tables unqualified, as on SQLite).
    pub fn conn(&self) -> Result<Conn> {
        let mut conn = self.shared.pool.get()?;
        let current = Conn::extensions(&conn).get::<SearchPath>().map(|p| p.0);
        if current != Some(self.schema) {
            // Outside a transaction, so it lasts for the connection's life.
            conn.batch_execute(&format!("SET search_path TO {}", self.schema))?;
            Conn::extensions_mut(&mut conn).insert(SearchPath(self.schema));
        }
        Ok(conn)
    }

    /// Runs a read: on the held moment's connection when [`Database::begin_read`] holds one,
    /// else on a pooled connection.
    pub fn query(&self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<Vec<postgres::Row>> {
        let mut moment = lock(&self.moment);
        match moment.as_mut() {
            Some(conn) => Ok(conn.query(sql, params)?),
            None => {
                drop(moment);
                Ok(self.conn()?.query(sql, params)?)
            }
        }
    }

    /// Holds one moment for every read through [`Database::query`] until
    /// [`Database::end_read`]: a read-only, repeatable-read transaction on one connection, so
    /// reads made one after another see the database as it was at the first.
    pub fn begin_read(&self) -> Result<()> {
        let mut moment = lock(&self.moment);
        if moment.is_none() {
            let mut conn = self.conn()?;
            conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
            *moment = Some(conn);
        }
        Ok(())
    }

    /// Ends the moment [`Database::begin_read`] holds (nothing when none is held).
    pub fn end_read(&self) -> Result<()> {
        let held = lock(&self.moment).take();
        if let Some(mut conn) = held {
            conn.batch_execute("COMMIT")?;
        }
        Ok(())
    }

    /// The store's schema.
    pub fn schema(&self) -> &'static str {
        self.schema
    }
}
