//! The policy database: policy versions with the log index that made each public, the use
//! cases a provider has reviewed and registered for an account, enforcement actions, and
//! recorded decisions with the entities they used. All are append-only (triggers refuse
//! updates and deletes, on SQLite and PostgreSQL alike); the active version is the latest one.
//!
//! This module checks what is stored; [`sqlite`] and [`postgres`] only store and read it,
//! behind the private [`Rows`] trait.

mod gate_counts;
mod postgres;
mod sqlite;

pub use gate_counts::{GateCount, OUTCOMES, ROLE_CLASSES};

use std::path::Path;

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
    rows: Box<dyn Rows>,
}

/// A row of `registered_uses` as the latest event of its (account, use case) pair.
pub(crate) struct UseRow {
    account: String,
    use_case: String,
    registered: bool,
    declaration: String,
    reviewer: String,
    at: String,
}

/// A row of `decisions`, its JSON still text.
pub(crate) struct DecisionRow {
    id: i64,
    version_sha256: String,
    request: String,
    entities: String,
    allow: bool,
    policies: String,
}

/// What a backend stores and reads: plain rows, already checked by [`PolicyStore`]. Each
/// insert returns the new row's id.
pub(crate) trait Rows: Send {
    fn insert_version(
        &mut self,
        sha256: &str,
        file: &str,
        text: &str,
        log_index: u64,
        at: &str,
        by: &str,
    ) -> Result<i64>;
    fn versions(&self) -> Result<Vec<StoredVersion>>;
    #[allow(clippy::too_many_arguments)]
    fn insert_use(
        &mut self,
        account: &str,
        use_case: &str,
        registered: bool,
        reviewer: &str,
        reason: &str,
        at: &str,
        declaration: &str,
    ) -> Result<i64>;
    /// The latest event of each (account, use case), ordered by account and use case.
    fn latest_uses(&self) -> Result<Vec<UseRow>>;
    fn insert_action(&mut self, a: &EnforcementAction) -> Result<i64>;
    fn actions(&self) -> Result<Vec<EnforcementAction>>;
    fn insert_decision(&mut self, d: &DecisionRow, at: &str) -> Result<i64>;
    fn decisions(&self) -> Result<Vec<DecisionRow>>;
    /// Adds counts to the stored ones in one transaction (checked by [`PolicyStore`]).
    fn add_gate_counts(&mut self, counts: &[GateCount]) -> Result<()>;
    /// The summed counts of the days `first..=last`, ordered by key.
    fn gate_counts(&self, first: &str, last: &str) -> Result<Vec<GateCount>>;
    /// Rows of `versions` and of `registered_uses`.
    fn row_counts(&self) -> Result<(i64, i64)>;
    /// See [`PolicyStore::begin_read`].
    fn begin_read(&self) -> Result<()>;
    fn end_read(&self) -> Result<()>;
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// The organisation was warned.
    Warned,
    /// Its use was suspended.
    Suspended,
    /// Its use was terminated.
    Terminated,
    /// An exception was granted.
    ExceptionGranted,
    /// Nothing was done (and the record says why).
    NoAction,
}

impl ActionKind {
    /// Every kind, in the order the help lists them.
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Warned,
        ActionKind::Suspended,
        ActionKind::Terminated,
        ActionKind::ExceptionGranted,
        ActionKind::NoAction,
    ];

    /// The word records and the store use.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Warned => "warned",
            ActionKind::Suspended => "suspended",
            ActionKind::Terminated => "terminated",
            ActionKind::ExceptionGranted => "exception-granted",
            ActionKind::NoAction => "no-action",
        }
    }

    /// The kind a word names.
    pub fn parse(word: &str) -> std::result::Result<ActionKind, String> {
        ActionKind::ALL.into_iter().find(|k| k.as_str() == word).ok_or_else(|| {
            let all: Vec<&str> = ActionKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("action {word:?} is not one of {}", all.join(", "))
        })
    }
}

/// An enforcement action as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnforcementAction {
    /// Its id (recording order).
    pub id: i64,
    /// The organisation's name, as the registry has it.
    pub organisation: String,
    /// One of [`ActionKind`]'s words.
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

fn one_word(what: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() || v.chars().any(char::is_whitespace) {
        return Err(Error::BadRequest(format!("{what} must be one word (e.g. a pseudonym such as reviewer-7)")));
    }
    // Ids of people (reviewers, operators) name them with what a reader can tell apart.
    registry::person::check(what, v).map_err(Error::BadRequest)
}

