//! What the gate answers: allow or refuse, why, under which policy version.

use serde::Serialize;

/// How a decision came about, as it is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The policy allowed it.
    Allowed,
    /// The policy refused it.
    Denied,
    /// The gate could not decide and the capability fails open: allowed.
    FailedOpen,
    /// The gate could not decide and the capability fails closed: refused.
    FailedClosed,
}

impl Outcome {
    /// The word counts and headers use.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::FailedOpen => "failed_open",
            Outcome::FailedClosed => "failed_closed",
        }
    }
}

/// The caller's role class, from the registry's confirmed classification of the organisation
/// its account is linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleClass {
    /// A law-enforcement agency.
    Agency,
    /// A company supplying one.
    Supplier,
    /// An organisation with no law-enforcement role.
    None,
    /// An account linked to no organisation, or one whose role is not confirmed.
    Unknown,
}

impl RoleClass {
    /// The word counts use.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleClass::Agency => "agency",
            RoleClass::Supplier => "supplier",
            RoleClass::None => "none",
            RoleClass::Unknown => "unknown",
        }
    }

    /// The class of a principal's role and its review status.
    pub fn of(role: &str, status: &str) -> RoleClass {
        match (role, status) {
            ("agency", "confirmed") => RoleClass::Agency,
            ("supplier", "confirmed") => RoleClass::Supplier,
            ("none", _) => RoleClass::None,
            _ => RoleClass::Unknown,
        }
    }
}

/// The gate's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Let the request through?
    pub allow: bool,
    /// How it was decided.
    pub outcome: Outcome,
    /// The capability the request exercises (`unrecognised` for an operation the taxonomy
    /// does not know).
    pub capability: String,
    /// The policy version decided under (SHA-256), when there was one.
    pub policy_version: Option<String>,
    /// The rules (`@id`) that decided it.
    pub policies: Vec<String>,
    /// Why the gate could not decide, for a failed outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The caller's role class.
    pub role_class: RoleClass,
}
