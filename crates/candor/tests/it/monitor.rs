//! `candor monitor` as a journalist or auditor runs it, against a witnessed log on loopback:
//! a watched organisation's new record, a correction, an entry that is not a record and a log
//! whose history was rewritten under the same key (consistency break) each raise exactly one
//! alert naming the right item, once, from a folder or over HTTP; a fork shown to the monitor
//! while the witnesses hold the honest history (split view) raises one per witness; the webhook
//! receiver on loopback and the exec program get the same JSON; a conflict's two signed
//! checkpoints are kept as proof; a feed beside a configuration named without a folder is
//! written without a spurious error.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;

use serde_json::Value;

use crate::common::{candor, copy_dir, text};
use crate::witnessing::{append, s, served, setup};

/// A webhook receiver on loopback: answers 200 and passes each request's body on.
fn webhook() -> (String, mpsc::Receiver<Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let _ = reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if let Ok(v) = serde_json::from_slice(&body) {
                let _ = tx.send(v);
            }
        }
    });
    (url, rx)
}

/// Writes a configuration following `source` and returns its path.
fn config(dir: &Path, source: &Path, vkey: &str, policy: &Path, hook: &str) -> std::path::PathBuf {
    let path = dir.join("monitor.toml");
    let exec_file = s(&dir.join("exec-alerts.jsonl"));
    let (source, policy) = (s(source), s(policy));
    std::fs::write(
        &path,
        format!(
            "state_dir = \"monitor-state\"\nheartbeat_hours = 0\nfailures_before_alert = 2\n\n\
             [[log]]\nsource = {source:?}\nvkey = {vkey:?}\npolicy = {policy:?}\n\n\
             [watch]\norganisations = [\"Lakemoor County Sheriff's Office (fictional)\"]\n\
             capabilities = [\"face_identification\"]\nrecord_kinds = [\"correction\"]\n\n\
             [alerts]\nwebhook = {hook:?}\nexec = [\"sh\", \"-c\", \"cat >> {exec_file}\"]\natom = \"alerts.xml\"\n",
        ),
    )
    .expect("config");
    path
}

/// One `candor monitor --once`: its alerts (JSON lines on stdout).
fn poll(config: &Path) -> Vec<Value> {
    let o = candor(&["monitor", "--config", &s(config), "--once"]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn record(json: &str) -> String {
    json.to_string()
}

#[test]
fn watched_items_alert_once_each_and_reach_every_sink() {
    let t = setup();
    let vkey = std::fs::read_to_string(t.log.join("log.vkey")).expect("vkey").trim().to_string();
    let (hook, received) = webhook();
    let dir = t.log.parent().expect("tmp").join("monitor");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let config = config(&dir, &t.log, &vkey, &t.policy, &hook);

    // A fictional agency's usage record, another organisation's (whole records of the format:
    // organisations are read from records the format defines), then nothing new.
    let lakemoor = record(
        r#"{"type":"candor.organisation_usage","demonstration_data":true,"period":"2026-Q3","organisation":{"name":"Lakemoor County Sheriff's Office (fictional)","kind":"local_agency","law_enforcement_role":"agency","role_status":"confirmed","jurisdiction":{},"evidence":{"summary":"fictional","sources":[]}},"usage":[{"capability":"compute","service":"Example","region_class":"commercial","unit":"Hours","volume_band":"1–9"}],"depends_on":[]}"#,
    );
    assert!(append(&t.log, &lakemoor, &[]).status.success());
    let other = record(
        r#"{"type":"candor.organisation_usage","demonstration_data":true,"period":"2026-Q3","organisation":{"name":"Northwind Detention Services Inc. (fictional)","kind":"local_agency","law_enforcement_role":"agency","role_status":"confirmed","jurisdiction":{},"evidence":{"summary":"fictional","sources":[]}},"usage":[{"capability":"storage","service":"Example","region_class":"commercial","unit":"Hours","volume_band":"1–9"}],"depends_on":[]}"#,
    );
    assert!(append(&t.log, &other, &[]).status.success());
    let alerts = poll(&config);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "watch");
    assert_eq!(alerts[0]["item"], "organisation Lakemoor County Sheriff's Office (fictional)");
    assert_eq!(alerts[0]["index"], 0);
    let got = received.recv_timeout(std::time::Duration::from_secs(10)).expect("the webhook got the alert");
    assert_eq!(got, alerts[0]);
    assert!(poll(&config).is_empty(), "nothing new, nothing raised");

    // A correction and an entry that is not a record: one alert each.
    let correction = record(
        r#"{"type":"candor.correction","demonstration_data":true,"corrects":{"index":1},"reason":"wrong period","replacement":null}"#,
    );
    assert!(append(&t.log, &correction, &[]).status.success());
    assert!(append(&t.log, "not json", &[]).status.success());
    let alerts = poll(&config);
    let kinds: Vec<(&str, &str, u64)> = alerts
        .iter()
        .map(|a| {
            (a["kind"].as_str().unwrap_or(""), a["item"].as_str().unwrap_or(""), a["index"].as_u64().unwrap_or(99))
        })
        .collect();
    assert_eq!(kinds, vec![("watch", "record kind correction", 2), ("unparseable_entry", "", 3)], "{alerts:?}");
    let exec: Vec<Value> = std::fs::read_to_string(dir.join("exec-alerts.jsonl"))
        .expect("exec sink")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(exec.len(), 3, "the exec program got every alert: {exec:?}");
    let feed = std::fs::read_to_string(dir.join("alerts.xml")).expect("atom");
    assert_eq!(feed.matches("<entry>").count(), 3, "{feed}");

    // A witness that stops answering alerts only once its failures persist (2 polls here).
    let mut t = t;
    t.witnesses[0] = None;
    assert!(poll(&config).is_empty(), "one failed poll is not yet an alert");
    let alerts = poll(&config);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "unreachable");
    assert!(poll(&config).is_empty(), "a persisting failure alerts once");
}

