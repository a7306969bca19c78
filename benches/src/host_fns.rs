//! A trivial host call through the table's dispatch, next to a bare wasmi
//! closure doing the same work.

use strata_host_fns::testing::MockHost;
use strata_host_fns::{Svm, WasmiState};
use strata_registers::{BankLayout, Registers};
use wasmi::{Caller, Config, Engine, Linker, Module, Store, TypedFunc};

/// Host calls per operation.
pub const CALLS: i32 = 1_000;

fn looped(module: &str) -> String {
    format!(
        r#"(module
          (import "{module}" "reg_read_be_i64" (func $r (param i32 i32) (result i64)))
          (memory (export "memory") 1)
          (func (export "run") (param $n i32)
            (loop $l
              (drop (call $r (i32.const 64) (i32.const 0)))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#
    )
}

fn engine() -> Engine {
    let mut c = Config::default();
    c.consume_fuel(true);
    Engine::new(&c)
}

/// Both sides, instantiated once.
pub struct HostCall {
    ours: (Store<WasmiState<MockHost>>, TypedFunc<i32, ()>),
    base: (Store<Registers>, TypedFunc<i32, ()>),
}

impl Default for HostCall {
    fn default() -> Self {
        Self::new()
    }
}

impl HostCall {
    /// `svm.reg_read_be_i64` through `Svm::link`, and `env.reg_read_be_i64`
    /// as a bare `func_wrap` closure over the same registers.
    pub fn new() -> Self {
        let engine = engine();
        let wasm = wat::parse_str(looped("svm")).expect("wat");
        let module = Module::new(&engine, wasm).expect("module");
        let mut host = MockHost::new(u64::MAX / 2);
        let _ = host.registers.write_be_i64(64, 0, 42);
        let mut store = Store::new(&engine, WasmiState::new(host));
        let mut linker = Linker::new(&engine);
        Svm::link(&mut linker).expect("link");
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .expect("instantiate");
        store.data_mut().memory = instance.get_memory(&store, "memory");
        let run = instance
            .get_typed_func::<i32, ()>(&store, "run")
            .expect("run");

        let wasm = wat::parse_str(looped("env")).expect("wat");
        let module = Module::new(&engine, wasm).expect("module");
        let mut regs = Registers::new(&BankLayout::svm_default());
        let _ = regs.write_be_i64(64, 0, 42);
        let mut base_store = Store::new(&engine, regs);
        let mut linker = Linker::<Registers>::new(&engine);
        linker
            .func_wrap(
                "env",
                "reg_read_be_i64",
                |caller: Caller<'_, Registers>, bits: i32, idx: i32| -> i64 {
                    caller
                        .data()
                        .read_be_i64(bits as u32, idx as u32)
                        .unwrap_or(0)
                },
            )
            .expect("link");
        let instance = linker
            .instantiate_and_start(&mut base_store, &module)
            .expect("instantiate");
        let base_run = instance
            .get_typed_func::<i32, ()>(&base_store, "run")
            .expect("run");
        HostCall {
            ours: (store, run),
            base: (base_store, base_run),
        }
    }

    /// [`CALLS`] host calls through the table.
    pub fn ours(&mut self) -> u64 {
        let (store, run) = &mut self.ours;
        let _ = store.set_fuel(u64::MAX / 2);
        run.call(&mut *store, CALLS).expect("run");
        CALLS as u64
    }

    /// [`CALLS`] bare closure calls.
    pub fn base(&mut self) -> u64 {
        let (store, run) = &mut self.base;
        let _ = store.set_fuel(u64::MAX / 2);
        run.call(&mut *store, CALLS).expect("run");
        CALLS as u64
    }
}
