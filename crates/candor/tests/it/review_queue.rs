//! The review queue ordered by consequence, on a copy of the demo with one more (fictional)
//! account whose name fits the fictional sheriff's office and which uses face identification:
//! accepting its link would make a deny, so it comes first; filters, sorts and pages in the CLI
//! and the API; a decision made on the server leaves the server's cached queue at once. On a
//! small registry of its own (`CliFixture`): bulk acceptance, four eyes, and a rejection
//! remembered by `candor screen` until something new is known, the queue saying why it came back.

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
pub(crate) fn sheriff_lookalike(dir: &Path) -> i64 {
    lookalike_account(dir);
    lookalike_usage(dir);
    let all = json(&list(dir, &["--json", "--limit", "500", "--filter", "capability=face_identification"]));
    assert_eq!(all["total"], 1, "only the look-alike uses face identification among the proposals: {all}");
    all["rows"][0]["proposal_id"].as_i64().expect("id")
}

/// The look-alike account, screened (a proposal), without usage yet.
fn lookalike_account(dir: &Path) {
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
}

/// The look-alike's face identification, ingested.
fn lookalike_usage(dir: &Path) {
    let p = |n: &str| dir.join(n).display().to_string();
    let usage = dir.join("more-usage.csv");
    std::fs::write(
        &usage,
        "account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n\
         acct-lookalike-1,2026-08,Amazon Rekognition,face_identification,commercial,Images,4200,4.2,42,2026-08-02,2026-08-30\n",
    )
    .expect("usage");
    let o = candor(&["usage", "ingest-aggregate", &usage.display().to_string(), "--usage-db", &p("usage.db")]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_server_s_queue_does_not_let_one_reviewer_confirm_on_what_it_read_before_new_usage() {
    // Regression: the server's cached queue was built before the account's face identification
    // was ingested, believed accepting its link denied nothing, and let one reviewer confirm it.
    let demo = demo_copy();
    let dir = demo.path();
    lookalike_account(dir);
    let reviewer = token(dir, "reviewer", "Rev Stale");
    let server = Server::start(dir, "127.0.0.1:0");
    let queue = http(&server.addr, "GET", "/v1/review/queue?limit=500", Some(&reviewer), b"").json();
    let row = queue["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["account"]["id"] == "acct-lookalike-1")
        .cloned()
        .expect("the look-alike's proposal");
    assert_eq!(row["would_deny"], serde_json::json!([]), "no usage yet: {row}");
    lookalike_usage(dir);
    let body = serde_json::json!({"proposal_id": row["proposal_id"], "accept": true, "reason": "same office"});
    let d = http(&server.addr, "POST", "/v1/review/decisions", Some(&reviewer), body.to_string().as_bytes());
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(
        (d.json()["confirmed"].as_bool(), d.json()["awaiting_second_reviewer"].as_bool()),
        (Some(false), Some(true)),
        "the new usage makes a deny, so a second reviewer must confirm: {}",
        d.text()
    );
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
    let second = token(dir, "reviewer", "Rev Two");
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
    // Accepting it would make a deny: four eyes. The first acceptance keeps it queued.
    let body =
        serde_json::json!({"proposal_id": id, "accept": true, "reason": "same office, a new account"}).to_string();
    let decide = |t: &str| http(&server.addr, "POST", "/v1/review/decisions", Some(t), body.as_bytes());
    let d = decide(&reviewer);
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(
        (d.json()["awaiting_second_reviewer"].as_bool(), d.json()["confirmed"].as_bool()),
        (Some(true), Some(false))
    );
    let waiting = get("?capability=face_identification").json();
    assert_eq!(waiting["rows"][0]["first_acceptance"]["reviewer"], "Rev_Queue", "{waiting}");
    let again = decide(&reviewer);
    assert_eq!(again.status, 409, "the same reviewer cannot confirm: {}", again.text());
    assert!(again.text().contains("second reviewer"), "{}", again.text());
    let d = decide(&second);
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(d.json()["confirmed"], true);
    let after = get("?capability=face_identification").json();
    assert_eq!(after["total"], 0, "decided, so no longer queued: {after}");
    assert_eq!(get("").json()["total"].as_u64(), Some(total - 1));
    // Bulk acceptance: only identifier matches (the demo's queue has none); no token, no entry.
    let first = get("?limit=2").json();
    let ids: Vec<i64> =
        first["rows"].as_array().expect("rows").iter().filter_map(|r| r["proposal_id"].as_i64()).collect();
    let bulk = serde_json::json!({"proposal_ids": ids, "reason": "identifiers match"}).to_string();
    let b = http(&server.addr, "POST", "/v1/review/bulk-accept", Some(&reviewer), bulk.as_bytes());
    assert_eq!(b.status, 400, "{}", b.text());
    assert!(b.text().contains("matched by name"), "{}", b.text());
    assert_eq!(http(&server.addr, "POST", "/v1/review/bulk-accept", None, bulk.as_bytes()).status, 401);
    assert_eq!(get("").json()["total"].as_u64(), Some(total - 1), "nothing was accepted");
    drop(server);

    // Published, the period's summary says what review did, reviewers as pseudonyms only.
    crate::common::without_witnesses(dir);
    let out = std::process::Command::new("date").args(["-u", "+%Y %m"]).output().expect("date");
    let ym = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (y, m) = ym.split_once(' ').expect("year and month");
    let period = format!("{y}-Q{}", (m.parse::<u32>().expect("month") - 1) / 3 + 1);
    crate::common::publish_demo(dir, &period);
    let records: Value = crate::common::published_records(&dir.join("log/public"));
    let summary = records["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["type"] == "candor.period_summary" && r["record"]["period"] == period.as_str())
        .filter(|r| r["corrected_by"].is_null())
        .map(|r| r["record"].clone())
        .next()
        .expect("the period's summary");
    let review = &summary["review"];
    assert_eq!(review["decided_under_four_eyes"], 1, "{review}");
    let reviewers = review["reviewers"].as_array().expect("reviewers");
    assert!(reviewers.iter().any(|r| r["first_acceptances"] == 1), "{review}");
    assert!(reviewers.iter().all(|r| r["reviewer"].as_str().is_some_and(|n| n.starts_with("reviewer-"))));
    for file in ["log/public/data/records/0.json", "log/public/review.html"] {
        let t = std::fs::read_to_string(dir.join(file)).expect(file);
        assert!(
            !t.contains("Rev_Queue") && !t.contains("Rev_Two") && !t.contains("acct-lookalike"),
            "{file} names a reviewer or an account"
        );
    }
    let page = std::fs::read_to_string(dir.join("log/public/review.html")).expect("review page");
    assert!(page.contains("confirmed by a second reviewer under four eyes"), "the review page shows the facts");
    crate::common::verify_demo(dir);
}

const AWARDS: &str = "contract_award_unique_key,award_id_piid,recipient_uei,recipient_duns,recipient_name,recipient_name_raw,recipient_parent_name,recipient_parent_uei,awarding_agency_code,awarding_agency_name,awarding_sub_agency_code,awarding_sub_agency_name,funding_sub_agency_code,funding_sub_agency_name,total_obligated_amount,period_of_performance_start_date,period_of_performance_current_end_date,recipient_state_code,recipient_city_name,usaspending_permalink\n\
TEST_AWD_1,TEST-0001,TESTUEI00001,,EXAMPLE DETENTION LOGISTICS LLC,EXAMPLE DETENTION LOGISTICS LLC,,,070,Department of Homeland Security,7012,U.S. Immigration and Customs Enforcement,7012,U.S. Immigration and Customs Enforcement,250000.00,2026-01-01,2026-12-31,MN,EXAMPLEVILLE,\n";

/// A registry, usage store, log and active default policy in a temporary folder: a fictional
/// supplier of an immigration-enforcement agency and three fictional accounts using compute
/// (two give its UEI, one only a spelling of its name), each proposed for review.
struct CliFixture {
    dir: tempfile::TempDir,
}

impl CliFixture {
    fn p(&self, n: &str) -> String {
        self.dir.path().join(n).display().to_string()
    }

    /// `candor ARGS --db …` (and the review queue's stores for `review …`).
    fn run(&self, args: &[&str]) -> std::process::Output {
        let (db, usage, pdb) = (self.p("registry.db"), self.p("usage.db"), self.p("policy.db"));
        let mut all = args.to_vec();
        all.extend(["--db", &db]);
        if args[0] == "review" {
            all.extend(["--usage-db", &usage, "--policy-db", &pdb]);
        }
        candor(&all)
    }

    fn new() -> CliFixture {
        let f = CliFixture { dir: tempfile::tempdir().expect("tmp") };
        let d = &f.dir;
        let p = |n: &str| f.p(n);
        let (db, usage, pdb) = (p("registry.db"), p("usage.db"), p("policy.db"));
        let run = |args: &[&str]| f.run(args);
        std::fs::write(d.path().join("awards.csv"), AWARDS).expect("awards");
        ok(run(&["registry", "import", "reference"]));
        ok(run(&["registry", "import", "usaspending", &p("awards.csv")]));
        ok(run(&["registry", "classify"]));
        std::fs::write(
            d.path().join("accounts.csv"),
            "account_id,legal_name,state,uei\nacct-u1,Example Detention Logistics,MN,TESTUEI00001\n\
             acct-u2,EDL Example Detention,MN,TESTUEI00001\nacct-n1,Example Detention Logistics L.L.C.,MN,\n",
        )
        .expect("accounts");
        ok(run(&["registry", "import", "accounts", &p("accounts.csv")]));
        ok(run(&["screen"]));
        let mut lines =
            String::from("account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n");
        for a in ["acct-u1", "acct-u2", "acct-n1"] {
            lines
                .push_str(&format!("{a},2026-08,Amazon EC2,compute,commercial,Hours,100,5,10,2026-08-01,2026-08-31\n"));
        }
        std::fs::write(d.path().join("usage.csv"), lines).expect("usage");
        ok(candor(&["usage", "ingest-aggregate", &p("usage.csv"), "--usage-db", &usage]));
        ok(candor(&["log", "init", "--dir", &p("log"), "--origin", "example.org/review-test"]));
        std::fs::write(d.path().join("policy.cedar"), ok(candor(&["policy", "default"]))).expect("policy");
        let (policy_file, log) = (p("policy.cedar"), p("log"));
        ok(candor(&[
            "policy",
            "activate",
            &policy_file,
            "--by",
            "op-1",
            "--dir",
            &log,
            "--db",
            &db,
            "--policy-db",
            &pdb,
        ]));
        f
    }

    /// The queue's row for `account`.
    fn row(&self, account: &str) -> Value {
        let queue: Value = serde_json::from_str(&ok(self.run(&["review", "list", "--json"]))).expect("json");
        queue["rows"].as_array().expect("rows").iter().find(|r| r["account"]["id"] == account).cloned().expect(account)
    }
}

fn ok(o: std::process::Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn bulk_acceptance_takes_identifier_matches_only_and_four_eyes_hold_in_the_cli() {
    let f = CliFixture::new();
    let run = |args: &[&str]| f.run(args);
    let (u1, u2, n1) = (f.row("acct-u1"), f.row("acct-u2"), f.row("acct-n1"));
    assert_eq!((u1["identifier_match"].as_bool(), n1["identifier_match"].as_bool()), (Some(true), Some(false)));
    assert_eq!(n1["would_deny"][0], "compute", "a supplier of ICE gets no service under the default policy: {n1}");
    // Beside it, the evidence: the enablement path to the agency, the award, where it came from.
    let evidence = n1["organisation"]["evidence"][0].as_str().expect("evidence").to_string();
    assert!(
        evidence.contains("U.S. Immigration and Customs Enforcement")
            && evidence.contains("TEST_AWD_1")
            && evidence.contains("awards.csv line 2"),
        "{evidence}"
    );
    let id = |r: &Value| r["proposal_id"].as_i64().expect("id").to_string();
    let (u1, u2, n1) = (id(&u1), id(&u2), id(&n1));

    // A name-only match refuses the whole bulk acceptance, and nothing is recorded.
    let reason = ["--reviewer", "r1", "--reason", "UEI given", "--four-eyes", "off"];
    let o = run(&[&["review", "bulk-accept", &u1, &n1][..], &reason[..]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("matched by name") && text(&o).contains(&n1), "{}", text(&o));
    let total = |out: String| serde_json::from_str::<Value>(&out).expect("json")["total"].as_u64();
    assert_eq!(total(ok(run(&["review", "list", "--json"]))), Some(3));
    // Identifier matches alone: each recorded as its own decision (four eyes off here).
    let out = ok(run(&[&["review", "bulk-accept", &u1, &u2][..], &reason[..], &["--json"][..]].concat()));
    let done: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(done.as_array().map(Vec::len), Some(2));
    assert!(done.as_array().expect("done").iter().all(|d| d["confirmed"] == true));
    assert_eq!(total(ok(run(&["review", "list", "--json"]))), Some(1));

    // Four eyes in the CLI: the first acceptance waits, the same reviewer cannot confirm.
    let out = ok(run(&["review", "accept", &n1, "--reviewer", "r1", "--reason", "same company"]));
    assert!(out.contains("a second reviewer must confirm"), "{out}");
    let o = run(&["review", "accept", &n1, "--reviewer", "r1", "--reason", "same company"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = ok(run(&["review", "accept", &n1, "--reviewer", "r2", "--reason", "checked the contract file"]));
    assert!(out.starts_with("confirmed"), "{out}");
    assert_eq!(total(ok(run(&["review", "list", "--json"]))), Some(0));
    let out = ok(run(&["explain", "acct-n1"]));
    assert!(out.contains("second acceptance (four eyes; first by r1)"), "{out}");
}

#[test]
fn four_eyes_hold_when_one_reviewer_rejects_then_overrides_in_the_cli() {
    // Regression: a reviewer refused as their own second reviewer rejected the proposal, then
    // accepted it with --override, and the link was confirmed by one person.
    let f = CliFixture::new();
    let n1 = f.row("acct-n1")["proposal_id"].as_i64().expect("id").to_string();
    let accept = |who: &str, extra: &[&str]| {
        let mut args = vec!["review", "accept", &n1, "--reviewer", who, "--reason", "same company"];
        args.extend_from_slice(extra);
        f.run(&args)
    };
    assert!(ok(accept("r1", &[])).contains("a second reviewer must confirm"));
    let o = accept("r1", &[]);
    assert_eq!(o.status.code(), Some(2), "the same reviewer cannot confirm: {}", text(&o));
    ok(f.run(&["review", "reject", &n1, "--reviewer", "r1", "--reason", "changed my mind"]));
    // The override is a first acceptance like any other: the link waits for a second reviewer.
    let out = ok(accept("r1", &["--override"]));
    assert!(out.contains("a second reviewer must confirm"), "{out}");
    let row = f.row("acct-n1");
    assert_eq!(row["first_acceptance"]["reviewer"], "r1", "back in the queue, awaiting a second reviewer: {row}");
    // `R1` is r1; full-width `Ｒ１` and `r1` with a zero-width space are refused as ids.
    for same_person in ["r1", "R1", "Ｒ１", "r1\u{200b}", "r\u{ad}1"] {
        let o = accept(same_person, &[]);
        assert_eq!(o.status.code(), Some(2), "{same_person} is r1: {}", text(&o));
        assert!(text(&o).contains("second reviewer") || text(&o).contains("is not a letter"), "{}", text(&o));
        let o = accept(same_person, &["--override"]);
        assert_eq!(o.status.code(), Some(2), "{same_person} is r1, also with --override: {}", text(&o));
    }
    let explain = ok(f.run(&["explain", "acct-n1"]));
    assert!(
        explain.contains("proposed by r1") && !explain.contains("confirmed by r"),
        "nobody confirmed it yet: {explain}"
    );
    let out = ok(accept("r2", &[]));
    assert!(out.starts_with("confirmed"), "{out}");
    let explain = ok(f.run(&["explain", "acct-n1"]));
    assert!(explain.contains("second acceptance (four eyes; first by r1; a reversal)"), "{explain}");
}

#[test]
fn a_rejected_pair_is_screened_again_without_coming_back_until_the_account_gives_its_uei() {
    // Issue 27: `candor screen` proposed nothing again once a pair was in the history, so a
    // rejected pair never came back, even when the account later gave the organisation's UEI.
    let f = CliFixture::new();
    let n1 = f.row("acct-n1")["proposal_id"].as_i64().expect("id").to_string();
    let out = ok(f.run(&["review", "reject", &n1, "--reviewer", "r1", "--reason", "another company"]));
    let rejection = out.split("(event ").nth(1).and_then(|r| r.split(',').next()).expect("event").to_string();
    let screened = |json: bool| {
        let out = ok(f.run(if json { &["screen", "--json"][..] } else { &["screen"][..] }));
        if json { serde_json::from_str::<Value>(&out).expect("json") } else { Value::String(out) }
    };
    for _ in 0..2 {
        let r = screened(true);
        assert_eq!(
            (r["queued"].as_u64(), r["again"].as_u64(), r["dismissed"].as_u64()),
            (Some(0), Some(0), Some(1)),
            "{r}"
        );
    }
    let total = |out: String| serde_json::from_str::<Value>(&out).expect("json")["total"].as_u64();
    assert_eq!(total(ok(f.run(&["review", "list", "--json"]))), Some(2), "only the two UEI matches wait");

    // The customer gives the supplier's UEI: something new, so the pair is proposed again.
    std::fs::write(
        f.dir.path().join("accounts-2.csv"),
        "account_id,legal_name,state,uei\nacct-n1,Example Detention Logistics L.L.C.,MN,TESTUEI00001\n",
    )
    .expect("accounts");
    ok(f.run(&["registry", "import", "accounts", &f.p("accounts-2.csv")]));
    let out = screened(false);
    let out = out.as_str().expect("text");
    assert!(out.contains("rejected before: 1 proposed again"), "{out}");
    let why = format!("after the rejection in event {rejection}: a new identifier uei:TESTUEI00001 of the account");
    let row = f.row("acct-n1");
    assert_eq!(row["proposed_again"].as_str(), Some(why.as_str()), "{row}");
    assert!(row["reasons"].as_str().is_some_and(|r| r.starts_with(&format!("proposed again {why}; "))), "{row}");
    assert_eq!(row["identifier_match"], true, "it matched on the UEI this time: {row}");
    assert_ne!(row["proposal_id"].as_i64().map(|i| i.to_string()), Some(n1), "a new proposal: {row}");
    let text = ok(f.run(&["review", "list"]));
    assert!(text.contains(&format!("      proposed again {why}\n")), "{text}");
    // Waiting again, it is not proposed a second time.
    let r = screened(true);
    assert_eq!((r["queued"].as_u64(), r["dismissed"].as_u64()), (Some(0), Some(0)), "{r}");
}

#[test]
fn four_eyes_hold_over_http_when_one_reviewer_rejects_then_overrides_and_labels_name_people() {
    // Regression: the same reviewer rejected a proposal that would make a deny, then accepted it
    // with `override: true`, and the link was confirmed by one person; tokens labelled `Rev
    // One` and `rev one` counted as two reviewers; tokens without a label shared one name.
    let demo = demo_copy();
    let dir = demo.path();
    let id = sheriff_lookalike(dir);
    let first = token(dir, "reviewer", "Rev One");
    let same_person = token(dir, "reviewer", "rev ONE");
    let second = token(dir, "reviewer", "Rev Two");
    // A reviewer token must carry a label; one without it (an older tokens file) is refused.
    let tokens = dir.join("tokens").display().to_string();
    let o = candor(&["policy", "token", "--role", "reviewer", "--tokens", &tokens]);
    assert!(!o.status.success() && text(&o).contains("needs a --label"), "{}", text(&o));
    let o = candor(&["policy", "token", "--role", "staff", "--label", "  ", "--tokens", &tokens]);
    assert!(!o.status.success() && text(&o).contains("needs a --label"), "{}", text(&o));
    let o = candor(&["policy", "token", "--role", "reviewer", "--label", "tab\tbed", "--tokens", &tokens]);
    assert!(!o.status.success() && text(&o).contains("--label: contains a tab"), "{}", text(&o));
    for lookalike in ["Rev One\u{200b}", "Rev O\u{ad}ne", "Rev Оne"] {
        let o = candor(&["policy", "token", "--role", "reviewer", "--label", lookalike, "--tokens", &tokens]);
        assert!(!o.status.success() && text(&o).contains("--label: "), "{lookalike:?}: {}", text(&o));
    }
    let unlabelled = token(dir, "admin", "");
    let file = std::fs::read_to_string(dir.join("tokens")).expect("tokens");
    let line = file.lines().last().expect("the admin token").to_string();
    assert!(line.starts_with("admin\t") && line.ends_with('\t'), "{line:?}");
    std::fs::write(dir.join("tokens"), file.replace(&line, &line.replacen("admin", "reviewer", 1))).expect("tokens");
    let server = Server::start(dir, "127.0.0.1:0");
    let decide = |t: &str, accept: bool, overrides: bool| {
        let body =
            serde_json::json!({"proposal_id": id, "accept": accept, "reason": "same office", "override": overrides});
        http(&server.addr, "POST", "/v1/review/decisions", Some(t), body.to_string().as_bytes())
    };
    let d = decide(&unlabelled, true, false);
    assert_eq!(d.status, 403, "a token without a label decides nothing: {}", d.text());
    assert!(d.text().contains("no label"), "{}", d.text());

    let d = decide(&first, true, false);
    assert_eq!((d.status, d.json()["awaiting_second_reviewer"].as_bool()), (200, Some(true)), "{}", d.text());
    assert_eq!(decide(&first, true, false).status, 409, "the same reviewer cannot confirm");
    assert_eq!(decide(&same_person, true, false).status, 409, "`rev ONE` is `Rev One`");
    let r = decide(&first, false, false);
    assert_eq!(r.status, 200, "{}", r.text());
    // The reversal is a first acceptance like any other.
    let o = decide(&first, true, true);
    assert_eq!(o.status, 200, "{}", o.text());
    assert_eq!(
        (o.json()["confirmed"].as_bool(), o.json()["awaiting_second_reviewer"].as_bool()),
        (Some(false), Some(true)),
        "one reviewer cannot confirm a link that makes a deny by reversing a rejection: {}",
        o.text()
    );
    for t in [&first, &same_person] {
        for overrides in [false, true] {
            let d = decide(t, true, overrides);
            assert_eq!(d.status, 409, "override {overrides}: {}", d.text());
        }
    }
    let queue = |q: &str| http(&server.addr, "GET", &format!("/v1/review/queue{q}"), Some(&second), b"").json();
    let waiting = queue("?capability=face_identification");
    assert_eq!(waiting["rows"][0]["first_acceptance"]["reviewer"], "Rev_One", "{waiting}");
    let d = decide(&second, true, false);
    assert_eq!((d.status, d.json()["confirmed"].as_bool()), (200, Some(true)), "{}", d.text());
    assert_eq!(queue("?capability=face_identification")["total"], 0);
}

#[test]
fn control_characters_in_reasons_are_refused_over_http_and_in_the_cli_naming_the_field() {
    // Regression: objection and decision reasons took NUL and C0 controls over HTTP; pages
    // holding them failed their own check in the browser and made the Atom feeds invalid XML.
    let demo = demo_copy();
    let dir = demo.path();
    let id = sheriff_lookalike(dir);
    let reviewer = token(dir, "reviewer", "Rev Hostile");
    let staff = token(dir, "staff", "Staff Hostile");
    let server = Server::start(dir, "127.0.0.1:0");
    for reason in ["nul \u{0} here", "escape \u{1b}[2J", "bell \u{7}", "crlf\r\nline", "c1 \u{85}", "end \u{ffff}"] {
        let decision = serde_json::json!({"proposal_id": id, "accept": false, "reason": reason}).to_string();
        let bulk = serde_json::json!({"proposal_ids": [id], "reason": reason}).to_string();
        let objection = serde_json::json!({"reason": reason}).to_string();
        for (path, token, body) in [
            ("/v1/review/decisions", &reviewer, &decision),
            ("/v1/review/bulk-accept", &reviewer, &bulk),
            ("/v1/proposals/21/objections", &staff, &objection),
        ] {
            let a = http(&server.addr, "POST", path, Some(token), body.as_bytes());
            assert_eq!(a.status, 400, "{path} {reason:?}: {}", a.text());
            assert!(a.text().contains("reason: contains"), "{path} {reason:?}: {}", a.text());
        }
    }
    // Tab and line feed are text; the decision goes through.
    let fine = serde_json::json!({"proposal_id": id, "accept": false, "reason": "two\tcolumns\nand lines"}).to_string();
    let a = http(&server.addr, "POST", "/v1/review/decisions", Some(&reviewer), fine.as_bytes());
    assert_eq!(a.status, 200, "{}", a.text());
    drop(server);
    let p = |n: &str| dir.join(n).display().to_string();
    let o = candor(&["policy", "object", "21", "--reason", "a\u{1b}b", "--objector", "staff-1", "--dir", &p("log")]);
    assert!(!o.status.success() && text(&o).contains("reason: contains the control character U+001B"), "{}", text(&o));
}

#[test]
fn any_body_the_api_document_allows_fits_under_its_route_s_limit() {
    // Regression: a bulk acceptance of 500 ids with a 2,000-character reason of 4-byte
    // characters (written as JSON escapes) was schema-valid and got 413.
    let demo = demo_copy();
    let dir = demo.path();
    let reviewer = token(dir, "reviewer", "Rev Limits");
    let staff = token(dir, "staff", "Staff Limits");
    let server = Server::start(dir, "127.0.0.1:0");
    // ASCII-only JSON, as Python's json.dumps writes it: each 😀 is "\ud83d\ude00" (12 bytes).
    let reason = |n: usize| "\\ud83d\\ude00".repeat(n);
    // The longest form of an id the server reads as an integer.
    let ids = vec!["-9.223372036854775808e+18"; 500].join(", ");
    let bulk = format!("{{\"proposal_ids\": [{ids}], \"reason\": \"{}\"}}", reason(2000));
    let decision = format!(
        "{{\"proposal_id\": {}, \"accept\": true, \"org_id\": {}, \"override\": true, \"reason\": \"{}\"}}",
        i64::MIN,
        i64::MIN,
        reason(2000)
    );
    let objection = format!("{{\"reason\": \"{}\"}}", reason(4000));
    for (path, token, body) in [
        ("/v1/review/bulk-accept", &reviewer, &bulk),
        ("/v1/review/decisions", &reviewer, &decision),
        ("/v1/proposals/21/objections", &staff, &objection),
    ] {
        assert!(body.len() > 16 * 1024, "{path}: over the default limit ({} bytes)", body.len());
        let a = http(&server.addr, "POST", path, Some(token), body.as_bytes());
        assert_ne!(a.status, 413, "{path}: {} bytes: {}", body.len(), a.text());
        assert!(a.status < 500, "{path}: {}", a.text());
    }
    // One character more than the schema allows is refused by the handler, not the limit.
    let over = format!("{{\"reason\": \"{}\"}}", reason(4001));
    let a = http(&server.addr, "POST", "/v1/proposals/21/objections", Some(&staff), over.as_bytes());
    assert_eq!(a.status, 400, "{}", a.text());
}

/// The current quarter (`YYYY-Qn`), as `date` gives it.
fn this_quarter() -> String {
    let out = std::process::Command::new("date").args(["-u", "+%Y %m"]).output().expect("date");
    let ym = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (y, m) = ym.split_once(' ').expect("year and month");
    format!("{y}-Q{}", (m.parse::<u32>().expect("month") - 1) / 3 + 1)
}

#[test]
fn scores_are_calibrated_on_reviewers_decisions_and_the_period_publishes_the_screening_s_quality() {
    let demo = demo_copy();
    let dir = demo.path();
    let p = |n: &str| dir.join(n).display().to_string();
    let page = json(&list(dir, &["--json", "--limit", "500", "--sort", "score"]));
    let rows = page["rows"].as_array().expect("rows").clone();
    assert!(rows.len() >= 6, "the demo's queue: {page}");
    // Decide some proposals of one band: two accepted, one rejected (the links are to real
    // bodies' name variants with no usage: nothing here is published as a customer).
    let band = rows[0]["calibration"]["band"].as_str().expect("band").to_string();
    let same_band: Vec<&Value> = rows.iter().filter(|r| r["calibration"]["band"] == band.as_str()).collect();
    assert!(same_band.len() >= 4, "{band}: {}", same_band.len());
    let before = same_band[3]["calibration"].clone();
    for (row, accept) in same_band.iter().take(3).zip([true, true, false]) {
        let id = row["proposal_id"].as_i64().expect("id").to_string();
        let mut args: Vec<String> = vec!["review".into(), if accept { "accept" } else { "reject" }.into(), id];
        for (flag, value) in [
            ("--reviewer", "rev-cal".to_string()),
            ("--reason", "checked".into()),
            ("--db", p("registry.db")),
            ("--usage-db", p("usage.db")),
            ("--policy-db", p("policy.db")),
            ("--four-eyes", "off".into()),
        ] {
            args.extend([flag.to_string(), value]);
        }
        if let Some(org) = row["candidates"][0]["id"].as_i64().filter(|_| accept) {
            args.extend(["--org".to_string(), format!("#{org}")]);
        }
        let o = candor(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", text(&o));
    }
    let after = json(&list(dir, &["--json", "--limit", "500", "--filter", &format!("score={}", band_filter(&band))]));
    let still = after["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["proposal_id"] == same_band[3]["proposal_id"])
        .expect("the fourth");
    let cal = &still["calibration"];
    assert_eq!(
        (cal["accepted"].as_u64(), cal["decided"].as_u64()),
        (before["accepted"].as_u64().map(|a| a + 2), before["decided"].as_u64().map(|d| d + 3)),
        "{cal}"
    );
    let probability = cal["probability"].as_f64().expect("p");
    let (a, d) = (cal["accepted"].as_f64().expect("a"), cal["decided"].as_f64().expect("d"));
    let quality = registry::screen::quality::RELEASE;
    assert_eq!(cal["labelled_precision"].as_f64(), quality.precision_at(&band), "the labelled sets' prior: {cal}");
    let prior = cal["labelled_precision"].as_f64().unwrap_or(0.5);
    assert!((probability - (a + 10.0 * prior) / (d + 10.0)).abs() < 1e-9, "{cal}");
    let text_page = list(dir, &["--filter", &format!("score={}", band_filter(&band)), "--limit", "500"]);
    assert!(
        text(&text_page).contains(&format!("accepted {} of {} at this score ({band})", a, d)),
        "{}",
        text(&text_page)
    );
    // Ordered by expected value: highest first.
    let by_value = json(&list(dir, &["--json", "--limit", "500", "--sort", "value"]));
    let values: Vec<f64> =
        by_value["rows"].as_array().expect("rows").iter().filter_map(|r| r["expected_value"].as_f64()).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]) && !values.is_empty(), "{values:?}");

    // Published, the period's summary states the screening's quality, equal to what the
    // registry's decisions give when counted here.
    crate::common::without_witnesses(dir);
    let period = this_quarter();
    crate::common::publish_demo(dir, &period);
    let records: Value = crate::common::published_records(&dir.join("log/public"));
    let summary = records["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["type"] == "candor.period_summary" && r["record"]["period"] == period.as_str())
        .filter(|r| r["corrected_by"].is_null())
        .map(|r| r["record"].clone())
        .next()
        .expect("the period's summary");
    let published = &summary["screening"];
    let store = registry::open(&dir.join("registry.db")).expect("registry");
    let events = store.link_events().expect("events");
    // Counted here, independently: each screening proposal made in the period, by band, and
    // the latest person's decision on its pair (or a candidate of it).
    let quarter_start = format!("{}-{:02}-01", &period[..4], (period[6..].parse::<u32>().expect("q") - 1) * 3 + 1);
    let mut want: std::collections::BTreeMap<String, (u64, u64, u64)> = std::collections::BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if e.status != registry::model::Status::Proposed || e.actor != "candor:screen" || e.at[..10] < *quarter_start {
            continue;
        }
        let score = e.score.expect("score");
        let band = if score >= 1.0 {
            "1.00".to_string()
        } else if score < 0.8 {
            "below 0.80".to_string()
        } else {
            let lo = ((score * 20.0).floor() / 20.0 * 100.0).round() / 100.0;
            format!("{lo:.2}-{:.2}", lo + 0.05)
        };
        let orgs: Vec<i64> = std::iter::once(e.org_id).chain(e.candidates.iter().map(|c| c.org_id)).collect();
        let decision = events[i + 1..]
            .iter()
            .filter(|d| d.account_id == e.account_id && orgs.contains(&d.org_id) && !d.actor.starts_with("candor:"))
            .filter(|d| d.status != registry::model::Status::Proposed && !d.reason.starts_with("another candidate"))
            .last()
            .map(|d| d.status);
        let w = want.entry(band).or_default();
        w.0 += 1;
        match decision {
            Some(registry::model::Status::Confirmed) => (w.1, w.2) = (w.1 + 1, w.2 + 1),
            Some(_) => w.1 += 1,
            None => {}
        }
    }
    for b in published["bands"].as_array().expect("bands") {
        let name = b["band"].as_str().expect("band");
        let (proposed, decided, accepted) = want.get(name).copied().unwrap_or_default();
        assert_eq!(
            (b["proposed"].as_u64(), b["decided"].as_u64(), b["accepted"].as_u64()),
            (Some(proposed), Some(decided), Some(accepted)),
            "{name}: {published}"
        );
    }
    assert!(want.values().map(|w| w.1).sum::<u64>() >= 3, "the decisions above are in the period: {want:?}");
    // And the labelled sets' precision and recall, as this release records them.
    assert_eq!(published["labelled"]["precision"].as_f64(), Some(quality.precision), "{published}");
    assert_eq!(published["labelled"]["recall"].as_f64(), Some(quality.recall), "{published}");
    assert_eq!(published["labelled"]["names"].as_u64(), Some(quality.names), "{published}");
    let page = std::fs::read_to_string(dir.join("log/public/review.html")).expect("review page");
    assert!(page.contains("Screening quality"), "the review page shows it");
    crate::common::verify_demo(dir);
}

/// A `score=` filter that selects one band.
fn band_filter(band: &str) -> String {
    match band {
        "1.00" => "1".into(),
        "below 0.80" => "-0.79".into(),
        b => b.replacen("-1.00", "-0.9999", 1),
    }
}
