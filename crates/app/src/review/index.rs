//! The queue's index, built once from the registry, the usage store and the active policy, then
//! filtered, sorted and paged in memory, so a listing of a large queue answers in milliseconds;
//! a server keeps one, catches it up with new decisions and rebuilds it when it is older than
//! its time to live. Beside the queued proposals it keeps the decided links whose acceptance
//! (a reversal) would make a deny, so four eyes hold for those too.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Result;
use policy::engine::{Decider, Request};
use registry::model::Status;
use usage::fold::UNMAPPED;

use super::query::{MAX_PAGE, Page, Query, Sort};
use super::rows::{AccountSide, Calibration, Candidate, CapabilityUse, FirstAcceptance, OrganisationSide, QueueItem};
use crate::stores::{Stores, lock};

/// A link a reviewer already decided whose acceptance by override would make a deny: what
/// four eyes needs to know about a proposal that is no longer queued, so that reversing a
/// decision is not a way around the second reviewer.
#[derive(Debug, Clone, PartialEq)]
pub struct DecidedLink {
    /// The account.
    pub account: String,
    /// The organisation of the link (the first candidate of an ambiguous proposal).
    pub org: i64,
    /// The proposal that opened it.
    pub proposal_id: i64,
    /// Its latest event (what a reversal follows).
    pub latest_event: i64,
    /// Its current state.
    pub status: Status,
    /// The proposal's candidates (empty unless it was ambiguous).
    pub candidates: Vec<i64>,
    /// Per organisation an acceptance could confirm: the capabilities it would deny.
    pub would_deny: BTreeMap<i64, Vec<String>>,
}

/// The queue, built once.
#[derive(Debug, Default)]
pub struct QueueIndex {
    /// What it was built from; when the stores say otherwise, what accepting a link would deny
    /// may have changed, and a decision must not trust it.
    sources: Sources,
    items: Vec<QueueItem>,
    /// Decided links whose acceptance would make a deny (none when no policy is active).
    decided: Vec<DecidedLink>,
    /// The last link event it reflects.
    last_event: i64,
}

impl QueueIndex {
    /// Builds the queue from the registry, the usage store (when present) and the active
    /// policy (when one is active), as of `today` (`YYYY-MM-DD`).
    pub fn build(stores: &Stores, today: &str) -> Result<QueueIndex> {
        let store = stores.registry()?;
        let store = lock(&store);
        QueueIndex::build_from(&**store, stores, today)
    }

    /// [`QueueIndex::build`] over the registry of `stores`, locked by the caller (the other
    /// stores are taken from `stores`).
    pub fn build_from(store: &dyn registry::Store, stores: &Stores, today: &str) -> Result<QueueIndex> {
        // Read first: a change made while the index is built shows as a difference later.
        let sources = Sources::read(store, stores)?;
        let decider = if stores.has_policy() {
            // The policy store is held only to read the version and the registered uses: the
            // facts and the decider take seconds at a large provider's size, and recording a
            // decision needs the store meanwhile.
            let pstore = stores.policy()?;
            let pstore = lock(&pstore);
            let in_force = match pstore.active()? {
                Some(_) => {
                    let schema = policy::schema::builtin()?;
                    Some((crate::policy::active(&pstore, &schema)?, schema, pstore.registered_uses()?))
                }
                None => None,
            };
            drop(pstore);
            match in_force {
                Some((version, schema, uses)) => {
                    Some(Decider::new(schema, version, policy::facts::Facts::from_registry(store, &uses)?)?)
                }
                None => None,
            }
        } else {
            None
        };
        let usage = usage_by_account(stores)?;
        let mut index = build(store, &usage, decider.as_ref(), today)?;
        index.sources = sources;
        Ok(index)
    }

    /// Whether the stores still hold what the index was built from (the registry's
    /// organisations, identifiers, relationships, classifications and accounts; the active
    /// policy and registered uses; the usage). Link decisions are not part of it: `catch_up`
    /// follows those.
    pub fn is_current(&self, store: &dyn registry::Store, stores: &Stores) -> Result<bool> {
        Ok(Sources::read(store, stores)? == self.sources)
    }

