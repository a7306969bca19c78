//! The tree itself: nodes, their store, updates and lookups.

use hashbrown::HashMap;

use parity_scale_codec::{Decode, DecodeAll, Encode};
use strata_kv::{KvError, KvStore, WriteBatch};
use strata_primitives::{Hash32, hex, namespaces};

use crate::proof::AccountProof;
use crate::{EMPTY, bit, leaf_hash, node_hash};

/// The most levels a path can have: keys are 256 bits.
const MAX_DEPTH: usize = 256;

/// A stored node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Node {
    /// One account: its key and its record's hash.
    Leaf {
        /// The account's key ([`crate::account_key`]).
        key: Hash32,
        /// Its record's hash ([`crate::record_hash`]).
        record: Hash32,
    },
    /// Two non-empty subtrees (either may be [`EMPTY`] only transiently).
    Inner {
        /// The subtree of keys with a 0 at this depth.
        left: Hash32,
        /// The subtree of keys with a 1 at this depth.
        right: Hash32,
    },
}

impl Node {
    /// The node's hash, under which it is stored.
    pub fn hash(&self) -> Hash32 {
        match self {
            Node::Leaf { key, record } => leaf_hash(key, record),
            Node::Inner { left, right } => node_hash(left, right),
        }
    }
}

/// Why the tree cannot be read or updated.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
    /// A node the root reaches is not in the store: the root was never
    /// committed here, or its nodes were pruned.
    #[error("account tree node {} is missing from the store", hex::encode(.0))]
    Missing(Hash32),
    /// A stored node does not decode, or does not hash to its key.
    #[error("corrupt account tree node {}: {detail}", hex::encode(.key))]
    Corrupt {
        /// The node's key.
        key: Hash32,
        /// What is wrong.
        detail: String,
    },
    /// Two different keys share all 256 bits (a blake3 collision), or a
    /// stored tree is deeper than keys are long.
    #[error("the account tree is deeper than its 256-bit keys")]
    TooDeep,
}

/// Where nodes come from.
pub trait NodeStore {
    /// The node stored under `hash`, if any.
    fn node(&self, hash: &Hash32) -> Result<Option<Node>, StateError>;
}

impl<K: KvStore + ?Sized> NodeStore for K {
    fn node(&self, hash: &Hash32) -> Result<Option<Node>, StateError> {
        let Some(bytes) = self.get(namespaces::ACCOUNT_NODES, hash)? else {
            return Ok(None);
        };
        let corrupt = |detail: String| StateError::Corrupt { key: *hash, detail };
        let node = Node::decode_all(&mut &bytes[..]).map_err(|e| corrupt(e.to_string()))?;
        if node.hash() != *hash {
            return Err(corrupt("the node does not hash to its key".into()));
        }
        Ok(Some(node))
    }
}

/// A set or change of one account's record hash.
pub type Update = (Hash32, Hash32);

/// The hashes of superseded nodes ([`AccountTree::take_superseded`]):
/// inline up to a path of 8 nodes (a tree of a few hundred accounts), so
/// that a block of one account allocates nothing for them.
pub type Superseded = smallvec::SmallVec<[Hash32; 8]>;

/// The account tree at one root, over a node store; updates collect the new
/// nodes until [`AccountTree::write_into`].
pub struct AccountTree<S> {
    store: S,
    root: Hash32,
    /// Nodes made since the last write, in the order made, each hash once
    /// (read back by later updates and proofs before they are written).
    /// A vector, not a map: the usual update per write never looks one up,
    /// and a block of one account hashed each into a map it then drained.
    fresh: Vec<(Hash32, Node)>,
    /// Where in `fresh` each node of an *earlier* update since the last
    /// write is, by hash: indexed when the next update starts, so that the
    /// usual single update indexes nothing.
    index: HashMap<Hash32, usize>,
    /// Nodes that updates since the last write replaced (see
    /// [`AccountTree::superseded`]); inline for a path in a small tree.
    superseded: Superseded,
}

/// A subtree as an update builds it: its hash, and whether it is a leaf
/// (a leaf may move up past an empty sibling; an inner node may not).
#[derive(Clone, Copy)]
struct Sub {
    hash: Hash32,
    leaf: bool,
}

const EMPTY_SUB: Sub = Sub {
    hash: EMPTY,
    leaf: false,
};

impl<S: NodeStore> AccountTree<S> {
    /// The tree with `root` (use [`EMPTY`] for a new one) over `store`.
    pub fn open(store: S, root: Hash32) -> Self {
        Self::with_room(store, root, Vec::new())
    }

