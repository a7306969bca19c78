//! Cold start on a contract shaped like compiled code (issue 22, part 1):
//! thousands of internal functions that call each other, a handful of
//! exports, a data segment, over 1 MB. A cold Strata call (every cache
//! empty: code read and hash-checked, module built, instantiated, called)
//! next to wasmi alone doing `Module::new` + instantiate + call of the
//! same bytes under the same engine configuration, nothing else; each
//! with lazy and eager translation.

use std::sync::Arc;

use strata_kv::MemKv;
use strata_runtime::{
    Address, Arg, CallTx, Compilation, DeployTx, FunctionCall, Runtime, RuntimeConfig, Transaction,
};
use wasmi::{CompilationMode, Engine, Linker, Module, Store};

const BLOCK: strata_runtime::BlockContext = strata_runtime::BlockContext { height: 1, time: 0 };

/// A module of `functions` internal functions, each a few hundred bytes of
/// arithmetic, memory traffic and a call to two earlier functions while
/// its argument lasts; four exports (`run` calls the last function with
/// 3, so a call reaches a few dozen functions, as an entry point does); a
/// 64 KiB data segment; one exported memory; and, as compiled Rust and C
/// have, a stack pointer in a mutable global it does not export, which
/// `run` moves down and back (so instance reuse compiles a copy of the
/// code with the global exported, `exec/reuse.rs`, and a cold start pays
/// for that copy). No imports.
pub fn compiled_shaped(functions: usize) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut w = String::from(
        "(module\n  (memory (export \"memory\") 2)\n  \
         (global $__stack_pointer (mut i32) (i32.const 65536))\n",
    );
    for f in 0..functions {
        let _ = write!(
            w,
            "  (func $f{f} (param $n i32) (result i32) (local $a i32) (local $b i32)\n    \
             (local.set $a (i32.mul (local.get $n) (i32.const {})))\n",
            f * 2 + 1
        );
        for k in 0..12usize {
            let c = (f * 31 + k * 7) as u32;
            let _ = write!(
                w,
                "    (local.set $b (i32.load offset={} (i32.and (local.get $a) (i32.const 0xfffc))))\n    \
                 (local.set $a (i32.xor (i32.add (local.get $a) (local.get $b)) (i32.const {c})))\n    \
                 (i32.store offset={} (i32.and (local.get $b) (i32.const 0xfffc)) (local.get $a))\n",
                (k * 4) % 1024,
                (k * 8) % 1024
            );
        }
        if f >= 2 {
            let (x, y) = ((f * 7 + 3) % f, (f * 13 + 5) % f);
            let _ = write!(
                w,
                "    (if (i32.gt_s (local.get $n) (i32.const 0)) (then\n      \
                 (local.set $a (i32.add (local.get $a)\n        \
                 (i32.add (call $f{x} (i32.sub (local.get $n) (i32.const 1)))\n                 \
                 (call $f{y} (i32.sub (local.get $n) (i32.const 1))))))))\n"
            );
        }
        w.push_str("    (local.get $a))\n");
    }
    let last = functions - 1;
    let _ = writeln!(
        w,
        "  (func (export \"run\") (result i32) (local $r i32)\n    \
         (global.set $__stack_pointer (i32.sub (global.get $__stack_pointer) (i32.const 16)))\n    \
         (local.set $r (call $f{last} (i32.const 3)))\n    \
         (global.set $__stack_pointer (i32.add (global.get $__stack_pointer) (i32.const 16)))\n    \
         (local.get $r))\n  \
         (func (export \"run_one\") (result i32) (call $f{last} (i32.const 0)))\n  \
         (func (export \"mid\") (result i32) (call $f{} (i32.const 2)))\n  \
         (func (export \"first\") (result i32) (call $f0 (i32.const 1)))",
        functions / 2
    );
    w.push_str("  (data (i32.const 1024) \"");
    for i in 0..65_536u32 {
        let _ = write!(w, "\\{:02x}", (i.wrapping_mul(2_654_435_761) >> 24) as u8);
    }
    w.push_str("\")\n)");
    wat::parse_str(&w).expect("the compiled-shaped contract is valid WAT")
}

