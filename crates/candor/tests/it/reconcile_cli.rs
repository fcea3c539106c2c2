//! `candor reconcile` and `candor reconcile-report` on the demo, whose public records are the
//! project's own fictional files in the real formats: the provider's table and the outside one
//! agree; a public record tying one more organisation to the offering shows it missing; a copy
//! of the report with an organisation's page deleted fails both `candor verify` and the outside
//! check; the published reconciliation validates and names no account.

use std::path::Path;

use serde_json::Value;

use crate::common::{candor, demo_copy, text};

const FEDRAMP: &str = "demo-fedramp-marketplace-demonstration-data.json";
const INVENTORY: &str = "demo-ai-use-cases-demonstration-data.csv";

fn json(args: &[&str]) -> (Value, bool) {
    let o = candor(args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (v, o.status.success())
}

/// The outside check of the report in `dir`, with the demo's public files and `fedramp`.
fn outside(dir: &Path, fedramp: &Path, period: &str) -> (Value, bool) {
    let p = |n: &str| dir.join(n).display().to_string();
    json(&[
        "reconcile-report",
        &p("log/public"),
        "--fedramp",
        &fedramp.display().to_string(),
        "--ai-inventory",
        &p(INVENTORY),
        "--reference",
        &p("demo-federal-reference.toml"),
        "--provider",
        &p("provider.toml"),
        "--period",
        period,
        "--json",
    ])
}

/// A row as both tables show it: organisation, role, public records' entries, standing.
fn comparable(row: &Value) -> Value {
    let mut r = row.clone();
    if let Some(m) = r.as_object_mut() {
        m.remove("finding");
        if let Some(Value::Array(records)) = m.get_mut("public_records") {
            for p in records {
                if let Some(p) = p.as_object_mut() {
                    p.remove("date");
                }
            }
        }
    }
    r
}

#[test]
fn the_outside_table_equals_the_providers_own() {
    let demo = demo_copy();
    let dir = demo.path();
    let p = |n: &str| dir.join(n).display().to_string();
    for period in ["2026-Q3", "2026-Q4"] {
        let (own, ok) = json(&[
            "reconcile",
            "--period",
            period,
            "--provider",
            &p("provider.toml"),
            "--db",
            &p("registry.db"),
            "--usage-db",
            &p("usage.db"),
            "--dir",
            &p("log"),
            "--json",
        ]);
        assert!(ok, "{own}");
        let (theirs, passed) = outside(dir, &dir.join(FEDRAMP), period);
        assert!(passed && theirs["verified"] == true && theirs["findings"] == 0, "{theirs}");
        let a: Vec<Value> = own["rows"].as_array().expect("rows").iter().map(comparable).collect();
        let b: Vec<Value> = theirs["rows"].as_array().expect("rows").iter().map(comparable).collect();
        assert_eq!(a, b, "{period}: the provider's table and the outside one differ");
        assert_eq!(a.len(), 2, "{period}: both fictional agencies are tied");
    }
    // In 2026-Q3 the customer agency is disclosed with its record, the other has no account.
    let (q3, _) = outside(dir, &dir.join(FEDRAMP), "2026-Q3");
    let statuses: Vec<&str> =
        q3["rows"].as_array().expect("rows").iter().filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(statuses, ["no_linked_account", "disclosed"]);
    assert!(q3["rows"][1]["record"].is_u64(), "{q3}");
}

#[test]
fn an_organisation_a_public_record_ties_and_the_report_leaves_out_is_missing() {
    let demo = demo_copy();
    let dir = demo.path();
    // A public record the report's reconciliation predates: one more fictional agency
    // authorized the provider's offering.
    let mut market: Value =
        serde_json::from_slice(&std::fs::read(dir.join(FEDRAMP)).expect("marketplace")).expect("json");
    let mut extra = market["data"]["Agencies"][1].clone();
    extra["sub"] = Value::from("Office of Unreported Demonstrations (fictional)");
    market["data"]["Agencies"].as_array_mut().expect("agencies").push(extra);
    let more = dir.join("more-marketplace.json");
    std::fs::write(&more, market.to_string()).expect("write");
    let reference = std::fs::read_to_string(dir.join("demo-federal-reference.toml")).expect("reference")
        + "\n[[agency]]\nname = \"Office of Unreported Demonstrations (fictional)\"\nabbreviation = \"OUD-DEMO\"\n\
           department = \"DEMO0\"\nsources = [\"demonstration data: a fictional agency made up for a test\"]\n";
    std::fs::write(dir.join("demo-federal-reference.toml"), reference).expect("write");
    let (v, passed) = outside(dir, &more, "2026-Q3");
    assert!(!passed, "{v}");
    assert_eq!(v["verified"], true, "the report itself is intact");
    let missing: Vec<&Value> =
        v["rows"].as_array().expect("rows").iter().filter(|r| r["finding"].is_string()).collect();
    assert_eq!(missing.len(), 1, "{v}");
    assert_eq!(missing[0]["organisation"], "Office of Unreported Demonstrations (fictional)");
    assert!(missing[0]["finding"].as_str().is_some_and(|f| f.starts_with("missing")), "{v}");
}

#[test]
fn a_report_with_an_organisations_page_deleted_fails_both_checks() {
    let demo = demo_copy();
    let dir = demo.path();
    let page = std::fs::read_dir(dir.join("log/public/org"))
        .expect("org pages")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("demonstration-investigations"))
        .expect("the customer agency's page");
    std::fs::remove_file(&page).expect("remove");
    let verify = candor(&["verify", &dir.join("log/public").display().to_string()]);
    assert!(!verify.status.success(), "candor verify passed a report missing a page: {}", text(&verify));
    let (v, passed) = outside(dir, &dir.join(FEDRAMP), "2026-Q3");
    assert!(!passed && v["verified"] == false, "{v}");
}

