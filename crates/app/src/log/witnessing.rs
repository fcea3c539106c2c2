//! Asking a log's witnesses to cosign its new checkpoint (the log's side of C2SP tlog-witness)
//! and publishing the checkpoint only when the trust policy's quorum cosigned it.
//!
//! Every witness the policy names with a URL is asked at once, each with a ~1 s timeout, over
//! one keep-alive agent. The first request assumes the witness last cosigned the checkpoint the
//! log serves; a 409 names the size it did cosign, and the log proves consistency from there
//! and asks once more. A 422 (the witness holds a checkpoint this one does not extend) is never
//! retried: the request and the answer are kept under `state/witness-evidence/`. Cosignature
//! lines are verified with the policy's keys before they count or are published.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;
use tlog::cosignature::{Cosigned, check_cosignatures};
use tlog::trust::{Policy, Witness};
use tlog::{Checkpoint, DirStorage, LocalLog, LogWriter, TileReader, note};

use crate::log::witnessed::{now, read_policy};

/// How long one witness may take to answer.
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(1);
/// Largest answer read from a witness (a few cosignature lines).
const MAX_ANSWER: u64 = 64 << 10;

/// What one witness answered.
#[derive(Debug, Clone, Serialize)]
pub struct WitnessAnswer {
    /// Its name in the policy.
    pub witness: String,
    /// `cosigned`, `refused`, `unreachable` or `not asked` (no URL in the policy).
    pub outcome: &'static str,
    /// Why, for anything but a cosignature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Where the evidence of a refusal (422) is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<PathBuf>,
    #[serde(skip)]
    line: Option<String>,
}

/// One round of witnessing a checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    /// The checkpoint's size.
    pub size: u64,
    /// Per witness of the policy.
    pub answers: Vec<WitnessAnswer>,
    /// The quorum's name, or none.
    pub quorum: Option<String>,
    /// Whether the cosignatures gathered meet it.
    pub quorum_met: bool,
    /// Whether the checkpoint is now served.
    pub published: bool,
    /// Published without the quorum because the operator asked (`--witness-fail-open`).
    pub fail_open: bool,
}

impl Round {
    /// The error to give when the checkpoint was not published.
    pub fn unpublished_error(&self) -> anyhow::Error {
        let why: Vec<String> = self
            .answers
            .iter()
            .filter(|a| a.outcome != "cosigned")
            .map(|a| format!("{}: {}", a.witness, a.detail.as_deref().unwrap_or(a.outcome)))
            .collect();
        anyhow::anyhow!(
            "the log holds {} entries, durably, but its checkpoint is NOT published: quorum {} not met ({}). \
             Run candor log witness when the witnesses answer (or --witness-fail-open to bootstrap)",
            self.size,
            self.quorum.as_deref().unwrap_or("none"),
            why.join("; ")
        )
    }
}

impl std::fmt::Display for Round {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for a in &self.answers {
            match &a.detail {
                Some(d) => writeln!(f, "  witness {}: {} ({d})", a.witness, a.outcome)?,
                None => writeln!(f, "  witness {}: {}", a.witness, a.outcome)?,
            }
        }
        let quorum = self.quorum.as_deref().unwrap_or("none");
        match (self.quorum_met, self.published) {
            (true, _) => writeln!(f, "  quorum {quorum}: met; checkpoint of size {} published", self.size),
            (false, true) => writeln!(
                f,
                "  quorum {quorum}: NOT met; checkpoint of size {} published anyway (--witness-fail-open)",
                self.size
            ),
            (false, false) => writeln!(f, "  quorum {quorum}: NOT met; checkpoint of size {} held back", self.size),
        }
    }
}

/// The log's trust policy, if it has one.
pub fn log_policy(home: &LocalLog) -> Result<Option<Policy>> {
    let path = home.policy_path();
    if !path.exists() {
        return Ok(None);
    }
    read_policy(&path).map(Some)
}

/// Opens a log for writing: held back for its witnesses when it has a trust policy.
pub fn open_writer(home: &LocalLog) -> Result<(LogWriter<DirStorage>, Option<Policy>)> {
    let policy = log_policy(home)?;
    let opened = if policy.is_some() { home.open_held() } else { home.open() };
    let writer = opened
        .with_context(|| format!("opening the log in {} (create one with candor log init)", home.home().display()))?;
    Ok((writer, policy))
}

/// What setting a log's trust policy did.
#[derive(Debug, Serialize)]
pub struct PolicySet {
    /// Where the policy is now (served next to the verifier key).
    pub path: PathBuf,
    /// The witnesses it names.
    pub witnesses: Vec<String>,
    /// Its quorum.
    pub quorum: Option<String>,
}

