//! What the provider did about its use policy's findings: enforcement actions recorded
//! (append-only, in the policy database) against an organisation named directly or through one
//! of its accounts, for a policy of the active version; and the period's audit with those
//! actions, as `candor publish` discloses it.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result, bail};
use policy::store::{EnforcementAction, PolicyStore};
use publish::enforcement::{ActionTaken, Enforcement, Finding, PeriodEnforcement};
use registry::Store as _;

use crate::policy::{active, audit_active};
use crate::stores::{Stores, lock};

/// Who an action is about: an organisation (name, `#id`, key or identifier) or an account.
#[derive(Debug, Clone)]
pub enum Subject {
    /// An organisation as a person names it.
    Organisation(String),
    /// A customer account; its confirmed organisation is the subject.
    Account(String),
}

/// An action to record.
#[derive(Debug, Clone)]
pub struct RecordAction {
    /// Who it is about.
    pub subject: Subject,
    /// What was done.
    pub action: policy::store::ActionKind,
    /// The policy `@id` (of the active version) it enforces.
    pub policy: String,
    /// Why.
    pub reason: String,
    /// The reviewer's id (published as a pseudonym).
    pub reviewer: String,
    /// When it takes effect (`YYYY-MM-DD`; today when not given).
    pub effective: Option<String>,
}

/// Records `req`: the subject must be a registry organisation (an account must have a
/// confirmed link), the policy an `@id` of the active version.
pub fn record(stores: &Stores, req: &RecordAction) -> Result<EnforcementAction> {
    let registry = stores.registry()?;
    let registry = lock(&registry);
    let organisation = match &req.subject {
        Subject::Organisation(text) => {
            let t = text.trim();
            let all = registry.organisations()?;
            match all.iter().find(|o| o.name.eq_ignore_ascii_case(t)) {
                Some(o) => o.name.clone(),
                None => {
                    let id = registry::review::organisation_named(&**registry, t)?;
                    registry.organisation(id)?.context("the organisation vanished")?.name
                }
            }
        }
        Subject::Account(account) => crate::period::owners::confirmed_owners_in(&**registry)?
            .remove(account)
            .with_context(|| format!("account {account}: no confirmed link to an organisation (review it first)"))?,
    };
    drop(registry);
    let store = stores.policy()?;
    let mut store = lock(&store);
    let schema = policy::schema::builtin()?;
    let version = active(&store, &schema)?;
    let ids: Vec<String> = version.policies().into_iter().map(|p| p.id).collect();
    if !ids.contains(&req.policy) {
        bail!("policy {:?} is not in the active version (its policies: {})", req.policy, ids.join(", "));
    }
    let effective = req.effective.clone().unwrap_or_else(|| registry::model::now()[..10].to_string());
    Ok(store.record_action(&organisation, req.action.as_str(), &req.policy, &req.reason, &req.reviewer, &effective)?)
}

/// Every action recorded, oldest first.
pub fn list(stores: &Stores) -> Result<Vec<EnforcementAction>> {
    Ok(lock(&*stores.policy()?).actions()?)
}

/// The uses registered now for organisations among `disclosed`, with their declarations (one
/// per organisation and use case: the latest registration of any of its accounts).
/// The stores are open already: `owners` are the registry's confirmed links.
pub fn disclosed_uses(
    store: &PolicyStore,
    owners: &HashMap<String, String>,
    disclosed: &[String],
) -> Result<Vec<publish::enforcement::DisclosedUse>> {
    let mut latest: BTreeMap<(String, String), policy::store::RegisteredUse> = BTreeMap::new();
    for u in store.registered_use_declarations()? {
        let Some(org) = owners.get(&u.account).filter(|o| disclosed.contains(o)) else { continue };
        if u.declaration.is_none() {
            continue;
        }
        let key = (org.clone(), u.use_case.clone());
        if latest.get(&key).is_none_or(|l| l.at <= u.at) {
            latest.insert(key, u);
        }
    }
    latest
        .into_iter()
        .map(|((organisation, use_case), u)| {
            Ok(publish::enforcement::DisclosedUse {
                organisation,
                use_case,
                declaration: u.declaration.as_ref().map(records::Declaration::from).unwrap_or_default(),
                registered_by: u.reviewer,
            })
        })
        .collect()
}

/// The period's audit against the active version, per organisation among `disclosed`, with the
/// actions recorded about the policies each finding names; `None` when no version is active.
/// The stores are open already and `rows` read once, so the audit sees what the records say.
pub fn period_enforcement(
    store: &PolicyStore,
    registry: &dyn registry::Store,
    rows: &[(usage::fold::Key, usage::fold::Sums)],
    period: &str,
    disclosed: &[String],
) -> Result<Option<PeriodEnforcement>> {
    if store.active()?.is_none() {
        return Ok(None);
    }
    let period = usage::fold::PeriodSpec::parse(period).map_err(anyhow::Error::msg)?;
    let audit = audit_active(store, registry, rows, Some(&period))?;
    let actions = store.actions()?;
    let mut out = PeriodEnforcement::default();
    for v in audit.violations {
        if !disclosed.contains(&v.organisation) {
            out.findings_not_disclosed += 1;
            continue;
        }
        out.orgs.entry(v.organisation.clone()).or_insert_with(Enforcement::default).findings.push(Finding {
            policies: v.policies,
            capability: v.capability,
            service: v.service,
            region_class: v.region_class,
            quantity: v.quantity,
            first_day: v.first_day,
            last_day: v.last_day,
        });
    }
    let mut by_org: BTreeMap<&str, Vec<&EnforcementAction>> = BTreeMap::new();
    for a in &actions {
        by_org.entry(a.organisation.as_str()).or_default().push(a);
    }
    for (name, e) in out.orgs.iter_mut() {
        let named: Vec<&String> = e.findings.iter().flat_map(|f| &f.policies).collect();
        for a in by_org.get(name.as_str()).into_iter().flatten().filter(|a| named.contains(&&a.policy)) {
            e.actions.push(ActionTaken {
                action: a.action.clone(),
                policy: a.policy.clone(),
                reason: a.reason.clone(),
                reviewer: a.reviewer.clone(),
                effective: a.effective.clone(),
            });
        }
    }
    Ok(Some(out))
}
