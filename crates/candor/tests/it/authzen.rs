//! `candor gate`'s AuthZEN 1.0 API. Its discovery document names the URL the gate is reached
//! at (the address bound, its port resolved, unless `--base-url` says otherwise). A client
//! written from the specification alone (tests/authzen_client.py, Python's standard library)
//! checks that document, asks each request of a table one at a time and the whole table in one
//! batch: every decision equals what `candor authorize` answers for the same request under the
//! same stores, and the batch agrees with the single calls.

use serde_json::{Value, json};

use crate::common::{
    COMPANY_ACCOUNT, HARBOR_CITY_ACCOUNT, SHERIFF_ACCOUNT, Server, UNLINKED_ACCOUNT, candor, demo_copy, gate_demo,
    http, python3, text, token,
};

/// One row of the table: account, capability, service, region class, purpose.
type Row = (&'static str, &'static str, &'static str, &'static str, &'static str);

const REKOGNITION: &str = "Amazon Rekognition";
const EC2: &str = "Amazon Elastic Compute Cloud";

fn table() -> Vec<Row> {
    let mut rows = Vec::new();
    for account in [SHERIFF_ACCOUNT, HARBOR_CITY_ACCOUNT, COMPANY_ACCOUNT, UNLINKED_ACCOUNT] {
        rows.push((account, "face_identification", REKOGNITION, "commercial", ""));
        rows.push((account, "face_detection_analysis", REKOGNITION, "commercial", ""));
        rows.push((account, "compute", EC2, "government", ""));
    }
    // The missing-persons exception: registered for the Harbor City police, not the sheriff.
    rows.push((HARBOR_CITY_ACCOUNT, "face_identification", REKOGNITION, "government", "missing_persons"));
    rows.push((SHERIFF_ACCOUNT, "face_identification", REKOGNITION, "government", "missing_persons"));
    rows
}

fn request(r: &Row) -> Value {
    let (account, capability, service, region, purpose) = *r;
    json!({
        "subject": {"type": "account", "id": account},
        "action": {"name": capability},
        "resource": {"type": "service", "id": service, "properties": {"region_class": region}},
        "context": {"purpose": purpose},
    })
}

#[test]
fn an_authzen_client_from_the_specification_gets_what_candor_authorize_decides() {
    let Some(python) = python3() else { return };
    let demo = gate_demo();
    let dir = demo.path();
    let p = |n: &str| dir.join(n).display().to_string();
    let authorizer = token(dir, "authorizer", "authzen client");
    let gate = Server::gate(dir, &dir.join("policy.db"), &[]);
    let base = format!("http://{}", gate.addr);
    let rows = table();
    assert!(rows.len() >= 8);
    let table_file = dir.join("authzen-table.json");
    std::fs::write(&table_file, serde_json::to_vec(&rows.iter().map(request).collect::<Vec<_>>()).expect("json"))
        .expect("write");

    let client = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/authzen_client.py");
    let o = std::process::Command::new(python)
        .arg(client)
        .arg(&base)
        .arg(&table_file)
        .env("AUTHZEN_TOKEN", &authorizer)
        .output()
        .expect("run the AuthZEN client");
    assert!(o.status.success(), "{}", text(&o));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    assert_eq!(out["metadata"]["policy_decision_point"], Value::from(base.as_str()));
    let single = out["evaluation"].as_array().expect("evaluation");
    let batch = out["evaluations"].as_array().expect("evaluations");
    assert_eq!((single.len(), batch.len()), (rows.len(), rows.len()));

    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in rows.iter().enumerate() {
        let (account, capability, service, region, purpose) = *r;
        let o = candor(&[
            "authorize",
            "--account",
            account,
            "--capability",
            capability,
            "--service",
            service,
            "--region",
            region,
            "--purpose",
            purpose,
            "--json",
            "--db",
            &p("registry.db"),
            "--policy-db",
            &p("policy.db"),
        ]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{r:?}: {}", text(&o));
        let want: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
        let want = &want["decision"];
        let got = &single[i];
        assert_eq!(got["decision"], want["allow"], "{r:?}: AuthZEN {got} against candor authorize {want}");
        assert_eq!(got["context"]["policies"], want["policies"], "{r:?}");
        assert_eq!(got["context"]["policy_version"], want["policy_version"], "{r:?}");
        assert_eq!(got["context"]["outcome"], if want["allow"] == true { "allowed" } else { "denied" }, "{r:?}");
        assert_eq!(got["context"]["capability"], Value::from(capability), "{r:?}");
        assert_eq!(&batch[i], got, "{r:?}: the batch's answer differs from the single evaluation's");
        seen.insert(want["allow"] == true);
    }
    assert_eq!(seen.len(), 2, "the table has both allowed and refused requests");
    // And what the default policy says, so both cannot be wrong alike.
    let decision = |account: &str, capability: &str, purpose: &str| {
        let i = rows.iter().position(|r| r.0 == account && r.1 == capability && r.4 == purpose).expect("row");
        single[i]["decision"].as_bool().expect("bool")
    };
    assert!(!decision(SHERIFF_ACCOUNT, "face_identification", ""));
    assert!(!decision(SHERIFF_ACCOUNT, "face_identification", "missing_persons"), "not registered for it");
    assert!(decision(HARBOR_CITY_ACCOUNT, "face_identification", "missing_persons"), "registered and declared");
    assert!(decision(SHERIFF_ACCOUNT, "face_detection_analysis", ""));
    assert!(decision(COMPANY_ACCOUNT, "face_identification", ""));
    assert!(decision(UNLINKED_ACCOUNT, "face_identification", ""));
}

#[test]
fn the_discovery_document_names_the_address_the_gate_listens_on() {
    let demo = demo_copy();
    let dir = demo.path();
    // Port 0: the listen address is no URL; the bound one is.
    let gate = Server::gate(dir, &dir.join("policy.db"), &[]);
    let meta = http(&gate.addr, "GET", "/.well-known/authzen-configuration", None, b"").json();
    let base = format!("http://{}", gate.addr);
    assert_eq!(meta["policy_decision_point"], base.as_str(), "{meta}");
    assert_eq!(meta["access_evaluation_endpoint"], format!("{base}/access/v1/evaluation"), "{meta}");
    assert_eq!(meta["access_evaluations_endpoint"], format!("{base}/access/v1/evaluations"), "{meta}");
    // A configured URL (TLS in front, say) wins.
    let gate = Server::gate(dir, &dir.join("policy.db"), &["--base-url", "https://gate.example/pdp"]);
    let meta = http(&gate.addr, "GET", "/.well-known/authzen-configuration", None, b"").json();
    assert_eq!(meta["policy_decision_point"], "https://gate.example/pdp", "{meta}");
    assert_eq!(meta["access_evaluation_endpoint"], "https://gate.example/pdp/access/v1/evaluation", "{meta}");
}
