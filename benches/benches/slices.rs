//! slices: a hot 32-byte read next to a HashMap lookup and copy.
use criterion::{Criterion, criterion_group, criterion_main};
use strata_benches::slices::HotSlice;

fn slices(c: &mut Criterion) {
    let mut f = HotSlice::new();
    let mut g = c.benchmark_group("slices");
    g.bench_function("hot_slice_read_32", |b| b.iter(|| f.ours()));
    g.bench_function("hashmap_lookup_copy_32", |b| b.iter(|| f.base()));
    g.finish();
}

criterion_group!(benches, slices);
criterion_main!(benches);
