//! Classification with evidence: which organisations are law-enforcement agencies and which
//! supply them, derived from references and contract records, with the enablement path
//! (organisation → parent → prime contractor → agency) and the evidence for each step.
//!
//! Rules, in order:
//! 1. An organisation is an **agency** when a reference says so (FBI UCR list, candor's
//!    federal reference: confirmed on import).
//! 2. A contract is a *law-enforcement contract* when its awarding or funding sub-agency is an
//!    agency by rule 1. The other sub-agency on such a contract (e.g. a procurement office
//!    funding an ICE award) is **proposed** as an agency, for a reviewer to decide.
//! 3. A recipient of law-enforcement contracts, or of subawards under them, is a **supplier**
//!    when its total amount from them reaches `min_amount` and one is dated on or after
//!    `since` (confirmed by rule: a public award record is a fact, not a judgement). So is a
//!    vendor that a public record shows supplying a surveillance technology to an agency: the
//!    EFF Atlas of Surveillance, the federal AI use-case inventory (a vendor of a law-enforcement
//!    bureau's face recognition, biometrics or computer vision), the FedRAMP Marketplace (an
//!    offering for law enforcement a law-enforcement agency authorized); dated on or after
//!    `since` when given; these records give no amounts.
//! 4. Roll-up: the parents and subsidiaries of a supplier are **proposed** as suppliers,
//!    shown as such ("through its subsidiary …").
//!
//! The history is append-only: a new event is written only when the derived state differs
//! from the latest, and never over a reviewer's decision.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{ClassificationEvent, Organisation, RelationKind, Relationship, Role, Status};
use crate::store::Store;

mod paths;
pub use paths::Paths;

/// Actor recorded on rule-derived classifications.
pub const RULES_ACTOR: &str = "candor:rules";

/// Thresholds for calling a recipient a supplier.
#[derive(Debug, Clone, Default)]
pub struct ClassifyConfig {
    /// Least total amount (US dollars) from law-enforcement contracts.
    pub min_amount: f64,
    /// Only awards dated on or after this ISO date count (any date when `None`).
    pub since: Option<String>,
}

/// One step of an enablement path, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// How the step is made: `contract_award`, `subaward`, `parent_of`, `subsidiary_of`.
    pub relation: String,
    /// The organisation the step leads to.
    pub to: i64,
    /// Its name.
    pub to_name: String,
    /// The record that shows it.
    pub evidence: Relationship,
}

/// An enablement path from an organisation to a law-enforcement agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnablementPath {
    /// The steps, first from the organisation itself.
    pub steps: Vec<Step>,
    /// The agency at the end.
    pub agency: i64,
}

/// What classification changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassifyReport {
    /// Agencies by reference.
    pub reference_agencies: usize,
    /// Agencies proposed from contract records.
    pub proposed_agencies: usize,
    /// Suppliers from their own awards or subawards.
    pub suppliers: usize,
    /// Suppliers proposed through a parent or subsidiary.
    pub proposed_by_rollup: usize,
    /// History events appended by this run.
    pub events_appended: usize,
}

/// Everything classification needs, loaded once.
pub struct Graph {
    /// Organisations by id.
    pub orgs: HashMap<i64, Organisation>,
    /// Relationships.
    pub rels: Vec<Relationship>,
    /// Latest classification event per organisation.
    pub latest: HashMap<i64, ClassificationEvent>,
    /// Full history.
    pub history: Vec<ClassificationEvent>,
}

impl Graph {
    /// Loads the graph from a store.
    pub fn load(store: &dyn Store) -> Result<Graph> {
        let orgs = store.organisations()?.into_iter().map(|o| (o.id, o)).collect();
        let rels = store.relationships()?.into_iter().map(|(_, r)| r).collect();
        let history = store.classification_events()?;
        let mut latest = HashMap::new();
        for e in &history {
            latest.insert(e.org_id, e.clone());
        }
        Ok(Graph { orgs, rels, latest, history })
    }

