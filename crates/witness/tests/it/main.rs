//! The witness against real logs: every answer tlog-witness defines, and the property that
//! matters: over random sequences of honest and forked submissions, with restarts between
//! them, it never cosigns two checkpoints of one log that are not consistent.

mod abuse;

use std::collections::BTreeSet;

use proptest::prelude::*;
use tlog::cosignature::{Cosigned, Cosigner, check_cosignatures};
use tlog::{Hash, LogWriter, MemStorage, Signer, TileReader};
use witness::Witness;
use witness::state::State;

const ORIGIN: &str = "example.com/log";

/// A log's history: the storage and the signed checkpoint at every size.
struct History {
    storage: MemStorage,
    checkpoints: Vec<Vec<u8>>,
}

impl History {
    /// `n` entries, the first `shared` the same in every history, the rest named by `tag`.
    fn new(signer: &Signer, n: u64, shared: u64, tag: &str) -> History {
        let storage = MemStorage::new();
        let key = Signer::from_private_key(&signer.to_private_key()).expect("key");
        let mut log = LogWriter::create(storage.clone(), key).expect("log");
        let mut checkpoints = vec![log.checkpoint().to_vec()];
        for i in 0..n {
            let entry = if i < shared { format!("entry {i}") } else { format!("entry {i} of {tag}") };
            log.append(&[entry.as_bytes()]).expect("append");
            checkpoints.push(log.checkpoint().to_vec());
        }
        History { storage, checkpoints }
    }

    fn body(&self, old: u64, new: u64) -> Vec<u8> {
        let proof = if old == 0 || old > new {
            Vec::new()
        } else {
            TileReader::new(&self.storage, new).consistency_proof(old).expect("proof")
        };
        let mut b = format!("old {old}\n").into_bytes();
        for h in proof {
            b.extend_from_slice(format!("{}\n", h.to_base64()).as_bytes());
        }
        b.push(b'\n');
        b.extend_from_slice(&self.checkpoints[new as usize]);
        b
    }

    fn root(&self, size: u64) -> Hash {
        TileReader::new(&self.storage, size).root().expect("root")
    }
}

fn witness(state: State) -> (Witness, tlog::cosignature::CosignatureVerifier) {
    let cosigner = Cosigner::generate("witness.example/w1").expect("cosigner");
    let v = cosigner.verifier();
    (Witness::new(cosigner, state), v)
}

#[test]
fn every_answer_the_spec_defines() {
    let log = Signer::generate(ORIGIN).expect("log key");
    let honest = History::new(&log, 20, 20, "honest");
    let fork = History::new(&log, 20, 8, "fork");
    let mut state = State::in_memory().expect("state");
    state.add_log(ORIGIN, &log.verifier(), 1).expect("add");
    let (mut w, wkey) = witness(state);
    let now = 1_764_460_800;

    // Unknown log: 404.
    let stranger = Signer::generate("example.com/other").expect("key");
    let other = History::new(&stranger, 3, 3, "x");
    assert_eq!(w.add_checkpoint(&other.body(0, 3), now).status, 404);
    // A first checkpoint from nothing: 200 and a cosignature that verifies.
    let a = w.add_checkpoint(&honest.body(0, 10), now);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let mut cosigned = honest.checkpoints[10].clone();
    cosigned.extend_from_slice(&a.body);
    let verdicts = check_cosignatures(&cosigned, std::slice::from_ref(&wkey), now).expect("verifies");
    assert_eq!(verdicts[0].1, Cosigned::Verified { timestamp: now });
    // A stale old size: 409 with the size it cosigned, as text/x.tlog.size.
    let stale = w.add_checkpoint(&honest.body(0, 12), now);
    assert_eq!(
        (stale.status, stale.content_type, stale.body.as_slice()),
        (409, "text/x.tlog.size", b"10\n".as_slice())
    );
    // Onwards with a consistency proof: 200.
    assert_eq!(w.add_checkpoint(&honest.body(10, 15), now).status, 200);
    // The same checkpoint again: 200 (old size equals its size, same root).
    assert_eq!(w.add_checkpoint(&honest.body(15, 15), now).status, 200);
    // A fork from size 15 with the log's own key: 422, kept as evidence; the state stays.
    let forked = w.add_checkpoint(&fork.body(15, 18), now);
    assert_eq!(forked.status, 422, "{}", String::from_utf8_lossy(&forked.body));
    let same_size_fork = w.add_checkpoint(&fork.body(15, 15), now);
    assert_eq!(same_size_fork.status, 422);
    let evidence = w.state().evidence().expect("evidence");
    assert_eq!(evidence.len(), 2);
    assert_eq!(evidence[0].submitted, fork.checkpoints[18]);
    let contradicted = evidence[0].latest.clone().expect("the checkpoint it contradicts");
    assert!(contradicted.starts_with(&honest.checkpoints[15]), "with this witness's cosignature after the log's");
    assert_eq!(Some(contradicted), w.latest_checkpoint(ORIGIN).expect("latest"));
    assert_eq!(w.state().latest(ORIGIN).expect("latest").expect("some").size, 15);
    // Old size beyond the checkpoint: 400. Malformed: 400.
    assert_eq!(w.add_checkpoint(&honest.body(16, 15), now).status, 400);
    assert_eq!(w.add_checkpoint(b"old 15\n", now).status, 400);
    // Signed by another key under the log's name: 403; a broken signature: 403.
    let impostor = Signer::generate(ORIGIN).expect("key");
    let fake = History::new(&impostor, 16, 16, "honest");
    assert_eq!(w.add_checkpoint(&fake.body(15, 16), now).status, 403);
    let mut broken = honest.body(15, 16);
    let n = broken.len();
    broken[n - 6] = if broken[n - 6] == b'A' { b'B' } else { b'A' };
    assert_eq!(w.add_checkpoint(&broken, now).status, 403);
    // A size-0 checkpoint with another root: 422 (on a fresh log).
    let empty_log = Signer::generate("example.com/empty").expect("key");
    w.state().add_log("example.com/empty", &empty_log.verifier(), 1).expect("add");
    let bad_empty =
        empty_log.sign(&format!("example.com/empty\n0\n{}\n", honest.root(1).to_base64())).expect("sign").into_bytes();
    let mut body = b"old 0\n\n".to_vec();
    body.extend_from_slice(&bad_empty);
    assert_eq!(w.add_checkpoint(&body, now).status, 422);
}

