//! The event index: events of successful transactions by contract and
//! topic, written in the block's batch, expiring after
//! `RuntimeConfig::event_retention_blocks` blocks.

mod common;

use std::sync::Arc;

use common::*;
use strata_kv::testing::Instrumented;
use strata_kv::{KvStore, MemKv, WriteBatch};
use strata_primitives::namespaces;
use strata_runtime::{
    Address, Arg, BlockContext, IndexedEvent, Runtime, RuntimeConfig, RuntimeError, Transaction,
};

/// Input: a topic count k, k topics of 32 bytes, then the data. `emit`
/// emits one event with them, `emit_n(n)` n, `emit_fail` one and then
/// traps, `nothing` nothing.
const EMITTER: &str = r#"(module
  (import "strata" "input_len" (func $len (result i32)))
  (import "strata" "input_copy" (func $copy (param i32 i32 i32)))
  (import "strata" "emit_event" (func $event (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func $emit (param $times i32)
    (local $n i32) (local $k i32) (local $data i32)
    (local.set $n (call $len))
    (call $copy (i32.const 0) (i32.const 0) (local.get $n))
    (local.set $k (i32.load8_u (i32.const 0)))
    (local.set $data (i32.add (i32.const 1) (i32.mul (local.get $k) (i32.const 32))))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $times)))
      (call $event (i32.const 1) (local.get $k) (local.get $data)
        (i32.sub (local.get $n) (local.get $data)))
      (local.set $times (i32.sub (local.get $times) (i32.const 1)))
      (br $l))))
  (func (export "emit") (call $emit (i32.const 1)))
  (func (export "emit_n") (param i32) (call $emit (local.get 0)))
  (func (export "emit_fail") (call $emit (i32.const 1)) unreachable)
  (func (export "nothing")))"#;

const T1: [u8; 32] = [0x11; 32];
const T2: [u8; 32] = [0x22; 32];
const T3: [u8; 32] = [0x33; 32];

fn input(topics: &[[u8; 32]], data: &[u8]) -> Vec<u8> {
    let mut v = vec![topics.len() as u8];
    for t in topics {
        v.extend_from_slice(t);
    }
    v.extend_from_slice(data);
    v
}

fn emit(c: Address, topics: &[[u8; 32]], data: &[u8]) -> Transaction {
    Transaction::Call(call_tx(c, "emit", vec![], input(topics, data)))
}

fn emit_n(c: Address, n: i32, topics: &[[u8; 32]], data: &[u8]) -> Transaction {
    Transaction::Call(call_tx(c, "emit_n", vec![Arg::I32(n)], input(topics, data)))
}

fn emit_fail(c: Address, topics: &[[u8; 32]], data: &[u8]) -> Transaction {
    Transaction::Call(call_tx(c, "emit_fail", vec![], input(topics, data)))
}

fn nothing(c: Address) -> Transaction {
    Transaction::Call(call_tx(c, "nothing", vec![], vec![]))
}

fn at(height: u64) -> BlockContext {
    BlockContext {
        height,
        time: 1_700_000_000 + height,
    }
}

fn ev(height: u64, tx: u32, idx: u32, topics: &[[u8; 32]], data: &[u8]) -> IndexedEvent {
    IndexedEvent {
        height,
        tx_index: tx,
        event_index: idx,
        topics: topics.to_vec(),
        data: data.to_vec(),
    }
}

fn runtime<K: KvStore + 'static>(kv: K, retention: Option<u64>) -> Runtime<K> {
    Runtime::builder(kv)
        .config(RuntimeConfig {
            event_retention_blocks: retention,
            ..RuntimeConfig::default()
        })
        .build()
        .unwrap()
}

/// Runs a block; every transaction must succeed unless it calls
/// `emit_fail`.
fn block<K: KvStore + 'static>(rt: &Runtime<K>, height: u64, txs: &[Transaction]) {
    let result = rt.execute_block(txs, at(height)).unwrap();
    for (tx, r) in txs.iter().zip(&result.receipts) {
        let should_fail = matches!(tx, Transaction::Call(c) if c.call.function == "emit_fail");
        assert_eq!(r.success(), !should_fail, "{:?}", r.error);
    }
}

fn heights(events: &[IndexedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.height).collect()
}

