//! `candor serve` over real HTTP on the demo: every route, token refusals on every write and
//! review route, tlog-tiles content types and cache headers, paths that try to leave the
//! served folder, oversized requests, metrics, graceful shutdown; and the OpenAPI document
//! walked operation by operation against the running server.

use crate::common::{Server, demo_copy, http, raise_open_files, token};
use base64::Engine as _;
use serde_json::{Value, json};

const FACE: &str = r#"{"account":"demo-acct-00001","capability":"face_identification","service":"Amazon Rekognition","region_class":"commercial"}"#;

#[test]
fn every_route_answers_and_write_routes_refuse_without_the_right_token() {
    let demo = demo_copy();
    let dir = demo.path();
    let reviewer = token(dir, "reviewer", "Rev One");
    let authorizer = token(dir, "authorizer", "gateway");
    let admin = token(dir, "admin", "ops");
    let server = Server::start(dir, "127.0.0.1:0");
    let a = server.addr.as_str();
    let get = |path: &str| http(a, "GET", path, None, b"");

    // The report and the log, with tlog-tiles content types and cache headers.
    let index = get("/");
    assert_eq!(index.status, 200);
    assert!(index.text().contains("demonstration data"));
    assert_eq!(index.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
    let cp = get("/checkpoint");
    assert_eq!(cp.status, 200);
    assert_eq!(cp.header("content-type").as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(cp.header("cache-control").as_deref(), Some("max-age=5"));
    let size: u64 = cp.text().lines().nth(1).expect("size").parse().expect("number");
    let tile = get(&format!("/tile/0/000.p/{size}"));
    assert_eq!(tile.status, 200);
    assert_eq!(tile.body.len() as u64, 32 * size);
    assert_eq!(tile.header("content-type").as_deref(), Some("application/octet-stream"));
    assert!(tile.header("cache-control").expect("cache").contains("immutable"));
    assert_eq!(get(&format!("/tile/entries/000.p/{size}")).status, 200);
    let head = http(a, "HEAD", "/checkpoint", None, b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(cp.body.len().to_string()), "HEAD says GET's length");
    let post_page = http(a, "POST", "/index.html", None, b"");
    assert_eq!(post_page.status, 405, "the report is read-only");
    assert_eq!(post_page.header("allow").as_deref(), Some("GET, HEAD"));

    // Paths cannot leave the served folder (the signing key sits one level up).
    for bad in [
        "/../log.key",
        "/%2e%2e/log.key",
        "/org/../../log.key",
        "/org/%2E%2E/%2E%2E/log.key",
        "/..%2flog.key",
        "/%2e%2e%2f%2e%2e%2fregistry.db",
        "/.%2e/log.key",
        "/tile/../../log.key",
        "/data/%00",
        "//etc/passwd",
    ] {
        let r = get(bad);
        assert!(r.status == 404 || r.status == 400, "{bad}: {}", r.status);
        assert!(!r.text().contains("PRIVATE+KEY"), "{bad} leaked the key");
    }
    // A symbolic link inside the folder that points outside is not followed out.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("log/log.key"), dir.join("log/public/key-link")).expect("symlink");
        assert_eq!(get("/key-link").status, 404);
    }

    // The public API says only what the report published.
    let orgs = get("/v1/organisations").json();
    assert_eq!(orgs["demonstration_data"], true);
    let rows = orgs["rows"].as_array().expect("rows");
    assert!(rows.iter().all(|o| o["organisation"].as_str().expect("name").contains("(fictional)")));
    let slug = rows[0]["slug"].as_str().expect("slug").to_string();
    // The fictional supplier and its parent (the demo's reviewer confirms the parent's role),
    // and the fictional vendor the demo's Atlas row names.
    assert_eq!(get("/v1/organisations?role=supplier").json()["rows"].as_array().expect("rows").len(), 2 + 1);
    assert_eq!(get("/v1/organisations?q=lakemoor").json()["count"], 1);
    let one = get(&format!("/v1/organisations/{slug}"));
    assert_eq!(one.status, 200);
    assert!(!one.json()["usage"].as_array().expect("usage").is_empty());
    assert_eq!(get("/v1/organisations/no-such-org").status, 404);
    let face = get("/v1/usage?capability=face_identification&period=2026-Q3").json();
    assert!(face["count"].as_u64().expect("count") >= 1);
    assert!(face["rows"].as_array().expect("rows").iter().all(|u| u["capability"] == "face_identification"));
    assert_eq!(get("/v1/usage?capability=no_such").json()["count"], 0);
    let disclosures = get("/v1/disclosures").json();
    assert_eq!(disclosures["count"].as_u64(), Some(size));
    // The demo's 2026-Q3 summary was corrected once (after a review): both stay, one is
    // current; 2026-Q4 has one.
    let summaries = get("/v1/disclosures?type=period_summary").json();
    assert_eq!(summaries["count"], 3);
    let mut current: Vec<&Value> =
        summaries["rows"].as_array().expect("rows").iter().filter(|r| r["corrected_by"].is_null()).collect();
    assert_eq!(current.len(), 2);
    current.retain(|r| r["record"]["period"] == "2026-Q3");
    assert_eq!(current.len(), 1);
    // The fictional sheriff, police department, supplier and parent, the vendor the demo's
    // Atlas row names, and the fictional federal agency its public records tie to the provider.
    assert_eq!(current[0]["record"]["organisations_disclosed"], 4 + 1 + 1);
    let body = serde_json::to_string(&disclosures).expect("json");
    assert!(!body.contains("demo-acct"), "no account id in the public API");
    // One record with its proof, checked here with the tlog crate.
    let record = get("/v1/disclosures/2").json();
    let entry =
        base64::engine::general_purpose::STANDARD.decode(record["entry"].as_str().expect("entry")).expect("b64");
    let proof = tlog::TlogProof {
        extra: None,
        index: 2,
        inclusion: record["inclusion"]
            .as_array()
            .expect("proof")
            .iter()
            .map(|h| tlog::Hash::from_base64(h.as_str().expect("hash")).expect("hash"))
            .collect(),
        checkpoint: record["checkpoint"].as_str().expect("cp").as_bytes().to_vec(),
    };
    let verifier = tlog::Verifier::from_vkey(&crate::common::vkey(dir)).expect("vkey");
    proof.verify(&entry, &verifier).expect("the API's proof verifies");
    assert_eq!(get("/v1/disclosures/999").status, 404);
    assert_eq!(get("/v1/disclosures/x").status, 400);
    let hits = get("/v1/search?q=rekognition&in=service").json();
    assert!(hits["count"].as_u64().expect("count") >= 1);
    assert_eq!(get("/v1/search?q=northwind&in=supplier").json()["count"], 1);
    assert_eq!(get("/v1/search?q=northwind&in=agency").json()["count"], 0);
    assert_eq!(get("/v1/search?q=face&in=capability").json()["rows"][0]["match"], "capability");
    assert_eq!(get("/v1/search").status, 400);
    assert_eq!(get("/v1/search?q=x&in=people").status, 400);
    // Listings are paged: `count` says how many match, `rows` holds the page asked for.
    let all = get("/v1/usage").json();
    let n = all["count"].as_u64().expect("count");
    assert!(n >= 3 && all["rows"].as_array().expect("rows").len() as u64 == n, "{all}");
    assert_eq!((all["offset"].as_u64(), all["limit"].as_u64()), (Some(0), Some(500)));
    let second = get("/v1/usage?offset=1&limit=1").json();
    assert_eq!(second["count"].as_u64(), Some(n), "count is of every match, not the page");
    assert_eq!(second["rows"].as_array().expect("rows").as_slice(), &all["rows"].as_array().expect("rows")[1..2]);
    assert_eq!(get(&format!("/v1/usage?offset={n}")).json()["rows"], serde_json::json!([]));
    let one = get("/v1/search?q=a&limit=1").json();
    assert!(one["count"].as_u64().expect("count") > 1 && one["rows"].as_array().expect("rows").len() == 1, "{one}");
    assert_eq!(get("/v1/disclosures?limit=2").json()["rows"].as_array().expect("rows").len(), 2);
    for bad in ["limit=0", "limit=501", "limit=x", "offset=-1", "offset=1.5", "offset=9223372036854775808"] {
        assert_eq!(get(&format!("/v1/organisations?{bad}")).status, 400, "{bad}");
    }
    assert_eq!(get("/healthz").json()["status"], "ok");
    assert_eq!(get("/review").status, 200);

    // Write and review routes: missing, wrong and under-privileged tokens are refused.
    let post = |path: &str, t: Option<&str>, body: &str| http(a, "POST", path, t, body.as_bytes());
    let queue = |t: Option<&str>| http(a, "GET", "/v1/review/queue", t, b"");
    assert_eq!(post("/v1/authorize", None, FACE).status, 401);
    assert_eq!(post("/v1/authorize", Some("wrong"), FACE).status, 401);
    assert_eq!(post("/v1/authorize", Some(&reviewer), FACE).status, 403);
    let d = post("/v1/authorize", Some(&authorizer), FACE);
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(d.json()["allow"], false, "the fictional sheriff may not use face identification");
    assert_eq!(post("/v1/authorize", Some(&admin), FACE).status, 200);
    assert_eq!(post("/v1/authorize", Some(&authorizer), "{not json").status, 400);
    assert_eq!(queue(None).status, 401);
    assert_eq!(queue(Some("wrong")).status, 401);
    assert_eq!(queue(Some(&authorizer)).status, 403);
    let q = queue(Some(&reviewer));
    assert_eq!(q.status, 200);
    let first = q.json()["rows"][0].clone();
    let id = first["proposal_id"].as_i64().expect("id");
    let decision = json!({"proposal_id": id, "accept": false, "reason": "not the same organisation"}).to_string();
    assert_eq!(post("/v1/review/decisions", None, &decision).status, 401);
    assert_eq!(post("/v1/review/decisions", Some("wrong"), &decision).status, 401);
    assert_eq!(post("/v1/review/decisions", Some(&authorizer), &decision).status, 403);
    // Two credentials are refused, whichever comes first.
    {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(a).expect("connect");
        let req = format!(
            "POST /v1/review/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {reviewer}\r\n\
             Authorization: Bearer {authorizer}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{decision}",
            decision.len()
        );
        s.write_all(req.as_bytes()).expect("write");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    }
    assert_eq!(post("/v1/review/decisions", Some(&reviewer), r#"{"proposal_id":1}"#).status, 422);
    let no_reason = json!({"proposal_id": id, "accept": true, "reason": " "}).to_string();
    assert_eq!(post("/v1/review/decisions", Some(&reviewer), &no_reason).status, 400);
    let done = post("/v1/review/decisions", Some(&reviewer), &decision);
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(done.json()["reviewer"], "Rev_One", "recorded under the token's label");
    // A decided proposal is decided again only with override (a recorded reversal): else 409.
    let flip = json!({"proposal_id": id, "accept": true, "reason": "same after all"}).to_string();
    let conflict = post("/v1/review/decisions", Some(&reviewer), &flip);
    assert_eq!(conflict.status, 409, "{}", conflict.text());
    assert!(conflict.text().contains("already decided"), "{}", conflict.text());
    let flip = json!({"proposal_id": id, "accept": false, "reason": "still not it", "override": true}).to_string();
    assert_eq!(post("/v1/review/decisions", Some(&reviewer), &flip).status, 200);
    let unknown = json!({"proposal_id": 99_999_999, "accept": true, "reason": "x"}).to_string();
    assert_eq!(post("/v1/review/decisions", Some(&admin), &unknown).status, 404);
    let after = queue(Some(&admin)).json();
    assert!(after["rows"].as_array().expect("rows").iter().all(|r| r["proposal_id"] != id));

    // Oversized requests are refused before they are read.
    let big = format!(r#"{{"account":"{}","capability":"compute"}}"#, "x".repeat(20_000));
    assert_eq!(post("/v1/authorize", Some(&authorizer), &big).status, 413);
    // A route that takes a reason takes any body its schema allows, and no more.
    let big =
        json!({"proposal_id": id, "accept": true, "reason": "y".repeat(server::review::DECISION_BODY)}).to_string();
    assert_eq!(post("/v1/review/decisions", Some(&reviewer), &big).status, 413);

    // Metrics count what happened, by route template and status.
    let m = get("/metrics");
    assert_eq!(m.status, 200);
    let m = m.text();
    assert!(m.contains(r#"candor_http_requests_total{method="POST",route="/v1/authorize",status="4xx"}"#), "{m}");
    assert!(m.contains(r#"candor_authorize_decisions_total{decision="deny"}"#), "{m}");
    assert!(m.contains("candor_http_request_duration_seconds_bucket"), "{m}");
    assert!(!m.contains(&reviewer) && !m.contains(&authorizer), "tokens are never exposed");
}

/// One request with timeouts: (status, whole answer), or None when nothing came in time.
fn timed_get(addr: &str, path: &str, within: std::time::Duration) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(within)).ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, text))
}

/// Thousands of idle and half-sent connections neither starve `/healthz` nor stay open:
/// beyond the limit, requests are shed with 503 and Retry-After; every connection that sends
/// nothing, or not a whole request, is closed after the header timeout.
#[test]
fn idle_and_slow_connections_are_bounded_and_closed() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let authorizer = token(demo.path(), "authorizer", "gateway");
    // A header timeout well beyond the time it takes to open every connection on a loaded
    // machine, so no held connection times out (freeing its slot) before shedding is checked.
    // Every connection here comes from 127.0.0.1, one client: without a per-client cap they
    // reach the global limit, which is what this test is about (the cap has its own tests).
    let flags =
        ["--max-connections", "256", "--max-per-client", "0", "--header-timeout", "12", "--request-timeout", "2"];
    let server = Server::start_with(demo.path(), "127.0.0.1:0", &flags);
    let a = server.addr.as_str();
    let room = raise_open_files();
    let (idle_n, slow_n) = if room >= 4_096 { (2_000, 500) } else { (600, 200) };
    let mut held = Vec::new();
    for _ in 0..idle_n {
        held.push(std::net::TcpStream::connect(a).expect("connect idle"));
    }
    for _ in 0..slow_n {
        let mut s = std::net::TcpStream::connect(a).expect("connect slow");
        s.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: ").expect("half a request");
        held.push(s);
    }
    // The health check answers within a second, however many connections are held.
    let start = Instant::now();
    let (status, _) = timed_get(a, "/healthz", Duration::from_secs(1)).expect("/healthz answered");
    assert_eq!(status, 200);
    assert!(start.elapsed() < Duration::from_secs(1), "/healthz took {:?}", start.elapsed());
    // Anything else over the limit is shed, saying when to retry. More idle connections first,
    // and again if the request was served: on a loaded machine the served connections may time
    // out (freeing their slots) just after a top-up; the new ones then hold the slots for the
    // whole header timeout, so a server that sheds must shed the next request.
    let mut answer = None;
    for _ in 0..3 {
        for _ in 0..300 {
            held.push(std::net::TcpStream::connect(a).expect("connect idle"));
        }
        let (status, text) = timed_get(a, "/openapi.json", Duration::from_secs(2)).expect("an answer");
        let shed = status == 503;
        answer = Some((status, text));
        if shed {
            break;
        }
    }
    let (status, text) = answer.expect("asked");
    assert_eq!(status, 503, "{text}");
    assert!(text.to_ascii_lowercase().contains("retry-after: 1"), "{text}");
    // After the header timeout every held connection is closed by the server.
    std::thread::sleep(Duration::from_millis(13_500));
    let mut open = 0;
    for s in &mut held {
        s.set_read_timeout(Some(Duration::from_millis(50))).expect("timeout");
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    open += 1;
                    break;
                }
                Err(_) => break,
            }
        }
    }
    assert_eq!(open, 0, "{open} of {} connections are still open after the header timeout", held.len());
    drop(held);
    let (status, _) = timed_get(a, "/openapi.json", Duration::from_secs(2)).expect("served again");
    assert_eq!(status, 200);
    // A body sent too slowly gets 408 after the request timeout.
    let mut s = std::net::TcpStream::connect(a).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let head = format!(
        "POST /v1/authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {authorizer}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"account\""
    );
    s.write_all(head.as_bytes()).expect("half a body");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

/// When the report's data cannot be read, the API answers 503 and `/healthz` says the report
/// is unavailable, and why.
#[test]
fn healthz_says_when_the_report_is_unavailable() {
    let demo = demo_copy();
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let a = server.addr.as_str();
    let usage = demo.path().join("log/public/data/usage.json");
    let kept = std::fs::read(&usage).expect("read");
    std::fs::remove_file(&usage).expect("remove");
    assert_eq!(http(a, "GET", "/v1/organisations", None, b"").status, 503);
    let health = http(a, "GET", "/healthz", None, b"").json();
    assert_eq!(health["report"], false, "{health}");
    assert!(health["report_unavailable"].as_str().is_some_and(|w| w.contains("usage.json")), "{health}");
    std::fs::write(&usage, kept).expect("restore");
    let health = http(a, "GET", "/healthz", None, b"").json();
    assert_eq!(health["report"], true, "{health}");
    assert!(health["report_unavailable"].is_null(), "{health}");
    assert_eq!(http(a, "GET", "/v1/organisations", None, b"").status, 200);
}

/// Invented methods, paths and statuses never become new metric labels: 1,000 such requests
/// leave `/metrics` about as long as one does.
#[test]
fn metrics_labels_come_from_a_closed_set() {
    let demo = demo_copy();
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let a = server.addr.as_str();
    http(a, "BREW0", "/nowhere-0", None, b"");
    let one = http(a, "GET", "/metrics", None, b"").text().len();
    for i in 1..1_000 {
        let r = http(a, &format!("BREW{i}"), &format!("/nowhere-{i}"), None, b"");
        assert!(r.status >= 400, "{}", r.status);
    }
    let m = http(a, "GET", "/metrics", None, b"").text();
    assert!(!m.contains("BREW") && !m.contains("nowhere"), "raw methods or paths became labels");
    assert!(m.contains(r#"method="other""#), "{m}");
    assert!(m.len() < one + 2_000, "/metrics grew from {one} to {} bytes", m.len());
}

#[test]
fn the_openapi_document_is_valid_and_matches_the_routes() {
    let demo = demo_copy();
    let dir = demo.path();
    let admin = token(dir, "admin", "ops");
    let server = Server::start(dir, "127.0.0.1:0");
    let a = server.addr.as_str();
    let doc = http(a, "GET", "/openapi.json", None, b"").json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let schemes = &doc["components"]["securitySchemes"];
    let slug =
        http(a, "GET", "/v1/organisations", None, b"").json()["rows"][0]["slug"].as_str().expect("slug").to_string();
    let mut ids = std::collections::BTreeSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        assert!(path.starts_with('/'), "{path}");
        for (method, op) in item.as_object().expect("item") {
            assert!(["get", "post"].contains(&method.as_str()), "{method}");
            assert!(ids.insert(op["operationId"].as_str().expect("operationId").to_string()), "unique operationId");
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty());
            // Every path parameter is declared, and every $ref resolves.
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().expect("name"))
                .collect();
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                assert!(params.contains(&seg.trim_matches(|c| c == '{' || c == '}')), "{path}: {seg} undeclared");
            }
            for r in refs(op) {
                let name = r.trim_start_matches("#/components/schemas/");
                assert!(doc["components"]["schemas"][name].is_object(), "{r} does not resolve");
            }
            let secured = op.get("security").is_some();
            if secured {
                for s in op["security"].as_array().expect("security") {
                    for k in s.as_object().expect("requirement").keys() {
                        assert!(schemes[k].is_object(), "security scheme {k}");
                    }
                }
            }
            // Call it: with example parameters, a body where one is required, and a token for
            // secured operations. The status must be one the document lists.
            let concrete = path.replace("{slug}", &slug).replace("{index}", "1");
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| format!("{}=face", p["name"].as_str().expect("name")))
                .collect::<Vec<_>>()
                .join("&");
            let target = if query.is_empty() { concrete.clone() } else { format!("{concrete}?{query}") };
            let body: Value = match op["operationId"].as_str() {
                Some("authorize") => serde_json::from_str(FACE).expect("json"),
                Some("reviewDecide") => json!({"proposal_id": 99_999_999, "accept": true, "reason": "walk"}),
                _ => Value::Null,
            };
            let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
            let r = http(a, &method.to_uppercase(), &target, secured.then_some(admin.as_str()), &body);
            assert!(
                responses.contains_key(&r.status.to_string()),
                "{method} {target}: {} not documented ({})",
                r.status,
                r.text()
            );
            if secured {
                let refused = http(a, &method.to_uppercase(), &target, None, &body);
                assert_eq!(refused.status, 401, "{method} {target} without a token");
                assert!(responses.contains_key("401"));
            }
            operations += 1;
        }
    }
    assert!(operations >= 15, "{operations}");
    // And a route that is not in the document does not exist.
    assert_eq!(http(a, "GET", "/v1/people", None, b"").status, 404);
}

fn refs(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| if k == "$ref" { v.as_str().map(String::from).into_iter().collect() } else { refs(v) })
            .collect(),
        Value::Array(a) => a.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn the_server_shuts_down_gracefully_on_sigterm() {
    let demo = demo_copy();
    let mut server = Server::start(demo.path(), "127.0.0.1:0");
    assert_eq!(http(&server.addr, "GET", "/healthz", None, b"").status, 200);
    let pid = server.child.id().to_string();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(killed.success());
    let status = server.child.wait().expect("wait");
    assert!(status.success(), "exits cleanly after SIGTERM: {status:?}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = server.log();
    assert!(log.contains("route=/healthz") && log.contains("status=200"), "structured request log: {log}");
    assert!(log.contains("shutting down"), "{log}");
}
