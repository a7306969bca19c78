//! The global state root: one commitment over every account, updated once
//! per block.
//!
//! Every block ends by putting the final record of each account it wrote
//! into the account tree (`strata-state`) and writing the tree's new nodes
//! and the head record (`namespaces::BLOCKS`, key `head`: the block's
//! height and root) in the block's own atomic batch. So the head always
//! names a tree whose nodes are in the store, and a block that is killed
//! half-way leaves the old head and the old tree. A block that wrote no
//! account writes nothing, head included: the stored head is the last
//! block that changed the state.
//!
//! A store written before the account tree existed has accounts but no
//! head: its first block builds the tree from every stored account once.

use std::cell::RefCell;
use std::sync::Mutex;

use parity_scale_codec::{Decode, DecodeAll, Encode};
use smallvec::SmallVec;
use strata_kv::{BatchOp, KvStore, WriteBatch};
use strata_primitives::{Address, Hash32, namespaces};
use strata_state::{AccountTree, EMPTY, Node, NodeStore, StateError, account_key, record_hash};

use crate::bounded::Bounded;
use crate::caches::CacheCounters;
use crate::{NS_ACCOUNTS, RuntimeError};

/// Account-tree nodes known to be in the store, already decoded and
/// checked: the paths the next blocks walk again. Nodes are
/// content-addressed and immutable, so a cached node is always right;
/// only nodes of written batches enter (a node of a failed block is not
/// stored, and must never be taken for one that is). A [`Bounded`] map,
/// not an LRU: a block of one transaction puts a path of nodes, and an
/// LRU's node per entry cost 5-7% of such a block; when it fills, it
/// empties, and the next blocks read the top of the tree back once.
///
/// A written block's superseded nodes leave it (see [`NodeChanges`]), so
/// that it holds the current tree's paths, not every old version of them:
/// a hot account's block replaces its leaf and the nodes above it, and a
/// map that kept them all grew to its bound, a table of megabytes whose
/// every insert missed the processor's caches (about 3% of a counter
/// transaction). Reads of earlier roots go to the store.
pub(crate) struct NodeCache(Mutex<Nodes>);

/// The nodes, and how the cache has done.
struct Nodes {
    nodes: Bounded<Hash32, Node>,
    /// The account keys (`strata_state::account_key`, a blake3 hash of the
    /// address, about 600 instructions) of the accounts recent blocks
    /// wrote: a block of one hot contract would hash its address again
    /// each time. Derived from the address alone, so always right.
    keys: Bounded<Address, Hash32>,
    counters: CacheCounters,
    /// The vector of a written block's new nodes, emptied, for the next
    /// block's tree (`AccountTree::with_room`): it was a per-block
    /// allocation of over a kilobyte, which glibc serves from its large
    /// bins after consolidating the small ones, trimming the heap's top
    /// and faulting it back in (about 5% of a counter transaction).
    room: Vec<(Hash32, Node)>,
}

impl Nodes {
    fn put(&mut self, hash: Hash32, node: Node) {
        self.counters.evictions += self.nodes.put(hash, node) as u64;
    }

    /// The account key of `address`, remembered.
    fn account_key(&mut self, address: &Address) -> Hash32 {
        if let Some(key) = self.keys.get(address) {
            return *key;
        }
        let key = account_key(address);
        self.keys.put(*address, key);
        key
    }
}

impl NodeCache {
    /// Nodes kept: the top levels of a tree of millions of accounts, and the
    /// paths of a block's accounts (about 100 bytes each).
    const CAPACITY: usize = 16 * 1024;

    pub(crate) fn new() -> Self {
        NodeCache(Mutex::new(Nodes {
            nodes: Bounded::new(Self::CAPACITY),
            keys: Bounded::new(Self::KEYS),
            counters: CacheCounters::default(),
            room: Vec::new(),
        }))
    }

    /// The most nodes whose room is kept between blocks (about 100 bytes
    /// each): a block of a few hundred accounts; a larger one's vector is
    /// freed.
    const ROOM: usize = 4096;

    /// Account keys kept (52 bytes each).
    const KEYS: usize = 16 * 1024;

    /// The account key of `address`, remembered.
    #[cfg(test)]
    fn account_key(&self, address: &Address) -> Hash32 {
        crate::lock(&self.0).account_key(address)
    }

