//! The kept checkpoints (`checkpoints/`) under attack: whatever another writer appends, however
//! the trust policy and the witnesses' cosignatures change between publishes, writing only the
//! pages that changed leaves what writing every page makes, and the outside check accepts it;
//! a kept list tampered with is named by the check, no list makes the writer or the check
//! read a kept checkpoint more than once, and the longest list a writing makes is read back.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use publish::site::{SiteReport, history, update_site};
use serde_json::{Value, json};
use tlog::cosignature::Cosigner;
use tlog::{Checkpoint, Dir, ReadStorage, TileReader};

use crate::site_stamp::{Published, published, published_with, site_files};

const NOW: &str = "2026-10-01T00:00:00Z";

pub(crate) fn canonical(v: &Value) -> Vec<u8> {
    records::canonical::to_vec(v).expect("canonical")
}

/// Every fault the outside check finds in the published folder.
pub(crate) fn faults(s: &Published) -> Vec<String> {
    let files = publish::check::folder_files(&s.public);
    let dir = tlog::Dir::new(s.public.clone());
    publish::check::check_report(&dir, &s.verifier, &[], &files, &mut |_| {}).expect("check").faults
}

pub(crate) fn append(s: &Published, entries: &[Vec<u8>]) -> u64 {
    let mut writer = s.home.open().expect("open");
    writer.append(entries).expect("append");
    writer.size()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").map(|e| e.expect("entry")) {
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

/// Writes the site as publishing does (incremental, from the stamp the last publish left),
/// and every page of a copy of the folder as it was before: the two must be the same bytes,
/// and the outside check must accept the incremental one. The folder stays as incremental
/// writing left it, so the next step starts from an incremental site.
pub(crate) fn publish_and_compare(s: &Published, step: &str) -> SiteReport {
    let copy = tempfile::tempdir().expect("tmp");
    let public = copy.path().join("public");
    copy_dir(&s.public, &public);
    let report = s.update(false);
    let full = update_site(&public, &copy.path().join("stamp.json"), &s.verifier, NOW, true).expect("full");
    assert_eq!(full.kept_pages, 0);
    let (a, b) = (site_files(&s.public), site_files(&public));
    let differing: Vec<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
    assert!(differing.is_empty(), "{step}: incremental and full writing differ in {differing:?}");
    let f = faults(s);
    assert!(f.is_empty(), "{step}: {f:?}");
    report
}

/// The served checkpoint's body (what witnesses cosign).
fn checkpoint_body(s: &Published) -> String {
    let text = std::fs::read_to_string(s.public.join("checkpoint")).expect("checkpoint");
    text[..text.find("\n\n").expect("body") + 1].to_string()
}

/// Adds cosignature lines by `witnesses` (each with its time) to the served checkpoint.
fn cosign(s: &Published, witnesses: &[(&Cosigner, u64)]) {
    let path = s.public.join("checkpoint");
    let mut text = std::fs::read_to_string(&path).expect("checkpoint");
    let body = checkpoint_body(s);
    for (w, at) in witnesses {
        text.push_str(&w.cosign(&body, *at).expect("cosign"));
    }
    std::fs::write(&path, text).expect("write");
}

pub(crate) fn entry(s: &Published, index: u64) -> Vec<u8> {
    let dir = tlog::Dir::new(s.public.clone());
    let (_, latest, _) = s.home.latest_checkpoint().expect("latest");
    tlog::TileReader::new(&dir, latest.size).entry(index).expect("entry")
}

pub(crate) fn link(index: u64, entry: &[u8]) -> Value {
    json!({"index": index, "sha256": records::sha256_hex(entry)})
}

fn known(bytes: &[u8]) -> bool {
    records::parse(bytes).is_some_and(|p| p.known().is_some())
}

#[test]
fn whatever_is_appended_and_however_witnessing_changes_incremental_writing_is_a_full_one() {
    let s = published();
    publish_and_compare(&s, "first");
    let size = append(&s, &[]);

    // Records naming what is not there yet, or naming it in ways no record is found by.
    let setting = canonical(&json!({"type": "candor.policy_notice_setting", "notice_days": 30,
        "reason": "r", "set_by": "x", "set_at": "2026-07-02T00:00:00Z"}));
    let proposal = |replaces: Value, setting_at: u64| {
        canonical(&json!({"type": "candor.policy_proposal", "sha256": "cd", "file": "p2.cedar",
            "text": "forbid(principal, action, resource);", "replaces": replaces,
            "effective": "2026-12-01", "notice_days": 30, "notice_setting": link(setting_at, &setting),
            "reason": "", "proposed_at": "2026-07-03T00:00:00Z", "proposed_by": "x",
            "effect": {"period": null, "rows": []}}))
    };
    let replaces = |index: u64, entry: &[u8]| {
        let mut l = link(index, entry);
        l["policy_sha256"] = json!("cd");
        l
    };
    let p1 = proposal(replaces(0, &entry(&s, 0)), size);
    // The version that will follow p1, at the index after the next batch: a proposal names it
    // in advance (its link text says how that version came into force, once it is there).
    let v2 = canonical(&json!({"type": "candor.policy_version", "sha256": "cd", "file": "p2.cedar",
        "text": "forbid(principal, action, resource);", "activated_at": "2026-12-01T00:00:00Z",
        "proposal": link(size + 1, &p1)}));
    let batch_end = size + 7;
    let p2 = proposal(replaces(batch_end, &v2), size);
    let later = canonical(&json!({"type": "candor.correction", "corrects": {"index": 10_000, "sha256": "00"},
        "reason": "names a later index", "replacement": null}));
    let unknown = canonical(&json!({"type": "candor.future_kind", "about": link(batch_end + 1, b"x")}));
    let as_string = canonical(&json!({"type": "candor.correction", "corrects": {"index": "1", "sha256": "00"},
        "reason": "an index as a string", "replacement": null}));
    let as_float =
        br#"{"corrects":{"index":1.0,"sha256":"00"},"reason":"a float","replacement":null,"type":"candor.correction"}"#
            .to_vec();
    // Read as their kinds, or (an unknown kind, an index that is no whole number) kept whole.
    for (bytes, is_known) in [(&setting, true), (&p1, true), (&p2, true), (&v2, true), (&later, true)]
        .into_iter()
        .chain([(&unknown, false), (&as_string, false), (&as_float, false)])
    {
        assert_eq!(known(bytes), is_known, "{}", String::from_utf8_lossy(bytes));
    }
    let batch = [setting.clone(), p1.clone(), p2.clone(), later, unknown, as_string, as_float];
    assert_eq!(append(&s, &batch), batch_end);
    let r = publish_and_compare(&s, "records naming what is not there");
    assert!(r.kept_pages > 0, "{r:?}");

    // What they named arrives: the version p2 names, a record at the unknown kind's index, an
    // objection to p1.
    let objection = canonical(&json!({"type": "candor.policy_objection", "proposal": link(size + 1, &p1),
        "reason": "no", "objector": "y", "filed_at": "2026-07-04T00:00:00Z"}));
    append(&s, &[v2, b"x".to_vec(), objection]);
    let r = publish_and_compare(&s, "named records arrive");
    assert!(r.kept_pages > 0, "{r:?}");

    // A correction of p2 that counts, then a correction of that correction, then one that does
    // not count (another hash).
    let c1 = canonical(&json!({"type": "candor.correction", "corrects": link(size + 2, &p2),
        "reason": "wrong", "replacement": null}));
    let at = append(&s, std::slice::from_ref(&c1)) - 1;
    publish_and_compare(&s, "a correction");
    let c2 = canonical(&json!({"type": "candor.correction", "corrects": link(at, &c1),
        "reason": "the correction was wrong", "replacement": null}));
    let void = canonical(&json!({"type": "candor.correction", "corrects": {"index": 1, "sha256": "00"},
        "reason": "another hash", "replacement": null}));
    append(&s, &[c2, void]);
    publish_and_compare(&s, "a correction of a correction");

    // A trust policy: the kept checkpoints written before it carry no cosignatures, so none
    // serves; then checkpoints witnessed, one not (a witness missing, then one dated later
    // than now), cosignatures added to the same checkpoint, and the policy removed.
    let (a, b) =
        (Cosigner::generate("witness-a.example").expect("a"), Cosigner::generate("witness-b.example").expect("b"));
    let policy = format!(
        "witness a {} http://127.0.0.1:1\nwitness b {} http://127.0.0.1:2\ngroup both all a b\nquorum both\n",
        a.verifier().to_vkey().expect("vkey"),
        b.verifier().to_vkey().expect("vkey")
    );
    let t = 1_700_000_000;
    std::fs::write(s.public.join(tlog::POLICY_FILE), &policy).expect("policy");
    cosign(&s, &[(&a, t), (&b, t)]);
    publish_and_compare(&s, "a trust policy");
    append(&s, &[b"y".to_vec()]);
    cosign(&s, &[(&a, t), (&b, t)]);
    let r = publish_and_compare(&s, "a witnessed checkpoint");
    assert!(r.kept_pages > 0, "{r:?}");
    append(&s, &[b"z".to_vec()]);
    cosign(&s, &[(&a, t)]);
    publish_and_compare(&s, "a checkpoint short of its quorum");
    cosign(&s, &[(&b, t)]);
    publish_and_compare(&s, "its quorum met later, at the same size");
    append(&s, &[b"w".to_vec()]);
    cosign(&s, &[(&a, t), (&b, u64::MAX / 2)]);
    publish_and_compare(&s, "a cosignature dated in the future");
    append(&s, &[b"v".to_vec()]);
    cosign(&s, &[(&a, t), (&b, t)]);
    // The site before showed a checkpoint judged not witnessed (by the clock, for all a
    // writing knows): no stamp.
    let r = publish_and_compare(&s, "witnessed after one that was not");
    assert_eq!(r.kept_pages, 0, "{r:?}");
    append(&s, &[b"t".to_vec()]);
    cosign(&s, &[(&a, t), (&b, t)]);
    let r = publish_and_compare(&s, "witnessed twice");
    assert!(r.kept_pages > 0, "{r:?}");
    std::fs::remove_file(s.public.join(tlog::POLICY_FILE)).expect("policy");
    publish_and_compare(&s, "the trust policy removed");
    append(&s, &[b"u".to_vec()]);
    let r = publish_and_compare(&s, "grown without a policy");
    assert!(r.kept_pages > 0, "{r:?}");
}

#[test]
fn a_site_that_becomes_demonstration_data_writes_every_page() {
    let s = published_plain();
    publish_and_compare(&s, "first");
    append(&s, &[b"another".to_vec()]);
    let r = publish_and_compare(&s, "grown");
    assert!(r.kept_pages > 0, "{r:?}");
    let demo = canonical(&json!({"type": "candor.future_kind", "demonstration_data": true}));
    append(&s, &[demo]);
    let r = publish_and_compare(&s, "a demonstration record");
    assert_eq!(r.kept_pages, 0, "{r:?}");
}

/// A log with one policy version record, not demonstration data.
fn published_plain() -> Published {
    published_with(|writer| {
        writer.append(&[b"other".to_vec()]).expect("another entry");
    })
}

#[test]
fn a_kept_list_or_page_tampered_with_is_named_by_the_check() {
    let s = published();
    let first = s.update(false);
    append(&s, &[b"another".to_vec()]);
    let second = s.update(false);
    // A correction of the usage record moves its page from the first checkpoint to the newest.
    let pages = site_files(&s.public);
    let (usage, usage_entry) = (0..first.size)
        .map(|i| (i, entry(&s, i)))
        .find(|(_, e)| serde_json::from_slice::<Value>(e).is_ok_and(|v| v["type"] == "candor.organisation_usage"))
        .expect("a usage record");
    let c = canonical(&json!({"type": "candor.correction", "corrects": link(usage, &usage_entry),
        "reason": "r", "replacement": null, "demonstration_data": true}));
    append(&s, &[c]);
    s.update(false);
    assert!(faults(&s).is_empty());
    let newest = s.update(false).size;

    let list_path = s.public.join(history::LIST);
    let list = std::fs::read(&list_path).expect("list");
    // Each named by the check: the list differs from the one the folder's kept checkpoints
    // make, or (one left out, a list the site could have made) the pages that carry it and
    // the checkpoint no list names differ from what that list makes.
    let tampered: [(&str, Value); 8] = [
        ("one named twice", json!([first.size, first.size, second.size, newest])),
        ("size 0", json!([0, first.size, second.size, newest])),
        ("larger than the log", json!([first.size, second.size, newest, newest + 1])),
        ("not a number", json!([first.size, second.size, format!("{newest}")])),
        ("out of order", json!([second.size, first.size, newest])),
        ("one left out", json!([second.size, newest])),
        ("the newest left out", json!([first.size, second.size])),
        ("empty", json!([])),
    ];
    for (what, value) in tampered {
        std::fs::write(&list_path, value.to_string()).expect("tamper");
        let f = faults(&s);
        let named = if what == "one left out" { "record/1.html" } else { history::LIST };
        assert!(f.iter().any(|f| f.starts_with(named)), "{what}: {f:?}");
    }
    std::fs::write(&list_path, &list).expect("restore");
    assert!(faults(&s).is_empty());

    // The corrected record's page as it was, carrying the first checkpoint: it verifies in a
    // browser (its proof leads to a checkpoint of the log) but hides the correction.
    let page = format!("record/{usage}.html");
    let now = std::fs::read(s.public.join(&page)).expect("page");
    std::fs::write(s.public.join(&page), &pages[&page]).expect("old page");
    let f = faults(&s);
    assert!(f.iter().any(|f| f.starts_with(&page)), "{f:?}");
    std::fs::write(s.public.join(&page), now).expect("restore");

    // A kept checkpoint of another log by the same name (another key): it does not serve.
    let other = tlog::Signer::generate(crate::publish_flow::ORIGIN).expect("key");
    let kept_path = s.public.join(history::path(first.size));
    let kept = std::fs::read_to_string(&kept_path).expect("kept");
    let cp = Checkpoint::open(kept.as_bytes(), &s.verifier).expect("open");
    std::fs::write(&kept_path, cp.sign(&other).expect("sign")).expect("fork");
    let f = faults(&s);
    assert!(f.iter().any(|f| f.starts_with(history::LIST)), "{f:?}");
    // Signed by the log's own key, but for a root that is not its tree's: neither.
    let signer = s.home.signer().expect("signer");
    let forked = Checkpoint { root: tlog::empty_root(), ..cp };
    std::fs::write(&kept_path, forked.sign(&signer).expect("sign")).expect("fork");
    let f = faults(&s);
    assert!(f.iter().any(|f| f.starts_with(history::LIST)), "{f:?}");
    std::fs::write(&kept_path, kept).expect("restore");
    assert!(faults(&s).is_empty());
}

#[test]
fn a_checkpoint_cosigned_at_a_time_still_to_come_is_shown_the_same_by_every_writing_and_check_until_then() {
    let s = published();
    let a = Cosigner::generate("witness-a.example").expect("a");
    let policy = format!("witness a {} http://127.0.0.1:1\nquorum a\n", a.verifier().to_vkey().expect("vkey"));
    std::fs::write(s.public.join(tlog::POLICY_FILE), policy).expect("policy");
    // A witness whose clock runs ahead: its cosignature is dated after now, so the checkpoint
    // is not witnessed yet.
    cosign(&s, &[(&a, u64::MAX / 2)]);
    s.update(false);
    let written = site_files(&s.public);
    assert!(String::from_utf8_lossy(&written["index.html"]).contains("Not witnessed"));
    // A second later (the clock moves on; the cosignature is still to come), a writing makes
    // the same site and the check accepts it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let f = faults(&s);
    assert!(f.is_empty(), "{f:?}");
    s.update(true);
    let again = site_files(&s.public);
    let differing: Vec<&String> = written.keys().filter(|k| again.get(*k) != written.get(*k)).collect();
    assert!(differing.is_empty(), "written again a second later, the site differs in {differing:?}");
}

/// A folder that counts the reads of each path.
struct Counting {
    dir: Dir,
    reads: Mutex<BTreeMap<String, usize>>,
}

impl ReadStorage for Counting {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, tlog::Error> {
        *self.reads.lock().expect("lock").entry(path.to_string()).or_default() += 1;
        self.dir.read(path)
    }
}

/// Signs a checkpoint of the log's first `size` entries, as the log would have, and keeps it
/// in the site's folder.
fn keep_signed(s: &Published, tiles: &mut TileReader<'_>, signer: &tlog::Signer, size: u64) {
    let root = tlog::merkle::tree_root(tiles, size).expect("root");
    let cp = Checkpoint { origin: crate::publish_flow::ORIGIN.into(), size, root, extensions: vec![] };
    std::fs::write(s.public.join(history::path(size)), cp.sign(signer).expect("sign")).expect("write");
}

fn kept_list(s: &Published) -> Vec<u64> {
    serde_json::from_slice(&std::fs::read(s.public.join(history::LIST)).expect("list")).expect("json")
}

#[test]
fn a_list_naming_one_checkpoint_many_times_has_it_read_once_and_an_overlong_list_is_not_read() {
    let s = published();
    let first = s.update(false);
    append(&s, &[b"another".to_vec()]);
    let (_, latest, _) = s.home.latest_checkpoint().expect("latest");
    // The list as an adversary holding the folder writes it: the one kept checkpoint, named
    // as often as the list may name checkpoints. Each reading of it verifies a signature,
    // the witnesses' cosignatures and the root.
    let many = vec![first.size; 1000];
    std::fs::write(s.public.join(history::LIST), serde_json::to_vec(&many).expect("json")).expect("list");
    let counting = Counting { dir: Dir::new(s.public.clone()), reads: Mutex::default() };
    let h = history::History::read(&counting, &s.verifier, &latest, None, 0);
    assert_eq!(h.sizes().collect::<Vec<_>>(), vec![first.size]);
    let reads = counting.reads.lock().expect("lock")[&history::path(first.size)];
    assert_eq!(reads, 1, "the same kept checkpoint read {reads} times");

    // A list longer than any list of as many sizes as a list may name (here padded with what
    // JSON ignores; as many small numbers would take eight times their bytes once read) is
    // not parsed: no history.
    let mut padded = serde_json::to_vec(&[first.size]).expect("json");
    padded.resize(history::MAX_KEPT * 22, b' ');
    std::fs::write(s.public.join(history::LIST), &padded).expect("list");
    let h = history::History::read(&counting, &s.verifier, &latest, None, 0);
    assert_eq!(h.sizes().count(), 0);
}

#[test]
fn at_the_most_kept_checkpoints_the_list_a_writing_makes_is_one_it_and_the_check_read_back() {
    let s = published();
    s.update(false);
    // The log signed a checkpoint at each of as many sizes as a list may name (another writer
    // appending one entry at a time, each published), and the folder keeps them all.
    let max = history::MAX_KEPT as u64;
    let extra: Vec<Vec<u8>> = (0..max).map(|i| format!("entry {i}").into_bytes()).collect();
    let size = append(&s, &extra);
    let signer = s.home.signer().expect("signer");
    let dir = Dir::new(s.public.clone());
    let mut tiles = TileReader::new(&dir, size);
    let sizes: Vec<u64> = (size - max..size).collect();
    for &k in &sizes {
        keep_signed(&s, &mut tiles, &signer, k);
    }
    std::fs::write(s.public.join(history::LIST), serde_json::to_vec(&sizes).expect("json")).expect("list");
    s.update(false);
    let list = kept_list(&s);
    assert!(list.len() <= history::MAX_KEPT, "the writing listed {} kept checkpoints", list.len());
    assert_eq!(list.last(), Some(&size));
    // What the writing's next run and the outside check read back: every older one listed.
    let (_, latest, _) = s.home.latest_checkpoint().expect("latest");
    let read_back: Vec<u64> = history::History::read(&dir, &s.verifier, &latest, None, 0).sizes().collect();
    assert_eq!(read_back, list[..list.len() - 1], "the list written is not the one read back");
}
