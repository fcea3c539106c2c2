//! Policy changes announced before they take effect, end to end on copies of the demo: the
//! demo's proposal, objections and withdrawal as canonical records; a proposal's effect equal
//! to `policy diff` on the same period; activation refused before the effective date, allowed
//! after, and an emergency recorded and shown; objections over HTTP by role; and no reviewer,
//! operator or staff id in any record or page.

use std::path::Path;

use serde_json::Value;

use crate::common::{Server, candor, demo_copy, http, size, text, token, without_witnesses};

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// Every entry of the demo folder's log, parsed, with its bytes.
fn records(dir: &Path) -> Vec<(u64, Vec<u8>, Value)> {
    let public = dir.join("log/public");
    let n = size(&public);
    let storage = tlog::Dir::new(&public);
    let reader = tlog::TileReader::new(&storage, n);
    (0..n)
        .map(|i| {
            let e = reader.entry(i).expect("entry");
            let v = serde_json::from_slice(&e).unwrap_or(Value::Null);
            (i, e, v)
        })
        .collect()
}

/// Runs `candor` with the demo folder's stores and log.
fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let p = |n: &str| dir.join(n).display().to_string();
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let sub = args.get(1).copied().unwrap_or("");
    if matches!(sub, "activate" | "propose" | "history" | "diff") {
        all.extend(["--db".into(), p("registry.db"), "--policy-db".into(), p("policy.db")]);
    }
    if matches!(sub, "propose" | "diff") {
        all.extend(["--usage-db".into(), p("usage.db")]);
    }
    if matches!(sub, "activate" | "propose" | "proposals" | "object" | "withdraw" | "set-notice") {
        all.extend(["--dir".into(), p("log")]);
    }
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    candor(&refs)
}

/// Today (UTC), as candor reads it.
fn today() -> String {
    let out = std::process::Command::new("date").args(["-u", "+%Y-%m-%d"]).output().expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn days_from_today(n: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("{n} days"), "+%Y-%m-%d"])
        .output()
        .expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A variant of the default policy: compute forbidden to agencies, confirmed or not.
fn stricter(dir: &Path, name: &str) -> String {
    let text = format!(
        "{}\n@id(\"no-compute-for-police\")\nforbid (principal, action == Candor::Action::\"compute\", resource)\n\
         when {{ principal.law_enforcement_role == \"agency\" }};\n",
        String::from_utf8_lossy(&candor(&["policy", "default"]).stdout)
    );
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn the_demo_proposal_objections_and_withdrawal_are_canonical_records_without_ids() {
    let demo = demo_copy();
    let dir = demo.path();
    let all = records(dir);
    let kinds: Vec<&str> = all.iter().filter_map(|(_, _, v)| v["type"].as_str()).collect();
    for kind in [
        "candor.policy_notice_setting",
        "candor.policy_proposal",
        "candor.policy_objection",
        "candor.policy_withdrawal",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    for (i, bytes, v) in
        all.iter().filter(|(_, _, v)| v["type"].as_str().is_some_and(|t| t.starts_with("candor.policy_")))
    {
        assert_eq!(&records::canonical::to_vec(v).expect("canonical"), bytes, "entry {i} is not canonical JSON");
    }
    let listed = json(&run(dir, &["policy", "proposals", "--json"]));
    let p = &listed.as_array().expect("list")[0];
    assert_eq!(p["status"], "withdrawn");
    assert_eq!(p["objections"].as_array().expect("objections").len(), 2);
    assert!(
        p["objections"]
            .as_array()
            .expect("o")
            .iter()
            .all(|o| o["objector"].as_str().expect("o").starts_with("objector-"))
    );
    let proposal = all.iter().find(|(_, _, v)| v["type"] == "candor.policy_proposal").expect("proposal");
    assert_eq!(proposal.2["demonstration_data"], true, "made from demonstration data, and says so");
    let rows = proposal.2["effect"]["rows"].as_array().expect("rows");
    assert!(
        rows.iter().any(|r| r["capability"] == "face_identification"
            && r["change"] == "newly_allowed"
            && r["organisations"][0] == "Lakemoor County Sheriff's Office (fictional)"),
        "{rows:?}"
    );

    // No reviewer, operator or staff id anywhere in the log or the report: only pseudonyms.
    let ids = ["demo-staff-1", "demo-staff-2", "demo-operator", "demo-reviewer"];
    for (i, bytes, _) in &all {
        let t = String::from_utf8_lossy(bytes);
        assert!(ids.iter().all(|id| !t.contains(id)), "entry {i} names a person: {t}");
    }
    let mut stack = vec![dir.join("log/public")];
    let mut pages = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(t) = std::fs::read_to_string(&path) {
                pages += 1;
                assert!(ids.iter().all(|id| !t.contains(id)), "{} names a person", path.display());
            }
        }
    }
    assert!(pages > 50, "{pages} files scanned");
    let page = std::fs::read_to_string(dir.join(format!("log/public/proposal/{}.html", proposal.0))).expect("page");
    for shown in [
        "withdrawn",
        "Objections (2)",
        "newly_allowed",
        "Lakemoor County Sheriff&#39;s Office (fictional)",
        "class=\"del\"",
    ] {
        assert!(page.contains(shown), "the proposal's page lacks {shown:?}");
    }
    let policies = std::fs::read_to_string(dir.join("log/public/policies.html")).expect("policies page");
    assert!(
        policies.contains(&format!("proposal/{}.html", proposal.0)) && policies.contains("activated without notice")
    );
    let feed = std::fs::read_to_string(dir.join("log/public/feed/policies.xml")).expect("feed");
    assert!(feed.contains(&format!("record/{}.html", proposal.0)), "the policies feed lists the proposal");
    crate::common::verify_demo(dir);
}

