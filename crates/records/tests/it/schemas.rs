//! The schemas describe the types: one per kind, each requiring what the type requires.

use records::{KINDS, schema};

#[test]
fn there_is_one_schema_per_kind_naming_its_type_and_required_members() {
    let all = schema::all();
    assert_eq!(all.iter().map(|s| s.kind).collect::<Vec<_>>(), KINDS.to_vec());
    for s in &all {
        assert_eq!(s.schema["title"], s.kind);
        assert_eq!(s.schema["properties"]["type"]["const"], s.kind);
        let required: Vec<&str> =
            s.schema["required"].as_array().expect("required").iter().filter_map(|r| r.as_str()).collect();
        assert_eq!(required.first(), Some(&"type"), "{}", s.kind);
        assert!(s.file_name().ends_with(".schema.json"));
    }
    let usage = schema::for_kind("candor.organisation_usage").expect("usage schema");
    let required = usage.schema["required"].to_string();
    for member in ["period", "organisation", "usage", "depends_on"] {
        assert!(required.contains(member), "{member} not required: {required}");
    }
    // Optional members are not required.
    let summary = schema::for_kind("candor.period_summary").expect("summary schema").schema["required"].to_string();
    assert!(!summary.contains("witness_fail_open") && !summary.contains("\"screening\""), "{summary}");
}