/// Every record of the index's namespaces and state, as (tag, key, value).
fn index_records(kv: &impl KvStore) -> Vec<(u8, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for ns in [
        namespaces::EVENTS,
        namespaces::EVENT_TOPICS,
        namespaces::EVENT_EXPIRY,
    ] {
        for (k, v) in kv.scan_prefix(ns, b"").unwrap() {
            out.push((ns.tag(), k.to_vec(), v.to_vec()));
        }
    }
    if let Some(v) = kv.get(namespaces::BLOCKS, b"events").unwrap() {
        out.push((namespaces::BLOCKS.tag(), b"events".to_vec(), v.to_vec()));
    }
    out
}

fn index_len(kv: &MemKv) -> [usize; 3] {
    [
        kv.len_of(namespaces::EVENTS),
        kv.len_of(namespaces::EVENT_TOPICS),
        kv.len_of(namespaces::EVENT_EXPIRY),
    ]
}

#[test]
fn events_of_several_contracts_and_topics_over_several_blocks() {
    let kv = Arc::new(MemKv::new());
    let rt = runtime(kv.clone(), None);
    let a = deploy(&rt, EMITTER, 1);
    let b = deploy(&rt, EMITTER, 1);
    assert_eq!(rt.events(&a, None, 0).unwrap(), []);
    let txs = [
        emit(a, &[T1, T2], b"a2"),
        emit(b, &[T1], b"b2"),
        emit_fail(a, &[T1], b"failed"),
        emit_n(a, 2, &[T3, T3], b"x"),
        nothing(a),
    ];
    let result = rt.execute_block(&txs, at(2)).unwrap();
    assert!(!result.receipts[2].success());
    assert_eq!(result.receipts[3].events.len(), 2);
    block(&rt, 3, &[emit(b, &[T2], b"b3")]);
    block(&rt, 5, &[nothing(b), emit(a, &[T1], b"a5")]);

    let all_a = rt.events(&a, None, 0).unwrap();
    assert_eq!(
        all_a,
        [
            ev(2, 0, 0, &[T1, T2], b"a2"),
            ev(2, 3, 0, &[T3, T3], b"x"),
            ev(2, 3, 1, &[T3, T3], b"x"),
            ev(5, 1, 0, &[T1], b"a5"),
        ],
        "the failed transaction (position 2) is not indexed, but counts"
    );
    // What the index keeps is what the receipts said.
    assert_eq!(all_a[0].topics, result.receipts[0].events[0].topics);
    assert_eq!(all_a[0].data, result.receipts[0].events[0].data);
    assert_eq!(
        rt.events(&a, Some(T1), 0).unwrap(),
        [ev(2, 0, 0, &[T1, T2], b"a2"), ev(5, 1, 0, &[T1], b"a5")]
    );
    assert_eq!(heights(&rt.events(&a, Some(T1), 3).unwrap()), [5]);
    assert_eq!(heights(&rt.events(&a, Some(T1), 5).unwrap()), [5]);
    assert_eq!(rt.events(&a, Some(T1), 6).unwrap(), []);
    assert_eq!(heights(&rt.events(&a, None, 3).unwrap()), [5]);
    assert_eq!(
        rt.events(&a, Some(T3), 0).unwrap().len(),
        2,
        "a topic given twice is indexed once per event"
    );
    assert_eq!(rt.events(&a, Some([0x44; 32]), 0).unwrap(), []);
    assert_eq!(
        rt.events(&b, None, 0).unwrap(),
        [ev(2, 1, 0, &[T1], b"b2"), ev(3, 0, 0, &[T2], b"b3")]
    );
    assert_eq!(
        rt.events(&b, Some(T2), 0).unwrap(),
        [ev(3, 0, 0, &[T2], b"b3")]
    );
    assert_eq!(rt.events(&Address([9; 20]), None, 0).unwrap(), []);
    assert_eq!(rt.events(&b, None, u64::MAX).unwrap(), []);

    let info = rt.event_index().unwrap();
    assert_eq!(info.retention_blocks, None);
    assert_eq!(info.events, 6);
    assert_eq!((info.oldest, info.newest), (Some(2), Some(5)));
    assert_eq!(info.expired_below, 0);
    // Three records per event, a topic record per distinct topic.
    assert_eq!(index_len(&kv), [6, 2 + 1 + 1 + 1 + 1 + 1, 6]);
}

