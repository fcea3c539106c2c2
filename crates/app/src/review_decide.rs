//! Decisions made from the review queue. Four eyes: accepting a link that would make the active
//! policy deny something the account uses changes what the provider does to a customer, so
//! (when four eyes are on) the first acceptance is recorded as an event that keeps the link
//! proposed, and a second, different reviewer confirms it. Bulk acceptance takes only exact
//! identifier matches (UEI, DUNS, ORI), and records each link as its own decision.

use registry::Store;
use registry::model::Status;
use registry::review::Decision;
use serde::Serialize;

use crate::review::{FIRST_ACCEPTANCE, QueueIndex, QueueItem};

/// A reviewer's decision.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// The proposal (or its link's latest event).
    pub proposal_id: i64,
    /// Accept or reject.
    pub accept: bool,
    /// For an ambiguous proposal, the candidate accepted.
    pub org: Option<i64>,
    /// Who (one word).
    pub reviewer: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Decide again a proposal decided before (a recorded reversal).
    pub overrides: bool,
}

/// What a decision did.
#[derive(Debug, Clone, Serialize)]
pub struct Decided {
    /// The event recording it.
    pub event_id: i64,
    /// The proposal.
    pub proposal_id: i64,
    /// Accepted (once or for good) or rejected.
    pub accepted: bool,
    /// Whether the link is now confirmed.
    pub confirmed: bool,
    /// Whether it waits for a second reviewer (four eyes).
    pub awaiting_second_reviewer: bool,
    /// The organisation chosen, for an ambiguous proposal.
    pub org_id: Option<i64>,
    /// Who decided.
    pub reviewer: String,
}

type Result<T> = std::result::Result<T, registry::Error>;

fn invalid(m: String) -> registry::Error {
    registry::Error::Invalid(m)
}

/// Decides `ask` on the queued `item` (none when the proposal is not queued: decided before,
/// or unknown). With `four_eyes`, accepting a link that would make a deny takes two reviewers.
pub fn decide(store: &mut dyn Store, item: Option<&QueueItem>, ask: &Ask<'_>, four_eyes: bool) -> Result<Decided> {
    let out = |event_id: i64, confirmed: bool, waiting: bool| Decided {
        event_id,
        proposal_id: ask.proposal_id,
        accepted: ask.accept,
        confirmed,
        awaiting_second_reviewer: waiting,
        org_id: ask.org,
        reviewer: ask.reviewer.to_string(),
    };
    let plain = |store: &mut dyn Store, reason: &str, org: Option<i64>| {
        let d = Decision {
            event_id: ask.proposal_id,
            accept: ask.accept,
            org,
            reviewer: ask.reviewer,
            reason,
            overrides: ask.overrides,
        };
        registry::review::decide(store, &d)
    };
    let Some(item) = item.filter(|i| four_eyes && ask.accept && !i.would_deny.is_empty()) else {
        return Ok(out(plain(store, ask.reason, ask.org)?, ask.accept, false));
    };
    if ask.reviewer.trim().is_empty() || ask.reviewer.chars().any(char::is_whitespace) {
        return Err(invalid("a reviewer id is required (one word, e.g. a pseudonym such as reviewer-7)".into()));
    }
    if ask.reason.trim().is_empty() {
        return Err(invalid("a reason is required".into()));
    }
    let proposed = item.organisation.id;
    let candidates: Vec<i64> = item.candidates.iter().map(|c| c.organisation.id).collect();
    let chosen = match ask.org {
        None if !candidates.is_empty() => {
            return Err(invalid(format!("proposal {} is ambiguous: choose one of its candidates", ask.proposal_id)));
        }
        None => proposed,
        Some(o) if o == proposed || candidates.contains(&o) => o,
        Some(o) => {
            return Err(invalid(format!("organisation #{o} is not a candidate of proposal {}", ask.proposal_id)));
        }
    };
    match &item.first_acceptance {
        Some(first) if first.reviewer == ask.reviewer => Err(registry::Error::Conflict(format!(
            "you accepted proposal {} first; accepting it would make a deny, so a second reviewer must confirm it",
            ask.proposal_id
        ))),
        Some(first) if first.org_id != chosen => Err(registry::Error::Conflict(format!(
            "the first reviewer accepted #{} for proposal {}; confirm that one or reject the proposal",
            first.org_id, ask.proposal_id
        ))),
        Some(first) => {
            let reason =
                format!("{} first by {}): {}", registry::review::SECOND_ACCEPTANCE, first.reviewer, ask.reason.trim());
            let org = (chosen != proposed).then_some(chosen);
            Ok(out(plain(store, &reason, org)?, true, false))
        }
        None => {
            let mut tx = store.begin()?;
            // Under the write lock, as every decision: refuse to follow a decision made meanwhile.
            if let Some(now) = tx.latest_link(&item.account.id, proposed)?
                && now.id != item.latest_event
            {
                return Err(registry::Error::Conflict(format!(
                    "proposal {} was decided meanwhile: {} by {} at {} (event {})",
                    ask.proposal_id, now.status, now.actor, now.at, now.id
                )));
            }
            let reason = format!("{FIRST_ACCEPTANCE}{chosen}: {}", ask.reason.trim());
            let id = tx.append_link(&item.account.id, proposed, Status::Proposed, None, &reason, ask.reviewer)?;
            tx.commit()?;
            Ok(out(id, false, true))
        }
    }
}

/// Accepts every proposal in `ids` with one reason, each recorded as its own decision (four eyes
/// honoured). Refused as a whole, before anything is written, when one is not queued or is not
/// an exact identifier match.
pub fn bulk_accept(
    store: &mut dyn Store,
    index: &QueueIndex,
    ids: &[i64],
    reviewer: &str,
    reason: &str,
    four_eyes: bool,
) -> Result<Vec<Decided>> {
    let missing: Vec<String> = ids.iter().filter(|id| index.item(**id).is_none()).map(i64::to_string).collect();
    if !missing.is_empty() {
        return Err(registry::Error::NotFound(format!("not in the review queue: {}", missing.join(", "))));
    }
    let by_name: Vec<String> = ids
        .iter()
        .filter(|id| index.item(**id).is_some_and(|i| !i.identifier_match || !i.candidates.is_empty()))
        .map(i64::to_string)
        .collect();
    if !by_name.is_empty() {
        return Err(invalid(format!(
            "bulk acceptance takes only exact identifier matches (UEI, DUNS, ORI); these matched by name, decide them \
             one by one: {}",
            by_name.join(", ")
        )));
    }
    let mut out = Vec::with_capacity(ids.len());
    let mut seen = std::collections::HashSet::new();
    // A proposal named twice is decided once.
    for &id in ids.iter().filter(|id| seen.insert(**id)) {
        let ask = Ask { proposal_id: id, accept: true, org: None, reviewer, reason, overrides: false };
        out.push(decide(store, index.item(id), &ask, four_eyes)?);
    }
    Ok(out)
}
