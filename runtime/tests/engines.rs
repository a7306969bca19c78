//! The second engine (feature `wasmtime`): every way a contract ends, on
//! wasmi and on wasmtime, must be the same receipt but for gas (the same
//! error kind and message, returns, events, logs, state roots); wasmtime's
//! gas is bounded by the limit and the same on every run; embedder modules
//! made by `host_functions!` link on both; what runs on wasmi only says so.
#![cfg(feature = "wasmtime")]

mod common;

use std::sync::Arc;

use common::*;
use strata_host_fns::{CustomContextVM, Host, HostErrorKind, host_functions};
use strata_kv::MemKv;
use strata_runtime::{
    Address, Arg, ErrorKind, Receipt, Runtime, RuntimeConfig, RuntimeError, Transaction, WasmEngine,
};

fn runtime_on(engine: WasmEngine) -> Runtime<Arc<MemKv>> {
    Runtime::builder(Arc::new(MemKv::new()))
        .config(RuntimeConfig {
            engine,
            ..RuntimeConfig::default()
        })
        .build()
        .expect("runtime")
}

/// Traps of every kind a validated contract can meet, next to the counter.
const TRAPS: &str = r#"(module
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (type $v (func))
  (table 2 funcref)
  (memory (export "memory") 1 4)
  (func $nop (param i32))
  (elem (i32.const 1) $nop)
  (func (export "unreachable") unreachable)
  (func (export "div_zero") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "oob_load") (result i64) (i64.load (i32.const 65530)))
  (func (export "oob_store") (i32.store (i32.const -4) (i32.const 1)))
  (func (export "null_call") (call_indirect (type $v) (i32.const 0)))
  (func (export "table_oob") (call_indirect (type $v) (i32.const 7)))
  (func (export "bad_sig") (result i32) (call_indirect (type $v) (i32.const 1)) (i32.const 0))
  (func (export "grow_within") (result i32) (memory.grow (i32.const 2)))
  (func (export "grow_past_max") (result i32) (memory.grow (i32.const 9)))
  (func (export "bad_pointer")
    (call $write (i32.const 0) (i32.const 0) (i32.const 65530) (i32.const 8)))
  (func (export "write_then_trap")
    (i32.store (i32.const 0) (i32.const 7))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 4))
    unreachable))"#;

/// A receipt with its gas set aside.
fn but_gas(r: &Receipt) -> Receipt {
    let mut r = r.clone();
    r.gas_used = 0;
    r
}

fn kind(r: &Receipt) -> Option<ErrorKind> {
    r.error.as_ref().map(|e| e.kind)
}

/// Runs `calls` (function, args, gas) on a fresh runtime of each engine,
/// with the counter and the trap contract deployed; the receipts.
fn on_both(calls: &[(&str, &str, Vec<Arg>, u64)]) -> [Vec<Receipt>; 2] {
    [WasmEngine::Wasmi, WasmEngine::Wasmtime].map(|engine| {
        let rt = runtime_on(engine);
        let counter = deploy(&rt, COUNTER, 1);
        let traps = deploy(&rt, TRAPS, 1);
        calls
            .iter()
            .map(|(which, f, args, gas)| {
                let contract = if *which == "traps" { traps } else { counter };
                let mut tx = call_tx(contract, f, args.clone(), vec![]);
                tx.gas_limit = *gas;
                rt.execute(&Transaction::Call(tx), BLOCK).expect("runtime")
            })
            .collect()
    })
}

