//! State retention and pruning (`lifecycle/`), against a model that keeps
//! every version: after any sequence of blocks, prunes and restarts, every
//! retained root reads back exactly, every pruned root is a typed error
//! naming the oldest retained block, and the stored reference counts equal
//! a recount from the retained roots, with no record left that no count
//! keeps (so the store holds what the window needs, and no more).

mod common;

use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use strata_kv::MemKv;
use strata_runtime::{
    Address, Arg, BlockContext, Hash32, Retention, Runtime, RuntimeConfig, RuntimeError,
    Transaction,
};

/// `put(page, offset, value)` writes 8 bytes; `put_fail` writes, then traps.
const PUT: &str = r#"(module
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "put") (param $page i32) (param $offset i32) (param $value i64)
    (i64.store (i32.const 0) (local.get $value))
    (call $write (local.get $page) (local.get $offset) (i32.const 0) (i32.const 8)))
  (func (export "put_fail") (param $page i32) (param $offset i32) (param $value i64)
    (i64.store (i32.const 0) (local.get $value))
    (call $write (local.get $page) (local.get $offset) (i32.const 0) (i32.const 8))
    unreachable))"#;

/// Pages per contract (20: a tree of two group levels).
const PAGES: u32 = 20;

fn keep(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).unwrap()
}

fn runtime(kv: &Arc<MemKv>, retention: Retention) -> Runtime<Arc<MemKv>> {
    Runtime::builder(kv.clone())
        .config(RuntimeConfig {
            state_retention: retention,
            ..RuntimeConfig::default()
        })
        .build()
        .unwrap()
}

fn put(c: Address, page: u32, value: i64, fail: bool) -> Transaction {
    let f = if fail { "put_fail" } else { "put" };
    Transaction::Call(call_tx(
        c,
        f,
        vec![Arg::I32(page as i32), Arg::I32(0), Arg::I64(value)],
        vec![],
    ))
}

fn context(height: u64) -> BlockContext {
    BlockContext {
        height,
        time: 1_700_000_000 + height,
    }
}

/// One step of a run.
#[derive(Clone, Debug)]
enum Op {
    /// A block of writes: (contract, page, value, fails).
    Block(Vec<(usize, u32, i64, bool)>),
    /// `Runtime::prune` to the last `n` blocks.
    Prune(u64),
    /// A new runtime over the same store (every cache dropped).
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    // Few values and pages, so identical pages and groups are shared
    // between contracts and between versions, and contents come back.
    let write = (0usize..2, 0u32..6, 0i64..3, prop::bool::weighted(0.15));
    prop_oneof![
        6 => prop::collection::vec(write, 1..6).prop_map(Op::Block),
        1 => (1u64..4).prop_map(Op::Prune),
        1 => Just(Op::Restart),
    ]
}

/// What the model knows of a contract's pages: (contract, page) → value.
type Contents = BTreeMap<(usize, u32), i64>;

/// The model: every numbered block's height, root and contents.
struct Model {
    /// (height, root, contents) of each numbered block, oldest first.
    blocks: Vec<(u64, Hash32, Contents)>,
    /// How many of the first `blocks` have only the first contract (a
    /// deploy's).
    one_contract: usize,
    /// The index in `blocks` of the oldest retained block.
    oldest: usize,
    current: Contents,
}

fn check(rt: &Runtime<Arc<MemKv>>, contracts: &[Address], model: &Model) {
    // The retained blocks are the model's window.
    let retained = rt.retained_blocks().unwrap();
    let want: Vec<(u64, Hash32)> = model.blocks[model.oldest..]
        .iter()
        .map(|(h, r, _)| (*h, *r))
        .collect();
    let got: Vec<(u64, Hash32)> = retained.iter().map(|b| (b.height, b.state_root)).collect();
    assert_eq!(got, want, "the retained blocks");
    // Every retained root reads back exactly.
    for (n, (height, root, contents)) in model.blocks.iter().enumerate().skip(model.oldest) {
        let snap = rt.snapshot(*root).unwrap();
        let present = if n < model.one_contract { 1 } else { 2 };
        assert_eq!(snap.account(&contracts[1]).unwrap().is_some(), present == 2);
        for (i, c) in contracts.iter().enumerate().take(present) {
            for page in 0..6 {
                let bytes = snap.read_slice(c, page, 0, 8).unwrap();
                let value = i64::from_le_bytes(bytes.try_into().unwrap());
                let want = contents.get(&(i, page)).copied().unwrap_or(0);
                assert_eq!(
                    value, want,
                    "block at height {height}, contract {i}, page {page}"
                );
            }
        }
    }
    // Every pruned root (that no retained block shares) is a typed error
    // naming the oldest retained block.
    let (oldest_height, oldest_root, _) = &model.blocks[model.oldest];
    for (_, root, _) in &model.blocks[..model.oldest] {
        if want.iter().any(|(_, r)| r == root) {
            continue;
        }
        match rt.snapshot(*root) {
            Err(RuntimeError::Pruned {
                root: r,
                oldest_height: h,
                oldest_root: o,
            }) => {
                assert_eq!((r, h, o), (*root, *oldest_height, *oldest_root));
            }
            Err(e) => panic!("a pruned root gave {e}"),
            Ok(_) => panic!("a pruned root opened"),
        }
    }
    // The counts are a recount's, and nothing is kept that no count keeps.
    let store = rt.check_state_store().unwrap();
    assert_eq!(store.retained_blocks, want.len() as u64);
    assert_eq!(store.unreferenced, 0, "records no retained root reaches");
}

