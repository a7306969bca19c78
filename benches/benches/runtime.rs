//! runtime: counter transactions next to raw wasmi and the design floor,
//! cold calls, blocks.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strata_benches::runtime::{
    ColdCall, DesignFloor, RawCounter, TokenTx, block, counter_mem, counter_rocks,
};

fn runtime(c: &mut Criterion) {
    let mut g = c.benchmark_group("runtime");
    let mut ours = counter_mem();
    let mut raw = RawCounter::map();
    g.bench_function("counter_tx_memkv", |b| b.iter(|| ours.run()));
    g.bench_function("raw_wasmi_counter_hashmap", |b| b.iter(|| raw.run()));
    let mut floor = DesignFloor::map();
    g.bench_function("design_floor_counter_hashmaps", |b| b.iter(|| floor.run()));
    let (mut ours_rocks, _dir) = counter_rocks();
    let mut raw_rocks = RawCounter::rocks();
    g.bench_function("counter_tx_rocksdb", |b| b.iter(|| ours_rocks.run()));
    g.bench_function("raw_wasmi_counter_rocksdb", |b| b.iter(|| raw_rocks.run()));
    let mut floor_rocks = DesignFloor::rocks();
    g.bench_function("design_floor_counter_rocksdb", |b| {
        b.iter(|| floor_rocks.run())
    });
    let mut rust_token = TokenTx::rust();
    let mut wat_token = TokenTx::wat();
    g.bench_function("token_transfer_rust_memkv", |b| b.iter(|| rust_token.run()));
    g.bench_function("token_transfer_wat_memkv", |b| b.iter(|| wat_token.run()));
    let mut cold = ColdCall::new(2_000);
    g.sample_size(10);
    g.bench_function("cold_call_large_contract_lazy", |b| b.iter(|| cold.lazy()));
    g.bench_function("cold_call_large_contract_eager", |b| {
        b.iter(|| cold.eager())
    });
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("block_10000_counter_txs_memkv", |b| {
        b.iter(|| block(&ours, 10_000))
    });
    g.bench_function("block_10000_counter_txs_rocksdb", |b| {
        b.iter(|| block(&ours_rocks, 10_000))
    });
    g.finish();
}

criterion_group!(benches, runtime);
criterion_main!(benches);
