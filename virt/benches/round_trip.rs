//! One syscall round trip through `Virt` (suspend, return to the caller,
//! resume) next to one inline wasmi host call doing the same work, on the
//! same program and engine settings; 1,000 of each per iteration.
//!
//! Here rather than only in `strata-benches` so that it builds without
//! that crate's RocksDB dependency: `cargo bench -p strata-virt`. The
//! fixture (`fixture/mod.rs`) is the one the `strata-benches` report uses.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod fixture;

use fixture::{CALLS, SyscallRoundTrip};

fn round_trip(c: &mut Criterion) {
    let mut f = SyscallRoundTrip::new();
    let mut g = c.benchmark_group("virt");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("syscall_round_trip_x1000", |b| b.iter(|| f.ours()));
    g.bench_function("inline_host_call_x1000", |b| b.iter(|| f.base()));
    g.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
