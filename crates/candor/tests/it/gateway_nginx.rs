//! `candor gate` behind a real NGINX (`auth_request`) in front of a fake face-search backend
//! written here: what NGINX lets through and refuses for a police agency's, a company's and an
//! unlinked account's face searches and face detections; that a stopped gate lets nothing
//! through; fail modes when no policy is active; a new policy version enforced within a bound;
//! and the counts the gate leaves in the policy store (per role class and outcome, never an
//! account or a path).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{
    Answer, COMPANY_ACCOUNT, SHERIFF_ACCOUNT, Server, UNLINKED_ACCOUNT, candor, gate_demo, http_with, text, token,
};

const SEARCH: &str = "RekognitionService.SearchFacesByImage";
const DETECT: &str = "RekognitionService.DetectFaces";

/// The NGINX binary, if installed with the `auth_request` module (skipped locally without;
/// a failure under CI=true).
fn nginx_binary() -> Option<PathBuf> {
    let candidates = ["nginx", "/usr/sbin/nginx"];
    let found = candidates.iter().map(PathBuf::from).find(|b| {
        Command::new(b).arg("-V").output().is_ok_and(|o| String::from_utf8_lossy(&o.stderr).contains("nginx version"))
    });
    let Some(bin) = found else {
        crate::skip("no nginx (apt-get install nginx)");
        return None;
    };
    let v = Command::new(&bin).arg("-V").output().expect("nginx -V");
    if !String::from_utf8_lossy(&v.stderr).contains("--with-http_auth_request_module") {
        crate::skip("this nginx has no auth_request module (Debian's nginx package has it)");
        return None;
    }
    Some(bin)
}

/// A face-search service stand-in: answers every request 200 with a small JSON body and
/// counts what it got per `X-Amz-Target`; it also keeps every `Authorization` it was sent.
struct Backend {
    addr: String,
    seen: Arc<Mutex<BTreeMap<String, u64>>>,
    authorizations: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Backend {
    fn start() -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the backend");
        let addr = listener.local_addr().expect("addr").to_string();
        let seen = Arc::new(Mutex::new(BTreeMap::new()));
        let authorizations = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, a, halt) = (seen.clone(), authorizations.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::Acquire) {
                    return;
                }
                if let Ok(conn) = conn {
                    Backend::answer(conn, &s, &a);
                }
            }
        });
        Backend { addr, seen, authorizations, stop, thread: Some(thread) }
    }

    /// Reads one HTTP/1.x request (head and Content-Length body) and answers it.
    fn answer(mut conn: TcpStream, seen: &Mutex<BTreeMap<String, u64>>, auths: &Mutex<Vec<String>>) {
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let header = |name: &str| {
            head.lines().skip(1).find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
        };
        let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        while buf.len() < head_end + length {
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let target = header("x-amz-target").unwrap_or_else(|| "(none)".into());
        *seen.lock().expect("lock").entry(target).or_insert(0) += 1;
        if let Some(a) = header("authorization") {
            auths.lock().expect("lock").push(a);
        }
        let body = br#"{"FaceMatches":[],"FaceModelVersion":"fake-6.0","Backend":"fake face search (test)"}"#;
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = conn.write_all(body);
    }

    /// Requests received for `target`.
    fn saw(&self, target: &str) -> u64 {
        self.seen.lock().expect("lock").get(target).copied().unwrap_or(0)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The NGINX configuration: the API location asks the gate with `auth_request` before
/// proxying to the service; the gate's refusal reaches the client as a 403 that names the
/// refusing rule and the policy version.
fn nginx_conf(dir: &Path, listen: &str, gate: &str, backend: &str, token: &str) -> String {
    let d = dir.display();
    // Workers of a root master switch to `nobody`, which could not use the test's folder.
    let root = std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false);
    let user = if root { "user root;" } else { "" };
    format!(
        r#"{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 128; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;

    server {{
        listen {listen};

        # The provider's API (a face-search service here). Every request is decided by the
        # gate first; a refusal never reaches the service.
        location / {{
            auth_request /_candor_gate;
            # The deciding rule and version, from the gate's answer, for the refusal page.
            auth_request_set $candor_policies $upstream_http_candor_policies;
            auth_request_set $candor_policy_version $upstream_http_candor_policy_version;
            error_page 403 = @candor_refused;
            proxy_pass http://{backend};
        }}

        location = /_candor_gate {{
            internal;
            proxy_pass http://{gate}/nginx;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-Method $request_method;
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header Authorization "Bearer {token}";
            # The caller's account is what the provider's authentication layer established, never
            # what the client says. In a real deployment set it from that layer (for instance
            # `proxy_set_header X-Candor-Account $authenticated_account;` after the layer's own
            # auth_request_set), which replaces any X-Candor-Account the client sent; and drop the
            # client's in the API location too (`proxy_set_header X-Candor-Account "";`). In this
            # test the client plays the authentication layer and sets the header itself.
            proxy_set_header X-Candor-Account $http_x_candor_account;
            # The region class of this endpoint (the gateway knows which endpoint it fronts).
            proxy_set_header X-Candor-Region-Class commercial;
        }}

        location @candor_refused {{
            default_type application/json;
            add_header Candor-Policies $candor_policies always;
            add_header Candor-Policy-Version $candor_policy_version always;
            return 403 '{{"message":"refused under the provider\'s use policy","policies":"$candor_policies"}}\n';
        }}
    }}
}}
"#
    )
}

