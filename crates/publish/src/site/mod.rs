//! The static site: written next to the log's tiles, so the folder holding `checkpoint` and
//! `tile/` is the whole report and can be hosted anywhere. The site is a function of the log
//! alone (plus when each record was first seen, for the feed): every page is rebuilt from
//! the signed entries, and every record shown carries its index, entry bytes and inclusion
//! proof, which `assets/verify.js` checks in the reader's browser.

mod accountability;
mod atomic;
mod built;
mod data;
mod formats;
mod gate;
pub mod history;
pub mod html;
mod listing;
mod model;
mod pages;
mod parallel;
pub mod parts;
mod proposals;
mod reconciliation;
mod rows;
mod section;
pub mod signed;
mod sink;
pub mod stamp;
mod stored;
mod svg;
mod timeline;
pub mod usage_index;
pub(crate) mod verified;

use std::collections::BTreeMap;
use std::path::Path;

use tlog::{Checkpoint, Dir, ReadStorage, TileReader, Verifier};

use crate::Error;
pub(crate) use atomic::write_atomic;
pub use model::{Entries, Model, RecordView};
pub(crate) use parallel::map_in_order;
pub use signed::Signed;
pub(crate) use sink::{Left, Sink};
use verified::SiteMemory;

/// Seconds since the epoch (a cosignature dated later is refused).
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A record's section exactly as a page at depth `root` (`""` or `"../"`) shows it, so an
/// outside check can compare what a page shows with what the log says.
/// With `proof`, the record's inclusion proof in the page's checkpoint.
pub(crate) fn render_section(m: &Model, r: &RecordView, root: &str, proof: &[tlog::Hash]) -> String {
    let names = pages::capability_names();
    let cap_name = |id: &str| pages::short(names.get(id).map(String::as_str).unwrap_or(id));
    section::section_with_proof(m, r, root, &cap_name, proof)
}

/// What record `r` says of `organisation` alone, as its page shows it (a gate-decisions
/// record's lines of that organisation), or `None` when the record has no such part.
pub(crate) fn render_organisation_part(
    m: &Model,
    r: &RecordView,
    root: &str,
    organisation: &str,
    proof: &[tlog::Hash],
) -> Option<String> {
    let names = pages::capability_names();
    let cap_name = |id: &str| pages::short(names.get(id).map(String::as_str).unwrap_or(id));
    match r.kept_body()? {
        records::Body::GateDecisions(g) => {
            let lines = gate::org_lines(g, &m.value(r), organisation, root, &cap_name)?;
            Some(section::organisation_part(m, r, root, organisation, &lines, proof))
        }
        _ => None,
    }
}

/// The browser verifier, served as `assets/verify.js`.
pub const VERIFY_JS: &str = include_str!("assets/verify.js");
/// The style sheet, served as `assets/style.css`.
pub const STYLE_CSS: &str = include_str!("assets/style.css");

/// What writing the site did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SiteReport {
    /// Files written (relative paths).
    pub files: usize,
    /// Pages with verifiable records.
    pub record_pages: usize,
    /// Organisations with a page.
    pub organisations: usize,
    /// Log size the pages' proofs are for.
    pub size: u64,
    /// Nothing was written: the site was already what the log makes (see `update_site`).
    #[serde(default)]
    pub unchanged: bool,
    /// Record pages left as an earlier writing left them: nothing they show changed since, so
    /// they keep the older checkpoint they carry (see [`history`]).
    #[serde(default)]
    pub kept_pages: usize,
    /// Parts of the downloads (records by log index, usage by period) left as an earlier
    /// writing left them: no record in them was added or corrected since (see
    /// [`data`]'s `parts_left`).
    #[serde(default)]
    pub kept_parts: usize,
}

/// Builds the site in `public` (the log's public folder) from the log there, every page.
/// `now` (RFC 3339) dates records first seen by this run in the feed.
pub fn write_site(public: &Path, verifier: &Verifier, now: &str) -> Result<SiteReport, Error> {
    let inputs = Inputs::read(public)?;
    Ok(write_whole(public, verifier, now, inputs, None, None)?.report)
}

