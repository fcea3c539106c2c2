//! `candor-bench gate`: the gate behind NGINX at a large provider's shape, in one run.
//!
//! The stores: a registry of a million fictional customer accounts, a few thousand of them
//! confirmed as belonging to fictional police agencies, suppliers and companies, the rest
//! linked to nothing; the default policy active ([`stores`]). The requests: one list rotating
//! over those accounts and over face identification and face detection ([`mix`]).
//!
//! Measured, each with the same wrk load: (a) NGINX proxying to a fake backend (a second
//! NGINX server answering a fixed body) without `auth_request`; (b) with `auth_request` to
//! `candor gate` (decision cache on, the default); (c) the same with `--cache-ttl 0`; (d, e)
//! wrk straight at the gate's `/nginx`, cache on and off: the gate's own latency. Then the
//! gate's start time and peak memory, the same for a registry of the linked accounts only
//! (what each unlinked account costs), and in process `gate.decide` for linked and unlinked
//! accounts with the cache off. Refusals are counted on every row and checked against what
//! the gate decides for the same list in process.

mod mix;
mod procs;
mod stores;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::cli::BenchGateArgs;
use crate::output::print_json;
use crate::wrk::{Load, Wrk};
use mix::{ACCOUNT_HEADER, BODY, Request};
use procs::{GateProcess, GateSpec, Nginx, Ports};

/// One wrk row.
struct Row {
    key: &'static str,
    label: String,
    wrk: Wrk,
    /// CPU time per completed request, µs: NGINX's (master and workers) and the gate's.
    nginx_cpu_us: f64,
    gate_cpu_us: f64,
    /// The share of refusals the mix implies on this row.
    expected_share: f64,
}

impl Row {
    /// The refusals are what the mix implies (within half a percentage point) and nothing
    /// failed at the socket.
    fn consistent(&self) -> bool {
        (self.wrk.non_2xx_share() - self.expected_share).abs() <= 0.005 && self.wrk.socket_errors == 0
    }
}

/// A gate process's figures.
struct GateRun {
    start_s: f64,
    /// Resident memory when it first answered /healthz 200, KiB.
    ready_rss_kb: u64,
    hwm_kb: u64,
    rss_kb: u64,
    /// Requests wrk completed on its rows.
    requests: u64,
    /// Decisions it counted into the policy store, and how many of them refused.
    counted: u64,
    counted_denied: u64,
    /// Bytes its request log took.
    log_bytes: u64,
}

impl GateRun {
    fn json(&self) -> Value {
        json!({"start_seconds": self.start_s, "vm_rss_ready_mb": self.ready_rss_kb as f64 / 1024.0,
               "vm_hwm_mb": self.hwm_kb as f64 / 1024.0, "vm_rss_mb": self.rss_kb as f64 / 1024.0,
               "wrk_requests": self.requests, "decisions_counted": self.counted,
               "denials_counted": self.counted_denied, "request_log_bytes": self.log_bytes})
    }
}

/// What one wrk row runs against, and the processes whose CPU time it counts.
struct Target<'a> {
    url: String,
    script: &'a str,
    nginx: &'a Nginx,
    gate: Option<&'a GateProcess>,
}

impl<'a> Target<'a> {
    fn new(port: u16, path: &str, script: &'a str, nginx: &'a Nginx, gate: Option<&'a GateProcess>) -> Target<'a> {
        Target { url: format!("http://127.0.0.1:{port}{path}"), script, nginx, gate }
    }
}

/// Runs one wrk row.
fn wrk_row(load: Load, key: &'static str, label: String, t: &Target<'_>, expected_share: f64) -> Result<Row> {
    progress(&format!("wrk: {label}"));
    let cpu = || (t.nginx.cpu_seconds(), t.gate.map_or(0.0, GateProcess::cpu_seconds));
    let before = cpu();
    let wrk = crate::wrk::run_script(&t.url, t.script, load)?;
    let after = cpu();
    let per = |s: f64| s * 1e6 / wrk.requests.max(1) as f64;
    Ok(Row {
        key,
        label,
        nginx_cpu_us: per(after.0 - before.0),
        gate_cpu_us: per(after.1 - before.1),
        wrk,
        expected_share,
    })
}

/// Decisions counted today in the policy store: (all, refused).
fn counted(policy: &Path) -> Result<(u64, u64)> {
    let store = policy::store::PolicyStore::open(policy)?;
    let day = gate::tally::today();
    let rows = store.gate_counts(&day, &day)?;
    let all = rows.iter().map(|r| r.count).sum();
    let denied = rows.iter().filter(|r| r.outcome == gate::Outcome::Denied.as_str()).map(|r| r.count).sum();
    Ok((all, denied))
}

fn gate_spec<'a>(
    candor: &'a Path,
    tokens: &'a Path,
    dir: &Path,
    built: &'a stores::Built,
    port: u16,
    cache_ttl: u64,
    name: &str,
) -> GateSpec<'a> {
    GateSpec {
        candor,
        registry: &built.registry,
        policy: &built.policy,
        tokens,
        port,
        cache_ttl,
        log: dir.join(format!("{name}.log")),
    }
}

