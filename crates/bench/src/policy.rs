//! `candor-bench policy`: decisions per second and their latency, in process and over HTTP,
//! with the registry built from the real public files (over 20,000 organisations), side by
//! side with calling cedar-policy directly on the same requests, so candor's own overhead
//! (finding the account's facts, building the request's entities, naming the deciding
//! policies and the attributes they read) is visible.
//!
//! HTTP load comes from `wrk` (Debian: `apt install wrk`) on loopback, sharing the machine's
//! cores with the server, as a provider's sidecar would.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, bail};
use cedar_policy::{Authorizer, Entities};
use policy::engine::{Decider, PolicyVersion, Request};
use policy::facts::{AccountFacts, Facts};
use registry::SqliteStore;
use registry::import::{self, ImportOptions};
use serde_json::json;

use app::fixtures::Rng;
use policy::DEFAULT_POLICY;

use crate::cli::BenchPolicyArgs;
use crate::output::{print_json, progress};

const CAPABILITIES: &[&str] =
    &["face_identification", "face_verification", "face_detection_analysis", "compute", "storage", "databases"];
const SERVICES: &[&str] = &["Amazon Rekognition", "Amazon Elastic Compute Cloud", "Amazon Simple Storage Service"];
const CLASSES: &[&str] = &["commercial", "government"];

fn registry_facts(data: &Path) -> Result<Facts> {
    if !data.join("usaspending").is_dir() || !data.join("agencies").is_dir() {
        bail!("{} does not hold the public data (usaspending/, agencies/); give --data", data.display());
    }
    let bar = progress(0, "building the registry from the real public files");
    let mut store = SqliteStore::in_memory()?;
    let opts = ImportOptions::default();
    import::import_reference(&mut store, None)?;
    import::import_fbi_agencies(&mut store, &data.join("agencies/fbi-ucr-agencies-2018.csv"), opts, &mut |_, _| {})?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("usaspending"))?.flatten().map(|e| e.path()).collect();
    files.sort();
    for f in &files {
        import::import_usaspending(&mut store, f, opts, &mut |_, _| {})?;
    }
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default())?;
    let facts = Facts::from_registry(&store, &[])?;
    bar.finish_and_clear();
    Ok(facts)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Latency {
    per_second: f64,
    p50_us: f64,
    p99_us: f64,
    p999_us: f64,
}

fn measure(n: usize, mut call: impl FnMut(usize) -> Result<()>) -> Result<Latency> {
    let mut times = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        call(i)?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let total = start.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    Ok(Latency {
        per_second: n as f64 / total,
        p50_us: percentile(&times, 0.50),
        p99_us: percentile(&times, 0.99),
        p999_us: percentile(&times, 0.999),
    })
}

