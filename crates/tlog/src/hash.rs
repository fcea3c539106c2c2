//! SHA-256 hashes and the RFC 6962 leaf and node hash functions.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256, compress256};

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
        // A digit at a time from a table: a string made per byte took most of the time of
        // reading an index of every usage record by its leaf hashes.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(2 * self.0.len());
        for b in self.0 {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        out
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

/// SHA-256 initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// Largest message hashed on the stack with hand-made padding; longer ones use the
/// streaming hasher.
const SHORT_MESSAGE: usize = 4 * 64 - 9;

type Block = GenericArray<u8, sha2::digest::consts::U64>;

/// Runs the compression function over padded blocks and returns the digest.
fn digest_blocks(blocks: &[Block]) -> Hash {
    let mut state = SHA256_IV;
    compress256(&mut state, blocks);
    let mut out = [0u8; HASH_SIZE];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Hash(out)
}

/// SHA-256 of `prefix || message` for a short message, padded here and fed straight to the
/// compression function.
///
/// Merkle hashing is millions of tiny messages; skipping the streaming hasher's buffering
/// and finalisation is a measurable share of the log's hashing cost.
fn sha256_short(prefix: u8, message: &[u8]) -> Hash {
    let len = 1 + message.len();
    debug_assert!(len <= SHORT_MESSAGE);
    let n = (len + 9).div_ceil(64);
    let mut blocks = [Block::default(); 4];
    let mut at = 0;
    for bytes in [&[prefix][..], message, &[0x80]] {
        let mut bytes = bytes;
        while !bytes.is_empty() {
            let (b, o) = (at / 64, at % 64);
            let k = (64 - o).min(bytes.len());
            blocks[b][o..o + k].copy_from_slice(&bytes[..k]);
            at += k;
            bytes = &bytes[k..];
        }
    }
    blocks[n - 1][56..].copy_from_slice(&((len as u64) * 8).to_be_bytes());
    digest_blocks(&blocks[..n])
}

/// RFC 6962 leaf hash: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    if entry.len() < SHORT_MESSAGE {
        return sha256_short(0, entry);
    }
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // 65 bytes: always exactly two blocks, the second ending in the bit length 520.
    let mut blocks = [Block::default(); 2];
    blocks[0][0] = 1;
    blocks[0][1..33].copy_from_slice(&left.0);
    blocks[0][33..].copy_from_slice(&right.0[..31]);
    blocks[1][0] = right.0[31];
    blocks[1][1] = 0x80;
    blocks[1][62..].copy_from_slice(&520u16.to_be_bytes());
    digest_blocks(&blocks)
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
    fn hex_is_two_lowercase_digits_a_byte() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = [0x00u8, 0x0f, 0xf0, 0xff, 0x5a, 0xa5, 0x09, 0x90][i % 8].wrapping_add((i / 8) as u8);
        }
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Hash(bytes).to_hex(), expected);
        assert_eq!(Hash([0xab; 32]).to_hex(), "ab".repeat(32));
    }

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
    fn short_path_agrees_with_the_streaming_hasher_at_every_length() {
        for len in 0..600usize {
            let entry: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let mut h = Sha256::new();
            h.update([0u8]);
            h.update(&entry);
            assert_eq!(leaf_hash(&entry).0, <[u8; 32]>::from(h.finalize()), "length {len}");
        }
        for i in 0..50u32 {
            let (l, r) = (leaf_hash(&i.to_be_bytes()), leaf_hash(&(i * 3 + 1).to_le_bytes()));
            let mut buf = vec![1u8];
            buf.extend_from_slice(&l.0);
            buf.extend_from_slice(&r.0);
            assert_eq!(node_hash(&l, &r).0, <[u8; 32]>::from(Sha256::digest(&buf)));
        }
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
