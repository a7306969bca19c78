use std::num::NonZeroUsize;
use std::sync::Arc;

use hashbrown::HashMap;
use hashbrown::hash_map::Entry;
use lru::LruCache;
use strata_kv::{KvStore, WriteBatch};

use crate::tree::{self, Bounded, Group, RootRecord};
use crate::{Hash32, NS_PAGES, PAGE_SIZE, Page, PageError, PageHash, StateRoot};
use smallvec::SmallVec;

/// How a [`PageCache`] is sized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageCacheConfig {
    /// The most *clean* pages kept in memory (least recently used go first).
    /// Dirty pages are never evicted and do not count. Default: 1024 pages
    /// (4 MiB).
    pub capacity: NonZeroUsize,
    /// Whether a commit also writes its state root's record (page count and
    /// tree root, under the root in `NS_ROOTS`), which is what lets
    /// [`PageCache::open`] reopen any committed root from the root alone.
    /// Default: on.
    ///
    /// Turn it off when the caller keeps each state's page count and tree
    /// root itself and opens with [`PageCache::open_at`]: a commit then
    /// writes one record fewer. The runtime does this (its account records
    /// hold both); on a counter transaction the root record was about a
    /// tenth of the time, an insert of a new key into a store that only
    /// grows.
    pub root_records: bool,
}

impl Default for PageCacheConfig {
    fn default() -> Self {
        PageCacheConfig {
            capacity: NonZeroUsize::new(1024).unwrap_or(NonZeroUsize::MIN),
            root_records: true,
        }
    }
}

impl PageCacheConfig {
    /// A configuration keeping at most `pages` clean pages (at least one).
    pub fn with_capacity(pages: usize) -> Self {
        PageCacheConfig {
            capacity: NonZeroUsize::new(pages).unwrap_or(NonZeroUsize::MIN),
            ..Self::default()
        }
    }

    /// The same configuration, with commits that write no root record (see
    /// [`root_records`](Self::root_records)).
    pub fn without_root_records(self) -> Self {
        PageCacheConfig {
            root_records: false,
            ..self
        }
    }
}

/// Counters of a [`PageCache`]'s clean-page LRU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads served from the LRU.
    pub hits: u64,
    /// Reads that went to the store (or found a never-written page).
    pub misses: u64,
    /// Clean pages pushed out of the LRU by newer ones.
    pub evictions: u64,
}

/// A token for [`PageCache::rollback`] and [`PageCache::release`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "a checkpoint must be released or rolled back before commit"]
pub struct Checkpoint {
    id: u64,
}

impl Checkpoint {
    /// The token's id (unique within its cache).
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// What [`PageCache::commit`] produced: the new root and the kv writes that
/// make it durable, not yet applied.
#[derive(Debug)]
#[must_use = "the batch must be written to the store, or the commit is lost"]
pub struct Commit {
    /// The new state root.
    pub root: StateRoot,
    /// The new root of the page tree, which with the page count makes the
    /// state root (see [`tree::state_root`]); what
    /// [`PageCache::open_at`] takes.
    pub tree_root: Hash32,
    /// Page, node and root records to write, in one atomic batch (possibly
    /// together with other contracts' commits).
    pub batch: WriteBatch,
    /// How many changed pages the commit hashed.
    pub pages_changed: usize,
    /// How many tree nodes it recomputed.
    pub nodes_hashed: usize,
}

/// The committed state a cache reads through: clean pages and tree paths.
struct Base<K> {
    kv: K,
    page_count: u32,
    depth: u32,
    root: StateRoot,
    tree_root: Hash32,
    /// Clean pages by index, each with a bound on its used length (its
    /// record's length). A page that becomes dirty leaves a vacant slot
    /// (`None`) behind instead of its node, so that a commit puts it back
    /// without allocating; a vacant slot reads as a miss.
    clean: LruCache<u32, Option<Bounded>>,
    /// The loaded groups of the committed tree (see [`tree::Group`]), by
    /// (band, index of the group's root at its height). A group is loaded
    /// whole, with every group above it, so a commit finds every sibling it
    /// needs. Updated in place by commits; grows with the paths touched.
    groups: HashMap<(u32, u32), Box<Group>>,
    /// The clean page read last, which is also the LRU's most recent: a
    /// repeated read of it skips the LRU's bookkeeping (moving it to the
    /// front changes nothing). Cleared by commits, which change clean pages.
    last: Option<(u32, Arc<Page>)>,
    stats: CacheStats,
}

impl<K> Base<K> {
    /// Clean pages held (vacant slots are not pages).
    fn clean_len(&self) -> usize {
        self.clean.iter().filter(|(_, p)| p.is_some()).count()
    }
}

impl<K: KvStore> Base<K> {
    /// The hash of page `index` at the committed state, loading the tree path
    /// down to it (`O(log n)` node reads on first touch, none after).
    fn leaf(&mut self, index: u32) -> Result<Hash32, PageError> {
        PathLoader {
            kv: &self.kv,
            depth: self.depth,
            root: self.root,
            tree_root: self.tree_root,
            groups: &mut self.groups,
        }
        .leaf(index)
    }