/// An NGINX child process with its own prefix folder; stopped when dropped.
struct Nginx {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl Nginx {
    fn start(bin: &Path, gate: &str, backend: &str, token: &str) -> Nginx {
        let dir = tempfile::tempdir().expect("tmp");
        // A free port, given back for NGINX to take (another process taking it first would
        // make NGINX fail to start, which the wait below reports).
        let addr = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").to_string();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, nginx_conf(dir.path(), &addr, gate, backend, token)).expect("conf");
        let prefix = format!("{}/", dir.path().display());
        let t = Command::new(bin)
            .args(["-t", "-p", &prefix, "-e", &format!("{prefix}error.log"), "-c"])
            .arg(&conf)
            .output()
            .expect("nginx -t");
        assert!(t.status.success(), "nginx -t: {}", text(&t));
        let child = Command::new(bin)
            .args(["-p", &prefix, "-e", &format!("{prefix}error.log"), "-c"])
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nginx");
        let mut n = Nginx { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&n.addr).is_err() {
            if let Ok(Some(status)) = n.child.try_wait() {
                panic!("nginx exited ({status}): {}", n.error_log());
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {}: {}", n.addr, n.error_log());
            std::thread::sleep(Duration::from_millis(20));
        }
        n
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// A Rekognition call through NGINX by `account` (the client sets the account header: it
    /// stands in for the provider's authentication layer) with its own AWS-style signature.
    fn call(&self, account: &str, target: &str) -> Answer {
        http_with(
            &self.addr,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", target),
                ("X-Candor-Account", account),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/rekognition/aws4_request",
                ),
            ],
            br#"{"CollectionId":"demo-collection","Image":{"Bytes":"aGVsbG8="}}"#,
        )
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-QUIT", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decisions the test expects the gate to have counted, by (role class, outcome).
#[derive(Default, Debug)]
struct Tally(BTreeMap<(String, String), u64>);

impl Tally {
    fn add(&mut self, role_class: &str, outcome: &str) {
        *self.0.entry((role_class.into(), outcome.into())).or_insert(0) += 1;
    }
}

/// Every row of `gate_counts`, each column as text, with the column names.
fn gate_count_rows(policy_db: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let conn = rusqlite::Connection::open(policy_db).expect("open the policy store");
    let mut stmt = conn.prepare("SELECT * FROM gate_counts").expect("gate_counts");
    let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let n = names.len();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        other => format!("{other:?}"),
                    })
                })
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .expect("query")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("rows");
    (names, rows)
}

/// The stored counts summed by (role class, outcome).
fn counted(policy_db: &Path) -> BTreeMap<(String, String), u64> {
    let (names, rows) = gate_count_rows(policy_db);
    let col = |n: &str| names.iter().position(|c| c == n).unwrap_or_else(|| panic!("no column {n}: {names:?}"));
    let (role, outcome, count) = (col("role_class"), col("outcome"), col("count"));
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry((r[role].clone(), r[outcome].clone())).or_insert(0) += r[count].parse::<u64>().expect("count");
    }
    out
}

/// The stored counts of the days of `period` (a quarter), summed by (role class, outcome).
fn counted_in(policy_db: &Path, period: &str) -> BTreeMap<(String, String), u64> {
    let (names, rows) = gate_count_rows(policy_db);
    let col = |n: &str| names.iter().position(|c| c == n).unwrap_or_else(|| panic!("no column {n}: {names:?}"));
    let (day, role, outcome, count) = (col("day"), col("role_class"), col("outcome"), col("count"));
    let mut out = BTreeMap::new();
    for r in rows.iter().filter(|r| quarter_of(&r[day]) == period) {
        *out.entry((r[role].clone(), r[outcome].clone())).or_insert(0) += r[count].parse::<u64>().expect("count");
    }
    out
}