/// The contract deployed on a lazily and an eagerly translating runtime,
/// and wasmi engines configured as the runtime's.
pub struct ColdStart {
    /// The contract's bytes.
    pub wasm: Vec<u8>,
    strata: [(Runtime<Arc<MemKv>>, Transaction); 2],
    engines: [Engine; 2],
}

impl ColdStart {
    /// Builds the contract with `functions` functions and deploys it.
    pub fn new(functions: usize) -> Self {
        let wasm = compiled_shaped(functions);
        let strata = [Compilation::Lazy, Compilation::Eager].map(|compilation| {
            let rt = Runtime::builder(Arc::new(MemKv::new()))
                .config(RuntimeConfig {
                    compilation,
                    ..RuntimeConfig::default()
                })
                .build()
                .expect("runtime");
            let deploy = DeployTx {
                author: Address([1; 20]),
                nonce: None,
                name: None,
                page_count: 0,
                banks: None,
                code: wasm.clone(),
                ctor: None,
                balance: 0,
                gas_limit: 100_000_000,
            };
            let r = rt
                .execute(&Transaction::Deploy(deploy), BLOCK)
                .expect("deploy");
            assert!(r.success(), "deploy: {:?}", r.error);
            let tx = Transaction::Call(CallTx {
                contract: r.deployed.expect("deployed"),
                sender: Address([2; 20]),
                call: FunctionCall {
                    function: "run".into(),
                    args: vec![],
                },
                input: vec![],
                gas_limit: 10_000_000,
            });
            (rt, tx)
        });
        let engines = [CompilationMode::Lazy, CompilationMode::Eager].map(|mode| {
            let mut config = strata_wasm_rules_config();
            config.compilation_mode(mode);
            Engine::new(&config)
        });
        ColdStart {
            wasm,
            strata,
            engines,
        }
    }

    /// A cold Strata call: every cache emptied first. Returns `run`'s
    /// result.
    pub fn strata(&self, eager: bool) -> i32 {
        let (rt, tx) = &self.strata[usize::from(eager)];
        rt.clear_caches();
        let r = rt.execute(tx, BLOCK).expect("call");
        match r.returns.first() {
            Some(Arg::I32(v)) => *v,
            _ => panic!("run failed: {:?}", r.error),
        }
    }

    /// wasmi alone: `Module::new`, instantiate, call `run`, with fuel.
    pub fn wasmi(&self, eager: bool) -> i32 {
        let engine = &self.engines[usize::from(eager)];
        let module = Module::new(engine, &self.wasm[..]).expect("module");
        let mut store = Store::new(engine, ());
        store.set_fuel(10_000_000).expect("fuel is on");
        let instance = Linker::<()>::new(engine)
            .instantiate_and_start(&mut store, &module)
            .expect("instantiate");
        let run = instance
            .get_typed_func::<(), i32>(&store, "run")
            .expect("run");
        run.call(&mut store, ()).expect("call")
    }
}

/// The engine configuration the runtime runs code under (fuel, the
/// deterministic feature set), before its compilation mode.
fn strata_wasm_rules_config() -> wasmi::Config {
    RuntimeConfig::default().wasmi_config()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strata_and_wasmi_alone_agree_on_a_compiled_shaped_contract() {
        let c = ColdStart::new(300);
        let want = c.wasmi(false);
        assert_eq!(c.wasmi(true), want);
        assert_eq!(c.strata(false), want);
        assert_eq!(c.strata(true), want);
    }

    #[test]
    fn five_thousand_functions_make_over_a_megabyte() {
        let wasm = compiled_shaped(5_000);
        assert!(wasm.len() > 1024 * 1024, "{} bytes", wasm.len());
    }
}
