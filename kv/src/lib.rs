//! # strata-kv: the byte store at the bottom of Strata
//!
//! A stateless byte-key, byte-value store with **atomic batch writes**,
//! **ordered prefix scans** and **namespaces**, behind one trait, [`KvStore`],
//! with two backends:
//!
//! - [`MemKv`]: in memory, for tests and throwaway runs; safe to share
//!   between threads.
//! - `RocksKv` (cargo feature `rocksdb`): RocksDB on disk, the embedded
//!   default of the `strata` CLI, with an option for fsync'd writes.
//!
//! Everything above this crate (page store, accounts, code) talks to a
//! `KvStore` and never to a backend, so the backends are interchangeable and
//! one behavioural test suite runs against both.
//!
//! ## Key design decision: namespaces are a one-byte key prefix
//!
//! A [`Namespace`] is a one-byte tag. Every backend keeps one flat keyspace in
//! which a record's stored key is `tag ++ key`. Because the tag has a fixed
//! width, no key of one namespace can ever equal or prefix a key of another,
//! and a scan of one namespace never leaves it. We chose a prefix over RocksDB
//! column families because (1) a batch that spans namespaces is one plain
//! RocksDB `WriteBatch` in one column family, atomic with no cross-family
//! coordination; (2) a new namespace needs no schema change and no reopening;
//! (3) both backends share one key encoding, so behaviour is identical by
//! construction. The cost is one byte per key and no per-namespace tuning.
//!
//! ## A RocksDB store is marked, and read-only opens change nothing
//!
//! `RocksKv` writes one record of its own when it creates a store: the
//! *store marker*, `RocksKv::MARKER_VALUE` (`"strata-kv store, format 1"`)
//! under the **empty** RocksDB key. Every namespaced key is at least its
//! one-byte tag, so no namespace can reach the marker: it is invisible
//! through [`KvStore`], and every tag (0 included; Strata's own layers use 1-3
//! for pages and 16-23 for the runtime, its account tree and its event index, and leave
//! 128-255 to embedders)
//! stays the caller's. Every open checks the marker, so a path that is not a
//! Strata store is refused with [`KvError::NotAStore`] and left exactly as it
//! was: a directory with other files, or a RocksDB database of another
//! program. (A database with no record at all, the trace of a creation
//! killed before its marker was written, is taken over by a writable open.)
//!
//! `RocksKv::open_read_only` creates nothing, writes nothing (RocksDB's info
//! log is dropped) and takes no lock: it works on a full disk, on a
//! read-only file system and next to a process that has the store open for
//! writing, and sees the store as of its open. Its writes return
//! [`KvError::ReadOnly`]. A full disk during a write is
//! [`KvError::NoSpace`]: that batch is not applied, every batch acknowledged
//! before it is kept, and once space is freed a new open writes again
//! (RocksDB stops writing on a handle that hit a full disk).
//!
//! ## Reads without needless copies
//!
//! Values come back as [`Bytes`]: the in-memory backend hands out a
//! reference-counted view of the stored value (no copy at all), and RocksDB
//! copies once out of a pinned slice. Scans stream borrowed slices to a
//! visitor and copy nothing.
//!
//! ```
//! use strata_kv::{KvStore, MemKv, Namespace, WriteBatch};
//!
//! const USERS: Namespace = Namespace::new(1);
//! let kv = MemKv::new();
//! let mut batch = WriteBatch::new();
//! batch.put(USERS, b"alice", b"10".to_vec());
//! batch.put(USERS, b"bob", b"20".to_vec());
//! kv.write(batch)?; // both records land, or neither does
//! assert_eq!(kv.get(USERS, b"alice")?.as_deref(), Some(&b"10"[..]));
//! assert_eq!(kv.scan_prefix(USERS, b"")?.len(), 2);
//! # Ok::<(), strata_kv::KvError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod batch;
mod error;
mod mem;
#[cfg(feature = "rocksdb")]
mod rocks;
pub mod testing;

use std::ops::ControlFlow;
use std::sync::Arc;

