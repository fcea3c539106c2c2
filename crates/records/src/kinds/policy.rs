//! The use policy's records: `candor.policy_version` (a version made active),
//! `candor.policy_proposal` (a version announced before it takes effect, with its computed
//! effect), `candor.policy_objection`, `candor.policy_withdrawal` and
//! `candor.policy_notice_setting` (the log's minimum notice).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Link;

/// A policy version made active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyVersion {
    /// SHA-256 (hex) of the policy text.
    pub sha256: String,
    /// The policy file's name.
    pub file: String,
    /// The policy text (Cedar).
    pub text: String,
    /// When it was activated (RFC 3339).
    pub activated_at: String,
    /// The proposal it follows; absent when activated without notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Link>,
    /// Present when it was activated before its proposal's effective date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<Emergency>,
}

/// Why an activation could not wait for its notice to run out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Emergency {
    /// The reason.
    pub reason: String,
}

/// A policy version announced before it takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyProposal {
    /// SHA-256 (hex) of the proposed text.
    pub sha256: String,
    /// The file's name.
    pub file: String,
    /// The proposed text.
    pub text: String,
    /// The version in force it would replace; `null` when none is.
    pub replaces: Option<Replaces>,
    /// The first day it may take effect (`YYYY-MM-DD`).
    pub effective: String,
    /// The minimum notice in force, in days.
    pub notice_days: u32,
    /// The record that set that notice.
    pub notice_setting: Link,
    /// Why.
    pub reason: String,
    /// When (RFC 3339).
    pub proposed_at: String,
    /// Who (a pseudonym).
    pub proposed_by: String,
    /// What it would change, computed on the last published period.
    pub effect: Effect,
}

/// The policy version a proposal would replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Replaces {
    /// Its `candor.policy_version` record's index.
    pub index: u64,
    /// That entry's SHA-256.
    pub sha256: String,
    /// The SHA-256 of that version's text.
    pub policy_sha256: String,
}

/// What a proposal would change on the usage of one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Effect {
    /// The period it was computed on; `null` when none was published.
    pub period: Option<String>,
    /// One row per capability, rule and direction.
    pub rows: Vec<EffectRow>,
}

/// One row of an [`Effect`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct EffectRow {
    /// Capability id.
    pub capability: String,
    /// The rule (`@id`) that decides the change.
    pub policy: String,
    /// `newly_denied` or `newly_allowed`.
    pub change: String,
    /// Disclosed organisations affected, by name (at most 100).
    pub organisations: Vec<String>,
    /// How many disclosed organisations are affected.
    pub organisations_count: u64,
    /// Accounts affected that the period does not disclose (counted, never named).
    pub undisclosed_accounts: u64,
}

/// An objection to a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyObjection {
    /// The proposal.
    pub proposal: Link,
    /// Why.
    pub reason: String,
    /// Who (a pseudonym).
    pub objector: String,
    /// When (RFC 3339).
    pub filed_at: String,
}

/// A proposal withdrawn by the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyWithdrawal {
    /// The proposal.
    pub proposal: Link,
    /// Why.
    pub reason: String,
    /// Who (a pseudonym).
    pub withdrawn_by: String,
    /// When (RFC 3339).
    pub withdrawn_at: String,
}

/// The log's minimum notice for policy changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NoticeSetting {
    /// Days.
    pub notice_days: u32,
    /// Why.
    pub reason: String,
    /// Who (a pseudonym).
    pub set_by: String,
    /// When (RFC 3339).
    pub set_at: String,
}

/// Where a proposal stands, derived from the records that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Announced; neither withdrawn nor activated.
    Open,
    /// Withdrawn by the provider.
    Withdrawn,
    /// Activated on or after its effective date.
    Activated,
    /// Activated before its effective date, in an emergency.
    ActivatedInEmergency,
}

impl ProposalStatus {
    /// The words pages use.
    pub fn words(self) -> &'static str {
        match self {
            ProposalStatus::Open => "open",
            ProposalStatus::Withdrawn => "withdrawn",
            ProposalStatus::Activated => "activated",
            ProposalStatus::ActivatedInEmergency => "activated in an emergency",
        }
    }
}
