//! The download parts left unrendered (`site::parts::PartsLeft`) under attack: usage periods of
//! a hostile log that slug alike, arrive out of order, are empty or no text; corrections that
//! count and those that do not; records parts whose range ends exactly where the last writing
//! stopped. At every step, writing only what changed leaves what writing every file makes,
//! byte for byte, and the outside check accepts it, in full and from what the check before
//! remembered; a kept part tampered with or removed is named by both.

use publish::check::{Memory, check_report_since, folder_files};
use publish::site::SiteReport;
use serde_json::{Value, json};

use crate::kept_history::{append, canonical, entry, faults, link, publish_and_compare};
use crate::site_stamp::{Published, published, published_with, site_files};

/// A published log, written and checked step by step; the check of each step goes from what
/// the check of the step before remembered.
struct Steps {
    s: Published,
    memory: Option<Memory>,
}

impl Steps {
    fn new(s: Published) -> Steps {
        let mut steps = Steps { s, memory: None };
        steps.step("first");
        steps
    }

    /// Writes the site incrementally and compares it with a full writing (and the full check,
    /// see `publish_and_compare`), then checks it from memory.
    fn step(&mut self, what: &str) -> SiteReport {
        let report = publish_and_compare(&self.s, what);
        let (checked, memory) = self.check(self.memory.as_ref());
        assert!(checked.faults.is_empty(), "{what}, from memory: {:?}", checked.faults);
        assert_eq!(checked.remembered, self.memory.is_some(), "{what}");
        self.memory = Some(memory);
        report
    }

    fn check(&self, since: Option<&Memory>) -> (publish::check::CheckReport, Memory) {
        let files = folder_files(&self.s.public);
        let dir = tlog::Dir::new(self.s.public.clone());
        check_report_since(&dir, &self.s.verifier, &[], &files, since, &mut |_| {}).expect("check")
    }

    fn append(&self, entries: &[Vec<u8>]) -> u64 {
        append(&self.s, entries)
    }

    /// The log's first usage record: its index and entry.
    fn usage(&self) -> (u64, Vec<u8>) {
        (0..).map(|i| (i, entry(&self.s, i))).find(|(_, e)| is_usage(e)).expect("a usage record")
    }
}

fn is_usage(e: &[u8]) -> bool {
    serde_json::from_slice::<Value>(e).is_ok_and(|v| v["type"] == "candor.organisation_usage")
}

/// The usage record `template` for `period` (any JSON), of the organisation `name`.
fn usage_of(template: &[u8], period: Value, name: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(template).expect("json");
    v["period"] = period;
    v["organisation"]["name"] = json!(name);
    canonical(&v)
}

fn correction(corrects: Value, replacement: Value) -> Vec<u8> {
    canonical(&json!({"type": "candor.correction", "corrects": corrects, "reason": "r",
                      "replacement": replacement, "demonstration_data": true}))
}

/// The usage parts' files of the site, by name.
fn usage_files(s: &Published) -> Vec<String> {
    site_files(&s.public).into_keys().filter(|k| k.starts_with("data/usage/")).collect()
}

/// The period each usage part's file (JSON) names, by file.
fn usage_periods(s: &Published) -> Vec<(String, Value)> {
    let catalogue: Value =
        serde_json::from_slice(&std::fs::read(s.public.join("data/usage.json")).expect("catalogue")).expect("json");
    (catalogue["parts"].as_array().expect("parts").iter())
        .map(|p| (p["json"].as_str().expect("json").to_string(), p["period"].clone()))
        .collect()
}

const NAME: &str = "Lakemoor County Sheriff's Office (fictional)";

