//! The FBI Uniform Crime Reporting agency list: every agency on it is a law-enforcement
//! agency ("a reference says so").

use std::path::Path;

use crate::error::Result;
use crate::import::{ImportOptions, ImportReport, OrgRef, Progress, bad, file_name, resolve, run_csv};
use crate::model::{Jurisdiction, Kind, Role, Scheme, Status};
use crate::store::Store;

/// Actor recorded on classifications that come from a reference list.
pub const REFERENCE_ACTOR: &str = "candor:reference";

/// Imports the FBI UCR agency list (`ori, agency_name, agency_type_name, county_name, state_abbr, …`).
pub fn import_fbi_agencies(
    store: &mut dyn Store,
    path: &Path,
    opts: ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let file = file_name(path);
    run_csv(
        store,
        path,
        "fbi ucr agencies",
        &["ori", "agency_name", "agency_type_name", "state_abbr"],
        opts,
        progress,
        |tx, row| {
            row.one_line()?;
            let ori = row.require("ori")?;
            if ori.len() != 9 || !ori.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad("ori", format!("{ori:?} is not a 9-character ORI")));
            }
            let name = row.require("agency_name")?;
            let kind = match row.require("agency_type_name")? {
                "City" | "County" => Kind::LocalAgency,
                "State Police" | "Other State Agency" => Kind::StateAgency,
                "University or College" => Kind::University,
                "Tribal" => Kind::Tribal,
                "Other" => Kind::Other,
                other => return Err(bad("agency_type_name", format!("unknown agency type {other:?}"))),
            };
            let jurisdiction = Jurisdiction {
                country: Some("USA".into()),
                // The 2018 list writes Nebraska NB and Guam GM; USPS codes are NE and GU.
                state: Some(crate::names::canonical_state(row.require("state_abbr")?)),
                county: row.get("county_name").map(str::to_string),
                city: None,
            };
            let org =
                resolve(tx, OrgRef { ids: vec![(Scheme::Ori, ori.to_string())], name, kind, jurisdiction, key: None })?;
            if tx.latest_classification(org)?.is_none() {
                let reason = format!(
                    "listed as a law-enforcement agency in the FBI UCR agency list ({file} line {}, ORI {ori})",
                    row.line
                );
                tx.append_classification(org, Role::Agency, Status::Confirmed, &reason, REFERENCE_ACTOR)?;
            }
            Ok(())
        },
    )
}
