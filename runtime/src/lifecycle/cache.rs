//! What the runtime remembers of the counts between blocks, so that a
//! block reads the store only for what it has not seen: the counts it
//! read or wrote, the children of the records it counted in (which a
//! later block frees when it prunes their root), and the retained blocks.
//!
//! Valid only while this runtime is the store's only writer. Every
//! counting block and every prune writes the retention's counters
//! (`next`, `oldest`), and the cache remembers the pair it wrote last: a
//! block that finds another pair in the store (another runtime wrote, or
//! pruned, since) forgets everything before it reads. Entries join only
//! from the store as it is, or from a batch once it is written; a block
//! that fails forgets everything too.

use std::hash::Hash;
use std::sync::Mutex;

use hashbrown::HashMap;
use strata_kv::Namespace;
use strata_primitives::Hash32;

use super::RetainedBlock;

/// The hashes a counted record names, as the cache keeps them.
pub(crate) type Kids = Box<[Hash32]>;

/// The counts, children and blocks the runtime remembers.
pub(crate) struct LifecycleCache(Mutex<Inner>);

/// The cache's contents.
pub(crate) struct Inner {
    /// The retention's counters as this runtime last wrote them.
    pub(crate) at: Option<(u64, u64)>,
    /// Counts as stored.
    pub(crate) counts: Bounded<Hash32, (Namespace, u32)>,
    /// The children of counted records.
    pub(crate) children: Bounded<Hash32, (Namespace, Kids)>,
    /// Retained blocks by number.
    pub(crate) blocks: Bounded<u64, RetainedBlock>,
}

/// A map of at most `cap` entries, emptied when a new key would pass the
/// bound. Not an LRU: every block puts and pops tens of entries, and an
/// LRU allocates and frees a node for each (a tenth of a block of one
/// transaction); a hash map keeps them inline. A block counts about 20
/// records, so emptying a full map costs a store read per record once in
/// thousands of blocks, and what it forgets is read back from the store
/// (the cache holds copies of stored values only).
pub(crate) struct Bounded<K, V> {
    map: HashMap<K, V>,
    cap: usize,
}

impl<K: Hash + Eq, V> Bounded<K, V> {
    /// An empty map of at most `cap` entries.
    fn new(cap: usize) -> Self {
        Bounded {
            map: HashMap::new(),
            cap: cap.max(1),
        }
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    /// Sets `key` to `value` (emptying the map first when it is full and
    /// `key` is new).
    pub(crate) fn put(&mut self, key: K, value: V) {
        if self.map.len() >= self.cap && !self.map.contains_key(&key) {
            self.map.clear();
        }
        self.map.insert(key, value);
    }

    /// Removes `key`, returning its value.
    pub(crate) fn pop(&mut self, key: &K) -> Option<V> {
        self.map.remove(key)
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}

/// What a written block changes in the cache.
#[derive(Default)]
pub(crate) struct CacheUpdate {
    /// The counters after the block.
    pub(crate) at: (u64, u64),
    /// Counts now (0: deleted).
    pub(crate) counts: Vec<(Hash32, Namespace, u32)>,
    /// Children of records counted in for the first time.
    pub(crate) children: Vec<(Hash32, Namespace, Kids)>,
    /// Blocks numbered.
    pub(crate) added: Vec<RetainedBlock>,
    /// Blocks pruned.
    pub(crate) pruned: Vec<u64>,
}

impl LifecycleCache {
    /// Counts remembered: the paths of many blocks (a few bytes each).
    const COUNTS: usize = 64 * 1024;
    /// Children remembered: the records of the last blocks, to free
    /// without reading them back when their root leaves the window.
    const CHILDREN: usize = 32 * 1024;
    /// Retained blocks remembered.
    const BLOCKS: usize = 4 * 1024;

    pub(crate) fn new() -> Self {
        LifecycleCache(Mutex::new(Inner {
            at: None,
            counts: Bounded::new(Self::COUNTS),
            children: Bounded::new(Self::CHILDREN),
            blocks: Bounded::new(Self::BLOCKS),
        }))
    }

    /// The cache, for one block (the block holds the runtime's execution
    /// lock, so nothing else waits on it).
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        crate::lock(&self.0)
    }
}

impl Inner {
    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.at = None;
        self.counts.clear();
        self.children.clear();
        self.blocks.clear();
    }

    /// Makes the cache valid for a store whose counters are `at`: kept if
    /// this runtime wrote them, else forgotten.
    pub(crate) fn validate(&mut self, at: (u64, u64)) {
        if self.at != Some(at) {
            self.clear();
        }
    }

    /// Applies a written block.
    pub(crate) fn apply(&mut self, update: CacheUpdate) {
        for (h, ns, n) in update.counts {
            if n == 0 {
                self.counts.pop(&h);
                self.children.pop(&h);
            } else {
                self.counts.put(h, (ns, n));
            }
        }
        for (h, ns, children) in update.children {
            self.children.put(h, (ns, children));
        }
        for b in update.added {
            self.blocks.put(b.number, b);
        }
        for n in update.pruned {
            self.blocks.pop(&n);
        }
        self.at = Some(update.at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bounded_map_empties_for_a_new_key_only() {
        let mut m = Bounded::new(3);
        for k in 0..3u64 {
            m.put(k, k * 10);
        }
        // An existing key is replaced in place.
        m.put(1, 11);
        assert_eq!(
            (m.get(&0), m.get(&1), m.get(&2)),
            (Some(&0), Some(&11), Some(&20))
        );
        // A new key past the bound empties it first.
        m.put(7, 70);
        assert_eq!((m.get(&0), m.get(&1), m.get(&7)), (None, None, Some(&70)));
        assert_eq!(m.pop(&7), Some(70));
        assert_eq!(m.pop(&7), None);
        m.put(8, 80);
        m.clear();
        assert_eq!(m.get(&8), None);
        // A bound of 0 still holds one entry.
        let mut one = Bounded::new(0);
        one.put(1u8, ());
        assert!(one.get(&1).is_some());
    }
}
