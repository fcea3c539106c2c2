//! The site's usage index (what each organisation-usage record says, kept in the state folder
//! so a writing reads only the entries it has not seen) is bound to the log by leaf hashes: an
//! item whose leaf is not the log's is not used, a damaged file is not read and is written
//! anew, and a writing that used it is byte for byte one from the log alone. An index altered
//! under the log's leaves (the operator's own state folder) makes a site the outside check
//! refuses.

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
    let broken = each_item(index.clone(), |item| item["lines"][0][0] = Value::from(1_000_000));
    std::fs::write(index_path(&s), serde_json::to_vec(&broken).expect("JSON")).expect("write");
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
