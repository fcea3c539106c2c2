//! Writing the site when the log grows leaves a record's page as it is while nothing it shows
//! changed: the page keeps the older checkpoint it carries (kept in `checkpoints/`). What
//! incremental writing leaves is byte for byte what writing every page makes, the outside
//! check accepts it, and a correction moves the corrected record's page to the newest
//! checkpoint in both.

use std::collections::BTreeMap;

use publish::site::history;
use serde_json::{Value, json};

use crate::site_stamp::{Published, published, site_files};

/// The checkpoint a page carries (its `candor-log` block).
fn carried(page: &[u8]) -> String {
    let html = String::from_utf8_lossy(page);
    let open = "<script type=\"application/json\" id=\"candor-log\">";
    let start = html.find(open).expect("log block") + open.len();
    let end = html[start..].find("</script>").expect("end") + start;
    let log: Value = serde_json::from_str(&html[start..end]).expect("json");
    log["checkpoint"].as_str().expect("checkpoint").to_string()
}

/// Every fault the outside check finds in the published folder.
fn faults(s: &Published) -> Vec<String> {
    let files = publish::check::folder_files(&s.public);
    let dir = tlog::Dir::new(s.public.clone());
    publish::check::check_report(&dir, &s.verifier, &[], &files, &mut |_| {}).expect("check").faults
}

/// Appends `entries` to the log.
fn append(s: &Published, entries: &[Vec<u8>]) {
    let mut writer = s.home.open().expect("open");
    writer.append(entries).expect("append");
}

/// The first of the log's first `size` entries whose JSON `wanted` accepts, with its index.
fn first_entry(s: &Published, size: u64, wanted: impl Fn(&Value) -> bool) -> (u64, Vec<u8>) {
    let dir = tlog::Dir::new(s.public.clone());
    let reader = tlog::TileReader::new(&dir, size);
    (0..size)
        .map(|i| (i, reader.entry(i).expect("entry")))
        .find(|(_, e)| serde_json::from_slice::<Value>(e).is_ok_and(|v| wanted(&v)))
        .expect("an entry as wanted")
}

/// Appends a correction withdrawing the entry at `index` (nothing replaces it).
fn withdraw(s: &Published, index: u64, entry: &[u8]) {
    let correction = json!({
        "type": "candor.correction",
        "corrects": {"index": index, "sha256": records::sha256_hex(entry)},
        "reason": "withdrawn for this test", "replacement": null, "demonstration_data": true
    });
    append(s, &[records::canonical::to_vec(&correction).expect("canonical")]);
}

/// Writes the site as publishing does, then checks that writing every page again gives the
/// same bytes; returns what the incremental writing reported and the site's files.
fn update_then_rebuild(s: &Published) -> (publish::site::SiteReport, BTreeMap<String, Vec<u8>>) {
    let report = s.update(false);
    let incremental = site_files(&s.public);
    let full = s.update(true);
    assert_eq!(full.kept_pages, 0, "a rebuild writes every page");
    let rebuilt = site_files(&s.public);
    let differing: Vec<&String> =
        rebuilt.keys().chain(incremental.keys()).filter(|k| rebuilt.get(*k) != incremental.get(*k)).collect();
    assert!(differing.is_empty(), "incremental and full writing differ in {differing:?}");
    (report, incremental)
}

