//! `candor-bench review`: the review queue at a large provider's shape. The real public files
//! make the registry; fictional accounts (spelling variants of its names and ordinary
//! companies) are stored and screened until the queue holds about `--proposals` proposals;
//! a third of the proposed accounts get generated usage (face identification, compute) and the
//! default policy is active, so the queue's order by consequence has work to do. Then the
//! queue is built once, and listings and filters are timed in process and over HTTP (the
//! server's cached queue, caught up with the registry on every request), p50 and p95.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::BenchReviewArgs;
use crate::output::{print_json, progress};

/// The listings timed: a name and its query string.
const LISTINGS: &[(&str, &str)] = &[
    ("first page, by consequence", "sort=impact"),
    ("local agencies, by consequence", "sort=impact&kind=local_agency"),
    ("face identification users, by score", "sort=score&capability=face_identification"),
    ("score band 0.90-0.95, oldest first", "sort=age&score=0.90-0.95"),
    ("deep page (offset 50,000)", "sort=impact&offset=50000&limit=100"),
    ("would make a deny", "would_deny=true&limit=200"),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Writes an aggregate CSV giving a third of `accounts` usage, ingests it.
fn usage_for(accounts: &[String], usage_db: &Path, dir: &Path) -> Result<u64> {
    let mut csv = String::from("account,month,service,capability,region_class,unit,quantity,cost,lines,first,last\n");
    let mut rows = 0;
    for (i, a) in accounts.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let (service, capability, unit) = if i % 2 == 0 {
            ("Amazon Rekognition", "face_identification", "Images")
        } else {
            ("Amazon Elastic Compute Cloud", "compute", "Hours")
        };
        let lines = 1 + (i as u64 * 7919) % 5000;
        csv.push_str(&format!(
            "{a},2026-07,{service},{capability},commercial,{unit},{},{},{lines},2026-07-01,2026-07-31\n",
            lines * 10,
            lines as f64 * 0.25
        ));
        rows += 1;
    }
    let path = dir.join("usage-aggregate.csv");
    std::fs::write(&path, csv)?;
    usage::store::UsageStore::open(usage_db)?.ingest_aggregate(&path)?;
    Ok(rows)
}

/// One GET over a fresh loopback connection; returns the status and the seconds it took.
pub(crate) fn get(addr: &str, path: &str, token: &str) -> Result<(u16, f64)> {
    let t = Instant::now();
    let mut s = std::net::TcpStream::connect(addr)?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let status = String::from_utf8_lossy(&out[..out.len().min(16)])
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, t.elapsed().as_secs_f64()))
}