#[test]
fn periods_that_slug_alike_arriving_in_any_order_are_named_as_a_full_writing_names_them() {
    let mut t = Steps::new(published());
    let (_, template) = t.usage();

    // Before the existing quarter in string order (' ' < '-'): it takes `2026-q3`.
    t.append(&[usage_of(&template, json!("2026 q3"), NAME)]);
    t.step("a period that slugs alike, earlier");
    let named = usage_periods(&t.s);
    assert!(named.contains(&("usage/2026-q3.json".into(), json!("2026 q3"))), "{named:?}");
    assert!(named.contains(&("usage/2026-q3-2.json".into(), json!("2026-Q3"))), "{named:?}");

    t.append(&[b"another writer's entry".to_vec()]);
    let r = t.step("nothing of usage");
    assert_eq!(r.kept_parts, 4, "both periods' files: {r:?}");

    // After both ('/' > '-'): the earlier ones are left.
    t.append(&[usage_of(&template, json!("2026/Q3"), NAME)]);
    let r = t.step("a period that slugs alike, later");
    assert_eq!(r.kept_parts, 4, "{r:?}");

    // A period whose slug is a name given to another (`2026-q3-2`), between them in order.
    t.append(&[usage_of(&template, json!("2026-q3-2"), NAME)]);
    let r = t.step("a period slugging as a name given");
    assert_eq!(r.kept_parts, 4, "the two before it: {r:?}");

    // Earlier than every period: every usage part written again.
    t.append(&[usage_of(&template, json!("2025-Q1"), NAME)]);
    let r = t.step("a period earlier than all");
    assert_eq!(r.kept_parts, 0, "{r:?}");

    // Periods of no letter or digit, empty, of other scripts, very long, and not strings.
    let long = format!("{}Q3", "2026-".repeat(40));
    let odd = [json!(""), json!("—"), json!("–"), json!("٢٠٢٦"), json!(long), json!(format!("{long}!"))];
    t.append(&odd.iter().map(|p| usage_of(&template, p.clone(), NAME)).collect::<Vec<_>>());
    t.step("periods of no letter, empty, long");
    for p in [json!(2026), json!(null), json!(["2026-Q3"]), json!({"q": 3})] {
        t.append(&[usage_of(&template, p, NAME)]);
    }
    let r = t.step("periods that are not strings");
    assert!(r.kept_parts > 0, "{r:?}");
    let files = usage_files(&t.s);
    assert!(files.iter().all(|f| !f.contains("..")), "{files:?}");
    assert_eq!(files.len(), 2 * usage_periods(&t.s).len(), "{files:?}");

    // Organisations whose names slug alike, in a period already there and in a new last one.
    t.append(&[
        usage_of(&template, json!("2026-Q3"), "Lakemoor County Sheriff's Office (fictional)!"),
        usage_of(&template, json!("zzz"), "LAKEMOOR county sheriff s office fictional"),
    ]);
    t.step("organisations that slug alike");
    t.append(&[b"x".to_vec()]);
    let r = t.step("nothing of usage, again");
    assert_eq!(r.kept_parts, 2 * usage_periods(&t.s).len(), "{r:?}");
}

#[test]
fn corrections_that_count_change_their_parts_and_those_that_do_not_change_none() {
    let mut t = Steps::new(published());
    let (usage, template) = t.usage();
    let size = t.append(&[usage_of(&template, json!("2026-Q4"), NAME), usage_of(&template, json!("2027-Q1"), NAME)]);
    t.step("two later periods");
    let q4 = size - 2;
    let q4_entry = entry(&t.s, q4);

    // Corrections that do not count: another hash, a later index, itself, a record not there.
    let at = t.append(&[]);
    t.append(&[
        correction(json!({"index": usage, "sha256": "00"}), Value::Null),
        correction(json!({"index": at + 5, "sha256": records::sha256_hex(&q4_entry)}), Value::Null),
        correction(json!({"index": at + 2, "sha256": "00"}), Value::Null),
        correction(json!({"index": 1_000_000, "sha256": "00"}), Value::Null),
    ]);
    let r = t.step("corrections that do not count");
    assert_eq!(r.kept_parts, 6, "every period's files: {r:?}");

    // A correction at exactly the size of the last writing, of the middle period: it and the
    // later one written again, the earlier one left.
    let since = t.append(&[]);
    let c = correction(link(q4, &q4_entry), Value::Null);
    assert_eq!(t.append(std::slice::from_ref(&c)), since + 1);
    let r = t.step("a correction at the index the last writing ended at");
    assert_eq!(r.kept_parts, 2, "{r:?}");
    assert!(!usage_files(&t.s).contains(&"data/usage/2026-q4.json".to_string()), "the period emptied");

    // A correction of that correction (it does not restore the record), then a second
    // correction of the same record (the first counts).
    t.append(&[correction(link(since, &c), Value::Null), correction(link(q4, &q4_entry), Value::Null)]);
    let r = t.step("a correction of a correction");
    assert_eq!(r.kept_parts, 4, "nothing of usage changed: {r:?}");

    // The emptied period refilled.
    t.append(&[usage_of(&template, json!("2026-Q4"), NAME)]);
    let r = t.step("the emptied period refilled");
    assert_eq!(r.kept_parts, 2, "{r:?}");

    // The first period's record replaced by one of a later period.
    let at = t.append(&[usage_of(&template, json!("2027-Q2"), NAME)]);
    let replacement = link(at - 1, &entry(&t.s, at - 1));
    t.append(&[correction(link(usage, &template), replacement)]);
    let r = t.step("a replacement in another period");
    assert_eq!(r.kept_parts, 0, "{r:?}");
    t.append(&[b"x".to_vec()]);
    t.step("after the replacement");
}

