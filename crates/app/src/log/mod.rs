//! The log commands' use cases and what they report: create a log, read its checkpoint, prove
//! one entry, verify the whole log or one proof. Each result serializes for `--json` and
//! displays as text, so both say the same; a verification that fails is a result (a fault), not
//! an error, so the caller can say so and exit with 1.

pub mod append;
pub mod remote;
pub mod witnessed;
pub mod witnessing;

use std::fmt::{self, Display, Formatter};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use tlog::{Checkpoint, Dir, LocalLog, MAX_ENTRY_SIZE, TlogProof, Verifier};

/// Largest tlog-proof file read (a real one is a few kilobytes).
const MAX_PROOF_FILE: u64 = 1 << 20;

/// A log created.
#[derive(Debug, Serialize)]
pub struct Created {
    /// Its origin line.
    pub origin: String,
    /// Its home folder.
    pub home: PathBuf,
    /// The folder to serve.
    pub public_dir: PathBuf,
    /// The private key (mode 0600).
    pub private_key_file: PathBuf,
    /// The verifier key to publish.
    pub vkey: String,
    /// Entries (0).
    pub size: u64,
}

/// Creates a log in `dir` with `origin`.
pub fn init(dir: &Path, origin: &str) -> Result<Created> {
    if !tlog::note::is_valid_key_name(origin) {
        bail!("--origin {origin:?}: an origin must be non-empty, without spaces or '+' (e.g. example.com/log)");
    }
    // The origin is shown on every page and in every feed: no control character.
    registry::input::check("--origin", origin, registry::input::Lines::One).map_err(anyhow::Error::msg)?;
    let log = LocalLog::at(dir);
    let writer = log.init(origin).with_context(|| format!("creating a log in {}", dir.display()))?;
    Ok(Created {
        origin: origin.to_string(),
        home: dir.to_path_buf(),
        public_dir: log.public_dir(),
        private_key_file: log.key_path(),
        vkey: log.verifier()?.to_vkey(),
        size: writer.size(),
    })
}

impl Display for Created {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "created log {} in {}", self.origin, self.home.display())?;
        writeln!(f, "  serve this folder:          {}", self.public_dir.display())?;
        writeln!(f, "  private key (mode 0600):    {}", self.private_key_file.display())?;
        writeln!(f, "  verifier key (publish it):  {}", self.vkey)
    }
}

/// The latest checkpoint of a log home, with what to do when there is none.
pub fn latest_checkpoint(log: &LocalLog) -> Result<(Vec<u8>, Checkpoint, Verifier)> {
    log.latest_checkpoint().with_context(|| {
        format!("reading the latest checkpoint of the log in {} (is it a log? candor log init)", log.home().display())
    })
}

/// Writes the report in the log's public folder from the log, unless it is still what the log
/// makes (the stamp in the log's state folder; `rebuild` writes every page regardless).
pub fn update_site(log: &LocalLog, rebuild: bool) -> Result<publish::site::SiteReport> {
    let stamp = log.home().join(tlog::STATE_DIR).join(publish::site::stamp::FILE_NAME);
    let now = registry::model::now();
    Ok(publish::site::update_site(&log.public_dir(), &stamp, &log.verifier()?, &now, rebuild)?)
}

/// A log's latest checkpoint.
#[derive(Debug, Serialize)]
pub struct Latest {
    /// Origin.
    pub origin: String,
    /// Size.
    pub size: u64,
    /// Root hash (base64).
    pub root: String,
    /// The log's verifier key.
    pub vkey: String,
    /// The signed checkpoint as written.
    pub checkpoint: String,
}

/// The latest checkpoint of the log in `dir`.
pub fn checkpoint(dir: &Path) -> Result<Latest> {
    let (bytes, cp, verifier) = latest_checkpoint(&LocalLog::at(dir))?;
    Ok(Latest {
        origin: cp.origin,
        size: cp.size,
        root: cp.root.to_base64(),
        vkey: verifier.to_vkey(),
        checkpoint: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

impl Display for Latest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.checkpoint)
    }
}

