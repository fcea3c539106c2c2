//! The law-enforcement organisations public records tie to a provider's offerings, read from
//! the registry the records were imported into:
//!
//! - a FedRAMP authorization (or reuse) of one of its offerings by an agency the registry holds
//!   as law enforcement;
//! - an AI use-case inventory entry of a law-enforcement agency whose vendor is one of the names
//!   its products go by.
//!
//! A tie is public evidence that the organisation may use the offering; it says nothing about
//! which accounts or services, which is what the report says.

use std::collections::{BTreeMap, BTreeSet};

use registry::Store;
use registry::classify::{Graph, record_of};
use registry::model::{RelationKind, Relationship, Role, Status};
use registry::names::normalize;
use serde::Serialize;

use crate::error::Result;
use crate::provider::Provider;

/// One entry of a public record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PublicRecord {
    /// The record (`FedRAMP Marketplace`, `federal AI use-case inventory`).
    pub record: String,
    /// The entry, as the importer cited it: file, JSON pointer or line, what it says.
    pub entry: String,
    /// The file it was imported from.
    pub file: String,
    /// The date it gives (an authorization's, a use case's operation), when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A law-enforcement organisation public records tie to the provider's offerings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tie {
    /// The organisation's name in the registry (a public body's or a company's).
    pub organisation: String,
    /// `agency` or `supplier`.
    pub role: String,
    /// The entries that tie it, ordered.
    pub public_records: Vec<PublicRecord>,
    /// Its registry id (not published).
    #[serde(skip)]
    pub org_id: i64,
    /// Its kind in the registry (`federal_agency`, …), to tell it from another of its name.
    #[serde(skip)]
    pub kind: String,
    /// Its state, to tell it from another of its name.
    #[serde(skip)]
    pub state: Option<String>,
}

/// Every offering the imported FedRAMP files list with an agency's authorization: id → the
/// names the files give it.
pub fn known_offerings(store: &dyn Store) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, r) in store.relationships()? {
        if r.kind == RelationKind::Authorization
            && let Some(id) = &r.award_id
        {
            out.entry(id.clone()).or_default().extend(r.technology.clone());
        }
    }
    Ok(out)
}

/// The provider's inventory names that name no vendor the imported inventory lists (a typo,
/// or a name the files do not use): each makes the reconciliation silently narrower.
pub fn unmatched_inventory_names(store: &dyn Store, provider: &Provider) -> Result<Vec<String>> {
    let graph = Graph::load(store)?;
    let vendors: BTreeSet<String> = graph
        .rels
        .iter()
        .filter(|r| r.kind == RelationKind::TechnologySupply && record_of(r) == "federal AI use-case inventory")
        .filter_map(|r| graph.orgs.get(&r.to))
        .map(|o| normalize(&o.name).sorted_key())
        .collect();
    Ok(provider
        .inventory_names
        .iter()
        .filter(|n| !registry::import::named_vendors(n).iter().any(|v| vendors.contains(&normalize(v).sorted_key())))
        .cloned()
        .collect())
}

/// The organisations tied to `offerings` (Marketplace ids) and to the provider's inventory
/// names, with the entries that tie them, ordered by name.
pub fn ties(store: &dyn Store, provider: &Provider, offerings: &[String]) -> Result<Vec<Tie>> {
    let graph = Graph::load(store)?;
    let offerings: BTreeSet<&str> = offerings.iter().map(String::as_str).collect();
    // Cleaned as the importer cleans the vendor field ("NEC (algorithm only)" is NEC).
    let names: BTreeSet<String> = provider
        .inventory_names
        .iter()
        .flat_map(|n| registry::import::named_vendors(n))
        .map(|n| normalize(&n).sorted_key())
        .collect();
    let role = |org: i64| {
        graph
            .latest
            .get(&org)
            .filter(|c| c.status != Status::Rejected && matches!(c.role, Role::Agency | Role::Supplier))
            .map(|c| c.role)
    };
    let mut by_org: BTreeMap<i64, (Role, BTreeSet<PublicRecord>)> = BTreeMap::new();
    let mut add = |org: i64, r: &Relationship| {
        let Some(role) = role(org) else { return };
        by_org.entry(org).or_insert_with(|| (role, BTreeSet::new())).1.insert(PublicRecord {
            record: record_of(r).to_string(),
            entry: r.citation.clone().unwrap_or_default(),
            file: r.source.file.clone(),
            date: r.action_date.clone().or_else(|| r.start_date.clone()),
        });
    };
    for r in &graph.rels {
        match r.kind {
            RelationKind::Authorization if r.award_id.as_deref().is_some_and(|id| offerings.contains(id)) => {
                add(r.from, r);
            }
            RelationKind::TechnologySupply if record_of(r) == "federal AI use-case inventory" => {
                let vendor = graph.orgs.get(&r.to).map(|o| normalize(&o.name).sorted_key());
                if vendor.is_some_and(|v| names.contains(&v)) {
                    add(r.from, r);
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<Tie> = by_org
        .into_iter()
        .filter_map(|(org, (role, records))| {
            let o = graph.orgs.get(&org)?;
            Some(Tie {
                organisation: o.name.clone(),
                role: role.as_str().to_string(),
                public_records: records.into_iter().collect(),
                org_id: org,
                kind: o.kind.as_str().to_string(),
                state: o.jurisdiction.state.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.organisation.cmp(&b.organisation).then(a.org_id.cmp(&b.org_id)));
    Ok(out)
}
