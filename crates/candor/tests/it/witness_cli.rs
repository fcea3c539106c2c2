//! `candor witness` as an operator runs it: init (key mode 0600), add-log (never changed),
//! serve; a log's checkpoints submitted over HTTP as tlog-witness says, cosigned, refused with
//! 409 and the witness's size when stale, and the state kept across a restart.

use std::process::Command;

use crate::common::{WitnessProcess, candor, http, text};

#[test]
fn a_witness_cosigns_a_log_refuses_stale_sizes_and_keeps_its_state() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (log_dir, w_dir) = (tmp.path().join("log"), tmp.path().join("witness"));
    let (log, wd) = (log_dir.display().to_string(), w_dir.display().to_string());
    let o = candor(&["log", "init", "--dir", &log, "--origin", "candor.example/log"]);
    assert!(o.status.success(), "{}", text(&o));
    let entry = tmp.path().join("entry");
    std::fs::write(&entry, "an entry").expect("write");
    let o = candor(&["log", "append", "--dir", &log, &entry.display().to_string()]);
    assert!(o.status.success(), "{}", text(&o));

    let o = candor(&["witness", "init", "--dir", &wd, "--name", "witness.example/w1", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let wkey = serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")["vkey"]
        .as_str()
        .expect("vkey")
        .to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w_dir.join("witness.key")).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the witness's key is private");
    }
    let again = candor(&["witness", "init", "--dir", &wd, "--name", "witness.example/w1"]);
    assert!(!again.status.success() && text(&again).contains("never overwritten"), "{}", text(&again));
    let log_vkey = std::fs::read_to_string(log_dir.join("log.vkey")).expect("vkey");
    let o = candor(&["witness", "add-log", "--dir", &wd, log_vkey.trim()]);
    assert!(o.status.success() && text(&o).contains("watching candor.example/log"), "{}", text(&o));
    let o = candor(&["witness", "add-log", "--dir", &wd, log_vkey.trim()]);
    assert!(o.status.success() && text(&o).contains("nothing changed"), "{}", text(&o));

    let checkpoint = std::fs::read(log_dir.join("public/checkpoint")).expect("checkpoint");
    let mut body = b"old 0\n\n".to_vec();
    body.extend_from_slice(&checkpoint);
    let w = WitnessProcess::start(&w_dir);
    let first = http(&w.addr, "POST", "/add-checkpoint", None, &body);
    assert_eq!(first.status, 200, "{}", first.text());
    let mut cosigned = checkpoint.clone();
    cosigned.extend_from_slice(&first.body);
    let key = tlog::cosignature::CosignatureVerifier::from_vkey(&wkey).expect("witness key");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let verdicts = tlog::cosignature::check_cosignatures(&cosigned, &[key], now + 1).expect("verifies");
    assert!(matches!(verdicts[0].1, tlog::cosignature::Cosigned::Verified { .. }), "{verdicts:?}");
    drop(w);
    // After a restart the witness remembers: old size 0 is stale now.
    let w = WitnessProcess::start(&w_dir);
    let stale = http(&w.addr, "POST", "/add-checkpoint", None, &body);
    assert_eq!(stale.status, 409, "{}", stale.text());
    assert_eq!(stale.header("content-type").as_deref(), Some("text/x.tlog.size"));
    assert_eq!(stale.text(), "1\n");
    assert_eq!(http(&w.addr, "GET", "/add-checkpoint", None, b"").status, 405);
}

