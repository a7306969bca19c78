//! The block overlay: writes of a block's committed transactions, readable
//! by the transactions after them, and written to the store in one batch.

use std::collections::BTreeMap;
use std::ops::{Bound, ControlFlow};
use std::sync::{Arc, PoisonError, RwLock};

use strata_kv::{BatchOp, Bytes, KvError, KvStore, Namespace, Visitor, WriteBatch};

type Pending = BTreeMap<(u8, Box<[u8]>), Option<Bytes>>;

/// A [`KvStore`] that reads through pending writes to a base store. Cloning
/// shares the pending writes.
pub struct BlockKv<K> {
    base: K,
    pending: Arc<RwLock<Pending>>,
}

impl<K: Clone> Clone for BlockKv<K> {
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
            base,
            pending: Arc::new(RwLock::new(BTreeMap::new())),
        }
    }

    /// The store beneath.
    pub fn base(&self) -> &K {
        &self.base
    }

    /// Whether nothing is pending.
    pub fn is_clean(&self) -> bool {
        self.pending
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// Writes every pending write to the base store in one atomic batch and
    /// forgets them; on error, forgets them too (the caller must drop any
    /// state derived from them).
    pub fn flush(&self) -> Result<(), KvError> {
        let pending =
            std::mem::take(&mut *self.pending.write().unwrap_or_else(PoisonError::into_inner));
        if pending.is_empty() {
            return Ok(());
        }
        let mut batch = WriteBatch::with_capacity(pending.len());
        for ((ns, key), value) in pending {
            match value {
                Some(v) => batch.put(Namespace::new(ns), key, v),
                None => batch.delete(Namespace::new(ns), key),
            }
        }
        self.base.write(batch)
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
            if !pending.is_empty()
                && let Some(v) = pending.get(&(ns.tag(), Box::<[u8]>::from(key)))
            {
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
                    pending.insert((ns.tag(), key), Some(value));
                }
                BatchOp::Delete { ns, key } => {
                    pending.insert((ns.tag(), key), None);
                }
            }
        }
        Ok(())
    }

    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError> {
        let mut merged: BTreeMap<Box<[u8]>, Option<Bytes>> = BTreeMap::new();
        self.base.scan(ns, prefix, &mut |k, v| {
            merged.insert(k.into(), Some(Bytes::copy_from_slice(v)));
            ControlFlow::Continue(())
        })?;
        {
            let pending = self.pending.read().unwrap_or_else(PoisonError::into_inner);
            let start = (ns.tag(), Box::<[u8]>::from(prefix));
            for ((tag, key), v) in pending.range((Bound::Included(start), Bound::Unbounded)) {
                if *tag != ns.tag() || !key.starts_with(prefix) {
                    break;
                }
                merged.insert(key.clone(), v.clone());
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
