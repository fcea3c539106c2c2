//! `candor-bench stores`: the three stores on SQLite and on PostgreSQL, side by side in one
//! run, on the same inputs: importing the real public files into the registry, screening
//! fictional accounts (stored, screened, proposals written), recording policy decisions, and
//! decisions per second over HTTP with two server replicas recording into one database.
//!
//! PostgreSQL is the server `--postgres` (or `CANDOR_TEST_POSTGRES`) names, each run in a
//! scratch database of its own; SQLite is a file in a temporary folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use policy::engine::{Decider, PolicyVersion, Request};
use policy::store::PolicyStore;
use registry::import::{self, ImportOptions};
use serde_json::{Value, json};

use app::fixtures::{FIRST, FORMS, Rng, SECOND, STATES, vary};

use crate::cli::BenchStoresArgs;
use crate::output::{print_json, progress};

/// Where one backend's stores live.
struct Backend {
    name: &'static str,
    registry: PathBuf,
    policy: PathBuf,
}

fn seconds(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Imports the real files; returns seconds.
fn import_real(b: &Backend, data: &Path) -> Result<f64> {
    let t = Instant::now();
    import_real_into(&b.registry, data)?;
    Ok(seconds(t))
}

/// Imports the reference, the FBI list and every USAspending file in `data` into the registry
/// at `registry`, then classifies (the review benchmark's registry too).
pub(crate) fn import_real_into(registry: &Path, data: &Path) -> Result<()> {
    let mut store = registry::open(registry)?;
    let opts = ImportOptions::default();
    import::import_reference(&mut store, None)?;
    import::import_fbi_agencies(&mut store, &data.join("agencies/fbi-ucr-agencies-2018.csv"), opts, &mut |_, _| {})?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("usaspending"))?.flatten().map(|e| e.path()).collect();
    files.sort();
    for f in &files {
        import::import_usaspending(&mut store, f, opts, &mut |_, _| {})?;
    }
    registry::classify::classify(&mut store, &registry::classify::ClassifyConfig::default())?;
    Ok(())
}

/// Fictional accounts: 60% spelling variants of registry names, 40% ordinary companies.
pub(crate) fn write_fictional_accounts(path: &Path, registry: &Path, n: usize) -> Result<()> {
    let store = registry::open(registry)?;
    let aliases = store.aliases()?;
    let mut rng = Rng(0x5eed_2026_1201);
    let mut out = String::from("account_id,legal_name,state\n");
    for i in 0..n {
        let name = if rng.below(10) < 6 {
            vary(&aliases[rng.below(aliases.len())].1, &mut rng)
        } else {
            format!(
                "{} {} {}",
                FIRST[rng.below(FIRST.len())],
                SECOND[rng.below(SECOND.len())],
                FORMS[rng.below(FORMS.len())]
            )
        };
        let name = name.trim().replace('"', "");
        out.push_str(&format!("bench-{i:07},\"{name}\",{}\n", STATES[rng.below(STATES.len())]));
    }
    std::fs::write(path, out)?;
    Ok(())
}

/// Stores the accounts, then screens them all (proposals written); returns both seconds and
/// the number of proposals.
/// Stores the accounts in `registry` and screens them; returns the proposals queued.
pub(crate) fn store_and_screen(registry: &Path, accounts: &Path) -> Result<u64> {
    let mut store = registry::open(registry)?;
    import::import_accounts(&mut store, accounts, ImportOptions::default(), &mut |_, _| {})?;
    Ok(registry::screen::screen_all(&mut store, &registry::screen::ScreenConfig::default())?.queued as u64)
}

fn screen(b: &Backend, accounts: &Path) -> Result<(f64, f64, u64)> {
    let mut store = registry::open(&b.registry)?;
    let t = Instant::now();
    import::import_accounts(&mut store, accounts, ImportOptions::default(), &mut |_, _| {})?;
    let stored = seconds(t);
    let t = Instant::now();
    let report = registry::screen::screen_all(&mut store, &registry::screen::ScreenConfig::default())?;
    Ok((stored, seconds(t), report.queued as u64))
}

