//! The PostgreSQL store: the same tables, history triggers and contract as [`crate::SqliteStore`],
//! in the `registry` schema of a shared database, so several candor processes (reviewers'
//! servers, importers) work on one registry.
//!
//! Writers serialise: every write transaction first takes one advisory lock, as SQLite's
//! single writer does, so two reviewers deciding the same proposal see each other's decision
//! (one decides, the other gets a conflict) and two imports of one file store it once.
//! Readers never wait for it. The lock is per database, not per row: registry writes are
//! reviews and imports, rare next to reads, and one order of writes is what makes the
//! history's ids a true order.

use pg::{Database, Row, ToSql};

use crate::error::{Error, Result};
use crate::model::{
    Account, ClassificationEvent, Jurisdiction, Kind, LinkEvent, Organisation, RelationKind, Relationship, Role,
    Scheme, Source, Status,
};
use crate::store::{Counts, Store, Tx};
use tx::PgTx;

mod known;
mod migrations;
mod pending;
mod tx;

pub(crate) use migrations::MIGRATIONS;

/// The key of the registry's writer lock (any constant unlikely to meet another program's).
const WRITE_LOCK: i64 = 0x6361_6e64_6f72_0001;

impl From<pg::PostgresError> for Error {
    fn from(e: pg::PostgresError) -> Error {
        Error::from(pg::Error::from(e))
    }
}

impl From<pg::Error> for Error {
    fn from(e: pg::Error) -> Error {
        // A trigger's refusal is a rule of the registry, not a database fault: say it plainly.
        match e.server_message() {
            Some(m) if m.contains("append-only") => Error::Invalid(m.to_string()),
            _ => Error::Postgres(e),
        }
    }
}

