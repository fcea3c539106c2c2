//! The record index beside the log: publishing from it appends exactly what publishing from
//! the log read whole appends; it is extended by the entries appended since it was written,
//! and rebuilt from the log when it does not match it (damaged, another log's, a history the
//! log does not extend).

use publish::append::{Options, publish};
use publish::gather::{Period, gather};
use publish::index::{Cache, FILE_NAME, RecordIndex};
use serde_json::json;
use tlog::LocalLog;

use crate::publish_flow::{ORIGIN, entries, registry, usage};

fn open(home: &LocalLog, cache: &std::path::Path) -> (RecordIndex, publish::index::Opened) {
    let w = home.open().expect("open");
    RecordIndex::open(w.storage(), w.size(), &w.root(), Cache::ReadWrite(cache)).expect("index")
}

#[test]
fn publishing_from_the_index_appends_what_publishing_from_the_whole_log_appends() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = registry();
    let period = Period::parse("2026-Q3").expect("period");
    let mut logs = Vec::new();
    for with_index in [false, true] {
        let home = LocalLog::at(tmp.path().join(format!("log-{with_index}")));
        let mut writer = home.init(ORIGIN).expect("init");
        let policy = json!({"type": "candor.policy_version", "sha256": "ab", "file": "p.cedar",
                            "text": "permit(principal, action, resource);", "activated_at": "2026-07-01T00:00:00Z"});
        writer.append(&[records::canonical::to_vec(&policy).expect("canonical")]).expect("policy");
        let cache = home.home().join("state").join(FILE_NAME);
        let opts = Options {
            demonstration: true,
            salt: b"salt".to_vec(),
            index: with_index.then(|| cache.clone()),
            ..Options::default()
        };
        let data = gather(&store, &usage(), &period).expect("gather");
        publish(&mut writer, &data, Some(0), &opts).expect("publish");
        // Nothing new: nothing appended, from the index as from the log.
        let again = publish(&mut writer, &data, Some(0), &opts).expect("again");
        assert!(again.appended.is_empty(), "{:?}", again.appended);
        // The next quarter, on top.
        let next = Period::parse("2026-Q4").expect("period");
        let q4 = gather(&store, &usage(), &next).expect("gather");
        let (_, index) = publish::append::publish_indexed(&mut writer, &q4, Some(0), &opts).expect("Q4");
        assert_eq!(cache.exists(), with_index);
        // The index handed back, what was appended included (indexed from the records written),
        // is the index of the log read whole; the file written holds it all.
        let read = RecordIndex::open(writer.storage(), writer.size(), &writer.root(), Cache::None).expect("index").0;
        assert_eq!(index, read);
        if with_index {
            let (_, opened) =
                RecordIndex::open(writer.storage(), writer.size(), &writer.root(), Cache::Read(&cache)).expect("index");
            assert_eq!((opened.kept, opened.read, opened.rebuilt), (writer.size(), 0, false));
        }
        logs.push(entries(&home));
    }
    assert_eq!(logs[0], logs[1], "the same entries, byte for byte");
}

