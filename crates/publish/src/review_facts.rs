//! What a period's report says about review itself: how many proposed links were made and
//! decided in the period, accepted or rejected, reversed, decided under four eyes; how many
//! wait and for how long; and per reviewer pseudonym how many each decided. Counts only: no
//! reviewer id, no account id, no organisation.

use std::collections::{BTreeMap, HashMap};

use registry::model::{LinkEvent, Status};

use crate::notices::{day_number, day_text};
use crate::redact::pseudonym;

/// One reviewer's decisions in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewerCounts {
    /// Links confirmed.
    pub accepted: u64,
    /// Links rejected.
    pub rejected: u64,
    /// First acceptances of links that needed a second reviewer.
    pub first_acceptances: u64,
}

/// The review facts of one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewFacts {
    /// The day the pending counts are taken (the period's last day, or today if earlier).
    pub as_of: String,
    /// Proposals the screening made in the period.
    pub proposals_made: u64,
    /// Decisions in the period (confirmations and rejections).
    pub decided: u64,
    /// Of which confirmations.
    pub accepted: u64,
    /// Of which rejections.
    pub rejected: u64,
    /// Decisions that reversed an earlier one.
    pub reversed: u64,
    /// Confirmations made by a second reviewer (four eyes).
    pub decided_under_four_eyes: u64,
    /// Links proposed and not decided at the end of `as_of`.
    pub pending: u64,
    /// Their median age in whole days (of two middle ages, their mean, rounded down).
    pub pending_median_age_days: i64,
    /// The oldest one's age in days.
    pub pending_oldest_age_days: i64,
    /// Per reviewer id (turned into pseudonyms when written).
    pub by_reviewer: BTreeMap<String, ReviewerCounts>,
}

/// The review facts of `period` (`YYYY-Qn`) from the link history, as of `today`.
pub fn review_facts(events: &[LinkEvent], period: &str, today: &str) -> ReviewFacts {
    let (start, end) = crate::notices::quarter_bounds(period);
    let last_day = day_number(&end).map(|d| day_text(d - 1)).unwrap_or_default();
    let as_of = if today < last_day.as_str() { today.to_string() } else { last_day };
    let mut f = ReviewFacts { as_of: as_of.clone(), ..ReviewFacts::default() };
    let day = |e: &LinkEvent| e.at.get(..10).unwrap_or("").to_string();
    let by_person = |e: &LinkEvent| !e.actor.starts_with("candor:");
    // The state of each link at the end of `as_of`, and when it was first proposed.
    let mut state: HashMap<(&str, i64), (Status, String)> = HashMap::new();
    for e in events {
        let d = day(e);
        let in_period = d.as_str() >= start.as_str() && d.as_str() < end.as_str();
        if d.as_str() <= as_of.as_str() {
            let entry = state.entry((e.account_id.as_str(), e.org_id)).or_insert((e.status, d.clone()));
            if entry.0 != Status::Proposed && e.status == Status::Proposed && !by_person(e) {
                // Proposed again by the screening after a decision: it waits from now.
                entry.1 = d.clone();
            }
            entry.0 = e.status;
        }
        if !in_period {
            continue;
        }
        let first = e.reason.starts_with(registry::review::FIRST_ACCEPTANCE);
        match e.status {
            Status::Proposed if !by_person(e) => f.proposals_made += 1,
            Status::Proposed if first => {
                f.by_reviewer.entry(registry::person::key(&e.actor)).or_default().first_acceptances += 1
            }
            Status::Proposed => {}
            // The queue entry an ambiguous acceptance closes is not a decision of its own.
            Status::Rejected if e.reason.starts_with("another candidate (#") => {}
            s if by_person(e) => {
                f.decided += 1;
                // One person however their id was spelled (`Alice`, `alice`, full-width).
                let counts = f.by_reviewer.entry(registry::person::key(&e.actor)).or_default();
                if s == Status::Confirmed {
                    f.accepted += 1;
                    counts.accepted += 1;
                } else {
                    f.rejected += 1;
                    counts.rejected += 1;
                }
                if is_reversal(&e.reason) {
                    f.reversed += 1;
                }
                if e.reason.starts_with(registry::review::SECOND_ACCEPTANCE) {
                    f.decided_under_four_eyes += 1;
                }
            }
            _ => {}
        }
    }
    let today_n = day_number(&as_of).unwrap_or(0);
    let mut ages: Vec<i64> = state
        .values()
        .filter(|(s, _)| *s == Status::Proposed)
        .map(|(_, since)| day_number(since).map_or(0, |d| (today_n - d).max(0)))
        .collect();
    ages.sort_unstable();
    f.pending = ages.len() as u64;
    f.pending_median_age_days = match ages.len() {
        0 => 0,
        n if n % 2 == 1 => ages[n / 2],
        n => (ages[n / 2 - 1] + ages[n / 2]) / 2,
    };
    f.pending_oldest_age_days = ages.last().copied().unwrap_or(0);
    f
}

/// Whether a decision's reason says it reverses an earlier decision: a reversal, or the second
/// acceptance that confirms a first acceptance which reversed one (four eyes on a reversal).
fn is_reversal(reason: &str) -> bool {
    use registry::review::{REVERSAL, SECOND_ACCEPTANCE};
    reason.starts_with(REVERSAL)
        || reason
            .strip_prefix(SECOND_ACCEPTANCE)
            .and_then(|r| r.split_once("): "))
            .is_some_and(|(head, _)| head.ends_with("; a reversal"))
}

