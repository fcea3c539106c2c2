//! Reconciliation: hold a period's report against public records the provider does not
//! control. Witnesses prove a report was not changed after the fact; they cannot prove it is
//! complete. The FedRAMP Marketplace (which agency authorized which cloud offering) and the
//! federal AI use-case inventory (which vendor an agency's face recognition comes from) tie
//! law-enforcement agencies to a provider's offerings; each tie is then either disclosed by the
//! report, withheld for a counted reason, without a linked account, or stated not to be a
//! customer.
//!
//! - [`provider`]: the provider's own offerings, declared once (`provider.toml`) and checked
//!   against the imported public records;
//! - [`ties`]: the law-enforcement organisations the registry's public records tie to them;
//! - [`table`]: each tie's standing in a period, as text and JSON.
//!
//! Knows the registry (where the imported public records are) and the records' format; nothing
//! of stores, logs or pages.

mod error;
pub mod provider;
pub mod table;
pub mod ties;

pub use error::{Error, Result};
pub use provider::Provider;
pub use table::{Disclosure, Reconciliation, Row, Standing, Status, printable, reconcile};
pub use ties::{PublicRecord, Tie, known_offerings, ties, unmatched_inventory_names};
