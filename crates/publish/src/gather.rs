//! What a period's report can disclose, gathered from the registry (who) and the usage store
//! (how). Only organisations with a confirmed law-enforcement role, reached through a
//! confirmed account link, are disclosed; everything else with usage in the period is
//! counted in the summary as withheld (with the reason) or out of scope. Account ids stay
//! here: nothing gathered for publication carries one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use registry::Store;
use registry::classify::{ClassifyConfig, Graph, Paths};
use registry::model::{ClassificationEvent, Organisation, Role, Status};
use usage::fold::{Granularity, Key, Sums};

use crate::Error;

/// A period such as `2026-Q3`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period(String);

impl Period {
    /// Parses `YYYY-Qn` (n from 1 to 4).
    pub fn parse(text: &str) -> Result<Period, Error> {
        let ok = text.len() == 7
            && text[..4].bytes().all(|b| b.is_ascii_digit())
            && &text[4..6] == "-Q"
            && matches!(&text[6..], "1" | "2" | "3" | "4");
        if ok { Ok(Period(text.to_string())) } else { Err(Error::BadPeriod(text.to_string())) }
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the month `YYYY-MM` falls in this period.
    pub fn contains(&self, month: &str) -> bool {
        Granularity::Quarter.period(month) == self.0
    }
}

/// One line of an organisation's usage in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageLine {
    /// Capability id from the taxonomy (`face_identification`), or `unmapped`.
    pub capability: String,
    /// Service as billed.
    pub service: String,
    /// Region class (`government`, `commercial`, …).
    pub region_class: String,
    /// Unit of the quantity.
    pub unit: String,
    /// Quantity summed over the organisation's accounts.
    pub quantity: f64,
}

/// What the report may say about one organisation.
#[derive(Debug, Clone)]
pub struct OrgDisclosure {
    /// The organisation.
    pub org: Organisation,
    /// Its latest classification (confirmed, with a law-enforcement role).
    pub classification: ClassificationEvent,
    /// Public sources behind the classification (award ids, reference lists), short lines.
    pub sources: Vec<String>,
    /// Surveillance technologies it supplies to agencies or uses, as the EFF Atlas of
    /// Surveillance records them.
    pub technologies: Vec<registry::classify::TechnologyFact>,
    /// Its usage in the period, ordered by capability, service, region class, unit.
    pub usage: Vec<UsageLine>,
}

/// Reasons something with usage in the period is not disclosed.
pub mod reasons {
    /// An account's link to a law-enforcement organisation awaits review.
    pub const LINK_UNREVIEWED: &str = "account link to a law-enforcement organisation awaiting review";
    /// The organisation's law-enforcement role is proposed, not confirmed.
    pub const ROLE_UNREVIEWED: &str = "law-enforcement role awaiting review";
    /// Exact quantities replaced by volume bands (the provider's choice).
    pub const EXACT_QUANTITIES: &str = "exact quantities (published as volume bands)";
}

/// Everything gathered for a period.
#[derive(Debug, Clone)]
pub struct PeriodData {
    /// The period.
    pub period: Period,
    /// Disclosed organisations, by name.
    pub orgs: Vec<OrgDisclosure>,
    /// Organisations withheld, by reason.
    pub withheld: BTreeMap<String, u64>,
    /// Which organisations those are (registry id → reason): not published with the summary,
    /// which counts them; the reconciliation names one only when a public record already ties
    /// it to the provider's offerings, as the disclosure format says.
    pub withheld_organisations: BTreeMap<i64, String>,
    /// Accounts with usage in the period and no link to a law-enforcement organisation.
    pub out_of_scope_accounts: u64,
    /// Accounts with usage in the period whose name fits several organisations, one at least
    /// a law-enforcement organisation, awaiting a reviewer's choice.
    pub ambiguous_accounts: u64,
    /// The audit against the use policy in force and the actions taken (set by the caller that
    /// ran it; `None` when no policy was in force).
    pub enforcement: Option<crate::enforcement::PeriodEnforcement>,
    /// Uses registered for disclosed organisations, with their declarations (set by the
    /// caller that reads the policy store).
    pub registered_uses: Vec<crate::enforcement::DisclosedUse>,
    /// What review did in the period (counts only).
    pub review: crate::review_facts::ReviewFacts,
    /// The screening's quality as reviewers' decisions measure it (counts only).
    pub screening: crate::screening_facts::ScreeningFacts,
    /// What the gates counted in the period (set by the caller that reads the policy store;
    /// `None` when no gate counted anything).
    pub gate: Option<crate::gate::GateInput>,
}

