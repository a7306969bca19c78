//! The state lifecycle's workloads (issue 16): the store's size over a
//! long run of counter blocks with and without pruning, throughput over
//! that run, and large states (random pages of a 65,536-page contract, the
//! account tree of 100,000 accounts). All on RocksDB without fsync, like
//! the other RocksDB fixtures.

use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata_kv::{KvStore, RocksConfig, RocksKv, WriteBatch, testing::Instrumented};
use strata_primitives::Hash32;
use strata_runtime::{BlockContext, Retention, Runtime, RuntimeConfig, Transaction};
use strata_state::AccountTree;

use crate::runtime::{COUNTER, deploy_on, inc, put_page};

/// The store's size after a number of transactions.
#[derive(Clone, Copy, Debug)]
pub struct SizeAt {
    /// Transactions run so far.
    pub txs: u64,
    /// `rocksdb.estimate-live-data-size` after a full compaction.
    pub live_bytes: u64,
    /// `rocksdb.total-sst-files-size` after a full compaction.
    pub sst_bytes: u64,
}

/// What a long run measured.
#[derive(Clone, Debug)]
pub struct LongRun {
    /// The store's size at each checkpoint.
    pub sizes: Vec<SizeAt>,
    /// Transactions a second over the first `window` transactions.
    pub first_rate: f64,
    /// Transactions a second over the last `window` transactions.
    pub last_rate: f64,
    /// Transactions a second over each stretch of `total / 50`
    /// transactions: (transactions at its end, rate).
    pub rates: Vec<(u64, f64)>,
}

fn rocks(dir: &std::path::Path) -> Arc<RocksKv> {
    Arc::new(RocksKv::open_with(dir, &RocksConfig::with_sync(false)).expect("open RocksDB"))
}

fn runtime<K: KvStore + 'static>(kv: K, retention: Retention) -> Runtime<K> {
    Runtime::builder(kv)
        .config(RuntimeConfig {
            state_retention: retention,
            ..RuntimeConfig::default()
        })
        .build()
        .expect("runtime")
}

/// The default retention, or every block.
pub fn retention(pruned: bool) -> Retention {
    if pruned {
        Retention::default()
    } else {
        Retention::Archive
    }
}

/// `total` increments of one counter in blocks of `block`, on a fresh
/// RocksDB store kept with `retention`; the store is compacted and
/// measured after each of `checkpoints` transactions (outside the timed
/// part), and throughput is taken over the first and the last `window`.
pub fn long_run(
    retention: Retention,
    total: u64,
    block: u64,
    checkpoints: &[u64],
    window: u64,
) -> LongRun {
    let dir = tempfile::tempdir().expect("tempdir");
    let kv = rocks(dir.path());
    let rt = runtime(kv.clone(), retention);
    let c = deploy_on(&rt, wat::parse_str(COUNTER).expect("wat"), 1);
    let txs: Vec<Transaction> = (0..block).map(|_| inc(c)).collect();
    let mut done = 0u64;
    let mut height = 1u64;
    let (mut first, mut last) = (Duration::ZERO, Duration::ZERO);
    let mut sizes = Vec::new();
    let stretch = (total / 50).max(block);
    let (mut rates, mut stretch_time) = (Vec::new(), Duration::ZERO);
    while done < total {
        height += 1;
        let t = Instant::now();
        let r = rt
            .execute_block(
                &txs,
                BlockContext {
                    height,
                    time: height,
                },
            )
            .expect("block");
        let took = t.elapsed();
        debug_assert!(r.receipts.iter().all(|r| r.success()));
        if done < window {
            first += took;
        }
        done += block;
        if done > total.saturating_sub(window) {
            last += took;
        }
        stretch_time += took;
        if done % stretch == 0 {
            rates.push((done, stretch as f64 / stretch_time.as_secs_f64()));
            stretch_time = Duration::ZERO;
        }
        if checkpoints.contains(&done) {
            kv.compact().expect("compact");
            let s = kv.sizes().expect("sizes");
            sizes.push(SizeAt {
                txs: done,
                live_bytes: s.live_data_bytes,
                sst_bytes: s.sst_files_bytes,
            });
        }
    }
    LongRun {
        sizes,
        first_rate: window as f64 / first.as_secs_f64(),
        last_rate: window as f64 / last.as_secs_f64(),
        rates,
    }
}

/// What random writes to a large contract measured.
#[derive(Clone, Copy, Debug)]
pub struct LargeState {
    /// Transactions a second over the measured blocks.
    pub rate: f64,
    /// Bytes written to the store a transaction (keys and values).
    pub bytes_per_tx: f64,
    /// Records written a transaction.
    pub records_per_tx: f64,
}

