//! The store contract. Callers see only these traits; [`crate::SqliteStore`] and
//! [`crate::PgStore`] keep it alike, and the registry's tests run on both.
//!
//! Writes happen in a [`Tx`]: everything written through it lands on [`Tx::commit`], or
//! nothing does (dropping a `Tx` rolls back). Review history is append-only: there are no
//! update or delete operations for links and classifications.

use crate::error::Result;
use crate::model::{
    Account, ClassificationEvent, LinkEvent, NewOrganisation, Organisation, Relationship, Role, Scheme, Status,
};

/// Row counts, for reports and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Organisations.
    pub organisations: u64,
    /// Aliases.
    pub aliases: u64,
    /// Identifiers.
    pub identifiers: u64,
    /// Relationships.
    pub relationships: u64,
    /// Customer accounts.
    pub accounts: u64,
    /// Link history events.
    pub link_events: u64,
    /// Classification history events.
    pub classification_events: u64,
    /// Imported files.
    pub imports: u64,
}

/// Read access to the registry, and the way into a write transaction.
pub trait Store: Send {
    /// Starts a transaction.
    fn begin(&mut self) -> Result<Box<dyn Tx + '_>>;
    /// Holds one moment for the reads that follow until [`Store::end_read`]: they see the
    /// registry as it was at the first of them, whatever another process writes meanwhile (a
    /// read-only transaction). Holding one already held does nothing.
    fn begin_read(&self) -> Result<()>;
    /// Ends the moment [`Store::begin_read`] holds (nothing when none is held).
    fn end_read(&self) -> Result<()>;
    /// Every organisation, by id.
    fn organisations(&self) -> Result<Vec<Organisation>>;
    /// One organisation.
    fn organisation(&self, id: i64) -> Result<Option<Organisation>>;
    /// Every (organisation id, alias).
    fn aliases(&self) -> Result<Vec<(i64, String)>>;
    /// Every (organisation id, scheme, value).
    fn identifiers(&self) -> Result<Vec<(i64, Scheme, String)>>;
    /// Every relationship with its id.
    fn relationships(&self) -> Result<Vec<(i64, Relationship)>>;
    /// Every customer account.
    fn accounts(&self) -> Result<Vec<Account>>;
    /// The link history, oldest first.
    fn link_events(&self) -> Result<Vec<LinkEvent>>;
    /// The link events after event `after`, oldest first: what changed since a reader last
    /// looked (a server's cached review queue).
    fn link_events_after(&self, after: i64) -> Result<Vec<LinkEvent>>;
    /// The evidence the screening stored with these proposal events, by event id (JSON, see
    /// `screen::Evidence`); events without it (decisions, proposals from before it was
    /// kept) are left out. Read apart from [`Store::link_events`], which every reader of the
    /// history calls, because only a remembered rejection and a proposal made again need it.
    fn link_evidence(&self, events: &[i64]) -> Result<Vec<(i64, String)>>;
    /// The classification history, oldest first.
    fn classification_events(&self) -> Result<Vec<ClassificationEvent>>;
    /// Row counts.
    fn counts(&self) -> Result<Counts>;
}