fn requests(accounts: usize, n: usize) -> Vec<Request> {
    let caps = ["face_identification", "face_detection_analysis", "compute", "storage"];
    let mut rng = Rng(0x5eed_0001);
    (0..n)
        .map(|_| Request {
            account: format!("bench-{:07}", rng.below(accounts)),
            capability: caps[rng.below(caps.len())].into(),
            service: "Amazon Rekognition".into(),
            region_class: "commercial".into(),
            purpose: String::new(),
        })
        .collect()
}

fn decider(b: &Backend) -> Result<(Decider, String)> {
    let store = registry::open(&b.registry)?;
    let facts = policy::facts::Facts::from_registry(&*store, &[])?;
    let t = usage::taxonomy::Taxonomy::builtin()?;
    let caps: Vec<&str> = t.capabilities().iter().map(|c| c.id.as_str()).collect();
    let schema = policy::schema::schema(&caps)?;
    let version = PolicyVersion::parse(policy::DEFAULT_POLICY, "default.cedar", &schema)?;
    let sha = version.sha256.clone();
    Ok((Decider::with_services(schema, version, facts, &["Amazon Rekognition".to_string()])?, sha))
}

/// Records `n` decisions one by one, as a recording decision point does; returns per second.
fn record(b: &Backend, decider: &Decider, sha: &str, reqs: &[Request], n: usize) -> Result<f64> {
    let mut store = PolicyStore::open(&b.policy)?;
    store.record_version(sha, "default.cedar", policy::DEFAULT_POLICY, 0, "bench")?;
    let prepared: Vec<(Value, policy::engine::Decision)> = reqs
        .iter()
        .take(1_000)
        .map(|r| -> Result<_> { Ok((policy::engine::entities_json(&decider.entities_for(r)?)?, decider.decide(r)?)) })
        .collect::<Result<_>>()?;
    let bar = progress(n as u64, &format!("recording decisions ({})", b.name));
    let t = Instant::now();
    for i in 0..n {
        let (entities, d) = &prepared[i % prepared.len()];
        store.record_decision(&reqs[i % prepared.len()], entities, d)?;
        if i % 1_000 == 0 {
            bar.set_position(i as u64);
        }
    }
    bar.finish_and_clear();
    Ok(n as f64 / seconds(t))
}

/// Two replicas of the decision point, each with its own connection to the stores, under
/// `wrk` at once; every decision recorded. Returns decisions per second (both together) and
/// the non-2xx answers.
fn two_replicas(b: &Backend, reqs: &[Request], args: &BenchStoresArgs) -> Result<(f64, u64)> {
    let dir = tempfile::tempdir()?;
    let tokens_path = dir.path().join("tokens");
    let token = server::auth::Tokens::issue(&tokens_path, server::auth::Role::Authorizer, "bench")?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (mut urls, mut states) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let (decider, _) = decider(b)?;
        let state = Arc::new(server::AppState {
            decider: Some(decider),
            store: Some(std::sync::Arc::new(std::sync::Mutex::new(PolicyStore::open(&b.policy)?))),
            ..server::AppState::new(server::auth::Tokens::load(&tokens_path)?)
        });
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        urls.push(format!("http://{}/v1/authorize", listener.local_addr()?));
        // Kept here to be dropped after the runtime (PostgreSQL's client may not close inside it).
        states.push(state.clone());
        let app = server::router(state);
        rt.spawn(async move {
            let _ = server::serve_until_dropped(listener, app).await;
        });
    }
    let bodies: Vec<String> = reqs
        .iter()
        .take(200)
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["record"] = json!(true);
            v.to_string()
        })
        .collect();
    let bar = progress(0, &format!("two replicas under wrk for {} s ({})", args.seconds, b.name));
    let results: Vec<Result<crate::wrk::Wrk>> = std::thread::scope(|s| {
        let handles: Vec<_> = urls
            .iter()
            .map(|u| {
                let (token, bodies) = (&token, &bodies);
                s.spawn(move || crate::wrk::run_wrk(u, token, bodies, args.seconds, args.connections))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("wrk thread")))).collect()
    });
    bar.finish_and_clear();
    rt.shutdown_timeout(std::time::Duration::from_secs(10));
    drop(states);
    let (mut per_second, mut non_2xx) = (0.0, 0);
    for r in results {
        let w = r?;
        per_second += w.per_second;
        non_2xx += w.non_2xx;
    }
    Ok((per_second, non_2xx))
}