/// Builds the site as `write_site` does, unless the site in `public` is still the one the log
/// makes: the stamp at `stamp` (in the log's state folder, see [`stamp`]) says it was written
/// from this signed checkpoint and trust policy by this version, and every file it wrote is as
/// it was left. Then nothing is rendered and the report says `unchanged`.
/// With `rebuild`, every page is written again whatever the stamp says (the stamp is renewed).
pub fn update_site(
    public: &Path,
    stamp: &Path,
    verifier: &Verifier,
    now: &str,
    rebuild: bool,
) -> Result<SiteReport, Error> {
    // One writing at a time: two would rename each other's temporary files (the log's writer
    // lock is let go before the site is written).
    let lock_path = stamp.with_file_name(LOCK_FILE);
    if let Some(state) = lock_path.parent() {
        std::fs::create_dir_all(state).map_err(|e| Error::io(state, e))?;
    }
    let lock = std::fs::File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    let inputs = Inputs::read(public)?;
    let earlier = if rebuild { None } else { stamp::Stamp::read(stamp) };
    if let Some(report) =
        earlier.as_ref().and_then(|s| s.still_holds(public, &inputs.checkpoint, inputs.policy.as_deref()))
    {
        return Ok(SiteReport { unchanged: true, ..report });
    }
    // No stamp while the files change: a run stopped halfway leaves none, so the next writes all.
    match std::fs::remove_file(stamp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(stamp, e)),
        _ => {}
    }
    // The usage index beside the stamp: read unless every page is written again from the log
    // alone, written in any case.
    let index = stamp.with_file_name(usage_index::FILE_NAME);
    let index = usage_index::IndexAt { path: &index, read: !rebuild };
    let whole = write_whole(public, verifier, now, inputs, earlier, Some(index))?;
    if !whole.time_sensitive
        && let Some(s) = stamp::Stamp::of(public, &whole, &whole.written)
    {
        s.write(stamp)?;
    }
    Ok(whole.report)
}

/// The trust policy's text, when the log has one.
fn read_policy(public: &Path) -> Option<String> {
    std::fs::read(public.join(tlog::POLICY_FILE)).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// What a site is written from besides the log's entries and tiles: the signed checkpoint
/// (cosignatures included) and the trust policy's text, read once per writing.
struct Inputs {
    checkpoint: Vec<u8>,
    policy: Option<String>,
}

impl Inputs {
    fn read(public: &Path) -> Result<Inputs, Error> {
        let path = public.join(tlog::CHECKPOINT_PATH);
        let checkpoint = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Inputs { checkpoint, policy: read_policy(public) })
    }
}

/// A site written, and what it was made from.
pub(crate) struct Whole {
    report: SiteReport,
    /// Every file written, relative to the site's root.
    written: Vec<String>,
    /// The signed checkpoint it was written for.
    checkpoint: Vec<u8>,
    policy: Option<String>,
    /// Whether its pages depend on the clock (a checkpoint judged not witnessed).
    time_sensitive: bool,
    /// Whether it shows demonstration data (every page says so).
    demonstration: bool,
    /// The checkpoints its pages carry, by size: what each page shows of it (its text and
    /// witnessing), hashed.
    kept: BTreeMap<u64, String>,
}

