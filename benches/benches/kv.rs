//! kv: RocksKv get and batch write next to raw RocksDB, and gets of absent
//! keys with and without the Bloom filter.
use criterion::{Criterion, criterion_group, criterion_main};
use strata_benches::kv::{AbsentGets, KvFixture};

fn kv(c: &mut Criterion) {
    let mut f = KvFixture::new();
    let mut g = c.benchmark_group("kv");
    g.bench_function("rockskv_get", |b| b.iter(|| f.ours_get()));
    g.bench_function("raw_rocksdb_get", |b| b.iter(|| f.raw_get()));
    g.bench_function("rockskv_batch_100", |b| b.iter(|| f.ours_batch()));
    g.bench_function("raw_rocksdb_batch_100", |b| b.iter(|| f.raw_batch()));
    let mut absent = AbsentGets::new();
    g.bench_function("rockskv_get_absent_bloom", |b| {
        b.iter(|| absent.with_filter())
    });
    g.bench_function("rockskv_get_absent_no_bloom", |b| {
        b.iter(|| absent.without_filter())
    });
    g.finish();
}

criterion_group!(benches, kv);
criterion_main!(benches);
