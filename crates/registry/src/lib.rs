//! candor's registry: which organisations are law-enforcement agencies, which companies
//! supply them, and which of a provider's customer accounts belong to either — each finding
//! backed by public-record evidence and a human review trail.
//!
//! - [`model`]: organisations, identifiers, relationships with evidence, accounts, history;
//! - [`Store`]/[`Tx`]: the storage contract, with [`SqliteStore`] (embedded SQLite, WAL);
//! - [`names`]: name normalisation for matching.
#![deny(missing_docs)]

pub mod classify;
mod error;
pub mod eval;
pub mod ftm;
pub mod import;
pub mod model;
pub mod names;
pub mod review;
pub mod screen;
mod sqlite;
mod store;
mod text;

pub use error::{Error, Result};
pub use sqlite::SqliteStore;
pub use store::{Counts, Store, Tx};