    /// Catches up with the link events recorded since the index was built (by this process or
    /// another): decided proposals leave it. Returns false when new proposals arrived, which
    /// only a rebuild can add.
    pub fn catch_up(&mut self, store: &dyn registry::Store) -> Result<bool> {
        let events = store.link_events_after(self.last_event)?;
        Ok(self.follow(&events))
    }

    /// [`QueueIndex::catch_up`] on events read: false when only a rebuild can reflect them.
    fn follow(&mut self, events: &[registry::model::LinkEvent]) -> bool {
        let mut complete = true;
        for e in events {
            let same = |i: &QueueItem| i.account.id == e.account_id && i.organisation.id == e.org_id;
            match (e.status, FirstAcceptance::of(e)) {
                // A first acceptance keeps the link queued, now waiting for a second reviewer; a
                // first acceptance that reverses a decision brings a link back that only a
                // rebuild can add.
                (_, Some(first)) => {
                    let mut found = false;
                    for i in self.items.iter_mut().filter(|i| same(i)) {
                        i.first_acceptance = Some(first.clone());
                        i.latest_event = e.id;
                        found = true;
                    }
                    complete &= found;
                }
                (Status::Proposed, None) => complete = false,
                // Decided: it leaves the queue, and what accepting it would deny stays known
                // for a later reversal.
                (status, None) => {
                    // What accepting this link would deny, while its proposal is still known:
                    // a chosen candidate of an ambiguous proposal is confirmed on a link of its
                    // own before the proposal's link is closed.
                    let known = self.impact_known(&e.account_id, e.org_id);
                    let (left, kept): (Vec<QueueItem>, Vec<QueueItem>) =
                        std::mem::take(&mut self.items).into_iter().partition(|i| same(i));
                    self.items = kept;
                    let mut followed = !left.is_empty();
                    for i in left {
                        self.remember_decided(DecidedLink::from_item(&i, e.id, status));
                    }
                    for d in self.decided.iter_mut().filter(|d| d.account == e.account_id && d.org == e.org_id) {
                        d.latest_event = e.id;
                        d.status = status;
                        followed = true;
                    }
                    match known {
                        _ if followed => {}
                        Some(would_deny) => {
                            self.remember_decided(DecidedLink {
                                account: e.account_id.clone(),
                                org: e.org_id,
                                proposal_id: e.id,
                                latest_event: e.id,
                                status,
                                candidates: Vec::new(),
                                would_deny: BTreeMap::from([(e.org_id, would_deny)]),
                            });
                        }
                        // A link the index knows nothing of: only a rebuild can say what
                        // accepting it again would deny.
                        None => complete = false,
                    }
                }
            }
            self.last_event = self.last_event.max(e.id);
        }
        complete
    }