/// Gathers a period from the registry and the stored usage rows.
pub fn gather(store: &dyn Store, rows: &[(Key, Sums)], period: &Period) -> Result<PeriodData, Error> {
    let graph = Graph::load(store)?;
    // Each account's organisation: the latest confirmed link, else the latest proposal.
    let mut confirmed: HashMap<String, i64> = HashMap::new();
    // Proposed: the organisation, or every candidate of an ambiguous proposal.
    let mut proposed: HashMap<String, Vec<i64>> = HashMap::new();
    for l in registry::review::links(store)? {
        match l.latest.status {
            Status::Confirmed => {
                confirmed.insert(l.latest.account_id.clone(), l.latest.org_id);
            }
            Status::Proposed => {
                let candidates: Vec<i64> = match &l.proposal {
                    Some(p) if p.candidates.len() > 1 => p.candidates.iter().map(|c| c.org_id).collect(),
                    _ => vec![l.latest.org_id],
                };
                proposed.insert(l.latest.account_id.clone(), candidates);
            }
            Status::Rejected => {}
        }
    }
    let le_role = |org: i64| graph.latest.get(&org).filter(|c| matches!(c.role, Role::Agency | Role::Supplier));

    // Per organisation: (capability, service, region class, unit) → quantity.
    type Lines = BTreeMap<(String, String, String, String), f64>;
    let mut usage: BTreeMap<i64, Lines> = BTreeMap::new();
    let mut withheld: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    let mut out_of_scope: BTreeSet<&str> = BTreeSet::new();
    let mut ambiguous: BTreeSet<&str> = BTreeSet::new();
    for (k, v) in rows.iter().filter(|(k, _)| period.contains(&k.month)) {
        if v.lines == 0 {
            continue;
        }
        if let Some(&org) = confirmed.get(&k.account) {
            match le_role(org) {
                Some(c) if c.status == Status::Confirmed => {
                    let key = (k.capability.clone(), k.service.clone(), k.region_class.clone(), k.unit.clone());
                    *usage.entry(org).or_default().entry(key).or_default() += v.quantity;
                }
                Some(_) => {
                    withheld.entry(reasons::ROLE_UNREVIEWED).or_default().insert(org);
                }
                None => {
                    out_of_scope.insert(&k.account);
                }
            }
        } else {
            match proposed.get(&k.account).map(Vec::as_slice) {
                Some([org]) if le_role(*org).is_some() => {
                    withheld.entry(reasons::LINK_UNREVIEWED).or_default().insert(*org);
                }
                // Several organisations fit and one at least is law enforcement: which one
                // awaits a reviewer; the account is counted, no organisation is named.
                Some(orgs) if orgs.len() > 1 && orgs.iter().any(|&o| le_role(o).is_some()) => {
                    ambiguous.insert(&k.account);
                }
                _ => {
                    out_of_scope.insert(&k.account);
                }
            }
        }
    }

    let cfg = ClassifyConfig::default();
    let paths = Paths::new(&graph, &cfg);
    let mut identifiers: HashMap<i64, Vec<String>> = HashMap::new();
    for (org, scheme, value) in store.identifiers()? {
        identifiers.entry(org).or_default().push(format!("identifier {}:{value}", scheme.as_str()));
    }
    let mut orgs = Vec::new();
    for (org_id, lines) in usage {
        let (Some(org), Some(classification)) = (graph.orgs.get(&org_id), graph.latest.get(&org_id)) else {
            continue;
        };
        orgs.push(OrgDisclosure {
            org: org.clone(),
            classification: classification.clone(),
            sources: sources(&paths, org_id, classification.role, identifiers.remove(&org_id)),
            technologies: paths.technologies(org_id),
            usage: lines
                .into_iter()
                .map(|((capability, service, region_class, unit), quantity)| UsageLine {
                    capability,
                    service,
                    region_class,
                    unit,
                    quantity,
                })
                .collect(),
        });
    }
    orgs.sort_by(|a, b| a.org.name.cmp(&b.org.name).then(a.org.id.cmp(&b.org.id)));
    // An organisation withheld for one reason is not counted again for another.
    let mut seen: BTreeSet<i64> = orgs.iter().map(|o| o.org.id).collect();
    let mut counts = BTreeMap::new();
    let mut withheld_organisations = BTreeMap::new();
    for (reason, set) in withheld {
        let fresh: Vec<i64> = set.into_iter().filter(|o| seen.insert(*o)).collect();
        for o in &fresh {
            withheld_organisations.insert(*o, reason.to_string());
        }
        if !fresh.is_empty() {
            counts.insert(reason.to_string(), fresh.len() as u64);
        }
    }
    let events = store.link_events()?;
    let today = registry::model::now().get(..10).unwrap_or("").to_string();
    Ok(PeriodData {
        period: period.clone(),
        orgs,
        withheld: counts,
        withheld_organisations,
        out_of_scope_accounts: out_of_scope.len() as u64,
        ambiguous_accounts: ambiguous.len() as u64,
        enforcement: None,
        registered_uses: Vec::new(),
        review: crate::review_facts::review_facts(&events, period.as_str(), &today),
        screening: crate::screening_facts::screening_facts(&events, period.as_str(), &today),
        gate: None,
    })
}

