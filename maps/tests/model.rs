//! The tree against a `BTreeMap` model: lookups, iteration, proofs, nested
//! maps, canonical roots whatever the order of operations, and written
//! records that reopen the map from the store alone.

use std::collections::BTreeMap;

use proptest::prelude::*;
use strata_kv::{KvStore, MemKv, WriteBatch};
use strata_maps::{
    EMPTY, Fresh, MAX_KEY_LEN, MAX_VALUE_LEN, MapError, MapTree, Value, children, key_hash,
    verify_nested, write_reachable,
};
use strata_primitives::{Hash32, namespaces};

#[derive(Clone, Debug)]
enum Op {
    Set(u8, Vec<u8>),
    Remove(u8),
}

fn key(k: u8) -> Vec<u8> {
    // Some keys of different lengths, including the empty key.
    vec![b'k'; usize::from(k % 5)]
        .into_iter()
        .chain([k])
        .skip(usize::from(k == 0))
        .collect()
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            3 => (any::<u8>(), prop::collection::vec(any::<u8>(), 0..40)).prop_map(|(k, v)| Op::Set(k % 64, v)),
            1 => any::<u8>().prop_map(|k| Op::Remove(k % 64)),
        ],
        0..120,
    )
}

fn apply(tree: &mut MapTree<'_, MemKv>, mut root: Hash32, ops: &[Op]) -> Hash32 {
    for op in ops {
        root = match op {
            Op::Set(k, v) => {
                tree.set(&root, &key(*k), Value::Bytes(v.clone()))
                    .unwrap()
                    .root
            }
            Op::Remove(k) => tree.remove(&root, &key(*k)).unwrap().root,
        };
    }
    root
}

/// The model's entries in iteration order (by key hash).
fn in_hash_order(model: &BTreeMap<Vec<u8>, Vec<u8>>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut v: Vec<_> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort_by_key(|(k, _)| key_hash(k));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn agrees_with_a_model(ops in ops(), split in 0usize..120) {
        let store = MemKv::new();
        let mut fresh = Fresh::new();
        let mut model = BTreeMap::new();
        let split = split.min(ops.len());
        // The first part is committed to the store and the map reopened.
        let mut tree = MapTree::new(&store, &mut fresh);
        let mid = apply(&mut tree, EMPTY, &ops[..split]);
        let mut batch = WriteBatch::new();
        write_reachable(&fresh, [mid], &mut batch);
        store.write(batch).unwrap();
        fresh.clear();
        let mut tree = MapTree::new(&store, &mut fresh);
        let root = apply(&mut tree, mid, &ops[split..]);
        for op in &ops {
            match op {
                Op::Set(k, v) => { model.insert(key(*k), v.clone()); }
                Op::Remove(k) => { model.remove(&key(*k)); }
            }
        }
        // Lookups and proofs.
        for k in 0..64u8 {
            let want = model.get(&key(k)).cloned().map(Value::Bytes);
            prop_assert_eq!(tree.get(&root, &key(k)).unwrap().item, want.clone());
            let proof = tree.prove(&root, &key(k)).unwrap();
            prop_assert_eq!(proof.verify(&root, &key(k)).unwrap(), want);
        }
        // Iteration, by key hash, paged from each key.
        let mut seen = Vec::new();
        let mut after: Option<Vec<u8>> = None;
        while let Some((k, v)) = tree.next(&root, after.as_deref()).unwrap().item {
            seen.push((k.clone(), v.bytes().to_vec()));
            after = Some(k);
        }
        prop_assert_eq!(seen, in_hash_order(&model));
        // The same entries inserted fresh, in another order, give the same root.
        let mut fresh2 = Fresh::new();
        let mut tree2 = MapTree::new(&store, &mut fresh2);
        let mut other = EMPTY;
        for (k, v) in model.iter().rev() {
            other = tree2.set(&other, k, Value::Bytes(v.clone())).unwrap().root;
        }
        prop_assert_eq!(other, root);
        // Written records reopen the map alone; children name the rest.
        let mut batch = WriteBatch::new();
        write_reachable(&fresh, [root], &mut batch);
        store.write(batch).unwrap();
        let mut none = Fresh::new();
        let reopened = MapTree::new(&store, &mut none);
        for k in 0..64u8 {
            prop_assert_eq!(
                reopened.get(&root, &key(k)).unwrap().item,
                model.get(&key(k)).cloned().map(Value::Bytes)
            );
        }
        let mut reached = 0;
        let mut stack = if root == EMPTY { vec![] } else { vec![root] };
        while let Some(h) = stack.pop() {
            let record = store.get(namespaces::MAP_NODES, &h).unwrap().expect("reachable record stored");
            stack.extend(children(&record).unwrap());
            reached += 1;
        }
        prop_assert!(reached >= model.len());
    }
}

#[test]
fn removing_everything_gives_the_empty_root() {
    let store = MemKv::new();
    let mut fresh = Fresh::new();
    let mut tree = MapTree::new(&store, &mut fresh);
    let mut root = EMPTY;
    for k in 0..100u32 {
        root = tree
            .set(&root, &k.to_le_bytes(), Value::Bytes(vec![1]))
            .unwrap()
            .root;
    }
    for k in (0..100u32).rev() {
        let u = tree.remove(&root, &k.to_le_bytes()).unwrap();
        assert!(u.existed);
        root = u.root;
    }
    assert_eq!(root, EMPTY);
}