    fn name(&self, id: i64) -> String {
        self.orgs.get(&id).map(|o| o.name.clone()).unwrap_or_else(|| format!("#{id}"))
    }

    /// Organisations confirmed as agencies (by reference or reviewer).
    pub fn agencies(&self) -> HashSet<i64> {
        self.latest
            .values()
            .filter(|e| e.role == Role::Agency && e.status == Status::Confirmed)
            .map(|e| e.org_id)
            .collect()
    }

    /// Is this award or subaward law-enforcement work? Its awarding or funding sub-agency is
    /// an agency, or (a subaward recorded without its agency) its prime holds such an award.
    fn is_le(&self, r: &Relationship, agencies: &HashSet<i64>, le_primes: &HashSet<i64>) -> bool {
        r.agency.is_some_and(|a| agencies.contains(&a))
            || r.funding_agency.is_some_and(|a| agencies.contains(&a))
            || (r.kind == RelationKind::Subaward && r.agency.is_none() && le_primes.contains(&r.from))
    }

    /// Recipients of contract awards from agencies.
    fn le_primes(&self, agencies: &HashSet<i64>) -> HashSet<i64> {
        self.rels
            .iter()
            .filter(|r| r.kind == RelationKind::ContractAward)
            .filter(|r| {
                r.agency.is_some_and(|a| agencies.contains(&a))
                    || r.funding_agency.is_some_and(|a| agencies.contains(&a))
            })
            .map(|r| r.to)
            .collect()
    }

    fn counts(&self, r: &Relationship, cfg: &ClassifyConfig) -> bool {
        if r.amount.unwrap_or(0.0) < 0.0 {
            return false;
        }
        match &cfg.since {
            None => true,
            Some(since) => [&r.action_date, &r.end_date, &r.start_date]
                .iter()
                .any(|d| d.as_deref().is_some_and(|d| d >= since.as_str())),
        }
    }

    /// Enablement paths from `org` to agencies: its own awards and subawards, then through
    /// its parents and subsidiaries (one hop). For many organisations, [`Paths`] works out
    /// what this needs of the whole graph once.
    pub fn paths(&self, org: i64, cfg: &ClassifyConfig) -> Vec<EnablementPath> {
        Paths::new(self, cfg).of(org)
    }

    /// For every organisation, the agencies it enables: the agencies at the end of its
    /// enablement paths ([`Graph::paths`]), computed for all organisations in one pass.
    pub fn enabled_agencies(&self, cfg: &ClassifyConfig) -> HashMap<i64, BTreeSet<i64>> {
        let agencies = self.agencies();
        let primes = self.le_primes(&agencies);
        let mut direct: HashMap<i64, BTreeSet<i64>> = HashMap::new();
        for r in &self.rels {
            let award = matches!(r.kind, RelationKind::ContractAward | RelationKind::Subaward);
            let supply = r.kind == RelationKind::TechnologySupply;
            if (award || supply) && self.is_le(r, &agencies, &primes) && self.counts(r, cfg) {
                let agency = r.agency.filter(|a| agencies.contains(a)).or(r.funding_agency).unwrap_or(r.from);
                direct.entry(r.to).or_default().insert(agency);
            }
        }
        let mut out = direct.clone();
        for r in self.rels.iter().filter(|r| r.kind == RelationKind::ParentSubsidiary) {
            // One hop either way, as in `paths`.
            for (org, relative) in [(r.from, r.to), (r.to, r.from)] {
                if let Some(via) = direct.get(&relative) {
                    out.entry(org).or_default().extend(via.iter().copied());
                }
            }
        }
        out
    }

    /// The technologies an organisation supplies to law-enforcement agencies or uses, as the
    /// Atlas of Surveillance records them.
    pub fn technologies(&self, org: i64) -> Vec<TechnologyFact> {
        self.technology_facts(org, self.rels.iter())
    }

