//! The federal AI use-case inventory (OMB's consolidated CSV, 2025; public domain): each row is
//! one agency's AI use case, with its bureau, classification ("Computer Vision"), stage and
//! vendor.
//!
//! Life of a row: a use case of face recognition, biometrics or computer vision (by its
//! classification, or "face"/"facial"/"biometric"/"fingerprint"/"iris" as words of its name or
//! the problem it solves) has its department (`agency_name`, alias `agency`) and bureau
//! (`agency_bureau`, "Department of Justice / FBI" read as "FBI") resolved to the registry's
//! federal agencies, a name that fits none kept and listed. When the bureau is one the registry
//! holds as a law-enforcement agency, each vendor the row names becomes a supplier of that
//! technology to it (a `technology_supply` with the use case's id, name and stage, the file and
//! line), which classification turns into the supplier role as for the Atlas. A vendor the row
//! withholds ("Law Enforcement Sensitive"), leaves generic or writes as a sentence is counted,
//! never guessed. Other rows are read and counted only.
//!
//! The file's contact column was removed by its publisher; any column the importer does not name
//! (a contact, an e-mail) is never read.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Result;
use crate::import::atlas::vendors;
use crate::import::{ImportOptions, ImportReport, Progress, Row, RowFail, bad, federal_agency, file_name, run_csv};
use crate::model::{Kind, RelationKind, Relationship, Role, Source, Status};
use crate::names::normalize;
use crate::store::{Store, Tx};

/// Columns the inventory must have.
const REQUIRED: &[&str] =
    &["id", "agency", "agency_name", "agency_bureau", "use_case_name", "classification", "vendor_name"];

/// What a use case is about, for the supplies it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Technology {
    /// Faces: identification, verification, detection.
    FaceRecognition,
    /// Fingerprints, irises and other biometrics.
    Biometrics,
    /// Other computer vision.
    ComputerVision,
}

impl Technology {
    /// As the Atlas names technologies (what Cedar's `supplied_technologies` holds).
    pub fn as_str(self) -> &'static str {
        match self {
            Technology::FaceRecognition => "Face Recognition",
            Technology::Biometrics => "Biometrics",
            Technology::ComputerVision => "Computer Vision",
        }
    }

    /// The technology of a use case, or `None` when it is none of these.
    pub fn of(classification: &str, text: &str) -> Option<Technology> {
        let words: Vec<String> =
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
        let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
        if has(&["face", "faces", "facial"]) {
            Some(Technology::FaceRecognition)
        } else if has(&["biometric", "biometrics", "fingerprint", "fingerprints", "iris"]) {
            Some(Technology::Biometrics)
        } else if classification.trim().eq_ignore_ascii_case("computer vision") {
            Some(Technology::ComputerVision)
        } else {
            None
        }
    }
}

/// A vendor field's names, or none when it withholds or does not name one: the marks of a
/// withheld vendor, generic words, a government body, a sentence.
pub fn named_vendors(field: &str) -> Vec<String> {
    let withheld = ["law enforcement sensitive", "withheld", "ai service provider", "not applicable", "in-house"];
    let lower = field.to_lowercase();
    if withheld.iter().any(|w| lower.contains(w)) {
        return Vec::new();
    }
    vendors(field)
        .into_iter()
        // "NEC (algorithm only)", "NEC (Nippon Electric Company)": the name before the brackets
        // (but for the mark of a made-up name, which stays part of it).
        .map(|v| if v.ends_with("(fictional)") { v } else { v.split('(').next().unwrap_or("").trim().to_string() })
        .filter(|v| {
            let l = v.to_lowercase();
            // A person or an e-mail address is not a supplier to import (personal data).
            if crate::import::personal_data(v).is_some() || crate::import::person_name(v) {
                return false;
            }
            let generic = ["n/a", "na", "none", "tbd", "unknown", "internal", "government", "various", "multiple"];
            !v.is_empty()
                && v.split_whitespace().count() <= 8
                && !v.contains(". ")
                && !generic.contains(&l.as_str())
                && !l.starts_with("department of")
                && !l.contains("services administration")
        })
        .collect()
}

/// Imports an AI use-case inventory CSV file.
pub fn import_ai_inventory(
    store: &mut dyn Store,
    path: &Path,
    opts: ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let file = file_name(path);
    let mut kept = Vec::new();
    let mut tallies: BTreeMap<String, u64> = BTreeMap::new();
    let mut report = run_csv(store, path, "ai use-case inventory", REQUIRED, opts, progress, |tx, row| {
        let text = format!("{} {}", row.get("use_case_name").unwrap_or(""), row.get("problem_solved").unwrap_or(""));
        let Some(technology) = Technology::of(row.get("classification").unwrap_or(""), &text) else { return Ok(()) };
        *tallies.entry("use cases of face recognition, biometrics or computer vision".into()).or_default() += 1;
        let bureau = bureau_of(tx, row, &mut kept)?;
        if !matches!(tx.latest_classification(bureau)?, Some((Role::Agency, s)) if s != Status::Rejected) {
            return Ok(());
        }
        *tallies.entry("of them by law-enforcement agencies".into()).or_default() += 1;
        let named = named_vendors(row.get("vendor_name").unwrap_or(""));
        if named.is_empty() {
            *tallies.entry("of them with the vendor withheld or not named".into()).or_default() += 1;
        }
        let id = row.require("id")?;
        let use_case = crate::import::one_line(row.require("use_case_name")?);
        if let Some(what) = crate::import::personal_data(&use_case) {
            return Err(bad("use_case_name", format!("holds {what}; candor imports no personal data")));
        }
        let stage = crate::import::one_line(row.get("development_stage").unwrap_or("stage not given"));
        for vendor_name in named {
            let vendor = vendor(tx, &vendor_name)?;
            tx.add_relationship(&Relationship {
                kind: RelationKind::TechnologySupply,
                from: bureau,
                to: vendor,
                agency: Some(bureau),
                funding_agency: None,
                award_id: Some(id.to_string()),
                amount: None,
                start_date: None,
                end_date: None,
                action_date: row.get("operational_date").and_then(iso_date),
                permalink: None,
                technology: Some(technology.as_str().to_string()),
                citation: Some(format!("federal AI use-case inventory {file} line {}: {use_case} ({stage})", row.line)),
                source: Source { file: file.clone(), line: row.line },
            })?;
            *tallies.entry("supplies stored".into()).or_default() += 1;
        }
        Ok(())
    })?;
    report.tallies = tallies;
    report.kept = kept;
    Ok(report)
}