/// The public sources behind an organisation's role: for a supplier, its enablement paths to
/// agencies with their awards (with USAspending links and the file and line they came from);
/// then its public identifiers. What a report discloses, and what a reviewer sees beside a
/// proposed link.
pub fn sources(paths: &Paths<'_>, org: i64, role: Role, ids: Option<Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let found = if role == Role::Supplier { paths.of(org) } else { Vec::new() };
    for path in found.into_iter().take(5) {
        // "parent of X → contract award Y, award Z (link) [file line N]": each step with the
        // organisation it leads to; the award's evidence is on the last step.
        let chain: Vec<String> =
            path.steps.iter().map(|s| format!("{} {}", s.relation.replace('_', " "), s.to_name)).collect();
        let Some(last) = path.steps.last() else { continue };
        let e = &last.evidence;
        let mut line = chain.join(" → ");
        if let Some(technology) = &e.technology {
            // "supplies technology Springfield Police Department: Face Recognition, EFF Atlas
            // of Surveillance AOS000123 (RR Star, 10/06/2018)".
            line.push_str(&format!(
                ": {technology}, {} {}",
                registry::classify::record_of(e),
                e.award_id.as_deref().unwrap_or("")
            ));
            if let Some(c) = &e.citation {
                line.push_str(&format!(" ({c})"));
            }
        } else if let Some(award) = &e.award_id {
            line.push_str(&format!(", award {award}"));
        }
        if let Some(link) = &e.permalink {
            line.push_str(&format!(" ({link})"));
        }
        line.push_str(&format!(" [{} line {}]", e.source.file, e.source.line));
        if !out.contains(&line) {
            out.push(line);
        }
    }
    if role == Role::Agency {
        out.extend(public_uses(paths, org).into_iter().take(5));
    }
    out.extend(ids.unwrap_or_default());
    out
}

/// An agency's uses other than the Atlas's, as public records show them: the cloud offerings
/// it authorized (FedRAMP Marketplace) and the vendors of its AI uses (the AI use-case
/// inventory), each with the entry's citation (file and JSON pointer or line).
fn public_uses(paths: &Paths<'_>, org: i64) -> Vec<String> {
    let graph = paths.graph();
    let mut out = Vec::new();
    for r in paths.relationships(org).filter(|r| r.from == org) {
        let to = graph.orgs.get(&r.to).map(|o| o.name.as_str()).unwrap_or("");
        let technology = r.technology.as_deref().unwrap_or("");
        let citation = r.citation.as_deref().unwrap_or("");
        let line = match r.kind {
            registry::model::RelationKind::Authorization => {
                format!("authorized the cloud offering {technology} of {to}: {citation}")
            }
            registry::model::RelationKind::TechnologySupply
                if registry::classify::record_of(r) == "federal AI use-case inventory" =>
            {
                format!("uses {technology} from {to}: {citation}")
            }
            _ => continue,
        };
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}