pub fn run(args: &BenchReviewArgs) -> Result<ExitCode> {
    let dir = tempfile::tempdir()?;
    let registry_db = dir.path().join("registry.db");
    let policy_db = dir.path().join("policy.db");
    let usage_db = dir.path().join("usage.db");
    let bar = progress(0, "importing the real files into the registry");
    crate::stores::import_real_into(&registry_db, &args.data)?;
    bar.finish_and_clear();
    let bar = progress(0, &format!("storing and screening {} fictional accounts", args.accounts));
    let accounts_csv = dir.path().join("accounts.csv");
    crate::stores::write_fictional_accounts(&accounts_csv, &registry_db, args.accounts)?;
    let t = Instant::now();
    let proposals = crate::stores::store_and_screen(&registry_db, &accounts_csv)?;
    let screen_s = t.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let proposed: Vec<String> = {
        let store = registry::open(&registry_db)?;
        registry::review::queue(&*store)?.into_iter().map(|l| l.latest.account_id).collect()
    };
    let usage_rows = usage_for(&proposed, &usage_db, dir.path())?;
    let mut pstore = policy::store::PolicyStore::open(&policy_db)?;
    let default =
        policy::engine::PolicyVersion::parse(policy::DEFAULT_POLICY, "default.cedar", &policy::schema::builtin()?)?;
    pstore.record_version(&default.sha256, "default.cedar", policy::DEFAULT_POLICY, 0, "bench")?;
    drop(pstore);

    // Built once, as a server does on its first request.
    let today = app::notice::log::today();
    let t = Instant::now();
    let stores = app::stores::Stores::at(&registry_db, &usage_db, &policy_db);
    let index = app::review::QueueIndex::build(&stores, &today)?;
    let build_s = t.elapsed().as_secs_f64();
    let mut in_process = Vec::new();
    for (name, query) in LISTINGS {
        let pairs: Vec<(String, String)> =
            query.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let q = app::review::query_from_pairs(&pairs)?;
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..args.repeats {
            let t = Instant::now();
            let page = index.page(&q);
            total = page.total;
            let bytes = serde_json::to_vec(&page)?;
            std::hint::black_box(bytes);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        in_process.push(json!({"listing": name, "query": query, "matching": total,
                               "p50_ms": percentile(&times, 0.5), "p95_ms": percentile(&times, 0.95)}));
    }

    // The baseline, side by side: what the queue route did before it was indexed (read every
    // link from the registry on each request, oldest first, no facts, no filters).
    let store = registry::open(&registry_db)?;
    let mut before = Vec::new();
    for _ in 0..args.repeats.min(10) {
        let t = Instant::now();
        let links = registry::review::queue(&*store)?;
        std::hint::black_box(serde_json::to_vec(&links)?);
        before.push(t.elapsed().as_secs_f64() * 1e3);
    }
    drop(store);
    before.sort_by(f64::total_cmp);

    // Over HTTP: `candor serve`'s state on these stores, a reviewer's token.
    let tokens_path = dir.path().join("tokens");
    let token = server::auth::Tokens::issue(&tokens_path, server::auth::Role::Reviewer, "bench")?;
    // The server's own stores, as `candor serve` opens them.
    let server_stores = Arc::new(app::stores::Stores::at(&registry_db, &usage_db, &policy_db));
    let state = app::serving::state(
        server_stores,
        &app::serving::ServePlaces {
            log_dir: dir.path().join("no-log"),
            tokens: tokens_path,
            record: false,
            four_eyes: true,
        },
    )?;
    let served = server::Background::start(server::router(Arc::new(state)), "127.0.0.1:0")?;
    let addr = served.addr().to_string();
    // The server builds its index in the background as it starts; the first request waits for it.
    let (status, first_s) = get(&addr, "/v1/review/queue", &token)?;
    anyhow::ensure!(status == 200, "the queue answered {status}");
    let mut http = Vec::new();
    let mut all = Vec::new();
    for (name, query) in LISTINGS {
        let mut times = Vec::new();
        for _ in 0..args.repeats {
            let (status, s) = get(&addr, &format!("/v1/review/queue?{query}"), &token)?;
            anyhow::ensure!(status == 200, "{query}: {status}");
            times.push(s * 1e3);
        }
        times.sort_by(f64::total_cmp);
        all.extend(times.iter().copied());
        http.push(json!({"listing": name, "query": query, "p50_ms": percentile(&times, 0.5),
                         "p95_ms": percentile(&times, 0.95)}));
    }
    all.sort_by(f64::total_cmp);
    drop(served);
    let out = json!({
        "accounts": args.accounts, "proposals": proposals, "queue": index.len(),
        "accounts_with_usage": usage_rows, "screen_seconds": screen_s,
        "index_build_seconds": build_s, "first_request_seconds": first_s,
        "in_process": in_process, "http": http,
        "http_p95_ms_all": percentile(&all, 0.95), "target_p95_ms": 200,
        "baseline_unindexed_queue_ms": {"p50": percentile(&before, 0.5), "p95": percentile(&before, 0.95)},
    });
    if args.json {
        print_json(&out);
    } else {
        print_text(&out);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(v: &Value) {
    println!(
        "review queue: {} accounts screened into {} proposals ({} in the queue; {} with usage); index built in {:.2} s; \
         a server's first request, sent as it starts (it builds the index in the background; the request waits), {:.2} s",
        v["accounts"],
        v["proposals"],
        v["queue"],
        v["accounts_with_usage"],
        v["index_build_seconds"].as_f64().unwrap_or(0.0),
        v["first_request_seconds"].as_f64().unwrap_or(0.0)
    );
    println!(
        "{:<40} {:>9} {:>14} {:>14} {:>10} {:>10}",
        "listing", "matching", "in-proc p50", "in-proc p95", "HTTP p50", "HTTP p95"
    );
    let empty = Vec::new();
    let (a, b) = (v["in_process"].as_array().unwrap_or(&empty), v["http"].as_array().unwrap_or(&empty));
    for (x, y) in a.iter().zip(b) {
        println!(
            "{:<40} {:>9} {:>11.2} ms {:>11.2} ms {:>7.2} ms {:>7.2} ms",
            x["listing"].as_str().unwrap_or(""),
            x["matching"],
            x["p50_ms"].as_f64().unwrap_or(0.0),
            x["p95_ms"].as_f64().unwrap_or(0.0),
            y["p50_ms"].as_f64().unwrap_or(0.0),
            y["p95_ms"].as_f64().unwrap_or(0.0)
        );
    }
    println!("HTTP p95 over every listing: {:.2} ms (target < 200 ms)", v["http_p95_ms_all"].as_f64().unwrap_or(0.0));
    println!(
        "baseline, the queue read from the registry on every request (no order, facts or filters): p50 {:.2} ms, p95 {:.2} ms",
        v["baseline_unindexed_queue_ms"]["p50"].as_f64().unwrap_or(0.0),
        v["baseline_unindexed_queue_ms"]["p95"].as_f64().unwrap_or(0.0)
    );
}
