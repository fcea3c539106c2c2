//! `candor-bench witness`: cosignatures per second and their latency for many logs, each log
//! submitting its checkpoints in turn with consistency proofs, against a witness whose state is
//! durable (SQLite, `synchronous=FULL`). Measured in process (`Witness::add_checkpoint` called
//! directly: the floor) and over HTTP on loopback with keep-alive clients, in one run. Then
//! what a 2-of-2 quorum adds to publishing: a log appends a batch and serves its checkpoint
//! either at once (no witnesses) or after two loopback witnesses cosigned it, side by side.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::json;
use tlog::{LogWriter, MemStorage, Signer, TileReader};
use witness::home::WitnessHome;
use witness::rate::RateLimit;

use crate::cli::BenchWitnessArgs;
use crate::output::print_json;

/// What one way of submitting measured.
struct Measured {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn measured(mut latencies: Vec<f64>, seconds: f64) -> Measured {
    latencies.sort_by(f64::total_cmp);
    let at = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
    Measured { per_second: latencies.len() as f64 / seconds, p50_ms: at(0.5) * 1e3, p99_ms: at(0.99) * 1e3 }
}

/// Each log's key and its submissions in order (old size k, proof, checkpoint k+1).
fn submissions(logs: usize, checkpoints: u64) -> Result<Vec<(Signer, Vec<Vec<u8>>)>> {
    let mut out = Vec::with_capacity(logs);
    for i in 0..logs {
        let key = Signer::generate(&format!("bench.example/log{i}"))?;
        let storage = MemStorage::new();
        let mut log = LogWriter::create(storage.clone(), Signer::from_private_key(&key.to_private_key())?)?;
        let mut bodies = Vec::new();
        for k in 0..checkpoints {
            log.append(&[format!("log {i} entry {k}").as_bytes()])?;
            let proof = if k == 0 { Vec::new() } else { TileReader::new(&storage, k + 1).consistency_proof(k)? };
            let mut b = format!("old {k}\n").into_bytes();
            for h in proof {
                b.extend_from_slice(format!("{}\n", h.to_base64()).as_bytes());
            }
            b.push(b'\n');
            b.extend_from_slice(log.checkpoint());
            bodies.push(b);
        }
        out.push((key, bodies));
    }
    Ok(out)
}

/// A fresh witness in `dir` watching every log, without a rate limit (the benchmark submits as
/// fast as it can).
fn fresh_witness(dir: &std::path::Path, logs: &[(Signer, Vec<Vec<u8>>)]) -> Result<witness::Witness> {
    let home = WitnessHome::at(dir);
    home.init("bench.example/witness")?;
    let mut w = home.open()?.with_rate_limit(RateLimit { per_second: 1e12, burst: 1e12 });
    for (key, _) in logs {
        w.state().add_log(key.name(), &key.verifier(), 1)?;
    }
    Ok(w)
}

/// Entries each publishing round appends.
const ROUND_ENTRIES: usize = 10;

/// Publishing `rounds` batches into a log with no witnesses, then into one whose trust policy
/// needs two loopback witnesses (durable state) to cosign before its checkpoint is served.
fn publish_with_quorum(dir: &std::path::Path, rounds: usize) -> Result<(Measured, Measured)> {
    let round = |home: &tlog::LocalLog, policy: Option<&tlog::trust::Policy>, i: usize| -> Result<f64> {
        let entries: Vec<Vec<u8>> = (0..ROUND_ENTRIES).map(|k| format!("round {i} entry {k}").into_bytes()).collect();
        let t = Instant::now();
        let (mut writer, _) = app::log::witnessing::open_writer(home)?;
        writer.append(&entries)?;
        if let Some(p) = policy {
            let r = app::log::witnessing::witness_and_publish(home, &writer, p, false)?;
            if !r.published {
                return Err(r.unpublished_error());
            }
        }
        Ok(t.elapsed().as_secs_f64())
    };
    let plain_home = tlog::LocalLog::at(dir.join("plain-log"));
    drop(plain_home.init("bench.example/plain")?);
    let mut plain = Vec::with_capacity(rounds);
    for i in 0..rounds {
        plain.push(round(&plain_home, None, i)?);
    }

    let home = tlog::LocalLog::at(dir.join("witnessed-log"));
    drop(home.init("bench.example/witnessed")?);
    let log_key = home.verifier()?;
    let mut servers = Vec::new();
    let mut policy = String::new();
    for name in ["w1", "w2"] {
        let wh = WitnessHome::at(&dir.join(format!("witness-{name}")));
        let key = wh.init(&format!("bench.example/{name}"))?;
        let mut w = wh.open()?.with_rate_limit(RateLimit { per_second: 1e12, burst: 1e12 });
        w.state().add_log(log_key.name(), &log_key, 1)?;
        let server = server::Background::start(witness::http::router(Arc::new(Mutex::new(w))), "127.0.0.1:0")?;
        policy.push_str(&format!("witness {name} {} http://{}\n", key.to_vkey().context("vkey")?, server.addr()));
        servers.push(server);
    }
    policy.push_str("group both all w1 w2\nquorum both\n");
    let policy_file = dir.join("trust-policy.txt");
    std::fs::write(&policy_file, policy)?;
    app::log::witnessing::set_policy(&home, &policy_file)?;
    let policy = app::log::witnessing::log_policy(&home)?.context("the policy just set")?;
    let mut quorum = Vec::with_capacity(rounds);
    for i in 0..rounds {
        quorum.push(round(&home, Some(&policy), i)?);
    }
    let total = |v: &[f64]| v.iter().sum::<f64>();
    let (tp, tq) = (total(&plain), total(&quorum));
    Ok((measured(plain, tp), measured(quorum, tq)))
}

/// One request on a keep-alive connection; the answer's status.
fn post(reader: &mut BufReader<TcpStream>, body: &[u8]) -> Result<u16> {
    // One write per request: head and body split over two small writes would meet Nagle's
    // algorithm and the peer's delayed ACK, a 40 ms stall that is the client's, not the witness's.
    let mut request =
        format!("POST /add-checkpoint HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    request.extend_from_slice(body);
    reader.get_mut().write_all(&request)?;
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("status line")?;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse()?;
        }
    }
    let mut answer = vec![0u8; length];
    reader.read_exact(&mut answer)?;
    Ok(status)
}

