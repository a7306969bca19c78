//! SIGKILL at random moments during blocks on RocksDB, then reopen: every
//! acknowledged block is there, the block in flight is whole or absent, the
//! records validate, the state equals a replay of the same blocks on a
//! fresh in-memory store, and the next block runs.
//!
//! The child is the `block_writer` example (built by `cargo test` next to
//! this test's binary).
#![cfg(feature = "rocksdb")]

#[path = "../examples/block_writer.rs"]
#[allow(dead_code)]
mod block_writer;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use block_writer::common::*;
use strata_kv::{MemKv, RocksKv};
use strata_runtime::Runtime;

/// How many times the writer is killed.
const KILLS: u32 = 32;

fn writer() -> PathBuf {
    // Examples are built next to the test binaries: target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join("examples").join("block_writer");
    assert!(
        path.exists(),
        "{} is missing: run the tests through cargo test, which builds the examples",
        path.display()
    );
    path
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn blocks_survive_sigkill_whole_or_not_at_all() {
    kill_run(KILLS, None, 0x5eed_1234_abcd_0001);
}

/// Pruning is crash-safe: with a window of 3 blocks, so that nearly every
/// block prunes one, 50 kills; after each, every retained root reads back
/// (the counter as of it is the replay's after that block), the counts
/// equal a recount and no record is left that no count keeps.
#[test]
fn pruning_blocks_survive_sigkill() {
    kill_run(50, Some(3), 0x5eed_1234_abcd_0002);
}

fn kill_run(kills: u32, keep: Option<u64>, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(seed);
    let mut acknowledged = 0u64;
    let started = Instant::now();
    let mut replay = Replay::new();
    // Kills after which the block in flight had reached the store.
    let mut landed = 0u32;
    let keep = keep.map(|k| std::num::NonZeroU64::new(k).unwrap());
    for kill in 0..kills {
        let mut child = Command::new(writer())
            .arg(dir.path())
            .args(keep.map(|k| k.to_string()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Let it acknowledge a few blocks, then kill it a random moment
        // later: often inside a block, sometimes between two.
        let wait_for = 1 + rng.below(4);
        let mut seen = 0;
        for line in lines.by_ref() {
            let line = line.unwrap();
            let n: u64 = line.strip_prefix("block ").unwrap().parse().unwrap();
            assert!(n > acknowledged, "block {n} acknowledged twice");
            acknowledged = n;
            seen += 1;
            if seen == wait_for {
                break;
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(20_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Acknowledgements the child printed before it died.
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("block ").and_then(|n| n.parse().ok()) {
                acknowledged = n;
            }
        }

        let kv = Arc::new(RocksKv::open(dir.path()).unwrap());
        let rt = block_writer::runtime(kv, keep);
        let (counter, _caller) = addresses();
        let value = counter_value(&rt, &counter);
        assert_eq!(
            value % block_writer::INCS_PER_BLOCK,
            0,
            "kill {kill}: a block is partly there ({value} increments)"
        );
        let blocks = (value / block_writer::INCS_PER_BLOCK) as u64;
        assert!(
            blocks == acknowledged || blocks == acknowledged + 1,
            "kill {kill}: {blocks} blocks in the store, {acknowledged} acknowledged"
        );
        landed += u32::from(blocks > acknowledged);
        acknowledged = blocks;
        let account = rt.account(&counter).unwrap().expect("the counter");
        assert_eq!(
            account.state_root,
            replay.root_after(blocks),
            "kill {kill}: the state differs from a replay of {blocks} blocks"
        );
        // The head (the global state root) landed with its block, or not at
        // all: it is the replay's, whose blocks all landed.
        assert_eq!(
            rt.head().unwrap().map(|h| h.state_root),
            replay.rt.head().unwrap().map(|h| h.state_root),
            "kill {kill}: the global state root differs from a replay of {blocks} blocks"
        );
        if let Some(keep) = keep {
            let retained = rt.retained_blocks().unwrap();
            assert!(
                retained.len() as u64 <= keep.get(),
                "kill {kill}: {retained:?}"
            );
            assert_eq!(
                retained.last().map(|b| b.state_root),
                rt.head().unwrap().map(|h| h.state_root)
            );
            for b in retained
                .iter()
                .filter(|b| b.height > 0 && b.height <= blocks)
            {
                let snap = rt.snapshot(b.state_root).unwrap();
                assert_eq!(
                    snap.account(&counter).unwrap().unwrap().state_root,
                    replay.history[b.height as usize - 1],
                    "kill {kill}: the retained root of block {} differs from the replay's",
                    b.height
                );
            }
            let store = rt.check_state_store().unwrap();
            assert_eq!(store.unreferenced, 0, "kill {kill}: records no count keeps");
        }
    }
    assert!(acknowledged >= u64::from(kills), "blocks ran between kills");
    // The next block runs on the recovered store.
    let rt = block_writer::runtime(Arc::new(RocksKv::open(dir.path()).unwrap()), keep);
    let (counter, caller) = addresses();
    let receipts = rt
        .execute_block(
            &block_writer::block(counter, caller),
            block_writer::context(acknowledged + 1),
        )
        .unwrap()
        .receipts;
    assert_eq!(receipts.iter().filter(|r| r.success()).count(), 11);
    eprintln!(
        "{kills} kills ({landed} with the block in flight landed), {acknowledged} blocks, \
         in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The contracts' addresses, as a fresh deploy gives them.
fn addresses() -> (strata_runtime::Address, strata_runtime::Address) {
    let rt = Runtime::new(Arc::new(MemKv::new()));
    block_writer::setup(&rt)
}

/// The same blocks on an in-memory store, advanced as the test goes.
struct Replay {
    rt: Runtime<Arc<MemKv>>,
    counter: strata_runtime::Address,
    caller: strata_runtime::Address,
    blocks: u64,
    /// The counter's state root after each block (index `n - 1`).
    history: Vec<strata_pages::StateRoot>,
}

impl Replay {
    fn new() -> Self {
        let rt = Runtime::new(Arc::new(MemKv::new()));
        let (counter, caller) = block_writer::setup(&rt);
        Replay {
            rt,
            counter,
            caller,
            blocks: 0,
            history: Vec::new(),
        }
    }

    /// The counter's state root after `blocks` blocks.
    fn root_after(&mut self, blocks: u64) -> strata_pages::StateRoot {
        assert!(blocks >= self.blocks, "blocks never go away");
        let txs = block_writer::block(self.counter, self.caller);
        while self.blocks < blocks {
            self.blocks += 1;
            let replayed = self
                .rt
                .execute_block(&txs, block_writer::context(self.blocks))
                .unwrap();
            assert_eq!(replayed.receipts.len(), txs.len());
            let root = self.rt.account(&self.counter).unwrap().unwrap().state_root;
            self.history.push(root);
        }
        self.rt.account(&self.counter).unwrap().unwrap().state_root
    }
}
