//! Use policies applied: every step that reads the registry, the policy store and the usage
//! store together, so the CLI, the server and the demo do it one way.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use policy::audit::{Diff, Violation, audit, diff};
use policy::engine::{Decider, Decision, PolicyVersion, Request, entities_json, replay};
use policy::facts::Facts;
use policy::store::{Activated, PolicyStore};
use serde::Serialize;
use usage::fold::{Granularity, PeriodSpec};

use crate::stores::{SharedRegistry, Stores, lock};

/// The registry a decision reads its facts from; an error saying how to make one when there is
/// none. Locked before the policy store (the order [`crate::stores`] keeps).
pub fn decision_registry(stores: &Stores) -> Result<SharedRegistry> {
    if !stores.has_registry() {
        bail!(
            "{}: no registry here (build one with candor registry import, or pass --db)",
            stores.registry_place().map(pg::describe).unwrap_or_default()
        );
    }
    stores.registry()
}

/// [`facts`] from a registry already open.
pub fn facts_in(registry: &dyn registry::Store, store: &PolicyStore) -> Result<Facts> {
    Ok(Facts::from_registry(registry, &store.registered_uses()?)?)
}

/// A policy file, validated against the built-in schema.
pub fn read_policy(path: &Path, schema: &policy::schema::Schema) -> Result<PolicyVersion> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Ok(PolicyVersion::parse(&text, &path.display().to_string(), schema)?)
}

/// The active version.
pub fn active(store: &PolicyStore, schema: &policy::schema::Schema) -> Result<PolicyVersion> {
    let v = store.active()?.context(
        "no policy is active yet: candor policy default > policy.cedar, then candor policy activate policy.cedar --by OPERATOR",
    )?;
    Ok(PolicyVersion::parse(&v.text, &format!("version {}", v.version), schema)?)
}

/// A policy named as a file, a stored version (number or hash prefix), or `active`.
pub fn resolve(spec: &str, store: &PolicyStore, schema: &policy::schema::Schema) -> Result<PolicyVersion> {
    let stored = if spec == "active" {
        Some(store.active()?.context("no policy is active yet (candor policy activate FILE)")?)
    } else if Path::new(spec).exists() {
        None
    } else {
        Some(store.find(spec)?.with_context(|| format!("{spec:?} is neither a file nor a stored policy version"))?)
    };
    match stored {
        Some(v) => Ok(PolicyVersion::parse(&v.text, &format!("version {}", v.version), schema)?),
        None => read_policy(Path::new(spec), schema),
    }
}

/// The decider a server uses: the active version over the registry's facts, with the
/// resources of the services in the stored usage built up front.
pub fn serving_decider(stores: &Stores) -> Result<Decider> {
    let services: Vec<String> = stores.usage_rows()?.into_iter().map(|(k, _)| k.service).collect();
    decider_for(stores, &services)
}

/// The active version over the registry's facts, with the resources of `services` built up
/// front (a gate names the services of the taxonomy's operations).
pub fn decider_for(stores: &Stores, services: &[String]) -> Result<Decider> {
    let schema = policy::schema::builtin()?;
    let registry = decision_registry(stores)?;
    let registry = lock(&registry);
    let store = stores.policy()?;
    let store = lock(&store);
    let version = active(&store, &schema)?;
    Ok(Decider::with_services(schema, version, facts_in(&**registry, &store)?, services)?)
}

/// What activating a file did.
#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Activation {
    /// The file is already the active version; nothing was appended or recorded.
    AlreadyActive {
        /// Its hash.
        sha256: String,
        /// The file given.
        file: String,
    },
    /// The version is public in the log and recorded as active.
    Activated {
        /// Its number and log entry.
        #[serde(flatten)]
        activated: Activated,
        /// Its hash.
        sha256: String,
        /// The file name recorded with it.
        file: String,
        /// How it came into force, as every page naming it says: "activated after notice
        /// (proposal #n)", "activated in an emergency, …" or "activated without notice".
        notice: String,
    },
}

/// How to activate.
#[derive(Debug, Clone, Default)]
pub struct Activate {
    /// Activate before a proposal's notice ran out (or with no proposal), for this reason;
    /// recorded and shown as an emergency.
    pub emergency: Option<String>,
}

