//! What the review queue answers, the typed seam between the server's review routes and the
//! application that builds the queue (the `ReviewQueue` of `desk`): pages of proposals, the
//! order, decisions. Each row is what a reviewer is shown of each proposal — the account (place,
//! domain, usage by capability with volume bands, first and last day), the organisation (kind,
//! role and status with the reason, identifiers, evidence, accounts already linked), every
//! candidate of an ambiguous proposal with what linking it would deny, a first acceptance
//! that waits for a second reviewer, and why a rejected pair was proposed again.

use registry::model::Status;
use serde::Serialize;

/// One capability an account used.
#[derive(Debug, Clone, Serialize)]
pub struct CapabilityUse {
    /// Capability id.
    pub capability: String,
    /// Unit.
    pub unit: String,
    /// Volume band (as the report would disclose it).
    pub volume_band: String,
    /// Billing lines.
    pub lines: u64,
}

/// The account side of a proposal.
#[derive(Debug, Clone, Serialize)]
pub struct AccountSide {
    /// The provider's account id (reviewers see it; the report never does).
    pub id: String,
    /// Legal name.
    pub name: String,
    /// Country, state, city and web domain, when known.
    pub country: Option<String>,
    /// State.
    pub state: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Web domain.
    pub domain: Option<String>,
    /// First and last day of usage (empty when none is stored).
    pub first_usage: String,
    /// Last day.
    pub last_usage: String,
    /// Capabilities used, most lines first.
    pub capabilities: Vec<CapabilityUse>,
}

/// The organisation side of a proposal (the proposed one, or a candidate).
#[derive(Debug, Clone, Serialize)]
pub struct OrganisationSide {
    /// Registry id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Law-enforcement role and its status, with why.
    pub role: String,
    /// `confirmed`, `proposed` or `none`.
    pub role_status: String,
    /// The classification's reason (rules, evidence, sources).
    pub role_reason: String,
    /// Country and state.
    pub country: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Identifiers (`uei:…`, `ori:…`, …).
    pub identifiers: Vec<String>,
    /// The evidence of its role: for a supplier, its enablement paths to agencies with each
    /// award, its link and the file and line it came from (as a report discloses them).
    pub evidence: Vec<String>,
    /// Accounts already confirmed to it.
    pub accounts_linked: u64,
}

/// A candidate of an ambiguous proposal.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The organisation.
    #[serde(flatten)]
    pub organisation: OrganisationSide,
    /// Its match score.
    pub score: f64,
    /// Why it fits.
    pub reasons: String,
    /// Capabilities the account used that the active policy would deny once linked to this
    /// candidate (accepting it needs a second reviewer when four eyes are on).
    pub would_deny: Vec<String>,
}

/// One proposal in the queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// The proposal's event id (what a decision names).
    pub proposal_id: i64,
    /// The account.
    pub account: AccountSide,
    /// The organisation proposed (the best candidate of an ambiguous one).
    pub organisation: OrganisationSide,
    /// Match score.
    pub score: f64,
    /// Why the screening matched (tokens, rules, identifiers).
    pub reasons: String,
    /// Whether it matched on an identifier (UEI, DUNS, ORI) rather than a name.
    pub identifier_match: bool,
    /// Every organisation an ambiguous proposal fits (empty otherwise).
    pub candidates: Vec<Candidate>,
    /// When it was proposed, and how many whole days ago.
    pub proposed_at: String,
    /// Days waiting.
    pub age_days: i64,
    /// Capabilities the account used that the active policy would deny once linked.
    pub would_deny: Vec<String>,
    /// The rules that would deny them.
    pub denying_policies: Vec<String>,
    /// Billing lines of the account, over all its usage.
    pub usage_lines: u64,
    /// The latest event of the link (what a decision must follow).
    pub latest_event: i64,
    /// The first of two acceptances, when the link needs a second reviewer (four eyes).
    pub first_acceptance: Option<FirstAcceptance>,
    /// What the score means, measured: how often reviewers accepted proposals at this score.
    pub calibration: Calibration,
    /// The expected value of reviewing it: the chance it is right times what accepting it
    /// changes (see [`Calibration::expected_value`]); the queue's `value` order.
    pub expected_value: f64,
    /// For a pair a reviewer had rejected, proposed again because something new is known of
    /// it: which rejection it follows and what is new ("after the rejection in event 42: a new
    /// identifier uei:… of the account").
    pub proposed_again: Option<String>,
}

/// A proposal's score as reviewers' decisions (and the labelled sets) measure it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// The score band (`registry::screen::bands`).
    pub band: String,
    /// Screening proposals at this band that a person decided, over all history.
    pub decided: u64,
    /// Of which a person accepted ("accepted N of M at this score").
    pub accepted: u64,
    /// The precision the labelled sets shipped with this release measure at this band, when
    /// they hold proposals there.
    pub labelled_precision: Option<f64>,
    /// The chance a proposal at this band is right: reviewers' acceptances, with the labelled
    /// precision (or one half) standing in for [`PRIOR_WEIGHT`] decisions, so a band few
    /// proposals reached is not judged on one or two.
    pub probability: f64,
}

