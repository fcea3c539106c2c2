//! Decisions at request time. A [`PolicyVersion`] is a validated policy text with its hash;
//! a [`Decider`] holds one version, the schema and the facts, and answers "may this account
//! use this capability of this service in this region class, for this purpose?" — allow or
//! deny, with the policies that decided it and the attributes those policies read.
//!
//! A decision is a pure function of (policy version, entities, request): the entities a
//! decision used can be exported with it ([`Decision::entities`]) and evaluated again later
//! against the same version ([`replay`]), whatever the registry or the active policy is by then.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression, Schema,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::facts::{Facts, Principal};
pub use crate::version::{PolicyInfo, PolicyVersion};
use crate::{Error, Result};

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Request {
    /// The provider's account id.
    pub account: String,
    /// A capability id of the taxonomy (the Cedar action).
    pub capability: String,
    /// Service name ("" when not given).
    #[serde(default)]
    pub service: String,
    /// Region class (`commercial`, `government`, `secret`; "" when not given).
    #[serde(default)]
    pub region_class: String,
    /// Declared purpose ("" when none).
    #[serde(default)]
    pub purpose: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Allowed?
    pub allow: bool,
    /// The policies that decided it (satisfied forbids for a deny, permits for an allow).
    pub policies: Vec<String>,
    /// The attributes those policies read, with this request's values.
    pub attributes: BTreeMap<String, Value>,
    /// Evaluation errors (a policy that errs is skipped, as Cedar specifies).
    pub errors: Vec<String>,
    /// The policy version (SHA-256 of its text).
    pub policy_version: String,
}

fn uid(kind: &str, id: &str) -> Result<EntityUid> {
    let t = EntityTypeName::from_str(&format!("Candor::{kind}")).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(EntityUid::from_type_name_and_id(t, EntityId::new(id)))
}

fn strings(set: &std::collections::BTreeSet<String>) -> RestrictedExpression {
    RestrictedExpression::new_set(set.iter().map(|s| RestrictedExpression::new_string(s.clone())))
}

fn principal_attrs(p: &Principal) -> HashMap<String, RestrictedExpression> {
    let s = |v: &str| RestrictedExpression::new_string(v.to_string());
    HashMap::from([
        ("name".to_string(), s(&p.name)),
        ("kind".to_string(), s(&p.kind)),
        ("law_enforcement_role".to_string(), s(&p.law_enforcement_role)),
        ("role_status".to_string(), s(&p.role_status)),
        ("country".to_string(), s(&p.country)),
        ("state".to_string(), s(&p.state)),
        ("enables".to_string(), strings(&p.enables)),
        (
            "enables_immigration_enforcement".to_string(),
            RestrictedExpression::new_bool(p.enables_immigration_enforcement),
        ),
        ("registered_uses".to_string(), strings(&p.registered_uses)),
        ("supplied_technologies".to_string(), strings(&p.supplied_technologies)),
    ])
}

fn org_uid(id: i64) -> Result<EntityUid> {
    uid("Organisation", &format!("org:{id}"))
}

fn entity(e: std::result::Result<Entity, impl std::fmt::Display>) -> Result<Entity> {
    e.map_err(|e| Error::Internal(e.to_string()))
}

/// The action entities of the schema (each action with the groups it is in), by capability,
/// so a request carries its action's place in the hierarchy without validating entities.
pub struct Actions(HashMap<String, Vec<Entity>>);

impl Actions {
    /// From the schema.
    pub fn of(schema: &Schema) -> Result<Actions> {
        let all = schema.action_entities().map_err(|e| Error::Schema(e.to_string()))?;
        let by_uid: HashMap<EntityUid, Entity> = all.iter().map(|e| (e.uid(), e.clone())).collect();
        let mut out = HashMap::new();
        for e in all.iter() {
            let mut chain = vec![e.clone()];
            for (uid, group) in &by_uid {
                if all.is_ancestor_of(uid, &e.uid()) {
                    chain.push(group.clone());
                }
            }
            out.insert(e.uid().id().unescaped().to_string(), chain);
        }
        Ok(Actions(out))
    }
}

impl Actions {
    /// The entities of one capability's action and its groups.
    pub fn entities_for(&self, capability: &str) -> Vec<Entity> {
        self.0.get(capability).cloned().unwrap_or_default()
    }
}

/// The Cedar request for `req`, validated against the schema.
pub fn cedar_request(req: &Request, schema: &Schema) -> Result<cedar_policy::Request> {
    cedar_request_as(req, &req.account, schema)
}

