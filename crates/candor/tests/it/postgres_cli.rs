//! candor beyond one machine, end to end on PostgreSQL (a scratch database on the server
//! `CANDOR_TEST_POSTGRES` names; skipped without one, failing under `CI=true`): the demo's
//! SQLite stores moved with `migrate` give the same `explain`, usage report and published
//! site; two `candor serve` processes on one database decide each proposal once; two importers
//! of one file store it once.

use std::path::Path;
use std::sync::{Arc, Barrier};

use serde_json::{Value, json};

use crate::common::{Server, candor, demo_copy, http, text, token, without_witnesses};

fn postgres() -> Option<String> {
    match std::env::var("CANDOR_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            crate::skip("CANDOR_TEST_POSTGRES is not set (run the tests under .ci/with-postgres)");
            None
        }
    }
}

fn ok(args: &[&str]) -> String {
    let o = candor(args);
    assert!(o.status.success(), "candor {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Moves the demo folder's three stores into a new database; returns its URL.
fn moved_demo(dir: &Path, admin: &str) -> String {
    let url = pg::scratch::create(admin).expect("scratch database");
    for (store, file) in [("registry", "registry.db"), ("usage", "usage.db"), ("policy", "policy.db")] {
        let from = format!("sqlite:{}", dir.join(file).display());
        let moved: Value =
            serde_json::from_str(&ok(&[store, "migrate", "--from", &from, "--to", &url, "--json"])).expect("json");
        let tables = moved.as_array().expect("tables");
        assert!(tables.iter().any(|t| t["rows"].as_u64() > Some(0)), "{store}: nothing moved: {moved}");
        assert!(tables.iter().all(|t| t["sha256"].as_str().is_some_and(|h| h.len() == 64)), "{moved}");
        // Run again (as after an interruption): every table is recognised, nothing copied twice.
        let again: Value =
            serde_json::from_str(&ok(&[store, "migrate", "--from", &from, "--to", &url, "--json"])).expect("json");
        assert!(again.as_array().expect("tables").iter().all(|t| t["copied"] == false), "{again}");
        assert_eq!(
            again.as_array().map(|a| a.iter().map(|t| t["sha256"].clone()).collect::<Vec<_>>()),
            tables.iter().map(|t| t["sha256"].clone()).collect::<Vec<_>>().into(),
            "{store}: the same content both times"
        );
    }
    url
}

/// Asserts two outputs are equal, naming the first line that differs (not the whole output).
fn same(what: &str, postgres: &str, sqlite: &str) {
    if postgres != sqlite {
        let (a, b): (Vec<&str>, Vec<&str>) = (postgres.lines().collect(), sqlite.lines().collect());
        let i = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        panic!(
            "{what} differs at line {}: PostgreSQL {:?} vs SQLite {:?} ({} vs {} lines)",
            i + 1,
            a.get(i),
            b.get(i),
            a.len(),
            b.len()
        );
    }
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("prefix").display().to_string();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

#[test]
fn the_demo_moved_to_postgresql_explains_reports_and_publishes_the_same() {
    let Some(admin) = postgres() else { return };
    let demo = demo_copy();
    let dir = demo.path();
    without_witnesses(dir);
    let url = moved_demo(dir, &admin);
    let p = |n: &str| dir.join(n).display().to_string();
    let (registry, usage, policy) = (p("registry.db"), p("usage.db"), p("policy.db"));

    // The registry reads the same: counts, every link with its state, and an explanation.
    assert_eq!(
        ok(&["registry", "stats", "--json", "--db", &url]),
        ok(&["registry", "stats", "--json", "--db", &registry])
    );
    let links = ok(&["review", "list", "--all", "--json", "--db", &registry]);
    same("review list --all", &ok(&["review", "list", "--all", "--json", "--db", &url]), &links);
    let links: Value = serde_json::from_str(&links).expect("json");
    let org = links.as_array().expect("links").iter().find_map(|l| l["org_name"].as_str()).expect("an organisation");
    let explained = ok(&["explain", org, "--db", &registry]);
    assert!(!explained.is_empty());
    same("explain", &ok(&["explain", org, "--db", &url]), &explained);
    // The usage report through the registry's confirmed links.
    same(
        "usage report",
        &ok(&["usage", "report", "--json", "--usage-db", &url, "--db", &url]),
        &ok(&["usage", "report", "--json", "--usage-db", &usage, "--db", &registry]),
    );
    same(
        "policy history",
        &ok(&["policy", "history", "--json", "--db", &url, "--policy-db", &url]),
        &ok(&["policy", "history", "--json", "--db", &registry, "--policy-db", &policy]),
    );

    // Publishing the demo's last period again, from SQLite and then from PostgreSQL: the
    // records each makes are the ones already in the log (nothing appended), and the site is
    // rebuilt byte for byte the same. (The first publish is the baseline: without the demo's
    // witnesses the pages say "Not witnessed".)
    let public = dir.join("log/public");
    let publish = |r: &str, u: &str, pdb: &str| {
        let o = candor(&[
            "publish",
            "--period",
            "2026-Q4",
            "--demonstration-data",
            "--json",
            "--dir",
            &p("log"),
            "--db",
            r,
            "--usage-db",
            u,
            "--policy-db",
            pdb,
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let report: Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(report["appended"], json!([]), "nothing new to append: {report}");
    };
    publish(&registry, &usage, &policy);
    let before = tree(&public);
    publish(&url, &url, &url);
    let after = tree(&public);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "the same files");
    let changed: Vec<&String> = before.iter().filter(|(k, v)| after.get(*k) != Some(v)).map(|(k, _)| k).collect();
    assert!(changed.is_empty(), "files that differ after publishing from PostgreSQL: {changed:?}");
}

#[test]
fn two_servers_on_one_database_decide_each_proposal_once() {
    let Some(admin) = postgres() else { return };
    let demo = demo_copy();
    let dir = demo.path();
    without_witnesses(dir);
    let url = moved_demo(dir, &admin);
    let reviewer = token(dir, "reviewer", "Rev One");
    let servers = [
        Server::start_on(dir, [&url, &url, &url], "127.0.0.1:0", &[]),
        Server::start_on(dir, [&url, &url, &url], "127.0.0.1:0", &[]),
    ];
    let queue = http(&servers[0].addr, "GET", "/v1/review/queue", Some(&reviewer), b"");
    assert_eq!(queue.status, 200, "{}\n{}", queue.text(), servers[0].log());
    let ids: Vec<i64> = queue.json()["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["candidates"].as_array().is_none_or(|c| c.is_empty()))
        .filter_map(|r| r["proposal_id"].as_i64())
        .take(10)
        .collect();
    assert_eq!(ids.len(), 10, "the demo has proposals to decide");
    for id in &ids {
        let barrier = Arc::new(Barrier::new(2));
        let answers: Vec<u16> = servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (addr, token, barrier) = (s.addr.clone(), reviewer.clone(), barrier.clone());
                let body = json!({"proposal_id": id, "accept": i == 0, "reason": "checked the evidence"}).to_string();
                std::thread::spawn(move || {
                    barrier.wait();
                    http(&addr, "POST", "/v1/review/decisions", Some(&token), body.as_bytes()).status
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        let mut sorted = answers.clone();
        sorted.sort();
        assert_eq!(sorted, vec![200, 409], "proposal {id}: one decision and one conflict, got {answers:?}");
    }
    // Both servers see every one decided, and the history holds one decision each.
    for s in &servers {
        let q = http(&s.addr, "GET", "/v1/review/queue", Some(&reviewer), b"").json();
        let pending: Vec<i64> =
            q["rows"].as_array().expect("rows").iter().filter_map(|r| r["proposal_id"].as_i64()).collect();
        assert!(ids.iter().all(|id| !pending.contains(id)), "{pending:?}");
    }
    // Stopped by SIGTERM, a server on PostgreSQL closes its connections and exits cleanly
    // (dropping the synchronous client inside the async runtime used to abort it).
    for s in servers {
        let (status, log) = s.terminate();
        assert!(status.success(), "{status}: {log}");
        assert!(!log.contains("panicked"), "{log}");
    }
}

#[test]
fn two_importers_of_one_file_store_it_once() {
    let Some(admin) = postgres() else { return };
    let url = pg::scratch::create(&admin).expect("scratch database");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("accounts.csv");
    let mut csv = String::from("account_id,legal_name,state\n");
    for i in 0..3_000 {
        csv.push_str(&format!("demo-acct-{i:05},Demonstration Account {i} (fictional),WA\n"));
    }
    std::fs::write(&file, csv).expect("write");
    ok(&["registry", "stats", "--db", &url]);
    let barrier = Arc::new(Barrier::new(2));
    let runs: Vec<Value> = (0..2)
        .map(|_| {
            let (url, file, barrier) = (url.clone(), file.display().to_string(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                serde_json::from_str(&ok(&["registry", "import", "accounts", &file, "--db", &url, "--json"]))
                    .expect("json")
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let already = runs.iter().filter(|r| r[0]["already_imported"] == true).count();
    assert_eq!(already, 1, "one import stored it, the other found it done: {runs:?}");
    let stats: Value = serde_json::from_str(&ok(&["registry", "stats", "--json", "--db", &url])).expect("json");
    assert_eq!((stats["accounts"].as_u64(), stats["imports"].as_u64()), (Some(3_000), Some(1)));
}