/// A reason given with a change: some text, no control character but tab and line feed.
fn some_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(Error::BadRequest("a reason is required".into()));
    }
    registry::input::check("the reason", reason, registry::input::Lines::Many).map_err(Error::BadRequest)
}

impl PolicyStore {
    /// Opens (creating) the database at `place`: a `postgres://` URL, or a SQLite file.
    pub fn open(place: &Path) -> Result<PolicyStore> {
        pg::opens::note("policy");
        let rows: Box<dyn Rows> = match place.to_str() {
            Some(url) if pg::is_url(url) => Box::new(postgres::PgRows::connect(url)?),
            _ => Box::new(sqlite::SqliteRows::open(place)?),
        };
        Ok(PolicyStore { rows })
    }

    /// An in-memory database (tests).
    pub fn in_memory() -> Result<PolicyStore> {
        Ok(PolicyStore { rows: Box::new(sqlite::SqliteRows::in_memory()?) })
    }

    /// Moves the policy database in the SQLite file `from` into the PostgreSQL database `to`.
    pub fn move_to_postgres(
        from: &Path,
        to: &str,
        progress: &mut dyn FnMut(&str, u64),
    ) -> Result<Vec<pg::moving::Moved>> {
        let source = sqlite::SqliteRows::open(from)?;
        let target = postgres::PgRows::connect(to)?;
        Ok(pg::moving::from_sqlite(source.connection(), target.database(), sqlite::TABLES, progress)?)
    }