/// The Cedar request for `req` with `account` as its principal.
fn cedar_request_as(req: &Request, account: &str, schema: &Schema) -> Result<cedar_policy::Request> {
    use usage::taxonomy::RegionClass;
    let classes = [RegionClass::Commercial, RegionClass::Government, RegionClass::Secret].map(RegionClass::as_str);
    // Empty means not given; anything else must be a class, as a capability must be one.
    if !req.region_class.is_empty() && !classes.contains(&req.region_class.as_str()) {
        return Err(Error::BadRequest(format!(
            "{:?} is not a region class ({})",
            req.region_class,
            classes.join(", ")
        )));
    }
    let action = uid("Action", &req.capability)?;
    let principal = uid("Account", account)?;
    let resource = uid("Service", &format!("{}@{}", req.service, req.region_class))?;
    let context = Context::from_pairs([("purpose".to_string(), RestrictedExpression::new_string(req.purpose.clone()))])
        .map_err(|e| Error::Internal(e.to_string()))?;
    cedar_policy::Request::new(principal, action, resource, context, Some(schema))
        .map_err(|e| Error::BadRequest(format!("{e} (is {:?} a capability of the taxonomy?)", req.capability)))
}

/// Decides requests under one policy version.
///
/// Every organisation and account of the facts (those linked or with registered uses), every
/// action and the resources of the services it was told about are built into one entity
/// store when the decider is made, so a request for a known service costs one Cedar
/// evaluation; a service it was not told about gets the few entities it needs built for it.
/// Accounts linked to no organisation (a large provider's millions of ordinary customers)
/// are not in the store: each would cost kilobytes of Cedar entity (about 10 GB at a million
/// accounts) to say what every one of them says, "unknown, not linked". They are decided as
/// one stand-in account in the store that says it once — unless a policy names an account,
/// for then an account's id can matter, and the account's own entity is built per request.
pub struct Decider {
    schema: Schema,
    actions: Actions,
    version: PolicyVersion,
    facts: Facts,
    /// Organisation entities, built once.
    orgs: HashMap<i64, Entity>,
    unknown: Principal,
    authorizer: Authorizer,
    /// All organisations, linked accounts, actions and known resources.
    all: Entities,
    /// Resource ids (`service@class`) in `all`.
    resources: HashSet<String>,
    /// Unlinked accounts are decided as [`UNLINKED`], an account in `all`: no policy names an
    /// account and no account of the facts has that id.
    stand_in: bool,
}

/// The id of the stand-in for every account absent from the facts. Account ids come from
/// outside, which refuses control characters (and PostgreSQL cannot store NUL), so none can
/// be this; the decider checks it all the same before it uses it.
const UNLINKED: &str = "\u{0}unlinked account";

/// Region classes resources are built for.
/// ("": a request that names no region class, as a gateway without the header sends; prepared
/// too, so such requests take the fast path.)
const REGION_CLASSES: [&str; 4] = ["commercial", "government", "secret", ""];

fn account_entity(id: &str, principal: &Principal, org: Option<i64>) -> Result<Entity> {
    let mut attrs = principal_attrs(principal);
    attrs.insert("linked".into(), RestrictedExpression::new_bool(org.is_some()));
    let parents: HashSet<EntityUid> = org.map(org_uid).transpose()?.into_iter().collect();
    entity(Entity::new(uid("Account", id)?, attrs, parents))
}

fn resource_entities(service: &str, class: &str) -> Result<[Entity; 2]> {
    let class_uid = uid("RegionClass", class)?;
    let attrs = HashMap::from([
        ("name".to_string(), RestrictedExpression::new_string(service.to_string())),
        ("region_class".to_string(), RestrictedExpression::new_string(class.to_string())),
    ]);
    Ok([
        Entity::new_no_attrs(class_uid.clone(), HashSet::new()),
        entity(Entity::new(uid("Service", &format!("{service}@{class}"))?, attrs, HashSet::from([class_uid])))?,
    ])
}

impl Decider {
    /// A decider for `version` over `facts`.
    pub fn new(schema: Schema, version: PolicyVersion, facts: Facts) -> Result<Decider> {
        Decider::with_services(schema, version, facts, &[])
    }

    /// A decider that also prepares resources for these services, so requests naming them
    /// need no entities built at request time.
    pub fn with_services(schema: Schema, version: PolicyVersion, facts: Facts, services: &[String]) -> Result<Decider> {
        let mut orgs = HashMap::with_capacity(facts.orgs.len());
        for (id, o) in &facts.orgs {
            let parents: HashSet<EntityUid> = o.parent.map(org_uid).transpose()?.into_iter().collect();
            orgs.insert(*id, entity(Entity::new(org_uid(*id)?, principal_attrs(&o.principal), parents))?);
        }
        let actions = Actions::of(&schema)?;
        let mut d = Decider {
            schema,
            actions,
            version,
            facts,
            orgs,
            unknown: Principal::unknown(),
            authorizer: Authorizer::new(),
            all: Entities::empty(),
            resources: HashSet::new(),
            stand_in: false,
        };
        let mut services = services.to_vec();
        services.sort();
        services.dedup();
        d.build_all(&services)?;
        Ok(d)
    }

