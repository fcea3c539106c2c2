//! An index of the log's records: per entry, what the publishing steps need to know of it
//! without reading it again (its hashes, kind, period, subject, what it corrects), kept in a
//! file beside the log and extended by reading only the entries appended since.
//!
//! The index is a cache, never trusted over the log: it holds each entry's Merkle leaf hash,
//! and it is used only when the tree those leaves make has the root the log's own tiles give
//! at the index's size. Otherwise (missing, damaged, from another log, or from a history the
//! log does not extend) it is rebuilt from the log alone. The other fields are candor's own
//! reading of the entries those leaves hash.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use records::{Body, Link, Parsed};
use serde::{Deserialize, Serialize};
use tlog::{Hash, ReadStorage, TileReader};

use crate::Error;

/// The index file's name, in the log's private `state/` folder (never served).
pub const FILE_NAME: &str = "records-index.json";

/// The index file's format version (2: a registered use's use case in its own field; files of
/// format 1 joined it to the organisation with a line feed, and are rebuilt).
const FORMAT: u32 = 2;

/// The most bytes the index file may take per entry of the log (an entry takes about 300).
const MAX_BYTES_PER_ENTRY: u64 = 4096;

/// What the index knows of one entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indexed {
    /// SHA-256 of the entry, lowercase hex (as links name it).
    pub sha256: String,
    /// Its Merkle leaf hash, hex (binds the index to the log).
    pub leaf: String,
    /// The record's `type`, when it is a candor record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The period it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// What it is the current record of within its period and kind: the organisation (usage,
    /// enforcement, registered uses, the last with [`Indexed::use_case`]), the part (gate
    /// decisions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A registered use's use case (apart from the organisation: no separator can be told
    /// from a character of a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_case: Option<String>,
    /// The entry a correction names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<Link>,
    /// Marked as demonstration data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demonstration: bool,
}

impl Indexed {
    /// What the index records of `entry`.
    pub fn of(entry: &[u8]) -> Indexed {
        let parsed = records::parse(entry);
        let p = parsed.as_ref();
        Indexed::read(entry, p.map(Parsed::kind), p.and_then(Parsed::body), p.is_some_and(Parsed::is_demonstration))
    }

    /// What the index records of `entry`, which is the record `written` (a writer that has the
    /// record need not read its entry again).
    pub fn of_written(entry: &[u8], written: &records::Record) -> Indexed {
        Indexed::read(entry, Some(written.kind()), Some(&written.body), written.demonstration)
    }

    fn read(entry: &[u8], kind: Option<&str>, body: Option<&Body>, demonstration: bool) -> Indexed {
        let subject = match body {
            Some(Body::OrganisationUsage(r)) => Some(r.organisation.name.clone()),
            Some(Body::Enforcement(r)) => Some(r.organisation.clone()),
            Some(Body::RegisteredUse(r)) => Some(r.organisation.clone()),
            Some(Body::GateDecisions(r)) => Some(r.part.to_string()),
            _ => None,
        };
        Indexed {
            sha256: records::sha256_hex(entry),
            leaf: tlog::leaf_hash(entry).to_hex(),
            kind: kind.map(str::to_string),
            period: body.and_then(Body::period).map(str::to_string),
            subject,
            use_case: match body {
                Some(Body::RegisteredUse(r)) => Some(r.use_case.clone()),
                _ => None,
            },
            corrects: match body {
                Some(Body::Correction(c)) => Some(c.corrects.clone()),
                _ => None,
            },
            demonstration,
        }
    }
}

/// The index file as written.
#[derive(Serialize, Deserialize)]
struct File {
    format: u32,
    /// The tree root over `entries`' leaves, hex.
    root: String,
    entries: Vec<Indexed>,
}

/// The log's records, indexed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordIndex {
    entries: Vec<Indexed>,
}

/// Where [`RecordIndex::open`] keeps the index.
#[derive(Debug, Clone, Copy)]
pub enum Cache<'a> {
    /// Nowhere: built from the log each time (read once, one bundle at a time).
    None,
    /// Read from this file when it matches, never written (a reader of the served log, which
    /// may be behind the writer's).
    Read(&'a Path),
    /// Read from this file and written back when it changed (the log's writer, under its lock).
    ReadWrite(&'a Path),
}

/// How [`RecordIndex::open`] came by the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// Entries taken from the file (0 when it was missing or not used).
    pub kept: u64,
    /// Entries read from the log.
    pub read: u64,
    /// The file was there but did not match the log, so it was rebuilt.
    pub rebuilt: bool,
}

