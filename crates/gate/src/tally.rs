//! Decisions counted in memory until they are flushed to the policy store: per UTC day,
//! capability, role class, outcome, policy version, refusing rule and (for a linked account)
//! organisation id. The key has no field for an account, a path or a body, so none can be
//! counted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use policy::store::GateCount;

use crate::verdict::{Outcome, RoleClass};

/// What one decision is counted under (the day is added when counted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Capability id, or `unrecognised`.
    pub capability: String,
    /// The caller's role class.
    pub role_class: RoleClass,
    /// How it was decided.
    pub outcome: Outcome,
    /// The version decided under ("" for none).
    pub policy_version: String,
    /// The rule that refused ("" unless denied by the policy).
    pub policy: String,
    /// The caller's organisation (registry id), for a linked account.
    pub organisation: Option<i64>,
}

/// Counts not yet flushed.
#[derive(Default)]
pub struct Tally {
    counts: Mutex<HashMap<(String, Key), u64>>,
}

impl Tally {
    /// Counts `n` decisions on `day`.
    pub fn add_on(&self, day: String, key: Key, n: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry((day, key)).or_insert(0) += n;
    }

    /// Takes every count, as rows for the store, leaving none.
    pub fn drain(&self) -> Vec<GateCount> {
        let taken = std::mem::take(&mut *self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let mut rows: Vec<GateCount> = taken
            .into_iter()
            .map(|((day, k), count)| GateCount {
                day,
                capability: k.capability,
                role_class: k.role_class.as_str().to_string(),
                outcome: k.outcome.as_str().to_string(),
                policy_version: k.policy_version,
                policy: k.policy,
                organisation: k.organisation,
                count,
            })
            .collect();
        rows.sort();
        rows
    }

    /// Puts back rows a flush could not write, so they are written with the next.
    pub fn restore(&self, rows: Vec<GateCount>) {
        for r in rows {
            let (Some(role_class), Some(outcome)) = (role_class(&r.role_class), outcome(&r.outcome)) else { continue };
            let key = Key {
                capability: r.capability,
                role_class,
                outcome,
                policy_version: r.policy_version,
                policy: r.policy,
                organisation: r.organisation,
            };
            self.add_on(r.day, key, r.count);
        }
    }
}

fn role_class(s: &str) -> Option<RoleClass> {
    [RoleClass::Agency, RoleClass::Supplier, RoleClass::None, RoleClass::Unknown].into_iter().find(|c| c.as_str() == s)
}

fn outcome(s: &str) -> Option<Outcome> {
    [Outcome::Allowed, Outcome::Denied, Outcome::FailedOpen, Outcome::FailedClosed]
        .into_iter()
        .find(|o| o.as_str() == s)
}

/// Today (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (y, m, d) = usage::parquet::convert::civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today's date (UTC), formatted again only when the day changes.
#[derive(Default)]
pub struct Today {
    day: Mutex<(u64, String)>,
}

impl Today {
    /// `YYYY-MM-DD`.
    pub fn get(&self) -> String {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let number = secs / 86_400;
        let mut day = self.day.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if day.1.is_empty() || day.0 != number {
            *day = (number, today());
        }
        day.1.clone()
    }
}
