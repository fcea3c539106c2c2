//! What a period's report says about the screening's quality, as reviewers' decisions measure
//! it: the proposals the screening made in the period, by score band, how many of them a
//! person has decided (as of the period's end, or today) and how many were accepted — so a
//! reader can judge how much the list of customers can be trusted, and a provider sees where
//! its screening is wrong. Counts only: no account, no organisation, no reviewer.
//!
//! A proposal counts as accepted when its link, or for an ambiguous proposal one of its
//! candidates, is confirmed by a person; as rejected when a person rejected it (a rejection
//! that closes an ambiguous proposal because another candidate was chosen is its acceptance).
//! The latest decision as of the day counts, so a reversal changes the figure. A first
//! acceptance that waits for a second reviewer is not a decision yet.

use std::collections::{BTreeMap, HashMap};

use records::{BandCounts as BandLine, BandPrecision, LabelledQuality, ScreeningSummary};
use registry::model::{LinkEvent, Status};
use registry::screen::bands::{BANDS, band};

use crate::notices::{day_number, day_text};

/// One score band's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BandCounts {
    /// Proposals the screening made in the period with a score in the band.
    pub proposed: u64,
    /// Of which a person decided by `as_of`.
    pub decided: u64,
    /// Of which were accepted.
    pub accepted: u64,
}

/// The screening's measured quality in one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScreeningFacts {
    /// The day decisions are counted up to (the period's last day, or today if earlier).
    pub as_of: String,
    /// Per band (every band of `registry::screen::bands`, lowest first).
    pub bands: BTreeMap<&'static str, BandCounts>,
}

/// What became of each proposal the screening made: (score, proposed on, outcome as of each
/// event). Shared with the review queue's calibration, which counts every period at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No person decided it (or only a first acceptance waits).
    Open,
    /// A person confirmed it (or chose one of its candidates).
    Accepted,
    /// A person rejected it.
    Rejected,
}

/// Every screening proposal with its score, the day it was made and its outcome as of the end
/// of `as_of` (`YYYY-MM-DD`; `None` for all events).
pub fn proposals(events: &[LinkEvent], as_of: Option<&str>) -> Vec<(f64, String, Outcome)> {
    let day = |e: &LinkEvent| e.at.get(..10).unwrap_or("").to_string();
    let by_person = |e: &LinkEvent| !e.actor.starts_with("candor:");
    // The open proposal of each (account, organisation) pair, and of each candidate of it.
    let mut open: HashMap<(&str, i64), usize> = HashMap::new();
    let mut out: Vec<(f64, String, Outcome)> = Vec::new();
    for e in events {
        if as_of.is_some_and(|d| day(e).as_str() > d) {
            continue;
        }
        let pair = (e.account_id.as_str(), e.org_id);
        match e.status {
            Status::Proposed if !by_person(e) => {
                out.push((e.score.unwrap_or(0.0), day(e), Outcome::Open));
                let i = out.len() - 1;
                open.insert(pair, i);
                for c in &e.candidates {
                    open.insert((e.account_id.as_str(), c.org_id), i);
                }
            }
            // A first acceptance: not a decision.
            Status::Proposed => {}
            Status::Confirmed if by_person(e) => {
                if let Some(&i) = open.get(&pair) {
                    out[i].2 = Outcome::Accepted;
                }
            }
            Status::Rejected if by_person(e) && !e.reason.starts_with("another candidate (#") => {
                if let Some(&i) = open.get(&pair) {
                    out[i].2 = Outcome::Rejected;
                }
            }
            _ => {}
        }
    }
    out
}

/// The screening facts of `period` (`YYYY-Qn`) from the link history, as of `today`.
pub fn screening_facts(events: &[LinkEvent], period: &str, today: &str) -> ScreeningFacts {
    let (start, end) = crate::notices::quarter_bounds(period);
    let last_day = day_number(&end).map(|d| day_text(d - 1)).unwrap_or_default();
    let as_of = if today < last_day.as_str() { today.to_string() } else { last_day };
    let mut bands: BTreeMap<&'static str, BandCounts> = BANDS.iter().map(|b| (*b, BandCounts::default())).collect();
    for (score, day, outcome) in proposals(events, Some(&as_of)) {
        if day < start || day >= end {
            continue;
        }
        let c = bands.entry(band(score)).or_default();
        c.proposed += 1;
        match outcome {
            Outcome::Open => {}
            Outcome::Accepted => {
                c.decided += 1;
                c.accepted += 1;
            }
            Outcome::Rejected => c.decided += 1,
        }
    }
    ScreeningFacts { as_of, bands }
}

