//! Every complete subtree's hash of a tree, held in memory, so proofs for many of its leaves
//! cost a few lookups each: about 64 bytes a leaf, where a proof kept per leaf takes ten
//! times that and is made whether it is shown or not.

use crate::error::{Error, ProofError};
use crate::hash::{Hash, node_hash};
use crate::merkle::{self, SubtreeSource};

/// The hashes of a tree's complete subtrees, level by level (level 0 its leaves).
#[derive(Debug, Clone, Default)]
pub struct HashLevels {
    levels: Vec<Vec<Hash>>,
}

impl HashLevels {
    /// The tree of `size` leaves whose leaf hashes `src` gives; the levels above are hashed
    /// here from the leaves.
    pub fn read(src: &mut dyn SubtreeSource, size: u64) -> Result<HashLevels, Error> {
        let leaves = (0..size).map(|i| src.subtree(0, i)).collect::<Result<Vec<Hash>, Error>>()?;
        Ok(HashLevels::from_leaves(leaves))
    }

    /// The tree over `leaves`.
    pub fn from_leaves(leaves: Vec<Hash>) -> HashLevels {
        let mut levels = vec![leaves];
        while let Some(below) = levels.last().filter(|l| l.len() > 1) {
            let above: Vec<Hash> = below.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
            levels.push(above);
        }
        HashLevels { levels }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The hash of leaf `index`, if the tree has it.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels.first()?.get(usize::try_from(index).ok()?).copied()
    }

    /// The tree's root hash.
    pub fn root(&self) -> Result<Hash, Error> {
        merkle::tree_root(&mut Lookup(self), self.size())
    }

    /// The inclusion proof of leaf `index` in the whole tree.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, Error> {
        merkle::inclusion_proof(&mut Lookup(self), index, self.size())
    }
}

/// Answers subtree queries from the levels held (no hashing: every complete subtree is kept).
struct Lookup<'a>(&'a HashLevels);

impl SubtreeSource for Lookup<'_> {
    fn subtree(&mut self, level: u8, index: u64) -> Result<Hash, Error> {
        let size = self.0.size();
        let found = self.0.levels.get(usize::from(level)).and_then(|l| l.get(usize::try_from(index).ok()?));
        found.copied().ok_or(Error::Proof(ProofError::IndexOutOfRange { index: index << level, size }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::merkle::MemoryTree;

    #[test]
    fn proofs_and_roots_are_the_hashing_trees() {
        for size in [1u64, 2, 3, 5, 8, 13, 64, 100, 257] {
            let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
            let mut tree = MemoryTree::new(leaves.clone());
            let levels = HashLevels::from_leaves(leaves);
            assert_eq!(levels.size(), size);
            assert_eq!(
                levels.root().expect("proof"),
                merkle::tree_root(&mut tree, size).expect("proof"),
                "root at {size}"
            );
            let read = HashLevels::read(&mut tree, size).expect("proof");
            assert_eq!(read.root().expect("proof"), levels.root().expect("proof"));
            for i in 0..size {
                let proof = levels.inclusion_proof(i).expect("proof");
                assert_eq!(proof, merkle::inclusion_proof(&mut tree, i, size).expect("proof"), "leaf {i} of {size}");
            }
            assert!(levels.inclusion_proof(size).is_err(), "past the tree");
        }
        assert_eq!(HashLevels::default().root().expect("proof"), crate::hash::empty_root());
    }
}