    /// The proposals in the index.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A page: filtered, sorted, cut.
    pub fn page(&self, q: &Query) -> Page<'_> {
        let mut rows: Vec<&QueueItem> = self.items.iter().filter(|i| q.matches(i)).collect();
        match q.sort {
            Sort::Impact => rows.sort_by(|a, b| {
                // A link that would make a deny first (false sorts before true).
                a.would_deny
                    .is_empty()
                    .cmp(&b.would_deny.is_empty())
                    .then(b.usage_lines.cmp(&a.usage_lines))
                    .then(b.score.total_cmp(&a.score))
                    .then(a.proposal_id.cmp(&b.proposal_id))
            }),
            Sort::Score => rows.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.proposal_id.cmp(&b.proposal_id))),
            Sort::Age => rows.sort_by(|a, b| a.proposed_at.cmp(&b.proposed_at).then(a.proposal_id.cmp(&b.proposal_id))),
            Sort::Value => rows
                .sort_by(|a, b| b.expected_value.total_cmp(&a.expected_value).then(a.proposal_id.cmp(&b.proposal_id))),
        }
        let total = rows.len();
        let limit = q.limit.clamp(1, MAX_PAGE);
        let rows: Vec<&QueueItem> = rows.into_iter().skip(q.offset).take(limit).collect();
        Page { total, offset: q.offset, limit, count: rows.len(), sort: q.sort, rows }
    }

    /// The queued proposal named by `id` (its proposal or its link's latest event).
    pub fn item(&self, id: i64) -> Option<&QueueItem> {
        self.items.iter().find(|i| i.proposal_id == id || i.latest_event == id)
    }

    /// The decided link named by `id` (its proposal or its latest event), when accepting it
    /// (by override) would make a deny.
    pub fn decided(&self, id: i64) -> Option<&DecidedLink> {
        self.decided.iter().find(|d| d.proposal_id == id || d.latest_event == id)
    }

    /// What accepting (`account`, `org`) would deny, when the index knows: from a queued
    /// proposal or a decided link that names the organisation (as proposed or a candidate).
    fn impact_known(&self, account: &str, org: i64) -> Option<Vec<String>> {
        let queued = self.items.iter().filter(|i| i.account.id == account).find_map(|i| {
            (i.organisation.id == org || i.candidates.iter().any(|c| c.organisation.id == org))
                .then(|| i.would_deny_for(org).to_vec())
        });
        queued.or_else(|| {
            self.decided.iter().filter(|d| d.account == account).find_map(|d| d.would_deny.get(&org).cloned())
        })
    }

    fn remember_decided(&mut self, link: DecidedLink) {
        if link.would_deny.values().all(Vec::is_empty) {
            return;
        }
        self.decided.retain(|d| !(d.account == link.account && d.org == link.org));
        self.decided.push(link);
    }
}

impl DecidedLink {
    /// A queued proposal as it leaves the queue with the event `latest` (`status`).
    fn from_item(i: &QueueItem, latest: i64, status: Status) -> DecidedLink {
        let mut would_deny = BTreeMap::new();
        would_deny.insert(i.organisation.id, i.would_deny.clone());
        for c in &i.candidates {
            would_deny.insert(c.organisation.id, c.would_deny.clone());
        }
        DecidedLink {
            account: i.account.id.clone(),
            org: i.organisation.id,
            proposal_id: i.proposal_id,
            latest_event: latest,
            status,
            candidates: i.candidates.iter().map(|c| c.organisation.id).collect(),
            would_deny,
        }
    }

    /// What accepting `org` would deny (nothing when it is already the confirmed link).
    pub fn would_deny_for(&self, org: i64) -> &[String] {
        if self.status == Status::Confirmed && org == self.org {
            return &[];
        }
        self.would_deny.get(&org).map_or(&[], Vec::as_slice)
    }
}

/// What an index was built from, read cheaply (counts, a version, a generation): any change to
/// the facts a decision on a link depends on changes one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sources {
    /// Organisations, identifiers, relationships, classification events, accounts, imports.
    registry: [u64; 6],
    /// The active version and a digest of the registered uses.
    policy: Option<(i64, u64)>,
    /// The usage store's generation.
    usage: Option<u64>,
}

impl Sources {
    fn read(store: &dyn registry::Store, stores: &Stores) -> Result<Sources> {
        use std::hash::{Hash, Hasher};
        let c = store.counts()?;
        let registry =
            [c.organisations, c.identifiers, c.relationships, c.classification_events, c.accounts, c.imports];
        let policy = if stores.has_policy() {
            let pstore = stores.policy()?;
            let pstore = lock(&pstore);
            let mut uses = std::collections::hash_map::DefaultHasher::new();
            pstore.registered_uses()?.hash(&mut uses);
            Some((pstore.active()?.map_or(0, |v| v.version), uses.finish()))
        } else {
            None
        };
        let usage = if stores.has_usage() { Some(lock(&*stores.usage()?).generation()?) } else { None };
        Ok(Sources { registry, policy, usage })
    }
}

/// Per account: its usage rows summed by capability and unit, with first and last day.
type AccountUsage = HashMap<String, (Vec<CapabilityUse>, String, String, u64)>;

