//! Writes per block, not per transaction: page and node records that a
//! later transaction of the same block supersedes never reach the store,
//! while receipts, roots and everything a later block or a restarted
//! runtime reads stay exactly as with one transaction per block.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use strata_kv::testing::Instrumented;
use strata_kv::{KvStore, MemKv};
use strata_primitives::namespaces;
use strata_runtime::{Address, Arg, BlockContext, Retention, Runtime, Transaction};

/// `put(page, offset, value)` writes 8 bytes; `put_fail` writes, then traps.
const PUT: &str = r#"(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "put") (param $page i32) (param $offset i32) (param $value i64)
    (i64.store (i32.const 0) (local.get $value))
    (call $write (local.get $page) (local.get $offset) (i32.const 0) (i32.const 8)))
  (func (export "put_fail") (param $page i32) (param $offset i32) (param $value i64)
    (i64.store (i32.const 0) (local.get $value))
    (call $write (local.get $page) (local.get $offset) (i32.const 0) (i32.const 8))
    unreachable)
  (func (export "get") (param $page i32) (param $offset i32) (result i64)
    (call $read (local.get $page) (local.get $offset) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0))))"#;

const PAGES: u32 = 40;

fn block(height: u64) -> BlockContext {
    BlockContext {
        height,
        time: 1_700_000_000 + height,
    }
}

fn put(c: Address, page: u32, offset: u32, value: i64, fail: bool) -> Transaction {
    let f = if fail { "put_fail" } else { "put" };
    Transaction::Call(call_tx(
        c,
        f,
        vec![
            Arg::I32(page as i32),
            Arg::I32(offset as i32),
            Arg::I64(value),
        ],
        vec![],
    ))
}

fn get<K: KvStore + Clone + 'static>(rt: &Runtime<K>, c: Address, page: u32, offset: u32) -> i64 {
    let r = rt
        .query(
            &call_tx(
                c,
                "get",
                vec![Arg::I32(page as i32), Arg::I32(offset as i32)],
                vec![],
            ),
            BLOCK,
        )
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
    match r.returns[..] {
        [Arg::I64(v)] => v,
        ref other => panic!("get returned {other:?}"),
    }
}

/// The keys of every stored record of `ns`.
fn keys(kv: &impl KvStore, ns: strata_kv::Namespace) -> BTreeSet<Vec<u8>> {
    kv.scan_prefix(ns, b"")
        .unwrap()
        .into_iter()
        .map(|(k, _)| k.to_vec())
        .collect()
}

/// Every page and node record reachable from the page trees of the
/// accounts stored in `kv` now, walking stored records only: (pages, nodes).
fn reachable(kv: &impl KvStore) -> (BTreeSet<Vec<u8>>, BTreeSet<Vec<u8>>) {
    let (mut pages, mut nodes) = (BTreeSet::new(), BTreeSet::new());
    for (k, v) in kv.scan_prefix(namespaces::ACCOUNTS, b"").unwrap() {
        let a = Address(k[..].try_into().unwrap());
        let account = strata_runtime::Account::from_record(&a, &v).unwrap();
        if account.page_count == 0 {
            continue;
        }
        let mut stack = vec![account.tree_root];
        while let Some(h) = stack.pop() {
            if let Some(group) = kv.get(namespaces::NODES, &h).unwrap() {
                if nodes.insert(h.to_vec()) {
                    stack.extend(
                        group
                            .chunks_exact(32)
                            .map(|c| <[u8; 32]>::try_from(c).unwrap()),
                    );
                }
            } else if kv.get(namespaces::PAGES, &h).unwrap().is_some() {
                pages.insert(h.to_vec());
            }
        }
    }
    (pages, nodes)
}

#[test]
fn a_block_of_increments_writes_one_page_record() {
    // One page, the counter's and the caller's account records, the
    // account-tree path and the head: not a page per transaction.
    increments_write_at_most(Retention::Archive, 12);
    // With pruning, also a count per new counted record (the page, the
    // account record by hash, the tree path: at most 9 with the
    // unchanged siblings whose counts grow), the block's number, its
    // root's index entry and the retention's counters.
    increments_write_at_most(Retention::default(), 12 + 9 + 3);
}

