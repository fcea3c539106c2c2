//! What the report tests share: one demo run per test binary, copies of it, a `candor serve`
//! process, and a small HTTP client over loopback.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use tlog::{Dir, DirStorage, LocalLog, LogWriter};

pub fn candor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_candor")).args(args).output().expect("run candor")
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The demo's folder, made once per test binary (tests copy it before changing anything).
pub fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        // Under target/tmp, not /tmp: a static is never dropped, so the folder is not removed.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let o = candor(&["demo", "--no-serve", "--json", "--dir", dir.to_str().expect("utf8")]);
        assert!(o.status.success(), "{}", text(&o));
        dir
    })
}

/// The demo's verifier key.
pub fn vkey(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("log/log.vkey")).expect("vkey").trim().to_string()
}

/// The demo's two witnesses served only while `candor demo` ran: a test that appends to a
/// demo log afterwards drops its trust policy first (an operator would serve them again), so
/// the log publishes its checkpoints unwitnessed.
pub fn without_witnesses(demo: &Path) {
    std::fs::remove_file(demo.join("log/public").join(tlog::POLICY_FILE)).expect("the demo's trust policy");
}

/// A copy of the demo in a fresh temporary folder.
pub fn demo_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dir(demo(), tmp.path());
    tmp
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("dir").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(e.path()).expect("meta").permissions().mode();
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode)).expect("chmod");
            }
        }
    }
}

/// A `candor serve` process on a demo folder; killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// Serves `dir` (a demo folder) on `listen` (`127.0.0.1:0` for any free port).
    pub fn start(dir: &Path, listen: &str) -> Server {
        Server::start_with(dir, listen, &[])
    }

    /// Like [`Server::start`], with more flags.
    pub fn start_with(dir: &Path, listen: &str, flags: &[&str]) -> Server {
        let p = |n: &str| dir.join(n).display().to_string();
        Server::start_on(dir, [&p("registry.db"), &p("policy.db"), &p("usage.db")], listen, flags)
    }

    /// Serves `dir`'s log and tokens with the registry, policy and usage stores at `stores`
    /// (files or PostgreSQL URLs).
    pub fn start_on(dir: &Path, stores: [&str; 3], listen: &str, flags: &[&str]) -> Server {
        let p = |n: &str| dir.join(n).display().to_string();
        let [registry, policy, usage] = stores;
        let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
        command
            .args(["serve", "--dir", &p("log"), "--db", registry, "--policy-db", policy])
            .args(["--usage-db", usage, "--tokens", &p("tokens"), "--listen", listen])
            .args(flags);
        Server::spawn(command)
    }

    /// `candor gate` over a demo folder's registry and tokens, with the policy store at
    /// `policy_db` (the folder's own, or another), on a free loopback port.
    pub fn gate(dir: &Path, policy_db: &Path, flags: &[&str]) -> Server {
        let p = |n: &str| dir.join(n).display().to_string();
        let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
        command
            .args(["gate", "--db", &p("registry.db"), "--policy-db", &policy_db.display().to_string()])
            .args(["--tokens", &p("tokens"), "--listen", "127.0.0.1:0"])
            .args(flags);
        Server::spawn(command)
    }

    /// Runs `command` (a candor server), its address read from the banner on its first line.
    fn spawn(mut command: Command) -> Server {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn a candor server");
        let addr = banner_address(&mut child);
        // Drain the request log, so a busy test never fills the pipe.
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Server { child, addr, log }
    }

    /// Stops the server as an operator or a load balancer would (SIGTERM), and waits: its
    /// exit status, and everything it wrote on stderr.
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(sent.success(), "kill -TERM {pid}");
        let status = self.child.wait().expect("wait");
        // The stderr reader ends with the process; give it a moment to take the last bytes.
        std::thread::sleep(std::time::Duration::from_millis(100));
        (status, self.log())
    }

    /// What the server wrote on stderr so far (its request log).
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// One request, raw: the path goes on the wire exactly as given (so `..` is not cleaned).
pub fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Answer {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.insert(0, ("Authorization", a.as_str()));
    }
    http_with(addr, method, path, &headers, body)
}

