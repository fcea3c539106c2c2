//! Both stores run the same tests: [`on_both!`] makes each listed test twice, once on an
//! in-memory SQLite registry and once on a scratch PostgreSQL database (on the server named by
//! `CANDOR_TEST_POSTGRES`, which `.ci/with-postgres` sets; without it the PostgreSQL half
//! skips, and fails under `CI=true`).

use registry::{PgStore, SqliteStore, Store};

/// Where a test's stores live.
pub enum Backend {
    /// In-memory SQLite.
    Sqlite,
    /// Scratch databases on this PostgreSQL server (an admin URL).
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL backend, or `None` (having said why) when no server is configured.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("CANDOR_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ => {
                crate::skip("CANDOR_TEST_POSTGRES is not set (run the tests under .ci/with-postgres)");
                None
            }
        }
    }

    /// A new, empty registry.
    pub fn store(&self) -> Box<dyn Store> {
        match self {
            Backend::Sqlite => Box::new(SqliteStore::in_memory().expect("sqlite")),
            Backend::Postgres(admin) => Box::new(PgStore::connect(&self.scratch_url(admin)).expect("postgres")),
        }
    }

    /// A new, empty PostgreSQL database's URL.
    pub fn scratch_url(&self, admin: &str) -> String {
        pg::scratch::create(admin).expect("scratch database")
    }
}

/// Makes each named `fn(&Backend)` a test on SQLite and a test on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { super::$name(&$crate::backends::Backend::Sqlite) })*
        }
        mod on_postgres {
            $(#[test] fn $name() {
                if let Some(b) = $crate::backends::Backend::postgres() { super::$name(&b) }
            })*
        }
    };
}
