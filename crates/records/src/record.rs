//! A record: its kind's content ([`Body`]), the demonstration mark, and any fields a later
//! format added that this one does not know (kept, so the record re-serialises to its bytes).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::canonical;
use crate::kinds::correction::Correction;
use crate::kinds::enforcement::{Enforcement, RegisteredUse};
use crate::kinds::gate::GateDecisions;
use crate::kinds::period::{PeriodRecords, PeriodSummary};
use crate::kinds::policy::{NoticeSetting, PolicyObjection, PolicyProposal, PolicyVersion, PolicyWithdrawal};
use crate::kinds::reconciliation::{CustomerStatement, Reconciliation};
use crate::kinds::usage::{Classification, OrganisationUsage};

/// The notice every record of demonstration data carries.
pub const DEMO_NOTICE: &str = "demonstration data: fictional organisations and generated figures";

/// What a record says, by kind; the JSON member `type` names the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[allow(clippy::large_enum_variant)] // records are built and read one at a time
pub enum Body {
    /// How one organisation used the services in a period.
    #[serde(rename = "candor.organisation_usage")]
    OrganisationUsage(OrganisationUsage),
    /// A change of an organisation's classification.
    #[serde(rename = "candor.classification")]
    Classification(Classification),
    /// What the audit found about an organisation in a period, and what the provider did.
    #[serde(rename = "candor.enforcement")]
    Enforcement(Enforcement),
    /// A use registered for an organisation, with its declared facts.
    #[serde(rename = "candor.registered_use")]
    RegisteredUse(RegisteredUse),
    /// A correction of an earlier record.
    #[serde(rename = "candor.correction")]
    Correction(Correction),
    /// What a period's report holds and withholds.
    #[serde(rename = "candor.period_summary")]
    PeriodSummary(PeriodSummary),
    /// Part of the list of a period's records.
    #[serde(rename = "candor.period_records")]
    PeriodRecords(PeriodRecords),
    /// A policy version made active.
    #[serde(rename = "candor.policy_version")]
    PolicyVersion(PolicyVersion),
    /// A policy version announced before it takes effect.
    #[serde(rename = "candor.policy_proposal")]
    PolicyProposal(PolicyProposal),
    /// An objection to a proposal.
    #[serde(rename = "candor.policy_objection")]
    PolicyObjection(PolicyObjection),
    /// A proposal withdrawn.
    #[serde(rename = "candor.policy_withdrawal")]
    PolicyWithdrawal(PolicyWithdrawal),
    /// The log's minimum notice.
    #[serde(rename = "candor.policy_notice_setting")]
    NoticeSetting(NoticeSetting),
    /// A period held against public records.
    #[serde(rename = "candor.reconciliation")]
    Reconciliation(Reconciliation),
    /// A reviewer's statement that a tied organisation is not a customer.
    #[serde(rename = "candor.customer_statement")]
    CustomerStatement(CustomerStatement),
    /// What the gates decided in a period.
    #[serde(rename = "candor.gate_decisions")]
    GateDecisions(GateDecisions),
}

/// The `type` of every kind this format defines, in the order of [`Body`].
pub const KINDS: [&str; 15] = [
    "candor.organisation_usage",
    "candor.classification",
    "candor.enforcement",
    "candor.registered_use",
    "candor.correction",
    "candor.period_summary",
    "candor.period_records",
    "candor.policy_version",
    "candor.policy_proposal",
    "candor.policy_objection",
    "candor.policy_withdrawal",
    "candor.policy_notice_setting",
    "candor.reconciliation",
    "candor.customer_statement",
    "candor.gate_decisions",
];

