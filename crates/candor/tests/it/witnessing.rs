//! The log's side of witnessing, as an operator runs it: `candor log set-policy`, then every
//! `candor log append` asks the policy's witnesses (two `candor witness serve` processes on
//! loopback) and serves the checkpoint only with its quorum; a missing witness holds the
//! checkpoint back (exit 1, the served one unchanged) until `candor log witness`, or
//! `--witness-fail-open`, publishes it; a fork signed with the log's own key is refused by the
//! witnesses (422) and the refusal kept as evidence.

use std::path::{Path, PathBuf};

use crate::common::{WitnessProcess, candor, connect_from, copy_dir, http, raise_open_files, text};

/// A log with two witnesses watching it, both serving.
pub(crate) struct Setup {
    pub _tmp: tempfile::TempDir,
    pub log: PathBuf,
    pub witness_dirs: Vec<PathBuf>,
    pub witnesses: Vec<Option<WitnessProcess>>,
    pub policy: PathBuf,
}

pub(crate) fn setup() -> Setup {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log");
    let o = candor(&["log", "init", "--dir", &s(&log), "--origin", "candor.example/log"]);
    assert!(o.status.success(), "{}", text(&o));
    let log_vkey = std::fs::read_to_string(log.join("log.vkey")).expect("vkey").trim().to_string();
    let mut policy = format!("log {log_vkey}\n");
    let (mut witness_dirs, mut witnesses) = (Vec::new(), Vec::new());
    for name in ["w1", "w2"] {
        let dir = tmp.path().join(name);
        let o = candor(&["witness", "init", "--dir", &s(&dir), "--name", &format!("witness.example/{name}"), "--json"]);
        assert!(o.status.success(), "{}", text(&o));
        let vkey = serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")["vkey"]
            .as_str()
            .expect("vkey")
            .to_string();
        assert!(candor(&["witness", "add-log", "--dir", &s(&dir), &log_vkey]).status.success());
        let w = WitnessProcess::start(&dir);
        policy.push_str(&format!("witness {name} {vkey} http://{}\n", w.addr));
        witness_dirs.push(dir);
        witnesses.push(Some(w));
    }
    policy.push_str("group both all w1 w2\nquorum both\n");
    let policy_path = tmp.path().join("policy.txt");
    std::fs::write(&policy_path, policy).expect("policy");
    let o = candor(&["log", "set-policy", "--dir", &s(&log), &s(&policy_path)]);
    assert!(o.status.success() && text(&o).contains("trust policy saved"), "{}", text(&o));
    Setup { _tmp: tmp, log, witness_dirs, witnesses, policy: policy_path }
}

pub(crate) fn s(p: &Path) -> String {
    p.display().to_string()
}

pub(crate) fn append(log: &Path, entry: &str, extra: &[&str]) -> std::process::Output {
    let file = log.with_file_name(format!("entry-{}", entry.len()));
    std::fs::write(&file, entry).expect("entry");
    let mut args = vec!["log", "append", "--dir"];
    let (log, file) = (s(log), s(&file));
    args.push(&log);
    args.push(&file);
    args.extend_from_slice(extra);
    candor(&args)
}

pub(crate) fn served(log: &Path) -> String {
    std::fs::read_to_string(log.join("public/checkpoint")).expect("served checkpoint")
}

fn cosignatures(checkpoint: &str) -> usize {
    checkpoint.lines().filter(|l| l.starts_with("\u{2014} witness.example/")).count()
}