impl RecordIndex {
    /// The index of the first `size` entries of the log in `storage`, whose root at that size
    /// is `root`: the `cache` file when it holds a prefix of this log (or this log and more),
    /// extended by the entries after it (each bundle read once); the log read whole otherwise.
    pub fn open(
        storage: &dyn ReadStorage,
        size: u64,
        root: &Hash,
        cache: Cache<'_>,
    ) -> Result<(RecordIndex, Opened), Error> {
        let (path, writable) = match cache {
            Cache::None => (None, false),
            Cache::Read(p) => (Some(p), false),
            Cache::ReadWrite(p) => (Some(p), true),
        };
        let mut rebuilt = false;
        let (entries, prefix_root) = match path.map(|p| read_file(p, size)).transpose()? {
            Some(Some(file)) => match prefix_of_log(file, storage, size, root) {
                Some((entries, prefix_root)) => (entries, Some(prefix_root)),
                None => {
                    rebuilt = true;
                    (Vec::new(), None)
                }
            },
            _ => (Vec::new(), None),
        };
        let kept = entries.len() as u64;
        let mut index = RecordIndex { entries };
        index.extend(storage, size)?;
        // The file's leaves were hashed to their root already; when they are the whole index,
        // that root is the index's (each hashing of 90,000 leaves takes tens of milliseconds).
        let index_root = match prefix_root.filter(|_| kept == size) {
            Some(r) => r,
            None => index.root()?,
        };
        if index_root != *root {
            return Err(Error::BadEntry {
                index: size.saturating_sub(1),
                message: "the log's entries do not hash to its checkpoint's root".into(),
            });
        }
        if let Some(path) = path.filter(|_| writable && (kept != size || rebuilt)) {
            index.save(path, &index_root)?;
        }
        Ok((index, Opened { kept, read: size - kept, rebuilt }))
    }

    /// The index of `entries` (a log held in memory).
    pub fn of_entries(entries: &[Vec<u8>]) -> RecordIndex {
        RecordIndex { entries: entries.iter().map(|e| Indexed::of(e)).collect() }
    }

    /// Adds the entries of the log in `storage` (of `size` entries, this index a prefix of it)
    /// after those indexed, each entry bundle read once.
    fn extend(&mut self, storage: &dyn ReadStorage, size: u64) -> Result<(), Error> {
        let from = self.len();
        TileReader::new(storage, size).for_each_entry(from, |_, entry| self.entries.push(Indexed::of(entry)))?;
        Ok(())
    }

    /// Adds what the index records of an entry just appended at the end of the log.
    pub fn push_indexed(&mut self, indexed: Indexed) {
        self.entries.push(indexed);
    }

    /// Writes the index to `path` (the log's writer, under its lock: see [`Cache::ReadWrite`]).
    pub fn save_to(&self, path: &Path) -> Result<(), Error> {
        self.save(path, &self.root()?)
    }

    /// Adds the entry just appended at the end of the log.
    pub fn push(&mut self, entry: &[u8]) {
        self.entries.push(Indexed::of(entry));
    }

    /// Entries indexed.
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `index`.
    pub fn get(&self, index: u64) -> Option<&Indexed> {
        self.entries.get(usize::try_from(index).ok()?)
    }

