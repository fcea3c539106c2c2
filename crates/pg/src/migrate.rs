//! Schema migrations, numbered like SQLite's `user_version`: `candor_schema` in the `public`
//! schema holds, per store, how many have been applied. Each migration and the new number
//! commit together; an advisory lock keyed by the store's name keeps two processes from
//! migrating at once (the second finds the work done).

use crate::error::{Error, Result};

/// Applies `migrations[n..]`, where `n` is the number already applied to `schema`.
pub(crate) fn apply(client: &mut postgres::Client, schema: &'static str, migrations: &[&str]) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended('candor-migrate:' || $1, 0))", &[&schema])?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};\n\
         CREATE TABLE IF NOT EXISTS public.candor_schema (store TEXT PRIMARY KEY, version BIGINT NOT NULL);"
    ))?;
    let found: i64 = tx
        .query_opt("SELECT version FROM public.candor_schema WHERE store = $1", &[&schema])?
        .map(|r| r.get(0))
        .unwrap_or(0);
    if found > migrations.len() as i64 {
        return Err(Error::Newer { store: schema.to_string(), found, known: migrations.len() });
    }
    for (i, m) in migrations.iter().enumerate().skip(found as usize) {
        tx.batch_execute(&format!("SET LOCAL search_path = {schema};\n{m}"))?;
        tx.execute(
            "INSERT INTO public.candor_schema (store, version) VALUES ($1, $2) \
             ON CONFLICT (store) DO UPDATE SET version = excluded.version",
            &[&schema, &(i as i64 + 1)],
        )?;
    }
    tx.commit()?;
    Ok(())
}
