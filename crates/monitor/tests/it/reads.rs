//! What a poll fetches, counted by a file server on loopback: one GET per new entry bundle and
//! per new or grown tile, none of what was verified before, the same watch alerts as a full
//! read; a log started `now` reads none of its old bundles and alerts only on what follows; a
//! state written before frontiers were kept still loads and is completed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tlog::{DirStorage, LocalLog, LogWriter};

/// GETs per path.
type Counts = Arc<Mutex<BTreeMap<String, u32>>>;

/// Serves the files under `root` over HTTP/1.1 on loopback (one request per connection),
/// counting the GETs of each path; its base URL.
fn counting_server(root: PathBuf, counts: Counts) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_string();
            if let Ok(mut c) = counts.lock() {
                *c.entry(path.clone()).or_default() += 1;
            }
            let answer = match std::fs::read(root.join(&path)) {
                Ok(body) if !path.contains("..") => {
                    let mut a =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                            .into_bytes();
                    a.extend_from_slice(&body);
                    a
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            };
            let _ = reader.get_mut().write_all(&answer);
        }
    });
    url
}

/// A log served over HTTP by the counting server, and a monitor following it.
struct Served {
    _tmp: tempfile::TempDir,
    writer: LogWriter<DirStorage>,
    counts: Counts,
    config: PathBuf,
}

impl Served {
    /// An empty log; the monitor watches `policy_version` records and starts as `start_at` says.
    fn new(start_at: &str) -> Served {
        let tmp = tempfile::tempdir().expect("tmp");
        let home = LocalLog::at(tmp.path().join("log"));
        let writer = home.init(crate::ORIGIN).expect("init");
        let vkey = home.signer().expect("key").verifier().to_vkey();
        let counts = Counts::default();
        let url = counting_server(home.public_dir(), counts.clone());
        let config = tmp.path().join("monitor.toml");
        let text = format!(
            "state_dir = \"state\"\nheartbeat_hours = 0\n\n[[log]]\nsource = {url:?}\nvkey = {vkey:?}\n\
             start_at = {start_at:?}\n\n[watch]\nrecord_kinds = [\"policy_version\"]\n\n[alerts]\nstdout = false\n"
        );
        std::fs::write(&config, text).expect("config");
        Served { _tmp: tmp, writer, counts, config }
    }