/// A proof of one entry written to a file.
#[derive(Debug, Serialize)]
pub struct Proven {
    /// The entry.
    pub index: u64,
    /// The checkpoint's origin.
    #[serde(skip)]
    pub origin: String,
    /// The checkpoint's size.
    pub size: u64,
    /// Its root (base64).
    pub root: String,
    /// The tlog-proof file.
    pub proof_file: PathBuf,
}

/// Writes a tlog-proof of entry `index` of the log in `dir` to `out` (default
/// `entry-INDEX.tlog-proof`); never one that does not verify.
pub fn prove(dir: &Path, index: u64, out: Option<PathBuf>) -> Result<Proven> {
    let log = LocalLog::at(dir);
    let (_, cp, _) = latest_checkpoint(&log)?;
    if index >= cp.size {
        bail!(
            "entry {index} is not in the log: it has {} entries (indexes 0 to {})",
            cp.size,
            cp.size.saturating_sub(1)
        );
    }
    let (_, proof) =
        log.prove(index).context("the proof built from the stored tiles does not verify; run candor log verify")?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("entry-{index}.tlog-proof")));
    std::fs::write(&out, proof.to_bytes()).with_context(|| format!("{}", out.display()))?;
    Ok(Proven { index, origin: cp.origin, size: cp.size, root: cp.root.to_base64(), proof_file: out })
}

impl Display for Proven {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "wrote {} (entry {} in {} at size {})",
            self.proof_file.display(),
            self.index,
            self.origin,
            self.size
        )
    }
}

/// A checkpoint as reported (size and base64 root).
#[derive(Debug, Serialize)]
pub struct SizeRoot {
    /// Size.
    pub size: u64,
    /// Root (base64).
    pub root: String,
}

/// A verification that failed: the fault and its category.
#[derive(Debug, Serialize)]
pub struct Fault {
    /// What is wrong, naming the resource.
    pub fault: String,
    /// Its category (`signature`, `hash`, …).
    pub category: &'static str,
}

impl From<tlog::Error> for Fault {
    fn from(e: tlog::Error) -> Fault {
        Fault { fault: e.to_string(), category: e.category() }
    }
}

/// A log that verified: its checkpoint, the work done and the trusted checkpoints it is
/// consistent with.
#[derive(Debug, Serialize)]
pub struct LogChecked {
    /// Origin.
    pub origin: String,
    /// Size.
    pub size: u64,
    /// Root (base64).
    pub root: String,
    /// Entries rehashed.
    pub entries_rehashed: u64,
    /// Hash tiles checked.
    pub tiles_checked: u64,
    /// Older checkpoints it is consistent with.
    pub trusted_checkpoints: Vec<SizeRoot>,
    /// What the trust policy says of its checkpoint, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<crate::log::witnessed::Witnessed>,
}

/// What verifying a whole log found: what verified, or the fault.
#[derive(Debug, Serialize)]
pub struct Verified {
    /// No fault.
    pub ok: bool,
    /// The tlog-tiles folder checked.
    pub folder: PathBuf,
    /// When ok.
    #[serde(flatten)]
    pub checked: Option<LogChecked>,
    /// When not ok.
    #[serde(flatten)]
    pub fault: Option<Fault>,
    #[serde(skip)]
    signer: String,
}

