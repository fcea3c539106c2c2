//! Notice of policy changes: the records that announce a policy version before it takes
//! effect (a proposal, with its computed effect), the objections filed against it, its
//! withdrawal, and the log's minimum notice; and the state of every proposal, derived from
//! those records alone.
//!
//! A proposal's state is never stored: it follows from the records that name it (objections,
//! a withdrawal, the `candor.policy_version` entry that activated it). The same derivation
//! runs over the log (the site, the period summary) and over the copies of those entries the
//! policy database keeps (the activation gate), so both say the same thing.

use std::collections::BTreeMap;

use records::{
    Body, Link, NoticeSetting, PolicyObjection, PolicyProposal, PolicyVersion, PolicyWithdrawal, ProposalLine, Record,
    Replaces,
};
pub use records::{Effect, EffectRow, ProposalStatus as Status};

/// The record announcing a policy version.
pub const PROPOSAL: &str = "candor.policy_proposal";
/// An objection to a proposal.
pub const OBJECTION: &str = "candor.policy_objection";
/// A proposal withdrawn.
pub const WITHDRAWAL: &str = "candor.policy_withdrawal";
/// The log's minimum notice, in days.
pub const NOTICE_SETTING: &str = "candor.policy_notice_setting";
/// A policy version made active (see `policy::store::version_entry`).
pub const POLICY_VERSION: &str = "candor.policy_version";

/// The minimum notice, in days, of a log that never set one.
pub const DEFAULT_NOTICE_DAYS: u32 = 30;

/// Longest reason an objection, withdrawal or proposal may give, in characters.
pub const MAX_REASON_CHARS: usize = 4000;

/// One objection as its record says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Objection {
    /// Its log index.
    pub index: u64,
    /// Why.
    pub reason: String,
    /// Who (a pseudonym).
    pub objector: String,
    /// When (RFC 3339).
    pub filed_at: String,
}

/// A proposal and what later records say of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProposalState {
    /// The proposal's log index.
    pub index: u64,
    /// SHA-256 of the proposed text.
    pub sha256: String,
    /// The day it may take effect (`YYYY-MM-DD`).
    pub effective: String,
    /// Where it stands.
    pub status: Status,
    /// Objections, in log order.
    pub objections: Vec<Objection>,
    /// The withdrawal's log index.
    pub withdrawal: Option<u64>,
    /// The activation's log index (its `candor.policy_version` entry).
    pub activation: Option<u64>,
    /// Whether the records are demonstration data.
    pub demonstration: bool,
}

/// Every proposal among `records` (index and record, in log order), with its objections,
/// withdrawal and activation. Records that name no known proposal are ignored; of several
/// withdrawals or activations of one proposal the first counts.
pub fn proposals<'a>(records: impl IntoIterator<Item = (u64, &'a Record)>) -> BTreeMap<u64, ProposalState> {
    let mut out: BTreeMap<u64, ProposalState> = BTreeMap::new();
    for (index, r) in records {
        let named = match &r.body {
            Body::PolicyProposal(p) => {
                out.insert(
                    index,
                    ProposalState {
                        index,
                        sha256: p.sha256.clone(),
                        effective: p.effective.clone(),
                        status: Status::Open,
                        objections: Vec::new(),
                        withdrawal: None,
                        activation: None,
                        demonstration: r.demonstration,
                    },
                );
                continue;
            }
            Body::PolicyObjection(o) => o.proposal.index,
            Body::PolicyWithdrawal(w) => w.proposal.index,
            Body::PolicyVersion(PolicyVersion { proposal: Some(p), .. }) => p.index,
            _ => continue,
        };
        let Some(p) = out.get_mut(&named) else { continue };
        let decided = p.status != Status::Open;
        match &r.body {
            Body::PolicyObjection(o) => p.objections.push(Objection {
                index,
                reason: o.reason.clone(),
                objector: o.objector.clone(),
                filed_at: o.filed_at.clone(),
            }),
            Body::PolicyWithdrawal(_) if !decided => {
                p.status = Status::Withdrawn;
                p.withdrawal = Some(index);
            }
            Body::PolicyVersion(v) if !decided => {
                p.status = if v.emergency.is_some() { Status::ActivatedInEmergency } else { Status::Activated };
                p.activation = Some(index);
            }
            _ => {}
        }
    }
    out
}

