//! Page-store workloads: commits of small and large contracts, page reads,
//! and a 1,000-page commit next to a raw RocksDB write batch.

use std::sync::Arc;

use strata_kv::{MemKv, RocksConfig, RocksKv};
use strata_pages::{PAGE_SIZE, PageCache, PageCacheConfig};

/// A contract whose tree is populated, with one page rewritten and committed
/// per operation (in-memory store).
pub struct CommitOne {
    cache: PageCache<Arc<MemKv>>,
    page: u32,
    round: u8,
}

impl CommitOne {
    /// A contract of `pages` pages with up to 1,024 of them written (spread
    /// out), its paths warm.
    pub fn new(pages: u32) -> Self {
        let kv = Arc::new(MemKv::new());
        let mut cache = PageCache::create(kv, pages, PageCacheConfig::default());
        let step = (pages / 1024).max(1);
        for i in (0..pages).step_by(step as usize) {
            if let Ok(p) = cache.page_mut(i) {
                p[..4].copy_from_slice(&i.to_le_bytes());
            }
        }
        cache.commit_and_apply().expect("populate");
        let page = pages / 2 + 1;
        let mut me = CommitOne {
            cache,
            page: page.min(pages - 1),
            round: 0,
        };
        me.run();
        me
    }

    /// Rewrites one byte of one page and commits.
    pub fn run(&mut self) {
        self.round = self.round.wrapping_add(1);
        if let Ok(p) = self.cache.page_mut(self.page) {
            p[100] = self.round;
        }
        self.cache.commit_and_apply().expect("commit");
    }
}

/// Page reads from the cache (hit) and from the store (miss).
pub struct PageRead {
    hot: PageCache<Arc<MemKv>>,
    cold: PageCache<Arc<MemKv>>,
    flip: u32,
}

impl Default for PageRead {
    fn default() -> Self {
        Self::new()
    }
}

impl PageRead {
    /// A 64-page contract, read through a large and a one-page cache.
    pub fn new() -> Self {
        let kv = Arc::new(MemKv::new());
        let mut c = PageCache::create(kv.clone(), 64, PageCacheConfig::default());
        for i in 0..64u32 {
            if let Ok(p) = c.page_mut(i) {
                p[0] = i as u8 + 1;
            }
        }
        let root = c.commit_and_apply().expect("commit");
        let mut hot = PageCache::open(kv.clone(), root, PageCacheConfig::default()).expect("open");
        let mut cold = PageCache::open(kv, root, PageCacheConfig::with_capacity(1)).expect("open");
        let _ = hot.page(3);
        let _ = cold.page(1);
        let _ = cold.page(2);
        PageRead { hot, cold, flip: 0 }
    }

    /// A read of a cached page.
    pub fn hit(&mut self) -> u8 {
        self.hot.page(3).map_or(0, |p| p[0])
    }

    /// A read that misses the one-page cache (alternating two pages): a kv
    /// get and a hash check.
    pub fn miss(&mut self) -> u8 {
        self.flip ^= 1;
        self.cold.page(1 + self.flip).map_or(0, |p| p[0])
    }
}

/// 1,000 dirty pages committed to RocksDB, next to a raw write batch of the
/// same page bytes.
pub struct CommitThousand {
    cache: PageCache<Arc<RocksKv>>,
    raw: rocksdb::DB,
    raw_write: rocksdb::WriteOptions,
    round: u64,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// Pages per commit.
pub const DIRTY: u32 = 1_000;

impl Default for CommitThousand {
    fn default() -> Self {
        Self::new()
    }
}

impl CommitThousand {
    /// A 1,024-page contract on RocksDB and a raw RocksDB database.
    pub fn new() -> Self {
        let (d1, d2) = (
            tempfile::tempdir().expect("tempdir"),
            tempfile::tempdir().expect("tempdir"),
        );
        let kv =
            Arc::new(RocksKv::open_with(d1.path(), &RocksConfig::with_sync(false)).expect("open"));
        let cache = PageCache::create(kv, 1024, PageCacheConfig::with_capacity(2048));
        let (raw, raw_write) = crate::raw_rocksdb(d2.path());
        CommitThousand {
            cache,
            raw,
            raw_write,
            round: 0,
            _dirs: (d1, d2),
        }
    }

    /// A full page (no trailing zeros, so that the page store writes all of
    /// it, as the raw side does).
    fn page(round: u64, i: u32) -> [u8; PAGE_SIZE] {
        let mut p = [0x5Au8; PAGE_SIZE];
        p[..8].copy_from_slice(&round.to_le_bytes());
        p[8..12].copy_from_slice(&i.to_le_bytes());
        p
    }

    /// Rewrites 1,000 pages and commits them through the page cache.
    pub fn ours(&mut self) {
        self.round += 1;
        for i in 0..DIRTY {
            if let Ok(p) = self.cache.page_mut(i) {
                *p = Self::page(self.round, i);
            }
        }
        self.cache.commit_and_apply().expect("commit");
    }

    /// The same 1,000 pages' bytes in one raw RocksDB write batch, keyed by
    /// their 32-byte hashes.
    pub fn raw(&mut self) {
        self.round += 1;
        let mut rb = rocksdb::WriteBatch::default();
        for i in 0..DIRTY {
            let p = Self::page(self.round, i);
            let key = blake3::hash(&p);
            rb.put(key.as_bytes(), p);
        }
        self.raw.write_opt(rb, &self.raw_write).expect("write raw");
    }
}
