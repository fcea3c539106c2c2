//! Publishing a period: gather what it may disclose, append its records to the log
//! (idempotently, with corrections when something changed), then write the static report next
//! to the log's tiles.

pub mod owners;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use publish::append::{self, Options};
use publish::gather::{Period, gather};
use publish::index::RecordIndex;
use serde::Serialize;
use tlog::LocalLog;

use crate::stores::{ReadMoment, Stores, lock};

/// Where a period is published from and to, and how.
#[derive(Debug, Clone)]
pub struct PublishPeriod {
    /// The period, `YYYY-Qn`.
    pub period: Period,
    /// The log's home folder (the report is written to its public folder).
    pub log_dir: PathBuf,
    /// Publish exact quantities instead of volume bands.
    pub exact_quantities: bool,
    /// Mark every record and page as demonstration data.
    pub demonstration: bool,
    /// Publish even if the log's witnesses miss their quorum (bootstrap only; the period
    /// summary says so).
    pub witness_fail_open: bool,
    /// The provider file: when given, the period is reconciled against the imported public
    /// records and the reconciliation appended (when it changed).
    pub provider: Option<PathBuf>,
    /// Write every page of the site again, even when the log has not changed since it was last
    /// written (otherwise an unchanged site is left as it is: see `publish::site::update_site`).
    pub rebuild_site: bool,
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
    /// What the log's witnesses said of the new checkpoint, when the log has a trust policy.
    pub witnessing: Option<crate::log::witnessing::Round>,
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

/// What `candor publish` reports: the period, the records appended and the report written.
#[derive(Debug, serde::Serialize)]
pub struct PeriodReport {
    /// The period.
    pub period: String,
    /// Entries appended (index and record type).
    pub appended: Vec<(u64, String)>,
    /// The period's organisation records.
    pub organisation_records: Vec<u64>,
    /// The period summary's index.
    pub summary: u64,
    /// Log size after publishing.
    pub size: u64,
    /// The report's folder.
    pub site: std::path::PathBuf,
    /// Files written there.
    pub files: usize,
    /// Nothing of the report was written again: the log is as when it was last written.
    pub site_unchanged: bool,
    /// Organisations disclosed.
    pub organisations: usize,
    /// What was withheld and why, with counts.
    pub withheld: Vec<(String, u64)>,
    /// Accounts awaiting a reviewer's choice between organisations.
    pub accounts_awaiting_review_ambiguous: u64,
    /// What the log's witnesses said, when it has a trust policy.
    pub witnessing: Option<crate::log::witnessing::Round>,
    /// The log's home, for the hint to serve it.
    #[serde(skip)]
    log_dir: std::path::PathBuf,
    #[serde(skip)]
    withheld_text: String,
}

impl Published {
    /// The report of publishing `period` into the log at `log_dir`.
    pub fn report(&self, period: &str, log_dir: &Path) -> PeriodReport {
        PeriodReport {
            period: period.to_string(),
            appended: self.outcome.appended.clone(),
            organisation_records: self.outcome.organisation_records.clone(),
            summary: self.outcome.summary,
            size: self.outcome.size,
            site: LocalLog::at(log_dir).public_dir(),
            files: self.site.files,
            site_unchanged: self.site.unchanged,
            organisations: self.organisations,
            withheld: self.withheld.clone(),
            accounts_awaiting_review_ambiguous: self.ambiguous_accounts,
            witnessing: self.witnessing.clone(),
            log_dir: log_dir.to_path_buf(),
            withheld_text: self.withheld_text(),
        }
    }
}

impl std::fmt::Display for PeriodReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.appended.is_empty() {
            writeln!(f, "{}: nothing new to publish; the log is unchanged at size {}", self.period, self.size)?;
        } else {
            writeln!(
                f,
                "{}: appended {} records (log now {} entries) and signed the checkpoint:",
                self.period,
                self.appended.len(),
                self.size
            )?;
            for (i, kind) in &self.appended {
                writeln!(f, "  #{i} {kind}")?;
            }
        }
        writeln!(
            f,
            "  {} organisations disclosed; withheld: {}; {} accounts awaiting review: ambiguous",
            self.organisations, self.withheld_text, self.accounts_awaiting_review_ambiguous
        )?;
        if let Some(round) = &self.witnessing {
            write!(f, "{round}")?;
        }
        writeln!(
            f,
            "  report: {} ({} files{}; open index.html, or candor serve --dir {})",
            self.site.display(),
            self.files,
            if self.site_unchanged { ", unchanged: the log is as when it was written" } else { "" },
            self.log_dir.display()
        )
    }
}

