//! A policy run over usage that already happened: every (account, capability, service,
//! region class) in the stored usage is decided, and what the policy denies is a violation,
//! with its volume; and two policies compared on the same usage (a dry run of a change).
//!
//! Usage records carry no declared purpose. An account with registered use cases is given
//! the benefit of the doubt: its usage is allowed if the policy allows it for no purpose or
//! for any one of its registered uses (a reviewer then checks the use itself).

use std::collections::{BTreeMap, HashMap};

use publish::notices::{Effect, EffectRow};
use serde::Serialize;
use usage::fold::{Granularity, Key, Sums, UNMAPPED};

use crate::Result;
use crate::engine::{Decider, Decision, Request};

/// Usage the policy forbids, per organisation (an unlinked account stands alone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// Organisation name, or `(account not linked to an organisation)`.
    pub organisation: String,
    /// Its accounts with this usage (internal: audits are for the provider's reviewers).
    pub accounts: Vec<String>,
    /// Capability.
    pub capability: String,
    /// Service.
    pub service: String,
    /// Region class.
    pub region_class: String,
    /// Period.
    pub period: String,
    /// Quantity per unit.
    pub quantity: BTreeMap<String, f64>,
    /// Billed cost.
    pub cost: f64,
    /// Billing lines.
    pub lines: u64,
    /// The policies that forbid it.
    pub policies: Vec<String>,
    /// First day of the usage (`YYYY-MM-DD`; empty when the billing data gave none).
    pub first_day: String,
    /// Last day of the usage.
    pub last_day: String,
}

/// One change a new policy would make.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Organisation name (or unlinked).
    pub organisation: String,
    /// Account.
    pub account: String,
    /// Capability.
    pub capability: String,
    /// Service.
    pub service: String,
    /// Region class.
    pub region_class: String,
    /// Allowed before.
    pub before: bool,
    /// Allowed after.
    pub after: bool,
    /// Deciding policies after.
    pub policies: Vec<String>,
    /// Deciding policies before (for a newly allowed use, the rules that denied it).
    pub policies_before: Vec<String>,
    /// Past usage affected: lines and cost.
    pub lines: u64,
    /// Billed cost.
    pub cost: f64,
}

/// What a diff found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diff {
    /// The changes.
    pub changes: Vec<Change>,
    /// Accounts with some usage newly denied.
    pub accounts_newly_denied: usize,
    /// Accounts with some usage newly allowed.
    pub accounts_newly_allowed: usize,
    /// Billing lines newly denied.
    pub lines_newly_denied: u64,
    /// Billing lines newly allowed.
    pub lines_newly_allowed: u64,
}

const UNLINKED: &str = "(account not linked to an organisation)";

fn organisation(d: &Decider, account: &str) -> String {
    d.facts()
        .accounts
        .get(account)
        .filter(|a| a.org.is_some())
        .map(|a| a.principal.name.clone())
        .unwrap_or_else(|| UNLINKED.to_string())
}

/// The decision for usage with no declared purpose, or under a registered use.
fn decide_usage(d: &Decider, account: &str, capability: &str, service: &str, region_class: &str) -> Result<Decision> {
    let req = |purpose: &str| Request {
        account: account.into(),
        capability: capability.into(),
        service: service.into(),
        region_class: region_class.into(),
        purpose: purpose.into(),
    };
    let plain = d.decide(&req(""))?;
    if plain.allow {
        return Ok(plain);
    }
    let uses: Vec<String> = d
        .facts()
        .accounts
        .get(account)
        .map(|a| a.principal.registered_uses.iter().cloned().collect())
        .unwrap_or_default();
    for u in uses {
        let with = d.decide(&req(&u))?;
        if with.allow {
            return Ok(with);
        }
    }
    Ok(plain)
}

type Cell = (String, String, String, String);

/// Decisions for each distinct (account, capability, service, region class) in `rows`.
fn decisions(d: &Decider, rows: &[(Key, Sums)]) -> Result<HashMap<Cell, Decision>> {
    let mut out = HashMap::new();
    for (k, _) in rows.iter().filter(|(k, _)| k.capability != UNMAPPED) {
        let cell = (k.account.clone(), k.capability.clone(), k.service.clone(), k.region_class.clone());
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(cell) {
            let c = slot.key();
            let dec = decide_usage(d, &c.0, &c.1, &c.2, &c.3)?;
            slot.insert(dec);
        }
    }
    Ok(out)
}

