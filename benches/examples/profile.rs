//! Runs one workload many times, for a profiler (valgrind's callgrind counts
//! instructions, which do not depend on machine noise):
//!
//! ```text
//! cargo build --profile bench -p strata-benches --example profile
//! valgrind --tool=callgrind target/release/examples/profile commit-large 2000
//! ```
//!
//! Workloads: `commit-small`, `commit-large`, `commit-thousand`,
//! `commit-thousand-raw`, `hot-slice`, `hot-slice-raw`, `counter-mem`,
//! `counter-raw`, `counter-rocks`, `counter-raw-rocks`, `floor-mem`,
//! `floor-rocks`, `cold-strata`, `cold-wasmi` (the lazy cold start of the
//! 5,000-function compiled-shaped contract, `cold.rs`), `token-block` (a
//! block of 10,000 map-token transfers among 1,000 holders, MemKv),
//! `counter-block` (a block of 10,000 counter transactions, MemKv),
//! `counter-block-fresh` and `counter-mem-fresh` (the same without instance
//! reuse), `token-rust` and `token-rust-fresh` (a transfer of the Rust
//! example token, with and without instance reuse),
//! `counter-mem-archive` and `counter-rocks-archive` (`counter-mem` and
//! `counter-rocks` keeping every state, as the pairs against the design
//! floor run).

use std::hint::black_box;

use strata_benches::{pages, runtime, slices};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut op: Box<dyn FnMut()> = match which.as_str() {
        "commit-small" => {
            let mut c = pages::CommitOne::new(16);
            Box::new(move || c.run())
        }
        "commit-large" => {
            let mut c = pages::CommitOne::new(65_536);
            Box::new(move || c.run())
        }
        "commit-thousand" => {
            let mut c = pages::CommitThousand::new();
            Box::new(move || c.ours())
        }
        "commit-thousand-raw" => {
            let mut c = pages::CommitThousand::new();
            Box::new(move || c.raw())
        }
        "hot-slice" => {
            let mut h = slices::HotSlice::new();
            Box::new(move || {
                black_box(h.ours());
            })
        }
        "hot-slice-raw" => {
            let mut h = slices::HotSlice::new();
            Box::new(move || {
                black_box(h.base());
            })
        }
        "counter-mem" => {
            let mut c = runtime::counter_mem();
            Box::new(move || {
                black_box(c.run());
            })
        }
        "counter-raw" => {
            let mut c = runtime::RawCounter::map();
            Box::new(move || {
                black_box(c.run());
            })
        }
        "counter-rocks" => {
            let (mut c, dir) = runtime::counter_rocks();
            Box::new(move || {
                let _keep = &dir;
                black_box(c.run());
            })
        }
        "counter-raw-rocks" => {
            let mut c = runtime::RawCounter::rocks();
            Box::new(move || {
                black_box(c.run());
            })
        }
        "floor-mem" => {
            let mut c = runtime::DesignFloor::map();
            Box::new(move || {
                black_box(c.run());
            })
        }
        "floor-rocks" => {
            let mut c = runtime::DesignFloor::rocks();
            Box::new(move || {
                black_box(c.run());
            })
        }
        "cold-strata" => {
            let c = strata_benches::cold::ColdStart::new(5_000);
            Box::new(move || {
                black_box(c.strata(false));
            })
        }
        "cold-wasmi" => {
            let c = strata_benches::cold::ColdStart::new(5_000);
            Box::new(move || {
                black_box(c.wasmi(false));
            })
        }
        "counter-mem-archive" => {
            let mut c = runtime::counter_mem_archive();
            Box::new(move || {
                black_box(c.run());
            })
        }
        "counter-rocks-archive" => {
            let (mut c, dir) = runtime::counter_rocks_with(strata_runtime::Retention::Archive);
            Box::new(move || {
                let _keep = &dir;
                black_box(c.run());
            })
        }
        "counter-block" => {
            let c = runtime::counter_mem();
            Box::new(move || {
                black_box(runtime::block(&c, 10_000));
            })
        }
        "counter-block-fresh" => {
            let c = runtime::counter_mem_fresh();
            Box::new(move || {
                black_box(runtime::block(&c, 10_000));
            })
        }
        "counter-mem-fresh" => {
            let mut c = runtime::counter_mem_fresh();
            Box::new(move || {
                black_box(c.run());
            })
        }
        "token-rust" => {
            let mut t = runtime::TokenTx::rust();
            Box::new(move || {
                black_box(t.run());
            })
        }
        "token-rust-fresh" => {
            let mut t = runtime::TokenTx::rust_fresh();
            Box::new(move || {
                black_box(t.run());
            })
        }
        "token-block" => {
            let mut t = strata_benches::maps::TokenTransfers::new(
                strata_kv::MemKv::new(),
                1_000,
                10_000,
                10_000,
            );
            Box::new(move || {
                black_box(t.run());
            })
        }
        other => {
            eprintln!("unknown workload {other:?}; see the source for the list");
            std::process::exit(2);
        }
    };
    for _ in 0..n {
        op();
    }
}