pub fn run(args: &BenchPolicyArgs) -> Result<ExitCode> {
    let mut facts = registry_facts(&args.data)?;
    let org_count = facts.orgs.len();
    // Fictional accounts linked to the real organisations (the benchmark only decides; it
    // attributes no usage to anyone).
    let mut ids: Vec<i64> = facts.orgs.keys().copied().collect();
    ids.sort_unstable();
    let mut rng = Rng(0x5eed_cafe);
    for i in 0..args.accounts {
        let org = ids[rng.below(ids.len())];
        let principal = facts.orgs[&org].principal.clone();
        facts.accounts.insert(format!("bench-acct-{i:06}"), AccountFacts { org: Some(org), principal });
    }
    let t = usage::taxonomy::Taxonomy::builtin()?;
    let caps: Vec<&str> = t.capabilities().iter().map(|c| c.id.as_str()).collect();
    let schema = policy::schema::schema(&caps)?;
    let version = PolicyVersion::parse(DEFAULT_POLICY, "default.cedar", &schema)?;
    let services: Vec<String> = SERVICES.iter().map(|s| s.to_string()).collect();
    crate::memory::reset_peak();
    let before_kb = crate::memory::peak_rss_kb();
    let built = Instant::now();
    let decider = Decider::with_services(schema.clone(), version.clone(), facts, &services)?;
    let build_s = built.elapsed().as_secs_f64();
    let decider_mb = crate::memory::peak_rss_kb().saturating_sub(before_kb) as f64 / 1024.0;
    let requests: Vec<Request> = (0..args.decisions.min(100_000))
        .map(|_| Request {
            account: format!("bench-acct-{:06}", rng.below(args.accounts)),
            capability: CAPABILITIES[rng.below(CAPABILITIES.len())].into(),
            service: SERVICES[rng.below(SERVICES.len())].into(),
            region_class: CLASSES[rng.below(CLASSES.len())].into(),
            purpose: String::new(),
        })
        .collect();
    let denied = requests.iter().filter(|r| decider.decide(r).map(|d| !d.allow).unwrap_or(false)).count();
    // Unlinked accounts: absent from the facts, as Facts::from_registry leaves them (the
    // registry's millions of them take no memory), decided as the decider's one stand-in.
    let unlinked: Vec<Request> = requests
        .iter()
        .take(if args.unlinked == 0 { 0 } else { 20_000 })
        .map(|r| Request { account: format!("bench-free-{:07}", rng.below(args.unlinked.max(1))), ..r.clone() })
        .collect();

    // cedar-policy directly: the request and its entities built beforehand, only the call timed.
    let authorizer = Authorizer::new();
    let actions = policy::engine::Actions::of(&schema)?;
    let prepared: Vec<(cedar_policy::Request, Entities)> = requests
        .iter()
        .take(20_000)
        .map(|r| -> Result<_> {
            let mut entities = decider.entities_for(r)?;
            entities.extend(actions.entities_for(&r.capability));
            let request = policy::engine::cedar_request(r, &schema)?;
            Ok((request, Entities::from_entities(entities, None)?))
        })
        .collect::<Result<_>>()?;
    let n = args.decisions;
    let bar = progress(0, "deciding");
    let direct = measure(n, |i| {
        let (r, e) = &prepared[i % prepared.len()];
        std::hint::black_box(authorizer.is_authorized(r, &version.set, e));
        Ok(())
    })?;
    let ours = measure(n, |i| {
        std::hint::black_box(decider.decide(&requests[i % requests.len()])?);
        Ok(())
    })?;
    let ours_unlinked = if unlinked.is_empty() {
        None
    } else {
        Some(measure(n.min(200_000), |i| {
            std::hint::black_box(decider.decide(&unlinked[i % unlinked.len()])?);
            Ok(())
        })?)
    };
    // Both cores in process.
    let decider = Arc::new(decider);
    let start = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = (0..2)
            .map(|k| {
                let (d, reqs) = (decider.clone(), &requests);
                s.spawn(move || -> Result<()> {
                    for i in (k..n).step_by(2) {
                        std::hint::black_box(d.decide(&reqs[i % reqs.len()])?);
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| anyhow::anyhow!("a bench thread panicked"))??;
        }
        Ok(())
    })?;
    let two_threads = n as f64 / start.elapsed().as_secs_f64();
    bar.finish_and_clear();

    // Over HTTP, with wrk on loopback.
    let http = if args.no_http {
        None
    } else if !crate::wrk::available() {
        eprintln!("wrk is not installed (apt install wrk): skipping the HTTP measurement");
        None
    } else {
        let dir = tempfile::tempdir()?;
        let tokens_path = dir.path().join("tokens");
        let token = server::auth::Tokens::issue(&tokens_path, server::auth::Role::Authorizer, "bench")?;
        let tokens = server::auth::Tokens::load(&tokens_path)?;
        let decider = Arc::try_unwrap(decider).map_err(|_| anyhow::anyhow!("decider still shared"))?;
        let state = Arc::new(server::AppState { decider: Some(decider), ..server::AppState::new(tokens) });
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let app = server::router(state);
        rt.spawn(async move {
            let _ = server::serve_until_dropped(listener, app).await;
        });
        let bodies: Vec<String> =
            requests.iter().take(200).map(|r| serde_json::to_string(r).unwrap_or_default()).collect();
        let bar = progress(0, &format!("wrk: {} connections for {} s", args.connections, args.seconds));
        let w = crate::wrk::run_wrk(
            &format!("http://{addr}/v1/authorize"),
            &token,
            &bodies,
            args.seconds,
            args.connections,
        );
        bar.finish_and_clear();
        rt.shutdown_background();
        Some(w?)
    };

    let overhead_p50 = ours.p50_us - direct.p50_us;
    if args.json {
        print_json(&json!({
            "organisations": org_count, "accounts": args.accounts, "decisions": n, "denied_share": denied as f64 / requests.len() as f64,
            "cedar_direct": {"per_second": direct.per_second, "p50_us": direct.p50_us, "p99_us": direct.p99_us, "p999_us": direct.p999_us},
            "candor_in_process": {"per_second": ours.per_second, "p50_us": ours.p50_us, "p99_us": ours.p99_us, "p999_us": ours.p999_us},
            "candor_in_process_two_threads_per_second": two_threads,
            "unlinked_accounts": args.unlinked,
            "candor_in_process_unlinked": ours_unlinked.as_ref().map(|u| json!({"per_second": u.per_second, "p50_us": u.p50_us, "p99_us": u.p99_us, "p999_us": u.p999_us})),
            "decider_build_seconds": build_s, "decider_peak_mb": decider_mb,
            "http": http.as_ref().map(|w| json!({"per_second": w.per_second, "p50_us": w.p50_us, "p99_us": w.p99_us, "non_2xx": w.non_2xx, "connections": args.connections, "seconds": args.seconds})),
        }));
    } else {
        println!(
            "{org_count} organisations from the real public files, {} fictional accounts linked to them; {n} decisions ({:.0}% denied) under the default policy",
            args.accounts,
            100.0 * denied as f64 / requests.len() as f64
        );
        println!("{:38} {:>12} {:>9} {:>9} {:>9}", "", "decisions/s", "p50 µs", "p99 µs", "p99.9 µs");
        println!(
            "{:38} {:>12.0} {:>9.2} {:>9.2} {:>9.2}",
            "cedar-policy directly (1 thread)", direct.per_second, direct.p50_us, direct.p99_us, direct.p999_us
        );
        println!(
            "{:38} {:>12.0} {:>9.2} {:>9.2} {:>9.2}",
            "candor in process (1 thread)", ours.per_second, ours.p50_us, ours.p99_us, ours.p999_us
        );
        if let Some(u) = &ours_unlinked {
            println!(
                "{:38} {:>12.0} {:>9.2} {:>9.2} {:>9.2}",
                "candor, unlinked accounts (1 thread)", u.per_second, u.p50_us, u.p99_us, u.p999_us
            );
        }
        println!("{:38} {:>12.0}", "candor in process (2 threads)", two_threads);
        if let Some(w) = &http {
            println!(
                "{:38} {:>12.0} {:>9.0} {:>9.0}   ({} non-2xx)",
                format!("candor over HTTP (wrk, {} conns)", args.connections),
                w.per_second,
                w.p50_us,
                w.p99_us,
                w.non_2xx
            );
        }
        println!(
            "decider built in {build_s:.2} s for {} linked and {} unlinked accounts; memory it took: {decider_mb:.0} MB",
            args.accounts, args.unlinked
        );
        println!(
            "candor's own overhead at p50: {overhead_p50:.2} µs per decision (targets: p99 < 50 µs in process; > 20,000/s over HTTP)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