/// Validates `file`, appends it to the log in `log_dir` and makes it the active version. A
/// version proposed with notice is refused before its effective date unless `how` is an
/// emergency.
pub fn activate_file(stores: &Stores, log_dir: &Path, file: &Path, by: &str, how: &Activate) -> Result<Activation> {
    let v = read_policy(file, &policy::schema::builtin()?)?;
    let store = stores.policy()?;
    let mut store = lock(&store);
    if store.active()?.is_some_and(|a| a.sha256 == v.sha256) {
        return Ok(Activation::AlreadyActive { sha256: v.sha256, file: file.display().to_string() });
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut log = crate::notice::log::NoticeLog::open(log_dir)?;
    let notice = crate::notice::log::activation_notice(&log, &v, how.emergency.as_deref())?;
    let activated = store.activate(log.writer(), &v, &name, by, &notice)?;
    let words = publish::notices::notice_words(notice.proposal.as_ref().map(|l| l.index), notice.emergency.is_some());
    // A witnessed log serves the version's checkpoint only once its quorum cosigned it.
    log.finish().with_context(|| {
        format!("policy version {} is active and in the log (entry #{})", activated.version, activated.log_index)
    })?;
    Ok(Activation::Activated { activated, sha256: v.sha256, file: name, notice: words })
}

/// What `authorize` is asked.
#[derive(Debug, Clone)]
pub struct Authorize {
    /// The request.
    pub request: Request,
    /// Decide under this file instead of the active version (never recorded).
    pub policy_file: Option<PathBuf>,
    /// Record the decision with its entities (active version only).
    pub record: bool,
}

/// A decision and, when recorded, its id.
#[derive(Debug, Serialize)]
pub struct Authorized {
    /// The request as decided.
    pub request: Request,
    /// The decision.
    pub decision: Decision,
    /// The recorded decision's id.
    pub recorded: Option<i64>,
}

/// Decides one request.
pub fn authorize(stores: &Stores, ask: Authorize) -> Result<Authorized> {
    if ask.record && ask.policy_file.is_some() {
        bail!("--record records decisions under the active version; it cannot be used with --policy-file");
    }
    let schema = policy::schema::builtin()?;
    let registry = decision_registry(stores)?;
    let registry = lock(&registry);
    let store = stores.policy()?;
    let mut store = lock(&store);
    let version = match &ask.policy_file {
        Some(f) => read_policy(f, &schema)?,
        None => active(&store, &schema)?,
    };
    let decider = Decider::new(schema, version, facts_in(&**registry, &store)?)?;
    let decision = decider.decide(&ask.request)?;
    let recorded = if ask.record {
        let entities = entities_json(&decider.entities_for(&ask.request)?)?;
        Some(store.record_decision(&ask.request, &entities, &decision)?)
    } else {
        None
    };
    Ok(Authorized { request: ask.request, decision, recorded })
}

/// The violations of one policy version in stored usage.
#[derive(Debug, Serialize)]
pub struct Audit {
    /// The version's hash.
    pub policy_version: String,
    /// The period audited (`None`: all).
    pub period: Option<String>,
    /// What the version forbids that happened.
    pub violations: Vec<Violation>,
}

/// Audits stored usage against `version` (a file, a stored version, or the active one when
/// `None`), for `period` (`YYYY-Qn` or `YYYY-MM`; all quarters when `None`).
pub fn audit_usage(stores: &Stores, version: Option<&str>, period: Option<&PeriodSpec>) -> Result<Audit> {
    let schema = policy::schema::builtin()?;
    let rows = stores.usage_rows()?;
    let registry = decision_registry(stores)?;
    let registry = lock(&registry);
    let store = stores.policy()?;
    let store = lock(&store);
    let v = match version {
        Some(spec) => resolve(spec, &store, &schema)?,
        None => active(&store, &schema)?,
    };
    let facts = facts_in(&**registry, &store)?;
    audit_with(schema, v, facts, &rows, period)
}

/// The audit of the active version in `store` over `rows` (of `period`, when given), with
/// stores already open: what publishing a period uses, so each store is read once.
pub fn audit_active(
    store: &PolicyStore,
    registry: &dyn registry::Store,
    rows: &[(usage::fold::Key, usage::fold::Sums)],
    period: Option<&PeriodSpec>,
) -> Result<Audit> {
    let schema = policy::schema::builtin()?;
    let v = active(store, &schema)?;
    audit_with(schema, v, facts_in(registry, store)?, rows, period)
}

fn audit_with(
    schema: policy::schema::Schema,
    v: PolicyVersion,
    facts: Facts,
    rows: &[(usage::fold::Key, usage::fold::Sums)],
    period: Option<&PeriodSpec>,
) -> Result<Audit> {
    let sha = v.sha256.clone();
    let d = Decider::new(schema, v, facts)?;
    let granularity = period.map_or(Granularity::Quarter, PeriodSpec::granularity);
    let violations = audit(&d, rows, granularity, period.map(PeriodSpec::as_str))?;
    Ok(Audit { policy_version: sha, period: period.map(|p| p.as_str().to_string()), violations })
}

/// How stored usage (of `period` only, when given: `YYYY-Qn` or `YYYY-MM`) would be decided
/// differently under `new` than under `old`.
pub fn diff_versions(stores: &Stores, old: &str, new: &str, period: Option<&PeriodSpec>) -> Result<VersionDiff> {
    let schema = policy::schema::builtin()?;
    let mut rows = stores.usage_rows()?;
    let registry = decision_registry(stores)?;
    let registry = lock(&registry);
    let store = stores.policy()?;
    let store = lock(&store);
    let facts = facts_in(&**registry, &store)?;
    let (o, n) = (resolve(old, &store, &schema)?, resolve(new, &store, &schema)?);
    drop((store, registry));
    let old_d = Decider::new(schema.clone(), o, facts.clone())?;
    let new_d = Decider::new(schema, n, facts)?;
    if let Some(p) = period {
        rows.retain(|(k, _)| p.contains(&k.month));
    }
    Ok(VersionDiff { old: old.to_string(), new: new.to_string(), diff: diff(&old_d, &new_d, &rows)? })
}

/// [`diff_versions`]'s answer, with the versions as given.
#[derive(Debug, Serialize)]
pub struct VersionDiff {
    /// The version compared from, as given.
    pub old: String,
    /// The version compared to, as given.
    pub new: String,
    /// What changes.
    #[serde(flatten)]
    pub diff: Diff,
}

/// A policy file checked against the schema.
#[derive(Debug, Serialize)]
pub struct Validated {
    /// The file.
    pub file: String,
    /// Always true: an invalid file is an error.
    pub valid: bool,
    /// SHA-256 of its text.
    pub sha256: String,
    /// Its policies.
    pub policies: Vec<policy::engine::PolicyInfo>,
}

/// Checks a policy file against the built-in schema.
pub fn validate(file: &Path) -> Result<Validated> {
    let v = read_policy(file, &policy::schema::builtin()?)?;
    Ok(Validated { file: file.display().to_string(), valid: true, sha256: v.sha256.clone(), policies: v.policies() })
}

/// Every activated version, oldest first (the last is active).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct History(pub Vec<policy::store::StoredVersion>);

/// The versions activated so far.
pub fn history(stores: &Stores) -> Result<History> {
    Ok(History(lock(&*stores.policy()?).versions()?))
}

/// A use case registered for (or withdrawn from) an account.
#[derive(Debug, Serialize)]
pub struct Registration {
    /// The event recording it.
    pub event: i64,
    /// The account.
    pub account: String,
    /// The use case.
    pub use_case: String,
    /// Registered (true) or withdrawn.
    pub registered: bool,
}

/// Registers (or withdraws) a use case for an account, by a reviewer, for a reason.
pub fn register_use(
    stores: &Stores,
    account: &str,
    use_case: &str,
    registered: bool,
    reviewer: &str,
    reason: &str,
    declaration: Option<&policy::declaration::UseDeclaration>,
) -> Result<Registration> {
    let event = lock(&*stores.policy()?).register_use(account, use_case, registered, reviewer, reason, declaration)?;
    Ok(Registration { event, account: account.into(), use_case: use_case.into(), registered })
}

/// Recorded decisions decided again under the version that made them.
#[derive(Debug, Serialize)]
pub struct Replay {
    /// How many gave the same answer by the same policies.
    pub same: u64,
    /// The ids of those that did not.
    pub different: Vec<i64>,
}

/// Replays every recorded decision.
pub fn replay_decisions(stores: &Stores) -> Result<Replay> {
    let schema = policy::schema::builtin()?;
    let store = stores.policy()?;
    let store = lock(&store);
    let mut out = Replay { same: 0, different: Vec::new() };
    for rec in store.decisions()? {
        let stored = store
            .find(&rec.version_sha256)?
            .with_context(|| format!("decision {}: its policy version is not stored", rec.id))?;
        let v = PolicyVersion::parse(&stored.text, &format!("version {}", stored.version), &schema)?;
        let again = replay(&schema, &v, &rec.request, &rec.entities)?;
        if again.allow == rec.allow && again.policies == rec.policies {
            out.same += 1;
        } else {
            out.different.push(rec.id);
        }
    }
    Ok(out)
}

impl std::fmt::Display for Authorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = &self.decision;
        writeln!(f, "{}", if d.allow { "ALLOW" } else { "DENY" })?;
        writeln!(f, "  decided by: {}", d.policies.join(", "))?;
        for (k, v) in &d.attributes {
            writeln!(f, "  {k} = {v}")?;
        }
        for e in &d.errors {
            writeln!(f, "  error in a policy (skipped): {e}")?;
        }
        writeln!(f, "  policy version: {}", d.policy_version)?;
        if let Some(id) = self.recorded {
            writeln!(f, "  recorded as decision {id}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version = self.policy_version.get(..12).unwrap_or(&self.policy_version);
        let period = self.period.as_deref().unwrap_or("all periods");
        writeln!(f, "{} violation(s) of policy {version} in {period}", self.violations.len())?;
        for x in &self.violations {
            let q: Vec<String> = x.quantity.iter().map(|(u, q)| format!("{q:.0} {u}")).collect();
            writeln!(
                f,
                "  {} ({} account(s)) — {} {} ({}, {}): {}, ${:.2}, {} lines — forbidden by {}",
                x.organisation,
                x.accounts.len(),
                x.capability,
                x.period,
                x.service,
                x.region_class,
                q.join(", "),
                x.cost,
                x.lines,
                x.policies.join(", ")
            )?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (same, different) = (self.same, &self.different);
        writeln!(f, "{same} recorded decision(s) replay to the same answer; {} differ {different:?}", different.len())
    }
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Activation::AlreadyActive { file, .. } => {
                writeln!(f, "{file} is already the active version; nothing to do")
            }
            Activation::Activated { activated, sha256, file, notice } => writeln!(
                f,
                "activated {file} as policy version {} (sha256 {sha256}), log entry {}: {notice}",
                activated.version, activated.log_index
            ),
        }
    }
}

