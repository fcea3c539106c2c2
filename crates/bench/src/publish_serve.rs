//! The published report served by `candor serve`, at the benchmark's size: the public API's
//! organisation answers and search, and the organisations' static pages, under load from wrk on
//! loopback (p50, p95, p99), after the first request (which reads the downloads).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use crate::wrk::{Load, P95_DONE, lua_string, run_script};

/// Organisations sampled for the requests (their slugs from `data/organisations.json`).
const SAMPLE: usize = 500;

/// One kind of request, measured.
struct Measured {
    what: &'static str,
    wrk: crate::wrk::Wrk,
}

/// A wrk script that GETs `paths` in turn and prints p95.
fn script(paths: &[String]) -> String {
    let list: Vec<String> = paths.iter().map(|p| lua_string(p)).collect();
    format!(
        "local paths = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n{P95_DONE}",
        list.join(",")
    )
}

/// Serves the report of the log in `log_home` (stores in `dir`), measures, and returns the
/// results as JSON (`null` fields when wrk is missing).
pub(crate) fn measure(dir: &Path, log_home: &Path) -> Result<Value> {
    if !crate::wrk::available() {
        eprintln!("wrk is not installed (apt install wrk): the served report is not measured");
        return Ok(Value::Null);
    }
    let orgs: Value = serde_json::from_slice(&std::fs::read(log_home.join("public/data/organisations.json"))?)?;
    let rows = orgs["rows"].as_array().context("organisations.json has no rows")?;
    ensure!(!rows.is_empty(), "no organisation in the report");
    let step = (rows.len() / SAMPLE).max(1);
    let sample: Vec<&Value> = rows.iter().step_by(step).take(SAMPLE).collect();
    let slug = |o: &Value| o["slug"].as_str().unwrap_or_default().to_string();
    let tokens = dir.join("serve-tokens");
    server::auth::Tokens::issue(&tokens, server::auth::Role::Reviewer, "bench")?;
    let stores =
        Arc::new(app::stores::Stores::at(&dir.join("registry.db"), &dir.join("usage.db"), &dir.join("policy.db")));
    let places = app::serving::ServePlaces { log_dir: log_home.to_path_buf(), tokens, record: false, four_eyes: false };
    let state = app::serving::state(stores, &places)?;
    let served = server::Background::start(server::router(Arc::new(state)), "127.0.0.1:0")?;
    let addr = served.addr().to_string();
    let base = format!("http://{addr}");
    // The first request reads the report's downloads (every part) into memory.
    let (status, first_s) = crate::review::get(&addr, &format!("/v1/organisations/{}", slug(sample[0])), "")?;
    ensure!(status == 200, "the first request answered {status}");

    // Searches: a word of each sampled name (its number: one organisation each), and a word
    // many names share.
    let searches: Vec<String> = (sample.iter())
        .filter_map(|o| o["organisation"].as_str()?.split_whitespace().find(|w| w.chars().all(|c| c.is_ascii_digit())))
        .map(|w| format!("/v1/search?q={w}"))
        .chain(["/v1/search?q=County".to_string()])
        .collect();
    let load = Load { threads: 1, connections: 8, seconds: 10 };
    let mut results = Vec::new();
    for (what, paths) in [
        ("GET /v1/organisations/{slug}", sample.iter().map(|o| format!("/v1/organisations/{}", slug(o))).collect()),
        ("GET /v1/search?q=", searches),
        (
            "GET /org/{slug}.html (static page)",
            sample.iter().map(|o| format!("/org/{}.html", slug(o))).collect::<Vec<_>>(),
        ),
    ] {
        let wrk = run_script(&base, &script(&paths), load)?;
        ensure!(wrk.non_2xx == 0, "{what}: {} answers outside 2xx", wrk.non_2xx);
        results.push(Measured { what, wrk });
    }
    drop(served);
    Ok(json!({
        "first_request_s": first_s,
        "load": {"connections": load.connections, "seconds": load.seconds, "organisations_sampled": sample.len()},
        "requests": results.iter().map(|m| json!({"what": m.what, "wrk": m.wrk.json()})).collect::<Vec<_>>(),
        "target_p95_ms": 50,
    }))
}

/// The lines printed for `measure`'s results.
pub(crate) fn print(v: &Value) {
    if v.is_null() {
        return;
    }
    println!(
        "  served by candor serve (wrk, {} connections, loopback; first request {:.2} s):",
        v["load"]["connections"],
        v["first_request_s"].as_f64().unwrap_or(f64::NAN)
    );
    for r in v["requests"].as_array().into_iter().flatten() {
        let ms = |k: &str| r["wrk"][k].as_f64().unwrap_or(f64::NAN) / 1e3;
        println!(
            "    {:<38} {:>8.0}/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms (target p95 ≤ 50 ms)",
            r["what"].as_str().unwrap_or(""),
            r["wrk"]["per_second"].as_f64().unwrap_or(0.0),
            ms("p50_us"),
            ms("p95_us"),
            ms("p99_us")
        );
    }
}
