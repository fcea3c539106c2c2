//! Entries a hostile or careless writer could add: each is read as its kind only when nothing
//! is lost, otherwise kept whole; corrections count only after what they name, by its hash.

use records::{Body, Parsed, Record, parse};
use serde_json::json;

fn canonical(v: &serde_json::Value) -> Vec<u8> {
    records::canonical::to_vec(v).expect("canonical")
}

fn notice_setting(extra: serde_json::Value) -> Vec<u8> {
    let mut v = json!({"type": "candor.policy_notice_setting", "notice_days": 30, "reason": "r",
                       "set_by": "operator-1", "set_at": "2026-10-01T00:00:00Z"});
    for (k, x) in extra.as_object().expect("object") {
        v[k] = x.clone();
    }
    canonical(&v)
}

#[test]
fn a_type_that_only_looks_like_a_kind_is_kept_whole() {
    for kind in ["candor.", "candor.policy_notice_setting ", "candor.Policy_notice_setting"] {
        let entry = canonical(&json!({"type": kind, "notice_days": 30}));
        let Some(Parsed::Unrecognised(u)) = parse(&entry) else { panic!("{kind:?} must be kept whole") };
        assert_eq!(u.kind, kind);
    }
}

#[test]
fn odd_demonstration_marks_and_notices_are_kept_as_written_and_mark_nothing() {
    for extra in [
        json!({"demonstration_data": false}),
        json!({"demonstration_data": "true"}),
        json!({"demonstration_data": 1}),
        json!({"notice": 5}),
        json!({"notice": null, "demonstration_data": null}),
    ] {
        let entry = notice_setting(extra.clone());
        let Some(Parsed::Known(r)) = parse(&entry) else { panic!("{extra} must be read as its kind") };
        assert!(!r.demonstration, "{extra} marks nothing as demonstration data");
        assert_eq!(r.entry().expect("canonical"), entry, "{extra} is written back as it was");
    }
}

#[test]
fn members_of_another_shape_or_beyond_a_double_are_kept_whole() {
    for bad in [
        json!({"notice_days": "30"}),
        json!({"notice_days": -1}),
        json!({"notice_days": 30.5}),
        json!({"notice_days": 1e300}),
        json!({"set_at": null}),
    ] {
        let entry = notice_setting(bad.clone());
        assert!(matches!(parse(&entry), Some(Parsed::Unrecognised(_))), "{bad}");
    }
    // Written by hand: an integer beyond 2^53 (canonical JSON cannot hold it exactly).
    let entry = String::from_utf8(notice_setting(json!({}))).expect("utf8").replace(":30,", ":9007199254740993,");
    let Some(Parsed::Unrecognised(u)) = parse(entry.as_bytes()) else { panic!("a huge integer must be kept whole") };
    assert_eq!(u.kind, "candor.policy_notice_setting");
}

#[test]
fn a_record_at_the_entry_limit_is_written_and_one_byte_more_is_refused() {
    let base = Record::new(
        Body::NoticeSetting(records::NoticeSetting {
            notice_days: 30,
            reason: String::new(),
            set_by: "operator-1".into(),
            set_at: "2026-10-01T00:00:00Z".into(),
        }),
        false,
    );
    let len = records::entry(&base).expect("entry").len();
    let mut at = base.clone();
    if let Body::NoticeSetting(n) = &mut at.body {
        n.reason = "x".repeat(tlog::MAX_ENTRY_SIZE - len);
    }
    assert_eq!(records::entry(&at).expect("at the limit").len(), tlog::MAX_ENTRY_SIZE);
    if let Body::NoticeSetting(n) = &mut at.body {
        n.reason.push('x');
    }
    assert!(matches!(records::entry(&at), Err(records::Error::TooLarge { .. })));
}

#[test]
fn only_corrections_after_what_they_name_and_by_its_hash_count() {
    let record = notice_setting(json!({}));
    let correction = |index: u64, sha256: String| {
        canonical(&json!({"type": "candor.correction", "corrects": {"index": index, "sha256": sha256},
                          "reason": "r", "replacement": null}))
    };
    let sha = |e: &[u8]| records::sha256_hex(e);
    let mut entries = vec![correction(1, sha(&record)), record.clone()]; // 0 names 1 before it is written
    entries.push(correction(1, "0".repeat(64))); // 2: another hash
    entries.push(correction(3, sha(&record))); // 3: itself
    entries.push(correction(99, sha(&record))); // 4: nothing there
    assert!(records::corrected(&entries, records::parse_all(&entries).iter().map(|(i, r)| (*i, r))).is_empty());
    entries.push(correction(1, sha(&record))); // 5: counts
    entries.push(correction(1, sha(&record))); // 6: a second one; the first counts
    let parsed = records::parse_all(&entries);
    let corrected = records::corrected(&entries, parsed.iter().map(|(i, r)| (*i, r)));
    assert_eq!(corrected.into_iter().collect::<Vec<_>>(), [(1, 5)]);
}
