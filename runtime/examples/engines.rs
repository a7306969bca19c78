//! The second engine next to the first, measured without RocksDB: the
//! workloads of the benches' report (`benches/src/engines.rs`, included
//! here as it is) on wasmi and on wasmtime, medians of alternating runs.
//!
//!     cargo run --release -p strata-runtime --features wasmtime --example engines [-- --quick]
//!
//! The benches' report (`strata-benches`, `--bin report`) measures the same
//! rows with the rest of the report.
use std::time::Instant;

use strata_runtime::WasmEngine::{Wasmi, Wasmtime};

#[path = "../../benches/src/engines.rs"]
#[allow(dead_code)]
mod engines;

/// The median time of one run of `f`, in nanoseconds, over `rounds`
/// samples of `reps` runs.
fn median_ns(f: &mut dyn FnMut() -> u64, rounds: usize, reps: u32) -> f64 {
    let mut v: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..reps {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(reps)
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} µs", ns / 1e3)
    }
}

fn row(name: &str, wasmi: &mut dyn FnMut() -> u64, wasmtime: &mut dyn FnMut() -> u64, reps: u32) {
    let rounds = if std::env::args().any(|a| a == "--quick") {
        5
    } else {
        11
    };
    let (a, b) = (
        median_ns(wasmi, rounds, reps),
        median_ns(wasmtime, rounds, reps),
    );
    println!("| {name} | {} | {} | {:.2} |", human(a), human(b), b / a);
}

fn main() {
    use engines::*;
    println!("| workload | wasmi | wasmtime | wasmtime / wasmi |");
    println!("|---|---|---|---|");
    let (mut a, mut b) = (
        Compute::hash(Wasmi, HASH_ROUNDS),
        Compute::hash(Wasmtime, HASH_ROUNDS),
    );
    let (ga, gb) = (a.result().1, b.result().1);
    row(
        &format!("hash loop, {HASH_ROUNDS} rounds (gas {ga} / {gb})"),
        &mut || a.run(),
        &mut || b.run(),
        3,
    );
    let (mut a, mut b) = (
        Compute::sort(Wasmi, SORT_LEN),
        Compute::sort(Wasmtime, SORT_LEN),
    );
    let (ga, gb) = (a.result().1, b.result().1);
    row(
        &format!("insertion sort of {SORT_LEN} i32 (gas {ga} / {gb})"),
        &mut || a.run(),
        &mut || b.run(),
        3,
    );
    let counter = wat::parse_file(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/counter.wat"),
    )
    .expect("examples/counter.wat");
    let (mut a, mut b) = (
        EngineTx::new(Wasmi, counter.clone(), "inc"),
        EngineTx::new(Wasmtime, counter, "inc"),
    );
    let (ga, gb) = (a.gas(), b.gas());
    row(
        &format!("counter transaction (gas {ga} / {gb})"),
        &mut || a.run(),
        &mut || b.run(),
        200,
    );
    let (mut a, mut b) = (
        ColdCompile::new(Wasmi, 1024),
        ColdCompile::new(Wasmtime, 1024),
    );
    row(
        &format!(
            "cold call of a {} KiB contract (wasmi lazy; wasmtime compiles it all)",
            a.code_size / 1024
        ),
        &mut || a.run(),
        &mut || b.run(),
        1,
    );
}
