//! `candor.period_summary` and `candor.period_records`: what a period's report holds, what it
//! withholds and why, and the lists of its records.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Link;
use crate::kinds::policy::ProposalStatus;

/// Most links in one [`PeriodRecords`] (about 47 KB of JSON, far below the log's entry limit).
pub const LINKS_PER_LIST: usize = 500;

/// What a period's report holds and what it withholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeriodSummary {
    /// The period.
    pub period: String,
    /// Organisations disclosed.
    pub organisations_disclosed: u64,
    /// Organisations withheld, by reason.
    pub withheld: Vec<Withheld>,
    /// Accounts with usage and no link to a law-enforcement organisation (not in scope).
    pub out_of_scope_accounts: u64,
    /// Accounts with usage whose name fits several organisations (one at least a
    /// law-enforcement organisation), awaiting a reviewer's choice; absent from summaries
    /// written before candor counted them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts_awaiting_review_ambiguous: Option<u64>,
    /// The policy version in force when the period was published; `null` when none was.
    pub policy: Option<Link>,
    /// The period's record lists, which link to its records.
    pub record_lists: Vec<Link>,
    /// Present (and `true`) only when the period was published although its checkpoint may
    /// lack the witnesses' quorum.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub witness_fail_open: bool,
    /// The audit's counts, when a policy was in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<EnforcementCounts>,
    /// Policy proposals open at some time during the period; absent when none was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_proposals: Vec<ProposalLine>,
    /// What review did in the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewSummary>,
    /// The screening's measured quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screening: Option<ScreeningSummary>,
    /// The period's `candor.gate_decisions` records (its parts, in order), when gates counted
    /// decisions in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gate_decisions: Vec<Link>,
}

/// Organisations withheld for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Withheld {
    /// The reason, as the report's reasons name it.
    pub reason: String,
    /// How many organisations.
    pub organisations: u64,
}

/// The audit's counts for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EnforcementCounts {
    /// Findings about disclosed organisations.
    pub findings: u64,
    /// Of those, findings no action has answered yet.
    pub open_findings: u64,
    /// Actions by kind.
    pub actions: Vec<ActionCount>,
    /// Findings about usage the period does not disclose (counted, never named).
    pub findings_not_disclosed: u64,
}

/// How many actions of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ActionCount {
    /// The action.
    pub action: String,
    /// How many.
    pub count: u64,
}

/// A policy proposal open at some time during the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProposalLine {
    /// The proposal's record.
    pub proposal: Link,
    /// The day it may take effect.
    pub effective: String,
    /// Where it stood when the period was published.
    pub status: ProposalStatus,
    /// Objections filed against it.
    pub objections: u64,
}

/// What review did in a period: counts, and per reviewer pseudonym.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReviewSummary {
    /// The day the counts are as of (the period's last day, or today while it runs).
    pub as_of: String,
    /// Proposals the screening made in the period.
    pub proposals_made: u64,
    /// Decisions taken.
    pub decided: u64,
    /// Of those, acceptances.
    pub accepted: u64,
    /// Of those, rejections.
    pub rejected: u64,
    /// Decisions that reversed an earlier one.
    pub reversed: u64,
    /// Decisions taken by two reviewers (four eyes).
    pub decided_under_four_eyes: u64,
    /// Proposals still waiting at `as_of`.
    pub pending: u64,
    /// Their median age in days.
    pub pending_median_age_days: i64,
    /// The oldest one's age in days.
    pub pending_oldest_age_days: i64,
    /// Per reviewer, by pseudonym (ordered by pseudonym).
    pub reviewers: Vec<ReviewerCounts>,
}

/// One reviewer's decisions in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReviewerCounts {
    /// The reviewer's pseudonym.
    pub reviewer: String,
    /// Acceptances that decided.
    pub accepted: u64,
    /// Rejections.
    pub rejected: u64,
    /// First acceptances awaiting or given a second reviewer.
    pub first_acceptances: u64,
}

/// The screening's measured quality in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScreeningSummary {
    /// The day the counts are as of.
    pub as_of: String,
    /// Proposals by score band, lowest band first.
    pub bands: Vec<BandCounts>,
    /// The quality the labelled sets shipped with the release measure.
    pub labelled: LabelledQuality,
}

/// The period's proposals in one score band and what reviewers made of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BandCounts {
    /// The band (`0.85-0.90`, …, `1.00`).
    pub band: String,
    /// Proposals made.
    pub proposed: u64,
    /// Of those, decided.
    pub decided: u64,
    /// Of those, accepted.
    pub accepted: u64,
    /// `accepted / decided` (four decimals); `null` when none was decided.
    pub share_accepted: Option<f64>,
}

/// Precision and recall on the labelled sets shipped with a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LabelledQuality {
    /// Names in the sets.
    pub names: u64,
    /// Of those, true pairs.
    pub positives: u64,
    /// Precision overall.
    pub precision: f64,
    /// Recall overall.
    pub recall: f64,
    /// Precision per score band.
    pub bands: Vec<BandPrecision>,
}

/// Labelled precision in one score band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BandPrecision {
    /// The band.
    pub band: String,
    /// Its precision.
    pub precision: f64,
}

/// Part of the list of a period's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PeriodRecords {
    /// The period.
    pub period: String,
    /// 1-based part number.
    pub part: u64,
    /// Number of parts.
    pub parts: u64,
    /// The records (organisation usage, enforcement, registered use), at most
    /// [`LINKS_PER_LIST`].
    pub records: Vec<Link>,
}
