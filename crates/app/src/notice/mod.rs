//! Notice of policy changes: a version proposed before it takes effect, with its computed
//! effect on the last published period; objections to it; its withdrawal; the log's minimum
//! notice; and the gate an activation passes.
//!
//! The log is the only store of all of it: every step reads the log's records under the
//! writer lock, decides from them (`publish::notices`), appends one record, and only then
//! answers. So what the provider is held to is exactly what the public can read, and two
//! people acting at once are ordered by the lock.

pub mod log;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use policy::engine::{Decider, PolicyVersion};
use publish::index::{Cache, RecordIndex};
use publish::notices::{self, Effect, ProposalState, Status};
use records::{Body, Parsed, PolicyProposal};
use serde::Serialize;
use server::objections::Refused;
use tlog::LocalLog;
use usage::fold::Granularity;

use crate::notice::log::{NoticeLog, today};
use crate::stores::{Stores, lock};

/// A reason, trimmed and bounded.
fn reason(text: &str) -> std::result::Result<String, String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > notices::MAX_REASON_CHARS {
        return Err(format!("a reason is required, of at most {} characters", notices::MAX_REASON_CHARS));
    }
    registry::input::check("reason", t, registry::input::Lines::Many)?;
    Ok(t.to_string())
}

/// What `candor policy propose` asks.
#[derive(Debug, Clone)]
pub struct Propose {
    /// The proposed policy file.
    pub file: std::path::PathBuf,
    /// First day it may take effect (`YYYY-MM-DD`).
    pub effective: String,
    /// Why the provider proposes it (may be empty).
    pub reason: String,
    /// Who proposes it (an operator id; published as a pseudonym).
    pub by: String,
}

/// A proposal made.
#[derive(Debug, Serialize)]
pub struct Proposed {
    /// The proposal's log index.
    pub index: u64,
    /// SHA-256 of the proposed text.
    pub sha256: String,
    /// First day it may take effect.
    pub effective: String,
    /// The minimum notice it met, in days.
    pub notice_days: u32,
    /// The log entry of the version it would replace.
    pub replaces: Option<u64>,
    /// The minimum notice's record, when this proposal logged the default for the first time.
    pub notice_logged: Option<u64>,
    /// What it would change on the last published period's usage.
    pub effect: Effect,
}

/// Proposes `req.file` to take effect on `req.effective`: validated as an activation would
/// be, its effect computed on the last published period's usage, announced in the log.
pub fn propose(stores: &Stores, log_dir: &Path, req: &Propose) -> Result<Proposed> {
    let schema = policy::schema::builtin()?;
    let proposed = crate::policy::read_policy(&req.file, &schema)?;
    // A proposal may give no reason (its pages then say so); one given is bounded.
    let why =
        if req.reason.trim().is_empty() { String::new() } else { reason(&req.reason).map_err(anyhow::Error::msg)? };
    one_word(&req.by)?;
    // Locked in the stores' order: the registry (whose facts the effect reads), then policy.
    let registry = crate::policy::decision_registry(stores)?;
    let registry = lock(&registry);
    let store = stores.policy()?;
    let store = lock(&store);
    let active = store.active()?;
    if active.as_ref().is_some_and(|a| a.sha256 == proposed.sha256) {
        bail!("{} is already the active version; nothing to propose", req.file.display());
    }
    let effective_day = notices::day_number(&req.effective)
        .with_context(|| format!("--effective {:?} is not a date (YYYY-MM-DD)", req.effective))?;
    if !stores.has_usage() {
        bail!(
            "{}: no usage database here; a proposal states its effect on stored usage (pass --usage-db)",
            stores.usage_place().map(pg::describe).unwrap_or_default()
        );
    }
    let mut log = NoticeLog::open(log_dir)?;
    if let Some(p) = log.proposals().values().find(|p| p.status == Status::Open && p.sha256 == proposed.sha256) {
        bail!("this text is already proposed, in record #{} (effective {}); withdraw it first", p.index, p.effective);
    }
    let today = today();
    let (days, setting) = notices::notice_days(log.known());
    let earliest = notices::day_text(notices::day_number(&today).unwrap_or(0) + i64::from(days));
    if effective_day < notices::day_number(&earliest).unwrap_or(i64::MAX) {
        bail!(
            "--effective {} is too soon: the log's minimum notice is {days} days, so the earliest is {earliest}",
            req.effective
        );
    }
    let effect = effect_on_last_period(stores, &**registry, &log, &store, active.as_ref(), &proposed)?;
    let salt = publish::salt::load_or_create(log.home.home())?;
    let by = notices::pseudonym_as("operator", &req.by, &salt);
    let now = registry::model::now();
    // The minimum notice is a setting of the log and itself logged: the first proposal logs
    // the default it was held to.
    let (setting, notice_logged) = match setting {
        Some(i) => (i, None),
        None => {
            let record = notices::notice_setting_record(
                days,
                "the default minimum notice, in force until the provider sets another",
                &by,
                &now,
                log.demonstration(),
            );
            let i = log.append(record)?;
            (i, Some(i))
        }
    };
    let replaces = match &active {
        Some(a) => {
            Some((log.link(a.log_index).context("the active version's log entry is missing")?, a.sha256.clone()))
        }
        None => None,
    };
    let name = req.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let record = notices::proposal_record(
        &notices::Proposal {
            sha256: &proposed.sha256,
            file: &name,
            text: &proposed.text,
            replaces: replaces.clone(),
            effective: &req.effective,
            notice: (days, log.link(setting).context("the notice setting's entry is missing")?),
            reason: &why,
            proposed_at: &now,
            proposed_by: &by,
            effect: &effect,
        },
        log.demonstration(),
    );
    let index = log.append(record)?;
    log.finish()?;
    Ok(Proposed {
        index,
        sha256: proposed.sha256,
        effective: req.effective.clone(),
        notice_days: days,
        replaces: replaces.map(|(l, _)| l.index),
        notice_logged,
        effect,
    })
}

