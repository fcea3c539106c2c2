//! A log kept in a local folder with its key:
//!
//! ```text
//! <home>/log.key      private key (mode 0600; never served)
//! <home>/log.vkey     verifier key (public)
//! <home>/public/      the tlog-tiles tree: checkpoint, tile/… — serve this folder
//! <home>/public/trust-policy  the trust policy, when the log is witnessed
//! <home>/state/       writer lock, temporary files, a checkpoint awaiting its witnesses
//!                     (never served)
//! ```

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::checkpoint::Checkpoint;
use crate::error::Error;
use crate::error::NoteError;
use crate::log::LogWriter;
use crate::note::{Signer, Verifier};
use crate::proof_file::TlogProof;
use crate::reader::TileReader;
use crate::storage::{CHECKPOINT_PATH, Dir, DirStorage, ReadStorage};

/// File name of the private key inside a log home.
pub const KEY_FILE: &str = "log.key";
/// File name of the verifier key inside a log home.
pub const VKEY_FILE: &str = "log.vkey";
/// The served folder inside a log home.
pub const PUBLIC_DIR: &str = "public";
/// The writer's private folder inside a log home.
pub const STATE_DIR: &str = "state";
/// The log's trust policy (which witnesses must cosign), served next to its verifier key.
pub const POLICY_FILE: &str = "trust-policy";

/// Paths of a log home.
#[derive(Debug, Clone)]
pub struct LocalLog {
    home: PathBuf,
}

impl LocalLog {
    /// The log home at `home` (nothing is read yet).
    pub fn at(home: impl Into<PathBuf>) -> LocalLog {
        LocalLog { home: home.into() }
    }

    /// The home folder.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The folder to serve: `checkpoint` and `tile/`.
    pub fn public_dir(&self) -> PathBuf {
        self.home.join(PUBLIC_DIR)
    }

    /// The private key file.
    pub fn key_path(&self) -> PathBuf {
        self.home.join(KEY_FILE)
    }

    /// The verifier key file.
    pub fn vkey_path(&self) -> PathBuf {
        self.home.join(VKEY_FILE)
    }

    /// The log's trust policy, when it has one: inside the served folder, so readers find the
    /// witnesses it asks next to the verifier key (`public/vkey`).
    pub fn policy_path(&self) -> PathBuf {
        self.public_dir().join(POLICY_FILE)
    }

    /// True when the home holds a log (a key file or a checkpoint).
    pub fn exists(&self) -> bool {
        self.key_path().exists() || self.public_dir().join("checkpoint").exists()
    }

    /// Creates a new log with a fresh Ed25519 key named `origin`, signs the empty
    /// checkpoint and returns the writer. Refuses to overwrite anything.
    pub fn init(&self, origin: &str) -> Result<LogWriter<DirStorage>, Error> {
        for p in [self.key_path(), self.public_dir().join("checkpoint")] {
            if p.exists() {
                return Err(Error::AlreadyExists(p));
            }
        }
        let signer = Signer::generate(origin)?;
        fs::create_dir_all(&self.home).map_err(|e| Error::io(&self.home, e))?;
        write_new(&self.key_path(), format!("{}\n", signer.to_private_key()).as_bytes(), 0o600)?;
        let created = write_new(&self.vkey_path(), format!("{}\n", signer.verifier().to_vkey()).as_bytes(), 0o644)
            .and_then(|()| DirStorage::open(self.public_dir(), self.home.join(STATE_DIR)))
            .and_then(|storage| LogWriter::create(storage, signer));
        if created.is_err() {
            // Leave no half-made log behind that a second init would refuse.
            let _ = fs::remove_file(self.key_path());
            let _ = fs::remove_file(self.vkey_path());
        }
        created
    }

    /// Opens the log for writing (takes the writer lock and recovers).
    pub fn open(&self) -> Result<LogWriter<DirStorage>, Error> {
        let signer = self.signer()?;
        let storage = DirStorage::open(self.public_dir(), self.home.join(STATE_DIR))?;
        LogWriter::open(storage, signer)
    }

    /// Opens the log for a witnessed writer: each commit's checkpoint is held back in the state
    /// folder until [`LogWriter::publish_checkpoint`] serves it with its cosignatures.
    pub fn open_held(&self) -> Result<LogWriter<DirStorage>, Error> {
        let signer = self.signer()?;
        let storage = DirStorage::open_held(self.public_dir(), self.home.join(STATE_DIR))?;
        LogWriter::open(storage, signer)
    }