impl std::fmt::Display for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "trust policy saved to {} (witnesses: {}; quorum: {}); from now on a checkpoint is published \
             only once its quorum cosigned it",
            self.path.display(),
            if self.witnesses.is_empty() { "none".to_string() } else { self.witnesses.join(", ") },
            self.quorum.as_deref().unwrap_or("none")
        )
    }
}

/// Makes the policy at `file` the log's own: checked first (it must parse, name this log
/// among its `log` lines when it has any, and give every witness a URL to ask), then saved
/// atomically into the served folder.
pub fn set_policy(home: &LocalLog, file: &Path) -> Result<PolicySet> {
    let policy = read_policy(file)?;
    let verifier = home.verifier().with_context(|| format!("no log in {}", home.home().display()))?;
    if !policy.logs.is_empty() && !policy.logs.iter().any(|l| l.key == verifier) {
        anyhow::bail!("policy {}: its log lines do not name this log's key {}", file.display(), verifier.to_vkey());
    }
    if let Some(w) = policy.witnesses.iter().find(|w| w.url.is_none()) {
        anyhow::bail!("policy {}: witness {} has no URL, so the log cannot ask it to cosign", file.display(), w.name);
    }
    let text = std::fs::read(file).with_context(|| format!("policy {}", file.display()))?;
    let path = home.policy_path();
    let tmp = home.home().join(tlog::STATE_DIR).join("policy.tmp");
    std::fs::create_dir_all(home.home().join(tlog::STATE_DIR))?;
    std::fs::write(&tmp, &text)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .with_context(|| format!("saving {}", path.display()))?;
    Ok(PolicySet { path, witnesses: policy.witnesses.iter().map(|w| w.name.clone()).collect(), quorum: policy.quorum })
}

/// `candor log witness`: asks the log's witnesses to cosign its latest checkpoint (a held one
/// after a round that missed its quorum) and publishes it on a quorum.
pub fn witness_log(dir: &Path, fail_open: bool) -> Result<Round> {
    let home = LocalLog::at(dir);
    let (writer, policy) = open_writer(&home)?;
    let policy = policy.ok_or_else(|| {
        anyhow::anyhow!("{}: the log has no trust policy (set one with candor log set-policy)", dir.display())
    })?;
    witness_and_publish(&home, &writer, &policy, fail_open)
}

/// Asks `policy`'s witnesses to cosign `writer`'s latest checkpoint and publishes it when the
/// quorum is met (or, with `fail_open`, regardless). Nothing is asked when the served
/// checkpoint is already this one with its quorum.
pub fn witness_and_publish(
    home: &LocalLog,
    writer: &LogWriter<DirStorage>,
    policy: &Policy,
    fail_open: bool,
) -> Result<Round> {
    let checkpoint = writer.checkpoint().to_vec();
    let (text, _) = note::parse(&checkpoint).context("the log's own checkpoint")?;
    let body = text.to_string();
    let served = std::fs::read(home.public_dir().join("checkpoint")).unwrap_or_default();
    let served_size = Checkpoint::open(&served, &home.verifier()?).map(|c| c.size).unwrap_or(0);
    if served.starts_with(&checkpoint)
        && let Ok(judged) = crate::log::witnessed::witnessed(&served, policy, now())
        && judged.quorum_met
    {
        let answers = judged
            .witnesses
            .into_iter()
            .map(|w| WitnessAnswer {
                outcome: if w.status == "cosigned" { "cosigned" } else { "not asked" },
                detail: Some("already on the served checkpoint".into()),
                witness: w.witness,
                evidence: None,
                line: None,
            })
            .collect();
        return Ok(Round {
            size: writer.size(),
            answers,
            quorum: judged.quorum,
            quorum_met: true,
            published: true,
            fail_open: false,
        });
    }
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(WITNESS_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let evidence_dir = home.home().join(tlog::STATE_DIR).join("witness-evidence");
    let ask = Ask { agent: &agent, writer, checkpoint: &checkpoint, body: &body, evidence_dir: &evidence_dir };
    let answers: Vec<WitnessAnswer> = std::thread::scope(|s| {
        let handles: Vec<_> = policy.witnesses.iter().map(|w| s.spawn(|| ask.witness(w, served_size))).collect();
        handles
            .into_iter()
            .zip(&policy.witnesses)
            .map(|(h, w)| {
                h.join().unwrap_or_else(|_| answer(w, "unreachable", Some("the request thread failed".into())))
            })
            .collect()
    });
    let cosigned: std::collections::BTreeSet<String> =
        answers.iter().filter(|a| a.line.is_some()).map(|a| a.witness.clone()).collect();
    let verdict = policy.verdict(&cosigned);
    let published = verdict.met || fail_open;
    if published {
        let lines: Vec<String> = answers.iter().filter_map(|a| a.line.clone()).collect();
        writer.publish_checkpoint(&lines).context("publishing the cosigned checkpoint")?;
    }
    Ok(Round {
        size: writer.size(),
        answers,
        quorum: verdict.quorum,
        quorum_met: verdict.met,
        published,
        fail_open: published && !verdict.met,
    })
}

fn answer(w: &Witness, outcome: &'static str, detail: Option<String>) -> WitnessAnswer {
    WitnessAnswer { witness: w.name.clone(), outcome, detail, evidence: None, line: None }
}

/// What asking one witness needs.
struct Ask<'a> {
    agent: &'a ureq::Agent,
    writer: &'a LogWriter<DirStorage>,
    checkpoint: &'a [u8],
    body: &'a str,
    evidence_dir: &'a Path,
}