/// What the gate's refresh thread does every second to see whether the stores changed
/// (`Source::stamp`): the median of five, ms.
fn stamp_ms(built: &stores::Built) -> Result<f64> {
    use gate::Source as _;
    let stores = app::stores::Stores::default().with_registry(&built.registry).with_policy(&built.policy);
    let source = app::gate::StoresSource::new(std::sync::Arc::new(stores), Vec::new());
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = std::time::Instant::now();
        source.stamp().map_err(|e| anyhow::anyhow!("the gate's stamp: {e}"))?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn candor_binary(given: Option<&Path>) -> Result<PathBuf> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => std::env::current_exe()?.parent().context("the benchmark's folder")?.join("candor"),
    };
    if !path.is_file() {
        bail!("{}: no candor binary (cargo build --release -p candor, or give --candor)", path.display());
    }
    Ok(path)
}

fn progress(what: &str) {
    eprintln!("[candor-bench gate] {what}");
}

pub fn run(args: &BenchGateArgs) -> Result<ExitCode> {
    if !crate::wrk::available() {
        bail!("wrk is not installed (apt install wrk)");
    }
    if std::process::Command::new("nginx").arg("-v").output().is_err() {
        bail!("nginx is not installed (apt install nginx)");
    }
    let candor = candor_binary(args.candor.as_deref())?;
    let tmp = tempfile::Builder::new().prefix("candor-bench-gate-").tempdir()?;
    let dir = tmp.path().to_path_buf();
    let shape = stores::Shape {
        accounts: args.accounts,
        linked: args.linked,
        agencies: args.agencies,
        suppliers: args.suppliers,
        companies: args.companies,
    };
    progress(&format!("building the stores: {} accounts, {} linked", args.accounts, args.linked));
    let built = stores::build(&dir, &shape)?;
    std::fs::create_dir_all(dir.join("linked-only"))?;
    let linked_only =
        stores::build(&dir.join("linked-only"), &stores::Shape { accounts: built.population.linked(), ..shape })?;
    let pop = &built.population;
    let stamp_ms = stamp_ms(&built)?;
    let entries = mix::mix(pop, args.distinct);
    let policy_denials = mix::policy_denials(&entries);

    progress(&format!("in process: {} decisions of each kind, decision cache off", args.decisions));
    let inproc = mix::in_process(&built, &entries, args.decisions as usize, &args.region_class)?;
    let expected_share = inproc.mix_denied as f64 / entries.len() as f64;

    let tokens = dir.join("tokens");
    let token = server::auth::Tokens::issue(&tokens, server::auth::Role::Authorizer, "bench")?;
    let ports = Ports::pick()?;
    let nginx = Nginx::start(&dir.join("nginx"), &ports, &args.nginx_workers, &token, &args.region_class)?;
    let load = Load { threads: args.threads, connections: args.connections, seconds: args.seconds };
    let client = Request {
        method: "POST",
        path: "/",
        headers: vec![("Content-Type", "application/x-amz-json-1.1".to_string())],
        body: Some(BODY),
    };
    let client_script = mix::lua(&entries, &client);
    let mut direct = Request {
        method: "GET",
        path: "/nginx",
        headers: vec![
            ("X-Original-Method", "POST".to_string()),
            ("X-Original-URI", "/".to_string()),
            ("Content-Type", "application/x-amz-json-1.1".to_string()),
            ("Authorization", format!("Bearer {token}")),
        ],
        body: None,
    };
    if !args.region_class.is_empty() {
        direct.headers.push((mix::REGION_HEADER, args.region_class.clone()));
    }
    let direct_script = mix::lua(&entries, &direct);
    std::fs::write(dir.join("client.lua"), &client_script)?;
    std::fs::write(dir.join("gate.lua"), &direct_script)?;
    let mut rows = vec![
        wrk_row(
            load,
            "a",
            "NGINX → backend (no auth_request)".into(),
            &Target::new(ports.plain, "/", &client_script, &nginx, None),
            0.0,
        )?,
        wrk_row(
            load,
            "f",
            "NGINX → auth_request → NGINX stub (204) → backend".into(),
            &Target::new(ports.stubbed, "/", &client_script, &nginx, None),
            0.0,
        )?,
    ];

    let mut gates = Vec::new();
    for (cache_ttl, port, proxy, keys) in
        [(30, ports.gate_cached, ports.cached, ["b", "d"]), (0, ports.gate_uncached, ports.uncached, ["c", "e"])]
    {
        let cache = if cache_ttl > 0 { format!("cache {cache_ttl} s") } else { "--cache-ttl 0".to_string() };
        progress(&format!("starting candor gate ({cache})"));
        let before = counted(&built.policy)?;
        let name = format!("gate-cache-{cache_ttl}");
        let g = GateProcess::start(&gate_spec(&candor, &tokens, &dir, &built, port, cache_ttl, &name))?;
        let through = Target::new(proxy, "/", &client_script, &nginx, Some(&g));
        let alone = Target::new(port, "/nginx", &direct_script, &nginx, Some(&g));
        let mut mine = vec![
            wrk_row(
                load,
                keys[0],
                format!("NGINX → auth_request → candor gate ({cache}) → backend"),
                &through,
                expected_share,
            )?,
            wrk_row(load, keys[1], format!("candor gate alone, /nginx ({cache})"), &alone, expected_share)?,
        ];
        if cache_ttl == 0 {
            // The gate's service time, without other requests queued before each.
            let one = Load { threads: 1, connections: 1, seconds: load.seconds };
            mine.push(wrk_row(
                one,
                "g",
                format!("candor gate alone, /nginx ({cache}), 1 connection"),
                &alone,
                expected_share,
            )?);
        }
        let requests = mine.iter().map(|r| r.wrk.requests).sum();
        rows.extend(mine);
        let (hwm_kb, rss_kb) = g.memory_kb();
        let (start_s, ready_rss_kb) = (g.start_s, g.ready_kb.1);
        let log_bytes = g.stop()?;
        let after = counted(&built.policy)?;
        gates.push(GateRun {
            start_s,
            ready_rss_kb,
            hwm_kb,
            rss_kb,
            requests,
            counted: after.0 - before.0,
            counted_denied: after.1 - before.1,
            log_bytes,
        });
    }
    progress("starting candor gate over the linked accounts only");
    let small = GateProcess::start(&gate_spec(
        &candor,
        &tokens,
        &dir,
        &linked_only,
        procs::free_port()?,
        30,
        "gate-linked-only",
    ))?;
    let (small_hwm, small_rss) = small.ready_kb;
    let small_start = small.start_s;
    small.stop()?;
    let nginx_errors = nginx.errors();
    drop(nginx);
    rows.sort_by_key(|r| r.key);

    let row = |k: &str| rows.iter().find(|r| r.key == k);
    let rps = |k: &str| row(k).map_or(0.0, |r| r.wrk.per_second);
    let ratio_cached = rps("b") / rps("a");
    let ratio_uncached = rps("c") / rps("a");
    let ratio_stub = rps("f") / rps("a");
    let gate_p99 = row("d").map_or(f64::NAN, |r| r.wrk.p99_us);
    let unlinked = pop.unlinked.max(1) as f64;
    let per_unlinked_hwm = (gates[0].hwm_kb as f64 - small_hwm as f64) * 1024.0 / unlinked;
    let per_unlinked_rss = (gates[0].ready_rss_kb as f64 - small_rss as f64) * 1024.0 / unlinked;
    let in_process_p99_max = inproc
        .cells
        .iter()
        .filter(|c| c.label.contains(&format!("region class {}", args.region_class)) || args.region_class.is_empty())
        .map(|c| c.p99_us)
        .fold(0.0, f64::max);
    let targets = json!({
        "gate_own_p99_under_1ms": gate_p99 < 1000.0,
        "throughput_with_gate_at_least_half": ratio_cached >= 0.5,
        "at_least_10000_decisions_per_second_through_nginx": rps("b") >= 10_000.0,
        "in_process_p99_under_50us": in_process_p99_max < 50.0,
    });
    let consistent = rows.iter().all(Row::consistent);

    let report = json!({
        "machine": {"nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), "cpu": cpu_model()},
        "accounts": args.accounts, "linked": {"police": pop.police.len(), "supplier": pop.suppliers.len(),
            "company": pop.companies.len()}, "unlinked": pop.unlinked,
        "organisations": built.organisations, "stamp_ms": stamp_ms, "fictional_agencies_confirmed": built.confirmed_agencies,
        "fictional_suppliers_confirmed": built.confirmed_suppliers, "stores_build_seconds": built.seconds,
        "mix": {"distinct_requests": entries.len(), "policy_implies_refused": policy_denials,
                "gate_refused_in_process": inproc.mix_denied, "expected_refused_share": expected_share},
        "load": {"threads": load.threads, "connections": load.connections, "seconds": load.seconds,
                 "nginx_workers": args.nginx_workers, "region_class": args.region_class,
                 "backend": format!("NGINX server: return 200 '{}'", procs::BACKEND_ANSWER)},
        "rows": rows.iter().map(|r| json!({"row": r.key, "label": r.label, "wrk": r.wrk.json(),
            "nginx_cpu_us_per_request": r.nginx_cpu_us, "gate_cpu_us_per_request": r.gate_cpu_us,
            "non_2xx_share": r.wrk.non_2xx_share(), "expected_share": r.expected_share, "consistent": r.consistent()})).collect::<Vec<_>>(),
        "throughput_ratio_cached": ratio_cached, "throughput_ratio_uncached": ratio_uncached,
        "throughput_ratio_stub": ratio_stub,
        "gate_cached": gates[0].json(), "gate_uncached": gates[1].json(),
        "gate_linked_only": {"accounts": pop.linked(), "start_seconds": small_start,
            "vm_hwm_mb": small_hwm as f64 / 1024.0, "vm_rss_mb": small_rss as f64 / 1024.0},
        "bytes_per_unlinked_account": {"vm_hwm": per_unlinked_hwm, "vm_rss": per_unlinked_rss},
        "in_process": {"start_seconds": inproc.start_s, "peak_mb": inproc.peak_mb,
            "cells": inproc.cells.iter().map(|c| json!({"label": c.label, "decisions": c.decisions,
                "per_second": c.per_second, "p50_us": c.p50_us, "p99_us": c.p99_us, "p999_us": c.p999_us})).collect::<Vec<_>>()},
        "targets": targets, "refusals_consistent": consistent, "nginx_error_log_tail": nginx_errors,
    });
    if args.json {
        print_json(&report);
    } else {
        print_table(args, &report, &rows, &inproc, &gates);
    }
    if args.keep {
        let kept = tmp.keep();
        eprintln!("kept {}", kept.display());
    }
    Ok(if consistent { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name"))?.split_once(':').map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_default()
}

fn print_table(args: &BenchGateArgs, r: &Value, rows: &[Row], inproc: &mix::InProcess, gates: &[GateRun]) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    println!(
        "{} accounts ({} police, {} supplier, {} company accounts linked; {} unlinked), {} organisations; stores built in {:.1} s",
        args.accounts,
        r["linked"]["police"],
        r["linked"]["supplier"],
        r["linked"]["company"],
        r["unlinked"],
        r["organisations"],
        f(&r["stores_build_seconds"])
    );
    println!(
        "mix: {} distinct requests (80% unlinked, 10% police, 4% supplier, 6% company; half SearchFacesByImage); \
         the policy refuses {} ({:.2}%), the gate in process {}",
        r["mix"]["distinct_requests"],
        r["mix"]["policy_implies_refused"],
        100.0 * f(&r["mix"]["expected_refused_share"]),
        r["mix"]["gate_refused_in_process"]
    );
    println!(
        "wrk -t{} -c{} -d{}s; NGINX worker_processes {}; region class sent: {:?}; account header {ACCOUNT_HEADER}; backend: {}",
        args.threads, args.connections, args.seconds, args.nginx_workers, args.region_class, r["load"]["backend"]
    );
    println!(
        "{:60} {:>9} {:>8} {:>8} {:>9} {:>9} {:>10} {:>10}",
        "", "req/s", "p50 µs", "p99 µs", "non-2xx", "expected", "NGINX CPU", "gate CPU"
    );
    for row in rows {
        println!(
            "{:60} {:>9.0} {:>8.0} {:>8.0} {:>8.2}% {:>8.2}% {:>7.1} µs {:>7.1} µs{}",
            format!("{}. {}", row.key, row.label),
            row.wrk.per_second,
            row.wrk.p50_us,
            row.wrk.p99_us,
            100.0 * row.wrk.non_2xx_share(),
            100.0 * row.expected_share,
            row.nginx_cpu_us,
            row.gate_cpu_us,
            if row.consistent() {
                String::new()
            } else {
                format!("  ← not what the mix implies ({} socket errors)", row.wrk.socket_errors)
            }
        );
    }
    println!(
        "throughput with the gate / without: {:.2} (cache on), {:.2} (cache off); with the stub / without: {:.2}",
        f(&r["throughput_ratio_cached"]),
        f(&r["throughput_ratio_uncached"]),
        f(&r["throughput_ratio_stub"])
    );
    println!(
        "the gate's refresh reads the stores' stamp every second; one read takes {:.1} ms here",
        f(&r["stamp_ms"])
    );
    for (name, g) in [("cache on", &gates[0]), ("cache off", &gates[1])] {
        println!(
            "candor gate ({name}): /healthz 200 after {:.2} s (VmRSS {:.0} MB); after its rows VmHWM {:.0} MB, VmRSS {:.0} MB; \
             counted {} decisions ({} refused) for {} requests wrk completed; request log {:.0} bytes per request",
            g.start_s,
            g.ready_rss_kb as f64 / 1024.0,
            g.hwm_kb as f64 / 1024.0,
            g.rss_kb as f64 / 1024.0,
            g.counted,
            g.counted_denied,
            g.requests,
            g.log_bytes as f64 / g.counted.max(1) as f64
        );
    }
    println!(
        "candor gate over the {} linked accounts only: /healthz 200 after {:.2} s, VmHWM {:.0} MB; each unlinked account costs {:.0} bytes of peak ({:.0} resident)",
        r["gate_linked_only"]["accounts"],
        f(&r["gate_linked_only"]["start_seconds"]),
        f(&r["gate_linked_only"]["vm_hwm_mb"]),
        f(&r["bytes_per_unlinked_account"]["vm_hwm"]),
        f(&r["bytes_per_unlinked_account"]["vm_rss"])
    );
    println!(
        "in process (Gate::start {:.2} s, {:.0} MB), gate.decide with the decision cache off:",
        inproc.start_s, inproc.peak_mb
    );
    println!("{:60} {:>9} {:>8} {:>8} {:>9}", "", "per s", "p50 µs", "p99 µs", "p99.9 µs");
    for c in &inproc.cells {
        println!("{:60} {:>9.0} {:>8.2} {:>8.2} {:>9.2}", c.label, c.per_second, c.p50_us, c.p99_us, c.p999_us);
    }
    let t = &r["targets"];
    let met = |k: &str| if t[k].as_bool().unwrap_or(false) { "met" } else { "NOT met" };
    println!(
        "targets: gate's own p99 < 1 ms: {}; with the gate ≥ 50% of the throughput: {}; ≥ 10,000 decisions/s through NGINX: {}; in-process p99 < 50 µs: {}",
        met("gate_own_p99_under_1ms"),
        met("throughput_with_gate_at_least_half"),
        met("at_least_10000_decisions_per_second_through_nginx"),
        met("in_process_p99_under_50us")
    );
}
