//! The SVM page-store scenarios, error cases, checkpoints, counters and the
//! cost of a commit.

use std::sync::Arc;

use strata_kv::testing::Instrumented;
use strata_kv::{KvStore, MemKv, Namespace, WriteBatch};
use strata_pages::{
    NS_NODES, NS_PAGES, NS_ROOTS, PAGE_SIZE, PageCache, PageCacheConfig, PageError, StateRoot, tree,
};

fn cfg() -> PageCacheConfig {
    PageCacheConfig::default()
}

fn fresh(pages: u32) -> (Arc<MemKv>, PageCache<Arc<MemKv>>) {
    let kv = Arc::new(MemKv::new());
    (kv.clone(), PageCache::create(kv, pages, cfg()))
}

fn write(cache: &mut PageCache<Arc<MemKv>>, page: u32, offset: usize, bytes: &[u8]) {
    cache.page_mut(page).unwrap()[offset..offset + bytes.len()].copy_from_slice(bytes);
}

#[test]
fn fresh_contract_reads_zeros_and_has_the_constant_empty_root() {
    for n in [0u32, 1, 2, 3, 16, 1000, 65_536] {
        let (kv, mut cache) = fresh(n);
        assert_eq!(cache.root(), tree::empty_root(n));
        for i in [0, n / 2, n.saturating_sub(1)] {
            if i < n {
                assert!(cache.page(i).unwrap().iter().all(|&b| b == 0));
            }
        }
        assert!(kv.is_empty(), "reading a fresh contract stores nothing");
        let root = cache.commit_and_apply().unwrap();
        assert_eq!(
            root,
            tree::empty_root(n),
            "committing nothing keeps the root"
        );
        assert_eq!(kv.len(), 1, "only the root record is written");
        let reopened = PageCache::open(kv.clone(), root, cfg()).unwrap();
        assert_eq!(reopened.page_count(), n);
    }
}

#[test]
fn write_commit_reopen_read_back() {
    let (kv, mut cache) = fresh(8);
    write(&mut cache, 5, 100, b"persist me");
    assert_eq!(
        &cache.page(5).unwrap()[100..110],
        b"persist me",
        "read your writes"
    );
    let root = cache.commit_and_apply().unwrap();
    let mut again = PageCache::open(kv, root, cfg()).unwrap();
    assert_eq!(&again.page(5).unwrap()[100..110], b"persist me");
    assert!(again.page(4).unwrap().iter().all(|&b| b == 0));
}

#[test]
fn overwrite_and_reopen_old_root_for_rollback() {
    let (kv, mut cache) = fresh(8);
    write(&mut cache, 2, 0, b"first");
    let r1 = cache.commit_and_apply().unwrap();
    write(&mut cache, 2, 0, b"SECOND");
    let r2 = cache.commit_and_apply().unwrap();
    assert_ne!(r1, r2);
    let mut old = PageCache::open(kv.clone(), r1, cfg()).unwrap();
    assert_eq!(&old.page(2).unwrap()[..6], b"first\0");
    let mut new = PageCache::open(kv, r2, cfg()).unwrap();
    assert_eq!(&new.page(2).unwrap()[..6], b"SECOND");
}

#[test]
fn discarded_change_leaves_no_trace() {
    let (kv, mut cache) = fresh(8);
    write(&mut cache, 1, 0, b"kept");
    let root = cache.commit_and_apply().unwrap();
    let records = kv.len();
    write(&mut cache, 1, 0, b"gone");
    write(&mut cache, 7, 9, b"also gone");
    cache.discard();
    assert_eq!(kv.len(), records, "nothing was written");
    assert_eq!(cache.dirty_len(), 0);
    assert_eq!(&cache.page(1).unwrap()[..4], b"kept");
    assert!(cache.page(7).unwrap().iter().all(|&b| b == 0));
    assert_eq!(cache.commit_and_apply().unwrap(), root);
    assert_eq!(kv.len(), records);
}