#[test]
fn levels_grow_with_the_log_of_the_size() {
    let store = MemKv::new();
    let mut fresh = Fresh::new();
    let mut tree = MapTree::new(&store, &mut fresh);
    let mut root = EMPTY;
    for k in 0..4096u32 {
        root = tree
            .set(&root, &k.to_le_bytes(), Value::Bytes(vec![1]))
            .unwrap()
            .root;
    }
    let levels = tree.get(&root, &7u32.to_le_bytes()).unwrap().levels;
    assert!((8..=30).contains(&levels), "{levels}");
}

#[test]
fn nested_maps_prove_through_their_parents() {
    let store = MemKv::new();
    let mut fresh = Fresh::new();
    let mut tree = MapTree::new(&store, &mut fresh);
    let mut inner = EMPTY;
    for k in 0..10u8 {
        inner = tree
            .set(&inner, &[k], Value::Bytes(vec![k; 3]))
            .unwrap()
            .root;
    }
    let mut outer = tree.set(&EMPTY, b"list", Value::Map(inner)).unwrap().root;
    outer = tree
        .set(&outer, b"other", Value::Bytes(b"x".to_vec()))
        .unwrap()
        .root;
    let steps = vec![
        (b"list".to_vec(), tree.prove(&outer, b"list").unwrap()),
        (vec![4], tree.prove(&inner, &[4]).unwrap()),
    ];
    assert_eq!(
        verify_nested(&outer, &steps).unwrap(),
        Some(Value::Bytes(vec![4; 3]))
    );
    let absent = vec![
        (b"list".to_vec(), tree.prove(&outer, b"list").unwrap()),
        (vec![99], tree.prove(&inner, &[99]).unwrap()),
    ];
    assert_eq!(verify_nested(&outer, &absent).unwrap(), None);
    // The nested map's nodes are written with the outer root alone.
    let mut batch = WriteBatch::new();
    write_reachable(&fresh, [outer], &mut batch);
    store.write(batch).unwrap();
    let mut none = Fresh::new();
    let reopened = MapTree::new(&store, &mut none);
    assert_eq!(
        reopened.get(&inner, &[9]).unwrap().item,
        Some(Value::Bytes(vec![9; 3]))
    );
}

#[test]
fn tampered_proofs_fail() {
    let store = MemKv::new();
    let mut fresh = Fresh::new();
    let mut tree = MapTree::new(&store, &mut fresh);
    let mut root = EMPTY;
    for k in 0..50u8 {
        root = tree.set(&root, &[k], Value::Bytes(vec![k])).unwrap().root;
    }
    let proof = tree.prove(&root, &[7]).unwrap();
    assert_eq!(
        proof.verify(&root, &[7]).unwrap(),
        Some(Value::Bytes(vec![7]))
    );
    assert!(proof.verify(&[1; 32], &[7]).is_err(), "wrong root");
    assert!(proof.verify(&root, &[8]).is_err() || proof.verify(&root, &[8]).unwrap().is_none());
    let mut p = proof.clone();
    if let Some(leaf) = p.leaf.as_mut() {
        let last = leaf.len() - 1;
        leaf[last] ^= 1;
    }
    assert!(p.verify(&root, &[7]).is_err(), "changed value");
    let mut p = proof.clone();
    p.siblings[0][0] ^= 1;
    assert!(p.verify(&root, &[7]).is_err(), "changed sibling");
    let mut p = proof;
    p.leaf = None;
    assert!(p.verify(&root, &[7]).is_err(), "hidden leaf");
}

#[test]
fn bad_input_is_typed() {
    let store = MemKv::new();
    let mut fresh = Fresh::new();
    let mut tree = MapTree::new(&store, &mut fresh);
    let long_key = vec![0; MAX_KEY_LEN + 1];
    assert!(matches!(
        tree.get(&EMPTY, &long_key),
        Err(MapError::KeyTooLong { .. })
    ));
    assert!(matches!(
        tree.set(&EMPTY, b"k", Value::Bytes(vec![0; MAX_VALUE_LEN + 1])),
        Err(MapError::ValueTooLong { .. })
    ));
    assert!(matches!(
        tree.get(&[5; 32], b"k"),
        Err(MapError::NoSuchRoot(_))
    ));
    assert!(matches!(
        tree.set(&[5; 32], b"k", Value::Bytes(vec![])),
        Err(MapError::NoSuchRoot(_))
    ));
    assert!(!tree.exists(&[5; 32]).unwrap());
    assert!(fresh.is_empty(), "nothing made by failed updates");
    // A record that does not hash to its key.
    let mut b = WriteBatch::new();
    b.put(namespaces::MAP_NODES, [6u8; 32], vec![1; 65]);
    store.write(b).unwrap();
    let tree = MapTree::new(&store, &mut fresh);
    assert!(matches!(
        tree.get(&[6; 32], b"k"),
        Err(MapError::Corrupt { .. })
    ));
}
