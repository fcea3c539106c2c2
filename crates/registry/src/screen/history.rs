//! The link history as the screening reads it: for each (account, organisation) pair, whether
//! it is open (proposed, or confirmed), rejected (by which event, after which proposal), or
//! new. A pair that an ambiguous proposal lists as a candidate shares that proposal's fate:
//! rejecting the proposal rejects every candidate it still covers (`review::decide` records
//! the rejection on the first candidate's link only), while a candidate's own later event (the
//! one a reviewer chose, confirmed) is its own.

use rustc_hash::FxHashMap;

use crate::model::{LinkEvent, Status};

/// Where a pair stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pair {
    /// Never proposed.
    New,
    /// Proposed and waiting, or confirmed: not proposed again.
    Open,
    /// Rejected by `rejection`, after the screening's proposal `proposal` (the evidence it saw;
    /// `None` when no proposal of the screening preceded the rejection).
    Rejected { rejection: i64, proposal: Option<i64> },
}

/// One pair's latest known state.
#[derive(Debug, Clone, Copy)]
struct State {
    status: Status,
    /// The event that set it.
    event: i64,
    /// The organisation of the link whose events decide it (its own, or the first candidate of
    /// the ambiguous proposal that listed it).
    link: i64,
    /// The screening's latest proposal that named it.
    proposal: Option<i64>,
}

/// One account's pairs.
#[derive(Debug, Default)]
struct AccountPairs {
    pairs: Vec<(i64, State)>,
    /// Per organisation: every proposal of the screening that named the pair, oldest first.
    proposals: Vec<(i64, Vec<i64>)>,
    /// Per link (by its organisation): the other candidates its latest proposal lists.
    covers: Vec<(i64, Vec<i64>)>,
}

impl AccountPairs {
    fn get(&self, org: i64) -> Option<&State> {
        self.pairs.iter().find(|(o, _)| *o == org).map(|(_, s)| s)
    }

    fn set(&mut self, org: i64, state: State) {
        match self.pairs.iter_mut().find(|(o, _)| *o == org) {
            Some((_, s)) => *s = state,
            None => self.pairs.push((org, state)),
        }
    }
}

/// Every pair's state, read from the history in order.
#[derive(Debug, Default)]
pub(crate) struct History {
    accounts: FxHashMap<String, AccountPairs>,
}

impl History {
    /// Reads the history (oldest first).
    pub(crate) fn new(events: Vec<LinkEvent>) -> History {
        let mut h = History::default();
        for e in events {
            h.follow(e);
        }
        h
    }

    fn follow(&mut self, e: LinkEvent) {
        let x = e.org_id;
        let acc = self.accounts.entry(e.account_id).or_default();
        // A first acceptance keeps (or puts) its link proposed, but is a reviewer's event, not
        // a proposal: what the screening saw stays the earlier proposal's.
        let screening = e.status == Status::Proposed && !e.reason.starts_with(crate::review::FIRST_ACCEPTANCE);
        if screening {
            let others: Vec<i64> = e.candidates.iter().map(|c| c.org_id).filter(|&c| c != x).collect();
            let state = State { status: Status::Proposed, event: e.id, link: x, proposal: Some(e.id) };
            for &o in std::iter::once(&x).chain(&others) {
                acc.set(o, state);
                match acc.proposals.iter_mut().find(|(p, _)| *p == o) {
                    Some((_, ids)) => ids.push(e.id),
                    None => acc.proposals.push((o, vec![e.id])),
                }
            }
            match acc.covers.iter_mut().find(|(o, _)| *o == x) {
                Some((_, c)) => *c = others,
                None => acc.covers.push((x, others)),
            }
            return;
        }
        let proposal = acc.get(x).and_then(|s| s.proposal);
        acc.set(x, State { status: e.status, event: e.id, link: x, proposal });
        let covered = acc.covers.iter().find(|(o, _)| *o == x).map(|(_, c)| c.clone()).unwrap_or_default();
        for o in covered {
            if let Some((_, s)) = acc.pairs.iter_mut().find(|(p, s)| *p == o && s.link == x) {
                s.status = e.status;
                s.event = e.id;
            }
        }
    }

    /// Every proposal of the screening that named (`account`, `org`), oldest first: what a
    /// reviewer was shown of the pair before, whichever of them they rejected.
    pub(crate) fn proposals(&self, account: &str, org: i64) -> &[i64] {
        self.accounts
            .get(account)
            .and_then(|a| a.proposals.iter().find(|(o, _)| *o == org))
            .map_or(&[], |(_, ids)| ids.as_slice())
    }

    /// Where (`account`, `org`) stands.
    pub(crate) fn pair(&self, account: &str, org: i64) -> Pair {
        match self.accounts.get(account).and_then(|a| a.get(org)) {
            None => Pair::New,
            Some(s) if s.status == Status::Rejected => Pair::Rejected { rejection: s.event, proposal: s.proposal },
            Some(_) => Pair::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LinkCandidate;

    fn ev(id: i64, org: i64, status: Status, reason: &str, candidates: &[i64]) -> LinkEvent {
        LinkEvent {
            id,
            account_id: "a".into(),
            org_id: org,
            status,
            score: None,
            reason: reason.into(),
            actor: "r".into(),
            at: String::new(),
            candidates: candidates
                .iter()
                .map(|&o| LinkCandidate { org_id: o, score: 0.9, reason: String::new() })
                .collect(),
        }
    }

    #[test]
    fn a_rejected_ambiguous_proposal_rejects_its_candidates_but_not_the_one_chosen() {
        use Status::*;
        // Proposal 1 lists #1, #2, #3; rejected as a whole (event 2, on #1's link).
        let h = History::new(vec![ev(1, 1, Proposed, "name", &[1, 2, 3]), ev(2, 1, Rejected, "no", &[])]);
        for o in [1, 2, 3] {
            assert_eq!(h.pair("a", o), Pair::Rejected { rejection: 2, proposal: Some(1) });
        }
        assert_eq!(h.pair("a", 4), Pair::New);
        assert_eq!(h.pair("b", 1), Pair::New);
        // #2 chosen: confirmed on its own link, then #1's link closed; #3 goes with #1's.
        let h = History::new(vec![
            ev(1, 1, Proposed, "name", &[1, 2, 3]),
            ev(2, 2, Confirmed, "yes", &[]),
            ev(3, 1, Rejected, "another candidate (#2) was chosen: yes", &[]),
        ]);
        assert_eq!(h.pair("a", 2), Pair::Open);
        assert_eq!(h.pair("a", 3), Pair::Rejected { rejection: 3, proposal: Some(1) });
        // A first acceptance that reverses the rejection opens the link again, and the
        // proposal the screening made stays the one whose evidence counts.
        let h = History::new(vec![
            ev(1, 1, Proposed, "name", &[]),
            ev(2, 1, Rejected, "no", &[]),
            ev(3, 1, Proposed, &format!("{}1: reversal", crate::review::FIRST_ACCEPTANCE), &[]),
            ev(4, 1, Rejected, "no after all", &[]),
        ]);
        assert_eq!(h.pair("a", 1), Pair::Rejected { rejection: 4, proposal: Some(1) });
    }
}
