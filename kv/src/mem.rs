use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{PoisonError, RwLock};

use bytes::Bytes;
use smallvec::SmallVec;

use crate::{BatchOp, KvError, KvStore, Namespace, Visitor, WriteBatch};

/// A key stored in place when it is at most 32 bytes (hashes, addresses),
/// so that the ordered map compares keys without chasing a pointer each.
type Key = SmallVec<[u8; 32]>;

type Space = BTreeMap<Key, Bytes>;

/// An in-memory [`KvStore`]: one ordered map per namespace behind a
/// read-write lock. Keys of up to 32 bytes are stored inside the map's
/// nodes.
///
/// Ordered maps (not hash maps) because scans must come back in key order.
/// Reads take the shared lock and return a reference-counted view of the
/// stored value, so a read copies nothing. A batch is applied under the
/// exclusive lock, so readers see a batch entirely or not at all. Cloning a
/// `MemKv` is not provided; share it with an `Arc`.
pub struct MemKv {
    spaces: RwLock<Box<[Space; 256]>>,
}

impl Default for MemKv {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemKv")
            .field("records", &self.len())
            .finish()
    }
}

impl MemKv {
    /// An empty store.
    pub fn new() -> Self {
        MemKv {
            spaces: RwLock::new(Box::new(std::array::from_fn(|_| BTreeMap::new()))),
        }
    }

    /// The number of records, over every namespace.
    pub fn len(&self) -> usize {
        self.read().iter().map(BTreeMap::len).sum()
    }

    /// Whether the store holds no record at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of records in one namespace.
    pub fn len_of(&self, ns: Namespace) -> usize {
        self.read()[usize::from(ns.tag())].len()
    }

    // A panic while holding the lock cannot leave a map half-updated (batch
    // application does not panic), so a poisoned lock is still consistent.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Box<[Space; 256]>> {
        self.spaces.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl KvStore for MemKv {
    fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
        Ok(self.read()[usize::from(ns.tag())].get(key).cloned())
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        let mut spaces = self.spaces.write().unwrap_or_else(PoisonError::into_inner);
        for op in batch.into_ops() {
            match op {
                BatchOp::Put { ns, key, value } => {
                    spaces[usize::from(ns.tag())].insert(Key::from_slice(&key), value);
                }
                BatchOp::Delete { ns, key } => {
                    spaces[usize::from(ns.tag())].remove(&key[..]);
                }
            }
        }
        Ok(())
    }

    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError> {
        // Take a snapshot of the matching records (reference counts, no value
        // copies) and release the lock before visiting, so that a visitor may
        // read or write this same store without deadlocking.
        let matching: Vec<(Box<[u8]>, Bytes)> = {
            let spaces = self.read();
            spaces[usize::from(ns.tag())]
                .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
                .take_while(|(k, _)| k.starts_with(prefix))
                .map(|(k, v)| (Box::<[u8]>::from(&k[..]), v.clone()))
                .collect()
        };
        for (k, v) in &matching {
            if visit(k, v).is_break() {
                break;
            }
        }
        Ok(())
    }
}
