//! C2SP tlog-checkpoint: the note text `origin\nsize\nbase64(root)\n[extension lines]`.

use crate::error::{Error, NoteError};
use crate::hash::Hash;
use crate::note::{self, Signer, Verifier};

/// A checkpoint body: the log's origin, tree size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// Number of entries in the tree.
    pub size: u64,
    /// RFC 6962 root hash of the tree.
    pub root: Hash,
    /// Opaque extension lines (not recommended by the spec; candor writes none).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text of the checkpoint, ending in a newline.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses checkpoint note text (without signatures).
    pub fn parse_text(text: &str) -> Result<Checkpoint, Error> {
        let bad = |d: String| Error::malformed("checkpoint", d);
        let body = text.strip_suffix('\n').ok_or_else(|| bad("text must end in a newline".into()))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(bad("empty origin line".into()));
        }
        let size_line = lines.next().ok_or_else(|| bad("missing tree size line".into()))?;
        let size = parse_decimal(size_line)
            .ok_or_else(|| bad(format!("tree size {size_line:?} is not a decimal number without leading zeroes")))?;
        let root_line = lines.next().ok_or_else(|| bad("missing root hash line".into()))?;
        let root = Hash::from_base64(root_line)
            .ok_or_else(|| bad(format!("root hash {root_line:?} is not 32 bytes of base64")))?;
        let mut extensions = Vec::new();
        for e in lines {
            if e.is_empty() {
                return Err(bad("empty extension line".into()));
            }
            extensions.push(e.to_string());
        }
        Ok(Checkpoint { origin: origin.to_string(), size, root, extensions })
    }

    /// Signs the checkpoint, returning the signed note.
    pub fn sign(&self, signer: &Signer) -> Result<String, Error> {
        Ok(signer.sign(&self.to_text())?)
    }

    /// Opens a signed checkpoint: verifies a signature by `verifier` and parses the body.
    ///
    /// The origin must equal the verifier's key name, as it does for every candor and
    /// tessera log; a log whose origin differs from its key name is not accepted here.
    pub fn open(signed: &[u8], verifier: &Verifier) -> Result<Checkpoint, Error> {
        let note = note::open(signed, std::slice::from_ref(verifier))?;
        let cp = Checkpoint::parse_text(&note.text)?;
        if cp.origin != verifier.name() {
            return Err(Error::Note(NoteError::Malformed(format!(
                "checkpoint origin {:?} does not match the key name {:?}",
                cp.origin,
                verifier.name()
            ))));
        }
        Ok(cp)
    }
}

/// Parses an ASCII decimal u64 with no sign and no leading zeroes (except `0` itself).
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        let cp = Checkpoint {
            origin: "example.com/log".into(),
            size: 20852163,
            root: crate::hash::leaf_hash(b"x"),
            extensions: vec!["ext one".into()],
        };
        assert_eq!(Checkpoint::parse_text(&cp.to_text()).expect("parse"), cp);
    }

    #[test]
    fn rejects_malformed_bodies() {
        let root = crate::hash::empty_root().to_base64();
        for bad in [
            String::new(),
            "origin\n".to_string(),
            "origin\n12\n".to_string(),
            format!("origin\n012\n{root}\n"),
            format!("origin\n-1\n{root}\n"),
            format!("origin\n+1\n{root}\n"),
            format!("origin\n18446744073709551616\n{root}\n"),
            "origin\n1\nAAAA\n".to_string(),
            format!("\n1\n{root}\n"),
            format!("origin\n1\n{root}\n\n"),
            format!("origin\n1\n{root}"),
        ] {
            assert!(Checkpoint::parse_text(&bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn decimal_parsing() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("10"), Some(10));
        assert_eq!(parse_decimal("00"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("1 "), None);
    }
}
