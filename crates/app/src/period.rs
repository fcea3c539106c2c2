//! Publishing a period: gather what it may disclose, append its records to the log
//! (idempotently, with corrections when something changed), then write the static report next
//! to the log's tiles.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use policy::store::PolicyStore;
use publish::append::{self, Options};
use publish::gather::{Period, gather};
use registry::SqliteStore;
use serde::Serialize;
use tlog::LocalLog;
use usage::store::UsageStore;

/// Where a period is published from and to, and how.
#[derive(Debug, Clone)]
pub struct PublishPeriod {
    /// The period, `YYYY-Qn`.
    pub period: String,
    /// The log's home folder (the report is written to its public folder).
    pub log_dir: PathBuf,
    /// The registry's database.
    pub registry_db: PathBuf,
    /// The usage store.
    pub usage_db: PathBuf,
    /// The policy database (the active version is cited when it exists).
    pub policy_db: PathBuf,
    /// Publish exact quantities instead of volume bands.
    pub exact_quantities: bool,
    /// Mark every record and page as demonstration data.
    pub demonstration: bool,
}

/// What a publish run did.
#[derive(Debug, Serialize)]
pub struct Published {
    /// The records appended (none when nothing changed) and the log's size.
    pub outcome: append::Outcome,
    /// The static report written.
    pub site: publish::site::SiteReport,
    /// Organisations disclosed.
    pub organisations: usize,
    /// What was withheld and why, with counts.
    pub withheld: Vec<(String, u64)>,
    /// Accounts with usage whose name fits several organisations, awaiting a reviewer.
    pub ambiguous_accounts: u64,
}

impl Published {
    /// The withheld counts as one line of text ("nothing" when none).
    pub fn withheld_text(&self) -> String {
        if self.withheld.is_empty() {
            return "nothing".into();
        }
        self.withheld.iter().map(|(r, n)| format!("{n} ({r})")).collect::<Vec<_>>().join(", ")
    }
}

/// Publishes one period.
pub fn publish_period(req: &PublishPeriod) -> Result<Published> {
    let period = Period::parse(&req.period)?;
    for (what, p) in [("registry", &req.registry_db), ("usage database", &req.usage_db)] {
        if !p.exists() {
            bail!("{}: no {what} here (pass its path; see candor publish --help)", p.display());
        }
    }
    let home = LocalLog::at(&req.log_dir);
    let mut writer = home
        .open()
        .with_context(|| format!("opening the log in {} (create one with candor log init)", req.log_dir.display()))?;
    let registry =
        SqliteStore::open(&req.registry_db).with_context(|| format!("opening {}", req.registry_db.display()))?;
    let rows =
        UsageStore::open(&req.usage_db).with_context(|| format!("opening {}", req.usage_db.display()))?.rows()?;
    let policy_index =
        if req.policy_db.exists() { PolicyStore::open(&req.policy_db)?.active()?.map(|v| v.log_index) } else { None };
    let data = gather(&registry, &rows, &period)?;
    let opts = Options {
        exact_quantities: req.exact_quantities,
        demonstration: req.demonstration,
        salt: publish::salt::load_or_create(home.home())?,
    };
    let outcome = append::publish(&mut writer, &data, policy_index, &opts)?;
    drop(writer);
    let site = publish::site::write_site(&home.public_dir(), &home.verifier()?, &registry::model::now())?;
    let mut withheld: Vec<(String, u64)> = data.withheld.into_iter().collect();
    if !req.exact_quantities && !data.orgs.is_empty() {
        withheld.push((publish::gather::reasons::EXACT_QUANTITIES.to_string(), data.orgs.len() as u64));
    }
    Ok(Published {
        outcome,
        site,
        organisations: data.orgs.len(),
        withheld,
        ambiguous_accounts: data.ambiguous_accounts,
    })
}
