//! Records this format does not fully define are kept, never dropped or changed.

use records::{Body, Parsed, Record, parse};

fn classification() -> Record {
    Record::new(
        Body::Classification(records::Classification {
            organisation: "Example Retail Co (fictional)".into(),
            role: "supplier".into(),
            status: "confirmed".into(),
            reason: "holds award TEST-1".into(),
            decided_by: "reviewer-00000000".into(),
            decided_at: "2026-10-01T00:00:00Z".into(),
        }),
        true,
    )
}

#[test]
fn an_extra_member_is_kept_beside_the_typed_record_and_written_back() {
    let mut v = classification().to_value();
    v["evidence_url"] = serde_json::json!("https://example.invalid/award");
    let bytes = records::canonical::to_vec(&v).expect("canonical");
    let Some(Parsed::Known(r)) = parse(&bytes) else { panic!("not read as a classification") };
    assert_eq!(r.extra.get("evidence_url"), Some(&serde_json::json!("https://example.invalid/award")));
    assert_eq!(r.entry().expect("canonical"), bytes);
}

#[test]
fn an_unknown_kind_or_a_member_of_another_shape_is_kept_whole() {
    let unknown = br#"{"n":1,"type":"candor.gate_counts"}"#;
    let Some(Parsed::Unrecognised(u)) = parse(unknown) else { panic!("an unknown kind must be kept") };
    assert_eq!(u.kind, "candor.gate_counts");
    assert_eq!(records::canonical::to_vec(&u.value).expect("canonical"), unknown.to_vec());

    let mut v = classification().to_value();
    v["role"] = serde_json::json!({"primary": "supplier"});
    let bytes = records::canonical::to_vec(&v).expect("canonical");
    let Some(Parsed::Unrecognised(u)) = parse(&bytes) else { panic!("a role of another shape must be kept whole") };
    assert_eq!(u.kind, "candor.classification");
    assert!(u.is_demonstration());
    assert_eq!(Parsed::Unrecognised(u).to_value(), v);
}

#[test]
fn entries_of_other_writers_are_not_candor_records() {
    for entry in [&b"not json"[..], br#"{"type":"other.note"}"#, br#"[1,2]"#, br#"{"no":"type"}"#] {
        assert!(parse(entry).is_none(), "{}", String::from_utf8_lossy(entry));
    }
}

#[test]
fn a_record_larger_than_an_entry_is_refused_before_anything_is_written() {
    let mut r = classification();
    if let Body::Classification(c) = &mut r.body {
        c.reason = "x".repeat(tlog::MAX_ENTRY_SIZE);
    }
    let err = records::entry(&r).expect_err("too large");
    assert!(err.to_string().contains("candor.classification record is"), "{err}");
}

#[test]
fn reading_an_entry_says_what_reading_its_value_says() {
    // The entry's own bytes shortcut the check that nothing is lost; what it decides must be
    // what the full check decides, canonical entry or not.
    let canonical = classification().entry().expect("canonical");
    let spaced = String::from_utf8(canonical.clone()).expect("text").replace(",\"", ", \"").into_bytes();
    let mut reordered = classification().to_value();
    reordered["zz_extra"] = serde_json::json!(1.0);
    let extra = serde_json::to_vec(&reordered).expect("json");
    let mut shaped = classification().to_value();
    shaped["role"] = serde_json::json!(["supplier"]);
    let shaped = records::canonical::to_vec(&shaped).expect("canonical");
    let escaped = String::from_utf8(canonical.clone()).expect("text").replace("Retail", "R\\u0065tail").into_bytes();
    for entry in [canonical, spaced, extra, shaped, escaped] {
        let value: serde_json::Value = serde_json::from_slice(&entry).expect("json");
        let by_entry = format!("{:?}", records::parse_entry_ref(&entry, &value));
        assert_eq!(by_entry, format!("{:?}", records::parse_ref(&value)), "{}", String::from_utf8_lossy(&entry));
        assert_eq!(by_entry, format!("{:?}", parse(&entry)));
    }
}
