//! The demo's witnesses: two `candor witness` instances on loopback (fictional operators,
//! `witness-a` and `witness-b`), a trust policy that needs both (quorum 2 of 2), made the demo
//! log's own so that every checkpoint the demo publishes is cosigned first. At the end the demo
//! plays the attack witnesses exist for: it signs, with the log's own key, a checkpoint of the
//! same size whose last entry differs (a forked history), shows both witnesses refusing it,
//! and has a monitor (`monitor.toml`, kept for `candor monitor`) shown the forked view raise a
//! split-view alert with both signed checkpoints as its proof.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use tlog::{DirStorage, LocalLog, LogWriter, TileReader};
use witness::home::WitnessHome;

/// The witnesses' names in the policy.
pub const NAMES: [&str; 2] = ["witness-a", "witness-b"];

/// The demo's running witnesses; dropping this stops them.
pub struct DemoWitnesses {
    servers: Vec<server::Background>,
    /// Each witness's name and its cosigner key.
    pub keys: Vec<(String, String)>,
    /// The trust policy file the demo wrote.
    pub policy: PathBuf,
}

impl DemoWitnesses {
    /// Where each witness takes checkpoints.
    pub fn urls(&self) -> Vec<String> {
        self.servers.iter().map(|s| format!("http://{}", s.addr())).collect()
    }
}

/// Creates and serves the two witnesses, each watching the demo log, and makes the 2-of-2
/// policy the log's own.
pub fn start(dir: &Path, log: &LocalLog) -> Result<DemoWitnesses> {
    let log_key = log.verifier()?;
    let mut servers = Vec::new();
    let mut keys = Vec::new();
    let mut policy = format!(
        "# The demo log's trust policy (demonstration data): two witnesses the demo runs on loopback,\n\
         # both needed.\nlog {}\n",
        log_key.to_vkey()
    );
    for name in NAMES {
        let home = WitnessHome::at(&dir.join(name));
        let key = home.init(&format!("{name}.candor.example")).with_context(|| format!("creating {name}"))?;
        let mut w = home.open()?;
        w.state().add_log(log_key.name(), &log_key, crate::log::witnessed::now())?;
        let server = server::Background::start(witness::http::router(Arc::new(Mutex::new(w))), "127.0.0.1:0")
            .with_context(|| format!("serving {name}"))?;
        let vkey = key.to_vkey().context("an Ed25519 witness key")?;
        policy.push_str(&format!("witness {name} {vkey} http://{}\n", server.addr()));
        keys.push((name.to_string(), vkey));
        servers.push(server);
    }
    policy.push_str(&format!("group both all {}\nquorum both\n", NAMES.join(" ")));
    let path = dir.join("trust-policy.txt");
    std::fs::write(&path, policy).with_context(|| format!("writing {}", path.display()))?;
    crate::log::witnessing::set_policy(log, &path)?;
    Ok(DemoWitnesses { servers, keys, policy: path })
}

/// What each witness said of the forked checkpoint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ForkRefused {
    /// The forked checkpoint, signed with the log's key.
    pub forked_checkpoint: String,
    /// Per witness: its name, the HTTP status and its reason.
    pub answers: Vec<(String, u16, String)>,
    /// The folder serving the forked view (as a provider might to one reader).
    pub forked_view: PathBuf,
    /// The monitor's configuration, following the forked view.
    pub monitor_config: PathBuf,
    /// The monitor's alerts on it.
    pub monitor_alerts: Vec<monitor::alert::Alert>,
}

/// Signs, with the log's key, a checkpoint of the log's size whose last entry is replaced, and
/// submits it to each witness as the next checkpoint after the one it cosigned.
pub fn fork_refused(dir: &Path, log: &LocalLog, witnesses: &DemoWitnesses) -> Result<ForkRefused> {
    let (_, honest, _) = log.latest_checkpoint()?;
    let public = tlog::Dir::new(log.public_dir());
    let reader = TileReader::new(&public, honest.size);
    let mut entries = Vec::with_capacity(honest.size as usize);
    for i in 0..honest.size.saturating_sub(1) {
        entries.push(reader.entry(i)?);
    }
    entries.push(
        br#"{"type":"candor.forged","notice":"demonstration data: a forged entry that rewrites the log's history"}"#
            .to_vec(),
    );
    let forked_view = dir.join("forked-view");
    let storage = DirStorage::open(forked_view.join("public"), forked_view.join("state"))?;
    let mut fork = LogWriter::create(storage, log.signer()?)?;
    fork.append(&entries)?;
    let forked = fork.checkpoint().to_vec();
    drop(fork);
    let body = witness::request::encode(honest.size, &[], &forked);
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(crate::log::witnessing::WITNESS_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut answers = Vec::new();
    for ((name, _), url) in witnesses.keys.iter().zip(witnesses.urls()) {
        let mut res = agent.post(&format!("{url}/add-checkpoint")).send(&body[..]).context("asking a witness")?;
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().unwrap_or_default();
        answers.push((name.clone(), status, text.trim().to_string()));
    }
    let monitor_config = dir.join("monitor.toml");
    let text = format!(
        "# candor monitor, as the demo ran it (demonstration data): it follows the forked view\n\
         # and asks the demo's witnesses for theirs. Run: candor monitor --config {}\n\
         state_dir = \"monitor-state\"\n\n[[log]]\nsource = {:?}\nvkey = {:?}\npolicy = {:?}\n\n\
         [watch]\nrecord_kinds = [\"correction\"]\n\n[alerts]\nstdout = false\natom = \"monitor-alerts.xml\"\n",
        monitor_config.display(),
        // Relative to the configuration's folder (the demo folder), as the monitor reads them.
        "forked-view/public",
        log.verifier()?.to_vkey(),
        witnesses.policy.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
    );
    std::fs::write(&monitor_config, text).with_context(|| format!("writing {}", monitor_config.display()))?;
    let config = monitor::config::Config::load(&monitor_config)?;
    let monitor_alerts = monitor::poll_once(&config, &monitor_config, &mut std::io::sink())?;
    Ok(ForkRefused {
        forked_checkpoint: String::from_utf8_lossy(&forked).into_owned(),
        answers,
        forked_view,
        monitor_config,
        monitor_alerts,
    })
}