    #[inline]
    fn page(&mut self, index: u32) -> Result<&Arc<Page>, PageError> {
        match self.last {
            Some((i, _)) if i == index => self.stats.hits += 1,
            _ => self.remember(index)?,
        }
        match &self.last {
            Some((_, page)) => Ok(page),
            None => Err(PageError::Corrupt {
                what: "page",
                key: [0; 32],
                detail: format!("page {index} vanished from the cache"),
            }),
        }
    }

    /// Makes page `index` the remembered last page (the slow path of
    /// [`page`](Self::page)).
    #[cold]
    #[inline(never)]
    fn remember(&mut self, index: u32) -> Result<(), PageError> {
        let page = self.lookup(index)?;
        self.last = Some((index, page));
        Ok(())
    }

    /// Page `index` about to become dirty: moved out of the clean pages, so
    /// that the first write finds it unshared and copies nothing (a commit
    /// puts it back; a discard drops it, and the next read reloads it).
    /// Counts a hit or a miss like [`lookup`](Self::lookup).
    fn take(&mut self, index: u32) -> Result<Bounded, PageError> {
        if matches!(self.last, Some((i, _)) if i == index) {
            self.last = None;
        }
        if let Some(page) = self.clean.get_mut(&index).and_then(Option::take) {
            self.stats.hits += 1;
            return Ok(page);
        }
        self.stats.misses += 1;
        let hash = self.leaf(index)?;
        tree::load_page_arc(&self.kv, self.root, index, PageHash(hash))
    }

    /// Page `index` through the LRU (counting a hit or a miss), loading it
    /// on a miss.
    fn lookup(&mut self, index: u32) -> Result<Arc<Page>, PageError> {
        if let Some(Some(page)) = self.clean.get(&index) {
            self.stats.hits += 1;
            return Ok(page.page.clone());
        }
        self.stats.misses += 1;
        let hash = self.leaf(index)?;
        let page = tree::load_page_arc(&self.kv, self.root, index, PageHash(hash))?;
        let bytes = page.page.clone();
        self.keep(index, page);
        Ok(bytes)
    }

    /// Puts clean page `index` in the LRU: into its vacant slot if it has
    /// one, else as a new entry (counting an eviction if the LRU is full).
    fn keep(&mut self, index: u32, page: Bounded) {
        match self.clean.get_mut(&index) {
            Some(slot) => *slot = Some(page),
            None => {
                if let Some((_, Some(_))) = self.clean.push(index, Some(page)) {
                    self.stats.evictions += 1;
                }
            }
        }
    }
}

/// The walk from the tree root down to a page hash, over borrowed fields of
/// [`Base`] (so that it can run while the LRU is borrowed).
struct PathLoader<'a, K> {
    kv: &'a K,
    depth: u32,
    root: StateRoot,
    tree_root: Hash32,
    groups: &'a mut HashMap<(u32, u32), Box<Group>>,
}

