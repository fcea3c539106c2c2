//! The records the downloads list: every one must be the log's entry at its index.

use records::sha256_hex;
use serde_json::Value;
use tlog::ReadStorage;

use std::collections::BTreeMap;

use super::memory::SiteMemory;
use super::{CheckReport, read_named};

/// Every record the downloads list (`data/records.json`'s parts, one at a time) must be the
/// log's entry at its index, with that entry's hash.
/// A part with the bytes a check verified before (`since`) is not read again: its rows are
/// the log's entries, which do not change; nor is one the site's comparison found byte for
/// byte as the log's records make it (`rendered`). Each part read goes into `digests`.
pub(super) fn check_listed_records(
    src: &(dyn ReadStorage + Sync),
    entries: &[crate::entries::Entry],
    since: Option<&SiteMemory>,
    rendered: Option<&SiteMemory>,
    digests: &mut BTreeMap<String, String>,
    report: &mut CheckReport,
) {
    const CATALOGUE: &str = "data/records.json";
    let Some(bytes) = read_named(src, CATALOGUE, report) else { return };
    let parts = match serde_json::from_slice::<Value>(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|v| crate::site::parts::catalogue_parts(&v))
    {
        Ok(parts) => parts,
        Err(e) => {
            report.faults.push(format!("{CATALOGUE}: not a catalogue of the records' parts: {e}"));
            return;
        }
    };
    // A part a range of the log's indexes: no more than the log's size makes, none read past.
    let most = (entries.len() as u64).div_ceil(crate::site::parts::RECORDS_PER_PART);
    if parts.len() as u64 > most {
        report.faults.push(format!(
            "{CATALOGUE}: lists {} parts, more than the log's {} entries make",
            parts.len(),
            entries.len()
        ));
        return;
    }
    // Each part read, hashed and compared on any core (hundreds of megabytes of records at
    // ten thousand organisations over years), what each found taken in the catalogue's order.
    let check_part = |part: &String| {
        let rel = format!("data/{part}");
        let mut found = CheckReport::default();
        let Some(bytes) = read_named(src, &rel, &mut found) else { return (rel, None, found) };
        let sha256 = sha256_hex(&bytes);
        let unchanged = since.is_some_and(|m| m.unchanged(&rel, &sha256));
        let as_rendered = rendered.is_some_and(|m| m.unchanged(&rel, &sha256));
        if unchanged {
            found.unchanged_files += 1;
        }
        if unchanged || as_rendered {
            // Its rows are the model's records, which are the log's entries: counted, not read.
            found.listed_records += part_rows(&bytes);
            return (rel, Some(sha256), found);
        }
        check_rows(&rel, &bytes, entries, &mut found);
        (rel, Some(sha256), found)
    };
    let Ok(()) = crate::site::map_in_order(&parts, &check_part, &mut |(rel, sha256, found)| {
        if let Some(sha256) = sha256 {
            digests.insert(rel, sha256);
        }
        report.unchanged_files += found.unchanged_files;
        report.listed_records += found.listed_records;
        report.faults.extend(found.faults);
        Ok::<(), std::convert::Infallible>(())
    });
}

/// Every row of the records part `rel` must be the log's entry at its index, with its hash.
fn check_rows(rel: &str, bytes: &[u8], entries: &[crate::entries::Entry], report: &mut CheckReport) {
    let rows = match serde_json::from_slice::<RecordsFile>(bytes) {
        Ok(v) => v.rows,
        Err(e) => {
            report.faults.push(format!("{rel}: not JSON of its layout: {e}"));
            return;
        }
    };
    for row in rows {
        report.listed_records += 1;
        let index = row.index.as_u64().unwrap_or(u64::MAX);
        let fault = match entries.get(index as usize) {
            None => Some("is not in the log".to_string()),
            Some(e) if sha256_hex(e) != row.sha256.as_str().unwrap_or_default() => {
                Some("has a SHA-256 that differs from the log's entry".into())
            }
            Some(e) if serde_json::from_slice::<Value>(e).ok() != Some(row.record.clone()) => {
                Some("says something other than the log's entry".into())
            }
            Some(_) => None,
        };
        if let Some(f) = fault {
            report.faults.push(format!("{rel}: record #{index} {f}"));
        }
    }
}

/// What a records part (`data/records/<k>.json`) lists: each record with its index, hash and JSON. Members the
/// check does not need are not read; missing ones are faults of the row.
#[derive(serde::Deserialize)]
struct RecordsFile {
    #[serde(default)]
    rows: Vec<RecordsRow>,
}

/// A row as given: members of another shape are faults of the row, found below.
#[derive(serde::Deserialize)]
struct RecordsRow {
    #[serde(default)]
    index: Value,
    #[serde(default)]
    sha256: Value,
    #[serde(default)]
    record: Value,
}

/// How many rows a records part holds, as its catalogue would count them: the rows of a part
/// found as the site makes it, counted without reading each record.
fn part_rows(bytes: &[u8]) -> usize {
    #[derive(serde::Deserialize)]
    struct Rows {
        #[serde(default)]
        rows: Vec<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Rows>(bytes).map_or(0, |r| r.rows.len())
}
