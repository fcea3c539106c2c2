//! The site's usage index (what each organisation-usage record says, kept in the state folder
//! so a writing reads only the entries it has not seen) is bound to the log by leaf hashes: an
//! item whose leaf is not the log's is not used, a damaged file or one of another version is
//! not read and is written anew, an entry damaged in its bundle fails the writing (and is
//! never indexed), and a writing that used it is byte for byte one from the log alone, over
//! periods and corrections. An index altered under the log's leaves (the operator's own state
//! folder) makes a site the outside check refuses.

use std::path::PathBuf;

use serde_json::Value;

use crate::kept_history::{append, entry, faults};
use crate::site_stamp::{Published, published, site_files};

fn index_path(s: &Published) -> PathBuf {
    s.stamp.with_file_name(publish::site::usage_index::FILE_NAME)
}

fn read_index(s: &Published) -> Value {
    serde_json::from_slice(&std::fs::read(index_path(s)).expect("the index is written")).expect("JSON")
}

/// `index` with every item changed by `change`.
fn each_item(mut index: Value, change: impl Fn(&mut Value)) -> Value {
    index["records"].as_array_mut().expect("records").iter_mut().for_each(change);
    index
}

/// The log's organisation-usage records, by index.
fn usage_indexes(s: &Published) -> Vec<u64> {
    let (_, latest, _) = s.home.latest_checkpoint().expect("latest");
    (0..latest.size)
        .filter(|i| records::parse(&entry(s, *i)).and_then(|p| p.body().map(|b| b.kind())) == Some(records::KINDS[0]))
        .collect()
}

