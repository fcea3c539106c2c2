//! Counted gate decisions: how many requests the gates in front of the provider's APIs
//! allowed, refused or let through on failure, per day, capability, the caller's role class,
//! outcome, policy version and deciding rule — and, for accounts linked to an organisation,
//! the organisation's registry id. Never an account id, a path or a body: the counts are what
//! `candor publish` discloses, and nothing else is kept.
//!
//! Gates add to the counts (several gates add to one database); rows are summed, never edited
//! by hand, so a count only grows.

use serde::Serialize;

use super::PolicyStore;
use crate::{Error, Result};

/// The role classes a caller is counted under.
pub const ROLE_CLASSES: [&str; 4] = ["agency", "supplier", "none", "unknown"];

/// The outcomes a decision is counted under: decided by the policy (`allowed`, `denied`), or
/// by the capability's fail mode when the gate could not decide (`failed_open`,
/// `failed_closed`).
pub const OUTCOMES: [&str; 4] = ["allowed", "denied", "failed_open", "failed_closed"];

/// Longest text of a counted field (capability, policy id, version hash).
const MAX_FIELD: usize = 128;

/// Decisions counted under one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GateCount {
    /// The day (UTC, `YYYY-MM-DD`).
    pub day: String,
    /// The capability asked for (a taxonomy id), or `unrecognised` for an operation the
    /// taxonomy does not know.
    pub capability: String,
    /// One of [`ROLE_CLASSES`].
    pub role_class: String,
    /// One of [`OUTCOMES`].
    pub outcome: String,
    /// The policy version decided under (SHA-256), or "" when there was none.
    pub policy_version: String,
    /// The rule (`@id`) that refused, for a denial; "" otherwise.
    pub policy: String,
    /// The organisation (registry id) of a linked account; `None` for any other caller.
    pub organisation: Option<i64>,
    /// How many.
    pub count: u64,
}

impl GateCount {
    /// Checks a count before it is stored: known class and outcome, a day, short fields.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::BadRequest(format!("gate count: {m}")));
        let b = self.day.as_bytes();
        let is_day = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !is_day {
            return bad(format!("{:?} is not a day (YYYY-MM-DD)", self.day));
        }
        if !ROLE_CLASSES.contains(&self.role_class.as_str()) {
            return bad(format!("{:?} is not a role class", self.role_class));
        }
        if !OUTCOMES.contains(&self.outcome.as_str()) {
            return bad(format!("{:?} is not an outcome", self.outcome));
        }
        for (field, v) in
            [("capability", &self.capability), ("policy_version", &self.policy_version), ("policy", &self.policy)]
        {
            if v.chars().count() > MAX_FIELD || v.chars().any(char::is_control) {
                return bad(format!("{field}: at most {MAX_FIELD} characters, no control character"));
            }
        }
        if self.capability.is_empty() {
            return bad("no capability".into());
        }
        Ok(())
    }
}

impl PolicyStore {
    /// Adds `counts` to the stored ones, all or none (one transaction).
    pub fn add_gate_counts(&mut self, counts: &[GateCount]) -> Result<()> {
        for c in counts {
            c.check()?;
        }
        if counts.is_empty() {
            return Ok(());
        }
        self.rows.add_gate_counts(counts)
    }

    /// The counts of the days from `first` to `last` (inclusive, `YYYY-MM-DD`), one per key,
    /// ordered by key.
    pub fn gate_counts(&self, first: &str, last: &str) -> Result<Vec<GateCount>> {
        self.rows.gate_counts(first, last)
    }

    /// A stamp of what decisions depend on in this store (versions and registered uses): it
    /// changes whenever either does. Cheap enough to ask every second.
    pub fn change_stamp(&self) -> Result<String> {
        let (versions, uses) = self.rows.row_counts()?;
        Ok(format!("versions:{versions} uses:{uses}"))
    }
}

/// The organisation as stored: 0 for none (registry ids start at 1), so the key has no NULL.
pub(crate) fn org_column(org: Option<i64>) -> i64 {
    org.unwrap_or(0)
}

/// The organisation from its column.
pub(crate) fn org_of(column: i64) -> Option<i64> {
    (column > 0).then_some(column)
}
