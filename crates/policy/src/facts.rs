//! What the policies know about a customer, built from the registry: for each organisation
//! its kind, law-enforcement role (with its review status), jurisdiction, the agencies it
//! enables (through its enablement paths) and whether one of them enforces immigration; for
//! each account confirmed to an organisation or with registered use cases, its organisation's
//! facts plus the use cases the provider has registered for it. Any other account is unknown
//! and unlinked, and is not held: a large provider has millions of them.

use std::collections::{BTreeSet, HashMap};

use registry::Store;
use registry::classify::{ClassifyConfig, Graph};
use registry::model::{Role, Scheme};
use serde::{Deserialize, Serialize};

use crate::Result;

/// The attributes of a principal (an organisation, or an account carrying its organisation's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Organisation name ("" for an unlinked account: account names are never used).
    pub name: String,
    /// Kind (`federal_agency`, `local_agency`, `company`, … or `unknown`).
    pub kind: String,
    /// `agency`, `supplier`, `none`, or `unknown` (an account with no confirmed organisation).
    pub law_enforcement_role: String,
    /// `confirmed`, `proposed`, `rejected`, or `none`.
    pub role_status: String,
    /// ISO country code, or "".
    pub country: String,
    /// State code, or "".
    pub state: String,
    /// Names of the law-enforcement agencies it enables.
    pub enables: BTreeSet<String>,
    /// One of those agencies enforces immigration (ICE, CBP).
    pub enables_immigration_enforcement: bool,
    /// Use cases the provider has reviewed and registered.
    pub registered_uses: BTreeSet<String>,
    /// Surveillance technologies it supplies to law-enforcement agencies, as the EFF Atlas of
    /// Surveillance records them ("Face Recognition", "Automated License Plate Readers").
    #[serde(default)]
    pub supplied_technologies: BTreeSet<String>,
}

impl Principal {
    /// The facts of an account linked to no organisation.
    pub fn unknown() -> Principal {
        Principal {
            name: String::new(),
            kind: "unknown".into(),
            law_enforcement_role: "unknown".into(),
            role_status: "none".into(),
            country: String::new(),
            state: String::new(),
            enables: BTreeSet::new(),
            enables_immigration_enforcement: false,
            registered_uses: BTreeSet::new(),
            supplied_technologies: BTreeSet::new(),
        }
    }
}

/// An organisation's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    /// Registry id.
    pub id: i64,
    /// Parent organisation.
    pub parent: Option<i64>,
    /// Attributes.
    pub principal: Principal,
}

/// An account's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFacts {
    /// The organisation it is confirmed to belong to.
    pub org: Option<i64>,
    /// Attributes (its organisation's, with the account's registered uses).
    pub principal: Principal,
}

/// Everything the policies know, by organisation and by account.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Organisations by registry id.
    pub orgs: HashMap<i64, OrgFacts>,
    /// Accounts confirmed to an organisation or with registered use cases, by the provider's
    /// account id. An account absent from it is unknown and unlinked
    /// ([`Principal::unknown`], no organisation): the registry's other accounts are not held,
    /// as a large provider has millions of them and they all say the same.
    pub accounts: HashMap<String, AccountFacts>,
}

impl Facts {
    /// Builds the facts from a registry and the registered use cases `(account, use case)`.
    pub fn from_registry(store: &dyn Store, registered: &[(String, String)]) -> Result<Facts> {
        let graph = Graph::load(store)?;
        let immigration_codes = registry::import::immigration_enforcement_codes();
        let immigration: BTreeSet<i64> = store
            .identifiers()?
            .into_iter()
            .filter(|(_, scheme, value)| *scheme == Scheme::AgencyCode && immigration_codes.contains(value))
            .map(|(org, _, _)| org)
            .collect();
        let enabled = graph.enabled_agencies(&ClassifyConfig::default());
        let mut supplied: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for r in graph.rels.iter().filter(|r| r.kind == registry::model::RelationKind::TechnologySupply) {
            if let Some(t) = &r.technology {
                supplied.entry(r.to).or_default().insert(t.clone());
            }
        }
        let name = |id: i64| graph.orgs.get(&id).map(|o| o.name.clone()).unwrap_or_else(|| format!("#{id}"));
        let mut orgs = HashMap::with_capacity(graph.orgs.len());
        for (id, o) in &graph.orgs {
            let (role, status) = match graph.latest.get(id) {
                Some(e) => (e.role.as_str(), e.status.as_str()),
                None => (Role::None.as_str(), "none"),
            };
            let agencies = enabled.get(id);
            orgs.insert(
                *id,
                OrgFacts {
                    id: *id,
                    parent: o.parent,
                    principal: Principal {
                        name: o.name.clone(),
                        kind: o.kind.as_str().into(),
                        law_enforcement_role: role.into(),
                        role_status: status.into(),
                        country: o.jurisdiction.country.clone().unwrap_or_default(),
                        state: o.jurisdiction.state.clone().unwrap_or_default(),
                        enables: agencies.map(|a| a.iter().map(|&a| name(a)).collect()).unwrap_or_default(),
                        enables_immigration_enforcement: agencies
                            .is_some_and(|a| a.iter().any(|a| immigration.contains(a))),
                        registered_uses: BTreeSet::new(),
                        supplied_technologies: supplied.remove(id).unwrap_or_default(),
                    },
                },
            );
        }
        let mut uses: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for (account, use_case) in registered {
            uses.entry(account.as_str()).or_default().insert(use_case.clone());
        }
        let mut accounts = HashMap::new();
        // The confirmed pairs from the link history alone: no account's name is read, so a
        // provider's million unlinked accounts cost nothing here.
        for (account, org) in registry::review::confirmed_pairs(store)? {
            if let Some(o) = orgs.get(&org) {
                accounts.insert(account, AccountFacts { org: Some(org), principal: o.principal.clone() });
            }
        }
        for (account, u) in &uses {
            let a = accounts
                .entry(account.to_string())
                .or_insert_with(|| AccountFacts { org: None, principal: Principal::unknown() });
            a.principal.registered_uses.extend(u.iter().cloned());
            if let Some(o) = a.org.and_then(|o| orgs.get_mut(&o)) {
                o.principal.registered_uses.extend(u.iter().cloned());
            }
        }
        Ok(Facts { orgs, accounts })
    }
}
