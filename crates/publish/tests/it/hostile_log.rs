//! Entries another writer to the same log (or a careless one) adds: corrections that name a
//! record not yet written, a record by a hash it does not have, or themselves, count for
//! nothing, so the publisher and every reader of the report agree on what is current.

use publish::append::{Options, publish};
use publish::check::{check_report, folder_files};
use publish::gather::{Period, gather};
use publish::site::write_site;
use serde_json::{Value, json};
use tlog::{Dir, LocalLog};

use crate::publish_flow::{ORIGIN, entries, registry, usage};

fn canonical(v: &Value) -> Vec<u8> {
    records::canonical::to_vec(v).expect("canonical")
}

fn correction(index: u64, sha256: &str) -> Vec<u8> {
    canonical(&json!({
        "type": "candor.correction",
        "corrects": {"index": index, "sha256": sha256},
        "reason": "withdrawn: not true",
        "replacement": null,
    }))
}

/// The rows of `data/records.json`'s parts, by index.
fn rows(public: &std::path::Path) -> Vec<Value> {
    publish::site::parts::read_rows(public, "records.json").expect("the records' parts")
}

#[test]
fn corrections_of_records_not_yet_written_of_another_hash_or_of_themselves_correct_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let policy = json!({"type": "candor.policy_version", "sha256": "ab", "file": "p.cedar",
                        "text": "permit(principal, action, resource);", "activated_at": "2026-07-01T00:00:00Z"});
    writer.append(&[canonical(&policy)]).expect("policy");
    // Another writer withdraws, in advance, whatever will be written at indexes 21 to 40
    // (records are predictable: their bytes follow from their content), and one correction
    // names itself.
    let ahead: Vec<Vec<u8>> = (1..=20).map(|j| correction(20 + j, &"0".repeat(64))).collect();
    writer.append(&ahead).expect("ahead");
    assert_eq!(writer.size(), 21);

    let store = registry();
    let period = Period::parse("2026-Q3").expect("period");
    let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    let first =
        publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), Some(0), &opts).expect("publish");
    assert_eq!(first.appended.first().map(|a| a.0), Some(21));
    // Publishing again adds nothing: the publisher does not read its own records as corrected.
    let again =
        publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), Some(0), &opts).expect("again");
    assert!(again.appended.is_empty(), "{:?}", again.appended);

    // Afterwards: a correction naming the organisation's record by a hash it does not have,
    // and one naming itself.
    let org = first.organisation_records[0];
    let size = writer.size();
    writer.append(&[correction(org, &"1".repeat(64)), correction(size + 1, &"2".repeat(64))]).expect("bogus");
    let again =
        publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), Some(0), &opts).expect("again");
    assert!(again.appended.is_empty(), "{:?}", again.appended);

    let verifier = home.verifier().expect("vkey");
    let public = home.public_dir();
    write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site");
    for row in rows(&public) {
        assert_eq!(row["corrected_by"], Value::Null, "record #{} is shown as corrected", row["index"]);
    }
    let orgs: Value =
        serde_json::from_slice(&std::fs::read(public.join("data/organisations.json")).expect("orgs")).expect("json");
    assert_eq!(orgs["rows"].as_array().map(Vec::len), Some(1), "the organisation is current: {orgs}");
    let index = std::fs::read_to_string(public.join("index.html")).expect("index");
    assert!(index.contains("2026-Q3"), "the period is current");
    let report = check_report(&Dir::new(&public), &verifier, &[], &folder_files(&public), &mut |_| {}).expect("check");
    assert!(report.faults.is_empty(), "{:#?}", report.faults);
    assert_eq!(entries(&home).len() as u64, writer.size());
}

#[test]
fn withdrawing_an_organisations_newest_usage_record_leaves_the_one_before_current() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let store = registry();
    let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    let mut orgs = Vec::new();
    for p in ["2026-Q3", "2026-Q4"] {
        let period = Period::parse(p).expect("period");
        let out =
            publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), None, &opts).expect("publish");
        orgs.push(out.organisation_records[0]);
    }
    let verifier = home.verifier().expect("vkey");
    let public = home.public_dir();
    let listed = |public: &std::path::Path| -> Value {
        let orgs: Value = serde_json::from_slice(&std::fs::read(public.join("data/organisations.json")).expect("orgs"))
            .expect("json");
        orgs["rows"].clone()
    };
    write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site");
    let before = listed(&public);
    assert_eq!(before[0]["periods"], json!(["2026-Q3", "2026-Q4"]), "{before}");
    // The site keeps the newest usage record of each organisation typed; once a correction
    // withdraws it, the one before is read again from its entry.
    let log = entries(&home);
    writer.append(&[correction(orgs[1], &records::sha256_hex(&log[orgs[1] as usize]))]).expect("withdraw");
    write_site(&public, &verifier, "2026-12-01T00:00:00Z").expect("site");
    let after = listed(&public);
    assert_eq!(after.as_array().map(Vec::len), Some(1), "the organisation is still current: {after}");
    assert_eq!(after[0]["periods"], json!(["2026-Q3"]), "{after}");
    assert_eq!(after[0]["capabilities"], json!(["compute", "face_identification"]), "the third quarter's: {after}");
    for key in ["kind", "law_enforcement_role", "jurisdiction", "evidence"] {
        assert_eq!(after[0][key], before[0][key], "{key} read from the earlier record");
    }
    let page = std::fs::read_to_string(public.join(format!("record/{}.html", orgs[1]))).expect("page");
    assert!(page.contains("class=\"corrected\""), "the withdrawn record's page says so");
    let report = check_report(&Dir::new(&public), &verifier, &[], &folder_files(&public), &mut |_| {}).expect("check");
    assert!(report.faults.is_empty(), "{:#?}", report.faults);
}

