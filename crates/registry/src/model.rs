//! What the registry holds: organisations, identifiers, relationships with evidence,
//! customer accounts, and the append-only review history.

use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// The stored and printed form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored form.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// What sort of organisation.
    Kind {
        /// A federal department or sub-agency.
        FederalAgency = "federal_agency",
        /// A state agency.
        StateAgency = "state_agency",
        /// A county, city or other local agency.
        LocalAgency = "local_agency",
        /// A tribal government agency.
        Tribal = "tribal",
        /// A university or college.
        University = "university",
        /// A company.
        Company = "company",
        /// Anything else.
        Other = "other",
    }
}

string_enum! {
    /// An organisation's role in law enforcement.
    Role {
        /// A law-enforcement agency.
        Agency = "agency",
        /// A company that supplies law-enforcement agencies.
        Supplier = "supplier",
        /// Neither.
        None = "none",
    }
}

string_enum! {
    /// Identifier schemes.
    Scheme {
        /// SAM.gov Unique Entity ID.
        Uei = "uei",
        /// Dun & Bradstreet number (retired by the US government in 2022).
        Duns = "duns",
        /// Commercial and Government Entity code.
        Cage = "cage",
        /// FBI Originating Agency Identifier.
        Ori = "ori",
        /// Legal Entity Identifier.
        Lei = "lei",
        /// US federal agency or sub-agency code (e.g. 070 DHS, 7012 ICE).
        AgencyCode = "agency_code",
    }
}

string_enum! {
    /// How two organisations are related.
    RelationKind {
        /// `from` (an agency) awarded a contract to `to`.
        ContractAward = "contract_award",
        /// `from` (a prime contractor) gave a subaward to `to`.
        Subaward = "subaward",
        /// `from` is the parent of `to`.
        ParentSubsidiary = "parent_subsidiary",
        /// `from` (a department) contains `to` (a sub-agency).
        SubAgency = "sub_agency",
        /// `from` (an agency) uses a surveillance technology that `to` (a vendor) supplies, as
        /// the EFF Atlas of Surveillance records it.
        TechnologySupply = "technology_supply",
        /// `from` (an agency) authorized (ATO) or reused a cloud service offering of `to` (its
        /// provider), as the FedRAMP Marketplace records it: public evidence that the agency
        /// may use the offering, not of which accounts or services. `award_id` is the
        /// offering's id, `technology` its name.
        Authorization = "authorization",
    }
}

string_enum! {
    /// Review state of a link or classification event.
    Status {
        /// Suggested by candor's rules or matcher; awaiting review.
        Proposed = "proposed",
        /// Accepted by a reviewer (or by a reference that says so).
        Confirmed = "confirmed",
        /// Rejected by a reviewer.
        Rejected = "rejected",
    }
}

/// Where an organisation is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    /// ISO 3166-1 alpha-3 country code ("USA").
    pub country: Option<String>,
    /// State or province code ("MN").
    pub state: Option<String>,
    /// County.
    pub county: Option<String>,
    /// City.
    pub city: Option<String>,
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    /// Row id.
    pub id: i64,
    /// Stable natural key (`uei:…`, `ori:…`, `agency:7012`, `name:…|MN`).
    pub key: String,
    /// Canonical name.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Where it is.
    pub jurisdiction: Jurisdiction,
    /// Parent organisation.
    pub parent: Option<i64>,
}

/// A new organisation to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganisation {
    /// Stable natural key.
    pub key: String,
    /// Canonical name.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Where it is.
    pub jurisdiction: Jurisdiction,
}

/// Where a fact came from: a file and a line in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// File name (without directories, so evidence does not leak local paths).
    pub file: String,
    /// 1-based line.
    pub line: u64,
}

/// A relationship between two organisations, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    /// Kind.
    pub kind: RelationKind,
    /// Awarding agency, prime contractor, or parent.
    pub from: i64,
    /// Recipient, subawardee, or subsidiary.
    pub to: i64,
    /// For awards and subawards: the sub-agency that awarded the (prime) contract.
    pub agency: Option<i64>,
    /// For awards and subawards: the sub-agency that funded it, when different.
    pub funding_agency: Option<i64>,
    /// Award id (PIID or unique award key) or subaward number.
    pub award_id: Option<String>,
    /// Amount in US dollars.
    pub amount: Option<f64>,
    /// Period of performance start (ISO date).
    pub start_date: Option<String>,
    /// Period of performance end (ISO date).
    pub end_date: Option<String>,
    /// Action date (ISO date).
    pub action_date: Option<String>,
    /// USAspending permalink, or the public source of an Atlas record.
    pub permalink: Option<String>,
    /// For a technology supply: the technology ("Face Recognition").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technology: Option<String>,
    /// For a technology supply: who reported it and when, as the source gives it ("RR Star,
    /// 10/06/2018").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// The row it came from.
    pub source: Source,
}

/// A provider's customer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The provider's account id (never published).
    pub account_id: String,
    /// Legal name on the account.
    pub legal_name: String,
    /// Country.
    pub country: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// City.
    pub city: Option<String>,
    /// UEI, when the customer gave one.
    pub uei: Option<String>,
    /// Web domain.
    pub domain: Option<String>,
}

/// One entry of the append-only history of account-to-organisation links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkEvent {
    /// Event id (order of the history).
    pub id: i64,
    /// Account.
    pub account_id: String,
    /// Organisation.
    pub org_id: i64,
    /// New status.
    pub status: Status,
    /// Match score, for proposals.
    pub score: Option<f64>,
    /// Why: matcher reasons or the reviewer's reason.
    pub reason: String,
    /// Who: a reviewer id, or `candor:screen` for the matcher.
    pub actor: String,
    /// When (RFC 3339).
    pub at: String,
    /// For an ambiguous proposal: every organisation that fits, best first (the event's
    /// `org_id` is the first). Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<LinkCandidate>,
}

/// One organisation an ambiguous proposal may link its account to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkCandidate {
    /// The organisation.
    pub org_id: i64,
    /// Its match score.
    pub score: f64,
    /// Why it fits (the matcher's reasons).
    pub reason: String,
}

/// One entry of the append-only history of organisation classifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationEvent {
    /// Event id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Role.
    pub role: Role,
    /// Status.
    pub status: Status,
    /// Why (a summary of the evidence, or the reviewer's reason).
    pub reason: String,
    /// Who: a reviewer id, or `candor:rules`.
    pub actor: String,
    /// When (RFC 3339).
    pub at: String,
}

/// The current time as RFC 3339, for history events.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
