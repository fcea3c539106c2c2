//! The monitor polled as `candor monitor` polls it, over logs in folders and a witness's view
//! served on loopback: faults alert when they appear and again when they come back, and the
//! Atom feed stays well-formed XML whatever the alerts carry.

mod faults;
mod feed;
mod reads;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tlog::{DirStorage, LocalLog, LogWriter, Signer};

/// A test that needs a tool skips locally, saying why; under `CI=true` (where CI installed
/// everything) a missing one fails instead, so a broken install cannot pass silently.
fn skip(why: &str) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "nothing may be skipped under CI=true: {why}");
    eprintln!("SKIPPED: {why}");
}

const ORIGIN: &str = "example.com/log";

/// An honest log, a fork of it under the same key, each also grown by two entries, the folder
/// the monitor reads (a copy of one of them), one witness whose view the test sets, and the
/// monitor's configuration.
struct Fixture {
    // Held for its folder, removed when the fixture is dropped.
    _tmp: tempfile::TempDir,
    signer: Signer,
    honest: PathBuf,
    /// The honest log with two more entries.
    grown: PathBuf,
    fork: PathBuf,
    /// The fork with two more entries.
    fork_grown: PathBuf,
    mirror: PathBuf,
    view: Arc<Mutex<Option<Vec<u8>>>>,
    config: PathBuf,
}

impl Fixture {
    /// Three records in each history (five in the grown copies); the mirror shows the honest
    /// one, the witness its checkpoint.
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().expect("tmp");
        let home = LocalLog::at(tmp.path().join("log"));
        let mut writer = home.init(ORIGIN).expect("init");
        let record = |i: u32, tag: &str| format!(r#"{{"type":"candor.note","n":{i},"history":"{tag}"}}"#);
        let honest = tmp.path().join("honest");
        writer.append(&(0..3).map(|i| record(i, "honest")).collect::<Vec<_>>()).expect("append");
        copy_dir(&home.public_dir(), &honest);
        writer.append(&(3..5).map(|i| record(i, "honest")).collect::<Vec<_>>()).expect("append");
        drop(writer);
        let signer = home.signer().expect("key");
        let fork_home = tmp.path().join("fork");
        let storage = DirStorage::open(fork_home.join("public"), fork_home.join("state")).expect("fork");
        let key = Signer::from_private_key(&signer.to_private_key()).expect("key");
        let mut writer = LogWriter::create(storage, key).expect("fork");
        writer.append(&(0..3).map(|i| record(i, "fork")).collect::<Vec<_>>()).expect("append");
        let fork = tmp.path().join("fork-at-3");
        copy_dir(&fork_home.join("public"), &fork);
        writer.append(&(3..5).map(|i| record(i, "fork")).collect::<Vec<_>>()).expect("append");
        drop(writer);
        let mirror = tmp.path().join("mirror");
        copy_dir(&honest, &mirror);
        let view = Arc::new(Mutex::new(Some(std::fs::read(honest.join("checkpoint")).expect("cp"))));
        let url = view_server(view.clone());
        let witness = tlog::cosignature::Cosigner::generate("witness.example/w1").expect("witness");
        let policy = tmp.path().join("policy");
        let vkey = witness.verifier().to_vkey().expect("vkey");
        std::fs::write(&policy, format!("witness w1 {vkey} {url}\nquorum w1\n")).expect("policy");
        let config = tmp.path().join("monitor.toml");
        let text = format!(
            "state_dir = \"state\"\nheartbeat_hours = 0\n\n[[log]]\nsource = \"mirror\"\nvkey = {:?}\npolicy = \"policy\"\n\n\
             [alerts]\nstdout = false\natom = \"alerts.xml\"\n",
            signer.verifier().to_vkey()
        );
        std::fs::write(&config, text).expect("config");
        let (grown, fork_grown) = (home.public_dir(), fork_home.join("public"));
        Fixture { honest, grown, fork, fork_grown, _tmp: tmp, signer, mirror, view, config }
    }

    /// One poll: the kinds of the alerts raised.
    fn poll(&self) -> Vec<&'static str> {
        let config = monitor::config::Config::load(&self.config).expect("config");
        let alerts = monitor::poll_once(&config, &self.config, &mut Vec::new()).expect("poll");
        alerts.iter().map(|a| a.kind).collect()
    }

    /// The mirror shows a copy of `public`.
    fn show(&self, public: &Path) {
        std::fs::remove_dir_all(&self.mirror).expect("rm");
        copy_dir(public, &self.mirror);
    }

    /// The witness serves `view` (404 for none).
    fn witness_serves(&self, view: Option<Vec<u8>>) {
        *self.view.lock().expect("view") = view;
    }

    /// The honest log's checkpoint.
    fn honest_checkpoint(&self) -> Vec<u8> {
        std::fs::read(self.honest.join("checkpoint")).expect("checkpoint")
    }

    /// A checkpoint signed by the log's key claiming `size` entries with the honest root.
    fn claiming(&self, size: u64) -> Vec<u8> {
        let honest = tlog::Checkpoint::open(&self.honest_checkpoint(), &self.signer.verifier()).expect("honest");
        let text = format!("{ORIGIN}\n{size}\n{}\n", honest.root.to_base64());
        self.signer.sign(&text).expect("sign").into_bytes()
    }
}

/// Copies the folder `from` to `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

/// Serves `view` for every GET on loopback (404 while it is `None`); its base URL.
fn view_server(view: Arc<Mutex<Option<Vec<u8>>>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let answer = match view.lock().map(|v| v.clone()) {
                Ok(Some(body)) => {
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