fn increments_write_at_most(retention: Retention, most: usize) {
    let kv = Arc::new(Instrumented::new(MemKv::new()));
    // The counter emits an event per increment; the event index (three
    // records an event) is not what this test counts.
    let rt = Runtime::builder(kv.clone())
        .config(strata_runtime::RuntimeConfig {
            event_retention_blocks: Some(0),
            state_retention: retention,
            ..strata_runtime::RuntimeConfig::default()
        })
        .build()
        .unwrap();
    let c = deploy(&rt, COUNTER, 1);
    let pages_before = keys(&kv, namespaces::PAGES).len();
    let txs: Vec<_> = (0..1_000)
        .map(|_| Transaction::Call(call_tx(c, "inc", vec![], vec![])))
        .collect();
    kv.reset_counts();
    let result = rt.execute_block(&txs, block(2)).unwrap();
    assert!(result.receipts.iter().all(|r| r.success()));
    // Every receipt still carries its own contract root: 1,000 of them.
    let roots: BTreeSet<_> = result.receipts.iter().map(|r| r.state_roots[0].1).collect();
    assert_eq!(roots.len(), 1_000);
    let written = kv.records_written();
    assert!(written <= most, "{retention:?}: {written} records written");
    assert_eq!(keys(&kv, namespaces::PAGES).len(), pages_before + 1);
    // The last receipt's root is the one stored, and a new runtime reads it.
    let fresh = Runtime::new(kv.clone());
    assert_eq!(counter_value(&fresh, &c), 1_000);
    assert_eq!(
        fresh.account(&c).unwrap().unwrap().state_root,
        result.receipts[999].state_roots[0].1
    );
    assert_eq!(fresh.head().unwrap(), Some(result.head));
}

#[test]
fn a_page_set_back_in_a_later_block_is_written_again() {
    // Block 1 writes A then B to the page (A is swept); block 2 writes A
    // again: its record must reach the store, though a cache saw A before.
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    let c = deploy(&rt, PUT, 4);
    let b1 = [put(c, 1, 0, 7, false), put(c, 1, 0, 8, false)];
    assert!(
        rt.execute_block(&b1, block(2))
            .unwrap()
            .receipts
            .iter()
            .all(|r| r.success())
    );
    let b2 = [put(c, 1, 0, 7, false)];
    assert!(rt.execute_block(&b2, block(3)).unwrap().receipts[0].success());
    let fresh = Runtime::new(kv.clone());
    assert_eq!(get(&fresh, c, 1, 0), 7);
    let (pages, nodes) = reachable(&*kv);
    assert!(pages.is_subset(&keys(&*kv, namespaces::PAGES)));
    assert!(nodes.is_subset(&keys(&*kv, namespaces::NODES)));
}

/// One transaction of a generated block.
#[derive(Clone, Debug)]
struct Op {
    page: u32,
    offset: u32,
    value: i64,
    fail: bool,
}

fn op() -> impl Strategy<Value = Op> {
    (0..PAGES, 0u32..4, -3i64..4, proptest::bool::weighted(0.15)).prop_map(
        |(page, offset, value, fail)| Op {
            page,
            offset: offset * 8,
            value,
            fail,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random blocks of writes (few values, so pages repeat, revert and
    /// share content; some transactions fail): the receipts equal those of
    /// one transaction per block, byte for byte; after every block a fresh
    /// runtime reads exactly the model; and the store holds exactly the
    /// records that some block's final state reached, nothing superseded
    /// inside a block.
    #[test]
    fn blocks_write_exactly_what_their_final_states_reach(
        blocks in prop::collection::vec(prop::collection::vec(op(), 1..12), 1..6)
    ) {
        let kv = Arc::new(MemKv::new());
        let rt = Runtime::new(kv.clone());
        let c = deploy(&rt, PUT, PAGES);
        let reference_kv = Arc::new(MemKv::new());
        let reference = Runtime::new(reference_kv.clone());
        prop_assert_eq!(deploy(&reference, PUT, PAGES), c);

        let mut model: BTreeMap<(u32, u32), i64> = BTreeMap::new();
        let (mut ever_pages, mut ever_nodes) = reachable(&*kv);
        let mut height = 1;
        for ops in &blocks {
            height += 1;
            let txs: Vec<_> = ops.iter().map(|o| put(c, o.page, o.offset, o.value, o.fail)).collect();
            let result = rt.execute_block(&txs, block(height)).unwrap();
            for (tx, receipt) in txs.iter().zip(&result.receipts) {
                let one = reference.execute_block(std::slice::from_ref(tx), block(height)).unwrap();
                prop_assert_eq!(receipt.to_bytes(), one.receipts[0].to_bytes());
            }
            prop_assert_eq!(
                rt.account(&c).unwrap().unwrap().state_root,
                reference.account(&c).unwrap().unwrap().state_root
            );
            for o in ops.iter().filter(|o| !o.fail) {
                model.insert((o.page, o.offset), o.value);
            }
            let (pages, nodes) = reachable(&*kv);
            ever_pages.extend(pages);
            ever_nodes.extend(nodes);
            prop_assert_eq!(&keys(&*kv, namespaces::PAGES), &ever_pages);
            prop_assert_eq!(&keys(&*kv, namespaces::NODES), &ever_nodes);
            let fresh = Runtime::new(kv.clone());
            for page in 0..PAGES {
                for offset in (0..4).map(|i| i * 8) {
                    let want = model.get(&(page, offset)).copied().unwrap_or(0);
                    prop_assert_eq!(get(&fresh, c, page, offset), want);
                }
            }
        }
        // One transaction per block keeps every superseded version: never
        // fewer records than a block at a time.
        prop_assert!(keys(&*reference_kv, namespaces::PAGES).len() >= ever_pages.len());
    }
}