#[test]
fn nested_events_are_indexed_under_the_contract_that_emitted_them() {
    let rt = runtime(Arc::new(MemKv::new()), None);
    let emitter = deploy(&rt, EMITTER, 1);
    let caller = deploy(&rt, CALLER, 1);
    let r = rt
        .execute(
            &Transaction::Call(call_tx(
                caller,
                "call_target",
                vec![],
                call_input(&emitter, "emit", &input(&[T1], b"nested")),
            )),
            at(4),
        )
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(
        rt.events(&emitter, Some(T1), 0).unwrap(),
        [ev(4, 0, 0, &[T1], b"nested")]
    );
    assert_eq!(rt.events(&caller, None, 0).unwrap(), []);
}

#[test]
fn failed_transactions_and_blocks_index_nothing() {
    let kv = Arc::new(Instrumented::new(MemKv::new()));
    let rt = runtime(kv.clone(), None);
    let a = deploy(&rt, EMITTER, 1);
    let before = index_records(&*kv);
    // A block of failed transactions writes nothing at all.
    kv.reset_counts();
    block(&rt, 2, &[emit_fail(a, &[T1], b"no")]);
    assert_eq!(kv.writes(), 0);
    // A block whose batch fails leaves nothing of its events, and the
    // next block indexes as if it never ran.
    kv.fail_writes(true);
    let err = rt.execute_block(&[emit(a, &[T1], b"lost")], at(3));
    assert!(matches!(err, Err(RuntimeError::Kv(_))), "{err:?}");
    kv.fail_writes(false);
    assert_eq!(index_records(&*kv), before);
    assert_eq!(rt.events(&a, None, 0).unwrap(), []);
    block(&rt, 3, &[emit(a, &[T1], b"kept")]);
    assert_eq!(
        rt.events(&a, None, 0).unwrap(),
        [ev(3, 0, 0, &[T1], b"kept")]
    );
    // Its sequence number is the first: the failed block took none.
    let keys = kv.scan_prefix(namespaces::EVENT_EXPIRY, b"").unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(&keys[0].0[8..], &0u64.to_be_bytes());
}

#[test]
fn a_block_with_nothing_to_add_or_expire_writes_nothing() {
    let kv = Arc::new(Instrumented::new(MemKv::new()));
    let rt = runtime(kv.clone(), Some(3));
    let a = deploy(&rt, EMITTER, 1);
    block(&rt, 500, &[emit(a, &[T1], b"500")]);
    kv.reset_counts();
    // 501 and 502 keep 500; neither writes to the store at all.
    block(&rt, 501, &[nothing(a)]);
    block(&rt, 502, &[emit_fail(a, &[T1], b"no")]);
    assert_eq!(kv.writes(), 0);
    // 503 expires it: one batch.
    block(&rt, 503, &[nothing(a)]);
    assert_eq!(kv.writes(), 1);
    assert_eq!(rt.events(&a, None, 0).unwrap(), []);
    // And then nothing again.
    block(&rt, 10_000, &[nothing(a)]);
    assert_eq!(kv.writes(), 1);
    let info = rt.event_index().unwrap();
    assert_eq!(
        (info.expired_below, info.oldest, info.events),
        (501, None, 0)
    );
}

#[test]
fn a_query_indexes_nothing() {
    let kv = Arc::new(MemKv::new());
    let rt = runtime(kv.clone(), None);
    let a = deploy(&rt, EMITTER, 1);
    let r = rt
        .query(&call_tx(a, "emit", vec![], input(&[T1], b"q")), at(2))
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(r.events.len(), 1);
    assert_eq!(index_len(&kv), [0, 0, 0]);
}

