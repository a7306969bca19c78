//! The block overlay: writes of a block's committed transactions, readable
//! by the transactions after them, and written to the store in one batch.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::{Arc, PoisonError, RwLock};

use hashbrown::HashMap;
use strata_kv::{BatchOp, Bytes, Key, KvError, KvStore, Namespace, Visitor, WriteBatch};

/// Pending writes by namespace tag, then key (so a lookup borrows the key
/// and allocates nothing). Hash maps: a block of 10,000 map-token
/// transfers stages about 200,000 records (every node version a transfer
/// made), and a B-tree's insert and lookup among them was half the
/// block's time. Nothing reads them in order but `scan`, which sorts what
/// it visits; the order of a flushed batch does not matter, as each key is
/// in it once. The hasher is seeded per map, so crafted keys (accounts are
/// keyed by any address) cannot force collisions.
type Pending = BTreeMap<u8, HashMap<Key, Option<Bytes>>>;

/// The most pending records a namespace's table keeps room for between
/// blocks (about 20 MB of a 10,000-transfer token block's 200,000).
const KEEP_PENDING: usize = 1 << 18;

/// A [`KvStore`] that reads through pending writes to a base store. Cloning
/// shares the pending writes.
pub struct BlockKv<K> {
    /// Shared, so that the overlay (and every page cache over it) clones
    /// without the store handle being `Clone`.
    base: Arc<K>,
    pending: Arc<RwLock<Pending>>,
}

impl<K> Clone for BlockKv<K> {
    fn clone(&self) -> Self {
        BlockKv {
            base: self.base.clone(),
            pending: self.pending.clone(),
        }
    }
}

impl<K: KvStore> BlockKv<K> {
    /// An overlay with nothing pending over `base`.
    pub fn new(base: K) -> Self {
        BlockKv {
            base: Arc::new(base),
            pending: Arc::new(RwLock::new(BTreeMap::new())),
        }
    }

    /// The store beneath.
    pub fn base(&self) -> &K {
        &self.base
    }

    /// The store beneath, shared (for read-only views of it).
    pub(crate) fn base_arc(&self) -> Arc<K> {
        self.base.clone()
    }

    /// Whether nothing is pending.
    pub fn is_clean(&self) -> bool {
        self.pending
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .all(HashMap::is_empty)
    }

    /// Writes every pending write to the base store in one atomic batch and
    /// forgets them; on error, forgets them too (the caller must drop any
    /// state derived from them).
    pub fn flush(&self) -> Result<(), KvError> {
        self.flush_with(WriteBatch::new())
    }

    /// Like [`flush`](Self::flush), with `last` applied after the pending
    /// writes in the same atomic batch: the last transaction of a block
    /// goes straight to the store instead of through the overlay. With
    /// nothing pending, `last` is written as it is.
    pub fn flush_with(&self, last: WriteBatch) -> Result<(), KvError> {
        let mut batch = {
            let mut pending = self.pending.write().unwrap_or_else(PoisonError::into_inner);
            let n = pending.values().map(HashMap::len).sum::<usize>();
            if n == 0 {
                return if last.is_empty() {
                    Ok(())
                } else {
                    self.base.write(last)
                };
            }
            let mut batch = WriteBatch::with_capacity(n + last.len());
            for (tag, records) in pending.iter_mut() {
                // Drained, not dropped: the next block's writes reuse the
                // table instead of growing a new one (up to a bound).
                for (key, value) in records.drain() {
                    match value {
                        Some(v) => batch.put(Namespace::new(*tag), key, v),
                        None => batch.delete(Namespace::new(*tag), key),
                    }
                }
                if records.capacity() > KEEP_PENDING {
                    *records = HashMap::new();
                }
            }
            batch
        };
        batch.extend(last);
        self.base.write(batch)
    }

    /// The value a pending put holds for `key` (not the base's: `None` for
    /// a key that is only in the base, or pending deletion).
    pub fn pending_put(&self, ns: Namespace, key: &[u8]) -> Option<Bytes> {
        let pending = self.pending.read().unwrap_or_else(PoisonError::into_inner);
        pending.get(&ns.tag())?.get(key)?.clone()
    }

    /// Like [`flush_with`](Self::flush_with), leaving out every pending put
    /// for which `keep(namespace, key)` is false (pending deletions and
    /// `last` are always written). The block's sweep uses it so that
    /// records its final state no longer reaches never reach the store.
    pub fn flush_retaining(
        &self,
        last: WriteBatch,
        mut keep: impl FnMut(Namespace, &[u8]) -> bool,
    ) -> Result<(), KvError> {
        {
            let mut pending = self.pending.write().unwrap_or_else(PoisonError::into_inner);
            for (tag, records) in pending.iter_mut() {
                let ns = Namespace::new(*tag);
                records.retain(|key, value| value.is_none() || keep(ns, key));
            }
        }
        self.flush_with(last)
    }