pub fn run(args: &BenchWitnessArgs) -> Result<ExitCode> {
    let logs = submissions(args.logs, args.checkpoints)?;
    let total = args.logs as u64 * args.checkpoints;
    let tmp = tempfile::tempdir()?;

    // In process: the witness's own work, durable, one submission at a time.
    let mut w = fresh_witness(&tmp.path().join("direct"), &logs)?;
    let mut latencies = Vec::with_capacity(total as usize);
    let start = Instant::now();
    for k in 0..args.checkpoints as usize {
        for (_, bodies) in &logs {
            let t = Instant::now();
            let a = w.add_checkpoint(&bodies[k], 1_764_460_800);
            latencies.push(t.elapsed().as_secs_f64());
            if a.status != 200 {
                bail!("in process: answer {} ({})", a.status, String::from_utf8_lossy(&a.body));
            }
        }
    }
    let direct = measured(latencies, start.elapsed().as_secs_f64());
    drop(w);

    // Over HTTP: the same submissions from `clients` keep-alive connections, each log's in order.
    let w = fresh_witness(&tmp.path().join("http"), &logs)?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let app = witness::http::router(Arc::new(Mutex::new(w)));
    rt.spawn(async move {
        let _ = server::serve_until_dropped(listener, app).await;
    });
    let clients = args.clients.max(1);
    let logs = Arc::new(logs);
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let logs = logs.clone();
            let checkpoints = args.checkpoints as usize;
            std::thread::spawn(move || -> Result<Vec<f64>> {
                let stream = TcpStream::connect(addr)?;
                stream.set_nodelay(true)?;
                let mut reader = BufReader::new(stream);
                let mut lat = Vec::new();
                for k in 0..checkpoints {
                    for (_, bodies) in logs.iter().skip(c).step_by(clients) {
                        let t = Instant::now();
                        let status = post(&mut reader, &bodies[k])?;
                        lat.push(t.elapsed().as_secs_f64());
                        if status != 200 {
                            bail!("over HTTP: answer {status}");
                        }
                    }
                }
                Ok(lat)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total as usize);
    for h in handles {
        latencies.extend(h.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))??);
    }
    let http = measured(latencies, start.elapsed().as_secs_f64());
    rt.shutdown_background();
    let (plain, quorum) = publish_with_quorum(tmp.path(), args.rounds as usize)?;

    if args.json {
        print_json(&json!({
            "logs": args.logs, "checkpoints_per_log": args.checkpoints, "clients": clients,
            "in_process": {"per_second": direct.per_second, "p50_ms": direct.p50_ms, "p99_ms": direct.p99_ms},
            "http": {"per_second": http.per_second, "p50_ms": http.p50_ms, "p99_ms": http.p99_ms},
            "publish": {"rounds": args.rounds, "entries_per_round": ROUND_ENTRIES,
                        "unwitnessed_p50_ms": plain.p50_ms, "unwitnessed_p99_ms": plain.p99_ms,
                        "quorum_2_of_2_p50_ms": quorum.p50_ms, "quorum_2_of_2_p99_ms": quorum.p99_ms,
                        "added_p50_ms": quorum.p50_ms - plain.p50_ms},
        }));
    } else {
        println!(
            "{} logs x {} checkpoints, each cosigned with its consistency proof; durable state (SQLite, synchronous=FULL)",
            args.logs, args.checkpoints
        );
        println!("{:<34} {:>14} {:>10} {:>10}", "", "cosignatures/s", "p50 ms", "p99 ms");
        println!(
            "{:<34} {:>14.0} {:>10.2} {:>10.2}",
            "in process (one at a time)", direct.per_second, direct.p50_ms, direct.p99_ms
        );
        println!(
            "{:<34} {:>14.0} {:>10.2} {:>10.2}",
            format!("HTTP loopback, {clients} keep-alive clients"),
            http.per_second,
            http.p50_ms,
            http.p99_ms
        );
        println!("target: >= 1,000 cosignatures/s over HTTP, p99 < 50 ms");
        println!();
        println!(
            "publishing {} rounds of {ROUND_ENTRIES} entries (append, sign, serve the checkpoint), durable:",
            args.rounds
        );
        println!("{:<34} {:>10} {:>10}", "", "p50 ms", "p99 ms");
        println!("{:<34} {:>10.2} {:>10.2}", "no witnesses", plain.p50_ms, plain.p99_ms);
        println!("{:<34} {:>10.2} {:>10.2}", "2-of-2 quorum, loopback witnesses", quorum.p50_ms, quorum.p99_ms);
        println!("added by the quorum (p50): {:.2} ms; target < 100 ms", quorum.p50_ms - plain.p50_ms);
    }
    Ok(ExitCode::SUCCESS)
}
