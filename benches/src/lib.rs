//! # strata-benches: the workloads behind every benchmark
//!
//! Each comparison is a *pair*: an operation through Strata and the closest
//! baseline outside it (raw RocksDB, a `HashMap`, a bare wasmi closure, a
//! minimal raw-wasmi program). The workloads live here, once; the criterion
//! benches (`cargo bench -p strata-benches`, grouped by layer) and the
//! `report` binary (ratios measured side by side in one process) both use
//! them, so the report measures exactly what the benches do.
#![deny(missing_docs)]

pub mod cold;
pub mod engines;
pub mod host_fns;
pub mod kv;
pub mod lifecycle;
pub mod maps;
pub mod pages;
pub mod plots;
pub mod readme;
pub mod runtime;
pub mod slices;
pub mod virt;

/// One side of a comparison: runs a few operations and says how many.
pub type Side = Box<dyn FnMut() -> u64>;

/// What a pair's ratio (ours over baseline) should be.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The ratio must be at most this.
    AtMost(f64),
    /// Reported, with no target (a speed-up or a rate).
    Report,
}

/// A comparison of Strata against a baseline, measured side by side.
pub struct Pair {
    /// What is compared.
    pub name: &'static str,
    /// The Strata side.
    pub ours: Side,
    /// The baseline side.
    pub base: Side,
    /// The target for ours / base.
    pub target: Target,
}

/// A raw RocksDB database in `dir`, opened with the options `RocksKv` uses,
/// and write options without fsync (as the Strata side runs in the
/// benchmarks).
pub fn raw_rocksdb(dir: &std::path::Path) -> (rocksdb::DB, rocksdb::WriteOptions) {
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.set_max_open_files(512);
    // RocksKv's default table options: a Bloom filter of 10 bits a key.
    let mut table = rocksdb::BlockBasedOptions::default();
    table.set_bloom_filter(10.0, false);
    opts.set_block_based_table_factory(&table);
    // And its memtable's filter of whole keys.
    opts.set_memtable_prefix_bloom_ratio(0.02);
    opts.set_memtable_whole_key_filtering(true);
    let db = rocksdb::DB::open(&opts, dir).expect("open raw RocksDB");
    let mut write = rocksdb::WriteOptions::default();
    write.set_sync(false);
    (db, write)
}