#[test]
fn a_rewritten_history_and_a_split_view_each_alert_once_with_proof() {
    let t = setup();
    let vkey = std::fs::read_to_string(t.log.join("log.vkey")).expect("vkey").trim().to_string();
    let (hook, _received) = webhook();
    let tmp = t.log.parent().expect("tmp").to_path_buf();
    assert!(append(&t.log, "honest 0", &[]).status.success());

    // Someone with the log's key grows a copy of the log at size 1 differently, unwitnessed.
    let fork = tmp.join("fork");
    copy_dir(&t.log, &fork);
    std::fs::remove_file(fork.join("public").join(tlog::POLICY_FILE)).expect("the fork drops its witnesses");
    assert!(append(&fork, "forked 1", &[]).status.success());
    assert!(append(&t.log, "honest 1", &[]).status.success());
    assert_ne!(served(&fork).lines().nth(2), served(&t.log).lines().nth(2));

    // Split view: a monitor shown the fork sees that the witnesses cosigned another history.
    let shown_fork = tmp.join("monitor-fork");
    std::fs::create_dir_all(&shown_fork).expect("mkdir");
    let config_fork = config(&shown_fork, &fork, &vkey, &t.policy, &hook);
    // (The entries are not records: each also raises an unparseable_entry alert, not counted here.)
    // One alert per witness, each proven by that witness's cosignature on the other history.
    let alerts: Vec<Value> = poll(&config_fork).into_iter().filter(|a| a["kind"] == "split_view").collect();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    for (alert, w) in alerts.iter().zip(["w1", "w2"]) {
        assert!(alert["message"].as_str().expect("message").contains(&format!("witness {w} cosigned")), "{alert}");
        let proof = &alert["proof"];
        assert_eq!(proof["checkpoints"].as_array().map(Vec::len), Some(2));
        assert_eq!(proof["checkpoints"][0], served(&fork).as_str());
        let view = proof["checkpoints"][1].as_str().expect("the witness's view");
        assert!(view.contains(&format!("\n\u{2014} witness.example/{w} ")), "{view}");
        assert!(Path::new(proof["file"].as_str().expect("file")).exists());
    }
    assert!(poll(&config_fork).iter().all(|a| a["kind"] != "split_view"), "a standing split view alerts once");

    // Consistency break: the monitor verified the honest log; then the history it serves is
    // replaced by one that does not extend it.
    let follows = tmp.join("monitor-honest");
    std::fs::create_dir_all(&follows).expect("mkdir");
    let mirror = tmp.join("mirror");
    copy_dir(&t.log.join("public"), &mirror);
    let config_honest = config(&follows, &mirror, &vkey, &t.policy, &hook);
    assert!(poll(&config_honest).iter().all(|a| a["kind"] == "unparseable_entry"));
    assert!(append(&fork, "forked 2", &[]).status.success());
    std::fs::remove_dir_all(&mirror).expect("rm");
    copy_dir(&fork.join("public"), &mirror);
    let alerts: Vec<Value> = poll(&config_honest).into_iter().filter(|a| a["kind"] == "consistency").collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let checkpoints = alerts[0]["proof"]["checkpoints"].as_array().expect("proof");
    assert!(checkpoints[0].as_str().expect("old").contains("\n2\n"), "{checkpoints:?}");
    assert!(checkpoints[1].as_str().expect("new").contains("\n3\n"), "{checkpoints:?}");
    assert!(poll(&config_honest).iter().all(|a| a["kind"] != "consistency"), "alerted once");
}