impl std::fmt::Display for VersionDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = &self.diff;
        writeln!(
            f,
            "{} → {}: {} account(s) newly denied ({} lines of past usage), {} newly allowed ({} lines)",
            self.old,
            self.new,
            d.accounts_newly_denied,
            d.lines_newly_denied,
            d.accounts_newly_allowed,
            d.lines_newly_allowed
        )?;
        let word = |allow: bool| if allow { "allow" } else { "deny" };
        for c in &d.changes {
            writeln!(
                f,
                "  {} [{}] {} ({}, {}): {} → {} ({} lines, ${:.2}) by {}",
                c.organisation,
                c.account,
                c.capability,
                c.service,
                c.region_class,
                word(c.before),
                word(c.after),
                c.lines,
                c.cost,
                c.policies.join(", ")
            )?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Validated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}: valid ({} policies, sha256 {})", self.file, self.policies.len(), self.sha256)?;
        for p in &self.policies {
            writeln!(f, "  {:7} {}", p.effect, p.id)?;
        }
        Ok(())
    }
}

impl std::fmt::Display for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "no policy version has been activated");
        }
        let last = self.0.len();
        for v in &self.0 {
            let mark = if v.version as usize == last { " (active)" } else { "" };
            writeln!(
                f,
                "version {}{mark}: {} sha256 {} log entry {} activated {} by {}",
                v.version, v.file, v.sha256, v.log_index, v.activated_at, v.activated_by
            )?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.registered { "registered" } else { "withdrew" };
        writeln!(f, "{what} use case {} for account {} (event {})", self.use_case, self.account, self.event)
    }
}
