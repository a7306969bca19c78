//! The counter transaction through the C API and through the Rust API,
//! measured side by side in one process: rounds alternate the two sides
//! (so machine noise hits both alike), and the ratio is the median of the
//! per-round ratios. The report of `strata-benches` measures the same pair
//! (`counter tx: C API ...`); this example needs no RocksDB build.
//!
//!     cargo run --profile bench -p strata-capi --no-default-features --example side_by_side

use std::time::{Duration, Instant};

use strata_capi::bench::{CapiCounter, RustCounter};

/// Runs `f` for about `budget` and returns the time per call.
fn time_per_op(budget: Duration, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    start.elapsed().as_secs_f64() / n as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(31);
    let budget = Duration::from_millis(20);
    let mut capi = CapiCounter::new();
    let mut bytes = CapiCounter::new();
    let mut rust = RustCounter::new();
    let (mut c, mut e, mut r, mut ratio_call, mut ratio_exec) =
        (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        let tr = time_per_op(budget, &mut || {
            rust.run();
        });
        let tc = time_per_op(budget, &mut || {
            capi.call();
        });
        let te = time_per_op(budget, &mut || {
            bytes.execute();
        });
        r.push(tr);
        c.push(tc);
        e.push(te);
        ratio_call.push(tc / tr);
        ratio_exec.push(te / tr);
    }
    println!("| pair | ours (median) | baseline (median) | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| counter tx: C API (strata_call) vs Rust API (Runtime::execute), MemKv | {:.2} µs | {:.2} µs | {:.3} |",
        median(c) * 1e6,
        median(r.clone()) * 1e6,
        median(ratio_call)
    );
    println!(
        "| counter tx: C API (strata_execute, SCALE bytes) vs Rust API, MemKv | {:.2} µs | {:.2} µs | {:.3} |",
        median(e) * 1e6,
        median(r) * 1e6,
        median(ratio_exec)
    );
}
