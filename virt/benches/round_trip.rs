//! One syscall round trip through `Virt` (suspend, return to the caller,
//! resume) next to one inline wasmi host call doing the same work, on the
//! same program and engine settings; 1,000 of each per iteration.
//!
//! Here rather than only in `strata-benches` so that it builds without
//! that crate's RocksDB dependency: `cargo bench -p strata-virt`.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strata_virt::{ExecAction, ExecOutcome, Virt};
use wasmi::{Caller, Engine, Linker, Module, Store};

const CALLS: i32 = 1_000;
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

fn round_trip(c: &mut Criterion) {
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

    let mut g = c.benchmark_group("virt");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("syscall_round_trip_x1000", |b| {
        b.iter(|| {
            let mut outcome = virt
                .run(GAS, ExecAction::Execute("main".into()))
                .expect("run");
            while let ExecOutcome::Syscall { gas_left, args, .. } = outcome {
                outcome = virt
                    .run(gas_left, ExecAction::Resume(args[0].wrapping_add(1)))
                    .expect("resume");
            }
        })
    });
    g.bench_function("inline_host_call_x1000", |b| {
        b.iter(|| {
            let _ = store.set_fuel(GAS as u64);
            main.call(&mut store, ()).expect("run");
        })
    });
    g.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
