//! The EFF Atlas of Surveillance (CSV, CC BY 4.0; the 26- and the 28-column layouts, columns
//! by header name): each row is one agency's use of one surveillance technology, from a
//! vendor, with up to three public sources.
//!
//! Life of a row:
//! 1. The agency is resolved to the registry's agency: by ORI when the download has one, else
//!    by name, city and state through the screening matcher, which must name one agency
//!    without doubt. An agency it cannot resolve is created (the Atlas lists it as a
//!    law-enforcement agency), never guessed.
//! 2. Each vendor the row names (a field may list several, separated by commas; empty means
//!    unknown) is found by its exact normalised name among companies, or created.
//! 3. A technology supply from the agency to each vendor is stored with its evidence: the
//!    Atlas row (AOS number), the technology, the first source with its publication and date,
//!    and the file and line. Classification makes the vendor a law-enforcement supplier by
//!    rule, as it does for an award.

use std::collections::HashSet;
use std::path::Path;

use crate::error::Result;
use crate::import::fbi::REFERENCE_ACTOR;
use crate::import::{ImportOptions, ImportReport, OrgRef, Progress, Row, RowFail, bad, file_name, resolve, run_csv};
use crate::model::{Account, Jurisdiction, Kind, RelationKind, Relationship, Role, Scheme, Source, Status};
use crate::names::normalize;
use crate::screen::{Matcher, Scratch, ScreenConfig};
use crate::store::{Store, Tx};

/// Columns every Atlas layout has.
const REQUIRED: &[&str] = &["AOSNUMBER", "Agency", "State", "Technology", "Vendor"];

/// Imports an Atlas of Surveillance CSV file.
pub fn import_atlas(
    store: &mut dyn Store,
    path: &Path,
    opts: ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    // The matcher and the agencies as they stand before this file: a row resolves to an
    // agency the registry already has, or the file's own agency is created.
    let matcher = Matcher::build(store)?;
    let agencies: HashSet<i64> = {
        let mut latest = std::collections::HashMap::new();
        for e in store.classification_events()? {
            latest.insert(e.org_id, e.role);
        }
        latest.into_iter().filter(|(_, r)| *r == Role::Agency).map(|(o, _)| o).collect()
    };
    let file = file_name(path);
    let cfg = ScreenConfig::default();
    let mut scratch = Scratch::default();
    run_csv(store, path, "atlas of surveillance", REQUIRED, opts, progress, |tx, row| {
        let aos = row.require("AOSNUMBER")?;
        let digits = aos.get(3..).unwrap_or("");
        if !aos.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("AOS"))
            || digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad("AOSNUMBER", format!("{aos:?} is not an Atlas record number (AOS followed by digits)")));
        }
        let agency_name = row.require("Agency")?;
        let state = row.require("State")?;
        if state.len() != 2 || !state.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(bad("State", format!("{state:?} is not a two-letter state code")));
        }
        let state = state.to_ascii_uppercase();
        let technology = row.require("Technology")?;
        let agency = resolve_agency(tx, row, agency_name, &state, &matcher, &agencies, &cfg, &mut scratch)?;
        let source = first_source(row);
        let reason = format!(
            "listed in the EFF Atlas of Surveillance as a law-enforcement agency using {technology} ({file} line {}, {aos})",
            row.line
        );
        if tx.latest_classification(agency)?.is_none() {
            tx.append_classification(agency, Role::Agency, Status::Confirmed, &reason, REFERENCE_ACTOR)?;
        }
        for vendor_name in vendors(row.get("Vendor").unwrap_or("")) {
            let vendor = resolve_vendor(tx, &vendor_name)?;
            tx.add_relationship(&Relationship {
                kind: RelationKind::TechnologySupply,
                from: agency,
                to: vendor,
                agency: Some(agency),
                funding_agency: None,
                award_id: Some(aos.to_ascii_uppercase()),
                amount: None,
                start_date: None,
                end_date: None,
                action_date: source.as_ref().and_then(|s| s.date.clone()),
                permalink: source.as_ref().and_then(|s| s.link.clone()),
                technology: Some(technology.to_string()),
                citation: source.as_ref().map(|s| s.citation.clone()).filter(|c| !c.is_empty()),
                source: Source { file: file.clone(), line: row.line },
            })?;
        }
        Ok(())
    })
}

