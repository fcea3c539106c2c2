//! What anyone can send a witness, since tlog-witness authenticates nothing but the log's
//! signature: submissions naming a log without its signature, replays of the log's public
//! checkpoints, and valid checkpoints carrying lines the witness cannot vouch for. None of them
//! may keep the log's own next checkpoint from being cosigned, write to the state on every
//! request, or end up in what the witness keeps and serves (issue 26, findings 3 and 4).

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use tlog::cosignature::{Cosigned, Cosigner, check_cosignatures};
use tlog::{Checkpoint, Signer};
use tower::ServiceExt as _;
use witness::Witness;
use witness::rate::RateLimit;
use witness::state::State;

use crate::{History, ORIGIN};

const T0: u64 = 1_764_460_800;

/// `GET path` on the witness's router, without a socket: (status, body).
fn get(w: &Arc<Mutex<Witness>>, path: &str) -> (u16, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        let request = Request::get(path).body(Body::empty()).expect("request");
        let response = witness::http::router(w.clone()).oneshot(request).await.expect("answer");
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        (status, body.to_vec())
    })
}

/// A witness over a state in `dir`, with its key given as text (so it can be reopened).
fn open(dir: &std::path::Path, key: &str, log: &Signer) -> Witness {
    let mut state = State::open(&dir.join("witness.db")).expect("state");
    state.add_log(ORIGIN, &log.verifier(), 1).expect("add");
    Witness::new(Cosigner::from_private_key(key).expect("key"), state)
}

/// `body` with a character of its last signature line's signature changed (away from the
/// padding, so the line still parses).
fn flip(mut body: Vec<u8>) -> Vec<u8> {
    let n = body.len();
    body[n - 6] = if body[n - 6] == b'A' { b'B' } else { b'A' };
    body
}

/// A cosignature line in `name` that no key the witness knows made.
fn forged_line(name: &str, text: &str) -> String {
    Cosigner::generate(name).expect("key").cosign(text, T0).expect("cosign")
}

/// Finding 3: the log's rate budget was spent before its signature was checked, so a flood
/// naming the log (unsigned, signed by another key, replays of its public checkpoints) made
/// its own next checkpoint fail with 429, and every replay rewrote the state.
#[test]
fn regression_a_flood_naming_a_log_does_not_stop_its_next_checkpoint() {
    let log = Signer::generate(ORIGIN).expect("log key");
    let honest = History::new(&log, 3, 3, "honest");
    let dir = tempfile::tempdir().expect("tmp");
    let key = Cosigner::generate("witness.example/w1").expect("cosigner").to_private_key();
    // The log may send two new checkpoints at once, then one per 1000 s: whatever the flood
    // took from its budget would show.
    let mut w = open(dir.path(), &key, &log).with_rate_limit(RateLimit { per_second: 0.001, burst: 2.0 });
    let first = w.add_checkpoint(&honest.body(0, 1), T0);
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));

    // The checkpoint cosigned last (public: anyone has it) with a junk proof is refused, and is
    // no evidence against the log.
    let mut junk = b"old 1\n".to_vec();
    junk.extend_from_slice(format!("{}\n\n", honest.root(3).to_base64()).as_bytes());
    junk.extend_from_slice(&honest.checkpoints[1]);
    let a = w.add_checkpoint(&junk, T0 + 1);
    assert_eq!(a.status, 422, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(w.state().evidence().expect("evidence").len(), 0, "a replay with a junk proof is kept as nothing");
    let text = |size: usize| note_text(&honest.checkpoints[size]);
    let impostor = History::new(&Signer::generate(ORIGIN).expect("key"), 2, 2, "honest");
    let stranger = Signer::generate("example.com/other").expect("key");
    let mut signed_by_stranger = b"old 1\n\n".to_vec();
    signed_by_stranger.extend_from_slice(stranger.sign(&text(2)).expect("sign").as_bytes());
    let mut unsigned = b"old 1\n\n".to_vec();
    unsigned.extend_from_slice(format!("{}\n", text(2)).as_bytes());
    let mut bad_proof = b"old 1\n".to_vec();
    bad_proof.extend_from_slice(format!("{}\n\n", honest.root(3).to_base64()).as_bytes());
    bad_proof.extend_from_slice(&honest.checkpoints[2]);
    let flood: [(&str, Vec<u8>, &[u16]); 7] = [
        ("unsigned", unsigned, &[400]),
        ("signed by an unknown key", signed_by_stranger, &[403]),
        ("signed by another key in the log's name", impostor.body(1, 2), &[403]),
        ("a broken signature", flip(honest.body(1, 2)), &[403]),
        ("a replay of the checkpoint cosigned last", honest.body(1, 1), &[200, 429]),
        ("a replay with a stale old size", honest.body(0, 1), &[409]),
        ("the log's next checkpoint with a wrong proof", bad_proof, &[422, 429]),
    ];
    let mut answer = |what: &str, body: &[u8], allowed: &[u16], now: u64| {
        let a = w.add_checkpoint(body, now);
        assert!(allowed.contains(&a.status), "{what}: {} {}", a.status, String::from_utf8_lossy(&a.body));
        assert_eq!(a.status == 429, a.retry_after.is_some(), "{what}: 429 and only 429 says when to retry");
        if a.status == 200 {
            assert_eq!(a.body, first.body, "{what}: answered with the cosignature given before");
        }
    };
    // Once each first: a refusal's evidence is kept the first time, never again.
    for (what, body, allowed) in &flood {
        answer(what, body, allowed, T0 + 1);
    }
    let wal = dir.path().join("witness.db-wal");
    let written = std::fs::metadata(&wal).expect("wal").len();
    for i in 0..1000 {
        for (what, body, allowed) in &flood {
            answer(what, body, allowed, T0 + 2 + i);
        }
    }
    assert_eq!(std::fs::metadata(&wal).expect("wal").len(), written, "7000 answers that change nothing wrote nothing");
    assert_eq!(w.state().evidence().expect("evidence").len(), 1, "one refused checkpoint, kept once");

    // The log's own next checkpoint is cosigned; its budget still means something.
    let next = w.add_checkpoint(&honest.body(1, 2), T0 + 5000);
    assert_eq!(next.status, 200, "{}", String::from_utf8_lossy(&next.body));
    let over = w.add_checkpoint(&honest.body(2, 3), T0 + 5000);
    assert_eq!((over.status, over.retry_after.is_some()), (429, true), "{}", String::from_utf8_lossy(&over.body));
}

