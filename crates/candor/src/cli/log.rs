//! Flags of `candor log`: where the log lives and what to do with it.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Where the log lives: a home folder with `log.key`, `log.vkey`, `public/` and `state/`.
#[derive(Debug, Args, Clone)]
pub struct LogDir {
    /// The log's home folder.
    #[arg(long, env = "CANDOR_LOG_DIR", default_value = "candor-log")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Create a new log: generate its Ed25519 key and sign the empty checkpoint.
    Init {
        #[command(flatten)]
        log: LogDir,
        /// The log's origin (also its key name), a schema-less URL such as example.com/log.
        #[arg(long)]
        origin: String,
        #[arg(long)]
        json: bool,
    },
    /// Append entries: each FILE is one entry; without files, each line of stdin is one.
    Append {
        #[command(flatten)]
        log: LogDir,
        /// Files to append, one entry each (`-` is stdin as a single entry).
        files: Vec<PathBuf>,
        /// Treat every line of the FILES as its own entry.
        #[arg(long)]
        lines: bool,
        /// Most entries integrated under one checkpoint.
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        batch_size: u32,
        /// Publish the new checkpoint even when the trust policy's witnesses do not reach their
        /// quorum (bootstrap only: readers holding the policy will see it as not witnessed).
        #[arg(long)]
        witness_fail_open: bool,
        /// One JSON object per entry instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Make a trust policy the log's own: from now on each new checkpoint goes to the
    /// policy's witnesses and is published only once its quorum cosigned it. The policy is
    /// served next to the verifier key (public/trust-policy).
    SetPolicy {
        #[command(flatten)]
        log: LogDir,
        /// The policy file (log, witness NAME VKEY URL, group, quorum lines).
        policy: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Ask the log's witnesses to cosign its latest checkpoint and publish it on a quorum
    /// (after a run that missed its quorum, or to add cosignatures to the served checkpoint).
    Witness {
        #[command(flatten)]
        log: LogDir,
        /// Publish even without the quorum (bootstrap only).
        #[arg(long)]
        witness_fail_open: bool,
        #[arg(long)]
        json: bool,
    },
    /// Print the latest signed checkpoint (after checking its signature).
    Checkpoint {
        #[command(flatten)]
        log: LogDir,
        /// Also save it to this file (to pass later as `verify --trusted`).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write a tlog-proof file proving that entry INDEX is in the log.
    Prove {
        #[command(flatten)]
        log: LogDir,
        /// Index of the entry.
        index: u64,
        /// Where to write the proof [default: entry-INDEX.tlog-proof].
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a whole log folder: every entry rehashed, every tile and the root recomputed,
    /// the signature checked, and consistency with older trusted checkpoints.
    Verify {
        /// A log home (with public/) or a bare tlog-tiles folder [default: --dir].
        target: Option<PathBuf>,
        #[command(flatten)]
        log: LogDir,
        /// The log's verifier key, or a file holding it [default: the home's log.vkey].
        #[arg(long)]
        vkey: Option<String>,
        /// An older signed checkpoint the latest must be consistent with (repeatable).
        #[arg(long)]
        trusted: Vec<PathBuf>,
        /// A trust policy (log, witness, group, quorum lines): the checkpoint's witness
        /// cosignatures are checked and its quorum required.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a tlog-proof file for an entry, offline.
    VerifyProof {
        /// The .tlog-proof file.
        proof: PathBuf,
        /// The entry the proof is for (`-` for stdin).
        #[arg(long)]
        entry: PathBuf,
        /// The log's verifier key, or a file holding it [default: log.vkey of --dir].
        #[arg(long)]
        vkey: Option<String>,
        #[command(flatten)]
        log: LogDir,
        /// A trust policy: the proof's checkpoint must carry its quorum of witness cosignatures.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}
