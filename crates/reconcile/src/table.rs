//! Each tie's standing in a period's report, and the table of them:
//!
//! 1. *disclosed*: the period has a current usage record of the organisation (its index);
//! 2. *withheld*: it has usage in the period the report withholds, for a reason the period
//!    summary counts;
//! 3. *linked, no usage*: an account is linked to it, but used nothing in the period;
//! 4. *not a customer*: a reviewer's published statement says so, with a reason (and no linked
//!    account contradicts it);
//! 5. *no linked account*: no account is linked to it, the screening found none or one awaits
//!    a reviewer (said so).
//!
//! The rules read what the caller gathered ([`Standing`]), in this order: a disclosed
//! organisation is disclosed whatever else is true of it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ties::Tie;

/// What a period's report and the registry say of organisations, gathered by the caller.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// Organisations the period discloses, by name: the log index of the current usage record
    /// (`None` when the period's records are not appended yet: it will disclose them), with the
    /// kind and state the record gives, so another organisation of the same name is not taken
    /// for it.
    pub disclosed: BTreeMap<String, Disclosure>,
    /// Organisations with usage the period withholds (registry id → the summary's reason).
    pub withheld: BTreeMap<i64, String>,
    /// Organisations with a confirmed link to an account.
    pub linked: BTreeSet<i64>,
    /// Organisations a proposed link (awaiting review) names.
    pub proposed: BTreeSet<i64>,
    /// Statements in force that an organisation is not a customer, by name: the statement's log
    /// index and its reason.
    pub not_customers: BTreeMap<String, (u64, String)>,
}

/// A disclosure of an organisation in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// Its usage record's log index (`None` until published).
    pub record: Option<u64>,
    /// The organisation's kind, as the record gives it.
    pub kind: String,
    /// Its state, as the record gives it.
    pub state: Option<String>,
}

/// A tie's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// The report discloses it: the index of its usage record (`null` until the period is
    /// published).
    Disclosed {
        /// The record's log index.
        record: Option<u64>,
    },
    /// The report withholds it, for a counted reason.
    Withheld {
        /// The reason, as the period summary counts it.
        reason: String,
    },
    /// An account is linked to it; none used anything in the period.
    LinkedNoUsage,
    /// A reviewer's published statement says it is not a customer.
    NotACustomer {
        /// The statement's log index.
        statement: u64,
        /// Its reason.
        reason: String,
    },
    /// No account is linked to it.
    NoLinkedAccount {
        /// A proposed link awaits a reviewer.
        awaiting_review: bool,
    },
}

impl Status {
    /// The standing in a few words, as the table shows it.
    pub fn words(&self) -> String {
        match self {
            Status::Disclosed { record: Some(record) } => format!("disclosed (record #{record})"),
            Status::Disclosed { record: None } => "disclosed once the period is published".into(),
            Status::Withheld { reason } => format!("withheld: {reason}"),
            Status::LinkedNoUsage => "linked account, no usage in the period".into(),
            Status::NotACustomer { statement, reason } => {
                format!("not a customer (statement #{statement}: {reason})")
            }
            Status::NoLinkedAccount { awaiting_review: true } => "no linked account: a link awaits review".into(),
            Status::NoLinkedAccount { awaiting_review: false } => "no linked account: the screening found none".into(),
        }
    }

    /// The key counts are kept under.
    pub fn key(&self) -> &'static str {
        match self {
            Status::Disclosed { .. } => "disclosed",
            Status::Withheld { .. } => "withheld",
            Status::LinkedNoUsage => "linked_no_usage",
            Status::NotACustomer { .. } => "not_a_customer",
            Status::NoLinkedAccount { .. } => "no_linked_account",
        }
    }
}

/// One organisation of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The tie: organisation, role, public records.
    #[serde(flatten)]
    pub tie: Tie,
    /// Its standing in the period.
    #[serde(flatten)]
    pub status: Status,
}

/// A period's reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The period.
    pub period: String,
    /// The provider.
    pub provider: String,
    /// The FedRAMP offerings reconciled (Marketplace ids).
    pub offerings: Vec<String>,
    /// The names its products go by in the AI inventory.
    pub inventory_names: Vec<String>,
    /// One row per tied organisation, by name.
    pub rows: Vec<Row>,
    /// How many rows have each standing.
    pub counts: BTreeMap<String, u64>,
}