    /// The counters, with the current length.
    pub(crate) fn stats(&self) -> CacheCounters {
        let cache = crate::lock(&self.0);
        CacheCounters {
            len: cache.nodes.len(),
            ..cache.counters
        }
    }

    /// Sets the counters back to 0.
    pub(crate) fn reset_stats(&self) {
        crate::lock(&self.0).counters = CacheCounters::default();
    }

    /// Learns what a written batch did to the tree: forgets the nodes it
    /// superseded, then remembers the nodes it stored (a superseded node
    /// may be among them again).
    pub(crate) fn stored(&self, changes: NodeChanges) {
        let mut cache = crate::lock(&self.0);
        for hash in &changes.superseded {
            cache.nodes.pop(hash);
        }
        let mut stored = changes.stored;
        for (hash, node) in stored.drain(..) {
            cache.put(hash, node);
        }
        if stored.capacity() <= Self::ROOM {
            cache.room = stored;
        }
    }

    /// Forgets every node (with the caches of a dropped block or store).
    pub(crate) fn clear(&self) {
        let mut cache = crate::lock(&self.0);
        cache.nodes.clear();
        cache.keys.clear();
    }
}

/// The store's nodes, through the cache, which the block's end holds
/// locked (one lock for its account keys, its room and every node it
/// loads: an uncontended lock and unlock cost about 100 cycles here).
struct Cached<'a, K> {
    kv: &'a K,
    cache: RefCell<&'a mut Nodes>,
}

impl<K: KvStore> NodeStore for Cached<'_, K> {
    fn node(&self, hash: &Hash32) -> Result<Option<Node>, StateError> {
        {
            let mut cache = self.cache.borrow_mut();
            if let Some(node) = cache.nodes.get(hash).copied() {
                cache.counters.hits += 1;
                return Ok(Some(node));
            }
            cache.counters.misses += 1;
        }
        let node = self.kv.node(hash)?;
        if let Some(n) = node {
            self.cache.borrow_mut().put(*hash, n);
        }
        Ok(node)
    }
}

/// The key of the head record.
pub(crate) const HEAD: &[u8] = b"head";

/// The latest block: its height and the root over every account after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Head {
    /// The block's height.
    pub height: u64,
    /// The account tree's root after it ([`strata_state::EMPTY`] for a
    /// store without accounts).
    pub state_root: Hash32,
}

impl From<StateError> for RuntimeError {
    fn from(e: StateError) -> Self {
        match e {
            StateError::Kv(e) => RuntimeError::Kv(e),
            other => RuntimeError::State(other.to_string()),
        }
    }
}

/// The stored head, if any block has run.
pub(crate) fn head(kv: &impl KvStore) -> Result<Option<Head>, RuntimeError> {
    decode_head(kv.get(namespaces::BLOCKS, HEAD)?)
}

/// The head from its record's bytes (`None`: no head yet).
pub(crate) fn decode_head(bytes: Option<impl AsRef<[u8]>>) -> Result<Option<Head>, RuntimeError> {
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    Head::decode_all(&mut bytes.as_ref())
        .map(Some)
        .map_err(|e| RuntimeError::Corrupt {
            what: "block head",
            key: "head".into(),
            detail: e.to_string(),
        })
}

/// The addresses whose account records `batch` writes.
pub(crate) fn accounts_written(batch: &WriteBatch) -> impl Iterator<Item = Address> + '_ {
    batch.ops().iter().filter_map(|op| match op {
        BatchOp::Put { ns, key, .. } if *ns == NS_ACCOUNTS => {
            <[u8; 20]>::try_from(&key[..]).ok().map(Address)
        }
        _ => None,
    })
}

/// An account's final record in a block: its account key, the record's
/// hash, and the record.
type Final = (Hash32, Hash32, Vec<u8>);

/// What a block did to the account tree, for the [`NodeCache`] once its
/// batch is written.
#[derive(Default)]
pub(crate) struct NodeChanges {
    /// The nodes the batch stores.
    pub stored: Vec<(Hash32, Node)>,
    /// The nodes of the previous root that the new one no longer reaches
    /// (`AccountTree::superseded`).
    pub superseded: strata_state::Superseded,
}