fn one_word(id: &str) -> Result<()> {
    if id.trim().is_empty() || id.chars().any(char::is_whitespace) {
        bail!("--by must be one word (a pseudonymous operator id such as operator-3)");
    }
    registry::person::check("--by", id).map_err(anyhow::Error::msg)
}

/// The last published period (the latest with a current summary) and the organisations it
/// discloses (current usage records).
pub fn last_published(index: &RecordIndex) -> (Option<String>, BTreeSet<String>) {
    let corrected: HashSet<u64> = index.corrected().into_keys().collect();
    let current = || index.iter().filter(|(i, _)| !corrected.contains(i)).map(|(_, e)| e);
    let of_kind = |kind: &'static str| current().filter(move |e| e.kind.as_deref() == Some(kind));
    let period = of_kind("candor.period_summary").filter_map(|e| e.period.clone()).max();
    let disclosed = match &period {
        Some(p) => of_kind("candor.organisation_usage")
            .filter(|e| e.period.as_ref() == Some(p))
            .filter_map(|e| e.subject.clone())
            .collect(),
        None => BTreeSet::new(),
    };
    (period, disclosed)
}

/// What `proposed` would change, against the version in force (everything allowed when none
/// is), on the usage of the last published period (all stored usage when none is published).
fn effect_on_last_period(
    stores: &Stores,
    registry: &dyn registry::Store,
    log: &NoticeLog,
    store: &policy::store::PolicyStore,
    active: Option<&policy::store::StoredVersion>,
    proposed: &PolicyVersion,
) -> Result<Effect> {
    let schema = policy::schema::builtin()?;
    let (period, disclosed) = last_published(&log.index);
    let facts = crate::policy::facts_in(registry, store)?;
    let old = match active {
        Some(a) => PolicyVersion::parse(&a.text, &format!("version {}", a.version), &schema)?,
        None => PolicyVersion::parse(NOTHING_ENFORCED, "no policy in force", &schema)?,
    };
    let old = Decider::new(schema.clone(), old, facts.clone())?;
    let new = Decider::new(schema, proposed.clone(), facts)?;
    let mut rows = stores.usage_rows()?;
    if let Some(p) = &period {
        rows.retain(|(k, _)| Granularity::Quarter.period(&k.month) == *p);
    }
    let diff = policy::audit::diff(&old, &new, &rows)?;
    Ok(policy::audit::effect(&diff, &disclosed, period.as_deref()))
}

/// What is in force before any version is activated: nothing is forbidden.
const NOTHING_ENFORCED: &str = "permit (principal, action, resource);";

pub use server::queue::Objected;

