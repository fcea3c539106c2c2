//! The policy database (SQLite): policy versions with the log index that made each public,
//! the use cases a provider has reviewed and registered for an account, and recorded
//! decisions with the entities they used. All three are append-only (triggers refuse
//! updates and deletes); the active version is the latest one.

use std::path::Path;

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::engine::{Decision, PolicyVersion, Request};
use crate::{Error, Result};

/// A policy version made public and recorded by [`PolicyStore::activate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Activated {
    /// Its version number (1 for the first).
    pub version: i64,
    /// The log entry that made it public.
    pub log_index: u64,
}

/// A stored policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredVersion {
    /// 1, 2, … in activation order.
    pub version: i64,
    /// SHA-256 of the text.
    pub sha256: String,
    /// The file it was activated from (name only).
    pub file: String,
    /// The text.
    /// (Not serialized: listings show the hash; the text is in the log entry.)
    #[serde(skip_serializing)]
    pub text: String,
    /// Index of its entry in the transparency log.
    pub log_index: u64,
    /// When (RFC 3339).
    pub activated_at: String,
    /// Who (a pseudonymous operator id).
    pub activated_by: String,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedDecision {
    /// Row id.
    pub id: i64,
    /// The version it was decided under.
    pub version_sha256: String,
    /// The request.
    pub request: Request,
    /// The entities it used (Cedar JSON).
    pub entities: serde_json::Value,
    /// The answer then.
    pub allow: bool,
    /// The deciding policies then.
    pub policies: Vec<String>,
}

/// The policy database.
pub struct PolicyStore {
    conn: Connection,
}

/// Schema migrations, applied in order; `user_version` is the number applied (the registry's
/// and the usage store's style). The first is idempotent: databases made before versioning
/// (user_version 0) already hold it.
const MIGRATIONS: &[&str] = &["
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
"];

/// A use registered now, with what the provider declared of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisteredUse {
    /// The account.
    pub account: String,
    /// The use case.
    pub use_case: String,
    /// What was declared (empty for registrations made before declarations existed).
    pub declaration: Option<crate::declaration::UseDeclaration>,
    /// Who registered it (published as a pseudonym).
    pub reviewer: String,
    /// When.
    pub at: String,
}

/// What a provider may do about a finding.
pub const ACTIONS: &[&str] = &["warned", "suspended", "terminated", "exception-granted", "no-action"];

/// An enforcement action as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnforcementAction {
    /// Its id (recording order).
    pub id: i64,
    /// The organisation's name, as the registry has it.
    pub organisation: String,
    /// One of [`ACTIONS`].
    pub action: String,
    /// The policy (`@id`) it enforces.
    pub policy: String,
    /// Why.
    pub reason: String,
    /// Who decided (a reviewer id; published as a pseudonym).
    pub reviewer: String,
    /// When it takes effect (`YYYY-MM-DD`).
    pub effective: String,
    /// When it was recorded.
    pub recorded_at: String,
}

/// Applies the migrations `conn` lacks, each in its own transaction; refuses a newer database.
fn migrated(mut conn: Connection) -> Result<PolicyStore> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(Error::Internal(format!(
            "the policy database has schema version {version}, newer than this candor ({}); upgrade candor",
            MIGRATIONS.len()
        )));
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(m)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(PolicyStore { conn })
}

fn one_word(what: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() || v.chars().any(char::is_whitespace) {
        return Err(Error::BadRequest(format!("{what} must be one word (e.g. a pseudonym such as reviewer-7)")));
    }
    Ok(())
}