    /// [`open`](Self::open), keeping the nodes updates make in `room`
    /// (emptied first): a vector an earlier
    /// [`write_into`](Self::write_into) returned, so that a caller that
    /// updates a tree per block allocates nothing for them.
    pub fn with_room(store: S, root: Hash32, mut room: Vec<(Hash32, Node)>) -> Self {
        room.clear();
        AccountTree {
            store,
            root,
            fresh: room,
            index: HashMap::new(),
            superseded: Superseded::new(),
        }
    }

    /// The current root.
    pub fn root(&self) -> Hash32 {
        self.root
    }

    /// The nodes made since the last [`write_into`](Self::write_into).
    pub fn pending(&self) -> usize {
        self.fresh.len()
    }

    /// The nodes that the updates since the last
    /// [`write_into`](Self::write_into) replaced on their paths: nodes of
    /// an earlier root that the current root no longer reaches, unless an
    /// equal node is also among the new ones (a leaf that moves deeper keeps
    /// its hash). A cache of the current tree's nodes may forget them; the
    /// store keeps them for the earlier roots.
    pub fn superseded(&self) -> &[Hash32] {
        &self.superseded
    }

    /// Takes the list of [`superseded`](Self::superseded) nodes, leaving
    /// it empty.
    pub fn take_superseded(&mut self) -> Superseded {
        std::mem::take(&mut self.superseded)
    }

    /// Node `hash`: made by an earlier update (indexed), stored, or made
    /// by the last update (searched only when the store lacks it: an
    /// update loads the nodes of the root it started from, never its own).
    fn load(&self, hash: &Hash32) -> Result<Node, StateError> {
        if let Some(&i) = self.index.get(hash) {
            return Ok(self.fresh[i].1);
        }
        if let Some(node) = self.store.node(hash)? {
            return Ok(node);
        }
        self.fresh
            .iter()
            .skip(self.index.len())
            .find(|(h, _)| h == hash)
            .map(|(_, node)| *node)
            .ok_or(StateError::Missing(*hash))
    }

    fn keep(&mut self, node: Node) -> Sub {
        let hash = node.hash();
        let leaf = matches!(node, Node::Leaf { .. });
        // One update makes each node once; an earlier one may have made it.
        if self.index.is_empty() || !self.index.contains_key(&hash) {
            self.fresh.push((hash, node));
        }
        Sub { hash, leaf }
    }

    /// An inner node over two subtrees, compressed: nothing over two empty
    /// subtrees, a lone leaf moved up.
    fn join(&mut self, left: Sub, right: Sub) -> Sub {
        match (left.hash == EMPTY, right.hash == EMPTY) {
            (true, true) => EMPTY_SUB,
            (true, false) if right.leaf => right,
            (false, true) if left.leaf => left,
            _ => self.keep(Node::Inner {
                left: left.hash,
                right: right.hash,
            }),
        }
    }

    /// A subtree at `depth` holding exactly `items` (sorted by key, keys
    /// distinct).
    fn build(&mut self, depth: usize, items: &[Update]) -> Result<Sub, StateError> {
        match items {
            [] => Ok(EMPTY_SUB),
            [(key, record)] => Ok(self.keep(Node::Leaf {
                key: *key,
                record: *record,
            })),
            _ if depth >= MAX_DEPTH => Err(StateError::TooDeep),
            _ => {
                let split = items.partition_point(|(k, _)| !bit(k, depth));
                let left = self.build(depth + 1, &items[..split])?;
                let right = self.build(depth + 1, &items[split..])?;
                Ok(self.join(left, right))
            }
        }
    }

    /// The subtree `node` at `depth` with `updates` (sorted, distinct keys)
    /// applied.
    fn apply(&mut self, node: Hash32, depth: usize, updates: &[Update]) -> Result<Sub, StateError> {
        if updates.is_empty() {
            let leaf = node != EMPTY && matches!(self.load(&node)?, Node::Leaf { .. });
            return Ok(Sub { hash: node, leaf });
        }
        if node == EMPTY {
            return self.build(depth, updates);
        }
        let sub = self.replace(node, depth, updates)?;
        if sub.hash != node {
            self.superseded.push(node);
        }
        Ok(sub)
    }