impl ScreeningFacts {
    /// The facts as the period summary holds them: bands lowest first, each with its share
    /// accepted (of those decided; null when none was), and the quality the labelled sets
    /// shipped with this release measure (`labelled`).
    pub fn summary(&self) -> ScreeningSummary {
        let bands = BANDS
            .iter()
            .map(|b| {
                let c = self.bands.get(b).copied().unwrap_or_default();
                let share =
                    (c.decided > 0).then(|| (c.accepted as f64 / c.decided as f64 * 10_000.0).round() / 10_000.0);
                BandLine {
                    band: b.to_string(),
                    proposed: c.proposed,
                    decided: c.decided,
                    accepted: c.accepted,
                    share_accepted: share,
                }
            })
            .collect();
        let release = &registry::screen::quality::RELEASE;
        let labelled = LabelledQuality {
            names: release.names,
            positives: release.positives,
            precision: release.precision,
            recall: release.recall,
            bands: release.bands.iter().map(|(b, p)| BandPrecision { band: b.to_string(), precision: *p }).collect(),
        };
        ScreeningSummary { as_of: self.as_of.clone(), bands, labelled }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use registry::model::LinkCandidate;

    fn ev(id: i64, account: &str, org: i64, status: Status, actor: &str, reason: &str, at: &str) -> LinkEvent {
        LinkEvent {
            id,
            account_id: account.into(),
            org_id: org,
            status,
            score: (status == Status::Proposed && actor.starts_with("candor:")).then_some(match account {
                "a" => 1.0,
                "b" => 0.93,
                _ => 0.86,
            }),
            reason: reason.into(),
            actor: actor.into(),
            at: format!("{at}T10:00:00Z"),
            candidates: Vec::new(),
        }
    }

    #[test]
    fn a_period_counts_proposals_by_band_and_what_reviewers_made_of_them() {
        let s = "candor:screen";
        let mut ambiguous = ev(4, "d", 7, Status::Proposed, s, "name", "2026-07-04");
        ambiguous.candidates = vec![
            LinkCandidate { org_id: 7, score: 0.86, reason: String::new() },
            LinkCandidate { org_id: 8, score: 0.86, reason: String::new() },
        ];
        let events = [
            ev(1, "a", 1, Status::Proposed, s, "UEI", "2026-07-01"),
            ev(2, "b", 2, Status::Proposed, s, "name", "2026-07-02"),
            ev(3, "c", 3, Status::Proposed, s, "name", "2026-07-03"),
            ambiguous,
            ev(5, "a", 1, Status::Confirmed, "r1", "yes", "2026-07-05"),
            ev(6, "b", 2, Status::Rejected, "r1", "no", "2026-07-06"),
            // A first acceptance is not a decision.
            ev(
                7,
                "c",
                3,
                Status::Proposed,
                "r1",
                "accepted once, awaiting a second reviewer (four eyes), candidate #3: y",
                "2026-07-07",
            ),
            // The ambiguous proposal accepted by choosing its second candidate.
            ev(8, "d", 8, Status::Confirmed, "r2", "second", "2026-07-08"),
            ev(9, "d", 7, Status::Rejected, "r2", "another candidate (#8) was chosen: second", "2026-07-08"),
            // Reversed after the period: not counted in it.
            ev(10, "b", 2, Status::Confirmed, "r2", "reversal of event 6 (rejected by r1): yes", "2026-10-02"),
        ];
        let f = screening_facts(&events, "2026-Q3", "2026-12-01");
        assert_eq!(f.as_of, "2026-09-30");
        assert_eq!(f.bands["1.00"], BandCounts { proposed: 1, decided: 1, accepted: 1 });
        assert_eq!(f.bands["0.90-0.95"], BandCounts { proposed: 1, decided: 1, accepted: 0 });
        assert_eq!(f.bands["0.85-0.90"], BandCounts { proposed: 2, decided: 1, accepted: 1 });
        let v = f.summary();
        assert_eq!(v.bands.len(), BANDS.len());
        assert_eq!(v.bands[5].share_accepted, Some(1.0));
        assert_eq!(v.bands[0].share_accepted, None);
        // All history: the reversal counts.
        let all = proposals(&events, None);
        assert_eq!(all[1].2, Outcome::Accepted);
    }
}