#[test]
fn events_expire_across_height_gaps_and_restarts() {
    let kv = Arc::new(MemKv::new());
    let rt = runtime(kv.clone(), Some(3));
    let a = deploy(&rt, EMITTER, 1);
    for h in 10..=12 {
        block(&rt, h, &[emit(a, &[T1], &h.to_le_bytes())]);
    }
    assert_eq!(heights(&rt.events(&a, None, 0).unwrap()), [10, 11, 12]);
    // Height 13 keeps 11..=13.
    block(&rt, 13, &[emit(a, &[T2], b"13")]);
    assert_eq!(heights(&rt.events(&a, None, 0).unwrap()), [11, 12, 13]);
    assert_eq!(heights(&rt.events(&a, Some(T1), 0).unwrap()), [11, 12]);
    let info = rt.event_index().unwrap();
    assert_eq!(
        (info.expired_below, info.oldest, info.newest, info.events),
        (11, Some(11), Some(13), 3)
    );
    assert_eq!(index_len(&kv), [3, 3, 3]);

    // A restart on the same store, then a gap: block 20 has no events and
    // expires everything below 18.
    drop(rt);
    let rt = runtime(kv.clone(), Some(3));
    block(&rt, 20, &[nothing(a)]);
    assert_eq!(rt.events(&a, None, 0).unwrap(), []);
    assert_eq!(index_len(&kv), [0, 0, 0]);
    let info = rt.event_index().unwrap();
    assert_eq!(
        (info.expired_below, info.oldest, info.newest, info.events),
        (18, None, Some(13), 0)
    );
    // A block below the window (the height went back) indexes nothing.
    block(&rt, 15, &[emit(a, &[T1], b"15")]);
    assert_eq!(index_len(&kv), [0, 0, 0]);
    // Gaps inside the window: 21 and 23 are kept at 23, 21 goes at 24.
    block(&rt, 21, &[emit(a, &[T1], b"21")]);
    block(&rt, 23, &[emit(a, &[T1], b"23")]);
    assert_eq!(heights(&rt.events(&a, None, 0).unwrap()), [21, 23]);
    // A restart with a shorter retention expires more at the next block.
    drop(rt);
    let rt = runtime(kv.clone(), Some(1));
    block(&rt, 24, &[nothing(a)]);
    assert_eq!(rt.events(&a, None, 0).unwrap(), []);
    block(&rt, 25, &[emit(a, &[T1], b"25")]);
    assert_eq!(heights(&rt.events(&a, None, 0).unwrap()), [25]);
    assert_eq!(rt.event_index().unwrap().events, 1);
}

#[test]
fn retention_none_keeps_everything_and_zero_indexes_nothing() {
    let kv = Arc::new(MemKv::new());
    let rt = runtime(kv.clone(), None);
    let a = deploy(&rt, EMITTER, 1);
    block(&rt, 1, &[emit(a, &[T1], b"1")]);
    block(&rt, 1_000_000, &[emit(a, &[T1], b"m")]);
    assert_eq!(heights(&rt.events(&a, None, 0).unwrap()), [1, 1_000_000]);
    // Several blocks at one height (as the CLI runs them) keep every event.
    block(&rt, 1_000_000, &[emit(a, &[T1], b"again")]);
    let same = rt.events(&a, Some(T1), 1_000_000).unwrap();
    assert_eq!(
        same,
        [
            ev(1_000_000, 0, 0, &[T1], b"m"),
            ev(1_000_000, 0, 0, &[T1], b"again")
        ]
    );
    // Retention 0: the next block deletes everything and adds nothing.
    drop(rt);
    let rt = runtime(kv.clone(), Some(0));
    block(&rt, 1_000_001, &[emit(a, &[T1], b"dropped")]);
    assert_eq!(index_len(&kv), [0, 0, 0]);
    assert_eq!(rt.event_index().unwrap().events, 0);
}

#[test]
fn the_index_is_the_same_whatever_the_caches() {
    let run = |cold: bool| {
        let kv = Arc::new(MemKv::new());
        let config = RuntimeConfig {
            event_retention_blocks: Some(4),
            module_cache: if cold { 1 } else { 64 },
            contract_cache: if cold { 1 } else { 256 },
            pages_per_contract: if cold { 1 } else { 256 },
            ..RuntimeConfig::default()
        };
        let rt = Runtime::builder(kv.clone()).config(config).build().unwrap();
        let a = deploy(&rt, EMITTER, 1);
        let b = deploy(&rt, EMITTER, 1);
        for h in 2..12u64 {
            if cold {
                rt.clear_caches();
            }
            let topic = [h as u8; 32];
            let mut txs = vec![emit(a, &[topic, T1], &h.to_be_bytes())];
            if h % 3 == 0 {
                txs.push(emit_fail(b, &[T2], b"f"));
                txs.push(emit_n(b, (h % 4) as i32, &[T2], b"n"));
            }
            block(&rt, h + (h % 2) * 3, &txs);
        }
        index_records(&*kv)
    };
    let warm = run(false);
    assert!(!warm.is_empty());
    assert_eq!(warm, run(true));
    assert_eq!(warm, run(false), "and the same again");
}