    /// Every entry, with its index.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Indexed)> {
        self.entries.iter().enumerate().map(|(i, e)| (i as u64, e))
    }

    /// A link to the entry at `index`.
    pub fn link(&self, index: u64) -> Option<Link> {
        self.get(index).map(|e| Link { index, sha256: e.sha256.clone() })
    }

    /// The entries a later correction names (by index and hash), each with the first such
    /// correction: the same rule as [`records::corrected`].
    pub fn corrected(&self) -> BTreeMap<u64, u64> {
        let mut out = BTreeMap::new();
        for (index, e) in self.iter() {
            let Some(c) = &e.corrects else { continue };
            if e.kind.as_deref() == Some("candor.correction")
                && c.index < index
                && self.get(c.index).is_some_and(|t| t.sha256 == c.sha256)
            {
                out.entry(c.index).or_insert(index);
            }
        }
        out
    }

    /// The records of the kinds `wanted` accepts, read whole from the log in `storage` (of at
    /// least this index's size): the few entries a step needs beyond what the index says.
    pub fn read_kinds(
        &self,
        storage: &dyn ReadStorage,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<(u64, Parsed)>, Error> {
        self.read_where(storage, &|_, e| e.kind.as_deref().is_some_and(wanted))
    }

    /// The records of the entries `wanted` accepts (by index and what the index says of them), read whole from the log in `storage` (of at
    /// least this index's size), each entry bundle that holds one read once. An entry that is
    /// not a candor record is left out.
    pub fn read_where(
        &self,
        storage: &dyn ReadStorage,
        wanted: &dyn Fn(u64, &Indexed) -> bool,
    ) -> Result<Vec<(u64, Parsed)>, Error> {
        let reader = TileReader::new(storage, self.len());
        let mut out = Vec::new();
        let chosen = self.iter().filter(|(i, e)| wanted(*i, e)).map(|(i, _)| i);
        reader.for_each_entry_at(chosen, |i, entry| {
            if let Some(parsed) = records::parse(entry) {
                out.push((i, parsed));
            }
        })?;
        Ok(out)
    }

    /// The index of the first entry with each SHA-256, skipping `except`.
    pub fn first_by_sha256(&self, except: &HashSet<u64>) -> HashMap<String, u64> {
        let mut out = HashMap::with_capacity(self.entries.len());
        for (i, e) in self.iter().filter(|(i, _)| !except.contains(i)) {
            out.entry(e.sha256.clone()).or_insert(i);
        }
        out
    }

    fn root(&self) -> Result<Hash, Error> {
        let mut leaves = Vec::with_capacity(self.entries.len());
        for (i, e) in self.iter() {
            let leaf = hex::decode(&e.leaf).ok().and_then(|b| Hash::from_slice(&b));
            leaves.push(leaf.ok_or_else(|| Error::BadEntry { index: i, message: "a malformed leaf hash".into() })?);
        }
        Ok(tlog::merkle::tree_root(&mut tlog::merkle::MemoryTree::new(leaves), self.len())?)
    }

    /// Writes the index, whose root is `root`, to `path`.
    fn save(&self, path: &Path, root: &Hash) -> Result<(), Error> {
        let file = File { format: FORMAT, root: root.to_hex(), entries: self.entries.clone() };
        let bytes = serde_json::to_vec(&file).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
        crate::site::write_atomic(path, &bytes)
    }
}

/// The index file at `path`; `None` when there is none or it cannot be read as one (it is
/// only a cache: it is then rebuilt).
fn read_file(path: &Path, size: u64) -> Result<Option<File>, Error> {
    // An index of `size` entries takes a few hundred bytes each; a file far larger is not one
    // (and is not read into memory).
    let bound = size.saturating_mul(MAX_BYTES_PER_ENTRY).saturating_add(1 << 20);
    let bytes = crate::state_file::read_at_most(path, bound).map_err(|e| Error::io(path, e))?;
    Ok(bytes.and_then(|b| serde_json::from_slice::<File>(&b).ok()).filter(|f| f.format == FORMAT))
}

/// The file's entries, up to `size`, when they are a prefix of the log of `size` entries in
/// `storage` whose root is `root`: their leaves make the root the file states, and the log's
/// tiles give that root at that size. An index longer than the log (a reader of a checkpoint
/// the writer has since passed) is used up to `size` when its first `size` leaves make `root`.
/// With the entries, the root of those kept.
fn prefix_of_log(file: File, storage: &dyn ReadStorage, size: u64, root: &Hash) -> Option<(Vec<Indexed>, Hash)> {
    let n = file.entries.len() as u64;
    let mut index = RecordIndex { entries: file.entries };
    let whole = index.root().ok()?;
    if whole.to_hex() != file.root {
        return None;
    }
    if n > size {
        index.entries.truncate(size as usize);
        return (index.root().ok()? == *root).then_some((index.entries, *root));
    }
    let logged = tlog::merkle::tree_root(&mut TileReader::new(storage, size), n).ok()?;
    (logged == whole).then_some((index.entries, whole))
}
