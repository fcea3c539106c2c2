//! SHA-256 hashes and the RFC 6962 leaf and node hash functions.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// Size in bytes of every hash in the log.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash(pub [u8; HASH_SIZE]);

impl Hash {
    /// The hash in standard base64, as checkpoints and proofs write it.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses a standard base64 hash; `None` unless it decodes to exactly 32 bytes.
    pub fn from_base64(text: &str) -> Option<Hash> {
        let bytes = BASE64.decode(text).ok()?;
        Hash::from_slice(&bytes)
    }

    /// Copies a 32-byte slice into a hash; `None` for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        <[u8; HASH_SIZE]>::try_from(bytes).ok().map(Hash)
    }

    /// The hash in lowercase hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_base64())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// RFC 6962 leaf hash: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 1 + 2 * HASH_SIZE];
    buf[0] = 1;
    buf[1..33].copy_from_slice(&left.0);
    buf[33..].copy_from_slice(&right.0);
    Hash(Sha256::digest(buf).into())
}

/// The root of the empty tree, `SHA-256("")` (RFC 6962 section 2.1).
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The Merkle tree hash of a power-of-two number of consecutive hashes, reduced pairwise.
///
/// Used for the hash of a complete subtree stored as the leaves of a tile. Panics never:
/// an empty slice gives the empty root, and a length that is not a power of two is
/// reduced as RFC 6962 would reduce it.
pub fn subtree_root(hashes: &[Hash]) -> Hash {
    match hashes.len() {
        0 => empty_root(),
        1 => hashes[0],
        n => {
            let k = largest_power_of_two_below(n as u64) as usize;
            node_hash(&subtree_root(&hashes[..k]), &subtree_root(&hashes[k..]))
        }
    }
}

/// The largest power of two strictly smaller than `n` (`n >= 2`).
pub(crate) fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        // The value tessera's checkpoint.0 carries for the empty tree.
        assert_eq!(empty_root().to_base64(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn base64_round_trip_and_rejects_wrong_length() {
        let h = leaf_hash(b"one");
        assert_eq!(Hash::from_base64(&h.to_base64()), Some(h));
        assert_eq!(Hash::from_base64("AAAA"), None);
        assert_eq!(Hash::from_base64("not base64!"), None);
    }

    #[test]
    fn largest_power_of_two_below_examples() {
        assert_eq!(largest_power_of_two_below(2), 1);
        assert_eq!(largest_power_of_two_below(3), 2);
        assert_eq!(largest_power_of_two_below(4), 2);
        assert_eq!(largest_power_of_two_below(5), 4);
        assert_eq!(largest_power_of_two_below(1 << 40), 1 << 39);
    }
}