fn run(retention: u64, ops: Vec<Op>) {
    let kv = Arc::new(MemKv::new());
    let mut rt = runtime(&kv, Retention::Blocks(keep(retention)));
    let contracts = [deploy(&rt, PUT, PAGES), deploy(&rt, PUT, PAGES)];
    // The deploys were blocks too: they are the model's first two.
    let mut model = Model {
        blocks: Vec::new(),
        oldest: 0,
        one_contract: 0,
        current: BTreeMap::new(),
    };
    // The deploys' blocks still retained (the first has one contract).
    let deploys = rt.retained_blocks().unwrap();
    model.one_contract = deploys.len().saturating_sub(1);
    for b in deploys {
        model.blocks.push((b.height, b.state_root, BTreeMap::new()));
    }
    let mut height = 10;
    for op in ops {
        match op {
            Op::Block(writes) => {
                height += 1;
                let txs: Vec<Transaction> = writes
                    .iter()
                    .map(|&(c, page, value, fail)| put(contracts[c], page, value, fail))
                    .collect();
                let result = rt.execute_block(&txs, context(height)).unwrap();
                let mut any = false;
                for (&(c, page, value, fail), r) in writes.iter().zip(&result.receipts) {
                    assert_eq!(r.success(), !fail, "{:?}", r.error);
                    if !fail {
                        model.current.insert((c, page), value);
                        any = true;
                    }
                }
                if any {
                    model
                        .blocks
                        .push((height, result.head.state_root, model.current.clone()));
                    model.oldest = model
                        .oldest
                        .max(model.blocks.len().saturating_sub(retention as usize));
                }
            }
            Op::Prune(n) => {
                let report = rt.prune(keep(n)).unwrap();
                let before = model.oldest;
                model.oldest = model
                    .oldest
                    .max(model.blocks.len().saturating_sub(n as usize));
                assert_eq!(report.blocks_pruned, (model.oldest - before) as u64);
                assert_eq!(
                    report.oldest.map(|b| b.state_root),
                    Some(model.blocks[model.oldest].1)
                );
            }
            Op::Restart => rt = runtime(&kv, Retention::Blocks(keep(retention))),
        }
        check(&rt, &contracts, &model);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_retained_root_reads_back_and_nothing_else_is_kept(
        retention in 1u64..4,
        ops in prop::collection::vec(op(), 1..24),
    ) {
        run(retention, ops);
    }
}

#[test]
fn a_long_run_keeps_only_the_window() {
    // 300 blocks of changing pages, a window of 4: the store holds what
    // four roots reach, and every one of them reads back.
    let ops = (0..300)
        .map(|i| Op::Block(vec![(i % 2, (i as u32 * 7) % 6, i as i64, false)]))
        .collect();
    run(4, ops);
}

#[test]
fn an_archive_store_keeps_everything_until_pruned_and_then_starts_counting() {
    let kv = Arc::new(MemKv::new());
    let rt = runtime(&kv, Retention::Archive);
    let c = deploy(&rt, PUT, PAGES);
    let mut roots = Vec::new();
    for i in 0..5 {
        let r = rt
            .execute_block(&[put(c, 1, i, false)], context(20 + i as u64))
            .unwrap();
        roots.push(r.head.state_root);
    }
    // Archive: nothing counted, every root opens.
    assert!(!rt.state_retention().unwrap().counting);
    assert!(rt.retained_blocks().unwrap().is_empty());
    for root in &roots {
        rt.snapshot(*root).unwrap();
    }
    // Pruning starts counting at the latest root; older records stay,
    // unreferenced, and are reported as such.
    let report = rt.prune(keep(1)).unwrap();
    assert_eq!(report.blocks_pruned, 0);
    assert_eq!(report.oldest.unwrap().state_root, roots[4]);
    let info = rt.state_retention().unwrap();
    assert!(info.counting);
    let store = rt.check_state_store().unwrap();
    assert_eq!(store.retained_blocks, 1);
    assert!(store.unreferenced > 0, "the archive's older versions");
    // Later blocks count, even in archive mode (archive: never prune).
    for i in 5..8 {
        assert!(
            rt.execute_block(&[put(c, 1, i, false)], context(20 + i as u64))
                .unwrap()
                .receipts[0]
                .success()
        );
    }
    assert_eq!(rt.retained_blocks().unwrap().len(), 4);
    rt.check_state_store().unwrap();
    // Pruned to one: the first counted root is gone, with a typed error.
    rt.prune(keep(1)).unwrap();
    let newest = rt.retained_blocks().unwrap()[0];
    match rt.snapshot(roots[4]) {
        Err(e @ RuntimeError::Pruned { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("not retained"), "{msg}");
            assert!(msg.contains(&format!("height {}", newest.height)), "{msg}");
        }
        other => panic!("{:?}", other.map(|s| s.root())),
    }
}

#[test]
fn a_damaged_count_is_found_by_the_check_and_stops_pruning() {
    use strata_kv::{KvStore, WriteBatch};
    use strata_primitives::namespaces;
    let kv = Arc::new(MemKv::new());
    let rt = runtime(&kv, Retention::Blocks(keep(2)));
    let c = deploy(&rt, PUT, PAGES);
    assert!(
        rt.execute_block(&[put(c, 1, 1, false)], context(30))
            .unwrap()
            .receipts[0]
            .success()
    );
    rt.check_state_store().unwrap();
    // Set one count one too high.
    let (key, value) = kv.scan_prefix(namespaces::REFS, b"").unwrap().remove(0);
    let mut bad = value.to_vec();
    bad[1] = bad[1].wrapping_add(1);
    let mut b = WriteBatch::new();
    b.put(namespaces::REFS, &key[..], bad);
    kv.write(b).unwrap();
    let Err(e) = rt.check_state_store() else {
        panic!("a wrong count passed the check");
    };
    assert!(
        matches!(
            e,
            RuntimeError::Corrupt {
                what: "reference count",
                ..
            }
        ),
        "{e}"
    );
    // A count that is not a count at all (here the latest root's) stops
    // the block that prunes that root, with the record's key, and nothing
    // of that block is applied. (Damage on disk is met by a runtime that
    // reads it: a fresh one, as after a restart; a running one trusts
    // the counts it wrote itself.)
    let root = rt.head().unwrap().unwrap().state_root;
    let mut b = WriteBatch::new();
    b.put(namespaces::REFS, root, b"xx".to_vec());
    kv.write(b).unwrap();
    let rt = runtime(&kv, Retention::Blocks(keep(2)));
    let mut failed = false;
    for i in 0..4 {
        let before = rt.head().unwrap();
        match rt.execute_block(&[put(c, 2, 10 + i, false)], context(31 + i as u64)) {
            Ok(_) => {}
            Err(RuntimeError::Corrupt { what, key, .. }) => {
                assert_eq!(what, "reference count");
                assert_eq!(key, strata_primitives::hex::encode(root));
                assert_eq!(rt.head().unwrap(), before, "the failed block left nothing");
                failed = true;
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(failed, "pruning read the damaged count");
}

#[test]
fn retention_never_changes_receipts_gas_or_roots() {
    // The same blocks on an archive store and on one that keeps a single
    // block (pruning every block): identical results, block by block.
    let stores = [Arc::new(MemKv::new()), Arc::new(MemKv::new())];
    let rts = [
        runtime(&stores[0], Retention::Archive),
        runtime(&stores[1], Retention::Blocks(keep(1))),
    ];
    let contracts: Vec<[Address; 2]> = rts
        .iter()
        .map(|rt| [deploy(rt, PUT, PAGES), deploy(rt, PUT, PAGES)])
        .collect();
    assert_eq!(contracts[0], contracts[1]);
    let c = contracts[0];
    for i in 0..40u32 {
        let txs = vec![
            put(c[(i % 2) as usize], i % 6, i64::from(i % 3), false),
            put(c[((i + 1) % 2) as usize], (i * 5) % 6, 7, i % 4 == 0),
            put(c[0], 0, i64::from(i), false),
        ];
        let a = rts[0]
            .execute_block(&txs, context(100 + u64::from(i)))
            .unwrap();
        let b = rts[1]
            .execute_block(&txs, context(100 + u64::from(i)))
            .unwrap();
        assert_eq!(a, b, "block {i}");
    }
    // And the pruned store holds fewer page records: only its last state's.
    use strata_kv::KvStore;
    let pages = |kv: &Arc<MemKv>| {
        kv.scan_prefix(strata_primitives::namespaces::PAGES, b"")
            .unwrap()
            .len()
    };
    assert!(
        pages(&stores[1]) < pages(&stores[0]) / 2,
        "{} vs {}",
        pages(&stores[1]),
        pages(&stores[0])
    );
    assert_eq!(rts[1].check_state_store().unwrap().unreferenced, 0);
}

#[test]
fn two_runtimes_taking_turns_on_one_store_keep_the_counts_right() {
    // Each runtime remembers counts between its blocks; the other's blocks
    // (and prunes) in between must make it forget them.
    let kv = Arc::new(MemKv::new());
    let a = runtime(&kv, Retention::Blocks(keep(2)));
    let b = runtime(&kv, Retention::Blocks(keep(2)));
    let c = deploy(&a, PUT, PAGES);
    for i in 0..30u32 {
        let (rt, other) = if i % 3 == 0 { (&b, &a) } else { (&a, &b) };
        let r = rt
            .execute_block(
                &[put(c, i % 6, i64::from(i % 4), false)],
                context(200 + u64::from(i)),
            )
            .unwrap();
        assert!(r.receipts[0].success());
        if i % 7 == 0 {
            other.prune(keep(1)).unwrap();
        }
        let check = other.check_state_store().unwrap();
        assert_eq!(check.unreferenced, 0, "block {i}");
    }
}

/// The map token of `examples/`.
fn map_token() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/map_token.wat"
    ))
    .unwrap()
}

fn token_call(
    token: Address,
    sender: Address,
    function: &str,
    amount: i64,
    input: Vec<u8>,
) -> Transaction {
    let mut tx = call_tx(token, function, vec![Arg::I64(amount)], input);
    tx.sender = sender;
    Transaction::Call(tx)
}

fn holder(i: u32) -> Address {
    let mut a = [0x70u8; 20];
    a[..4].copy_from_slice(&i.to_le_bytes());
    Address(a)
}

#[test]
fn map_nodes_are_counted_and_pruned_with_the_window() {
    // A token whose balances are a map: blocks of mints and transfers with
    // a window of 2. Every retained root's balances read back, the counts
    // (map nodes among them) recount, and no map node is left behind.
    let kv = Arc::new(MemKv::new());
    let rt = runtime(&kv, Retention::Blocks(keep(2)));
    let deploy = {
        let mut d = deploy_tx(&map_token(), 1);
        d.ctor = Some(strata_runtime::FunctionCall {
            function: "init".into(),
            args: vec![],
        });
        d
    };
    let r = rt
        .execute(&Transaction::Deploy(deploy), context(1))
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
    let token = r.deployed.unwrap();
    let mut balances: BTreeMap<u32, i64> = BTreeMap::new();
    let mut history: Vec<(Hash32, BTreeMap<u32, i64>)> = Vec::new();
    for b in 0..12u32 {
        let mut txs = vec![token_call(token, AUTHOR, "mint", 100, holder(b).0.to_vec())];
        *balances.entry(b).or_default() += 100;
        if b > 0 {
            txs.push(token_call(
                token,
                holder(b),
                "transfer",
                30,
                holder(b - 1).0.to_vec(),
            ));
            *balances.entry(b).or_default() -= 30;
            *balances.entry(b - 1).or_default() += 30;
        }
        let result = rt.execute_block(&txs, context(10 + u64::from(b))).unwrap();
        for r in &result.receipts {
            assert!(r.success(), "block {b}: {:?}", r.error);
        }
        history.push((result.head.state_root, balances.clone()));
        let check = rt.check_state_store().unwrap();
        assert_eq!(check.unreferenced, 0, "block {b}");
    }
    let balance_at = |root: Hash32, h: u32| -> i64 {
        let snap = rt.snapshot(root).unwrap();
        let mut q = call_tx(token, "balance_of", vec![], holder(h).0.to_vec());
        q.gas_limit = GAS;
        let r = snap.query(&q, context(100)).unwrap();
        match r.returns[..] {
            [Arg::I64(v)] => v,
            ref other => panic!("balance_of returned {other:?} ({:?})", r.error),
        }
    };
    for (root, want) in &history[history.len() - 2..] {
        for (h, v) in want {
            assert_eq!(balance_at(*root, *h), *v, "holder {h}");
        }
    }
    assert!(matches!(
        rt.snapshot(history[0].0),
        Err(RuntimeError::Pruned { .. })
    ));
    // Map nodes were deleted along the way: far fewer than were written.
    use strata_kv::KvStore;
    let map_nodes = kv
        .scan_prefix(strata_primitives::namespaces::MAP_NODES, b"")
        .unwrap()
        .len();
    assert!(
        map_nodes > 0 && map_nodes < 60,
        "{map_nodes} map nodes kept"
    );
}
