//! candor's public report.
//!
//! - the records themselves, their canonical JSON and schemas live in the `records` crate;
//! - [`redact`]: volume bands and reviewer pseudonyms, what records say instead of exact
//!   figures and people;
//! - [`salt`]: the provider's secret salt for those pseudonyms;
//! - [`gather`]: what a period may disclose, from the registry and the usage store;
//! - [`declared`]: the facts declared of a registered use, and the regimes that ask for each;
//! - [`enforcement`]: the audit's findings and the provider's actions, as records list them;
//! - [`notices`]: policy proposals, objections, withdrawals and the minimum notice, and
//!   every proposal's state derived from those records;
//! - [`review_facts`]: what a period says of review itself (made, decided, pending, four eyes,
//!   per reviewer pseudonym);
//! - [`append`]: appending a period's records to the log, idempotently, with corrections;
//! - [`site`]: the static site written next to the log's tiles, a pure function of the log;
//! - [`check`]: checking a published report from the outside.
#![deny(missing_docs)]

pub mod append;
pub mod check;
pub mod declared;
pub mod enforcement;
pub mod entries;
mod error;
pub mod gate;
pub mod gather;
pub mod index;
pub mod notices;
pub mod redact;
pub mod review_facts;
pub mod salt;
pub mod screening_facts;
pub mod site;
mod state_file;

pub use error::Error;