/// Files `staff`'s objection to the proposal at `proposal`, under a salted pseudonym; one per
/// person and proposal, while the proposal is open.
pub fn object(log_dir: &Path, proposal: u64, why: &str, staff: &str) -> std::result::Result<Objected, Refused> {
    let why = reason(why).map_err(Refused::Invalid)?;
    if staff.trim().is_empty() || staff.chars().any(char::is_whitespace) {
        return Err(Refused::Invalid("the objector id must be one word".into()));
    }
    registry::person::check("the objector id", staff).map_err(Refused::Invalid)?;
    let mut log = NoticeLog::open(log_dir).map_err(|e| match e.downcast_ref::<tlog::Error>() {
        Some(tlog::Error::Locked { .. }) => Refused::Busy("the log is being written; try again shortly".into()),
        _ => Refused::Failed(format!("{e:#}")),
    })?;
    let failed = |e: anyhow::Error| Refused::Failed(format!("{e:#}"));
    let p = log
        .proposals()
        .remove(&proposal)
        .ok_or_else(|| Refused::NotFound(format!("no policy proposal at log index {proposal}")))?;
    if p.status != Status::Open {
        return Err(Refused::Conflict(format!(
            "proposal #{proposal} is {}: objections are taken while it is open",
            p.status.words()
        )));
    }
    let salt = publish::salt::load_or_create(log.home.home()).map_err(|e| failed(e.into()))?;
    // One person however their id is spelled (`alice`, `Alice`, full-width): the pseudonym is
    // of the id's key. An objection filed before ids had keys was filed under the id as given.
    let objector = notices::pseudonym_as("objector", &registry::person::key(staff), &salt);
    let as_given = notices::pseudonym_as("objector", staff.trim(), &salt);
    if p.objections.iter().any(|o| o.objector == objector || o.objector == as_given) {
        return Err(Refused::Conflict(format!("{objector} already objected to proposal #{proposal}")));
    }
    let link = log.link(proposal).ok_or_else(|| Refused::NotFound(format!("no entry at {proposal}")))?;
    let record = notices::objection_record(&link, &why, &objector, &registry::model::now(), p.demonstration);
    let index = log.append(record).map_err(failed)?;
    log.finish().map_err(failed)?;
    Ok(Objected { index, proposal, objector })
}

/// The server's desk for objections: files them in the log in `0`.
pub struct LogDesk(pub std::path::PathBuf);

impl server::objections::Desk for LogDesk {
    fn object(&self, proposal: u64, reason: &str, staff: &str) -> std::result::Result<Objected, Refused> {
        object(&self.0, proposal, reason, staff)
    }
}

/// A proposal withdrawn.
#[derive(Debug, Serialize)]
pub struct Withdrawn {
    /// The withdrawal's log index.
    pub index: u64,
    /// The proposal.
    pub proposal: u64,
}

/// Withdraws the open proposal at `proposal`.
pub fn withdraw(log_dir: &Path, proposal: u64, why: &str, by: &str) -> Result<Withdrawn> {
    let why = reason(why).map_err(anyhow::Error::msg)?;
    one_word(by)?;
    let mut log = NoticeLog::open(log_dir)?;
    let p = log.proposals().remove(&proposal).with_context(|| format!("no policy proposal at log index {proposal}"))?;
    if p.status != Status::Open {
        bail!("proposal #{proposal} is {}; only an open proposal can be withdrawn", p.status.words());
    }
    let salt = publish::salt::load_or_create(log.home.home())?;
    let link = log.link(proposal).context("the proposal's entry is missing")?;
    let by = notices::pseudonym_as("operator", by, &salt);
    let record = notices::withdrawal_record(&link, &why, &by, &registry::model::now(), p.demonstration);
    let index = log.append(record)?;
    log.finish()?;
    Ok(Withdrawn { index, proposal })
}

/// The minimum notice set.
#[derive(Debug, Serialize)]
pub struct NoticeSet {
    /// The setting's log index.
    pub index: u64,
    /// Days.
    pub notice_days: u32,
}

/// Longest minimum notice accepted, in days.
pub const MAX_NOTICE_DAYS: u32 = 3650;

/// Sets the log's minimum notice for later proposals (proposals made before keep theirs).
pub fn set_notice_days(log_dir: &Path, days: u32, why: &str, by: &str) -> Result<NoticeSet> {
    if days > MAX_NOTICE_DAYS {
        bail!("--days {days}: at most {MAX_NOTICE_DAYS}");
    }
    let why = reason(why).map_err(anyhow::Error::msg)?;
    one_word(by)?;
    let mut log = NoticeLog::open(log_dir)?;
    let salt = publish::salt::load_or_create(log.home.home())?;
    let by = notices::pseudonym_as("operator", by, &salt);
    let record = notices::notice_setting_record(days, &why, &by, &registry::model::now(), log.demonstration());
    let index = log.append(record)?;
    log.finish()?;
    Ok(NoticeSet { index, notice_days: days })
}

