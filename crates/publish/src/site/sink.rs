//! Where the site's files go: written into a folder (each page beside its place as it is made,
//! all renamed into place once the site is made; a download renamed as it is made), or compared
//! with the files a published site holds. What is done to one file (written, or read and
//! compared or hashed) needs only a [`Putter`], which any thread may hold, so pages rendered
//! on every core are also written or compared there; what it found is recorded by the
//! [`Sink`] on one thread, in the site's order (the file list is that order).

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use sha2::{Digest, Sha256};
use tlog::ReadStorage;

use super::atomic::{Staged, stage, write_atomic_streamed};
use super::verified::SiteMemory;
use crate::Error;

/// The site's files as they are made, and what making them found.
pub(crate) struct Sink<'a> {
    target: Target<'a>,
    /// Every file, in the order made.
    pub(crate) written: Vec<String>,
    /// Record pages counted as written but left as they were.
    pub(crate) kept: usize,
    /// Parts of the downloads counted as written but left as they were.
    pub(crate) kept_parts: usize,
    /// Files compared known by their stamps, not read (see [`Putter::keep`]).
    pub(crate) not_read: usize,
    /// Differences found comparing (each naming the file).
    faults: Vec<String>,
    /// Each file compared and found as the log makes it, with its SHA-256.
    digests: BTreeMap<String, String>,
    /// The stamps of those of them whose stamps had settled (see [`SETTLED_NS`]).
    stamps: BTreeMap<String, String>,
    /// Files written beside their places, in the site's order, not yet renamed into them.
    staged: Vec<Staged>,
}

/// How long before a comparison a file's stamp must have last changed to be remembered: a file
/// changed again later gets a later change time even where the file system counts time in
/// steps of up to two seconds, or lags the clock by one of its ticks.
const SETTLED_NS: i64 = 2_000_000_000;

/// What a file left as it was is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Left {
    /// A record's page.
    Page,
    /// A part of the downloads.
    Part,
}

/// Where files go.
#[derive(Clone, Copy)]
enum Target<'a> {
    Folder(&'a Path),
    Compare {
        src: &'a (dyn ReadStorage + Sync),
        /// The site as a check verified it before, if any.
        remembered: Option<&'a SiteMemory>,
        /// Stamps changed before this (nanoseconds since the epoch) are remembered.
        settled_before_ns: i64,
    },
}

/// What one file's writing or comparing found, to record in order.
pub(crate) enum Done {
    /// Written, or left in place as it already was.
    Written,
    /// Written beside its place, renamed into it when the whole site is made
    /// ([`Sink::commit_but`]).
    Staged(Staged),
    /// Compared and found as the log makes it: its SHA-256, and its stamp when it had
    /// settled (see [`SETTLED_NS`]).
    Same { sha256: String, stamp: Option<String> },
    /// Known by its stamp as the file a check verified before, unchanged since: not read.
    Known { sha256: String, stamp: String },
    /// Compared and found wrong: why, naming the file.
    Fault(String),
}

/// What a sink comparing found (see [`Sink::found`]).
pub(crate) struct Found {
    pub faults: Vec<String>,
    pub digests: BTreeMap<String, String>,
    pub stamps: BTreeMap<String, String>,
    pub written: Vec<String>,
}

/// One file as a worker made it (see [`Putter`]): its path, what writing or comparing it
/// found, and what it is when it was left as it was.
pub(crate) type Made = (String, Result<Done, Error>, Option<Left>);

/// Does to one file what its sink does, on any thread.
#[derive(Clone, Copy)]
pub(crate) struct Putter<'a>(Target<'a>);

