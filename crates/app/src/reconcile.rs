//! The provider's reconciliation of a period: every law-enforcement organisation the imported
//! public records (FedRAMP, the AI use-case inventory) tie to its offerings, with its standing
//! in the period's report — disclosed, withheld for a counted reason, linked without usage, or
//! without a linked account — before or after the period is published. `candor publish
//! --provider` appends it to the period as a `candor.reconciliation` record.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use publish::gather::{Period, PeriodData, gather};
use reconcile::{Provider, Reconciliation, Standing, Tie};
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

/// What the registry and the gathered period say, before the log is read.
pub struct Prepared {
    provider: Provider,
    offerings: Vec<String>,
    ties: Vec<Tie>,
    standing: Standing,
}

/// The ties and the registry's side of each one's standing: the links, what `data` (the period
/// gathered from the same registry) withholds and would disclose. `file` names the provider
/// file in errors.
pub fn prepare(registry: &dyn registry::Store, provider: Provider, file: &str, data: &PeriodData) -> Result<Prepared> {
    let offerings = provider.offering_ids(&reconcile::known_offerings(registry)?, file)?;
    let ties = reconcile::ties(registry, &provider, &offerings)?;
    let mut standing = Standing { withheld: data.withheld_organisations.clone(), ..Standing::default() };
    for l in registry::review::links(registry)? {
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
    for o in &data.orgs {
        standing.disclosed.insert(o.org.name.clone(), None);
    }
    Ok(Prepared { provider, offerings, ties, standing })
}

/// The table, with what the log's `entries` disclose for the period (their records' indexes).
pub fn finish(prepared: Prepared, period: &str, entries: &[Vec<u8>]) -> Reconciliation {
    let Prepared { provider, offerings, ties, mut standing } = prepared;
    let records = records::parse_all(entries);
    for (name, index) in records::disclosed_in(entries, &records, period) {
        standing.disclosed.insert(name, Some(index));
    }
    reconcile::reconcile(period, &provider, &offerings, ties, &standing)
}

/// The period's reconciliation, from the registry (ties, links), the usage store (what the
/// period withholds) and the log (what it disclosed, when published).
pub fn reconcile_period(stores: &Stores, req: &ReconcilePeriod) -> Result<Reconciliation> {
    let provider = provider(&req.provider)?;
    let rows = stores.usage_rows()?;
    let registry = stores.registry()?;
    let registry = lock(&registry);
    let data = gather(&**registry, &rows, &req.period)?;
    let prepared = prepare(&**registry, provider, &req.provider.display().to_string(), &data)?;
    drop(registry);
    Ok(finish(prepared, req.period.as_str(), &published_entries(&req.log_dir)?))
}

/// The entries the log in `log_dir` serves (none before its first checkpoint).
fn published_entries(log_dir: &Path) -> Result<Vec<Vec<u8>>> {
    let home = LocalLog::at(log_dir);
    if !home.public_dir().join(tlog::CHECKPOINT_PATH).exists() {
        return Ok(Vec::new());
    }
    let (_, cp, _) = crate::log::latest_checkpoint(&home)?;
    Ok(publish::entries::read_all(&tlog::Dir::new(home.public_dir()), cp.size)?)
}

/// The table as a record: disclosed organisations link to their usage records in `entries`.
pub fn to_record(table: &Reconciliation, entries: &[Vec<u8>]) -> records::Reconciliation {
    let organisations = table
        .rows
        .iter()
        .map(|r| {
            let (status, record, reason, awaiting_review) = match &r.status {
                reconcile::Status::Disclosed { record } => {
                    let link = record.and_then(|i| {
                        let entry = entries.get(usize::try_from(i).ok()?)?;
                        Some(records::Link { index: i, sha256: records::sha256_hex(entry) })
                    });
                    (records::Standing::Disclosed, link, None, false)
                }
                reconcile::Status::Withheld { reason } => {
                    (records::Standing::Withheld, None, Some(reason.clone()), false)
                }
                reconcile::Status::LinkedNoUsage => (records::Standing::LinkedNoUsage, None, None, false),
                reconcile::Status::NoLinkedAccount { awaiting_review } => {
                    (records::Standing::NoLinkedAccount, None, None, *awaiting_review)
                }
            };
            records::Reconciled {
                organisation: r.tie.organisation.clone(),
                law_enforcement_role: r.tie.role.clone(),
                public_records: r
                    .tie
                    .public_records
                    .iter()
                    .map(|p| records::PublicRecordEntry {
                        record: p.record.clone(),
                        entry: p.entry.clone(),
                        file: p.file.clone(),
                        date: p.date.clone(),
                    })
                    .collect(),
                status,
                record,
                reason,
                awaiting_review,
            }
        })
        .collect();
    records::Reconciliation {
        period: table.period.clone(),
        provider: table.provider.clone(),
        offerings: table.offerings.clone(),
        inventory_names: table.inventory_names.clone(),
        organisations,
    }
}

/// The period's latest reconciliation record among `entries`, if any.
pub fn latest_record(entries: &[Vec<u8>], period: &str) -> Option<records::Reconciliation> {
    records::parse_all(entries).into_iter().rev().find_map(|(_, r)| match r.body() {
        Some(records::Body::Reconciliation(x)) if x.period == period => Some(x.clone()),
        _ => None,
    })
}