/// The registry in PostgreSQL.
#[derive(Debug)]
pub struct PgStore {
    db: Database,
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` URL) and migrates its `registry`
    /// schema.
    pub fn connect(url: &str) -> Result<PgStore> {
        let db = Database::connect(url, "registry", MIGRATIONS)?;
        let store = PgStore { db };
        store.renormalize()?;
        Ok(store)
    }

    /// Recomputes the aliases' normalised keys when another normaliser wrote them (as the
    /// SQLite store does).
    fn renormalize(&self) -> Result<()> {
        let mut conn = self.db.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        let current: Option<String> =
            tx.query_opt("SELECT value FROM settings WHERE key = 'names'", &[])?.map(|r| r.get(0));
        if current.as_deref() == Some(crate::sqlite::NAMES_VERSION) {
            return Ok(());
        }
        let update = tx.prepare("UPDATE aliases SET norm = $3 WHERE org_id = $1 AND alias = $2")?;
        for row in tx.query("SELECT org_id, alias FROM aliases", &[])? {
            let (org, alias): (i64, String) = (row.get(0), row.get(1));
            tx.execute(&update, &[&org, &alias, &crate::names::normalize(&alias).sorted_key()])?;
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('names', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&crate::sqlite::NAMES_VERSION],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The database (for moving a registry into it).
    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        Ok(self.db.query(sql, params)?)
    }
}

fn org_from_row(r: &Row) -> Organisation {
    let kind: String = r.get(3);
    Organisation {
        id: r.get(0),
        key: r.get(1),
        name: r.get(2),
        kind: Kind::parse(&kind).unwrap_or(Kind::Other),
        jurisdiction: Jurisdiction { country: r.get(4), state: r.get(5), county: r.get(6), city: r.get(7) },
        parent: r.get(8),
    }
}

const ORG_COLUMNS: &str = "id, key, name, kind, country, state, county, city, parent_id";

impl Store for PgStore {
    fn begin(&mut self) -> Result<Box<dyn Tx + '_>> {
        Ok(Box::new(PgTx::begin(self.db.conn()?)?))
    }

    fn begin_read(&self) -> Result<()> {
        Ok(self.db.begin_read()?)
    }

    fn end_read(&self) -> Result<()> {
        Ok(self.db.end_read()?)
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        Ok(self
            .query(&format!("SELECT {ORG_COLUMNS} FROM organisations ORDER BY id"), &[])?
            .iter()
            .map(org_from_row)
            .collect())
    }

    fn organisation(&self, id: i64) -> Result<Option<Organisation>> {
        Ok(self
            .query(&format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"), &[&id])?
            .first()
            .map(org_from_row))
    }

    fn aliases(&self) -> Result<Vec<(i64, String)>> {
        Ok(self
            .query("SELECT org_id, alias FROM aliases ORDER BY org_id, alias", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn identifiers(&self) -> Result<Vec<(i64, Scheme, String)>> {
        let rows = self.query("SELECT org_id, scheme, value FROM identifiers ORDER BY org_id, scheme, value", &[])?;
        Ok(rows.iter().filter_map(|r| Scheme::parse(r.get::<_, &str>(1)).map(|s| (r.get(0), s, r.get(2)))).collect())
    }

    fn relationships(&self) -> Result<Vec<(i64, Relationship)>> {
        let rows = self.query(
            "SELECT id, kind, from_org, to_org, agency, funding_agency, award_id, amount, start_date, end_date, \
             action_date, permalink, source_file, source_line, technology, citation FROM relationships ORDER BY id",
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let (id, kind): (i64, &str) = (r.get(0), r.get(1));
            let kind = RelationKind::parse(kind)
                .ok_or_else(|| Error::Invalid(format!("relationship {id}: unknown kind {kind}")))?;
            out.push((
                id,
                Relationship {
                    kind,
                    from: r.get(2),
                    to: r.get(3),
                    agency: r.get(4),
                    funding_agency: r.get(5),
                    award_id: r.get(6),
                    amount: r.get(7),
                    start_date: r.get(8),
                    end_date: r.get(9),
                    action_date: r.get(10),
                    permalink: r.get(11),
                    technology: r.get(14),
                    citation: r.get(15),
                    source: Source { file: r.get(12), line: r.get::<_, i64>(13) as u64 },
                },
            ));
        }
        Ok(out)
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        let rows = self.query(
            "SELECT account_id, legal_name, country, state, city, uei, domain FROM accounts ORDER BY account_id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| Account {
                account_id: r.get(0),
                legal_name: r.get(1),
                country: r.get(2),
                state: r.get(3),
                city: r.get(4),
                uei: r.get(5),
                domain: r.get(6),
            })
            .collect())
    }

    fn link_events(&self) -> Result<Vec<LinkEvent>> {
        let rows = self.query(
            "SELECT id, account_id, org_id, status, score, reason, actor, at, candidates FROM link_events ORDER BY id",
            &[],
        )?;
        Ok(rows.iter().map(link_from_row).collect())
    }

    fn link_events_after(&self, after: i64) -> Result<Vec<LinkEvent>> {
        let rows = self.query(
            "SELECT id, account_id, org_id, status, score, reason, actor, at, candidates FROM link_events \
             WHERE id > $1 ORDER BY id",
            &[&after],
        )?;
        Ok(rows.iter().map(link_from_row).collect())
    }

    fn link_evidence(&self, events: &[i64]) -> Result<Vec<(i64, String)>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.query(
            "SELECT id, evidence FROM link_events WHERE id = ANY($1) AND evidence IS NOT NULL ORDER BY id",
            &[&events],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn classification_events(&self) -> Result<Vec<ClassificationEvent>> {
        let rows = self
            .query("SELECT id, org_id, role, status, reason, actor, at FROM classification_events ORDER BY id", &[])?;
        Ok(rows
            .iter()
            .map(|r| ClassificationEvent {
                id: r.get(0),
                org_id: r.get(1),
                role: Role::parse(r.get(2)).unwrap_or(Role::None),
                status: Status::parse(r.get(3)).unwrap_or(Status::Proposed),
                reason: r.get(4),
                actor: r.get(5),
                at: r.get(6),
            })
            .collect())
    }

    fn counts(&self) -> Result<Counts> {
        let r = self.query(
            "SELECT (SELECT COUNT(*) FROM organisations), (SELECT COUNT(*) FROM aliases), \
             (SELECT COUNT(*) FROM identifiers), (SELECT COUNT(*) FROM relationships), \
             (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM link_events), \
             (SELECT COUNT(*) FROM classification_events), (SELECT COUNT(*) FROM imports)",
            &[],
        )?;
        let r = r.first().ok_or_else(|| Error::Invalid("counts: no row".into()))?;
        let n = |i: usize| r.get::<_, i64>(i) as u64;
        Ok(Counts {
            organisations: n(0),
            aliases: n(1),
            identifiers: n(2),
            relationships: n(3),
            accounts: n(4),
            link_events: n(5),
            classification_events: n(6),
            imports: n(7),
        })
    }
}

fn link_from_row(r: &Row) -> LinkEvent {
    let candidates: Option<&str> = r.get(8);
    LinkEvent {
        id: r.get(0),
        account_id: r.get(1),
        org_id: r.get(2),
        status: Status::parse(r.get(3)).unwrap_or(Status::Proposed),
        score: r.get(4),
        reason: r.get(5),
        actor: r.get(6),
        at: r.get(7),
        candidates: candidates.and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_dialects_have_the_same_migrations() {
        assert_eq!(super::MIGRATIONS.len(), crate::sqlite::MIGRATIONS.len());
    }
}
