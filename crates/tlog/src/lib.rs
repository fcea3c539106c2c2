//! A C2SP tlog-tiles transparency log: append-only, signed, verifiable by anyone.
//!
//! This crate knows nothing of candor's domain: it stores opaque entries (up to 65,535
//! bytes each) and proves things about them. It implements, exactly per the C2SP specs:
//!
//! - RFC 6962 Merkle hashing, inclusion and consistency proofs ([`merkle`]);
//! - signed notes with Ed25519 keys, interoperable with Go's `sumdb/note` ([`note`]);
//! - checkpoints ([`Checkpoint`]), the tiles layout ([`TileId`]), entry bundles, and
//!   offline tlog-proof files ([`TlogProof`]);
//! - a crash-safe writer ([`LogWriter`]) over a storage contract ([`Storage`]) with a local
//!   directory backend ([`DirStorage`]) and an in-memory fake ([`MemStorage`]);
//! - batched sequencing of concurrent appends ([`Sequencer`]);
//! - a full check of a stored log ([`verify_log`]), and an incremental one that reads only
//!   what a new checkpoint adds to a tree verified before, keeping its [`Frontier`] between
//!   runs ([`verify_extension`]);
//! - witness cosignatures, tlog-cosignature `cosignature/v1` ([`cosignature`]), and trust
//!   policies naming the witnesses a checkpoint needs ([`trust`]).
//!
//! ```
//! use tlog::{Checkpoint, LogWriter, MemStorage, Signer, TileReader, TlogProof};
//!
//! # fn main() -> Result<(), tlog::Error> {
//! let storage = MemStorage::new();
//! let signer = Signer::generate("example.com/log")?;
//! let verifier = signer.verifier();
//! let mut log = LogWriter::create(storage.clone(), signer)?;
//! let indexes = log.append(&[b"first".as_slice(), b"second"])?;
//! assert_eq!(indexes, 0..2);
//!
//! // Anyone holding the verifier key can check an entry offline.
//! let mut reader = TileReader::new(&storage, log.size());
//! let proof = TlogProof { extra: None, index: 1, inclusion: reader.inclusion_proof(1)?,
//!                         checkpoint: log.checkpoint().to_vec() };
//! let cp: Checkpoint = proof.verify(b"second", &verifier)?;
//! assert_eq!(cp.size, 2);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod checkpoint;
pub mod cosignature;
mod error;
mod extend;
mod frontier;
mod hash;
pub mod levels;
mod local;
mod log;
pub mod merkle;
pub mod note;
mod proof_file;
mod reader;
mod sequencer;
mod storage;
pub mod tile;
pub mod trust;
mod verify;

pub use checkpoint::Checkpoint;
pub use error::{Error, NoteError, ProofError};
pub use extend::{Extension, Verified, verify_extension};
pub use frontier::Frontier;
pub use hash::{HASH_SIZE, Hash, empty_root, leaf_hash, node_hash, subtree_root};
pub use levels::HashLevels;
pub use local::{LocalLog, POLICY_FILE, STATE_DIR};
pub use log::{LogWriter, check_entry_sizes};
pub use note::{Signer, Verifier};
pub use proof_file::TlogProof;
pub use reader::{TileReader, read_tile};
pub use sequencer::{Appender, DEFAULT_MAX_BATCH, Pending, Sequencer};
pub use storage::{
    CHECKPOINT_PATH, Dir, DirStorage, FileStamp, MAX_READ, MemStorage, Object, ReadStorage, Stamped, Storage,
};
pub use tile::{MAX_ENTRY_SIZE, TileId, TileKind};
pub use verify::{VerifyReport, verify_log, verify_stored_tile, verify_tiles_at, verify_trusted};