#[test]
fn a_damaged_entry_is_corrupt_with_its_key() {
    let kv = Arc::new(MemKv::new());
    let rt = runtime(kv.clone(), Some(2));
    let a = deploy(&rt, EMITTER, 1);
    block(&rt, 5, &[emit(a, &[T1], b"ok")]);
    let (key, _) = kv.scan_prefix(namespaces::EVENTS, b"").unwrap().remove(0);
    let mut bad = WriteBatch::new();
    bad.put(namespaces::EVENTS, &key, vec![0xff]);
    kv.write(bad).unwrap();
    for topic in [None, Some(T1)] {
        match rt.events(&a, topic, 0) {
            Err(RuntimeError::Corrupt { key: k, .. }) => {
                assert_eq!(k, strata_primitives::hex::encode(&key))
            }
            other => panic!("{other:?}"),
        }
    }
    // A damaged expiry record fails the block that would expire it, and
    // that block writes nothing.
    let (key, _) = kv
        .scan_prefix(namespaces::EVENT_EXPIRY, b"")
        .unwrap()
        .remove(0);
    let mut bad = WriteBatch::new();
    bad.put(namespaces::EVENT_EXPIRY, &key, vec![0xff]);
    kv.write(bad).unwrap();
    let err = rt.execute_block(&[emit(a, &[T1], b"later")], at(9));
    match err {
        Err(RuntimeError::Corrupt { what, key: k, .. }) => {
            assert_eq!(what, "event expiry");
            assert_eq!(k, strata_primitives::hex::encode(&key));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(index_len(&kv), [1, 1, 1]);
    // A damaged state record is corrupt too.
    let mut bad = WriteBatch::new();
    bad.put(namespaces::BLOCKS, b"events", vec![1, 2]);
    kv.write(bad).unwrap();
    assert!(matches!(
        rt.event_index(),
        Err(RuntimeError::Corrupt { .. })
    ));
}

mod dropped {
    use super::*;
    use strata_runtime::{CustomContextVM, Host, HostErrorKind, Step, Value, host_functions};

    fn wait<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
        _mem: &mut M,
        _host: &mut H,
    ) -> Result<i64, HostErrorKind> {
        Err(HostErrorKind::Host("answered by the node only".into()))
    }

    host_functions! {
        /// A function the node answers.
        struct Node = "node_wait";

        /// Waits for the node.
        fn wait() -> i64;
            gas 10;
            impl wait;
    }

    /// Emits an event, then waits for the node.
    const WAITER: &str = r#"(module
      (import "strata" "emit_event" (func $event (param i32 i32 i32 i32)))
      (import "node_wait" "wait" (func $wait (result i64)))
      (memory (export "memory") 1)
      (func (export "emit_then_wait") (result i64)
        (call $event (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 4))
        (call $wait)))"#;

    #[test]
    fn a_dropped_block_indexes_nothing() {
        let kv = Arc::new(MemKv::new());
        let rt = Runtime::builder(kv.clone())
            .external_module(Node)
            .build()
            .unwrap();
        let a = deploy(&rt, EMITTER, 1);
        let w = deploy(&rt, WAITER, 1);
        let txs = [
            emit(a, &[T1], b"first"),
            Transaction::Call(call_tx(w, "emit_then_wait", vec![], vec![])),
        ];
        // The first transaction ran and succeeded, the second waits: drop.
        let Step::Pending(p) = rt.start_block(&txs, at(2)).unwrap() else {
            panic!("the block waits for the node")
        };
        drop(p);
        assert_eq!(index_len(&kv), [0, 0, 0]);
        assert_eq!(rt.events(&a, None, 0).unwrap(), []);
        // Answered, the same block indexes both transactions' events.
        let Step::Pending(p) = rt.start_block(&txs, at(2)).unwrap() else {
            panic!("the block waits for the node")
        };
        let Step::Done(result) = p.resume(Ok(Some(Value::I64(1)))).unwrap() else {
            panic!("one answer ends the block")
        };
        assert!(result.receipts.iter().all(|r| r.success()));
        assert_eq!(
            rt.events(&a, None, 0).unwrap(),
            [ev(2, 0, 0, &[T1], b"first")]
        );
        assert_eq!(
            rt.events(&w, None, 0).unwrap(),
            [ev(2, 1, 0, &[[0; 32]], &[0; 4])]
        );
    }
}

mod model {
    use super::*;
    use proptest::prelude::*;

    /// A transaction of the model: which contract, whether it fails, how
    /// many events, which topics (indices into `TOPICS`), one data byte.
    type Tx = (usize, bool, u8, Vec<usize>, u8);

    const TOPICS: [[u8; 32]; 3] = [T1, T2, T3];