impl Body {
    /// The record's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::OrganisationUsage(_) => KINDS[0],
            Body::Classification(_) => KINDS[1],
            Body::Enforcement(_) => KINDS[2],
            Body::RegisteredUse(_) => KINDS[3],
            Body::Correction(_) => KINDS[4],
            Body::PeriodSummary(_) => KINDS[5],
            Body::PeriodRecords(_) => KINDS[6],
            Body::PolicyVersion(_) => KINDS[7],
            Body::PolicyProposal(_) => KINDS[8],
            Body::PolicyObjection(_) => KINDS[9],
            Body::PolicyWithdrawal(_) => KINDS[10],
            Body::NoticeSetting(_) => KINDS[11],
            Body::Reconciliation(_) => KINDS[12],
            Body::CustomerStatement(_) => KINDS[13],
            Body::GateDecisions(_) => KINDS[14],
        }
    }

    /// The period the record belongs to, for the kinds that have one.
    pub fn period(&self) -> Option<&str> {
        match self {
            Body::OrganisationUsage(r) => Some(&r.period),
            Body::Enforcement(r) => Some(&r.period),
            Body::RegisteredUse(r) => Some(&r.period),
            Body::PeriodSummary(r) => Some(&r.period),
            Body::PeriodRecords(r) => Some(&r.period),
            Body::Reconciliation(r) => Some(&r.period),
            Body::GateDecisions(r) => Some(&r.period),
            _ => None,
        }
    }

    /// The organisation the record is about, for the kinds about one.
    pub fn organisation(&self) -> Option<&str> {
        match self {
            Body::OrganisationUsage(r) => Some(&r.organisation.name),
            Body::Classification(r) => Some(&r.organisation),
            Body::Enforcement(r) => Some(&r.organisation),
            Body::RegisteredUse(r) => Some(&r.organisation),
            Body::CustomerStatement(r) => Some(&r.organisation),
            _ => None,
        }
    }

    /// The day the record says something was decided or made (`YYYY-MM-DD`), for the kinds
    /// that carry a time.
    pub fn dated(&self) -> Option<&str> {
        let at = match self {
            Body::Classification(r) => &r.decided_at,
            Body::PolicyVersion(r) => &r.activated_at,
            Body::PolicyProposal(r) => &r.proposed_at,
            Body::PolicyObjection(r) => &r.filed_at,
            Body::PolicyWithdrawal(r) => &r.withdrawn_at,
            Body::NoticeSetting(r) => &r.set_at,
            Body::CustomerStatement(r) => &r.stated_at,
            _ => return None,
        };
        Some(at.get(..10).unwrap_or(at))
    }
}

/// A record as it stands in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// What it says.
    pub body: Body,
    /// Marked as demonstration data (`"demonstration_data": true`).
    pub demonstration: bool,
    /// The notice a demonstration record carries (`notice`).
    pub notice: Option<String>,
    /// Members this format does not define, kept as they were (a later format's fields).
    pub extra: Map<String, Value>,
}

impl From<Body> for Record {
    fn from(body: Body) -> Record {
        Record { body, demonstration: false, notice: None, extra: Map::new() }
    }
}

impl Record {
    /// A record of `body`, marked as demonstration data (with [`DEMO_NOTICE`]) when
    /// `demonstration` is set.
    pub fn new(body: Body, demonstration: bool) -> Record {
        let notice = demonstration.then(|| DEMO_NOTICE.to_string());
        Record { body, demonstration, notice, extra: Map::new() }
    }

    /// The record's `type`.
    pub fn kind(&self) -> &'static str {
        self.body.kind()
    }

    /// The record as a JSON value.
    pub fn to_value(&self) -> Value {
        self.around(serde_json::to_value(&self.body).unwrap_or(Value::Null))
    }

    /// `body` (the body as JSON) with the members around it: extra members, the demonstration
    /// mark and notice.
    pub(crate) fn around(&self, mut v: Value) -> Value {
        if let Value::Object(m) = &mut v {
            for (k, x) in &self.extra {
                m.entry(k.clone()).or_insert_with(|| x.clone());
            }
            if self.demonstration {
                m.insert("demonstration_data".into(), Value::Bool(true));
            }
            if let Some(n) = &self.notice {
                m.insert("notice".into(), Value::String(n.clone()));
            }
        }
        v
    }

    /// The log entry: the record's canonical JSON (RFC 8785).
    pub fn entry(&self) -> Result<Vec<u8>, canonical::Error> {
        canonical::to_vec(&self.to_value())
    }
}
