//! The processes the gate benchmark runs: NGINX (a fake backend, a proxy without
//! `auth_request`, proxies asking a candor gate) and `candor gate` itself. Each is started
//! from a folder of the benchmark's own, stopped by its process id (SIGTERM, then SIGKILL),
//! and stopped when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::mix::{ACCOUNT_HEADER, REGION_HEADER};

/// What the fake backend answers every request (an empty Rekognition search result).
pub(crate) const BACKEND_ANSWER: &str = r#"{"FaceMatches":[]}"#;

/// A free port on loopback (free when asked; nothing else here binds ports meanwhile).
pub(crate) fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One GET on a fresh connection: the status (0 when the answer is not HTTP).
fn get_status(addr: &str, path: &str) -> Result<u16> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out[..out.len().min(16)])
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

/// Sends `signal` (TERM, KILL, …) to the process `pid` (one we started).
fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status();
}

/// Stops `child`: SIGTERM, up to `grace` to exit, then SIGKILL.
fn stop(child: &mut Child, grace: Duration) -> Result<()> {
    if child.try_wait()?.is_some() {
        return Ok(());
    }
    signal(child.id(), "TERM");
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill()?;
    child.wait()?;
    Ok(())
}

/// The last `n` bytes of a log file, for an error message.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text[text.len().saturating_sub(n)..].to_string()
}

/// CPU time process `pid` has used (user and system), in seconds; 0 once it is gone.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command (which may hold spaces) start at its closing parenthesis.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are the 14th and 15th fields; `fields` starts at the 3rd.
    (ticks(11) + ticks(12)) as f64 / clock_ticks()
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on Linux x86).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).ok().is_some_and(|s| {
                s.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

/// Peak and current resident memory of process `pid` (VmHWM, VmRSS), in KiB.
pub(crate) fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Ports of NGINX's servers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ports {
    pub(crate) backend: u16,
    /// Proxy to the backend, no `auth_request`.
    pub(crate) plain: u16,
    /// `auth_request` to the gate with its decision cache on, then the backend.
    pub(crate) cached: u16,
    /// `auth_request` to the gate with its decision cache off, then the backend.
    pub(crate) uncached: u16,
    /// `auth_request` to a stub (an NGINX server answering 204), then the backend: what
    /// `auth_request` costs with a gate that costs nothing.
    pub(crate) stubbed: u16,
    pub(crate) stub: u16,
    /// The gates the two proxies ask.
    pub(crate) gate_cached: u16,
    pub(crate) gate_uncached: u16,
}

impl Ports {
    pub(crate) fn pick() -> Result<Ports> {
        Ok(Ports {
            backend: free_port()?,
            plain: free_port()?,
            cached: free_port()?,
            uncached: free_port()?,
            stubbed: free_port()?,
            stub: free_port()?,
            gate_cached: free_port()?,
            gate_uncached: free_port()?,
        })
    }
}

/// NGINX's configuration: the backend, the stub, the plain proxy and the three asking
/// proxies. `region`, when not empty, is the region class the gateway tells the gate.
fn nginx_conf(dir: &Path, p: &Ports, workers: &str, token: &str, region: &str) -> String {
    let d = dir.display();
    let user = if is_root() { "user root;" } else { "" };
    let region = if region.is_empty() { String::new() } else { format!("proxy_set_header {REGION_HEADER} {region};") };
    let upstream =
        |name: &str, port: u16| format!("    upstream {name} {{ server 127.0.0.1:{port}; keepalive 64; }}\n");
    let answering = |port: u16, answer: &str| {
        format!(
            "    server {{\n        listen 127.0.0.1:{port} reuseport;\n        location / {{ {answer} }}\n    }}\n"
        )
    };
    let to_backend = "proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\";";
    let asking = |port: u16, gate: &str| {
        format!(
            r#"    server {{
        listen 127.0.0.1:{port} reuseport;
        location / {{
            auth_request /_candor;
            {to_backend}
        }}
        location = /_candor {{
            internal;
            proxy_pass http://{gate}/nginx;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-Method $request_method;
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header Authorization "Bearer {token}";
            {region}
        }}
    }}
"#
        )
    };
    let mut conf = format!(
        r#"# candor-bench gate: NGINX for the benchmark only (demonstration data).
{user}
worker_processes {workers};
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    keepalive_requests 10000000;
"#
    );
    conf.push_str(&upstream("backend", p.backend));
    conf.push_str(&upstream("stub", p.stub));
    conf.push_str(&upstream("gate_cached", p.gate_cached));
    conf.push_str(&upstream("gate_uncached", p.gate_uncached));
    conf.push_str(&answering(p.backend, &format!("default_type application/json; return 200 '{BACKEND_ANSWER}';")));
    conf.push_str(&answering(p.stub, "return 204;"));
    conf.push_str(&answering(p.plain, to_backend));
    conf.push_str(&asking(p.stubbed, "stub"));
    conf.push_str(&asking(p.cached, "gate_cached"));
    conf.push_str(&asking(p.uncached, "gate_uncached"));
    conf.push_str("}\n");
    conf
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// NGINX, in the foreground, from a folder of its own.
pub(crate) struct Nginx {
    child: Child,
    pub(crate) dir: PathBuf,
}