/// Finding 4: a valid checkpoint with another witness's forged cosignature appended was
/// stored and served verbatim, so the witness's view vouched for a line it never checked.
#[test]
fn regression_a_forged_cosignature_line_is_neither_kept_nor_served() {
    let log = Signer::generate(ORIGIN).expect("log key");
    let honest = History::new(&log, 2, 2, "honest");
    let fork = History::new(&log, 2, 0, "fork");
    let dir = tempfile::tempdir().expect("tmp");
    let cosigner = Cosigner::generate("witness.example/w1").expect("cosigner");
    let wkey = cosigner.verifier();
    let mut w = open(dir.path(), &cosigner.to_private_key(), &log);
    let mut body = honest.body(0, 1);
    body.extend_from_slice(forged_line("witness.example/w9", &note_text(&honest.checkpoints[1])).as_bytes());
    let a = w.add_checkpoint(&body, T0);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let canonical = [honest.checkpoints[1].clone(), a.body.clone()].concat();
    let stored = w.state().latest(ORIGIN).expect("latest").expect("some").checkpoint;
    assert_eq!(
        String::from_utf8_lossy(&stored),
        String::from_utf8_lossy(&canonical),
        "kept: the text, the log's signature and this witness's cosignature"
    );

    // A refused checkpoint is kept without the lines the witness could not check either.
    let mut forked = fork.body(1, 2);
    forked.extend_from_slice(forged_line("witness.example/w9", &note_text(&fork.checkpoints[2])).as_bytes());
    assert_eq!(w.add_checkpoint(&forked, T0).status, 422);
    let evidence = w.state().evidence().expect("evidence");
    assert_eq!(evidence[0].submitted, fork.checkpoints[2]);
    assert_eq!(evidence[0].latest.as_deref(), Some(canonical.as_slice()));

    let w = Arc::new(Mutex::new(w));
    let (status, served) = get(&w, &format!("/checkpoints/{ORIGIN}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&served));
    assert!(!String::from_utf8_lossy(&served).contains("witness.example/w9"), "{}", String::from_utf8_lossy(&served));
    assert_eq!(String::from_utf8_lossy(&served), String::from_utf8_lossy(&canonical));
    assert_eq!(Checkpoint::open(&served, &log.verifier()).expect("the log's signature").size, 1);
    let verdicts = check_cosignatures(&served, &[wkey], T0).expect("verifies");
    assert_eq!(verdicts[0].1, Cosigned::Verified { timestamp: T0 });
}

/// Finding 4, for a state written before the fix: a row kept verbatim (a forged line of
/// another witness, a broken line in this witness's own name) is filtered when it is read.
#[test]
fn regression_lines_an_older_witness_stored_verbatim_are_not_served() {
    let log = Signer::generate(ORIGIN).expect("log key");
    let honest = History::new(&log, 1, 1, "honest");
    let dir = tempfile::tempdir().expect("tmp");
    let key = Cosigner::generate("witness.example/w1").expect("cosigner").to_private_key();
    let a = open(dir.path(), &key, &log).add_checkpoint(&honest.body(0, 1), T0);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let text = note_text(&honest.checkpoints[1]);
    let verbatim =
        [honest.checkpoints[1].clone(), forged_line("witness.example/w9", &text).into_bytes(), flip(a.body.clone())]
            .concat();
    let db = rusqlite::Connection::open(dir.path().join("witness.db")).expect("db");
    assert_eq!(db.execute("UPDATE latest SET checkpoint = ?1", [&verbatim]).expect("update"), 1);
    drop(db);

    let w = Arc::new(Mutex::new(open(dir.path(), &key, &log)));
    let (status, served) = get(&w, &format!("/checkpoints/{ORIGIN}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&served));
    assert_eq!(
        String::from_utf8_lossy(&served),
        String::from_utf8_lossy(&[honest.checkpoints[1].clone(), a.body].concat()),
        "the log's signature and this witness's own cosignature, nothing else"
    );
}

/// The checkpoint text of a signed note (up to the blank line).
fn note_text(note: &[u8]) -> String {
    tlog::note::parse(note).expect("note").0.to_string()
}