impl Putter<'_> {
    /// [`Putter::keep`] of the file at `rel`, a `what`, as a worker hands it over.
    pub(crate) fn kept(&self, rel: String, what: Left) -> Made {
        let done = self.keep(&rel);
        (rel, Ok(done), Some(what))
    }

    /// [`Putter::put`] of `bytes` at `rel`, as a worker hands it over.
    pub(crate) fn made(&self, rel: String, bytes: &[u8]) -> Made {
        let done = self.put(&rel, bytes);
        (rel, done, None)
    }

    /// Writes (or compares) `bytes` at `rel`, relative to the site's root.
    pub(crate) fn put(&self, rel: &str, bytes: &[u8]) -> Result<Done, Error> {
        Ok(match self.0 {
            Target::Folder(public) => stage(&public.join(rel), bytes)?.map_or(Done::Written, Done::Staged),
            // Compared as a streamed file is: one way to find a file as the log makes it.
            Target::Compare { .. } => return self.put_streamed(rel, &|out| out.write_all(bytes)),
        })
    }

    /// Writes (or compares) at `rel` what `write` makes, without holding it whole when it goes
    /// into a folder: for the downloads that grow with every period (the FollowTheMoney file
    /// of every organisation's usage took 60 MB at eight quarters of 10,000 organisations).
    pub(crate) fn put_streamed(
        &self,
        rel: &str,
        write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<Done, Error> {
        Ok(match self.0 {
            // Renamed as made, not staged: a download is tens of megabytes, and all of them
            // staged at once would take the site's space twice over.
            Target::Folder(public) => {
                write_atomic_streamed(&public.join(rel), write)?;
                Done::Written
            }
            // Compared as it is made with the file the site holds, read as far as it is made.
            Target::Compare { src, settled_before_ns, .. } => match src.open_stamped(rel) {
                Ok(None) => Done::Fault(format!("{rel}: missing, although the log's records make it")),
                Ok(Some((held, stamp))) => {
                    // Read a buffer at a time, not once per small write of what is made.
                    let held = Box::new(std::io::BufReader::with_capacity(1 << 16, held));
                    let mut made = SameAs { held, buffer: Vec::new(), hasher: Sha256::new(), same: true, error: None };
                    write(&mut made).map_err(|e| Error::io(Path::new(rel), e))?;
                    match made.finish() {
                        Ok(Some(sha256)) => Done::Same { sha256, stamp: settled(stamp, settled_before_ns) },
                        Ok(None) => Done::Fault(format!("{rel}: differs from what the log's records make")),
                        Err(e) => Done::Fault(format!("{rel}: {e}")),
                    }
                }
                // Refused by the folder (too large, not a regular file): a fault, named.
                Err(e) => Done::Fault(format!("{rel}: {e}")),
            },
        })
    }

    /// Leaves the file at `rel` as an earlier writing left it. Compared, it must hold the
    /// bytes a check verified before: found by its stamp as the very file verified then,
    /// unchanged since, it is not read again.
    pub(crate) fn keep(&self, rel: &str) -> Done {
        match self.0 {
            Target::Folder(_) => Done::Written,
            Target::Compare { src, remembered, settled_before_ns } => {
                if let Some(m) = remembered
                    && let (Some(sha256), Some(kept)) = (m.files.get(rel), m.stamps.get(rel))
                    && src.stamp(rel).is_some_and(|now| now.to_text() == *kept)
                {
                    return Done::Known { sha256: sha256.clone(), stamp: kept.clone() };
                }
                kept_as_verified(src, rel, remembered, settled_before_ns)
            }
        }
    }
}

/// The stamp's text form when it changed before `settled_before_ns`.
fn settled(stamp: Option<tlog::FileStamp>, settled_before_ns: i64) -> Option<String> {
    stamp.filter(|s| s.changed_ns < settled_before_ns).map(|s| s.to_text())
}

/// Reads the file at `rel`, which must hold the bytes a check verified before.
fn kept_as_verified(
    src: &(dyn ReadStorage + Sync),
    rel: &str,
    remembered: Option<&SiteMemory>,
    settled_before_ns: i64,
) -> Done {
    // Hashed as it is read, a buffer at a time: a download part is tens of megabytes.
    let read = src.open_stamped(rel).and_then(|opened| {
        opened
            .map(|(mut reader, stamp)| {
                let mut hasher = Sha256::new();
                std::io::copy(&mut reader, &mut hasher).map_err(|e| tlog::Error::io(Path::new(rel), e))?;
                Ok((hex::encode(hasher.finalize()), stamp))
            })
            .transpose()
    });
    match read {
        Ok(Some((sha256, stamp))) if remembered.is_some_and(|m| m.unchanged(rel, &sha256)) => {
            Done::Same { sha256, stamp: settled(stamp, settled_before_ns) }
        }
        Ok(Some(_)) => Done::Fault(format!(
            "{rel}: differs from the page verified before, although nothing it shows changed since"
        )),
        Ok(None) => Done::Fault(format!("{rel}: missing, although the log's records make it")),
        Err(e) => Done::Fault(format!("{rel}: {e}")),
    }
}

impl<'a> Sink<'a> {
    /// A sink that writes into the folder `public`.
    pub(crate) fn folder(public: &'a Path) -> Sink<'a> {
        Sink::new(Target::Folder(public))
    }

    /// A sink that compares with the files `src` holds; `remembered` is the site as a check
    /// verified it before, if any.
    pub(crate) fn compare(src: &'a (dyn ReadStorage + Sync), remembered: Option<&'a SiteMemory>) -> Sink<'a> {
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Sink::new(Target::Compare { src, remembered, settled_before_ns: now_ns.saturating_sub(SETTLED_NS) })
    }