pub fn run(args: &BenchStoresArgs) -> Result<ExitCode> {
    if !args.data.join("usaspending").is_dir() || !args.data.join("agencies").is_dir() {
        bail!("{} does not hold the public data (usaspending/, agencies/); give --data", args.data.display());
    }
    let admin = match &args.postgres {
        Some(u) => u.clone(),
        None => std::env::var("CANDOR_TEST_POSTGRES")
            .context("give --postgres postgres://… (a role that may create databases)")?,
    };
    let dir = tempfile::Builder::new().prefix("candor-bench-stores-").tempdir_in(".")?;
    let pg_url = pg::scratch::create(&admin)?;
    let backends = [
        Backend { name: "SQLite", registry: dir.path().join("registry.db"), policy: dir.path().join("policy.db") },
        Backend { name: "PostgreSQL", registry: PathBuf::from(&pg_url), policy: PathBuf::from(&pg_url) },
    ];
    let accounts_csv = dir.path().join("accounts.csv");
    let reqs = requests(args.accounts, 100_000);
    let mut rows = Vec::new();
    for b in &backends {
        let bar = progress(0, &format!("importing the real files ({})", b.name));
        let import_s = import_real(b, &args.data)?;
        bar.finish_and_clear();
        if !accounts_csv.exists() {
            write_fictional_accounts(&accounts_csv, &b.registry, args.accounts)?;
        }
        let bar = progress(0, &format!("storing and screening {} accounts ({})", args.accounts, b.name));
        let (store_s, screen_s, proposals) = screen(b, &accounts_csv)?;
        bar.finish_and_clear();
        let (decider, sha) = decider(b)?;
        let recorded = record(b, &decider, &sha, &reqs, args.decisions)?;
        let (http, non_2xx) = if args.no_http { (0.0, 0) } else { two_replicas(b, &reqs, args)? };
        rows.push(json!({
            "backend": b.name, "import_real_files_s": import_s, "store_accounts_s": store_s, "screen_s": screen_s,
            "proposals": proposals, "decisions_recorded_per_s": recorded, "http_two_replicas_per_s": http,
            "http_non_2xx": non_2xx,
        }));
    }
    let report = json!({"accounts": args.accounts, "decisions": args.decisions, "seconds": args.seconds,
                        "connections_per_replica": args.connections, "rows": rows});
    if args.json {
        print_json(&report);
    } else {
        println!(
            "{:<12} {:>10} {:>12} {:>10} {:>10} {:>14} {:>14}",
            "store", "import s", "accounts s", "screen s", "proposals", "recorded/s", "2 replicas/s"
        );
        for r in &rows {
            println!(
                "{:<12} {:>10.2} {:>12.2} {:>10.2} {:>10} {:>14.0} {:>14.0}",
                r["backend"].as_str().unwrap_or(""),
                r["import_real_files_s"].as_f64().unwrap_or(0.0),
                r["store_accounts_s"].as_f64().unwrap_or(0.0),
                r["screen_s"].as_f64().unwrap_or(0.0),
                r["proposals"],
                r["decisions_recorded_per_s"].as_f64().unwrap_or(0.0),
                r["http_two_replicas_per_s"].as_f64().unwrap_or(0.0),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