    /// Activates `version` through the log: its entry is appended (durable once `append`
    /// returns) and only then recorded as the active version. That order is the invariant: a
    /// version never takes effect before it is public. A crash between the two leaves a public
    /// entry with no effect; activating again records it (the log then shows both attempts).
    ///
    /// `notice` says what the entry records of notice: the proposal it follows, and an
    /// emergency's reason. Whether the activation may happen at all is the caller's check
    /// against the log's proposals (`publish::notices::gate`).
    pub fn activate<S: tlog::Storage>(
        &mut self,
        log: &mut tlog::LogWriter<S>,
        version: &PolicyVersion,
        file: &str,
        by: &str,
        notice: &ActivationNotice,
    ) -> Result<Activated> {
        one_word("the operator id", by)?;
        if notice.emergency.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(Error::BadRequest("an emergency activation needs a reason".into()));
        }
        let record = version_record(&version.sha256, file, &version.text, &registry::model::now(), notice);
        let log_index = records::append(log, &[record])?.0.start;
        let number = self.record_version(&version.sha256, file, &version.text, log_index, by)?;
        Ok(Activated { version: number, log_index })
    }

    /// Records a version made public at `log_index`; it becomes the active one.
    pub fn record_version(&mut self, sha256: &str, file: &str, text: &str, log_index: u64, by: &str) -> Result<i64> {
        one_word("the operator id", by)?;
        self.rows.insert_version(sha256, file, text, log_index, &registry::model::now(), by)
    }

    /// Holds one moment for the reads that follow until [`PolicyStore::end_read`]: they see
    /// the store as it was at the first of them (a read-only transaction). Holding one already
    /// held does nothing.
    pub fn begin_read(&self) -> Result<()> {
        self.rows.begin_read()
    }

    /// Ends the moment [`PolicyStore::begin_read`] holds (nothing when none is held).
    pub fn end_read(&self) -> Result<()> {
        self.rows.end_read()
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> Result<Vec<StoredVersion>> {
        self.rows.versions()
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
        some_reason(reason)?;
        // A use is registered only with its declaration; a withdrawal needs none.
        let declared = match (registered, declaration) {
            (true, None) => crate::declaration::UseDeclaration::default().check().map(|()| String::new())?,
            (true, Some(d)) => {
                d.check()?;
                serde_json::to_string(d).map_err(|e| Error::Internal(e.to_string()))?
            }
            (false, _) => String::new(),
        };
        self.rows.insert_use(account, use_case, registered, reviewer, reason.trim(), &registry::model::now(), &declared)
    }

    /// The use cases registered now: `(account, use case)`, the latest event of each pair deciding.
    pub fn registered_uses(&self) -> Result<Vec<(String, String)>> {
        Ok(self.rows.latest_uses()?.into_iter().filter(|u| u.registered).map(|u| (u.account, u.use_case)).collect())
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
        ActionKind::parse(action).map_err(Error::BadRequest)?;
        one_word("the reviewer id", reviewer)?;
        one_word("the policy id", policy)?;
        registry::input::check("the organisation", organisation, registry::input::Lines::One)
            .map_err(Error::BadRequest)?;
        some_reason(reason)?;
        let date_ok = effective.len() == 10
            && effective
                .bytes()
                .enumerate()
                .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        if !date_ok {
            return Err(Error::BadRequest(format!("effective date {effective:?} is not YYYY-MM-DD")));
        }
        let mut recorded = EnforcementAction {
            id: 0,
            organisation: organisation.into(),
            action: action.into(),
            policy: policy.into(),
            reason: reason.trim().into(),
            reviewer: reviewer.into(),
            effective: effective.into(),
            recorded_at: registry::model::now(),
        };
        recorded.id = self.rows.insert_action(&recorded)?;
        Ok(recorded)
    }

    /// Every enforcement action, in recording order.
    pub fn actions(&self) -> Result<Vec<EnforcementAction>> {
        self.rows.actions()
    }

    /// The uses registered now, with their declarations (the latest event of each account and
    /// use case deciding).
    pub fn registered_use_declarations(&self) -> Result<Vec<RegisteredUse>> {
        Ok(self
            .rows
            .latest_uses()?
            .into_iter()
            .filter(|u| u.registered)
            .map(|u| RegisteredUse {
                declaration: serde_json::from_str(&u.declaration).ok(),
                account: u.account,
                use_case: u.use_case,
                reviewer: u.reviewer,
                at: u.at,
            })
            .collect())
    }

    /// Records a decision with the entities it used.
    pub fn record_decision(&mut self, req: &Request, entities: &serde_json::Value, d: &Decision) -> Result<i64> {
        let request = serde_json::to_string(req).map_err(|e| Error::Internal(e.to_string()))?;
        let policies = serde_json::to_string(&d.policies).map_err(|e| Error::Internal(e.to_string()))?;
        let row = DecisionRow {
            id: 0,
            version_sha256: d.policy_version.clone(),
            request,
            entities: entities.to_string(),
            allow: d.allow,
            policies,
        };
        self.rows.insert_decision(&row, &registry::model::now())
    }

    /// Every recorded decision, oldest first.
    pub fn decisions(&self) -> Result<Vec<RecordedDecision>> {
        let mut out = Vec::new();
        for r in self.rows.decisions()? {
            let bad = |e: serde_json::Error| Error::Internal(format!("decision {}: {e}", r.id));
            out.push(RecordedDecision {
                id: r.id,
                request: serde_json::from_str(&r.request).map_err(bad)?,
                entities: serde_json::from_str(&r.entities).map_err(bad)?,
                allow: r.allow,
                policies: serde_json::from_str(&r.policies).map_err(bad)?,
                version_sha256: r.version_sha256,
            });
        }
        Ok(out)
    }
}

/// What an activation's log entry records of notice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivationNotice {
    /// The proposal this activation follows (or, in an emergency, cuts short).
    pub proposal: Option<records::Link>,
    /// Why it could not wait for the notice to run out: an emergency activation.
    pub emergency: Option<String>,
}

/// The log entry that makes a policy version public, in canonical JSON (RFC 8785).
pub fn version_entry(
    sha256: &str,
    file: &str,
    text: &str,
    activated_at: &str,
) -> std::result::Result<Vec<u8>, records::Error> {
    records::entry(&version_record(sha256, file, text, activated_at, &ActivationNotice::default()))
}

/// The record that makes a policy version public, with what it records of notice. An
/// activation with neither a proposal nor an emergency has exactly the fields entries had
/// before notice existed, so pages tell "activated without notice" from the entry alone.
pub fn version_record(
    sha256: &str,
    file: &str,
    text: &str,
    activated_at: &str,
    notice: &ActivationNotice,
) -> records::Record {
    records::Record::from(records::Body::PolicyVersion(records::PolicyVersion {
        sha256: sha256.into(),
        file: file.into(),
        text: text.into(),
        activated_at: activated_at.into(),
        proposal: notice.proposal.clone(),
        emergency: notice.emergency.as_ref().map(|reason| records::Emergency { reason: reason.trim().into() }),
    }))
}