    /// Appends entries up to `size`: a `policy_version` record at each index of `matching`, an
    /// entry that is not JSON at each of `garbage`, a note elsewhere.
    fn grow_to(&mut self, size: u64, matching: &[u64], garbage: &[u64]) {
        let entries: Vec<String> = (self.writer.size()..size)
            .map(|i| match i {
                _ if matching.contains(&i) => format!(r#"{{"type":"candor.policy_version","n":{i}}}"#),
                _ if garbage.contains(&i) => format!("not json {i}"),
                _ => format!(r#"{{"type":"candor.note","n":{i}}}"#),
            })
            .collect();
        self.writer.append(&entries).expect("append");
    }

    /// One poll: its alerts as (kind, index), and the GETs it made per path.
    fn poll(&self) -> (Vec<(&'static str, u64)>, BTreeMap<String, u32>) {
        self.counts.lock().expect("counts").clear();
        let alerts = poll_config(&self.config);
        (alerts, std::mem::take(&mut *self.counts.lock().expect("counts")))
    }

    fn state(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.config.with_file_name("state").join("state.json")).expect("state");
        serde_json::from_str(&text).expect("json")
    }
}

/// One poll of the monitor configured at `config`: its alerts as (kind, index).
fn poll_config(config: &Path) -> Vec<(&'static str, u64)> {
    let loaded = monitor::config::Config::load(config).expect("config");
    let alerts = monitor::poll_once(&loaded, config, &mut Vec::new()).expect("poll");
    alerts.iter().map(|a| (a.kind, a.index.unwrap_or(u64::MAX))).collect()
}

/// Each path fetched once.
fn once(paths: &[&str]) -> BTreeMap<String, u32> {
    paths.iter().map(|p| (p.to_string(), 1)).collect()
}

#[test]
fn a_poll_fetches_each_new_bundle_and_tile_once_and_nothing_verified_before() {
    let mut log = Served::new("start");
    log.grow_to(300, &[7, 290], &[]);
    let (alerts, gets) = log.poll();
    assert_eq!(alerts, [("watch", 7), ("watch", 290)]);
    assert_eq!(
        gets,
        once(&[
            "checkpoint",
            "tile/0/000",
            "tile/0/001.p/44",
            "tile/1/000.p/1",
            "tile/entries/000",
            "tile/entries/001.p/44"
        ]),
        "the first poll reads the whole log, each resource once"
    );

    // 600 more entries: bundle 1 grows full, bundles 2 and 3 are new, the level-1 tile grows.
    log.grow_to(900, &[400, 899], &[650]);
    let (alerts, gets) = log.poll();
    assert_eq!(alerts, [("watch", 400), ("unparseable_entry", 650), ("watch", 899)]);
    assert_eq!(
        gets,
        once(&[
            "checkpoint",
            "tile/0/001",
            "tile/0/002",
            "tile/0/003.p/132",
            "tile/1/000.p/3",
            "tile/entries/001",
            "tile/entries/002",
            "tile/entries/003.p/132"
        ]),
        "only what is new, each once: bundle and tile 0 and the old partials are not fetched again"
    );

    let (alerts, gets) = log.poll();
    assert_eq!((alerts, gets), (vec![], once(&["checkpoint"])), "nothing new: the checkpoint alone");

    // Five more: only the last bundle and its tile grow; the level-1 tile keeps its width.
    log.grow_to(905, &[904], &[]);
    let (alerts, gets) = log.poll();
    assert_eq!(alerts, [("watch", 904)]);
    assert_eq!(gets, once(&["checkpoint", "tile/0/003.p/137", "tile/entries/003.p/137"]));

    // The same alerts as a monitor reading the whole log in one poll.
    let whole = log.config.with_file_name("whole.toml");
    let text = std::fs::read_to_string(&log.config).expect("config");
    std::fs::write(&whole, text.replace("state_dir = \"state\"", "state_dir = \"state-whole\"")).expect("config");
    assert_eq!(
        poll_config(&whole),
        [("watch", 7), ("watch", 290), ("watch", 400), ("unparseable_entry", 650), ("watch", 899), ("watch", 904)]
    );
}

#[test]
fn a_log_started_now_reads_no_old_bundle_and_alerts_only_on_what_follows() {
    let mut log = Served::new("now");
    log.grow_to(300, &[7, 290], &[100]);
    let (alerts, gets) = log.poll();
    assert_eq!(alerts, []);
    assert_eq!(
        gets,
        once(&["checkpoint", "tile/0/001.p/44", "tile/1/000.p/1"]),
        "the checkpoint and the right edge of the tree, no entry bundle"
    );
    assert!(log.state()["logs"].as_object().expect("logs").values().all(|l| l["frontier"].is_string()));

    log.grow_to(900, &[400], &[]);
    let (alerts, gets) = log.poll();
    assert_eq!(alerts, [("watch", 400)]);
    assert_eq!(
        gets,
        once(&[
            "checkpoint",
            "tile/0/001",
            "tile/0/002",
            "tile/0/003.p/132",
            "tile/1/000.p/3",
            "tile/entries/001",
            "tile/entries/002",
            "tile/entries/003.p/132"
        ]),
        "what is new, as for a log verified from the start"
    );
}

#[test]
fn a_state_without_a_frontier_loads_reads_the_log_once_and_keeps_one() {
    let mut log = Served::new("start");
    log.grow_to(300, &[7], &[]);
    assert_eq!(log.poll().0, [("watch", 7)]);
    // The state as a monitor before frontiers wrote it: the checkpoint, no frontier.
    let mut state = log.state();
    for l in state["logs"].as_object_mut().expect("logs").values_mut() {
        l.as_object_mut().expect("log").remove("frontier");
    }
    let path = log.config.with_file_name("state").join("state.json");
    std::fs::write(&path, serde_json::to_vec(&state).expect("json")).expect("write");
    let loaded = monitor::state::State::load(&log.config.with_file_name("state")).expect("an old state loads");
    assert!(loaded.logs.values().all(|l| l.checkpoint.is_some() && l.frontier.is_none()));

    log.grow_to(600, &[400], &[]);
    let (alerts, gets) = log.poll();
    assert_eq!(alerts, [("watch", 400)], "entries before its checkpoint are not matched again");
    assert_eq!(gets.get("tile/entries/000"), Some(&1), "read whole once: {gets:?}");
    assert!(log.state()["logs"].as_object().expect("logs").values().all(|l| l["frontier"].is_string()));

    log.grow_to(700, &[650], &[]);
    let (alerts, gets) = log.poll();
    assert_eq!(alerts, [("watch", 650)]);
    assert_eq!(gets.get("tile/entries/000"), None, "then only what is new: {gets:?}");
}
