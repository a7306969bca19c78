//! The benchmark report: every comparison pair measured side by side in one
//! process, the two sides alternating, and one table of medians, ratios and
//! targets.
//!
//!     cargo run --profile bench -p strata-benches --bin report [-- --quick]
//!     cargo run --profile bench -p strata-benches --bin report -- --readme README.md
//!
//! With `--readme`, the tables also replace the README's generated part
//! (between `strata_benches::readme::BEGIN` and `END`), dated, so the
//! README's numbers are always one run's.

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Parser;
use strata_benches::{
    Pair, Side, Target, engines, host_fns, kv, maps, pages, runtime, slices, virt,
};
use strata_runtime::WasmEngine;

#[derive(Parser)]
#[command(about = "Strata's benchmark report: ratios measured side by side.")]
struct Args {
    /// A quick run (under 30 seconds), less precise.
    #[arg(long)]
    quick: bool,
    /// Only the pairs whose name contains this.
    #[arg(long)]
    only: Option<String>,
    /// Also write the tables into this README, between its report markers
    /// (only a full run: not with `--quick` or `--only`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["quick", "only"])]
    readme: Option<std::path::PathBuf>,
    /// Internal: measure peak memory of a block in this (child) process.
    #[arg(long, hide = true)]
    child: Option<String>,
}

struct Budget {
    sample: Duration,
    rounds: usize,
    block_runs: usize,
}

fn sample(side: &mut Side, reps: u64) -> f64 {
    let start = Instant::now();
    let mut ops = 0;
    for _ in 0..reps {
        ops += side();
    }
    start.elapsed().as_nanos() as f64 / ops.max(1) as f64
}

/// How many calls of `side` make one sample of about `target`.
fn calibrate(side: &mut Side, target: Duration) -> u64 {
    let mut reps = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..reps {
            side();
        }
        let took = start.elapsed();
        if took >= target / 2 || reps >= 1 << 24 {
            let per = took.as_nanos().max(1) as f64 / reps as f64;
            return ((target.as_nanos() as f64 / per) as u64).max(1);
        }
        reps *= 4;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

struct Row {
    name: String,
    ours: String,
    base: String,
    ratio: String,
    target: String,
    met: &'static str,
    /// ratio / target, for a pair with a target.
    over_target: Option<f64>,
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

fn measure(mut pair: Pair, budget: &Budget) -> Row {
    let (ra, rb) = (
        calibrate(&mut pair.ours, budget.sample),
        calibrate(&mut pair.base, budget.sample),
    );
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..budget.rounds {
        if round % 2 == 0 {
            a.push(sample(&mut pair.ours, ra));
            b.push(sample(&mut pair.base, rb));
        } else {
            b.push(sample(&mut pair.base, rb));
            a.push(sample(&mut pair.ours, ra));
        }
    }
    let (ma, mb) = (median(a), median(b));
    let ratio = ma / mb;
    let (target, met, over_target) = match pair.target {
        Target::AtMost(t) => (
            format!("<= {t}"),
            if ratio <= t { "yes" } else { "NO" },
            Some(ratio / t),
        ),
        Target::Report => ("report".into(), "-", None),
    };
    Row {
        name: pair.name.into(),
        ours: human(ma),
        base: human(mb),
        ratio: format!("{ratio:.2}"),
        target,
        met,
        over_target,
    }
}

/// This process's peak resident set, in KiB: `VmHWM` from
/// `/proc/self/status`. (Not `getrusage`: Linux carries its high-water mark
/// across `exec`, so a child would report its parent's peak.)
fn maxrss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(-1)
}

fn child(which: &str) {
    let before;
    let after;
    match which {
        "peak-mem" => {
            let bench = runtime::counter_mem();
            before = maxrss_kib();
            runtime::block(&bench, 10_000);
            after = maxrss_kib();
        }
        _ => {
            let (bench, _dir) = runtime::counter_rocks();
            before = maxrss_kib();
            runtime::block(&bench, 10_000);
            after = maxrss_kib();
        }
    }
    println!("{before} {after}");
}

fn peak(which: &str) -> Option<(i64, i64)> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .args(["--child", which])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|s| s.parse::<i64>().ok());
    Some((it.next()??, it.next()??))
}

fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn main() {
    let args = Args::parse();
    if let Some(which) = &args.child {
        child(which);
        return;
    }
    let budget = if args.quick {
        Budget {
            sample: Duration::from_millis(3),
            rounds: 7,
            block_runs: 1,
        }
    } else {
        Budget {
            sample: Duration::from_millis(20),
            rounds: 31,
            block_runs: 3,
        }
    };
    let started = Instant::now();
    let wanted = |name: &str| args.only.as_deref().is_none_or(|o| name.contains(o));
    let mut rows = Vec::new();
    // Each pair is named before its fixture is built, so `--only` skips
    // the set-up of the others.
    let run = |name: &str, make: &dyn Fn() -> Pair, rows: &mut Vec<Row>| {
        if !wanted(name) {
            return;
        }
        let pair = make();
        eprint!("measuring {} ... ", pair.name);
        let _ = std::io::stderr().flush();
        let row = measure(pair, &budget);
        eprintln!("{}", row.ratio);
        rows.push(row);
    };

    run(
        "RocksKv get vs raw rocksdb get",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(kv::KvFixture::new()));
            let g = f.clone();
            Pair {
                name: "RocksKv get vs raw rocksdb get",
                ours: Box::new(move || {
                    f.borrow_mut().ours_get();
                    1
                }),
                base: Box::new(move || {
                    g.borrow_mut().raw_get();
                    1
                }),
                target: Target::AtMost(1.1),
            }
        },
        &mut rows,
    );
    run(
        "RocksKv get of an absent key, 200,000 records in table files: Bloom filter vs none",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(kv::AbsentGets::new()));
            let g = f.clone();
            Pair {
                name: "RocksKv get of an absent key, 200,000 records in table files: Bloom filter vs none",
                // Each side counts one get (none finds its key).
                ours: Box::new(move || {
                    std::hint::black_box(f.borrow_mut().with_filter());
                    1
                }),
                base: Box::new(move || {
                    std::hint::black_box(g.borrow_mut().without_filter());
                    1
                }),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "RocksKv batch write (100 puts) vs raw WriteBatch",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(kv::KvFixture::new()));
            let g = f.clone();
            Pair {
                name: "RocksKv batch write (100 puts) vs raw WriteBatch",
                ours: Box::new(move || {
                    f.borrow_mut().ours_batch();
                    1
                }),
                base: Box::new(move || {
                    g.borrow_mut().raw_batch();
                    1
                }),
                target: Target::AtMost(1.1),
            }
        },
        &mut rows,
    );
    run(
        "token transfer: Rust (strata-sdk) vs WAT token, MemKv",
        &|| {
            let mut rust = runtime::TokenTx::rust();
            let mut wat = runtime::TokenTx::wat();
            Pair {
                name: "token transfer: Rust (strata-sdk) vs WAT token, MemKv",
                ours: Box::new(move || {
                    rust.run();
                    1
                }),
                base: Box::new(move || {
                    wat.run();
                    1
                }),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "token transfer, Rust (strata-sdk): instance reused vs instantiated afresh, MemKv",
        &|| {
            let mut reused = runtime::TokenTx::rust();
            let mut fresh = runtime::TokenTx::rust_fresh();
            Pair {
                name: "token transfer, Rust (strata-sdk): instance reused vs instantiated afresh, MemKv",
                ours: Box::new(move || {
                    reused.run();
                    1
                }),
                base: Box::new(move || {
                    fresh.run();
                    1
                }),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "commit 1 dirty page: 65,536-page vs 16-page contract",
        &|| {
            let mut large = pages::CommitOne::new(65_536);
            let mut small = pages::CommitOne::new(16);
            Pair {
                name: "commit 1 dirty page: 65,536-page vs 16-page contract",
                ours: Box::new(move || {
                    large.run();
                    1
                }),
                base: Box::new(move || {
                    small.run();
                    1
                }),
                target: Target::AtMost(2.0),
            }
        },
        &mut rows,
    );
    run(
        "RocksDB commit of 1,000 pages vs raw WriteBatch of the same bytes",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(pages::CommitThousand::new()));
            let g = f.clone();
            Pair {
                name: "RocksDB commit of 1,000 pages vs raw WriteBatch of the same bytes",
                ours: Box::new(move || {
                    f.borrow_mut().ours();
                    1
                }),
                base: Box::new(move || {
                    g.borrow_mut().raw();
                    1
                }),
                target: Target::AtMost(1.3),
            }
        },
        &mut rows,
    );
    run(
        "page read: cache miss (MemKv) vs cache hit",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(pages::PageRead::new()));
            let g = f.clone();
            Pair {
                name: "page read: cache miss (MemKv) vs cache hit",
                ours: Box::new(move || {
                    f.borrow_mut().miss();
                    1
                }),
                base: Box::new(move || {
                    g.borrow_mut().hit();
                    1
                }),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "hot 32-byte slice read vs HashMap lookup + copy",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(slices::HotSlice::new()));
            let g = f.clone();
            Pair {
                name: "hot 32-byte slice read vs HashMap lookup + copy",
                ours: Box::new(move || {
                    f.borrow_mut().ours();
                    1
                }),
                base: Box::new(move || {
                    g.borrow_mut().base();
                    1
                }),
                target: Target::AtMost(2.0),
            }
        },
        &mut rows,
    );
    run(
        "register set+get vs hot slice read (scale)",
        &|| {
            let mut r = slices::RegisterPair::default();
            let mut h = slices::HotSlice::new();
            Pair {
                name: "register set+get vs hot slice read (scale)",
                ours: Box::new(move || {
                    r.run();
                    1
                }),
                base: Box::new(move || {
                    h.ours();
                    1
                }),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "trivial host call (reg_read_be_i64) via table vs bare func_wrap",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(host_fns::HostCall::new()));
            let g = f.clone();
            Pair {
                name: "trivial host call (reg_read_be_i64) via table vs bare func_wrap",
                ours: Box::new(move || f.borrow_mut().ours()),
                base: Box::new(move || g.borrow_mut().base()),
                target: Target::AtMost(1.2),
            }
        },
        &mut rows,
    );
    run(virt::PAIR_NAME, &virt::pair, &mut rows);
    run(
        "counter tx via runtime (MemKv, warm, archive) vs minimal raw wasmi + HashMap",
        &|| {
            let mut ours = runtime::counter_mem_archive();
            let mut raw = runtime::RawCounter::map();
            Pair {
                name: "counter tx via runtime (MemKv, warm, archive) vs minimal raw wasmi + HashMap",
                ours: Box::new(move || ours.run()),
                base: Box::new(move || raw.run()),
                // Issue 6's 1.5x is withdrawn (issue 22): the floor pairs carry the targets.
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "minimal raw wasmi + HashMap: one instance reused, its 64 KiB reset vs a fresh instance",
        &|| {
            let mut reused = runtime::RawCounter::reused(runtime::RawStore::Map(
                std::collections::HashMap::new(),
            ));
            let mut fresh = runtime::RawCounter::map();
            Pair {
                name: "minimal raw wasmi + HashMap: one instance reused, its 64 KiB reset vs a fresh instance",
                ours: Box::new(move || reused.run()),
                base: Box::new(move || fresh.run()),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "block of 1,000 counter txs (MemKv): instances reused vs instantiated afresh",
        &|| {
            let reused = runtime::counter_mem();
            let fresh = runtime::counter_mem_fresh();
            Pair {
                name: "block of 1,000 counter txs (MemKv): instances reused vs instantiated afresh",
                ours: Box::new(move || runtime::block(&reused, 1_000)),
                base: Box::new(move || runtime::block(&fresh, 1_000)),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "design floor (hash maps) vs minimal raw wasmi + HashMap",
        &|| {
            let mut floor = runtime::DesignFloor::map();
            let mut raw = runtime::RawCounter::map();
            Pair {
                name: "design floor (hash maps) vs minimal raw wasmi + HashMap",
                ours: Box::new(move || floor.run()),
                base: Box::new(move || raw.run()),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "counter tx via runtime (MemKv, warm, archive) vs design floor (hash maps)",
        &|| {
            let mut ours = runtime::counter_mem_archive();
            let mut floor = runtime::DesignFloor::map();
            Pair {
                name: "counter tx via runtime (MemKv, warm, archive) vs design floor (hash maps)",
                ours: Box::new(move || ours.run()),
                base: Box::new(move || floor.run()),
                target: Target::AtMost(1.25),
            }
        },
        &mut rows,
    );
    run(
        "counter tx: C API (strata_call) vs Rust API (Runtime::execute), MemKv",
        &|| {
            // Both sides deploy the same counter on a fresh in-memory
            // runtime; the C side goes through the exported functions
            // (parameters struct, receipt handle, one accessor, free).
            let mut capi = strata_capi::bench::CapiCounter::new();
            let mut rust = strata_capi::bench::RustCounter::new();
            Pair {
                name: "counter tx: C API (strata_call) vs Rust API (Runtime::execute), MemKv",
                ours: Box::new(move || {
                    capi.call();
                    1
                }),
                base: Box::new(move || {
                    rust.run();
                    1
                }),
                target: Target::AtMost(1.1),
            }
        },
        &mut rows,
    );
    run(
        "counter tx via runtime (RocksDB, warm, archive) vs raw wasmi + raw RocksDB",
        &|| {
            let (mut ours, dir) = runtime::counter_rocks_with(strata_runtime::Retention::Archive);
            let mut raw = runtime::RawCounter::rocks();
            Pair {
                name: "counter tx via runtime (RocksDB, warm, archive) vs raw wasmi + raw RocksDB",
                ours: Box::new(move || {
                    let _keep = &dir;
                    ours.run()
                }),
                base: Box::new(move || raw.run()),
                // Issue 6's 1.5x is withdrawn (issue 22): the floor pairs carry the targets.
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "design floor (RocksDB) vs raw wasmi + raw RocksDB",
        &|| {
            let mut floor = runtime::DesignFloor::rocks();
            let mut raw = runtime::RawCounter::rocks();
            Pair {
                name: "design floor (RocksDB) vs raw wasmi + raw RocksDB",
                ours: Box::new(move || floor.run()),
                base: Box::new(move || raw.run()),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "counter tx via runtime (RocksDB, warm, archive) vs design floor (RocksDB)",
        &|| {
            let (mut ours, dir) = runtime::counter_rocks_with(strata_runtime::Retention::Archive);
            let mut floor = runtime::DesignFloor::rocks();
            Pair {
                name: "counter tx via runtime (RocksDB, warm, archive) vs design floor (RocksDB)",
                ours: Box::new(move || {
                    let _keep = &dir;
                    ours.run()
                }),
                base: Box::new(move || floor.run()),
                target: Target::AtMost(1.15),
            }
        },
        &mut rows,
    );
    run(
        "cold call of 1 function in a 2,000-function contract: lazy vs eager",
        &|| {
            let f = std::rc::Rc::new(std::cell::RefCell::new(runtime::ColdCall::new(2_000)));
            let g = f.clone();
            Pair {
                name: "cold call of 1 function in a 2,000-function contract: lazy vs eager",
                ours: Box::new(move || f.borrow_mut().lazy()),
                base: Box::new(move || g.borrow_mut().eager()),
                target: Target::Report,
            }
        },
        &mut rows,
    );

    for (name, rocks) in [
        (
            "counter tx, keep the last 128 blocks vs archive (MemKv)",
            false,
        ),
        (
            "counter tx, keep the last 128 blocks vs archive (RocksDB)",
            true,
        ),
    ] {
        run(
            name,
            &|| {
                use strata_runtime::Retention;
                let (ours, base, dirs): (Side, Side, Vec<tempfile::TempDir>) = if rocks {
                    let (a, da) = runtime::counter_rocks_with(Retention::default());
                    let (b, db) = runtime::counter_rocks_with(Retention::Archive);
                    let (mut a, mut b) = (a, b);
                    (
                        Box::new(move || a.run()),
                        Box::new(move || b.run()),
                        vec![da, db],
                    )
                } else {
                    let mut a = runtime::CounterTx::with_retention(
                        std::sync::Arc::new(strata_kv::MemKv::new()),
                        Retention::default(),
                    );
                    let mut b = runtime::CounterTx::with_retention(
                        std::sync::Arc::new(strata_kv::MemKv::new()),
                        Retention::Archive,
                    );
                    (Box::new(move || a.run()), Box::new(move || b.run()), vec![])
                };
                // The stores' directories live as long as the pair.
                let keep = std::rc::Rc::new(dirs);
                let mut ours = ours;
                Pair {
                    name,
                    ours: Box::new(move || {
                        let _ = &keep;
                        ours()
                    }),
                    base,
                    target: Target::Report,
                }
            },
            &mut rows,
        );
    }

    // Cold start on a contract shaped like compiled code (issue 22).
    let cold_fixture: std::cell::OnceCell<std::rc::Rc<strata_benches::cold::ColdStart>> =
        std::cell::OnceCell::new();
    let cold = || {
        cold_fixture
            .get_or_init(|| std::rc::Rc::new(strata_benches::cold::ColdStart::new(5_000)))
            .clone()
    };
    for (name, ours_eager, base_strata, base_eager, target) in [
        (
            "cold call, 1 MB compiled-shaped contract: Strata vs wasmi alone (lazy)",
            false,
            false,
            false,
            Target::AtMost(1.2),
        ),
        (
            "cold call, 1 MB compiled-shaped contract: Strata vs wasmi alone (eager)",
            true,
            false,
            true,
            Target::Report,
        ),
        (
            "cold call, 1 MB compiled-shaped contract: Strata lazy vs eager",
            false,
            true,
            true,
            Target::Report,
        ),
        (
            "cold call, 1 MB compiled-shaped contract: wasmi alone lazy vs eager",
            false,
            false,
            true,
            Target::Report,
        ),
    ] {
        let strata_ours = !name.contains("wasmi alone lazy");
        run(
            name,
            &|| {
                let (a, b) = (cold(), cold());
                Pair {
                    name,
                    ours: Box::new(move || {
                        std::hint::black_box(if strata_ours {
                            a.strata(ours_eager)
                        } else {
                            a.wasmi(ours_eager)
                        });
                        1
                    }),
                    base: Box::new(move || {
                        std::hint::black_box(if base_strata {
                            b.strata(base_eager)
                        } else {
                            b.wasmi(base_eager)
                        });
                        1
                    }),
                    target,
                }
            },
            &mut rows,
        );
    }

    // The second engine (wasmtime) next to the first (wasmi): ours is
    // wasmtime, the baseline wasmi, so a ratio under 1 is wasmtime's win.
    run(
        "compute: hash loop (250,000 rounds, ~6.75M instructions): wasmtime vs wasmi",
        &|| {
            let mut ours = engines::Compute::hash(WasmEngine::Wasmtime, engines::HASH_ROUNDS);
            let mut base = engines::Compute::hash(WasmEngine::Wasmi, engines::HASH_ROUNDS);
            Pair {
                name: "compute: hash loop (250,000 rounds, ~6.75M instructions): wasmtime vs wasmi",
                ours: Box::new(move || ours.run()),
                base: Box::new(move || base.run()),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "compute: insertion sort of 1,000 i32 (~5M instructions): wasmtime vs wasmi",
        &|| {
            let mut ours = engines::Compute::sort(WasmEngine::Wasmtime, engines::SORT_LEN);
            let mut base = engines::Compute::sort(WasmEngine::Wasmi, engines::SORT_LEN);
            Pair {
                name: "compute: insertion sort of 1,000 i32 (~5M instructions): wasmtime vs wasmi",
                ours: Box::new(move || ours.run()),
                base: Box::new(move || base.run()),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "counter tx (MemKv, warm): wasmtime vs wasmi",
        &|| {
            let wasm = || wat::parse_str(runtime::COUNTER).expect("wat");
            let mut ours = engines::EngineTx::new(WasmEngine::Wasmtime, wasm(), "inc");
            let mut base = engines::EngineTx::new(WasmEngine::Wasmi, wasm(), "inc");
            Pair {
                name: "counter tx (MemKv, warm): wasmtime vs wasmi",
                ours: Box::new(move || ours.run()),
                base: Box::new(move || base.run()),
                target: Target::Report,
            }
        },
        &mut rows,
    );
    run(
        "cold call of a 1 MiB contract: wasmtime (compiles it all) vs wasmi (lazy)",
        &|| {
            let mut ours = engines::ColdCompile::new(WasmEngine::Wasmtime, 1024);
            let mut base = engines::ColdCompile::new(WasmEngine::Wasmi, 1024);
            Pair {
                name: "cold call of a 1 MiB contract: wasmtime (compiles it all) vs wasmi (lazy)",
                ours: Box::new(move || ours.run()),
                base: Box::new(move || base.run()),
                target: Target::Report,
            }
        },
        &mut rows,
    );

    let mut extra = Vec::new();
    if wanted("block") {
        for (name, which) in [("MemKv", "mem"), ("RocksDB", "rocks")] {
            eprint!("measuring block of 10,000 counter txs ({name}) ... ");
            let mut rates = Vec::new();
            for _ in 0..budget.block_runs {
                let secs = if which == "mem" {
                    let b = runtime::counter_mem();
                    let t = Instant::now();
                    runtime::block(&b, 10_000);
                    t.elapsed().as_secs_f64()
                } else {
                    let (b, _dir) = runtime::counter_rocks();
                    let t = Instant::now();
                    runtime::block(&b, 10_000);
                    t.elapsed().as_secs_f64()
                };
                rates.push(10_000.0 / secs);
            }
            let rate = median(rates);
            eprintln!("{rate:.0} tx/s");
            // Issue 22's targets, on one core.
            let target = if which == "mem" { 500_000.0 } else { 400_000.0 };
            extra.push(format!(
                "| block of 10,000 counter txs ({name}) | {rate:.0} tx/s (target at least {target:.0}: {}) |",
                if rate >= target { "met" } else { "missed" }
            ));
        }
        for (name, which) in [("MemKv", "peak-mem"), ("RocksDB", "peak-rocks")] {
            match peak(which) {
                Some((before, after)) => {
                    let per_tx = (after - before) as f64 / 10_000.0;
                    extra.push(format!(
                        "| peak RSS, 10,000-tx block ({name}) | {:.1} MiB (before the block: {:.1} MiB): {per_tx:.2} KiB a transaction (target at most 2 KiB: {}) |",
                        after as f64 / 1024.0,
                        before as f64 / 1024.0,
                        if per_tx <= 2.0 { "met" } else { "missed" }
                    ))
                }
                None => extra.push(format!(
                    "| peak RSS, 10,000-tx block ({name}) | could not measure |"
                )),
            }
        }
    }

    for (name, ours, base, cold) in [
        (
            "map read vs slice read (hot), MemKv",
            maps::Op::MapRead,
            maps::Op::SliceRead,
            false,
        ),
        (
            "map read vs slice read (cold), MemKv",
            maps::Op::MapRead,
            maps::Op::SliceRead,
            true,
        ),
        (
            "map write vs slice write (hot), MemKv",
            maps::Op::MapWrite,
            maps::Op::SliceWrite,
            false,
        ),
        (
            "map write vs slice write (cold), MemKv",
            maps::Op::MapWrite,
            maps::Op::SliceWrite,
            true,
        ),
    ] {
        run(
            name,
            &|| {
                let mut m =
                    maps::MapOps::new(std::sync::Arc::new(strata_kv::MemKv::new()), ours, cold);
                let mut s =
                    maps::MapOps::new(std::sync::Arc::new(strata_kv::MemKv::new()), base, cold);
                Pair {
                    name,
                    ours: Box::new(move || {
                        m.run();
                        1
                    }),
                    base: Box::new(move || {
                        s.run();
                        1
                    }),
                    target: Target::Report,
                }
            },
            &mut rows,
        );
    }

    if wanted("token") {
        // A quick run mints and transfers a tenth as much.
        let (holders, transfers): (u32, u32) = if args.quick {
            (10_000, 1_000)
        } else {
            (100_000, 10_000)
        };
        // Issue 20's row (many holders, blocks of 1,000) and issue 22's (a
        // block of 10,000 transfers among 1,000 accounts).
        let block_transfers: u32 = if args.quick { 1_000 } else { 10_000 };
        for (holders, transfers, block) in [
            (holders, transfers, 1_000),
            (1_000, block_transfers, block_transfers as usize),
        ] {
            for name in ["MemKv", "RocksDB"] {
                eprint!(
                    "measuring {transfers} map-token transfers among {holders} holders, blocks of {block} ({name}) ... "
                );
                let (rate, bytes, records) = if name == "MemKv" {
                    maps::token_transfers(strata_kv::MemKv::new(), holders, transfers, block)
                } else {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let kv = strata_kv::RocksKv::open(dir.path()).expect("open");
                    maps::token_transfers(kv, holders, transfers, block)
                };
                eprintln!("{rate:.0} tx/s");
                extra.push(format!(
                    "| {transfers} map-token transfers among {holders} holders, blocks of {block} ({name}) | {rate:.0} tx/s, {bytes:.0} bytes and {records:.1} records written a transfer |"
                ));
            }
        }
    }

    if wanted("writes") {
        eprintln!("measuring what a block writes ...");
        for (name, records, bytes) in runtime::block_writes() {
            extra.push(format!(
                "| writes of a block of {name} (MemKv) | {records} records, {bytes} bytes ({:.1} records and {:.0} bytes a transaction) |",
                records as f64 / 1_000.0,
                bytes as f64 / 1_000.0
            ));
        }
    }

    let runs = if wanted("lifecycle") {
        lifecycle_rows(&mut extra, args.quick)
    } else {
        Vec::new()
    };
    if let Some(c) = cold_fixture.get() {
        extra.push(format!(
            "| the compiled-shaped contract of the cold-call rows | {} bytes, 5,000 internal functions, 4 exports, a 64 KiB data segment |",
            c.wasm.len()
        ));
    }

    use std::fmt::Write as _;
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut tables = String::new();
    let _ = writeln!(
        tables,
        "Run of {} (UTC), commit `{}`. Machine: {} logical CPUs, {}. Ratios are ours / baseline, from medians of {} alternating samples of about {} ms each.\n",
        strata_benches::readme::utc_date(today),
        commit(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cpu(),
        budget.rounds,
        budget.sample.as_millis()
    );
    tables.push_str("| pair | ours (median) | baseline (median) | ratio | target | met |\n");
    tables.push_str("|---|---|---|---|---|---|\n");
    for r in &rows {
        let _ = writeln!(
            tables,
            "| {} | {} | {} | {} | {} | {} |",
            r.name, r.ours, r.base, r.ratio, r.target, r.met
        );
    }
    if !extra.is_empty() {
        tables.push_str("\n| measurement | value |\n|---|---|\n");
        for line in extra {
            let _ = writeln!(tables, "{line}");
        }
    }
    println!(
        "## Strata benchmark report{}\n",
        if args.quick { " (quick)" } else { "" }
    );
    print!("{tables}");
    println!("\nTook {:.1} s.", started.elapsed().as_secs_f64());
    if let Some(path) = &args.readme {
        let written = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|readme| {
                strata_benches::readme::splice(&readme, &tables).map_err(|e| e.to_string())
            })
            .and_then(|new| std::fs::write(path, new).map_err(|e| e.to_string()));
        let plots = path
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("docs/plots");
        let written = written.and_then(|()| draw(&plots, &runs, &rows));
        match written {
            Ok(()) => eprintln!(
                "wrote the tables into {} and the plots into {}",
                path.display(),
                plots.display()
            ),
            Err(e) => {
                eprintln!("report: cannot update {}: {e}", path.display());
                std::process::exit(2);
            }
        }
    }
}

/// The commit the run measured (`git rev-parse --short HEAD`), or
/// "unknown" outside a git checkout.
fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The state lifecycle's rows (issue 16): the store's size over a long
/// run with and without pruning, throughput early and late in it, and
/// large states. A quick run does a tenth of the long run.
fn lifecycle_rows(
    extra: &mut Vec<String>,
    quick: bool,
) -> Vec<(String, strata_benches::lifecycle::LongRun)> {
    use strata_benches::lifecycle;
    let scale = if quick { 10 } else { 1 };
    let total = 1_000_000 / scale;
    // Sizes at 10k, then every 100k (the table shows 10k, 100k and the end).
    let mut checkpoints = vec![10_000 / scale];
    checkpoints.extend((1..=10).map(|i| i * 100_000 / scale));
    let shown = [10_000 / scale, 100_000 / scale, total];
    let window = 100_000 / scale;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let mut runs = Vec::new();
    for pruned in [true, false] {
        let label = if pruned { "keep 128 blocks" } else { "archive" };
        eprint!(
            "measuring {total} counter increments in blocks of 1,000 on RocksDB ({label}) ... "
        );
        let r = lifecycle::long_run(
            lifecycle::retention(pruned),
            total,
            1_000,
            &checkpoints,
            window,
        );
        eprintln!("{:.0} then {:.0} tx/s", r.first_rate, r.last_rate);
        for s in r.sizes.iter().filter(|s| shown.contains(&s.txs)) {
            extra.push(format!(
                "| store after {} counter txs, {label} (RocksDB, compacted) | live {:.2} MiB, SST files {:.2} MiB |",
                s.txs,
                mib(s.live_bytes),
                mib(s.sst_bytes)
            ));
        }
        runs.push((label, r));
    }
    for (label, r) in &runs {
        let at = |t: u64| r.sizes.iter().find(|s| s.txs == t);
        if let (Some(mid), Some(end)) = (at(shown[1]), at(shown[2])) {
            let growth = end.sst_bytes as f64 / mid.sst_bytes.max(1) as f64;
            let (target, met) = if *label == "archive" {
                ("reported (grows with history)".to_string(), "-")
            } else {
                (
                    "at most 2x".to_string(),
                    if growth <= 2.0 { "met" } else { "missed" },
                )
            };
            extra.push(format!(
                "| store size at {} over {} txs, {label} | {growth:.2}x (target {target}: {met}) |",
                end.txs, mid.txs
            ));
        }
        let decay = r.last_rate / r.first_rate;
        extra.push(format!(
            "| throughput, last {window} vs first {window} txs, {label} | {:.0} vs {:.0} tx/s = {decay:.2} (target at least 0.85: {}) |",
            r.last_rate,
            r.first_rate,
            if decay >= 0.85 { "met" } else { "missed" }
        ));
    }
    eprint!("measuring random pages of a 65,536-page contract ... ");
    let s = lifecycle::random_pages(1_000, 16 / scale as usize + 1, 8 / scale as usize + 1);
    eprintln!("{:.0} tx/s", s.rate);
    extra.push(format!(
        "| writes to random pages of a 65,536-page contract, blocks of 1,000 (RocksDB) | {:.0} tx/s, {:.0} bytes and {:.1} records written a tx |",
        s.rate, s.bytes_per_tx, s.records_per_tx
    ));
    eprint!("measuring a block's state-root update ... ");
    let t = lifecycle::state_root_update(100_000, 1_000, 9);
    eprintln!("{t:?}");
    extra.push(format!(
        "| one block's state-root update: 1,000 of 100,000 accounts (RocksDB, no node cache) | {:.2} ms |",
        t.as_secs_f64() * 1e3
    ));
    runs.into_iter().map(|(l, r)| (l.to_string(), r)).collect()
}

/// Draws the report's pictures into `dir` (`docs/plots` beside the README).
fn draw(
    dir: &std::path::Path,
    runs: &[(String, strata_benches::lifecycle::LongRun)],
    rows: &[Row],
) -> Result<(), String> {
    use strata_benches::plots;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !runs.is_empty() {
        let rates: Vec<plots::Series> = runs
            .iter()
            .map(|(l, r)| {
                (
                    l.clone(),
                    r.rates.iter().map(|&(t, v)| (t as f64, v)).collect(),
                )
            })
            .collect();
        plots::lines(
            &dir.join("throughput.svg"),
            "counter blocks of 1,000 on RocksDB: throughput over the run",
            "transactions",
            "tx/s",
            &rates,
        )?;
        let sizes: Vec<plots::Series> = runs
            .iter()
            .map(|(l, r)| {
                (
                    l.clone(),
                    r.sizes
                        .iter()
                        .map(|s| (s.txs as f64, s.sst_bytes as f64 / 1024.0))
                        .collect(),
                )
            })
            .collect();
        plots::lines(
            &dir.join("store_size.svg"),
            "the store's size (SST files after compaction) over the run",
            "transactions",
            "KiB",
            &sizes,
        )?;
    }
    let ratios: Vec<(String, f64)> = rows
        .iter()
        .filter_map(|r| r.over_target.map(|o| (r.name.clone(), o)))
        .collect();
    plots::ratios(&dir.join("ratios.svg"), &ratios)
}
