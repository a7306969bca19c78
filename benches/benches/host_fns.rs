//! host-fns: 1,000 trivial host calls through the table, next to a bare
//! wasmi closure.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strata_benches::host_fns::{CALLS, HostCall};

fn host_fns(c: &mut Criterion) {
    let mut f = HostCall::new();
    let mut g = c.benchmark_group("host_fns");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("reg_read_be_i64_via_table_x1000", |b| b.iter(|| f.ours()));
    g.bench_function("bare_func_wrap_x1000", |b| b.iter(|| f.base()));
    g.finish();
}

criterion_group!(benches, host_fns);
criterion_main!(benches);
