//! `candor.enforcement` and `candor.registered_use`: what the audit of usage against the
//! policy found about an organisation, what the provider did, and the exceptions it registered.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Link;

/// What the audit found about an organisation in a period, and what the provider did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Enforcement {
    /// The period.
    pub period: String,
    /// The organisation's name.
    pub organisation: String,
    /// Usage the policy in force denies.
    pub findings: Vec<Finding>,
    /// The actions taken, reviewers as pseudonyms.
    pub actions: Vec<Action>,
    /// The policy version, then the organisation's usage record.
    pub depends_on: Vec<Link>,
}

/// Usage the policy denies: which rules, which capability, how much, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// The rules (`@id`) that deny it.
    pub policies: Vec<String>,
    /// Capability id.
    pub capability: String,
    /// The service billed.
    pub service: String,
    /// The region class.
    pub region_class: String,
    /// How much, per unit.
    pub volume: Vec<Volume>,
    /// First day of the usage (`YYYY-MM-DD`).
    pub first_day: String,
    /// Last day of the usage.
    pub last_day: String,
    /// `open`, or the latest action about one of its rules (`warned`, `suspended`, …).
    pub status: String,
}

/// A quantity in one unit: exactly one of `quantity` and `volume_band` is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Volume {
    /// The unit.
    pub unit: String,
    /// The exact quantity, when the provider publishes quantities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// The band, when exact quantities are withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_band: Option<String>,
}

/// An action the provider took about a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Action {
    /// `warned`, `suspended`, `terminated`, `exception_granted`, …
    pub action: String,
    /// The rule (`@id`) it is about.
    pub policy: String,
    /// The day it took effect.
    pub effective: String,
    /// Who decided (a pseudonym).
    pub decided_by: String,
    /// Why.
    pub reason: String,
}

/// A use the provider registered for an organisation (an exception its policy allows), with
/// the facts it declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegisteredUse {
    /// The period.
    pub period: String,
    /// The organisation's name.
    pub organisation: String,
    /// The use case (`missing_persons`).
    #[serde(rename = "use")]
    pub use_case: String,
    /// The declared facts (the approver only as a pseudonym).
    pub declaration: Declaration,
    /// Who registered it (a pseudonym).
    pub registered_by: String,
    /// The policy version, then the organisation's usage record.
    pub depends_on: Vec<Link>,
}

/// The facts a provider declares when it registers a use, as oversight regimes ask for them.
/// Fields that are optional in the declaration are `null` or absent as the declaration left them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Declaration {
    /// What the use is for.
    pub purpose: String,
    /// The authorisation type (`court-order`, `warrant`, `administrative`, `statute`, `consent`).
    pub authority: String,
    /// The legal basis in words, when there is one to name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_detail: Option<String>,
    /// Whether a person reviews every result before it is acted on.
    pub human_review: Option<bool>,
    /// Who reviews (a role, not a person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_review_by: Option<String>,
    /// The similarity or confidence threshold results must meet (0 to 1).
    pub confidence_threshold: Option<f64>,
    /// The reference data searched.
    pub reference_data: Vec<String>,
    /// Who receives results outside the organisation (`["none"]` when nobody).
    pub sharing: Vec<String>,
    /// How long inputs and results are kept.
    pub retention: String,
    /// First day of the use (`YYYY-MM-DD`).
    pub start: String,
    /// Last day, when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Who approved it (a pseudonym).
    pub approved_by: String,
}