#[test]
fn every_ending_is_the_same_receipt_but_for_gas() {
    let calls: Vec<(&str, &str, Vec<Arg>, u64)> = vec![
        ("counter", "inc", vec![], GAS),
        ("counter", "add", vec![Arg::I64(41)], GAS),
        ("counter", "fail_after_write", vec![], GAS),
        ("counter", "abort_after_write", vec![], GAS),
        ("counter", "spin", vec![], 50_000),
        ("counter", "spin", vec![], GAS),
        ("counter", "grow", vec![], GAS),
        ("counter", "recurse", vec![Arg::I32(0)], GAS),
        ("counter", "bad_pointer", vec![], GAS),
        ("counter", "inc", vec![Arg::I32(1)], GAS),
        ("counter", "no_such_function", vec![], GAS),
        ("counter", "inc", vec![], 900),
        ("traps", "unreachable", vec![], GAS),
        ("traps", "div_zero", vec![], GAS),
        ("traps", "overflow", vec![], GAS),
        ("traps", "oob_load", vec![], GAS),
        ("traps", "oob_store", vec![], GAS),
        ("traps", "null_call", vec![], GAS),
        ("traps", "table_oob", vec![], GAS),
        ("traps", "bad_sig", vec![], GAS),
        ("traps", "grow_within", vec![], GAS),
        ("traps", "grow_past_max", vec![], GAS),
        ("traps", "bad_pointer", vec![], GAS),
        ("traps", "write_then_trap", vec![], GAS),
    ];
    let [wasmi, wasmtime] = on_both(&calls);
    let expected = [
        None,
        None,
        Some(ErrorKind::Trap),
        Some(ErrorKind::Abort),
        Some(ErrorKind::OutOfGas),
        Some(ErrorKind::OutOfGas),
        Some(ErrorKind::ResourceLimit),
        Some(ErrorKind::StackOverflow),
        Some(ErrorKind::HostError),
        Some(ErrorKind::InvalidTransaction),
        Some(ErrorKind::InvalidTransaction),
        Some(ErrorKind::OutOfGas),
        Some(ErrorKind::Trap),
        Some(ErrorKind::Trap),
        Some(ErrorKind::Trap),
        Some(ErrorKind::Trap),
        Some(ErrorKind::Trap),
        Some(ErrorKind::Trap),
        Some(ErrorKind::Trap),
        Some(ErrorKind::Trap),
        None,
        None,
        Some(ErrorKind::HostError),
        Some(ErrorKind::Trap),
    ];
    for (i, ((a, b), want)) in wasmi.iter().zip(&wasmtime).zip(expected).enumerate() {
        let (_, f, _, gas) = &calls[i];
        assert_eq!(kind(a), want, "{f} on wasmi: {:?}", a.error);
        assert_eq!(but_gas(a), but_gas(b), "{f}: the engines differ beyond gas");
        assert!(b.gas_used <= *gas, "{f}: gas within the limit");
        if want == Some(ErrorKind::OutOfGas) {
            assert_eq!(
                (a.gas_used, b.gas_used),
                (*gas, *gas),
                "{f}: the whole limit"
            );
        }
    }
    assert_eq!(wasmtime[1].returns, vec![Arg::I64(42)]);
    assert_eq!(wasmtime[20].returns, vec![Arg::I32(1)], "the old size");
    assert_eq!(
        wasmtime[21].returns,
        vec![Arg::I32(-1)],
        "past the module's own maximum: -1, not a trap"
    );
    // Gas may differ: each engine meters instructions with its own fuel.
    // Straight-line code costs about one unit per operator on both; wasmi
    // charges `memory.grow` per page, wasmtime stops counting a trapping
    // block, and wasmtime's stack (bytes, not frames) overflows at another
    // depth.
    assert!(
        wasmi
            .iter()
            .zip(&wasmtime)
            .any(|(a, b)| a.gas_used != b.gas_used),
        "wasmtime meters instructions with its own fuel: {:?} vs {:?}",
        wasmi.iter().map(|r| r.gas_used).collect::<Vec<_>>(),
        wasmtime.iter().map(|r| r.gas_used).collect::<Vec<_>>()
    );
}