#[test]
fn a_record_of_a_known_kind_the_format_cannot_read_is_shown_whole_and_the_check_passes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let home = LocalLog::at(tmp.path().join("log"));
    let mut writer = home.init(ORIGIN).expect("init");
    let store = registry();
    let period = Period::parse("2026-Q3").expect("period");
    let opts = Options { demonstration: true, salt: b"salt".to_vec(), ..Options::default() };
    let first =
        publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), None, &opts).expect("publish");
    // A summary of the period with a member of another shape, and one with a huge number:
    // neither is read as a summary (kept whole), so neither becomes the period's current one.
    let log = entries(&home);
    let mut summary: Value = serde_json::from_slice(&log[first.summary as usize]).expect("json");
    summary["organisations_disclosed"] = json!("many");
    let odd = canonical(&summary);
    let honest = String::from_utf8(log[first.summary as usize].clone()).expect("utf8");
    let huge = honest.replace("\"organisations_disclosed\":1,", "\"organisations_disclosed\":9007199254740993,");
    assert_ne!(huge, honest);
    writer.append(&[odd, huge.into_bytes()]).expect("append");
    let again = publish(&mut writer, &gather(&store, &usage(), &period).expect("gather"), None, &opts).expect("again");
    assert!(again.appended.is_empty(), "{:?}", again.appended);
    let verifier = home.verifier().expect("vkey");
    let public = home.public_dir();
    write_site(&public, &verifier, "2026-10-01T00:00:00Z").expect("site");
    let size = writer.size();
    for i in [size - 2, size - 1] {
        let page = std::fs::read_to_string(public.join(format!("record/{i}.html"))).expect("page");
        assert!(page.contains("class=\"unrecognised\""), "record #{i} is shown whole");
    }
    let report = check_report(&Dir::new(&public), &verifier, &[], &folder_files(&public), &mut |_| {}).expect("check");
    assert!(report.faults.is_empty(), "{:#?}", report.faults);
}

#[test]
fn a_catalogue_listing_a_part_again_or_more_parts_than_the_log_has_is_refused_not_read_over_and_over() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_home, verifier, public) = crate::publish_flow::one_quarter_site(tmp.path());
    let honest = rows(&public).len();
    let catalogue_file = public.join("data/records.json");
    let catalogue: Value = serde_json::from_slice(&std::fs::read(&catalogue_file).expect("read")).expect("json");
    let check =
        || check_report(&Dir::new(&public), &verifier, &[], &folder_files(&public), &mut |_| {}).expect("check");

    // The one part listed 1,000 times: read once at most, and the repetition named.
    let mut again = catalogue.clone();
    let part = again["parts"][0].clone();
    again["parts"] = Value::Array(vec![part; 1000]);
    std::fs::write(&catalogue_file, again.to_string()).expect("write");
    assert!(publish::site::parts::read_rows(&public, "records.json").is_err(), "a part listed twice is refused");
    let report = check();
    assert!(report.listed_records <= honest, "{} rows read for {honest}", report.listed_records);
    assert!(report.faults.iter().any(|f| f.starts_with("data/records.json: ")), "{:#?}", report.faults);

    // Parts of distinct names, more than the log's size could make: refused before any is read.
    let mut many = catalogue.clone();
    let names: Vec<Value> = (0..1000).map(|k| json!({"path": format!("records/{k}.json")})).collect();
    many["parts"] = Value::Array(names);
    std::fs::write(&catalogue_file, many.to_string()).expect("write");
    let report = check();
    let missing = report.faults.iter().filter(|f| f.contains("missing")).count();
    assert!(missing < 10, "{missing} parts looked for in a log of {} entries: {:#?}", report.size, report.faults);
    assert!(report.faults.iter().any(|f| f.starts_with("data/records.json: ")), "{:#?}", report.faults);
}
