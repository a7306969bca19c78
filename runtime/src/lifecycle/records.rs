//! The content-addressed records pruning counts, and what each one names.
//!
//! Four kinds of record are stored by the hash of their content and can be
//! shared (by two contracts, by two versions of one contract, by two block
//! roots): account-tree nodes, account records by hash, page-tree groups
//! and pages. Each one's children follow from its bytes alone, and each is
//! checked against its key before its children are believed, so a damaged
//! record can never make pruning delete the wrong thing.

use parity_scale_codec::DecodeAll;
use smallvec::SmallVec;
use strata_kv::Namespace;
use strata_pages::tree::{depth, node_hash, page_hash, zero_hash};
use strata_pages::{NS_NODES, NS_PAGES};
use strata_primitives::{Hash32, hex, namespaces};
use strata_state::{EMPTY, Node, record_hash};

use crate::{Account, RuntimeError};

/// Where a hash a record names is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An account-tree node (`ACCOUNT_NODES`): a block root, or a child of
    /// an inner node.
    AccountNode,
    /// An account record by hash (`ACCOUNT_RECORDS`), a leaf's value.
    AccountRecord,
    /// A contract's storage tree: a group of tree nodes (`NS_NODES`) or,
    /// at the bottom (and for a one-page contract, at the top), a page
    /// (`NS_PAGES`).
    PageTree,
    /// A node of a contract's map (`MAP_NODES`): a top-level root listed
    /// in an account record, or a child of a map node (nested maps too).
    MapNode,
}

impl Kind {
    /// The namespaces a record of this kind may be in, in the order to look.
    pub(crate) fn namespaces(self) -> &'static [Namespace] {
        match self {
            Kind::AccountNode => &[namespaces::ACCOUNT_NODES],
            Kind::AccountRecord => &[namespaces::ACCOUNT_RECORDS],
            Kind::PageTree => &[NS_NODES, NS_PAGES],
            Kind::MapNode => &[namespaces::MAP_NODES],
        }
    }
}

/// Whether records in `ns` are reference-counted (and so pruned).
pub(crate) fn counted(ns: Namespace) -> bool {
    ns == namespaces::ACCOUNT_NODES
        || ns == namespaces::ACCOUNT_RECORDS
        || ns == NS_NODES
        || ns == NS_PAGES
        || ns == namespaces::MAP_NODES
}

/// Whether `hash` names nothing stored: the empty account subtree, or an
/// all-zero page subtree of any height (constants, never stored).
pub(crate) fn is_constant(hash: &Hash32) -> bool {
    use std::sync::OnceLock;
    static ZEROS: OnceLock<Vec<Hash32>> = OnceLock::new();
    *hash == EMPTY
        || ZEROS
            .get_or_init(|| (0..=strata_pages::tree::MAX_DEPTH).map(zero_hash).collect())
            .contains(hash)
}

/// The children of a record, each with where it is stored.
pub(crate) type Children = SmallVec<[(Hash32, Kind); 16]>;

/// The records `bytes` (stored under `hash` in `ns`) names, after checking
/// that the bytes hash to `hash`.
pub(crate) fn children(
    ns: Namespace,
    hash: &Hash32,
    bytes: &[u8],
) -> Result<Children, RuntimeError> {
    children_of(ns, hash, bytes, true)
}

