//! runtime: counter transactions next to raw wasmi and the design floor,
//! cold calls, blocks.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strata_benches::runtime::{
    ColdCall, DesignFloor, RawCounter, RawStore, TokenTx, block, counter_mem, counter_mem_archive,
    counter_mem_fresh, counter_rocks, counter_rocks_with,
};
use strata_runtime::Retention;

fn runtime(c: &mut Criterion) {
    let mut g = c.benchmark_group("runtime");
    let mut ours = counter_mem();
    let mut archive = counter_mem_archive();
    let mut raw = RawCounter::map();
    g.bench_function("counter_tx_memkv", |b| b.iter(|| ours.run()));
    g.bench_function("counter_tx_memkv_archive", |b| b.iter(|| archive.run()));
    g.bench_function("raw_wasmi_counter_hashmap", |b| b.iter(|| raw.run()));
    let mut raw_reused = RawCounter::reused(RawStore::Map(Default::default()));
    g.bench_function("raw_wasmi_counter_hashmap_reused_instance", |b| {
        b.iter(|| raw_reused.run())
    });
    let mut floor = DesignFloor::map();
    g.bench_function("design_floor_counter_hashmaps", |b| b.iter(|| floor.run()));
    let (mut ours_rocks, _dir) = counter_rocks();
    let (mut archive_rocks, _dir2) = counter_rocks_with(Retention::Archive);
    let mut raw_rocks = RawCounter::rocks();
    g.bench_function("counter_tx_rocksdb", |b| b.iter(|| ours_rocks.run()));
    g.bench_function("counter_tx_rocksdb_archive", |b| {
        b.iter(|| archive_rocks.run())
    });
    g.bench_function("raw_wasmi_counter_rocksdb", |b| b.iter(|| raw_rocks.run()));
    let mut floor_rocks = DesignFloor::rocks();
    g.bench_function("design_floor_counter_rocksdb", |b| {
        b.iter(|| floor_rocks.run())
    });
    let mut rust_token = TokenTx::rust();
    let mut wat_token = TokenTx::wat();
    g.bench_function("token_transfer_rust_memkv", |b| b.iter(|| rust_token.run()));
    g.bench_function("token_transfer_wat_memkv", |b| b.iter(|| wat_token.run()));
    let mut fresh_token = TokenTx::rust_fresh();
    g.bench_function("token_transfer_rust_memkv_fresh_instances", |b| {
        b.iter(|| fresh_token.run())
    });
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
    // Instance reuse against none, per block of 1,000.
    let fresh = counter_mem_fresh();
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("block_1000_counter_txs_memkv_reused_instances", |b| {
        b.iter(|| block(&ours, 1_000))
    });
    g.bench_function("block_1000_counter_txs_memkv_fresh_instances", |b| {
        b.iter(|| block(&fresh, 1_000))
    });
    g.finish();
}

/// Cold start on the 1 MB compiled-shaped contract, Strata and wasmi alone.
fn cold_start(c: &mut Criterion) {
    let mut g = c.benchmark_group("cold_start");
    g.sample_size(10);
    let cold = strata_benches::cold::ColdStart::new(5_000);
    for eager in [false, true] {
        let mode = if eager { "eager" } else { "lazy" };
        g.bench_function(format!("strata_compiled_shaped_1mb_{mode}"), |b| {
            b.iter(|| cold.strata(eager))
        });
        g.bench_function(format!("wasmi_alone_compiled_shaped_1mb_{mode}"), |b| {
            b.iter(|| cold.wasmi(eager))
        });
    }
    g.finish();
}

/// The state lifecycle: blocks of 1,000 counter increments on RocksDB
/// with the default retention and archive, random pages of a large
/// contract, a block's state-root update over 100,000 accounts.
fn lifecycle(c: &mut Criterion) {
    use strata_benches::lifecycle;
    let mut g = c.benchmark_group("lifecycle");
    g.sample_size(10);
    g.throughput(Throughput::Elements(50_000));
    for pruned in [true, false] {
        let name = if pruned { "keep_128" } else { "archive" };
        g.bench_function(format!("counter_blocks_50x1000_rocksdb_{name}"), |b| {
            b.iter(|| lifecycle::long_run(lifecycle::retention(pruned), 50_000, 1_000, &[], 10_000))
        });
    }
    g.throughput(Throughput::Elements(2_000));
    g.bench_function("random_pages_65536_page_contract_rocksdb", |b| {
        b.iter(|| lifecycle::random_pages(1_000, 1, 1))
    });
    // Builds the 100,000-account tree, then times one update (the
    // report's row is the median update; this measures both).
    g.bench_function(
        "state_root_update_1000_of_100000_accounts_with_setup",
        |b| b.iter(|| lifecycle::state_root_update(100_000, 1_000, 1)),
    );
    g.finish();
}

/// The map rows: one map read and write (hot and cold) next to a slice
/// read and write, and map-token transfers in blocks.
fn maps(c: &mut Criterion) {
    use std::sync::Arc;
    use strata_benches::maps::{MapOps, Op, TokenTransfers};
    use strata_kv::MemKv;
    let mut g = c.benchmark_group("maps");
    for (name, op) in [
        ("slice_read", Op::SliceRead),
        ("slice_write", Op::SliceWrite),
        ("map_read", Op::MapRead),
        ("map_write", Op::MapWrite),
    ] {
        for cold in [false, true] {
            let mut f = MapOps::new(Arc::new(MemKv::new()), op, cold);
            let heat = if cold { "cold" } else { "hot" };
            g.bench_function(format!("{name}_{heat}_memkv"), |b| b.iter(|| f.run()));
        }
    }
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    let mut mem = TokenTransfers::new(MemKv::new(), 1_000, 10_000, 10_000);
    g.bench_function("block_10000_token_transfers_1000_holders_memkv", |b| {
        b.iter(|| mem.run())
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let kv = strata_kv::RocksKv::open(dir.path()).expect("open");
    let mut rocks = TokenTransfers::new(kv, 1_000, 10_000, 10_000);
    g.bench_function("block_10000_token_transfers_1000_holders_rocksdb", |b| {
        b.iter(|| rocks.run())
    });
    g.finish();
}

criterion_group!(benches, runtime, cold_start, lifecycle, maps);
criterion_main!(benches);
