//! No contract can overflow the native stack of the thread that executes
//! it: a chain of nested `strata.call`s as deep as the depth limit allows
//! (and past it) runs on threads with small stacks, with the same receipt as
//! on a large one.
//!
//! CI runs this file in a release build too (`.ci/run`), since frame sizes
//! differ between profiles.

mod common;

use std::sync::Arc;

use common::*;
use strata_kv::MemKv;
use strata_runtime::{Address, ErrorKind, Receipt, Runtime, RuntimeConfig, Transaction};

/// Calls the contract whose address starts its input, passing the rest of
/// the input on; traps if that call does not succeed. With no input it
/// writes a marker and returns.
const FORWARDER: &str = r#"(module
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "fwd")
  (data (i32.const 16) "\01")
  (func (export "fwd")
    (local $len i32)
    (local.set $len (call $input_len))
    (if (i32.eqz (local.get $len))
      (then
        (call $write (i32.const 0) (i32.const 0) (i32.const 16) (i32.const 1))
        (return)))
    (call $input_copy (i32.const 1024) (i32.const 0) (local.get $len))
    (if (i32.ne
          (call $call (i32.const 1024) (i32.const 0) (i32.const 3)
            (i32.const 1044) (i32.sub (local.get $len) (i32.const 20))
            (i64.const 1000000000))
          (i32.const 0))
      (then unreachable))))"#;

/// A runtime with `n` forwarders deployed, and their addresses.
fn chain(n: usize, config: RuntimeConfig) -> (Runtime<Arc<MemKv>>, Vec<Address>) {
    let rt = Runtime::builder(Arc::new(MemKv::new()))
        .config(config)
        .build()
        .expect("runtime");
    let addresses = (0..n).map(|_| deploy(&rt, FORWARDER, 1)).collect();
    (rt, addresses)
}

/// Calls the first forwarder with the others as input.
fn run_chain(rt: &Runtime<Arc<MemKv>>, addresses: &[Address]) -> Receipt {
    let input: Vec<u8> = addresses[1..].iter().flat_map(|a| a.0).collect();
    let mut tx = call_tx(addresses[0], "fwd", vec![], input);
    tx.gas_limit = 50_000_000;
    rt.execute(&Transaction::Call(tx), BLOCK).expect("runtime")
}

/// Runs `f` on a new thread with a `stack`-byte native stack.
fn on_thread<T: Send + 'static>(stack: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the thread finished")
}

#[test]
fn a_chain_past_the_depth_limit_fails_with_a_receipt_on_a_256_kib_thread() {
    let (rt, addresses) = chain(70, RuntimeConfig::default());
    let rt = Arc::new(rt);
    let (small_rt, small_addresses) = (rt.clone(), addresses.clone());
    let small = on_thread(256 * 1024, move || run_chain(&small_rt, &small_addresses));
    let err = small.error.as_ref().expect("the chain is too deep");
    assert_eq!(err.kind, ErrorKind::Trap, "{err}");
    // The receipt does not depend on the thread's stack.
    let large = on_thread(64 << 20, move || run_chain(&rt, &addresses));
    assert_eq!(small.to_bytes(), large.to_bytes());
}

#[test]
fn a_chain_at_the_depth_limit_succeeds_on_small_threads() {
    // The deepest chain the default limit allows: the limit counts the
    // contracts on the call stack, the first one included.
    let depth = RuntimeConfig::default().limits.max_call_depth as usize;
    let (rt, addresses) = chain(depth, RuntimeConfig::default());
    let rt = Arc::new(rt);
    for stack in [128 * 1024, 256 * 1024, 1 << 20] {
        let (rt, addresses) = (rt.clone(), addresses.clone());
        let receipt = on_thread(stack, move || {
            let r = run_chain(&rt, &addresses);
            let last = rt.read_slice(addresses.last().unwrap(), 0, 0, 1).unwrap();
            (r, last)
        });
        assert!(
            receipt.0.success(),
            "{stack}-byte stack: {:?}",
            receipt.0.error
        );
        assert_eq!(receipt.1, vec![1], "the last contract of the chain ran");
    }
    // One more contract is one call too deep.
    let (rt, addresses) = chain(depth + 1, RuntimeConfig::default());
    let r = on_thread(256 * 1024, move || run_chain(&rt, &addresses));
    assert_eq!(r.error.map(|e| e.kind), Some(ErrorKind::Trap));
}