/// [`children`], checking the hash only if `check` (a record this block
/// made itself, from the hash it was put under, need not be).
pub(crate) fn children_of(
    ns: Namespace,
    hash: &Hash32,
    bytes: &[u8],
    check: bool,
) -> Result<Children, RuntimeError> {
    let corrupt = |detail: &str| RuntimeError::Corrupt {
        what: namespaces::name(ns).unwrap_or("content-addressed"),
        key: hex::encode(hash),
        detail: detail.into(),
    };
    let mut out = Children::new();
    let mut push = |h: Hash32, kind: Kind| {
        if !is_constant(&h) {
            out.push((h, kind));
        }
    };
    if ns == namespaces::ACCOUNT_NODES {
        let node = Node::decode_all(&mut &bytes[..])
            .map_err(|e| corrupt(&format!("it does not decode: {e}")))?;
        if check && node.hash() != *hash {
            return Err(corrupt("the node does not hash to its key"));
        }
        match node {
            Node::Leaf { record, .. } => push(record, Kind::AccountRecord),
            Node::Inner { left, right } => {
                push(left, Kind::AccountNode);
                push(right, Kind::AccountNode);
            }
        }
    } else if ns == namespaces::ACCOUNT_RECORDS {
        if check && record_hash(bytes) != *hash {
            return Err(corrupt("the record does not hash to its key"));
        }
        let account = Account::from_record_unchecked(bytes)
            .map_err(|e| corrupt(&format!("it does not decode: {e}")))?;
        if account.page_count > 0 && account.tree_root != zero_hash(depth(account.page_count)) {
            push(account.tree_root, Kind::PageTree);
        }
        for m in &account.maps {
            push(m.root, Kind::MapNode);
        }
    } else if ns == NS_NODES {
        if check && group_root(bytes) != Some(*hash) {
            return Err(corrupt("the group's row does not hash to its key"));
        }
        if !bytes.len().is_multiple_of(32) {
            return Err(corrupt("the group's row is not a list of hashes"));
        }
        for child in bytes.chunks_exact(32) {
            let mut h = [0u8; 32];
            h.copy_from_slice(child);
            push(h, Kind::PageTree);
        }
    } else if ns == namespaces::MAP_NODES {
        let node = if check {
            strata_maps::Node::from_record_checked(hash, bytes)
        } else {
            strata_maps::Node::from_record(bytes)
        }
        .map_err(|e| corrupt(&e.to_string()))?;
        for child in node.children() {
            push(child, Kind::MapNode);
        }
    } else if ns == NS_PAGES {
        if check && page_hash(bytes).0 != *hash {
            return Err(corrupt("the page does not hash to its key"));
        }
    } else {
        return Err(RuntimeError::Internal(format!(
            "namespace {} holds no counted records",
            ns.tag()
        )));
    }
    Ok(out)
}

/// The root hash of a page-tree group from its bottom row (a power of two
/// of hashes, at least two), or `None` for a row of any other shape.
fn group_root(row: &[u8]) -> Option<Hash32> {
    let n = row.len() / 32;
    if !row.len().is_multiple_of(32) || n < 2 || !n.is_power_of_two() {
        return None;
    }
    let mut level: Vec<Hash32> = row
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            h
        })
        .collect();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    level.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_row_hashes_pairwise_to_its_root() {
        let (a, b, c, d) = ([1u8; 32], [2u8; 32], [3u8; 32], [4u8; 32]);
        let mut row = Vec::new();
        for h in [a, b, c, d] {
            row.extend_from_slice(&h);
        }
        let root = node_hash(&node_hash(&a, &b), &node_hash(&c, &d));
        assert_eq!(group_root(&row), Some(root));
        assert_eq!(group_root(&row[..96]), None, "three hashes");
        assert_eq!(group_root(&row[..32]), None, "one hash");
        assert_eq!(group_root(&row[..33]), None);
        let kids = children(NS_NODES, &root, &row).unwrap();
        assert_eq!(kids.len(), 4);
        assert!(children(NS_NODES, &[9; 32], &row).is_err(), "wrong key");
    }

    #[test]
    fn constants_are_never_children() {
        let zero = zero_hash(0);
        let mut row = Vec::new();
        row.extend_from_slice(&zero);
        row.extend_from_slice(&[5u8; 32]);
        let root = node_hash(&zero, &[5u8; 32]);
        let kids = children(NS_NODES, &root, &row).unwrap();
        assert_eq!(kids.as_slice(), &[([5u8; 32], Kind::PageTree)]);
        assert!(is_constant(&EMPTY) && is_constant(&zero_hash(20)));
        assert!(!is_constant(&[5u8; 32]));
    }

    #[test]
    fn pages_are_checked_against_their_key() {
        let page = b"hello".to_vec();
        let h = page_hash(&page).0;
        assert!(children(NS_PAGES, &h, &page).unwrap().is_empty());
        assert!(children(NS_PAGES, &h, b"hellO").is_err());
    }
}