/// The registry's agency for a row: by ORI, else through the matcher when it names one
/// agency without doubt, else a new agency (created once, found again by name and state).
#[allow(clippy::too_many_arguments)]
fn resolve_agency(
    tx: &mut dyn Tx,
    row: &Row<'_>,
    name: &str,
    state: &str,
    matcher: &Matcher,
    agencies: &HashSet<i64>,
    cfg: &ScreenConfig,
    scratch: &mut Scratch,
) -> Result<i64, RowFail> {
    let ori = row.get("ORI").or_else(|| row.get("ori"));
    if let Some(ori) = ori {
        if ori.len() != 9 || !ori.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad(
                if row.get("ORI").is_some() { "ORI" } else { "ori" },
                format!("{ori:?} is not a 9-character ORI"),
            ));
        }
        if let Some(id) = tx.organisation_by_identifier(Scheme::Ori, &ori.to_ascii_uppercase())? {
            return Ok(id);
        }
    }
    let city = row.get("City").map(str::to_string);
    let account = Account {
        account_id: String::new(),
        legal_name: name.to_string(),
        country: Some("USA".into()),
        state: Some(state.to_string()),
        city: city.clone(),
        uei: None,
        domain: None,
    };
    if let Some(p) = matcher.screen(&account, cfg, scratch)
        && !p.is_ambiguous()
        && agencies.contains(&p.org_id)
    {
        return Ok(p.org_id);
    }
    let kind = match row.get("Type of Juris").unwrap_or("") {
        "Statewide" | "State" => Kind::StateAgency,
        "University" | "College" => Kind::University,
        "Federal" => Kind::FederalAgency,
        "Tribal" => Kind::Tribal,
        _ => Kind::LocalAgency,
    };
    // "Winnebago County, Ogle County": the first; "#N/A": none.
    let county = row
        .get("County")
        .and_then(|c| c.split(',').next())
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.starts_with('#'))
        .map(str::to_string);
    let jurisdiction = Jurisdiction { country: Some("USA".into()), state: Some(state.to_string()), county, city };
    let ids = ori.map(|o| vec![(Scheme::Ori, o.to_string())]).unwrap_or_default();
    Ok(resolve(tx, OrgRef { ids, name, kind, jurisdiction, key: None })?)
}

/// A vendor: the one company with this exact normalised name, or a new company.
fn resolve_vendor(tx: &mut dyn Tx, name: &str) -> Result<i64, RowFail> {
    let found = tx.organisations_by_norm(name)?;
    let companies: Vec<i64> = found.into_iter().filter(|(_, kind)| *kind == Kind::Company).map(|(id, _)| id).collect();
    if let [one] = companies.as_slice() {
        tx.add_alias(*one, name)?;
        return Ok(*one);
    }
    let key = format!("atlas-vendor:{}", normalize(name).sorted_key());
    Ok(resolve(
        tx,
        OrgRef { ids: vec![], name, kind: Kind::Company, jurisdiction: Jurisdiction::default(), key: Some(key) },
    )?)
}

/// The vendors a Vendor field lists: separated by commas or semicolons; a piece that is only
/// a legal form ("Inc.") belongs to the name before it.
pub fn vendors(field: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in field.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        let only_form = normalize(&format!("x {piece}")).tokens == ["x"];
        match out.last_mut() {
            Some(prev) if only_form => {
                prev.push_str(", ");
                prev.push_str(piece);
            }
            _ => out.push(piece.to_string()),
        }
    }
    out.retain(|v| !v.eq_ignore_ascii_case("unknown") && !v.starts_with('#'));
    out
}

/// The first source a row gives: its link, publication and date.
struct FirstSource {
    link: Option<String>,
    /// "RR Star, 10/06/2018": who reported it and when, as written.
    citation: String,
    /// The date as an ISO date, when it is one (month first, as the Atlas writes dates).
    date: Option<String>,
}

fn first_source(row: &Row<'_>) -> Option<FirstSource> {
    (1..=3).find_map(|n| {
        let link = row.get(&format!("Link {n}"));
        let title = row.get(&format!("Link {n} Source"));
        let date = row.get(&format!("Link {n} Date"));
        if link.is_none() && title.is_none() {
            return None;
        }
        let citation = [title, date].into_iter().flatten().collect::<Vec<_>>().join(", ");
        Some(FirstSource { link: link.map(str::to_string), citation, date: date.and_then(atlas_date) })
    })
}

/// An Atlas date (`8/12/2019`, `04/13/2016`, `6/12/2025 - accessed website`) as an ISO date;
/// a bare year, an implausible year (`7/12/1905`) or text gives none (the citation keeps it
/// as written).
pub fn atlas_date(text: &str) -> Option<String> {
    let head: String = text.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '/' || *c == '-').collect();
    let parts: Vec<&str> = head.split(['/', '-']).filter(|p| !p.is_empty()).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (y.parse::<u32>().ok()?, m.parse::<u32>().ok()?, d.parse::<u32>().ok()?),
        [m, d, y] if y.len() == 4 => (y.parse::<u32>().ok()?, m.parse::<u32>().ok()?, d.parse::<u32>().ok()?),
        _ => return None,
    };
    let days = match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    ((1990..=2100).contains(&y) && (1..=days).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_fields_list_vendors() {
        assert_eq!(vendors("Lockheed Martin, DJI"), ["Lockheed Martin", "DJI"]);
        assert_eq!(vendors("Fotokite; Flock Safety"), ["Fotokite", "Flock Safety"]);
        assert_eq!(vendors("Motorola Solutions, Inc., Axon"), ["Motorola Solutions, Inc.", "Axon"]);
        assert!(vendors("").is_empty());
        assert!(vendors(" Unknown ").is_empty());
    }

    #[test]
    fn atlas_dates() {
        assert_eq!(atlas_date("8/12/2019").as_deref(), Some("2019-08-12"));
        assert_eq!(atlas_date("04/13/2016").as_deref(), Some("2016-04-13"));
        assert_eq!(atlas_date("6/12/2025 - accessed website").as_deref(), Some("2025-06-12"));
        assert_eq!(atlas_date("2020"), None, "a bare year is no date");
        assert_eq!(atlas_date("7/12/1905"), None, "implausible");
        assert_eq!(atlas_date("2/30/2020"), None);
        assert_eq!(atlas_date("https://example.org"), None);
    }
}
