//! `candor.organisation_usage` and `candor.classification`: who an organisation is, why it is
//! classified so, and which capabilities it used in a period.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Link;

/// How one organisation used the provider's services in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrganisationUsage {
    /// The period (`2026-Q3`).
    pub period: String,
    /// Who the organisation is and why it is disclosed.
    pub organisation: Organisation,
    /// Per capability, service, region class and unit: how much.
    pub usage: Vec<UsageLine>,
    /// The records it depends on: the policy version in force (when there is one), then the
    /// organisation's classification.
    pub depends_on: Vec<Link>,
}

/// An organisation as a usage record describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Organisation {
    /// Its name (the key that ties an organisation's records together).
    pub name: String,
    /// `agency`, `company`, …
    pub kind: String,
    /// `agency` or `supplier` (of a law-enforcement agency).
    pub law_enforcement_role: String,
    /// `confirmed` (a reviewer decided) or `proposed`.
    pub role_status: String,
    /// Where it has authority or is registered; parts not known are absent.
    pub jurisdiction: Jurisdiction,
    /// Why it is classified so, with the public sources.
    pub evidence: Evidence,
    /// Surveillance technologies it supplies or uses, as public records show them (the EFF
    /// Atlas of Surveillance, the federal AI use-case inventory, the FedRAMP Marketplace);
    /// absent when none does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub technologies: Vec<Technology>,
    /// Public identifiers of the organisation (a UEI, a LEI), when the record gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
}

/// A public identifier: its scheme (`UEI`, `LEI`, `ORI`) and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Identifier {
    /// The scheme.
    pub scheme: String,
    /// The value.
    pub value: String,
}

/// Country, state, county and city, each absent when not known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Jurisdiction {
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// County.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

/// The evidence behind a classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The classification's reason, as decided.
    pub summary: String,
    /// The public records it rests on (file and line, award ids, …).
    pub sources: Vec<String>,
}

/// A surveillance technology tied to the organisation by the EFF Atlas of Surveillance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Technology {
    /// The technology (`Face Recognition`).
    pub technology: String,
    /// `supplies` or `uses`.
    pub relation: String,
    /// The agency supplied, or the vendor used.
    pub counterpart: String,
    /// Where it is recorded: the record and its entry (`EFF Atlas of Surveillance AOS1234`,
    /// `federal AI use-case inventory DHS-2729`, `FedRAMP Marketplace FR1703752011`).
    pub source: String,
    /// The record's citation.
    pub citation: String,
    /// The record's link (empty when it gives none).
    pub link: String,
}

/// One line of an organisation's usage: exactly one of `quantity` and `volume_band` is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UsageLine {
    /// Capability id (`face_identification`).
    pub capability: String,
    /// The service billed.
    pub service: String,
    /// `commercial`, `government` or `secret`.
    pub region_class: String,
    /// The unit of the quantity (`Images`, `Hours`, …).
    pub unit: String,
    /// The exact quantity, when the provider publishes quantities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// The band of the quantity (`1,000–9,999`), when exact quantities are withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_band: Option<String>,
}

/// A change of an organisation's classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Classification {
    /// The organisation's name.
    pub organisation: String,
    /// Its law-enforcement role (`agency`, `supplier`).
    pub role: String,
    /// `confirmed` or `proposed`.
    pub status: String,
    /// Why, with the public sources.
    pub reason: String,
    /// Who decided: a reviewer's pseudonym, or `candor:rules`.
    pub decided_by: String,
    /// When (RFC 3339).
    pub decided_at: String,
}
