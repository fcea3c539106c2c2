//! The review queue: proposed account-to-organisation links wait for a reviewer, who accepts
//! or rejects each with their reviewer id and a reason. Decisions are appended to the
//! history; the current state of a link is its latest event.
//!
//! An ambiguous proposal lists several candidate organisations: accepting it names the one
//! chosen (the others are not linked); rejecting it rejects them all.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{LinkEvent, Status};
use crate::store::Store;

/// How the event of a first acceptance begins, for a link that needs a second reviewer (four
/// eyes): the event keeps the link proposed, naming the candidate chosen (`…candidate #ID: why`).
pub const FIRST_ACCEPTANCE: &str = "accepted once, awaiting a second reviewer (four eyes), candidate #";

/// How the reason of a confirmation by the second reviewer begins (`… first by R): why`).
pub const SECOND_ACCEPTANCE: &str = "second acceptance (four eyes;";

/// How the reason of a decision that reverses an earlier one begins (`… N (rejected by R): why`).
pub const REVERSAL: &str = "reversal of event";

/// A link and its current state.
#[derive(Debug, Clone, Serialize)]
pub struct LinkState {
    /// The latest event for this (account, organisation) pair.
    pub latest: LinkEvent,
    /// The screening's proposal it waits on or was decided on, if any (score and matcher
    /// reasons): the latest one, since a pair proposed again after a rejection is decided on
    /// its new proposal. A first acceptance is a reviewer's event, never the proposal.
    pub proposal: Option<LinkEvent>,
    /// Organisation name.
    pub org_name: String,
    /// The account's legal name.
    pub account_name: String,
}

/// Every (account, organisation) pair with its current state, oldest first.
pub fn links(store: &dyn Store) -> Result<Vec<LinkState>> {
    let names: BTreeMap<i64, String> = store.organisations()?.into_iter().map(|o| (o.id, o.name)).collect();
    let accounts: BTreeMap<String, String> =
        store.accounts()?.into_iter().map(|a| (a.account_id, a.legal_name)).collect();
    let mut by_pair: BTreeMap<(String, i64), (LinkEvent, Option<LinkEvent>)> = BTreeMap::new();
    for e in store.link_events()? {
        let key = (e.account_id.clone(), e.org_id);
        let proposal = (e.status == Status::Proposed && !e.reason.starts_with(FIRST_ACCEPTANCE)).then(|| e.clone());
        by_pair
            .entry(key)
            .and_modify(|(latest, p)| {
                *latest = e.clone();
                if proposal.is_some() {
                    *p = proposal.clone();
                }
            })
            .or_insert((e, proposal));
    }
    let mut out: Vec<LinkState> = by_pair
        .into_iter()
        .map(|((account, org), (latest, proposal))| LinkState {
            org_name: names.get(&org).cloned().unwrap_or_default(),
            account_name: accounts.get(&account).cloned().unwrap_or_default(),
            latest,
            proposal,
        })
        .collect();
    out.sort_by_key(|l| l.latest.id);
    Ok(out)
}

/// Links waiting for review.
pub fn queue(store: &dyn Store) -> Result<Vec<LinkState>> {
    Ok(links(store)?.into_iter().filter(|l| l.latest.status == Status::Proposed).collect())
}

/// The (account, organisation) pairs whose latest event confirms them, in the order of those
/// events: what decisions need, read from the link history alone — [`links`] also reads every
/// account's name, which at a large provider's size is a million rows for nothing.
pub fn confirmed_pairs(store: &dyn Store) -> Result<Vec<(String, i64)>> {
    let mut latest: BTreeMap<(String, i64), (i64, Status)> = BTreeMap::new();
    for e in store.link_events()? {
        latest.insert((e.account_id, e.org_id), (e.id, e.status));
    }
    let mut out: Vec<(i64, (String, i64))> = latest
        .into_iter()
        .filter(|(_, (_, status))| *status == Status::Confirmed)
        .map(|(pair, (id, _))| (id, pair))
        .collect();
    out.sort_by_key(|(id, _)| *id);
    Ok(out.into_iter().map(|(_, pair)| pair).collect())
}

/// Confirmed links: what disclosures use.
pub fn confirmed(store: &dyn Store) -> Result<Vec<LinkState>> {
    Ok(links(store)?.into_iter().filter(|l| l.latest.status == Status::Confirmed).collect())
}

/// A reviewer's decision on one proposal.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// The proposal's event id (or the latest event of its link).
    pub event_id: i64,
    /// Accept (confirm the link) or reject it.
    pub accept: bool,
    /// For an ambiguous proposal: the candidate chosen (required to accept one).
    pub org: Option<i64>,
    /// Who decides (one word, e.g. a pseudonym).
    pub reviewer: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Decide a proposal that was decided before (recorded as a reversal); without it, a second
    /// decision is refused as a conflict.
    pub overrides: bool,
}

