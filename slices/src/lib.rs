//! # strata-slices: what a running contract sees of its storage
//!
//! A slice is `(page, offset, len)` lying inside one page of a contract:
//! `offset + len <= PAGE_SIZE`. Contracts read and write storage only through
//! slices; this crate turns those accesses into reads and writes of the pages
//! of a [`PageCache`].
//!
//! - A never-written slice reads as `len` zero bytes.
//! - Reads see the contract's own uncommitted writes.
//! - Writes are byte-precise: two overlapping writes leave the later one's
//!   bytes, and the earlier one's bytes that it did not cover. (The 2019 SVM
//!   cached slices by index and patched them in index order; that lost
//!   writes. Here every write lands in the page at once.)
//! - `commit`, `discard` and checkpoints pass straight through to the page
//!   cache.
//!
//! ## Key design decision
//!
//! [`Slices`] keeps **no state of its own**: no slice cache, no slice table.
//! Every read and write goes to the page beneath, so the slice view can never
//! disagree with the pages, with a commit, or with a rollback. The page cache
//! already bounds memory and counts hits; a second cache here would only add
//! a way to be wrong.
//!
//! ```
//! use std::sync::Arc;
//! use strata_kv::MemKv;
//! use strata_pages::{PageCache, PageCacheConfig};
//! use strata_slices::{SliceLayout, Slices};
//!
//! let kv = Arc::new(MemKv::new());
//! let mut storage = Slices::new(PageCache::create(kv, 4, PageCacheConfig::default()));
//! let counter = SliceLayout::new(0, 0, 8)?;
//! assert_eq!(storage.read(counter)?, &[0u8; 8]); // never written: zeros
//! storage.write_u64_be(0, 0, 41)?;
//! let next = storage.read_u64_be(0, 0)? + 1;
//! storage.write_u64_be(0, 0, next)?;
//! assert_eq!(storage.read_u64_be(0, 0)?, 42);
//! let root = storage.commit_and_apply()?;
//! # let _ = root;
//! # Ok::<(), strata_slices::SliceError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use strata_kv::KvStore;
pub use strata_pages::PAGE_SIZE;
use strata_pages::{Checkpoint, Commit, PageCache, PageError, StateRoot};

/// What can go wrong with a slice access.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SliceError {
    /// The slice does not lie inside one page: `offset + len` exceeds the
    /// page size (or overflows).
    #[error(
        "slice of {len} bytes at offset {offset} of page {page} crosses the page boundary \
         (a slice must satisfy offset + len <= {PAGE_SIZE})"
    )]
    CrossesPage {
        /// The page.
        page: u32,
        /// The offset in the page.
        offset: u32,
        /// The length.
        len: u32,
    },
    /// The page layer failed: a page index beyond the contract's page count
    /// ([`PageError::PageOutOfRange`]), a missing or corrupt record, or the
    /// store.
    #[error(transparent)]
    Page(#[from] PageError),
}

/// A slice of one page: `offset + len <= PAGE_SIZE` holds for every value.
///
/// Whether `page` exists depends on the contract, and is checked at access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SliceLayout {
    page: u32,
    offset: u16,
    len: u16,
}

impl SliceLayout {
    /// The slice `(page, offset, len)`, or [`SliceError::CrossesPage`] when
    /// it does not lie inside one page. `len` 0 is allowed anywhere up to
    /// and including offset `PAGE_SIZE`.
    pub fn new(page: u32, offset: u32, len: u32) -> Result<Self, SliceError> {
        let end = u64::from(offset) + u64::from(len);
        if end > PAGE_SIZE as u64 {
            return Err(SliceError::CrossesPage { page, offset, len });
        }
        // Both fit in u16: they are at most PAGE_SIZE (4096).
        Ok(SliceLayout {
            page,
            offset: offset as u16,
            len: len as u16,
        })
    }

    /// The page index.
    pub const fn page(&self) -> u32 {
        self.page
    }

    /// The offset inside the page.
    pub const fn offset(&self) -> usize {
        self.offset as usize
    }

    /// The length in bytes.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the slice is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn range(&self) -> std::ops::Range<usize> {
        self.offset()..self.offset() + self.len()
    }
}

/// A contract's storage seen as slices, over its [`PageCache`].
pub struct Slices<K> {
    pages: PageCache<K>,
}

impl<K> std::fmt::Debug for Slices<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Slices").field(&self.pages).finish()
    }
}

impl<K: KvStore> Slices<K> {
    /// Slices over `pages`.
    pub fn new(pages: PageCache<K>) -> Self {
        Slices { pages }
    }

    /// The page cache beneath.
    pub fn pages(&self) -> &PageCache<K> {
        &self.pages
    }

    /// The page cache beneath, mutably.
    pub fn pages_mut(&mut self) -> &mut PageCache<K> {
        &mut self.pages
    }

    /// Gives the page cache back.
    pub fn into_pages(self) -> PageCache<K> {
        self.pages
    }

    /// The contract's page count.
    pub fn page_count(&self) -> u32 {
        self.pages.page_count()
    }

    /// The bytes of `slice`, uncommitted writes included; zeros where nothing
    /// was ever written.
    pub fn read(&mut self, slice: SliceLayout) -> Result<&[u8], SliceError> {
        let page = self.pages.page(slice.page())?;
        Ok(&page[slice.range()])
    }