#[test]
fn a_raised_depth_limit_is_still_safe_on_a_small_thread() {
    // An embedder may raise the limit; the stack still cannot overflow.
    let mut config = RuntimeConfig::default();
    config.limits.max_call_depth = 400;
    let (rt, addresses) = chain(400, config);
    let r = on_thread(256 * 1024, move || run_chain(&rt, &addresses));
    assert!(r.success(), "{:?}", r.error);
}

#[test]
fn wasm_recursion_to_its_limit_is_a_receipt_on_a_small_thread() {
    let rt = Arc::new(Runtime::new(Arc::new(MemKv::new())));
    let c = deploy(&rt, COUNTER, 1);
    let small = {
        let rt = rt.clone();
        on_thread(128 * 1024, move || {
            call(&rt, c, "recurse", vec![strata_runtime::Arg::I32(0)])
        })
    };
    assert_eq!(
        small.error.as_ref().map(|e| e.kind),
        Some(ErrorKind::StackOverflow)
    );
    let large = call(&rt, c, "recurse", vec![strata_runtime::Arg::I32(0)]);
    assert_eq!(small.to_bytes(), large.to_bytes());
}

/// The same guarantees on the second engine, whose wasm code runs on the
/// native stack itself (up to its `max_wasm_stack`, inside the red zone
/// every frame starts with).
#[cfg(feature = "wasmtime")]
mod wasmtime {
    use super::*;
    use strata_runtime::WasmEngine;

    fn config() -> RuntimeConfig {
        RuntimeConfig {
            engine: WasmEngine::Wasmtime,
            ..RuntimeConfig::default()
        }
    }

    #[test]
    fn a_chain_at_and_past_the_depth_limit_on_small_threads() {
        let depth = config().limits.max_call_depth as usize;
        let (rt, addresses) = chain(depth, config());
        let rt = Arc::new(rt);
        for stack in [128 * 1024, 1 << 20] {
            let (rt, addresses) = (rt.clone(), addresses.clone());
            let r = on_thread(stack, move || run_chain(&rt, &addresses));
            assert!(r.success(), "{stack}-byte stack: {:?}", r.error);
        }
        let (rt, addresses) = chain(depth + 1, config());
        let rt = Arc::new(rt);
        let (small_rt, small_addresses) = (rt.clone(), addresses.clone());
        let small = on_thread(128 * 1024, move || run_chain(&small_rt, &small_addresses));
        assert_eq!(small.error.as_ref().map(|e| e.kind), Some(ErrorKind::Trap));
        let large = on_thread(64 << 20, move || run_chain(&rt, &addresses));
        assert_eq!(small.to_bytes(), large.to_bytes());
    }

    #[test]
    fn a_raised_depth_limit_is_still_safe_on_a_small_thread() {
        let mut config = config();
        config.limits.max_call_depth = 400;
        let (rt, addresses) = chain(400, config);
        let r = on_thread(256 * 1024, move || run_chain(&rt, &addresses));
        assert!(r.success(), "{:?}", r.error);
    }

    #[test]
    fn wasm_recursion_to_its_limit_is_a_receipt_on_a_small_thread() {
        let rt = Arc::new(
            Runtime::builder(Arc::new(MemKv::new()))
                .config(config())
                .build()
                .expect("runtime"),
        );
        let c = deploy(&rt, COUNTER, 1);
        let small = {
            let rt = rt.clone();
            on_thread(128 * 1024, move || {
                call(&rt, c, "recurse", vec![strata_runtime::Arg::I32(0)])
            })
        };
        assert_eq!(
            small.error.as_ref().map(|e| e.kind),
            Some(ErrorKind::StackOverflow)
        );
        let large = call(&rt, c, "recurse", vec![strata_runtime::Arg::I32(0)]);
        assert_eq!(small.to_bytes(), large.to_bytes());
    }
}
