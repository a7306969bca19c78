//! The account tree against a model that keeps the latest record of every
//! account (a `BTreeMap`): after any sequence of batches the tree holds
//! exactly the model, its root depends only on the model (not on the order
//! or batching of the updates, nor on what was cached), every proof checks,
//! and every tampered proof fails.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use parity_scale_codec::{Decode, Encode};
use proptest::prelude::*;
use strata_kv::{KvStore, MemKv, WriteBatch};
use strata_primitives::{Address, Hash32};
use strata_state::{
    AccountProof, AccountTree, EMPTY, Node, NodeStore, ProofError, StateError, account_key,
    record_hash,
};

fn address(seed: u16) -> Address {
    let mut a = [0u8; 20];
    a[..2].copy_from_slice(&seed.to_le_bytes());
    Address(a)
}

/// One batch: (account seed, record bytes).
fn batches() -> impl Strategy<Value = Vec<Vec<(u16, Vec<u8>)>>> {
    prop::collection::vec(
        prop::collection::vec(
            (0u16..300, prop::collection::vec(any::<u8>(), 0..12)),
            0..40,
        ),
        1..8,
    )
}

fn commit(kv: &Arc<MemKv>, tree: &mut AccountTree<Arc<MemKv>>) {
    let mut batch = WriteBatch::new();
    tree.write_into(&mut batch);
    kv.write(batch).unwrap();
}

/// Every node the tree at `root` reaches, read from the store.
fn reachable(kv: &MemKv, root: Hash32) -> BTreeSet<Hash32> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root];
    while let Some(hash) = todo.pop() {
        if hash == EMPTY || !seen.insert(hash) {
            continue;
        }
        if let Node::Inner { left, right } = kv.node(&hash).unwrap().expect("stored") {
            todo.extend([left, right]);
        }
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A cache that forgets each write's superseded nodes and learns its
    /// new ones holds exactly the current tree: nothing superseded is
    /// still reached, and nothing reached is forgotten.
    #[test]
    fn superseded_nodes_are_the_ones_the_new_root_no_longer_reaches(batches in batches()) {
        let kv = Arc::new(MemKv::new());
        let mut tree = AccountTree::open(kv.clone(), EMPTY);
        let mut cached: BTreeSet<Hash32> = BTreeSet::new();
        for batch in &batches {
            let updates: Vec<(Hash32, Hash32)> = batch
                .iter()
                .map(|(seed, record)| (account_key(&address(*seed)), record_hash(record)))
                .collect();
            let before = tree.root();
            let root = tree.update(&updates).unwrap();
            let superseded = tree.take_superseded();
            // A changed root replaces the old one (the empty tree is no node).
            prop_assert_eq!(superseded.is_empty(), root == before || before == EMPTY);
            let mut written = WriteBatch::new();
            let nodes = tree.write_into(&mut written);
            kv.write(written).unwrap();
            for hash in &superseded {
                cached.remove(hash);
            }
            cached.extend(nodes.iter().map(|(hash, _)| *hash));
            prop_assert_eq!(&cached, &reachable(&kv, root));
        }
    }

    #[test]
    fn the_tree_is_the_model(batches in batches(), reopen in any::<bool>(), write_every in 1usize..4) {
        let kv = Arc::new(MemKv::new());
        let mut tree = AccountTree::open(kv.clone(), EMPTY);
        let mut model: BTreeMap<Hash32, Hash32> = BTreeMap::new();
        for (i, batch) in batches.iter().enumerate() {
            let updates: Vec<(Hash32, Hash32)> = batch
                .iter()
                .map(|(seed, record)| (account_key(&address(*seed)), record_hash(record)))
                .collect();
            for (k, r) in &updates {
                model.insert(*k, *r);
            }
            let root = tree.update(&updates).unwrap();
            // Some updates wait for the next one's write: proofs and later
            // updates read their nodes before they are stored.
            let written = i % write_every == write_every - 1 || i + 1 == batches.len();
            if written {
                commit(&kv, &mut tree);
            }
            if reopen && written {
                // Only the store from here on: nothing cached.
                tree = AccountTree::open(kv.clone(), root);
            }
            for (k, r) in &model {
                prop_assert_eq!(tree.get(k).unwrap(), Some(*r));
                let proof = tree.prove(k).unwrap();
                prop_assert_eq!(proof.verify(&root, k, Some(r)), Ok(()));
            }
            for seed in 300u16..310 {
                let k = account_key(&address(seed));
                prop_assert_eq!(tree.get(&k).unwrap(), None);
                let proof = tree.prove(&k).unwrap();
                prop_assert_eq!(proof.verify(&root, &k, None), Ok(()));
                prop_assert!(proof.verify(&root, &k, Some(&[1; 32])).is_err());
            }
        }
        // The same accounts in one batch, into a fresh store, give the same root.
        let all: Vec<(Hash32, Hash32)> = model.iter().map(|(k, r)| (*k, *r)).collect();
        let mut fresh = AccountTree::open(Arc::new(MemKv::new()), EMPTY);
        prop_assert_eq!(fresh.update(&all).unwrap(), tree.root());
        if model.is_empty() {
            prop_assert_eq!(tree.root(), EMPTY);
        }
    }

    #[test]
    fn tampered_proofs_fail(seeds in prop::collection::btree_set(0u16..1000, 2..60), pick in any::<prop::sample::Index>(), byte in 0usize..32, flip in 1u8..=255) {
        let kv = Arc::new(MemKv::new());
        let mut tree = AccountTree::open(kv, EMPTY);
        let seeds: Vec<u16> = seeds.into_iter().collect();
        let updates: Vec<(Hash32, Hash32)> = seeds
            .iter()
            .map(|s| (account_key(&address(*s)), record_hash(&s.to_le_bytes())))
            .collect();
        let root = tree.update(&updates).unwrap();
        let (key, record) = updates[pick.index(updates.len())];
        let proof = tree.prove(&key).unwrap();
        prop_assert_eq!(proof.verify(&root, &key, Some(&record)), Ok(()));
        // SCALE round trip.
        let decoded = AccountProof::decode(&mut &proof.encode()[..]).unwrap();
        prop_assert_eq!(&decoded, &proof);

        // A wrong record, a wrong root, and every tampered sibling fail.
        let mut other = record;
        other[byte] ^= flip;
        prop_assert_eq!(proof.verify(&root, &key, Some(&other)), Err(ProofError::WrongRecord));
        prop_assert_eq!(proof.verify(&root, &key, None), Err(ProofError::WrongRecord));
        let mut wrong_root = root;
        wrong_root[byte] ^= flip;
        prop_assert_eq!(proof.verify(&wrong_root, &key, Some(&record)), Err(ProofError::WrongRoot));
        for i in 0..proof.siblings.len() {
            let mut bad = proof.clone();
            bad.siblings[i][byte] ^= flip;
            prop_assert!(bad.verify(&root, &key, Some(&record)).is_err());
        }
        // A leaf with a tampered record, claimed as that record, fails too.
        let mut bad = proof.clone();
        bad.leaf = Some((key, other));
        prop_assert_eq!(bad.verify(&root, &key, Some(&other)), Err(ProofError::WrongRoot));
        // Dropping or adding a level fails.
        if let Some(first) = proof.siblings.first().copied() {
            let mut short = proof.clone();
            short.siblings.remove(0);
            prop_assert!(short.verify(&root, &key, Some(&record)).is_err());
            let mut long = proof.clone();
            long.siblings.insert(0, first);
            prop_assert!(long.verify(&root, &key, Some(&record)).is_err());
        }
    }
}