    /// Copies the bytes of `slice` into `out`, which must be exactly
    /// `slice.len()` long (else [`SliceError::CrossesPage`] describes the
    /// mismatch as a slice of `out.len()` bytes).
    pub fn read_into(&mut self, slice: SliceLayout, out: &mut [u8]) -> Result<(), SliceError> {
        let bytes = self.read(slice)?;
        if bytes.len() != out.len() {
            return Err(SliceError::CrossesPage {
                page: slice.page(),
                offset: slice.offset() as u32,
                len: u32::try_from(out.len()).unwrap_or(u32::MAX),
            });
        }
        out.copy_from_slice(bytes);
        Ok(())
    }

    /// Writes `bytes` at `offset` of `page`: the slice `(page, offset,
    /// bytes.len())`, which must lie inside the page.
    pub fn write(&mut self, page: u32, offset: u32, bytes: &[u8]) -> Result<(), SliceError> {
        let len = u32::try_from(bytes.len()).map_err(|_| SliceError::CrossesPage {
            page,
            offset,
            len: u32::MAX,
        })?;
        let slice = SliceLayout::new(page, offset, len)?;
        if slice.is_empty() {
            // Still check the page, so that a bad page index never passes.
            self.pages.page(page)?;
            return Ok(());
        }
        self.pages
            .page_range_mut(page, slice.range())?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// Fills `slice` with zeros.
    pub fn zero(&mut self, slice: SliceLayout) -> Result<(), SliceError> {
        self.pages
            .page_range_mut(slice.page(), slice.range())?
            .fill(0);
        Ok(())
    }

    /// The big-endian `u64` at `offset` of `page`.
    pub fn read_u64_be(&mut self, page: u32, offset: u32) -> Result<u64, SliceError> {
        Ok(u64::from_be_bytes(self.read_array(page, offset)?))
    }

    /// Writes `value` as a big-endian `u64` at `offset` of `page`.
    pub fn write_u64_be(&mut self, page: u32, offset: u32, value: u64) -> Result<(), SliceError> {
        self.write(page, offset, &value.to_be_bytes())
    }

    /// The big-endian `u32` at `offset` of `page`.
    pub fn read_u32_be(&mut self, page: u32, offset: u32) -> Result<u32, SliceError> {
        Ok(u32::from_be_bytes(self.read_array(page, offset)?))
    }

    /// Writes `value` as a big-endian `u32` at `offset` of `page`.
    pub fn write_u32_be(&mut self, page: u32, offset: u32, value: u32) -> Result<(), SliceError> {
        self.write(page, offset, &value.to_be_bytes())
    }

    /// The `N` bytes at `offset` of `page`.
    pub fn read_array<const N: usize>(
        &mut self,
        page: u32,
        offset: u32,
    ) -> Result<[u8; N], SliceError> {
        let mut out = [0u8; N];
        let slice = SliceLayout::new(page, offset, N as u32)?;
        self.read_into(slice, &mut out)?;
        Ok(out)
    }

    /// Opens a checkpoint in the page cache (see [`PageCache::checkpoint`]).
    pub fn checkpoint(&mut self) -> Checkpoint {
        self.pages.checkpoint()
    }

    /// Undoes every write since `cp` (see [`PageCache::rollback`]).
    pub fn rollback(&mut self, cp: Checkpoint) -> Result<(), SliceError> {
        Ok(self.pages.rollback(cp)?)
    }

    /// Keeps every write since `cp` (see [`PageCache::release`]).
    pub fn release(&mut self, cp: Checkpoint) -> Result<(), SliceError> {
        Ok(self.pages.release(cp)?)
    }

    /// Drops every uncommitted write (see [`PageCache::discard`]).
    pub fn discard(&mut self) {
        self.pages.discard();
    }

    /// The new root and its kv writes, not applied (see
    /// [`PageCache::commit`]).
    pub fn commit(&mut self) -> Result<Commit, SliceError> {
        Ok(self.pages.commit()?)
    }

    /// Commits and writes the batch (see [`PageCache::commit_and_apply`]).
    pub fn commit_and_apply(&mut self) -> Result<StateRoot, SliceError> {
        Ok(self.pages.commit_and_apply()?)
    }

    /// The last committed state root.
    pub fn root(&self) -> StateRoot {
        self.pages.root()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_at_the_edges() {
        assert!(SliceLayout::new(0, 4095, 1).is_ok());
        assert!(SliceLayout::new(0, 0, 4096).is_ok());
        assert!(SliceLayout::new(0, 4096, 0).is_ok());
        assert!(SliceLayout::new(0, 0, 0).is_ok());
        for (o, l) in [
            (4096, 1),
            (4095, 2),
            (0, 4097),
            (u32::MAX, 1),
            (1, u32::MAX),
        ] {
            assert!(
                matches!(
                    SliceLayout::new(3, o, l),
                    Err(SliceError::CrossesPage { page: 3, .. })
                ),
                "{o} {l}"
            );
        }
        let s = SliceLayout::new(9, 4000, 96).unwrap();
        assert_eq!((s.page(), s.offset(), s.len()), (9, 4000, 96));
    }
}
