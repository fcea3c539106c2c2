//! Checking a published report from the outside, as an auditor would: the log (signature,
//! every entry rehashed, every tile, consistency with checkpoints trusted earlier), the record
//! index, and every record on every page the site links to — each must be the log's entry at
//! its index, with an inclusion proof that leads to a signed checkpoint consistent with the
//! latest. Works over any [`ReadStorage`]: a folder, or a site fetched over HTTP.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use records::sha256_hex;
use serde_json::Value;
use tlog::{Checkpoint, Hash, ReadStorage, TileId, TileKind, TileReader, Verifier, leaf_hash, merkle};

use crate::Error;
use crate::site::{Model, render_organisation_part, render_section};

/// What the check covered, and every fault found (empty when the report checks out).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CheckReport {
    /// Log size of the latest checkpoint.
    pub size: u64,
    /// Root hash (base64) of the latest checkpoint.
    pub root: String,
    /// Entries rehashed.
    pub entries: u64,
    /// Trusted checkpoints proven consistent with the latest.
    pub trusted: usize,
    /// Records listed in the downloads (`data/records.json`'s parts) and checked.
    pub listed_records: usize,
    /// Pages read.
    pub pages: usize,
    /// Records shown on pages and checked.
    pub records_on_pages: usize,
    /// Files of the site (pages, listings, downloads, charts, feed, the file list) compared
    /// with what the log's records make.
    pub files_compared: usize,
    /// Files found in the report's folder and accounted for (zero over HTTP, where a folder
    /// cannot be listed).
    pub folder_files: usize,
    /// Earlier checkpointed sizes whose partial tiles were checked.
    pub earlier_sizes: usize,
    /// Faults, each naming the file and the record.
    pub faults: Vec<String>,
}

/// Most pages followed from `index.html`; a report larger than this is refused, not half-checked.
/// A page per record, organisation and listing page: 10,000 organisations over eight quarters
/// make about 115,000; this leaves room for decades of quarters at that size.
pub const MAX_PAGES: usize = 1_000_000;

