//! Root determinism, a property test against a model, and proofs.

use std::sync::Arc;

use proptest::prelude::*;
use strata_kv::MemKv;
use strata_pages::tree::{self, MerkleProof};
use strata_pages::{PAGE_SIZE, Page, PageCache, PageCacheConfig, StateRoot, prove, verify};

/// An independent, naive root: hash every page, pad, fold level by level.
fn naive_root(pages: &[Page]) -> StateRoot {
    let n = pages.len() as u32;
    let mut level: Vec<[u8; 32]> = pages.iter().map(|p| tree::page_hash(p).0).collect();
    level.resize(
        1usize << tree::depth(n),
        tree::page_hash(&[0u8; PAGE_SIZE]).0,
    );
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|c| tree::node_hash(&c[0], &c[1]))
            .collect();
    }
    tree::state_root(n, &level[0])
}

fn set(cache: &mut PageCache<Arc<MemKv>>, page: u32, off: usize, bytes: &[u8]) {
    cache.page_mut(page).unwrap()[off..off + bytes.len()].copy_from_slice(bytes);
}

#[test]
fn same_contents_same_root_whatever_the_order_and_grouping() {
    let writes: Vec<(u32, usize, Vec<u8>)> = (0..40u32)
        .map(|i| {
            (
                (i * 7) % 13,
                (i as usize * 101) % 4000,
                vec![i as u8 + 1; 17],
            )
        })
        .collect();
    let mut roots = Vec::new();
    for (order, group) in [
        (false, 1usize),
        (true, 1),
        (false, 7),
        (true, 40),
        (false, 40),
    ] {
        let mut ws = writes.clone();
        if order {
            // Reverse order, but writes to the same bytes must keep their
            // relative order: apply a stable sort by page instead.
            ws.sort_by_key(|w| std::cmp::Reverse(w.0));
        }
        let kv = Arc::new(MemKv::new());
        let mut cache = PageCache::create(kv, 13, PageCacheConfig::with_capacity(2));
        for (n, (p, off, bytes)) in ws.iter().enumerate() {
            set(&mut cache, *p, *off, bytes);
            if (n + 1) % group == 0 {
                cache.commit_and_apply().unwrap();
            }
        }
        roots.push(cache.commit_and_apply().unwrap());
    }
    assert!(roots.windows(2).all(|w| w[0] == w[1]), "{roots:?}");
}

#[test]
fn any_byte_of_any_page_changes_the_root() {
    let kv = Arc::new(MemKv::new());
    let mut cache = PageCache::create(kv, 5, PageCacheConfig::default());
    let base = cache.commit_and_apply().unwrap();
    let mut seen = std::collections::HashSet::new();
    seen.insert(base);
    for page in 0..5u32 {
        for byte in [0usize, 1, 2047, 4095] {
            let cp = cache.checkpoint();
            cache.page_mut(page).unwrap()[byte] ^= 1;
            cache.release(cp).unwrap();
            let root = cache.commit_and_apply().unwrap();
            assert!(
                seen.insert(root),
                "page {page} byte {byte} gave a root seen before"
            );
            cache.page_mut(page).unwrap()[byte] ^= 1;
            assert_eq!(
                cache.commit_and_apply().unwrap(),
                base,
                "undoing restores the root"
            );
        }
    }
}

#[test]
fn incremental_roots_match_the_naive_root() {
    for n in [1u32, 2, 3, 5, 8, 13, 33] {
        let kv = Arc::new(MemKv::new());
        let mut cache = PageCache::create(kv, n, PageCacheConfig::default());
        let mut model = vec![[0u8; PAGE_SIZE]; n as usize];
        assert_eq!(cache.root(), naive_root(&model));
        for i in 0..n {
            if i % 2 == 1 {
                continue;
            }
            let v = (i as u8).wrapping_mul(31).wrapping_add(1);
            cache.page_mut(i).unwrap()[i as usize % PAGE_SIZE] = v;
            model[i as usize][i as usize % PAGE_SIZE] = v;
            assert_eq!(
                cache.commit_and_apply().unwrap(),
                naive_root(&model),
                "n={n} i={i}"
            );
        }
    }
}

