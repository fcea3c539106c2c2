//! RFC 6962 / RFC 9162 Merkle tree math: roots, inclusion and consistency proofs.
//!
//! Proof *generation* works over any [`SubtreeSource`], a source of complete-subtree
//! hashes (tiles on disk, an in-memory tree). Proof *verification* needs no source: it
//! is the RFC 9162 section 2.1.3.2 / 2.1.4.2 algorithm over the proof alone.

use crate::error::{Error, ProofError};
use crate::hash::{Hash, empty_root, largest_power_of_two_below, node_hash};

/// A source of complete-subtree hashes.
///
/// `subtree(level, index)` is the Merkle tree hash of leaves
/// `[index << level, (index + 1) << level)`, which the caller guarantees lie inside the tree.
pub trait SubtreeSource {
    /// The hash of a complete subtree of `2^level` leaves.
    fn subtree(&mut self, level: u8, index: u64) -> Result<Hash, Error>;
}

/// The Merkle tree hash of leaves `[lo, hi)`, for the ranges RFC 6962's recursion produces
/// (`lo` aligned to the largest power of two below `hi - lo`).
pub fn range_hash(src: &mut dyn SubtreeSource, lo: u64, hi: u64) -> Result<Hash, Error> {
    let n = hi - lo;
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        return src.subtree(n.trailing_zeros() as u8, lo >> n.trailing_zeros());
    }
    let k = largest_power_of_two_below(n);
    let left = range_hash(src, lo, lo + k)?;
    let right = range_hash(src, lo + k, hi)?;
    Ok(node_hash(&left, &right))
}

/// The root hash of the tree of `size` leaves.
pub fn tree_root(src: &mut dyn SubtreeSource, size: u64) -> Result<Hash, Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(src, 0, size)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 PATH).
///
/// Ordered from the leaf's sibling up to the root's child.
pub fn inclusion_proof(src: &mut dyn SubtreeSource, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
    if index >= size {
        return Err(Error::Proof(ProofError::IndexOutOfRange { index, size }));
    }
    let mut proof = Vec::with_capacity(64);
    path(src, index, 0, size, &mut proof)?;
    Ok(proof)
}

fn path(src: &mut dyn SubtreeSource, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), Error> {
    let n = hi - lo;
    if n == 1 {
        return Ok(());
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        path(src, m, lo, lo + k, out)?;
        out.push(range_hash(src, lo + k, hi)?);
    } else {
        path(src, m - k, lo + k, hi, out)?;
        out.push(range_hash(src, lo, lo + k)?);
    }
    Ok(())
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves
/// (RFC 9162 PROOF). Empty when `old` is 0 or equal to `new`.
pub fn consistency_proof(src: &mut dyn SubtreeSource, old: u64, new: u64) -> Result<Vec<Hash>, Error> {
    if old > new {
        return Err(Error::Proof(ProofError::SizesOutOfOrder { old, new }));
    }
    let mut proof = Vec::with_capacity(64);
    if old > 0 && old < new {
        subproof(src, old, 0, new, true, &mut proof)?;
    }
    Ok(proof)
}

fn subproof(
    src: &mut dyn SubtreeSource,
    m: u64,
    lo: u64,
    hi: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), Error> {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push(range_hash(src, lo, hi)?);
        }
        return Ok(());
    }
    let k = largest_power_of_two_below(n);
    if m <= k {
        subproof(src, m, lo, lo + k, whole, out)?;
        out.push(range_hash(src, lo + k, hi)?);
    } else {
        subproof(src, m - k, lo + k, hi, false, out)?;
        out.push(range_hash(src, lo, lo + k)?);
    }
    Ok(())
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves with root `root`
/// (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `old` leaves with root `old_root` is a prefix of the tree of
/// `new` leaves with root `new_root` (RFC 9162 section 2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizesOutOfOrder { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if old == 0 {
        // Every tree extends the empty tree; there is nothing to prove.
        return if proof.is_empty() { Ok(()) } else { Err(ProofError::WrongLength) };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// An in-memory tree of leaf hashes, answering subtree queries by hashing on demand.
///
/// For tests, small logs and tools; the log itself answers from its tiles.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    leaves: Vec<Hash>,
}

impl MemoryTree {
    /// A tree with the given leaf hashes.
    pub fn new(leaves: Vec<Hash>) -> MemoryTree {
        MemoryTree { leaves }
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.leaves.push(leaf);
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// True when the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }
}

impl SubtreeSource for MemoryTree {
    fn subtree(&mut self, level: u8, index: u64) -> Result<Hash, Error> {
        let lo = index << level;
        let hi = lo + (1u64 << level);
        if hi > self.len() {
            return Err(Error::Proof(ProofError::IndexOutOfRange { index: hi - 1, size: self.len() }));
        }
        Ok(crate::hash::subtree_root(&self.leaves[lo as usize..hi as usize]))
    }
}