#[test]
fn writing_a_clean_page_moves_it_instead_of_copying_it() {
    let (_kv, mut cache) = fresh(4);
    write(&mut cache, 2, 0, b"first");
    cache.commit_and_apply().unwrap();
    let clean = cache.page(2).unwrap().as_ptr();
    let dirty = cache.page_mut(2).unwrap();
    assert_eq!(dirty.as_ptr(), clean, "the clean page became the dirty one");
    dirty[0] = b'F';
    // A checkpoint shares the dirty page, so the next write copies it and
    // a rollback restores it.
    let cp = cache.checkpoint();
    cache.page_mut(2).unwrap()[1] = b'I';
    assert_ne!(cache.page(2).unwrap().as_ptr(), clean);
    cache.rollback(cp).unwrap();
    assert_eq!(&cache.page(2).unwrap()[..5], b"First");
    cache.discard();
    assert_eq!(
        &cache.page(2).unwrap()[..5],
        b"first",
        "reloaded after discard"
    );
}

#[test]
fn two_writes_to_one_page_both_survive() {
    let (kv, mut cache) = fresh(4);
    write(&mut cache, 3, 0, b"left");
    write(&mut cache, 3, 4000, b"right");
    let root = cache.commit_and_apply().unwrap();
    let mut again = PageCache::open(kv, root, cfg()).unwrap();
    let p = again.page(3).unwrap();
    assert_eq!(&p[..4], b"left");
    assert_eq!(&p[4000..4005], b"right");
}

#[test]
fn eviction_under_a_tiny_bound_never_loses_a_dirty_page() {
    let kv = Arc::new(MemKv::new());
    // Some committed content so that clean reads go to the store.
    let mut seed = PageCache::create(kv.clone(), 64, cfg());
    for i in 0..64u32 {
        seed.page_mut(i).unwrap()[0] = i as u8;
    }
    let r0 = seed.commit_and_apply().unwrap();
    let mut cache = PageCache::open(kv.clone(), r0, PageCacheConfig::with_capacity(1)).unwrap();
    for i in (0..64u32).step_by(2) {
        cache.page_mut(i).unwrap()[1] = 0xAA;
        // Reads of other pages churn the one-page LRU.
        assert_eq!(cache.page(i + 1).unwrap()[0], (i + 1) as u8);
    }
    assert!(cache.stats().evictions > 0, "the bound was exercised");
    assert!(cache.clean_len() <= 1);
    assert_eq!(cache.dirty_len(), 32);
    for i in (0..64u32).step_by(2) {
        let p = cache.page(i).unwrap();
        assert_eq!((p[0], p[1]), (i as u8, 0xAA));
    }
    let r1 = cache.commit_and_apply().unwrap();
    let mut again = PageCache::open(kv, r1, cfg()).unwrap();
    for i in 0..64u32 {
        let want = if i % 2 == 0 { 0xAA } else { 0 };
        assert_eq!(again.page(i).unwrap()[1], want, "page {i}");
    }
}

#[test]
fn out_of_range_pages_are_typed_errors() {
    let (_kv, mut cache) = fresh(4);
    for bad in [4u32, 5, u32::MAX] {
        match cache.page(bad) {
            Err(PageError::PageOutOfRange {
                index,
                page_count: 4,
            }) => assert_eq!(index, bad),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            cache.page_mut(bad),
            Err(PageError::PageOutOfRange { .. })
        ));
    }
    let (_kv, mut empty) = fresh(0);
    assert!(matches!(
        empty.page(0),
        Err(PageError::PageOutOfRange { page_count: 0, .. })
    ));
}