#[test]
fn proofs_verify_and_tampering_fails() {
    let kv = Arc::new(MemKv::new());
    let mut cache = PageCache::create(kv.clone(), 11, PageCacheConfig::default());
    for i in 0..11u32 {
        cache.page_mut(i).unwrap()[..4].copy_from_slice(&i.to_be_bytes());
    }
    let root = cache.commit_and_apply().unwrap();
    for i in 0..11u32 {
        let (bytes, proof) = prove(&*kv, root, i).unwrap();
        assert_eq!(&bytes[..4], &i.to_be_bytes());
        assert!(verify(&root, i, &bytes, &proof), "page {i}");

        let mut bad = bytes.to_vec();
        bad[4095] ^= 0x80;
        assert!(!verify(&root, i, &bad, &proof), "tampered byte");
        assert!(!verify(&root, (i + 1) % 11, &bytes, &proof), "wrong index");
        assert!(!verify(&root, i + 11, &bytes, &proof), "index out of range");
        let mut other_root = root;
        other_root.0[0] ^= 1;
        assert!(!verify(&other_root, i, &bytes, &proof), "wrong root");
        for s in 0..proof.siblings.len() {
            let mut p = proof.clone();
            p.siblings[s][31] ^= 1;
            assert!(!verify(&root, i, &bytes, &p), "tampered sibling {s}");
        }
        let mut short = proof.clone();
        short.siblings.pop();
        assert!(!verify(&root, i, &bytes, &short), "truncated proof");
        let recount = MerkleProof {
            page_count: 12,
            ..proof.clone()
        };
        assert!(!verify(&root, i, &bytes, &recount), "wrong page count");
        assert!(!verify(&root, i, &bytes[..100], &proof), "short page");
    }
    assert!(prove(&*kv, root, 11).is_err());
    assert!(prove(&*kv, StateRoot([1; 32]), 0).is_err());
}

/// Trees of several bands of groups (four levels per record), including a
/// short top band: roots match the naive root, every commit grouping gives
/// the same root, reopened caches read back every page, and proofs verify.
#[test]
fn multi_band_trees_round_trip() {
    for n in [17u32, 300, 4097] {
        let kv = Arc::new(MemKv::new());
        let mut cache = PageCache::create(kv.clone(), n, PageCacheConfig::with_capacity(8));
        let mut model = vec![[0u8; PAGE_SIZE]; n as usize];
        let written: Vec<u32> = (0..n).step_by(7).chain([n - 1]).collect();
        for (k, &i) in written.iter().enumerate() {
            let v = (i.wrapping_mul(2_654_435_761) >> 8).to_be_bytes();
            set(&mut cache, i, 8, &v);
            model[i as usize][8..12].copy_from_slice(&v);
            if k % 5 == 4 {
                cache.commit_and_apply().unwrap(); // several commit groupings
            }
        }
        let root = cache.commit_and_apply().unwrap();
        assert_eq!(root, naive_root(&model), "n={n}");

        let mut reopened =
            PageCache::open(kv.clone(), root, PageCacheConfig::with_capacity(2)).unwrap();
        for &i in &written {
            assert_eq!(
                &reopened.page(i).unwrap()[..],
                &model[i as usize][..],
                "n={n} page {i}"
            );
            let (bytes, proof) = prove(&*kv, root, i).unwrap();
            assert_eq!(proof.siblings.len(), tree::depth(n) as usize);
            assert!(verify(&root, i, &bytes, &proof), "n={n} page {i}");
        }
        // One more page changed through the reopened cache: the same root as
        // the model's.
        set(&mut reopened, 3, 100, b"again");
        model[3][100..105].copy_from_slice(b"again");
        assert_eq!(
            reopened.commit_and_apply().unwrap(),
            naive_root(&model),
            "n={n}"
        );
    }
}

