//! Store wrappers for tests: count what reaches the store, and make it fail
//! on demand, to test how a layer above behaves when the disk does not.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bytes::Bytes;

use crate::{KvError, KvStore, Namespace, Visitor, WriteBatch};

/// A [`KvStore`] around another that counts gets and batch writes and, when
/// told to, fails them with [`KvError::Backend`].
#[derive(Debug, Default)]
pub struct Instrumented<K> {
    inner: K,
    gets: AtomicUsize,
    writes: AtomicUsize,
    records: AtomicUsize,
    bytes: AtomicUsize,
    fail_reads: AtomicBool,
    fail_writes: AtomicBool,
}

impl<K: KvStore> Instrumented<K> {
    /// Wraps `inner`.
    pub fn new(inner: K) -> Self {
        Instrumented {
            inner,
            gets: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
            records: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            fail_reads: AtomicBool::new(false),
            fail_writes: AtomicBool::new(false),
        }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &K {
        &self.inner
    }

    /// Gets so far (failed ones included).
    pub fn gets(&self) -> usize {
        self.gets.load(Ordering::SeqCst)
    }

    /// Batch writes so far (failed ones included).
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    /// Operations (puts and deletes) of the batches written so far.
    pub fn records_written(&self) -> usize {
        self.records.load(Ordering::SeqCst)
    }

    /// Key (with its namespace tag) and value bytes of the batches written
    /// so far ([`WriteBatch::payload_bytes`]).
    pub fn bytes_written(&self) -> usize {
        self.bytes.load(Ordering::SeqCst)
    }

    /// Sets every counter back to zero.
    pub fn reset_counts(&self) {
        self.gets.store(0, Ordering::SeqCst);
        self.writes.store(0, Ordering::SeqCst);
        self.records.store(0, Ordering::SeqCst);
        self.bytes.store(0, Ordering::SeqCst);
    }

    /// Makes gets and scans fail (or work again).
    pub fn fail_reads(&self, fail: bool) {
        self.fail_reads.store(fail, Ordering::SeqCst);
    }

    /// Makes batch writes fail, applying nothing (or work again).
    pub fn fail_writes(&self, fail: bool) {
        self.fail_writes.store(fail, Ordering::SeqCst);
    }

    fn injected(op: &'static str) -> KvError {
        KvError::Backend {
            op,
            path: None,
            detail: "injected failure (strata_kv::testing::Instrumented)".into(),
        }
    }
}

impl<K: KvStore> KvStore for Instrumented<K> {
    fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        if self.fail_reads.load(Ordering::SeqCst) {
            return Err(Self::injected("get"));
        }
        self.inner.get(ns, key)
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if self.fail_writes.load(Ordering::SeqCst) {
            return Err(Self::injected("write"));
        }
        self.records.fetch_add(batch.len(), Ordering::SeqCst);
        self.bytes
            .fetch_add(batch.payload_bytes(), Ordering::SeqCst);
        self.inner.write(batch)
    }

    fn write_generation(&self) -> Option<u64> {
        self.inner.write_generation()
    }

    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError> {
        if self.fail_reads.load(Ordering::SeqCst) {
            return Err(Self::injected("scan"));
        }
        self.inner.scan(ns, prefix, visit)
    }
}
