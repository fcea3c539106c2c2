//! `candor.reconciliation`: a period held against public records the provider does not
//! control — every law-enforcement organisation they tie to the provider's offerings, and how
//! the period's report accounts for it; `candor.customer_statement`: a reviewer's reasoned
//! statement that such an organisation is not a customer (or its withdrawal). Organisations only
//! (public bodies and companies); never accounts or people.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Link;

/// A period's reconciliation. The latest one of a period is the period's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reconciliation {
    /// The period.
    pub period: String,
    /// The provider, as it declares itself.
    pub provider: String,
    /// The provider's FedRAMP offerings reconciled (Marketplace ids).
    pub offerings: Vec<String>,
    /// The names its products go by in the federal AI use-case inventory.
    pub inventory_names: Vec<String>,
    /// One entry per tied organisation, ordered by name.
    pub organisations: Vec<Reconciled>,
}

/// A tied organisation and its standing in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reconciled {
    /// The organisation's name.
    pub organisation: String,
    /// `agency` or `supplier` (of a law-enforcement agency).
    pub law_enforcement_role: String,
    /// The public records' entries that tie it to the provider's offerings.
    pub public_records: Vec<PublicRecordEntry>,
    /// How the period's report accounts for it.
    pub status: Standing,
    /// Its usage record in the period, when disclosed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Link>,
    /// Why it is withheld, as the period summary counts it, when withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Without a linked account: whether a proposed link awaits a reviewer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_review: bool,
    /// The statement that it is not a customer, when that is its standing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<Link>,
}

/// How a period's report accounts for a tied organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The report discloses it (`record` links its usage record).
    Disclosed,
    /// The report withholds it, for the counted `reason`.
    Withheld,
    /// An account is linked to it, and used nothing in the period.
    LinkedNoUsage,
    /// No account is linked to it (the screening found none, or one awaits review).
    NoLinkedAccount,
    /// A reviewer stated, with a reason, that it is not a customer (`statement` links it).
    NotACustomer,
}

impl Standing {
    /// The standing in words.
    pub fn words(self) -> &'static str {
        match self {
            Standing::Disclosed => "disclosed",
            Standing::Withheld => "withheld",
            Standing::LinkedNoUsage => "linked account, no usage in the period",
            Standing::NoLinkedAccount => "no linked account",
            Standing::NotACustomer => "not a customer (a reviewer's statement)",
        }
    }
}

/// One entry of a public record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PublicRecordEntry {
    /// The record (`FedRAMP Marketplace`, `federal AI use-case inventory`).
    pub record: String,
    /// The entry as cited: the file, where in it (a JSON pointer or a line), what it says.
    pub entry: String,
    /// The file's name.
    pub file: String,
    /// The date the entry gives, when it gives one (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A reviewer's statement about a tied organisation. The latest statement about an
/// organisation is the one in force; `withdrawn` ends the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustomerStatement {
    /// The organisation's name.
    pub organisation: String,
    /// What is stated.
    pub statement: StatementKind,
    /// Why: what the reviewer checked.
    pub reason: String,
    /// The reviewer's pseudonym.
    pub stated_by: String,
    /// When (`YYYY-MM-DDTHH:MM:SSZ`).
    pub stated_at: String,
}

/// What a customer statement says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// The organisation is not a customer of the provider.
    NotACustomer,
    /// The earlier statement no longer holds.
    Withdrawn,
}