impl PolicyStore {
    /// Opens (creating) the database.
    pub fn open(path: &Path) -> Result<PolicyStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Internal(format!("{}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrated(conn)
    }

    /// An in-memory database (tests).
    pub fn in_memory() -> Result<PolicyStore> {
        migrated(Connection::open_in_memory()?)
    }

    /// Activates `version` through the log: its entry is appended (durable once `append`
    /// returns) and only then recorded as the active version. That order is the invariant: a
    /// version never takes effect before it is public. A crash between the two leaves a public
    /// entry with no effect; activating again records it (the log then shows both attempts).
    pub fn activate<S: tlog::Storage>(
        &mut self,
        log: &mut tlog::LogWriter<S>,
        version: &PolicyVersion,
        file: &str,
        by: &str,
    ) -> Result<Activated> {
        one_word("the operator id", by)?;
        let entry = version_entry(&version.sha256, file, &version.text, &registry::model::now())?;
        let log_index = log.append(&[&entry])?.start;
        let number = self.record_version(&version.sha256, file, &version.text, log_index, by)?;
        Ok(Activated { version: number, log_index })
    }

    /// Records a version made public at `log_index`; it becomes the active one.
    pub fn record_version(&mut self, sha256: &str, file: &str, text: &str, log_index: u64, by: &str) -> Result<i64> {
        one_word("the operator id", by)?;
        self.conn.execute(
            "INSERT INTO versions (sha256, file, text, log_index, activated_at, activated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![sha256, file, text, log_index as i64, registry::model::now(), by],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> Result<Vec<StoredVersion>> {
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

    /// The active version (the latest activated).
    pub fn active(&self) -> Result<Option<StoredVersion>> {
        Ok(self.versions()?.pop())
    }

    /// A version by number or SHA-256 prefix.
    pub fn find(&self, which: &str) -> Result<Option<StoredVersion>> {
        let all = self.versions()?;
        if let Ok(n) = which.parse::<i64>() {
            return Ok(all.into_iter().find(|v| v.version == n));
        }
        let matches: Vec<StoredVersion> = all.into_iter().filter(|v| v.sha256.starts_with(which)).collect();
        match matches.len() {
            0 => Ok(None),
            1 => Ok(matches.into_iter().next()),
            _ => Err(Error::BadRequest(format!("{which:?} matches several versions; give more of the hash"))),
        }
    }

    /// Registers (or withdraws) a reviewed use case for an account.
    pub fn register_use(
        &mut self,
        account: &str,
        use_case: &str,
        registered: bool,
        reviewer: &str,
        reason: &str,
        declaration: Option<&crate::declaration::UseDeclaration>,
    ) -> Result<i64> {
        one_word("the reviewer id", reviewer)?;
        one_word("the use case", use_case)?;
        if reason.trim().is_empty() {
            return Err(Error::BadRequest("a reason is required".into()));
        }
        // A use is registered only with its declaration; a withdrawal needs none.
        let declared = match (registered, declaration) {
            (true, None) => crate::declaration::UseDeclaration::default().check().map(|()| String::new())?,
            (true, Some(d)) => {
                d.check()?;
                serde_json::to_string(d).map_err(|e| Error::Internal(e.to_string()))?
            }
            (false, _) => String::new(),
        };
        self.conn.execute(
            "INSERT INTO registered_uses (account_id, use_case, registered, reviewer, reason, at, declaration) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![account, use_case, registered, reviewer, reason.trim(), registry::model::now(), declared],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The use cases registered now: `(account, use case)`, the latest event of each pair deciding.
    pub fn registered_uses(&self) -> Result<Vec<(String, String)>> {
        let mut st = self.conn.prepare(
            "SELECT account_id, use_case, registered FROM registered_uses u WHERE id = \
             (SELECT MAX(id) FROM registered_uses v WHERE v.account_id = u.account_id AND v.use_case = u.use_case) \
             ORDER BY account_id, use_case",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))?;
        let all: Vec<(String, String, bool)> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(all.into_iter().filter(|(_, _, on)| *on).map(|(a, u, _)| (a, u)).collect())
    }

    /// Records an enforcement action (append-only: a changed action is a new one, which the
    /// report shows as a correction of the earlier).
    pub fn record_action(
        &mut self,
        organisation: &str,
        action: &str,
        policy: &str,
        reason: &str,
        reviewer: &str,
        effective: &str,
    ) -> Result<EnforcementAction> {
        if !ACTIONS.contains(&action) {
            return Err(Error::BadRequest(format!("action {action:?} is not one of {}", ACTIONS.join(", "))));
        }
        one_word("the reviewer id", reviewer)?;
        one_word("the policy id", policy)?;
        if reason.trim().is_empty() {
            return Err(Error::BadRequest("a reason is required".into()));
        }
        let date_ok = effective.len() == 10
            && effective
                .bytes()
                .enumerate()
                .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        if !date_ok {
            return Err(Error::BadRequest(format!("effective date {effective:?} is not YYYY-MM-DD")));
        }
        let at = registry::model::now();
        self.conn.execute(
            "INSERT INTO enforcement_actions (organisation, action, policy, reason, reviewer, effective, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![organisation, action, policy, reason.trim(), reviewer, effective, at],
        )?;
        Ok(EnforcementAction {
            id: self.conn.last_insert_rowid(),
            organisation: organisation.into(),
            action: action.into(),
            policy: policy.into(),
            reason: reason.trim().into(),
            reviewer: reviewer.into(),
            effective: effective.into(),
            recorded_at: at,
        })
    }

    /// Every enforcement action, in recording order.
    pub fn actions(&self) -> Result<Vec<EnforcementAction>> {
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

    /// The uses registered now, with their declarations (the latest event of each account and
    /// use case deciding).
    pub fn registered_use_declarations(&self) -> Result<Vec<RegisteredUse>> {
        let mut st = self.conn.prepare(
            "SELECT account_id, use_case, registered, declaration, reviewer, at FROM registered_uses u WHERE id = \
             (SELECT MAX(id) FROM registered_uses v WHERE v.account_id = u.account_id AND v.use_case = u.use_case) \
             ORDER BY account_id, use_case",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (account, use_case, on, declaration, reviewer, at) = row?;
            if on {
                let declaration = serde_json::from_str(&declaration).ok();
                out.push(RegisteredUse { account, use_case, declaration, reviewer, at });
            }
        }
        Ok(out)
    }

    /// Records a decision with the entities it used.
    pub fn record_decision(&mut self, req: &Request, entities: &serde_json::Value, d: &Decision) -> Result<i64> {
        let request = serde_json::to_string(req).map_err(|e| Error::Internal(e.to_string()))?;
        let policies = serde_json::to_string(&d.policies).map_err(|e| Error::Internal(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO decisions (version_sha256, request, entities, allow, policies, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.policy_version, request, entities.to_string(), d.allow, policies, registry::model::now()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every recorded decision, oldest first.
    pub fn decisions(&self) -> Result<Vec<RecordedDecision>> {
        let mut st = self
            .conn
            .prepare("SELECT id, version_sha256, request, entities, allow, policies FROM decisions ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, version_sha256, request, entities, allow, policies) = row?;
            let bad = |e: serde_json::Error| Error::Internal(format!("decision {id}: {e}"));
            out.push(RecordedDecision {
                id,
                version_sha256,
                request: serde_json::from_str(&request).map_err(bad)?,
                entities: serde_json::from_str(&entities).map_err(bad)?,
                allow,
                policies: serde_json::from_str(&policies).map_err(bad)?,
            });
        }
        Ok(out)
    }
}

/// The log entry that makes a policy version public, in canonical JSON (RFC 8785).
pub fn version_entry(
    sha256: &str,
    file: &str,
    text: &str,
    activated_at: &str,
) -> std::result::Result<Vec<u8>, publish::canonical::Error> {
    let v = serde_json::json!({
        "type": "candor.policy_version",
        "sha256": sha256,
        "file": file,
        "text": text,
        "activated_at": activated_at,
    });
    publish::canonical::to_vec(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_from_before_versioning_is_migrated_and_a_newer_one_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("policy.db");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(MIGRATIONS[0]).expect("the unversioned schema");
        }
        let mut store = PolicyStore::open(&path).expect("migrated");
        store.record_version("ab12", "p.cedar", "permit(principal, action, resource);", 0, "op").expect("v1");
        let version: usize = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(version, MIGRATIONS.len());
        store.conn.pragma_update(None, "user_version", MIGRATIONS.len() + 1).expect("bump");
        drop(store);
        let refused = PolicyStore::open(&path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.contains("newer than this candor"), "{refused}");
    }

    #[test]
    fn enforcement_actions_are_checked_and_append_only() {
        let mut st = PolicyStore::in_memory().expect("store");
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
        for sql in ["UPDATE enforcement_actions SET action = 'warned'", "DELETE FROM enforcement_actions"] {
            let err = st.conn.execute(sql, []).expect_err("append-only");
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert_eq!(st.actions().expect("list"), vec![a]);
    }
}