#[test]
fn the_configuration_reloads_on_sighup() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log");
    assert!(candor(&["log", "init", "--dir", &s(&log), "--origin", "candor.example/log"]).status.success());
    let vkey = std::fs::read_to_string(log.join("log.vkey")).expect("vkey").trim().to_string();
    let config = tmp.path().join("monitor.toml");
    let write = |heartbeat: u32| {
        let text = format!(
            "state_dir = \"state\"\npoll_seconds = 1\nheartbeat_hours = {heartbeat}\n[[log]]\nsource = {:?}\nvkey = {vkey:?}\n",
            s(&log)
        );
        std::fs::write(&config, text).expect("config");
    };
    write(0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["monitor", "--config", &s(&config)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(rx.try_recv().is_err(), "no heartbeat configured, nothing to say");
    // A heartbeat every 24 hours: due at once after the reload.
    write(24);
    let hup = std::process::Command::new("kill").args(["-HUP", &child.id().to_string()]).status().expect("kill");
    assert!(hup.success());
    let line = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("an alert after the reload");
    let _ = child.kill();
    let _ = child.wait();
    let alert: Value = serde_json::from_str(&line).expect("json");
    assert_eq!(alert["kind"], "heartbeat", "{alert}");
}

/// A static file server on loopback for `root` (GET only, one request per connection).
fn static_server(root: std::path::PathBuf) -> String {
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

#[test]
fn a_log_is_followed_over_http_as_from_a_folder() {
    let t = setup();
    let vkey = std::fs::read_to_string(t.log.join("log.vkey")).expect("vkey").trim().to_string();
    let correction = record(
        r#"{"type":"candor.correction","demonstration_data":true,"corrects":{"index":0},"reason":"test","replacement":null}"#,
    );
    assert!(append(&t.log, &correction, &[]).status.success());
    let url = static_server(t.log.join("public"));
    let dir = t.log.parent().expect("tmp").join("monitor-http");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (hook, _received) = webhook();
    let config = config(&dir, Path::new(&url), &vkey, &t.policy, &hook);
    assert!(std::fs::read_to_string(&config).expect("config").contains(&format!("source = {url:?}")));
    let alerts = poll(&config);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0]["item"].as_str(), alerts[0]["index"].as_u64()), (Some("record kind correction"), Some(0)));
}

/// Issue 26, finding 11b: with the configuration named without a folder (`--config
/// monitor.toml`, run from its folder) and `atom = "alerts.xml"`, the feed was written but the
/// monitor reported "No such file or directory": it synced the feed's folder as the empty path.
#[test]
fn regression_a_feed_beside_a_configuration_named_without_a_folder_is_written_without_an_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log");
    assert!(candor(&["log", "init", "--dir", &s(&log), "--origin", "candor.example/log"]).status.success());
    let vkey = std::fs::read_to_string(log.join("log.vkey")).expect("vkey").trim().to_string();
    let config = format!(
        "state_dir = \"state\"\nheartbeat_hours = 1\n\n[[log]]\nsource = \"log\"\nvkey = {vkey:?}\n\n\
         [alerts]\natom = \"alerts.xml\"\n"
    );
    std::fs::write(tmp.path().join("monitor.toml"), config).expect("config");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["monitor", "--config", "monitor.toml", "--once"])
        .current_dir(tmp.path())
        .output()
        .expect("run candor");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "", "nothing failed, so nothing is reported");
    let feed = std::fs::read_to_string(tmp.path().join("alerts.xml")).expect("the feed");
    assert!(feed.contains("<entry>") && feed.contains("heartbeat"), "{feed}");
}
