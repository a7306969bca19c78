//! RocksKv next to raw RocksDB calls with the same options.

use strata_kv::{KvStore, Namespace, RocksConfig, RocksKv, WriteBatch};

const NS: Namespace = Namespace::new(1);
/// Records preloaded into both stores.
pub const KEYS: usize = 10_000;
/// Puts per batch.
pub const BATCH: usize = 100;
const VALUE: usize = 100;

/// RocksKv and a raw RocksDB database, each in its own temporary directory,
/// preloaded with the same records.
pub struct KvFixture {
    /// Ours.
    pub ours: RocksKv,
    /// Raw RocksDB.
    pub raw: rocksdb::DB,
    raw_write: rocksdb::WriteOptions,
    keys: Vec<[u8; 16]>,
    next: usize,
    round: u64,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn key(i: usize) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&(i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    k[8..].copy_from_slice(&(i as u64).to_be_bytes());
    k
}

impl KvFixture {
    /// Both stores, preloaded.
    pub fn new() -> Self {
        let (d1, d2) = (
            tempfile::tempdir().expect("tempdir"),
            tempfile::tempdir().expect("tempdir"),
        );
        let ours = RocksKv::open_with(d1.path(), &RocksConfig::with_sync(false)).expect("open");
        let (raw, raw_write) = crate::raw_rocksdb(d2.path());
        let keys: Vec<[u8; 16]> = (0..KEYS).map(key).collect();
        let mut b = WriteBatch::new();
        let mut rb = rocksdb::WriteBatch::default();
        for k in &keys {
            b.put(NS, k, vec![7u8; VALUE]);
            rb.put(k, [7u8; VALUE]);
        }
        ours.write(b).expect("preload");
        raw.write_opt(rb, &raw_write).expect("preload raw");
        KvFixture {
            ours,
            raw,
            raw_write,
            keys,
            next: 0,
            round: 0,
            _dirs: (d1, d2),
        }
    }

    fn next_key(&mut self) -> [u8; 16] {
        self.next = (self.next + 7919) % self.keys.len();
        self.keys[self.next]
    }

    /// One get through RocksKv.
    pub fn ours_get(&mut self) -> usize {
        let k = self.next_key();
        self.ours.get(NS, &k).ok().flatten().map_or(0, |v| v.len())
    }

    /// One get through raw RocksDB.
    pub fn raw_get(&mut self) -> usize {
        let k = self.next_key();
        self.raw.get(k).ok().flatten().map_or(0, |v| v.len())
    }

    /// One batch of [`BATCH`] puts through RocksKv.
    pub fn ours_batch(&mut self) {
        self.round += 1;
        let mut b = WriteBatch::with_capacity(BATCH);
        for i in 0..BATCH {
            b.put(
                NS,
                key(KEYS + i),
                self.round.to_le_bytes().repeat(VALUE / 8),
            );
        }
        self.ours.write(b).expect("write");
    }

    /// The same batch through raw RocksDB.
    pub fn raw_batch(&mut self) {
        self.round += 1;
        let mut rb = rocksdb::WriteBatch::default();
        for i in 0..BATCH {
            rb.put(key(KEYS + i), self.round.to_le_bytes().repeat(VALUE / 8));
        }
        self.raw.write_opt(rb, &self.raw_write).expect("write raw");
    }
}

impl Default for KvFixture {
    fn default() -> Self {
        Self::new()
    }
}

/// Records in each store of [`AbsentGets`].
pub const ABSENT_RECORDS: u32 = 200_000;

/// Two RocksKv stores of [`ABSENT_RECORDS`] content-addressed records
/// (32-byte hash keys), written in flushed batches so that they sit in
/// table files, not the memtable: one with the default Bloom filter, one
/// without. Gets of keys neither holds, as the runtime makes for the count
/// of each record a block creates.
pub struct AbsentGets {
    with: RocksKv,
    without: RocksKv,
    next: u64,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Default for AbsentGets {
    fn default() -> Self {
        Self::new()
    }
}

impl AbsentGets {
    /// Both stores, filled and flushed.
    pub fn new() -> Self {
        let open = |bloom_bits_per_key| {
            let dir = tempfile::tempdir().expect("tempdir");
            let config = RocksConfig {
                bloom_bits_per_key,
                ..RocksConfig::with_sync(false)
            };
            let kv = RocksKv::open_with(dir.path(), &config).expect("open");
            for part in 0..8u32 {
                let mut b = WriteBatch::new();
                for i in 0..ABSENT_RECORDS / 8 {
                    let n = part * (ABSENT_RECORDS / 8) + i;
                    b.put(NS, blake3::hash(&n.to_le_bytes()).as_bytes(), vec![7u8; 32]);
                }
                kv.write(b).expect("fill");
                kv.flush().expect("flush");
            }
            (kv, dir)
        };
        let (with, d1) = open(RocksConfig::default().bloom_bits_per_key);
        let (without, d2) = open(0);
        AbsentGets {
            with,
            without,
            next: 0,
            _dirs: (d1, d2),
        }
    }

    fn next_key(&mut self) -> [u8; 32] {
        self.next += 1;
        *blake3::hash(&(u64::MAX - self.next).to_le_bytes()).as_bytes()
    }

    /// One get of an absent key, with the Bloom filter.
    pub fn with_filter(&mut self) -> bool {
        let k = self.next_key();
        self.with.get(NS, &k).ok().flatten().is_some()
    }

    /// One get of an absent key, without it.
    pub fn without_filter(&mut self) -> bool {
        let k = self.next_key();
        self.without.get(NS, &k).ok().flatten().is_some()
    }
}
