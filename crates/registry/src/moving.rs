//! `candor registry migrate`: the registry's SQLite file moved into PostgreSQL, every table
//! with its ids, checked by row counts and content hashes (see [`pg::moving`]).

use std::path::Path;

use pg::moving::{self, Moved, Table};

use crate::error::Result;

/// The registry's tables, referenced ones first.
const TABLES: &[Table] = &[
    Table {
        name: "organisations",
        columns: &["id", "key", "name", "kind", "country", "state", "county", "city", "parent_id"],
        order_by: &[("id", false)],
        identity: Some("id"),
    },
    Table {
        name: "aliases",
        columns: &["org_id", "alias", "norm"],
        order_by: &[("org_id", false), ("alias", true)],
        identity: None,
    },
    Table {
        name: "identifiers",
        columns: &["org_id", "scheme", "value"],
        order_by: &[("scheme", true), ("value", true)],
        identity: None,
    },
    Table {
        name: "relationships",
        columns: &[
            "id",
            "kind",
            "from_org",
            "to_org",
            "agency",
            "funding_agency",
            "award_id",
            "amount",
            "start_date",
            "end_date",
            "action_date",
            "permalink",
            "source_file",
            "source_line",
            "fact",
            "technology",
            "citation",
        ],
        order_by: &[("id", false)],
        identity: Some("id"),
    },
    Table {
        name: "accounts",
        columns: &["account_id", "legal_name", "country", "state", "city", "uei", "domain"],
        order_by: &[("account_id", true)],
        identity: None,
    },
    Table {
        name: "link_events",
        columns: &["id", "account_id", "org_id", "status", "score", "reason", "actor", "at", "candidates", "evidence"],
        order_by: &[("id", false)],
        identity: Some("id"),
    },
    Table {
        name: "classification_events",
        columns: &["id", "org_id", "role", "status", "reason", "actor", "at"],
        order_by: &[("id", false)],
        identity: Some("id"),
    },
    Table {
        name: "imports",
        columns: &["sha256", "file", "kind", "rows", "at"],
        order_by: &[("sha256", true)],
        identity: None,
    },
    Table { name: "settings", columns: &["key", "value"], order_by: &[("key", true)], identity: None },
];

/// Moves the registry in the SQLite file `from` into the PostgreSQL database `to`; returns
/// what each table held and whether this run copied it.
pub fn to_postgres(from: &Path, to: &str, progress: &mut dyn FnMut(&str, u64)) -> Result<Vec<Moved>> {
    // Opening both migrates both to this candor's schema, so their tables match.
    let source = crate::SqliteStore::open(from)?;
    let target = crate::PgStore::connect(to)?;
    Ok(moving::from_sqlite(source.connection(), target.database(), TABLES, progress)?)
}
