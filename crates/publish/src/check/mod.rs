//! Checking a published report from the outside, as an auditor would: the log (signature,
//! every entry rehashed, every tile, consistency with checkpoints trusted earlier), the record
//! index, and every record on every page the site links to — each must be the log's entry at
//! its index, with an inclusion proof that leads to a signed checkpoint consistent with the
//! latest. Works over any [`ReadStorage`]: a folder, or a site fetched over HTTP.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use tlog::{Checkpoint, ReadStorage, TileId, TileKind, Verifier};

use crate::Error;
mod listed;
pub mod memory;
mod page;

pub use memory::Memory;
use page::{Consistent, Log, check_page, links, model_at, page_checkpoint};

/// What the check covered, and every fault found (empty when the report checks out).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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
    /// Whether the check went from what an earlier check remembered (only new entries
    /// rehashed, files with the bytes verified then not checked again).
    pub remembered: bool,
    /// Pages and downloads found with the bytes verified before, not checked again.
    pub unchanged_files: usize,
    /// Record pages and download parts found as verified before and not rendered again:
    /// nothing they show changed since.
    pub pages_left: usize,
    /// Of those, the files of a report folder known by their stamps (device, inode, length,
    /// modification and change times) as the files verified before, unchanged since: not read.
    #[serde(default)]
    pub files_not_read: usize,
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
    src: &(dyn ReadStorage + Sync),
    verifier: &Verifier,
    trusted: &[Vec<u8>],
    folder_files: &[String],
    progress: &mut dyn FnMut(&str),
) -> Result<CheckReport, Error> {
    Ok(check_report_since(src, verifier, trusted, folder_files, None, progress)?.0)
}

/// [`check_report`], from what an earlier check remembered (`since`): the log is checked from
/// the tree verified then (only new entries and tiles are read, and the new tree must extend
/// it), and files found with the bytes verified then are not checked again where what they
/// show cannot have changed (see [`memory`]). Returns the report and what this check
/// remembers for the next (to keep only when the report has no fault).
pub fn check_report_since(
    src: &(dyn ReadStorage + Sync),
    verifier: &Verifier,
    trusted: &[Vec<u8>],
    folder_files: &[String],
    since: Option<&Memory>,
    progress: &mut dyn FnMut(&str),
) -> Result<(CheckReport, Memory), Error> {
    check_report_remembering(src, verifier, trusted, folder_files, since, None, progress)
}

