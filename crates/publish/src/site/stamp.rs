//! What the last writing of the site was made from, kept beside the log (not in the served
//! folder), so publishing again when the log has not changed does not render every page again.
//!
//! The site is a function of the log's signed checkpoint (its entries, proofs and
//! cosignatures), the trust policy's text, and the renderer. The stamp keeps a hash of each,
//! and each written file's size and modification time (as `git` and `make` judge a file
//! unchanged): when all still hold, the site on disk is the one writing it again would make.
//! A page that says its checkpoint is not witnessed is judged against the clock (a cosignature
//! dated in the future counts later), so a site showing one is always written again.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use super::SiteReport;

/// The stamp file's name, in the log's state folder.
pub const FILE_NAME: &str = "site-stamp.json";

/// A file's size and modification time (nanoseconds since the epoch).
type Seen = (u64, u128);

/// The inputs of a written site, and its files as they were left.
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Stamp {
    format: u32,
    /// The renderer: candor's version (a new version writes every page again).
    renderer: String,
    /// SHA-256 of the signed checkpoint, cosignatures included.
    checkpoint: String,
    /// SHA-256 of the trust policy's text ("" without one).
    policy: String,
    /// What writing the site reported.
    report: SiteReport,
    /// Whether the site shows demonstration data.
    demonstration: bool,
    /// The checkpoints its pages carry, by size, each with the hash of what pages show of it
    /// (its text and witnessing).
    kept: BTreeMap<u64, String>,
    /// Every file written, relative to the site's root.
    files: BTreeMap<String, Seen>,
}

const FORMAT: u32 = 2;

/// Most bytes a stamp may have: about 100 a file, for the most pages a check follows, and
/// room besides. A larger file is not read.
pub const MAX_BYTES: u64 = 128 << 20;

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash of the trust policy's text ("" without one).
pub(crate) fn policy_hash(policy: Option<&str>) -> String {
    policy.map(|p| sha256(p.as_bytes())).unwrap_or_default()
}

/// The size and modification time of `path`, or `None` when it cannot be read.
fn seen(path: &Path) -> Option<Seen> {
    let m = std::fs::symlink_metadata(path).ok().filter(std::fs::Metadata::is_file)?;
    let t = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((m.len(), t.as_nanos()))
}

impl Stamp {
    /// The stamp of a site just written into `public` from `checkpoint` and `policy`, or `None`
    /// when a file written is not there as a plain file (removed since, or a link kept in its
    /// place): a stamp judges every file the site wrote, or there is none.
    pub(crate) fn of(public: &Path, whole: &super::Whole, written: &[String]) -> Option<Stamp> {
        // A look at each of a hundred thousand files, on every core.
        let mut files = BTreeMap::new();
        let look = |rel: &String| (rel.clone(), seen(&public.join(rel)));
        super::parallel::map_in_order(written, &look, &mut |(rel, seen)| {
            files.insert(rel, seen.ok_or(())?);
            Ok::<(), ()>(())
        })
        .ok()?;
        Some(Stamp {
            format: FORMAT,
            renderer: env!("CARGO_PKG_VERSION").to_string(),
            checkpoint: sha256(&whole.checkpoint),
            policy: policy_hash(whole.policy.as_deref()),
            report: whole.report.clone(),
            demonstration: whole.demonstration,
            kept: whole.kept.clone(),
            files,
        })
    }

    /// Reads the stamp at `path`; a missing, unreadable or foreign file, or one larger than
    /// [`MAX_BYTES`], is no stamp (the site is then written whole).
    pub fn read(path: &Path) -> Option<Stamp> {
        let bytes = crate::state_file::read_at_most(path, MAX_BYTES).ok()??;
        serde_json::from_slice::<Stamp>(&bytes).ok().filter(|s| s.format == FORMAT)
    }

    /// What the site in `public` reports, when it is still the one this stamp describes for
    /// `checkpoint` and `policy`: same inputs, same renderer, every file as it was left.
    pub(crate) fn still_holds(&self, public: &Path, checkpoint: &[u8], policy: Option<&str>) -> Option<SiteReport> {
        let holds = self.checkpoint == sha256(checkpoint)
            && self.renderer == env!("CARGO_PKG_VERSION")
            && self.policy == policy_hash(policy)
            && self.files_as_left(public);
        holds.then(|| self.report.clone())
    }

    /// Whether every file of the site in `public` is as this stamp left it.
    fn files_as_left(&self, public: &Path) -> bool {
        if self.files.is_empty() || self.files.len() != self.report.files {
            return false;
        }
        // A look at each of a hundred thousand files, on every core.
        let files: Vec<(&String, &Seen)> = self.files.iter().collect();
        let as_left =
            |&(rel, was): &(&String, &Seen)| super::safe_relative(rel) && seen(&public.join(rel)).as_ref() == Some(was);
        super::parallel::map_in_order(&files, &as_left, &mut |same| if same { Ok(()) } else { Err(()) }).is_ok()
    }

    /// The log size this stamp's site was written for, when the site in `public` is as it was
    /// left and a site built from `newer` can keep its record pages (see
    /// [`super::built::BuiltFrom::pages_kept_by`]).
    pub(crate) fn earlier_site(&self, public: &Path, newer: &super::built::BuiltFrom<'_>) -> Option<u64> {
        let built = super::built::BuiltFrom {
            size: self.report.size,
            policy: &self.policy,
            demonstration: self.demonstration,
            kept: &self.kept,
        };
        built.pages_kept_by(newer).filter(|_| self.renderer == env!("CARGO_PKG_VERSION") && self.files_as_left(public))
    }

    /// Writes the stamp at `path` (by rename, so a reader sees the old one or the new one).
    pub(crate) fn write(&self, path: &Path) -> Result<(), crate::Error> {
        let bytes =
            serde_json::to_vec(self).map_err(|e| crate::Error::BadEntry { index: 0, message: e.to_string() })?;
        super::write_atomic(path, &bytes)
    }
}
