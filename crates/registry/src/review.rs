//! The review queue: proposed account-to-organisation links wait for a reviewer, who accepts
//! or rejects each with their reviewer id and a reason. Decisions are appended to the
//! history; the current state of a link is its latest event.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{LinkEvent, Status};
use crate::store::Store;

/// A link and its current state.
#[derive(Debug, Clone, Serialize)]
pub struct LinkState {
    /// The latest event for this (account, organisation) pair.
    pub latest: LinkEvent,
    /// The proposal that opened it, if any (score and matcher reasons).
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
        let proposal = (e.status == Status::Proposed).then(|| e.clone());
        by_pair
            .entry(key)
            .and_modify(|(latest, p)| {
                *latest = e.clone();
                if p.is_none() {
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

/// Confirmed links: what disclosures use.
pub fn confirmed(store: &dyn Store) -> Result<Vec<LinkState>> {
    Ok(links(store)?.into_iter().filter(|l| l.latest.status == Status::Confirmed).collect())
}

/// Accepts or rejects the link opened by proposal `event_id`.
pub fn decide(store: &mut dyn Store, event_id: i64, accept: bool, reviewer: &str, reason: &str) -> Result<i64> {
    if reviewer.trim().is_empty() || reviewer.chars().any(char::is_whitespace) {
        return Err(Error::Invalid("a reviewer id is required (one word, e.g. a pseudonym such as reviewer-7)".into()));
    }
    if reason.trim().is_empty() {
        return Err(Error::Invalid("a reason is required".into()));
    }
    let link = links(store)?
        .into_iter()
        .find(|l| l.latest.id == event_id || l.proposal.as_ref().is_some_and(|p| p.id == event_id))
        .ok_or_else(|| Error::NotFound(format!("no link with event {event_id}")))?;
    let status = if accept { Status::Confirmed } else { Status::Rejected };
    let mut tx = store.begin()?;
    let id = tx.append_link(&link.latest.account_id, link.latest.org_id, status, None, reason.trim(), reviewer)?;
    tx.commit()?;
    Ok(id)
}
