//! engines: the same contracts on wasmtime and on wasmi (compute-heavy,
//! the counter transaction, a cold call of a 1 MiB contract).
use criterion::{Criterion, criterion_group, criterion_main};
use strata_benches::engines::{ColdCompile, Compute, EngineTx, HASH_ROUNDS, SORT_LEN};
use strata_benches::runtime::COUNTER;
use strata_runtime::WasmEngine;

fn engines(c: &mut Criterion) {
    let mut g = c.benchmark_group("engines");
    g.sample_size(10);
    for engine in [WasmEngine::Wasmi, WasmEngine::Wasmtime] {
        let name = engine.name();
        let mut hash = Compute::hash(engine, HASH_ROUNDS);
        g.bench_function(format!("hash_250k_rounds_{name}"), |b| {
            b.iter(|| hash.run())
        });
        let mut sort = Compute::sort(engine, SORT_LEN);
        g.bench_function(format!("sort_1000_{name}"), |b| b.iter(|| sort.run()));
        let wasm = wat::parse_str(COUNTER).expect("wat");
        let mut counter = EngineTx::new(engine, wasm, "inc");
        g.bench_function(format!("counter_tx_memkv_{name}"), |b| {
            b.iter(|| counter.run())
        });
        let mut cold = ColdCompile::new(engine, 1024);
        g.bench_function(format!("cold_call_1mib_contract_{name}"), |b| {
            b.iter(|| cold.run())
        });
    }
    g.finish();
}

criterion_group!(benches, engines);
criterion_main!(benches);
