//! candor's curated reference of federal law-enforcement agencies (a TOML file the project
//! writes and users may extend).

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::import::fbi::REFERENCE_ACTOR;
use crate::import::{ImportReport, OrgRef, file_digest, resolve};
use crate::model::{Jurisdiction, Kind, Role, Scheme, Status};
use crate::store::Store;

/// Largest reference file read, in bytes (candor's own is a few kilobytes).
pub const MAX_REFERENCE: u64 = 16 << 20;

/// The reference that ships with candor.
pub const REFERENCE_FILE: &str = include_str!("../../data/federal-law-enforcement.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reference {
    #[serde(default)]
    department: Vec<Department>,
    #[serde(default)]
    agency: Vec<Agency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Department {
    name: String,
    abbreviation: String,
    code: String,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Agency {
    name: String,
    abbreviation: String,
    department: Option<String>,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    immigration_enforcement: bool,
    #[serde(default)]
    aliases: Vec<String>,
    sources: Vec<String>,
    /// Kind, when not a federal agency ("state_agency", "local_agency", "tribal", …).
    kind: Option<String>,
    /// State, for state and local agencies.
    state: Option<String>,
}

impl Reference {
    /// Refuses a control character in any of its texts (TOML's escapes can write one), naming
    /// the table and the field.
    fn check(&self) -> std::result::Result<(), String> {
        use input::{Lines, check};
        for (i, d) in self.department.iter().enumerate() {
            let at = |f: &str| format!("department {} ({:?}): {f}", i + 1, d.name);
            for (f, v) in [("name", &d.name), ("abbreviation", &d.abbreviation), ("code", &d.code)] {
                if v.trim().is_empty() {
                    return Err(format!("{}: is empty", at(f)));
                }
            }
            for (f, v) in [("name", &d.name), ("abbreviation", &d.abbreviation), ("code", &d.code)] {
                check(&at(f), v, Lines::One)?;
            }
            d.sources.iter().try_for_each(|s| check(&at("sources"), s, Lines::One))?;
        }
        for (i, a) in self.agency.iter().enumerate() {
            let at = |f: &str| format!("agency {} ({:?}): {f}", i + 1, a.name);
            // An empty name or abbreviation would become an empty alias (and agencies without
            // codes are keyed by their abbreviation: two empty ones would be one agency).
            for (f, v) in [("name", &a.name), ("abbreviation", &a.abbreviation)] {
                if v.trim().is_empty() {
                    return Err(format!("{}: is empty", at(f)));
                }
            }
            check(&at("name"), &a.name, Lines::One)?;
            check(&at("abbreviation"), &a.abbreviation, Lines::One)?;
            for (f, list) in [("codes", &a.codes), ("aliases", &a.aliases), ("sources", &a.sources)] {
                list.iter().try_for_each(|v| check(&at(f), v, Lines::One))?;
            }
            for (f, v) in [("department", &a.department), ("kind", &a.kind), ("state", &a.state)] {
                v.iter().try_for_each(|v| check(&at(f), v, Lines::One))?;
            }
        }
        Ok(())
    }
}

/// Agency codes of the immigration-enforcement agencies in candor's reference (ICE, CBP).
pub fn immigration_enforcement_codes() -> Vec<String> {
    let reference: Result<Reference, _> = toml::from_str(REFERENCE_FILE);
    reference
        .map(|r| r.agency.into_iter().filter(|a| a.immigration_enforcement).flat_map(|a| a.codes).collect())
        .unwrap_or_default()
}

/// Imports a reference file (`path`), or candor's own when `path` is `None`.
pub fn import_reference(store: &mut dyn Store, path: Option<&Path>) -> Result<ImportReport> {
    let (text, name, sha) = match path {
        Some(p) => {
            crate::import::regular_file(p)?;
            let size = std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len();
            if size > MAX_REFERENCE {
                return Err(Error::BadFile {
                    file: p.into(),
                    message: format!("{size} bytes; a reference is at most {MAX_REFERENCE}"),
                });
            }
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
            (text, crate::import::file_name(p), file_digest(p)?.0)
        }
        None => {
            let sha =
                sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(REFERENCE_FILE.as_bytes()));
            (REFERENCE_FILE.to_string(), "federal-law-enforcement.toml".to_string(), hex::encode(sha))
        }
    };
    let reference: Reference =
        toml::from_str(&text).map_err(|e| Error::BadFile { file: name.clone().into(), message: format!("{e}") })?;
    reference.check().map_err(|message| Error::BadFile { file: name.clone().into(), message })?;
    let before = store.counts()?;
    let mut report = ImportReport {
        file: name.clone(),
        kind: "reference".into(),
        rows: (reference.department.len() + reference.agency.len()) as u64,
        skipped: Vec::new(),
        already_imported: false,
        before,
        after: before,
        tallies: Default::default(),
        kept: Vec::new(),
    };
    let mut tx = store.begin()?;
    if tx.import_seen(&sha)? {
        report.already_imported = true;
        return Ok(report);
    }
    let us = Jurisdiction { country: Some("USA".into()), ..Jurisdiction::default() };
    let mut departments = std::collections::HashMap::new();
    for d in &reference.department {
        let id = resolve(
            tx.as_mut(),
            OrgRef {
                ids: vec![(Scheme::AgencyCode, d.code.clone())],
                name: &d.name,
                kind: Kind::FederalAgency,
                jurisdiction: us.clone(),
                key: Some(format!("agency:{}", d.code)),
            },
        )?;
        tx.add_alias(id, &d.abbreviation)?;
        let _ = &d.sources;
        departments.insert(d.code.clone(), id);
    }
    for a in &reference.agency {
        let key = match a.codes.first() {
            Some(c) => format!("agency:{c}"),
            None => format!("ref:{}", a.abbreviation),
        };
        let kind = match &a.kind {
            None => Kind::FederalAgency,
            Some(k) => Kind::parse(k).ok_or_else(|| Error::BadFile {
                file: name.clone().into(),
                message: format!("agency {:?}: unknown kind {k:?}", a.name),
            })?,
        };
        let jurisdiction = Jurisdiction { state: a.state.clone(), ..us.clone() };
        let id = resolve(
            tx.as_mut(),
            OrgRef {
                ids: a.codes.iter().map(|c| (Scheme::AgencyCode, c.clone())).collect(),
                name: &a.name,
                kind,
                jurisdiction,
                key: Some(key),
            },
        )?;
        for alias in a.aliases.iter().chain(std::iter::once(&a.abbreviation)) {
            tx.add_alias(id, alias)?;
        }
        if let Some(dep) = a.department.as_ref().and_then(|d| departments.get(d)) {
            tx.set_parent(id, *dep)?;
        }
        if tx.latest_classification(id)?.is_none() {
            let what = if a.immigration_enforcement {
                "an immigration-enforcement agency"
            } else {
                "a law-enforcement agency"
            };
            let reason = format!("listed as {what} in the reference {name} (sources: {})", a.sources.join(", "));
            tx.append_classification(id, Role::Agency, Status::Confirmed, &reason, REFERENCE_ACTOR)?;
        }
    }
    tx.record_import(&sha, &name, "reference", report.rows)?;
    tx.commit()?;
    report.after = store.counts()?;
    Ok(report)
}