#[test]
fn wasmtime_gas_is_the_same_on_every_run() {
    let calls: Vec<(&str, &str, Vec<Arg>, u64)> = vec![
        ("counter", "inc", vec![], GAS),
        ("counter", "add", vec![Arg::I64(-3)], GAS),
        ("traps", "write_then_trap", vec![], GAS),
        ("counter", "recurse", vec![Arg::I32(0)], GAS),
    ];
    let gas = |rs: &[Receipt]| rs.iter().map(|r| r.gas_used).collect::<Vec<_>>();
    let first = on_both(&calls)[1].clone();
    let second = on_both(&calls)[1].clone();
    assert_eq!(gas(&first), gas(&second));
    assert_eq!(first, second);
}

#[test]
fn nested_calls_depth_and_reentrancy_agree() {
    let [wasmi, wasmtime] = [WasmEngine::Wasmi, WasmEngine::Wasmtime].map(|engine| {
        let rt = runtime_on(engine);
        let counter = deploy(&rt, COUNTER, 1);
        let caller = deploy(&rt, CALLER, 1);
        let mut receipts = vec![];
        for (target, function) in [
            (counter, "inc"),
            (counter, "abort_after_write"),
            (counter, "spin"),
            (counter, "missing"),
            (caller, "call_target"),
            (Address([9; 20]), "inc"),
        ] {
            let input = call_input(&target, function, b"");
            let tx = call_tx(caller, "call_target", vec![], input);
            receipts.push(rt.execute(&Transaction::Call(tx), BLOCK).expect("runtime"));
        }
        (receipts, counter_value(&rt, &counter))
    });
    assert_eq!(wasmi.1, 1, "only the successful callee's write stays");
    assert_eq!(wasmi.1, wasmtime.1);
    let statuses: Vec<_> = wasmtime.0.iter().map(|r| r.returns.clone()).collect();
    assert_eq!(
        statuses,
        [0, 1, 1, 3, 4, 2].map(|s| vec![Arg::I32(s)]).to_vec()
    );
    for (a, b) in wasmi.0.iter().zip(&wasmtime.0) {
        assert_eq!(but_gas(a), but_gas(b));
    }
}

fn answer<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    ptr: i32,
) -> Result<i32, HostErrorKind> {
    let height = host.context().block_height;
    mem.write(ptr as u32, &height.to_le_bytes())
        .map_err(HostErrorKind::memory("ptr"))?;
    Ok(42)
}

host_functions! {
    /// An embedder's module, for the second engine.
    pub struct Node = "node_test";

    /// Writes the block height at `ptr` and returns 42.
    fn answer(ptr: i32) -> i32;
        gas 5;
        impl answer;
}

const USES_NODE: &str = r#"(module
  (import "node_test" "answer" (func $answer (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i64)
    (drop (call $answer (i32.const 8)))
    (i64.load (i32.const 8)))
  (func (export "bad") (result i32) (call $answer (i32.const 65535))))"#;

#[test]
fn an_embedders_module_links_on_both_engines_from_its_table() {
    let [wasmi, wasmtime] = [WasmEngine::Wasmi, WasmEngine::Wasmtime].map(|engine| {
        let rt = Runtime::builder(Arc::new(MemKv::new()))
            .config(RuntimeConfig {
                engine,
                ..RuntimeConfig::default()
            })
            .host_module(Node)
            .build()
            .expect("runtime");
        let c = deploy(&rt, USES_NODE, 1);
        [call(&rt, c, "run", vec![]), call(&rt, c, "bad", vec![])]
    });
    assert_eq!(wasmtime[0].returns, vec![Arg::I64(BLOCK.height as i64)]);
    assert_eq!(kind(&wasmtime[1]), Some(ErrorKind::HostError));
    for (a, b) in wasmi.iter().zip(&wasmtime) {
        assert_eq!(but_gas(a), but_gas(b));
    }
}

