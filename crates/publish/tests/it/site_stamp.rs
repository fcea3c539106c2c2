//! Publishing again when the log has not changed leaves the site as it is, and only then: a
//! new checkpoint, a changed trust policy, a file changed or removed, or a damaged stamp make
//! the whole site written again, and a rebuild asked for writes what writing it the first time
//! wrote, byte for byte.

use std::collections::BTreeMap;
use std::path::Path;

use publish::append::{Options, publish};
use publish::gather::{Period, gather};
use publish::site::{stamp, update_site};
use serde_json::json;
use tlog::LocalLog;

use crate::publish_flow::{ORIGIN, registry, usage};

const NOW: &str = "2026-10-01T00:00:00Z";

/// Every file of the site (not the log's tiles or checkpoint), with its bytes.
pub(crate) fn site_files(public: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir").map(|e| e.expect("entry")) {
            let p = e.path();
            let rel = p.strip_prefix(root).expect("prefix").to_string_lossy().replace('\\', "/");
            if rel.starts_with("tile") || rel == "checkpoint" {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(public, public, &mut out);
    out
}

/// A published log, its public folder and the stamp's place: what every test here starts from.
pub(crate) struct Published {
    pub(crate) tmp: tempfile::TempDir,
    pub(crate) home: LocalLog,
    pub(crate) public: std::path::PathBuf,
    pub(crate) stamp: std::path::PathBuf,
    pub(crate) verifier: tlog::Verifier,
}

impl Published {
    /// Writes the site as publishing does (`rebuild`: every page regardless of the stamp).
    pub(crate) fn update(&self, rebuild: bool) -> publish::site::SiteReport {
        update_site(&self.public, &self.stamp, &self.verifier, NOW, rebuild).expect("site")
    }
}

pub(crate) fn published() -> Published {
    published_with(|writer| {
        let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
        let data = gather(&registry(), &usage(), &Period::parse("2026-Q3").expect("period")).expect("gather");
        publish(writer, &data, Some(0), &opts).expect("publish");
    })
}

/// A log whose first entry is a policy version, then what `then` appends; no site written yet.
pub(crate) fn published_with(then: impl FnOnce(&mut tlog::LogWriter<tlog::DirStorage>)) -> Published {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let policy = json!({"type": "candor.policy_version", "sha256": "ab", "file": "p.cedar",
                        "text": "permit(principal, action, resource);", "activated_at": "2026-07-01T00:00:00Z"});
    writer.append(&[records::canonical::to_vec(&policy).expect("canonical")]).expect("policy");
    then(&mut writer);
    drop(writer);
    let (public, stamp) = (home.public_dir(), home.home().join("state").join(stamp::FILE_NAME));
    let verifier = home.verifier().expect("verifier");
    Published { tmp, home, public, stamp, verifier }
}

#[test]
fn an_unchanged_log_leaves_the_site_as_it_is_and_anything_else_writes_it_again() {
    let s = published();

    let first = s.update(false);
    assert!(!first.unchanged && first.files > 10, "{first:?}");
    let written = site_files(&s.public);
    let again = s.update(false);
    assert!(again.unchanged, "nothing changed: {again:?}");
    assert_eq!((again.files, again.record_pages, again.size), (first.files, first.record_pages, first.size));
    assert_eq!(site_files(&s.public), written);

    // A rebuild asked for writes every page again: the same bytes.
    let rebuilt = s.update(true);
    assert!(!rebuilt.unchanged);
    assert_eq!(site_files(&s.public), written, "a full rebuild gives what the first writing gave");
    assert!(s.update(false).unchanged, "the rebuild renewed the stamp");

    // A page altered or removed beside the log: written again, as the log makes it.
    let page = s.public.join("index.html");
    std::fs::write(&page, "<p>not what the log says</p>").expect("alter");
    assert!(!s.update(false).unchanged);
    assert_eq!(site_files(&s.public), written, "the altered page is restored");
    std::fs::remove_file(s.public.join("data/records.json")).expect("remove");
    assert!(!s.update(false).unchanged);
    assert_eq!(site_files(&s.public), written, "the removed file is restored");

    // A damaged or foreign stamp is no stamp.
    for junk in [&b"{"[..], b"[]", b"{\"format\": 99}"] {
        std::fs::write(&s.stamp, junk).expect("junk");
        assert!(!s.update(false).unchanged, "{}", String::from_utf8_lossy(junk));
    }

    // A trust policy served beside the key changes every page's frame.
    std::fs::write(s.public.join(tlog::POLICY_FILE), "quorum none\n").expect("policy");
    assert!(!s.update(false).unchanged, "a new trust policy");
    assert!(s.update(false).unchanged);
    std::fs::remove_file(s.public.join(tlog::POLICY_FILE)).expect("policy");
    assert!(!s.update(false).unchanged, "the trust policy removed");
    assert_eq!(site_files(&s.public), written);

    // The log grows: a new checkpoint, so the site is written again, for it.
    let mut writer = s.home.open().expect("open");
    writer.append(&[b"another writer's entry".to_vec()]).expect("append");
    drop(writer);
    let grown = s.update(false);
    assert!(!grown.unchanged && grown.size == first.size + 1, "{grown:?}");
    assert!(s.update(false).unchanged);
}

#[cfg(unix)]
#[test]
fn a_page_replaced_by_a_link_to_the_same_bytes_is_written_back_and_never_stamped_as_it_is() {
    let s = published();
    s.update(false);
    // The page swapped for a link to a copy of it kept elsewhere, which can change later.
    let page = s.public.join("index.html");
    let elsewhere = s.tmp.path().join("elsewhere.html");
    std::fs::copy(&page, &elsewhere).expect("copy");
    std::fs::remove_file(&page).expect("remove");
    std::os::unix::fs::symlink(&elsewhere, &page).expect("link");
    assert!(!s.update(false).unchanged, "a link is not the file the site wrote");
    let meta = std::fs::symlink_metadata(&page).expect("page");
    assert!(meta.is_file(), "the page is the site's own file again, not a link");
    assert!(s.update(false).unchanged);
}

#[test]
fn a_stamp_naming_files_outside_the_site_or_fewer_than_it_wrote_is_no_stamp() {
    let s = published();
    s.update(false);
    let good: serde_json::Value = serde_json::from_slice(&std::fs::read(&s.stamp).expect("stamp")).expect("stamp json");

    // Only one file of the site listed: the others are not judged, so it is no stamp.
    let mut fewer = good.clone();
    let files = fewer["files"].as_object_mut().expect("files");
    let kept = files.iter().next().map(|(k, v)| (k.clone(), v.clone())).expect("a file");
    files.clear();
    files.insert(kept.0, kept.1);
    std::fs::write(&s.stamp, fewer.to_string()).expect("write");
    assert!(!s.update(false).unchanged, "a stamp listing fewer files than the site's");

    // A listed path outside the site's folder is not looked at: no stamp.
    let mut outside = good.clone();
    let files = outside["files"].as_object_mut().expect("files");
    let (rel, seen) = files.iter().next().map(|(k, v)| (k.clone(), v.clone())).expect("a file");
    files.remove(&rel);
    files.insert(format!("../public/{rel}"), seen);
    std::fs::write(&s.stamp, outside.to_string()).expect("write");
    assert!(!s.update(false).unchanged, "a stamp naming a path outside the site");
}

#[test]
fn a_stamp_far_larger_than_a_site_could_need_is_not_read() {
    let s = published();
    s.update(false);
    // The stamp that holds, padded past the bound with what JSON ignores: not read, so none.
    let mut bytes = std::fs::read(&s.stamp).expect("stamp");
    let bound = usize::try_from(stamp::MAX_BYTES).expect("bound");
    bytes.resize(bound + 1, b' ');
    std::fs::write(&s.stamp, &bytes).expect("pad");
    assert!(!s.update(false).unchanged, "a stamp past the bound is no stamp");
    // A sparse file of 64 GiB is refused by its size, not read.
    s.update(false);
    let f = std::fs::OpenOptions::new().write(true).open(&s.stamp).expect("open");
    f.set_len(64 << 30).expect("grow");
    drop(f);
    assert!(stamp::Stamp::read(&s.stamp).is_none());
}
