//! The policy store in a SQLite file (WAL), migrations by `user_version`.

use std::path::Path;

use rusqlite::{Connection, params};

use super::gate_counts::{org_column, org_of};
use super::{DecisionRow, EnforcementAction, GateCount, Rows, StoredVersion, UseRow};
use crate::Result;

/// Schema migrations, applied in order; `user_version` is the number applied (the registry's
/// and the usage store's style). The first is idempotent: databases made before versioning
/// (user_version 0) already hold it.
pub(super) const MIGRATIONS: &[&str] = &["
CREATE TABLE IF NOT EXISTS versions (
    version INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, file TEXT NOT NULL, text TEXT NOT NULL,
    log_index INTEGER NOT NULL, activated_at TEXT NOT NULL, activated_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registered_uses (
    id INTEGER PRIMARY KEY, account_id TEXT NOT NULL, use_case TEXT NOT NULL,
    registered INTEGER NOT NULL, reviewer TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY, version_sha256 TEXT NOT NULL, request TEXT NOT NULL, entities TEXT NOT NULL,
    allow INTEGER NOT NULL, policies TEXT NOT NULL, at TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS versions_append_only_u BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'policy versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS versions_append_only_d BEFORE DELETE ON versions BEGIN SELECT RAISE(ABORT, 'policy versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS uses_append_only_u BEFORE UPDATE ON registered_uses BEGIN SELECT RAISE(ABORT, 'registered uses are append-only'); END;
CREATE TRIGGER IF NOT EXISTS uses_append_only_d BEFORE DELETE ON registered_uses BEGIN SELECT RAISE(ABORT, 'registered uses are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_append_only_u BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_append_only_d BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
", "
CREATE TABLE enforcement_actions (
    id INTEGER PRIMARY KEY, organisation TEXT NOT NULL, action TEXT NOT NULL, policy TEXT NOT NULL,
    reason TEXT NOT NULL, reviewer TEXT NOT NULL, effective TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TRIGGER enforcement_append_only_u BEFORE UPDATE ON enforcement_actions BEGIN SELECT RAISE(ABORT, 'enforcement actions are append-only: record a new one'); END;
CREATE TRIGGER enforcement_append_only_d BEFORE DELETE ON enforcement_actions BEGIN SELECT RAISE(ABORT, 'enforcement actions are append-only: record a new one'); END;
", "
ALTER TABLE registered_uses ADD COLUMN declaration TEXT NOT NULL DEFAULT '';
", "
CREATE TABLE gate_counts (
    day TEXT NOT NULL, capability TEXT NOT NULL, role_class TEXT NOT NULL, outcome TEXT NOT NULL,
    policy_version TEXT NOT NULL, policy TEXT NOT NULL, organisation INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (day, capability, role_class, outcome, policy_version, policy, organisation)) WITHOUT ROWID;
CREATE TRIGGER gate_counts_only_grow BEFORE UPDATE ON gate_counts WHEN NEW.count < OLD.count
    BEGIN SELECT RAISE(ABORT, 'gate counts only grow'); END;
CREATE TRIGGER gate_counts_kept BEFORE DELETE ON gate_counts BEGIN SELECT RAISE(ABORT, 'gate counts are kept'); END;
"];

/// The tables, referenced ones first, for moving the store to PostgreSQL.
pub(super) const TABLES: &[pg::moving::Table] = &[
    pg::moving::Table {
        name: "versions",
        columns: &["version", "sha256", "file", "text", "log_index", "activated_at", "activated_by"],
        order_by: &[("version", false)],
        identity: Some("version"),
    },
    pg::moving::Table {
        name: "registered_uses",
        columns: &["id", "account_id", "use_case", "registered", "reviewer", "reason", "at", "declaration"],
        order_by: &[("id", false)],
        identity: Some("id"),
    },
    pg::moving::Table {
        name: "decisions",
        columns: &["id", "version_sha256", "request", "entities", "allow", "policies", "at"],
        order_by: &[("id", false)],
        identity: Some("id"),
    },
    pg::moving::Table {
        name: "enforcement_actions",
        columns: &["id", "organisation", "action", "policy", "reason", "reviewer", "effective", "recorded_at"],
        order_by: &[("id", false)],
        identity: Some("id"),
    },
    pg::moving::Table {
        name: "gate_counts",
        columns: &["day", "capability", "role_class", "outcome", "policy_version", "policy", "organisation", "count"],
        order_by: &[
            ("day", true),
            ("capability", true),
            ("role_class", true),
            ("outcome", true),
            ("policy_version", true),
            ("policy", true),
            ("organisation", false),
        ],
        identity: None,
    },
];

pub(super) struct SqliteRows {
    conn: Connection,
}

impl SqliteRows {
    pub(super) fn open(path: &Path) -> Result<SqliteRows> {
        Ok(SqliteRows { conn: SCHEMA.open(path)? })
    }

    pub(super) fn in_memory() -> Result<SqliteRows> {
        Ok(SqliteRows { conn: SCHEMA.in_memory()? })
    }

    pub(super) fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// How the policy store's file is opened and migrated.
const SCHEMA: pg::sqlite::SqliteSchema =
    pg::sqlite::SqliteSchema { store: "policy", migrations: MIGRATIONS, pragmas: &[] };

impl Rows for SqliteRows {
    fn begin_read(&self) -> Result<()> {
        Ok(pg::sqlite::begin_read(&self.conn)?)
    }

    fn end_read(&self) -> Result<()> {
        Ok(pg::sqlite::end_read(&self.conn)?)
    }

    fn insert_version(
        &mut self,
        sha256: &str,
        file: &str,
        text: &str,
        log_index: u64,
        at: &str,
        by: &str,
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO versions (sha256, file, text, log_index, activated_at, activated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![sha256, file, text, log_index as i64, at, by],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn versions(&self) -> Result<Vec<StoredVersion>> {
        let mut st = self.conn.prepare(
            "SELECT version, sha256, file, text, log_index, activated_at, activated_by FROM versions ORDER BY version",
        )?;
        let rows = st.query_map([], |r| {
            Ok(StoredVersion {
                version: r.get(0)?,
                sha256: r.get(1)?,
                file: r.get(2)?,
                text: r.get(3)?,
                log_index: r.get::<_, i64>(4)? as u64,
                activated_at: r.get(5)?,
                activated_by: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_use(
        &mut self,
        account: &str,
        use_case: &str,
        registered: bool,
        reviewer: &str,
        reason: &str,
        at: &str,
        declaration: &str,
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO registered_uses (account_id, use_case, registered, reviewer, reason, at, declaration) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![account, use_case, registered, reviewer, reason, at, declaration],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn latest_uses(&self) -> Result<Vec<UseRow>> {
        let mut st = self.conn.prepare(
            "SELECT account_id, use_case, registered, declaration, reviewer, at FROM registered_uses u WHERE id = \
             (SELECT MAX(id) FROM registered_uses v WHERE v.account_id = u.account_id AND v.use_case = u.use_case) \
             ORDER BY account_id, use_case",
        )?;
        let rows = st.query_map([], |r| {
            Ok(UseRow {
                account: r.get(0)?,
                use_case: r.get(1)?,
                registered: r.get(2)?,
                declaration: r.get(3)?,
                reviewer: r.get(4)?,
                at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_action(&mut self, a: &EnforcementAction) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO enforcement_actions (organisation, action, policy, reason, reviewer, effective, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![a.organisation, a.action, a.policy, a.reason, a.reviewer, a.effective, a.recorded_at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn actions(&self) -> Result<Vec<EnforcementAction>> {
        let mut st = self.conn.prepare(
            "SELECT id, organisation, action, policy, reason, reviewer, effective, recorded_at FROM enforcement_actions ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(EnforcementAction {
                id: r.get(0)?,
                organisation: r.get(1)?,
                action: r.get(2)?,
                policy: r.get(3)?,
                reason: r.get(4)?,
                reviewer: r.get(5)?,
                effective: r.get(6)?,
                recorded_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_decision(&mut self, d: &DecisionRow, at: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO decisions (version_sha256, request, entities, allow, policies, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.version_sha256, d.request, d.entities, d.allow, d.policies, at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn add_gate_counts(&mut self, counts: &[GateCount]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO gate_counts (day, capability, role_class, outcome, policy_version, policy, organisation, count) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO UPDATE SET count = count + excluded.count",
            )?;
            for c in counts {
                st.execute(params![
                    c.day,
                    c.capability,
                    c.role_class,
                    c.outcome,
                    c.policy_version,
                    c.policy,
                    org_column(c.organisation),
                    i64::try_from(c.count).unwrap_or(i64::MAX)
                ])?;
            }
        }
        Ok(tx.commit()?)
    }

    fn gate_counts(&self, first: &str, last: &str) -> Result<Vec<GateCount>> {
        let mut st = self.conn.prepare(
            "SELECT day, capability, role_class, outcome, policy_version, policy, organisation, count FROM gate_counts \
             WHERE day >= ?1 AND day <= ?2 ORDER BY day, capability, role_class, outcome, policy_version, policy, organisation",
        )?;
        let rows = st.query_map(params![first, last], |r| {
            Ok(GateCount {
                day: r.get(0)?,
                capability: r.get(1)?,
                role_class: r.get(2)?,
                outcome: r.get(3)?,
                policy_version: r.get(4)?,
                policy: r.get(5)?,
                organisation: org_of(r.get(6)?),
                count: r.get::<_, i64>(7)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn row_counts(&self) -> Result<(i64, i64)> {
        let count = |t: &str| self.conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get::<_, i64>(0));
        Ok((count("versions")?, count("registered_uses")?))
    }

    fn decisions(&self) -> Result<Vec<DecisionRow>> {
        let mut st = self
            .conn
            .prepare("SELECT id, version_sha256, request, entities, allow, policies FROM decisions ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(DecisionRow {
                id: r.get(0)?,
                version_sha256: r.get(1)?,
                request: r.get(2)?,
                entities: r.get(3)?,
                allow: r.get(4)?,
                policies: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Rows;

    #[test]
    fn a_database_from_before_versioning_is_migrated_and_a_newer_one_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("policy.db");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(MIGRATIONS[0]).expect("the unversioned schema");
        }
        let mut store = SqliteRows::open(&path).expect("migrated");
        store.insert_version("ab12", "p.cedar", "permit(principal, action, resource);", 0, "t", "op").expect("v1");
        let version: usize = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(version, MIGRATIONS.len());
        store.conn.pragma_update(None, "user_version", MIGRATIONS.len() + 1).expect("bump");
        drop(store);
        let refused = SqliteRows::open(&path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.contains("newer than this candor"), "{refused}");
    }

    #[test]
    fn enforcement_actions_are_checked_and_append_only() {
        let mut st = crate::store::PolicyStore::in_memory().expect("store");
        let a = st
            .record_action("Org (fictional)", "suspended", "no-face", "a reason", "reviewer-1", "2026-10-01")
            .expect("record");
        assert_eq!(a.id, 1);
        for (action, policy, reason, reviewer, date) in [
            ("fined", "no-face", "r", "reviewer-1", "2026-10-01"),
            ("warned", "no face", "r", "reviewer-1", "2026-10-01"),
            ("warned", "no-face", " ", "reviewer-1", "2026-10-01"),
            ("warned", "no-face", "r", "two words", "2026-10-01"),
            ("warned", "no-face", "r", "reviewer-1", "1 Oct 2026"),
        ] {
            assert!(st.record_action("Org (fictional)", action, policy, reason, reviewer, date).is_err(), "{action}");
        }
        let raw = SqliteRows::in_memory().expect("rows");
        raw.conn
            .execute_batch(
                "INSERT INTO enforcement_actions VALUES (1, 'o', 'warned', 'p', 'r', 'x', '2026-10-01', 't')",
            )
            .expect("insert");
        for sql in ["UPDATE enforcement_actions SET action = 'warned'", "DELETE FROM enforcement_actions"] {
            let err = raw.conn.execute(sql, []).expect_err("append-only");
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert_eq!(st.actions().expect("list"), vec![a]);
    }
}
