//! What a reconciliation reads of the log: the period's current usage records, the statements
//! in force, the period's latest reconciliation and summary. Found from the record index and
//! read whole only where the index does not say enough (each entry bundle that holds one read
//! once), so a step reads the period's records, not the log: the log grows by a period a
//! quarter, and the reconciliation runs under the writer's lock.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anyhow::Result;
use publish::index::{Indexed, RecordIndex};

/// The log's records, through its index.
#[derive(Clone, Copy)]
pub struct Logged<'a> {
    /// The record index of the log's first `index.len()` entries.
    pub index: &'a RecordIndex,
    /// The log's storage (at least as long as the index).
    pub storage: &'a dyn tlog::ReadStorage,
}

const USAGE: &str = "candor.organisation_usage";
const SUMMARY: &str = "candor.period_summary";
const RECONCILIATION: &str = "candor.reconciliation";
const STATEMENT: &str = "candor.customer_statement";

/// Whether the index says `e` is a record of `kind` for `period`.
fn of(e: &Indexed, kind: &str, period: &str) -> bool {
    e.kind.as_deref() == Some(kind) && e.period.as_deref() == Some(period)
}

impl Logged<'_> {
    /// The organisations `period` discloses, by name, with the index of each one's current
    /// (uncorrected; the latest when a name has several) usage record and what that record says
    /// of the organisation's kind and state — the rule of [`records::disclosed_in`].
    pub fn disclosures(&self, period: &str) -> Result<BTreeMap<String, reconcile::Disclosure>> {
        let corrected = self.index.corrected();
        let mut current: BTreeMap<String, u64> = BTreeMap::new();
        for (i, e) in self.index.iter().filter(|(i, e)| of(e, USAGE, period) && !corrected.contains_key(i)) {
            current.insert(e.subject.clone().unwrap_or_default(), i);
        }
        let wanted: HashSet<u64> = current.values().copied().collect();
        let mut out = BTreeMap::new();
        for (index, r) in self.index.read_where(self.storage, &|i, _| wanted.contains(&i))? {
            if let Some(records::Body::OrganisationUsage(u)) = r.body() {
                let d = reconcile::Disclosure {
                    record: Some(index),
                    kind: u.organisation.kind.clone(),
                    state: u.organisation.jurisdiction.state.clone(),
                };
                out.insert(u.organisation.name.clone(), d);
            }
        }
        Ok(out)
    }

    /// The statements in force that an organisation is not a customer (see [`in_force`]).
    pub fn statements_in_force(&self) -> Result<BTreeMap<String, (u64, String)>> {
        let statements = self.index.read_kinds(self.storage, &|k| k == STATEMENT)?;
        Ok(in_force(&statements))
    }

    /// The period's latest reconciliation record, with its index.
    pub fn latest_reconciliation(&self, period: &str) -> Result<Option<(u64, records::Reconciliation)>> {
        let last = self.index.iter().filter(|(_, e)| of(e, RECONCILIATION, period)).map(|(i, _)| i).last();
        let read = self.index.read_where(self.storage, &|i, _| Some(i) == last)?;
        Ok(read.into_iter().find_map(|(i, r)| match r.body() {
            Some(records::Body::Reconciliation(x)) => Some((i, x.clone())),
            _ => None,
        }))
    }

    /// The reasons the period's current (uncorrected) summary counts withheld organisations under.
    pub fn withheld_reasons(&self, period: &str) -> Result<BTreeSet<String>> {
        let corrected = self.index.corrected();
        let last = self
            .index
            .iter()
            .filter(|(i, e)| of(e, SUMMARY, period) && !corrected.contains_key(i))
            .map(|(i, _)| i)
            .last();
        let read = self.index.read_where(self.storage, &|i, _| Some(i) == last)?;
        Ok(read
            .into_iter()
            .find_map(|(_, r)| match r.body() {
                Some(records::Body::PeriodSummary(s)) => Some(s.withheld.iter().map(|w| w.reason.clone()).collect()),
                _ => None,
            })
            .unwrap_or_default())
    }

    /// The last period the log has a summary of.
    pub fn last_period(&self) -> Option<String> {
        self.index
            .iter()
            .filter(|(_, e)| e.kind.as_deref() == Some(SUMMARY))
            .filter_map(|(_, e)| e.period.clone())
            .max()
    }

    /// A link to the entry at `index`.
    pub fn link(&self, index: u64) -> Option<records::Link> {
        self.index.link(index)
    }

    /// Whether `link` names the entry at its index.
    pub fn holds(&self, link: &records::Link) -> bool {
        self.index.get(link.index).is_some_and(|e| e.sha256 == link.sha256)
    }
}

/// The statements in force that an organisation is not a customer, by name, among `records`
/// (in log order): the latest statement about each, unless it is a withdrawal.
pub fn in_force(records: &[(u64, records::Parsed)]) -> BTreeMap<String, (u64, String)> {
    let mut out = BTreeMap::new();
    for (index, r) in records {
        let Some(records::Body::CustomerStatement(s)) = r.body() else { continue };
        match s.statement {
            records::StatementKind::NotACustomer => {
                out.insert(s.organisation.clone(), (*index, s.reason.clone()));
            }
            records::StatementKind::Withdrawn => {
                out.remove(&s.organisation);
            }
        }
    }
    out
}