impl Nginx {
    /// Writes the configuration into `dir` and starts NGINX; returns once the plain proxy
    /// answers.
    pub(crate) fn start(dir: &Path, ports: &Ports, workers: &str, token: &str, region: &str) -> Result<Nginx> {
        std::fs::create_dir_all(dir.join("tmp"))?;
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, nginx_conf(dir, ports, workers, token, region))?;
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting nginx (apt install nginx)")?;
        let mut nginx = Nginx { child, dir: dir.to_path_buf() };
        let addr = format!("127.0.0.1:{}", ports.plain);
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = nginx.child.try_wait()? {
                bail!("nginx exited ({status}): {}", tail(&dir.join("error.log"), 2000));
            }
            if get_status(&addr, "/").is_ok_and(|s| s == 200) {
                return Ok(nginx);
            }
            if Instant::now() > until {
                bail!("nginx did not answer on {addr}: {}", tail(&dir.join("error.log"), 2000));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// CPU seconds NGINX's master and workers have used.
    pub(crate) fn cpu_seconds(&self) -> f64 {
        let master = self.child.id();
        cpu_seconds(master) + children(master).into_iter().map(cpu_seconds).sum::<f64>()
    }

    /// Errors NGINX logged (e.g. the gate unreachable), its last bytes.
    pub(crate) fn errors(&self) -> String {
        tail(&self.dir.join("error.log"), 1000)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = stop(&mut self.child, Duration::from_secs(10));
    }
}

/// How to start one `candor gate`.
pub(crate) struct GateSpec<'a> {
    pub(crate) candor: &'a Path,
    pub(crate) registry: &'a Path,
    pub(crate) policy: &'a Path,
    pub(crate) tokens: &'a Path,
    pub(crate) port: u16,
    pub(crate) cache_ttl: u64,
    /// Where the gate's standard error (its request log) goes.
    pub(crate) log: PathBuf,
}

/// A running `candor gate`.
pub(crate) struct GateProcess {
    child: Child,
    pub(crate) addr: String,
    /// Seconds from the process's start until `/healthz` answered 200.
    pub(crate) start_s: f64,
    /// Peak and current resident memory (KiB) when `/healthz` first answered 200.
    pub(crate) ready_kb: (u64, u64),
    log: PathBuf,
}

impl GateProcess {
    /// Starts the gate and waits (up to 15 minutes) for `/healthz` to answer 200.
    pub(crate) fn start(spec: &GateSpec<'_>) -> Result<GateProcess> {
        let addr = format!("127.0.0.1:{}", spec.port);
        let log = std::fs::File::create(&spec.log)?;
        let t = Instant::now();
        let child = Command::new(spec.candor)
            .arg("gate")
            .arg("--db")
            .arg(spec.registry)
            .arg("--policy-db")
            .arg(spec.policy)
            .arg("--tokens")
            .arg(spec.tokens)
            .args(["--listen", &addr, "--account-header", ACCOUNT_HEADER, "--region-header", REGION_HEADER])
            .args(["--cache-ttl", &spec.cache_ttl.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {} gate", spec.candor.display()))?;
        let mut gate = GateProcess { child, addr, start_s: 0.0, ready_kb: (0, 0), log: spec.log.clone() };
        let until = Instant::now() + Duration::from_secs(900);
        loop {
            if let Some(status) = gate.child.try_wait()? {
                bail!("candor gate exited ({status}): {}", tail(&gate.log, 2000));
            }
            if get_status(&gate.addr, "/healthz").is_ok_and(|s| s == 200) {
                gate.start_s = t.elapsed().as_secs_f64();
                gate.ready_kb = gate.memory_kb();
                return Ok(gate);
            }
            if Instant::now() > until {
                bail!("candor gate did not answer /healthz 200 on {}: {}", gate.addr, tail(&gate.log, 2000));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Peak and current resident memory (VmHWM, VmRSS), KiB.
    pub(crate) fn memory_kb(&self) -> (u64, u64) {
        memory_kb(self.child.id())
    }

    /// CPU seconds the gate has used.
    pub(crate) fn cpu_seconds(&self) -> f64 {
        cpu_seconds(self.child.id())
    }

    /// Stops the gate (SIGTERM: it writes its last counts); returns the bytes it logged.
    pub(crate) fn stop(mut self) -> Result<u64> {
        stop(&mut self.child, Duration::from_secs(30))?;
        Ok(std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0))
    }
}

impl Drop for GateProcess {
    fn drop(&mut self) {
        let _ = stop(&mut self.child, Duration::from_secs(30));
    }
}