/// Accepts or rejects the link opened by a proposal; returns the id of the event recording
/// the decision (for an accepted ambiguous proposal, the confirmation of the chosen link).
pub fn decide(store: &mut dyn Store, d: &Decision<'_>) -> Result<i64> {
    let Decision { event_id, accept, org, reviewer, reason, overrides } = *d;
    if reviewer.trim().is_empty() || reviewer.chars().any(char::is_whitespace) {
        return Err(Error::Invalid("a reviewer id is required (one word, e.g. a pseudonym such as reviewer-7)".into()));
    }
    if reason.trim().is_empty() {
        return Err(Error::Invalid("a reason is required".into()));
    }
    crate::person::check("reviewer", reviewer).map_err(Error::Invalid)?;
    input::check("reason", reason, input::Lines::Many).map_err(Error::Invalid)?;
    let link = links(store)?
        .into_iter()
        .find(|l| l.latest.id == event_id || l.proposal.as_ref().is_some_and(|p| p.id == event_id))
        .ok_or_else(|| Error::NotFound(format!("no link with event {event_id}")))?;
    // A decided proposal is decided again only on purpose, and then says so in its record.
    let reason = if link.latest.status == Status::Proposed {
        reason.trim().to_string()
    } else if overrides {
        format!("{REVERSAL} {} ({} by {}): {}", link.latest.id, link.latest.status, link.latest.actor, reason.trim())
    } else {
        return Err(Error::Conflict(format!(
            "proposal {event_id} was already decided: {} by {} at {} (event {}); to decide it again, override it with a reason",
            link.latest.status, link.latest.actor, link.latest.at, link.latest.id
        )));
    };
    let reason = reason.as_str();
    let candidates: Vec<i64> =
        link.proposal.as_ref().map(|p| p.candidates.iter().map(|c| c.org_id).collect()).unwrap_or_default();
    let proposed = link.latest.org_id;
    let chosen = match org {
        // A body the API's schema allows, refused for what it names: conflict (409) and not
        // found (404), not a malformed request (400).
        None if accept && !candidates.is_empty() => {
            return Err(Error::Conflict(format!(
                "proposal {event_id} is ambiguous: choose one of its {} candidates ({}) to accept",
                candidates.len(),
                candidates.iter().map(|c| format!("#{c}")).collect::<Vec<_>>().join(", ")
            )));
        }
        None => proposed,
        Some(o) if o == proposed || candidates.contains(&o) => o,
        Some(o) => {
            return Err(Error::NotFound(format!(
                "organisation #{o} is not a candidate of proposal {event_id} (candidates: {})",
                if candidates.is_empty() {
                    format!("#{proposed}")
                } else {
                    candidates.iter().map(|c| format!("#{c}")).collect::<Vec<_>>().join(", ")
                }
            )));
        }
    };
    if !accept && chosen != proposed {
        return Err(Error::Conflict("rejecting a proposal rejects all its candidates: give no organisation".into()));
    }
    let account = link.latest.account_id.clone();
    let mut tx = store.begin()?;
    // Under the write lock: if another reviewer (another process, another server) decided
    // this link since it was read above, this decision would silently follow theirs. Refuse.
    if let Some(now) = tx.latest_link(&account, proposed)?
        && now.id != link.latest.id
    {
        return Err(Error::Conflict(format!(
            "proposal {event_id} was decided meanwhile: {} by {} at {} (event {}); to decide it again, override it with a reason",
            now.status, now.actor, now.at, now.id
        )));
    }
    let id = if accept {
        let id = tx.append_link(&account, chosen, Status::Confirmed, None, reason, reviewer)?;
        if chosen != proposed {
            // The queue entry was opened on the first candidate: close it, saying why.
            let why = format!("another candidate (#{chosen}) was chosen: {reason}");
            tx.append_link(&account, proposed, Status::Rejected, None, &why, reviewer)?;
        }
        id
    } else {
        tx.append_link(&account, proposed, Status::Rejected, None, reason, reviewer)?
    };
    tx.commit()?;
    Ok(id)
}

/// The organisation a person names: `#123` or `123`, a natural key, or an identifier
/// (`ori:…`, `uei:…` or the bare value).
pub fn organisation_named(store: &dyn Store, text: &str) -> Result<i64> {
    let t = text.trim();
    if let Ok(id) = t.trim_start_matches('#').parse::<i64>()
        && store.organisation(id)?.is_some()
    {
        return Ok(id);
    }
    if let Some(o) = store.organisations()?.into_iter().find(|o| o.key == t) {
        return Ok(o.id);
    }
    let value = crate::names::normalize_identifier(t.split_once(':').map_or(t, |(_, v)| v));
    let held: Vec<i64> = store.identifiers()?.into_iter().filter(|(_, _, v)| *v == value).map(|(o, _, _)| o).collect();
    match held.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::NotFound(format!("{t:?}: no organisation has this id, key or identifier"))),
        _ => Err(Error::Invalid(format!(
            "{t:?}: several organisations hold this identifier; give the organisation's #id"
        ))),
    }
}