#[test]
fn records_parts_whose_range_ends_where_the_last_writing_stopped() {
    let mut t = Steps::new(published());
    let (usage, template) = t.usage();
    let size = t.append(&[]);
    // Exactly one part's range: the last writing stops where the first part ends.
    let filler = |n: u64, tag: &str| (0..n).map(|i| format!("{tag} {i}").into_bytes()).collect::<Vec<_>>();
    assert_eq!(t.append(&filler(4096 - size, "a")), 4096);
    let r = t.step("4096 entries");
    assert_eq!(r.kept_parts, 2, "the usage files: {r:?}");
    // One more entry, not a record: the full part is left.
    assert_eq!(t.append(&filler(1, "b")), 4097);
    let r = t.step("4097 entries");
    assert_eq!(r.kept_parts, 3, "{r:?}");
    // A range with no record of candor: no part; then one with a record.
    t.append(&filler(8192 - 4097, "c"));
    t.step("a range of no record");
    assert!(!t.s.public.join("data/records/1.json").exists());
    let at = t.append(&[usage_of(&template, json!("2026-Q4"), NAME)]);
    assert_eq!(at, 8193);
    let r = t.step("a record in the third range");
    assert_eq!(r.kept_parts, 3, "{r:?}");

    // A correction at exactly the last writing's size of a record of the first part.
    let since = t.append(&[]);
    assert_eq!(t.append(&[correction(link(usage, &template), Value::Null)]), since + 1);
    let before = site_files(&t.s.public);
    let r = t.step("a correction at the last writing's size");
    assert_eq!(r.kept_parts, 0, "{r:?}");
    assert_ne!(site_files(&t.s.public)["data/records/0.json"], before["data/records/0.json"]);
}

#[test]
fn a_site_that_becomes_demonstration_data_writes_every_part() {
    let template = {
        let s = published();
        let (_, e) = (0..).map(|i| (i, entry(&s, i))).find(|(_, e)| is_usage(e)).expect("usage");
        let mut v: Value = serde_json::from_slice(&e).expect("json");
        v.as_object_mut().expect("object").remove("demonstration_data");
        canonical(&v)
    };
    let plain = template.clone();
    let mut t = Steps::new(published_with(move |w| {
        w.append(&[plain]).expect("usage");
    }));
    t.append(&[b"x".to_vec()]);
    let r = t.step("grown");
    assert_eq!(r.kept_parts, 2, "{r:?}");
    assert!(!String::from_utf8_lossy(&site_files(&t.s.public)["data/usage/2026-q3.csv"]).contains("demonstration"));
    t.append(&[canonical(&json!({"type": "candor.future_kind", "demonstration_data": true}))]);
    let r = t.step("a demonstration record");
    assert_eq!(r.kept_parts, 0, "{r:?}");
    t.append(&[usage_of(&template, json!("2026-Q4"), NAME)]);
    t.step("a plain record in a demonstration log");
}

