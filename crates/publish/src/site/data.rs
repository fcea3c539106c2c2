//! Downloads (CSV and JSON, with a data dictionary) and the Atom feed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use records::canonical::ordered;
use serde_json::{Value, json};
use tlog::Checkpoint;

use super::html::{DEMO_NOTICE, esc, xml_esc};
use super::model::Model;
use crate::Error;

/// Columns of `usage/<period>.csv` and fields of `usage/<period>.json`, with their meaning.
const USAGE_COLUMNS: &[(&str, &str)] = &[
    ("period", "Reporting period, YYYY-Qn"),
    ("organisation", "Name of the organisation (agency or supplier)"),
    ("kind", "federal_agency, state_agency, local_agency, tribal, university, company or other"),
    ("law_enforcement_role", "agency (a law-enforcement agency) or supplier (a company that supplies one)"),
    (
        "capability",
        "What was used, as a capability id of candor's taxonomy (face_identification, face_detection, compute, …)",
    ),
    ("service", "The provider's service as billed"),
    (
        "region_class",
        "Where: government (sovereign or government cloud regions), commercial, or other classes of the taxonomy",
    ),
    ("unit", "Unit of the volume (Images, Hours, Requests, …)"),
    (
        "volume_band",
        "Range the quantity falls in (0, 1–9, 10–99, …) when the provider withholds exact quantities; empty otherwise",
    ),
    ("quantity", "Exact quantity, when the provider publishes it; empty otherwise"),
    ("record_index", "Index of the log entry (disclosure record) the row comes from"),
    ("record_sha256", "SHA-256 of that log entry, so the row can be checked against the log"),
    ("notice", "\"demonstration data …\" on rows made from demonstration data; empty otherwise"),
];

/// Columns of `organisations.csv` and fields of `organisations.json`.
const ORG_COLUMNS: &[(&str, &str)] = &[
    ("organisation", "Name"),
    ("kind", "Kind of organisation (see the usage files)"),
    ("law_enforcement_role", "agency or supplier"),
    ("role_status", "confirmed (by a reviewer or a reference list); only confirmed roles are disclosed"),
    ("country", "ISO 3166-1 alpha-3 country code"),
    ("state", "State or province"),
    ("periods", "Periods with disclosed usage, separated by spaces"),
    ("capabilities", "Capability ids used in any period, separated by spaces"),
    ("evidence", "Why the organisation has its role: summary, then public sources, separated by ' | '"),
    ("page", "Its page in this report"),
    ("notice", "\"demonstration data …\" on rows made from demonstration data; empty otherwise"),
];

/// Fields of the records parts (`records/<k>.json`).
const RECORD_FIELDS: &[(&str, &str)] = &[
    ("index", "Log index of the entry"),
    ("sha256", "SHA-256 of the entry bytes (canonical JSON, RFC 8785)"),
    (
        "type",
        "candor.organisation_usage, candor.classification, candor.enforcement, candor.registered_use, candor.correction, candor.period_records, \
         candor.period_summary, candor.policy_version, candor.policy_proposal, candor.policy_objection, candor.policy_withdrawal, \
         candor.policy_notice_setting or candor.reconciliation (each specified in the disclosure format; its JSON Schema is in data/schema/)",
    ),
    (
        "record.organisations (candor.reconciliation)",
        "Each law-enforcement organisation a public record (the FedRAMP Marketplace, the federal AI use-case inventory) ties to \
         the provider's offerings: organisation, law_enforcement_role, public_records (record, entry with its JSON pointer or \
         line, file, date), status (disclosed, withheld, linked_no_usage, no_linked_account), record (the usage record, when \
         disclosed), reason (when withheld), awaiting_review (when a proposed link awaits a reviewer)",
    ),
    (
        "record.findings (candor.enforcement)",
        "Usage of a disclosed organisation in the period that a policy in force forbids: policies, capability, service, \
         region class, volume, first_day and last_day of the usage, and status: open (no action yet) or the latest \
         action taken",
    ),
    (
        "record.actions (candor.enforcement)",
        "What the provider did about those findings: action (warned, suspended, terminated, exception-granted, \
         no-action), policy, effective date, decided_by (a reviewer pseudonym), reason",
    ),
    (
        "record.enforcement (candor.period_summary)",
        "The period's audit counts: findings about disclosed organisations, open_findings, actions by kind, \
         findings_not_disclosed (about usage the report does not disclose)",
    ),
    ("page", "The record's page in this report"),
    ("corrected_by", "Index of the correction that corrects it, or null"),
];

