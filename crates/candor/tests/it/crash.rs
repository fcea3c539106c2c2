//! Crash safety: `candor log append` is killed with SIGKILL at random moments, many times.
//! After each kill the log reopens and verifies, is consistent with every checkpoint seen
//! before the kill, and holds every entry whose index had been printed (appends print an
//! index only once the entry is durable).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tlog::{Dir, LocalLog, TileReader, verify_log};

const ROUNDS: u64 = 40;

/// A small xorshift generator: the kill moments are random but reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn candor() -> Command {
    Command::new(env!("CARGO_BIN_EXE_candor"))
}

fn entry(round: u64, line: u64) -> String {
    format!("round {round} line {line}")
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("log");
    let st = candor()
        .args(["log", "init", "--origin", "crash.candor.example/log", "--dir"])
        .arg(&home)
        .output()
        .expect("init");
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let log = LocalLog::at(&home);
    let verifier = log.verifier().expect("vkey");
    let public = log.public_dir();

    let seed = std::env::var("CANDOR_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_cafe_f00d_u64);
    eprintln!("crash test seed {seed} (set CANDOR_CRASH_SEED to replay)");
    let mut rng = Rng(seed);
    let mut acknowledged: Vec<(u64, String)> = Vec::new();
    let mut seen_checkpoints: Vec<Vec<u8>> = Vec::new();
    let mut kills_mid_run = 0;

    for round in 0..ROUNDS {
        let batch = [1u64, 7, 16, 64, 300][rng.below(5) as usize];
        let mut child = candor()
            .args(["log", "append", "--batch-size", &batch.to_string(), "--dir"])
            .arg(&home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut stdin = child.stdin.take().expect("stdin");
        let feeder = std::thread::spawn(move || {
            let mut line = 1u64;
            // Feed until the child dies and the pipe breaks.
            while stdin.write_all(format!("{}\n", entry(round, line)).as_bytes()).is_ok() {
                line += 1;
            }
        });
        let acks = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("stdout");
        let reader = {
            let acks = acks.clone();
            std::thread::spawn(move || {
                for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                    // "INDEX\tstdin:LINE"
                    let (index, source) = l.split_once('\t').expect("index and source");
                    let line: u64 = source.trim_start_matches("stdin:").parse().expect("line");
                    acks.lock().expect("lock").push((index.parse::<u64>().expect("index"), entry(round, line)));
                }
            })
        };
        let deadline = Instant::now() + Duration::from_millis(5 + rng.below(250));
        while Instant::now() < deadline {
            if let Ok(cp) = std::fs::read(public.join("checkpoint"))
                && seen_checkpoints.last() != Some(&cp)
            {
                seen_checkpoints.push(cp);
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        if child.try_wait().expect("try_wait").is_none() {
            kills_mid_run += 1;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        feeder.join().expect("feeder");
        reader.join().expect("reader");
        acknowledged.extend(acks.lock().expect("lock").drain(..));

        check_after_kill(&public, &verifier, &seen_checkpoints, &acknowledged, round);
    }
    assert!(kills_mid_run as u64 >= ROUNDS / 2, "the child should usually be killed while running");
    assert!(acknowledged.len() > 1000, "only {} appends were acknowledged", acknowledged.len());
    eprintln!(
        "{ROUNDS} kills, {} acknowledged entries, {} checkpoints observed",
        acknowledged.len(),
        seen_checkpoints.len()
    );
}

fn check_after_kill(public: &Path, verifier: &tlog::Verifier, seen: &[Vec<u8>], acked: &[(u64, String)], round: u64) {
    // Reopening as the writer runs recovery; it must succeed (and release the lock).
    let home = public.parent().expect("home");
    let writer = LocalLog::at(home).open().unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
    let size = writer.size();
    drop(writer);
    let report = verify_log(&Dir::new(public), verifier, seen, &mut |_, _| {})
        .unwrap_or_else(|e| panic!("round {round}: log does not verify after the kill: {e}"));
    assert_eq!(report.checkpoint.size, size);
    let dir = Dir::new(public);
    let reader = TileReader::new(&dir, size);
    for (index, content) in acked {
        assert!(*index < size, "round {round}: acknowledged entry {index} lost (size {size})");
        let got = reader.entry(*index).expect("entry");
        assert_eq!(String::from_utf8_lossy(&got), *content, "round {round}: entry {index}");
    }
}