#[test]
fn byte_ranges_outside_a_page_are_typed_errors_that_change_nothing() {
    let (_kv, mut cache) = fresh(4);
    #[allow(clippy::reversed_empty_ranges)]
    for bad in [
        0..PAGE_SIZE + 1,
        PAGE_SIZE..PAGE_SIZE + 1,
        10..9,
        usize::MAX - 1..usize::MAX,
    ] {
        match cache.page_range_mut(1, bad.clone()) {
            Err(PageError::RangeOutOfPage {
                index: 1,
                start,
                end,
            }) => {
                assert_eq!((start, end), (bad.start, bad.end));
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert!(matches!(
        cache.page_range_mut(4, 0..1),
        Err(PageError::PageOutOfRange { index: 4, .. })
    ));
    assert_eq!(cache.dirty_len(), 0, "a refused range makes no page dirty");
    // The page's last byte and an empty range at its end are inside it.
    cache.page_range_mut(1, PAGE_SIZE - 1..PAGE_SIZE).unwrap()[0] = 7;
    assert!(
        cache
            .page_range_mut(1, PAGE_SIZE..PAGE_SIZE)
            .unwrap()
            .is_empty()
    );
    assert_eq!(cache.page(1).unwrap()[PAGE_SIZE - 1], 7);
}

#[test]
fn ranged_writes_below_stored_bytes_hash_the_whole_page() {
    // A commit scans a page written through `page_range_mut` only up to
    // its bound: the stored record's length, or the furthest range written.
    // Writes below or past the stored bytes, and zeros over its tail, must
    // all hash as the whole page does.
    let (kv, mut cache) = fresh(2);
    let mut model = [0u8; PAGE_SIZE];
    let check = |cache: &mut PageCache<Arc<MemKv>>, model: &[u8; PAGE_SIZE]| {
        let root = cache.commit_and_apply().unwrap();
        let page = tree::page_hash(model);
        let expect = {
            let mut reference = PageCache::create(kv.clone(), 2, cfg());
            reference.page_mut(0).unwrap().copy_from_slice(model);
            let root = reference.commit().unwrap().root;
            assert_eq!(tree::page_hash(&reference.page(0).unwrap()[..]), page);
            root
        };
        assert_eq!(root, expect);
        // Reopened from the store, so the next write starts from a record.
        *cache = PageCache::open(kv.clone(), root, cfg()).unwrap();
    };
    for (offset, bytes) in [
        (3000, &[9u8, 9][..]), // past everything: the record ends at 3002
        (10, &[1, 2, 3][..]),  // below the record's end
        (3000, &[0, 0][..]),   // the tail zeroed: the record shrinks to 13
        (12, &[0][..]),        // and again, to 12
        (4000, &[5][..]),      // past the end once more
        (4000, &[0][..]),
        (0, &[0; 12][..]), // nothing left
    ] {
        cache
            .page_range_mut(0, offset..offset + bytes.len())
            .unwrap()
            .copy_from_slice(bytes);
        model[offset..offset + bytes.len()].copy_from_slice(bytes);
        check(&mut cache, &model);
    }
    assert_eq!(
        cache.root(),
        fresh(2).1.root(),
        "all zeros again: the empty root"
    );
}

#[test]
fn without_root_records_a_commit_writes_none_and_opens_from_its_tree_root() {
    for n in [1u32, 16, 1000] {
        let with_kv = Arc::new(MemKv::new());
        let without_kv = Arc::new(MemKv::new());
        let mut with = PageCache::create(with_kv.clone(), n, cfg());
        let lean = cfg().without_root_records();
        let mut without = PageCache::create(without_kv.clone(), n, lean);
        let mut roots = Vec::new();
        for (k, i) in [0, n / 2, n - 1].into_iter().enumerate() {
            write(&mut with, i, 7, &[k as u8 + 1; 9]);
            write(&mut without, i, 7, &[k as u8 + 1; 9]);
            let a = with.commit().unwrap();
            let b = without.commit().unwrap();
            assert_eq!(a.root, b.root, "the option changes no root");
            assert_eq!(a.tree_root, b.tree_root);
            assert_eq!(b.tree_root, without.tree_root());
            assert_eq!(tree::state_root(n, &b.tree_root), b.root);
            assert_eq!(a.batch.len(), b.batch.len() + 1, "one record fewer");
            with_kv.write(a.batch).unwrap();
            without_kv.write(b.batch).unwrap();
            roots.push((b.root, b.tree_root, k as u8 + 1, i));
        }
        assert_eq!(without_kv.len_of(NS_ROOTS), 0);
        assert_eq!(with_kv.len_of(NS_ROOTS), 3);
        // Only the tree root reopens a state; every committed one does.
        let (last, _, _, _) = roots[roots.len() - 1];
        assert!(matches!(
            PageCache::open(without_kv.clone(), last, cfg()),
            Err(PageError::UnknownRoot { .. })
        ));
        for (k, &(root, tree_root, byte, page)) in roots.iter().enumerate() {
            let mut at = PageCache::open_at(without_kv.clone(), n, tree_root, lean).unwrap();
            assert_eq!(at.root(), root);
            assert_eq!(&at.page(page).unwrap()[7..16], &[byte; 9], "state {k}");
        }
    }
}

#[test]
fn open_at_a_tree_root_that_is_not_stored_is_an_error() {
    let kv = Arc::new(MemKv::new());
    for n in [1u32, 1000] {
        let err = PageCache::open_at(kv.clone(), n, [9; 32], cfg()).unwrap_err();
        assert!(
            matches!(
                err,
                PageError::MissingNode { .. } | PageError::MissingPage { .. }
            ),
            "{n} pages: {err:?}"
        );
    }
    // A never-written tree needs no record.
    let empty = PageCache::open_at(kv, 1000, tree::zero_hash(tree::depth(1000)), cfg()).unwrap();
    assert_eq!(empty.root(), tree::empty_root(1000));
}

#[test]
fn unknown_root_is_an_error_naming_it() {
    let kv = Arc::new(MemKv::new());
    let root = StateRoot([7; 32]);
    let err = PageCache::open(kv, root, cfg()).unwrap_err();
    assert!(matches!(err, PageError::UnknownRoot { root: r } if r == root));
    assert!(err.to_string().contains(&root.to_hex()));
}

fn delete_all(kv: &MemKv, ns: Namespace) {
    let mut b = WriteBatch::new();
    for (k, _) in kv.scan_prefix(ns, b"").unwrap() {
        b.delete(ns, k);
    }
    kv.write(b).unwrap();
}

#[test]
fn missing_records_are_errors_naming_the_root() {
    let (kv, mut cache) = fresh(16);
    write(&mut cache, 9, 0, b"x");
    let root = cache.commit_and_apply().unwrap();

    let pages_gone = Arc::new(MemKv::new());
    copy(&kv, &pages_gone, &[NS_NODES, NS_ROOTS]);
    let mut c = PageCache::open(pages_gone, root, cfg()).unwrap();
    let err = c.page(9).unwrap_err();
    assert!(
        matches!(err, PageError::MissingPage { index: 9, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&root.to_hex()));
    assert!(
        c.page(8).unwrap().iter().all(|&b| b == 0),
        "other pages still read"
    );

    let nodes_gone = Arc::new(MemKv::new());
    copy(&kv, &nodes_gone, &[NS_PAGES, NS_ROOTS]);
    let err = PageCache::open(nodes_gone, root, cfg()).unwrap_err();
    assert!(
        matches!(err, PageError::MissingNode { root: r, .. } if r == root),
        "{err:?}"
    );

    delete_all(&kv, NS_ROOTS);
    assert!(matches!(
        PageCache::open(kv, root, cfg()),
        Err(PageError::UnknownRoot { .. })
    ));
}

fn copy(from: &MemKv, to: &MemKv, spaces: &[Namespace]) {
    let mut b = WriteBatch::new();
    for &ns in spaces {
        for (k, v) in from.scan_prefix(ns, b"").unwrap() {
            b.put(ns, k, v);
        }
    }
    to.write(b).unwrap();
}

#[test]
fn corrupt_records_are_errors() {
    let (kv, mut cache) = fresh(4);
    write(&mut cache, 2, 0, b"good");
    let root = cache.commit_and_apply().unwrap();
    let page_key = kv.scan_prefix(NS_PAGES, b"").unwrap()[0].0.clone();

    let mut b = WriteBatch::new();
    let mut damaged = vec![0u8; PAGE_SIZE];
    damaged[..4].copy_from_slice(b"evil");
    b.put(NS_PAGES, &page_key, damaged);
    kv.write(b).unwrap();
    let mut c = PageCache::open(kv.clone(), root, cfg()).unwrap();
    assert!(matches!(
        c.page(2),
        Err(PageError::Corrupt { what: "page", .. })
    ));

    for bad in [vec![1u8; 10], vec![0u8; PAGE_SIZE + 1]] {
        let mut b = WriteBatch::new();
        b.put(NS_PAGES, &page_key, bad);
        kv.write(b).unwrap();
        let mut c = PageCache::open(kv.clone(), root, cfg()).unwrap();
        assert!(matches!(
            c.page(2),
            Err(PageError::Corrupt { what: "page", .. })
        ));
    }
    let mut b = WriteBatch::new();
    b.put(NS_PAGES, &page_key, vec![1u8; 10]);
    kv.write(b).unwrap();
    let mut c = PageCache::open(kv.clone(), root, cfg()).unwrap();
    assert!(matches!(
        c.page(2),
        Err(PageError::Corrupt { what: "page", .. })
    ));

    // A 4-page tree is one group: its record is the bottom row of 4 hashes.
    let nodes = kv.scan_prefix(NS_NODES, b"").unwrap();
    assert_eq!(nodes.len(), 1);
    let (node_key, good) = nodes[0].clone();
    assert_eq!(good.len(), 4 * 32);
    for bad in [vec![0u8; 64], vec![0u8; 4 * 32], {
        let mut v = good.to_vec();
        v[0] ^= 1; // a flipped bit in a sibling's hash
        v
    }] {
        let mut b = WriteBatch::new();
        b.put(NS_NODES, &node_key, bad);
        kv.write(b).unwrap();
        let err = PageCache::open(kv.clone(), root, cfg())
            .and_then(|mut c| c.page(2).map(|_| ()))
            .unwrap_err();
        assert!(
            matches!(err, PageError::Corrupt { what: "node", .. }),
            "{err:?}"
        );
        assert!(
            strata_pages::prove(&*kv, root, 2).is_err(),
            "proofs check records too"
        );
    }

    let mut b = WriteBatch::new();
    b.put(NS_ROOTS, root.as_bytes(), vec![0u8; 3]);
    kv.write(b).unwrap();
    assert!(matches!(
        PageCache::open(kv, root, cfg()),
        Err(PageError::Corrupt { what: "root", .. })
    ));
}

#[test]
fn nested_checkpoints_roll_back_only_their_own_writes() {
    let (_kv, mut cache) = fresh(4);
    write(&mut cache, 0, 0, b"outer");
    let outer = cache.checkpoint();
    write(&mut cache, 0, 0, b"OUTER");
    write(&mut cache, 1, 0, b"one");
    let inner = cache.checkpoint();
    write(&mut cache, 1, 0, b"ONE");
    write(&mut cache, 2, 0, b"two");
    cache.rollback(inner).unwrap();
    assert_eq!(&cache.page(1).unwrap()[..3], b"one");
    assert!(cache.page(2).unwrap().iter().all(|&b| b == 0));
    assert!(
        !cache.is_dirty(2),
        "a page first written inside the checkpoint is clean again"
    );
    assert_eq!(&cache.page(0).unwrap()[..5], b"OUTER");

    let inner2 = cache.checkpoint();
    write(&mut cache, 3, 0, b"three");
    cache.release(inner2).unwrap();
    assert_eq!(&cache.page(3).unwrap()[..5], b"three");
    cache.rollback(outer).unwrap();
    assert_eq!(
        &cache.page(0).unwrap()[..5],
        b"outer",
        "state before the outer checkpoint"
    );
    assert!(cache.page(1).unwrap().iter().all(|&b| b == 0));
    assert!(
        cache.page(3).unwrap().iter().all(|&b| b == 0),
        "released into outer, rolled back with it"
    );
    assert_eq!(cache.open_checkpoints(), 0);
}

#[test]
fn checkpoint_misuse_is_a_typed_error() {
    let (_kv, mut cache) = fresh(2);
    let a = cache.checkpoint();
    write(&mut cache, 0, 0, b"x");
    assert!(matches!(
        cache.commit(),
        Err(PageError::CheckpointsOpen { open: 1 })
    ));
    assert_eq!(cache.dirty_len(), 1, "a refused commit changes nothing");
    let b = cache.checkpoint();
    cache.rollback(a).unwrap(); // closes b too
    assert!(matches!(
        cache.release(b),
        Err(PageError::UnknownCheckpoint { .. })
    ));
    assert!(matches!(
        cache.rollback(a),
        Err(PageError::UnknownCheckpoint { .. })
    ));
    assert!(cache.commit().is_ok());
}

#[test]
fn counters_count_hits_misses_and_evictions() {
    let (kv, mut cache) = fresh(8);
    for i in 0..8u32 {
        write(&mut cache, i, 0, &[i as u8 + 1]);
    }
    let root = cache.commit_and_apply().unwrap();
    let mut c = PageCache::open(kv, root, PageCacheConfig::with_capacity(2)).unwrap();
    let base = c.stats();
    c.page(0).unwrap(); // miss
    c.page(0).unwrap(); // hit
    c.page(1).unwrap(); // miss
    c.page(2).unwrap(); // miss, evicts 0
    c.page(1).unwrap(); // hit
    let s = c.stats();
    assert_eq!(s.hits - base.hits, 2);
    assert_eq!(s.misses - base.misses, 3);
    assert_eq!(s.evictions - base.evictions, 1);
}

#[test]
fn committing_k_pages_costs_k_log_n() {
    const N: u32 = 65_536;
    let kv = Arc::new(Instrumented::new(MemKv::new()));
    let mut cache = PageCache::create(kv.clone(), N, cfg());
    for i in (0..N).step_by(997) {
        cache.page_mut(i).unwrap()[0] = 1;
    }
    let root = cache.commit_and_apply().unwrap();

    // A cold cache over a populated 65,536-page contract: one dirty page.
    let mut cold = PageCache::open(kv.clone(), root, cfg()).unwrap();
    kv.reset_counts();
    cold.page_mut(997 * 12).unwrap()[7] = 9; // a written page
    let commit = cold.commit().unwrap();
    let reads = kv.gets();
    // Opening loaded the top group; the rest of the path is one group per
    // four levels below it, then the page.
    assert_eq!(
        reads, 4,
        "{reads} reads for one page: 3 more groups of a depth-16 tree + 1 page"
    );
    assert_eq!(commit.pages_changed, 1);
    assert_eq!(commit.nodes_hashed, 16, "one path of a depth-16 tree");
    assert_eq!(
        commit.batch.len(),
        1 + 4 + 1,
        "one page, 4 groups of 4 levels, one root record"
    );

    // k pages: at most k paths of 16 nodes.
    let mut k_pages = PageCache::open(kv.clone(), root, cfg()).unwrap();
    for i in 0..10u32 {
        k_pages.page_mut(i * 6000).unwrap()[0] = 2;
    }
    let commit = k_pages.commit().unwrap();
    assert_eq!(commit.pages_changed, 10);
    assert!(commit.nodes_hashed <= 10 * 16);
    assert!(commit.batch.len() <= 10 + 10 * 4 + 1);
}

#[test]
fn sparse_pages_are_stored_without_their_trailing_zeros() {
    let (kv, mut cache) = fresh(4);
    write(&mut cache, 1, 0, b"counter!");
    let mut full = [0xA5u8; PAGE_SIZE];
    full[0] = 0;
    cache.page_mut(2).unwrap().copy_from_slice(&full);
    let root = cache.commit_and_apply().unwrap();
    let mut sizes: Vec<usize> = kv
        .scan_prefix(NS_PAGES, b"")
        .unwrap()
        .iter()
        .map(|(_, v)| v.len())
        .collect();
    sizes.sort();
    assert_eq!(sizes, vec![8, PAGE_SIZE], "8 used bytes; a full page");
    let mut reopened = PageCache::open(kv.clone(), root, cfg()).unwrap();
    let page = reopened.page(1).unwrap();
    assert_eq!(&page[..8], b"counter!");
    assert!(page[8..].iter().all(|&b| b == 0));
    assert_eq!(reopened.page(2).unwrap(), &full);
    let (bytes, proof) = strata_pages::prove(&*kv, root, 1).unwrap();
    assert_eq!(bytes.len(), PAGE_SIZE);
    assert!(strata_pages::verify(&root, 1, &bytes, &proof));
}

#[test]
fn the_largest_page_count_works() {
    // Depth 32: eight bands of groups, the top one a full group of 4.
    let kv = Arc::new(MemKv::new());
    let mut cache = PageCache::create(kv.clone(), u32::MAX, cfg());
    for page in [0, 1 << 31, u32::MAX - 1] {
        write(&mut cache, page, 0, &page.to_be_bytes());
    }
    let root = cache.commit_and_apply().unwrap();
    let mut reopened = PageCache::open(kv.clone(), root, cfg()).unwrap();
    for page in [0, 1 << 31, u32::MAX - 1] {
        assert_eq!(&reopened.page(page).unwrap()[..4], &page.to_be_bytes());
        let (bytes, proof) = strata_pages::prove(&*kv, root, page).unwrap();
        assert_eq!(proof.siblings.len(), 32);
        assert!(strata_pages::verify(&root, page, &bytes, &proof));
    }
    assert!(reopened.page(12_345).unwrap().iter().all(|&b| b == 0));
    assert!(matches!(
        reopened.page(u32::MAX),
        Err(PageError::PageOutOfRange { .. })
    ));
}

#[test]
fn unchanged_pages_write_nothing_but_the_root() {
    let (_kv, mut cache) = fresh(8);
    write(&mut cache, 4, 0, b"same");
    let r1 = cache.commit_and_apply().unwrap();
    write(&mut cache, 4, 0, b"same"); // dirty, but identical bytes
    let commit = cache.commit().unwrap();
    assert_eq!(commit.root, r1);
    assert_eq!(commit.pages_changed, 0);
    assert_eq!(commit.batch.len(), 1);
}

#[test]
fn a_written_page_leaves_a_vacant_slot_that_reads_as_a_miss() {
    let kv = Arc::new(MemKv::new());
    let mut c = PageCache::create(kv, 4, PageCacheConfig::with_capacity(2));
    write(&mut c, 0, 0, &[1]);
    c.commit_and_apply().unwrap();
    assert_eq!(c.clean_len(), 1, "the committed page is clean");

    // Writing moves the page out of the clean pages (a hit).
    let before = c.stats();
    write(&mut c, 0, 0, &[2]);
    assert_eq!(c.stats().hits, before.hits + 1);
    assert_eq!(c.clean_len(), 0, "a vacant slot is not a clean page");
    assert_eq!(c.page(0).unwrap()[0], 2, "reads see the dirty page");

    // Discarded: the vacant slot reads as a miss and reloads the committed
    // bytes.
    c.discard();
    let before = c.stats();
    assert_eq!(c.page(0).unwrap()[0], 1);
    assert_eq!(c.stats().misses, before.misses + 1);
    assert_eq!(c.clean_len(), 1);

    // Committed again: back into its slot, nothing evicted.
    write(&mut c, 0, 0, &[3]);
    c.commit_and_apply().unwrap();
    assert_eq!(c.clean_len(), 1);
    let before = c.stats();
    assert_eq!(c.page(0).unwrap()[0], 3);
    assert_eq!(c.stats().hits, before.hits + 1, "served from the LRU");

    // Vacant slots count toward the bound, but pushing one out is not an
    // eviction of a clean page.
    write(&mut c, 0, 0, &[4]);
    let before = c.stats();
    c.page(1).unwrap();
    c.page(2).unwrap(); // the LRU holds 1 and 2; page 0's vacant slot is gone
    assert_eq!(c.stats().evictions, before.evictions);
    c.page(3).unwrap(); // pushes out clean page 1
    assert_eq!(c.stats().evictions, before.evictions + 1);
    assert_eq!(c.page(0).unwrap()[0], 4, "the dirty page is never evicted");
    c.commit_and_apply().unwrap();
    assert_eq!(c.page(0).unwrap()[0], 4);
    assert_eq!(c.clean_len(), 2);
}