impl ReviewFacts {
    /// The facts as the period summary holds them, reviewers as salted pseudonyms (ordered by
    /// pseudonym, so the order says nothing of who they are).
    pub fn summary(&self, salt: &[u8]) -> records::ReviewSummary {
        let mut reviewers: Vec<records::ReviewerCounts> = self
            .by_reviewer
            .iter()
            .map(|(id, c)| records::ReviewerCounts {
                reviewer: pseudonym(id, salt),
                accepted: c.accepted,
                rejected: c.rejected,
                first_acceptances: c.first_acceptances,
            })
            .collect();
        reviewers.sort_by(|a, b| a.reviewer.cmp(&b.reviewer));
        records::ReviewSummary {
            as_of: self.as_of.clone(),
            proposals_made: self.proposals_made,
            decided: self.decided,
            accepted: self.accepted,
            rejected: self.rejected,
            reversed: self.reversed,
            decided_under_four_eyes: self.decided_under_four_eyes,
            pending: self.pending,
            pending_median_age_days: self.pending_median_age_days,
            pending_oldest_age_days: self.pending_oldest_age_days,
            reviewers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: i64, account: &str, status: Status, actor: &str, reason: &str, at: &str) -> LinkEvent {
        LinkEvent {
            id,
            account_id: account.into(),
            org_id: 1,
            status,
            score: None,
            reason: reason.into(),
            actor: actor.into(),
            at: format!("{at}T10:00:00Z"),
            candidates: Vec::new(),
        }
    }

    #[test]
    fn a_period_counts_what_was_proposed_decided_reversed_and_still_waits() {
        let first = format!("{}1: looks right", registry::review::FIRST_ACCEPTANCE);
        let second = format!("{} first by r1): fine", registry::review::SECOND_ACCEPTANCE);
        let events = [
            ev(1, "a", Status::Proposed, "candor:screen", "name", "2026-06-20"),
            ev(2, "b", Status::Proposed, "candor:screen", "name", "2026-07-02"),
            ev(3, "c", Status::Proposed, "candor:screen", "name", "2026-07-03"),
            ev(4, "d", Status::Proposed, "candor:screen", "name", "2026-08-01"),
            ev(5, "a", Status::Confirmed, "r1", "same", "2026-07-05"),
            ev(6, "a", Status::Rejected, "r2", "reversal of event 5 (confirmed by r1): not it", "2026-07-06"),
            ev(7, "b", Status::Proposed, "r1", &first, "2026-07-07"),
            ev(8, "b", Status::Confirmed, "r2", &second, "2026-07-08"),
            ev(9, "c", Status::Rejected, "r1", "no", "2026-10-02"),
        ];
        let f = review_facts(&events, "2026-Q3", "2026-12-01");
        assert_eq!(f.as_of, "2026-09-30");
        assert_eq!((f.proposals_made, f.decided, f.accepted, f.rejected), (3, 3, 2, 1));
        assert_eq!((f.reversed, f.decided_under_four_eyes), (1, 1));
        // c (proposed 07-03) and d (08-01) still wait at the end of September.
        assert_eq!((f.pending, f.pending_median_age_days, f.pending_oldest_age_days), (2, 74, 89));
        assert_eq!(f.by_reviewer["r1"], ReviewerCounts { accepted: 1, rejected: 0, first_acceptances: 1 });
        assert_eq!(f.by_reviewer["r2"], ReviewerCounts { accepted: 1, rejected: 1, first_acceptances: 0 });
        let v = f.summary(b"salt");
        let text = serde_json::to_string(&v).unwrap_or_default();
        assert!(!text.contains("\"r1\"") && !text.contains("\"r2\""), "{text}");
        assert_eq!(v.reviewers.len(), 2);
        // A period not over yet is counted as of today.
        assert_eq!(review_facts(&events, "2026-Q4", "2026-11-01").as_of, "2026-11-01");
    }

    #[test]
    fn a_reversal_under_four_eyes_counts_as_reversed_and_people_not_spellings() {
        use registry::review::{FIRST_ACCEPTANCE, REVERSAL, SECOND_ACCEPTANCE};
        let events = [
            ev(1, "a", Status::Proposed, "candor:screen", "name", "2026-07-01"),
            ev(2, "a", Status::Rejected, "Alice", "no", "2026-07-02"),
            ev(
                3,
                "a",
                Status::Proposed,
                "alice",
                &format!("{FIRST_ACCEPTANCE}1: {REVERSAL} 2 (rejected by Alice): yes"),
                "2026-07-03",
            ),
            ev(
                4,
                "a",
                Status::Confirmed,
                "bob",
                &format!("{SECOND_ACCEPTANCE} first by alice; a reversal): agreed"),
                "2026-07-04",
            ),
        ];
        let f = review_facts(&events, "2026-Q3", "2026-12-01");
        assert_eq!((f.decided, f.reversed, f.decided_under_four_eyes), (2, 1, 1));
        assert_eq!(f.by_reviewer.len(), 2, "Alice and alice are one reviewer: {:?}", f.by_reviewer);
        assert_eq!(f.by_reviewer["alice"], ReviewerCounts { accepted: 0, rejected: 1, first_acceptances: 1 });
    }
}
