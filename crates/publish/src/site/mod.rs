//! The static site: written next to the log's tiles, so the folder holding `checkpoint` and
//! `tile/` is the whole report and can be hosted anywhere. The site is a function of the log
//! alone (plus when each record was first seen, for the feed): every page is rebuilt from
//! the signed entries, and every record shown carries its index, entry bytes and inclusion
//! proof, which `assets/verify.js` checks in the reader's browser.

mod data;
pub mod html;
mod model;
mod pages;
mod svg;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tlog::{Checkpoint, Dir, TileReader, Verifier};

use crate::Error;
pub use model::{Model, RecordView};

/// The browser verifier, served as `assets/verify.js`.
pub const VERIFY_JS: &str = include_str!("assets/verify.js");
/// The style sheet, served as `assets/style.css`.
pub const STYLE_CSS: &str = include_str!("assets/style.css");

/// What writing the site did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SiteReport {
    /// Files written (relative paths).
    pub files: usize,
    /// Pages with verifiable records.
    pub record_pages: usize,
    /// Organisations with a page.
    pub organisations: usize,
    /// Log size the pages' proofs are for.
    pub size: u64,
}

/// Builds the site in `public` (the log's public folder) from the log there.
/// `now` (RFC 3339) dates records first seen by this run in the feed.
pub fn write_site(public: &Path, verifier: &Verifier, now: &str) -> Result<SiteReport, Error> {
    let dir = Dir::new(public);
    let checkpoint_path = public.join(tlog::CHECKPOINT_PATH);
    let checkpoint = std::fs::read(&checkpoint_path).map_err(|e| Error::io(&checkpoint_path, e))?;
    let cp = Checkpoint::open(&checkpoint, verifier)?;
    let entries = crate::entries::read_all(&dir, cp.size)?;
    let mut reader = TileReader::new(&dir, cp.size);
    let first_seen_path = public.join("data").join("first-seen.json");
    let mut first_seen: BTreeMap<u64, String> = std::fs::read(&first_seen_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let model = Model::build(&entries, &mut reader, &mut first_seen, now)?;
    let checkpoint_text = String::from_utf8_lossy(&checkpoint).into_owned();
    let vkey = verifier.to_vkey();
    let files = pages::render(&model, &cp, &checkpoint_text, &vkey)?
        .into_iter()
        .chain(data::render(&model, &cp, &checkpoint_text, &vkey, &first_seen)?)
        .chain([
            ("assets/verify.js".to_string(), VERIFY_JS.as_bytes().to_vec()),
            ("assets/style.css".to_string(), STYLE_CSS.as_bytes().to_vec()),
            ("vkey".to_string(), format!("{vkey}\n").into_bytes()),
            (
                "data/first-seen.json".to_string(),
                serde_json::to_vec_pretty(&first_seen).map_err(|e| Error::BadEntry { index: 0, message: e.to_string() })?,
            ),
        ])
        .collect::<Vec<_>>();
    for (rel, bytes) in &files {
        write_atomic(&public.join(rel), bytes)?;
    }
    Ok(SiteReport {
        files: files.len(),
        record_pages: model.records.len(),
        organisations: model.organisations.len(),
        size: cp.size,
    })
}

/// Writes a file by rename, so a reader never sees half a page; unchanged files are left
/// alone (their modification time stays).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let tmp = path.with_extension("candor-tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