/// Verifies the log at `target`: a log home (its `public/` folder, its own key unless `vkey`
/// is given) or a bare tlog-tiles folder (then `vkey` is required), with `trusted` older
/// checkpoints; `progress(done, total)` as entries are rehashed. With a trust `policy`, the
/// log's key must be one the policy lists (when it lists any), every cosignature by a witness it
/// names must verify, and its quorum must be met.
pub fn verify(
    target: &Path,
    vkey: Option<Verifier>,
    trusted: &[PathBuf],
    policy: Option<&tlog::trust::Policy>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Verified> {
    let home = LocalLog::at(target);
    let (folder, verifier) = if home.public_dir().join(tlog::CHECKPOINT_PATH).exists() {
        let v = match vkey {
            Some(k) => k,
            None => home.verifier().with_context(|| format!("reading {}", home.vkey_path().display()))?,
        };
        (home.public_dir(), v)
    } else if target.join(tlog::CHECKPOINT_PATH).exists() {
        let v = vkey.with_context(|| {
            format!("{} is a bare tlog-tiles folder: give the log's key with --vkey", target.display())
        })?;
        (target.to_path_buf(), v)
    } else {
        bail!("{} has no checkpoint: it is neither a log home nor a tlog-tiles folder", target.display());
    };
    let mut trusted_bytes = Vec::new();
    for t in trusted {
        trusted_bytes.push(std::fs::read(t).with_context(|| format!("--trusted {}", t.display()))?);
    }
    let signer = verifier.to_vkey();
    let (checked, fault) = match tlog::verify_log(&Dir::new(&folder), &verifier, &trusted_bytes, progress) {
        Ok(r) => {
            let cp = &r.checkpoint;
            let trusted_checkpoints =
                r.trusted.iter().map(|c| SizeRoot { size: c.size, root: c.root.to_base64() }).collect();
            let mut checked = LogChecked {
                origin: cp.origin.clone(),
                size: cp.size,
                root: cp.root.to_base64(),
                entries_rehashed: r.entries,
                tiles_checked: r.tiles,
                trusted_checkpoints,
                witnessed: None,
            };
            match policy.map(|p| judge_folder(&folder, &verifier, p)).transpose() {
                Ok(w) => {
                    checked.witnessed = w;
                    let unmet = checked.witnessed.as_ref().and_then(unmet_quorum);
                    (Some(checked), unmet)
                }
                Err(fault) => (Some(checked), Some(fault)),
            }
        }
        Err(e) => (None, Some(Fault::from(e))),
    };
    Ok(Verified { ok: fault.is_none(), folder, checked, fault, signer })
}

/// The fault of a checkpoint whose policy quorum is not met, naming who did cosign.
fn unmet_quorum(w: &crate::log::witnessed::Witnessed) -> Option<Fault> {
    if w.quorum_met {
        return None;
    }
    let by: Vec<&str> = w.witnesses.iter().filter(|v| v.timestamp.is_some()).map(|v| v.witness.as_str()).collect();
    let by = if by.is_empty() { "no witness".to_string() } else { by.join(", ") };
    Some(Fault {
        fault: format!(
            "the checkpoint is not witnessed as the policy requires: quorum {} not met (cosigned by {by})",
            w.quorum.as_deref().unwrap_or("")
        ),
        category: "witness",
    })
}

/// The policy's verdict on the log's checkpoint, or the fault (a log the policy does not list,
/// a bad cosignature).
fn judge_folder(
    folder: &Path,
    verifier: &Verifier,
    policy: &tlog::trust::Policy,
) -> Result<crate::log::witnessed::Witnessed, Fault> {
    let path = folder.join(tlog::CHECKPOINT_PATH);
    let checkpoint =
        std::fs::read(&path).map_err(|e| Fault { fault: format!("{}: {e}", path.display()), category: "io" })?;
    judge(&checkpoint, verifier, policy)
}

/// The policy's verdict on a signed checkpoint, or the fault.
fn judge(
    checkpoint: &[u8],
    verifier: &Verifier,
    policy: &tlog::trust::Policy,
) -> Result<crate::log::witnessed::Witnessed, Fault> {
    if !policy.logs.is_empty() && !policy.logs.iter().any(|l| l.key == *verifier) {
        return Err(Fault {
            fault: format!("the policy does not list this log's key {}", verifier.to_vkey()),
            category: "witness",
        });
    }
    crate::log::witnessed::witnessed(checkpoint, policy, crate::log::witnessed::now())
        .map_err(|e| Fault { fault: format!("checkpoint cosignatures: {e}"), category: "witness" })
}

impl Display for Verified {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (Some(c), None) = (&self.checked, &self.fault) else {
            let fault = self.fault.as_ref().map_or("", |x| x.fault.as_str());
            writeln!(f, "FAULT: {}: {fault}", self.folder.display())?;
            if let Some(w) = self.checked.as_ref().and_then(|c| c.witnessed.as_ref()) {
                write!(f, "{w}")?;
            }
            return Ok(());
        };
        writeln!(
            f,
            "OK: {} verified: signature by {}, {} entries rehashed, {} tiles checked, root {}",
            self.folder.display(),
            self.signer,
            c.entries_rehashed,
            c.tiles_checked,
            c.root
        )?;
        if !c.trusted_checkpoints.is_empty() {
            let sizes: Vec<String> = c.trusted_checkpoints.iter().map(|t| t.size.to_string()).collect();
            let n = c.trusted_checkpoints.len();
            writeln!(f, "    consistent with {n} trusted checkpoint(s) at sizes {}", sizes.join(", "))?;
        }
        if let Some(w) = &c.witnessed {
            write!(f, "{w}")?;
        }
        Ok(())
    }
}

