//! registers: a set and get pair.
use criterion::{Criterion, criterion_group, criterion_main};
use strata_benches::slices::RegisterPair;

fn registers(c: &mut Criterion) {
    let mut f = RegisterPair::default();
    c.benchmark_group("registers")
        .bench_function("set_get_64", |b| b.iter(|| f.run()));
}

criterion_group!(benches, registers);
criterion_main!(benches);