#[derive(Debug, Clone)]
enum Op {
    Write {
        page: u32,
        offset: usize,
        bytes: Vec<u8>,
        /// Through `page_range_mut` (which bounds what the commit scans)
        /// rather than `page_mut`.
        ranged: bool,
    },
    Commit,
    Discard,
    Checkpoint,
    Rollback(usize),
    Release(usize),
    Reopen(usize),
}

fn op(pages: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..pages, 0..PAGE_SIZE, proptest::collection::vec(any::<u8>(), 1..24), any::<bool>()).prop_map(
            |(page, offset, mut bytes, ranged)| {
                bytes.truncate(PAGE_SIZE - offset);
                Op::Write { page, offset, bytes, ranged }
            }
        ),
        2 => Just(Op::Commit),
        1 => Just(Op::Discard),
        2 => Just(Op::Checkpoint),
        1 => (0..4usize).prop_map(Op::Rollback),
        1 => (0..4usize).prop_map(Op::Release),
        1 => (0..8usize).prop_map(Op::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn cache_matches_model(
        (pages, ops) in (1u32..40).prop_flat_map(|n| (Just(n), proptest::collection::vec(op(n + 1), 1..60))),
        cap in 1usize..4,
    ) {
        let kv = Arc::new(MemKv::new());
        let mut cache = PageCache::create(kv.clone(), pages, PageCacheConfig::with_capacity(cap));
        let mut committed: Vec<Vec<Page>> = vec![vec![[0u8; PAGE_SIZE]; pages as usize]];
        let mut roots: Vec<StateRoot> = vec![cache.commit_and_apply().unwrap()];
        let mut current = committed[0].clone();
        let mut stack: Vec<(strata_pages::Checkpoint, Vec<Page>)> = Vec::new();
        for op in ops {
            match op {
                Op::Write { page, offset, bytes, ranged } => {
                    let range = offset..offset + bytes.len();
                    let r = if ranged {
                        cache.page_range_mut(page, range)
                    } else {
                        cache.page_mut(page).map(|p| &mut p[range])
                    };
                    if page >= pages {
                        prop_assert!(r.is_err());
                        continue;
                    }
                    r.unwrap().copy_from_slice(&bytes);
                    current[page as usize][offset..offset + bytes.len()].copy_from_slice(&bytes);
                }
                Op::Commit => {
                    let r = cache.commit_and_apply();
                    if !stack.is_empty() {
                        prop_assert!(r.is_err());
                        continue;
                    }
                    let root = r.unwrap();
                    prop_assert_eq!(root, naive_root(&current));
                    committed.push(current.clone());
                    roots.push(root);
                }
                Op::Discard => {
                    cache.discard();
                    stack.clear();
                    current = committed.last().unwrap().clone();
                }
                Op::Checkpoint => stack.push((cache.checkpoint(), current.clone())),
                Op::Rollback(k) => {
                    if k < stack.len() {
                        let (cp, snapshot) = stack[k].clone();
                        cache.rollback(cp).unwrap();
                        stack.truncate(k);
                        current = snapshot;
                    }
                }
                Op::Release(k) => {
                    if k < stack.len() {
                        cache.release(stack[k].0).unwrap();
                        stack.truncate(k);
                    }
                }
                Op::Reopen(k) => {
                    let k = k % roots.len();
                    cache = PageCache::open(kv.clone(), roots[k], PageCacheConfig::with_capacity(cap)).unwrap();
                    stack.clear();
                    current = committed[k].clone();
                    committed.push(current.clone());
                    roots.push(roots[k]);
                }
            }
            for i in 0..pages {
                prop_assert_eq!(&cache.page(i).unwrap()[..], &current[i as usize][..], "page {}", i);
            }
        }
    }
}
