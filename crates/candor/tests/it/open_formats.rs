//! The report's downloads in other people's formats, checked by their tools: the Frictionless
//! Data Package validates with the `frictionless` package (PyPI); the Atlas of Surveillance
//! export has the real Atlas file's columns, in its order, and a row for each agency's face
//! recognition; the FollowTheMoney export imports back through candor's FtM importer.

use std::path::Path;
use std::process::Command;

use crate::common::{candor, demo, text};

#[test]
fn the_data_package_validates_with_frictionless() {
    let data = demo().join("log/public/data");
    let Ok(out) =
        Command::new("frictionless").args(["validate", "--json", "datapackage.json"]).current_dir(&data).output()
    else {
        crate::skip("no frictionless on PATH (python3 -m pip install frictionless)");
        return;
    };
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert_eq!(report["valid"], true, "{report:#}");
    let tasks = report["tasks"].as_array().expect("tasks");
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("datapackage.json")).expect("package")).expect("json");
    // One usage file per period the demo discloses, then organisations and the Atlas export.
    let catalogue: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("usage.json")).expect("usage.json")).expect("json");
    let periods = catalogue["parts"].as_array().expect("parts").len();
    assert!(periods >= 2, "the demo discloses two periods: {catalogue}");
    assert_eq!(tasks.len(), periods + 2, "usage by period, organisations, Atlas export: {report:#}");
    for task in &tasks[..periods] {
        assert!(task["place"].as_str().is_some_and(|p| p.starts_with("usage/")), "{task:#}");
    }
    let fields = &package["resources"][0]["schema"]["fields"];
    let typed =
        |name: &str| fields.as_array().and_then(|f| f.iter().find(|x| x["name"] == name)).map(|x| x["type"].clone());
    assert_eq!(typed("record_index"), Some("integer".into()));
    assert_eq!(typed("quantity"), Some("number".into()));
    assert!(package["description"].as_str().is_some_and(|d| d.contains("demonstration data")));
}

#[test]
fn the_atlas_export_has_the_atlas_layout_and_the_agencies_face_recognition() {
    let real =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/atlas/atlas-of-surveillance-sample.csv");
    let Ok(real) = std::fs::read_to_string(&real) else {
        crate::skip("no ../shared/data/atlas sample beside the checkout");
        return;
    };
    let export = std::fs::read_to_string(demo().join("log/public/data/atlas-of-surveillance.csv")).expect("export");
    let header = |t: &str| -> Vec<String> {
        csv::Reader::from_reader(t.as_bytes()).headers().expect("header").iter().map(str::to_string).collect()
    };
    assert_eq!(header(&export), header(&real), "the export's columns are the Atlas's, in its order");
    let mut rows = csv::Reader::from_reader(export.as_bytes());
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(&r[8], "Face Recognition");
        assert!(r[4].ends_with("(fictional)") && r[6].contains("demonstration data"), "{r:?}");
        assert!(r[10].starts_with("record/") && demo().join("log/public").join(&r[10]).exists(), "{r:?}");
    }
    let agencies: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.get(4).unwrap_or("")).collect();
    assert!(agencies.contains("Lakemoor County Sheriff's Office (fictional)"), "{agencies:?}");
    assert!(agencies.contains("Harbor City Police Department (fictional)"), "{agencies:?}");
}

#[test]
fn the_followthemoney_export_imports_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("r.db");
    let export = demo().join("log/public/data/disclosures.ftm.jsonl");
    let o = candor(&["registry", "import", "ftm", "--db", db.to_str().expect("utf8"), export.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", text(&o));
    let disclosed: serde_json::Value = serde_json::from_slice(
        &std::fs::read(demo().join("log/public/data/organisations.json")).expect("organisations"),
    )
    .expect("json");
    let n = disclosed["rows"].as_array().map_or(0, Vec::len);
    assert!(text(&o).contains(&format!("+{n} organisations")), "every disclosed organisation: {}", text(&o));
}

/// Checks every record of `data/records.json`'s parts against the published schema of its kind with
/// the `jsonschema` package (PyPI), and a copy of one record broken on purpose; prints what
/// it found as JSON.
const VALIDATE_RECORDS: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
data = sys.argv[1]
rows = []
for part in json.load(open(f"{data}/records.json"))["parts"]:
    rows += json.load(open(f"{data}/{part['path']}"))["rows"]
validators, errors, checked = {}, [], 0
for row in rows:
    kind = row["record"]["type"]
    if kind not in validators:
        schema = json.load(open(f"{data}/schema/{kind}.schema.json"))
        Draft202012Validator.check_schema(schema)
        validators[kind] = Draft202012Validator(schema)
    for e in validators[kind].iter_errors(row["record"]):
        errors.append(f"record #{row['index']} ({kind}): {e.message} at {list(e.absolute_path)}")
    checked += 1
usage = next(r["record"] for r in rows if r["record"]["type"] == "candor.organisation_usage")
broken = dict(usage, usage=[{"capability": 7}])
broken_errors = [e.message for e in validators["candor.organisation_usage"].iter_errors(broken)]
print(json.dumps({"checked": checked, "kinds": sorted(validators), "errors": errors, "broken_errors": broken_errors}))
"#;

#[test]
fn every_record_validates_against_its_published_schema_with_jsonschema() {
    let data = demo().join("log/public/data");
    let out = Command::new("python3").arg("-c").arg(VALIDATE_RECORDS).arg(&data).output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named 'jsonschema'") => {
            crate::skip("no jsonschema for python3 (python3 -m pip install jsonschema)");
            return;
        }
        Ok(o) => panic!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            crate::skip(&format!("no python3: {e}"));
            return;
        }
    };
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the validator's report");
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert!(report["checked"].as_u64().is_some_and(|n| n >= 20), "{report:#}");
    assert!(report["kinds"].as_array().is_some_and(|k| k.len() >= 9), "most kinds checked: {report:#}");
    // A record broken against its schema is found by the same validator.
    assert!(report["broken_errors"].as_array().is_some_and(|e| !e.is_empty()), "{report:#}");
    let listed = std::fs::read_to_string(data.join("datapackage.json")).expect("datapackage.json");
    assert!(listed.contains("schema/candor.organisation_usage.schema.json"), "datapackage.json lists the schemas");
}
