//! What a checker remembers of a report it verified (`candor verify --remember FILE`), so the
//! next check reads only what changed: the log from the tree verified before (its frontier,
//! `tlog::verify_extension`), and the site's files by their SHA-256.
//!
//! A file found with the bytes verified before is not checked again where what it shows
//! cannot have changed: a records part (its rows are the log's immutable entries), a page's
//! sections (entries, and proofs to a checkpoint the new tree extends). A record's page that
//! carries a kept checkpoint of the site verified before, with the same kept checkpoints and
//! trust policy, shows nothing a later entry could change (see `site::history`): it must still
//! have the bytes verified, and is not rendered again. Everything else is rendered and compared
//! as in a full check.

use std::path::Path;

use tlog::{Checkpoint, Frontier, Verified, Verifier};

pub(crate) use crate::site::verified::SiteMemory;

/// Where a check that remembers at `memory` keeps what it read of each usage record (see
/// [`super::check_report_remembering`]): the memory's name with `.usage-index` added.
pub fn usage_index_beside(memory: &Path) -> std::path::PathBuf {
    let mut name = memory.as_os_str().to_owned();
    name.push(".usage-index");
    name.into()
}

/// Most bytes a memory may have: a SHA-256 and a path per file, for the most pages a check
/// follows, and room besides.
pub const MAX_BYTES: u64 = 256 << 20;

const FORMAT: u32 = 1;

/// What a check remembers (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Memory {
    format: u32,
    /// The signed checkpoint verified, cosignatures included.
    pub checkpoint: String,
    /// Its tree's frontier (`tlog::Frontier`'s text form).
    frontier: String,
    /// The candor version that checked: another renders pages its own way, so it checks all.
    renderer: String,
    /// What the site verified was built from; `None` when it was not (no overview).
    pub(crate) site: Option<SiteMemory>,
}

/// What reading a memory file found.
pub enum Remembered {
    /// No file: a first check.
    Nothing,
    /// A memory of this format.
    Memory(Box<Memory>),
    /// A file of another form: a signed checkpoint as earlier versions remembered it (checked
    /// as a trusted checkpoint, then replaced by a memory).
    Checkpoint(Vec<u8>),
}

impl Memory {
    /// A memory of the tree `verified` and the site checked (`site`, when it verified).
    pub(crate) fn new(checkpoint: &[u8], verified: &Verified, site: Option<SiteMemory>) -> Memory {
        Memory {
            format: FORMAT,
            checkpoint: String::from_utf8_lossy(checkpoint).into_owned(),
            frontier: verified.frontier().to_text(),
            renderer: env!("CARGO_PKG_VERSION").to_string(),
            site,
        }
    }

    /// Reads what `path` remembers. A file larger than [`MAX_BYTES`] is an error, not a
    /// memory to trust partly.
    pub fn read(path: &Path) -> std::io::Result<Remembered> {
        let Some(bytes) = crate::state_file::read_at_most(path, MAX_BYTES)? else {
            return if path.exists() {
                Err(std::io::Error::other(format!("larger than {MAX_BYTES} bytes: not a memory of a check")))
            } else {
                Ok(Remembered::Nothing)
            };
        };
        Ok(match serde_json::from_slice::<Memory>(&bytes) {
            Ok(m) if m.format == FORMAT => Remembered::Memory(Box::new(m)),
            _ => Remembered::Checkpoint(bytes),
        })
    }

    /// Writes the memory at `path` (by rename: a reader sees the old one or the new one), no
    /// larger than [`MAX_BYTES`], which [`Memory::read`] refuses: past it, the stamps are left
    /// out (every file is read next time), then the site (every file is checked).
    pub fn write(&self, path: &Path) -> Result<(), crate::Error> {
        let encode =
            |m: &Memory| serde_json::to_vec(m).map_err(|e| crate::Error::BadEntry { index: 0, message: e.to_string() });
        let mut bytes = encode(self)?;
        if bytes.len() as u64 > MAX_BYTES {
            let mut smaller = self.clone();
            if let Some(site) = &mut smaller.site {
                site.stamps.clear();
            }
            bytes = encode(&smaller)?;
            if bytes.len() as u64 > MAX_BYTES {
                smaller.site = None;
                bytes = encode(&smaller)?;
            }
        }
        crate::site::write_atomic(path, &bytes)
    }

    /// The tree verified, when the memory is of this log (its checkpoint opens with
    /// `verifier`) and its frontier gives that checkpoint's root.
    pub(crate) fn verified(&self, verifier: &Verifier) -> Option<Verified> {
        let cp = Checkpoint::open(self.checkpoint.as_bytes(), verifier).ok()?;
        Verified::new(cp, Frontier::parse(&self.frontier).ok()?).ok()
    }

    /// The site verified, when what this version renders can be held to it.
    pub(crate) fn site(&self) -> Option<&SiteMemory> {
        self.site.as_ref().filter(|_| self.renderer == env!("CARGO_PKG_VERSION"))
    }
}
