//! The global state commitment: one root over every account.
//!
//! An [`AccountTree`] is a binary sparse Merkle tree over 256-bit keys, the
//! [`Domain::AccountKey`] hash of each address, holding the
//! [`Domain::AccountRecord`] hash of each account's stored record. The
//! record holds the contract's storage root, so the tree's root commits to
//! every account and every page, and a proof chains from a page up to it.
//!
//! Shape (why this one, see ARCHITECTURE.md):
//! - **Hashed keys**: anyone can name any 20-byte address (a transfer's
//!   recipient), so paths follow a hash of the address; a long shared prefix
//!   costs its maker about 2^bits of work, and the tree's depth stays about
//!   log2(accounts).
//! - **Compressed leaves**: a subtree that holds one account is that
//!   account's leaf, at the top of the subtree, not a chain of inner nodes;
//!   an inner node has two non-empty subtrees. The empty subtree is
//!   [`EMPTY`] (all zeros, no preimage).
//! - **Content-addressed nodes** (`namespaces::ACCOUNT_NODES`, node hash →
//!   node), as pages are: a root opens the tree it names, every retained root
//!   stays readable, and one pruning scheme can serve pages and nodes alike.
//! - Updating `k` accounts of `n` hashes and writes `O(k log n)` nodes.
//!
//! Hashes: a leaf is [`Domain::AccountLeaf`] of `key ++ record hash`, an
//! inner node [`Domain::AccountNode`] of `left ++ right`: one blake3
//! compression each.
//!
//! [`AccountProof`] proves that an address has a given record, or none,
//! under a root; [`AccountProof::verify`] needs nothing but the proof.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod proof;
mod tree;

pub use proof::{AccountProof, ProofError};
pub use tree::{AccountTree, Node, NodeStore, StateError, Superseded, Update};

use strata_primitives::{Address, Domain, Hash32};

/// The root of the empty tree, and of every empty subtree.
pub const EMPTY: Hash32 = [0; 32];

/// The path of `address` in the tree.
pub fn account_key(address: &Address) -> Hash32 {
    Domain::AccountKey.hash(&address.0)
}

/// The hash the tree keeps of an account record.
pub fn record_hash(record: &[u8]) -> Hash32 {
    Domain::AccountRecord.hash(record)
}

/// The hash of a leaf.
pub fn leaf_hash(key: &Hash32, record: &Hash32) -> Hash32 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(key);
    buf[32..].copy_from_slice(record);
    Domain::AccountLeaf.hash(&buf)
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left);
    buf[32..].copy_from_slice(right);
    Domain::AccountNode.hash(&buf)
}

/// Bit `depth` of `key`, from the most significant bit of byte 0: 0 goes
/// left, 1 right.
pub(crate) fn bit(key: &Hash32, depth: usize) -> bool {
    (key[depth / 8] >> (7 - depth % 8)) & 1 == 1
}
