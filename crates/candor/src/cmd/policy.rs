//! `candor authorize` and `candor policy …`: use policies in Cedar — validated, activated
//! through the transparency log, decided, audited against usage, compared, served.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use policy::audit::{audit, diff};
use policy::engine::{Decider, PolicyVersion, Request, entities_json, replay};
use policy::facts::Facts;
use policy::store::{PolicyStore, version_entry};
use registry::SqliteStore;
use serde_json::json;
use tlog::LocalLog;
use usage::aggregate::{Granularity, UsageStore};
use usage::taxonomy::Taxonomy;

use crate::cli::{PolicyCommand, PolicyPlaces};
use crate::output::print_json;

/// candor's default policy.
pub const DEFAULT_POLICY: &str = include_str!("../../../policy/data/default.cedar");

/// What `candor authorize` asks.
pub struct Ask {
    pub account: String,
    pub capability: String,
    pub service: String,
    pub region_class: String,
    pub purpose: String,
}

pub(super) fn schema() -> Result<cedar_policy::Schema> {
    let t = Taxonomy::builtin()?;
    let ids: Vec<&str> = t.capabilities().iter().map(|c| c.id.as_str()).collect();
    Ok(policy::schema::schema(&ids)?)
}

fn schema_text() -> Result<String> {
    let t = Taxonomy::builtin()?;
    let ids: Vec<&str> = t.capabilities().iter().map(|c| c.id.as_str()).collect();
    Ok(policy::schema::schema_text(&ids))
}

pub(super) fn open_store(places: &PolicyPlaces) -> Result<PolicyStore> {
    PolicyStore::open(&places.policy_db).with_context(|| format!("opening {}", places.policy_db.display()))
}

pub(super) fn facts(places: &PolicyPlaces, store: &PolicyStore) -> Result<Facts> {
    if !places.db.exists() {
        bail!("{}: no registry here (build one with candor registry import, or pass --db)", places.db.display());
    }
    let registry = SqliteStore::open(&places.db).with_context(|| format!("opening {}", places.db.display()))?;
    Ok(Facts::from_registry(&registry, &store.registered_uses()?)?)
}

fn read_policy(path: &Path, schema: &cedar_policy::Schema) -> Result<PolicyVersion> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Ok(PolicyVersion::parse(&text, &path.display().to_string(), schema)?)
}

