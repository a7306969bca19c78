use strata_kv::KvError;

use crate::{PageHash, StateRoot, types::Hash32};

/// Everything that can go wrong in the page store and the page cache.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// A page index at or beyond the contract's page count.
    #[error("page {index} is out of range: the contract has {page_count} pages (0..{page_count})")]
    PageOutOfRange {
        /// The index asked for.
        index: u32,
        /// The contract's page count.
        page_count: u32,
    },
    /// A byte range that does not lie inside a page.
    #[error(
        "bytes {start}..{end} of page {index} do not lie inside a page of {} bytes",
        crate::PAGE_SIZE
    )]
    RangeOutOfPage {
        /// The page index.
        index: u32,
        /// The range's start.
        start: usize,
        /// The range's end.
        end: usize,
    },
    /// No state with this root was ever committed to this store.
    #[error("unknown state root {root}: no state with this root was committed to this store")]
    UnknownRoot {
        /// The root asked for.
        root: StateRoot,
    },
    /// A tree node that the state needs is missing from the store.
    #[error("state root {root} is incomplete: tree node {} is missing from the store", strata_primitives::hex::encode(.node))]
    MissingNode {
        /// The state being read.
        root: StateRoot,
        /// The missing node.
        node: Hash32,
    },
    /// A page that the state needs is missing from the store.
    #[error(
        "state root {root} is incomplete: page {index} (hash {hash}) is missing from the store"
    )]
    MissingPage {
        /// The state being read.
        root: StateRoot,
        /// The page index.
        index: u32,
        /// The page's hash.
        hash: PageHash,
    },
    /// A stored record does not match its key or has the wrong size.
    #[error("corrupt {what} record {}: {detail}", strata_primitives::hex::encode(.key))]
    Corrupt {
        /// What kind of record: `page`, `node` or `root`.
        what: &'static str,
        /// The record's key.
        key: Hash32,
        /// What is wrong with it.
        detail: String,
    },
    /// `commit` was called while checkpoints were still open.
    #[error("cannot commit with {open} checkpoint(s) still open: release or roll them back first")]
    CheckpointsOpen {
        /// How many are open.
        open: usize,
    },
    /// A checkpoint token that is not open any more (already released or
    /// rolled back, or from another cache).
    #[error("checkpoint {id} is not open (already released or rolled back, or from another cache)")]
    UnknownCheckpoint {
        /// The token's id.
        id: u64,
    },
    /// The key-value store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
}