    /// Whether a pending write is in `ns`.
    pub fn pending_in(&self, ns: Namespace) -> bool {
        self.pending
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&ns.tag())
            .is_some_and(|space| !space.is_empty())
    }

    /// Forgets every pending write.
    pub fn clear(&self) {
        self.pending
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl<K: KvStore> KvStore for BlockKv<K> {
    fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
        {
            let pending = self.pending.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(v) = pending.get(&ns.tag()).and_then(|space| space.get(key)) {
                return Ok(v.clone());
            }
        }
        self.base.get(ns, key)
    }

    /// Stages the batch in the overlay (atomic: under one lock).
    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        let mut pending = self.pending.write().unwrap_or_else(PoisonError::into_inner);
        for op in batch.into_ops() {
            match op {
                BatchOp::Put { ns, key, value } => {
                    pending
                        .entry(ns.tag())
                        .or_default()
                        .insert(key, Some(value));
                }
                BatchOp::Delete { ns, key } => {
                    pending.entry(ns.tag()).or_default().insert(key, None);
                }
            }
        }
        Ok(())
    }

    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError> {
        let mut merged: BTreeMap<Key, Option<Bytes>> = BTreeMap::new();
        self.base.scan(ns, prefix, &mut |k, v| {
            merged.insert(Key::new(k), Some(Bytes::copy_from_slice(v)));
            ControlFlow::Continue(())
        })?;
        {
            let pending = self.pending.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(space) = pending.get(&ns.tag()) {
                for (key, v) in space.iter().filter(|(k, _)| k.starts_with(prefix)) {
                    merged.insert(key.clone(), v.clone());
                }
            }
        }
        for (k, v) in merged {
            if let Some(v) = v
                && visit(&k, &v).is_break()
            {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_kv::MemKv;

    /// Every record of `ns`, in scan order, as `key=value` text.
    fn records(kv: &impl KvStore, ns: Namespace) -> Vec<String> {
        kv.scan_prefix(ns, b"")
            .unwrap()
            .into_iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(&k),
                    String::from_utf8_lossy(&v)
                )
            })
            .collect()
    }

    #[test]
    fn reads_see_pending_writes_and_scans_merge() {
        let base = std::sync::Arc::new(MemKv::new());
        let ns = Namespace::new(5);
        let mut b = WriteBatch::new();
        b.put(ns, b"a", b"base-a".to_vec());
        b.put(ns, b"b", b"base-b".to_vec());
        b.put(Namespace::new(6), b"a", b"other".to_vec());
        base.write(b).unwrap();
        let kv = BlockKv::new(base.clone());
        let mut b = WriteBatch::new();
        b.put(ns, b"b", b"new-b".to_vec());
        b.delete(ns, b"a");
        b.put(ns, b"c", b"new-c".to_vec());
        kv.write(b).unwrap();
        assert_eq!(
            kv.get(ns, b"a").unwrap(),
            None,
            "a pending delete hides the base"
        );
        assert_eq!(kv.get(ns, b"b").unwrap().as_deref(), Some(&b"new-b"[..]));
        assert_eq!(
            kv.get(Namespace::new(6), b"a").unwrap().as_deref(),
            Some(&b"other"[..])
        );
        assert_eq!(records(&kv, ns), ["b=new-b", "c=new-c"]);
        assert_eq!(
            base.get(ns, b"b").unwrap().as_deref(),
            Some(&b"base-b"[..]),
            "nothing reached the base"
        );
        assert!(!kv.is_clean());
        kv.flush().unwrap();
        assert!(kv.is_clean());
        assert_eq!(base.get(ns, b"a").unwrap(), None);
        assert_eq!(base.get(ns, b"c").unwrap().as_deref(), Some(&b"new-c"[..]));
        kv.write({
            let mut b = WriteBatch::new();
            b.put(ns, b"d", b"dropped".to_vec());
            b
        })
        .unwrap();
        kv.clear();
        assert_eq!(kv.get(ns, b"d").unwrap(), None);
    }

    #[test]
    fn flush_with_applies_the_last_batch_after_the_pending_writes() {
        let base = std::sync::Arc::new(MemKv::new());
        let kv = BlockKv::new(base.clone());
        let ns = Namespace::new(5);
        let batch = |pairs: &[(&[u8], &[u8])]| {
            let mut b = WriteBatch::new();
            for (k, v) in pairs {
                b.put(ns, k, v.to_vec());
            }
            b
        };
        // Nothing pending: the last batch goes to the base as it is.
        kv.flush_with(batch(&[(b"a", b"1")])).unwrap();
        assert_eq!(base.get(ns, b"a").unwrap().as_deref(), Some(&b"1"[..]));
        // Pending writes and the last batch land together; the last wins.
        kv.write(batch(&[(b"a", b"2"), (b"b", b"2")])).unwrap();
        kv.flush_with(batch(&[(b"b", b"3"), (b"c", b"3")])).unwrap();
        assert!(kv.is_clean());
        assert_eq!(records(&base, ns), ["a=2", "b=3", "c=3"]);
        // A failing base forgets the pending writes, and takes nothing.
        let failing = BlockKv::new(strata_kv::testing::Instrumented::new(MemKv::new()));
        failing.write(batch(&[(b"x", b"1")])).unwrap();
        failing.base().fail_writes(true);
        assert!(failing.flush_with(batch(&[(b"y", b"1")])).is_err());
        assert!(failing.is_clean());
        assert_eq!(failing.get(ns, b"x").unwrap(), None);
        assert_eq!(failing.get(ns, b"y").unwrap(), None);
    }
}
