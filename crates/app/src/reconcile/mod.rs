//! The provider's reconciliation of a period: every law-enforcement organisation the imported
//! public records (FedRAMP, the AI use-case inventory) tie to its offerings, with its standing
//! in the period's report — disclosed, withheld for a counted reason, linked without usage, or
//! without a linked account — before or after the period is published. `candor publish
//! --provider` appends it to the period as a `candor.reconciliation` record.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use publish::gather::{Period, PeriodData, gather};
use publish::index::{Cache, RecordIndex};
use reconcile::{Provider, Reconciliation, Standing, Tie};
use registry::model::Status;
use tlog::LocalLog;

use crate::stores::{Stores, lock};

pub mod logged;

pub use logged::Logged;

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

/// Reads and checks the provider file at `path`: a regular file (not a device or a FIFO, which
/// would never end or block), read no further than the largest a provider file may be.
pub fn provider(path: &Path) -> Result<Provider> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!("{}: not a regular file (a device, a FIFO or a folder)", path.display());
    }
    let max = reconcile::provider::MAX_FILE as u64;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_string(&mut text))
        .with_context(|| format!("{}", path.display()))?;
    if text.len() as u64 > max {
        anyhow::bail!("{}: a provider file is at most {max} bytes", path.display());
    }
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
        let d = reconcile::Disclosure {
            record: None,
            kind: o.org.kind.as_str().to_string(),
            state: o.org.jurisdiction.state.clone(),
        };
        standing.disclosed.insert(o.org.name.clone(), d);
    }
    Ok(Prepared { provider, offerings, ties, standing })
}

/// The table, with what the log says of the period: what it discloses (its records' indexes)
/// and the statements in force.
pub fn finish(prepared: Prepared, period: &str, log: Logged<'_>) -> Result<Reconciliation> {
    let Prepared { provider, offerings, ties, mut standing } = prepared;
    for (name, d) in log.disclosures(period)? {
        standing.disclosed.insert(name, d);
    }
    standing.not_customers = log.statements_in_force()?;
    Ok(reconcile::reconcile(period, &provider, &offerings, ties, &standing))
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
    // The log as served (none before its first checkpoint), through the record index the
    // writer keeps: only the period's records and the statements are read.
    let home = LocalLog::at(&req.log_dir);
    let public = tlog::Dir::new(home.public_dir());
    let index = if home.public_dir().join(tlog::CHECKPOINT_PATH).exists() {
        let (_, cp, _) = crate::log::latest_checkpoint(&home)?;
        let cache = home.home().join(tlog::STATE_DIR).join(publish::index::FILE_NAME);
        RecordIndex::open(&public, cp.size, &cp.root, Cache::Read(&cache))?.0
    } else {
        RecordIndex::default()
    };
    finish(prepared, req.period.as_str(), Logged { index: &index, storage: &public })
}