/// The table of `ties` in `period`, from what the caller gathered.
pub fn reconcile(
    period: &str,
    provider: &crate::Provider,
    offerings: &[String],
    ties: Vec<Tie>,
    standing: &Standing,
) -> Reconciliation {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let rows: Vec<Row> = ties
        .into_iter()
        .map(|tie| {
            let disclosed =
                standing.disclosed.get(&tie.organisation).filter(|d| d.kind == tie.kind && d.state == tie.state);
            let status = if let Some(d) = disclosed {
                Status::Disclosed { record: d.record }
            } else if let Some(reason) = standing.withheld.get(&tie.org_id) {
                Status::Withheld { reason: reason.clone() }
            } else if standing.linked.contains(&tie.org_id) {
                Status::LinkedNoUsage
            } else if let Some((statement, reason)) = standing.not_customers.get(&tie.organisation) {
                Status::NotACustomer { statement: *statement, reason: reason.clone() }
            } else {
                Status::NoLinkedAccount { awaiting_review: standing.proposed.contains(&tie.org_id) }
            };
            *counts.entry(status.key().to_string()).or_default() += 1;
            Row { tie, status }
        })
        .collect();
    Reconciliation {
        period: period.to_string(),
        provider: provider.name.clone(),
        offerings: offerings.to_vec(),
        inventory_names: provider.inventory_names.clone(),
        rows,
        counts,
    }
}

impl std::fmt::Display for Reconciliation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}: {} law-enforcement organisation(s) public records tie to {}'s offerings",
            printable(&self.period),
            self.rows.len(),
            printable(&self.provider)
        )?;
        let counted: Vec<String> = self.counts.iter().map(|(k, n)| format!("{n} {}", k.replace('_', " "))).collect();
        writeln!(f, "  {}", if counted.is_empty() { "none".into() } else { counted.join(", ") })?;
        for r in &self.rows {
            writeln!(f, "{} ({}): {}", printable(&r.tie.organisation), r.tie.role, printable(&r.status.words()))?;
            for p in &r.tie.public_records {
                // The importers' citations begin with the record's name.
                let date = p.date.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
                if p.entry.starts_with(&p.record) {
                    writeln!(f, "    {}{}", printable(&p.entry), printable(&date))?;
                } else {
                    writeln!(f, "    {}: {}{}", p.record, printable(&p.entry), printable(&date))?;
                }
            }
        }
        Ok(())
    }
}

/// Text for a terminal: a control character (a line break that would forge a line, an escape
/// sequence) is written as its `\u{…}` escape.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tie(name: &str, id: i64) -> Tie {
        Tie {
            organisation: name.into(),
            role: "agency".into(),
            public_records: vec![],
            org_id: id,
            kind: "federal_agency".into(),
            state: None,
        }
    }

    #[test]
    fn each_tie_gets_the_first_standing_that_holds() {
        let provider = crate::Provider {
            name: "Example Cloud".into(),
            uei: vec![],
            fedramp_offerings: vec!["F1".into()],
            inventory_names: vec![],
        };
        let standing = Standing {
            disclosed: [
                ("A".to_string(), Disclosure { record: Some(7), kind: "federal_agency".into(), state: None }),
                // Another organisation of B's name: not B.
                (
                    "B".to_string(),
                    Disclosure { record: Some(8), kind: "local_agency".into(), state: Some("WA".into()) },
                ),
            ]
            .into(),
            withheld: [(1, "role awaiting review".to_string()), (2, "x".to_string())].into(),
            linked: [1, 3].into(),
            proposed: [4].into(),
            not_customers: [("C".to_string(), (9, "x".to_string())), ("F".to_string(), (11, "checked".to_string()))]
                .into(),
        };
        let t = reconcile(
            "2026-Q3",
            &provider,
            &["F1".into()],
            vec![tie("A", 1), tie("B", 2), tie("C", 3), tie("D", 4), tie("E", 5), tie("F", 6)],
            &standing,
        );
        let got: Vec<Status> = t.rows.iter().map(|r| r.status.clone()).collect();
        assert_eq!(
            got,
            [
                Status::Disclosed { record: Some(7) },
                Status::Withheld { reason: "x".into() },
                Status::LinkedNoUsage,
                Status::NoLinkedAccount { awaiting_review: true },
                Status::NoLinkedAccount { awaiting_review: false },
                Status::NotACustomer { statement: 11, reason: "checked".into() },
            ]
        );
        assert_eq!(t.counts["no_linked_account"], 2);
        assert!(t.to_string().contains("D (agency): no linked account: a link awaits review"));
    }
}
