//! What a trust policy says of a checkpoint: per witness it names, cosigned (when), absent, or
//! present but not verifiable here; and whether the policy's quorum is met. Shared by the
//! verifiers, so each says it the same way.

use std::collections::BTreeSet;
use std::fmt::{self, Display, Formatter};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use tlog::cosignature::{Cosigned, check_cosignatures};
use tlog::trust::Policy;

/// Largest policy file read.
const MAX_POLICY_FILE: u64 = 1 << 20;

/// One witness's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WitnessVerdict {
    /// Its name in the policy.
    pub witness: String,
    /// `cosigned`, `absent` or `not verifiable here`.
    pub status: &'static str,
    /// When it cosigned (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
}

/// A checkpoint judged by a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witnessed {
    /// Per witness of the policy.
    pub witnesses: Vec<WitnessVerdict>,
    /// The quorum's name, or none.
    pub quorum: Option<String>,
    /// Whether it is met.
    pub quorum_met: bool,
}

/// Reads a trust policy file.
pub fn read_policy(path: &Path) -> Result<Policy> {
    let len = std::fs::metadata(path).with_context(|| format!("policy {}", path.display()))?.len();
    anyhow::ensure!(len <= MAX_POLICY_FILE, "policy {}: larger than 1 MiB", path.display());
    let text = std::fs::read_to_string(path).with_context(|| format!("policy {}", path.display()))?;
    Policy::parse(&text).with_context(|| format!("policy {}", path.display()))
}

/// Judges a signed checkpoint by `policy` at `now` (seconds since the epoch). A known witness's
/// bad signature, or a cosignature dated in the future, is an error.
pub fn witnessed(checkpoint: &[u8], policy: &Policy, now: u64) -> Result<Witnessed, tlog::NoteError> {
    let verdicts = check_cosignatures(checkpoint, &policy.witness_keys(), now)?;
    let mut cosigned = BTreeSet::new();
    let witnesses = policy
        .witnesses
        .iter()
        .zip(verdicts)
        .map(|(w, (_, verdict))| {
            let (status, timestamp) = match verdict {
                Cosigned::Verified { timestamp } => {
                    cosigned.insert(w.name.clone());
                    ("cosigned", Some(timestamp))
                }
                Cosigned::Absent => ("absent", None),
                Cosigned::NotVerifiableHere => ("not verifiable here", None),
            };
            WitnessVerdict { witness: w.name.clone(), status, timestamp }
        })
        .collect();
    let verdict = policy.verdict(&cosigned);
    Ok(Witnessed { witnesses, quorum: verdict.quorum, quorum_met: verdict.met })
}

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Display for Witnessed {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for w in &self.witnesses {
            match w.timestamp {
                Some(t) => writeln!(f, "    witness {}: cosigned (at {t})", w.witness)?,
                None => writeln!(f, "    witness {}: {}", w.witness, w.status)?,
            }
        }
        match &self.quorum {
            None => writeln!(f, "    quorum: none required"),
            Some(q) if self.quorum_met => writeln!(f, "    quorum {q}: met"),
            Some(q) => writeln!(f, "    quorum {q}: NOT met"),
        }
    }
}
