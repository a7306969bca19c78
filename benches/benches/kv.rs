//! kv: RocksKv get and batch write next to raw RocksDB.
use criterion::{Criterion, criterion_group, criterion_main};
use strata_benches::kv::KvFixture;

fn kv(c: &mut Criterion) {
    let mut f = KvFixture::new();
    let mut g = c.benchmark_group("kv");
    g.bench_function("rockskv_get", |b| b.iter(|| f.ours_get()));
    g.bench_function("raw_rocksdb_get", |b| b.iter(|| f.raw_get()));
    g.bench_function("rockskv_batch_100", |b| b.iter(|| f.ours_batch()));
    g.bench_function("raw_rocksdb_batch_100", |b| b.iter(|| f.raw_batch()));
    g.finish();
}

criterion_group!(benches, kv);
criterion_main!(benches);