#[test]
fn an_external_module_is_refused_on_wasmtime() {
    let built = Runtime::builder(Arc::new(MemKv::new()))
        .config(RuntimeConfig {
            engine: WasmEngine::Wasmtime,
            ..RuntimeConfig::default()
        })
        .external_module(Node)
        .build();
    match built {
        Err(RuntimeError::Link(message)) => {
            assert!(message.contains("wasmi only"), "{message}")
        }
        Err(e) => panic!("a link error, not {e}"),
        Ok(_) => panic!("external modules run on wasmi only"),
    }
}

#[test]
fn queries_on_wasmtime_read_what_wasmi_wrote() {
    let kv = Arc::new(MemKv::new());
    let wasmi = Runtime::new(kv.clone());
    let c = deploy(&wasmi, COUNTER, 1);
    for _ in 0..3 {
        assert!(call(&wasmi, c, "inc", vec![]).success());
    }
    drop(wasmi);
    let wasmtime = Runtime::builder(kv)
        .config(RuntimeConfig {
            engine: WasmEngine::Wasmtime,
            ..RuntimeConfig::default()
        })
        .build()
        .expect("runtime");
    let r = wasmtime
        .query(&call_tx(c, "get", vec![], vec![]), BLOCK)
        .expect("runtime");
    assert_eq!(r.returns, vec![Arg::I64(3)], "{:?}", r.error);
    let r = wasmtime
        .query(&call_tx(c, "inc", vec![], vec![]), BLOCK)
        .expect("runtime");
    assert_eq!(kind(&r), Some(ErrorKind::ReadOnly), "a query may not write");
    assert_eq!(counter_value(&wasmtime, &c), 3);
}

/// Every wasm feature deploy allows beyond the MVP (mutable globals, sign
/// extension, multi-value, bulk memory and its table operations), in one
/// contract: valid at deploy means it runs on both engines, alike.
const FEATURES: &str = r#"(module
  (type $v (func))
  (global $g (mut i64) (i64.const 5))
  (memory (export "memory") 1)
  (table 4 funcref)
  (func $nop)
  (elem $e func $nop)
  (data $d "bulk!")
  (func (export "sign_ext") (result i64)
    (i64.extend8_s (i64.const 0xff)))
  (func $pair (result i64 i32) (i64.const 7) (i32.const 9))
  (func (export "multi") (result i64 i32) (call $pair))
  (func (export "global") (result i64)
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (global.get $g))
  (func (export "bulk") (result i64)
    (memory.init $d (i32.const 100) (i32.const 0) (i32.const 5))
    (data.drop $d)
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 5))
    (memory.fill (i32.const 205) (i32.const 33) (i32.const 3))
    (table.init $e (i32.const 2) (i32.const 0) (i32.const 1))
    (elem.drop $e)
    (table.copy (i32.const 3) (i32.const 2) (i32.const 1))
    (call_indirect (type $v) (i32.const 3))
    (i64.load (i32.const 200)))
  (func (export "init_after_drop")
    (data.drop $d)
    (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))))"#;

#[test]
fn every_allowed_feature_runs_alike_on_both_engines() {
    let [wasmi, wasmtime] = [WasmEngine::Wasmi, WasmEngine::Wasmtime].map(|engine| {
        let rt = runtime_on(engine);
        let c = deploy(&rt, FEATURES, 1);
        ["sign_ext", "multi", "global", "bulk", "init_after_drop"].map(|f| call(&rt, c, f, vec![]))
    });
    assert_eq!(wasmtime[0].returns, vec![Arg::I64(-1)]);
    assert_eq!(wasmtime[1].returns, vec![Arg::I64(7), Arg::I32(9)]);
    assert_eq!(wasmtime[2].returns, vec![Arg::I64(6)]);
    assert_eq!(
        wasmtime[3].returns,
        vec![Arg::I64(i64::from_le_bytes(*b"bulk!!!!"))]
    );
    assert_eq!(kind(&wasmtime[4]), Some(ErrorKind::Trap));
    for (a, b) in wasmi.iter().zip(&wasmtime) {
        assert_eq!(but_gas(a), but_gas(b));
    }
}