/// A policy named as a file, a stored version (number or hash prefix), or `active`.
fn resolve(spec: &str, store: &PolicyStore, schema: &cedar_policy::Schema) -> Result<PolicyVersion> {
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

pub(super) fn active(store: &PolicyStore, schema: &cedar_policy::Schema) -> Result<PolicyVersion> {
    let v = store.active()?.context(
        "no policy is active yet: candor policy default > policy.cedar, then candor policy activate policy.cedar --by OPERATOR",
    )?;
    Ok(PolicyVersion::parse(&v.text, &format!("version {}", v.version), schema)?)
}

/// The decider a server uses: the active version over the registry's facts, with the
/// resources of the services in the stored usage built up front.
pub(super) fn serving_decider(places: &PolicyPlaces, usage_db: &Path, store: &PolicyStore) -> Result<Decider> {
    let schema = schema()?;
    let version = active(store, &schema)?;
    let services: Vec<String> = if usage_db.exists() {
        UsageStore::open(usage_db)?.rows()?.into_iter().map(|(k, _)| k.service).collect()
    } else {
        Vec::new()
    };
    Ok(Decider::with_services(schema, version, facts(places, store)?, &services)?)
}

pub fn authorize(
    places: &PolicyPlaces,
    ask: Ask,
    policy_file: Option<PathBuf>,
    record: bool,
    json: bool,
) -> Result<ExitCode> {
    let schema = schema()?;
    let mut store = open_store(places)?;
    if record && policy_file.is_some() {
        bail!("--record records decisions under the active version; it cannot be used with --policy-file");
    }
    let version = match &policy_file {
        Some(f) => read_policy(f, &schema)?,
        None => active(&store, &schema)?,
    };
    let decider = Decider::new(schema, version, facts(places, &store)?)?;
    let req = Request {
        account: ask.account,
        capability: ask.capability,
        service: ask.service,
        region_class: ask.region_class,
        purpose: ask.purpose,
    };
    let d = decider.decide(&req)?;
    let recorded = if record {
        let entities = entities_json(&decider.entities_for(&req)?)?;
        Some(store.record_decision(&req, &entities, &d)?)
    } else {
        None
    };
    if json {
        print_json(&json!({"request": req, "decision": d, "recorded": recorded}));
    } else {
        println!("{}", if d.allow { "ALLOW" } else { "DENY" });
        println!("  decided by: {}", d.policies.join(", "));
        for (k, v) in &d.attributes {
            println!("  {k} = {v}");
        }
        for e in &d.errors {
            println!("  error in a policy (skipped): {e}");
        }
        println!("  policy version: {}", d.policy_version);
        if let Some(id) = recorded {
            println!("  recorded as decision {id}");
        }
    }
    Ok(if d.allow { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn run(cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Schema => {
            print!("{}", schema_text()?);
        }
        PolicyCommand::Default => {
            print!("{DEFAULT_POLICY}");
        }
        PolicyCommand::Validate { file, json } => {
            let v = read_policy(&file, &schema()?)?;
            if json {
                print_json(&json!({"file": file, "valid": true, "sha256": v.sha256, "policies": v.policies()}));
            } else {
                println!("{}: valid ({} policies, sha256 {})", file.display(), v.policies().len(), v.sha256);
                for p in v.policies() {
                    println!("  {:7} {}", p.effect, p.id);
                }
            }
        }
        PolicyCommand::Activate { policy: places, log, file, by, json } => {
            let schema = schema()?;
            let v = read_policy(&file, &schema)?;
            let mut store = open_store(&places)?;
            if store.active()?.is_some_and(|a| a.sha256 == v.sha256) {
                println!("{} is already the active version; nothing to do", file.display());
                return Ok(ExitCode::SUCCESS);
            }
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let at = registry::model::now();
            let entry = version_entry(&v.sha256, &name, &v.text, &at)?;
            let home = LocalLog::at(&log.dir);
            let mut writer = home.open().with_context(|| {
                format!("opening the log in {} (create one with candor log init)", log.dir.display())
            })?;
            // Public first: the version takes effect only once its entry is durable in the log.
            let range = writer.append(&[&entry]).context("appending the policy version to the log")?;
            let version = store.record_version(&v.sha256, &name, &v.text, range.start, &by)?;
            if json {
                print_json(&json!({"version": version, "sha256": v.sha256, "log_index": range.start, "file": name}));
            } else {
                println!(
                    "activated {} as policy version {version} (sha256 {}), log entry {}",
                    file.display(),
                    v.sha256,
                    range.start
                );
            }
        }
        PolicyCommand::History { policy: places, json } => {
            let store = open_store(&places)?;
            let versions = store.versions()?;
            if json {
                let list: Vec<_> = versions
                    .iter()
                    .map(|v| json!({"version": v.version, "sha256": v.sha256, "file": v.file, "log_index": v.log_index, "activated_at": v.activated_at, "activated_by": v.activated_by}))
                    .collect();
                print_json(&json!(list));
            } else if versions.is_empty() {
                println!("no policy version has been activated");
            } else {
                let last = versions.len();
                for v in &versions {
                    let mark = if v.version as usize == last { " (active)" } else { "" };
                    println!(
                        "version {}{mark}: {} sha256 {} log entry {} activated {} by {}",
                        v.version, v.file, v.sha256, v.log_index, v.activated_at, v.activated_by
                    );
                }
            }
        }
        PolicyCommand::Audit { policy: places, usage_db, period, policy_version: version, json } => {
            let schema = schema()?;
            let store = open_store(&places)?;
            let v = match &version {
                Some(spec) => resolve(spec, &store, &schema)?,
                None => active(&store, &schema)?,
            };
            let sha = v.sha256.clone();
            let d = Decider::new(schema, v, facts(&places, &store)?)?;
            let rows = UsageStore::open(&usage_db)?.rows()?;
            let g = if period.as_deref().is_some_and(|p| p.contains('Q')) {
                Granularity::Quarter
            } else {
                Granularity::Month
            };
            let g = if period.is_none() { Granularity::Quarter } else { g };
            let violations = audit(&d, &rows, g, period.as_deref())?;
            if json {
                print_json(&json!({"policy_version": sha, "period": period, "violations": violations}));
            } else {
                println!(
                    "{} violation(s) of policy {} in {}",
                    violations.len(),
                    &sha[..12],
                    period.as_deref().unwrap_or("all periods")
                );
                for x in &violations {
                    let q: Vec<String> = x.quantity.iter().map(|(u, q)| format!("{q:.0} {u}")).collect();
                    println!(
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
                    );
                }
            }
            return Ok(if violations.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        PolicyCommand::Diff { policy: places, usage_db, old, new, json } => {
            let schema = schema()?;
            let store = open_store(&places)?;
            let facts = facts(&places, &store)?;
            let (o, n) = (resolve(&old, &store, &schema)?, resolve(&new, &store, &schema)?);
            let old_d = Decider::new(schema.clone(), o, facts.clone())?;
            let new_d = Decider::new(schema, n, facts)?;
            let rows = UsageStore::open(&usage_db)?.rows()?;
            let change = diff(&old_d, &new_d, &rows)?;
            if json {
                print_json(&json!(change));
            } else {
                println!(
                    "{old} → {new}: {} account(s) newly denied ({} lines of past usage), {} newly allowed ({} lines)",
                    change.accounts_newly_denied,
                    change.lines_newly_denied,
                    change.accounts_newly_allowed,
                    change.lines_newly_allowed
                );
                for c in &change.changes {
                    println!(
                        "  {} [{}] {} ({}, {}): {} → {} ({} lines, ${:.2}) by {}",
                        c.organisation,
                        c.account,
                        c.capability,
                        c.service,
                        c.region_class,
                        if c.before { "allow" } else { "deny" },
                        if c.after { "allow" } else { "deny" },
                        c.lines,
                        c.cost,
                        c.policies.join(", ")
                    );
                }
            }
        }
        PolicyCommand::RegisterUse { policy: places, account, use_case, reviewer, reason, withdraw, json } => {
            let mut store = open_store(&places)?;
            let id = store.register_use(&account, &use_case, !withdraw, &reviewer, &reason)?;
            if json {
                print_json(&json!({"event": id, "account": account, "use_case": use_case, "registered": !withdraw}));
            } else {
                let what = if withdraw { "withdrew" } else { "registered" };
                println!("{what} use case {use_case} for account {account} (event {id})");
            }
        }
        PolicyCommand::Replay { policy: places, json } => {
            let schema = schema()?;
            let store = open_store(&places)?;
            let mut same = 0;
            let mut different = Vec::new();
            for rec in store.decisions()? {
                let stored = store
                    .find(&rec.version_sha256)?
                    .with_context(|| format!("decision {}: its policy version is not stored", rec.id))?;
                let v = PolicyVersion::parse(&stored.text, &format!("version {}", stored.version), &schema)?;
                let again = replay(&schema, &v, &rec.request, &rec.entities)?;
                if again.allow == rec.allow && again.policies == rec.policies {
                    same += 1;
                } else {
                    different.push(rec.id);
                }
            }
            if json {
                print_json(&json!({"same": same, "different": different}));
            } else {
                println!(
                    "{same} recorded decision(s) replay to the same answer; {} differ {:?}",
                    different.len(),
                    different
                );
            }
            return Ok(if different.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        PolicyCommand::Serve { policy: places, usage_db, listen, tokens, record } => {
            let store = open_store(&places)?;
            let decider = serving_decider(&places, &usage_db, &store)?;
            let sha = decider.version().sha256.clone();
            let state = server::AppState {
                decider: Some(decider),
                store: record.then(|| Mutex::new(store)),
                ..server::AppState::new(server::auth::Tokens::load(&tokens)?)
            };
            crate::cmd::serve::serve_until_signal(state, &listen, &|url| {
                eprintln!("serving POST /v1/authorize on {url} (policy {})", &sha[..12]);
            })?;
        }
        PolicyCommand::Token { role, label, tokens } => {
            let r = server::auth::Role::parse(&role).context("--role must be admin, reviewer or authorizer")?;
            let token = server::auth::Tokens::issue(&tokens, r, &label)?;
            eprintln!("a {role} token (shown once; {} keeps only its hash):", tokens.display());
            println!("{token}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