pub use batch::{BatchOp, Key, WriteBatch};
pub use bytes::Bytes;
pub use error::KvError;
pub use mem::MemKv;
#[cfg(feature = "rocksdb")]
pub use rocks::{RocksConfig, RocksKv, RocksSizes, StoredKey};
/// Re-exported from `strata-primitives`, where the registry of Strata's own
/// tags ([`strata_primitives::namespaces`]) lives.
pub use strata_primitives::Namespace;

/// The visitor of [`KvStore::scan`]: gets each key (without its namespace
/// tag) and value, and returns [`ControlFlow::Break`] to stop.
pub type Visitor<'a> = dyn FnMut(&[u8], &[u8]) -> ControlFlow<()> + 'a;

/// A byte-key, byte-value store with atomic batches and namespaces.
///
/// Implementations must guarantee:
///
/// - **Atomic batches**: [`KvStore::write`] applies every operation of a
///   batch or none of them, also across a crash of the process. Within one
///   batch, a later operation on the same key wins.
/// - **Isolated namespaces**: a key in one [`Namespace`] never collides with
///   the same key in another.
/// - **Ordered scans**: [`KvStore::scan`] visits keys in ascending byte order
///   and only keys that start with the prefix.
/// - Empty keys and empty values are legal and distinct from absence.
pub trait KvStore: Send + Sync {
    /// The value stored under `key` in `ns`, or `None` when there is none.
    fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError>;

    /// Applies every operation of `batch` atomically: all of them land, or
    /// (on error) none does.
    fn write(&self, batch: WriteBatch) -> Result<(), KvError>;

    /// Visits, in ascending key order, every record of `ns` whose key starts
    /// with `prefix` (an empty prefix visits the whole namespace). The visitor
    /// gets the key without the namespace tag, and the value; it returns
    /// [`ControlFlow::Break`] to stop early.
    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError>;

    /// Whether `key` exists in `ns`.
    fn contains(&self, ns: Namespace, key: &[u8]) -> Result<bool, KvError> {
        Ok(self.get(ns, key)?.is_some())
    }

    /// How many writes the store has taken, through every handle to it, or
    /// `None` (the default) when it cannot tell.
    ///
    /// A layer above may keep a record it read or wrote for as long as this
    /// number stays where it was: an implementation that returns `Some`
    /// must move it with every [`write`](KvStore::write) (a failed one
    /// included), after the batch is visible to reads, and no other way of
    /// changing the store may leave it in place. [`MemKv`] counts in the
    /// store itself (shared by every `Arc` to it); `RocksKv` counts in its
    /// handle, the only one that may write its directory (RocksDB's lock).
    fn write_generation(&self) -> Option<u64> {
        None
    }

    /// Every record of `ns` whose key starts with `prefix`, in ascending key
    /// order, as owned `(key, value)` pairs. A convenience over
    /// [`KvStore::scan`] that copies.
    fn scan_prefix(&self, ns: Namespace, prefix: &[u8]) -> Result<Vec<(Bytes, Bytes)>, KvError> {
        let mut out = Vec::new();
        self.scan(ns, prefix, &mut |k, v| {
            out.push((Bytes::copy_from_slice(k), Bytes::copy_from_slice(v)));
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }
}

macro_rules! forward_kv_store {
    ($($ty:ty),*) => {$(
        impl<T: KvStore + ?Sized> KvStore for $ty {
            fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
                (**self).get(ns, key)
            }
            fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
                (**self).write(batch)
            }
            fn scan(
                &self,
                ns: Namespace,
                prefix: &[u8],
                visit: &mut Visitor<'_>,
            ) -> Result<(), KvError> {
                (**self).scan(ns, prefix, visit)
            }
            fn contains(&self, ns: Namespace, key: &[u8]) -> Result<bool, KvError> {
                (**self).contains(ns, key)
            }
            fn write_generation(&self) -> Option<u64> {
                (**self).write_generation()
            }
        }
    )*};
}
forward_kv_store!(Arc<T>, Box<T>, &T);
