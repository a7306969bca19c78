//! Instance reuse (`exec/reuse.rs`): a runtime that reuses instances gives
//! byte-identical receipts, gas and state roots to one that instantiates
//! every frame afresh, for random sequences of transactions that write
//! memory, change globals (exported or not), reorder a table, grow memory,
//! trap half-way, run out of gas, and run nested, singly and in blocks.

mod common;

use common::*;
use proptest::prelude::*;
use std::sync::Arc;
use strata_kv::MemKv;

use strata_runtime::{Address, BlockContext, Receipt, Runtime, RuntimeConfig, Transaction};

/// A contract that shows what an instance holds when a call starts: `run`
/// first writes a digest of every byte of memory it ever writes (the first
/// 8 KiB and the last 1 KiB of each page), its two mutable globals and
/// its memory size to storage and returns them (so anything a reuse failed
/// to put back changes the receipt and the root), then changes memory and
/// globals as its input says and shows them again. Input: mode (1 byte),
/// offset (2 bytes, rounded down to 8 and below 8 KiB), value (8 bytes). Modes: 0 write; 1 write, then trap;
/// 2 grow memory, write in both pages; 3 write, then burn all gas; 4 only
/// look.
const SHOW: &str = r#"(module
  (import "strata" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (global $g (export "g") (mut i64) (i64.const 7))
  (global $h (export "h") (mut i32) (i32.const 3))
  (data (i32.const 256) "as instantiation left it")
  (func $mix (param $acc i64) (param $i i32) (param $end i32) (result i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $acc
          (i64.add (i64.mul (local.get $acc) (i64.const 1099511628211))
                   (i64.xor (i64.load (local.get $i)) (i64.extend_i32_u (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (local.get $acc))
  ;; Every byte a call can write: the first 8 KiB and the last 1 KiB of
  ;; each page.
  (func $digest (result i64)
    (local $page i32) (local $acc i64)
    (local.set $acc (i64.const 1469598103934665603))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $page) (memory.size)))
        (local.set $acc (call $mix (local.get $acc)
          (i32.mul (local.get $page) (i32.const 65536))
          (i32.add (i32.mul (local.get $page) (i32.const 65536)) (i32.const 8192))))
        (local.set $acc (call $mix (local.get $acc)
          (i32.add (i32.mul (local.get $page) (i32.const 65536)) (i32.const 64512))
          (i32.mul (i32.add (local.get $page) (i32.const 1)) (i32.const 65536))))
        (local.set $page (i32.add (local.get $page) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func $show (param $slot i32)
    (local $d i64)
    (local.set $d (call $digest))
    (i64.store (i32.const 65000) (local.get $d))
    (i64.store (i32.const 65008) (global.get $g))
    (i32.store (i32.const 65016) (global.get $h))
    (i32.store (i32.const 65020) (memory.size))
    (call $write (i32.const 0) (i32.mul (local.get $slot) (i32.const 24)) (i32.const 65000) (i32.const 24)))
  (func (export "run")
    (local $mode i32) (local $off i32) (local $v i64)
    (call $show (i32.const 0))
    (call $input_copy (i32.const 65100) (i32.const 0) (i32.const 11))
    (local.set $mode (i32.load8_u (i32.const 65100)))
    (local.set $off (i32.and (i32.load16_u (i32.const 65101)) (i32.const 8184)))
    (local.set $v (i64.load (i32.const 65103)))
    (if (i32.eq (local.get $mode) (i32.const 4)) (then (call $ret (i32.const 65000) (i32.const 24)) (return)))
    (if (i32.eq (local.get $mode) (i32.const 2))
      (then
        (drop (memory.grow (i32.const 1)))
        (i64.store (i32.add (i32.const 65536) (local.get $off)) (local.get $v))))
    (i64.store (local.get $off) (local.get $v))
    (global.set $g (i64.add (global.get $g) (local.get $v)))
    (global.set $h (i32.add (global.get $h) (i32.const 1)))
    (call $show (i32.const 1))
    (call $ret (i32.const 65000) (i32.const 24))
    (if (i32.eq (local.get $mode) (i32.const 1)) (then unreachable))
    (if (i32.eq (local.get $mode) (i32.const 3)) (then (loop $forever (br $forever))))))"#;

/// `SHOW` in the shape of compiled code: its global `$g` is not exported
/// (the runtime reaches it through a reserved export), and its table,
/// filled by an element segment, is not exported either. What the call
/// through table entry 0 returns is part of what it shows (in the top
/// bits of `$h`'s word), and every call that writes also copies entry 1
/// over entry 0 (`table.copy`), so a reset that left the table as a call
/// left it would show.
fn hidden() -> String {
    SHOW.replace(r#"(global $g (export "g")"#, "(global $g")
        .replace(
            "(data (i32.const 256)",
            r#"(type $k (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $one $two)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (data (i32.const 256)"#,
        )
        .replace(
            "(i32.store (i32.const 65016) (global.get $h))",
            "(i32.store (i32.const 65016) (i32.add (global.get $h)                (i32.shl (call_indirect (type $k) (i32.const 0)) (i32.const 24))))",
        )
        .replace(
            "(call $show (i32.const 1))",
            "(table.copy (i32.const 0) (i32.const 1) (i32.const 1))\n    (call $show (i32.const 1))",
        )
}

/// The contracts of a run, in the order `Op::target` names them.
struct World {
    /// `SHOW`, twice (two accounts, one code), and [`hidden`]; then
    /// `CALLER`.
    shows: [Address; 3],
    caller: Address,
}

fn runtime(instance_pool: usize) -> Runtime<Arc<MemKv>> {
    Runtime::builder(Arc::new(MemKv::new()))
        .config(RuntimeConfig {
            instance_pool,
            ..RuntimeConfig::default()
        })
        .build()
        .expect("runtime")
}

fn setup(rt: &Runtime<Arc<MemKv>>) -> World {
    World {
        shows: [
            deploy(rt, SHOW, 1),
            deploy(rt, SHOW, 1),
            deploy(rt, &hidden(), 1),
        ],
        caller: deploy(rt, CALLER, 1),
    }
}

#[derive(Clone, Debug)]
struct Op {
    /// 0-2: a `SHOW` contract directly; 3: the first through `CALLER`.
    target: usize,
    mode: u8,
    offset: u16,
    value: i64,
}

fn op() -> impl Strategy<Value = Op> {
    (0usize..4, 0u8..5, any::<u16>(), any::<i64>()).prop_map(|(target, mode, offset, value)| Op {
        target,
        mode,
        offset,
        value,
    })
}

fn tx(world: &World, op: &Op) -> Transaction {
    let mut input = vec![op.mode];
    input.extend_from_slice(&op.offset.to_le_bytes());
    input.extend_from_slice(&op.value.to_le_bytes());
    let (contract, function, input) = match op.target {
        3 => (
            world.caller,
            "call_target",
            call_input(&world.shows[0], "run", &input),
        ),
        t => (world.shows[t], "run", input),
    };
    Transaction::Call(call_tx(contract, function, vec![], input))
}

/// Runs `ops` in groups: a group with `in_block` set is one block, else
/// each op is its own `execute`. Gives every receipt and the head after
/// each group.
fn run(
    rt: &Runtime<Arc<MemKv>>,
    world: &World,
    groups: &[(bool, Vec<Op>)],
) -> (Vec<Receipt>, Vec<Option<strata_runtime::Head>>) {
    let mut receipts = Vec::new();
    let mut heads = Vec::new();
    for (height, (in_block, ops)) in groups.iter().enumerate() {
        let context = BlockContext {
            height: 10 + height as u64,
            time: 1_000 + height as u64,
        };
        if *in_block {
            let txs: Vec<Transaction> = ops.iter().map(|op| tx(world, op)).collect();
            receipts.extend(rt.execute_block(&txs, context).expect("block").receipts);
        } else {
            for op in ops {
                receipts.push(rt.execute(&tx(world, op), context).expect("runtime"));
            }
        }
        heads.push(rt.head().expect("head"));
    }
    (receipts, heads)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn reused_instances_give_the_receipts_of_fresh_ones(
        groups in prop::collection::vec((any::<bool>(), prop::collection::vec(op(), 1..8)), 1..6)
    ) {
        let fresh = runtime(0);
        let reusing = runtime(16);
        let (w1, w2) = (setup(&fresh), setup(&reusing));
        prop_assert_eq!((w1.shows, w1.caller), (w2.shows, w2.caller));
        let (want, want_heads) = run(&fresh, &w1, &groups);
        let (got, got_heads) = run(&reusing, &w2, &groups);
        for (i, (w, g)) in want.iter().zip(&got).enumerate() {
            prop_assert_eq!(w, g, "receipt {}", i);
            prop_assert_eq!(parity_scale_codec::Encode::encode(w), parity_scale_codec::Encode::encode(g));
        }
        prop_assert_eq!(want.len(), got.len());
        prop_assert_eq!(want_heads, got_heads);
        // The fresh runtime pooled nothing. The other reused exactly as a
        // model of the pool says: one instance per code (`SHOW`, `CALLER`
        // and the hidden variant), taken by a frame and put back unless its
        // memory grew.
        prop_assert_eq!(fresh.cache_stats().instances, Default::default());
        // The hidden variant's first frame runs on the code as stored,
        // unpooled (its module is compiled again, with the reserved
        // exports, at its second frame).
        let mut pooled = [false; 3];
        let mut seen = [true, true, false];
        let (mut hits, mut misses) = (0u64, 0u64);
        let mut frame = |code: usize, grows: bool| {
            if !seen[code] {
                seen[code] = true;
                return;
            }
            if pooled[code] {
                hits += 1;
            } else {
                misses += 1;
            }
            pooled[code] = !grows;
        };
        for op in groups.iter().flat_map(|(_, ops)| ops) {
            match op.target {
                2 => frame(2, op.mode == 2),
                3 => {
                    frame(1, false);
                    frame(0, op.mode == 2);
                }
                _ => frame(0, op.mode == 2),
            }
        }
        let stats = reusing.cache_stats().instances;
        prop_assert_eq!((stats.hits, stats.misses), (hits, misses), "{:?}", stats);
    }
}

/// A reused instance is back to what instantiation left after each kind of
/// call: the digest, globals (and, in the hidden variant, the table) and
/// memory size a call sees first are the same every time, and a grown
/// instance is dropped, not reused.
#[test]
fn every_call_starts_from_what_instantiation_left() {
    for target in [0, 2] {
        starts_from_instantiation(target);
    }
}

fn starts_from_instantiation(target: usize) {
    let rt = runtime(16);
    let world = setup(&rt);
    let first = |r: &Receipt| r.return_data.get(..24).map(<[u8]>::to_vec);
    let mut starts = Vec::new();
    for mode in [0u8, 1, 2, 3, 4, 0, 2, 0] {
        let op = Op {
            target,
            mode,
            offset: 256,
            value: -1,
        };
        // Mode 4 only looks: its return data is the state it found.
        let look = Op {
            mode: 4,
            ..op.clone()
        };
        let r = rt.execute(&tx(&world, &op), BLOCK).expect("runtime");
        assert_eq!(r.success(), matches!(mode, 0 | 2 | 4), "mode {mode}: {r:?}");
        let seen = rt.execute(&tx(&world, &look), BLOCK).expect("runtime");
        starts.push(first(&seen));
    }
    assert!(
        starts.iter().all(|s| *s == starts[0] && s.is_some()),
        "{starts:?}"
    );
    let stats = rt.cache_stats().instances;
    // 16 frames: the first instantiates, each of the two growths drops its
    // instance (so the frame after it instantiates), every other frame
    // reuses. The hidden variant's first frame runs unpooled, on its code
    // as stored (its module is compiled with the reserved exports at its
    // second frame), so it counts one reuse fewer.
    let first_unpooled = u64::from(target == 2);
    assert_eq!(
        (stats.misses, stats.hits),
        (3, 13 - first_unpooled),
        "{stats:?}"
    );
}