fn usage_by_account(stores: &Stores) -> Result<AccountUsage> {
    let rows = stores.usage_rows()?;
    // Per account, per (capability, unit): quantity and lines.
    type Sums = BTreeMap<(String, String), (f64, u64)>;
    let mut sums: HashMap<String, Sums> = HashMap::new();
    let mut days: HashMap<String, (String, String)> = HashMap::new();
    for (k, s) in rows.iter().filter(|(k, _)| k.capability != UNMAPPED) {
        let e = sums.entry(k.account.clone()).or_default().entry((k.capability.clone(), k.unit.clone())).or_default();
        e.0 += s.quantity;
        e.1 += s.lines;
        let d = days.entry(k.account.clone()).or_insert_with(|| (s.first.clone(), s.last.clone()));
        if !s.first.is_empty() && (d.0.is_empty() || s.first < d.0) {
            d.0 = s.first.clone();
        }
        if s.last > d.1 {
            d.1 = s.last.clone();
        }
    }
    Ok(sums
        .into_iter()
        .map(|(account, caps)| {
            let mut list: Vec<CapabilityUse> = caps
                .into_iter()
                .map(|((capability, unit), (q, lines))| CapabilityUse {
                    capability,
                    unit,
                    volume_band: publish::redact::volume_band(q),
                    lines,
                })
                .collect();
            list.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.capability.cmp(&b.capability)));
            let lines = list.iter().map(|c| c.lines).sum();
            let (first, last) = days.remove(&account).unwrap_or_default();
            (account, (list, first, last, lines))
        })
        .collect())
}

