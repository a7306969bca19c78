//! pages: commits small and large, page reads, 1,000-page commits.
use criterion::{Criterion, criterion_group, criterion_main};
use strata_benches::pages::{CommitOne, CommitThousand, PageRead};

fn pages(c: &mut Criterion) {
    let mut g = c.benchmark_group("pages");
    let mut small = CommitOne::new(16);
    let mut large = CommitOne::new(65_536);
    g.bench_function("commit_1_page_of_16", |b| b.iter(|| small.run()));
    g.bench_function("commit_1_page_of_65536", |b| b.iter(|| large.run()));
    let mut read = PageRead::new();
    g.bench_function("page_read_hit", |b| b.iter(|| read.hit()));
    g.bench_function("page_read_miss_memkv", |b| b.iter(|| read.miss()));
    let mut thousand = CommitThousand::new();
    g.sample_size(20);
    g.bench_function("rocksdb_commit_1000_pages", |b| b.iter(|| thousand.ours()));
    g.bench_function("raw_rocksdb_batch_1000_pages", |b| {
        b.iter(|| thousand.raw())
    });
    g.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