/// What the data dictionary says of cells a spreadsheet would run as formulas.
pub const SPREADSHEET_NOTE: &str = "In the CSV files, a text cell that a spreadsheet could run as a formula (one \
    beginning with =, +, -, @ or their full-width forms, after any white space, or with a tab or a carriage return; \
    or holding one of those after a ; , | tab or line break) is written with a leading apostrophe (') so that a \
    spreadsheet shows it as text (OWASP's advice on CSV injection), and every cell but a number is quoted; numbers \
    are written as they are. The JSON files hold every value exactly.";

/// Characters a spreadsheet may take as the start of a formula (with their full-width forms,
/// which some spreadsheets read the same).
const FORMULA_STARTS: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];

/// A cell as a spreadsheet should show it: text a spreadsheet would read as a formula gets a
/// leading `'` (OWASP's CSV-injection rule) — text beginning with `=`, `+`, `-`, `@`, a tab or
/// a CR, also after leading white space or in full-width form, and text holding a `;`, tab or
/// line break followed by one (a spreadsheet that splits cells on `;` would start a cell
/// there); a plain number (`-5`, `-1.5`) stays a number. Cells are also quoted unless numeric
/// (see `csv_bytes`).
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_formula = |t: &str| t.trim_start().starts_with(FORMULA_STARTS);
    let risky = cell.starts_with(['\t', '\r'])
        || starts_formula(cell)
        || cell.split([';', '\t', '\r', '\n', ',', '|']).skip(1).any(starts_formula);
    let number = cell.parse::<f64>().is_ok_and(f64::is_finite) && cell.trim() == cell;
    if risky && !number { std::borrow::Cow::Owned(format!("'{cell}")) } else { std::borrow::Cow::Borrowed(cell) }
}

fn csv_bytes(header: &[(&str, &str)], rows: &[Vec<String>]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    write_csv(&mut out, header, rows.iter())
        .map_err(|e| Error::BadEntry { index: 0, message: format!("writing CSV: {e}") })?;
    Ok(out)
}

/// Writes a CSV file of `header` and `rows` to `out`, a row at a time.
fn write_csv<R: AsRef<[String]>>(
    out: &mut dyn std::io::Write,
    header: &[(&str, &str)],
    rows: impl Iterator<Item = R>,
) -> std::io::Result<()> {
    // Every cell that is not a number is quoted: a spreadsheet that splits on `;` keeps a
    // quoted cell whole.
    let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::NonNumeric).from_writer(out);
    w.write_record(header.iter().map(|(c, _)| *c))?;
    for r in rows {
        w.write_record(r.as_ref().iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    w.flush()
}

/// Writes `value` to `out` as `json_bytes` makes it, as it is serialized.
fn write_json<T: serde::Serialize + ?Sized>(out: &mut dyn std::io::Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A usage row's cells in `usage/<period>.csv`.
fn usage_cells(u: &super::model::UsageRow, notice: &str) -> Vec<String> {
    vec![
        u.of.period.to_string(),
        u.of.organisation.to_string(),
        u.of.kind.to_string(),
        u.of.law_enforcement_role.to_string(),
        u.what.capability.to_string(),
        u.what.service.to_string(),
        u.what.region_class.to_string(),
        u.what.unit.to_string(),
        u.what.volume_band.as_deref().unwrap_or_default().to_string(),
        u.quantity.map(|q| q.to_string()).unwrap_or_default(),
        u.of.record_index.to_string(),
        u.of.record_sha256.to_string(),
        notice.to_string(),
    ]
}

/// `data/organisations.json`: `meta`'s members, then `rows`, a row per current organisation
/// (what `with(meta, "rows", rows)` holds, made a row at a time).
struct OrganisationsFile<'a> {
    meta: &'a Value,
    m: &'a Model,
}

impl serde::Serialize for OrganisationsFile<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (k, v) in self.meta.as_object().into_iter().flatten() {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("rows", &OrganisationRows(self.m))?;
        map.end()
    }
}

