//! The SQLite store: one file, WAL journal, schema migrations by `user_version`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::columns::{candidates_column, relationship_fact};
use crate::error::{Error, Result};
use crate::model::{
    Account, ClassificationEvent, Jurisdiction, Kind, LinkEvent, NewOrganisation, Organisation, RelationKind,
    Relationship, Role, Scheme, Source, Status, now,
};
use crate::store::{Counts, Store, Tx};

/// Schema migrations, applied in order; `user_version` is the number applied.
pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT, state TEXT, county TEXT, city TEXT,
    parent_id INTEGER REFERENCES organisations(id)
);
CREATE TABLE aliases (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    alias TEXT NOT NULL,
    norm TEXT NOT NULL,
    PRIMARY KEY (org_id, alias)
);
CREATE INDEX aliases_norm ON aliases(norm);
CREATE TABLE identifiers (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    scheme TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (scheme, value)
);
CREATE INDEX identifiers_org ON identifiers(org_id);
CREATE TABLE relationships (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    from_org INTEGER NOT NULL REFERENCES organisations(id),
    to_org INTEGER NOT NULL REFERENCES organisations(id),
    agency INTEGER REFERENCES organisations(id),
    funding_agency INTEGER REFERENCES organisations(id),
    award_id TEXT, amount REAL,
    start_date TEXT, end_date TEXT, action_date TEXT,
    permalink TEXT,
    source_file TEXT NOT NULL, source_line INTEGER NOT NULL,
    fact TEXT NOT NULL UNIQUE
);
CREATE INDEX relationships_to ON relationships(to_org);
CREATE INDEX relationships_from ON relationships(from_org);
CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    legal_name TEXT NOT NULL,
    country TEXT, state TEXT, city TEXT, uei TEXT, domain TEXT
);
CREATE TABLE link_events (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'rejected')),
    score REAL, reason TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE classification_events (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    role TEXT NOT NULL CHECK (role IN ('agency', 'supplier', 'none')),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'rejected')),
    reason TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE imports (
    sha256 TEXT PRIMARY KEY,
    file TEXT NOT NULL, kind TEXT NOT NULL, rows INTEGER NOT NULL, at TEXT NOT NULL
);
-- History is append-only: the database refuses edits and deletions.
CREATE TRIGGER link_events_append_only_u BEFORE UPDATE ON link_events BEGIN SELECT RAISE(ABORT, 'link history is append-only'); END;
CREATE TRIGGER link_events_append_only_d BEFORE DELETE ON link_events BEGIN SELECT RAISE(ABORT, 'link history is append-only'); END;
CREATE TRIGGER classification_events_append_only_u BEFORE UPDATE ON classification_events BEGIN SELECT RAISE(ABORT, 'classification history is append-only'); END;
CREATE TRIGGER classification_events_append_only_d BEFORE DELETE ON classification_events BEGIN SELECT RAISE(ABORT, 'classification history is append-only'); END;
"#,
    r#"
-- An ambiguous proposal lists every organisation that fits (JSON), for the reviewer to choose.
ALTER TABLE link_events ADD COLUMN candidates TEXT;
-- The latest classification of an organisation is read once per imported row.
CREATE INDEX classification_events_org ON classification_events(org_id, id);
-- Technology supplies (EFF Atlas of Surveillance): the technology, and who reported it when.
ALTER TABLE relationships ADD COLUMN technology TEXT;
ALTER TABLE relationships ADD COLUMN citation TEXT;
-- Settings of the database's derived data (e.g. which name normaliser made aliases.norm).
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
    r#"
-- What the screening saw when it proposed a link (JSON: the account, each candidate's
-- identifiers, names and count of public records; why it was proposed again), so a rejected
-- pair comes back only with new evidence. Empty on decisions and on older proposals.
ALTER TABLE link_events ADD COLUMN evidence TEXT;
"#,
];

/// The version of [`crate::names::normalize`] that `aliases.norm` was computed with; a
/// database opened by a newer candor has its keys recomputed (entity resolution compares
/// them).
pub(crate) const NAMES_VERSION: &str = "3";

/// The registry in a SQLite file.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) the registry database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::renormalized(SCHEMA.open(path)?)
    }

    /// The SQLite connection (for moving the registry elsewhere).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// An in-memory registry (tests, tools).
    pub fn in_memory() -> Result<SqliteStore> {
        SqliteStore::renormalized(SCHEMA.in_memory()?)
    }

    fn renormalized(mut conn: Connection) -> Result<SqliteStore> {
        renormalize(&mut conn)?;
        Ok(SqliteStore { conn })
    }
}

