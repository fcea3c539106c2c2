//! The downloads in other people's formats, so their tools take the disclosures as they are:
//! a Frictionless Data Package descriptor (`data/datapackage.json`) typing every CSV column
//! with the data dictionary's meanings; an export in the EFF Atlas of Surveillance's column
//! layout (`data/atlas-of-surveillance.csv`: one row per agency and face-recognition
//! capability, the vendor being the provider's service and the source link the record's page);
//! and the disclosed organisations as FollowTheMoney entities (`data/disclosures.ftm.jsonl`).

use serde_json::{Value, json};

use super::html::DEMO_NOTICE;
use super::model::Model;

/// The Atlas of Surveillance's columns, in its order.
pub(crate) const ATLAS_COLUMNS: &[&str] = &[
    "AOSNUMBER",
    "City",
    "County",
    "State",
    "Agency",
    "Type of LEA",
    "Summary",
    "Type of Juris",
    "Technology",
    "Vendor",
    "Link 1",
    "Link 1 Snapshot",
    "Link 1 Source",
    "Link 1 Type",
    "Link 1 Date",
    "Link 2",
    "Link 2 Snapshot",
    "Link 2 Source",
    "Link 2 Type",
    "Link 2 Date",
    "Link 3",
    "Link 3 Snapshot",
    "Link 3 Source",
    "Link 3 Type",
    "Link 3 Date",
    "Other Links",
];

/// The Frictionless field type of a download column.
fn field_type(column: &str) -> &'static str {
    match column {
        "quantity" => "number",
        "record_index" => "integer",
        _ => "string",
    }
}

/// A CSV download: resource name, path, and its columns (name, meaning).
pub(crate) type Table<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// The Data Package descriptor for the CSV downloads.
pub(crate) fn datapackage(m: &Model, origin: &str, tables: &[Table<'_>]) -> Value {
    let resources: Vec<Value> = tables
        .iter()
        .map(|(name, path, columns)| {
            let fields: Vec<Value> = columns
                .iter()
                .map(|(c, meaning)| json!({"name": c, "type": field_type(c), "description": meaning}))
                .collect();
            json!({
                "name": name, "path": path, "profile": "tabular-data-resource", "format": "csv",
                "mediatype": "text/csv", "encoding": "utf-8", "schema": {"fields": fields},
            })
        })
        .collect();
    let mut description = format!(
        "Disclosures of the transparency log {origin}: which law-enforcement agencies and suppliers use the \
         provider's services, and how. Every row names the signed log record it comes from."
    );
    if m.demonstration {
        description.push_str(&format!(" {DEMO_NOTICE}."));
    }
    json!({
        "profile": "tabular-data-package",
        "name": "candor-transparency-report",
        "title": "candor transparency report",
        "description": description,
        "resources": resources,
        // The signed records themselves (records.json, the log's entries) follow the record
        // format; its JSON Schema per kind, beside this file.
        "record_schemas": records::schema::all().iter().map(|k| json!({
            "type": k.kind, "path": format!("schema/{}", k.file_name()),
        })).collect::<Vec<_>>(),
    })
}

/// What an agency's kind is called in the Atlas's "Type of Juris" column.
fn jurisdiction_type(kind: &str) -> &'static str {
    match kind {
        "federal_agency" => "Federal",
        "state_agency" => "State",
        "tribal" => "Tribal",
        "university" => "University",
        _ => "Local",
    }
}

/// Rows in the Atlas's layout: each current usage row of a disclosed agency whose capability
/// is face recognition (the Atlas records surveillance technologies, not compute or storage).
pub(crate) fn atlas_rows(m: &Model) -> impl Iterator<Item = Vec<String>> + '_ {
    let agencies_face =
        m.usage.iter().filter(|u| &*u.of.law_enforcement_role == "agency" && u.what.capability.starts_with("face_"));
    agencies_face.filter_map(|u| {
        let o = m.organisations.get(&*u.of.organisation)?;
        let j = o.organisation().map(|org| org.jurisdiction.clone()).unwrap_or_default();
        let volume = u.volume();
        let mut summary = format!(
            "The {} used the cloud provider's {} ({}, {} regions) in {}: {} {}, according to the provider's \
             transparency report (log record #{}).",
            u.of.organisation,
            u.what.capability,
            u.what.service,
            u.what.region_class,
            u.of.period,
            volume,
            u.what.unit,
            u.of.record_index
        );
        if m.demonstration {
            summary.push_str(&format!(" {DEMO_NOTICE}."));
        }
        let mut row = vec![String::new(); ATLAS_COLUMNS.len()];
        // AOSNUMBER stays empty: the Atlas's maintainers number the rows they take in.
        row[1] = j.city.unwrap_or_default();
        row[2] = j.county.unwrap_or_default();
        row[3] = j.state.unwrap_or_default();
        row[4] = u.of.organisation.to_string();
        row[5] = "Law enforcement".into();
        row[6] = summary;
        row[7] = jurisdiction_type(&u.of.kind).into();
        row[8] = "Face Recognition".into();
        row[9] = u.what.service.to_string();
        row[10] = format!("record/{}.html", u.of.record_index);
        row[12] = "candor transparency report".into();
        row[13] = "Transparency report".into();
        Some(row)
    })
}

/// The disclosed organisations as FollowTheMoney entities, their usage as notes, their pages
/// and records as source URLs. A line per organisation, made on every core (thousands of lines,
/// each made alone) and written in the organisations' order.
pub(crate) fn write_ftm_lines(m: &Model, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Each organisation's rows, in the usage's order, gathered in one pass (not one per organisation).
    let mut rows_of: std::collections::HashMap<&str, Vec<&super::model::UsageRow>> = std::collections::HashMap::new();
    for u in &m.usage {
        rows_of.entry(&*u.of.organisation).or_default().push(u);
    }
    let orgs: Vec<_> = m.organisations.values().filter_map(|o| Some((o, o.organisation()?))).collect();
    let line = |&(o, org): &(&super::model::OrgView, &records::Organisation)| -> std::io::Result<Vec<u8>> {
        let kind = org.kind.as_str();
        let schema = if kind.ends_with("_agency") || kind == "tribal" { "PublicBody" } else { "Company" };
        let mut notes: Vec<String> = (rows_of.get(o.name.as_str()).into_iter().flatten())
            .map(|u| {
                let volume = u.volume();
                format!(
                    "{}: {} via {} ({} regions), {volume} {} (log record #{})",
                    u.of.period, u.what.capability, u.what.service, u.what.region_class, u.what.unit, u.of.record_index
                )
            })
            .collect();
        if m.demonstration {
            notes.push(DEMO_NOTICE.to_string());
        }
        let mut sources = vec![format!("org/{}.html", o.slug)];
        sources.extend(o.usage_records.iter().map(|i| format!("record/{i}.html")));
        let mut p = serde_json::Map::new();
        p.insert("name".into(), json!([o.name]));
        p.insert("classification".into(), json!([kind]));
        if org.jurisdiction.country.as_deref() == Some("USA") {
            p.insert("country".into(), json!(["us"]));
        }
        if let Some(state) = &org.jurisdiction.state {
            p.insert("region".into(), json!([state]));
        }
        p.insert("notes".into(), json!(notes));
        p.insert("sourceUrl".into(), json!(sources));
        let line = json!({"id": format!("candor-disclosure-{}", o.slug), "schema": schema, "properties": p});
        let mut bytes = serde_json::to_vec(&line)?;
        bytes.push(b'\n');
        Ok(bytes)
    };
    super::parallel::map_in_order(&orgs, &line, &mut |bytes| out.write_all(&bytes?))
}
