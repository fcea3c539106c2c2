//! The public JSON API: read-only, and only over what the report published (the site's
//! `data/*.json` files and the log), so the API can never say more than the signed records.
//! The files are read again whenever the log's checkpoint changes (after a publish).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Json;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tlog::{Dir, TileReader};

use crate::state::{AppState, Reply, error};

/// The published report behind the API.
pub struct Report {
    dir: PathBuf,
    cache: RwLock<Option<(Vec<u8>, Arc<Data>)>>,
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
    /// `usage.json` rows.
    pub usage: Vec<Value>,
    /// `records.json` rows.
    pub records: Vec<Value>,
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
        if let Ok(c) = self.cache.read()
            && let Some((seen, data)) = c.as_ref()
            && *seen == cp
        {
            return Ok(data.clone());
        }
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
        let (meta, organisations) = rows("organisations.json")?;
        let data = Arc::new(Data {
            checkpoint: String::from_utf8_lossy(&cp).into_owned(),
            meta: json!({"demonstration_data": meta["demonstration_data"], "notice": meta["notice"],
                         "log_origin": meta["log_origin"], "log_size": meta["log_size"]}),
            organisations,
            usage: rows("usage.json")?.1,
            records: rows("records.json")?.1,
        });
        if let Ok(mut c) = self.cache.write() {
            *c = Some((cp, data.clone()));
        }
        Ok(data)
    }
}

fn data(state: &AppState) -> Result<Arc<Data>, Reply> {
    let report = state.report.as_ref().ok_or_else(|| error(StatusCode::NOT_FOUND, "this server has no report"))?;
    report.data().map_err(|e| error(StatusCode::SERVICE_UNAVAILABLE, e))
}

/// A route's answer: the JSON, or an error reply.
type Answer = Result<Reply, Reply>;

fn list(d: &Data, rows: Vec<&Value>) -> Answer {
    let mut v = d.meta.clone();
    v["count"] = json!(rows.len());
    v["rows"] = json!(rows);
    Ok((StatusCode::OK, Json(v)))
}

/// Case-insensitive "contains".
fn has(field: &Value, needle: &str) -> bool {
    field.as_str().is_some_and(|s| s.to_lowercase().contains(&needle.to_lowercase()))
}

/// Whether every given filter matches the row's field exactly.
fn matches(row: &Value, q: &HashMap<String, String>, fields: &[&str]) -> bool {
    fields.iter().all(|f| q.get(*f).is_none_or(|want| row[*f].as_str() == Some(want.as_str())))
}

/// `GET /v1/organisations?role=&kind=&q=`.
pub async fn organisations(State(state): State<Arc<AppState>>, Query(q): Query<HashMap<String, String>>) -> Answer {
    let d = data(&state)?;
    let rows = d
        .organisations
        .iter()
        .filter(|o| matches(o, &q, &["law_enforcement_role", "kind"]))
        .filter(|o| q.get("role").is_none_or(|r| o["law_enforcement_role"] == r.as_str()))
        .filter(|o| q.get("q").is_none_or(|n| has(&o["organisation"], n)))
        .collect();
    list(&d, rows)
}

/// `GET /v1/organisations/{slug}`: the organisation, its usage rows and its records.
pub async fn organisation(State(state): State<Arc<AppState>>, UrlPath(slug): UrlPath<String>) -> Answer {
    let d = data(&state)?;
    let Some(org) = d.organisations.iter().find(|o| o["slug"] == slug.as_str()) else {
        return Err(error(StatusCode::NOT_FOUND, format!("no organisation {slug:?} in the report")));
    };
    let usage: Vec<&Value> = d.usage.iter().filter(|u| u["organisation"] == org["organisation"]).collect();
    let mut v = d.meta.clone();
    v["organisation"] = org.clone();
    v["usage"] = json!(usage);
    Ok((StatusCode::OK, Json(v)))
}

/// `GET /v1/usage?period=&capability=&service=&region_class=&organisation=&law_enforcement_role=`.
pub async fn usage(State(state): State<Arc<AppState>>, Query(q): Query<HashMap<String, String>>) -> Answer {
    let d = data(&state)?;
    let fields = ["period", "capability", "service", "region_class", "organisation", "law_enforcement_role"];
    list(&d, d.usage.iter().filter(|u| matches(u, &q, &fields)).collect())
}

