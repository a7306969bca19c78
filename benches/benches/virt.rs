//! virt: 1,000 syscall round trips (suspend, return to the caller, resume)
//! next to 1,000 inline host calls.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strata_benches::virt::{CALLS, SyscallRoundTrip};

fn virt(c: &mut Criterion) {
    let mut f = SyscallRoundTrip::new();
    let mut g = c.benchmark_group("virt");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("syscall_round_trip_x1000", |b| b.iter(|| f.ours()));
    g.bench_function("inline_host_call_x1000", |b| b.iter(|| f.base()));
    g.finish();
}

criterion_group!(benches, virt);
criterion_main!(benches);
