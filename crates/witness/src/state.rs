//! The witness's state in SQLite: the logs it watches (added, never changed or removed; the
//! database refuses it), the latest checkpoint it cosigned per log, and the checkpoints it
//! refused as inconsistent, kept as evidence of the log's misbehaviour, each once. Writes use
//! the full `synchronous` mode, so a checkpoint is on disk before its cosignature leaves.
//! Checkpoints are kept as the witness's `signed` module makes them: the text, the log's
//! verified lines and, for the latest, this witness's cosignature; never a submitter's other
//! lines.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tlog::{Hash, Verifier};

use crate::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS logs (origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, added INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS logs_are_never_changed BEFORE UPDATE ON logs
    BEGIN SELECT RAISE(ABORT, 'a watched log cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS logs_are_never_removed BEFORE DELETE ON logs
    BEGIN SELECT RAISE(ABORT, 'a watched log cannot be removed'); END;
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY REFERENCES logs(origin), size INTEGER NOT NULL, root BLOB NOT NULL,
    checkpoint BLOB NOT NULL, cosigned_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY, origin TEXT NOT NULL, at INTEGER NOT NULL, reason TEXT NOT NULL,
    old_size INTEGER NOT NULL, proof TEXT NOT NULL, submitted BLOB NOT NULL, latest BLOB);
";

/// The latest checkpoint cosigned for a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    /// Its tree size.
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
    /// The signed checkpoint: its text, the log's signature lines and this witness's
    /// cosignature (a state written before kept the submission verbatim).
    pub checkpoint: Vec<u8>,
    /// When this witness cosigned it (seconds since the epoch): its cosignature's timestamp.
    pub cosigned_at: u64,
}

/// A refused submission kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The log's origin.
    pub origin: String,
    /// Why it was refused.
    pub reason: String,
    /// The refused signed checkpoint (its text and the log's signature lines).
    pub submitted: Vec<u8>,
    /// The cosigned checkpoint it contradicts.
    pub latest: Option<Vec<u8>>,
}

/// The state database.
pub struct State {
    conn: Connection,
}

