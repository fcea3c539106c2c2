//! C2SP tlog-proof: an offline-verifiable proof that an entry is in a log.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional)
//! index <decimal>
//! <base64 hash>             (inclusion proof, zero or more lines)
//!
//! <checkpoint, verbatim>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{Checkpoint, parse_decimal};
use crate::error::Error;
use crate::hash::{Hash, leaf_hash};
use crate::merkle::verify_inclusion;
use crate::note::Verifier;

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A parsed tlog-proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque, unauthenticated extra data.
    pub extra: Option<Vec<u8>>,
    /// Index of the entry in the log.
    pub index: u64,
    /// Inclusion proof from the leaf's sibling up to the root's child.
    pub inclusion: Vec<Hash>,
    /// The signed checkpoint, verbatim.
    pub checkpoint: Vec<u8>,
}

impl TlogProof {
    /// Serializes the proof.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            s.push_str(&format!("extra {}\n", BASE64.encode(extra)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.inclusion {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        let mut out = s.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses a proof. The checkpoint is kept verbatim; [`TlogProof::verify`] checks it.
    pub fn parse(bytes: &[u8]) -> Result<TlogProof, Error> {
        let bad = |d: String| Error::malformed("tlog-proof", d);
        let mut rest = bytes;
        let mut next_line = |what: &str| -> Result<&str, Error> {
            let nl = rest.iter().position(|&b| b == b'\n').ok_or_else(|| bad(format!("missing {what}")))?;
            let line = std::str::from_utf8(&rest[..nl]).map_err(|_| bad(format!("{what} is not UTF-8")))?;
            rest = &rest[nl + 1..];
            Ok(line)
        };
        if next_line("header line")? != HEADER {
            return Err(bad(format!("first line must be {HEADER}")));
        }
        let mut line = next_line("index line")?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(BASE64.decode(b64).map_err(|_| bad("extra data is not base64".into()))?);
            line = next_line("index line")?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or_else(|| bad(format!("expected \"index N\", found {line:?}")))?;
        let mut inclusion = Vec::new();
        loop {
            let line = next_line("blank line before the checkpoint")?;
            if line.is_empty() {
                break;
            }
            if inclusion.len() == 64 {
                return Err(bad("more than 64 proof hashes".into()));
            }
            inclusion
                .push(Hash::from_base64(line).ok_or_else(|| bad(format!("proof line {line:?} is not a base64 hash")))?);
        }
        if rest.is_empty() {
            return Err(bad("missing checkpoint".into()));
        }
        Ok(TlogProof { extra, index, inclusion, checkpoint: rest.to_vec() })
    }

    /// Verifies the proof for an entry: the checkpoint is signed by `verifier` and the
    /// entry's leaf hash is included in it at `index`. Returns the checkpoint.
    pub fn verify(&self, entry: &[u8], verifier: &Verifier) -> Result<Checkpoint, Error> {
        self.verify_leaf(&leaf_hash(entry), verifier)
    }

    /// Like [`TlogProof::verify`], for an already computed leaf hash.
    pub fn verify_leaf(&self, leaf: &Hash, verifier: &Verifier) -> Result<Checkpoint, Error> {
        let cp = Checkpoint::open(&self.checkpoint, verifier)?;
        verify_inclusion(self.index, cp.size, leaf, &self.inclusion, &cp.root)?;
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_and_without_extra() {
        for extra in [None, Some(b"age-v1.2.1".to_vec())] {
            let p = TlogProof {
                extra,
                index: 73894,
                inclusion: vec![leaf_hash(b"a"), leaf_hash(b"b")],
                checkpoint: b"example.com/log\n1\nAAAA\n\n\xe2\x80\x94 sig\n".to_vec(),
            };
            assert_eq!(TlogProof::parse(&p.to_bytes()).expect("parse"), p);
        }
    }

    #[test]
    fn rejects_malformed_proofs() {
        for bad in [
            "",
            "c2sp.org/tlog-proof@v2\nindex 0\n\ncp\n",
            "c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n",
            "c2sp.org/tlog-proof@v1\nindex x\n\ncp\n",
            "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\ncp\n",
            "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\ncp\n",
            "c2sp.org/tlog-proof@v1\nindex 0\n\n",
            "c2sp.org/tlog-proof@v1\nindex 0\n",
        ] {
            assert!(TlogProof::parse(bad.as_bytes()).is_err(), "accepted {bad:?}");
        }
    }
}