/// The minimum notice in force among `records`: the latest setting's, else the default; with
/// the setting's index when one was logged.
pub fn notice_days<'a>(records: impl IntoIterator<Item = (u64, &'a Record)>) -> (u32, Option<u64>) {
    let mut out = (DEFAULT_NOTICE_DAYS, None);
    for (index, r) in records {
        if let Body::NoticeSetting(n) = &r.body {
            out = (n.notice_days, Some(index));
        }
    }
    out
}

/// How a `candor.policy_version` record says the version came into force, in words every
/// page naming the version shows.
pub fn activation_words(v: &PolicyVersion) -> String {
    notice_words(v.proposal.as_ref().map(|p| p.index), v.emergency.is_some())
}

/// The words for an activation that follows the proposal at `proposal` (if any), in an
/// emergency or not: what [`activation_words`] reads from the record.
pub fn notice_words(proposal: Option<u64>, emergency: bool) -> String {
    match (emergency, proposal) {
        (true, _) => "activated in an emergency, before its notice ran out".into(),
        (false, Some(i)) => format!("activated after notice (proposal #{i})"),
        (false, None) => "activated without notice".into(),
    }
}

/// How an activation stands to the proposals of its text: what its record says of notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// No open proposal of this text: activated without notice.
    WithoutNotice,
    /// The open proposal at this index, whose notice ran out.
    AfterNotice(u64),
    /// Before the notice ran out (or with no proposal at all), in an emergency.
    Emergency(Option<u64>),
}

/// Why an activation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The version was proposed and its notice has not run out.
    #[error(
        "this version was proposed in record #{proposal} to take effect on {effective}; it cannot be activated \
         before then (give --emergency --reason \"…\" to activate it now, recorded and shown as an emergency)"
    )]
    NoticeRunning {
        /// The proposal.
        proposal: u64,
        /// Its effective date.
        effective: String,
    },
    /// `--emergency` was given, but the notice already ran out.
    #[error("the notice of proposal #{proposal} ran out on {effective}: activate it without --emergency")]
    NoEmergency {
        /// The proposal.
        proposal: u64,
        /// Its effective date.
        effective: String,
    },
}