    /// What the index should keep: (height, order indexed, contract, event).
    #[derive(Default)]
    struct Model {
        expired_below: u64,
        kept: Vec<(u64, u64, usize, IndexedEvent)>,
        seq: u64,
    }

    impl Model {
        fn block(&mut self, retention: Option<u64>, height: u64, txs: &[Tx]) {
            let cutoff = retention.map_or(0, |n| (height + 1).saturating_sub(n));
            if self.kept.iter().any(|k| k.0 < cutoff) {
                self.kept.retain(|k| k.0 >= cutoff);
                self.expired_below = self.expired_below.max(cutoff);
            }
            let any = txs.iter().any(|t| !t.1 && t.2 > 0);
            if retention == Some(0) || !any || height < self.expired_below.max(cutoff) {
                return;
            }
            self.expired_below = self.expired_below.max(cutoff);
            for (i, (c, fail, n, topics, data)) in txs.iter().enumerate() {
                if *fail {
                    continue;
                }
                for e in 0..*n {
                    let topics: Vec<_> = topics.iter().map(|t| TOPICS[*t]).collect();
                    let event = ev(height, i as u32, e as u32, &topics, &[*data]);
                    self.kept.push((height, self.seq, *c, event));
                    self.seq += 1;
                }
            }
        }

        fn events(&self, c: usize, topic: Option<[u8; 32]>, from: u64) -> Vec<IndexedEvent> {
            let mut out: Vec<_> = self
                .kept
                .iter()
                .filter(|k| k.2 == c && k.0 >= from)
                .filter(|k| topic.is_none_or(|t| k.3.topics.contains(&t)))
                .collect();
            out.sort_by_key(|k| (k.0, k.1));
            out.into_iter().map(|k| k.3.clone()).collect()
        }
    }

    fn tx(contracts: &[Address], (c, fail, n, topics, data): &Tx) -> Transaction {
        let topics: Vec<_> = topics.iter().map(|t| TOPICS[*t]).collect();
        let f = if *fail { "emit_fail" } else { "emit_n" };
        let n = if *fail { 1 } else { i32::from(*n) };
        let args = if *fail { vec![] } else { vec![Arg::I32(n)] };
        Transaction::Call(call_tx(contracts[*c], f, args, input(&topics, &[*data])))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        /// Random blocks (heights that jump, repeat and go back; failed
        /// transactions; a restart half-way): the index answers every
        /// query as the model says.
        #[test]
        fn the_index_follows_the_model(
            retention in prop_oneof![Just(None), (0u64..6).prop_map(Some)],
            blocks in prop::collection::vec(
                (
                    0u64..8,
                    prop::collection::vec(
                        (0usize..2, prop::bool::weighted(0.2), 0u8..3,
                         prop::collection::vec(0usize..3, 0..3), any::<u8>()),
                        0..4,
                    ),
                ),
                1..12,
            ),
        ) {
            let kv = Arc::new(MemKv::new());
            let mut rt = runtime(kv.clone(), retention);
            let contracts = [deploy(&rt, EMITTER, 1), deploy(&rt, EMITTER, 1)];
            let mut model = Model::default();
            let mut height = 10u64;
            for (i, (step, txs)) in blocks.iter().enumerate() {
                // Mostly forward, sometimes the same height or back.
                height = match step {
                    0 => height,
                    1 => height.saturating_sub(3),
                    s => height + s * s,
                };
                if i == blocks.len() / 2 {
                    drop(rt);
                    rt = runtime(kv.clone(), retention);
                }
                let txs_now: Vec<_> = txs.iter().map(|t| tx(&contracts, t)).collect();
                let result = rt.execute_block(&txs_now, at(height)).unwrap();
                for (t, r) in txs.iter().zip(&result.receipts) {
                    prop_assert_eq!(r.success(), !t.1);
                }
                model.block(retention, height, txs);
                for (c, contract) in contracts.iter().enumerate() {
                    for topic in [None, Some(T1), Some(T2), Some(T3)] {
                        for from in [0, height.saturating_sub(4), height] {
                            prop_assert_eq!(
                                rt.events(contract, topic, from).unwrap(),
                                model.events(c, topic, from)
                            );
                        }
                    }
                }
                let info = rt.event_index().unwrap();
                prop_assert_eq!(info.events, model.kept.len() as u64);
                prop_assert_eq!(info.oldest, model.kept.iter().map(|k| k.0).min());
            }
        }
    }
}