    /// Reads the private key; refuses a key file that others can read.
    pub fn signer(&self) -> Result<Signer, Error> {
        let path = self.key_path();
        let meta = fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::io(
                &path,
                std::io::Error::other(format!(
                    "private key is accessible to other users (mode {mode:o}); run chmod 600 on it"
                )),
            ));
        }
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Signer::from_private_key(text.trim()).map_err(|e| match e {
            NoteError::MalformedKey(why) => Error::malformed("private key file", format!("{}: {why}", path.display())),
            other => Error::Note(other),
        })
    }

    /// Reads the verifier key.
    pub fn verifier(&self) -> Result<Verifier, Error> {
        let path = self.vkey_path();
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Verifier::from_vkey(text.trim())?)
    }

    /// The latest checkpoint as served (its bytes), opened with the log's own key.
    pub fn latest_checkpoint(&self) -> Result<(Vec<u8>, Checkpoint, Verifier), Error> {
        let verifier = self.verifier()?;
        let bytes = Dir::new(self.public_dir())
            .read(CHECKPOINT_PATH)?
            .ok_or_else(|| Error::Missing { path: CHECKPOINT_PATH.into() })?;
        let checkpoint = Checkpoint::open(&bytes, &verifier)?;
        Ok((bytes, checkpoint, verifier))
    }

    /// A tlog-proof of entry `index` at the latest checkpoint, with the entry. The proof is
    /// verified before it is returned: one built from damaged tiles is never handed out.
    pub fn prove(&self, index: u64) -> Result<(Vec<u8>, TlogProof), Error> {
        let (bytes, checkpoint, verifier) = self.latest_checkpoint()?;
        let public = Dir::new(self.public_dir());
        let mut reader = TileReader::new(&public, checkpoint.size);
        let entry = reader.entry(index)?;
        let proof = TlogProof { extra: None, index, inclusion: reader.inclusion_proof(index)?, checkpoint: bytes };
        proof.verify(&entry, &verifier)?;
        Ok((entry, proof))
    }
}

/// Creates a file that must not exist yet, with `mode`, and makes it durable.
fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<(), Error> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(mode).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::AlreadyExists(path.into())
        } else {
            Error::io(path, e)
        }
    })?;
    f.write_all(data).and_then(|()| f.sync_all()).map_err(|e| Error::io(path, e))?;
    // The mode given at creation is filtered by the umask; set it exactly.
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::io(path, e))?;
    if let Some(dir) = path.parent() {
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_a_private_key_readable_only_by_its_owner() {
        let d = tempfile::tempdir().expect("tempdir");
        let log = LocalLog::at(d.path().join("log"));
        let w = log.init("test.example/log").expect("init");
        drop(w);
        let mode = fs::metadata(log.key_path()).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(log.verifier().expect("vkey"), log.signer().expect("key").verifier());
        assert!(log.public_dir().join("checkpoint").exists());
    }

    #[test]
    fn init_refuses_to_overwrite() {
        let d = tempfile::tempdir().expect("tempdir");
        let log = LocalLog::at(d.path());
        drop(log.init("test.example/log").expect("init"));
        let key_before = fs::read(log.key_path()).expect("key");
        assert!(matches!(log.init("test.example/log").err(), Some(Error::AlreadyExists(_))));
        assert_eq!(fs::read(log.key_path()).expect("key"), key_before);
    }

    #[test]
    fn a_key_readable_by_others_is_refused() {
        let d = tempfile::tempdir().expect("tempdir");
        let log = LocalLog::at(d.path());
        drop(log.init("test.example/log").expect("init"));
        fs::set_permissions(log.key_path(), fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = log.open().err().expect("refused");
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_held_log_serves_a_checkpoint_only_once_published() {
        let d = tempfile::tempdir().expect("tempdir");
        let log = LocalLog::at(d.path());
        drop(log.init("test.example/log").expect("init"));
        let served = || fs::read(log.public_dir().join("checkpoint")).expect("served");
        let empty = served();
        let mut w = log.open_held().expect("held");
        w.append(&[b"a".as_slice(), b"b"]).expect("append");
        assert_eq!(served(), empty, "a held commit must not change the served checkpoint");
        drop(w);

        // Reopened held, the writer continues from the held checkpoint, not the served one.
        let mut w = log.open_held().expect("held again");
        assert_eq!(w.size(), 2);
        w.append(&[b"c".as_slice()]).expect("append");
        let line = "\u{2014} witness.example/w AAAA\n".to_string();
        let published = w.publish_checkpoint(std::slice::from_ref(&line)).expect("publish");
        assert_eq!(served(), published);
        assert!(published.ends_with(line.as_bytes()) && published.starts_with(w.checkpoint()));
        assert!(w.publish_checkpoint(&["not a line".into()]).is_err());
        w.append(&[b"d".as_slice()]).expect("append");
        drop(w);

        // A writer that publishes as it goes first publishes what was held.
        let w = log.open().expect("open");
        assert_eq!(w.size(), 4);
        assert_eq!(served(), w.checkpoint());
        assert!(!log.home().join(STATE_DIR).join("checkpoint").exists());
    }
}