    /// The technology facts of `org` among `rels` (every relationship of `org` among them).
    fn technology_facts<'r>(&self, org: i64, rels: impl Iterator<Item = &'r Relationship>) -> Vec<TechnologyFact> {
        let mut out: Vec<TechnologyFact> = rels
            .filter(|r| r.kind == RelationKind::TechnologySupply && (r.to == org || r.from == org))
            .map(|r| TechnologyFact {
                technology: r.technology.clone().unwrap_or_default(),
                relation: if r.to == org { "supplies".into() } else { "uses".into() },
                counterpart: if r.to == org { self.name(r.from) } else { self.name(r.to) },
                evidence: r.clone(),
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.relation, &a.technology, &a.counterpart, &a.evidence.award_id).cmp(&(
                &b.relation,
                &b.technology,
                &b.counterpart,
                &b.evidence.award_id,
            ))
        });
        out
    }
}

/// A surveillance technology an organisation supplies or uses, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TechnologyFact {
    /// The technology ("Face Recognition").
    pub technology: String,
    /// `supplies` (the organisation is the vendor) or `uses` (the agency).
    pub relation: String,
    /// The agency supplied, or the vendor used.
    pub counterpart: String,
    /// The public record's entry (the Atlas's, the AI use-case inventory's, the FedRAMP
    /// Marketplace's; [`record_of`] says which).
    pub evidence: Relationship,
}