/// What [`finish_block`] gives: the new head, what it did to the tree, and
/// whether the block wrote a head.
pub(crate) type FinishedBlock = (Head, NodeChanges, bool);

/// Updates the account tree, whose root the `previous` head names, with
/// the final records of `touched` (read from `kv`, or from `last` for the
/// ones it writes), and adds the tree's
/// nodes and the new head to `last`. Returns the new head, the nodes
/// for the cache once `last` is written, and whether the block wrote a head
/// (it changed an account).
pub(crate) fn finish_block<K: KvStore>(
    kv: &K,
    cache: &NodeCache,
    previous: Option<Head>,
    touched: impl IntoIterator<Item = Address>,
    last: &mut WriteBatch,
    height: u64,
) -> Result<FinishedBlock, RuntimeError> {
    // The final record of each account, by account key: a later entry
    // replaces an earlier one (the last batch's records are the newest).
    // Collected in order, then sorted stably and deduplicated keeping each
    // key's last entry: inline for a few accounts (a block of one writes
    // one), where a B-tree allocated a node.
    let mut nodes = crate::lock(&cache.0);
    let mut finals: SmallVec<[Final; 4]> = SmallVec::new();
    let mut add = |address: &[u8], record: &[u8]| {
        if let Ok(a) = <[u8; 20]>::try_from(address) {
            finals.push((
                nodes.account_key(&Address(a)),
                record_hash(record),
                record.to_vec(),
            ));
        }
    };
    if previous.is_none() {
        // No tree yet: every account already stored joins it.
        for (address, record) in kv.scan_prefix(NS_ACCOUNTS, b"")? {
            add(&address, &record);
        }
    }
    for address in touched {
        if let Some(record) = kv.get(NS_ACCOUNTS, &address.0)? {
            add(&address.0, &record);
        }
    }
    // The last transaction's records are not in `kv` yet, and are the
    // newest: the last entry of a key is kept.
    for op in last.ops() {
        if let BatchOp::Put { ns, key, value } = op
            && *ns == NS_ACCOUNTS
        {
            add(key, value);
        }
    }
    finals.sort_by_key(|f| f.0);
    let mut distinct: SmallVec<[Final; 4]> = SmallVec::with_capacity(finals.len());
    for f in finals {
        match distinct.last_mut() {
            Some(last) if last.0 == f.0 => *last = f,
            _ => distinct.push(f),
        }
    }
    let root = previous.map_or(EMPTY, |h| h.state_root);
    if distinct.is_empty() {
        // Nothing changed: the root stands, and the stored head stays at
        // the last block that wrote anything (a block of failed
        // transactions writes nothing at all).
        return Ok((
            Head {
                height,
                state_root: root,
            },
            NodeChanges::default(),
            false,
        ));
    }
    let updates: SmallVec<[(Hash32, Hash32); 4]> = distinct
        .iter()
        .map(|(key, hash, _)| (*key, *hash))
        .collect();
    let room = std::mem::take(&mut nodes.room);
    let mut tree = AccountTree::with_room(
        Cached {
            kv,
            cache: RefCell::new(&mut nodes),
        },
        root,
        room,
    );
    let state_root = tree.update(&updates)?;
    // The batch grows once for what the block end adds.
    last.reserve(distinct.len() + tree.pending() + 1);
    // Each final record is also stored under its hash, the value of its
    // leaf, so that this block's root opens later (`snapshot.rs`).
    for (_, hash, record) in distinct {
        last.put(namespaces::ACCOUNT_RECORDS, hash, record);
    }
    let changes = NodeChanges {
        superseded: tree.take_superseded(),
        stored: tree.write_into(last),
    };
    let head = Head { height, state_root };
    last.put(namespaces::BLOCKS, HEAD, head.encode());
    Ok((head, changes, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_account_keys_are_the_hashed_ones() {
        let cache = NodeCache::new();
        let addresses: Vec<Address> = (0u8..5).map(|i| Address([i; 20])).collect();
        for round in 0..3 {
            for a in &addresses {
                assert_eq!(cache.account_key(a), account_key(a), "round {round}");
            }
            if round == 1 {
                cache.clear();
            }
        }
        assert_ne!(
            cache.account_key(&addresses[0]),
            cache.account_key(&addresses[1])
        );
    }
}