/// [`check_report_since`], keeping what the site's model reads of each usage record in the file
/// `usage_index` (beside the memory: [`memory::usage_index_beside`]), bound to its entry's leaf
/// (see `site::usage_index`): a check from memory reads from it the usage records it holds
/// rather than parse their entries again; a check without memory only writes it.
pub fn check_report_remembering(
    src: &(dyn ReadStorage + Sync),
    verifier: &Verifier,
    trusted: &[Vec<u8>],
    folder_files: &[String],
    since: Option<&Memory>,
    usage_index: Option<&Path>,
    progress: &mut dyn FnMut(&str),
) -> Result<(CheckReport, Memory), Error> {
    let base = since.and_then(|m| m.verified(verifier));
    let remembered_site = since.filter(|_| base.is_some()).and_then(Memory::site);
    progress(if base.is_some() {
        "checking the log from the tree verified before: new entries, new tiles, consistency"
    } else {
        "checking the log: signature, entries, tiles, consistency"
    });
    let checkpoint_bytes =
        src.read(tlog::CHECKPOINT_PATH)?.ok_or_else(|| tlog::Error::Missing { path: tlog::CHECKPOINT_PATH.into() })?;
    let (verified, rehashed, trusted_ok) = match &base {
        Some(b) => {
            let ext = tlog::verify_extension(src, verifier, Some(b), &checkpoint_bytes, &mut |_, _| {})?;
            let trusted_ok = tlog::verify_trusted(src, verifier, ext.verified.checkpoint(), trusted)?;
            (ext.verified, ext.entries, trusted_ok)
        }
        None => {
            // A memory of another log, or one whose frontier does not give its checkpoint, is
            // held as a trusted checkpoint: the check says why it does not fit.
            let mut trusted = trusted.to_vec();
            trusted.extend(since.map(|m| m.checkpoint.as_bytes().to_vec()));
            let log = tlog::verify_log(src, verifier, &trusted, &mut |_, _| {})?;
            (log.verified, log.entries, log.trusted)
        }
    };
    let latest = verified.checkpoint().clone();
    let size = latest.size;
    // The remembered tree's size, like a trusted one's, must keep its partial tiles.
    let trusted_sizes: BTreeSet<u64> =
        trusted_ok.iter().map(|c| c.size).chain(base.as_ref().map(|b| b.checkpoint().size)).collect();
    let entries = crate::entries::read_all(src, size)?;
    // Read again here, each entry must be the leaf of the tree the signed checkpoint's root
    // makes: the log's check read the bundles before (from memory, only those past the tree
    // verified then), and a host may serve other bytes the second time.
    bind_to_tree(src, &latest, &entries)?;
    let mut report = CheckReport {
        size,
        root: latest.root.to_base64(),
        entries: rehashed,
        trusted: trusted_ok.len(),
        remembered: base.is_some(),
        ..CheckReport::default()
    };
    // Every file read and found as the log makes it, by its hash, for the next check.
    let mut digests: BTreeMap<String, String> = BTreeMap::new();

    // The site is checked against the log at the checkpoint its overview says it was built
    // for: every section on every page must show what the log says there, and every file must
    // be what the log's records make there.
    let usage_index = usage_index.map(|path| crate::site::usage_index::IndexAt { path, read: base.is_some() });
    let log = Log { src, verifier, entries: &entries, latest: &latest, usage_index };
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
                    return Ok((report, Memory::new(&checkpoint_bytes, &verified, None)));
                }
            }
        }
    };

    // Everything the site derives from the records (listings, downloads, charts, feed) must be
    // exactly what the log's records make, at the checkpoint the site was built for.
    progress("comparing every file of the site with what the log's records make");
    let mut site_files: BTreeSet<String> = BTreeSet::new();
    let mut site_memory: Option<memory::SiteMemory> = None;
    if let Ok((text, cp, model)) = &site {
        let compared = crate::site::compare_site(src, verifier, text, cp, model, remembered_site)?;
        report.files_compared = compared.files.len();
        report.pages_left = compared.unchanged;
        report.files_not_read = compared.not_read;
        report.faults.extend(compared.faults);
        site_files.extend(compared.files);
        site_memory = Some(compared.memory);
    }

    progress("checking every record of the downloads (data/records.json and its parts)");
    listed::check_listed_records(src, &entries, remembered_site, site_memory.as_ref(), &mut digests, &mut report);

    progress("checking every record on every page");
    let mut queue: VecDeque<String> = VecDeque::from(vec!["index.html".to_string()]);
    queue.extend(folder_files.iter().filter(|f| f.ends_with(".html") && !f.starts_with("tile/")).cloned());
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    // Whether each checkpoint pages carry is consistent with the latest, found once.
    let consistent = std::sync::Mutex::new(Consistent::default());
    // A check from memory takes a page the comparison just found as the log makes it (new
    // records' pages, organisation pages, listings) as checked: rendered from the entries and
    // tiles verified above, its sections are the model's. Unless a new entry holds a NUL: no
    // page can show one, and the page's own check names it (see `check_page`).
    // From the smaller of the tree and the site verified then: a site may lag its log, and an
    // entry past what it showed may show on a page now.
    let shown_before = base.as_ref().map_or(0, |b| b.checkpoint().size).min(remembered_site.map_or(0, |m| m.size));
    let take_rendered = remembered_site.is_some()
        && !entries.get(shown_before as usize..).unwrap_or_default().iter().any(|e| holds_nul(e));
    let pages = Pages {
        log: &log,
        model,
        remembered: remembered_site,
        now: site_memory.as_ref(),
        take_rendered,
        consistent: &consistent,
    };
    // The queue's pages a batch at a time, each checked on any core, what each found taken in
    // the queue's order: the links a batch adds go after it, as when each page was taken in
    // turn, so pages are checked and faults listed in the same order.
    while !queue.is_empty() {
        if report.pages >= MAX_PAGES {
            report.faults.push(format!("more than {MAX_PAGES} pages; the rest were not checked"));
            break;
        }
        let room = (MAX_PAGES - report.pages).min(PAGES_AT_ONCE);
        let batch: Vec<String> = queue.drain(..queue.len().min(room)).collect();
        let Ok(()) = crate::site::map_in_order(&batch, &|page| pages.check(page), &mut |(page, checked)| {
            match checked {
                Checked::Missing => report.faults.push(format!("{page}: linked but missing")),
                Checked::Unreadable(e) => report.faults.push(format!("{page}: {e}")),
                Checked::Read { sha256, links, unchanged, found } => {
                    report.pages += 1;
                    for link in links {
                        if seen.insert(link.clone()) {
                            queue.push_back(link);
                        }
                    }
                    if unchanged {
                        report.unchanged_files += 1;
                    }
                    if let Some(found) = found {
                        report.records_on_pages += found.records_on_pages;
                        report.faults.extend(found.faults);
                    }
                    digests.insert(page.clone(), sha256);
                }
            }
            Ok::<(), std::convert::Infallible>(())
        });
    }
    if let Some(memory) = &mut site_memory {
        // Only files of the site are remembered: pages found beside it are checked each time.
        digests.retain(|rel, _| site_files.contains(rel));
        for (rel, sha256) in digests {
            // Read again with other bytes than the comparison found as the log makes them: a
            // file that changed while it was checked vouches for neither.
            match memory.files.get(&rel) {
                Some(compared) if *compared != sha256 => {
                    report.faults.push(format!("{rel}: changed while it was checked (read twice, two contents)"));
                }
                Some(_) => {}
                None => {
                    memory.files.insert(rel, sha256);
                }
            }
        }
    }

    progress("accounting for every file and the partial tiles of earlier checkpoints");
    let earlier = check_folder_files(src, size, folder_files, &site_files, &mut report);
    for old in trusted_sizes.into_iter().chain(earlier).collect::<BTreeSet<u64>>() {
        report.earlier_sizes += 1;
        if let Err(e) = tlog::verify_tiles_at(src, old, size) {
            report.faults.push(format!("the log's tiles for size {old}: {e}"));
        }
    }
    // A check that found a fault vouches for no file of the site: a memory kept after it (the
    // command writes none, but a caller could) must not let a later check skip what failed.
    let site_memory = site_memory.filter(|_| report.faults.is_empty());
    Ok((report, Memory::new(&checkpoint_bytes, &verified, site_memory)))
}