/// Writes the site; with `earlier`, the stamp of the site in `public` as an earlier run left
/// it for a smaller log, record pages that carry a checkpoint that site kept are left as they
/// are when nothing they show can have changed (see [`history`]), which the stamp proves.
fn write_whole(
    public: &Path,
    verifier: &Verifier,
    now: &str,
    inputs: Inputs,
    earlier: Option<stamp::Stamp>,
    index: Option<usage_index::IndexAt<'_>>,
) -> Result<Whole, Error> {
    let dir = Dir::new(public);
    let Inputs { checkpoint, policy } = inputs;
    let cp = Checkpoint::open(&checkpoint, verifier)?;
    let mut reader = TileReader::new(&dir, cp.size);
    let first_seen_path = public.join("data").join("first-seen.json");
    let mut first_seen: BTreeMap<u64, String> =
        std::fs::read(&first_seen_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let entries = Entries::bundles(Box::new(dir.clone()), cp.size);
    let model = Model::build(entries, &mut reader, &mut first_seen, now, index)?;
    let at = unix_now();
    let signed = Signed::new(verifier.to_vkey(), String::from_utf8_lossy(&checkpoint).into_owned(), policy.clone(), at);
    let history = history::History::read(&dir, verifier, &cp, policy.as_deref(), at);
    let kept = kept_digests(&history, cp.size, &signed);
    let policy_hash = stamp::policy_hash(policy.as_deref());
    let built =
        built::BuiltFrom { size: cp.size, policy: &policy_hash, demonstration: model.demonstration, kept: &kept };
    // The earlier stamp (a line per file of the site) is let go once read.
    let unchanged_through = earlier.and_then(|s| s.earlier_site(public, &built)).unwrap_or(0);
    // What an earlier run wrote, read before this run replaces the list (as its bytes: a path
    // per file of the site takes three times as much read).
    let earlier_list = std::fs::read(public.join(FILE_LIST)).unwrap_or_default();
    // Each file is written as soon as it is made (pages by the core that renders them, so in
    // any order, beside their places until all are made); what each writing found is recorded
    // in the site's order (see `sink`).
    let mut sink = Sink::folder(public);
    let record_pages = RecordPages { history: &history, tiles: &dir, unchanged_through };
    render_all(&model, &cp, &signed, &record_pages, &first_seen, &mut sink)?;
    let list = sink.commit_but(&public.join(FILE_LIST))?;
    // Remove pages an earlier run wrote that this one did not (an organisation withdrawn, a
    // capability no longer used), so the site never shows what the log no longer says.
    let earlier_files: Vec<String> = serde_json::from_slice(&earlier_list).unwrap_or_default();
    drop(earlier_list);
    let written: std::collections::HashSet<&str> = sink.written.iter().map(String::as_str).collect();
    for stale in earlier_files.iter().filter(|e| !written.contains(e.as_str())) {
        // Only plain relative paths this module writes; never anything under tile/.
        if safe_relative(stale) {
            let _ = std::fs::remove_file(public.join(stale));
        }
    }
    // The new list last: a writing stopped before this leaves the earlier list, which names the
    // stale files, so the next writing removes them.
    if let Some(list) = list {
        list.commit()?;
    }
    let report = SiteReport {
        files: sink.written.len(),
        record_pages: model.records.len(),
        organisations: model.organisations.len(),
        size: cp.size,
        unchanged: false,
        kept_pages: sink.kept,
        kept_parts: sink.kept_parts,
    };
    let time_sensitive = signed.witnessing.contains("not-witnessed");
    Ok(Whole {
        report,
        written: sink.written,
        checkpoint,
        policy,
        time_sensitive,
        demonstration: model.demonstration,
        kept,
    })
}

/// The checkpoints a site's pages carry (the older kept ones and the newest, `signed` of
/// `size`), each with the hash of what pages show of it.
fn kept_digests(history: &history::History, size: u64, signed: &Signed) -> BTreeMap<u64, String> {
    let digest = |s: &Signed| stamp::sha256(format!("{}\n{}", s.checkpoint, s.witnessing).as_bytes());
    let mut kept: BTreeMap<u64, String> = history.older().map(|k| (k.size, digest(&k.signed))).collect();
    kept.insert(size, digest(signed));
    kept
}

/// Where record pages get their checkpoint, and which of them this writing leaves as they are.
pub(crate) struct RecordPages<'a> {
    /// The older checkpoints the site keeps.
    pub history: &'a history::History,
    /// The log's tiles, for proofs in older checkpoints.
    pub tiles: &'a dyn ReadStorage,
    /// The size of the log an earlier writing (of the same history, see [`built`]) was made
    /// for: record pages carrying a kept checkpoint of at most this size, and download parts
    /// no record since added to or corrected, are left as it left them (listed, not
    /// rendered); 0 renders every file.
    pub unchanged_through: u64,
}

