//! A witness's folder: `witness.key` (its cosigning key, mode 0600, never logged),
//! `witness.vkey` (the key to put in trust policies) and `witness.db` (its state).

use std::io::Write;
use std::path::{Path, PathBuf};

use tlog::cosignature::{CosignatureVerifier, Cosigner};

use crate::state::State;
use crate::{Error, Witness};

/// The folder of one witness.
pub struct WitnessHome {
    dir: PathBuf,
}

impl WitnessHome {
    /// The witness whose files are in `dir`.
    pub fn at(dir: &Path) -> WitnessHome {
        WitnessHome { dir: dir.to_path_buf() }
    }

    fn key_path(&self) -> PathBuf {
        self.dir.join("witness.key")
    }

    /// Creates the key pair and the state; refuses to overwrite a witness's key.
    pub fn init(&self, name: &str) -> Result<CosignatureVerifier, Error> {
        let io = |e: std::io::Error| Error::Log(format!("{}: {e}", self.dir.display()));
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let cosigner = Cosigner::generate(name)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(self.key_path()).map_err(|e| {
            Error::Log(format!("{}: {e} (a witness's key is never overwritten)", self.key_path().display()))
        })?;
        f.write_all(format!("{}\n", cosigner.to_private_key()).as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        let verifier = cosigner.verifier();
        let vkey = verifier.to_vkey().unwrap_or_default();
        std::fs::write(self.dir.join("witness.vkey"), format!("{vkey}\n")).map_err(io)?;
        State::open(&self.dir.join("witness.db"))?;
        Ok(verifier)
    }

    /// Opens the witness: its key and its state.
    pub fn open(&self) -> Result<Witness, Error> {
        let text = std::fs::read_to_string(self.key_path())
            .map_err(|e| Error::Log(format!("{}: {e} (run candor witness init)", self.key_path().display())))?;
        let cosigner = Cosigner::from_private_key(&text)?;
        Ok(Witness::new(cosigner, State::open(&self.dir.join("witness.db"))?))
    }
}