    /// The subtree of the stored `node` at `depth` with `updates` (not
    /// empty) applied.
    fn replace(
        &mut self,
        node: Hash32,
        depth: usize,
        updates: &[Update],
    ) -> Result<Sub, StateError> {
        match self.load(&node)? {
            Node::Leaf { key, record } => {
                // The resident account joins the updates unless one of them
                // replaces it.
                match updates.binary_search_by(|(k, _)| k.cmp(&key)) {
                    Ok(_) => self.build(depth, updates),
                    Err(at) => {
                        let mut all = Vec::with_capacity(updates.len() + 1);
                        all.extend_from_slice(&updates[..at]);
                        all.push((key, record));
                        all.extend_from_slice(&updates[at..]);
                        self.build(depth, &all)
                    }
                }
            }
            Node::Inner { left, right } => {
                if depth >= MAX_DEPTH {
                    return Err(StateError::TooDeep);
                }
                let split = updates.partition_point(|(k, _)| !bit(k, depth));
                let l = self.apply(left, depth + 1, &updates[..split])?;
                let r = self.apply(right, depth + 1, &updates[split..])?;
                Ok(self.join(l, r))
            }
        }
    }

    /// Sets the record hash of each key (a later entry for the same key
    /// wins) and returns the new root. Costs `O(k log n)` for `k` keys. On
    /// an error the root is unchanged.
    pub fn update(&mut self, updates: &[Update]) -> Result<Hash32, StateError> {
        // Room for the new nodes: a path per update, shared near the root
        // (a block of one in a tree of a few thousand accounts fits, where
        // the vector would otherwise grow two or three times).
        self.fresh
            .reserve(updates.len().saturating_mul(2).saturating_add(12));
        // The nodes of earlier updates since the last write, findable by
        // hash from here on.
        let indexed = self.index.len();
        for (i, (hash, _)) in self.fresh.iter().enumerate().skip(indexed) {
            self.index.insert(*hash, i);
        }
        // Updates already sorted with distinct keys (a block's final
        // records are) are applied as they are.
        let dedup: Vec<Update>;
        let updates = if updates.windows(2).all(|w| w[0].0 < w[1].0) {
            updates
        } else {
            let mut sorted: Vec<Update> = updates.to_vec();
            // Stable, so the last write of a key is the one kept.
            sorted.sort_by_key(|u| u.0);
            let mut distinct: Vec<Update> = Vec::with_capacity(sorted.len());
            for u in sorted {
                match distinct.last_mut() {
                    Some(last) if last.0 == u.0 => *last = u,
                    _ => distinct.push(u),
                }
            }
            dedup = distinct;
            &dedup
        };
        let replaced = self.superseded.len();
        match self.apply(self.root, 0, updates) {
            Ok(sub) => {
                self.root = sub.hash;
                Ok(self.root)
            }
            Err(e) => {
                // The root stands, and so do the nodes on its paths.
                self.superseded.truncate(replaced);
                Err(e)
            }
        }
    }

    /// The record hash of `key`, if the tree has it.
    pub fn get(&self, key: &Hash32) -> Result<Option<Hash32>, StateError> {
        Ok(self.prove(key)?.record_of(key))
    }

    /// A proof of `key`'s record hash (or of its absence) under the root.
    pub fn prove(&self, key: &Hash32) -> Result<AccountProof, StateError> {
        let mut siblings = Vec::new();
        let mut node = self.root;
        loop {
            if node == EMPTY {
                return Ok(AccountProof {
                    siblings,
                    leaf: None,
                });
            }
            match self.load(&node)? {
                Node::Leaf { key: k, record } => {
                    return Ok(AccountProof {
                        siblings,
                        leaf: Some((k, record)),
                    });
                }
                Node::Inner { left, right } => {
                    let depth = siblings.len();
                    if depth >= MAX_DEPTH {
                        return Err(StateError::TooDeep);
                    }
                    if bit(key, depth) {
                        siblings.push(left);
                        node = right;
                    } else {
                        siblings.push(right);
                        node = left;
                    }
                }
            }
        }
    }

    /// Puts every node made since the last write into `batch`, for the
    /// caller to write atomically with the records they commit to, and
    /// returns them (for a cache of nodes known to be stored, once the
    /// batch is written). Starts a new list of
    /// [`superseded`](Self::superseded) nodes.
    pub fn write_into(&mut self, batch: &mut WriteBatch) -> Vec<(Hash32, Node)> {
        self.superseded.clear();
        self.index.clear();
        let nodes = std::mem::take(&mut self.fresh);
        for (hash, node) in &nodes {
            batch.put(namespaces::ACCOUNT_NODES, hash, node.encode());
        }
        nodes
    }
}
