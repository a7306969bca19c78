//! # strata-pages: paged contract storage with a Merkle state root
//!
//! A contract's storage is `page_count` pages of [`PAGE_SIZE`] bytes, fixed
//! when the contract is created. This crate keeps those pages in a
//! [`strata_kv::KvStore`] the way the Spacemesh SVM design does, and gives a
//! running contract a page cache that commits on success and discards on
//! failure.
//!
//! - **Content addressing.** A page is stored under the hash of its bytes
//!   (blake3), so identical pages are stored once, and every state ever
//!   committed stays readable.
//! - **State root.** The root of a binary Merkle tree over the page hashes in
//!   index order, bound to the page count. A never-written page is the zero
//!   page; the hashes of all-zero subtrees are constants ([`tree::zero_hash`]),
//!   so a fresh contract of any size has a known root and occupies no storage.
//! - **O(k log n) commits.** Inner tree nodes are stored content-addressed
//!   too, four levels per record ([`tree::GROUP_HEIGHT`]), and the
//!   [`PageCache`] loads only the tree paths it touches, so committing k
//!   dirty pages of an n-page contract hashes O(k log n) nodes, writes
//!   O(k log n / 4) records, and never reads or re-hashes the other pages.
//! - **Snapshots and proofs.** Any committed root can be opened again
//!   ([`PageCache::open`]), and [`prove`] / [`verify`] give and check a Merkle
//!   proof of one page against a root, without a store.
//!
//! ## Key design decision
//!
//! The tree is a *persistent* (immutable, structurally shared) Merkle tree
//! rather than a page table rewritten on each commit: a commit writes new
//! nodes along the k changed paths and never touches the rest, old roots stay
//! valid for free, and proofs fall out of the structure. The price is
//! `O(log n)` node lookups on a page-cache miss, which the cache's loaded
//! groups amortise.
//!
//! ```
//! use std::sync::Arc;
//! use strata_kv::MemKv;
//! use strata_pages::{PageCache, PageCacheConfig};
//!
//! let kv = Arc::new(MemKv::new());
//! let mut cache = PageCache::create(kv.clone(), 16, PageCacheConfig::default());
//! let empty_root = cache.root();
//! cache.page_mut(3)?[..5].copy_from_slice(b"hello");
//! let root = cache.commit_and_apply()?;
//! assert_ne!(root, empty_root);
//!
//! let mut reopened = PageCache::open(kv, root, PageCacheConfig::default())?;
//! assert_eq!(&reopened.page(3)?[..5], b"hello");
//! assert!(reopened.page(16).is_err()); // out of range: a typed error
//! # Ok::<(), strata_pages::PageError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cache;
mod error;
pub mod tree;
mod types;

pub use cache::{CacheStats, Checkpoint, Commit, PageCache, PageCacheConfig};
pub use error::PageError;
pub use tree::{MerkleProof, prove, prove_at, verify};
pub use types::{Hash32, PageHash, StateRoot};

use strata_kv::Namespace;
use strata_primitives::namespaces;

/// The size of one page, in bytes.
pub const PAGE_SIZE: usize = 4096;

/// One page's bytes.
pub type Page = [u8; PAGE_SIZE];

/// The all-zero page: what a never-written page holds.
pub static ZERO_PAGE: Page = [0; PAGE_SIZE];

/// Namespace of page contents: page hash → [`PAGE_SIZE`] bytes. The zero page
/// is never stored.
pub const NS_PAGES: Namespace = namespaces::PAGES;
/// Namespace of inner Merkle nodes: node hash → left child hash ++ right
/// child hash (64 bytes). All-zero subtrees are never stored.
pub const NS_NODES: Namespace = namespaces::NODES;
/// Namespace of committed state roots: state root → page count (u32,
/// little-endian) ++ tree root (32 bytes). Written only by caches with
/// [`PageCacheConfig::root_records`] on (the default; the runtime turns it
/// off and keeps both in its account records).
pub const NS_ROOTS: Namespace = namespaces::ROOTS;