/// Derives classifications and appends the changes to the history.
pub fn classify(store: &mut dyn Store, cfg: &ClassifyConfig) -> Result<ClassifyReport> {
    let g = Graph::load(store)?;
    let agencies = g.agencies();
    let mut report = ClassifyReport { reference_agencies: agencies.len(), ..ClassifyReport::default() };
    let primes = g.le_primes(&agencies);
    let le = |r: &Relationship| g.is_le(r, &agencies, &primes);

    // Derived state: org → (role, status, reason). BTreeMap: deterministic event order.
    let mut derived: BTreeMap<i64, (Role, Status, String)> = BTreeMap::new();

    // Rule 2: the other sub-agency on law-enforcement contracts.
    let mut co_agency: BTreeMap<i64, (usize, i64)> = BTreeMap::new();
    for r in g.rels.iter().filter(|r| r.kind == RelationKind::ContractAward && le(r)) {
        for a in [r.agency, r.funding_agency].into_iter().flatten() {
            if !agencies.contains(&a) {
                let partner =
                    [r.agency, r.funding_agency].into_iter().flatten().find(|x| agencies.contains(x)).unwrap_or(a);
                co_agency.entry(a).or_insert((0, partner)).0 += 1;
            }
        }
    }
    for (a, (n, partner)) in co_agency {
        let reason = format!("awards or funds {n} law-enforcement contract(s) together with {}", g.name(partner));
        derived.insert(a, (Role::Agency, Status::Proposed, reason));
        report.proposed_agencies += 1;
    }

    // Rule 3: suppliers from their own awards and subawards.
    let mut totals: BTreeMap<i64, (f64, usize, HashSet<i64>)> = BTreeMap::new();
    for r in g
        .rels
        .iter()
        .filter(|r| matches!(r.kind, RelationKind::ContractAward | RelationKind::Subaward) && le(r) && g.counts(r, cfg))
    {
        if agencies.contains(&r.to) || derived.contains_key(&r.to) {
            continue;
        }
        let t = totals.entry(r.to).or_insert((0.0, 0, HashSet::new()));
        t.0 += r.amount.unwrap_or(0.0);
        t.1 += 1;
        if let Some(a) = r.agency.filter(|a| agencies.contains(a)).or(r.funding_agency) {
            t.2.insert(a);
        }
    }
    // Vendors the Atlas records as supplying a technology to an agency.
    let mut supplies: BTreeMap<i64, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut supply_records: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for r in g.rels.iter().filter(|r| r.kind == RelationKind::TechnologySupply && le(r) && g.counts(r, cfg)) {
        if agencies.contains(&r.to) || derived.contains_key(&r.to) {
            continue;
        }
        supplies
            .entry(r.to)
            .or_default()
            .insert((r.technology.clone().unwrap_or_default(), g.name(r.agency.unwrap_or(r.from))));
        supply_records.entry(r.to).or_default().insert(public_record(r));
    }
    let mut suppliers = HashSet::new();
    for (org, (amount, n, via)) in &totals {
        if *amount < cfg.min_amount {
            continue;
        }
        let mut names: Vec<String> = via.iter().map(|a| g.name(*a)).collect();
        names.sort();
        let reason = format!(
            "holds {n} award(s) or subaward(s) under law-enforcement contracts of {} totalling ${amount:.2}",
            names.join(", ")
        );
        derived.insert(*org, (Role::Supplier, Status::Confirmed, reason));
        suppliers.insert(*org);
        report.suppliers += 1;
    }
    for (org, list) in &supplies {
        if suppliers.contains(org) {
            continue;
        }
        let mut technologies: Vec<&str> = list.iter().map(|(t, _)| t.as_str()).collect();
        technologies.dedup();
        let agencies_supplied: BTreeSet<&str> = list.iter().map(|(_, a)| a.as_str()).collect();
        let shown: Vec<&str> = agencies_supplied.iter().take(5).copied().collect();
        let more = if agencies_supplied.len() > 5 {
            format!(" and {} more", agencies_supplied.len() - 5)
        } else {
            String::new()
        };
        let records: Vec<&str> = supply_records.get(org).into_iter().flatten().map(String::as_str).collect();
        let verb = if records.len() > 1 { "record" } else { "records" };
        let reason = format!(
            "supplies {} to {}{more}, as {} {verb}",
            technologies.join(", "),
            shown.join(", "),
            records.join(" and ")
        );
        derived.insert(*org, (Role::Supplier, Status::Confirmed, reason));
        suppliers.insert(*org);
        report.suppliers += 1;
    }

    // Rule 4: roll-up through parents and subsidiaries.
    for r in g.rels.iter().filter(|r| r.kind == RelationKind::ParentSubsidiary) {
        for (relative, source, how) in [(r.from, r.to, "subsidiary"), (r.to, r.from, "parent")] {
            if suppliers.contains(&source) && !derived.contains_key(&relative) && !agencies.contains(&relative) {
                let reason = format!("through its {how} {}, which supplies law-enforcement agencies", g.name(source));
                derived.insert(relative, (Role::Supplier, Status::Proposed, reason));
                report.proposed_by_rollup += 1;
            }
        }
    }

    let mut tx = store.begin()?;
    for (org, (role, status, reason)) in derived {
        if let Some(latest) = g.latest.get(&org) {
            // Never over a human decision or a reference; never repeat the current state.
            let machine = latest.actor == RULES_ACTOR;
            if !machine || (latest.role == role && latest.status == status && latest.reason == reason) {
                continue;
            }
        }
        tx.append_classification(org, role, status, &reason, RULES_ACTOR)?;
        report.events_appended += 1;
    }
    tx.commit()?;
    Ok(report)
}

/// Why an organisation is classified as it is.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The organisation.
    pub organisation: Organisation,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// Its identifiers as `scheme:value`.
    pub identifiers: Vec<String>,
    /// Current role and status (none when never classified).
    pub current: Option<ClassificationEvent>,
    /// Every classification event, oldest first.
    pub history: Vec<ClassificationEvent>,
    /// Enablement paths to law-enforcement agencies.
    pub paths: Vec<EnablementPath>,
    /// Surveillance technologies it supplies or uses (EFF Atlas of Surveillance).
    pub technologies: Vec<TechnologyFact>,
}