impl<K: KvStore> PathLoader<'_, K> {
    fn leaf(&mut self, index: u32) -> Result<Hash32, PageError> {
        if self.depth == 0 {
            return Ok(self.tree_root);
        }
        let (_, h0) = tree::band_geometry(self.depth, 0);
        if let Some(g) = self.groups.get(&(0, index >> h0)) {
            return Ok(g[tree::bottom_slot(h0, index)]);
        }
        let mut node = self.tree_root;
        for band in (0..tree::bands(self.depth)).rev() {
            let (top, h) = tree::band_geometry(self.depth, band);
            let group = match self
                .groups
                .entry((band, index.checked_shr(top).unwrap_or(0)))
            {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(tree::load_group(self.kv, self.root, &node, top, h)?),
            };
            node = group[tree::bottom_slot(h, index >> (top - h))];
        }
        Ok(node)
    }
}

struct Frame {
    id: u64,
    /// For each page first modified since this checkpoint: its dirty bytes
    /// (and their bound) before that, or `None` when it was clean.
    saved: HashMap<u32, Option<Bounded>>,
}

/// The page cache of one contract: a read-through LRU of clean pages over a
/// committed state, plus the pages changed since.
///
/// - Reads see the cache's own uncommitted writes.
/// - Dirty pages are held apart from the LRU and are never evicted, however
///   small the bound.
/// - [`commit`](Self::commit) turns the dirty pages into a new state root and
///   the kv writes that make it durable; [`discard`](Self::discard) drops
///   them.
/// - [`checkpoint`](Self::checkpoint) / [`rollback`](Self::rollback) /
///   [`release`](Self::release) nest, so a failed inner contract call undoes
///   only its own writes.
///
/// Page indices are plain `u32`s, checked against this contract's page count
/// on every call: an index at or past it is [`PageError::PageOutOfRange`].
pub struct PageCache<K> {
    base: Base<K>,
    /// Pages written since the last commit, each with a bound past which it
    /// holds only zeros, so that a commit finds its used length without
    /// scanning a whole page. Shared (copy on write) with the checkpoint
    /// frames that saved them.
    dirty: HashMap<u32, Bounded>,
    frames: Vec<Frame>,
    next_checkpoint: u64,
    /// See [`PageCacheConfig::root_records`].
    root_records: bool,
}

impl<K> std::fmt::Debug for PageCache<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("root", &self.base.root)
            .field("page_count", &self.base.page_count)
            .field("dirty", &self.dirty.len())
            .field("clean", &self.base.clean_len())
            .field("checkpoints", &self.frames.len())
            .finish()
    }
}

impl<K: KvStore> PageCache<K> {
    /// A cache over a fresh contract of `page_count` never-written pages.
    /// Touches no storage; its root is [`tree::empty_root`]. Commit it once
    /// (even with nothing written) to make the empty state openable by
    /// [`open`](Self::open); without root records, [`open_at`](Self::open_at)
    /// opens it with nothing stored.
    pub fn create(kv: K, page_count: u32, config: PageCacheConfig) -> Self {
        let depth = tree::depth(page_count);
        Self::at(
            kv,
            RootRecord {
                page_count,
                tree_root: tree::zero_hash(depth),
            },
            config,
        )
    }

    /// A cache over the committed state `root`.
    ///
    /// Fails with [`PageError::UnknownRoot`] when no such state was committed
    /// to this store, and with [`PageError::MissingNode`] or
    /// [`PageError::MissingPage`] when the top of its tree is missing. Deeper
    /// missing records are reported, naming the root, when a read reaches
    /// them.
    pub fn open(kv: K, root: StateRoot, config: PageCacheConfig) -> Result<Self, PageError> {
        let rec = RootRecord::load(&kv, root)?;
        Self::opened(Self::at(kv, rec, config))
    }

