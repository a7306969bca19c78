//! Writes per block, not per transaction: the block's sweep.
//!
//! Every successful transaction commits its contracts' pages, and each
//! commit puts new content-addressed records (pages in `NS_PAGES`, groups
//! of tree nodes in `NS_NODES`) into the block overlay, where the next
//! transactions read them. When a later transaction of the same block
//! changes the same page again, the earlier records are superseded: no
//! state the block ends in can reach them. Before the block is written,
//! the sweep marks what the block's final state reaches and leaves every
//! other pending page and node record out of the batch.
//!
//! ## Why nothing reachable is left out
//!
//! The walk starts at the page-tree root of every account the block wrote
//! (their final records) and descends only through records that are
//! pending in the overlay. A hash that is not pending is either an
//! all-zero subtree (never stored) or a record already in the store, whose
//! own subtree is in the store too: the store only ever receives whole
//! subtrees, because every block writes exactly the closure of its final
//! roots over its new records. So every record the final state reaches is
//! either marked here or already stored. Accounts the block did not write
//! keep roots whose trees are entirely stored.
//!
//! Map nodes (`strata_maps::MAP_NODES`) are swept the same way: the walk
//! starts at the map roots in each final account record
//! (`Account::maps`) and follows `strata_maps::children`, which names a
//! nested map's root too; a map update of an earlier transaction that a
//! later one superseded never reaches the store.
//!
//! Only these three content-addressed namespaces are swept. Account
//! records, code, account-tree nodes and the head are written as they
//! are: account records are keyed by address (the overlay already keeps
//! only the last one), code is never superseded, and the account tree is
//! updated once per block.
//!
//! Receipts are unchanged: every transaction still computes its
//! contracts' roots in memory, and later transactions of the block read
//! the superseded records from the overlay as before.

use hashbrown::HashSet;
use strata_kv::{KvStore, Namespace};
use strata_primitives::{Address, Hash32};

use crate::overlay::BlockKv;
use crate::{Account, NS_ACCOUNTS, RuntimeError};
use strata_maps::MAP_NODES;
use strata_pages::{NS_NODES, NS_PAGES};

/// The pending page and node records a block's final state reaches.
#[derive(Debug, Default)]
pub(crate) struct Reachable {
    pages: HashSet<Hash32>,
    nodes: HashSet<Hash32>,
    maps: HashSet<Hash32>,
}

impl Reachable {
    /// Whether the block writes the pending put of `key` in `ns`: always,
    /// outside the swept namespaces; inside them, only if it is reached.
    pub(crate) fn keeps(&self, ns: Namespace, key: &[u8]) -> bool {
        let Ok(hash) = <Hash32>::try_from(key) else {
            return ns != NS_PAGES && ns != NS_NODES && ns != MAP_NODES;
        };
        if ns == MAP_NODES {
            self.maps.contains(&hash)
        } else if ns == NS_PAGES {
            self.pages.contains(&hash)
        } else if ns == NS_NODES {
            self.nodes.contains(&hash)
        } else {
            true
        }
    }

    /// How many records are marked (pages, nodes).
    #[cfg(test)]
    pub(crate) fn len(&self) -> (usize, usize) {
        (self.pages.len(), self.nodes.len())
    }
}

/// Marks every pending page and node record that the final records of
/// `accounts` reach, through pending records only (see the module docs).
/// Costs one lookup per record the block wrote, whatever the size of the
/// stored state.
pub(crate) fn mark<K: KvStore>(
    kv: &BlockKv<K>,
    accounts: impl IntoIterator<Item = Address>,
) -> Result<Reachable, RuntimeError> {
    let mut reached = Reachable::default();
    let mut stack: Vec<Hash32> = Vec::new();
    for address in accounts {
        let Some(record) = kv.get(NS_ACCOUNTS, &address.0)? else {
            continue;
        };
        let account = Account::from_record(&address, &record)?;
        stack.extend(account.maps.iter().map(|m| m.root));
        while let Some(hash) = stack.pop() {
            if reached.maps.contains(&hash) {
                continue;
            }
            if let Some(record) = kv.pending_put(MAP_NODES, &hash) {
                reached.maps.insert(hash);
                let children =
                    strata_maps::children(&record).map_err(|e| RuntimeError::Corrupt {
                        what: "map node",
                        key: strata_primitives::hex::encode(hash),
                        detail: e.to_string(),
                    })?;
                stack.extend(children);
            }
        }
        if account.page_count == 0 {
            continue;
        }
        stack.push(account.tree_root);
        while let Some(hash) = stack.pop() {
            if reached.nodes.contains(&hash) || reached.pages.contains(&hash) {
                continue;
            }
            if let Some(group) = kv.pending_put(NS_NODES, &hash) {
                reached.nodes.insert(hash);
                // A group's record is its bottom row of hashes: the roots
                // of the groups below it, or page hashes at the bottom.
                for child in group.chunks_exact(32) {
                    if let Ok(child) = <Hash32>::try_from(child) {
                        stack.push(child);
                    }
                }
            } else if kv.pending_put(NS_PAGES, &hash).is_some() {
                reached.pages.insert(hash);
            }
        }
    }
    Ok(reached)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_kv::{MemKv, WriteBatch};

    #[test]
    fn non_hash_keys_are_kept_outside_the_swept_namespaces_only() {
        let r = Reachable::default();
        assert!(r.keeps(NS_ACCOUNTS, &[1; 20]));
        assert!(r.keeps(NS_ACCOUNTS, &[1; 32]));
        assert!(!r.keeps(NS_PAGES, &[1; 32]));
        assert!(!r.keeps(NS_NODES, &[1; 32]));
        assert!(!r.keeps(NS_PAGES, b"short"));
    }

    #[test]
    fn the_walk_stops_at_records_that_are_not_pending() {
        let kv = BlockKv::new(std::sync::Arc::new(MemKv::new()));
        // A pending group whose row names a pending page, a pending group,
        // and a hash that is not pending (stored or zero).
        let (page, inner, elsewhere) = ([7u8; 32], [8u8; 32], [9u8; 32]);
        let mut row = Vec::new();
        for h in [page, inner, elsewhere] {
            row.extend_from_slice(&h);
        }
        let top = [1u8; 32];
        let mut b = WriteBatch::new();
        b.put(NS_NODES, top, row);
        b.put(NS_NODES, inner, [0u8; 64].to_vec());
        b.put(NS_PAGES, page, b"page".to_vec());
        b.put(NS_PAGES, [6u8; 32], b"superseded".to_vec());
        let account = Account {
            code_hash: None,
            page_count: 16,
            banks: Vec::new(),
            state_root: strata_pages::tree::state_root(16, &top),
            tree_root: top,
            balance: 0,
            nonce: 0,
            name: None,
            maps: Vec::new(),
        };
        let address = Address([3; 20]);
        b.put(NS_ACCOUNTS, address.0, account.to_record(&address));
        kv.write(b).unwrap();
        let r = mark(&kv, [address, Address([4; 20])]).unwrap();
        assert_eq!(r.len(), (1, 2));
        assert!(r.keeps(NS_NODES, &top) && r.keeps(NS_NODES, &inner));
        assert!(r.keeps(NS_PAGES, &page));
        assert!(!r.keeps(NS_PAGES, &[6u8; 32]), "unreached: left out");
        assert!(!r.keeps(NS_NODES, &elsewhere));
    }
}
