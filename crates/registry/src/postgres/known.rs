//! What a write transaction knows of the registry's organisations: every key, identifier,
//! alias key, jurisdiction and latest classification, read once in four queries the first
//! time the transaction looks an organisation up, then kept in step with its own writes.
//!
//! This is sound because a write transaction holds the registry's writer lock: nobody else
//! changes these tables while it runs, so after the first read its own writes are the only
//! changes. An import then resolves each row's organisations in memory instead of with
//! several round trips per row (the round trip, not the work, was what made imports slow).

use std::collections::{BTreeSet, HashMap};

use pg::Conn;

use crate::error::Result;
use crate::model::{Kind, Role, Scheme, Status};

/// The organisation side of the registry, as the transaction sees it.
#[derive(Default)]
pub(super) struct Known {
    by_key: HashMap<String, i64>,
    by_identifier: HashMap<(Scheme, String), i64>,
    identifiers_of: HashMap<i64, Vec<(Scheme, String)>>,
    /// Normalised alias key → the organisations holding an alias with it.
    by_norm: HashMap<String, BTreeSet<i64>>,
    /// Organisation → (state, kind).
    orgs: HashMap<i64, (Option<String>, Kind)>,
    classification: HashMap<i64, (Role, Status)>,
}

impl Known {
    /// Reads it all (call after sending waiting writes, so they are included).
    pub(super) fn load(conn: &mut Conn) -> Result<Known> {
        let mut k = Known::default();
        for r in conn.query("SELECT id, key, state, kind FROM organisations", &[])? {
            let id: i64 = r.get(0);
            k.by_key.insert(r.get(1), id);
            k.orgs.insert(id, (r.get(2), Kind::parse(r.get(3)).unwrap_or(Kind::Other)));
        }
        for r in conn.query("SELECT org_id, scheme, value FROM identifiers", &[])? {
            let Some(scheme) = Scheme::parse(r.get(1)) else { continue };
            let (org, value): (i64, String) = (r.get(0), r.get(2));
            k.identifiers_of.entry(org).or_default().push((scheme, value.clone()));
            k.by_identifier.insert((scheme, value), org);
        }
        for r in conn.query("SELECT norm, org_id FROM aliases", &[])? {
            k.by_norm.entry(r.get(0)).or_default().insert(r.get(1));
        }
        for r in conn.query(
            "SELECT DISTINCT ON (org_id) org_id, role, status FROM classification_events ORDER BY org_id, id DESC",
            &[],
        )? {
            if let (Some(role), Some(status)) = (Role::parse(r.get(1)), Status::parse(r.get(2))) {
                k.classification.insert(r.get(0), (role, status));
            }
        }
        Ok(k)
    }

    pub(super) fn by_key(&self, key: &str) -> Option<i64> {
        self.by_key.get(key).copied()
    }

    pub(super) fn by_identifier(&self, scheme: Scheme, value: &str) -> Option<i64> {
        self.by_identifier.get(&(scheme, value.to_string())).copied()
    }

    pub(super) fn identifiers_of(&self, org: i64) -> Vec<(Scheme, String)> {
        self.identifiers_of.get(&org).cloned().unwrap_or_default()
    }

    /// Organisations with an alias of this normalised key, in `state` (`Some(None)` for "no
    /// state") or in any state (`None`), by id, with their kind.
    pub(super) fn by_norm(&self, norm: &str, state: Option<Option<&str>>) -> Vec<(i64, Kind)> {
        let Some(ids) = self.by_norm.get(norm) else { return Vec::new() };
        ids.iter()
            .filter_map(|id| {
                let (at, kind) = self.orgs.get(id)?;
                match state {
                    Some(s) if at.as_deref() != s => None,
                    _ => Some((*id, *kind)),
                }
            })
            .collect()
    }

    pub(super) fn classification(&self, org: i64) -> Option<(Role, Status)> {
        self.classification.get(&org).copied()
    }

    /// A new organisation.
    pub(super) fn organisation(&mut self, id: i64, key: &str, state: Option<&str>, kind: Kind) {
        self.by_key.insert(key.to_string(), id);
        self.orgs.insert(id, (state.map(str::to_string), kind));
    }

    /// An identifier given to an organisation: false when some organisation holds it already
    /// (then the database would ignore it too, and nothing is to be sent).
    pub(super) fn identifier(&mut self, org: i64, scheme: Scheme, value: &str) -> bool {
        let key = (scheme, value.to_string());
        if self.by_identifier.contains_key(&key) {
            return false;
        }
        self.by_identifier.insert(key, org);
        self.identifiers_of.entry(org).or_default().push((scheme, value.to_string()));
        true
    }

    pub(super) fn alias(&mut self, org: i64, norm: &str) {
        self.by_norm.entry(norm.to_string()).or_default().insert(org);
    }

    pub(super) fn classified(&mut self, org: i64, role: Role, status: Status) {
        self.classification.insert(org, (role, status));
    }
}
