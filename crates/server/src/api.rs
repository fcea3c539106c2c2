//! The public JSON API: read-only, and only over what the report published (the site's
//! `data/*.json` files and the log, see [`crate::report`]), so the API can never say more than
//! the signed records.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path as UrlPath, Query, State};
use serde_json::{Value, json};
use tlog::{Dir, TileReader};

use crate::error::{ApiError, ApiResult};
use crate::report::Data;
use crate::state::AppState;

fn data(state: &AppState) -> ApiResult<Arc<Data>> {
    let report = state.report.as_ref().ok_or_else(|| ApiError::not_found("this server has no report"))?;
    report.data().map_err(ApiError::unavailable)
}

/// A route's answer: the JSON, or an error.
type Answer = ApiResult<Json<Value>>;

/// Rows a listing answers at most at once (and unless `limit` says fewer): a report at a large
/// provider's size holds a million usage rows, which no answer should carry whole.
pub const MAX_LIMIT: usize = 500;

/// The page a listing's query asks for: `offset` (0 unless given) and `limit` (1 to
/// `MAX_LIMIT`, `MAX_LIMIT` unless given).
fn page(q: &HashMap<String, String>) -> ApiResult<(usize, usize)> {
    let offset = match q.get("offset") {
        None => 0,
        // Bounded as the API's description says (a JSON integer a client can hold).
        Some(o) => (o.parse::<i64>().ok())
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| ApiError::bad_request("offset must be an integer from 0 to 2^63-1"))?,
    };
    let limit = match q.get("limit") {
        None => MAX_LIMIT,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("limit must be an integer from 1 to {MAX_LIMIT}")))?,
    };
    Ok((offset, limit))
}

/// A listing's answer: the report's facts, how many rows match (`count`), and the page of them
/// the query asks for (`offset`, `limit`, `rows`). `rows` are made into JSON only for the page.
fn list<T: serde::Serialize>(d: &Data, q: &HashMap<String, String>, rows: Vec<T>) -> Answer {
    let (offset, limit) = page(q)?;
    let mut v = d.meta.clone();
    v["count"] = json!(rows.len());
    v["offset"] = json!(offset);
    v["limit"] = json!(limit);
    v["rows"] = json!(rows.iter().skip(offset).take(limit).collect::<Vec<_>>());
    Ok(Json(v))
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
        .collect::<Vec<_>>();
    list(&d, &q, rows)
}

/// `GET /v1/organisations/{slug}`: the organisation, its usage rows and its records.
pub async fn organisation(State(state): State<Arc<AppState>>, UrlPath(slug): UrlPath<String>) -> Answer {
    let d = data(&state)?;
    let Some((org, usage)) = d.organisation(&slug) else {
        return Err(ApiError::not_found(format!("no organisation {slug:?} in the report")));
    };
    let mut v = d.meta.clone();
    v["organisation"] = org.clone();
    v["usage"] = json!(usage);
    Ok(Json(v))
}

/// `GET /v1/usage?period=&capability=&service=&region_class=&organisation=&law_enforcement_role=`.
pub async fn usage(State(state): State<Arc<AppState>>, Query(q): Query<HashMap<String, String>>) -> Answer {
    let d = data(&state)?;
    let fields = ["period", "capability", "service", "region_class", "organisation", "law_enforcement_role"];
    list(&d, &q, d.usage.iter().filter(|u| matches(u, &q, &fields)).collect())
}

/// `GET /v1/disclosures?type=&period=`: the records, newest first.
pub async fn disclosures(State(state): State<Arc<AppState>>, Query(q): Query<HashMap<String, String>>) -> Answer {
    let d = data(&state)?;
    let rows = d
        .records
        .iter()
        .rev()
        .filter(|r| q.get("type").is_none_or(|t| r.kind == *t || r.kind == format!("candor.{t}")))
        .filter(|r| q.get("period").is_none_or(|p| r.period.as_deref() == Some(p.as_str())))
        .collect::<Vec<_>>();
    list(&d, &q, rows)
}

