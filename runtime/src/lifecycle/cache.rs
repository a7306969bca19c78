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

use std::sync::Mutex;

use strata_kv::Namespace;
use strata_primitives::Hash32;

use super::RetainedBlock;
use crate::bounded::Bounded;

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