/// The quarter (`2026-Q4`) a day (`2026-12-06`) falls in.
fn quarter_of(day: &str) -> String {
    let month: u32 = day.get(5..7).and_then(|m| m.parse().ok()).expect("a month");
    format!("{}-Q{}", &day[..4], month.div_ceil(3))
}

/// The period's published gate decisions (its latest `candor.gate_decisions` in the report's
/// records) summed by (role class, outcome).
fn published_counts(dir: &Path, period: &str) -> BTreeMap<(String, String), u64> {
    let v: serde_json::Value = crate::common::published_records(&dir.join("log/public"));
    let record = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .rev()
        .find(|r| r["type"] == "candor.gate_decisions" && r["record"]["period"] == period)
        .unwrap_or_else(|| panic!("no candor.gate_decisions of {period} in the report"))["record"]
        .clone();
    let mut out = BTreeMap::new();
    for line in record["decisions"].as_array().expect("decisions") {
        let key = (
            line["role_class"].as_str().expect("class").to_string(),
            line["outcome"].as_str().expect("outcome").to_string(),
        );
        *out.entry(key).or_insert(0) += line["requests"].as_u64().expect("exact requests");
    }
    out
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = e.path();
            if path.is_dir() { todo.push(path) } else { out.push(path) }
        }
    }
    out
}

fn policy_version(a: &Answer) -> Option<String> {
    a.header("candor-policy-version")
}