/// `GET /v1/disclosures?type=&period=`: the records, newest first.
pub async fn disclosures(State(state): State<Arc<AppState>>, Query(q): Query<HashMap<String, String>>) -> Answer {
    let d = data(&state)?;
    let rows = d
        .records
        .iter()
        .rev()
        .filter(|r| q.get("type").is_none_or(|t| r["type"] == t.as_str() || r["type"] == format!("candor.{t}")))
        .filter(|r| q.get("period").is_none_or(|p| r["record"]["period"] == p.as_str()))
        .collect();
    list(&d, rows)
}

/// `GET /v1/disclosures/{index}`: one record with its entry, inclusion proof and checkpoint,
/// so a client can check it offline.
pub async fn disclosure(State(state): State<Arc<AppState>>, UrlPath(index): UrlPath<String>) -> Answer {
    let d = data(&state)?;
    let Ok(index) = index.parse::<u64>() else {
        return Err(error(StatusCode::BAD_REQUEST, "the index must be a non-negative integer"));
    };
    let Some(row) = d.records.iter().find(|r| r["index"] == index) else {
        return Err(error(StatusCode::NOT_FOUND, format!("no record #{index} in the report")));
    };
    let Some(report) = &state.report else { return Err(error(StatusCode::NOT_FOUND, "this server has no report")) };
    let dir = report.dir().to_path_buf();
    let cp_text = d.checkpoint.clone();
    let proved = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, Vec<String>), String> {
        // The note's text is everything before the blank line that starts the signatures.
        let body =
            cp_text.split_once("\n\n").map(|(b, _)| format!("{b}\n")).ok_or("the checkpoint is not a signed note")?;
        let size = tlog::Checkpoint::parse_text(&body).map_err(|e| e.to_string())?.size;
        let storage = Dir::new(dir);
        let mut reader = TileReader::new(&storage, size);
        let entry = reader.entry(index).map_err(|e| e.to_string())?;
        let proof = reader.inclusion_proof(index).map_err(|e| e.to_string())?;
        Ok((entry, proof.iter().map(|h| h.to_base64()).collect()))
    })
    .await;
    match proved {
        Ok(Ok((entry, inclusion))) => {
            use base64::Engine as _;
            let mut v = row.clone();
            v["entry"] = json!(base64::engine::general_purpose::STANDARD.encode(entry));
            v["inclusion"] = json!(inclusion);
            v["checkpoint"] = json!(d.checkpoint);
            Ok((StatusCode::OK, Json(v)))
        }
        Ok(Err(e)) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e)),
        Err(_) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, "proving the record failed")),
    }
}

/// `GET /v1/search?q=…&in=agency|supplier|service|capability`: organisations whose name, or
/// whose services or capabilities, contain `q`.
pub async fn search(State(state): State<Arc<AppState>>, Query(q): Query<HashMap<String, String>>) -> Answer {
    let d = data(&state)?;
    let Some(needle) = q.get("q").map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Err(error(StatusCode::BAD_REQUEST, "q (what to look for) is required"));
    };
    if needle.len() > 200 {
        return Err(error(StatusCode::BAD_REQUEST, "q is longer than 200 bytes"));
    }
    let within = q.get("in").map(String::as_str).unwrap_or("all");
    if !["all", "agency", "supplier", "service", "capability"].contains(&within) {
        return Err(error(StatusCode::BAD_REQUEST, "in must be agency, supplier, service or capability"));
    }
    let mut hits: Vec<Value> = Vec::new();
    for o in &d.organisations {
        let role = o["law_enforcement_role"].as_str().unwrap_or("");
        if (within == "all" || within == role) && has(&o["organisation"], needle) {
            hits.push(json!({"match": role, "value": o["organisation"], "organisation": o["organisation"],
                             "page": o["page"]}));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for u in &d.usage {
        for field in ["service", "capability"] {
            if (within == "all" || within == field)
                && has(&u[field], needle)
                && seen.insert((field, u[field].to_string(), u["organisation"].to_string()))
            {
                hits.push(json!({"match": field, "value": u[field], "organisation": u["organisation"],
                                 "period": u["period"]}));
            }
        }
    }
    let mut v = d.meta.clone();
    v["count"] = json!(hits.len());
    v["rows"] = json!(hits);
    Ok((StatusCode::OK, Json(v)))
}