/// Publishes one period from `stores` (the registry and the usage store must exist; the
/// policy store's active version is cited when there is one).
pub fn publish_period(stores: &Stores, req: &PublishPeriod) -> Result<Published> {
    let period = req.period.clone();
    for (what, p) in [("registry", stores.registry_place()), ("usage database", stores.usage_place())] {
        match p {
            Some(p) if !pg::place_exists(p) => {
                bail!("{}: no {what} here (pass its path; see candor publish --help)", pg::describe(p))
            }
            Some(_) => {}
            None => bail!("publishing needs a {what}"),
        }
    }
    // Stores shared in PostgreSQL: one publisher at a time across every machine, besides the
    // log's own lock (which only guards its folder). Held until this function returns.
    let mut _db_locks = Vec::new();
    let urls: std::collections::BTreeSet<&str> = [stores.registry_place(), stores.usage_place(), stores.policy_place()]
        .into_iter()
        .flatten()
        .filter_map(|p| p.to_str().filter(|u| pg::is_url(u)))
        .collect();
    for url in urls {
        match pg::SessionLock::try_acquire(url, "publish")? {
            Some(lock) => _db_locks.push(lock),
            None => bail!("another candor publish is running on {} (its database lock is held)", pg::redact(url)),
        }
    }
    let provider = req.provider.as_deref().map(crate::reconcile::provider).transpose()?;
    let home = LocalLog::at(&req.log_dir);
    let (mut writer, trust) = crate::log::witnessing::open_writer(&home)?;
    let registry = stores.registry()?;
    let registry = lock(&registry);
    // Every step below reads the period's rows only (gathering, the audit): the others are
    // not held.
    let rows = stores.usage_rows_in(&|month| period.contains(month))?;
    let policy = if stores.has_policy() { Some(stores.policy()?) } else { None };
    let policy = policy.as_deref().map(lock);
    // The period is published from one moment of each store: the usage rows are one read; the
    // registry's and the policy store's reads below all see the moment of their first.
    let moment = ReadMoment::hold(&**registry, policy.as_deref())?;
    let policy_index = match policy.as_deref() {
        Some(store) => store.active()?.map(|v| v.log_index),
        None => None,
    };
    let mut data = gather(&**registry, &rows, &period)?;
    // The audit against the policy in force, and what the provider did about it.
    let disclosed: Vec<String> = data.orgs.iter().map(|o| o.org.name.clone()).collect();
    if let Some(store) = policy.as_deref() {
        data.enforcement =
            crate::enforcement::period_enforcement(store, &**registry, &rows, req.period.as_str(), &disclosed)
                .context("auditing the period against the policy in force")?;
        let owners = crate::period::owners::confirmed_owners_in(&**registry)?;
        data.registered_uses = crate::enforcement::disclosed_uses(store, &owners, &disclosed)?;
        data.gate = crate::gate::period_counts(store, req.period.as_str())?;
    }
    let reconciling = match (provider, &req.provider) {
        (Some(p), Some(file)) => Some(
            crate::reconcile::prepare(&**registry, p, &file.display().to_string(), &data)
                .context("reconciling the period against the public records")?,
        ),
        _ => None,
    };
    moment.end()?;
    drop((registry, policy));
    let opts = Options {
        exact_quantities: req.exact_quantities,
        demonstration: req.demonstration,
        salt: publish::salt::load_or_create(home.home())?,
        witness_fail_open: req.witness_fail_open && trust.is_some(),
        index: Some(home.home().join(tlog::STATE_DIR).join(publish::index::FILE_NAME)),
    };
    let (mut outcome, index) = append::publish_indexed(&mut writer, &data, policy_index, &opts)?;
    if let Some(prepared) = reconciling {
        append_reconciliation(index, &mut writer, prepared, req, &mut outcome)?;
    }
    // A witnessed log serves the new checkpoint only once its quorum cosigned it; the report
    // is written for the checkpoint served.
    let witnessing = trust
        .map(|p| crate::log::witnessing::witness_and_publish(&home, &writer, &p, req.witness_fail_open))
        .transpose()?;
    drop(writer);
    if let Some(round) = witnessing.as_ref().filter(|r| !r.published) {
        return Err(round.unpublished_error().context(format!("{} {round}", req.period.as_str())));
    }
    let site = crate::log::update_site(&home, req.rebuild_site)?;
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
        witnessing,
    })
}

/// Appends the period's reconciliation when it differs from the period's latest one (the
/// organisations' records it links are those just published).
fn append_reconciliation<S: tlog::Storage>(
    index: RecordIndex,
    writer: &mut tlog::LogWriter<S>,
    prepared: crate::reconcile::Prepared,
    req: &PublishPeriod,
    outcome: &mut append::Outcome,
) -> Result<()> {
    // The record index `append::publish_indexed` decided from (opened and checked against the
    // log under this lock) and extended by what it appended.
    let log = crate::reconcile::Logged { index: &index, storage: writer.storage() };
    let table = crate::reconcile::finish(prepared, req.period.as_str(), log)?;
    let body = crate::reconcile::to_record(&table, log);
    if log.latest_reconciliation(req.period.as_str())?.map(|(_, x)| x).as_ref() == Some(&body) {
        return Ok(());
    }
    let record = records::Record::new(records::Body::Reconciliation(body), req.demonstration);
    let (range, _) = records::append(writer, &[record])?;
    outcome.appended.push((range.start, "candor.reconciliation".into()));
    outcome.size = writer.size();
    Ok(())
}
