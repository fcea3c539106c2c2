//! The FedRAMP Marketplace (JSON, public domain, GSA): which federal agencies authorized (ATO)
//! or reused which cloud service offerings. Two layouts:
//!
//! - the Marketplace's own data (`data.Products`, `data.Agencies`, `data.AtoMapping`,
//!   `data.ReuseMapping`): every agency with the offerings it authorized;
//! - the products export (`products`: `csp`, `cso`, `uei`, `business_functions`), whose agency
//!   lists are empty: it gives providers their UEI (the identifier USAspending uses).
//!
//! Life of an agency: its department (`parent`) and sub-agency (`sub`) resolve to the
//! registry's federal agencies by exact normalised name or alias (the reference has "Immigration
//! and Customs Enforcement" as an alias of ICE), the sub-agency under its department. A name that
//! fits none is kept as a new federal agency under its department and listed in the report.
//! Each offering it authorized becomes an `authorization` from the agency to the offering's
//! provider (found by UEI, else by exact name, else created), with the offering's id and name
//! and the JSON pointer of the entry as evidence. An offering whose business functions include
//! "Law Enforcement", authorized by an agency the registry holds as law enforcement, also makes
//! its provider a supplier of that offering to that agency (a `technology_supply`), which
//! classification turns into the supplier role as it does for the Atlas.
//!
//! Contact fields (names, e-mail addresses) are not read: the types below have none, and serde
//! skips every field they do not name.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::import::{ImportReport, OrgRef, federal_agency, file_digest, file_name, one_line, resolve};
use crate::model::{Jurisdiction, Kind, RelationKind, Relationship, Role, Scheme, Source, Status};
use crate::store::{Store, Tx};

/// Largest file read, in bytes: the Marketplace's data is a few megabytes; a file far larger
/// is not one, and is refused before it is held in memory.
pub const MAX_FILE: u64 = 64 << 20;

/// The business function that makes an offering's provider a law-enforcement supplier.
pub const LAW_ENFORCEMENT: &str = "Law Enforcement";

/// Either layout, told apart by its top-level member. (Not an untagged enum: serde buffers a
/// whole document to try each variant, several times the file's size in memory.)
#[derive(Deserialize)]
struct Layout {
    #[serde(default)]
    data: Option<Marketplace>,
    #[serde(default)]
    products: Option<Vec<Product>>,
}

#[derive(Deserialize)]
struct Marketplace {
    #[serde(rename = "Products", default)]
    products: Vec<Product>,
    #[serde(rename = "Agencies")]
    agencies: Vec<Agency>,
    #[serde(rename = "AtoMapping", default)]
    ato_mapping: Vec<Mapping>,
    #[serde(rename = "ReuseMapping", default)]
    reuse_mapping: Vec<Mapping>,
}

/// An offering, in either layout.
#[derive(Deserialize)]
struct Product {
    #[serde(default)]
    id: String,
    #[serde(default)]
    csp: String,
    #[serde(default)]
    cso: String,
    #[serde(default)]
    uei: Option<String>,
    /// The Marketplace's name for the business functions.
    #[serde(default)]
    business_function: Vec<String>,
    /// The products export's.
    #[serde(default)]
    business_functions: Vec<String>,
}

impl Product {
    fn law_enforcement(&self) -> bool {
        self.business_function.iter().chain(&self.business_functions).any(|f| f.trim() == LAW_ENFORCEMENT)
    }

