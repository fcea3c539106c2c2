//! The whole-log downloads in parts: every record in files of a fixed range of log indexes
//! (`data/records/<k>.json`), the usage rows in one file per period (`data/usage/<period>.csv`
//! and `.json`), each listed by a catalogue (`data/records.json`, `data/usage.json`).
//!
//! Why parts: one file of every record outgrows what a reader takes (225 MB at 10,000
//! organisations over eight quarters, over the 64 MiB a check reads), and it changes whenever
//! the log grows. A part of a past range or period changes only when one of its records is
//! corrected, and no part holds the log's size, so a new period writes new parts and leaves the
//! others as they were.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize as _;
use serde_json::{Value, json};

use super::model::{Model, UsageRow};

/// Log indexes per records part: at ~2.5 KB a record, about 10 MB a part.
pub const RECORDS_PER_PART: u64 = 4096;

/// The records part holding log index `index`, relative to `data/`.
pub fn records_part(index: u64) -> String {
    format!("records/{}.json", index / RECORDS_PER_PART)
}

/// One part of the records: the log indexes `first..end` it covers, and its records' indexes.
pub(crate) struct RecordsPart {
    /// Relative to `data/`.
    pub path: String,
    pub first: u64,
    pub end: u64,
    pub indexes: Vec<u64>,
}

impl RecordsPart {
    /// Each record's row (index, hash, type, page, correction, the record), made as the part
    /// is written: one record's JSON tree in memory at a time.
    pub(crate) fn rows<'a>(&'a self, m: &'a Model) -> RecordRows<'a> {
        RecordRows { part: self, m }
    }
}

/// A records part's rows, serialized one by one.
pub(crate) struct RecordRows<'a> {
    part: &'a RecordsPart,
    m: &'a Model,
}

impl serde::Serialize for RecordRows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let records: Vec<_> = self.part.indexes.iter().filter_map(|i| self.m.records.get(i)).collect();
        let mut seq = s.serialize_seq(Some(records.len()))?;
        for r in records {
            seq.serialize_element(&json!({
                "index": r.index, "sha256": r.sha256, "type": r.record_type(), "page": r.page(),
                "corrected_by": r.corrected_by, "record": self.m.value(r),
            }))?;
        }
        seq.end()
    }
}

/// A part's file: the report's facts (`meta`, an object), then `fields`, then its `rows`,
/// serialized as they come (a part's rows as one JSON tree took ten times their bytes).
pub(crate) struct PartFile<'a, R> {
    pub meta: &'a Value,
    pub fields: Vec<(&'static str, Value)>,
    pub rows: R,
}

impl<R: serde::Serialize> serde::Serialize for PartFile<'_, R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let meta = self.meta.as_object();
        let mut map = s.serialize_map(Some(meta.map_or(0, |m| m.len()) + self.fields.len() + 1))?;
        for (k, v) in meta.into_iter().flatten() {
            map.serialize_entry(k, v)?;
        }
        for (k, v) in &self.fields {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("rows", &self.rows)?;
        map.end()
    }
}

/// The records in parts of `RECORDS_PER_PART` log indexes, oldest first. A range without
/// candor records has no part.
pub(crate) fn records_parts(m: &Model) -> Vec<RecordsPart> {
    let mut parts: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for &i in m.records.keys() {
        parts.entry(i / RECORDS_PER_PART).or_default().push(i);
    }
    (parts.into_iter())
        .map(|(k, indexes)| RecordsPart {
            path: records_part(k * RECORDS_PER_PART),
            first: k * RECORDS_PER_PART,
            end: (k + 1) * RECORDS_PER_PART,
            indexes,
        })
        .collect()
}

/// The usage rows of one period, and its files' names (relative to `data/`, without extension).
pub(crate) struct UsagePart<'a> {
    pub period: &'a str,
    pub name: String,
    pub rows: Vec<&'a UsageRow>,
}

/// The usage rows by period, newest period first (the order of `Model::usage`). A period is
/// named by its slug (`2026-q3`); a period text of a hostile log that slugs like another gets
/// `-2`, `-3` …, so no two periods share a file and no name leaves `data/usage/`.
pub(crate) fn usage_parts(m: &Model) -> Vec<UsagePart<'_>> {
    let mut parts: Vec<UsagePart<'_>> = Vec::new();
    for u in &m.usage {
        match parts.last_mut() {
            Some(p) if p.period == &*u.of.period => p.rows.push(u),
            _ => parts.push(UsagePart { period: &u.of.period, name: String::new(), rows: vec![u] }),
        }
    }
    // Names given in ascending period order, so a new period never renames an older one's file.
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for p in parts.iter_mut().rev() {
        p.name = super::html::unique_name(&period_slug(p.period), &mut taken);
    }
    parts
}

fn period_slug(period: &str) -> String {
    let s = super::html::slug(period);
    if period.chars().any(|c| c.is_ascii_alphanumeric()) { s } else { "period".into() }
}

