//! candor's disclosure records: what a report says, one log entry each.
//!
//! Every kind of record has one Rust type here ([`kinds`]), tagged by its JSON member
//! `type`; a record's entry is its canonical JSON (RFC 8785, [`canonical`]) written from that
//! type, so its bytes follow from its content alone. Readers parse entries into the types
//! ([`parse`]); a record this format cannot hold without loss is kept whole and shown as
//! such, never dropped. The format is written down in `docs/disclosure-format.md`; the JSON
//! Schemas ([`schema`]) describe the same types for other implementations.
//!
//! Records say only what the provider discloses about organisations, never people: reviewers
//! and operators appear as salted pseudonyms, accounts never.

pub mod canonical;
pub mod kinds;
pub mod schema;

mod append;
mod corrections;
mod disclosed;
mod error;
mod link;
mod loose;
mod read;
mod record;

pub use append::{append, entry};
pub use corrections::corrected;
pub use disclosed::disclosed_in;
pub use error::Error;
pub use kinds::correction::Correction;
pub use kinds::enforcement::{Action, Declaration, Enforcement, Finding, RegisteredUse, Volume};
pub use kinds::gate::{GateDecisions, GateLine, OrganisationGateLine, RequestCount, VersionShare};
pub use kinds::period::{
    ActionCount, BandCounts, BandPrecision, EnforcementCounts, LINKS_PER_LIST, LabelledQuality, PeriodRecords,
    PeriodSummary, ProposalLine, ReviewSummary, ReviewerCounts, ScreeningSummary, Withheld,
};
pub use kinds::policy::{
    Effect, EffectRow, Emergency, NoticeSetting, PolicyObjection, PolicyProposal, PolicyVersion, PolicyWithdrawal,
    ProposalStatus, Replaces,
};
pub use kinds::reconciliation::{
    CustomerStatement, PublicRecordEntry, Reconciled, Reconciliation, Standing, StatementKind,
};
pub use kinds::usage::{
    Classification, Evidence, Identifier, Jurisdiction, Organisation, OrganisationUsage, Technology, UsageLine,
};
pub use link::{Link, link_to, named_indexes, sha256_hex};
pub use read::{Parsed, Unrecognised, parse, parse_all, parse_entry_ref, parse_ref, parse_value};
pub use record::{Body, DEMO_NOTICE, KINDS, Record};