    /// Builds the entity store with resources for these services (in every region class).
    fn build_all(&mut self, services: &[String]) -> Result<()> {
        let mut list: Vec<Entity> = self.orgs.values().cloned().collect();
        // Accounts absent from the facts are linked to nothing; those it holds are few.
        for (id, a) in &self.facts.accounts {
            list.push(account_entity(id, &a.principal, a.org)?);
        }
        // The stand-in is only as good as the policies' blindness to account ids.
        self.stand_in = !self.version.names_accounts() && !self.facts.accounts.contains_key(UNLINKED);
        if self.stand_in {
            list.push(account_entity(UNLINKED, &self.unknown, None)?);
        }
        let mut seen_actions = HashSet::new();
        for chain in self.actions.0.values() {
            for e in chain {
                if seen_actions.insert(e.uid()) {
                    list.push(e.clone());
                }
            }
        }
        let mut resources = HashSet::new();
        let mut classes = HashSet::new();
        for service in services {
            for class in REGION_CLASSES {
                let [c, r] = resource_entities(service, class)?;
                if classes.insert(class) {
                    list.push(c);
                }
                resources.insert(format!("{service}@{class}"));
                list.push(r);
            }
        }
        self.all = Entities::from_entities(list, None).map_err(|e| Error::Internal(e.to_string()))?;
        self.resources = resources;
        Ok(())
    }

    /// The policy version.
    pub fn version(&self) -> &PolicyVersion {
        &self.version
    }

    /// Every action a request may name (the capabilities, not the groups they are in), sorted.
    pub fn action_ids(&self) -> Vec<String> {
        let groups: HashSet<EntityUid> =
            self.actions.0.values().flat_map(|chain| chain.iter().skip(1).map(Entity::uid)).collect();
        let mut ids: Vec<String> = self
            .actions
            .0
            .iter()
            .filter(|(_, chain)| chain.first().is_some_and(|e| !groups.contains(&e.uid())))
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// The facts.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// The entities one request needs: the account, its organisation and that organisation's
    /// parents, the service and its region class.
    pub fn entities_for(&self, req: &Request) -> Result<Vec<Entity>> {
        let account = self.facts.accounts.get(&req.account);
        let principal = account.map(|a| &a.principal).unwrap_or(&self.unknown);
        let org = account.and_then(|a| a.org);
        let mut out = vec![account_entity(&req.account, principal, org)?];
        out.extend(self.org_chain(org));
        out.extend(resource_entities(&req.service, &req.region_class)?);
        Ok(out)
    }

    /// The organisation's entity and its parents', nearest first (at most 16: a cycle in the
    /// data must not loop).
    fn org_chain(&self, org: Option<i64>) -> Vec<Entity> {
        let mut out = Vec::new();
        let mut next = org;
        while let Some(id) = next {
            if out.len() >= 16 {
                break;
            }
            match self.orgs.get(&id) {
                Some(e) => out.push(e.clone()),
                None => break,
            }
            next = self.facts.orgs.get(&id).and_then(|o| o.parent);
        }
        out
    }

    /// Decides a request.
    pub fn decide(&self, req: &Request) -> Result<Decision> {
        let account = self.facts.accounts.get(&req.account);
        let principal = account.map(|a| &a.principal).unwrap_or(&self.unknown);
        let linked = account.is_some_and(|a| a.org.is_some());
        let attr = |a: &str| principal_value(principal, linked, a);
        let resource = format!("{}@{}", req.service, req.region_class);
        if self.resources.contains(&resource) {
            if account.is_some() {
                return decide_in(&self.authorizer, &self.schema, &self.version, req, &req.account, &self.all, &attr);
            }
            if self.stand_in {
                let d = decide_in(&self.authorizer, &self.schema, &self.version, req, UNLINKED, &self.all, &attr)?;
                // An evaluation error's message may quote the principal, which is the stand-in
                // here: decided again below under the account's own id, the answer is the
                // same as ever. Errors are rare (the policies are validated), so it costs
                // nothing.
                if d.errors.is_empty() {
                    return Ok(d);
                }
            }
        }
        let mut entities = self.entities_for(req)?;
        entities.extend(self.actions.entities_for(&req.capability));
        let entities = Entities::from_entities(entities, None).map_err(|e| Error::Internal(e.to_string()))?;
        decide_in(&self.authorizer, &self.schema, &self.version, req, &req.account, &entities, &attr)
    }

    /// Decides `req` as if its account were confirmed to belong to organisation `org`: what
    /// accepting a proposed link would make of the account's requests (the review queue's
    /// impact). The account keeps its registered uses. Entities are built per call.
    pub fn decide_if_linked(&self, req: &Request, org: i64) -> Result<Decision> {
        let Some(o) = self.facts.orgs.get(&org) else {
            return Err(Error::BadRequest(format!("organisation #{org} is not in the registry's facts")));
        };
        let mut principal = o.principal.clone();
        if let Some(a) = self.facts.accounts.get(&req.account) {
            principal.registered_uses.extend(a.principal.registered_uses.iter().cloned());
        }
        let mut entities = vec![account_entity(&req.account, &principal, Some(org))?];
        entities.extend(self.org_chain(Some(org)));
        entities.extend(resource_entities(&req.service, &req.region_class)?);
        entities.extend(self.actions.entities_for(&req.capability));
        let entities = Entities::from_entities(entities, None).map_err(|e| Error::Internal(e.to_string()))?;
        let attr = |a: &str| principal_value(&principal, true, a);
        decide_in(&self.authorizer, &self.schema, &self.version, req, &req.account, &entities, &attr)
    }
}

/// Decides `req` against `entities`, with the account entity `account` as the principal;
/// `principal_attr` gives the value of a principal attribute for the explanation.
fn decide_in(
    authorizer: &Authorizer,
    schema: &Schema,
    version: &PolicyVersion,
    req: &Request,
    account: &str,
    entities: &Entities,
    principal_attr: &dyn Fn(&str) -> Option<Value>,
) -> Result<Decision> {
    let request = cedar_request_as(req, account, schema)?;
    let response = authorizer.is_authorized(&request, &version.set, entities);
    let mut policies: Vec<String> = response.diagnostics().reason().map(|p| p.to_string()).collect();
    // In the order the policy text gives them, so answers compare equal.
    policies.sort_by_key(|id| version.order.get(id).copied().unwrap_or(usize::MAX));
    let mut attributes = BTreeMap::new();
    for id in &policies {
        for (var, attr) in version.reads.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            let value = match var.as_str() {
                "principal" => principal_attr(attr),
                "context" if attr == "purpose" => Some(json!(req.purpose)),
                "resource" if attr == "name" => Some(json!(req.service)),
                "resource" if attr == "region_class" => Some(json!(req.region_class)),
                _ => None,
            };
            if let Some(v) = value {
                attributes.insert(format!("{var}.{attr}"), v);
            }
        }
    }
    Ok(Decision {
        allow: response.decision() == cedar_policy::Decision::Allow,
        policies,
        attributes,
        errors: response.diagnostics().errors().map(|e| e.to_string()).collect(),
        policy_version: version.sha256.clone(),
    })
}