/// One HTTP answer: status and body.
type Reply = (u16, Vec<u8>);

impl Ask<'_> {
    fn witness(&self, w: &Witness, guess: u64) -> WitnessAnswer {
        let Some(url) = &w.url else {
            return answer(w, "not asked", Some("the policy gives it no URL".into()));
        };
        let url = format!("{}/add-checkpoint", url.trim_end_matches('/'));
        let mut old = guess.min(self.writer.size());
        for attempt in 0..2 {
            let request = match self.request(old) {
                Ok(r) => r,
                Err(e) => return answer(w, "refused", Some(format!("no consistency proof from size {old}: {e}"))),
            };
            let (status, reply) = match self.post(&url, &request) {
                Ok(r) => r,
                Err(e) => return answer(w, "unreachable", Some(e)),
            };
            let said = String::from_utf8_lossy(&reply).trim().chars().take(300).collect::<String>();
            match status {
                200 => return self.check_line(w, &reply),
                409 if attempt == 0 => match said.parse::<u64>() {
                    Ok(size) if size <= self.writer.size() => old = size,
                    Ok(size) => {
                        return answer(
                            w,
                            "refused",
                            Some(format!("it cosigned size {size}, beyond this log's {}", self.writer.size())),
                        );
                    }
                    Err(_) => return answer(w, "refused", Some(format!("409 with a malformed size {said:?}"))),
                },
                422 => {
                    let mut a = answer(w, "refused", Some(format!("422: {said}")));
                    a.evidence = self.keep_evidence(w, &request, &reply);
                    return a;
                }
                _ => return answer(w, "refused", Some(format!("{status}: {said}"))),
            }
        }
        answer(w, "refused", Some("409 twice: its size moved while it was asked".into()))
    }

    fn request(&self, old: u64) -> Result<Vec<u8>, tlog::Error> {
        let proof = TileReader::new(self.writer.storage(), self.writer.size()).consistency_proof(old)?;
        Ok(witness::request::encode(old, &proof, self.checkpoint))
    }

    fn post(&self, url: &str, request: &[u8]) -> Result<Reply, String> {
        let mut res = self
            .agent
            .post(url)
            .header("Content-Type", "text/plain; charset=utf-8")
            .send(request)
            .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let body = res.body_mut().with_config().limit(MAX_ANSWER).read_to_vec().map_err(|e| e.to_string())?;
        Ok((status, body))
    }

    /// Keeps only a cosignature by `w`'s key on exactly this checkpoint.
    fn check_line(&self, w: &Witness, reply: &[u8]) -> WitnessAnswer {
        let Ok(text) = std::str::from_utf8(reply) else {
            return answer(w, "refused", Some("its answer is not UTF-8".into()));
        };
        let mut line_ok = None;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let line = format!("{line}\n");
            let mut signed = self.checkpoint.to_vec();
            signed.extend_from_slice(line.as_bytes());
            if let Ok(v) = check_cosignatures(&signed, std::slice::from_ref(&w.key), now())
                && matches!(v.first(), Some((_, Cosigned::Verified { .. })))
            {
                line_ok = Some(line);
            }
        }
        match line_ok {
            Some(line) => WitnessAnswer {
                witness: w.name.clone(),
                outcome: "cosigned",
                detail: None,
                evidence: None,
                line: Some(line),
            },
            None => answer(
                w,
                "refused",
                Some(format!(
                    "its answer holds no valid cosignature by its key for {}",
                    self.body.lines().next().unwrap_or("")
                )),
            ),
        }
    }

    /// Keeps a refused request and the answer, so the disagreement can be shown to anyone.
    fn keep_evidence(&self, w: &Witness, request: &[u8], reply: &[u8]) -> Option<PathBuf> {
        let name: String = w.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let path = self.evidence_dir.join(format!("{name}-{}-{}.txt", self.writer.size(), now()));
        let mut text = b"# a witness refused this submission (422); the request, then its answer\n".to_vec();
        text.extend_from_slice(request);
        text.extend_from_slice(b"\n# answer\n");
        text.extend_from_slice(reply);
        std::fs::create_dir_all(self.evidence_dir).ok()?;
        std::fs::write(&path, text).ok()?;
        Some(path)
    }
}