/// `candor log verify --policy`: each witness the policy names is reported cosigned or absent,
/// the quorum is required (exit 1 when unmet), a forged cosignature fails, and a policy that
/// does not list the log's key fails.
#[test]
fn log_verify_checks_the_policys_witnesses_and_quorum() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log_dir = tmp.path().join("log");
    let log = log_dir.display().to_string();
    assert!(candor(&["log", "init", "--dir", &log, "--origin", "candor.example/log"]).status.success());
    let entry = tmp.path().join("entry");
    std::fs::write(&entry, "an entry").expect("write");
    assert!(candor(&["log", "append", "--dir", &log, &entry.display().to_string()]).status.success());
    let log_vkey = std::fs::read_to_string(log_dir.join("log.vkey")).expect("vkey").trim().to_string();
    let checkpoint_path = log_dir.join("public/checkpoint");
    let checkpoint = std::fs::read(&checkpoint_path).expect("checkpoint");
    // Two witnesses cosign the checkpoint.
    let mut lines = Vec::new();
    let mut keys = Vec::new();
    for name in ["w1", "w2"] {
        let dir = tmp.path().join(name);
        let home = witness::home::WitnessHome::at(&dir);
        keys.push(home.init(&format!("witness.example/{name}")).expect("init").to_vkey().expect("vkey"));
        let mut w = home.open().expect("open");
        w.state().add_log("candor.example/log", &tlog::Verifier::from_vkey(&log_vkey).expect("key"), 1).expect("add");
        let mut body = b"old 0\n\n".to_vec();
        body.extend_from_slice(&checkpoint);
        let answer = w.add_checkpoint(&body, 1_764_460_800);
        assert_eq!(answer.status, 200);
        lines.push(String::from_utf8(answer.body).expect("utf-8"));
    }
    let policy = |quorum: &str, log_key: &str| {
        let p = tmp.path().join(format!("policy-{quorum}"));
        let text = format!(
            "log {log_key}\nwitness w1 {}\nwitness w2 {}\ngroup both all w1 w2\ngroup either any w1 w2\nquorum {quorum}\n",
            keys[0], keys[1]
        );
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    };
    let (both, either) = (policy("both", &log_vkey), policy("either", &log_vkey));
    let verify = |policy: &str| candor(&["log", "verify", "--dir", &log, "--policy", policy]);
    // Only w1's cosignature on the checkpoint.
    std::fs::write(&checkpoint_path, [checkpoint.clone(), lines[0].clone().into_bytes()].concat()).expect("write");
    let o = verify(&either);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("witness w1: cosigned")
            && out.contains("witness w2: absent")
            && out.contains("quorum either: met"),
        "{out}"
    );
    let o = verify(&both);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("quorum both not met (cosigned by w1)"), "{}", text(&o));
    // Both: the stricter policy is met; JSON says the same.
    let cosigned = [checkpoint.clone(), lines[0].clone().into_bytes(), lines[1].clone().into_bytes()].concat();
    std::fs::write(&checkpoint_path, &cosigned).expect("write");
    let o = candor(&["log", "verify", "--dir", &log, "--policy", &both, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["witnessed"]["quorum_met"], true, "{v}");
    assert_eq!(v["witnessed"]["witnesses"][1]["status"], "cosigned");
    // A tlog-proof made now carries the cosigned checkpoint: verify-proof applies the policy.
    let proof = tmp.path().join("entry-0.tlog-proof").display().to_string();
    let o = candor(&["log", "prove", "0", "--dir", &log, "--out", &proof]);
    assert!(o.status.success(), "{}", text(&o));
    let entry_path = entry.display().to_string();
    let o = candor(&["log", "verify-proof", &proof, "--entry", &entry_path, "--dir", &log, "--policy", &both]);
    assert!(o.status.success() && text(&o).contains("witness w2: cosigned"), "{}", text(&o));
    // A proof made from the checkpoint with only w1's cosignature fails the stricter policy.
    std::fs::write(&checkpoint_path, [checkpoint.clone(), lines[0].clone().into_bytes()].concat()).expect("write");
    assert!(candor(&["log", "prove", "0", "--dir", &log, "--out", &proof]).status.success());
    let o = candor(&["log", "verify-proof", &proof, "--entry", &entry_path, "--dir", &log, "--policy", &both]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("quorum both not met"), "{}", text(&o));
    std::fs::write(&checkpoint_path, &cosigned).expect("write");
    // A forged cosignature (one byte of w2's signature changed) fails.
    let forged = String::from_utf8(cosigned).expect("utf-8");
    let w2_blob = lines[1].trim_end().rsplit(' ').next().expect("blob").to_string();
    let mut changed = w2_blob.clone().into_bytes();
    let i = changed.len() - 4;
    changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
    std::fs::write(&checkpoint_path, forged.replace(&w2_blob, &String::from_utf8(changed).expect("ascii")))
        .expect("write");
    let o = verify(&either);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("invalid signature by witness.example/w2"), "{}", text(&o));
    // A policy for another log.
    std::fs::write(&checkpoint_path, &checkpoint).expect("write");
    let stranger = tlog::Signer::generate("candor.example/other").expect("key").verifier().to_vkey();
    let o = verify(&policy("either", &stranger));
    assert!(!o.status.success() && text(&o).contains("does not list this log's key"), "{}", text(&o));
}

/// One submission that may meet a dead server: (status, body), or None when the connection
/// failed or was cut.
fn try_submit(addr: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5))).ok()?;
    let head = format!(
        "POST /add-checkpoint HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n")?;
    let status = String::from_utf8_lossy(&out[..split]).split_whitespace().nth(1)?.parse().ok()?;
    Some((status, out[split + 4..].to_vec()))
}