/// The rows of `data/organisations.json`, each made as it is written.
struct OrganisationRows<'a>(&'a Model);

impl serde::Serialize for OrganisationRows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rows = (self.0.organisations.values()).filter_map(|o| Some((o, &o.record.as_ref()?.organisation)));
        s.collect_seq(rows.map(|(o, org)| {
            let periods: Vec<&str> = o.periods.iter().map(String::as_str).collect();
            json!({
                "organisation": o.name, "slug": o.slug, "kind": org.kind,
                "law_enforcement_role": org.law_enforcement_role, "role_status": org.role_status,
                "jurisdiction": ordered(&org.jurisdiction), "periods": periods, "capabilities": o.capabilities,
                "evidence": ordered(&org.evidence), "page": format!("org/{}.html", o.slug), "records": o.usage_records,
            })
        }))
    }
}

fn json_bytes<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The downloads, the dictionary, the record index and the feed. Parts of the downloads an
/// earlier writing for the first `since` entries left as this log makes them are left as
/// they are (see [`super::parts::PartsLeft`]; 0 writes every part).
pub(crate) fn render(
    m: &Model,
    cp: &Checkpoint,
    signed: &super::signed::Signed,
    first_seen: &BTreeMap<u64, String>,
    since: u64,
    sink: &mut super::Sink<'_>,
) -> Result<(), Error> {
    let left = super::parts::PartsLeft::of(m, since);
    let notice = if m.demonstration { DEMO_NOTICE } else { "" };
    let meta = json!({"log_origin": cp.origin, "log_size": cp.size, "demonstration_data": m.demonstration,
                      "notice": if m.demonstration { Value::from(DEMO_NOTICE) } else { Value::Null }});
    // Each file is written as soon as it is made: the usage parts of years of quarters are
    // hundreds of megabytes together.
    // A part holds no log size, so a part nothing changed in stays as it was when the log grows.
    let part_meta = json!({"log_origin": cp.origin, "demonstration_data": m.demonstration,
                           "notice": if m.demonstration { Value::from(DEMO_NOTICE) } else { Value::Null }});

    // The usage rows, one CSV and one JSON file per period, and their catalogue.
    let usage_parts = super::parts::usage_parts(m);
    // Each period's part (its CSV, then its JSON) written, or compared, on any core; recorded
    // in order.
    let putter = sink.putter();
    let usage_part = |part: &super::parts::UsagePart<'_>| -> Vec<super::sink::Made> {
        let (csv_path, json_path) = (format!("data/usage/{}.csv", part.name), format!("data/usage/{}.json", part.name));
        if left.usage(part) {
            return vec![putter.kept(csv_path, super::Left::Part), putter.kept(json_path, super::Left::Part)];
        }
        // A period's rows are tens of megabytes as cells and as JSON: written as they are made.
        let csv = |out: &mut dyn std::io::Write| {
            write_csv(out, USAGE_COLUMNS, part.rows.iter().map(|u| usage_cells(u, notice)))
        };
        let csv_done = putter.put_streamed(&csv_path, &csv);
        if csv_done.is_err() {
            // The writing stops at this file: the JSON is not written after it.
            return vec![(csv_path, csv_done, None)];
        }
        let file =
            super::parts::PartFile { meta: &part_meta, fields: vec![("period", json!(part.period))], rows: &part.rows };
        let json_done = putter.put_streamed(&json_path, &|out| write_json(out, &file));
        vec![(csv_path, csv_done, None), (json_path, json_done, None)]
    };
    super::parallel::map_in_order(&usage_parts, &usage_part, &mut |made| {
        made.into_iter().try_for_each(|m| sink.record_made(m))
    })?;
    sink.put("data/usage.json", &json_bytes(&super::parts::usage_catalogue(&meta, &usage_parts)))?;

    let mut org_rows = Vec::new();
    for o in m.organisations.values().filter(|o| o.is_current()) {
        let Some(record) = &o.record else { continue };
        let org = &record.organisation;
        let caps = &o.capabilities;
        let mut evidence = vec![org.evidence.summary.clone()];
        evidence.extend(org.evidence.sources.iter().cloned());
        let periods: Vec<&str> = o.periods.iter().map(String::as_str).collect();
        let page = format!("org/{}.html", o.slug);
        org_rows.push(vec![
            o.name.clone(),
            org.kind.clone(),
            org.law_enforcement_role.clone(),
            org.role_status.clone(),
            org.jurisdiction.country.clone().unwrap_or_default(),
            org.jurisdiction.state.clone().unwrap_or_default(),
            periods.join(" "),
            caps.iter().cloned().collect::<Vec<_>>().join(" "),
            evidence.join(" | "),
            page,
            notice.to_string(),
        ]);
    }
    sink.put("data/organisations.csv", &csv_bytes(ORG_COLUMNS, &org_rows)?)?;
    drop(org_rows);
    let atlas_columns: Vec<(&str, &str)> = super::formats::ATLAS_COLUMNS
        .iter()
        .map(|c| (*c, "A column of the EFF Atlas of Surveillance's layout (Link 1: the record's page in this report)"))
        .collect();
    // Written as its rows are made: a row per face-recognition usage row of an agency, tens of
    // megabytes at ten thousand organisations, held whole (rows and bytes) was the writing's peak.
    sink.put_streamed("data/atlas-of-surveillance.csv", &|out| {
        write_csv(out, &atlas_columns, super::formats::atlas_rows(m))
    })?;
    // One resource per period's usage file (each a CSV with its header), then the others.
    let usage_files: Vec<(String, String)> =
        (usage_parts.iter()).map(|p| (format!("usage-{}", p.name), format!("usage/{}.csv", p.name))).collect();
    let mut tables: Vec<super::formats::Table<'_>> =
        usage_files.iter().map(|(name, path)| (name.as_str(), path.as_str(), USAGE_COLUMNS)).collect();
    tables.push(("organisations", "organisations.csv", ORG_COLUMNS));
    tables.push(("atlas-of-surveillance", "atlas-of-surveillance.csv", &atlas_columns));
    let package = super::formats::datapackage(m, &cp.origin, &tables);
    sink.put("data/datapackage.json", &json_bytes(&package))?;
    sink.put_streamed("data/disclosures.ftm.jsonl", &|out| super::formats::write_ftm_lines(m, out))?;
    // Each organisation's row made as it is written (as JSON trees the rows took five times
    // their bytes).
    sink.put_streamed("data/organisations.json", &|out| write_json(out, &OrganisationsFile { meta: &meta, m }))?;

    // Every record, in parts of a fixed range of log indexes, and their catalogue.
    let records_parts = super::parts::records_parts(m);
    let records_part = |part: &super::parts::RecordsPart| -> super::sink::Made {
        let path = format!("data/{}", part.path);
        if left.records(m, part) {
            return putter.kept(path, super::Left::Part);
        }
        let fields = vec![("first_index", json!(part.first)), ("end_index", json!(part.end))];
        let file = super::parts::PartFile { meta: &part_meta, fields, rows: part.rows(m) };
        // Written as its rows are made: a part of 4,096 records is tens of megabytes, one on
        // each core held whole was the writing's peak.
        let done = putter.put_streamed(&path, &|out| write_json(out, &file));
        (path, done, None)
    };
    super::parallel::map_in_order(&records_parts, &records_part, &mut |made| sink.record_made(made))?;
    sink.put("data/records.json", &json_bytes(&super::parts::records_catalogue(&meta, &records_parts)))?;

    let dictionary = json!({
        "csv_cells": SPREADSHEET_NOTE,
        "usage/PERIOD.csv": USAGE_COLUMNS.iter().map(|(c, d)| json!({"column": c, "meaning": d})).collect::<Vec<_>>(),
        "organisations.csv": ORG_COLUMNS.iter().map(|(c, d)| json!({"column": c, "meaning": d})).collect::<Vec<_>>(),
        "records/N.json": RECORD_FIELDS.iter().map(|(c, d)| json!({"field": c, "meaning": d})).collect::<Vec<_>>(),
        "candor.registered_use declaration": crate::declared::FIELDS.iter().map(|f| json!({
            "field": f.name, "mandatory": f.mandatory, "meaning": f.meaning, "asked_by": f.asked_by,
        })).collect::<Vec<_>>(),
    });
    sink.put("data/dictionary.json", &json_bytes(&dictionary))?;
    let periods: Vec<(&str, &str)> = usage_parts.iter().map(|p| (p.period, p.name.as_str())).collect();
    sink.put("data/dictionary.html", dictionary_page(m, cp, signed, &periods).as_bytes())?;
    sink.put("feed.xml", feed(m, cp, first_seen).as_bytes())?;
    subject_feeds(m, cp, first_seen, sink)?;
    // The record format's JSON Schemas, one per kind, so anyone can check every record with a
    // validator of their own (`datapackage.json` lists them).
    for kind in records::schema::all() {
        sink.put(&format!("data/schema/{}", kind.file_name()), &json_bytes(&kind.schema))?;
    }
    Ok(())
}

