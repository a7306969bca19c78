//! One syscall round trip through `strata-virt` (suspend, return to the
//! caller, resume) next to one inline host call doing the same work, on the
//! same program and engine settings.

use strata_virt::{ExecAction, ExecOutcome, Virt};
use wasmi::{Caller, Engine, Linker, Module, Store, TypedFunc};

use crate::{Pair, Target};

/// Syscalls (or host calls) per operation.
pub const CALLS: i32 = 1_000;

/// Gas per operation: plenty for [`CALLS`] iterations.
const GAS: i64 = 1 << 40;

/// Calls `virt.syscall_0(acc)` n times (n at address 0), feeding each result
/// back in; the handler adds one.
const PROGRAM: &str = r#"
(module
  (import "virt" "syscall_0" (func $sys (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "main") (local $n i32) (local $acc i64)
    (local.set $n (i32.load (i32.const 0)))
    (loop $l
      (local.set $acc (call $sys (local.get $acc)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i64.store (i32.const 8) (local.get $acc))))
"#;

/// Both sides, instantiated once.
pub struct SyscallRoundTrip {
    virt: Virt,
    inline: (Store<()>, TypedFunc<(), ()>),
}

impl SyscallRoundTrip {
    /// Instantiates the program under `Virt` and, with an inline
    /// `func_wrap` closure for the syscall, under plain wasmi.
    pub fn new() -> Self {
        let wasm = wat::parse_str(PROGRAM).expect("wat");
        let mut virt = Virt::instantiate(&wasm).expect("instantiate");
        virt.write_memory(0, &CALLS.to_le_bytes()).expect("memory");

        let engine = Engine::new(&strata_virt::engine_config());
        let module = Module::new(&engine, &wasm).expect("module");
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::<()>::new(&engine);
        linker
            .func_wrap("virt", "syscall_0", |_: Caller<'_, ()>, acc: i64| -> i64 {
                acc.wrapping_add(1)
            })
            .expect("link");
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .expect("instantiate");
        let memory = instance.get_memory(&store, "memory").expect("memory");
        memory
            .write(&mut store, 0, &CALLS.to_le_bytes())
            .expect("memory");
        let main = instance
            .get_typed_func::<(), ()>(&store, "main")
            .expect("main");
        Self {
            virt,
            inline: (store, main),
        }
    }

    /// [`CALLS`] syscalls, each answered between `run` steps.
    pub fn ours(&mut self) -> u64 {
        let mut outcome = self
            .virt
            .run(GAS, ExecAction::Execute("main".into()))
            .expect("run");
        while let ExecOutcome::Syscall { gas_left, args, .. } = outcome {
            outcome = self
                .virt
                .run(gas_left, ExecAction::Resume(args[0].wrapping_add(1)))
                .expect("resume");
        }
        CALLS as u64
    }

    /// [`CALLS`] inline host calls.
    pub fn base(&mut self) -> u64 {
        let (store, main) = &mut self.inline;
        let _ = store.set_fuel(GAS as u64);
        main.call(&mut *store, ()).expect("run");
        CALLS as u64
    }
}

impl Default for SyscallRoundTrip {
    fn default() -> Self {
        Self::new()
    }
}

/// The report's pair: a syscall round trip vs an inline host call.
pub fn pair() -> Pair {
    let f = std::rc::Rc::new(std::cell::RefCell::new(SyscallRoundTrip::new()));
    let g = f.clone();
    Pair {
        name: PAIR_NAME,
        ours: Box::new(move || f.borrow_mut().ours()),
        base: Box::new(move || g.borrow_mut().base()),
        target: Target::Report,
    }
}

/// The report row's name.
pub const PAIR_NAME: &str = "virt syscall round trip (suspend, resume) vs inline host call";