/// Runs the policy over stored usage rows in `period` (all periods when `None`).
pub fn audit(d: &Decider, rows: &[(Key, Sums)], g: Granularity, period: Option<&str>) -> Result<Vec<Violation>> {
    let rows: Vec<(Key, Sums)> =
        rows.iter().filter(|(k, _)| period.is_none_or(|p| g.period(&k.month) == p)).cloned().collect();
    let decided = decisions(d, &rows)?;
    let mut out: BTreeMap<(String, String, String, String, String, String), Violation> = BTreeMap::new();
    for (k, s) in &rows {
        let cell = (k.account.clone(), k.capability.clone(), k.service.clone(), k.region_class.clone());
        let Some(dec) = decided.get(&cell).filter(|d| !d.allow) else { continue };
        let org = organisation(d, &k.account);
        // Accounts of one organisation are summed; an unlinked account is its own group.
        let group = if org == UNLINKED { k.account.clone() } else { String::new() };
        let p = g.period(&k.month);
        let v = out
            .entry((org.clone(), group, p.clone(), k.capability.clone(), k.service.clone(), k.region_class.clone()))
            .or_insert_with(|| Violation {
                organisation: org,
                accounts: Vec::new(),
                capability: k.capability.clone(),
                service: k.service.clone(),
                region_class: k.region_class.clone(),
                period: p,
                quantity: BTreeMap::new(),
                cost: 0.0,
                lines: 0,
                policies: dec.policies.clone(),
                first_day: String::new(),
                last_day: String::new(),
            });
        if v.first_day.is_empty() || (!s.first.is_empty() && s.first < v.first_day) {
            v.first_day = s.first.clone();
        }
        if s.last > v.last_day {
            v.last_day = s.last.clone();
        }
        if !v.accounts.contains(&k.account) {
            v.accounts.push(k.account.clone());
        }
        for p in &dec.policies {
            if !v.policies.contains(p) {
                v.policies.push(p.clone());
            }
        }
        *v.quantity.entry(k.unit.clone()).or_insert(0.0) += s.quantity;
        v.cost += s.cost;
        v.lines += s.lines;
    }
    Ok(out.into_values().collect())
}

/// A diff summarised as a proposal's effect: per capability, deciding rule and direction,
/// the organisations in `disclosed` by name and every other account only counted. The rule of a
/// newly denied use is the rule that would deny it; of a newly allowed use, the rule that
/// denied it before.
pub fn effect(d: &Diff, disclosed: &std::collections::BTreeSet<String>, period: Option<&str>) -> Effect {
    use std::collections::BTreeSet;
    type Affected = (BTreeSet<String>, BTreeSet<String>);
    let mut rows: BTreeMap<(String, String, &str), Affected> = BTreeMap::new();
    for c in &d.changes {
        let change = if c.after { "newly_allowed" } else { "newly_denied" };
        let rules = if c.after { &c.policies_before } else { &c.policies };
        let rules: Vec<&str> =
            if rules.is_empty() { vec!["(no rule)"] } else { rules.iter().map(String::as_str).collect() };
        for rule in rules {
            let (orgs, accounts) = rows.entry((c.capability.clone(), rule.to_string(), change)).or_default();
            if disclosed.contains(&c.organisation) {
                orgs.insert(c.organisation.clone());
            } else {
                accounts.insert(c.account.clone());
            }
        }
    }
    Effect {
        period: period.map(str::to_string),
        rows: rows
            .into_iter()
            .map(|((capability, policy, change), (orgs, accounts))| EffectRow {
                capability,
                policy,
                change: change.to_string(),
                organisations_count: orgs.len() as u64,
                organisations: orgs.into_iter().take(publish::notices::MAX_NAMED).collect(),
                undisclosed_accounts: accounts.len() as u64,
            })
            .collect(),
    }
}

/// What changing from `old` to `new` would change on the usage in `rows`.
pub fn diff(old: &Decider, new: &Decider, rows: &[(Key, Sums)]) -> Result<Diff> {
    let (before, after) = (decisions(old, rows)?, decisions(new, rows)?);
    let mut volume: HashMap<&Cell, (u64, f64)> = HashMap::new();
    let cells: Vec<(Cell, &Sums)> = rows
        .iter()
        .filter(|(k, _)| k.capability != UNMAPPED)
        .map(|(k, s)| ((k.account.clone(), k.capability.clone(), k.service.clone(), k.region_class.clone()), s))
        .collect();
    for (cell, s) in &cells {
        let v = volume.entry(cell).or_insert((0, 0.0));
        v.0 += s.lines;
        v.1 += s.cost;
    }
    let mut out = Diff::default();
    let (mut denied, mut allowed) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
    let mut keys: Vec<&&Cell> = volume.keys().collect();
    keys.sort();
    for cell in keys {
        let (b, a) = (&before[*cell], &after[*cell]);
        if b.allow == a.allow {
            continue;
        }
        let (lines, cost) = volume[*cell];
        if a.allow {
            allowed.insert(cell.0.clone());
            out.lines_newly_allowed += lines;
        } else {
            denied.insert(cell.0.clone());
            out.lines_newly_denied += lines;
        }
        out.changes.push(Change {
            organisation: organisation(new, &cell.0),
            account: cell.0.clone(),
            capability: cell.1.clone(),
            service: cell.2.clone(),
            region_class: cell.3.clone(),
            before: b.allow,
            after: a.allow,
            policies: a.policies.clone(),
            policies_before: b.policies.clone(),
            lines,
            cost,
        });
    }
    out.accounts_newly_denied = denied.len();
    out.accounts_newly_allowed = allowed.len();
    Ok(out)
}