fn dictionary_page(m: &Model, cp: &Checkpoint, signed: &super::signed::Signed, periods: &[(&str, &str)]) -> String {
    let mut body = String::from(
        "<h1>Data dictionary</h1>\n<p>The downloads hold exactly what the records in the log say; every row names \
         the record it comes from (index and SHA-256). No file names a person or an account.</p>\n\
         <p>The usage rows are in one file per period (<code>usage/PERIOD.csv</code> and <code>.json</code>, listed \
         below and in <a href=\"usage.json\">usage.json</a>); every record of the log is in parts of 4,096 log \
         indexes (<code>records/N.json</code> holds indexes N×4096 to N×4096+4095, listed in \
         <a href=\"records.json\">records.json</a>), so that no file grows with the log and a part changes only \
         when one of its records is corrected. The JSON files (the parts, and \
         <a href=\"organisations.json\">organisations.json</a>) have the fields below under <code>rows</code>.</p>\n\
         <p>In other formats: <a href=\"datapackage.json\">datapackage.json</a> (a Frictionless Data Package \
         describing the CSV files with these types and meanings); <a href=\"atlas-of-surveillance.csv\">\
         atlas-of-surveillance.csv</a> (the agencies' face recognition in the EFF Atlas of Surveillance's column layout: \
         the vendor is the provider's service, Link 1 the record's page, relative to this report's root); \
         <a href=\"disclosures.ftm.jsonl\">disclosures.ftm.jsonl</a> (the disclosed organisations as FollowTheMoney \
         entities, their usage as notes).</p>\n",
    );
    let _ = writeln!(body, "<p>{}</p>", esc(SPREADSHEET_NOTE));
    body.push_str("<h2 id=\"usage\">Usage by period</h2>\n");
    if periods.is_empty() {
        body.push_str("<p>No usage is disclosed yet.</p>\n");
    } else {
        body.push_str("<ul>\n");
        for (period, name) in periods {
            let _ = writeln!(
                body,
                "<li>{}: <a href=\"usage/{name}.csv\">usage/{name}.csv</a>, <a href=\"usage/{name}.json\">usage/{name}.json</a></li>",
                esc(period)
            );
        }
        body.push_str("</ul>\n");
    }
    for (file, cols) in
        [("usage/PERIOD.csv", USAGE_COLUMNS), ("organisations.csv", ORG_COLUMNS), ("records/N.json", RECORD_FIELDS)]
    {
        let rows: Vec<Vec<String>> = cols.iter().map(|(c, d)| vec![format!("<code>{c}</code>"), esc(d)]).collect();
        let title =
            if file.contains('/') { format!("<code>{file}</code>") } else { format!("<a href=\"{file}\">{file}</a>") };
        let _ = write!(body, "<h2>{title}</h2>\n{}", super::html::table(&["Column", "Meaning"], &rows));
    }
    let declared: Vec<Vec<String>> = crate::declared::FIELDS
        .iter()
        .map(|f| {
            vec![
                format!("<code>{}</code>", f.name),
                if f.mandatory { "yes".into() } else { "no".into() },
                esc(f.meaning),
                f.asked_by.iter().map(|r| esc(r)).collect::<Vec<_>>().join("; "),
            ]
        })
        .collect();
    let _ = write!(
        body,
        "<h2>What a registered use declares (<code>candor.registered_use</code>)</h2>\n<p>A provider registers a use \
         (an exception to its policy) only with these facts; each is asked for by the oversight regimes named.</p>\n{}",
        super::html::table(&["Field", "Mandatory", "Meaning", "Asked for by"], &declared)
    );
    let frame = signed.frame("../", &cp.origin, m.demonstration);
    frame.page("Data dictionary", &body)
}