#[test]
fn nginx_lets_through_what_the_gate_allows_and_nothing_else() {
    let Some(bin) = nginx_binary() else { return };
    // The policy change below is timed: not while another test loads the machine.
    let _alone = crate::common::machine_to_myself();
    let demo = gate_demo();
    let dir = demo.path();
    let p = |n: &str| dir.join(n).display().to_string();
    let authorizer = token(dir, "authorizer", "nginx");
    let policy_db = dir.join("policy.db");
    // The demo's own gate counted requests already; this test's are what it adds.
    let before = counted(&policy_db);
    let gate = Server::gate(dir, &policy_db, &[]);
    let backend = Backend::start();
    let nginx = Nginx::start(&bin, &gate.addr, &backend.addr, &authorizer);
    let mut tally = Tally::default();
    let v1 = {
        let h = candor(&["policy", "history", "--json", "--db", &p("registry.db"), "--policy-db", &p("policy.db")]);
        let h: serde_json::Value = serde_json::from_slice(&h.stdout).expect("history");
        h[0]["sha256"].as_str().expect("sha256").to_string()
    };

    // (a) A police agency's face search: refused by NGINX, never seen by the service; the
    // refusal names the rule and the version.
    let a = nginx.call(SHERIFF_ACCOUNT, SEARCH);
    assert_eq!(a.status, 403, "{a:?}");
    tally.add("agency", "denied");
    assert_eq!(backend.saw(SEARCH), 0);
    assert_eq!(a.header("candor-policies").as_deref(), Some("no-face-recognition-for-police"), "{a:?}");
    assert_eq!(policy_version(&a).as_deref(), Some(v1.as_str()), "{a:?}");
    assert!(a.text().contains("no-face-recognition-for-police"), "{}", a.text());
    // Asked again (the gate's cache answers): refused again, and counted again.
    assert_eq!(nginx.call(SHERIFF_ACCOUNT, SEARCH).status, 403);
    tally.add("agency", "denied");
    assert_eq!(backend.saw(SEARCH), 0);

    // (b) The same account's face detection: the service answers.
    let b = nginx.call(SHERIFF_ACCOUNT, DETECT);
    assert_eq!(b.status, 200, "{b:?}");
    assert!(b.text().contains("fake face search"), "{}", b.text());
    tally.add("agency", "allowed");
    assert_eq!(backend.saw(DETECT), 1);

    // (c) An ordinary company's face search, and an unlinked account's: the service answers.
    let c = nginx.call(COMPANY_ACCOUNT, SEARCH);
    assert_eq!(c.status, 200, "{c:?}");
    tally.add("none", "allowed");
    let u = nginx.call(UNLINKED_ACCOUNT, SEARCH);
    assert_eq!(u.status, 200, "{u:?}");
    tally.add("unknown", "allowed");
    assert_eq!(backend.saw(SEARCH), 2);

    // A client cannot smuggle a face search past the gate with a second, harmless target: the
    // gate refuses an ambiguous request unasked (and counts nothing).
    let two = http_with(
        &nginx.addr,
        "POST",
        "/",
        &[("X-Amz-Target", DETECT), ("X-Amz-Target", SEARCH), ("X-Candor-Account", SHERIFF_ACCOUNT)],
        b"{}",
    );
    assert_eq!(two.status, 403, "{two:?}");
    assert_eq!((backend.saw(SEARCH), backend.saw(DETECT)), (2, 1));

    // The gate's token goes to the gate only; the service sees the client's own signature.
    let auths = backend.authorizations.lock().expect("lock").clone();
    assert!(!auths.is_empty() && auths.iter().all(|a| a.starts_with("AWS4-HMAC-SHA256") && !a.contains(&authorizer)));

    // (f) A new version that also forbids face detection for police, activated while the gate
    // runs: enforced through NGINX within 5 s (the gate checks the stores every 1 s by
    // default, then builds a new snapshot of the demo's small registry in well under a second).
    let strict = dir.join("strict.cedar");
    let default = candor(&["policy", "default"]);
    assert!(default.status.success(), "{}", text(&default));
    std::fs::write(
        &strict,
        format!(
            "{}\n@id(\"no-face-detection-for-police\")\n@description(\"Test: no face detection for police either.\")\n\
             forbid (principal, action == Candor::Action::\"face_detection_analysis\", resource)\n\
             when {{ principal.law_enforcement_role == \"agency\" && principal.role_status == \"confirmed\" }};\n",
            String::from_utf8_lossy(&default.stdout)
        ),
    )
    .expect("write");
    let o = candor(&[
        "policy",
        "activate",
        &strict.display().to_string(),
        "--by",
        "operator-1",
        "--dir",
        &p("log"),
        "--db",
        &p("registry.db"),
        "--policy-db",
        &p("policy.db"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let activated = Instant::now();
    let v2 = serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")["sha256"]
        .as_str()
        .expect("sha256")
        .to_string();
    assert_ne!(v1, v2);
    let refused = loop {
        let r = nginx.call(SHERIFF_ACCOUNT, DETECT);
        match r.status {
            200 => tally.add("agency", "allowed"),
            403 => {
                tally.add("agency", "denied");
                break r;
            }
            s => panic!("status {s}: {r:?}"),
        }
        assert!(activated.elapsed() < Duration::from_secs(5), "the new version was not enforced within 5 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = activated.elapsed();
    assert!(took < Duration::from_secs(5), "enforced after {took:?}");
    assert_eq!(refused.header("candor-policies").as_deref(), Some("no-face-detection-for-police"), "{refused:?}");
    assert_eq!(policy_version(&refused).as_deref(), Some(v2.as_str()));
    // Asked directly, the gate names the new version too.
    let direct = http_with(
        &gate.addr,
        "GET",
        "/nginx",
        &[
            ("Authorization", &format!("Bearer {authorizer}")),
            ("X-Original-Method", "POST"),
            ("X-Original-URI", "/"),
            ("X-Amz-Target", DETECT),
            ("X-Candor-Account", SHERIFF_ACCOUNT),
        ],
        b"",
    );
    assert_eq!(direct.status, 403, "{direct:?}");
    tally.add("agency", "denied");
    assert_eq!(policy_version(&direct).as_deref(), Some(v2.as_str()));
    let detect_seen = backend.saw(DETECT);
    // The company still may.
    assert_eq!(nginx.call(COMPANY_ACCOUNT, DETECT).status, 200);
    tally.add("none", "allowed");

    // (g) Stopped as an operator would (SIGTERM), the gate writes its counts: per role class
    // and outcome exactly the decisions asked of it, and no account id or path in any column.
    let (status, log) = gate.terminate();
    assert!(status.success(), "{status}: {log}");
    let mut stored = counted(&policy_db);
    for (key, n) in &before {
        let left = stored.entry(key.clone()).or_insert(0);
        *left -= n;
    }
    stored.retain(|_, n| *n > 0);
    assert_eq!(stored, tally.0, "stored counts (left) against the requests sent (right); gate log: {log}");
    let (names, rows) = gate_count_rows(&policy_db);
    assert_eq!(
        names,
        ["day", "capability", "role_class", "outcome", "policy_version", "policy", "organisation", "count"],
        "a new column must be checked here for accounts and paths"
    );
    for row in &rows {
        for value in row {
            for secret in [SHERIFF_ACCOUNT, COMPANY_ACCOUNT, UNLINKED_ACCOUNT, "acct-", "/", "Rekognition", "AWS4"] {
                assert!(!value.contains(secret), "{value:?} in gate_counts: {row:?}");
            }
        }
    }

    // The report: the period's candor.gate_decisions, published with exact quantities, holds
    // the same counts by class and outcome, and no file of the report names an account the
    // test used or an operation's header value.
    let day = rows.iter().map(|r| r[0].clone()).max().expect("a counted day");
    let period = quarter_of(&day);
    let o = candor(&[
        "publish",
        "--period",
        &period,
        "--dir",
        &p("log"),
        "--db",
        &p("registry.db"),
        "--policy-db",
        &p("policy.db"),
        "--usage-db",
        &p("usage.db"),
        "--demonstration-data",
        "--exact-quantities",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        published_counts(dir, &period),
        counted_in(&policy_db, &period),
        "published counts (left) against every count of the period's days (right), the test's requests among them"
    );
    for file in files_under(&dir.join("log/public")) {
        let content = String::from_utf8_lossy(&std::fs::read(&file).expect("read")).into_owned();
        for secret in [SHERIFF_ACCOUNT, COMPANY_ACCOUNT, UNLINKED_ACCOUNT, SEARCH, DETECT, "AWS4", "demo-collection"] {
            assert!(!content.contains(secret), "{secret:?} in {}", file.display());
        }
    }

    // (d) With the gate gone NGINX cannot ask it: the face search is refused (NGINX answers
    // 500 when the auth subrequest fails), the service never sees it, and nothing was counted
    // as let through on failure.
    let d = nginx.call(SHERIFF_ACCOUNT, SEARCH);
    assert!(!(200..300).contains(&d.status), "{d:?}");
    let d = nginx.call(COMPANY_ACCOUNT, SEARCH);
    assert!(!(200..300).contains(&d.status), "{d:?}");
    assert_eq!((backend.saw(SEARCH), backend.saw(DETECT)), (2, detect_seen + 1));
    assert_eq!(counted(&policy_db).iter().filter(|((_, o), _)| o == "failed_open").map(|(_, n)| n).sum::<u64>(), 0);
    assert!(nginx.error_log().contains("auth request unexpected status"), "{}", nginx.error_log());
}

#[test]
fn with_no_active_policy_only_capabilities_configured_to_fail_open_pass_nginx() {
    let Some(bin) = nginx_binary() else { return };
    let demo = gate_demo();
    let dir = demo.path();
    let authorizer = token(dir, "authorizer", "nginx");
    // A policy store where no version was ever activated.
    let empty = dir.join("empty-policy.db");
    let o = candor(&[
        "policy",
        "history",
        "--json",
        "--db",
        &dir.join("registry.db").display().to_string(),
        "--policy-db",
        &empty.display().to_string(),
    ]);
    assert!(o.status.success() && empty.exists(), "{}", text(&o));
    let gate = Server::gate(dir, &empty, &["--fail-open", "face_detection_analysis"]);
    let health = crate::common::http(&gate.addr, "GET", "/healthz", None, b"");
    assert_eq!(health.status, 503, "the gate says it is deciding by fail modes: {}", health.text());
    let backend = Backend::start();
    let nginx = Nginx::start(&bin, &gate.addr, &backend.addr, &authorizer);

    // Face detection is configured to fail open: it passes, counted as failed open.
    for _ in 0..3 {
        let r = nginx.call(SHERIFF_ACCOUNT, DETECT);
        assert_eq!(r.status, 200, "{r:?}");
    }
    // Face identification is not: closed, the default.
    for _ in 0..2 {
        let r = nginx.call(SHERIFF_ACCOUNT, SEARCH);
        assert_eq!(r.status, 403, "{r:?}");
        assert_eq!(r.header("candor-policy-version").as_deref(), Some("none"), "no version decided it: {r:?}");
    }
    let r = nginx.call(COMPANY_ACCOUNT, SEARCH);
    assert_eq!(r.status, 403, "fail modes are per capability, whoever asks: {r:?}");
    assert_eq!((backend.saw(DETECT), backend.saw(SEARCH)), (3, 0));

    let (status, log) = gate.terminate();
    assert!(status.success(), "{status}: {log}");
    let mut by_outcome: BTreeMap<String, u64> = BTreeMap::new();
    for ((_, outcome), n) in counted(&empty) {
        *by_outcome.entry(outcome).or_insert(0) += n;
    }
    assert_eq!(by_outcome, BTreeMap::from([("failed_closed".to_string(), 3), ("failed_open".to_string(), 3)]));
    let (names, rows) = gate_count_rows(&empty);
    let cap = names.iter().position(|c| c == "capability").expect("capability");
    let out = names.iter().position(|c| c == "outcome").expect("outcome");
    for r in &rows {
        let expected = if r[cap] == "face_detection_analysis" { "failed_open" } else { "failed_closed" };
        assert_eq!(r[out], expected, "{r:?}");
    }
}