/// The index from an open registry, usage by account and the active policy's decider.
fn build(
    store: &dyn registry::Store,
    usage: &AccountUsage,
    decider: Option<&Decider>,
    today: &str,
) -> Result<QueueIndex> {
    let links = registry::review::links(store)?;
    let last_event = links.iter().map(|l| l.latest.id).max().unwrap_or(0);
    let graph = registry::classify::Graph::load(store)?;
    let mut identifiers: HashMap<i64, Vec<String>> = HashMap::new();
    for (org, scheme, value) in store.identifiers()? {
        identifiers.entry(org).or_default().push(format!("{}:{value}", scheme.as_str()));
    }
    let mut linked: HashMap<i64, u64> = HashMap::new();
    for l in links.iter().filter(|l| l.latest.status == Status::Confirmed) {
        *linked.entry(l.latest.org_id).or_default() += 1;
    }
    let accounts: HashMap<String, registry::model::Account> =
        store.accounts()?.into_iter().map(|a| (a.account_id.clone(), a)).collect();
    // The evidence of each organisation proposed, made once however many proposals name it.
    let cfg = registry::classify::ClassifyConfig::default();
    let paths = registry::classify::Paths::new(&graph, &cfg);
    let mut evidence: HashMap<i64, Vec<String>> = HashMap::new();
    for l in links.iter().filter(|l| l.latest.status == Status::Proposed) {
        let p = l.proposal.as_ref().unwrap_or(&l.latest);
        for org in std::iter::once(l.latest.org_id).chain(p.candidates.iter().map(|c| c.org_id)) {
            if let std::collections::hash_map::Entry::Vacant(slot) = evidence.entry(org) {
                let role = graph.latest.get(&org).map_or(registry::model::Role::None, |c| c.role);
                slot.insert(publish::gather::sources(&paths, org, role, None));
            }
        }
    }
    let side = |id: i64| -> OrganisationSide {
        let o = graph.orgs.get(&id);
        let c = graph.latest.get(&id);
        OrganisationSide {
            id,
            name: o.map(|o| o.name.clone()).unwrap_or_default(),
            kind: o.map(|o| o.kind.as_str().to_string()).unwrap_or_default(),
            role: c.map_or("none", |c| c.role.as_str()).to_string(),
            role_status: c.map_or("none", |c| c.status.as_str()).to_string(),
            role_reason: c.map(|c| c.reason.clone()).unwrap_or_default(),
            country: o.and_then(|o| o.jurisdiction.country.clone()),
            state: o.and_then(|o| o.jurisdiction.state.clone()),
            identifiers: identifiers.get(&id).cloned().unwrap_or_default(),
            evidence: evidence.get(&id).cloned().unwrap_or_default(),
            accounts_linked: linked.get(&id).copied().unwrap_or(0),
        }
    };
    let today_n = publish::notices::day_number(today).unwrap_or(0);
    // Per score band: how many screening proposals people decided, and accepted.
    let mut decisions: HashMap<&'static str, (u64, u64)> = HashMap::new();
    for (score, _, outcome) in publish::screening_facts::proposals(&store.link_events()?, None) {
        let d = decisions.entry(registry::screen::bands::band(score)).or_default();
        match outcome {
            publish::screening_facts::Outcome::Accepted => (d.0, d.1) = (d.0 + 1, d.1 + 1),
            publish::screening_facts::Outcome::Rejected => d.1 += 1,
            publish::screening_facts::Outcome::Open => {}
        }
    }
    let calibration = |score: f64| {
        let band = registry::screen::bands::band(score);
        let (accepted, decided) = decisions.get(band).copied().unwrap_or_default();
        Calibration::new(band, accepted, decided, labelled_precision(band))
    };
    // Impact per (organisation, capability): the same for every account without registered
    // uses, so most proposals reuse an earlier decision.
    let mut impacts = Impacts { decider, decided: HashMap::new() };
    // Why a pair a reviewer rejected was proposed again (read only for those proposals).
    let again = registry::screen::why_proposed_again(
        store,
        links.iter().filter(|l| l.latest.status == Status::Proposed).filter_map(|l| l.proposal.as_ref()),
    )?;
    let mut items = Vec::new();
    for l in links.iter().filter(|l| l.latest.status == Status::Proposed) {
        let p = l.proposal.as_ref().unwrap_or(&l.latest);
        let a = accounts.get(&l.latest.account_id);
        let (caps, first, last, lines) = usage.get(&l.latest.account_id).cloned().unwrap_or_default();
        let (would_deny, denying) = impacts.of(&l.latest.account_id, &caps, l.latest.org_id)?;
        let mut candidates = Vec::with_capacity(p.candidates.len());
        for c in &p.candidates {
            let (would_deny, _) = impacts.of(&l.latest.account_id, &caps, c.org_id)?;
            candidates.push(Candidate {
                organisation: side(c.org_id),
                score: c.score,
                reasons: c.reason.clone(),
                would_deny,
            });
        }
        items.push(QueueItem {
            proposal_id: p.id,
            account: AccountSide {
                id: l.latest.account_id.clone(),
                name: l.account_name.clone(),
                country: a.and_then(|a| a.country.clone()),
                state: a.and_then(|a| a.state.clone()),
                city: a.and_then(|a| a.city.clone()),
                domain: a.and_then(|a| a.domain.clone()),
                first_usage: first,
                last_usage: last,
                capabilities: caps,
            },
            organisation: side(l.latest.org_id),
            score: p.score.unwrap_or(0.0),
            reasons: p.reason.clone(),
            identifier_match: is_identifier_match(super::rows::matcher_reasons(
                &p.reason,
                again.get(&p.id).map(String::as_str),
            )),
            candidates,
            proposed_at: p.at.clone(),
            age_days: publish::notices::day_number(p.at.get(..10).unwrap_or("")).map_or(0, |d| (today_n - d).max(0)),
            would_deny,
            denying_policies: denying.into_iter().collect(),
            usage_lines: lines,
            latest_event: l.latest.id,
            first_acceptance: FirstAcceptance::of(&l.latest),
            calibration: calibration(p.score.unwrap_or(0.0)),
            expected_value: 0.0,
            proposed_again: again.get(&p.id).cloned(),
        });
        if let Some(i) = items.last_mut() {
            i.expected_value = i.calibration.expected_value(!i.would_deny.is_empty(), i.usage_lines);
        }
    }
    // Decided links: a reversal that accepts one of them takes four eyes as a first acceptance
    // does, so what it would deny is known before anyone asks.
    let mut index = QueueIndex { sources: Sources::default(), items, decided: Vec::new(), last_event };
    if impacts.decider.is_some() {
        for l in links.iter().filter(|l| l.latest.status != Status::Proposed) {
            let caps = usage.get(&l.latest.account_id).map(|u| u.0.as_slice()).unwrap_or_default();
            if caps.is_empty() {
                continue;
            }
            let candidates: Vec<i64> =
                l.proposal.as_ref().map(|p| p.candidates.iter().map(|c| c.org_id).collect()).unwrap_or_default();
            let mut would_deny = BTreeMap::new();
            for org in std::iter::once(l.latest.org_id).chain(candidates.iter().copied()) {
                would_deny.insert(org, impacts.of(&l.latest.account_id, caps, org)?.0);
            }
            index.remember_decided(DecidedLink {
                account: l.latest.account_id.clone(),
                org: l.latest.org_id,
                proposal_id: l.proposal.as_ref().map_or(l.latest.id, |p| p.id),
                latest_event: l.latest.id,
                status: l.latest.status,
                candidates,
                would_deny,
            });
        }
    }
    Ok(index)
}