fn feed(m: &Model, cp: &Checkpoint, first_seen: &BTreeMap<u64, String>) -> String {
    let all: Vec<&super::model::RecordView> = m.records.values().collect();
    feed_of(m, cp, first_seen, &Feed { title: "new records", id: "", root: "", alternate: "index.html" }, &all)
}

/// What a feed is about.
struct Feed<'a> {
    /// Its subject, in the title.
    title: &'a str,
    /// Added to the feed's id (empty for the whole log).
    id: &'a str,
    /// From the feed's folder to the site root.
    root: &'a str,
    /// The page it follows, from the site root.
    alternate: &'a str,
}

/// One Atom feed per organisation (`feed/org/<slug>.xml`: its usage, classification,
/// enforcement and registered-use records) and per capability (`feed/capability/<id>.xml`: the
/// usage records naming it).
fn subject_feeds(
    m: &Model,
    cp: &Checkpoint,
    first_seen: &BTreeMap<u64, String>,
    sink: &mut super::Sink<'_>,
) -> Result<(), Error> {
    // A feed per organisation, made on every core (thousands, each changed by a period that
    // discloses them), written in order.
    let orgs: Vec<&super::model::OrgView> = m.organisations.values().collect();
    let putter = sink.putter();
    let org_feed = |o: &&super::model::OrgView| {
        let mut indexes: Vec<u64> = o
            .usage_records
            .iter()
            .chain(&o.classification_records)
            .chain(&o.enforcement_records)
            .chain(&o.use_records)
            .copied()
            .collect();
        indexes.sort_unstable();
        let records: Vec<&super::model::RecordView> = indexes.iter().filter_map(|i| m.records.get(i)).collect();
        let (alternate, id) = (format!("org/{}.html", o.slug), format!(":org:{}", o.slug));
        let feed = Feed { title: &o.name, id: &id, root: "../../", alternate: &alternate };
        putter.made(format!("feed/org/{}.xml", o.slug), feed_of(m, cp, first_seen, &feed, &records).as_bytes())
    };
    super::parallel::map_in_order(&orgs, &org_feed, &mut |made| sink.record_made(made))?;
    let mut out = Vec::new();
    // The use policy: its versions, the changes proposed with notice, objections, withdrawals.
    let policy: Vec<&super::model::RecordView> =
        m.records.values().filter(|r| r.kind().starts_with("policy_")).collect();
    let feed =
        Feed { title: "use policies and proposed changes", id: ":policies", root: "../", alternate: "policies.html" };
    out.push(("feed/policies.xml".into(), feed_of(m, cp, first_seen, &feed, &policy).into_bytes()));
    let mut by_cap: BTreeMap<String, Vec<&super::model::RecordView>> = BTreeMap::new();
    for r in m.records.values() {
        // Each capability once per record, in order.
        for c in r.capabilities() {
            by_cap.entry(c.to_string()).or_default().push(r);
        }
    }
    for (cap, records) in by_cap {
        let slug = super::html::slug(&cap);
        let (alternate, id) = (format!("capability/{slug}.html"), format!(":capability:{slug}"));
        let feed = Feed { title: &cap, id: &id, root: "../../", alternate: &alternate };
        out.push((format!("feed/capability/{slug}.xml"), feed_of(m, cp, first_seen, &feed, &records).into_bytes()));
    }
    out.iter().try_for_each(|(path, bytes)| sink.put(path, bytes))
}