    /// A cache over the committed state of `page_count` pages whose page
    /// tree has root `tree_root`, for a caller that keeps both itself (see
    /// [`PageCacheConfig::root_records`]): like [`open`](Self::open), without
    /// reading a root record. Its [`root`](Self::root) is
    /// [`tree::state_root`]`(page_count, tree_root)`; a caller that also kept
    /// the state root should compare the two.
    ///
    /// Fails with [`PageError::MissingNode`] or [`PageError::MissingPage`]
    /// when the top of the tree is not in the store.
    pub fn open_at(
        kv: K,
        page_count: u32,
        tree_root: Hash32,
        config: PageCacheConfig,
    ) -> Result<Self, PageError> {
        let rec = RootRecord {
            page_count,
            tree_root,
        };
        Self::opened(Self::at(kv, rec, config))
    }

    /// Checks the top of a just-opened cache's tree.
    fn opened(mut cache: Self) -> Result<Self, PageError> {
        if cache.base.page_count > 0 {
            // Checks the top of the tree (one record) and warms the path.
            cache.base.leaf(0)?;
            if cache.base.depth == 0 {
                cache.page(0)?;
            }
        }
        Ok(cache)
    }

    fn at(kv: K, rec: RootRecord, config: PageCacheConfig) -> Self {
        PageCache {
            base: Base {
                kv,
                page_count: rec.page_count,
                depth: tree::depth(rec.page_count),
                root: tree::state_root(rec.page_count, &rec.tree_root),
                tree_root: rec.tree_root,
                clean: LruCache::new(config.capacity),
                groups: HashMap::new(),
                last: None,
                stats: CacheStats::default(),
            },
            dirty: HashMap::new(),
            frames: Vec::new(),
            next_checkpoint: 0,
            root_records: config.root_records,
        }
    }

    /// The contract's page count.
    pub fn page_count(&self) -> u32 {
        self.base.page_count
    }

    /// The root of the last committed state (uncommitted writes are not in
    /// it).
    pub fn root(&self) -> StateRoot {
        self.base.root
    }

    /// The root of the last committed state's page tree: with the page
    /// count, what [`open_at`](Self::open_at) reopens it from.
    pub fn tree_root(&self) -> Hash32 {
        self.base.tree_root
    }

    /// The store beneath.
    pub fn kv(&self) -> &K {
        &self.base.kv
    }

    /// Hit, miss and eviction counters of the clean-page LRU.
    pub fn stats(&self) -> CacheStats {
        self.base.stats
    }

    /// How many pages are dirty.
    pub fn dirty_len(&self) -> usize {
        self.dirty.len()
    }

    /// How many clean pages the LRU holds.
    pub fn clean_len(&self) -> usize {
        self.base.clean_len()
    }

    /// How many checkpoints are open.
    pub fn open_checkpoints(&self) -> usize {
        self.frames.len()
    }

    /// Whether page `index` has uncommitted writes.
    pub fn is_dirty(&self, index: u32) -> bool {
        self.dirty.contains_key(&index)
    }

    fn check(&self, index: u32) -> Result<(), PageError> {
        if index < self.base.page_count {
            Ok(())
        } else {
            Err(PageError::PageOutOfRange {
                index,
                page_count: self.base.page_count,
            })
        }
    }

    /// The current bytes of page `index`, uncommitted writes included.
    #[inline]
    pub fn page(&mut self, index: u32) -> Result<&Page, PageError> {
        self.check(index)?;
        if !self.dirty.is_empty()
            && let Some(p) = self.dirty.get(&index)
        {
            return Ok(&p.page);
        }
        Ok(self.base.page(index)?)
    }

