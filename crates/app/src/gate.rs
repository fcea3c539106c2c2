//! The gate over the process's stores: what it decides from (the active policy version over
//! the registry's facts, rebuilt when either changes) and where its counts go (the policy
//! store). `candor gate` serves it; the counts are what `candor publish` discloses.

use std::sync::Arc;

use anyhow::Result;
use gate::{Built, Gate, GateConfig, Source, SourceError};
use policy::store::GateCount;

use crate::stores::{Stores, lock};

/// The stores a gate reads.
pub struct StoresSource {
    stores: Arc<Stores>,
    /// The services of the taxonomy's operations, prepared for fast decisions.
    services: Vec<String>,
}

impl StoresSource {
    /// Over `stores` (a registry and a policy store), preparing `services` for fast decisions.
    pub fn new(stores: Arc<Stores>, services: Vec<String>) -> StoresSource {
        StoresSource { stores, services }
    }
}

fn boxed(e: anyhow::Error) -> SourceError {
    format!("{e:#}").into()
}

impl Source for StoresSource {
    fn stamp(&self) -> Result<String, SourceError> {
        // Registry first, then the policy store: the order crate::stores keeps.
        let registry = crate::policy::decision_registry(&self.stores).map_err(boxed)?;
        let registry = lock(&registry);
        let c = registry.counts()?;
        let store = self.stores.policy().map_err(boxed)?;
        let store = lock(&store);
        let active = store.active()?.map(|v| v.sha256).unwrap_or_default();
        Ok(format!(
            "policy {active} {} | registry organisations:{} identifiers:{} relationships:{} links:{} classifications:{}",
            store.change_stamp()?,
            c.organisations,
            c.identifiers,
            c.relationships,
            c.link_events,
            c.classification_events
        ))
    }

    fn build(&self) -> Result<Built, SourceError> {
        let store = self.stores.policy().map_err(boxed)?;
        if lock(&store).active()?.is_none() {
            // No policy: the fail modes decide, and the facts say whose requests they were.
            let registry = crate::policy::decision_registry(&self.stores).map_err(boxed)?;
            let registry = lock(&registry);
            let store = lock(&store);
            return Ok(Built::NoPolicy(crate::policy::facts_in(&**registry, &store).map_err(boxed)?));
        }
        crate::policy::decider_for(&self.stores, &self.services).map(Built::Decider).map_err(boxed)
    }

    fn flush(&self, counts: &[GateCount]) -> Result<(), SourceError> {
        let store = self.stores.policy().map_err(boxed)?;
        lock(&store).add_gate_counts(counts)?;
        Ok(())
    }
}

/// Starts a gate over `stores` with the taxonomy (built in, plus `extra` rules first).
pub fn start(stores: Arc<Stores>, extra_taxonomy: Option<&std::path::Path>, config: GateConfig) -> Result<Arc<Gate>> {
    let taxonomy = usage::taxonomy::Taxonomy::builtin_with(extra_taxonomy)?;
    let capabilities: Vec<&str> = taxonomy.capabilities().iter().map(|c| c.id.as_str()).collect();
    for c in &config.fail_open {
        if !capabilities.contains(&c.as_str()) {
            anyhow::bail!("--fail-open {c}: not a capability of the taxonomy ({})", capabilities.join(", "));
        }
    }
    if !stores.has_registry() || !stores.has_policy() {
        anyhow::bail!(
            "the gate needs a registry and a policy store (candor registry import …, candor policy activate …); \
             none at {} or {}",
            stores.registry_place().map(pg::describe).unwrap_or_default(),
            stores.policy_place().map(pg::describe).unwrap_or_default()
        );
    }
    let mut services: Vec<String> = taxonomy.operations().iter().map(|o| o.service.clone()).collect();
    services.sort();
    services.dedup();
    Ok(Gate::start(Arc::new(StoresSource::new(stores, services)), taxonomy, config))
}

/// What the gates counted in `period`, for its `candor.gate_decisions` record (`None` when
/// they counted nothing).
pub fn period_counts(store: &policy::store::PolicyStore, period: &str) -> Result<Option<publish::gate::GateInput>> {
    let Some((first, last)) = publish::gate::days_of(period) else {
        anyhow::bail!("period {period:?}: not a quarter or a month");
    };
    let counts: Vec<publish::gate::GateCounted> = store
        .gate_counts(&first, &last)?
        .into_iter()
        .map(|c| publish::gate::GateCounted {
            capability: c.capability,
            role_class: c.role_class,
            outcome: c.outcome,
            policy_version: c.policy_version,
            policy: c.policy,
            organisation: c.organisation,
            count: c.count,
        })
        .collect();
    if counts.is_empty() {
        return Ok(None);
    }
    let version_records = store.versions()?.into_iter().map(|v| (v.sha256, v.log_index)).collect();
    Ok(Some(publish::gate::GateInput { counts, version_records }))
}