/// The precision the labelled sets shipped with this release measure at `band`, if they hold
/// proposals there.
fn labelled_precision(band: &str) -> Option<f64> {
    registry::screen::quality::RELEASE.precision_at(band)
}

/// What linking an account to an organisation would deny under the active policy, each
/// (organisation, capability) decided once for accounts without registered uses.
struct Impacts<'a> {
    decider: Option<&'a Decider>,
    decided: HashMap<(i64, String), Option<Vec<String>>>,
}

impl Impacts<'_> {
    /// The capabilities of `caps` the policy would deny to `account` once linked to `org`,
    /// and the rules that would deny them.
    fn of(&mut self, account: &str, caps: &[CapabilityUse], org: i64) -> Result<(Vec<String>, BTreeSet<String>)> {
        let mut would_deny = Vec::new();
        let mut denying = BTreeSet::new();
        let Some(d) = self.decider else { return Ok((would_deny, denying)) };
        let registered = d.facts().accounts.get(account).is_some_and(|f| !f.principal.registered_uses.is_empty());
        for c in caps {
            let denied = if registered {
                deny_if_linked(d, account, &c.capability, org)?
            } else {
                match self.decided.get(&(org, c.capability.clone())) {
                    Some(v) => v.clone(),
                    None => {
                        let v = deny_if_linked(d, account, &c.capability, org)?;
                        self.decided.insert((org, c.capability.clone()), v.clone());
                        v
                    }
                }
            };
            if let Some(policies) = denied {
                would_deny.push(c.capability.clone());
                denying.extend(policies);
            }
        }
        Ok((would_deny, denying))
    }
}

/// The rules that would deny `capability` to `account` once linked to `org` (any service,
/// commercial regions; allowed if allowed for no purpose or one of its registered uses), or
/// `None` when it would be allowed.
fn deny_if_linked(d: &Decider, account: &str, capability: &str, org: i64) -> Result<Option<Vec<String>>> {
    let uses: Vec<String> = d
        .facts()
        .accounts
        .get(account)
        .map(|a| a.principal.registered_uses.iter().cloned().collect())
        .unwrap_or_default();
    let mut last = Vec::new();
    for purpose in std::iter::once(String::new()).chain(uses) {
        let req = Request {
            account: account.to_string(),
            capability: capability.to_string(),
            service: String::new(),
            region_class: "commercial".into(),
            purpose,
        };
        let decision = d.decide_if_linked(&req, org)?;
        if decision.allow {
            return Ok(None);
        }
        last = decision.policies;
    }
    Ok(Some(last))
}

