//! The Merkle tree over a contract's pages: hashing rules, the constant
//! hashes of all-zero subtrees, and proofs.
//!
//! ## Hashing rules (all blake3, each kind under its own key)
//!
//! - leaf (page hash): `keyed_H(K_leaf, page bytes)`, blake3's keyed mode with
//!   `K_leaf = H("strata/page-leaf/v1")`
//! - inner node: `keyed_H(K_node, left ++ right)`, `K_node = H("strata/tree-node/v1")`
//! - state root: `keyed_H(K_root, page_count as u32 little-endian ++ tree root)`,
//!   `K_root = H("strata/state-root/v1")`
//!
//! The tree over `n` pages has depth `d = ceil(log2(n))` (0 for `n <= 1`) and
//! `2^d` leaves; leaves at and beyond `n` are zero pages. One key per kind
//! keeps a page from ever passing for an inner node and the other way round,
//! and keeps every input aligned to blake3's blocks: a node is exactly one
//! 64-byte compression, a page exactly four 1 KiB chunks.

use std::sync::OnceLock;

use parity_scale_codec::{Decode, Encode};
use strata_kv::{KvStore, WriteBatch};

use crate::{
    Hash32, NS_NODES, NS_PAGES, NS_ROOTS, PAGE_SIZE, Page, PageError, PageHash, StateRoot,
    ZERO_PAGE,
};

/// The most levels a tree can have: page counts are `u32`.
pub const MAX_DEPTH: u32 = 32;

/// The hash of one page's bytes (a Merkle leaf).
pub fn page_hash(page: &[u8]) -> PageHash {
    PageHash(*blake3::keyed_hash(leaf_key(), page).as_bytes())
}

/// The key of leaf hashes. Leaves are hashed in blake3's keyed mode rather
/// than behind a prefix byte: the domains stay apart, and a 4 KiB page stays
/// aligned to blake3's 1 KiB chunks (its fast path).
fn leaf_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    key(&KEY, b"strata/page-leaf/v1")
}

/// The hash of an inner node from its children: keyed blake3 over exactly
/// 64 bytes, a single compression (a tag byte would make it two).
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left);
    buf[32..].copy_from_slice(right);
    *blake3::keyed_hash(key(&NODE_KEY, b"strata/tree-node/v1"), &buf).as_bytes()
}

/// The state root of a contract with `page_count` pages and this tree root.
pub fn state_root(page_count: u32, tree_root: &Hash32) -> StateRoot {
    let mut buf = [0u8; 36];
    buf[..4].copy_from_slice(&page_count.to_le_bytes());
    buf[4..].copy_from_slice(tree_root);
    StateRoot(*blake3::keyed_hash(key(&ROOT_KEY, b"strata/state-root/v1"), &buf).as_bytes())
}

static NODE_KEY: OnceLock<[u8; 32]> = OnceLock::new();
static ROOT_KEY: OnceLock<[u8; 32]> = OnceLock::new();

fn key<'a>(cell: &'a OnceLock<[u8; 32]>, context: &[u8]) -> &'a [u8; 32] {
    cell.get_or_init(|| *blake3::hash(context).as_bytes())
}

/// The depth of the tree over `page_count` pages: `ceil(log2(page_count))`,
/// and 0 for 0 or 1 page.
pub fn depth(page_count: u32) -> u32 {
    if page_count <= 1 {
        0
    } else {
        32 - (page_count - 1).leading_zeros()
    }
}

/// The hash of an all-zero subtree of height `level` (0: the zero page's
/// hash). Levels above [`MAX_DEPTH`] are clamped to it.
pub fn zero_hash(level: u32) -> Hash32 {
    static ZERO: OnceLock<[Hash32; MAX_DEPTH as usize + 1]> = OnceLock::new();
    let table = ZERO.get_or_init(|| {
        let mut t = [[0u8; 32]; MAX_DEPTH as usize + 1];
        t[0] = page_hash(&ZERO_PAGE).0;
        for i in 1..t.len() {
            t[i] = node_hash(&t[i - 1], &t[i - 1]);
        }
        t
    });
    table[level.min(MAX_DEPTH) as usize]
}

