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

use std::collections::HashMap;

use pg::{Conn, Database, Row, Statement, ToSql};

use crate::error::{Error, Result};
use crate::model::{
    Account, ClassificationEvent, Jurisdiction, Kind, LinkCandidate, LinkEvent, NewOrganisation, Organisation,
    RelationKind, Relationship, Role, Scheme, Source, Status, now,
};
use crate::store::{Counts, Store, Tx};

mod migrations;

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
        Ok(self.db.conn()?.query(sql, params)?)
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
        let mut conn = self.db.conn()?;
        conn.batch_execute("BEGIN")?;
        let mut tx = PgTx { conn, statements: HashMap::new(), open: true };
        let lock = tx.statement("SELECT pg_advisory_xact_lock($1)")?;
        tx.conn.execute(&lock, &[&WRITE_LOCK])?;
        Ok(Box::new(tx))
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

/// A write transaction on one pooled connection: `BEGIN` and the writer lock at the start,
/// `COMMIT` in [`Tx::commit`], `ROLLBACK` when dropped uncommitted. Statements are prepared
/// once per transaction (an import runs hundreds of thousands of them).
struct PgTx {
    conn: Conn,
    statements: HashMap<&'static str, Statement>,
    open: bool,
}

impl PgTx {
    fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.conn.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn rows(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let st = self.statement(sql)?;
        Ok(self.conn.query(&st, params)?)
    }

    fn exec(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let st = self.statement(sql)?;
        Ok(self.conn.execute(&st, params)?)
    }

    fn id(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<i64> {
        let rows = self.rows(sql, params)?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| Error::Invalid("insert returned no id".into()))
    }
}

impl PgTx {
    /// The organisations with an alias of this normalised name.
    fn alias_orgs(&mut self, name: &str) -> Result<Vec<i64>> {
        let rows = self.rows(
            "SELECT DISTINCT org_id FROM aliases WHERE norm = $1",
            &[&crate::names::normalize(name).sorted_key()],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if self.open {
            // A connection whose rollback fails is broken; the pool tests connections before
            // handing them out again.
            let _ = self.conn.batch_execute("ROLLBACK");
        }
    }
}

impl Tx for PgTx {
    fn organisation_by_key(&mut self, key: &str) -> Result<Option<i64>> {
        Ok(self.rows("SELECT id FROM organisations WHERE key = $1", &[&key])?.first().map(|r| r.get(0)))
    }

