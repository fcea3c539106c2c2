//! The review queue ordered by consequence, on a copy of the demo with one more (fictional)
//! account whose name fits the fictional sheriff's office and which uses face identification:
//! accepting its link would make a deny, so it comes first; filters, sorts and pages in the CLI
//! and the API; a decision made on the server leaves the server's cached queue at once.

use std::path::Path;

use serde_json::Value;

use crate::common::{Server, candor, demo_copy, http, text, token};

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// `candor review list --json` on the demo folder's stores, with `extra` flags.
fn list(dir: &Path, extra: &[&str]) -> std::process::Output {
    let p = |n: &str| dir.join(n).display().to_string();
    let (db, usage, pdb) = (p("registry.db"), p("usage.db"), p("policy.db"));
    let mut args = vec!["review", "list", "--db", &db, "--usage-db", &usage, "--policy-db", &pdb];
    args.extend_from_slice(extra);
    candor(&args)
}

/// Adds a fictional account fitting the sheriff's office, screens it, gives it face
/// identification usage; returns its proposal id.
fn sheriff_lookalike(dir: &Path) -> i64 {
    let p = |n: &str| dir.join(n).display().to_string();
    let accounts = dir.join("more-accounts.csv");
    std::fs::write(
        &accounts,
        "account_id,legal_name,state\nacct-lookalike-1,Lakemoor County Sheriffs Office (fictional),MN\n",
    )
    .expect("accounts");
    let o = candor(&["registry", "import", "accounts", &accounts.display().to_string(), "--db", &p("registry.db")]);
    assert!(o.status.success(), "{}", text(&o));
    let o = candor(&["screen", "--db", &p("registry.db")]);
    assert!(o.status.success(), "{}", text(&o));
    let usage = dir.join("more-usage.csv");
    std::fs::write(
        &usage,
        "account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n\
         acct-lookalike-1,2026-08,Amazon Rekognition,face_identification,commercial,Images,4200,4.2,42,2026-08-02,2026-08-30\n",
    )
    .expect("usage");
    let o = candor(&["usage", "ingest-aggregate", &usage.display().to_string(), "--usage-db", &p("usage.db")]);
    assert!(o.status.success(), "{}", text(&o));
    let all = json(&list(dir, &["--json", "--limit", "500", "--filter", "capability=face_identification"]));
    assert_eq!(all["total"], 1, "only the look-alike uses face identification among the proposals: {all}");
    all["rows"][0]["proposal_id"].as_i64().expect("id")
}

#[test]
fn the_queue_puts_a_link_that_would_make_a_deny_first_and_filters_sorts_and_pages() {
    let demo = demo_copy();
    let dir = demo.path();
    let id = sheriff_lookalike(dir);
    let page = json(&list(dir, &["--json"]));
    let first = &page["rows"][0];
    assert_eq!(first["proposal_id"].as_i64(), Some(id), "{first}");
    assert_eq!(first["account"]["id"], "acct-lookalike-1");
    assert_eq!(first["account"]["state"], "MN");
    assert_eq!(first["account"]["capabilities"][0]["capability"], "face_identification");
    assert_eq!(first["account"]["capabilities"][0]["volume_band"], "1,000–9,999");
    assert_eq!(first["account"]["first_usage"], "2026-08-02");
    assert_eq!(first["organisation"]["name"], "Lakemoor County Sheriff's Office (fictional)");
    assert_eq!(first["organisation"]["role"], "agency");
    assert_eq!(first["organisation"]["role_status"], "confirmed");
    assert!(first["organisation"]["accounts_linked"].as_u64().expect("linked") >= 1, "{first}");
    assert_eq!(first["would_deny"][0], "face_identification");
    assert_eq!(first["denying_policies"][0], "no-face-recognition-for-police");
    let total = page["total"].as_u64().expect("total");
    assert!(total > 10, "the demo's queue has many proposals: {total}");
    let rows = page["rows"].as_array().expect("rows");
    assert!(rows[1..].iter().all(|r| r["would_deny"].as_array().is_some_and(Vec::is_empty)), "one deny-maker, first");

    // Orders.
    let by = |sort: &str| json(&list(dir, &["--json", "--limit", "500", "--sort", sort]));
    let scores: Vec<f64> =
        by("score")["rows"].as_array().expect("rows").iter().filter_map(|r| r["score"].as_f64()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "by score, highest first");
    let ages: Vec<String> = by("age")["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["proposed_at"].as_str().map(str::to_string))
        .collect();
    assert!(ages.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    // Paging: a page is the same rows as the whole list, cut.
    let whole = json(&list(dir, &["--json", "--limit", "500"]));
    let cut = json(&list(dir, &["--json", "--offset", "2", "--limit", "3"]));
    assert_eq!(cut["rows"].as_array().expect("rows")[..], whole["rows"].as_array().expect("rows")[2..5]);
    assert_eq!(cut["total"], whole["total"]);
    // Filters.
    let agencies =
        json(&list(dir, &["--json", "--limit", "500", "--filter", "role=agency", "--filter", "would_deny=true"]));
    assert_eq!(agencies["total"], 1);
    let none = json(&list(dir, &["--json", "--filter", "score=0.99-1", "--filter", "kind=university"]));
    assert!(none["rows"].as_array().expect("rows").iter().all(|r| r["organisation"]["kind"] == "university"));
    let o = list(dir, &["--filter", "colour=blue"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("filter \"colour\""), "{}", text(&o));
    let o = list(dir, &["--filter", "score=high"]);
    assert!(!o.status.success() && text(&o).contains("LOW-HIGH"), "{}", text(&o));
    // The text listing says what accepting would do.
    let o = list(dir, &["--limit", "1"]);
    assert!(text(&o).contains("accepting makes a deny: face_identification"), "{}", text(&o));
}

#[test]
fn the_api_pages_and_filters_the_queue_and_a_decision_leaves_it_at_once() {
    let demo = demo_copy();
    let dir = demo.path();
    let id = sheriff_lookalike(dir);
    let reviewer = token(dir, "reviewer", "Rev Queue");
    let server = Server::start(dir, "127.0.0.1:0");
    let get = |q: &str| http(&server.addr, "GET", &format!("/v1/review/queue{q}"), Some(&reviewer), b"");
    let page = get("?sort=impact&limit=5");
    assert_eq!(page.status, 200, "{}", page.text());
    let v = page.json();
    assert_eq!(v["rows"][0]["proposal_id"].as_i64(), Some(id));
    assert_eq!((v["count"].as_u64(), v["limit"].as_u64()), (Some(5), Some(5)));
    let total = v["total"].as_u64().expect("total");
    let filtered = get("?capability=face_identification").json();
    assert_eq!(filtered["total"], 1);
    let deep = get(&format!("?offset={}", total - 1)).json();
    assert_eq!(deep["count"], 1, "the last page holds the last proposal");
    for bad in ["?limit=0", "?limit=501", "?sort=loudest", "?score=2-3", "?colour=blue", "?offset=-1"] {
        assert_eq!(get(bad).status, 400, "{bad}");
    }
    assert_eq!(http(&server.addr, "GET", "/v1/review/queue", None, b"").status, 401);
    let body =
        serde_json::json!({"proposal_id": id, "accept": true, "reason": "same office, a new account"}).to_string();
    let d = http(&server.addr, "POST", "/v1/review/decisions", Some(&reviewer), body.as_bytes());
    assert_eq!(d.status, 200, "{}", d.text());
    let after = get("?capability=face_identification").json();
    assert_eq!(after["total"], 0, "decided, so no longer queued: {after}");
    assert_eq!(get("").json()["total"].as_u64(), Some(total - 1));
}