/// Checks that `entries` are the leaves of the tree whose root `latest` signed: their leaf
/// hashes (made on every core) must make that root; only when they do not are the log's hash
/// tiles read, to name the first entry that differs.
fn bind_to_tree(
    src: &(dyn ReadStorage + Sync),
    latest: &Checkpoint,
    entries: &[crate::entries::Entry],
) -> Result<(), Error> {
    let mut leaves: Vec<tlog::Hash> = Vec::with_capacity(entries.len());
    let Ok(()) = crate::site::map_in_order(entries, &|e| tlog::leaf_hash(e), &mut |leaf| {
        leaves.push(leaf);
        Ok::<(), std::convert::Infallible>(())
    });
    let made = tlog::HashLevels::from_leaves(leaves);
    if made.root()? == latest.root {
        return Ok(());
    }
    let tree = tlog::HashLevels::read(&mut tlog::TileReader::new(src, latest.size), latest.size)?;
    let index = (0..latest.size).find(|&i| made.leaf(i) != tree.leaf(i)).unwrap_or(0);
    Err(Error::BadEntry {
        index,
        message: "read again, not the entry the log's tree holds (a bundle served with other bytes)".into(),
    })
}

/// Whether an entry holds a NUL character (JSON can hold one only as the escape `\u0000`).
fn holds_nul(entry: &[u8]) -> bool {
    entry.windows(6).any(|w| w == b"\\u0000")
}