/// How many decisions the prior (the labelled precision, or one half) counts for.
pub const PRIOR_WEIGHT: f64 = 10.0;

impl Calibration {
    /// The calibration of `band` from reviewers' `accepted` of `decided` and the labelled
    /// precision there.
    pub fn new(band: &str, accepted: u64, decided: u64, labelled_precision: Option<f64>) -> Calibration {
        let prior = labelled_precision.unwrap_or(0.5);
        let probability = (accepted as f64 + PRIOR_WEIGHT * prior) / (decided as f64 + PRIOR_WEIGHT);
        Calibration { band: band.to_string(), decided, accepted, labelled_precision, probability }
    }

    /// The expected value of a review: the probability the proposal is right times the
    /// consequence of accepting it — ten times as much when accepting would make the active
    /// policy deny something, growing with the logarithm of the account's billing lines
    /// (`(1 + 9·deny) × ln(e + lines)`).
    pub fn expected_value(&self, would_deny: bool, usage_lines: u64) -> f64 {
        let consequence =
            (1.0 + 9.0 * f64::from(u8::from(would_deny))) * (std::f64::consts::E + usage_lines as f64).ln();
        self.probability * consequence
    }

    /// "accepted N of M at this score".
    pub fn words(&self) -> String {
        format!("accepted {} of {} at this score ({})", self.accepted, self.decided, self.band)
    }
}

/// A first acceptance of a link that needs two reviewers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirstAcceptance {
    /// Who accepted first.
    pub reviewer: String,
    /// The organisation they chose.
    pub org_id: i64,
    /// Their reason.
    pub reason: String,
    /// When.
    pub at: String,
}

/// How a first acceptance's event reason begins (the event keeps the link proposed).
pub use registry::review::FIRST_ACCEPTANCE;

impl FirstAcceptance {
    /// The first acceptance an event records, if it is one.
    pub fn of(e: &registry::model::LinkEvent) -> Option<FirstAcceptance> {
        if e.status != Status::Proposed {
            return None;
        }
        let rest = e.reason.strip_prefix(FIRST_ACCEPTANCE)?;
        let (org, reason) = rest.split_once(": ")?;
        Some(FirstAcceptance {
            reviewer: e.actor.clone(),
            org_id: org.parse().ok()?,
            reason: reason.into(),
            at: e.at.clone(),
        })
    }
}

impl QueueItem {
    /// The matcher's reasons, without the line saying why a rejected pair came back (shown
    /// apart, and never read as the matcher's words).
    pub fn matcher_reasons(&self) -> &str {
        matcher_reasons(&self.reasons, self.proposed_again.as_deref())
    }

    /// What accepting `org` (the proposed organisation or one of the candidates) would deny.
    pub fn would_deny_for(&self, org: i64) -> &[String] {
        match self.candidates.iter().find(|c| c.organisation.id == org) {
            Some(c) => &c.would_deny,
            None => &self.would_deny,
        }
    }
}

/// A proposal's `reason` without its opening "proposed again WHY; " (`again` is WHY, from the
/// evidence the screening stored), so that what follows is the matcher's own words.
pub fn matcher_reasons<'a>(reason: &'a str, again: Option<&str>) -> &'a str {
    again
        .and_then(|why| reason.strip_prefix("proposed again ")?.strip_prefix(why)?.strip_prefix("; "))
        .unwrap_or(reason)
}

/// How to order the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// What the decision changes first: a link that would make a deny, then usage volume,
    /// then score.
    #[default]
    Impact,
    /// Highest score first.
    Score,
    /// Oldest first.
    Age,
    /// The expected value of a review first: the chance the proposal is right (calibrated on
    /// reviewers' decisions) times what accepting it changes.
    Value,
}

impl Sort {
    /// Parses `impact`, `score`, `age` or `value`.
    pub fn parse(s: &str) -> Result<Sort, String> {
        match s {
            "impact" => Ok(Sort::Impact),
            "score" => Ok(Sort::Score),
            "age" => Ok(Sort::Age),
            "value" => Ok(Sort::Value),
            other => Err(format!("sort {other:?}: use impact, score, age or value")),
        }
    }
}

/// A page of the queue as the API answers it.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    /// Proposals matching the filters.
    pub total: usize,
    /// First row's position.
    pub offset: usize,
    /// Rows asked for.
    pub limit: usize,
    /// Rows in this page.
    pub count: usize,
    /// The order.
    pub sort: Sort,
    /// The rows.
    pub rows: Vec<QueueItem>,
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

/// What a bulk acceptance did: each proposal recorded as its own decision.
#[derive(Debug, Clone, Serialize)]
pub struct BulkAccepted {
    /// How many were accepted.
    pub accepted: usize,
    /// The decisions, in the order asked.
    pub decisions: Vec<Decided>,
}

/// An objection filed: its record's index, the proposal, and the pseudonym it was filed under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objected {
    /// The objection's log index.
    pub index: u64,
    /// The proposal's log index.
    pub proposal: u64,
    /// The objector's pseudonym.
    pub objector: String,
}

impl std::fmt::Display for Objected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "objection to proposal #{} filed as record #{} by {}", self.proposal, self.index, self.objector)
    }
}