/// The bureau a row names, under its department; the department itself when the bureau is
/// the department's abbreviation.
fn bureau_of(tx: &mut dyn Tx, row: &Row<'_>, kept: &mut Vec<String>) -> Result<i64, RowFail> {
    let abbreviation = row.require("agency")?;
    let department_name = row.get("agency_name").unwrap_or(abbreviation);
    let invalid = |column: &'static str| {
        move |e: crate::error::Error| match e {
            crate::error::Error::Invalid(m) => bad(column, m),
            other => RowFail::Fatal(other),
        }
    };
    let department = federal_agency(tx, department_name, None, kept).map_err(invalid("agency_name"))?;
    tx.add_alias(department, abbreviation)?;
    // "Department of Justice / FBI": the part after the department.
    let bureau = row.get("agency_bureau").unwrap_or(abbreviation);
    let bureau = bureau.rsplit(" / ").next().unwrap_or(bureau).trim();
    if bureau.eq_ignore_ascii_case(abbreviation) || normalize(bureau) == normalize(department_name) {
        return Ok(department);
    }
    federal_agency(tx, bureau, Some(department), kept).map_err(invalid("agency_bureau"))
}

/// A vendor: the one company of that exact normalised name, or a new company.
fn vendor(tx: &mut dyn Tx, name: &str) -> Result<i64, RowFail> {
    let companies: Vec<i64> =
        tx.organisations_by_norm(name)?.into_iter().filter(|(_, k)| *k == Kind::Company).map(|(id, _)| id).collect();
    if let [one] = companies.as_slice() {
        return Ok(*one);
    }
    let key = format!("vendor:{}", normalize(name).sorted_key());
    Ok(crate::import::resolve(
        tx,
        crate::import::OrgRef {
            ids: vec![],
            name,
            kind: Kind::Company,
            jurisdiction: crate::model::Jurisdiction::default(),
            key: Some(key),
        },
    )?)
}

/// `2019-06-01`, `6/1/2019`: an ISO date when the text is a real day.
fn iso_date(text: &str) -> Option<String> {
    crate::import::fedramp::iso_day(text).or_else(|| crate::import::atlas_date(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_use_case_is_about_faces_biometrics_or_vision_by_its_words() {
        use Technology::*;
        assert_eq!(Technology::of("", "Facial Comparison at ports of entry"), Some(FaceRecognition));
        assert_eq!(Technology::of("Computer Vision", "1:1 face matching"), Some(FaceRecognition));
        assert_eq!(Technology::of("", "Fingerprint quality check"), Some(Biometrics));
        assert_eq!(Technology::of("Computer Vision", "Licence plate reader"), Some(ComputerVision));
        assert_eq!(Technology::of("NLP", "A user interface for surface analysis"), None, "interface is no face");
    }

    #[test]
    fn withheld_generic_and_sentence_vendors_are_not_names() {
        assert!(named_vendors("Law Enforcement Sensitive (LES)").is_empty());
        assert!(named_vendors("AI Service Provider").is_empty());
        assert!(named_vendors("").is_empty());
        assert!(named_vendors("Department of State").is_empty());
        assert_eq!(named_vendors("NEC (algorithm only)"), ["NEC"]);
        assert_eq!(named_vendors("Example Vision API (fictional)"), ["Example Vision API (fictional)"]);
        assert_eq!(
            named_vendors("UiPath; Microsoft; Apryse; Personable Inc."),
            ["UiPath", "Microsoft", "Apryse", "Personable Inc."]
        );
        assert!(
            named_vendors("NEC is the third-party vendor CBP uses. ICE accesses these capabilities through it")
                .is_empty()
        );
        assert!(named_vendors("John Smith").is_empty(), "a person");
        assert!(named_vendors("jane@example.org").is_empty(), "an e-mail address");
        assert_eq!(named_vendors("Thomson Reuters"), ["Thomson Reuters"]);
    }

    #[test]
    fn dates_are_real_days_whatever_the_text() {
        assert_eq!(iso_date("2024-01-05").as_deref(), Some("2024-01-05"));
        assert_eq!(iso_date("2024-01-0é"), None, "not a character boundary, not a date");
        assert_eq!(iso_date("2024-13-45"), None);
        assert_eq!(iso_date("6/1/2019").as_deref(), Some("2019-06-01"));
    }
}
