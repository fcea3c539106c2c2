//! The published report a server serves: the log's public folder, and the site's `data/*.json`
//! downloads read again whenever the log's checkpoint changes (after a publish).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

/// The published report behind the API.
pub struct Report {
    dir: PathBuf,
    cache: RwLock<Option<(Seen, Arc<Data>)>>,
}

/// What the data was read for: the checkpoint's bytes, and the site's file list as found
/// (length and modification time). The checkpoint is published before the site is written, and
/// the list is replaced last: data read while a writing was under way is read again once it is
/// done.
#[derive(Debug, PartialEq)]
struct Seen {
    checkpoint: Vec<u8>,
    list: Option<(u64, Option<std::time::SystemTime>)>,
}

/// The published data, as the site's downloads hold it.
#[derive(Debug, Default)]
pub struct Data {
    /// The log's latest checkpoint (text).
    pub checkpoint: String,
    /// `demonstration_data` and `notice` of the downloads.
    pub meta: Value,
    /// `organisations.json` rows.
    pub organisations: Vec<Value>,
    /// The usage rows (`usage.json`'s parts, newest period first).
    pub usage: Vec<Value>,
    /// The records (`records.json`'s parts, by index).
    pub records: Vec<RecordRow>,
    /// Each organisation's position in `organisations`, by its page slug.
    pub organisation_by_slug: std::collections::HashMap<String, usize>,
    /// The positions in `usage` of each organisation's rows, by its name, in `usage`'s order.
    pub usage_by_organisation: std::collections::HashMap<String, Vec<usize>>,
    /// What a search looks in, lower-cased once.
    pub search: SearchTerms,
}

/// What a search looks in: each organisation's name (by position in `organisations`), and each
/// distinct service and capability with the usage rows that first name it for an organisation
/// (its newest row; the usage rows hold every organisation's lines of every period, but a
/// provider has a few dozen services).
#[derive(Debug, Clone, Default)]
pub struct SearchTerms {
    /// Organisation names, lower-cased, by position in `organisations`.
    pub organisations: Vec<String>,
    /// `(field, text lower-cased, rows)`: field `service` or `capability`; rows are positions in
    /// `usage`, one per organisation, ascending.
    pub values: Vec<(&'static str, String, Vec<usize>)>,
}

impl Data {
    /// The organisation whose page slug is `slug`, and its usage rows (newest period first).
    pub fn organisation(&self, slug: &str) -> Option<(&Value, Vec<&Value>)> {
        let org = self.organisations.get(*self.organisation_by_slug.get(slug)?)?;
        let name = org["organisation"].as_str().unwrap_or_default();
        let rows = (self.usage_by_organisation.get(name).into_iter().flatten()).filter_map(|&i| self.usage.get(i));
        Some((org, rows.collect()))
    }