    fn new(target: Target<'a>) -> Sink<'a> {
        Sink {
            target,
            written: Vec::new(),
            kept: 0,
            kept_parts: 0,
            not_read: 0,
            faults: Vec::new(),
            digests: BTreeMap::new(),
            stamps: BTreeMap::new(),
            staged: Vec::new(),
        }
    }

    /// What comparing found: the differences, each file found as the log makes it with its
    /// SHA-256, and the settled stamps of those (all empty for a folder); and every file.
    pub(crate) fn found(self) -> Found {
        Found { faults: self.faults, digests: self.digests, stamps: self.stamps, written: self.written }
    }

    /// Renames every page written into its place, in the site's order, but `last` (the file
    /// list), which is returned to be renamed when the caller is done (a stopped writing leaves
    /// the earlier list, whose files the next writing accounts for). Every page is written
    /// before the first is renamed: readers see the earlier pages until the renames, a writing
    /// that fails before them leaves them whole (each temporary is removed when dropped), and
    /// the file system allocates the new files' inodes before any old one is let go (ext4
    /// skips inodes freed within the last minute when it allocates one, and looks each up).
    pub(crate) fn commit_but(&mut self, last: &Path) -> Result<Option<Staged>, Error> {
        let mut held = None;
        for file in std::mem::take(&mut self.staged) {
            if file.path() == last {
                held = Some(file);
            } else {
                file.commit()?;
            }
        }
        Ok(held)
    }

    /// What does to one file what this sink does, for any thread.
    pub(crate) fn putter(&self) -> Putter<'a> {
        Putter(self.target)
    }

    /// Records what was done to the file at `rel` (left as it was when `left` says what it
    /// is), in the site's order.
    pub(crate) fn record(&mut self, rel: String, done: Done, left: Option<Left>) {
        match done {
            Done::Written => {}
            Done::Staged(staged) => self.staged.push(staged),
            Done::Same { sha256, stamp } => {
                self.digests.insert(rel.clone(), sha256);
                if let Some(stamp) = stamp {
                    self.stamps.insert(rel.clone(), stamp);
                }
            }
            Done::Known { sha256, stamp } => {
                self.not_read += 1;
                self.digests.insert(rel.clone(), sha256);
                self.stamps.insert(rel.clone(), stamp);
            }
            Done::Fault(fault) => self.faults.push(fault),
        }
        match left {
            Some(Left::Page) => self.kept += 1,
            Some(Left::Part) => self.kept_parts += 1,
            None => {}
        }
        self.written.push(rel);
    }

    /// Records a file a worker made, or returns the error its writing met.
    pub(crate) fn record_made(&mut self, (rel, done, left): Made) -> Result<(), Error> {
        self.record(rel, done?, left);
        Ok(())
    }

    /// Writes (or compares) `bytes` at `rel`, relative to the site's root.
    pub(crate) fn put(&mut self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let done = self.putter().put(rel, bytes)?;
        self.record(rel.to_string(), done, None);
        Ok(())
    }

    /// Writes (or compares) at `rel` what `write` makes (see [`Putter::put_streamed`]).
    pub(crate) fn put_streamed(
        &mut self,
        rel: &str,
        write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let done = self.putter().put_streamed(rel, write)?;
        self.record(rel.to_string(), done, None);
        Ok(())
    }
}

/// A writer that compares what it is given with the file `held`, reading as much of it as it
/// is given each time (neither is held whole: a download is tens of megabytes), and hashes it.
struct SameAs<'a> {
    held: Box<dyn std::io::Read + 'a>,
    /// What was read of `held` to compare with the last buffer given.
    buffer: Vec<u8>,
    hasher: Sha256,
    /// Whether every byte given so far is `held`'s.
    same: bool,
    /// What stopped reading `held` (a fault of the file, not of what is made).
    error: Option<std::io::Error>,
}

impl SameAs<'_> {
    /// The held file's SHA-256 when it held exactly what was given, `None` when it differs.
    fn finish(mut self) -> std::io::Result<Option<String>> {
        // Nothing may follow what was given.
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut more = [0u8; 1];
        if !self.same || self.held.read(&mut more)? != 0 {
            return Ok(None);
        }
        Ok(Some(hex::encode(self.hasher.finalize())))
    }
}

impl std::io::Write for SameAs<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.same {
            self.buffer.resize(buf.len(), 0);
            match self.held.read_exact(&mut self.buffer) {
                Ok(()) => {
                    self.same = self.buffer == buf;
                    self.hasher.update(&self.buffer);
                }
                // Shorter than what is made: it differs.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => self.same = false,
                Err(e) => {
                    self.same = false;
                    self.error = Some(e);
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
