//! FollowTheMoney (FtM) JSON lines import and export, so the registry interoperates with
//! OpenSanctions and Aleph tooling.
//!
//! Mapping:
//! - organisations ↔ `Company` (companies), `PublicBody` (federal, state, local and tribal
//!   agencies), `Organization` (others); `name`, `alias`, `country`, `address`,
//!   `uniqueEntityId` (UEI), `dunsCode`, `leiCode`, `idNumber` (`ori:…`, `cage:…`,
//!   `agency_code:…`), `classification` (candor's kind);
//! - contract awards ↔ a `Contract` (`authority` = the awarding agency, `title` = award id)
//!   and a `ContractAward` (`contract`, `supplier`, `amount`, `startDate`, `endDate`, `date`,
//!   `sourceUrl`);
//! - subawards ↔ a `Contract` whose `authority` is the prime contractor and a
//!   `ContractAward` with `role` = `subaward`;
//! - parent/subsidiary ↔ `Ownership` (`owner` = parent, `asset` = subsidiary, `role` = parent);
//! - technology supplies (EFF Atlas of Surveillance) → `UnknownLink` (`subject` = vendor,
//!   `object` = agency, `role` = "supplies <technology>"): exported, not read back (FtM has no
//!   schema for them; re-import the Atlas file instead).
//!
//! Imported records keep the FtM file and line as their evidence.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::import::{ImportReport, OrgRef, file_digest, file_name, resolve};
use crate::model::{Jurisdiction, Kind, RelationKind, Relationship, Scheme, Source};
use crate::store::Store;

/// One FtM entity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entity {
    /// Entity id.
    pub id: String,
    /// Schema name.
    pub schema: String,
    /// Property values (FtM properties are always lists of strings).
    pub properties: Map<String, Value>,
}

/// The first property value (or the id or schema) holding a character text from outside may not
/// hold: (where, why).
fn refused_in(e: &Entity) -> Option<(String, String)> {
    use input::{Lines, check};
    let fail = |field: &str, text: &str, lines| check(field, text, lines).err().map(|m| (field.to_string(), m));
    fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    fail("id", &e.id, Lines::One).or_else(|| fail("schema", &e.schema, Lines::One)).or_else(|| {
        e.properties.iter().find_map(|(name, v)| {
            let mut all = Vec::new();
            strings(v, &mut all);
            all.into_iter().find_map(|text| fail(&format!("properties.{name}"), text, Lines::Data))
        })
    })
}

fn prop(e: &Entity, name: &str) -> Vec<String> {
    match e.properties.get(name) {
        Some(Value::Array(v)) => v.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn first(e: &Entity, name: &str) -> Option<String> {
    prop(e, name).into_iter().find(|s| !s.trim().is_empty())
}

/// A relationship's values that would otherwise be stored wrong or dropped: an amount that is
/// not a finite number, a date that is not an ISO date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as FtM
/// writes them), a reference to an entity the file does not have. A reference to an entity of
/// a schema candor does not read (a `Person`) is not an error; that relationship is left out.
fn check_award_values(
    e: &Entity,
    known: &std::collections::HashSet<&str>,
    contracts: &HashMap<&str, &Entity>,
) -> std::result::Result<(), (&'static str, String)> {
    let refs: &[&'static str] = match e.schema.as_str() {
        "ContractAward" => &["contract", "supplier"],
        "Ownership" => &["owner", "asset"],
        "Contract" => &["authority"],
        _ => return Ok(()),
    };
    for &column in refs {
        if let Some(id) = first(e, column)
            && !known.contains(id.as_str())
        {
            return Err((column, format!("{} {} refers to {id:?}, which is not in the file", e.schema, e.id)));
        }
    }
    if e.schema == "ContractAward"
        && let Some(c) = first(e, "contract")
        && !contracts.contains_key(c.as_str())
    {
        return Err(("contract", format!("{c:?} is not a Contract")));
    }
    if let Some(a) = first(e, "amount") {
        let ok = a.trim().parse::<f64>().is_ok_and(f64::is_finite);
        if !ok {
            return Err(("amount", format!("{a:?} is not a number")));
        }
    }
    for column in ["startDate", "endDate", "date"] {
        if let Some(d) = first(e, column)
            && !is_iso_date(&d)
        {
            return Err((column, format!("{d:?} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")));
        }
    }
    Ok(())
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a valid month and day (a time may follow a full date).
fn is_iso_date(d: &str) -> bool {
    let date = d.split('T').next().unwrap_or(d);
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let num = |s: &str| s.parse::<u32>().unwrap_or(0);
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&num(m)),
        [y, m, day] => {
            let days = match num(m) {
                2 => 29,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            digits(y, 4)
                && digits(m, 2)
                && digits(day, 2)
                && (1..=12).contains(&num(m))
                && (1..=days).contains(&num(day))
        }
        _ => false,
    }
}

fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..10])
}

