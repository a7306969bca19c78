//! Unbounded maps inside a contract's state, each with its own root.
//!
//! A map is named by a 32-byte *root*, which a contract keeps in an
//! ordinary slice of its pages; the page tree then commits to the map, and
//! the contract's state root covers every entry. The all-zero root
//! ([`EMPTY`]) is the empty map, so a never-written slice is a map already.
//!
//! Shape (why this one, see ARCHITECTURE.md), the account tree's
//! (`strata-state`) technique applied to byte keys:
//! - **Hashed keys**: an entry's path is [`key_hash`] of its key
//!   ([`Domain::MapKey`]), so keys a caller chooses cannot build deep
//!   paths, and the depth stays about log2(entries).
//! - **Compressed leaves**: a subtree with one entry is that entry's leaf;
//!   the leaf holds the key itself (for iteration and proofs) and the value.
//! - **Content-addressed nodes** in [`namespaces::MAP_NODES`]: a root opens
//!   the map it names, every committed root stays readable, and the same
//!   reference-counting pruning can serve pages, account nodes and maps.
//! - **Nested maps**: a leaf's value is either bytes or the root of another
//!   map, marked by its [`ValueKind`], so [`children`] names every record a
//!   record reaches from its bytes alone.
//! - Setting or removing one entry of a map of `n` hashes `O(log n)` nodes;
//!   `k` updates are `O(k log n)`.
//!
//! Iteration ([`MapTree::next`]) is in the order of the keys' hashes, not
//! of the keys: a stable order every node agrees on, which a contract pages
//! through from the last key it saw.
//!
//! [`MapProof`] proves that a key has a value, or none, under a root;
//! [`MapProof::verify`] needs nothing but the proof.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod node;
mod proof;
mod tree;

pub use node::{Node, Value, ValueKind, children};
pub use proof::{MapProof, ProofError, verify_nested};
pub use tree::{
    Entry, Found, Fresh, Loaded, MapError, MapTree, NodeSource, Updated, check_key, check_value,
    write_reachable,
};

pub use strata_primitives::namespaces::MAP_NODES;
use strata_primitives::{Domain, Hash32};

/// The root of the empty map, and of every empty subtree.
pub const EMPTY: Hash32 = [0; 32];

/// The most bytes a key may have.
pub const MAX_KEY_LEN: usize = 256;

/// The most bytes a value may have (a page).
pub const MAX_VALUE_LEN: usize = 4096;

/// The path of `key` in a map's tree.
pub fn key_hash(key: &[u8]) -> Hash32 {
    Domain::MapKey.hash(key)
}

/// The hash of an inner node over `left` and `right`.
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left);
    buf[32..].copy_from_slice(right);
    Domain::MapNode.hash(&buf)
}

/// Bit `depth` of `key`, from the most significant bit of byte 0: 0 goes
/// left, 1 right.
pub(crate) fn bit(key: &Hash32, depth: usize) -> bool {
    (key[depth / 8] >> (7 - depth % 8)) & 1 == 1
}