/// One request, raw, with exactly these headers (besides Host, Content-Length and
/// Connection: close); a header given twice is sent twice.
pub fn http_with(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect");
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("write");
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(out.len());
    let headers = String::from_utf8_lossy(&out[..split]).into_owned();
    let status = headers.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let mut body = out.get(split + 4..).unwrap_or_default().to_vec();
    if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Answer { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
    out
}

/// Makes a token of `role` in the demo folder's tokens file.
pub fn token(dir: &Path, role: &str, label: &str) -> String {
    let o = candor(&[
        "policy",
        "token",
        "--role",
        role,
        "--label",
        label,
        "--tokens",
        &dir.join("tokens").display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The size of the log in a public folder.
pub fn size(public: &Path) -> u64 {
    std::fs::read_to_string(public.join("checkpoint")).expect("cp").lines().nth(1).expect("size").parse().expect("n")
}

/// A log with the demo's key and a different history: entry 1 altered, then the period
/// published again on top, so the site is self-consistent but the history was rewritten.
pub fn rewrite_history(demo: &Path) -> tempfile::TempDir {
    let a_public = demo.join("log/public");
    let entries = publish::entries::read_all(&Dir::new(&a_public), size(&a_public)).expect("entries");
    let entries: Vec<Vec<u8>> = entries.iter().map(|e| e.to_vec()).collect();
    let b = tempfile::tempdir().expect("tmp");
    copy_dir(demo, b.path());
    without_witnesses(b.path());
    let home = b.path().join("log");
    std::fs::remove_dir_all(home.join("public/tile")).expect("rm tiles");
    std::fs::remove_file(home.join("public/checkpoint")).expect("rm checkpoint");
    std::fs::remove_dir_all(home.join("state")).expect("rm state");
    let signer = LocalLog::at(&home).signer().expect("the demo's key");
    let storage = DirStorage::open(home.join("public"), home.join("state")).expect("storage");
    let mut w = LogWriter::create(storage, signer).expect("writer");
    let mut rewritten = entries.clone();
    rewritten[1] =
        String::from_utf8_lossy(&entries[1]).replacen("demonstration data", "demonstration-data", 1).into_bytes();
    assert_ne!(rewritten[1], entries[1]);
    w.append(&rewritten).expect("append");
    drop(w);
    let p = |n: &str| b.path().join(n).display().to_string();
    let o = candor(&[
        "publish",
        "--period",
        "2026-Q3",
        "--demonstration-data",
        "--dir",
        &p("log"),
        "--db",
        &p("registry.db"),
        "--usage-db",
        &p("usage.db"),
        "--policy-db",
        &p("policy.db"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    b
}

/// Held by tests that load the machine or time it (thousands of connections and timeouts;
/// an external fuzzer of the API; Chromium), so that they do not run at once: on two cores the
/// load of one would decide the timing of the other.
pub fn machine_to_myself() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The address a server prints on its first line (`… http://ADDR/…`), read from its stdout.
pub fn banner_address(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout")).read_line(&mut line).expect("banner");
    line.split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string()
}

/// This process's open-file limits (soft, hard), from /proc.
pub fn open_file_limits() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let line = text.lines().find(|l| l.starts_with("Max open files")).unwrap_or("");
    let mut n = line.split_whitespace().skip(3).map(|v| v.parse::<u64>().unwrap_or(u64::MAX));
    (n.next().unwrap_or(1024), n.next().unwrap_or(1024))
}

/// Raises this process's soft open-file limit towards 16,384 (within the hard limit) with
/// util-linux `prlimit` (std has no setrlimit, and this project forbids unsafe code); returns
/// the soft limit in force.
pub fn raise_open_files() -> u64 {
    let (soft, hard) = open_file_limits();
    let want = hard.min(16_384);
    if want > soft {
        let _ = std::process::Command::new("prlimit")
            .args(["--pid", &std::process::id().to_string(), &format!("--nofile={want}:{hard}")])
            .status();
    }
    open_file_limits().0
}

/// A connection to `addr` from the loopback address `from` (Linux routes all of 127.0.0.0/8 to
/// loopback, so 127.0.0.2 is another client than 127.0.0.1 to a server).
pub fn connect_from(from: std::net::Ipv4Addr, addr: &str) -> std::io::Result<TcpStream> {
    let addr: std::net::SocketAddr =
        addr.parse().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{addr}: {e}")))?;
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&std::net::SocketAddr::from((from, 0)).into())?;
    socket.connect(&addr.into())?;
    Ok(socket.into())
}

/// A `candor witness serve` process, killed when dropped.
pub struct WitnessProcess {
    pub child: Child,
    pub addr: String,
}

impl WitnessProcess {
    /// Serves the witness home `dir` on a free loopback port.
    pub fn start(dir: &Path) -> WitnessProcess {
        WitnessProcess::start_at(dir, "127.0.0.1:0")
    }

    /// Serves the witness home `dir` on `listen`.
    pub fn start_at(dir: &Path, listen: &str) -> WitnessProcess {
        WitnessProcess::start_with(dir, listen, &[])
    }

    /// Serves the witness home `dir` on `listen` with more flags (limits, say).
    pub fn start_with(dir: &Path, listen: &str, flags: &[&str]) -> WitnessProcess {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
            .args(["witness", "serve", "--dir", &dir.display().to_string(), "--listen", listen])
            .args(flags)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn witness");
        let addr = banner_address(&mut child);
        WitnessProcess { child, addr }
    }
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publishes `period` in a demo folder from its own stores (its witnesses dropped first by the
/// caller), as demonstration data; panics with candor's output when it fails.
pub fn publish_demo(dir: &Path, period: &str) {
    let p = |n: &str| dir.join(n).display().to_string();
    let (log, db, pdb, udb) = (p("log"), p("registry.db"), p("policy.db"), p("usage.db"));
    let o = candor(&[
        "publish",
        "--period",
        period,
        "--dir",
        &log,
        "--db",
        &db,
        "--policy-db",
        &pdb,
        "--usage-db",
        &udb,
        "--demonstration-data",
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

/// `candor verify` of a demo folder's report with its own key; panics with the faults.
pub fn verify_demo(dir: &Path) {
    let o = candor(&["verify", &dir.join("log/public").display().to_string(), "--vkey", &vkey(dir)]);
    assert!(o.status.success(), "{}", text(&o));
}

/// The gate's tests' callers, all fictional: an account of the demo's Lakemoor County
/// Sheriff's Office (a law-enforcement agency, confirmed by the reference), one of the Harbor
/// City Police Department (an agency with a registered missing-persons use), an ordinary
/// company's account (linked by [`gate_demo`] to an organisation with no law-enforcement
/// role) and an account linked to nothing.
pub const SHERIFF_ACCOUNT: &str = "demo-acct-00001";
pub const HARBOR_CITY_ACCOUNT: &str = "demo-acct-00004";
pub const COMPANY_ACCOUNT: &str = "acct-example-cloud-1";
pub const UNLINKED_ACCOUNT: &str = "acct-nobody-knows-1";

/// A copy of the demo in which [`COMPANY_ACCOUNT`] is imported, screened and linked by a
/// reviewer to "Example Cloud (fictional)", a company the registry gives no law-enforcement
/// role; its witnesses are dropped, so a test may activate another policy version.
pub fn gate_demo() -> tempfile::TempDir {
    let demo = demo_copy();
    let dir = demo.path();
    without_witnesses(dir);
    let p = |n: &str| dir.join(n).display().to_string();
    let ok = |args: &[&str]| {
        let o = candor(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    std::fs::write(
        dir.join("company-account.csv"),
        format!("account_id,legal_name,state,uei\n{COMPANY_ACCOUNT},Example Cloud (fictional),,DEMOCLOUD001\n"),
    )
    .expect("write");
    let (db, pdb, udb) = (p("registry.db"), p("policy.db"), p("usage.db"));
    ok(&["registry", "import", "accounts", &p("company-account.csv"), "--db", &db]);
    ok(&["screen", "--db", &db]);
    let queue: serde_json::Value =
        serde_json::from_str(&ok(&["review", "list", "--db", &db, "--usage-db", &udb, "--policy-db", &pdb, "--json"]))
            .expect("json");
    let id = queue["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["account"]["id"] == COMPANY_ACCOUNT)
        .and_then(|r| r["proposal_id"].as_i64())
        .unwrap_or_else(|| panic!("{COMPANY_ACCOUNT} is not proposed: {queue}"));
    ok(&[
        "review",
        "accept",
        &id.to_string(),
        "--reviewer",
        "reviewer-7",
        "--reason",
        "the account's UEI is the company's (demonstration data)",
        "--db",
        &db,
        "--usage-db",
        &udb,
        "--policy-db",
        &pdb,
    ]);
    demo
}

/// `python3`, if this machine has it (skipped locally without; a failure under CI=true).
pub fn python3() -> Option<&'static str> {
    let found = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        crate::skip("python3 is not installed");
    }
    found.then_some("python3")
}

/// Every record row a report folder's downloads list (`data/records.json`'s parts), as
/// `{"rows": [...]}` in the layout of one file.
pub fn published_records(public: &std::path::Path) -> serde_json::Value {
    serde_json::json!({"rows": publish::site::parts::read_rows(public, "records.json").expect("the records' parts")})
}