/// A write transaction. Write transactions of one registry run one at a time (SQLite's
/// writer lock, PostgreSQL's advisory lock), whichever process holds them.
///
/// Writes whose outcome no caller needs (aliases, identifiers, parents, relationships,
/// accounts, classifications, proposals) return nothing, so a store may hold them and send them in
/// batches; reads through the transaction still see them. A write the database refuses then
/// fails the transaction at a later call or at commit, and nothing of it is stored.
pub trait Tx {
    /// The organisation with this natural key.
    fn organisation_by_key(&mut self, key: &str) -> Result<Option<i64>>;
    /// The organisation holding this identifier.
    fn organisation_by_identifier(&mut self, scheme: Scheme, value: &str) -> Result<Option<i64>>;
    /// Organisations with an alias of the same normalised name, in the same state.
    fn organisations_by_name(&mut self, name: &str, state: Option<&str>) -> Result<Vec<i64>>;
    /// Organisations with an alias of the same normalised name, in any state, with their kind.
    fn organisations_by_norm(&mut self, name: &str) -> Result<Vec<(i64, crate::model::Kind)>>;
    /// The identifiers an organisation holds.
    fn identifiers_of(&mut self, org: i64) -> Result<Vec<(Scheme, String)>>;
    /// Stores a new organisation and returns its id.
    fn insert_organisation(&mut self, org: &NewOrganisation) -> Result<i64>;
    /// Adds an alias (ignored when already present).
    fn add_alias(&mut self, org: i64, alias: &str) -> Result<()>;
    /// Adds an identifier; ignored when this organisation has it already. An identifier
    /// belongs to one organisation only.
    fn add_identifier(&mut self, org: i64, scheme: Scheme, value: &str) -> Result<()>;
    /// Sets the parent organisation if none is set yet.
    fn set_parent(&mut self, child: i64, parent: i64) -> Result<()>;
    /// Stores a relationship; ignored when the same fact is already stored.
    fn add_relationship(&mut self, rel: &Relationship) -> Result<()>;
    /// Stores or updates a customer account.
    fn upsert_account(&mut self, account: &Account) -> Result<()>;
    /// Appends a link event.
    fn append_link(
        &mut self,
        account_id: &str,
        org: i64,
        status: Status,
        score: Option<f64>,
        reason: &str,
        actor: &str,
    ) -> Result<i64>;
    /// Appends a proposal from the matcher; an ambiguous one lists its candidates (the
    /// first being `org`), empty otherwise; `evidence` is what the screening saw (JSON).
    #[allow(clippy::too_many_arguments)]
    fn append_proposal(
        &mut self,
        account_id: &str,
        org: i64,
        score: f64,
        reason: &str,
        actor: &str,
        candidates: &[crate::model::LinkCandidate],
        evidence: Option<&str>,
    ) -> Result<()>;
    /// Appends a classification event.
    fn append_classification(&mut self, org: i64, role: Role, status: Status, reason: &str, actor: &str) -> Result<()>;
    /// The latest classification event of an organisation: (role, status).
    fn latest_classification(&mut self, org: i64) -> Result<Option<(Role, Status)>>;
    /// The latest event of the link between an account and an organisation, read under the
    /// transaction's write lock (so a decision checks what it decides against).
    fn latest_link(&mut self, account_id: &str, org: i64) -> Result<Option<LinkEvent>>;
    /// True when a file with this SHA-256 was imported before.
    fn import_seen(&mut self, sha256: &str) -> Result<bool>;
    /// Records an imported file.
    fn record_import(&mut self, sha256: &str, file: &str, kind: &str, rows: u64) -> Result<()>;
    /// Makes every write of this transaction durable.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// A boxed store is a store (what [`crate::open`] returns passes where `&mut dyn Store` is
/// asked for).
impl<S: Store + ?Sized> Store for Box<S> {
    fn begin(&mut self) -> Result<Box<dyn Tx + '_>> {
        (**self).begin()
    }
    fn begin_read(&self) -> Result<()> {
        (**self).begin_read()
    }
    fn end_read(&self) -> Result<()> {
        (**self).end_read()
    }
    fn organisations(&self) -> Result<Vec<Organisation>> {
        (**self).organisations()
    }
    fn organisation(&self, id: i64) -> Result<Option<Organisation>> {
        (**self).organisation(id)
    }
    fn aliases(&self) -> Result<Vec<(i64, String)>> {
        (**self).aliases()
    }
    fn identifiers(&self) -> Result<Vec<(i64, Scheme, String)>> {
        (**self).identifiers()
    }
    fn relationships(&self) -> Result<Vec<(i64, Relationship)>> {
        (**self).relationships()
    }
    fn accounts(&self) -> Result<Vec<Account>> {
        (**self).accounts()
    }
    fn link_events(&self) -> Result<Vec<LinkEvent>> {
        (**self).link_events()
    }
    fn link_events_after(&self, after: i64) -> Result<Vec<LinkEvent>> {
        (**self).link_events_after(after)
    }
    fn link_evidence(&self, events: &[i64]) -> Result<Vec<(i64, String)>> {
        (**self).link_evidence(events)
    }
    fn classification_events(&self) -> Result<Vec<ClassificationEvent>> {
        (**self).classification_events()
    }
    fn counts(&self) -> Result<Counts> {
        (**self).counts()
    }
}
