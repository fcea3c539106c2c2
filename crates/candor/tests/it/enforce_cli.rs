//! `candor enforce` and what `candor publish` discloses of it, on the demo: the audit's finding
//! (the fictional sheriff's face identification) was published open, the provider's
//! "suspended" replaced it with a correction, and a later action does so again; actions name
//! reviewers only by pseudonym; bad actions, unknown organisations and policies outside the
//! active version are refused; `candor verify` checks the new records and pages.

use serde_json::Value;

use crate::common::{candor, demo_copy, text, vkey, without_witnesses};

const SHERIFF: &str = "Lakemoor County Sheriff's Office (fictional)";

fn records(dir: &std::path::Path) -> Vec<Value> {
    let v: Value = crate::common::published_records(&dir.join("log/public"));
    v["rows"].as_array().expect("rows").clone()
}

#[test]
fn findings_and_actions_are_disclosed_and_corrected_openly() {
    let demo = demo_copy();
    without_witnesses(demo.path());
    let p = |n: &str| demo.path().join(n).display().to_string();
    let (db, pdb) = (p("registry.db"), p("policy.db"));
    let rows = records(demo.path());
    let enforcement: Vec<&Value> = rows.iter().filter(|r| r["type"] == "candor.enforcement").collect();
    assert_eq!(enforcement.len(), 2, "first published open, then replaced after the suspension");
    let (open, suspended) = (&enforcement[0], &enforcement[1]);
    assert!(open["corrected_by"].is_u64(), "{open}");
    assert_eq!(open["record"]["findings"][0]["status"], "open");
    assert_eq!(open["record"]["organisation"], SHERIFF);
    let finding = &suspended["record"]["findings"][0];
    assert_eq!(
        (&finding["capability"], &finding["status"], &finding["policies"][0]),
        (
            &Value::from("face_identification"),
            &Value::from("suspended"),
            &Value::from("no-face-recognition-for-police")
        ),
        "{suspended}"
    );
    assert!(finding["first_day"].as_str().is_some_and(|d| d.starts_with("2026-")), "{finding}");
    let action = &suspended["record"]["actions"][0];
    assert!(action["decided_by"].as_str().is_some_and(|d| d.starts_with("reviewer-")), "{action}");
    assert!(!suspended.to_string().contains("demo-reviewer"), "reviewers appear only as pseudonyms");
    let summary = rows
        .iter()
        .find(|r| {
            r["type"] == "candor.period_summary" && r["corrected_by"].is_null() && r["record"]["period"] == "2026-Q3"
        })
        .expect("the current 2026-Q3 summary");
    assert_eq!(summary["record"]["enforcement"]["open_findings"], 0, "{summary}");
    assert!(summary["record"]["enforcement"]["findings"].as_u64().is_some_and(|n| n >= 1), "{summary}");

    // Refused: an action not in the list, an unknown organisation, a policy not in force.
    let enforce = |extra: &[&str]| {
        let mut args = vec!["enforce", "record", "--db", &db, "--policy-db", &pdb, "--reviewer", "reviewer-7"];
        args.extend_from_slice(extra);
        candor(&args)
    };
    let o = enforce(&[
        "--org",
        SHERIFF,
        "--action",
        "fined",
        "--policy",
        "no-face-recognition-for-police",
        "--reason",
        "x",
    ]);
    assert!(!o.status.success() && text(&o).contains("possible values"), "{}", text(&o));
    let o = enforce(&[
        "--org",
        "Nobody (fictional)",
        "--action",
        "warned",
        "--policy",
        "no-face-recognition-for-police",
        "--reason",
        "x",
    ]);
    assert!(!o.status.success() && text(&o).contains("no organisation"), "{}", text(&o));
    let o = enforce(&["--org", SHERIFF, "--action", "warned", "--policy", "no-such-policy", "--reason", "x"]);
    assert!(!o.status.success() && text(&o).contains("not in the active version"), "{}", text(&o));

    // A later action: the enforcement record is replaced again, with a correction.
    let o = enforce(&[
        "--org",
        SHERIFF,
        "--action",
        "terminated",
        "--policy",
        "no-face-recognition-for-police",
        "--reason",
        "continued use after suspension (demonstration data)",
        "--effective",
        "2026-11-01",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = candor(&["enforce", "list", "--db", &db, "--policy-db", &pdb, "--json"]);
    let listed: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let o = candor(&[
        "publish",
        "--period",
        "2026-Q3",
        "--demonstration-data",
        "--dir",
        &p("log"),
        "--db",
        &db,
        "--usage-db",
        &p("usage.db"),
        "--policy-db",
        &pdb,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("candor.enforcement") && text(&o).contains("candor.correction"), "{}", text(&o));
    let rows = records(demo.path());
    let latest = rows.iter().rev().find(|r| r["type"] == "candor.enforcement").expect("enforcement");
    assert_eq!(latest["record"]["findings"][0]["status"], "terminated");
    assert_eq!(latest["record"]["actions"].as_array().map(Vec::len), Some(2));
    let page =
        std::fs::read_to_string(demo.path().join("log/public/org/lakemoor-county-sheriff-s-office-fictional.html"))
            .expect("org page");
    assert!(page.contains("Use-policy findings and actions taken") && page.contains(">terminated<"), "org page");
    let o = candor(&["verify", &p("log/public"), "--vkey", &vkey(demo.path())]);
    assert!(o.status.success(), "{}", text(&o));
}

/// The demo's registered missing-persons use for the fictional police department is disclosed
/// with every declared field, and no file of the report names a reviewer, an approver or an
/// account: people appear only as salted pseudonyms.
#[test]
fn registered_uses_are_disclosed_and_no_file_names_a_person_or_an_account() {
    let demo = crate::common::demo();
    let rows = records(demo);
    let uses: Vec<&Value> = rows.iter().filter(|r| r["type"] == "candor.registered_use").collect();
    let periods: Vec<&Value> = uses.iter().map(|u| &u["record"]["period"]).collect();
    assert_eq!(periods, ["2026-Q3", "2026-Q4"], "disclosed in each period the use was registered");
    let r = &uses[0]["record"];
    assert_eq!(r["organisation"], "Harbor City Police Department (fictional)");
    assert_eq!(r["use"], "missing_persons");
    let d = &r["declaration"];
    for field in [
        "purpose",
        "authority",
        "human_review",
        "human_review_by",
        "confidence_threshold",
        "reference_data",
        "sharing",
        "retention",
        "start",
        "end",
        "approved_by",
    ] {
        assert!(!d[field].is_null(), "{field} missing from {d}");
    }
    assert!(d["approved_by"].as_str().is_some_and(|a| a.starts_with("reviewer-")), "{d}");
    let page = std::fs::read_to_string(demo.join("log/public/org/harbor-city-police-department-fictional.html"))
        .expect("org page");
    assert!(page.contains("registered use") && page.contains("a trained facial examiner"), "org page");
    let dictionary = std::fs::read_to_string(demo.join("log/public/data/dictionary.html")).expect("dictionary");
    assert!(dictionary.contains("EU AI Act Art. 26(10)") && dictionary.contains("<code>confidence_threshold</code>"));

    // No reviewer, approver or account id in any file of the report.
    let mut stack = vec![demo.join("log/public")];
    let mut scanned = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("dir").flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
            for id in ["demo-reviewer", "demo-approver", "demo-operator", "demo-acct-"] {
                assert!(!text.contains(id), "{} names {id}", path.display());
            }
            scanned += 1;
        }
    }
    assert!(scanned > 40, "{scanned} files scanned");
}