/// Pages checked at once (their links and faults held until taken).
const PAGES_AT_ONCE: usize = 128;

/// Most links followed from one page (the site's largest, the overview, has about 2,000 at
/// ten thousand organisations): what a batch holds stays bounded.
const MAX_LINKS: usize = 20_000;

/// What checking the pages needs, shared by the cores that check them.
struct Pages<'a> {
    log: &'a Log<'a>,
    model: &'a crate::site::Model,
    /// The site as the check remembered verified it.
    remembered: Option<&'a memory::SiteMemory>,
    /// The site as the comparison found it now.
    now: Option<&'a memory::SiteMemory>,
    /// Whether a page found as the comparison rendered it is taken as checked (from memory).
    take_rendered: bool,
    consistent: &'a std::sync::Mutex<Consistent>,
}

/// What checking one page found.
enum Checked {
    /// Linked, not there.
    Missing,
    /// Could not be read (refused by the folder: too large, not a regular file).
    Unreadable(String),
    /// Read (or known unchanged without reading).
    Read {
        sha256: String,
        /// The pages it links to.
        links: Vec<String>,
        /// Found with the bytes a check verified before.
        unchanged: bool,
        /// What checking its sections found (unless it was found unchanged), and a page
        /// linking to too many.
        found: Option<CheckReport>,
    },
}

impl Pages<'_> {
    fn check(&self, page: &String) -> (String, Checked) {
        // A file of the site the comparison just found with the bytes a check verified before
        // is not read again: verified then, and what the log makes now (its links are the
        // site's own, which the comparison covers).
        // In a check from memory, one the comparison just found byte for byte as it renders
        // is not read again either (see `take_rendered`).
        if let (Some(was), Some(now)) = (self.remembered, self.now)
            && let Some(b) = now.files.get(page)
        {
            let unchanged = was.files.get(page) == Some(b);
            if unchanged || self.take_rendered {
                let read = Checked::Read { sha256: b.clone(), links: Vec::new(), unchanged, found: None };
                return (page.clone(), read);
            }
        }
        let bytes = match self.log.src.read(page) {
            Ok(Some(b)) => b,
            Ok(None) => return (page.clone(), Checked::Missing),
            Err(e) => return (page.clone(), Checked::Unreadable(e.to_string())),
        };
        let html = String::from_utf8_lossy(&bytes);
        // Each link once, the first kept: a page's links are held until its batch is taken,
        // and a hostile page may repeat one millions of times.
        let mut once = std::collections::HashSet::new();
        let mut links = links(page, &html);
        links.retain(|l| once.insert(l.clone()));
        // A page of the site links to a few thousand pages at most (listings are paged);
        // one linking to more is a fault, the rest of its links not followed.
        let too_many = links.len() > MAX_LINKS;
        links.truncate(MAX_LINKS);
        links.shrink_to_fit();
        // A page with the bytes verified before shows entries (immutable) with proofs to a
        // checkpoint the new tree extends: its sections hold. Whether it is still what the
        // log makes is the comparison's to say.
        let sha256 = records::sha256_hex(&bytes);
        let unchanged = self.remembered.is_some_and(|m| m.unchanged(page, &sha256));
        let mut found = (!unchanged).then(|| {
            // A page the comparison found exactly as the log makes it shows each section as
            // rendered; its entries, proofs and checkpoint are still checked here.
            let rendered = self.now.is_some_and(|m| m.unchanged(page, &sha256));
            let mut found = CheckReport::default();
            check_page(self.log, self.model, page, &html, rendered, self.consistent, &mut found);
            found
        });
        if too_many {
            let fault = format!("{page}: links to more than {MAX_LINKS} pages; the rest were not followed");
            found.get_or_insert_with(CheckReport::default).faults.push(fault);
        }
        (page.clone(), Checked::Read { sha256, links, unchanged, found })
    }
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