/// A proposal as `candor policy proposals` lists it.
#[derive(Debug, Serialize)]
pub struct Listed {
    /// Its state.
    #[serde(flatten)]
    pub state: ProposalState,
    /// The file proposed.
    pub file: String,
    /// Why.
    pub reason: String,
    /// When proposed.
    pub proposed_at: String,
    /// The effect recorded with it.
    pub effect: records::Effect,
}

/// Every proposal in the log in `log_dir`, oldest first (read from the served checkpoint).
pub fn list(log_dir: &Path) -> Result<Vec<Listed>> {
    let home = LocalLog::at(log_dir);
    let (_, cp, _) = crate::log::latest_checkpoint(&home)?;
    // The served log, through the writer's index (read, never written here: the writer may
    // be ahead of the served checkpoint); only the policy notices are read whole.
    let public = tlog::Dir::new(home.public_dir());
    let cache = crate::notice::log::index_file(&home);
    let (index, _) = RecordIndex::open(&public, cp.size, &cp.root, Cache::Read(&cache))?;
    let records = index.read_kinds(&public, &|k| k.starts_with("candor.policy_"))?;
    let known = || records.iter().filter_map(|(i, r): &(u64, Parsed)| Some((*i, r.known()?)));
    let by_index: BTreeMap<u64, &PolicyProposal> = known()
        .filter_map(|(i, r)| match &r.body {
            Body::PolicyProposal(p) => Some((i, p)),
            _ => None,
        })
        .collect();
    Ok(notices::proposals(known())
        .into_values()
        .filter_map(|state| {
            let p = *by_index.get(&state.index)?;
            Some(Listed {
                file: p.file.clone(),
                reason: p.reason.clone(),
                proposed_at: p.proposed_at.clone(),
                effect: p.effect.clone(),
                state,
            })
        })
        .collect())
}

impl std::fmt::Display for Proposed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(i) = self.notice_logged {
            writeln!(f, "logged the minimum notice in force ({} days) as record #{i}", self.notice_days)?;
        }
        writeln!(
            f,
            "proposed policy {} as record #{}, to take effect on {} (minimum notice {} days){}",
            &self.sha256[..16.min(self.sha256.len())],
            self.index,
            self.effective,
            self.notice_days,
            self.replaces.map(|i| format!("; it would replace the version in record #{i}")).unwrap_or_default()
        )?;
        write_effect(f, &self.effect)
    }
}

/// The effect as text: one line per capability, rule and direction.
fn write_effect(f: &mut std::fmt::Formatter<'_>, e: &Effect) -> std::fmt::Result {
    let on =
        e.period.as_deref().map_or("all stored usage (no period published yet)".into(), |p| format!("{p}'s usage"));
    if e.rows.is_empty() {
        return writeln!(f, "  effect on {on}: no change");
    }
    writeln!(f, "  effect on {on}:")?;
    for r in &e.rows {
        writeln!(
            f,
            "    {} {} by {}: {} disclosed organisation(s){}, {} undisclosed account(s)",
            r.capability,
            r.change.replace('_', " "),
            r.policy,
            r.organisations_count,
            if r.organisations.is_empty() { String::new() } else { format!(" ({})", r.organisations.join("; ")) },
            r.undisclosed_accounts
        )?;
    }
    Ok(())
}

impl std::fmt::Display for Withdrawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "withdrew proposal #{} (record #{})", self.proposal, self.index)
    }
}

impl std::fmt::Display for NoticeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "minimum notice for later proposals: {} days (record #{})", self.notice_days, self.index)
    }
}

/// The list as text.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Listing(pub Vec<Listed>);

impl std::fmt::Display for Listing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "no policy proposal in the log");
        }
        for p in &self.0 {
            writeln!(
                f,
                "#{} {} ({}): effective {}, {}, {} objection(s) — {}",
                p.state.index,
                p.file,
                &p.state.sha256[..12.min(p.state.sha256.len())],
                p.state.effective,
                p.state.status.words(),
                p.state.objections.len(),
                p.reason
            )?;
        }
        Ok(())
    }
}