/// SIGKILL the witness at random moments while honest and forked checkpoints of one log (both
/// signed with its key) are submitted: after every restart it still knows what it cosigned,
/// every cosignature it gave verifies, everything it cosigned is one history, and a fork of what
/// it cosigned last is refused.
#[test]
fn a_witness_killed_mid_submission_never_cosigns_two_histories() {
    use tlog::cosignature::{Cosigned, check_cosignatures};
    let tmp = tempfile::tempdir().expect("tmp");
    let log_key = tlog::Signer::generate("candor.example/log").expect("key");
    // Two histories: 16 entries, the first 5 shared; every checkpoint signed with the log's key.
    let history = |tag: &str| {
        let storage = tlog::MemStorage::new();
        let key = tlog::Signer::from_private_key(&log_key.to_private_key()).expect("key");
        let mut log = tlog::LogWriter::create(storage.clone(), key).expect("log");
        let mut checkpoints = vec![log.checkpoint().to_vec()];
        for i in 0..16u64 {
            let e = if i < 5 { format!("entry {i}") } else { format!("entry {i} {tag}") };
            log.append(&[e.as_bytes()]).expect("append");
            checkpoints.push(log.checkpoint().to_vec());
        }
        (storage, checkpoints)
    };
    let histories = [history("honest"), history("fork")];
    let body = |h: usize, old: u64, new: u64| {
        let (storage, checkpoints) = &histories[h];
        let mut b = format!("old {old}\n").into_bytes();
        if old > 0 && old <= new {
            for p in tlog::TileReader::new(storage, new).consistency_proof(old).expect("proof") {
                b.extend_from_slice(format!("{}\n", p.to_base64()).as_bytes());
            }
        }
        b.push(b'\n');
        b.extend_from_slice(&checkpoints[new as usize]);
        b
    };
    let root = |h: usize, size: u64| tlog::TileReader::new(&histories[h].0, size).root().expect("root").0;
    let w_dir = tmp.path().join("witness");
    let home = witness::home::WitnessHome::at(&w_dir);
    let wkey = home.init("witness.example/w1").expect("init");
    home.open().expect("open").state().add_log("candor.example/log", &log_key.verifier(), 1).expect("add");

    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    // (history, size, cosignature line) of every 200.
    let mut cosigned: Vec<(usize, u64, String)> = Vec::new();
    let mut known = 0u64;
    for _round in 0..20 {
        let w = WitnessProcess::start(&w_dir);
        let pid = w.child.id();
        let delay = std::time::Duration::from_millis(next(60));
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        });
        for _ in 0..200 {
            let (h, size) = (next(2) as usize, 1 + next(16));
            let old = if next(4) == 0 { next(17) } else { known.min(size) };
            let Some((status, answer)) = try_submit(&w.addr, &body(h, old, size)) else { break };
            match status {
                200 => {
                    cosigned.push((h, size, String::from_utf8(answer).expect("utf-8")));
                    known = size;
                }
                409 => known = String::from_utf8_lossy(&answer).trim().parse().expect("size"),
                _ => {}
            }
        }
        killer.join().expect("killer");
        drop(w);
    }
    assert!(cosigned.len() >= 2, "some checkpoints were cosigned ({})", cosigned.len());
    eprintln!("{} cosignatures received over 20 killed runs", cosigned.len());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() + 1;
    for (h, size, line) in &cosigned {
        let note = [histories[*h].1[*size as usize].clone(), line.clone().into_bytes()].concat();
        let v = check_cosignatures(&note, std::slice::from_ref(&wkey), now).expect("each cosignature verifies");
        assert!(matches!(v[0].1, Cosigned::Verified { .. }));
    }
    // One history: each cosigned checkpoint is a prefix of every larger one.
    for a in &cosigned {
        for b in cosigned.iter().filter(|b| b.1 >= a.1) {
            assert_eq!(
                root(b.0, a.1),
                root(a.0, a.1),
                "cosigned size {} is not a prefix of cosigned size {}",
                a.1,
                b.1
            );
        }
    }
    // After the last kill the witness still refuses a fork of what it cosigned last (read from
    // its state: a kill between its commit and its answer leaves a cosignature nobody received).
    let latest = witness::state::State::open(&w_dir.join("witness.db")).expect("state").latest("candor.example/log");
    let latest = latest.expect("read").expect("something was cosigned");
    let on = usize::from(root(1, latest.size) == latest.root.0 && root(0, latest.size) != latest.root.0);
    let w = WitnessProcess::start(&w_dir);
    let (status, _) = try_submit(&w.addr, &body(1 - on, latest.size, 16)).expect("answer");
    let shared = latest.size < 5;
    assert!(status == 422 || (shared && status == 200), "a fork after size {} got {status}", latest.size);
}
