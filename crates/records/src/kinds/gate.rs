//! `candor.gate_decisions`: what the gates in front of the provider's APIs decided in a
//! period — requests allowed, refused, and let through or refused because a gate could not
//! decide — per capability, the caller's role class and the refusing rule; which policy
//! versions the gates decided under, with their share; and, for each organisation the period
//! discloses, its own requests. Counts only: never an account, a path, a body or a person.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Link;

/// A period's gate decisions, or one part of them. The current parts of a period are the
/// period's (its summary links them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateDecisions {
    /// The period.
    pub period: String,
    /// Which part of the period's gate decisions this is (1-based): the first carries the
    /// totals and versions, every part a share of the organisations' lines, so each entry stays
    /// within the log's entry size.
    pub part: u64,
    /// How many parts the period's gate decisions have.
    pub parts: u64,
    /// Requests per capability, role class, outcome and refusing rule, ordered by those (the
    /// first part only).
    pub decisions: Vec<GateLine>,
    /// Requests let through because a gate could not decide (always exact: each is an
    /// incident).
    pub failed_open: u64,
    /// The policy versions the gates decided under, with their share of the decided requests
    /// (the first part only).
    pub policy_versions: Vec<VersionShare>,
    /// The requests of each organisation the period discloses, ordered by organisation,
    /// capability, outcome and rule.
    pub organisations: Vec<OrganisationGateLine>,
}

/// A count: exactly one of `requests` and `requests_band` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestCount {
    /// The exact number, when the provider publishes exact quantities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
    /// The band (`1,000–9,999`), when exact quantities are withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_band: Option<String>,
}

/// Requests decided alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GateLine {
    /// The capability asked for (a taxonomy id), or `unrecognised`.
    pub capability: String,
    /// The callers' role class: `agency`, `supplier`, `none` or `unknown` (an account linked
    /// to no organisation, or to one whose role is not confirmed).
    pub role_class: String,
    /// `allowed`, `denied`, `failed_open` or `failed_closed`.
    pub outcome: String,
    /// The rule (`@id`) that refused, for `denied`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub policy: String,
    /// How many.
    #[serde(flatten)]
    pub count: RequestCount,
}

/// A policy version's share of the period's decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VersionShare {
    /// The version's SHA-256, or "" for requests decided by fail modes (no version).
    pub policy_version: String,
    /// Its `candor.policy_version` record, when the log holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Link>,
    /// Requests decided under it.
    #[serde(flatten)]
    pub count: RequestCount,
    /// Its share of all the period's requests, in percent (one decimal).
    pub share_percent: f64,
}

/// One disclosed organisation's requests decided alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OrganisationGateLine {
    /// The organisation's name, as its usage record names it.
    pub organisation: String,
    /// The capability.
    pub capability: String,
    /// The outcome.
    pub outcome: String,
    /// The rule that refused, for `denied`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub policy: String,
    /// How many.
    #[serde(flatten)]
    pub count: RequestCount,
}
