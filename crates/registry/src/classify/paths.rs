//! Enablement paths of many organisations: what a path search needs of the whole graph (the
//! agencies, the recipients of their contracts, each organisation's relationships) worked
//! out once, so a report of thousands of organisations does not scan every relationship and
//! every classification once for each of them.

use std::collections::{HashMap, HashSet};

use super::{ClassifyConfig, EnablementPath, Graph, Step, TechnologyFact};
use crate::model::{RelationKind, Relationship};

/// The enablement paths ([`Graph::paths`]) of any organisation of one graph.
pub struct Paths<'g> {
    graph: &'g Graph,
    cfg: &'g ClassifyConfig,
    agencies: HashSet<i64>,
    primes: HashSet<i64>,
    /// Each organisation's relationships (either end), as positions in the graph's list, in
    /// its order (the order every path and fact is found in).
    touching: HashMap<i64, Vec<usize>>,
}

impl<'g> Paths<'g> {
    /// The paths of `graph` under `cfg`.
    pub fn new(graph: &'g Graph, cfg: &'g ClassifyConfig) -> Paths<'g> {
        let agencies = graph.agencies();
        let primes = graph.le_primes(&agencies);
        let mut touching: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, r) in graph.rels.iter().enumerate() {
            touching.entry(r.from).or_default().push(i);
            if r.to != r.from {
                touching.entry(r.to).or_default().push(i);
            }
        }
        Paths { graph, cfg, agencies, primes, touching }
    }

    /// The graph the paths are of.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// `org`'s relationships, either end, in the graph's order.
    pub fn relationships(&self, org: i64) -> impl Iterator<Item = &'g Relationship> + '_ {
        let graph = self.graph;
        self.touching.get(&org).into_iter().flatten().map(move |&i| &graph.rels[i])
    }

    /// Enablement paths from `org` to agencies: its own awards and subawards, then through
    /// its parents and subsidiaries (one hop).
    pub fn of(&self, org: i64) -> Vec<EnablementPath> {
        let mut out = self.direct(org);
        for r in self.relationships(org).filter(|r| r.kind == RelationKind::ParentSubsidiary) {
            let (relative, relation) = if r.to == org { (r.from, "subsidiary_of") } else { (r.to, "parent_of") };
            for p in self.direct(relative) {
                let mut steps = vec![Step {
                    relation: relation.into(),
                    to: relative,
                    to_name: self.graph.name(relative),
                    evidence: r.clone(),
                }];
                steps.extend(p.steps);
                out.push(EnablementPath { steps, agency: p.agency });
            }
        }
        out
    }

    /// The technologies `org` supplies to law-enforcement agencies or uses (see
    /// [`Graph::technologies`]).
    pub fn technologies(&self, org: i64) -> Vec<TechnologyFact> {
        self.graph.technology_facts(org, self.relationships(org))
    }

    fn is_le(&self, r: &Relationship) -> bool {
        self.graph.is_le(r, &self.agencies, &self.primes)
    }

    fn direct(&self, org: i64) -> Vec<EnablementPath> {
        let g = self.graph;
        let mut out = Vec::new();
        for r in self.relationships(org).filter(|r| r.to == org && self.is_le(r) && g.counts(r, self.cfg)) {
            let agency = r.agency.filter(|a| self.agencies.contains(a)).or(r.funding_agency).unwrap_or(r.from);
            let step = |relation: &str, r: &Relationship| Step {
                relation: relation.into(),
                to: r.from,
                to_name: g.name(r.from),
                evidence: r.clone(),
            };
            match r.kind {
                RelationKind::ContractAward => {
                    out.push(EnablementPath { steps: vec![step("contract_award", r)], agency })
                }
                RelationKind::Subaward => {
                    // The prime award the subaward hangs under, if recorded.
                    let mut steps = vec![step("subaward", r)];
                    let prime = self
                        .relationships(r.from)
                        .find(|p| p.kind == RelationKind::ContractAward && p.to == r.from && self.is_le(p));
                    if let Some(prime) = prime {
                        steps.push(step("contract_award", prime));
                    }
                    out.push(EnablementPath { steps, agency });
                }
                RelationKind::TechnologySupply => {
                    out.push(EnablementPath { steps: vec![step("supplies_technology", r)], agency })
                }
                _ => {}
            }
        }
        out
    }
}