/// The state root of a fresh contract of `page_count` never-written pages,
/// computed in `O(log n)` without touching any page.
pub fn empty_root(page_count: u32) -> StateRoot {
    state_root(page_count, &zero_hash(depth(page_count)))
}

/// The record stored for each committed state root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RootRecord {
    pub page_count: u32,
    pub tree_root: Hash32,
}

impl RootRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(36);
        v.extend_from_slice(&self.page_count.to_le_bytes());
        v.extend_from_slice(&self.tree_root);
        v
    }

    pub fn put(&self, batch: &mut WriteBatch) -> StateRoot {
        let root = state_root(self.page_count, &self.tree_root);
        batch.put(NS_ROOTS, root.0, self.encode());
        root
    }

    /// Reads and checks the record of `root`.
    pub fn load(kv: &dyn KvStore, root: StateRoot) -> Result<Self, PageError> {
        let bytes = kv
            .get(NS_ROOTS, &root.0)?
            .ok_or(PageError::UnknownRoot { root })?;
        let corrupt = |detail: String| PageError::Corrupt {
            what: "root",
            key: root.0,
            detail,
        };
        if bytes.len() != 36 {
            return Err(corrupt(format!("{} bytes instead of 36", bytes.len())));
        }
        let mut count = [0u8; 4];
        count.copy_from_slice(&bytes[..4]);
        let mut tree_root = [0u8; 32];
        tree_root.copy_from_slice(&bytes[4..]);
        let rec = RootRecord {
            page_count: u32::from_le_bytes(count),
            tree_root,
        };
        if state_root(rec.page_count, &rec.tree_root) != root {
            return Err(corrupt("the record does not hash to its key".into()));
        }
        Ok(rec)
    }
}

/// Loads the two children of the inner node `node` at height `level`
/// (`level >= 1`), checking that they hash to it. All-zero subtrees need no
/// record.
pub(crate) fn load_children(
    kv: &dyn KvStore,
    root: StateRoot,
    node: &Hash32,
    level: u32,
) -> Result<(Hash32, Hash32), PageError> {
    if *node == zero_hash(level) {
        let z = zero_hash(level - 1);
        return Ok((z, z));
    }
    let bytes = kv
        .get(NS_NODES, node)?
        .ok_or(PageError::MissingNode { root, node: *node })?;
    let corrupt = |detail: String| PageError::Corrupt {
        what: "node",
        key: *node,
        detail,
    };
    if bytes.len() != 64 {
        return Err(corrupt(format!("{} bytes instead of 64", bytes.len())));
    }
    let mut left = [0u8; 32];
    let mut right = [0u8; 32];
    left.copy_from_slice(&bytes[..32]);
    right.copy_from_slice(&bytes[32..]);
    if node_hash(&left, &right) != *node {
        return Err(corrupt("the children do not hash to the node".into()));
    }
    Ok((left, right))
}

/// Loads the bytes of page `index` whose hash is `hash`, checking them. The
/// zero page needs no record.
pub(crate) fn load_page(
    kv: &dyn KvStore,
    root: StateRoot,
    index: u32,
    hash: PageHash,
) -> Result<bytes::Bytes, PageError> {
    if hash.0 == zero_hash(0) {
        return Ok(bytes::Bytes::from_static(&ZERO_PAGE));
    }
    let bytes = kv
        .get(NS_PAGES, &hash.0)?
        .ok_or(PageError::MissingPage { root, index, hash })?;
    if bytes.len() != PAGE_SIZE {
        return Err(PageError::Corrupt {
            what: "page",
            key: hash.0,
            detail: format!("{} bytes instead of {PAGE_SIZE}", bytes.len()),
        });
    }
    if page_hash(&bytes) != hash {
        return Err(PageError::Corrupt {
            what: "page",
            key: hash.0,
            detail: "the bytes do not hash to the key".into(),
        });
    }
    Ok(bytes)
}