#[test]
fn hundreds_of_periods_whose_names_collide() {
    let mut t = Steps::new(published());
    let (_, template) = t.usage();
    // Each number's periods slug alike (`q-7`), and slug as the names given to `q`'s.
    let spellings = |i: usize| [format!("q {i}"), format!("Q-{i}"), format!("q/{i}")];
    let plain = ["q", "Q", "q!", "q.", "Q?"].map(String::from);
    let mut batches: Vec<Vec<String>> = vec![plain.to_vec()];
    for i in (2..100).step_by(3) {
        batches.push(spellings(i).to_vec());
    }
    for i in (3..100).step_by(3).rev() {
        batches.push(spellings(i).to_vec());
    }
    batches.push((1..100).step_by(3).flat_map(spellings).collect());
    let mut written = 0;
    for (n, batch) in batches.chunks(12).enumerate() {
        let periods: Vec<Vec<u8>> = batch.iter().flatten().map(|p| usage_of(&template, json!(p), NAME)).collect();
        written += periods.len();
        t.append(&periods);
        t.step(&format!("batch {n}"));
    }
    assert!(written >= 300, "{written}");
    let named = usage_periods(&t.s);
    assert_eq!(named.len(), written + 1, "every period has its own files");
    t.append(&[b"x".to_vec()]);
    let r = t.step("nothing of usage");
    assert_eq!(r.kept_parts, 2 * named.len(), "{r:?}");
}

#[test]
fn a_kept_part_tampered_with_or_removed_is_named_by_both_checks() {
    let mut t = Steps::new(published());
    let (_, template) = t.usage();
    let size = t.append(&[]);
    t.append(&(size..4096).map(|i| format!("entry {i}").into_bytes()).collect::<Vec<_>>());
    t.append(&[usage_of(&template, json!("2026-Q4"), NAME)]);
    t.step("a full part and two periods");
    let memory = t.memory.clone();
    t.append(&[b"x".to_vec()]);
    let r = t.step("grown");
    assert_eq!(r.kept_parts, 5, "{r:?}");

    for rel in ["data/usage/2026-q3.json", "data/usage/2026-q3.csv", "data/usage/2026-q4.json", "data/records/0.json"] {
        let path = t.s.public.join(rel);
        let before = std::fs::read(&path).expect("read");
        let tampered = String::from_utf8_lossy(&before).replacen("2026", "2025", 1);
        for (what, change) in [("tampered", Some(tampered.as_bytes())), ("removed", None)] {
            match change {
                Some(bytes) => std::fs::write(&path, bytes).expect("tamper"),
                None => std::fs::remove_file(&path).expect("remove"),
            }
            let full = faults(&t.s);
            assert!(full.iter().any(|f| f.starts_with(rel)), "full, {rel} {what}: {full:?}");
            for m in [&t.memory, &memory] {
                let (since, _) = t.check(m.as_ref());
                assert!(since.faults.iter().any(|f| f.starts_with(rel)), "{rel} {what}: {:?}", since.faults);
            }
            std::fs::write(&path, &before).expect("restore");
        }
    }
    let (since, _) = t.check(memory.as_ref());
    assert!(since.faults.is_empty(), "{:?}", since.faults);
}

/// A memory kept from a check that found a fault vouches for no file: a kept part tampered
/// with (same size, same modification time, so the writer leaves it) and found by that check
/// is still named by the next check from its memory, after the log grew.
#[test]
fn a_memory_of_a_failed_check_vouches_for_nothing_it_found_at_fault() {
    let mut t = Steps::new(published());
    let size = t.append(&[]);
    t.append(&(size..4096).map(|i| format!("entry {i}").into_bytes()).collect::<Vec<_>>());
    t.append(&[b"past the first part".to_vec()]);
    t.step("a full part");
    let rel = "data/records/0.json";
    let path = t.s.public.join(rel);
    let before = std::fs::read(&path).expect("read");
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
    let tampered = String::from_utf8_lossy(&before).replacen("\"index\": 1,", "\"index\": 2,", 1);
    assert_eq!(tampered.len(), before.len(), "the same size");
    std::fs::write(&path, tampered).expect("tamper");
    std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(modified)).expect("mtime");
    let (failed, after_fault) = t.check(t.memory.as_ref());
    assert!(failed.faults.iter().any(|f| f.starts_with(rel)), "{:?}", failed.faults);

    t.append(&[b"another".to_vec()]);
    let grown = t.s.update(false);
    assert!(grown.kept_parts > 0, "the writer leaves the part it judges as it left it: {grown:?}");
    let (since, _) = t.check(Some(&after_fault));
    assert!(since.faults.iter().any(|f| f.starts_with(rel)), "{:?}", since.faults);
}