    /// Its UEI, when it is one (12 letters and digits); anything else is not stored.
    fn uei(&self) -> Option<String> {
        self.uei
            .as_deref()
            .map(str::trim)
            .filter(|u| u.len() == 12 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
            .map(str::to_ascii_uppercase)
    }
}

#[derive(Deserialize)]
struct Agency {
    #[serde(default)]
    parent: String,
    #[serde(default)]
    sub: String,
    #[serde(default)]
    auths: Vec<Authorized>,
    #[serde(default)]
    reuses: Vec<Authorized>,
}

/// An offering an agency authorized or reused.
#[derive(Deserialize)]
struct Authorized {
    #[serde(default)]
    id: String,
    #[serde(default)]
    csp: String,
    #[serde(default)]
    cso: String,
}

/// A dated agency–offering row.
#[derive(Deserialize)]
struct Mapping {
    #[serde(default)]
    id: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    sub: String,
    #[serde(default)]
    ato_date: Option<String>,
}

/// Imports a FedRAMP Marketplace file (either layout).
pub fn import_fedramp(store: &mut dyn Store, path: &Path) -> Result<ImportReport> {
    let (sha, size) = file_digest(path)?;
    if size > MAX_FILE {
        return Err(Error::BadFile {
            file: path.into(),
            message: format!("{size} bytes; a FedRAMP Marketplace file is at most {MAX_FILE}"),
        });
    }
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let layout: Layout = serde_json::from_slice(&text).map_err(|e| Error::BadRow {
        file: path.into(),
        line: e.line() as u64,
        column: format!("(character {})", e.column()),
        message: format!(
            "not a FedRAMP Marketplace file (data.Products/Agencies, or products): {}",
            serde_json::Error::to_string(&e).split(" at line").next().unwrap_or("")
        ),
    })?;
    let layout = match (layout.data, layout.products) {
        (Some(data), None) => Ok(data),
        (None, Some(products)) => Err(products),
        _ => {
            return Err(Error::BadFile {
                file: path.into(),
                message: "not a FedRAMP Marketplace file: it needs either `data` (the Marketplace's layout) or \
                          `products` (the products export), not both"
                    .into(),
            });
        }
    };
    let file = file_name(path);
    let before = store.counts()?;
    let mut report = ImportReport {
        file: file.clone(),
        kind: "fedramp".into(),
        rows: 0,
        skipped: Vec::new(),
        already_imported: false,
        before,
        after: before,
        tallies: BTreeMap::new(),
        kept: Vec::new(),
    };
    let mut tx = store.begin()?;
    if tx.import_seen(&sha)? {
        report.already_imported = true;
        return Ok(report);
    }
    match layout {
        Ok(data) => marketplace(tx.as_mut(), &data, &file, &mut report)?,
        Err(products) => {
            report.rows = products.len() as u64;
            for (i, p) in products.iter().enumerate() {
                let at = format!("/products/{i}");
                check_text(path, &at, [("id", &p.id), ("csp", &p.csp), ("cso", &p.cso)])?;
                if !p.csp.trim().is_empty() {
                    provider(tx.as_mut(), p.uei().as_deref(), &clean(&p.csp)).map_err(|e| pointed(path, &at, e))?;
                }
            }
            report.tallies.insert("offerings".into(), products.len() as u64);
            report
                .tallies
                .insert("offerings with a UEI".into(), products.iter().filter(|p| p.uei().is_some()).count() as u64);
            let malformed = products
                .iter()
                .filter(|p| p.uei.as_deref().is_some_and(|u| !u.trim().is_empty()) && p.uei().is_none())
                .count();
            report.tallies.insert("UEIs not of 12 letters and digits (not stored)".into(), malformed as u64);
            report.tallies.insert(
                "offerings for law enforcement".into(),
                products.iter().filter(|p| p.law_enforcement()).count() as u64,
            );
        }
    }
    tx.record_import(&sha, &file, "fedramp", report.rows)?;
    tx.commit()?;
    report.after = store.counts()?;
    Ok(report)
}

/// Refuses a control character in a name or id (line breaks and tabs aside, which the
/// Marketplace's own data holds and [`clean`] makes spaces) and personal data (an e-mail
/// address), naming the entry by its JSON pointer and the field.
fn check_text<'a>(path: &Path, pointer: &str, fields: impl IntoIterator<Item = (&'a str, &'a String)>) -> Result<()> {
    for (field, t) in fields {
        let at = format!("{pointer}/{field}");
        input::check(&at, t, input::Lines::Data).map_err(|m| Error::BadFile { file: path.into(), message: m })?;
        if let Some(what) = crate::import::personal_data(t) {
            return Err(Error::BadFile {
                file: path.into(),
                message: format!("{at}: holds {what}; candor imports no personal data"),
            });
        }
    }
    Ok(())
}

/// An error about the entry at `pointer`, naming it.
fn pointed(path: &Path, pointer: &str, e: Error) -> Error {
    match e {
        Error::Invalid(m) => Error::BadFile { file: path.into(), message: format!("{pointer}: {m}") },
        other => other,
    }
}

/// An ISO date (`YYYY-MM-DD`) at the start of `text`, when it is one (a real day).
pub(crate) fn iso_day(text: &str) -> Option<String> {
    let d = text.trim().get(..10)?;
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    let (y, m, day): (u32, u32, u32) = (d[..4].parse().ok()?, d[5..7].parse().ok()?, d[8..].parse().ok()?);
    let days = match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    ((1990..=2100).contains(&y) && (1..=days).contains(&day)).then(|| d.to_string())
}

/// A name as one line, trimmed.
fn clean(text: &str) -> String {
    one_line(text).trim().to_string()
}