/// Every file of the site, from the model, into `sink`.
fn render_all(
    model: &Model,
    cp: &Checkpoint,
    signed: &Signed,
    record_pages: &RecordPages<'_>,
    first_seen: &BTreeMap<u64, String>,
    sink: &mut Sink<'_>,
) -> Result<(), Error> {
    pages::render(model, cp, signed, record_pages, sink)?;
    data::render(model, cp, signed, first_seen, record_pages.unchanged_through, sink)?;
    sink.put("assets/verify.js", VERIFY_JS.as_bytes())?;
    sink.put("assets/style.css", STYLE_CSS.as_bytes())?;
    sink.put("assets/search.js", listing::SEARCH_JS.as_bytes())?;
    sink.put("vkey", format!("{}\n", signed.vkey).as_bytes())?;
    if let Some(policy) = &signed.policy {
        // The operator's own file, served as is; listed so a check accounts for it.
        sink.put(tlog::POLICY_FILE, policy.as_bytes())?;
    }
    let seen =
        serde_json::to_vec_pretty(first_seen).map_err(|e| Error::BadEntry { index: 0, message: e.to_string() })?;
    sink.put("data/first-seen.json", &seen)?;
    // The checkpoints pages carry: the older ones that serve, the newest, and their list.
    let mut sizes = Vec::new();
    for k in record_pages.history.older() {
        sink.put(&history::path(k.size), k.signed.checkpoint.as_bytes())?;
        sizes.push(k.size);
    }
    sink.put(&history::path(cp.size), signed.checkpoint.as_bytes())?;
    sizes.push(cp.size);
    let sizes = serde_json::to_vec(&sizes).map_err(|e| Error::BadEntry { index: 0, message: e.to_string() })?;
    sink.put(history::LIST, &sizes)?;
    // An entry read again for a page and found not to be the log's fails the writing before
    // the list is replaced: the next writing removes what the earlier list names and this
    // one would not have (a page left from a withdrawn organisation, say), and no stamp is
    // written, so it renders every page again.
    model.read_error()?;
    // Last, the list of every file above and itself: made from the log like the rest, so a
    // check can tell the site's own files from anything added beside them.
    let mut list: Vec<&str> = sink.written.iter().map(String::as_str).collect();
    list.push(FILE_LIST);
    let list = serde_json::to_vec_pretty(&list).map_err(|e| Error::BadEntry { index: 0, message: e.to_string() })?;
    sink.put(FILE_LIST, &list)
}

/// The lock file beside the stamp that a writing of the site holds.
const LOCK_FILE: &str = "site.lock";

/// The list of the site's files, itself one of them.
pub const FILE_LIST: &str = "data/site-files.json";

/// Renders the site that `model` (the log at `cp`, the verified checkpoint the site says it
/// was built for, whose signed text is `checkpoint`) makes, and compares every file with the
/// one `src` holds. Returns the differences, each naming the file, and the files compared.
pub(crate) fn compare_site(
    src: &(dyn ReadStorage + Sync),
    verifier: &Verifier,
    checkpoint: &str,
    cp: &Checkpoint,
    model: &Model,
    since: Option<&SiteMemory>,
) -> Result<Compared, Error> {
    // When each record was first seen is the site's own data (for the feed), not the log's.
    let first_seen: BTreeMap<u64, String> =
        src.read("data/first-seen.json")?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let policy = src.read(tlog::POLICY_FILE)?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let at = unix_now();
    let signed = Signed::new(verifier.to_vkey(), checkpoint.to_string(), policy.clone(), at);
    // The kept checkpoints that serve, as the writer judges them; one that does not is left
    // out of the list made here, so a list naming it differs.
    let history = history::History::read(src, verifier, cp, policy.as_deref(), at);
    let kept = kept_digests(&history, cp.size, &signed);
    let policy = stamp::policy_hash(policy.as_deref());
    // Record pages a site verified before left as they were (see `check::memory`).
    let built = built::BuiltFrom { size: cp.size, policy: &policy, demonstration: model.demonstration, kept: &kept };
    let unchanged_through = since.and_then(|m| m.built().pages_kept_by(&built)).unwrap_or(0);
    let record_pages = RecordPages { history: &history, tiles: src, unchanged_through };
    let mut sink = Sink::compare(src, since);
    render_all(model, cp, &signed, &record_pages, &first_seen, &mut sink)?;
    let (unchanged, not_read) = (sink.kept + sink.kept_parts, sink.not_read);
    let found = sink.found();
    let memory = SiteMemory {
        size: cp.size,
        policy,
        demonstration: model.demonstration,
        kept,
        files: found.digests,
        stamps: found.stamps,
    };
    Ok(Compared { faults: found.faults, files: found.written, memory, unchanged, not_read })
}

/// What comparing a site with what the log makes found.
pub(crate) struct Compared {
    /// Differences, each naming the file.
    pub faults: Vec<String>,
    /// Every file of the site.
    pub files: Vec<String>,
    /// What the site was built from and every file's hash, for a later check.
    pub memory: SiteMemory,
    /// Record pages and download parts found as verified before and not rendered again.
    pub unchanged: usize,
    /// Of those, the files known by their stamps (see `tlog::FileStamp`), not read.
    pub not_read: usize,
}

/// Whether `rel` is a path this module could have written: relative, plain segments, not
/// under `tile/` and not the checkpoint.
fn safe_relative(rel: &str) -> bool {
    !rel.starts_with("tile/")
        && rel != tlog::CHECKPOINT_PATH
        && rel.split('/').all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\\'))
}
