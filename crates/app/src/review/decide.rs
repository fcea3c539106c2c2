//! Decisions made from the review queue. Four eyes: accepting a link that would make the active
//! policy deny something the account uses changes what the provider does to a customer, so
//! (when four eyes are on) the first acceptance is recorded as an event that keeps the link
//! proposed, and a second, different reviewer confirms it. Bulk acceptance takes only exact
//! identifier matches (UEI, DUNS, ORI), and records each link as its own decision.

use registry::Store;
use registry::model::Status;
use registry::review::Decision;

use super::{FIRST_ACCEPTANCE, QueueIndex, QueueItem};

/// How the reason of an acceptance that makes a deny begins when four eyes were turned off.
pub const FOUR_EYES_OFF: &str = "(four eyes off; accepting makes a deny) ";

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

pub use server::queue::Decided;

type Result<T> = std::result::Result<T, registry::Error>;

fn invalid(m: String) -> registry::Error {
    registry::Error::Invalid(m)
}

/// Decides `ask` against the queue `index` (where the proposal is queued, or was decided
/// before). With `four_eyes`, accepting a link that would make a deny takes two reviewers,
/// whether the proposal is queued or a decision on it is reversed.
pub fn decide(store: &mut dyn Store, index: &QueueIndex, ask: &Ask<'_>, four_eyes: bool) -> Result<Decided> {
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
    if !ask.accept {
        return Ok(out(plain(store, ask.reason, ask.org)?, false, false));
    }
    if !four_eyes {
        // Four eyes were turned off: a link that makes a deny is confirmed by one person, and
        // its record says so.
        let deny = match (index.item(ask.proposal_id), index.decided(ask.proposal_id)) {
            (Some(i), _) => !i.would_deny_for(ask.org.unwrap_or(i.organisation.id)).is_empty(),
            (None, Some(d)) => !d.would_deny_for(ask.org.unwrap_or(d.org)).is_empty(),
            (None, None) => false,
        };
        let reason = if deny { format!("{FOUR_EYES_OFF}{}", ask.reason.trim()) } else { ask.reason.to_string() };
        return Ok(out(plain(store, &reason, ask.org)?, true, false));
    }
    if let Some(item) = index.item(ask.proposal_id) {
        let chosen =
            chosen(ask, item.organisation.id, &item.candidates.iter().map(|c| c.organisation.id).collect::<Vec<_>>())?;
        if item.would_deny_for(chosen).is_empty() && item.first_acceptance.is_none() {
            return Ok(out(plain(store, ask.reason, ask.org)?, true, false));
        }
        return queued(store, item, ask, chosen, plain).map(|(id, confirmed)| out(id, confirmed, !confirmed));
    }
    // Not queued: decided before. Accepting it now is a reversal, and when the link would make
    // a deny, the reversal is a first acceptance like any other.
    let Some(link) = index.decided(ask.proposal_id) else {
        return Ok(out(plain(store, ask.reason, ask.org)?, true, false));
    };
    let chosen = chosen(ask, link.org, &link.candidates)?;
    if link.would_deny_for(chosen).is_empty() || !ask.overrides {
        // Nothing to deny, or not an override: the registry decides (or refuses) as usual.
        return Ok(out(plain(store, ask.reason, ask.org)?, true, false));
    }
    check_words(ask)?;
    let id = first_acceptance(store, &link.account, link.org, link.latest_event, ask, chosen, true)?;
    Ok(out(id, false, true))
}

/// The organisation an acceptance confirms: the one asked for, which must be the proposed one
/// or a candidate; an ambiguous proposal needs one named.
fn chosen(ask: &Ask<'_>, proposed: i64, candidates: &[i64]) -> Result<i64> {
    match ask.org {
        // Refused for what the request names (409, 404), as the registry refuses it.
        None if !candidates.is_empty() => Err(registry::Error::Conflict(format!(
            "proposal {} is ambiguous: choose one of its {} candidates ({}) to accept",
            ask.proposal_id,
            candidates.len(),
            candidates.iter().map(|c| format!("#{c}")).collect::<Vec<_>>().join(", ")
        ))),
        None => Ok(proposed),
        Some(o) if o == proposed || candidates.contains(&o) => Ok(o),
        Some(o) => Err(registry::Error::NotFound(format!(
            "organisation #{o} is not a candidate of proposal {}",
            ask.proposal_id
        ))),
    }
}