    /// Page `index` for writing: it becomes dirty (moved out of the clean
    /// pages on first write, copied only if shared) and stays in memory
    /// until commit or discard.
    ///
    /// A caller that writes only part of the page should prefer
    /// [`page_range_mut`](Self::page_range_mut): the commit then hashes the
    /// page without scanning it whole for its last non-zero byte.
    pub fn page_mut(&mut self, index: u32) -> Result<&mut Page, PageError> {
        let dirty = self.dirty_entry(index)?;
        dirty.bound = PAGE_SIZE as u32;
        // Copies the page only while it is shared: with a checkpoint, with a
        // stored record (a full page's record shares its buffer), or as the
        // shared zero page.
        Ok(Arc::make_mut(&mut dirty.page))
    }

    /// The bytes `range` of page `index` for writing, like
    /// [`page_mut`](Self::page_mut) for the part of the page the caller
    /// writes: the page becomes dirty, and its commit knows that nothing
    /// past `range.end` changed.
    ///
    /// Fails with [`PageError::PageOutOfRange`] for an index at or past the
    /// page count and [`PageError::RangeOutOfPage`] for a range that is
    /// reversed or ends past [`PAGE_SIZE`], changing nothing.
    pub fn page_range_mut(
        &mut self,
        index: u32,
        range: std::ops::Range<usize>,
    ) -> Result<&mut [u8], PageError> {
        if range.start > range.end || range.end > PAGE_SIZE {
            return Err(PageError::RangeOutOfPage {
                index,
                start: range.start,
                end: range.end,
            });
        }
        let dirty = self.dirty_entry(index)?;
        // At most PAGE_SIZE (checked above).
        dirty.bound = dirty.bound.max(range.end as u32);
        Ok(&mut Arc::make_mut(&mut dirty.page)[range])
    }

    /// The dirty entry of page `index`, made so (and saved by the open
    /// checkpoint) if it was not.
    fn dirty_entry(&mut self, index: u32) -> Result<&mut Bounded, PageError> {
        self.check(index)?;
        Ok(match self.dirty.entry(index) {
            Entry::Occupied(e) => {
                if let Some(frame) = self.frames.last_mut() {
                    // Shares the bytes; the write below copies them.
                    frame
                        .saved
                        .entry(index)
                        .or_insert_with(|| Some(e.get().clone()));
                }
                e.into_mut()
            }
            Entry::Vacant(e) => {
                let page = self.base.take(index)?;
                if let Some(frame) = self.frames.last_mut() {
                    frame.saved.entry(index).or_insert(None);
                }
                e.insert(page)
            }
        })
    }

    /// Opens a checkpoint: writes after it can be undone by
    /// [`rollback`](Self::rollback) or kept by [`release`](Self::release).
    /// Checkpoints nest.
    pub fn checkpoint(&mut self) -> Checkpoint {
        self.next_checkpoint += 1;
        let id = self.next_checkpoint;
        self.frames.push(Frame {
            id,
            saved: HashMap::new(),
        });
        Checkpoint { id }
    }

    fn frame_position(&self, cp: Checkpoint) -> Result<usize, PageError> {
        self.frames
            .iter()
            .rposition(|f| f.id == cp.id)
            .ok_or(PageError::UnknownCheckpoint { id: cp.id })
    }

    /// Undoes every write since `cp` (and closes `cp` and every checkpoint
    /// opened after it).
    pub fn rollback(&mut self, cp: Checkpoint) -> Result<(), PageError> {
        let pos = self.frame_position(cp)?;
        // Newest frames first: each restores what its page held when that
        // frame first touched it, so the oldest saved state is applied last.
        while self.frames.len() > pos {
            let Some(frame) = self.frames.pop() else {
                break;
            };
            for (index, prior) in frame.saved {
                match prior {
                    Some(bytes) => {
                        self.dirty.insert(index, bytes);
                    }
                    None => {
                        self.dirty.remove(&index);
                    }
                }
            }
        }
        Ok(())
    }