/// The FtM id of an organisation (stable across exports).
fn org_ftm_id(key: &str) -> String {
    format!("candor-{}", key.replace([':', '|', ' '], "-"))
}

/// Writes the whole registry as FtM JSON lines; returns the number of entities.
pub fn export(store: &dyn Store, out: &mut dyn Write) -> Result<usize> {
    let orgs = store.organisations()?;
    let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
    for (o, a) in store.aliases()? {
        aliases.entry(o).or_default().push(a);
    }
    let mut ids: HashMap<i64, Vec<(Scheme, String)>> = HashMap::new();
    for (o, s, v) in store.identifiers()? {
        ids.entry(o).or_default().push((s, v));
    }
    let ftm_id: HashMap<i64, String> = orgs.iter().map(|o| (o.id, org_ftm_id(&o.key))).collect();
    let mut n = 0;
    let mut emit = |v: Value| -> Result<()> {
        serde_json::to_writer(&mut *out, &v).map_err(|e| Error::Invalid(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| Error::io("export", e))?;
        n += 1;
        Ok(())
    };
    for o in &orgs {
        let schema = match o.kind {
            Kind::Company => "Company",
            Kind::FederalAgency | Kind::StateAgency | Kind::LocalAgency | Kind::Tribal => "PublicBody",
            Kind::University | Kind::Other => "Organization",
        };
        let mut p = Map::new();
        p.insert("name".into(), json!([o.name]));
        let others: Vec<&String> = aliases.get(&o.id).into_iter().flatten().filter(|a| **a != o.name).collect();
        if !others.is_empty() {
            p.insert("alias".into(), json!(others));
        }
        if let Some(c) = &o.jurisdiction.country {
            let c = if c.eq_ignore_ascii_case("USA") { "us".to_string() } else { c.to_lowercase() };
            p.insert("country".into(), json!([c]));
        }
        let place: Vec<&str> = [&o.jurisdiction.city, &o.jurisdiction.county, &o.jurisdiction.state]
            .iter()
            .filter_map(|x| x.as_deref())
            .collect();
        if !place.is_empty() {
            p.insert("address".into(), json!([place.join(", ")]));
        }
        p.insert("classification".into(), json!([o.kind.as_str()]));
        let mut other_ids = Vec::new();
        for (s, v) in ids.get(&o.id).into_iter().flatten() {
            match s {
                Scheme::Uei => {
                    p.insert("uniqueEntityId".into(), json!([v]));
                }
                Scheme::Duns => {
                    p.insert("dunsCode".into(), json!([v]));
                }
                Scheme::Lei => {
                    p.insert("leiCode".into(), json!([v]));
                }
                _ => other_ids.push(format!("{s}:{v}")),
            }
        }
        if !other_ids.is_empty() {
            p.insert("idNumber".into(), json!(other_ids));
        }
        if let Some(state) = &o.jurisdiction.state {
            p.insert("region".into(), json!([state]));
        }
        emit(json!({"id": ftm_id[&o.id], "schema": schema, "properties": p}))?;
    }
    for (_, r) in store.relationships()? {
        let (Some(from), Some(to)) = (ftm_id.get(&r.from), ftm_id.get(&r.to)) else { continue };
        let source = r.permalink.iter().cloned().collect::<Vec<_>>();
        match r.kind {
            RelationKind::ContractAward | RelationKind::Subaward => {
                let award = r.award_id.clone().unwrap_or_default();
                let contract_id = format!("candor-contract-{}", short_hash(&[from, &award]));
                let mut c = Map::new();
                c.insert("authority".into(), json!([from]));
                c.insert(
                    "title".into(),
                    json!([if award.is_empty() { "contract".to_string() } else { award.clone() }]),
                );
                if !source.is_empty() {
                    c.insert("sourceUrl".into(), json!(source));
                }
                emit(json!({"id": contract_id, "schema": "Contract", "properties": c}))?;
                let mut a = Map::new();
                a.insert("contract".into(), json!([contract_id]));
                a.insert("supplier".into(), json!([to]));
                if let Some(v) = r.amount {
                    a.insert("amount".into(), json!([format!("{v:.2}")]));
                    a.insert("currency".into(), json!(["usd"]));
                }
                for (k, v) in [("startDate", &r.start_date), ("endDate", &r.end_date), ("date", &r.action_date)] {
                    if let Some(v) = v {
                        a.insert(k.into(), json!([v]));
                    }
                }
                if r.kind == RelationKind::Subaward {
                    a.insert("role".into(), json!(["subaward"]));
                }
                if !source.is_empty() {
                    a.insert("sourceUrl".into(), json!(source));
                }
                let id = format!(
                    "candor-award-{}",
                    short_hash(&[from, to, &award, r.action_date.as_deref().unwrap_or(""), &format!("{:?}", r.amount)])
                );
                emit(json!({"id": id, "schema": "ContractAward", "properties": a}))?;
            }
            RelationKind::TechnologySupply | RelationKind::Authorization => {
                let technology = r.technology.clone().unwrap_or_default();
                // A supply: the vendor supplies the agency; an authorization: the agency
                // authorized the provider's offering (FedRAMP).
                let (prefix, subject, object, role) = if r.kind == RelationKind::TechnologySupply {
                    ("candor-supply", to, from, format!("supplies {technology}"))
                } else {
                    ("candor-authorization", from, to, format!("authorized the offering {technology}"))
                };
                let id =
                    format!("{prefix}-{}", short_hash(&[to, from, &technology, r.award_id.as_deref().unwrap_or("")]));
                let mut p = Map::new();
                p.insert("subject".into(), json!([subject]));
                p.insert("object".into(), json!([object]));
                p.insert("role".into(), json!([role]));
                if let Some(c) = &r.citation {
                    p.insert("summary".into(), json!([format!("{} ({c})", r.award_id.as_deref().unwrap_or(""))]));
                }
                if let Some(d) = &r.action_date {
                    p.insert("date".into(), json!([d]));
                }
                if !source.is_empty() {
                    p.insert("sourceUrl".into(), json!(source));
                }
                emit(json!({"id": id, "schema": "UnknownLink", "properties": p}))?;
            }
            RelationKind::ParentSubsidiary | RelationKind::SubAgency => {
                let id = format!("candor-ownership-{}", short_hash(&[from, to]));
                emit(
                    json!({"id": id, "schema": "Ownership", "properties": {"owner": [from], "asset": [to], "role": ["parent"]}}),
                )?;
            }
        }
    }
    Ok(n)
}

/// Imports FtM JSON lines (Organization, Company, PublicBody, LegalEntity, Contract,
/// ContractAward, Ownership; other schemata are counted and ignored).
pub fn import(store: &mut dyn Store, path: &Path) -> Result<ImportReport> {
    let (sha, _) = file_digest(path)?;
    let file = file_name(path);
    let before = store.counts()?;
    let mut report = ImportReport {
        file: file.clone(),
        kind: "followthemoney".into(),
        rows: 0,
        skipped: vec![],
        already_imported: false,
        before,
        after: before,
        tallies: Default::default(),
        kept: Vec::new(),
    };
    // All entities first: relationships may name entities later in the file.
    let mut entities: Vec<(u64, Entity)> = Vec::new();
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let (f, budget) = crate::import::RecordBounded::new(f);
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| Error::BadRow {
            file: path.into(),
            line: i as u64 + 1,
            column: "(line)".into(),
            message: e.to_string(),
        })?;
        budget.reset();
        if line.trim().is_empty() {
            continue;
        }
        let e: Entity = serde_json::from_str(&line).map_err(|e| Error::BadRow {
            file: path.into(),
            line: i as u64 + 1,
            column: "(json)".into(),
            message: e.to_string(),
        })?;
        // No name or identifier holds a control character (and PostgreSQL's text refuses
        // NUL): say which property.
        if let Some((column, message)) = refused_in(&e) {
            return Err(Error::BadRow { file: path.into(), line: i as u64 + 1, column, message });
        }
        entities.push((i as u64 + 1, e));
    }
    report.rows = entities.len() as u64;
    let mut tx = store.begin()?;
    if tx.import_seen(&sha)? {
        report.already_imported = true;
        return Ok(report);
    }
    let mut orgs: HashMap<String, i64> = HashMap::new();
    for (line, e) in &entities {
        let default_kind = match e.schema.as_str() {
            "Company" => Kind::Company,
            "PublicBody" => Kind::Other,
            "Organization" | "LegalEntity" => Kind::Other,
            _ => continue,
        };
        let name = first(e, "name").ok_or_else(|| Error::BadRow {
            file: path.into(),
            line: *line,
            column: "name".into(),
            message: format!("{} {} has no name", e.schema, e.id),
        })?;
        let kind = first(e, "classification").and_then(|k| Kind::parse(&k)).unwrap_or(default_kind);
        let mut ids = Vec::new();
        for (p, s) in [("uniqueEntityId", Scheme::Uei), ("dunsCode", Scheme::Duns), ("leiCode", Scheme::Lei)] {
            if let Some(v) = first(e, p) {
                ids.push((s, v));
            }
        }
        for v in prop(e, "idNumber") {
            if let Some((s, v)) = v.split_once(':').and_then(|(s, v)| Some((Scheme::parse(s)?, v.to_string()))) {
                ids.push((s, v));
            }
        }
        let country = first(e, "country").map(|c| if c == "us" { "USA".to_string() } else { c.to_uppercase() });
        let jurisdiction = Jurisdiction { country, state: first(e, "region"), county: None, city: None };
        let key = ids.iter().find(|(s, _)| *s == Scheme::AgencyCode).map(|(_, v)| format!("agency:{v}"));
        let org = resolve(tx.as_mut(), OrgRef { ids, name: &name, kind, jurisdiction, key })?;
        orgs.insert(e.id.clone(), org);
    }
    // Aliases only once every entity is resolved: an alias of one entity must not make a
    // later entity of that name merge into it.
    for (_, e) in &entities {
        if let Some(&org) = orgs.get(&e.id) {
            for a in prop(e, "alias") {
                tx.add_alias(org, &a)?;
            }
        }
    }
    let contracts: HashMap<&str, &Entity> =
        entities.iter().filter(|(_, e)| e.schema == "Contract").map(|(_, e)| (e.id.as_str(), e)).collect();
    let org_of = |e: &Entity, p: &str| first(e, p).and_then(|id| orgs.get(&id).copied());
    let known: std::collections::HashSet<&str> = entities.iter().map(|(_, e)| e.id.as_str()).collect();
    for (line, e) in &entities {
        let source = Source { file: file.clone(), line: *line };
        check_award_values(e, &known, &contracts).map_err(|(column, message)| Error::BadRow {
            file: path.into(),
            line: *line,
            column: column.into(),
            message,
        })?;
        let rel = match e.schema.as_str() {
            "ContractAward" => {
                let contract = first(e, "contract").and_then(|c| contracts.get(c.as_str()).copied());
                let (Some(contract), Some(supplier)) = (contract, org_of(e, "supplier")) else { continue };
                let Some(authority) = org_of(contract, "authority") else { continue };
                let subaward = prop(e, "role").iter().any(|r| r == "subaward");
                let amount = first(e, "amount").and_then(|a| a.parse::<f64>().ok());
                Relationship {
                    kind: if subaward { RelationKind::Subaward } else { RelationKind::ContractAward },
                    from: authority,
                    to: supplier,
                    agency: (!subaward).then_some(authority),
                    funding_agency: None,
                    award_id: first(contract, "title"),
                    amount,
                    start_date: first(e, "startDate"),
                    end_date: first(e, "endDate"),
                    action_date: first(e, "date"),
                    permalink: first(e, "sourceUrl").or_else(|| first(contract, "sourceUrl")),
                    technology: None,
                    citation: None,
                    source,
                }
            }
            "Ownership" => {
                let (Some(owner), Some(asset)) = (org_of(e, "owner"), org_of(e, "asset")) else { continue };
                tx.set_parent(asset, owner)?;
                Relationship {
                    kind: RelationKind::ParentSubsidiary,
                    from: owner,
                    to: asset,
                    agency: None,
                    funding_agency: None,
                    award_id: None,
                    amount: None,
                    start_date: first(e, "startDate"),
                    end_date: first(e, "endDate"),
                    action_date: None,
                    permalink: first(e, "sourceUrl"),
                    technology: None,
                    citation: None,
                    source,
                }
            }
            _ => continue,
        };
        tx.add_relationship(&rel)?;
    }
    tx.record_import(&sha, &file, "followthemoney", report.rows)?;
    tx.commit()?;
    report.after = store.counts()?;
    Ok(report)
}