    /// Fills the indexes from the rows (read once per checkpoint, so a request looks up one
    /// organisation and its rows instead of scanning every row of every period).
    pub(crate) fn indexed(mut self) -> Data {
        for (i, o) in self.organisations.iter().enumerate() {
            if let Some(slug) = o["slug"].as_str() {
                self.organisation_by_slug.entry(slug.to_string()).or_insert(i);
            }
        }
        for (i, u) in self.usage.iter().enumerate() {
            if let Some(name) = u["organisation"].as_str() {
                self.usage_by_organisation.entry(name.to_string()).or_default().push(i);
            }
        }
        self.search.organisations = (self.organisations.iter())
            .map(|o| o["organisation"].as_str().unwrap_or_default().to_lowercase())
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut values: std::collections::BTreeMap<(&'static str, String), Vec<usize>> = Default::default();
        for (row, u) in self.usage.iter().enumerate() {
            for field in ["service", "capability"] {
                if let Some(text) = u[field].as_str()
                    && seen.insert((field, text.to_string(), u["organisation"].to_string()))
                {
                    values.entry((field, text.to_lowercase())).or_default().push(row);
                }
            }
        }
        self.search.values = values.into_iter().map(|((field, lower), rows)| (field, lower, rows)).collect();
        self
    }
}

/// A row of `records.json`: a record with its index, hash, page and correction, as the API
/// answers it; its period read from the typed record.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RecordRow {
    /// Its log index.
    pub index: u64,
    /// SHA-256 of its entry.
    pub sha256: String,
    /// Its `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its page.
    pub page: String,
    /// The correction that corrects it.
    pub corrected_by: Option<u64>,
    /// The record as JSON.
    pub record: Value,
    /// Its period, for the kinds that have one.
    #[serde(skip)]
    pub period: Option<String>,
}

/// The period of `record`: read from its type for the kinds this format defines; for a record
/// kept whole (a later format's kind, a member of another shape), its `period` as written, so
/// `?period=` still finds it as the site shows it.
fn record_period(record: &Value) -> Option<String> {
    match records::parse_value(record.clone())? {
        records::Parsed::Known(r) => r.body.period().map(str::to_string),
        records::Parsed::Unrecognised(u) => u.period().map(str::to_string),
    }
}

impl Report {
    /// The report in the log's public folder `dir` (resolved once here, so serving a file
    /// resolves only the file).
    pub fn at(dir: impl Into<PathBuf>) -> Report {
        let dir = dir.into();
        Report { dir: dir.canonicalize().unwrap_or(dir), cache: RwLock::new(None) }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The data, read again if the checkpoint changed since last time.
    pub fn data(&self) -> Result<Arc<Data>, String> {
        let cp = std::fs::read(self.dir.join(tlog::CHECKPOINT_PATH))
            .map_err(|e| format!("the report has no checkpoint: {e}"))?;
        let list =
            std::fs::metadata(self.dir.join(publish::site::FILE_LIST)).ok().map(|m| (m.len(), m.modified().ok()));
        let now = Seen { checkpoint: cp, list };
        if let Ok(c) = self.cache.read()
            && let Some((seen, data)) = c.as_ref()
            && *seen == now
        {
            return Ok(data.clone());
        }
        let cp = &now.checkpoint;
        let rows = |name: &str| -> Result<(Value, Vec<Value>), String> {
            let path = self.dir.join("data").join(name);
            let bytes = std::fs::read(&path).map_err(|e| format!("data/{name}: {e} (run candor publish)"))?;
            let mut v: Value = serde_json::from_slice(&bytes).map_err(|e| format!("data/{name}: {e}"))?;
            let rows = match v.get_mut("rows").map(Value::take) {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            };
            Ok((v, rows))
        };
        // The catalogues' rows, part by part (their paths checked, so a catalogue cannot make
        // the server read outside `data/records/` and `data/usage/`).
        let parted = |name: &str| {
            publish::site::parts::read_rows(&self.dir, name).map_err(|e| format!("{e} (run candor publish)"))
        };
        let (meta, organisations) = rows("organisations.json")?;
        let data = Arc::new(
            Data {
                checkpoint: String::from_utf8_lossy(cp).into_owned(),
                meta: json!({"demonstration_data": meta["demonstration_data"], "notice": meta["notice"],
                         "log_origin": meta["log_origin"], "log_size": meta["log_size"]}),
                organisations,
                usage: parted("usage.json")?,
                records: parted("records.json")?
                    .into_iter()
                    .map(|row| {
                        let mut row: RecordRow =
                            serde_json::from_value(row).map_err(|e| format!("data/records.json: a row: {e}"))?;
                        row.period = record_period(&row.record);
                        Ok(row)
                    })
                    .collect::<Result<_, String>>()?,
                ..Data::default()
            }
            .indexed(),
        );
        if let Ok(mut c) = self.cache.write() {
            *c = Some((now, data.clone()));
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report folder whose `records.json` holds `records` (index, record).
    fn report(records: &[(u64, Value)]) -> (tempfile::TempDir, Report) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
        std::fs::write(dir.path().join(tlog::CHECKPOINT_PATH), "test.example/log\n1\nAAAA\n").expect("checkpoint");
        std::fs::write(dir.path().join("data/organisations.json"), r#"{"rows":[]}"#).expect("write");
        std::fs::write(dir.path().join("data/usage.json"), r#"{"parts":[]}"#).expect("write");
        std::fs::create_dir_all(dir.path().join("data/records")).expect("mkdir");
        let rows: Vec<Value> = records
            .iter()
            .map(|(i, r)| {
                json!({"index": i, "sha256": "00", "type": r["type"], "page": format!("record/{i}.html"),
                       "corrected_by": null, "record": r})
            })
            .collect();
        std::fs::write(dir.path().join("data/records/0.json"), json!({"rows": rows}).to_string()).expect("write");
        let catalogue = json!({"parts": [{"path": "records/0.json"}]});
        std::fs::write(dir.path().join("data/records.json"), catalogue.to_string()).expect("write");
        let report = Report::at(dir.path());
        (dir, report)
    }

    /// The search as it was before the report's terms were indexed: every organisation, then
    /// every usage row, deduplicated as it went.
    fn search_by_scanning(d: &Data, needle: &str, within: &str) -> Vec<Value> {
        let has = |f: &Value| f.as_str().is_some_and(|s| s.to_lowercase().contains(&needle.to_lowercase()));
        let mut hits = Vec::new();
        for o in &d.organisations {
            let role = o["law_enforcement_role"].as_str().unwrap_or("");
            if (within == "all" || within == role) && has(&o["organisation"]) {
                hits.push(json!({"match": role, "value": o["organisation"], "organisation": o["organisation"],
                                 "page": o["page"]}));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for u in &d.usage {
            for field in ["service", "capability"] {
                if (within == "all" || within == field)
                    && has(&u[field])
                    && seen.insert((field, u[field].to_string(), u["organisation"].to_string()))
                {
                    hits.push(json!({"match": field, "value": u[field], "organisation": u["organisation"],
                                     "period": u["period"]}));
                }
            }
        }
        hits
    }

    #[test]
    fn the_indexed_search_answers_what_scanning_every_row_answered() {
        let org = |name: &str, role: &str| {
            json!({"organisation": name, "slug": name.to_lowercase().replace(' ', "-"), "law_enforcement_role": role,
                   "page": format!("org/{name}.html")})
        };
        let organisations =
            vec![org("Lakemoor Police", "agency"), org("Northwind Face Ltd", "supplier"), org("Face County", "agency")];
        let mut usage = Vec::new();
        // Newest period first, as the downloads hold them; services repeat across periods and
        // organisations, in two cases, and one row has a service that is not text.
        for period in ["2026-Q4", "2026-Q3"] {
            for (o, service, capability) in [
                ("Lakemoor Police", "Amazon Rekognition", "face_identification"),
                ("Northwind Face Ltd", "amazon rekognition", "face_detection"),
                ("Northwind Face Ltd", "Amazon EC2", "compute"),
                ("Face County", "Amazon Rekognition", "face_identification"),
                ("Lakemoor Police", "Amazon EC2", "compute"),
            ] {
                usage.push(json!({"period": period, "organisation": o, "service": service, "capability": capability}));
            }
        }
        usage.push(json!({"period": "2026-Q3", "organisation": "Face County", "service": 7, "capability": "face"}));
        let d = Data { organisations, usage, ..Data::default() }.indexed();
        for needle in ["face", "FACE", "rekognition", "amazon", "ec2", "police", "county", "x", "7", "e"] {
            for within in ["all", "agency", "supplier", "service", "capability"] {
                assert_eq!(
                    crate::api::search_rows(&d, needle, within)
                        .iter()
                        .map(crate::api::Hit::to_json)
                        .collect::<Vec<_>>(),
                    search_by_scanning(&d, needle, within),
                    "{needle} in {within}"
                );
            }
        }
        let (found, rows) = d.organisation("northwind-face-ltd").expect("by slug");
        assert_eq!(found["organisation"], "Northwind Face Ltd");
        assert_eq!(rows.len(), 4, "its rows of both periods");
        assert!(d.organisation("nobody").is_none());
    }

    #[test]
    fn a_record_kept_whole_keeps_its_period() {
        // An organisation_usage record with a member of another shape, and a later format's kind.
        let odd = json!({"type": "candor.organisation_usage", "period": "2026-Q3", "organisation": "x",
                         "usage": [], "depends_on": []});
        let later = json!({"type": "candor.gate_counts", "period": "2026-Q3", "n": 1});
        assert!(matches!(records::parse_value(odd.clone()), Some(records::Parsed::Unrecognised(_))));
        let (_dir, report) = report(&[(0, odd), (1, later)]);
        let data = report.data().expect("data");
        let periods: Vec<Option<&str>> = data.records.iter().map(|r| r.period.as_deref()).collect();
        assert_eq!(periods, [Some("2026-Q3"), Some("2026-Q3")]);
    }

    /// The checkpoint is published before the site is written: data read while the writing was
    /// under way is read again once the site's file list is replaced, the checkpoint unchanged.
    #[test]
    fn data_is_read_again_when_the_file_list_is_replaced_under_one_checkpoint() {
        let (dir, report) = report(&[]);
        let list = dir.path().join(publish::site::FILE_LIST);
        std::fs::write(&list, "[]").expect("list");
        assert!(report.data().expect("data").organisations.is_empty());
        std::fs::write(dir.path().join("data/organisations.json"), r#"{"rows":[{"name":"A (fictional)"}]}"#)
            .expect("write");
        assert!(report.data().expect("data").organisations.is_empty(), "the list unchanged: as read");
        std::fs::write(&list, r#"["data/organisations.json"]"#).expect("a new list");
        assert_eq!(report.data().expect("data").organisations.len(), 1, "read again");
    }
}