fn check_words(ask: &Ask<'_>) -> Result<()> {
    if ask.reviewer.trim().is_empty() || ask.reviewer.chars().any(char::is_whitespace) {
        return Err(invalid("a reviewer id is required (one word, e.g. a pseudonym such as reviewer-7)".into()));
    }
    if ask.reason.trim().is_empty() {
        return Err(invalid("a reason is required".into()));
    }
    registry::person::check("reviewer", ask.reviewer).map_err(invalid)
}

/// A queued proposal whose acceptance takes four eyes: a first acceptance, or the second
/// reviewer's confirmation. Returns the event and whether the link is now confirmed.
fn queued(
    store: &mut dyn Store,
    item: &QueueItem,
    ask: &Ask<'_>,
    chosen: i64,
    plain: impl Fn(&mut dyn Store, &str, Option<i64>) -> Result<i64>,
) -> Result<(i64, bool)> {
    check_words(ask)?;
    let proposed = item.organisation.id;
    match &item.first_acceptance {
        Some(first) if registry::person::same(&first.reviewer, ask.reviewer) => {
            Err(registry::Error::Conflict(format!(
                "you accepted proposal {} first; accepting it would make a deny, so a second reviewer must confirm it",
                ask.proposal_id
            )))
        }
        Some(first) if first.org_id != chosen => Err(registry::Error::Conflict(format!(
            "the first reviewer accepted #{} for proposal {}; confirm that one or reject the proposal",
            first.org_id, ask.proposal_id
        ))),
        Some(first) => {
            // A confirmation of a first acceptance that reversed a decision is itself a
            // reversal, and the review facts count it so.
            let reversal = if first.reason.starts_with(registry::review::REVERSAL) { "; a reversal" } else { "" };
            let reason = format!(
                "{} first by {}{reversal}): {}",
                registry::review::SECOND_ACCEPTANCE,
                first.reviewer,
                ask.reason.trim()
            );
            let org = (chosen != proposed).then_some(chosen);
            Ok((plain(store, &reason, org)?, true))
        }
        None => {
            Ok((first_acceptance(store, &item.account.id, proposed, item.latest_event, ask, chosen, false)?, false))
        }
    }
}

/// Records a first acceptance of `chosen` (an event that keeps the link (`account`, `org`)
/// proposed, or puts it back when it `reverses` a decision), refusing if the link's latest
/// event is no longer `latest`.
fn first_acceptance(
    store: &mut dyn Store,
    account: &str,
    org: i64,
    latest: i64,
    ask: &Ask<'_>,
    chosen: i64,
    reverses: bool,
) -> Result<i64> {
    let mut tx = store.begin()?;
    // Under the write lock, as every decision: refuse to follow a decision made meanwhile.
    let now = tx.latest_link(account, org)?;
    if let Some(now) = &now
        && now.id != latest
    {
        return Err(registry::Error::Conflict(format!(
            "proposal {} was decided meanwhile: {} by {} at {} (event {})",
            ask.proposal_id, now.status, now.actor, now.at, now.id
        )));
    }
    let why = ask.reason.trim();
    let reason = match &now {
        Some(now) if reverses => format!(
            "{FIRST_ACCEPTANCE}{chosen}: {} {} ({} by {}): {why}",
            registry::review::REVERSAL,
            now.id,
            now.status,
            now.actor
        ),
        _ => format!("{FIRST_ACCEPTANCE}{chosen}: {why}"),
    };
    let id = tx.append_link(account, org, Status::Proposed, None, &reason, ask.reviewer)?;
    tx.commit()?;
    Ok(id)
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
        out.push(decide(store, index, &ask, four_eyes)?);
    }
    Ok(out)
}
