//! The second engine next to the first: wasmtime (the JIT) and wasmi (the
//! interpreter, the consensus engine) running the same contracts through
//! the same runtime. A compute-heavy contract (a hash loop and an
//! insertion sort, a few million instructions each), the counter
//! transaction (where instantiation and host calls dominate), and a cold
//! call of a 1 MB contract (wasmtime compiles the whole module with
//! cranelift; wasmi translates lazily, only what runs).
//!
//! This module needs only `strata-runtime` (with its `wasmtime` feature)
//! and `wat`, not the benches' RocksDB, so that
//! `runtime/examples/engines.rs` can measure the same workloads on a
//! machine without RocksDB built.

use std::sync::Arc;

use strata_runtime::{
    Address, Arg, BlockContext, CallTx, DeployTx, FunctionCall, MemKv, Runtime, RuntimeConfig,
    Transaction, WasmEngine,
};

const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };

/// The compute-heavy contract: `hash(rounds)`, a 64-bit mix over a linear
/// congruential stream (27 instructions a round), and `sort(n)`,
/// which fills `n` (at most 16,384) pseudo-random i32s, sorts them by
/// insertion (about n²/4 inner steps), checks the order (a trap if not)
/// and returns a checksum.
pub const COMPUTE: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "hash") (param $n i32) (result i64)
    (local $x i64) (local $h i64)
    (local.set $x (i64.const 0x1E3779B97F4A7C15))
    (local.set $h (i64.const 0x4bf29ce484222325))
    (block $done
      (loop $round
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x
          (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005))
                   (i64.const 1442695040888963407)))
        (local.set $h
          (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $x) (i64.const 29)))
                   (i64.const 0x100000001b3)))
        (local.set $h (i64.rotl (local.get $h) (i64.const 17)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $round)))
    (local.get $h))
  (func $at (param $i i32) (result i32) (i32.load (i32.shl (local.get $i) (i32.const 2))))
  (func (export "sort") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $v i32) (local $x i32) (local $sum i64)
    (if (i32.gt_u (local.get $n) (i32.const 16384)) (then unreachable))
    (local.set $x (i32.const 12345))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x
          (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $x))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (local.set $i (i32.const 1))
    (block $sorted
      (loop $outer
        (br_if $sorted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (call $at (local.get $i)))
        (local.set $j (local.get $i))
        (block $placed
          (loop $inner
            (br_if $placed (i32.eqz (local.get $j)))
            (br_if $placed
              (i32.le_s (call $at (i32.sub (local.get $j) (i32.const 1))) (local.get $v)))
            (i32.store (i32.shl (local.get $j) (i32.const 2))
              (call $at (i32.sub (local.get $j) (i32.const 1))))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $inner)))
        (i32.store (i32.shl (local.get $j) (i32.const 2)) (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.set $i (i32.const 0))
    (block $summed
      (loop $sum
        (br_if $summed (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.gt_u (local.get $i) (i32.const 0))
          (then
            (if (i32.gt_s (call $at (i32.sub (local.get $i) (i32.const 1)))
                          (call $at (local.get $i)))
              (then unreachable))))
        (local.set $sum
          (i64.add (local.get $sum)
            (i64.mul (i64.extend_i32_s (call $at (local.get $i)))
                     (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sum)))
    (local.get $sum)))"#;

/// Rounds of `hash` in the report: about 6.75 million instructions (27 a
/// round, as wasmi's gas counts them).
pub const HASH_ROUNDS: i32 = 250_000;
/// Elements `sort` sorts in the report: about 250,000 inner steps, some
/// 5 million instructions.
pub const SORT_LEN: i32 = 1_000;

/// A runtime on `engine` over a fresh in-memory store.
pub fn runtime(engine: WasmEngine) -> Runtime<Arc<MemKv>> {
    Runtime::builder(Arc::new(MemKv::new()))
        .config(RuntimeConfig {
            engine,
            ..RuntimeConfig::default()
        })
        .build()
        .expect("runtime")
}

fn deploy(rt: &Runtime<Arc<MemKv>>, code: Vec<u8>, pages: u32) -> Address {
    let tx = DeployTx {
        author: Address([1; 20]),
        nonce: None,
        name: None,
        page_count: pages,
        banks: None,
        code,
        ctor: None,
        balance: 0,
        gas_limit: 100_000_000,
    };
    let r = rt.execute(&Transaction::Deploy(tx), BLOCK).expect("deploy");
    assert!(r.success(), "deploy: {:?}", r.error);
    r.deployed.expect("an address")
}

fn call_tx(contract: Address, function: &str, args: Vec<Arg>, gas: u64) -> CallTx {
    CallTx {
        contract,
        sender: Address([2; 20]),
        call: FunctionCall {
            function: function.into(),
            args,
        },
        input: vec![],
        gas_limit: gas,
    }
}

/// A function of [`COMPUTE`] run as a read-only query (compiled and cached
/// by the first run; nothing is written).
pub struct Compute {
    rt: Runtime<Arc<MemKv>>,
    tx: CallTx,
}

impl Compute {
    /// `hash(rounds)` on `engine`.
    pub fn hash(engine: WasmEngine, rounds: i32) -> Self {
        Self::new(engine, "hash", rounds)
    }

    /// `sort(n)` on `engine`.
    pub fn sort(engine: WasmEngine, n: i32) -> Self {
        Self::new(engine, "sort", n)
    }

    fn new(engine: WasmEngine, function: &str, arg: i32) -> Self {
        let rt = runtime(engine);
        let c = deploy(&rt, wat::parse_str(COMPUTE).expect("wat"), 0);
        let tx = call_tx(c, function, vec![Arg::I32(arg)], 90_000_000);
        let mut me = Compute { rt, tx };
        me.result();
        me
    }

    /// One run; returns 1.
    pub fn run(&mut self) -> u64 {
        let r = self.rt.query(&self.tx, BLOCK).expect("query");
        debug_assert!(r.success(), "{:?}", r.error);
        1
    }

    /// One run's result and gas (panics if it failed).
    pub fn result(&mut self) -> (Vec<Arg>, u64) {
        let r = self.rt.query(&self.tx, BLOCK).expect("query");
        assert!(r.success(), "{}: {:?}", self.tx.call.function, r.error);
        (r.returns, r.gas_used)
    }
}

/// A contract's call transaction on `engine`, end to end and committed:
/// the counter's `inc` in the report.
pub struct EngineTx {
    rt: Runtime<Arc<MemKv>>,
    tx: Transaction,
}

impl EngineTx {
    /// Deploys `wasm` (one page) on `engine`, and calls `function` once to
    /// warm the caches.
    pub fn new(engine: WasmEngine, wasm: Vec<u8>, function: &str) -> Self {
        let rt = runtime(engine);
        let c = deploy(&rt, wasm, 1);
        let tx = Transaction::Call(call_tx(c, function, vec![], 1_000_000));
        let mut me = EngineTx { rt, tx };
        me.gas();
        me
    }

    /// One transaction; returns 1.
    pub fn run(&mut self) -> u64 {
        let r = self.rt.execute(&self.tx, BLOCK).expect("execute");
        debug_assert!(r.success(), "{:?}", r.error);
        1
    }

    /// One transaction's gas (panics if it failed).
    pub fn gas(&mut self) -> u64 {
        let r = self.rt.execute(&self.tx, BLOCK).expect("execute");
        assert!(r.success(), "{:?}", r.error);
        r.gas_used
    }
}

/// The WAT of a contract of about `kib` KiB: functions of some 600 bytes
/// of arithmetic each, `f0` exported (the rest is only compiled).
pub fn large_contract(kib: usize) -> String {
    let functions = kib * 1024 / 600;
    let mut wat = String::from("(module\n");
    for f in 0..functions.max(1) {
        wat.push_str(&format!(
            "(func $f{f} (export \"f{f}\") (result i64) (i64.const {f})"
        ));
        for k in 0..50u64 {
            let c = 0x0FED_CBA9_8765_4321u64.wrapping_mul(k + 3 * f as u64 + 1) | (1 << 61);
            wat.push_str(&format!(" (i64.xor (i64.const {c}))"));
        }
        wat.push_str(")\n");
    }
    wat.push(')');
    wat
}

/// A cold call of a large contract on `engine`: the caches are cleared
/// before every call, so each one loads and compiles (wasmtime: the whole
/// module with cranelift; wasmi: lazily, only `f0`) and runs `f0`.
pub struct ColdCompile {
    rt: Runtime<Arc<MemKv>>,
    tx: Transaction,
    /// The contract's size in bytes.
    pub code_size: usize,
}

impl ColdCompile {
    /// A contract of about `kib` KiB on `engine`.
    pub fn new(engine: WasmEngine, kib: usize) -> Self {
        let wasm = wat::parse_str(large_contract(kib)).expect("wat");
        let code_size = wasm.len();
        let rt = runtime(engine);
        let c = deploy(&rt, wasm, 0);
        let tx = Transaction::Call(call_tx(c, "f0", vec![], 10_000_000));
        let mut me = ColdCompile { rt, tx, code_size };
        me.run();
        me
    }

    /// One cold call; returns 1.
    pub fn run(&mut self) -> u64 {
        self.rt.clear_caches();
        let r = self.rt.execute(&self.tx, BLOCK).expect("call");
        assert!(r.success(), "{:?}", r.error);
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_compute_the_same_results() {
        let results = [WasmEngine::Wasmi, WasmEngine::Wasmtime].map(|e| {
            (
                Compute::hash(e, 1_000).result().0,
                Compute::sort(e, 300).result().0,
            )
        });
        assert_eq!(results[0], results[1]);
        assert_ne!(results[0].0, vec![Arg::I64(0)]);
    }

    #[test]
    fn the_workloads_run_and_the_large_contract_is_large() {
        let mut big = ColdCompile::new(WasmEngine::Wasmtime, 64);
        assert!(big.code_size > 48 * 1024, "{}", big.code_size);
        assert_eq!(big.run(), 1);
        let wasm = wat::parse_str(crate::runtime::COUNTER).expect("wat");
        let gas = [WasmEngine::Wasmi, WasmEngine::Wasmtime]
            .map(|e| EngineTx::new(e, wasm.clone(), "inc").gas());
        assert!(gas.iter().all(|g| *g > 1_000), "{gas:?}");
    }
}
