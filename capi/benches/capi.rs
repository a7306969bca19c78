//! A counter transaction through the C API next to the same transaction
//! through the Rust API (`cargo bench -p strata-capi`). The report binary
//! of `strata-benches` measures the same pair side by side.

use criterion::{Criterion, criterion_group, criterion_main};
use strata_capi::bench::{CapiCounter, RustCounter};

fn counter(c: &mut Criterion) {
    let mut g = c.benchmark_group("counter_tx");
    let mut capi = CapiCounter::new();
    g.bench_function("capi_call_memkv", |b| b.iter(|| capi.call()));
    let mut capi_bytes = CapiCounter::new();
    g.bench_function("capi_execute_bytes_memkv", |b| {
        b.iter(|| capi_bytes.execute())
    });
    let mut rust = RustCounter::new();
    g.bench_function("rust_execute_memkv", |b| b.iter(|| rust.run()));
    g.finish();
}

criterion_group!(benches, counter);
criterion_main!(benches);