/// Checks the report in `src` against `verifier`'s key. `folder_files` lists every file of a
/// report folder (paths relative to it; empty over HTTP): each must be the checkpoint, a tile
/// of the log or a file the log's records make, and its HTML pages are checked besides those
/// reachable from `index.html`. `progress` is called with a short description of each step.
pub fn check_report(
    src: &dyn ReadStorage,
    verifier: &Verifier,
    trusted: &[Vec<u8>],
    folder_files: &[String],
    progress: &mut dyn FnMut(&str),
) -> Result<CheckReport, Error> {
    progress("checking the log: signature, entries, tiles, consistency");
    let log = tlog::verify_log(src, verifier, trusted, &mut |_, _| {})?;
    let size = log.checkpoint.size;
    let trusted_sizes: BTreeSet<u64> = log.trusted.iter().map(|c| c.size).collect();
    let entries = crate::entries::read_all(src, size)?;
    let mut report = CheckReport {
        size,
        root: log.checkpoint.root.to_base64(),
        entries: log.entries,
        trusted: log.trusted.len(),
        ..CheckReport::default()
    };
    let latest = log.checkpoint;

    progress("checking every record of the downloads (data/records.json and its parts)");
    check_listed_records(src, &entries, &mut report);

    // The site is checked against the log at the checkpoint its overview says it was built
    // for: every section on every page must show what the log says there, and every file must
    // be what the log's records make there.
    let log = Log { src, verifier, entries: &entries, latest: &latest };
    let built_for = src
        .read("index.html")
        .ok()
        .flatten()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .and_then(|html| page_checkpoint(&html));
    let site = match built_for.map(|text| Checkpoint::open(text.as_bytes(), verifier).map(|cp| (text, cp))) {
        None => Err("index.html: missing, or carries no checkpoint".to_string()),
        Some(Err(e)) => Err(format!("index.html: its checkpoint does not verify: {e}")),
        Some(Ok((text, cp))) => model_at(&log, &cp).map(|m| (text, cp, m)).map_err(|e| format!("index.html: {e}")),
    };
    // Without the site's checkpoint, pages are checked against the log's latest.
    let fallback;
    let model = match &site {
        Ok((_, _, m)) => m,
        Err(e) => {
            report.faults.push(e.clone());
            fallback = model_at(&log, &latest);
            match &fallback {
                Ok(m) => m,
                Err(e) => {
                    report.faults.push(format!("the log cannot be read as a report: {e}"));
                    return Ok(report);
                }
            }
        }
    };

    progress("checking every record on every page");
    let mut queue: VecDeque<String> = VecDeque::from(vec!["index.html".to_string()]);
    queue.extend(folder_files.iter().filter(|f| f.ends_with(".html") && !f.starts_with("tile/")).cloned());
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    // Whether each checkpoint pages carry is consistent with the latest, found once.
    let mut consistent: Consistent = BTreeMap::new();
    while let Some(page) = queue.pop_front() {
        if report.pages >= MAX_PAGES {
            report.faults.push(format!("more than {MAX_PAGES} pages; the rest were not checked"));
            break;
        }
        let bytes = match src.read(&page) {
            Ok(Some(b)) => b,
            Ok(None) => {
                report.faults.push(format!("{page}: linked but missing"));
                continue;
            }
            Err(e) => {
                report.faults.push(format!("{page}: {e}"));
                continue;
            }
        };
        report.pages += 1;
        let html = String::from_utf8_lossy(&bytes);
        for link in links(&page, &html) {
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
        check_page(&log, model, &page, &html, &mut consistent, &mut report);
    }

    // Everything the site derives from the records (listings, downloads, charts, feed) must be
    // exactly what the log's records make, at the checkpoint the site was built for.
    progress("comparing every file of the site with what the log's records make");
    let mut site_files: BTreeSet<String> = BTreeSet::new();
    if let Ok((text, cp, model)) = &site {
        let (faults, compared) = crate::site::compare_site(src, verifier, text, cp, model)?;
        report.files_compared = compared.len();
        report.faults.extend(faults);
        site_files.extend(compared);
    }

    progress("accounting for every file and the partial tiles of earlier checkpoints");
    let earlier = check_folder_files(src, size, folder_files, &site_files, &mut report);
    for old in trusted_sizes.into_iter().chain(earlier).collect::<BTreeSet<u64>>() {
        report.earlier_sizes += 1;
        if let Err(e) = tlog::verify_tiles_at(src, old, size) {
            report.faults.push(format!("the log's tiles for size {old}: {e}"));
        }
    }
    Ok(report)
}

/// Accounts for every file of a report folder: the checkpoint, a tile of the log (an earlier
/// partial tile must be the start of the log's tile), or one of `site_files`. Returns the
/// sizes earlier partial tiles show a checkpoint was produced for.
fn check_folder_files(
    src: &dyn ReadStorage,
    size: u64,
    folder_files: &[String],
    site_files: &BTreeSet<String>,
    report: &mut CheckReport,
) -> BTreeSet<u64> {
    let mut sizes = BTreeSet::new();
    for f in folder_files {
        report.folder_files += 1;
        if f == tlog::CHECKPOINT_PATH || site_files.contains(f) {
            continue;
        }
        if f.ends_with('/') {
            report.faults.push(format!(
                "{}: a folder that cannot be listed here; its files cannot be accounted for",
                if f == "/" { "the report's folder" } else { f }
            ));
            continue;
        }
        if !f.starts_with("tile/") {
            report.faults.push(format!(
                "{f}: not part of the report: neither a tile of the log nor a file its records make ({} lists those)",
                crate::site::FILE_LIST
            ));
            continue;
        }
        let id = match TileId::parse_path(f) {
            Ok(id) => id,
            Err(e) => {
                report.faults.push(format!("{f}: under tile/ but not a tile: {e}"));
                continue;
            }
        };
        let level = match id.kind {
            TileKind::Hashes { level } => level,
            TileKind::Entries => 0,
        };
        // The log's own tiles at its size were checked with the log.
        if tlog::tile::width_at(level, id.index, size) == id.width {
            continue;
        }
        if let Err(e) = tlog::verify_stored_tile(src, id, size) {
            report.faults.push(format!("{f}: {e}"));
        } else if level == 0 {
            sizes.insert(id.index * 256 + u64::from(id.width));
        }
    }
    sizes
}

/// The checkpoint a page says it was built for.
fn page_checkpoint(html: &str) -> Option<String> {
    between(html, "<script type=\"application/json\" id=\"candor-log\">", "</script>")
        .and_then(|j| serde_json::from_str::<PageLog>(&j).ok())
        .map(|v| v.checkpoint)
}

/// Reads `rel`, naming it in a fault when the folder refuses it (too large, not a regular file,
/// a link out of it) or it is missing.
fn read_named(src: &dyn ReadStorage, rel: &str, report: &mut CheckReport) -> Option<Vec<u8>> {
    match src.read(rel) {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => {
            report.faults.push(format!("{rel}: missing"));
            None
        }
        Err(e) => {
            report.faults.push(format!("{rel}: {e}"));
            None
        }
    }
}

/// Every record the downloads list (`data/records.json`'s parts, one at a time) must be the
/// log's entry at its index, with that entry's hash.
fn check_listed_records(src: &dyn ReadStorage, entries: &[Vec<u8>], report: &mut CheckReport) {
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
    for part in parts {
        let rel = format!("data/{part}");
        let Some(bytes) = read_named(src, &rel, report) else { continue };
        let rows = match serde_json::from_slice::<RecordsFile>(&bytes) {
            Ok(v) => v.rows,
            Err(e) => {
                report.faults.push(format!("{rel}: not JSON of its layout: {e}"));
                continue;
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

/// The log a page names (`<script id="candor-log">`).
#[derive(serde::Deserialize)]
struct PageLog {
    checkpoint: String,
}

/// A record's proof as its page embeds it.
#[derive(serde::Deserialize)]
struct PageProof {
    #[serde(default)]
    index: Value,
    #[serde(default)]
    entry: Value,
    #[serde(default)]
    inclusion: Value,
}

/// Whether a checkpoint pages carry (size, root) is consistent with the log's latest, or why not.
type Consistent = BTreeMap<(u64, String), Result<(), String>>;

/// The verified log a page is checked against.
struct Log<'a> {
    src: &'a dyn ReadStorage,
    verifier: &'a Verifier,
    entries: &'a [Vec<u8>],
    latest: &'a Checkpoint,
}

/// Whether `cp` (a verified checkpoint) is consistent with the log's latest.
fn consistent_with_latest(log: &Log<'_>, cp: &Checkpoint) -> Result<(), String> {
    let mut reader = TileReader::new(log.src, log.latest.size);
    let proof = reader.consistency_proof(cp.size).map_err(|e| e.to_string())?;
    merkle::verify_consistency(cp.size, log.latest.size, &cp.root, &log.latest.root, &proof)
        .map_err(|e| format!("its checkpoint is not consistent with the log's: {e}"))
}

/// The site's model of the log at `cp` (a verified checkpoint), once `cp` is proven
/// consistent with the latest.
fn model_at(log: &Log<'_>, cp: &Checkpoint) -> Result<Model, String> {
    if cp.size > log.latest.size {
        return Err(format!("its checkpoint (size {}) is newer than the log's", cp.size));
    }
    consistent_with_latest(log, cp)?;
    let mut reader = TileReader::new(log.src, cp.size);
    Model::build(&log.entries[..cp.size as usize], &mut reader, &mut BTreeMap::new(), "")
        .map_err(|e| format!("the log at its checkpoint's size cannot be read: {e}"))
}

/// Checks the records embedded in one page: each is the log's entry, its proof leads to the
/// page's checkpoint (consistent with the latest), and it is shown as `model` (the log at the
/// site's checkpoint) renders it with that proof.
fn check_page(
    log: &Log<'_>,
    model: &Model,
    page: &str,
    html: &str,
    consistent: &mut Consistent,
    report: &mut CheckReport,
) {
    let Log { verifier, entries, latest, .. } = *log;
    let root = "../".repeat(page.matches('/').count());
    let sections: Vec<&str> = html.split("<section class=\"record\"").skip(1).collect();
    if sections.is_empty() {
        return;
    }
    let cp = match page_checkpoint(html) {
        None => {
            report.faults.push(format!("{page}: shows records but carries no checkpoint"));
            return;
        }
        Some(text) => match Checkpoint::open(text.as_bytes(), verifier) {
            Err(e) => {
                report.faults.push(format!("{page}: its checkpoint does not verify: {e}"));
                return;
            }
            Ok(cp) => cp,
        },
    };
    if cp.origin != latest.origin {
        report.faults.push(format!("{page}: its checkpoint is for another log ({})", cp.origin));
        return;
    }
    if cp.size > latest.size {
        report.faults.push(format!("{page}: its checkpoint (size {}) is newer than the log's", cp.size));
        return;
    }
    // Pages share a few checkpoints: each one's consistency is proven once.
    if let Err(e) = consistent.entry((cp.size, cp.root.to_base64())).or_insert_with(|| consistent_with_latest(log, &cp))
    {
        report.faults.push(format!("{page}: {e}"));
        return;
    }
    for s in sections {
        report.records_on_pages += 1;
        // The section as candor renders it from the log must be exactly what the page shows.
        let shown = format!("<section class=\"record\"{}", s.split("</section>").next().unwrap_or(""));
        let shown = format!("{shown}</section>\n");
        // A section showing what a record says of one organisation names it in its opening tag.
        let opening = s.split('>').next().unwrap_or("");
        let part = between(opening, "data-organisation=\"", "\"").map(|t| unescape(&t));
        let proof = between(s, "<script type=\"application/json\" class=\"candor-proof\">", "</script>")
            .and_then(|j| serde_json::from_str::<PageProof>(&j).ok());
        let Some(proof) = proof else {
            report.faults.push(format!("{page}: a record without its proof"));
            continue;
        };
        let index = proof.index.as_u64().unwrap_or(u64::MAX);
        let entry = proof.entry.as_str().and_then(|e| B64.decode(e).ok());
        let inclusion: Option<Vec<Hash>> = proof
            .inclusion
            .as_array()
            .map(|a| a.iter().filter_map(|h| h.as_str().and_then(Hash::from_base64)).collect());
        let fault = match (entry, inclusion, entries.get(index as usize)) {
            (_, _, None) => Some(format!("record #{index} is not in the log")),
            (None, _, _) | (_, None, _) => Some(format!("record #{index}: its proof is malformed")),
            (Some(e), Some(p), Some(logged)) => {
                if &e != logged {
                    Some(format!("record #{index} differs from the log's entry {index}"))
                } else if between(s, "<pre class=\"entry\">", "</pre>").map(|t| unescape(&t)).as_deref()
                    != Some(String::from_utf8_lossy(&e).as_ref())
                {
                    Some(format!("record #{index}: the text shown differs from the log's entry"))
                } else if let Some(at) = serde_json::from_slice::<Value>(&e).ok().and_then(|v| nul_at(&v, "")) {
                    // The page's own check fails on it in a browser (no page can show NUL); so
                    // does this one, so the two always agree.
                    Some(format!(
                        "record #{index}: {at} holds a NUL character, which no page can show and the disclosure \
                         format does not allow"
                    ))
                } else if let Err(err) = merkle::verify_inclusion(index, cp.size, &leaf_hash(&e), &p, &cp.root) {
                    Some(format!("record #{index}: its inclusion proof fails: {err}"))
                } else if model.records.get(&index).and_then(|r| match &part {
                    Some(organisation) => render_organisation_part(r, &root, organisation, &p),
                    None => Some(render_section(model, r, &root, &p)),
                }) != Some(shown)
                {
                    Some(format!("record #{index}: the page shows it differently from how the log's entry reads"))
                } else {
                    None
                }
            }
        };
        if let Some(f) = fault {
            report.faults.push(format!("{page}: {f}"));
        }
    }
}

/// The JSON pointer of the first string (key or value) in `v` that holds U+0000.
fn nul_at(v: &Value, at: &str) -> Option<String> {
    let esc = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        Value::String(s) if s.contains('\0') => Some(if at.is_empty() { "/".into() } else { at.into() }),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| nul_at(x, &format!("{at}/{i}"))),
        Value::Object(o) => o.iter().find_map(|(k, x)| {
            let here = format!("{at}/{}", esc(k));
            if k.contains('\0') { Some(here) } else { nul_at(x, &here) }
        }),
        _ => None,
    }
}

/// The text between the first `open` and the next `close`.
fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].to_string())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// The site's own HTML pages a page links to, as paths from the site root.
fn links(page: &str, html: &str) -> Vec<String> {
    let dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(target) = part.split('"').next() else { continue };
        let target = target.split('#').next().unwrap_or("");
        if !target.ends_with(".html") || target.contains("://") || target.starts_with('/') {
            continue;
        }
        let mut segs: Vec<&str> = if dir.is_empty() { Vec::new() } else { dir.split('/').collect() };
        let mut ok = true;
        for seg in target.split('/') {
            match seg {
                "" | "." => {}
                ".." => ok &= segs.pop().is_some(),
                s => segs.push(s),
            }
        }
        if ok {
            out.push(segs.join("/"));
        }
    }
    out
}

/// Every file of a report folder, as paths relative to it with `/` between segments, sorted:
/// what a check must account for.
/// A folder that cannot be listed (no permission, a path too long) is listed as itself with a
/// trailing `/`: its files cannot be accounted for, which the check reports.
pub fn folder_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = match std::fs::read_dir(root.join(&rel)) {
            Ok(dir) => dir,
            Err(_) => {
                out.push(format!("{}/", rel.to_string_lossy().replace('\\', "/")));
                continue;
            }
        };
        for e in dir {
            let Ok(e) = e else {
                out.push(format!("{}/", rel.to_string_lossy().replace('\\', "/")));
                continue;
            };
            let name = rel.join(e.file_name());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(name);
            } else {
                out.push(name.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_within_the_site() {
        let html = r#"<a href="../org/a.html">a</a> <a href="b.html#x">b</a> <a href="https://x/y.html">x</a>
                      <a href="../../../etc.html">out</a> <a href="../data/usage.csv">csv</a>"#;
        assert_eq!(links("record/1.html", html), vec!["org/a.html", "record/b.html"]);
        assert_eq!(links("index.html", r#"<a href="org/a.html">"#), vec!["org/a.html"]);
    }
}
