//! `candor witness …`: a C2SP tlog-witness of one's own.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// The witness's folder (key, verifier key, state).
#[derive(Debug, Args)]
pub struct WitnessDir {
    /// The witness's folder: witness.key (0600), witness.vkey, witness.db.
    #[arg(long = "dir", env = "CANDOR_WITNESS_DIR", default_value = "candor-witness")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Create the witness's key pair (private key mode 0600) and state; prints its verifier key.
    Init {
        #[command(flatten)]
        dir: WitnessDir,
        /// The witness's name, a schema-less URL (e.g. witness.example.org/w1).
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Watch a log: its checkpoints signed by this key are cosigned when consistent. Logs are
    /// added, never removed or changed.
    AddLog {
        #[command(flatten)]
        dir: WitnessDir,
        /// The log's verifier key (name+id+key, as `candor log init` prints it).
        vkey: String,
        /// The log's origin line, if not the key's name.
        #[arg(long)]
        origin: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Serve POST /add-checkpoint (C2SP tlog-witness) until Ctrl-C.
    Serve {
        #[command(flatten)]
        dir: WitnessDir,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
        /// Submissions a second each log may make (bursts of twice as many), new checkpoints and
        /// repeats of the one cosigned last counted apart; more get 429.
        #[arg(long, default_value_t = 20.0)]
        rate_per_log: f64,
        #[command(flatten)]
        limits: super::ServeLimits,
    },
}
