//! The policy store keeps its contract on SQLite and on PostgreSQL alike (a scratch database
//! on the server `CANDOR_TEST_POSTGRES` names; skipped without one, failing under `CI=true`):
//! what is stored reads back the same, in the same order, with the same ids; history cannot be
//! edited; and a SQLite policy database moved to PostgreSQL reads back identically.

use std::path::{Path, PathBuf};

use policy::engine::{Decision, Request};
use policy::store::PolicyStore;

fn postgres() -> Option<String> {
    match std::env::var("CANDOR_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            crate::skip("CANDOR_TEST_POSTGRES is not set (run the tests under .ci/with-postgres)");
            None
        }
    }
}

/// Fills a store with one of everything, twice over.
fn fill(db: &mut PolicyStore) {
    db.record_version("aa11", "v1.cedar", "permit(principal, action, resource);", 3, "op-1").expect("v1");
    db.record_version("bb22", "v2.cedar", "forbid(principal, action, resource);", 9, "op-1").expect("v2");
    db.register_use("demo-acct-2", "missing_persons", true, "reviewer-1", "declared", Some(&declaration()))
        .expect("use");
    db.register_use("demo-acct-1", "missing_persons", true, "reviewer-1", "declared", Some(&declaration()))
        .expect("use");
    db.register_use("demo-acct-2", "missing_persons", false, "reviewer-2", "withdrawn", None).expect("withdraw");
    db.record_action("Org (fictional)", "suspended", "no-face", "found", "reviewer-1", "2026-10-01").expect("a");
    db.record_action("Org (fictional)", "warned", "no-face", "corrected", "reviewer-2", "2026-10-02").expect("b");
    for (account, allow) in [("demo-acct-1", false), ("demo-acct-2", true)] {
        let req = Request {
            account: account.into(),
            capability: "face_identification".into(),
            service: "Amazon Rekognition".into(),
            region_class: "government".into(),
            purpose: String::new(),
        };
        let d = Decision {
            allow,
            policies: vec!["no-face".into()],
            policy_version: "bb22".into(),
            attributes: Default::default(),
            errors: Vec::new(),
        };
        db.record_decision(&req, &serde_json::json!([{"uid": {"type": "Candor::Account", "id": account}}]), &d)
            .expect("decision");
    }
    // The gates' counts, added twice: each key sums.
    let count = |day: &str, outcome: &str, organisation: Option<i64>, count: u64| policy::store::GateCount {
        day: day.into(),
        capability: "face_identification".into(),
        role_class: "agency".into(),
        outcome: outcome.into(),
        policy_version: "bb22".into(),
        policy: if outcome == "denied" { "no-face".into() } else { String::new() },
        organisation,
        count,
    };
    for _ in 0..2 {
        db.add_gate_counts(&[count("2026-11-16", "denied", Some(5), 3), count("2026-11-17", "allowed", None, 2)])
            .expect("counts");
    }
}

fn declaration() -> policy::declaration::UseDeclaration {
    policy::declaration::UseDeclaration::from_toml(DECLARATION).expect("declaration")
}

const DECLARATION: &str = r#"
purpose = "Identify missing persons from photographs their families provide"
authority = "statute"
human_review = true
human_review_by = "duty sergeant"
confidence_threshold = 0.99
reference_data = ["photographs supplied by families"]
sharing = ["none"]
retention = "30 days"
start = "2026-07-01"
approved_by = "council-committee"
"#;

/// Everything a store reads back, as one comparable value (timestamps left out: each store
/// stamps its own).
fn contents(db: &PolicyStore) -> serde_json::Value {
    let versions: Vec<_> = db
        .versions()
        .expect("versions")
        .into_iter()
        .map(|v| (v.version, v.sha256, v.file, v.text, v.log_index, v.activated_by))
        .collect();
    let uses = db.registered_use_declarations().expect("uses");
    let uses: Vec<_> = uses.into_iter().map(|u| (u.account, u.use_case, u.declaration, u.reviewer)).collect();
    let actions: Vec<_> =
        db.actions().expect("actions").into_iter().map(|a| (a.id, a.organisation, a.action, a.reviewer)).collect();
    serde_json::json!({
        "versions": versions,
        "active": db.active().expect("active").map(|v| v.version),
        "uses": uses,
        "registered": db.registered_uses().expect("registered"),
        "actions": actions,
        "decisions": db.decisions().expect("decisions"),
        "gate_counts": db.gate_counts("2026-10-01", "2026-12-31").expect("gate counts"),
        "stamp": db.change_stamp().expect("stamp"),
    })
}

#[test]
fn both_stores_read_back_the_same_and_refuse_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lite = PolicyStore::open(&dir.path().join("policy.db")).expect("sqlite");
    fill(&mut lite);
    let expected = contents(&lite);
    assert_eq!(expected["registered"], serde_json::json!([["demo-acct-1", "missing_persons"]]));
    assert_eq!(expected["active"], 2);
    let counts: Vec<u64> =
        expected["gate_counts"].as_array().expect("counts").iter().filter_map(|c| c["count"].as_u64()).collect();
    assert_eq!(counts, vec![6, 4], "each key's counts sum");
    let Some(admin) = postgres() else { return };
    let url = pg::scratch::create(&admin).expect("scratch");
    let mut db = PolicyStore::open(Path::new(&url)).expect("postgres");
    fill(&mut db);
    assert_eq!(contents(&db), expected);
    // History in PostgreSQL refuses edits from any client, as SQLite's triggers do.
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).expect("raw");
    for sql in [
        "UPDATE policy.versions SET text = ''",
        "DELETE FROM policy.decisions",
        "TRUNCATE policy.registered_uses",
        "UPDATE policy.enforcement_actions SET action = 'no-action'",
    ] {
        let err = raw.batch_execute(sql).expect_err("refused");
        let msg = err.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
        assert!(msg.contains("append-only"), "{sql}: {msg}");
    }
    // Counts only grow.
    for sql in
        ["UPDATE policy.gate_counts SET count = 0", "DELETE FROM policy.gate_counts", "TRUNCATE policy.gate_counts"]
    {
        let err = raw.batch_execute(sql).expect_err("refused");
        let msg = err.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
        assert!(msg.contains("gate counts"), "{sql}: {msg}");
    }
}

#[test]
fn a_sqlite_policy_database_moves_to_postgresql_unchanged() {
    let Some(admin) = postgres() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file: PathBuf = dir.path().join("policy.db");
    fill(&mut PolicyStore::open(&file).expect("sqlite"));
    let url = pg::scratch::create(&admin).expect("scratch");
    let moved = PolicyStore::move_to_postgres(&file, &url, &mut |_, _| {}).expect("move");
    assert!(moved.iter().all(|m| m.copied || m.rows == 0), "{moved:?}");
    assert_eq!(moved.iter().map(|m| m.rows).sum::<u64>(), 2 + 3 + 2 + 2 + 2);
    let again = PolicyStore::move_to_postgres(&file, &url, &mut |_, _| {}).expect("resumed");
    assert!(again.iter().all(|m| !m.copied), "a second run copies nothing");
    let (lite, moved) = (PolicyStore::open(&file).expect("sqlite"), PolicyStore::open(Path::new(&url)).expect("pg"));
    assert_eq!(contents(&moved), contents(&lite));
    // Ids continue after the moved ones.
    let mut moved = moved;
    assert_eq!(
        moved.record_version("cc33", "v3.cedar", "permit(principal, action, resource);", 12, "op").expect("v3"),
        3
    );
}