#[test]
fn updates_are_logarithmic_and_later_writes_win() {
    let kv = Arc::new(MemKv::new());
    let mut tree = AccountTree::open(kv.clone(), EMPTY);
    let all: Vec<(Hash32, Hash32)> = (0..4096u16)
        .map(|s| (account_key(&address(s)), record_hash(b"v1")))
        .collect();
    tree.update(&all).unwrap();
    commit(&kv, &mut tree);
    // One changed account makes about log2(4096) = 12 new nodes, not 4096.
    let k = all[7].0;
    tree.update(&[(k, record_hash(b"v2")), (k, record_hash(b"v3"))])
        .unwrap();
    let made = tree.pending();
    assert!((8..=20).contains(&made), "{made} nodes for one account");
    assert_eq!(tree.get(&k).unwrap(), Some(record_hash(b"v3")));
}

#[test]
fn a_root_without_its_nodes_is_a_typed_error() {
    let kv = Arc::new(MemKv::new());
    let mut tree = AccountTree::open(kv.clone(), EMPTY);
    let root = tree
        .update(&[
            (account_key(&address(1)), record_hash(b"a")),
            (account_key(&address(2)), record_hash(b"b")),
        ])
        .unwrap();
    // Never written: reopening from the store alone cannot find the root.
    let reopened = AccountTree::open(kv.clone(), root);
    match reopened.get(&account_key(&address(1))) {
        Err(StateError::Missing(h)) => assert_eq!(h, root),
        other => panic!("expected a missing node, got {other:?}"),
    }
    // A corrupt node is corruption with its key.
    let mut batch = WriteBatch::new();
    batch.put(
        strata_primitives::namespaces::ACCOUNT_NODES,
        root,
        vec![9u8; 3],
    );
    kv.write(batch).unwrap();
    match reopened.get(&account_key(&address(1))) {
        Err(StateError::Corrupt { key, .. }) => assert_eq!(key, root),
        other => panic!("expected corruption, got {other:?}"),
    }
}

#[test]
fn a_tree_given_room_forgets_what_the_room_held() {
    let kv = Arc::new(MemKv::new());
    let updates = [(account_key(&address(1)), record_hash(b"a"))];
    let mut plain = AccountTree::open(kv.clone(), EMPTY);
    let root = plain.update(&updates).unwrap();
    let mut batch = WriteBatch::new();
    let made = plain.write_into(&mut batch);
    assert!(!made.is_empty());
    // The room still holds the first tree's nodes; a second tree over the
    // same store reuses it, and neither reads nor writes them.
    let capacity = made.capacity();
    let mut reused = AccountTree::with_room(kv.clone(), EMPTY, made);
    assert_eq!(reused.pending(), 0);
    let other = [(account_key(&address(2)), record_hash(b"b"))];
    let other_root = reused.update(&other).unwrap();
    assert_ne!(other_root, root);
    let mut batch = WriteBatch::new();
    let again = reused.write_into(&mut batch);
    assert_eq!(again.len(), 1, "one leaf: {again:?}");
    assert!(again.capacity() >= capacity, "the room was reused");
    let mut fresh = AccountTree::open(Arc::new(MemKv::new()), EMPTY);
    assert_eq!(fresh.update(&other).unwrap(), other_root);
}