/// `GET /v1/disclosures/{index}`: one record with its entry, inclusion proof and checkpoint,
/// so a client can check it offline.
pub async fn disclosure(State(state): State<Arc<AppState>>, UrlPath(index): UrlPath<String>) -> Answer {
    let d = data(&state)?;
    let Ok(index) = index.parse::<u64>() else {
        return Err(ApiError::bad_request("the index must be a non-negative integer"));
    };
    let Some(row) = d.records.iter().find(|r| r.index == index) else {
        return Err(ApiError::not_found(format!("no record #{index} in the report")));
    };
    let Some(report) = &state.report else { return Err(ApiError::not_found("this server has no report")) };
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
            let mut v = serde_json::to_value(row).unwrap_or(Value::Null);
            v["entry"] = json!(base64::engine::general_purpose::STANDARD.encode(entry));
            v["inclusion"] = json!(inclusion);
            v["checkpoint"] = json!(d.checkpoint);
            Ok(Json(v))
        }
        Ok(Err(e)) => Err(ApiError::internal(format!("proving record #{index}: {e}"))),
        Err(e) => Err(ApiError::internal(format!("proving record #{index}: {e}"))),
    }
}

/// The longest search, in characters.
pub const MAX_QUERY: usize = 200;

/// The search's answer rows: organisations whose name contains `needle` (any case), then the
/// services and capabilities that do, once per organisation, from its newest usage row, in the
/// usage rows' order; `within` is `all`, a role, `service` or `capability`.
pub(crate) fn search_rows<'a>(d: &'a Data, needle: &str, within: &str) -> Vec<Hit<'a>> {
    // The terms were lower-cased and grouped when the report was read: a search looks at each
    // organisation's name and each distinct service and capability, not every usage row.
    let needle = needle.to_lowercase();
    let mut hits: Vec<Hit<'a>> = Vec::new();
    for (row, (o, lower)) in d.organisations.iter().zip(&d.search.organisations).enumerate() {
        let role = o["law_enforcement_role"].as_str().unwrap_or("");
        if (within == "all" || within == role) && lower.contains(&needle) {
            hits.push(Hit { d, row, field: None });
        }
    }
    // Services and capabilities in the usage rows' order (a row's service before its capability).
    let mut found: Vec<(usize, bool, &'static str)> = Vec::new();
    for (field, lower, rows) in &d.search.values {
        if (within == "all" || within == *field) && lower.contains(&needle) {
            found.extend(rows.iter().map(|&row| (row, *field == "capability", *field)));
        }
    }
    found.sort_unstable();
    hits.extend(found.into_iter().map(|(row, _, field)| Hit { d, row, field: Some(field) }));
    hits
}

/// A search's match: an organisation's name (`field` none; `row` in `organisations`) or a
/// service or capability (`row` in `usage`). Made into JSON only when its page is answered.
pub(crate) struct Hit<'a> {
    d: &'a Data,
    row: usize,
    field: Option<&'static str>,
}

impl Hit<'_> {
    /// The answer's row.
    pub(crate) fn to_json(&self) -> Value {
        match self.field {
            None => {
                let o = &self.d.organisations[self.row];
                json!({"match": o["law_enforcement_role"].as_str().unwrap_or(""), "value": o["organisation"],
                       "organisation": o["organisation"], "page": o["page"]})
            }
            Some(field) => {
                let u = &self.d.usage[self.row];
                json!({"match": field, "value": u[field], "organisation": u["organisation"], "period": u["period"]})
            }
        }
    }
}

impl serde::Serialize for Hit<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// `GET /v1/search?q=…&in=agency|supplier|service|capability`: organisations whose name, or
/// whose services or capabilities, contain `q`.
pub async fn search(State(state): State<Arc<AppState>>, Query(q): Query<HashMap<String, String>>) -> Answer {
    let d = data(&state)?;
    let Some(needle) = q.get("q").map(|s| s.trim_matches(crate::extract::is_blank)).filter(|s| !s.is_empty()) else {
        return Err(ApiError::bad_request("q (what to look for) is required"));
    };
    if q.get("q").map_or(0, |s| s.chars().count()) > MAX_QUERY {
        return Err(ApiError::bad_request(format!("q is longer than {MAX_QUERY} characters")));
    }
    let within = q.get("in").map(String::as_str).unwrap_or("all");
    if !["all", "agency", "supplier", "service", "capability"].contains(&within) {
        return Err(ApiError::bad_request("in must be agency, supplier, service or capability"));
    }
    list(&d, &q, search_rows(&d, needle, within))
}