/// A new entry (not a candor record), so the next writing builds its model again.
fn grow(s: &Published) {
    append(s, &[br#"{"note":"not a candor record"}"#.to_vec()]);
}

/// Writes the site as publishing does, then every page from the log alone: the same bytes.
fn update_equals_rebuild(s: &Published) -> std::collections::BTreeMap<String, Vec<u8>> {
    s.update(false);
    let incremental = site_files(&s.public);
    s.update(true);
    let rebuilt = site_files(&s.public);
    let differing: Vec<&String> =
        rebuilt.keys().chain(incremental.keys()).filter(|k| rebuilt.get(*k) != incremental.get(*k)).collect();
    assert!(differing.is_empty(), "a writing with the index and one from the log differ in {differing:?}");
    incremental
}

#[test]
fn items_are_used_only_where_their_leaf_is_the_logs() {
    let s = published();
    s.update(false);
    let index = read_index(&s);
    let items = index["records"].as_array().expect("records");
    let indexes: Vec<u64> = items.iter().filter_map(|i| i["index"].as_u64()).collect();
    assert!(!indexes.is_empty());
    assert_eq!(indexes, usage_indexes(&s), "one item per usage record, in log order");

    // Every item names another organisation, under a leaf that is not the log's: none is used.
    let name = "Tampered Name Ltd (fictional)";
    let bad = each_item(index.clone(), |item| {
        item["organisation"] = Value::from(name);
        item["leaf"] = Value::from("00".repeat(32));
    });
    std::fs::write(index_path(&s), serde_json::to_vec(&bad).expect("JSON")).expect("write");
    grow(&s);
    let files = update_equals_rebuild(&s);
    let shown: Vec<&String> =
        files.iter().filter(|(_, b)| String::from_utf8_lossy(b).contains(name)).map(|(k, _)| k).collect();
    assert!(shown.is_empty(), "an item not bound to the log was used: {shown:?}");
    assert!(faults(&s).is_empty());
    // Written again from the log: the items as they were.
    assert_eq!(read_index(&s)["records"], index["records"]);
}

#[test]
fn a_damaged_index_is_not_read_and_is_written_anew() {
    let s = published();
    s.update(false);
    let index = read_index(&s);
    for damaged in [&b"not JSON"[..], br#"{"format":99,"whats":[],"records":[]}"#, b""] {
        std::fs::write(index_path(&s), damaged).expect("write");
        grow(&s);
        update_equals_rebuild(&s);
        assert_eq!(read_index(&s)["records"], index["records"], "after {}", String::from_utf8_lossy(damaged));
        assert!(faults(&s).is_empty());
    }
    // A line naming a what the file does not have: that item is read from its entry.
    let broken = each_item(index.clone(), |item| {
        if let Some(line) = item["lines"].as_array_mut().and_then(|l| l.first_mut()) {
            line[0] = Value::from(u32::MAX);
        }
    });
    std::fs::write(index_path(&s), serde_json::to_vec(&broken).expect("JSON")).expect("write");
    grow(&s);
    update_equals_rebuild(&s);
    assert!(faults(&s).is_empty());
    // A quantity no JSON number reads as (infinite): that item is read from its entry.
    let infinite = each_item(read_index(&s), |item| {
        if let Some(line) = item["lines"].as_array_mut().and_then(|l| l.first_mut()) {
            line[1] = Value::from(f64::INFINITY.to_bits());
        }
    });
    std::fs::write(index_path(&s), serde_json::to_vec(&infinite).expect("JSON")).expect("write");
    grow(&s);
    update_equals_rebuild(&s);
    assert!(faults(&s).is_empty());
}

#[test]
fn an_index_altered_under_the_logs_leaves_makes_a_site_the_outside_check_refuses() {
    let s = published();
    s.update(false);
    let altered = each_item(read_index(&s), |item| item["organisation"] = Value::from("Altered Ltd (fictional)"));
    std::fs::write(index_path(&s), serde_json::to_vec(&altered).expect("JSON")).expect("write");
    grow(&s);
    s.update(false);
    let found = faults(&s);
    assert!(!found.is_empty(), "a site made from an altered index passed the outside check");
    // Written again from the log alone, it is the log's.
    s.update(true);
    assert!(faults(&s).is_empty());
}

#[test]
fn an_index_of_another_version_is_not_read() {
    let s = published();
    s.update(false);
    // Items bound by their leaves but saying something else, from another candor: not read.
    let mut other = each_item(read_index(&s), |item| item["organisation"] = Value::from("Altered Ltd (fictional)"));
    other["renderer"] = Value::from("0.0.0-other");
    std::fs::write(index_path(&s), serde_json::to_vec(&other).expect("JSON")).expect("write");
    grow(&s);
    update_equals_rebuild(&s);
    assert!(faults(&s).is_empty());
    assert_eq!(read_index(&s)["renderer"], Value::from(env!("CARGO_PKG_VERSION")));
}

#[test]
fn an_entry_damaged_in_its_bundle_fails_the_writing_and_is_never_indexed() {
    let s = published();
    let usage = usage_indexes(&s);
    let bundle = s.public.join("tile/entries/000.p").read_dir().expect("the one partial bundle");
    let bundle = bundle.map(|e| e.expect("entry").path()).next().expect("a bundle file");
    let good = std::fs::read(&bundle).expect("bundle");
    // One byte of the first usage record's organisation changed, its length kept.
    let name =
        records::parse(&entry(&s, usage[0])).and_then(|p| p.body().and_then(|b| b.organisation().map(String::from)));
    let name = name.expect("a usage record names its organisation");
    let at = good.windows(name.len()).position(|w| w == name.as_bytes()).expect("the name in the bundle");
    let mut bad = good.clone();
    bad[at] ^= 0x01;
    std::fs::write(&bundle, &bad).expect("write");
    let err = publish::site::update_site(&s.public, &s.stamp, &s.verifier, "2026-10-01T00:00:00Z", false)
        .expect_err("a damaged entry fails the writing");
    assert!(err.to_string().contains("not the one the log's tree holds"), "{err}");
    assert!(!index_path(&s).exists(), "nothing was indexed from a failed reading");
    // Mended, the writing is the log's.
    std::fs::write(&bundle, &good).expect("write");
    update_equals_rebuild(&s);
    assert!(faults(&s).is_empty());
}

#[test]
fn over_two_periods_and_a_withdrawal_the_writing_with_the_index_is_the_logs() {
    use publish::append::{Options, publish};
    use publish::gather::{Period, gather};
    let s = published();
    s.update(false);
    // A second quarter: the first quarter's usage records now come from the index.
    let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    let q4 = Period::parse("2026-Q4").expect("period");
    let data = gather(&crate::publish_flow::registry(), &crate::publish_flow::usage(), &q4).expect("gather");
    let mut writer = s.home.open().expect("open");
    let added = publish(&mut writer, &data, None, &opts).expect("publish").appended;
    drop(writer);
    assert!(!added.is_empty());
    update_equals_rebuild(&s);
    s.update(false);
    // The newest usage record withdrawn: its organisation's page shows the quarter before,
    // whose record the index holds and the writing reads from the log.
    let newest = *usage_indexes(&s).last().expect("a usage record");
    let withdrawn = entry(&s, newest);
    let correction = serde_json::json!({
        "type": "candor.correction",
        "corrects": {"index": newest, "sha256": records::sha256_hex(&withdrawn)},
        "reason": "withdrawn for this test", "replacement": null, "demonstration_data": true
    });
    append(&s, &[records::canonical::to_vec(&correction).expect("canonical")]);
    update_equals_rebuild(&s);
    assert!(faults(&s).is_empty());
}

/// The outside check keeps a usage index of its own beside its memory: the same items the
/// writer keeps. A check from memory reads the usage records it holds from it (an item altered
/// under the log's leaves shows on the pages it renders), a check without memory does not.
#[test]
fn a_check_that_remembers_keeps_its_own_index_and_reads_from_it_only_from_memory() {
    use publish::check::memory::usage_index_beside;
    use publish::check::{Memory, check_report_remembering};
    let s = published();
    s.update(false);
    let memory_path = s.tmp.path().join("memory.json");
    let checker_index = usage_index_beside(&memory_path);
    let check = |since: Option<&Memory>, index: Option<&std::path::Path>| {
        let files = publish::check::folder_files(&s.public);
        check_report_remembering(&tlog::Dir::new(s.public.clone()), &s.verifier, &[], &files, since, index, &mut |_| {})
            .expect("check")
    };
    let (first, memory) = check(None, Some(&checker_index));
    assert!(first.faults.is_empty(), "{first:?}");
    let kept: Value = serde_json::from_slice(&std::fs::read(&checker_index).expect("written")).expect("JSON");
    assert_eq!(kept["records"], read_index(&s)["records"], "the items the writer keeps");

    grow(&s);
    s.update(false);
    let name = "Tampered Name Ltd (fictional)";
    let altered = each_item(kept.clone(), |item| item["organisation"] = Value::from(name));
    std::fs::write(&checker_index, serde_json::to_vec(&altered).expect("JSON")).expect("write");
    let (full, _) = check(None, Some(&checker_index));
    assert!(full.faults.is_empty(), "without memory the index is not read: {full:?}");
    std::fs::write(&checker_index, serde_json::to_vec(&altered).expect("JSON")).expect("write");
    let (since, _) = check(Some(&memory), Some(&checker_index));
    assert!(
        since.faults.iter().any(|f| f.starts_with("org/")),
        "from memory the altered items are read, and the pages differ: {:?}",
        since.faults
    );
    std::fs::write(&checker_index, serde_json::to_vec(&kept).expect("JSON")).expect("restore");
    let (since, _) = check(Some(&memory), Some(&checker_index));
    assert!(since.faults.is_empty() && since.remembered, "{since:?}");
}