/// The table as a record: disclosed organisations link to their usage records in the log,
/// organisations stated not to be customers to the statement.
pub fn to_record(table: &Reconciliation, log: Logged<'_>) -> records::Reconciliation {
    let link = |i: u64| log.link(i);
    let organisations = table
        .rows
        .iter()
        .map(|r| {
            let (status, record, reason, awaiting_review) = match &r.status {
                reconcile::Status::Disclosed { record } => {
                    (records::Standing::Disclosed, record.and_then(link), None, false)
                }
                reconcile::Status::Withheld { reason } => {
                    (records::Standing::Withheld, None, Some(reason.clone()), false)
                }
                reconcile::Status::LinkedNoUsage => (records::Standing::LinkedNoUsage, None, None, false),
                reconcile::Status::NotACustomer { reason, .. } => {
                    (records::Standing::NotACustomer, None, Some(reason.clone()), false)
                }
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
                statement: match &r.status {
                    reconcile::Status::NotACustomer { statement, .. } => link(*statement),
                    _ => None,
                },
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

/// What `candor reconcile-statement` asks.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The organisation (a name, `#id`, key or identifier of the registry).
    pub organisation: String,
    /// Why (what the reviewer checked).
    pub reason: String,
    /// The reviewer's id (published as a pseudonym).
    pub reviewer: String,
    /// Withdraw the statement in force instead.
    pub withdraw: bool,
}

/// A statement appended.
#[derive(Debug, serde::Serialize)]
pub struct Stated {
    /// Its log index.
    pub index: u64,
    /// The organisation, as the registry names it.
    pub organisation: String,
    /// `not_a_customer` or `withdrawn`.
    pub statement: records::StatementKind,
}

impl std::fmt::Display for Stated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.statement {
            records::StatementKind::NotACustomer => "is not a customer",
            records::StatementKind::Withdrawn => "— the statement that it is not a customer is withdrawn",
        };
        writeln!(f, "record #{}: {} {what}; the next reconciliation shows it", self.index, self.organisation)
    }
}

/// Appends a reviewer's statement that a law-enforcement organisation of the registry is not a
/// customer (or withdraws the one in force), to the log in `log_dir`: public at once, and read
/// by every later reconciliation.
pub fn state(stores: &Stores, log_dir: &Path, req: &Statement) -> Result<Stated> {
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > publish::notices::MAX_REASON_CHARS {
        anyhow::bail!("--reason is required, of at most {} characters", publish::notices::MAX_REASON_CHARS);
    }
    registry::input::check("--reason", reason, registry::input::Lines::Many).map_err(anyhow::Error::msg)?;
    if req.reviewer.trim().is_empty() || req.reviewer.chars().any(char::is_whitespace) {
        anyhow::bail!("--reviewer must be one word (a pseudonymous reviewer id such as reviewer-7)");
    }
    registry::person::check("--reviewer", &req.reviewer).map_err(anyhow::Error::msg)?;
    let organisation = {
        let registry = stores.registry()?;
        let registry = lock(&registry);
        let graph = registry::classify::Graph::load(&**registry)?;
        let wanted = req.organisation.trim();
        // Its exact name first (as the reconciliation shows it), then an id, key or identifier.
        let mut named: Vec<i64> =
            graph.orgs.values().filter(|o| o.name.eq_ignore_ascii_case(wanted)).map(|o| o.id).collect();
        named.sort_unstable();
        let id = match named.as_slice() {
            [one] => *one,
            [] => registry::review::organisation_named(&**registry, wanted)
                .with_context(|| format!("--org {:?}", req.organisation))?,
            several => anyhow::bail!(
                "--org {wanted:?}: {} organisations have this name; give one as #id ({})",
                several.len(),
                several.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
            ),
        };
        let le = graph.latest.get(&id).is_some_and(|c| {
            c.status != Status::Rejected
                && matches!(c.role, registry::model::Role::Agency | registry::model::Role::Supplier)
        });
        let name = graph.orgs.get(&id).map(|o| o.name.clone()).context("the organisation vanished")?;
        if !le {
            anyhow::bail!("{name} is not a law-enforcement organisation of the registry; only those are reconciled");
        }
        name
    };
    let mut log = crate::notice::log::NoticeLog::open(log_dir)?;
    let in_force = logged::in_force(&log.records).contains_key(&organisation);
    let statement = if req.withdraw {
        if !in_force {
            anyhow::bail!("no statement that {organisation} is not a customer is in force; nothing to withdraw");
        }
        records::StatementKind::Withdrawn
    } else {
        if in_force {
            anyhow::bail!("a statement that {organisation} is not a customer is already in force");
        }
        records::StatementKind::NotACustomer
    };
    let salt = publish::salt::load_or_create(log.home.home())?;
    let body = records::CustomerStatement {
        organisation: organisation.clone(),
        statement,
        reason: reason.to_string(),
        stated_by: publish::notices::pseudonym_as("reviewer", &req.reviewer, &salt),
        stated_at: registry::model::now(),
    };
    let demonstration = log.demonstration();
    let index = log.append(records::Record::new(records::Body::CustomerStatement(body), demonstration))?;
    log.finish()?;
    Ok(Stated { index, organisation, statement })
}
