//! HTTP load from `wrk` (Debian: `apt install wrk`) with a Lua script, and its results read
//! back: requests per second, latency percentiles, non-2xx answers and socket errors. The
//! policy, stores and gate benchmarks share it.

use std::process::Command;

use anyhow::{Context, Result, bail};

/// How hard wrk pushes: the same for every row a benchmark compares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub(crate) threads: u32,
    pub(crate) connections: u32,
    pub(crate) seconds: u64,
}

/// wrk's results: requests per second and latency percentiles (µs).
#[derive(Debug, Clone)]
pub(crate) struct Wrk {
    pub(crate) per_second: f64,
    pub(crate) p50_us: f64,
    /// The 95th percentile, when the script prints it (`p95_us N` from its `done`; see `P95_DONE`).
    pub(crate) p95_us: f64,
    pub(crate) p99_us: f64,
    /// Requests completed.
    pub(crate) requests: u64,
    /// Answers with a status outside 2xx and 3xx.
    pub(crate) non_2xx: u64,
    /// Connect, read, write errors and timeouts, summed.
    pub(crate) socket_errors: u64,
}

impl Wrk {
    /// The share of completed requests answered outside 2xx/3xx.
    pub(crate) fn non_2xx_share(&self) -> f64 {
        if self.requests == 0 { 0.0 } else { self.non_2xx as f64 / self.requests as f64 }
    }

    /// As JSON, with the load it was measured under.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "per_second": self.per_second, "p50_us": self.p50_us, "p95_us": self.p95_us, "p99_us": self.p99_us,
            "requests": self.requests, "non_2xx": self.non_2xx, "socket_errors": self.socket_errors,
        })
    }
}

fn parse_duration_us(s: &str) -> Option<f64> {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let v: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => v,
        "ms" => v * 1e3,
        "s" => v * 1e6,
        "m" => v * 60e6,
        _ => return None,
    })
}

/// Whether wrk can be run here.
pub(crate) fn available() -> bool {
    Command::new("wrk").arg("--version").output().is_ok()
}

/// Runs wrk against `url` with the Lua `script` under `load` (with `--latency`).
pub(crate) fn run_script(url: &str, script: &str, load: Load) -> Result<Wrk> {
    let file = tempfile::Builder::new().suffix(".lua").tempfile()?;
    std::fs::write(file.path(), script)?;
    let out = Command::new("wrk")
        .args([
            &format!("-t{}", load.threads.max(1)),
            &format!("-c{}", load.connections.max(load.threads.max(1))),
            &format!("-d{}s", load.seconds.max(1)),
            "--latency",
            "-s",
        ])
        .arg(file.path())
        .arg(url)
        .output()
        .context("running wrk (apt install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        bail!("wrk failed: {}{}", text, String::from_utf8_lossy(&out.stderr));
    }
    parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
}

fn parse(text: &str) -> Result<Wrk> {
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(String::from)
    };
    // "  123456 requests in 10.00s, 12.34MB read"
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no request count")?;
    // "  Socket errors: connect 0, read 0, write 0, timeout 0"
    let socket_errors = text
        .lines()
        .find(|l| l.contains("Socket errors:"))
        .map(|l| l.split(',').filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    Ok(Wrk {
        per_second: field("Requests/sec:").and_then(|v| v.parse().ok()).context("no Requests/sec")?,
        p50_us: field("50%").and_then(|v| parse_duration_us(&v)).unwrap_or(f64::NAN),
        p95_us: field("p95_us").and_then(|v| v.parse().ok()).unwrap_or(f64::NAN),
        p99_us: field("99%").and_then(|v| parse_duration_us(&v)).unwrap_or(f64::NAN),
        requests,
        non_2xx: text
            .lines()
            .find(|l| l.contains("Non-2xx"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        socket_errors,
    })
}

/// A Lua `done` that prints the 95th latency percentile (µs), which `--latency` does not show.
pub(crate) const P95_DONE: &str = "done = function(summary, latency, requests)\n  io.write(string.format(\"p95_us %d\\n\", latency:percentile(95)))\nend\n";

/// A Lua string literal holding `s` (long brackets; `s` must not hold `]==]`).
pub(crate) fn lua_string(s: &str) -> String {
    format!("[==[{s}]==]")
}

/// POSTs of JSON `bodies` in turn, with an authorizer token (the policy and stores benches).
pub(crate) fn run_wrk(url: &str, token: &str, bodies: &[String], seconds: u64, connections: u32) -> Result<Wrk> {
    let list: Vec<String> = bodies.iter().map(|b| lua_string(b)).collect();
    let script = format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\nlocal bodies = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n",
        list.join(",")
    );
    run_script(url, &script, Load { threads: 1, connections, seconds })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 10s test @ http://127.0.0.1:8080/\n  1 threads and 32 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     1.20ms  300.00us   9.00ms   90.00%\n  Latency Distribution\n     50%    1.10ms\n     75%    1.30ms\n     90%    1.50ms\n     99%    2.50ms\n  123456 requests in 10.00s, 12.34MB read\n  Socket errors: connect 0, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 4567\nRequests/sec:  12345.60\nTransfer/sec:      1.23MB\np95_us 2100\n";
        let w = parse(text).expect("parsed");
        assert_eq!(w.requests, 123_456);
        assert_eq!(w.non_2xx, 4567);
        assert_eq!(w.socket_errors, 5);
        assert!((w.per_second - 12345.6).abs() < 1e-6);
        assert!((w.p50_us - 1100.0).abs() < 1e-6);
        assert!((w.p99_us - 2500.0).abs() < 1e-6);
        assert!((w.p95_us - 2100.0).abs() < 1e-6);
    }
}