#[test]
fn the_published_reconciliation_names_organisations_never_accounts() {
    let demo = demo_copy();
    let records: Value = crate::common::published_records(&demo.path().join("log/public"));
    let rec: Vec<&Value> =
        records["rows"].as_array().expect("rows").iter().filter(|r| r["type"] == "candor.reconciliation").collect();
    assert!(rec.len() >= 2, "one per period at least");
    let body = serde_json::to_string(&rec).expect("json");
    assert!(!body.contains("demo-acct"), "no account id in a reconciliation");
    assert!(rec.iter().all(|r| r["record"]["demonstration_data"] == true), "marked as demonstration data");
    let page = std::fs::read_to_string(demo.path().join("log/public/reconciliation.html")).expect("page");
    assert!(page.contains("Border Demonstration Service (fictional)") && page.contains("<svg"), "table and chart");
    assert!(page.contains("<figcaption>"), "the chart has a text alternative");
}

#[test]
fn a_reviewers_statement_that_an_agency_is_not_a_customer_is_published_and_reconciled() {
    let demo = demo_copy();
    let dir = demo.path();
    crate::common::without_witnesses(dir);
    let p = |n: &str| dir.join(n).display().to_string();
    let (db, log) = (p("registry.db"), p("log"));
    let state = |extra: &[&str]| {
        let mut args = vec![
            "reconcile-statement",
            "--org",
            "Border Demonstration Service (fictional)",
            "--reason",
            "checked the customer list and the billing accounts: no contract (demonstration data)",
            "--reviewer",
            "reviewer-9",
            "--db",
            &db,
            "--dir",
            &log,
            "--json",
        ];
        args.extend_from_slice(extra);
        candor(&args)
    };
    // Refused: a reviewer id with spaces, an organisation that is not law enforcement.
    let o = candor(&[
        "reconcile-statement",
        "--org",
        "Border Demonstration Service (fictional)",
        "--reason",
        "r",
        "--reviewer",
        "Jane Doe",
        "--db",
        &p("registry.db"),
        "--dir",
        &p("log"),
    ]);
    assert!(!o.status.success() && text(&o).contains("--reviewer"), "{}", text(&o));
    let o = candor(&[
        "reconcile-statement",
        "--org",
        "uei:DEMOCLOUD001",
        "--reason",
        "r",
        "--reviewer",
        "reviewer-9",
        "--db",
        &p("registry.db"),
        "--dir",
        &p("log"),
    ]);
    assert!(!o.status.success() && text(&o).contains("not a law-enforcement organisation"), "{}", text(&o));

    let o = state(&[]);
    assert!(o.status.success(), "{}", text(&o));
    let stated: Value = serde_json::from_slice(&o.stdout).expect("json");
    let index = stated["index"].as_u64().expect("index");
    assert!(!state(&[]).status.success(), "a second statement while one is in force is refused");
    let publish = |period: &str| {
        let o = candor(&[
            "publish",
            "--period",
            period,
            "--dir",
            &p("log"),
            "--db",
            &p("registry.db"),
            "--usage-db",
            &p("usage.db"),
            "--policy-db",
            &p("policy.db"),
            "--provider",
            &p("provider.toml"),
            "--demonstration-data",
            "--json",
        ]);
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice::<Value>(&o.stdout).expect("json")
    };
    let published = publish("2026-Q3");
    let appended: Vec<&str> =
        published["appended"].as_array().expect("appended").iter().filter_map(|a| a[1].as_str()).collect();
    assert_eq!(appended, ["candor.reconciliation"], "only the reconciliation changed");
    let (v, passed) = outside(dir, &dir.join(FEDRAMP), "2026-Q3");
    assert!(passed, "{v}");
    let row = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["organisation"] == "Border Demonstration Service (fictional)")
        .expect("row")
        .clone();
    assert_eq!((&row["status"], &row["statement"]), (&Value::from("not_a_customer"), &Value::from(index)), "{row}");
    // Publishing again with nothing new appends nothing.
    assert!(publish("2026-Q3")["appended"].as_array().expect("appended").is_empty());
    // Withdrawn: the next reconciliation is back to "no linked account".
    assert!(state(&["--withdraw"]).status.success());
    publish("2026-Q3");
    let (v, passed) = outside(dir, &dir.join(FEDRAMP), "2026-Q3");
    assert!(passed, "{v}");
    assert_eq!(v["rows"][0]["status"], "no_linked_account", "{v}");
    let verify = candor(&["verify", &p("log/public")]);
    assert!(verify.status.success(), "{}", text(&verify));
}