/// Whether the version with text hash `sha256` may be activated on `today` (`YYYY-MM-DD`),
/// given every proposal, and what its record will say. The latest open proposal of the same
/// text decides.
pub fn gate(
    proposals: &BTreeMap<u64, ProposalState>,
    sha256: &str,
    today: &str,
    emergency: bool,
) -> Result<Gate, Refused> {
    let open = proposals.values().rev().find(|p| p.status == Status::Open && p.sha256 == sha256);
    match open {
        None if emergency => Ok(Gate::Emergency(None)),
        None => Ok(Gate::WithoutNotice),
        Some(p) if today < p.effective.as_str() => {
            if emergency {
                Ok(Gate::Emergency(Some(p.index)))
            } else {
                Err(Refused::NoticeRunning { proposal: p.index, effective: p.effective.clone() })
            }
        }
        Some(p) if emergency => Err(Refused::NoEmergency { proposal: p.index, effective: p.effective.clone() }),
        Some(p) => Ok(Gate::AfterNotice(p.index)),
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is one.
pub fn day_number(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (date[..4].parse().ok()?, date[5..7].parse().ok()?, date[8..].parse().ok()?);
    let n = usage::parquet::convert::days_from_civil(y, m, d);
    // Reject 2026-02-31 and the like: the day must come back as written.
    (day_text(n) == date).then_some(n)
}

/// The `YYYY-MM-DD` date `days` after 1970-01-01.
pub fn day_text(days: i64) -> String {
    let (y, m, d) = usage::parquet::convert::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A pseudonym for `id` acting as `role` (`operator`, `objector`): stable for one provider
/// (`salt`), different for one id in different roles, and not reversible without the salt.
pub fn pseudonym_as(role: &str, id: &str, salt: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(salt);
    h.update([0]);
    h.update(role.as_bytes());
    h.update([0]);
    h.update(id.as_bytes());
    format!("{role}-{}", hex::encode(&h.finalize()[..4]))
}

/// Most organisations a row names, so a proposal stays one log entry.
pub const MAX_NAMED: usize = 100;

/// What a proposal says.
#[derive(Debug, Clone)]
pub struct Proposal<'a> {
    /// SHA-256 of the proposed text.
    pub sha256: &'a str,
    /// The file's name.
    pub file: &'a str,
    /// The proposed text.
    pub text: &'a str,
    /// The version in force it would replace (its `candor.policy_version` entry) and that
    /// version's text hash.
    pub replaces: Option<(Link, String)>,
    /// First day it may take effect (`YYYY-MM-DD`).
    pub effective: &'a str,
    /// The minimum notice in force, and the record that set it.
    pub notice: (u32, Link),
    /// Why.
    pub reason: &'a str,
    /// When (RFC 3339).
    pub proposed_at: &'a str,
    /// Who (a pseudonym).
    pub proposed_by: &'a str,
    /// What it would change.
    pub effect: &'a Effect,
}

/// The proposal's record.
pub fn proposal_record(p: &Proposal<'_>, demonstration: bool) -> Record {
    let replaces = p.replaces.as_ref().map(|(l, sha)| Replaces {
        index: l.index,
        sha256: l.sha256.clone(),
        policy_sha256: sha.clone(),
    });
    let body = PolicyProposal {
        sha256: p.sha256.into(),
        file: p.file.into(),
        text: p.text.into(),
        replaces,
        effective: p.effective.into(),
        notice_days: p.notice.0,
        notice_setting: p.notice.1.clone(),
        reason: p.reason.into(),
        proposed_at: p.proposed_at.into(),
        proposed_by: p.proposed_by.into(),
        effect: p.effect.clone(),
    };
    Record::new(Body::PolicyProposal(body), demonstration)
}

/// An objection's record.
pub fn objection_record(proposal: &Link, reason: &str, objector: &str, at: &str, demonstration: bool) -> Record {
    let body = PolicyObjection {
        proposal: proposal.clone(),
        reason: reason.into(),
        objector: objector.into(),
        filed_at: at.into(),
    };
    Record::new(Body::PolicyObjection(body), demonstration)
}

/// A withdrawal's record.
pub fn withdrawal_record(proposal: &Link, reason: &str, by: &str, at: &str, demonstration: bool) -> Record {
    let body = PolicyWithdrawal {
        proposal: proposal.clone(),
        reason: reason.into(),
        withdrawn_by: by.into(),
        withdrawn_at: at.into(),
    };
    Record::new(Body::PolicyWithdrawal(body), demonstration)
}

/// The record that sets the log's minimum notice.
pub fn notice_setting_record(days: u32, reason: &str, by: &str, at: &str, demonstration: bool) -> Record {
    let body = NoticeSetting { notice_days: days, reason: reason.into(), set_by: by.into(), set_at: at.into() };
    Record::new(Body::NoticeSetting(body), demonstration)
}

/// The period summary's line for each proposal that was open at some time from the start of
/// `period` (`YYYY-Qn`) on: made before the period ended and not decided before it began.
/// Follows from the records alone, so publishing the same log twice gives the same summary.
pub fn summary_lines<'a>(
    records: impl IntoIterator<Item = (u64, &'a Record)> + Clone,
    entry_sha256: &dyn Fn(u64) -> Option<String>,
    period: &str,
) -> Vec<ProposalLine> {
    let (start, end) = quarter_bounds(period);
    let dated: BTreeMap<u64, String> = records
        .clone()
        .into_iter()
        .filter_map(|(i, r)| match &r.body {
            Body::PolicyProposal(_) | Body::PolicyWithdrawal(_) | Body::PolicyVersion(_) => {
                Some((i, r.body.dated()?.to_string()))
            }
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for p in proposals(records).into_values() {
        let made = dated.get(&p.index).map(String::as_str).unwrap_or("");
        let decided = p.withdrawal.or(p.activation).and_then(|i| dated.get(&i)).map(String::as_str);
        if made.is_empty() || made >= end.as_str() || decided.is_some_and(|d| d < start.as_str()) {
            continue;
        }
        let Some(sha) = entry_sha256(p.index) else { continue };
        out.push(ProposalLine {
            proposal: Link { index: p.index, sha256: sha },
            effective: p.effective,
            status: p.status,
            objections: p.objections.len() as u64,
        });
    }
    out
}

/// The first day of `period` (`YYYY-Qn`) and the first day after it, as `YYYY-MM-DD`; a
/// period that is not a quarter covers nothing.
pub(crate) fn quarter_bounds(period: &str) -> (String, String) {
    let year: Option<u32> = period.get(..4).and_then(|y| y.parse().ok());
    let q: Option<u32> = period.strip_prefix(period.get(..6).unwrap_or("")).and_then(|q| q.parse().ok());
    match (year, q, period.get(4..6)) {
        (Some(y), Some(q @ 1..=4), Some("-Q")) => {
            let start = format!("{y:04}-{:02}-01", (q - 1) * 3 + 1);
            let end = if q == 4 { format!("{:04}-01-01", y + 1) } else { format!("{y:04}-{:02}-01", q * 3 + 1) };
            (start, end)
        }
        _ => (String::from("9999"), String::from("0000")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(i: u64) -> Link {
        Link { index: i, sha256: "0".repeat(64) }
    }

    /// A policy version's record, activated after the proposal at `proposal`, in an emergency.
    fn version(proposal: Option<u64>, emergency: bool) -> Record {
        Record::from(Body::PolicyVersion(PolicyVersion {
            sha256: "ab".into(),
            file: "p.cedar".into(),
            text: "permit (principal, action, resource);".into(),
            activated_at: "2026-12-05T00:00:00Z".into(),
            proposal: proposal.map(|i| Link { index: i, sha256: "x".into() }),
            emergency: emergency.then(|| records::Emergency { reason: "r".into() }),
        }))
    }

    fn proposal_at(at: &str) -> Record {
        let effect = Effect::default();
        proposal_record(
            &Proposal {
                sha256: "ab",
                file: "p.cedar",
                text: "permit (principal, action, resource);",
                replaces: None,
                effective: "2027-01-15",
                notice: (30, link(0)),
                reason: "test",
                proposed_at: at,
                proposed_by: "operator-1",
                effect: &effect,
            },
            true,
        )
    }

    #[test]
    fn a_proposal_is_open_until_withdrawn_or_activated_and_counts_its_objections() {
        let records = [
            (1, proposal_at("2026-12-01T00:00:00Z")),
            (2, objection_record(&link(1), "no", "objector-a", "2026-12-02T00:00:00Z", true)),
            (3, objection_record(&link(1), "still no", "objector-b", "2026-12-03T00:00:00Z", true)),
            (4, objection_record(&link(9), "wrong proposal", "objector-c", "2026-12-03T00:00:00Z", true)),
        ];
        let got = proposals(records.iter().map(|(i, v)| (*i, v)));
        assert_eq!(got.len(), 1);
        assert_eq!(got[&1].status, Status::Open);
        assert_eq!(got[&1].objections.iter().map(|o| o.index).collect::<Vec<_>>(), vec![2, 3]);
        assert!(got[&1].demonstration);

        let mut more = records.to_vec();
        more.push((5, withdrawal_record(&link(1), "listened", "operator-1", "2026-12-04T00:00:00Z", true)));
        more.push((6, version(Some(1), false)));
        let got = proposals(more.iter().map(|(i, v)| (*i, v)));
        // Withdrawn first: the later activation record does not revive it.
        assert_eq!((got[&1].status, got[&1].withdrawal, got[&1].activation), (Status::Withdrawn, Some(5), None));
    }

    #[test]
    fn activations_say_how_the_version_came_into_force() {
        let words = |r: &Record| match &r.body {
            Body::PolicyVersion(v) => activation_words(v),
            _ => String::new(),
        };
        let plain = version(None, false);
        let noticed = version(Some(7), false);
        let urgent = version(Some(7), true);
        assert_eq!(words(&plain), "activated without notice");
        assert_eq!(words(&noticed), "activated after notice (proposal #7)");
        assert!(words(&urgent).starts_with("activated in an emergency"));
        let records = [(7, proposal_at("2026-12-01T00:00:00Z")), (8, urgent)];
        let got = proposals(records.iter().map(|(i, v)| (*i, v)));
        assert_eq!(got[&7].status, Status::ActivatedInEmergency);
    }

    #[test]
    fn the_latest_notice_setting_is_in_force() {
        let records = [
            (0, notice_setting_record(30, "default", "operator-1", "2026-01-01T00:00:00Z", false)),
            (4, notice_setting_record(45, "longer", "operator-1", "2026-02-01T00:00:00Z", false)),
        ];
        assert_eq!(notice_days(records.iter().map(|(i, v)| (*i, v))), (45, Some(4)));
        assert_eq!(notice_days(std::iter::empty()), (DEFAULT_NOTICE_DAYS, None));
    }

    #[test]
    fn a_period_summary_lists_the_proposals_open_during_the_period() {
        let records = [
            (1, proposal_at("2026-08-01T00:00:00Z")),
            (2, withdrawal_record(&link(1), "r", "operator-1", "2026-09-01T00:00:00Z", true)),
            (3, proposal_at("2026-11-01T00:00:00Z")),
        ];
        let sha = |i: u64| Some(format!("{i:064}"));
        let lines = |p: &str| summary_lines(records.iter().map(|(i, v)| (*i, v)), &sha, p);
        let indexes = |l: Vec<ProposalLine>| l.iter().map(|v| Some(v.proposal.index)).collect::<Vec<_>>();
        assert_eq!(indexes(lines("2026-Q3")), vec![Some(1)]);
        assert_eq!(indexes(lines("2026-Q4")), vec![Some(3)]);
        assert!(lines("2026-Q2").is_empty());
        assert!(lines("2026-13").is_empty());
        assert_eq!(lines("2026-Q3")[0].status, Status::Withdrawn);
    }

    #[test]
    fn activation_is_gated_by_the_open_proposal_of_the_same_text() {
        let records = [(1, proposal_at("2026-12-01T00:00:00Z"))];
        let states = proposals(records.iter().map(|(i, v)| (*i, v)));
        // The proposal's text is "ab", effective 2027-01-15.
        for (sha, today, emergency, want) in [
            ("ab", "2027-01-14", false, Err(Refused::NoticeRunning { proposal: 1, effective: "2027-01-15".into() })),
            ("ab", "2027-01-15", false, Ok(Gate::AfterNotice(1))),
            ("ab", "2027-01-14", true, Ok(Gate::Emergency(Some(1)))),
            ("ab", "2027-01-15", true, Err(Refused::NoEmergency { proposal: 1, effective: "2027-01-15".into() })),
            ("cd", "2027-01-14", false, Ok(Gate::WithoutNotice)),
            ("cd", "2027-01-14", true, Ok(Gate::Emergency(None))),
        ] {
            assert_eq!(gate(&states, sha, today, emergency), want, "{sha} {today} {emergency}");
        }
    }

    #[test]
    fn dates_are_checked_and_counted_in_days() {
        assert_eq!(day_number("1970-01-02"), Some(1));
        assert_eq!(day_number("2026-12-31").map(|d| day_text(d + 31)), Some("2027-01-31".into()));
        for bad in ["2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", "", "2026-1-01"] {
            assert_eq!(day_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn pseudonyms_differ_by_role_and_hide_the_id() {
        let a = pseudonym_as("objector", "alice@example.org", b"salt");
        assert!(a.starts_with("objector-") && !a.contains("alice"));
        assert_ne!(a, pseudonym_as("operator", "alice@example.org", b"salt"));
        assert_eq!(a, pseudonym_as("objector", "alice@example.org", b"salt"));
    }
}