/// Blocks of `block` writes to random pages of a 65,536-page contract on
/// RocksDB (default retention): `warm` blocks fill the tree, `measured`
/// blocks are timed and counted.
pub fn random_pages(block: usize, warm: usize, measured: usize) -> LargeState {
    let dir = tempfile::tempdir().expect("tempdir");
    let kv = Arc::new(Instrumented::new(rocks(dir.path())));
    let rt = runtime(kv.clone(), Retention::default());
    let c = deploy_on(
        &rt,
        wat::parse_str(crate::runtime::PUT).expect("wat"),
        65_536,
    );
    let mut x = 0x9e37_79b9_u32;
    let mut next_block = |i: usize| -> Vec<Transaction> {
        (0..block)
            .map(|j| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                put_page(c, x % 65_536, (i * block + j) as i64)
            })
            .collect()
    };
    let mut height = 1;
    for i in 0..warm {
        height += 1;
        let _ = rt
            .execute_block(&next_block(i), BlockContext { height, time: 0 })
            .expect("block");
    }
    kv.reset_counts();
    let mut took = Duration::ZERO;
    for i in 0..measured {
        height += 1;
        let txs = next_block(warm + i);
        let t = Instant::now();
        let _ = rt
            .execute_block(&txs, BlockContext { height, time: 0 })
            .expect("block");
        took += t.elapsed();
    }
    let n = (block * measured) as f64;
    LargeState {
        rate: n / took.as_secs_f64(),
        bytes_per_tx: kv.bytes_written() as f64 / n,
        records_per_tx: kv.records_written() as f64 / n,
    }
}

/// The cost of one block's state-root update: `changed` accounts of an
/// account tree of `accounts`, stored in RocksDB, updated and written.
/// Returns the median time of `rounds` updates.
pub fn state_root_update(accounts: u32, changed: u32, rounds: usize) -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    let kv = rocks(dir.path());
    let key = |i: u32| -> Hash32 { strata_primitives::Domain::AccountKey.hash(&i.to_le_bytes()) };
    let value = |i: u32, v: u32| -> Hash32 {
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&i.to_le_bytes());
        b[4..].copy_from_slice(&v.to_le_bytes());
        strata_primitives::Domain::AccountRecord.hash(&b)
    };
    let all: Vec<(Hash32, Hash32)> = (0..accounts).map(|i| (key(i), value(i, 0))).collect();
    let mut tree = AccountTree::open(&*kv, strata_state::EMPTY);
    let mut root = tree.update(&all).expect("update");
    let mut batch = WriteBatch::new();
    let _ = tree.write_into(&mut batch);
    kv.write(batch).expect("write");
    let mut x = 0x1234_5678_u32;
    let mut times = Vec::with_capacity(rounds);
    for round in 1..=rounds as u32 {
        let updates: Vec<(Hash32, Hash32)> = (0..changed)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x % accounts;
                (key(i), value(i, round))
            })
            .collect();
        let t = Instant::now();
        let mut tree = AccountTree::open(&*kv, root);
        root = tree.update(&updates).expect("update");
        let mut batch = WriteBatch::new();
        let _ = tree.write_into(&mut batch);
        kv.write(batch).expect("write");
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// A keep-`n` retention.
pub fn keep(n: u64) -> Retention {
    NonZeroU64::new(n).map_or(Retention::Archive, Retention::Blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_bounds_the_store_and_archive_does_not() {
        // A small run: 60 blocks of 50, a window of 4 blocks.
        let pruned = long_run(keep(4), 3_000, 50, &[500, 3_000], 500);
        let archive = long_run(Retention::Archive, 3_000, 50, &[500, 3_000], 500);
        let grow = |r: &LongRun| r.sizes[1].live_bytes as f64 / r.sizes[0].live_bytes.max(1) as f64;
        assert!(
            grow(&pruned) < 1.5,
            "pruned store grew {:.2}x",
            grow(&pruned)
        );
        assert!(
            grow(&archive) > 2.0,
            "archive store grew only {:.2}x",
            grow(&archive)
        );
        assert!(pruned.first_rate > 0.0 && pruned.last_rate > 0.0);
    }

    #[test]
    fn large_state_and_tree_updates_are_measured() {
        let s = random_pages(50, 1, 1);
        assert!(s.records_per_tx >= 1.0 && s.bytes_per_tx > 100.0, "{s:?}");
        assert!(state_root_update(1_000, 10, 3) > Duration::ZERO);
    }
}