/// The checkpoint a proof led to (origin, size, base64 root).
#[derive(Debug, Serialize)]
pub struct ProofCheckpoint {
    /// Origin.
    pub origin: String,
    /// Size.
    pub size: u64,
    /// Root (base64).
    pub root: String,
}

/// What checking one tlog-proof found.
#[derive(Debug, Serialize)]
pub struct ProofChecked {
    /// No fault.
    pub ok: bool,
    /// The entry's index in the proof.
    pub index: u64,
    /// When ok.
    #[serde(flatten)]
    pub checkpoint: Option<ProofCheckpoint>,
    /// When not ok.
    #[serde(flatten)]
    pub fault: Option<Fault>,
    /// What the trust policy says of the proof's checkpoint, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<crate::log::witnessed::Witnessed>,
    #[serde(skip)]
    proof_file: PathBuf,
}

/// Checks a tlog-proof file against an entry (`-`: stdin) and a verifier key, and with a trust
/// `policy` the witness cosignatures on its checkpoint and the policy's quorum.
pub fn verify_proof(
    proof_path: &Path,
    entry_path: &Path,
    verifier: &Verifier,
    policy: Option<&tlog::trust::Policy>,
) -> Result<ProofChecked> {
    let mut proof_bytes = Vec::new();
    std::fs::File::open(proof_path)
        .and_then(|f| f.take(MAX_PROOF_FILE).read_to_end(&mut proof_bytes))
        .with_context(|| format!("{}", proof_path.display()))?;
    let proof = TlogProof::parse(&proof_bytes).with_context(|| format!("{}", proof_path.display()))?;
    let entry = if entry_path.as_os_str() == "-" {
        let mut e = Vec::new();
        std::io::stdin().lock().take(MAX_ENTRY_SIZE as u64 + 1).read_to_end(&mut e).context("stdin")?;
        e
    } else {
        std::fs::read(entry_path).with_context(|| format!("{}", entry_path.display()))?
    };
    let (checkpoint, mut fault) = match proof.verify(&entry, verifier) {
        Ok(cp) => (Some(ProofCheckpoint { origin: cp.origin, size: cp.size, root: cp.root.to_base64() }), None),
        Err(e) => (None, Some(Fault::from(e))),
    };
    let mut witnessed = None;
    if let (Some(p), None) = (policy, &fault) {
        match judge(&proof.checkpoint, verifier, p) {
            Ok(w) => {
                fault = unmet_quorum(&w);
                witnessed = Some(w);
            }
            Err(f) => fault = Some(f),
        }
    }
    Ok(ProofChecked {
        ok: fault.is_none(),
        index: proof.index,
        checkpoint,
        fault,
        witnessed,
        proof_file: proof_path.to_path_buf(),
    })
}

impl Display for ProofChecked {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (&self.checkpoint, &self.fault) {
            (Some(c), None) => writeln!(
                f,
                "OK: the entry is at index {} of {} (checkpoint size {}, root {})",
                self.index, c.origin, c.size, c.root
            )?,
            (_, fault) => {
                let fault = fault.as_ref().map_or("", |x| x.fault.as_str());
                writeln!(f, "FAULT: {}: {fault}", self.proof_file.display())?
            }
        }
        match &self.witnessed {
            Some(w) => write!(f, "{w}"),
            None => Ok(()),
        }
    }
}