/// Whether the matcher's reasons say it matched on an identifier (UEI, DUNS, ORI).
pub fn is_identifier_match(reasons: &str) -> bool {
    // The matcher's words for an identifier match are its first reason; later reasons, and why
    // a rejected pair came back, quote names from outside ("name \"UEI X is the organisation's
    // …\" matches …"), which must not pass for one (bulk acceptance trusts this).
    let first = reasons.split("; ").next().unwrap_or_default();
    ["UEI ", "DUNS ", "ORI "].iter().any(|k| first.starts_with(k)) && first.ends_with(" is the organisation's")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::rows::Candidate;
    use registry::model::LinkEvent;

    fn side(id: i64) -> OrganisationSide {
        OrganisationSide {
            id,
            name: format!("org {id}"),
            kind: "company".into(),
            role: "supplier".into(),
            role_status: "confirmed".into(),
            role_reason: String::new(),
            country: None,
            state: None,
            identifiers: Vec::new(),
            evidence: Vec::new(),
            accounts_linked: 0,
        }
    }

    fn event(id: i64, org: i64, status: Status, reason: &str) -> LinkEvent {
        LinkEvent {
            id,
            account_id: "acct".into(),
            org_id: org,
            status,
            score: None,
            reason: reason.into(),
            actor: "alice".into(),
            at: "2026-12-06T10:00:00Z".into(),
            candidates: Vec::new(),
        }
    }

    #[test]
    fn a_chosen_candidate_that_makes_a_deny_stays_known_after_its_proposal_leaves() {
        // Regression: an ambiguous proposal whose second candidate makes a deny was confirmed to
        // that candidate under four eyes; one reviewer then rejected that link and accepted it
        // again with override, and the server's queue, which knew nothing of the candidate's
        // own link, let one person confirm it.
        let candidate = |org: i64, deny: &[&str]| Candidate {
            organisation: side(org),
            score: 0.9,
            reasons: String::new(),
            would_deny: deny.iter().map(|d| d.to_string()).collect(),
        };
        let item = QueueItem {
            proposal_id: 5,
            account: AccountSide {
                id: "acct".into(),
                name: "Acme".into(),
                country: None,
                state: None,
                city: None,
                domain: None,
                first_usage: String::new(),
                last_usage: String::new(),
                capabilities: Vec::new(),
            },
            organisation: side(1),
            score: 0.9,
            reasons: String::new(),
            identifier_match: false,
            candidates: vec![candidate(1, &[]), candidate(2, &["face_identification"])],
            proposed_at: "2026-12-01T00:00:00Z".into(),
            age_days: 5,
            would_deny: Vec::new(),
            denying_policies: Vec::new(),
            usage_lines: 1,
            latest_event: 5,
            first_acceptance: None,
            calibration: Calibration::new("0.85-0.90", 0, 0, None),
            expected_value: 0.0,
            proposed_again: None,
        };
        let mut index = QueueIndex { items: vec![item], last_event: 5, ..QueueIndex::default() };
        let events = [
            event(6, 2, Status::Confirmed, "second acceptance (four eyes; first by bob): yes"),
            event(7, 1, Status::Rejected, "another candidate (#2) was chosen: yes"),
            event(8, 2, Status::Rejected, "reversal of event 6 (confirmed by alice): no"),
        ];
        assert!(index.follow(&events), "the index knows what each of these links would deny");
        assert!(index.item(5).is_none(), "decided, so no longer queued");
        let link = index.decided(8).expect("the candidate's own link, rejected");
        assert_eq!((link.org, link.status), (2, Status::Rejected));
        assert_eq!(link.would_deny_for(2), ["face_identification".to_string()]);
        // A decision on a link the index never saw asks for a rebuild.
        assert!(!index.follow(&[event(9, 3, Status::Rejected, "no")]));
    }

    #[test]
    fn only_the_matchers_own_words_make_an_identifier_match() {
        use super::super::rows::matcher_reasons;
        assert!(is_identifier_match("UEI TESTUEI00001 is the organisation's"));
        // An account named to look like one is a name match (bulk acceptance must refuse it).
        let named = "name \"UEI X is the organisation's Co\" matches \"UEI X CO\" (0.97); same state MN";
        assert!(!is_identifier_match(named));
        // Proposed again: the matcher's reasons follow why it came back, which quotes names too.
        let why = "after the rejection in event 4: a new name \"UEI X is the organisation's\" of the account";
        let again = format!("proposed again {why}; UEI TESTUEI00001 is the organisation's");
        assert!(!is_identifier_match(&again), "read whole, it is not the matcher's first reason");
        assert!(is_identifier_match(matcher_reasons(&again, Some(why))));
        let by_name = format!("proposed again {why}; {named}");
        assert!(!is_identifier_match(matcher_reasons(&by_name, Some(why))));
        assert_eq!(matcher_reasons(&by_name, Some("another why")), by_name, "only its own why is taken off");
    }
}