#[test]
fn the_index_reads_only_new_entries_and_is_rebuilt_when_it_does_not_match_the_log() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let store = registry();
    let period = Period::parse("2026-Q3").expect("period");
    let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), None, &opts).expect("publish");
    let size = writer.size();
    let root = writer.root();
    drop(writer);
    let cache = tmp.path().join(FILE_NAME);

    let (index, opened) = open(&home, &cache);
    assert_eq!((opened.kept, opened.read, opened.rebuilt), (0, size, false));
    assert_eq!(index.len(), size);
    let whole = RecordIndex::of_entries(&entries(&home));
    assert!(index.iter().zip(whole.iter()).all(|(a, b)| a == b), "the same as indexing the entries read whole");
    let org = index.iter().find(|(_, e)| e.kind.as_deref() == Some("candor.organisation_usage")).expect("org");
    assert_eq!(org.1.period.as_deref(), Some("2026-Q3"));
    assert!(org.1.subject.is_some() && org.1.demonstration);

    // Two entries more: only they are read.
    let mut writer = home.open().expect("open");
    let extra = json!({"type": "candor.correction", "corrects": {"index": org.0, "sha256": org.1.sha256},
                       "reason": "withdrawn: test", "replacement": null});
    writer.append(&[records::canonical::to_vec(&extra).expect("canonical"), b"not a record".to_vec()]).expect("append");
    drop(writer);
    let (index, opened) = open(&home, &cache);
    assert_eq!((opened.kept, opened.read, opened.rebuilt), (size, 2, false));
    assert_eq!(index.corrected().get(&org.0), Some(&size), "the correction is read from the index");
    assert_eq!(index.get(size + 1).and_then(|e| e.kind.clone()), None, "a foreign entry has no kind");
    let (_, opened) = open(&home, &cache);
    assert_eq!((opened.kept, opened.read), (size + 2, 0), "nothing new, nothing read");
    // A reader of the earlier checkpoint uses the longer index up to it, and leaves it alone.
    let before = std::fs::read(&cache).expect("cache");
    let w = home.open().expect("open");
    let (short, opened) = RecordIndex::open(w.storage(), size, &root, Cache::Read(&cache)).expect("index");
    assert_eq!((short.len(), opened.kept, opened.read, opened.rebuilt), (size, size, 0, false));
    assert!(RecordIndex::open(w.storage(), size, &tlog::empty_root(), Cache::Read(&cache)).is_err(), "wrong root");
    drop(w);
    assert_eq!(std::fs::read(&cache).expect("cache"), before);

    // A damaged file, a leaf changed, another log's index: rebuilt from the log.
    let good = std::fs::read(&cache).expect("cache");
    let text = String::from_utf8(good.clone()).expect("utf8");
    let leaf = index.get(1).expect("entry").leaf.clone();
    // A file far larger than an index of this log could be is not read at all.
    let huge = [text.as_bytes(), &vec![b' '; (size as usize + 2) * 4096 + (1 << 20)]].concat();
    for bad in [b"{not json".to_vec(), text.replacen(&leaf, &"0".repeat(64), 1).into_bytes(), huge] {
        std::fs::write(&cache, &bad).expect("write");
        let (again, opened) = open(&home, &cache);
        assert!(opened.rebuilt || opened.kept == 0, "{opened:?}");
        assert_eq!(opened.read, size + 2);
        assert!(again.iter().zip(index.iter()).all(|(a, b)| a == b));
        assert_eq!(std::fs::read(&cache).expect("cache"), good, "written back as it should be");
    }
    let other = LocalLog::at(tmp.path().join("other"));
    let mut w = other.init(ORIGIN).expect("init");
    w.append(&[b"another history".to_vec(), b"of three".to_vec(), b"entries".to_vec()]).expect("append");
    drop(w);
    let (_, opened) = open(&other, &cache);
    assert_eq!((opened.kept, opened.read, opened.rebuilt), (0, 3, true));
}

#[test]
fn a_registered_use_whose_organisation_holds_a_line_feed_keeps_its_use_case_apart() {
    use records::{Body, Record, RegisteredUse};
    let uses = [("a\nb", "c"), ("a", "b\nc")];
    let entries: Vec<Vec<u8>> = uses
        .iter()
        .map(|(org, use_case)| {
            let body = Body::RegisteredUse(RegisteredUse {
                period: "2026-Q3".into(),
                organisation: (*org).into(),
                use_case: (*use_case).into(),
                declaration: Default::default(),
                registered_by: "p".into(),
                depends_on: Vec::new(),
            });
            records::entry(&Record::new(body, false)).expect("entry")
        })
        .collect();
    let index = RecordIndex::of_entries(&entries);
    let keys: Vec<(Option<&str>, Option<&str>)> =
        index.iter().map(|(_, e)| (e.subject.as_deref(), e.use_case.as_deref())).collect();
    // Joined by a line feed, the two would be one subject, "a\nb\nc", and publishing would
    // take one for the current record of the other.
    assert_eq!(keys, [(Some("a\nb"), Some("c")), (Some("a"), Some("b\nc"))]);
}

#[test]
fn an_index_file_of_the_first_format_is_rebuilt() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    writer.append(&[b"one".to_vec(), b"two".to_vec()]).expect("append");
    drop(writer);
    let cache = tmp.path().join(FILE_NAME);
    open(&home, &cache);
    let text = std::fs::read_to_string(&cache).expect("cache");
    assert!(text.starts_with("{\"format\":2,"), "{text}");
    std::fs::write(&cache, text.replacen("\"format\":2", "\"format\":1", 1)).expect("write");
    let (_, opened) = open(&home, &cache);
    assert_eq!((opened.kept, opened.read), (0, 2), "its subjects may join a use case to the organisation");
}
