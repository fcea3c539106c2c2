//! The frontier of a tree: the hashes of its largest complete subtrees, left to right — one per
//! set bit of its size, so at most 64 whatever the size. It is all a verifier needs to keep of a
//! tree it verified: it gives the root, and a larger tree extends it exactly when the larger
//! tree holds these subtrees at their places ([`crate::verify_extension`]).
//!
//! Its text form, for whoever keeps it between runs:
//!
//! ```text
//! <size, decimal, no leading zeroes>
//! <base64 hash of the largest subtree>
//! …one line per set bit of the size, largest subtree first…
//! ```
//!
//! every line ending in a newline. For size 0 it is the line `0` alone.

use crate::checkpoint::{Checkpoint, parse_decimal};
use crate::error::Error;
use crate::hash::{Hash, empty_root, node_hash};
use crate::merkle::SubtreeSource;
use crate::reader::TileReader;
use crate::storage::ReadStorage;

/// The frontier of a tree of `size` leaves (see the module documentation).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Frontier {
    size: u64,
    /// One per set bit of `size`, the largest subtree first.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn empty() -> Frontier {
        Frontier { size: 0, hashes: Vec::new() }
    }

    /// A frontier from its parts; `hashes` must hold one hash per set bit of `size`.
    pub fn new(size: u64, hashes: Vec<Hash>) -> Result<Frontier, Error> {
        if hashes.len() != size.count_ones() as usize {
            return Err(Error::malformed(
                "frontier",
                format!("a tree of size {size} has {} complete subtrees, not {}", size.count_ones(), hashes.len()),
            ));
        }
        Ok(Frontier { size, hashes })
    }

    /// The frontier of the tree a signed checkpoint names, read from the tiles on the right
    /// edge of the tree (at most one per tile level) and checked against the checkpoint's root:
    /// what a verifier that starts now, trusting the checkpoint's signature for what came
    /// before, keeps. No entry bundle is read.
    pub fn from_tiles(storage: &dyn ReadStorage, checkpoint: &Checkpoint) -> Result<Frontier, Error> {
        let mut reader = TileReader::new(storage, checkpoint.size);
        let hashes = subtrees(checkpoint.size)
            .map(|(level, index)| reader.subtree(level, index))
            .collect::<Result<Vec<_>, _>>()?;
        let frontier = Frontier { size: checkpoint.size, hashes };
        let root = frontier.root();
        if root != checkpoint.root {
            return Err(Error::Inconsistent(format!(
                "the tiles at size {} give root {root} but the checkpoint signs {}",
                checkpoint.size, checkpoint.root
            )));
        }
        Ok(frontier)
    }

    /// The number of leaves of the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hashes, largest subtree first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The root of the tree (RFC 6962: each subtree joined to the root of those to its right).
    pub fn root(&self) -> Hash {
        let mut hashes = self.hashes.iter().rev();
        let Some(last) = hashes.next() else { return empty_root() };
        hashes.fold(*last, |right, left| node_hash(left, &right))
    }

    /// The hash of complete subtree `index` at `level` if it is one of the frontier's.
    pub(crate) fn get(&self, level: u8, index: u64) -> Option<Hash> {
        subtrees(self.size).zip(&self.hashes).find(|((l, i), _)| (*l, *i) == (level, index)).map(|(_, h)| *h)
    }

    /// The subtrees as `(level, index, hash)`, largest first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u8, u64, Hash)> + '_ {
        subtrees(self.size).zip(&self.hashes).map(|((l, i), h)| (l, i, *h))
    }

    /// The text form (see the module documentation).
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n", self.size);
        for h in &self.hashes {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s
    }

    /// Parses the text form; anything else (a missing or extra hash, a blank line, no final
    /// newline) is refused.
    pub fn parse(text: &str) -> Result<Frontier, Error> {
        let bad = |d: String| Error::malformed("frontier", d);
        let body = text.strip_suffix('\n').ok_or_else(|| bad("text must end in a newline".into()))?;
        let mut lines = body.split('\n');
        let size_line = lines.next().unwrap_or_default();
        let size = parse_decimal(size_line)
            .ok_or_else(|| bad(format!("size {size_line:?} is not a decimal number without leading zeroes")))?;
        let hashes = lines
            .map(|l| Hash::from_base64(l).ok_or_else(|| bad(format!("{l:?} is not 32 bytes of base64"))))
            .collect::<Result<Vec<_>, _>>()?;
        Frontier::new(size, hashes)
    }
}

/// The complete subtrees of the frontier of a tree of `size` leaves, largest first, as
/// `(level, index)`: subtree `index` at `level` covers leaves `[index << level, (index + 1) << level)`.
pub(crate) fn subtrees(size: u64) -> impl Iterator<Item = (u8, u64)> {
    let mut start = 0u64;
    (0..64u8).rev().filter(move |level| size & (1 << level) != 0).map(move |level| {
        let index = start >> level;
        start += 1 << level;
        (level, index)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::merkle::{MemoryTree, tree_root};

    fn tree(size: u64) -> MemoryTree {
        MemoryTree::new((0..size).map(|i| leaf_hash(&i.to_be_bytes())).collect())
    }

    fn frontier_of(t: &mut MemoryTree) -> Frontier {
        let size = t.len();
        let hashes = subtrees(size).map(|(l, i)| t.subtree(l, i).expect("subtree")).collect();
        Frontier::new(size, hashes).expect("frontier")
    }

    #[test]
    fn the_root_is_the_trees_root_at_every_size() {
        for size in 0..300u64 {
            let mut t = tree(size);
            let f = frontier_of(&mut t);
            assert_eq!(f.hashes().len(), size.count_ones() as usize);
            assert_eq!(f.root(), tree_root(&mut t, size).expect("root"), "size {size}");
        }
    }

    #[test]
    fn subtrees_cover_the_tree_left_to_right() {
        assert_eq!(subtrees(0).count(), 0);
        assert_eq!(subtrees(7).collect::<Vec<_>>(), vec![(2, 0), (1, 2), (0, 6)]);
        assert_eq!(subtrees(256 + 44).collect::<Vec<_>>(), vec![(8, 0), (5, 8), (3, 36), (2, 74)]);
        assert_eq!(subtrees(u64::MAX).count(), 64);
    }

    #[test]
    fn text_round_trips_and_refuses_anything_else() {
        let f = frontier_of(&mut tree(300));
        assert_eq!(Frontier::parse(&f.to_text()).expect("parse"), f);
        assert_eq!(Frontier::parse("0\n").expect("empty"), Frontier::empty());
        let text = f.to_text();
        let one_less: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
        let hash = f.hashes()[0].to_base64();
        for bad in [
            String::new(),
            "0".to_string(),
            "00\n".to_string(),
            "1\n".to_string(),
            format!("0\n{hash}\n"),
            one_less,
            format!("{text}{hash}\n"),
            format!("{text}\n"),
            text.replace(&hash, "AAAA"),
        ] {
            assert!(Frontier::parse(&bad).is_err(), "accepted {bad:?}");
        }
    }
}