/// Which parts an earlier writing of the site, for the first `since` entries of the same log
/// (and the same history: see `super::built`), left as this log makes them. A part holds
/// rows of records only (no log size, no checkpoint), so it is as that writing made it
/// while none of its records was added or corrected since:
/// - a records part covers a fixed range of log indexes: left when its range ends by `since`
///   and none of its records was corrected at or after `since` (the correction that counts
///   for a record is the first, so an earlier one never changes);
/// - a usage part holds its period's current usage records, and its file's name depends on
///   the periods before it (names are given in ascending period order): left when no usage
///   record of its period or an earlier one was appended or corrected since.
pub(crate) struct PartsLeft {
    since: u64,
    /// The earliest period a usage record appended or corrected since belongs to.
    usage_changed_from: Option<String>,
}

impl PartsLeft {
    /// What is left of a writing for `since` entries (0: none, every part is written).
    pub(crate) fn of(m: &Model, since: u64) -> PartsLeft {
        let mut usage_changed_from: Option<String> = None;
        if since > 0 {
            for r in m.records.values().filter(|r| r.index >= since || r.corrected_by.is_some_and(|c| c >= since)) {
                if let (true, Some(period)) = (r.is_usage(), r.period())
                    && usage_changed_from.as_deref().is_none_or(|p| period < p)
                {
                    usage_changed_from = Some(period.to_string());
                }
            }
        }
        PartsLeft { since, usage_changed_from }
    }

    /// Whether the records part `part` is left as it was.
    pub(crate) fn records(&self, m: &Model, part: &RecordsPart) -> bool {
        self.since > 0
            && part.end <= self.since
            && (part.indexes.iter())
                .all(|i| m.records.get(i).is_some_and(|r| r.corrected_by.is_none_or(|c| c < self.since)))
    }

    /// Whether the usage part `part` is left as it was.
    pub(crate) fn usage(&self, part: &UsagePart<'_>) -> bool {
        self.since > 0 && self.usage_changed_from.as_deref().is_none_or(|p| part.period < p)
    }
}

/// The catalogue of the records' parts, with the report's facts (`meta`).
pub(crate) fn records_catalogue(meta: &Value, parts: &[RecordsPart]) -> Value {
    let listed: Vec<Value> = (parts.iter())
        .map(|p| json!({"path": p.path, "first_index": p.first, "end_index": p.end, "records": p.indexes.len()}))
        .collect();
    with(meta, "parts", json!(listed))
}

/// The catalogue of the usage rows' parts.
pub(crate) fn usage_catalogue(meta: &Value, parts: &[UsagePart<'_>]) -> Value {
    let listed: Vec<Value> = (parts.iter())
        .map(|p| {
            json!({"period": p.period, "csv": format!("usage/{}.csv", p.name),
                   "json": format!("usage/{}.json", p.name), "rows": p.rows.len()})
        })
        .collect();
    with(meta, "parts", json!(listed))
}

/// `meta` with `key` set to `value`.
pub(crate) fn with(meta: &Value, key: &str, value: Value) -> Value {
    let mut out = meta.clone();
    if let Value::Object(m) = &mut out {
        m.insert(key.into(), value);
    }
    out
}

/// A catalogue as read: its parts, each named by `json` (usage) or `path` (records).
#[derive(serde::Deserialize)]
struct Catalogue {
    parts: Vec<CataloguePart>,
}

#[derive(serde::Deserialize)]
struct CataloguePart {
    #[serde(default)]
    json: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

/// The paths (relative to `data/`) a catalogue lists, each a plain relative path under
/// `records/` or `usage/` ending in `.json`, each once; anything else (a hostile catalogue
/// naming `../../etc/passwd`, or one part a million times) is refused by name.
pub fn catalogue_parts(catalogue: &Value) -> Result<Vec<String>, String> {
    let parts = Catalogue::deserialize(catalogue).map_err(|e| format!("not a catalogue of parts: {e}"))?.parts;
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        let path = p.json.as_deref().or(p.path.as_deref()).unwrap_or_default();
        let plain = (path.starts_with("records/") || path.starts_with("usage/"))
            && path.ends_with(".json")
            && path.split('/').count() == 2
            && path.split('/').all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\\'));
        if !plain {
            return Err(format!("part {i} names {path:?}, not a part of the downloads"));
        }
        if !listed.insert(path) {
            return Err(format!("part {i} names {path:?} again"));
        }
        out.push(path.to_string());
    }
    Ok(out)
}

/// Every row a download's catalogue (`records.json`, `usage.json`) lists, in the report folder
/// `public`: the rows of each part, in the catalogue's order. Errors name the file.
pub fn read_rows(public: &std::path::Path, catalogue: &str) -> Result<Vec<Value>, String> {
    let read = |rel: &str| -> Result<Value, String> {
        let bytes = std::fs::read(public.join("data").join(rel)).map_err(|e| format!("data/{rel}: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("data/{rel}: {e}"))
    };
    let mut rows = Vec::new();
    for part in catalogue_parts(&read(catalogue)?).map_err(|e| format!("data/{catalogue}: {e}"))? {
        match read(&part)?.get_mut("rows").map(Value::take) {
            Some(Value::Array(a)) => rows.extend(a),
            _ => return Err(format!("data/{part}: holds no rows")),
        }
    }
    Ok(rows)
}