/// A Merkle proof that a page has given bytes under a state root.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MerkleProof {
    /// The contract's page count (bound into the state root).
    pub page_count: u32,
    /// Sibling hashes from the leaf's level up to just below the root.
    pub siblings: Vec<Hash32>,
}

/// The bytes of page `index` in the state `root`, with a proof that
/// [`verify`] checks without a store.
pub fn prove(
    kv: &dyn KvStore,
    root: StateRoot,
    index: u32,
) -> Result<(bytes::Bytes, MerkleProof), PageError> {
    let rec = RootRecord::load(kv, root)?;
    if index >= rec.page_count {
        return Err(PageError::PageOutOfRange {
            index,
            page_count: rec.page_count,
        });
    }
    let d = depth(rec.page_count);
    let mut siblings = Vec::with_capacity(d as usize);
    let mut node = rec.tree_root;
    for level in (1..=d).rev() {
        let (left, right) = load_children(kv, root, &node, level)?;
        if (index >> (level - 1)) & 1 == 0 {
            siblings.push(right);
            node = left;
        } else {
            siblings.push(left);
            node = right;
        }
    }
    siblings.reverse();
    let page = load_page(kv, root, index, PageHash(node))?;
    Ok((
        page,
        MerkleProof {
            page_count: rec.page_count,
            siblings,
        },
    ))
}

/// Whether `proof` shows that page `index` holds `bytes` in the state `root`.
/// Needs no store. False for a page of the wrong size, an index outside the
/// proof's page count, a proof of the wrong length, and any tampering.
pub fn verify(root: &StateRoot, index: u32, bytes: &[u8], proof: &MerkleProof) -> bool {
    if bytes.len() != PAGE_SIZE
        || index >= proof.page_count
        || proof.siblings.len() != depth(proof.page_count) as usize
    {
        return false;
    }
    let mut node = page_hash(bytes).0;
    for (level, sibling) in proof.siblings.iter().enumerate() {
        node = if (index >> level) & 1 == 0 {
            node_hash(&node, sibling)
        } else {
            node_hash(sibling, &node)
        };
    }
    state_root(proof.page_count, &node) == *root
}

/// Reads one page of a committed state straight from the store, without a
/// cache: `O(log n)` node reads.
pub fn read_page(kv: &dyn KvStore, root: StateRoot, index: u32) -> Result<Page, PageError> {
    let (bytes, _) = prove(kv, root, index)?;
    let mut page = [0u8; PAGE_SIZE];
    page.copy_from_slice(&bytes);
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths() {
        assert_eq!(depth(0), 0);
        assert_eq!(depth(1), 0);
        assert_eq!(depth(2), 1);
        assert_eq!(depth(3), 2);
        assert_eq!(depth(4), 2);
        assert_eq!(depth(5), 3);
        assert_eq!(depth(16), 4);
        assert_eq!(depth(65_536), 16);
        assert_eq!(depth(65_537), 17);
        assert_eq!(depth(u32::MAX), 32);
    }

    #[test]
    fn zero_hashes_chain() {
        assert_eq!(zero_hash(0), page_hash(&ZERO_PAGE).0);
        for l in 1..=MAX_DEPTH {
            assert_eq!(
                zero_hash(l),
                node_hash(&zero_hash(l - 1), &zero_hash(l - 1))
            );
        }
        assert_eq!(zero_hash(99), zero_hash(MAX_DEPTH));
    }

    #[test]
    fn empty_roots_differ_by_page_count() {
        assert_ne!(empty_root(4), empty_root(3), "same tree, different counts");
        assert_ne!(empty_root(1), empty_root(2));
        assert_eq!(empty_root(7), empty_root(7));
    }

    #[test]
    fn domains_are_separated() {
        // A page whose bytes are a node encoding does not hash like the node.
        let mut page = [0u8; PAGE_SIZE];
        page[0] = 1;
        assert_ne!(page_hash(&page).0, node_hash(&[0; 32], &[0; 32]));
    }
}
