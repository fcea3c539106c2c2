//! candor's registry: which organisations are law-enforcement agencies, which companies
//! supply them, and which of a provider's customer accounts belong to either — each finding
//! backed by public-record evidence and a human review trail.
//!
//! - [`model`]: organisations, identifiers, relationships with evidence, accounts, history;
//! - [`Store`]/[`Tx`]: the storage contract, with [`SqliteStore`] (embedded SQLite, WAL) and
//!   [`PgStore`] (a shared PostgreSQL database), chosen by [`open`];
//! - [`names`]: name normalisation for matching;
//! - [`input`]: the characters text from outside may hold; [`person`]: one person's ids.
#![deny(missing_docs)]

pub mod classify;
mod columns;
mod error;
pub mod eval;
pub mod ftm;
pub mod import;
/// What text from outside may hold (the `input` crate, named here for the registry's users).
pub use input;
pub mod model;
pub mod moving;
pub mod names;
pub mod person;
mod postgres;
pub mod review;
pub mod screen;
mod sqlite;
mod store;
mod text;

pub use error::{Error, Result};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use store::{Counts, Store, Tx};

/// How to name `place` in a message: the path, or the URL without its password.
pub fn describe(place: &std::path::Path) -> String {
    pg::describe(place)
}

/// True when a registry is at `place`: a `postgres://` URL (the server is asked when opened),
/// or a SQLite file that exists.
pub fn exists(place: &std::path::Path) -> bool {
    pg::place_exists(place)
}

/// Opens the registry at `place`: a `postgres://` URL, or the path of a SQLite file (created
/// if absent).
pub fn open(place: &std::path::Path) -> Result<Box<dyn Store>> {
    pg::opens::note("registry");
    match place.to_str() {
        Some(url) if pg::is_url(url) => Ok(Box::new(PgStore::connect(url)?)),
        _ => Ok(Box::new(SqliteStore::open(place)?)),
    }
}