    fn organisation_by_identifier(&mut self, scheme: Scheme, value: &str) -> Result<Option<i64>> {
        let rows =
            self.rows("SELECT org_id FROM identifiers WHERE scheme = $1 AND value = $2", &[&scheme.as_str(), &value])?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    // Two lookups, each by an index, rather than one join: during an import the tables grow
    // inside one transaction with no statistics yet, and the planner then joined them by
    // scanning every organisation (3 ms a row, sixty times SQLite's import time).
    fn organisations_by_name(&mut self, name: &str, state: Option<&str>) -> Result<Vec<i64>> {
        let ids = self.alias_orgs(name)?;
        if ids.is_empty() {
            return Ok(ids);
        }
        let rows = self.rows(
            "SELECT id FROM organisations WHERE id = ANY($1) AND state IS NOT DISTINCT FROM $2 ORDER BY id",
            &[&ids, &state],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn organisations_by_norm(&mut self, name: &str) -> Result<Vec<(i64, Kind)>> {
        let ids = self.alias_orgs(name)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.rows("SELECT id, kind FROM organisations WHERE id = ANY($1) ORDER BY id", &[&ids])?;
        Ok(rows.iter().map(|r| (r.get(0), Kind::parse(r.get(1)).unwrap_or(Kind::Other))).collect())
    }

    fn identifiers_of(&mut self, org: i64) -> Result<Vec<(Scheme, String)>> {
        let rows = self.rows("SELECT scheme, value FROM identifiers WHERE org_id = $1", &[&org])?;
        Ok(rows.iter().filter_map(|r| Scheme::parse(r.get(0)).map(|s| (s, r.get(1)))).collect())
    }

    fn insert_organisation(&mut self, o: &NewOrganisation) -> Result<i64> {
        let j = &o.jurisdiction;
        self.id(
            "INSERT INTO organisations (key, name, kind, country, state, county, city) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[&o.key, &o.name, &o.kind.as_str(), &j.country, &j.state, &j.county, &j.city],
        )
    }

    fn add_alias(&mut self, org: i64, alias: &str) -> Result<()> {
        self.exec(
            "INSERT INTO aliases (org_id, alias, norm) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&org, &alias, &crate::names::normalize(alias).sorted_key()],
        )?;
        Ok(())
    }

    fn add_identifier(&mut self, org: i64, scheme: Scheme, value: &str) -> Result<()> {
        self.exec(
            "INSERT INTO identifiers (org_id, scheme, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&org, &scheme.as_str(), &value],
        )?;
        Ok(())
    }

    fn set_parent(&mut self, child: i64, parent: i64) -> Result<()> {
        if child != parent {
            self.exec(
                "UPDATE organisations SET parent_id = $2 WHERE id = $1 AND parent_id IS NULL",
                &[&child, &parent],
            )?;
        }
        Ok(())
    }

    fn add_relationship(&mut self, r: &Relationship) -> Result<bool> {
        let fact = crate::sqlite::relationship_fact(r);
        let line = r.source.line as i64;
        let n = self.exec(
            "INSERT INTO relationships (kind, from_org, to_org, agency, funding_agency, award_id, amount, \
             start_date, end_date, action_date, permalink, source_file, source_line, fact, technology, citation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING",
            &[
                &r.kind.as_str(),
                &r.from,
                &r.to,
                &r.agency,
                &r.funding_agency,
                &r.award_id,
                &r.amount,
                &r.start_date,
                &r.end_date,
                &r.action_date,
                &r.permalink,
                &r.source.file,
                &line,
                &fact,
                &r.technology,
                &r.citation,
            ],
        )?;
        Ok(n == 1)
    }

    fn upsert_account(&mut self, a: &Account) -> Result<bool> {
        let n = self.exec(
            "INSERT INTO accounts (account_id, legal_name, country, state, city, uei, domain) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (account_id) DO UPDATE SET legal_name = excluded.legal_name, country = excluded.country, \
             state = excluded.state, city = excluded.city, uei = excluded.uei, domain = excluded.domain \
             WHERE (accounts.legal_name, accounts.country, accounts.state, accounts.city, accounts.uei, accounts.domain) \
             IS DISTINCT FROM (excluded.legal_name, excluded.country, excluded.state, excluded.city, excluded.uei, excluded.domain)",
            &[&a.account_id, &a.legal_name, &a.country, &a.state, &a.city, &a.uei, &a.domain],
        )?;
        Ok(n == 1)
    }

    fn append_link(
        &mut self,
        account_id: &str,
        org: i64,
        status: Status,
        score: Option<f64>,
        reason: &str,
        actor: &str,
    ) -> Result<i64> {
        self.id(
            "INSERT INTO link_events (account_id, org_id, status, score, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[&account_id, &org, &status.as_str(), &score, &reason, &actor, &now()],
        )
    }

    fn append_proposal(
        &mut self,
        account_id: &str,
        org: i64,
        score: f64,
        reason: &str,
        actor: &str,
        candidates: &[LinkCandidate],
    ) -> Result<i64> {
        let list = if candidates.is_empty() {
            None
        } else {
            Some(serde_json::to_string(candidates).map_err(|e| Error::Invalid(format!("candidates: {e}")))?)
        };
        self.id(
            "INSERT INTO link_events (account_id, org_id, status, score, reason, actor, at, candidates) \
             VALUES ($1, $2, 'proposed', $3, $4, $5, $6, $7) RETURNING id",
            &[&account_id, &org, &score, &reason, &actor, &now(), &list],
        )
    }

    fn append_classification(
        &mut self,
        org: i64,
        role: Role,
        status: Status,
        reason: &str,
        actor: &str,
    ) -> Result<i64> {
        self.id(
            "INSERT INTO classification_events (org_id, role, status, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&org, &role.as_str(), &status.as_str(), &reason, &actor, &now()],
        )
    }

    fn latest_classification(&mut self, org: i64) -> Result<Option<(Role, Status)>> {
        let rows = self.rows(
            "SELECT role, status FROM classification_events WHERE org_id = $1 ORDER BY id DESC LIMIT 1",
            &[&org],
        )?;
        Ok(rows.first().and_then(|r| Some((Role::parse(r.get(0))?, Status::parse(r.get(1))?))))
    }

    fn latest_link(&mut self, account_id: &str, org: i64) -> Result<Option<LinkEvent>> {
        let rows = self.rows(
            "SELECT id, account_id, org_id, status, score, reason, actor, at, candidates FROM link_events \
             WHERE account_id = $1 AND org_id = $2 ORDER BY id DESC LIMIT 1",
            &[&account_id, &org],
        )?;
        Ok(rows.first().map(link_from_row))
    }

    fn import_seen(&mut self, sha256: &str) -> Result<bool> {
        Ok(!self.rows("SELECT 1 FROM imports WHERE sha256 = $1", &[&sha256])?.is_empty())
    }

    fn record_import(&mut self, sha256: &str, file: &str, kind: &str, rows: u64) -> Result<()> {
        self.exec(
            "INSERT INTO imports (sha256, file, kind, rows, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&sha256, &file, &kind, &(rows as i64), &now()],
        )?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.open = false;
        self.conn.batch_execute("COMMIT")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_dialects_have_the_same_migrations() {
        assert_eq!(super::MIGRATIONS.len(), crate::sqlite::MIGRATIONS.len());
    }
}
