//! A bounded map for caches of stored values: emptied when a new key would
//! pass the bound.

use std::hash::Hash;

use hashbrown::HashMap;

/// A map of at most `cap` entries, emptied when a new key would pass the
/// bound. Not an LRU: the runtime's caches put and pop tens of entries per
/// block, and an LRU allocates and frees a node for each (a tenth of a
/// block of one transaction); a hash map keeps them inline. What it
/// forgets is read back from the store, so a cache of copies of stored
/// values may use it: emptying costs reads, never results.
pub(crate) struct Bounded<K, V> {
    map: HashMap<K, V>,
    cap: usize,
}

impl<K: Hash + Eq, V> Bounded<K, V> {
    /// An empty map of at most `cap` entries (at least one).
    pub(crate) fn new(cap: usize) -> Self {
        Bounded {
            map: HashMap::new(),
            cap: cap.max(1),
        }
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    /// Sets `key` to `value`, emptying the map first when it is full and
    /// `key` is new. Returns how many entries were dropped to make room.
    pub(crate) fn put(&mut self, key: K, value: V) -> usize {
        let mut dropped = 0;
        if self.map.len() >= self.cap && !self.map.contains_key(&key) {
            dropped = self.map.len();
            self.map.clear();
        }
        self.map.insert(key, value);
        dropped
    }

    /// Removes `key`, returning its value.
    pub(crate) fn pop(&mut self, key: &K) -> Option<V> {
        self.map.remove(key)
    }

    /// The entries held.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bounded_map_empties_for_a_new_key_only() {
        let mut m = Bounded::new(3);
        for k in 0..3u64 {
            assert_eq!(m.put(k, k * 10), 0);
        }
        // An existing key is replaced in place.
        assert_eq!(m.put(1, 11), 0);
        assert_eq!(
            (m.get(&0), m.get(&1), m.get(&2)),
            (Some(&0), Some(&11), Some(&20))
        );
        // A new key past the bound empties it first, and says how many
        // entries went.
        assert_eq!(m.put(7, 70), 3);
        assert_eq!((m.get(&0), m.get(&1), m.get(&7)), (None, None, Some(&70)));
        assert_eq!(m.len(), 1);
        assert_eq!(m.pop(&7), Some(70));
        assert_eq!(m.pop(&7), None);
        m.put(8, 80);
        m.clear();
        assert_eq!((m.get(&8), m.len()), (None, 0));
        // A bound of 0 still holds one entry.
        let mut one = Bounded::new(0);
        one.put(1u8, ());
        assert!(one.get(&1).is_some());
    }
}