#[test]
fn a_proposals_effect_is_policy_diff_on_the_last_published_period() {
    let demo = demo_copy();
    let dir = demo.path();
    without_witnesses(dir);
    let file = stricter(dir, "stricter.cedar");
    let effective = days_from_today(30);
    let o = run(
        dir,
        &["policy", "propose", &file, "--effective", &effective, "--reason", "test", "--by", "op-1", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let effect = json(&o)["effect"].clone();
    let period = effect["period"].as_str().expect("a published period").to_string();
    assert_eq!(period, "2026-Q4", "the demo's last published period");
    let o = run(dir, &["policy", "diff", "active", &file, "--period", &period, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let diff = json(&o);
    // The organisations the period discloses, from the report's own download.
    let orgs: Value =
        serde_json::from_slice(&std::fs::read(dir.join("log/public/data/organisations.json")).expect("orgs"))
            .expect("json");
    let disclosed: std::collections::BTreeSet<String> = orgs["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|o| o["periods"].as_array().is_some_and(|a| a.iter().any(|p| p == period.as_str())))
        .filter_map(|o| o["organisation"].as_str().map(str::to_string))
        .collect();
    let mut expected: std::collections::BTreeMap<
        (String, String),
        (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>),
    > = Default::default();
    for c in diff["changes"].as_array().expect("changes") {
        let change = if c["after"] == true { "newly_allowed" } else { "newly_denied" };
        let e = expected.entry((c["capability"].as_str().expect("cap").into(), change.into())).or_default();
        let org = c["organisation"].as_str().expect("org").to_string();
        if disclosed.contains(&org) {
            e.0.insert(org);
        } else {
            e.1.insert(c["account"].as_str().expect("account").into());
        }
    }
    assert!(!expected.is_empty(), "the stricter policy changes something in {period}");
    let rows = effect["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), expected.len(), "{rows:?} vs {expected:?}");
    for r in rows {
        let key = (r["capability"].as_str().expect("c").to_string(), r["change"].as_str().expect("ch").to_string());
        let (orgs, accounts) = &expected[&key];
        let named: std::collections::BTreeSet<String> =
            r["organisations"].as_array().expect("o").iter().filter_map(|o| o.as_str().map(str::to_string)).collect();
        assert_eq!(&named, orgs, "{key:?}");
        assert_eq!(r["undisclosed_accounts"].as_u64(), Some(accounts.len() as u64), "{key:?}");
        assert_eq!(r["policy"], "no-compute-for-police");
    }
}

#[test]
fn activation_waits_for_the_notice_unless_an_emergency_is_recorded() {
    let demo = demo_copy();
    let dir = demo.path();
    without_witnesses(dir);
    let public = dir.join("log/public");
    let file = stricter(dir, "stricter.cedar");
    // Too soon for the minimum notice (30 days unless set).
    let o =
        run(dir, &["policy", "propose", &file, "--effective", &days_from_today(5), "--reason", "r", "--by", "op-1"]);
    assert!(!o.status.success() && text(&o).contains("minimum notice is 30 days"), "{}", text(&o));
    let o = run(
        dir,
        &["policy", "propose", &file, "--effective", &days_from_today(30), "--reason", "r", "--by", "op-1", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let proposal = json(&o)["index"].as_u64().expect("index");
    // Before the date: refused, nothing appended.
    let before = size(&public);
    let o = run(dir, &["policy", "activate", &file, "--by", "op-1"]);
    assert!(!o.status.success() && text(&o).contains("cannot be activated before"), "{}", text(&o));
    assert_eq!(size(&public), before);
    assert_eq!(json(&run(dir, &["policy", "history", "--json"])).as_array().expect("versions").len(), 1);
    // An emergency: activated now, recorded as such, shown as such.
    let o =
        run(dir, &["policy", "activate", &file, "--by", "op-1", "--emergency", "--reason", "a court order", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let a = json(&o);
    assert!(a["notice"].as_str().expect("notice").starts_with("activated in an emergency"), "{a}");
    let index = a["log_index"].as_u64().expect("index");
    let entry = &records(dir)[index as usize].2;
    assert_eq!(entry["emergency"]["reason"], "a court order");
    assert_eq!(entry["proposal"]["index"].as_u64(), Some(proposal));
    let listed = json(&run(dir, &["policy", "proposals", "--json"]));
    let p = listed.as_array().expect("list").iter().find(|p| p["index"].as_u64() == Some(proposal)).expect("listed");
    assert_eq!(p["status"], "activated_in_emergency");
    let page = std::fs::read_to_string(public.join(format!("policy/{index}.html"))).expect("policy page");
    assert!(page.contains("Activated in an emergency") && page.contains("a court order"), "the version's page says so");
    let policies = std::fs::read_to_string(public.join("policies.html")).expect("policies page");
    assert!(policies.contains("activated in an emergency"), "the policies page says so");
    // Published again, every record that names the version says how it came into force.
    crate::common::publish_demo(dir, "2026-Q4");
    let summary =
        records(dir).into_iter().rev().find(|(_, _, v)| v["type"] == "candor.period_summary").expect("summary");
    assert_eq!(summary.2["policy"]["index"].as_u64(), Some(index), "published under the emergency version");
    let shown = std::fs::read_to_string(public.join(format!("record/{}.html", summary.0))).expect("summary page");
    assert!(
        shown.contains("activated in an emergency"),
        "the period summary names the version with how it came into force"
    );

    // With no notice required, a proposal effective today is activated after notice.
    let o = run(dir, &["policy", "set-notice", "--notice-days", "0", "--reason", "test", "--by", "op-1"]);
    assert!(o.status.success(), "{}", text(&o));
    let default = dir.join("default.cedar");
    std::fs::write(&default, candor(&["policy", "default"]).stdout).expect("default");
    let default = default.display().to_string();
    let o = run(
        dir,
        &["policy", "propose", &default, "--effective", &today(), "--reason", "back", "--by", "op-1", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let back = json(&o)["index"].as_u64().expect("index");
    let o = run(dir, &["policy", "activate", &default, "--by", "op-1", "--emergency", "--reason", "x"]);
    assert!(!o.status.success() && text(&o).contains("without --emergency"), "{}", text(&o));
    let o = run(dir, &["policy", "activate", &default, "--by", "op-1", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["notice"], format!("activated after notice (proposal #{back})"));
    // A version never proposed is activated without notice, and shown so.
    let o = run(dir, &["policy", "activate", &file, "--by", "op-1", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["notice"], "activated without notice");
    crate::common::verify_demo(dir);
}

#[test]
fn objections_over_http_need_a_staff_token_and_are_filed_once_per_person() {
    let demo = demo_copy();
    let dir = demo.path();
    without_witnesses(dir);
    let file = stricter(dir, "stricter.cedar");
    // A proposal may give no reason; its page says none was given.
    let o = run(dir, &["policy", "propose", &file, "--effective", &days_from_today(40), "--by", "op-1", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let open = json(&o)["index"].as_u64().expect("index");
    let withdrawn = json(&run(dir, &["policy", "proposals", "--json"]))
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["status"] == "withdrawn")
        .and_then(|p| p["index"].as_u64())
        .expect("the demo's withdrawn proposal");
    let staff = token(dir, "staff", "alice.staff@example.org");
    let other = token(dir, "staff", "bob.staff@example.org");
    let reviewer = token(dir, "reviewer", "rita");
    let server = Server::start(dir, "127.0.0.1:0");
    let path = |i: u64| format!("/v1/proposals/{i}/objections");
    let body = br#"{"reason": "this makes face detection by police a violation without asking them"}"#;
    assert_eq!(http(&server.addr, "POST", &path(open), None, body).status, 401);
    assert_eq!(http(&server.addr, "POST", &path(open), Some(&reviewer), body).status, 403);
    assert_eq!(http(&server.addr, "POST", &path(open), Some(&staff), br#"{"reason": "  "}"#).status, 400);
    assert_eq!(
        http(&server.addr, "POST", &path(open), Some(&staff), br#"{"reason": "x", "name": "alice"}"#).status,
        422
    );
    assert_eq!(http(&server.addr, "POST", &path(999_999), Some(&staff), body).status, 404);
    assert_eq!(http(&server.addr, "POST", &path(withdrawn), Some(&staff), body).status, 409);
    let a = http(&server.addr, "POST", &path(open), Some(&staff), body);
    assert_eq!(a.status, 201, "{}", a.text());
    let filed = a.json()["objection"].clone();
    assert!(filed["objector"].as_str().expect("pseudonym").starts_with("objector-"));
    assert_eq!(http(&server.addr, "POST", &path(open), Some(&staff), body).status, 409, "one objection per person");
    assert_eq!(http(&server.addr, "POST", &path(open), Some(&other), body).status, 201);
    let entry = &records(dir)[filed["index"].as_u64().expect("index") as usize];
    assert_eq!(entry.2["type"], "candor.policy_objection");
    assert_eq!(entry.2["proposal"]["index"].as_u64(), Some(open));
    assert!(!String::from_utf8_lossy(&entry.1).contains("alice"), "only the pseudonym is published");
    let mut stack = vec![dir.join("log/public")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten().map(|e| e.path()) {
            if e.is_dir() {
                stack.push(e);
            } else if let Ok(t) = std::fs::read_to_string(&e) {
                assert!(!t.contains("alice.staff") && !t.contains("bob.staff"), "{} names a staff member", e.display());
            }
        }
    }
    let page = std::fs::read_to_string(dir.join(format!("log/public/proposal/{open}.html"))).expect("page");
    assert!(page.contains("Objections (2)") && page.contains("without asking them"), "the page shows them");
    assert!(page.contains("No reason was given."), "the page says the proposal gave no reason");
    drop(server);
    // The CLI takes objections too, with the same rules.
    let o = run(
        dir,
        &["policy", "object", &open.to_string(), "--reason", "again", "--objector", "alice.staff@example.org"],
    );
    assert!(!o.status.success() && text(&o).contains("already objected"), "{}", text(&o));
}