#[test]
fn a_witnessed_log_publishes_only_with_its_quorum() {
    let mut t = setup();
    let o = append(&t.log, "first", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("quorum both: met"), "{}", text(&o));
    let first = served(&t.log);
    assert!(first.starts_with("candor.example/log\n1\n") && cosignatures(&first) == 2, "{first}");
    let policy = s(&t.policy);
    let o = candor(&["log", "verify", &s(&t.log), "--policy", &policy]);
    assert!(o.status.success() && text(&o).contains("quorum both: met"), "{}", text(&o));

    // One witness down: the entry is durable, but the checkpoint is held back.
    let w2_addr = t.witnesses[1].as_ref().expect("w2").addr.clone();
    t.witnesses[1] = None;
    let o = append(&t.log, "second", &[]);
    assert!(!o.status.success(), "a missing quorum must fail the append: {}", text(&o));
    assert!(text(&o).contains("NOT published") && text(&o).contains("w2: unreachable"), "{}", text(&o));
    assert_eq!(served(&t.log), first, "the served checkpoint must not change without the quorum");
    let o = candor(&["log", "verify", &s(&t.log), "--policy", &policy]);
    assert!(o.status.success(), "the served log still verifies: {}", text(&o));

    // The witness is back: `candor log witness` publishes the held checkpoint.
    t.witnesses[1] = Some(WitnessProcess::start_at(&t.witness_dirs[1], &w2_addr));
    let o = candor(&["log", "witness", "--dir", &s(&t.log), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let round: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!((round["quorum_met"].as_bool(), round["size"].as_u64()), (Some(true), Some(2)), "{round}");
    let second = served(&t.log);
    assert!(second.starts_with("candor.example/log\n2\n") && cosignatures(&second) == 2, "{second}");
    // A tlog-proof made now carries the cosigned checkpoint, and checks offline with the policy.
    let proof = t.log.with_file_name("entry-1.tlog-proof");
    let o = candor(&["log", "prove", "--dir", &s(&t.log), "1", "--out", &s(&proof)]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(cosignatures(&String::from_utf8_lossy(&std::fs::read(&proof).expect("proof"))), 2);
    let entry = t.log.with_file_name("entry-6");
    let o =
        candor(&["log", "verify-proof", &s(&proof), "--entry", &s(&entry), "--dir", &s(&t.log), "--policy", &policy]);
    assert!(o.status.success() && text(&o).contains("quorum both: met"), "{}", text(&o));

    // Bootstrap: without a quorum, --witness-fail-open publishes with what it got, and the
    // policy's verifiers see the gap.
    t.witnesses[0] = None;
    let o = append(&t.log, "third", &["--witness-fail-open"]);
    assert!(o.status.success() && text(&o).contains("published anyway"), "{}", text(&o));
    let third = served(&t.log);
    assert!(third.starts_with("candor.example/log\n3\n") && cosignatures(&third) == 1, "{third}");
    let o = candor(&["log", "verify", &s(&t.log), "--policy", &policy]);
    assert!(!o.status.success() && text(&o).contains("NOT met"), "{}", text(&o));
}

#[test]
fn witnesses_refuse_a_fork_signed_with_the_logs_key_and_the_refusal_is_kept() {
    let t = setup();
    assert!(append(&t.log, "first", &[]).status.success());
    // Someone holding the log's key copies the log at size 1 and grows it differently.
    let fork = t.log.with_file_name("fork");
    copy_dir(&t.log, &fork);
    assert!(append(&t.log, "honest second", &[]).status.success());
    let honest = served(&t.log);
    let o = append(&fork, "forked second", &[]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("w1: 422") && text(&o).contains("w2: 422"), "{}", text(&o));
    let evidence: Vec<_> =
        std::fs::read_dir(fork.join("state/witness-evidence")).expect("evidence kept").flatten().collect();
    assert_eq!(evidence.len(), 2, "one piece of evidence per refusing witness");
    let kept = std::fs::read_to_string(evidence[0].path()).expect("read");
    assert!(kept.contains("candor.example/log\n2\n") && kept.contains("# answer"), "{kept}");
    assert_eq!(served(&t.log), honest, "the honest log is untouched");
    assert!(!served(&fork).starts_with("candor.example/log\n2\n"), "the fork is never published");
}

/// `candor publish` on the demo (whose two witnesses ran only while the demo did): with
/// `--witness-fail-open` the period is published, its summary says so, and every page says it
/// is not witnessed; without it, new records stay held and the report is unchanged.
#[test]
fn publish_without_the_quorum_holds_the_report_unless_told_to_fail_open() {
    let demo = crate::common::demo_copy();
    let p = |n: &str| demo.path().join(n).display().to_string();
    let publish = |extra: &[&str]| {
        let mut args = vec!["publish", "--period", "2026-Q3", "--demonstration-data", "--json"];
        let (log, db, usage, pdb) = (p("log"), p("registry.db"), p("usage.db"), p("policy.db"));
        args.extend_from_slice(&["--dir", &log, "--db", &db, "--usage-db", &usage, "--policy-db", &pdb]);
        args.extend_from_slice(extra);
        candor(&args)
    };
    let index = demo.path().join("log/public/index.html");
    // Nothing new to publish: the served checkpoint already has its quorum; nobody is asked.
    assert!(publish(&[]).status.success());
    let o = publish(&["--witness-fail-open"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(report["witnessing"]["fail_open"], true, "{report}");
    let records: serde_json::Value = crate::common::published_records(&demo.path().join("log/public"));
    let summary = records["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .rev()
        .find(|r| r["type"] == "candor.period_summary")
        .expect("a summary");
    assert_eq!(summary["record"]["witness_fail_open"], true, "{summary}");
    let page = std::fs::read_to_string(&index).expect("index");
    assert!(page.contains("<strong>Not witnessed.</strong>"), "the overview says it plainly");

    // Publishing normally again changes the summary back: those records stay held, and the
    // served checkpoint and the report do not change.
    let before = (served(&demo.path().join("log")), std::fs::read(&index).expect("index"));
    let o = publish(&[]);
    assert!(!o.status.success() && text(&o).contains("NOT published"), "{}", text(&o));
    assert_eq!((served(&demo.path().join("log")), std::fs::read(&index).expect("index")), before);
}

/// Issue 26, findings 3 and 4, end to end: while one of the log's served witnesses is flooded
/// with submissions naming the log (signed by another key in its name, with a broken
/// signature, replays of the served checkpoint with a forged cosignature appended, stale old
/// sizes), the log still publishes its next checkpoint with its quorum met, and the witness's
/// view holds the log's signature and its own cosignature, nothing else.
#[test]
fn regression_a_flooded_witness_still_cosigns_the_logs_next_checkpoint() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let t = setup();
    assert!(append(&t.log, "first", &[]).status.success());
    let first = served(&t.log);
    let addr = t.witnesses[0].as_ref().expect("w1").addr.clone();
    let checkpoint_text = format!("{}\n", first.split_once("\n\n").expect("a signed note").0);
    let impostor = tlog::Signer::generate("candor.example/log").expect("key");
    let forger = tlog::cosignature::Cosigner::generate("witness.example/w9").expect("key");
    let log_line = first.lines().find(|l| l.starts_with("\u{2014} candor.example/log ")).expect("the log's line");
    let mut broken_line = log_line.to_string().into_bytes();
    let i = broken_line.len() - 5;
    broken_line[i] = if broken_line[i] == b'A' { b'B' } else { b'A' };
    let broken_line = String::from_utf8(broken_line).expect("utf-8");
    let forged = forger.cosign(&checkpoint_text, 1).expect("cosign");
    // Each with the answers it may get (once the log moved on to size 2, old size 1 is stale).
    let flood: [(Vec<u8>, &[u16]); 4] = [
        (format!("old 1\n\n{}", impostor.sign(&checkpoint_text).expect("sign")).into_bytes(), &[403]),
        (format!("old 1\n\n{checkpoint_text}\n{broken_line}\n").into_bytes(), &[403]),
        (format!("old 1\n\n{first}{forged}").into_bytes(), &[200, 409, 429]),
        (format!("old 0\n\n{first}").into_bytes(), &[409]),
    ];
    let stop = AtomicBool::new(false);
    let (answers, appended) = std::thread::scope(|s| {
        let flooding = s.spawn(|| {
            let mut answers = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                for (n, (body, _)) in flood.iter().enumerate() {
                    answers.push((n, http(&addr, "POST", "/add-checkpoint", None, body).status));
                }
            }
            answers
        });
        // The log appends while the flood goes on.
        std::thread::sleep(std::time::Duration::from_millis(500));
        let o = append(&t.log, "second", &[]);
        stop.store(true, Ordering::Relaxed);
        (flooding.join().expect("flood"), o)
    });
    assert!(appended.status.success() && text(&appended).contains("quorum both: met"), "{}", text(&appended));
    let second = served(&t.log);
    assert!(second.starts_with("candor.example/log\n2\n") && cosignatures(&second) == 2, "{second}");
    assert!(answers.len() >= 100, "the flood sent {}", answers.len());
    for (n, status) in &answers {
        assert!(flood[*n].1.contains(status), "flood submission {n} got {status}");
    }

    let view = http(&addr, "GET", "/checkpoints/candor.example/log", None, b"");
    assert_eq!(view.status, 200, "{}", view.text());
    let view = view.text();
    assert!(view.starts_with("candor.example/log\n2\n"), "{view}");
    let lines: Vec<&str> = view.split_once("\n\n").expect("signed").1.lines().collect();
    assert_eq!(lines.len(), 2, "the log's signature and w1's cosignature only: {view}");
    assert!(
        lines[0].starts_with("\u{2014} candor.example/log ") && lines[1].starts_with("\u{2014} witness.example/w1 ")
    );
}

/// Finding F6 of the outside attack, end to end: keep-alive connections from one address held
/// open on a served witness took every connection it serves, so the log's own submission got
/// 503 and its quorum was unmet. With the per-client cap (by default a quarter of the limit)
/// the flood holds only its share, and the log, another client, is served.
#[test]
fn regression_a_witness_held_open_by_one_address_still_cosigns_the_logs_next_checkpoint() {
    use std::io::{Read, Write};
    use std::net::Ipv4Addr;
    let _alone = crate::common::machine_to_myself();
    let mut t = setup();
    assert!(append(&t.log, "first", &[]).status.success());
    // w1 again, with a header timeout long enough that no held connection is closed before the
    // log submits, and the default limits where there are file descriptors for them (the
    // witness inherits this process's limit).
    let room = raise_open_files();
    let (limit_flags, limit, flood_n): (&[&str], usize, usize) =
        if room >= 4_096 { (&[], 1_024, 1_500) } else { (&["--max-connections", "256"], 256, 400) };
    let addr = t.witnesses[0].as_ref().expect("w1").addr.clone();
    t.witnesses[0] = None;
    let mut flags = vec!["--header-timeout", "60"];
    flags.extend_from_slice(limit_flags);
    t.witnesses[0] = Some(WitnessProcess::start_with(&t.witness_dirs[0], &addr, &flags));
    // The flood, from 127.0.0.2: each connection asks once, keeping the connection alive, then
    // sits idle. The log submits from 127.0.0.1.
    let ask = format!("GET /checkpoints/candor.example/log HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let flood: Vec<std::net::TcpStream> = (0..flood_n)
        .map(|_| {
            let mut s = connect_from(Ipv4Addr::new(127, 0, 0, 2), &addr).expect("connect from 127.0.0.2");
            s.write_all(ask.as_bytes()).expect("ask");
            s
        })
        .collect();
    let o = append(&t.log, "second", &[]);
    assert!(o.status.success() && text(&o).contains("quorum both: met"), "{}", text(&o));
    let second = served(&t.log);
    assert!(second.starts_with("candor.example/log\n2\n") && cosignatures(&second) == 2, "{second}");
    // The flood was served up to its cap and shed beyond it.
    let mut shed = 0;
    for mut s in flood {
        s.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
        let mut head = Vec::new();
        let mut buf = [0u8; 256];
        while head.len() < 12 {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        shed += usize::from(head.starts_with(b"HTTP/1.1 503"));
    }
    assert_eq!(flood_n - shed, limit / 4, "served to the flooding address: its cap, no more");
}