/// A principal attribute's value, from the facts (for the explanation of a decision).
fn principal_value(p: &Principal, linked: bool, attr: &str) -> Option<Value> {
    Some(match attr {
        "name" => json!(p.name),
        "kind" => json!(p.kind),
        "law_enforcement_role" => json!(p.law_enforcement_role),
        "role_status" => json!(p.role_status),
        "country" => json!(p.country),
        "state" => json!(p.state),
        "enables" => json!(p.enables),
        "enables_immigration_enforcement" => json!(p.enables_immigration_enforcement),
        "registered_uses" => json!(p.registered_uses),
        "supplied_technologies" => json!(p.supplied_technologies),
        "linked" => json!(linked),
        _ => return None,
    })
}

/// The entities of a decision as JSON, to record with it.
pub fn entities_json(entities: &[Entity]) -> Result<Value> {
    let list: Result<Vec<Value>> =
        entities.iter().map(|e| e.to_json_value().map_err(|e| Error::Internal(e.to_string()))).collect();
    list.map(Value::Array)
}

/// Evaluates a recorded decision again: the same version text, the same recorded entities.
pub fn replay(schema: &Schema, version: &PolicyVersion, req: &Request, entities: &Value) -> Result<Decision> {
    let parsed = Entities::from_json_value(entities.clone(), None).map_err(|e| Error::Internal(e.to_string()))?;
    let mut list: Vec<Entity> = parsed.iter().cloned().collect();
    // The recorded account's attributes explain the replayed decision.
    let account: Option<Value> = list
        .iter()
        .find(|e| e.uid().type_name().to_string() == "Candor::Account")
        .and_then(|e| e.to_json_value().ok())
        .and_then(|v| v.get("attrs").cloned());
    list.extend(Actions::of(schema)?.entities_for(&req.capability));
    let entities = Entities::from_entities(list, None).map_err(|e| Error::Internal(e.to_string()))?;
    let attr = |a: &str| account.as_ref().and_then(|v| v.get(a).cloned());
    decide_in(&Authorizer::new(), schema, version, req, &req.account, &entities, &attr)
}