impl State {
    /// Opens (creating) the state database.
    pub fn open(path: &Path) -> Result<State, Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(State { conn })
    }

    /// An in-memory state (tests).
    pub fn in_memory() -> Result<State, Error> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Ok(State { conn })
    }

    /// Starts watching a log. The same log again changes nothing; another key for an origin
    /// already watched is refused.
    pub fn add_log(&mut self, origin: &str, vkey: &Verifier, now: u64) -> Result<bool, Error> {
        let vkey = vkey.to_vkey();
        let existing: Option<String> =
            self.conn.query_row("SELECT vkey FROM logs WHERE origin = ?1", [origin], |r| r.get(0)).optional()?;
        match existing {
            Some(k) if k == vkey => Ok(false),
            Some(k) => Err(Error::Log(format!("{origin} is watched with another key ({k}); logs are never changed"))),
            None => {
                self.conn.execute(
                    "INSERT INTO logs (origin, vkey, added) VALUES (?1, ?2, ?3)",
                    params![origin, vkey, now as i64],
                )?;
                Ok(true)
            }
        }
    }

    /// The key of a watched log.
    pub fn log_key(&self, origin: &str) -> Result<Option<Verifier>, Error> {
        let vkey: Option<String> =
            self.conn.query_row("SELECT vkey FROM logs WHERE origin = ?1", [origin], |r| r.get(0)).optional()?;
        vkey.map(|k| Verifier::from_vkey(&k).map_err(Error::from)).transpose()
    }

    /// Every watched log: (origin, verifier key).
    pub fn logs(&self) -> Result<Vec<(String, String)>, Error> {
        let mut st = self.conn.prepare("SELECT origin, vkey FROM logs ORDER BY origin")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Runs `decide` on a log's latest cosigned checkpoint inside one immediate transaction and
    /// stores what it returns: a new latest checkpoint, evidence, or nothing. Checking the old
    /// size and recording the new checkpoint are one atomic step, so two submissions cannot
    /// both pass against the same old state. Evidence already kept (the same refused checkpoint
    /// sent again) is not written again, so repeating a refused submission writes nothing.
    pub fn update<T>(
        &mut self,
        origin: &str,
        decide: impl FnOnce(Option<&Latest>) -> (Outcome, T),
    ) -> Result<T, Error> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let latest = read_latest(&tx, origin)?;
        let (outcome, answer) = decide(latest.as_ref());
        match outcome {
            Outcome::Cosign { size, root, checkpoint, at } => {
                tx.execute(
                    "INSERT INTO latest (origin, size, root, checkpoint, cosigned_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, \
                     checkpoint = excluded.checkpoint, cosigned_at = excluded.cosigned_at",
                    params![origin, size as i64, root.0.to_vec(), checkpoint, at as i64],
                )?;
            }
            Outcome::Evidence { reason, old_size, proof, submitted, latest, at } => {
                let kept: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM evidence WHERE origin = ?1 AND submitted = ?2)",
                    params![origin, submitted],
                    |r| r.get(0),
                )?;
                if !kept {
                    tx.execute(
                        "INSERT INTO evidence (origin, at, reason, old_size, proof, submitted, latest) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![origin, at as i64, reason, old_size as i64, proof, submitted, latest],
                    )?;
                }
            }
            Outcome::Nothing => {}
        }
        tx.commit()?;
        Ok(answer)
    }

    /// The latest cosigned checkpoint of a log.
    pub fn latest(&self, origin: &str) -> Result<Option<Latest>, Error> {
        read_latest(&self.conn, origin)
    }

    /// Every refused submission kept, oldest first.
    pub fn evidence(&self) -> Result<Vec<Evidence>, Error> {
        let mut st = self.conn.prepare("SELECT origin, reason, submitted, latest FROM evidence ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(Evidence { origin: r.get(0)?, reason: r.get(1)?, submitted: r.get(2)?, latest: r.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A log's latest cosigned checkpoint, read in `conn` (or a transaction on it). A stored root
/// that is not 32 bytes is an error, never "nothing cosigned": that would let any checkpoint
/// through.
fn read_latest(conn: &Connection, origin: &str) -> Result<Option<Latest>, Error> {
    let row = conn
        .query_row("SELECT size, root, checkpoint, cosigned_at FROM latest WHERE origin = ?1", [origin], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, i64>(3)?))
        })
        .optional()?;
    row.map(|(size, root, checkpoint, cosigned_at)| {
        let root = root.try_into().map_err(|_| Error::Log(format!("{origin}: the stored root is not 32 bytes")))?;
        Ok(Latest { size: size as u64, root: Hash(root), checkpoint, cosigned_at: cosigned_at as u64 })
    })
    .transpose()
}

/// What a submission leaves in the state.
#[derive(Debug)]
pub enum Outcome {
    /// The checkpoint becomes the log's latest cosigned one.
    Cosign {
        /// Tree size.
        size: u64,
        /// Root hash.
        root: Hash,
        /// The signed checkpoint.
        checkpoint: Vec<u8>,
        /// When (seconds since the epoch).
        at: u64,
    },
    /// An inconsistent checkpoint, kept as evidence.
    Evidence {
        /// Why it was refused.
        reason: String,
        /// The old size it claimed.
        old_size: u64,
        /// Its consistency proof (base64 lines).
        proof: String,
        /// The signed checkpoint.
        submitted: Vec<u8>,
        /// The cosigned checkpoint it contradicts, if any.
        latest: Option<Vec<u8>>,
        /// When.
        at: u64,
    },
    /// Nothing to store.
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_is_added_once_and_never_changed_or_removed() {
        let mut s = State::in_memory().expect("state");
        let k = tlog::Signer::generate("example.com/log").expect("key").verifier();
        assert!(s.add_log("example.com/log", &k, 1).expect("add"));
        assert!(!s.add_log("example.com/log", &k, 2).expect("again"));
        let other = tlog::Signer::generate("example.com/log").expect("key").verifier();
        assert!(s.add_log("example.com/log", &other, 3).is_err());
        assert!(s.conn.execute("UPDATE logs SET vkey = 'x'", []).is_err(), "the database refuses a change");
        assert!(s.conn.execute("DELETE FROM logs", []).is_err(), "the database refuses a removal");
        assert_eq!(s.log_key("example.com/log").expect("key"), Some(k));
    }
}
