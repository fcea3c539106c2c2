//! The provider's reconciliation of a period: every law-enforcement organisation the imported
//! public records (FedRAMP, the AI use-case inventory) tie to its offerings, with its standing
//! in the period's report — disclosed, withheld for a counted reason, linked without usage, or
//! without a linked account — before or after the period is published.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use publish::gather::{Period, gather};
use reconcile::{Provider, Reconciliation, Standing};
use registry::model::Status;
use tlog::LocalLog;

use crate::stores::{Stores, lock};

/// What to reconcile.
#[derive(Debug, Clone)]
pub struct ReconcilePeriod {
    /// The period.
    pub period: Period,
    /// The log's home folder (the period's published records, when it is published).
    pub log_dir: PathBuf,
    /// The provider file (`provider.toml`).
    pub provider: PathBuf,
}

/// Reads and checks the provider file at `path`.
pub fn provider(path: &Path) -> Result<Provider> {
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    if meta.len() > reconcile::provider::MAX_FILE as u64 {
        anyhow::bail!(
            "{}: {} bytes; a provider file is at most {}",
            path.display(),
            meta.len(),
            reconcile::provider::MAX_FILE
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    Ok(Provider::parse(&text, &path.display().to_string())?)
}

/// The period's reconciliation, from the registry (ties, links), the usage store (what the
/// period withholds) and the log (what it disclosed, when published).
pub fn reconcile_period(stores: &Stores, req: &ReconcilePeriod) -> Result<Reconciliation> {
    let provider = provider(&req.provider)?;
    let file = req.provider.display().to_string();
    let rows = stores.usage_rows()?;
    let registry = stores.registry()?;
    let registry = lock(&registry);
    let offerings = provider.offering_ids(&reconcile::known_offerings(&**registry)?, &file)?;
    let ties = reconcile::ties(&**registry, &provider, &offerings)?;
    let data = gather(&**registry, &rows, &req.period)?;
    let mut standing = Standing { withheld: data.withheld_organisations.clone(), ..Standing::default() };
    for l in registry::review::links(&**registry)? {
        match l.latest.status {
            Status::Confirmed => {
                standing.linked.insert(l.latest.org_id);
            }
            Status::Proposed => {
                standing.proposed.insert(l.latest.org_id);
                for c in l.proposal.iter().flat_map(|p| &p.candidates) {
                    standing.proposed.insert(c.org_id);
                }
            }
            Status::Rejected => {}
        }
    }
    drop(registry);
    // What the period discloses: its published records, else what publishing it would
    // disclose now.
    for o in &data.orgs {
        standing.disclosed.insert(o.org.name.clone(), None);
    }
    for (name, index) in published(&req.log_dir, req.period.as_str())? {
        standing.disclosed.insert(name, Some(index));
    }
    Ok(reconcile::reconcile(req.period.as_str(), &provider, &offerings, ties, &standing))
}

/// The organisations the log in `log_dir` discloses for `period`, with their records' indexes
/// (none before the log's first checkpoint).
fn published(log_dir: &Path, period: &str) -> Result<std::collections::BTreeMap<String, u64>> {
    let home = LocalLog::at(log_dir);
    if !home.public_dir().join(tlog::CHECKPOINT_PATH).exists() {
        return Ok(Default::default());
    }
    let (_, cp, _) = crate::log::latest_checkpoint(&home)?;
    let entries = publish::entries::read_all(&tlog::Dir::new(home.public_dir()), cp.size)?;
    let records = publish::entries::records(&entries);
    Ok(records::disclosed_in(&entries, &records, period))
}