fn marketplace(tx: &mut dyn Tx, data: &Marketplace, file: &str, report: &mut ImportReport) -> Result<()> {
    let path = Path::new(file);
    let products: HashMap<&str, &Product> = data.products.iter().map(|p| (p.id.trim(), p)).collect();
    // The earliest date each agency (by department and sub-agency) authorized or reused each
    // offering.
    let mut dates: HashMap<(String, String, String), String> = HashMap::new();
    for m in data.ato_mapping.iter().chain(&data.reuse_mapping) {
        let Some(date) = m.ato_date.as_deref().and_then(iso_day) else { continue };
        let key = (m.id.trim().to_string(), clean(&m.parent), clean(&m.sub));
        if dates.get(&key).is_none_or(|d| date < *d) {
            dates.insert(key, date);
        }
    }
    let mut departments: HashMap<String, i64> = HashMap::new();
    let (mut authorizations, mut supplies) = (0u64, 0u64);
    report.rows = data.agencies.len() as u64;
    for (i, a) in data.agencies.iter().enumerate() {
        let pointer = format!("/data/Agencies/{i}");
        check_text(path, &pointer, [("parent", &a.parent), ("sub", &a.sub)])?;
        let (parent, sub) = (clean(&a.parent), clean(&a.sub));
        let (parent, sub) = (parent.as_str(), sub.as_str());
        if parent.is_empty() {
            return Err(Error::BadFile { file: path.into(), message: format!("{pointer}/parent: is empty") });
        }
        let department = match departments.get(parent) {
            Some(id) => *id,
            None => {
                let id = federal_agency(tx, parent, None, &mut report.kept)
                    .map_err(|e| pointed(path, &format!("{pointer}/parent"), e))?;
                departments.insert(parent.to_string(), id);
                id
            }
        };
        let agency = if sub.is_empty() {
            department
        } else {
            federal_agency(tx, sub, Some(department), &mut report.kept)
                .map_err(|e| pointed(path, &format!("{pointer}/sub"), e))?
        };
        let law_enforcement =
            matches!(tx.latest_classification(agency)?, Some((Role::Agency, s)) if s != Status::Rejected);
        for (list, entries) in [("auths", &a.auths), ("reuses", &a.reuses)] {
            for (j, o) in entries.iter().enumerate() {
                let at = format!("{pointer}/{list}/{j}");
                check_text(path, &at, [("id", &o.id), ("csp", &o.csp), ("cso", &o.cso)])?;
                let id = o.id.trim();
                if id.is_empty() || o.csp.trim().is_empty() {
                    return Err(Error::BadFile {
                        file: path.into(),
                        message: format!("{at}: an offering needs id and csp"),
                    });
                }
                let product = products.get(id);
                let uei = product.and_then(|p| p.uei());
                let to = provider(tx, uei.as_deref(), &clean(&o.csp)).map_err(|e| pointed(path, &at, e))?;
                let date = dates.get(&(id.to_string(), parent.to_string(), sub.to_string())).map(|d| d.to_string());
                let what = if list == "auths" { "authorized" } else { "reused" };
                let citation = format!("FedRAMP Marketplace {file} {at}: {what} {} ({id})", clean(&o.cso));
                let relationship = |kind, technology: String| Relationship {
                    kind,
                    from: agency,
                    to,
                    agency: Some(agency),
                    funding_agency: None,
                    award_id: Some(id.to_string()),
                    amount: None,
                    start_date: date.clone(),
                    end_date: None,
                    action_date: date.clone(),
                    permalink: None,
                    technology: Some(technology),
                    citation: Some(citation.clone()),
                    source: Source { file: file.to_string(), line: 1 },
                };
                tx.add_relationship(&relationship(RelationKind::Authorization, clean(&o.cso)))?;
                authorizations += 1;
                if law_enforcement && product.is_some_and(|p| p.law_enforcement()) {
                    let technology = format!("{} (FedRAMP offering for law enforcement)", clean(&o.cso));
                    tx.add_relationship(&relationship(RelationKind::TechnologySupply, technology))?;
                    supplies += 1;
                }
            }
        }
    }
    report.tallies.insert("agencies and sub-agencies".into(), data.agencies.len() as u64);
    report.tallies.insert("offerings".into(), data.products.len() as u64);
    report.tallies.insert("authorizations and reuses".into(), authorizations);
    report.tallies.insert("law-enforcement offerings authorized by law-enforcement agencies".into(), supplies);
    Ok(())
}

/// An offering's provider: by UEI, else the one company of that exact normalised name, else a
/// new company (keyed by its UEI when it has one).
fn provider(tx: &mut dyn Tx, uei: Option<&str>, name: &str) -> Result<i64> {
    if crate::names::normalize(name).sorted_key().is_empty() {
        return Err(Error::Invalid(format!("{name:?} is not a provider's name (no letter or digit to tell it by)")));
    }
    if uei.is_none() {
        let companies: Vec<i64> = tx
            .organisations_by_norm(name)?
            .into_iter()
            .filter(|(_, k)| *k == Kind::Company)
            .map(|(id, _)| id)
            .collect();
        if let [one] = companies.as_slice() {
            return Ok(*one);
        }
    }
    let ids: Vec<(Scheme, String)> = uei.map(|u| vec![(Scheme::Uei, u.to_string())]).unwrap_or_default();
    let key =
        if ids.is_empty() { Some(format!("fedramp-csp:{}", crate::names::normalize(name).sorted_key())) } else { None };
    resolve(tx, OrgRef { ids, name, kind: Kind::Company, jurisdiction: Jurisdiction::default(), key })
}