/// How the registry's file is opened and migrated (`synchronous = NORMAL` is safe under WAL:
/// a crash loses at most the last transactions, never the file).
const SCHEMA: pg::sqlite::SqliteSchema = pg::sqlite::SqliteSchema {
    store: "registry",
    migrations: MIGRATIONS,
    pragmas: &[("synchronous", "NORMAL"), ("foreign_keys", "ON")],
};

/// Recomputes every alias's normalised key when the database was written by another
/// normaliser, in one transaction.
fn renormalize(conn: &mut Connection) -> Result<()> {
    let current: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = 'names'", [], |r| r.get(0)).optional()?;
    if current.as_deref() == Some(NAMES_VERSION) {
        return Ok(());
    }
    let tx = conn.transaction()?;
    {
        let aliases: Vec<(i64, String)> = {
            let mut st = tx.prepare("SELECT org_id, alias FROM aliases")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
        };
        let mut st = tx.prepare("UPDATE aliases SET norm = ?3 WHERE org_id = ?1 AND alias = ?2")?;
        for (org, alias) in aliases {
            st.execute(params![org, alias, crate::names::normalize(&alias).sorted_key()])?;
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('names', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [NAMES_VERSION],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn org_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Organisation> {
    let kind: String = r.get(3)?;
    Ok(Organisation {
        id: r.get(0)?,
        key: r.get(1)?,
        name: r.get(2)?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Other),
        jurisdiction: Jurisdiction { country: r.get(4)?, state: r.get(5)?, county: r.get(6)?, city: r.get(7)? },
        parent: r.get(8)?,
    })
}

fn link_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LinkEvent> {
    let status: String = r.get(3)?;
    let candidates: Option<String> = r.get(8)?;
    Ok(LinkEvent {
        id: r.get(0)?,
        account_id: r.get(1)?,
        org_id: r.get(2)?,
        status: Status::parse(&status).unwrap_or(Status::Proposed),
        score: r.get(4)?,
        reason: r.get(5)?,
        actor: r.get(6)?,
        at: r.get(7)?,
        candidates: candidates.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default(),
    })
}

const ORG_COLUMNS: &str = "id, key, name, kind, country, state, county, city, parent_id";

impl Store for SqliteStore {
    fn begin(&mut self) -> Result<Box<dyn Tx + '_>> {
        // Immediate: the write lock is taken now, so what the transaction reads stays true
        // until it commits (another process's decision cannot slip in between).
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        Ok(Box::new(SqliteTx { tx }))
    }

    fn begin_read(&self) -> Result<()> {
        Ok(pg::sqlite::begin_read(&self.conn)?)
    }

    fn end_read(&self) -> Result<()> {
        Ok(pg::sqlite::end_read(&self.conn)?)
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        let mut st = self.conn.prepare(&format!("SELECT {ORG_COLUMNS} FROM organisations ORDER BY id"))?;
        let rows = st.query_map([], org_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn organisation(&self, id: i64) -> Result<Option<Organisation>> {
        let mut st = self.conn.prepare(&format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = ?1"))?;
        Ok(st.query_row([id], org_from_row).optional()?)
    }

    fn aliases(&self) -> Result<Vec<(i64, String)>> {
        let mut st = self.conn.prepare("SELECT org_id, alias FROM aliases ORDER BY org_id, alias")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn identifiers(&self) -> Result<Vec<(i64, Scheme, String)>> {
        let mut st =
            self.conn.prepare("SELECT org_id, scheme, value FROM identifiers ORDER BY org_id, scheme, value")?;
        let rows = st.query_map([], |r| {
            let scheme: String = r.get(1)?;
            Ok((r.get(0)?, scheme, r.get(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (org, scheme, value): (i64, String, String) = row?;
            if let Some(s) = Scheme::parse(&scheme) {
                out.push((org, s, value));
            }
        }
        Ok(out)
    }

    fn relationships(&self) -> Result<Vec<(i64, Relationship)>> {
        let mut st = self.conn.prepare(
            "SELECT id, kind, from_org, to_org, agency, funding_agency, award_id, amount, start_date, end_date, \
             action_date, permalink, source_file, source_line, technology, citation FROM relationships ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            let kind: String = r.get(1)?;
            Ok((
                r.get::<_, i64>(0)?,
                kind,
                Relationship {
                    kind: RelationKind::ContractAward,
                    from: r.get(2)?,
                    to: r.get(3)?,
                    agency: r.get(4)?,
                    funding_agency: r.get(5)?,
                    award_id: r.get(6)?,
                    amount: r.get(7)?,
                    start_date: r.get(8)?,
                    end_date: r.get(9)?,
                    action_date: r.get(10)?,
                    permalink: r.get(11)?,
                    technology: r.get(14)?,
                    citation: r.get(15)?,
                    source: Source { file: r.get(12)?, line: r.get(13)? },
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, mut rel) = row?;
            rel.kind = RelationKind::parse(&kind)
                .ok_or_else(|| Error::Invalid(format!("relationship {id}: unknown kind {kind}")))?;
            out.push((id, rel));
        }
        Ok(out)
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        let mut st = self.conn.prepare(
            "SELECT account_id, legal_name, country, state, city, uei, domain FROM accounts ORDER BY account_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Account {
                account_id: r.get(0)?,
                legal_name: r.get(1)?,
                country: r.get(2)?,
                state: r.get(3)?,
                city: r.get(4)?,
                uei: r.get(5)?,
                domain: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn link_events(&self) -> Result<Vec<LinkEvent>> {
        let mut st = self.conn.prepare(
            "SELECT id, account_id, org_id, status, score, reason, actor, at, candidates FROM link_events ORDER BY id",
        )?;
        let rows = st.query_map([], link_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn link_events_after(&self, after: i64) -> Result<Vec<LinkEvent>> {
        let mut st = self.conn.prepare(
            "SELECT id, account_id, org_id, status, score, reason, actor, at, candidates FROM link_events \
             WHERE id > ?1 ORDER BY id",
        )?;
        let rows = st.query_map([after], link_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn link_evidence(&self, events: &[i64]) -> Result<Vec<(i64, String)>> {
        let mut st =
            self.conn.prepare_cached("SELECT evidence FROM link_events WHERE id = ?1 AND evidence IS NOT NULL")?;
        let mut out = Vec::new();
        for &id in events {
            if let Some(text) = st.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                out.push((id, text));
            }
        }
        Ok(out)
    }

    fn classification_events(&self) -> Result<Vec<ClassificationEvent>> {
        let mut st = self
            .conn
            .prepare("SELECT id, org_id, role, status, reason, actor, at FROM classification_events ORDER BY id")?;
        let rows = st.query_map([], |r| {
            let role: String = r.get(2)?;
            let status: String = r.get(3)?;
            Ok(ClassificationEvent {
                id: r.get(0)?,
                org_id: r.get(1)?,
                role: Role::parse(&role).unwrap_or(Role::None),
                status: Status::parse(&status).unwrap_or(Status::Proposed),
                reason: r.get(4)?,
                actor: r.get(5)?,
                at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn counts(&self) -> Result<Counts> {
        let count = |table: &str| -> Result<u64> {
            Ok(self.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(Counts {
            organisations: count("organisations")?,
            aliases: count("aliases")?,
            identifiers: count("identifiers")?,
            relationships: count("relationships")?,
            accounts: count("accounts")?,
            link_events: count("link_events")?,
            classification_events: count("classification_events")?,
            imports: count("imports")?,
        })
    }
}

struct SqliteTx<'a> {
    tx: Transaction<'a>,
}

impl Tx for SqliteTx<'_> {
    fn organisation_by_key(&mut self, key: &str) -> Result<Option<i64>> {
        let mut st = self.tx.prepare_cached("SELECT id FROM organisations WHERE key = ?1")?;
        Ok(st.query_row([key], |r| r.get(0)).optional()?)
    }

    fn organisation_by_identifier(&mut self, scheme: Scheme, value: &str) -> Result<Option<i64>> {
        let mut st = self.tx.prepare_cached("SELECT org_id FROM identifiers WHERE scheme = ?1 AND value = ?2")?;
        Ok(st.query_row(params![scheme.as_str(), value], |r| r.get(0)).optional()?)
    }

    fn insert_organisation(&mut self, o: &NewOrganisation) -> Result<i64> {
        let mut st = self.tx.prepare_cached(
            "INSERT INTO organisations (key, name, kind, country, state, county, city) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let j = &o.jurisdiction;
        st.execute(params![o.key, o.name, o.kind.as_str(), j.country, j.state, j.county, j.city])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn add_alias(&mut self, org: i64, alias: &str) -> Result<()> {
        let mut st =
            self.tx.prepare_cached("INSERT OR IGNORE INTO aliases (org_id, alias, norm) VALUES (?1, ?2, ?3)")?;
        st.execute(params![org, alias, crate::names::normalize(alias).sorted_key()])?;
        Ok(())
    }

    fn organisations_by_name(&mut self, name: &str, state: Option<&str>) -> Result<Vec<i64>> {
        let mut st = self.tx.prepare_cached(
            "SELECT DISTINCT a.org_id FROM aliases a JOIN organisations o ON o.id = a.org_id \
             WHERE a.norm = ?1 AND o.state IS ?2 ORDER BY a.org_id",
        )?;
        let rows = st.query_map(params![crate::names::normalize(name).sorted_key(), state], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn organisations_by_norm(&mut self, name: &str) -> Result<Vec<(i64, Kind)>> {
        let mut st = self.tx.prepare_cached(
            "SELECT DISTINCT a.org_id, o.kind FROM aliases a JOIN organisations o ON o.id = a.org_id \
             WHERE a.norm = ?1 ORDER BY a.org_id",
        )?;
        let rows = st.query_map(params![crate::names::normalize(name).sorted_key()], |r| {
            let kind: String = r.get(1)?;
            Ok((r.get(0)?, Kind::parse(&kind).unwrap_or(Kind::Other)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn identifiers_of(&mut self, org: i64) -> Result<Vec<(Scheme, String)>> {
        let mut st = self.tx.prepare_cached("SELECT scheme, value FROM identifiers WHERE org_id = ?1")?;
        let rows = st.query_map([org], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (scheme, value) = row?;
            if let Some(s) = Scheme::parse(&scheme) {
                out.push((s, value));
            }
        }
        Ok(out)
    }

    fn add_identifier(&mut self, org: i64, scheme: Scheme, value: &str) -> Result<()> {
        let mut st =
            self.tx.prepare_cached("INSERT OR IGNORE INTO identifiers (org_id, scheme, value) VALUES (?1, ?2, ?3)")?;
        st.execute(params![org, scheme.as_str(), value])?;
        Ok(())
    }

    fn set_parent(&mut self, child: i64, parent: i64) -> Result<()> {
        if child == parent {
            return Ok(());
        }
        let mut st =
            self.tx.prepare_cached("UPDATE organisations SET parent_id = ?2 WHERE id = ?1 AND parent_id IS NULL")?;
        st.execute(params![child, parent])?;
        Ok(())
    }

    fn add_relationship(&mut self, r: &Relationship) -> Result<()> {
        let fact = relationship_fact(r);
        let mut st = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO relationships (kind, from_org, to_org, agency, funding_agency, award_id, amount, \
             start_date, end_date, action_date, permalink, source_file, source_line, fact, technology, citation) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?;
        st.execute(params![
            r.kind.as_str(),
            r.from,
            r.to,
            r.agency,
            r.funding_agency,
            r.award_id,
            r.amount,
            r.start_date,
            r.end_date,
            r.action_date,
            r.permalink,
            r.source.file,
            r.source.line,
            fact,
            r.technology,
            r.citation
        ])?;
        Ok(())
    }

    fn upsert_account(&mut self, a: &Account) -> Result<()> {
        let mut st = self.tx.prepare_cached(
            "INSERT INTO accounts (account_id, legal_name, country, state, city, uei, domain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT(account_id) DO UPDATE SET legal_name = excluded.legal_name, country = excluded.country, \
             state = excluded.state, city = excluded.city, uei = excluded.uei, domain = excluded.domain \
             WHERE accounts.legal_name IS NOT excluded.legal_name OR accounts.country IS NOT excluded.country \
             OR accounts.state IS NOT excluded.state OR accounts.city IS NOT excluded.city \
             OR accounts.uei IS NOT excluded.uei OR accounts.domain IS NOT excluded.domain",
        )?;
        st.execute(params![a.account_id, a.legal_name, a.country, a.state, a.city, a.uei, a.domain])?;
        Ok(())
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
        let mut st = self.tx.prepare_cached(
            "INSERT INTO link_events (account_id, org_id, status, score, reason, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        st.execute(params![account_id, org, status.as_str(), score, reason, actor, now()])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn append_proposal(
        &mut self,
        account_id: &str,
        org: i64,
        score: f64,
        reason: &str,
        actor: &str,
        candidates: &[crate::model::LinkCandidate],
        evidence: Option<&str>,
    ) -> Result<()> {
        let list = candidates_column(candidates)?;
        let mut st = self.tx.prepare_cached(
            "INSERT INTO link_events (account_id, org_id, status, score, reason, actor, at, candidates, evidence) \
             VALUES (?1, ?2, 'proposed', ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        st.execute(params![account_id, org, score, reason, actor, now(), list, evidence])?;
        Ok(())
    }

    fn append_classification(&mut self, org: i64, role: Role, status: Status, reason: &str, actor: &str) -> Result<()> {
        let mut st = self.tx.prepare_cached(
            "INSERT INTO classification_events (org_id, role, status, reason, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        st.execute(params![org, role.as_str(), status.as_str(), reason, actor, now()])?;
        Ok(())
    }

    fn latest_classification(&mut self, org: i64) -> Result<Option<(Role, Status)>> {
        let mut st = self.tx.prepare_cached(
            "SELECT role, status FROM classification_events WHERE org_id = ?1 ORDER BY id DESC LIMIT 1",
        )?;
        let row: Option<(String, String)> = st.query_row([org], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        Ok(row.and_then(|(r, s)| Some((Role::parse(&r)?, Status::parse(&s)?))))
    }

    fn latest_link(&mut self, account_id: &str, org: i64) -> Result<Option<LinkEvent>> {
        let mut st = self.tx.prepare_cached(
            "SELECT id, account_id, org_id, status, score, reason, actor, at, candidates FROM link_events \
             WHERE account_id = ?1 AND org_id = ?2 ORDER BY id DESC LIMIT 1",
        )?;
        Ok(st.query_row(params![account_id, org], link_from_row).optional()?)
    }

    fn import_seen(&mut self, sha256: &str) -> Result<bool> {
        let mut st = self.tx.prepare_cached("SELECT 1 FROM imports WHERE sha256 = ?1")?;
        Ok(st.query_row([sha256], |_| Ok(())).optional()?.is_some())
    }

    fn record_import(&mut self, sha256: &str, file: &str, kind: &str, rows: u64) -> Result<()> {
        let mut st = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO imports (sha256, file, kind, rows, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        st.execute(params![sha256, file, kind, rows, now()])?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        Ok(self.tx.commit()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_append_only_in_the_database() {
        let mut s = SqliteStore::in_memory().expect("store");
        let mut tx = s.begin().expect("tx");
        let org = tx
            .insert_organisation(&NewOrganisation {
                key: "name:x".into(),
                name: "X".into(),
                kind: Kind::Company,
                jurisdiction: Jurisdiction::default(),
            })
            .expect("org");
        tx.append_classification(org, Role::Supplier, Status::Proposed, "test", "tester").expect("event");
        tx.commit().expect("commit");
        let err = s.conn.execute("UPDATE classification_events SET role = 'none'", []).expect_err("refused");
        assert!(err.to_string().contains("append-only"), "{err}");
        assert!(s.conn.execute("DELETE FROM classification_events", []).is_err());
    }

    #[test]
    fn dropping_a_transaction_rolls_it_back() {
        let mut s = SqliteStore::in_memory().expect("store");
        {
            let mut tx = s.begin().expect("tx");
            tx.insert_organisation(&NewOrganisation {
                key: "name:x".into(),
                name: "X".into(),
                kind: Kind::Company,
                jurisdiction: Jurisdiction::default(),
            })
            .expect("org");
        }
        assert_eq!(s.counts().expect("counts").organisations, 0);
    }

    #[test]
    fn keys_made_by_an_older_normaliser_are_recomputed_on_open() {
        let d = tempfile::tempdir().expect("tempdir");
        let path = d.path().join("registry.db");
        {
            let mut s = SqliteStore::open(&path).expect("open");
            let mut tx = s.begin().expect("tx");
            let id = tx
                .insert_organisation(&NewOrganisation {
                    key: "name:x".into(),
                    name: "Marin, County of".into(),
                    kind: Kind::LocalAgency,
                    jurisdiction: Jurisdiction::default(),
                })
                .expect("org");
            tx.add_alias(id, "Marin, County of").expect("alias");
            tx.commit().expect("commit");
            // As an older candor left it.
            s.conn.execute("UPDATE aliases SET norm = 'stale'", []).expect("stale");
            s.conn.execute("DELETE FROM settings", []).expect("forget");
        }
        let s = SqliteStore::open(&path).expect("reopen");
        let norm: String = s.conn.query_row("SELECT norm FROM aliases", [], |r| r.get(0)).expect("norm");
        assert_eq!(norm, crate::names::normalize("County of Marin").sorted_key());
    }

    #[test]
    fn reopening_a_file_keeps_its_data_and_schema() {
        let d = tempfile::tempdir().expect("tempdir");
        let path = d.path().join("registry.db");
        {
            let mut s = SqliteStore::open(&path).expect("open");
            let mut tx = s.begin().expect("tx");
            tx.insert_organisation(&NewOrganisation {
                key: "name:x".into(),
                name: "X".into(),
                kind: Kind::Company,
                jurisdiction: Jurisdiction::default(),
            })
            .expect("org");
            tx.commit().expect("commit");
        }
        let s = SqliteStore::open(&path).expect("reopen");
        assert_eq!(s.counts().expect("counts").organisations, 1);
    }
}
