//! Scratch databases for tests and benchmarks: a new, empty database on the server an admin
//! URL names, reached by the URL returned.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::{Error, Result};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Creates an empty database on the server of `admin_url` (a role allowed to create
/// databases) and returns the URL of the new database.
pub fn create(admin_url: &str) -> Result<String> {
    let name = format!(
        "candor_scratch_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
    );
    let mut client = postgres::Client::connect(admin_url, postgres::NoTls)?;
    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
    with_database(admin_url, &name)
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).ok_or_else(|| Error::Url(url.to_string()))?;
    let host_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    Ok(format!("{}/{name}{query}", &base[..host_end]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        let w = |u| super::with_database(u, "x").expect("url");
        assert_eq!(w("postgres://a@h:5/postgres"), "postgres://a@h:5/x");
        assert_eq!(w("postgres://a@h:5"), "postgres://a@h:5/x");
        assert_eq!(w("postgresql://a:b@h/db?sslmode=disable"), "postgresql://a:b@h/x?sslmode=disable");
    }

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(crate::redact("postgres://ann:s3cret@db:5432/candor"), "postgres://ann:***@db:5432/candor");
        assert_eq!(crate::redact("postgres://ann@db/candor"), "postgres://ann@db/candor");
        assert_eq!(crate::redact("postgres://db/candor?user=ann"), "postgres://db/candor?user=ann");
    }
}
