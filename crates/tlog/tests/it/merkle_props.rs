//! Merkle roots and proofs checked against a naive reference written straight from the
//! RFC 6962 definitions (MTH, PATH, PROOF over lists of leaves), for every size and index
//! up to a few hundred and random ones up to a few thousand, with negative cases.

use std::sync::OnceLock;

use proptest::prelude::*;
use tlog::merkle::{self, MemoryTree, verify_consistency, verify_inclusion};
use tlog::{Hash, LogWriter, MemStorage, Signer, TileReader, leaf_hash, node_hash};

// ---- the reference: RFC 6962 section 2.1, verbatim, over leaf hashes ----

fn k_for(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => tlog::empty_root(),
        1 => d[0],
        n => {
            let k = k_for(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return vec![];
    }
    let k = k_for(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_for(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

fn proof(m: usize, d: &[Hash]) -> Vec<Hash> {
    if m == 0 || m == d.len() { vec![] } else { subproof(m, d, true) }
}

// ---- the system under test: a real log, written one entry per checkpoint ----

const LOG_SIZE: usize = 4100;

struct TestLog {
    storage: MemStorage,
    leaves: Vec<Hash>,
}

fn test_log() -> &'static TestLog {
    static LOG: OnceLock<TestLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let storage = MemStorage::new();
        let signer = Signer::generate("props.example/log").expect("key");
        let mut w = LogWriter::create(storage.clone(), signer).expect("create");
        let mut leaves = Vec::new();
        for i in 0..LOG_SIZE {
            let e = format!("entry {i}").into_bytes();
            leaves.push(leaf_hash(&e));
            w.append(&[e]).expect("append");
        }
        TestLog { storage, leaves }
    })
}

fn flip(mut h: Hash, byte: usize) -> Hash {
    h.0[byte % 32] ^= 0x80;
    h
}

/// Checks root, inclusion proof and its negative cases for one (size, index).
fn check_inclusion(size: usize, index: usize, corrupt: usize) {
    let log = test_log();
    let d = &log.leaves[..size];
    let root = mth(d);
    let mut tiles = TileReader::new(&log.storage, size as u64);
    assert_eq!(tiles.root().expect("root"), root, "root at size {size}");
    let got = tiles.inclusion_proof(index as u64).expect("proof");
    assert_eq!(got, path(index, d), "PATH({index}, {size})");
    let leaf = d[index];
    verify_inclusion(index as u64, size as u64, &leaf, &got, &root).expect("verifies");
    // Negative cases.
    assert!(verify_inclusion(index as u64, size as u64, &flip(leaf, corrupt), &got, &root).is_err());
    assert!(verify_inclusion(index as u64, size as u64, &leaf, &got, &flip(root, corrupt)).is_err());
    if !got.is_empty() {
        let mut bad = got.clone();
        let i = corrupt % bad.len();
        bad[i] = flip(bad[i], corrupt);
        assert!(verify_inclusion(index as u64, size as u64, &leaf, &bad, &root).is_err());
        assert!(verify_inclusion(index as u64, size as u64, &leaf, &got[..got.len() - 1], &root).is_err());
    }
    let mut longer = got.clone();
    longer.push(leaf);
    assert!(verify_inclusion(index as u64, size as u64, &leaf, &longer, &root).is_err());
    if size > 1 {
        let other = (index + 1 + corrupt % (size - 1)) % size;
        assert!(verify_inclusion(other as u64, size as u64, &leaf, &got, &root).is_err(), "wrong index {other}");
    }
    assert!(verify_inclusion(size as u64, size as u64, &leaf, &got, &root).is_err());
}

/// Checks the consistency proof and its negative cases for one (old, new).
fn check_consistency(old: usize, new: usize, corrupt: usize) {
    let log = test_log();
    let d = &log.leaves[..new];
    let (old_root, new_root) = (mth(&d[..old]), mth(d));
    let got = TileReader::new(&log.storage, new as u64).consistency_proof(old as u64).expect("proof");
    assert_eq!(got, proof(old, d), "PROOF({old}, {new})");
    verify_consistency(old as u64, new as u64, &old_root, &new_root, &got).expect("verifies");
    if old > 0 && old < new {
        assert!(verify_consistency(old as u64, new as u64, &flip(old_root, corrupt), &new_root, &got).is_err());
        assert!(verify_consistency(old as u64, new as u64, &old_root, &flip(new_root, corrupt), &got).is_err());
        let mut bad = got.clone();
        let i = corrupt % bad.len();
        bad[i] = flip(bad[i], corrupt);
        assert!(verify_consistency(old as u64, new as u64, &old_root, &new_root, &bad).is_err());
        assert!(verify_consistency(old as u64, new as u64, &old_root, &new_root, &got[..got.len() - 1]).is_err());
        // A proof for other sizes: the wrong tree's roots do not verify. (The sizes alone are
        // not bound by the hashes: (4, 5) and (4, 6) share a proof shape. The signed
        // checkpoint is what binds a size to a root.)
        if new > old + 1 {
            let shorter_root = mth(&d[..new - 1]);
            assert!(verify_consistency(old as u64, new as u64 - 1, &old_root, &shorter_root, &got).is_err());
        }
    }
    assert!(verify_consistency(new as u64 + 1, new as u64, &old_root, &new_root, &got).is_err());
}

#[test]
fn every_size_and_index_up_to_300() {
    for size in 1..=300 {
        for index in 0..size {
            check_inclusion(size, index, size * 31 + index);
        }
    }
}

#[test]
fn every_pair_of_sizes_up_to_200() {
    for new in 0..=200 {
        for old in 0..=new {
            check_consistency(old, new, old * 7 + new);
        }
    }
}

#[test]
fn memory_tree_agrees_with_the_reference() {
    let leaves: Vec<Hash> = (0..600u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    for size in [1usize, 2, 3, 255, 256, 257, 511, 512, 513, 600] {
        let mut t = MemoryTree::new(leaves[..size].to_vec());
        assert_eq!(merkle::tree_root(&mut t, size as u64).expect("root"), mth(&leaves[..size]));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_inclusion_proofs(size in 1..=LOG_SIZE, index_seed in any::<usize>(), corrupt in any::<usize>()) {
        check_inclusion(size, index_seed % size, corrupt);
    }

    #[test]
    fn random_consistency_proofs(new in 0..=LOG_SIZE, old_seed in any::<usize>(), corrupt in any::<usize>()) {
        check_consistency(old_seed % (new + 1), new, corrupt);
    }
}