    /// Keeps every write since `cp` and closes it (with every checkpoint
    /// opened after it); an enclosing checkpoint can still roll them back.
    pub fn release(&mut self, cp: Checkpoint) -> Result<(), PageError> {
        let pos = self.frame_position(cp)?;
        let released = self.frames.split_off(pos);
        if let Some(parent) = self.frames.last_mut() {
            // Oldest first, so that the parent keeps the oldest saved state.
            for frame in released {
                for (index, prior) in frame.saved {
                    parent.saved.entry(index).or_insert(prior);
                }
            }
        }
        Ok(())
    }

    /// Drops every uncommitted write and every open checkpoint.
    pub fn discard(&mut self) {
        self.dirty.clear();
        self.frames.clear();
    }

    /// Computes the new state root from the dirty pages and returns it with
    /// the kv writes that make it durable, *without* writing them, so that a
    /// caller can fold several contracts' commits into one atomic batch.
    ///
    /// Costs `O(k log n)` hashing and records for `k` dirty pages of an
    /// `n`-page contract. Afterwards the cache stands at the new root and its
    /// former dirty pages are clean. If the batch is then *not* written, the
    /// cache is ahead of the store and must be dropped.
    ///
    /// Fails with [`PageError::CheckpointsOpen`] while checkpoints are open;
    /// on any error the cache is unchanged.
    pub fn commit(&mut self) -> Result<Commit, PageError> {
        if !self.frames.is_empty() {
            return Err(PageError::CheckpointsOpen {
                open: self.frames.len(),
            });
        }
        // Fallible part first: load the path of every dirty page. Nothing
        // observable changes if it fails.
        let mut indices: SmallVec<[u32; 8]> = self.dirty.keys().copied().collect();
        indices.sort_unstable();
        for &i in &indices {
            self.base.leaf(i)?;
        }

        // Room for every record the commit can write: the pages, at most one
        // group per changed page in each band, and the root.
        let k = indices.len();
        let depth = self.base.depth;
        let groups: usize = (0..tree::bands(depth))
            .map(|b| {
                let (top, _) = tree::band_geometry(depth, b);
                k.min(1usize << (depth - top).min(31))
            })
            .sum();
        let mut batch = WriteBatch::with_capacity(k + groups + 1);
        let update = tree::update_paths(
            &mut self.base.groups,
            depth,
            self.base.tree_root,
            &self.dirty,
            &indices,
            &mut batch,
        );
        match update {
            Ok(tree::PathUpdate {
                tree_root,
                pages_changed,
                nodes_hashed,
                hashed,
            }) => {
                let record = RootRecord {
                    page_count: self.base.page_count,
                    tree_root,
                };
                let root = if self.root_records {
                    record.put(&mut batch)
                } else {
                    tree::state_root(record.page_count, &record.tree_root)
                };
                // Each dirty page becomes a clean one, and (trimmed, or
                // shared when full) its record, without copying a full page.
                let zero_page = tree::zero_hash(0);
                for (i, hash, used, is_changed) in hashed {
                    let Some(page) = self.dirty.remove(&i) else {
                        continue;
                    };
                    if is_changed && hash != zero_page {
                        batch.put(NS_PAGES, hash, tree::page_record(&page.page, used));
                    }
                    self.base.keep(
                        i,
                        Bounded {
                            page: page.page,
                            // At most PAGE_SIZE.
                            bound: used as u32,
                        },
                    );
                }
                self.dirty.clear();
                self.base.last = None;
                self.base.tree_root = tree_root;
                self.base.root = root;
                Ok(Commit {
                    root,
                    tree_root,
                    batch,
                    pages_changed,
                    nodes_hashed,
                })
            }
            Err(e) => {
                // The groups may hold new hashes now; they are only a cache
                // of the committed tree, so forget them rather than trust them.
                self.base.groups.clear();
                self.base.last = None;
                Err(e)
            }
        }
    }

    /// [`commit`](Self::commit), then writes the batch to the store. Returns
    /// the new root.
    pub fn commit_and_apply(&mut self) -> Result<StateRoot, PageError> {
        let commit = self.commit()?;
        self.base.kv.write(commit.batch)?;
        Ok(commit.root)
    }
}