/// An Atom feed of `records`, newest first (at most 200).
fn feed_of(
    m: &Model,
    cp: &Checkpoint,
    first_seen: &BTreeMap<u64, String>,
    feed: &Feed<'_>,
    records: &[&super::model::RecordView],
) -> String {
    let updated = records.iter().filter_map(|r| first_seen.get(&r.index)).max().cloned().unwrap_or_default();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>candor transparency report{}: {}</title>\n<id>urn:candor:{}{}</id>\n<updated>{}</updated>\n\
         <author><name>{}</name></author>\n<link rel=\"alternate\" href=\"{}{}\"/>\n",
        if m.demonstration { " (demonstration data)" } else { "" },
        xml_esc(&super::html::bidi_isolated(feed.title)),
        xml_esc(&cp.origin),
        xml_esc(feed.id),
        xml_esc(&updated),
        xml_esc(&cp.origin),
        feed.root,
        xml_esc(feed.alternate),
    );
    // Newest first, at most 200.
    for r in records.iter().rev().take(200) {
        let proposed = match r.kept_body() {
            Some(records::Body::PolicyProposal(p)) => Some(format!("{}, to take effect on {}", p.file, p.effective)),
            _ => None,
        };
        let what = r.subject().or(proposed.as_deref()).unwrap_or("");
        let _ = write!(
            out,
            "<entry>\n<title>#{i} {kind}{sep}{what}</title>\n<id>urn:candor:{origin}:{i}:{sha}</id>\n\
             <updated>{at}</updated>\n<link href=\"{root}{page}\"/>\n<summary>{summary}</summary>\n</entry>\n",
            i = r.index,
            kind = xml_esc(&r.kind().replace('_', " ")),
            sep = if what.is_empty() { "" } else { ": " },
            what = xml_esc(&super::html::bidi_isolated(what)),
            origin = xml_esc(&cp.origin),
            sha = r.sha256,
            at = xml_esc(first_seen.get(&r.index).map(String::as_str).unwrap_or(&updated)),
            root = feed.root,
            page = r.page(),
            summary = xml_esc(&format!(
                "Log entry {} (SHA-256 {}){}",
                r.index,
                r.sha256,
                if r.is_demonstration() { "; demonstration data" } else { "" }
            )),
        );
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for (cell, want) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+1-2", "'+1-2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("-5", "-5"),
            ("-1.5", "-1.5"),
            ("+3", "+3"),
            ("Lakemoor County Sheriff's Office", "Lakemoor County Sheriff's Office"),
            ("a=b", "a=b"),
            ("", ""),
            (" =1+1 Tessaly Labs", "' =1+1 Tessaly Labs"),
            ("＝1+1", "'＝1+1"),
            ("Quillfeather Systems Inc;=1+2;", "'Quillfeather Systems Inc;=1+2;"),
            ("a; -cmd|' /C calc'!A0", "'a; -cmd|' /C calc'!A0"),
            ("line\n@SUM(A1)", "'line\n@SUM(A1)"),
            ("Smith, Jones & Co", "Smith, Jones & Co"),
            (" -5", "' -5"),
        ] {
            assert_eq!(spreadsheet_safe(cell), want, "{cell:?}");
        }
        let bytes = csv_bytes(&[("name", "")], &[vec!["=1+1".into()], vec!["12".into()]]).expect("csv");
        assert_eq!(String::from_utf8_lossy(&bytes), "\"name\"\n\"'=1+1\"\n12\n");
    }
}