#[test]
fn old_record_pages_keep_their_checkpoint_and_incremental_writing_equals_a_full_rebuild() {
    let s = published();
    let first = s.update(false);
    assert_eq!(first.kept_pages, 0, "the first writing writes every page");
    let first_checkpoint = std::fs::read_to_string(s.public.join("checkpoint")).expect("checkpoint");
    assert_eq!(
        std::fs::read_to_string(s.public.join(history::path(first.size))).expect("kept"),
        first_checkpoint,
        "the site keeps the checkpoint it was written for"
    );

    // Another writer's entry: every record page shows only what it showed, so each is left.
    append(&s, &[b"another writer's entry".to_vec()]);
    let (grown, files) = update_then_rebuild(&s);
    assert_eq!(grown.size, first.size + 1);
    // All but the period's summary, which shows what its proposals became since (objections)
    // and so always carries the newest checkpoint.
    assert_eq!(grown.kept_pages, first.record_pages - 1, "{grown:?}");
    let newest = std::fs::read_to_string(s.public.join("checkpoint")).expect("checkpoint");
    assert_ne!(newest, first_checkpoint);
    let record_page = &files["record/1.html"];
    assert_eq!(carried(record_page), first_checkpoint, "an old record's page keeps its checkpoint");
    assert_eq!(carried(&files["index.html"]), newest, "listings carry the newest");
    let list: Vec<u64> = serde_json::from_slice(&files[history::LIST]).expect("list");
    assert_eq!(list, vec![first.size, grown.size]);
    let f = faults(&s);
    assert!(f.is_empty(), "{f:?}");

    // A correction of the organisation's usage record: its page now shows it is corrected,
    // so it carries the newest checkpoint; the page of the record it does not touch stays.
    let pages = site_files(&s.public);
    let (usage_index, usage_entry) = first_entry(&s, first.size, |v| v["type"] == "candor.organisation_usage");
    withdraw(&s, usage_index, &usage_entry);
    let (corrected, files) = update_then_rebuild(&s);
    let newest = std::fs::read_to_string(s.public.join("checkpoint")).expect("checkpoint");
    let page = &files[&format!("record/{usage_index}.html")];
    assert!(String::from_utf8_lossy(page).contains("Corrected by record"), "the page shows the correction");
    assert_eq!(carried(page), newest, "a page whose record was corrected moves to the newest checkpoint");
    assert_eq!(files["record/0.html"], pages["record/0.html"], "the policy's page is left as it was");
    assert_eq!(corrected.kept_pages, first.record_pages - 2, "{corrected:?}");
    let f = faults(&s);
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn the_outside_check_holds_each_page_to_the_checkpoint_its_records_call_for() {
    let s = published();
    let first = s.update(false);
    append(&s, &[b"another writer's entry".to_vec()]);
    s.update(false);
    let newest = std::fs::read_to_string(s.public.join("checkpoint")).expect("checkpoint");
    let old_page = s.public.join("record/1.html");
    let kept = std::fs::read(&old_page).expect("page");

    // The old record's page carrying the newest checkpoint verifies in a browser, but it is not
    // what the site makes: the check names it.
    let first_checkpoint = carried(&kept);
    let moved = String::from_utf8_lossy(&kept).replace(
        &publish::site::html::script_json(&json!(first_checkpoint)),
        &publish::site::html::script_json(&json!(newest)),
    );
    assert_ne!(moved.as_bytes(), &kept[..]);
    std::fs::write(&old_page, &moved).expect("move");
    let f = faults(&s);
    assert!(f.iter().any(|f| f.starts_with("record/1.html")), "{f:?}");
    std::fs::write(&old_page, &kept).expect("restore");
    assert!(faults(&s).is_empty());

    // A kept checkpoint that is not the log's (altered) does not serve: the list and the pages
    // that carried it differ from what the site makes.
    let kept_path = s.public.join(history::path(first.size));
    let text = std::fs::read_to_string(&kept_path).expect("kept");
    std::fs::write(&kept_path, text.replacen('\n', "\nx", 1)).expect("alter");
    let f = faults(&s);
    assert!(f.iter().any(|f| f.starts_with(history::LIST)), "{f:?}");
    assert!(f.iter().any(|f| f.starts_with("record/1.html")), "{f:?}");

    // Written again, the site drops it and moves those pages to the newest checkpoint.
    let again = s.update(false);
    assert_eq!(again.kept_pages, 0, "{again:?}");
    assert!(!kept_path.exists(), "a kept checkpoint that does not serve is removed");
    assert_eq!(carried(&std::fs::read(&old_page).expect("page")), newest);
    assert!(faults(&s).is_empty());
}

/// The report checked from what a check of an earlier period remembered: only new entries are
/// rehashed, files found as verified are not checked again, record pages whose records did not
/// change are not rendered again; and whatever changed on the site, both this check and a full
/// one find it.
#[test]
fn a_check_from_memory_reads_only_what_changed_and_finds_what_a_full_check_finds() {
    let s = published();
    // Entries of another writer fill the first bundle, so what is new lies past it.
    append(&s, &(0..256).map(|i| format!("another writer's entry {i}").into_bytes()).collect::<Vec<_>>());
    s.update(false);
    let dir = tlog::Dir::new(s.public.clone());
    let check = |since: Option<&publish::check::Memory>| {
        let files = publish::check::folder_files(&s.public);
        publish::check::check_report_since(&dir, &s.verifier, &[], &files, since, &mut |_| {}).expect("check")
    };
    let (first, memory) = check(None);
    assert!(first.faults.is_empty() && !first.remembered, "{first:?}");

    append(&s, &[b"another writer's entry".to_vec()]);
    let grown = s.update(false);
    let (full, _) = check(None);
    let (since, next) = check(Some(&memory));
    assert!(full.faults.is_empty() && since.faults.is_empty(), "{full:?} {since:?}");
    assert!(since.remembered);
    assert_eq!(since.entries, full.entries % 256, "only the new bundle is read: {since:?}");
    assert_eq!(since.pages_left, grown.kept_pages + grown.kept_parts, "files not rendered again: {since:?}");
    assert!(since.unchanged_files > 0, "{since:?}");
    assert_eq!((since.pages, since.files_compared), (full.pages, full.files_compared));
    assert_ne!(next, memory, "the memory moves to the new checkpoint");

    // Whatever is altered, both checks find it: an old record's page left as it was, a page
    // written for the new checkpoint, a download part, the list of kept checkpoints.
    for (rel, from, to) in [
        ("record/1.html", "</main>", "<p>added</p></main>"),
        ("index.html", "</main>", "<p>added</p></main>"),
        ("data/records/0.json", "\"index\"", "\"index\" "),
        (history::LIST, "[", "[1,"),
    ] {
        let path = s.public.join(rel);
        let before = std::fs::read(&path).expect("read");
        std::fs::write(&path, String::from_utf8_lossy(&before).replacen(from, to, 1)).expect("alter");
        let (full, _) = check(None);
        let (since, _) = check(Some(&memory));
        assert!(full.faults.iter().any(|f| f.starts_with(rel)), "full, {rel}: {:?}", full.faults);
        assert!(since.faults.iter().any(|f| f.starts_with(rel)), "from memory, {rel}: {:?}", since.faults);
        std::fs::write(&path, before).expect("restore");
    }

    // A log that does not extend what was verified is refused from memory, as a trusted
    // checkpoint is in full.
    let other = published();
    other.update(false);
    let other_dir = tlog::Dir::new(other.public.clone());
    let files = publish::check::folder_files(&other.public);
    let refused =
        publish::check::check_report_since(&other_dir, &other.verifier, &[], &files, Some(&memory), &mut |_| {});
    let why = match refused {
        Ok((r, _)) => r.faults.join("; "),
        Err(e) => e.to_string(),
    };
    assert!(!why.is_empty(), "a memory of another log");
}

/// The downloads' parts hold rows of records only: a part none of whose records was added or
/// corrected since the last writing is left as it was (a records part once its range of
/// indexes is full, a period's usage part until a usage record of it or an earlier period is
/// appended or corrected), and incremental writing still equals a full rebuild.
#[test]
fn download_parts_nothing_was_added_to_or_corrected_in_are_left_as_they_were() {
    use publish::append::{Options, publish};
    use publish::gather::{Period, gather};
    let s = published();
    let first = s.update(false);
    assert_eq!(first.kept_parts, 0, "the first writing writes every part");
    // Another writer's entries fill the first records part's range; then the next quarter.
    append(&s, &(0..4096).map(|i| format!("another writer's entry {i}").into_bytes()).collect::<Vec<_>>());
    {
        let mut writer = s.home.open().expect("open");
        let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
        let q4 = gather(
            &crate::publish_flow::registry(),
            &crate::publish_flow::usage(),
            &Period::parse("2026-Q4").expect("period"),
        )
        .expect("gather");
        publish(&mut writer, &q4, Some(0), &opts).expect("publish");
    }
    let (quarter, files) = update_then_rebuild(&s);
    assert!(files.contains_key("data/usage/2026-q4.json") && files.contains_key("data/usage/2026-q3.json"));
    // The earlier quarter's usage files (CSV and JSON); the records part was not full before.
    assert_eq!(quarter.kept_parts, 2, "{quarter:?}");
    assert!(faults(&s).is_empty());
    // The organisation disclosed in both quarters: its page shows the latest quarter's record
    // in full and links the earlier one, which its own page shows in full.
    let usage_of = |period: &str| -> u64 {
        first_entry(&s, quarter.size, |v| {
            v["type"] == "candor.organisation_usage"
                && v["period"] == period
                && v["organisation"]["name"] == "Lakemoor County Sheriff's Office (fictional)"
        })
        .0
    };
    let (q3, q4) = (usage_of("2026-Q3"), usage_of("2026-Q4"));
    let page = String::from_utf8_lossy(&files["org/lakemoor-county-sheriff-s-office-fictional.html"]).into_owned();
    assert!(page.contains(&format!("id=\"record-{q4}\"")), "the latest quarter in full");
    assert!(!page.contains(&format!("id=\"record-{q3}\"")), "not the earlier one");
    assert!(page.contains(&format!("<a href=\"../record/{q3}.html\">record #{q3}</a>")), "the earlier one linked");
    let own = String::from_utf8_lossy(&files[&format!("record/{q3}.html")]).into_owned();
    assert!(own.contains(&format!("id=\"record-{q3}\"")));

    // Nothing of either quarter changes: both quarters' usage files and the full records part.
    append(&s, &[b"another writer's entry".to_vec()]);
    let (grown, _) = update_then_rebuild(&s);
    assert_eq!(grown.kept_parts, 5, "{grown:?}");
    assert!(faults(&s).is_empty());

    // A correction of the earlier quarter's usage record changes its usage files, the later
    // quarter's (named after the earlier ones: written again), and the records part holding
    // the record.
    let (usage_index, usage_entry) =
        first_entry(&s, first.size, |v| v["type"] == "candor.organisation_usage" && v["period"] == "2026-Q3");
    withdraw(&s, usage_index, &usage_entry);
    let before = site_files(&s.public);
    let (corrected, after) = update_then_rebuild(&s);
    assert_eq!(corrected.kept_parts, 0, "{corrected:?}");
    // The quarter's one disclosed organisation withdrawn: its usage files are removed.
    assert!(before.contains_key("data/usage/2026-q3.json") && !after.contains_key("data/usage/2026-q3.json"));
    assert!(!after.contains_key("data/usage/2026-q3.csv"));
    assert_ne!(after["data/records/0.json"], before["data/records/0.json"], "the record shows its correction");
    assert!(faults(&s).is_empty());
}