#[test]
fn an_organisation_of_another_kind_with_a_disclosed_name_is_not_taken_for_it() {
    // A federal agency named like the demo's (local) police department, tied to the offering:
    // the department's usage record is not its disclosure.
    let demo = demo_copy();
    let dir = demo.path();
    let p = |n: &str| dir.join(n).display().to_string();
    let reference = dir.join("twin-reference.toml");
    std::fs::write(
        &reference,
        "[[agency]]\nname = \"Harbor City Police Department (fictional)\"\nabbreviation = \"HCPD-FED-DEMO\"\n\
         sources = [\"demonstration data: a fictional twin made up for a test\"]\n",
    )
    .expect("write");
    let mut market: Value =
        serde_json::from_slice(&std::fs::read(dir.join(FEDRAMP)).expect("marketplace")).expect("json");
    let mut twin = market["data"]["Agencies"][1].clone();
    twin["sub"] = Value::from("Harbor City Police Department (fictional)");
    twin["parent"] = Value::from("Department of Demonstrations (fictional)");
    market["data"]["Agencies"] = Value::from(vec![twin]);
    let twin_market = dir.join("twin-marketplace.json");
    std::fs::write(&twin_market, market.to_string()).expect("write");
    for args in [
        vec!["registry", "import", "reference", &*reference.to_string_lossy(), "--db", &*p("registry.db")]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
        ["registry", "import", "fedramp", &*twin_market.to_string_lossy(), "--db", &*p("registry.db")]
            .into_iter()
            .map(String::from)
            .collect(),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = candor(&args);
        assert!(o.status.success(), "{}", text(&o));
    }
    let (own, ok) = json(&[
        "reconcile",
        "--period",
        "2026-Q3",
        "--provider",
        &p("provider.toml"),
        "--db",
        &p("registry.db"),
        "--usage-db",
        &p("usage.db"),
        "--dir",
        &p("log"),
        "--json",
    ]);
    assert!(ok, "{own}");
    let rows = own["rows"].as_array().expect("rows");
    let twins: Vec<&Value> =
        rows.iter().filter(|r| r["organisation"] == "Harbor City Police Department (fictional)").collect();
    assert_eq!(twins.len(), 1, "{own}");
    assert_eq!(
        twins[0]["status"], "no_linked_account",
        "the local department's record is not the federal twin's: {own}"
    );
    // From outside, with the same files, the published reconciliation does not list the twin:
    // it is missing, never passed as disclosed.
    let o = candor(&[
        "reconcile-report",
        &p("log/public"),
        "--fedramp",
        &twin_market.to_string_lossy(),
        "--reference",
        &reference.to_string_lossy(),
        "--provider",
        &p("provider.toml"),
        "--period",
        "2026-Q3",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    assert!(!o.status.success(), "{v}");
    assert!(v["rows"][0]["finding"].as_str().is_some_and(|f| f.starts_with("missing")), "{v}");
    // Without public files there is nothing to hold the report against: refused, not passed.
    let o = candor(&["reconcile-report", &p("log/public"), "--provider", &p("provider.toml")]);
    assert!(!o.status.success() && text(&o).contains("--fedramp"), "{}", text(&o));
}

#[test]
fn accepting_a_link_moves_an_agency_from_no_linked_account_to_disclosed_once_published() {
    let demo = demo_copy();
    let dir = demo.path();
    crate::common::without_witnesses(dir);
    let p = |n: &str| dir.join(n).display().to_string();
    let ok = |args: &[&str]| {
        let o = candor(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // A fictional account of the agency with no account, screened and accepted by a reviewer.
    std::fs::write(
        dir.join("more-accounts.csv"),
        "account_id,legal_name,state\nacct-bds-1,Border Demonstration Service (fictional),\n",
    )
    .expect("write");
    ok(&["registry", "import", "accounts", &p("more-accounts.csv"), "--db", &p("registry.db")]);
    ok(&["screen", "--db", &p("registry.db")]);
    let queue: Value = serde_json::from_str(&ok(&[
        "review",
        "list",
        "--db",
        &p("registry.db"),
        "--usage-db",
        &p("usage.db"),
        "--policy-db",
        &p("policy.db"),
        "--json",
    ]))
    .expect("json");
    let id = queue["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["account"]["id"] == "acct-bds-1")
        .and_then(|r| r["proposal_id"].as_i64())
        .unwrap_or_else(|| panic!("acct-bds-1 is not proposed: {queue}"));
    let reconcile = |period: &str| -> Value {
        serde_json::from_str(&ok(&[
            "reconcile",
            "--period",
            period,
            "--provider",
            &p("provider.toml"),
            "--db",
            &p("registry.db"),
            "--usage-db",
            &p("usage.db"),
            "--dir",
            &p("log"),
            "--json",
        ]))
        .expect("json")
    };
    let standing = |v: &Value| {
        v["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["organisation"] == "Border Demonstration Service (fictional)")
            .cloned()
            .expect("row")
    };
    let before = reconcile("2026-Q3");
    assert_eq!(
        (&standing(&before)["status"], &standing(&before)["awaiting_review"]),
        (&Value::from("no_linked_account"), &Value::from(true))
    );
    ok(&[
        "review",
        "accept",
        &id.to_string(),
        "--reviewer",
        "reviewer-7",
        "--reason",
        "the account's contract names this agency (demonstration data)",
        "--db",
        &p("registry.db"),
        "--usage-db",
        &p("usage.db"),
        "--policy-db",
        &p("policy.db"),
    ]);
    // Generated usage for that fictional account (demonstration data), then the period published.
    std::fs::write(
        dir.join("more-usage-demonstration-data.csv"),
        "account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n\
         acct-bds-1,2026-08,Amazon Elastic Compute Cloud,compute,government,Hours,420,42.0,42,2026-08-01,2026-08-28\n",
    )
    .expect("write");
    ok(&["usage", "ingest-aggregate", &p("more-usage-demonstration-data.csv"), "--usage-db", &p("usage.db")]);
    assert_eq!(standing(&reconcile("2026-Q3"))["status"], "disclosed", "disclosed once the period is published");
    assert!(standing(&reconcile("2026-Q3"))["record"].is_null(), "not yet: no record");
    ok(&[
        "publish",
        "--period",
        "2026-Q3",
        "--dir",
        &p("log"),
        "--db",
        &p("registry.db"),
        "--usage-db",
        &p("usage.db"),
        "--policy-db",
        &p("policy.db"),
        "--provider",
        &p("provider.toml"),
        "--demonstration-data",
    ]);
    let after = standing(&reconcile("2026-Q3"));
    assert_eq!(after["status"], "disclosed", "{after}");
    assert!(after["record"].is_u64(), "{after}");
    let (v, passed) = outside(dir, &dir.join(FEDRAMP), "2026-Q3");
    assert!(passed, "{v}");
}