#[test]
fn a_log_over_its_rate_limit_gets_429_and_others_do_not() {
    let log = Signer::generate(ORIGIN).expect("log key");
    let other_key = Signer::generate("example.com/other").expect("key");
    let honest = History::new(&log, 5, 5, "honest");
    let other = History::new(&other_key, 2, 2, "other");
    let mut state = State::in_memory().expect("state");
    state.add_log(ORIGIN, &log.verifier(), 1).expect("add");
    state.add_log("example.com/other", &other_key.verifier(), 1).expect("add");
    let (w, _) = witness(state);
    let mut w = w.with_rate_limit(witness::rate::RateLimit { per_second: 0.01, burst: 2.0 });
    assert_eq!(w.add_checkpoint(&honest.body(0, 1), 1_764_460_800).status, 200);
    assert_eq!(w.add_checkpoint(&honest.body(1, 2), 1_764_460_800).status, 200);
    let limited = w.add_checkpoint(&honest.body(2, 3), 1_764_460_800);
    assert_eq!((limited.status, limited.retry_after.is_some()), (429, true));
    assert_eq!(w.add_checkpoint(&other.body(0, 2), 1_764_460_800).status, 200, "another log is not limited");
    assert_eq!(
        w.state().latest(ORIGIN).expect("latest").expect("some").size,
        2,
        "a limited submission changes nothing"
    );
}

/// One submission: from which history, up to which size, claiming which old size.
#[derive(Debug, Clone)]
struct Submission {
    forked: bool,
    size: u64,
    /// Claim the witness's size (true) or a random one.
    honest_old: bool,
    old: u64,
    restart: bool,
}

fn submission() -> impl Strategy<Value = Submission> {
    (any::<bool>(), 0u64..=24, any::<bool>(), 0u64..=24, prop::bool::weighted(0.2))
        .prop_map(|(forked, size, honest_old, old, restart)| Submission { forked, size, honest_old, old, restart })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn never_cosigns_two_inconsistent_checkpoints(subs in prop::collection::vec(submission(), 1..30)) {
        let log = Signer::generate(ORIGIN).expect("log key");
        let honest = History::new(&log, 24, 24, "honest");
        let fork = History::new(&log, 24, 9, "fork");
        let dir = tempfile::tempdir().expect("tmp");
        let db = dir.path().join("witness.db");
        let cosigner_key = Cosigner::generate("witness.example/w1").expect("cosigner").to_private_key();
        let open = || {
            let mut s = State::open(&db).expect("state");
            s.add_log(ORIGIN, &log.verifier(), 1).expect("add");
            Witness::new(Cosigner::from_private_key(&cosigner_key).expect("key"), s)
        };
        let mut w = open();
        let mut cosigned: BTreeSet<(u64, [u8; 32])> = BTreeSet::new();
        for s in &subs {
            if s.restart {
                drop(w);
                w = open();
            }
            let h = if s.forked { &fork } else { &honest };
            let current = w.state().latest(ORIGIN).expect("latest").map_or(0, |l| l.size);
            let old = if s.honest_old { current.min(s.size) } else { s.old };
            let answer = w.add_checkpoint(&h.body(old, s.size), 1_764_460_800);
            if answer.status == 200 {
                cosigned.insert((s.size, h.root(s.size).0));
            }
        }
        // Everything cosigned is one history: every pair is a prefix of the larger one.
        let list: Vec<_> = cosigned.into_iter().collect();
        for (i, &(small, small_root)) in list.iter().enumerate() {
            for &(big, big_root) in &list[i..] {
                let history = [&honest, &fork].into_iter().find(|h| h.root(big).0 == big_root).expect("a known root");
                prop_assert_eq!(history.root(small).0, small_root, "cosigned size {} is not a prefix of size {}", small, big);
            }
        }
    }
}
