//! One page's records, checked: each the log's entry, with a proof that leads to the page's
//! checkpoint, shown as the log's records make it.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use tlog::{Checkpoint, Hash, ReadStorage, TileReader, Verifier, leaf_hash, merkle};

use super::CheckReport;
use crate::site::{Model, render_organisation_part, render_section};

/// The checkpoint a page says it was built for.
pub(super) fn page_checkpoint(html: &str) -> Option<String> {
    between(html, "<script type=\"application/json\" id=\"candor-log\">", "</script>")
        .and_then(|j| serde_json::from_str::<PageLog>(&j).ok())
        .map(|v| v.checkpoint)
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

/// The checkpoints pages carry that are the log's: the texts met, each opened, and the trees
/// proven consistent with the latest. Texts are kept up to [`TEXTS_KEPT`]: a checkpoint's
/// signature lines may be any (a note carries lines of keys it does not know), so a hostile
/// site could give each page a text of its own; past that, a text is opened each time, and a
/// tree already proven is not proven again.
#[derive(Default)]
pub(super) struct Consistent {
    texts: BTreeMap<String, Checkpoint>,
    trees: std::collections::BTreeSet<(u64, tlog::Hash)>,
}

/// Checkpoint texts kept opened (a site's pages carry a few: the newest and the kept older ones).
const TEXTS_KEPT: usize = 1024;

/// Longest checkpoint text kept (a checkpoint and a few cosignatures take a few hundred bytes;
/// a note may carry a hundred signature lines of any length).
const TEXT_KEPT_BYTES: usize = 4096;

/// The checkpoint `text` a page carries, when it is the log's: signed by its key, for its
/// origin and no newer than the latest (whether it is consistent with it is for the caller).
fn page_checkpoint_opens(log: &Log<'_>, text: &str) -> Result<Checkpoint, String> {
    let cp =
        Checkpoint::open(text.as_bytes(), log.verifier).map_err(|e| format!("its checkpoint does not verify: {e}"))?;
    if cp.origin != log.latest.origin {
        return Err(format!("its checkpoint is for another log ({})", cp.origin));
    }
    if cp.size > log.latest.size {
        return Err(format!("its checkpoint (size {}) is newer than the log's", cp.size));
    }
    Ok(cp)
}

/// The verified log a page is checked against.
pub(super) struct Log<'a> {
    pub src: &'a (dyn ReadStorage + Sync),
    pub verifier: &'a Verifier,
    pub entries: &'a [crate::entries::Entry],
    pub latest: &'a Checkpoint,
    /// What the model reads of each usage record, kept by the checker (see `site::usage_index`).
    pub usage_index: Option<crate::site::usage_index::IndexAt<'a>>,
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
pub(super) fn model_at(log: &Log<'_>, cp: &Checkpoint) -> Result<Model, String> {
    if cp.size > log.latest.size {
        return Err(format!("its checkpoint (size {}) is newer than the log's", cp.size));
    }
    consistent_with_latest(log, cp)?;
    let mut reader = TileReader::new(log.src, cp.size);
    let entries = crate::site::Entries::Held(log.entries[..cp.size as usize].to_vec());
    Model::build(entries, &mut reader, &mut BTreeMap::new(), "", log.usage_index)
        .map_err(|e| format!("the log at its checkpoint's size cannot be read: {e}"))
}

/// The checkpoint `text` a page carries, opened and proven consistent with the latest, each
/// text and tree once (see [`Consistent`]).
fn page_checkpoint_proven(
    log: &Log<'_>,
    text: &str,
    consistent: &std::sync::Mutex<Consistent>,
) -> Result<Checkpoint, String> {
    let lock = || consistent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(cp) = lock().texts.get(text) {
        return Ok(cp.clone());
    }
    let cp = page_checkpoint_opens(log, text)?;
    let proven = lock().trees.contains(&(cp.size, cp.root));
    if !proven {
        consistent_with_latest(log, &cp)?;
    }
    let mut held = lock();
    held.trees.insert((cp.size, cp.root));
    if held.texts.len() < TEXTS_KEPT && text.len() <= TEXT_KEPT_BYTES {
        held.texts.insert(text.to_string(), cp.clone());
    }
    Ok(cp)
}

/// Checks the records embedded in one page: each is the log's entry, its proof leads to the
/// page's checkpoint (consistent with the latest), and it is shown as `model` (the log at the
/// site's checkpoint) renders it with that proof — which needs no rendering here when the page
/// is `rendered`: byte for byte what the site's comparison made of the log.
pub(super) fn check_page(
    log: &Log<'_>,
    model: &Model,
    page: &str,
    html: &str,
    rendered: bool,
    consistent: &std::sync::Mutex<Consistent>,
    report: &mut CheckReport,
) {
    let entries = log.entries;
    let root = "../".repeat(page.matches('/').count());
    let sections: Vec<&str> = html.split("<section class=\"record\"").skip(1).collect();
    if sections.is_empty() {
        return;
    }
    let Some(text) = page_checkpoint(html) else {
        report.faults.push(format!("{page}: shows records but carries no checkpoint"));
        return;
    };
    // Pages share a few checkpoints: each of the log's is opened (its signature checked) and
    // proven consistent with the latest once, not once per page; texts of their own on every
    // page cannot fill memory (see [`Consistent`]).
    // Pages are checked on every core: the lock is held to look up and to keep, not to prove.
    let cp = match page_checkpoint_proven(log, &text, consistent) {
        Ok(cp) => cp,
        Err(e) => {
            report.faults.push(format!("{page}: {e}"));
            return;
        }
    };
    for s in sections {
        report.records_on_pages += 1;
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
                // The record as the site's model read it (the same entry), or read here.
                // JSON holds a NUL only as the escape `\u0000`: an entry without it is not read.
                let nul = if super::holds_nul(&e) {
                    serde_json::from_slice::<Value>(&e).ok().and_then(|v| nul_at(&v, ""))
                } else {
                    None
                };
                if e[..] != logged[..] {
                    Some(format!("record #{index} differs from the log's entry {index}"))
                } else if !rendered
                    && between(s, "<pre class=\"entry\">", "</pre>").map(|t| unescape(&t)).as_deref()
                        != Some(String::from_utf8_lossy(&e).as_ref())
                {
                    // (A page byte for byte as the site renders it shows the log's entry.)
                    Some(format!("record #{index}: the text shown differs from the log's entry"))
                } else if let Some(at) = nul {
                    // The page's own check fails on it in a browser (no page can show NUL); so
                    // does this one, so the two always agree.
                    Some(format!(
                        "record #{index}: {at} holds a NUL character, which no page can show and the disclosure \
                         format does not allow"
                    ))
                } else if let Err(err) = merkle::verify_inclusion(index, cp.size, &leaf_hash(&e), &p, &cp.root) {
                    Some(format!("record #{index}: its inclusion proof fails: {err}"))
                } else if rendered {
                    // The whole page is byte for byte what the model renders (compared).
                    None
                } else if model.records.get(&index).and_then(|r| match section_organisation(s) {
                    Some(organisation) => render_organisation_part(model, r, &root, &organisation, &p),
                    None => Some(render_section(model, r, &root, &p)),
                }) != Some(shown_section(s))
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

/// The section `s` (the text after its opening `<section class="record"`) as the page shows it.
fn shown_section(s: &str) -> String {
    format!("<section class=\"record\"{}</section>\n", s.split("</section>").next().unwrap_or(""))
}

/// The organisation a section shows a record's part of, named in its opening tag.
fn section_organisation(s: &str) -> Option<String> {
    let opening = s.split('>').next().unwrap_or("");
    between(opening, "data-organisation=\"", "\"").map(|t| unescape(&t))
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
pub(super) fn links(page: &str, html: &str) -> Vec<String> {
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