/// Explains one organisation, found by id, natural key, identifier or exact name.
pub fn explain(store: &dyn Store, query: &str, cfg: &ClassifyConfig) -> Result<Explanation> {
    let g = Graph::load(store)?;
    let ids = store.identifiers()?;
    let aliases = store.aliases()?;
    let q = query.trim();
    let norm_q = crate::names::normalize_identifier(q);
    // Natural key, then identifier (UEI, DUNS, ORI, agency code), then row id, then name.
    let found = g
        .orgs
        .values()
        .find(|o| o.key == q)
        .map(|o| o.id)
        .or_else(|| ids.iter().find(|(_, _, v)| *v == norm_q).map(|(o, _, _)| *o))
        .or_else(|| q.trim_start_matches('#').parse::<i64>().ok().filter(|id| g.orgs.contains_key(id)))
        .or_else(|| {
            let mut m: Vec<i64> = aliases.iter().filter(|(_, a)| a.eq_ignore_ascii_case(q)).map(|(o, _)| *o).collect();
            m.sort();
            m.dedup();
            (m.len() == 1).then(|| m[0])
        })
        .ok_or_else(|| {
            Error::NotFound(format!("no single organisation matches {q:?} (try its id, UEI, DUNS, ORI or exact name)"))
        })?;
    let organisation = g.orgs[&found].clone();
    Ok(Explanation {
        aliases: aliases.iter().filter(|(o, _)| *o == found).map(|(_, a)| a.clone()).collect(),
        identifiers: ids.iter().filter(|(o, _, _)| *o == found).map(|(_, s, v)| format!("{s}:{v}")).collect(),
        current: g.latest.get(&found).cloned(),
        history: g.history.iter().filter(|e| e.org_id == found).cloned().collect(),
        paths: g.paths(found, cfg),
        technologies: g.technologies(found),
        organisation,
    })
}

/// Why a customer account counts as it does: its links, and the linked organisation's
/// classification and enablement paths (customer → organisation → parent → prime → agency).
#[derive(Debug, Clone, Serialize)]
pub struct AccountExplanation {
    /// The account.
    pub account: crate::model::Account,
    /// Every link of the account with its current state.
    pub links: Vec<crate::review::LinkState>,
    /// The organisation of the confirmed link (or, with none, of the latest proposal).
    pub organisation: Option<Explanation>,
}

/// Explains a customer account by its id; `None` when no account has that id.
pub fn explain_account(
    store: &dyn Store,
    account_id: &str,
    cfg: &ClassifyConfig,
) -> Result<Option<AccountExplanation>> {
    let Some(account) = store.accounts()?.into_iter().find(|a| a.account_id == account_id) else { return Ok(None) };
    let links: Vec<_> =
        crate::review::links(store)?.into_iter().filter(|l| l.latest.account_id == account_id).collect();
    let chosen = links
        .iter()
        .rev()
        .find(|l| l.latest.status == Status::Confirmed)
        .or_else(|| links.iter().rev().find(|l| l.latest.status == Status::Proposed));
    let organisation = match chosen {
        Some(l) => Some(explain(store, &format!("#{}", l.latest.org_id), cfg)?),
        None => None,
    };
    Ok(Some(AccountExplanation { account, links, organisation }))
}

/// The public record a technology supply comes from, as a reason names it ("the federal AI
/// use-case inventory").
fn public_record(r: &Relationship) -> String {
    format!("the {}", record_of(r))
}

/// The public record a technology supply comes from: the importers of the AI use-case
/// inventory and of the FedRAMP Marketplace begin their citations with their record's name;
/// every other supply is the Atlas's.
pub fn record_of(r: &Relationship) -> &'static str {
    match r.citation.as_deref() {
        Some(c) if c.starts_with("federal AI use-case inventory") => "federal AI use-case inventory",
        Some(c) if c.starts_with("FedRAMP Marketplace") => "FedRAMP Marketplace",
        _ => "EFF Atlas of Surveillance",
    }
}
