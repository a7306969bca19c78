//! The tree: loading nodes, lookups, updates and iteration.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use strata_kv::{Bytes, KvError, KvStore, WriteBatch};
use strata_primitives::{Hash32, hex, namespaces};

use crate::node::BadRecord;
use crate::proof::MapProof;
use crate::{EMPTY, MAX_KEY_LEN, MAX_VALUE_LEN, Node, Value, bit, key_hash};

/// The most levels a path can have: paths are 256 bits.
const MAX_DEPTH: usize = 256;

/// Nodes made in memory and not yet written, by hash. Content-addressed, so
/// a node made by an update that was later undone is harmless: only the
/// nodes a final root reaches are written ([`write_reachable`]).
pub type Fresh = HashMap<Hash32, Node>;

/// Why a map cannot be read or updated.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
    /// The root a map is named by is not empty and names no stored map node
    /// (a slice that was never a map root, or a corrupted one).
    #[error("map root {} names no stored map", hex::encode(.0))]
    NoSuchRoot(Hash32),
    /// A node below an existing root is missing from the store: its records
    /// were pruned, or the store is damaged.
    #[error("map node {} is missing from the store", hex::encode(.0))]
    Missing(Hash32),
    /// A stored node does not decode, or does not hash to its key.
    #[error("corrupt map node {}: {detail}", hex::encode(.key))]
    Corrupt {
        /// The node's key.
        key: Hash32,
        /// What is wrong.
        detail: String,
    },
    /// A tree deeper than its 256-bit paths (a blake3 collision, or a
    /// damaged store).
    #[error("the map's tree is deeper than its 256-bit paths")]
    TooDeep,
    /// A key longer than [`MAX_KEY_LEN`].
    #[error("a key of {len} bytes is longer than the {MAX_KEY_LEN}-byte limit")]
    KeyTooLong {
        /// The key's length.
        len: usize,
    },
    /// A value longer than [`MAX_VALUE_LEN`].
    #[error("a value of {len} bytes is longer than the {MAX_VALUE_LEN}-byte limit")]
    ValueTooLong {
        /// The value's length.
        len: usize,
    },
}

/// Where stored nodes come from.
pub trait NodeSource {
    /// The record stored under `hash`, if any.
    fn record(&self, hash: &Hash32) -> Result<Option<Bytes>, KvError>;
}

impl<K: KvStore + ?Sized> NodeSource for K {
    fn record(&self, hash: &Hash32) -> Result<Option<Bytes>, KvError> {
        self.get(namespaces::MAP_NODES, hash)
    }
}

/// Stored nodes already loaded and checked, by hash: a cache for one
/// piece of work over one unchanging source (a transaction). Content
/// addressing makes any entry right for its hash; keep it no longer than
/// the source's contents stay the same (a node read from a block's pending
/// writes may never be stored).
pub type Loaded = RefCell<HashMap<Hash32, Node>>;

/// Maps over a node source and the fresh nodes of the current work:
/// every operation takes the root of the map it works on and returns the
/// new root; new nodes go to the fresh set.
pub struct MapTree<'a, S: ?Sized> {
    source: &'a S,
    fresh: &'a mut Fresh,
    loaded: Option<&'a Loaded>,
}

/// The result of a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found<T> {
    /// What was found.
    pub item: T,
    /// How many stored or fresh nodes the walk visited (the tree levels it
    /// touched; gas follows it).
    pub levels: u32,
}

/// An entry: its key and value.
pub type Entry = (Vec<u8>, Value);

/// The result of an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Updated {
    /// The map's new root.
    pub root: Hash32,
    /// Whether the key had an entry before.
    pub existed: bool,
    /// How many nodes the walk visited.
    pub levels: u32,
}

/// A subtree as an update builds it: its hash, and whether it is a leaf
/// (a leaf moves up past an empty sibling; an inner node does not).
#[derive(Clone, Copy)]
struct Sub {
    hash: Hash32,
    leaf: bool,
}

const EMPTY_SUB: Sub = Sub {
    hash: EMPTY,
    leaf: false,
};

/// Checks a key against [`MAX_KEY_LEN`].
pub fn check_key(key: &[u8]) -> Result<(), MapError> {
    if key.len() > MAX_KEY_LEN {
        return Err(MapError::KeyTooLong { len: key.len() });
    }
    Ok(())
}

/// Checks a value against [`MAX_VALUE_LEN`].
pub fn check_value(value: &Value) -> Result<(), MapError> {
    if let Value::Bytes(b) = value
        && b.len() > MAX_VALUE_LEN
    {
        return Err(MapError::ValueTooLong { len: b.len() });
    }
    Ok(())
}

impl<'a, S: NodeSource + ?Sized> MapTree<'a, S> {
    /// Maps over `source`, making new nodes into `fresh`.
    pub fn new(source: &'a S, fresh: &'a mut Fresh) -> Self {
        MapTree {
            source,
            fresh,
            loaded: None,
        }
    }

    /// As [`new`](Self::new), keeping the stored nodes it loads in
    /// `loaded` and reading them from there (see [`Loaded`]).
    pub fn with_cache(source: &'a S, fresh: &'a mut Fresh, loaded: &'a Loaded) -> Self {
        MapTree {
            source,
            fresh,
            loaded: Some(loaded),
        }
    }

    fn load(&self, hash: &Hash32, is_root: bool) -> Result<Node, MapError> {
        if let Some(n) = self.fresh.get(hash) {
            return Ok(n.clone());
        }
        if let Some(n) = self.loaded.and_then(|l| l.borrow().get(hash).cloned()) {
            return Ok(n);
        }
        let node = match self.source.record(hash)? {
            Some(bytes) => Node::from_record_checked(hash, &bytes)
                .map_err(|BadRecord(detail)| MapError::Corrupt { key: *hash, detail })?,
            None if is_root => return Err(MapError::NoSuchRoot(*hash)),
            None => return Err(MapError::Missing(*hash)),
        };
        if let Some(l) = self.loaded {
            l.borrow_mut().insert(*hash, node.clone());
        }
        Ok(node)
    }

    /// Whether `root` names a map: empty, or a node that is fresh or stored
    /// (and decodes).
    pub fn exists(&self, root: &Hash32) -> Result<bool, MapError> {
        if *root == EMPTY {
            return Ok(true);
        }
        match self.load(root, true) {
            Ok(_) => Ok(true),
            Err(MapError::NoSuchRoot(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn keep(&mut self, node: Node) -> Sub {
        let hash = node.hash();
        let leaf = matches!(node, Node::Leaf { .. });
        self.fresh.insert(hash, node);
        Sub { hash, leaf }
    }

    /// The value of `key` in the map at `root`.
    pub fn get(&self, root: &Hash32, key: &[u8]) -> Result<Found<Option<Value>>, MapError> {
        check_key(key)?;
        let path = key_hash(key);
        let mut node = *root;
        let mut levels = 0u32;
        loop {
            if node == EMPTY {
                return Ok(Found { item: None, levels });
            }
            let loaded = self.load(&node, levels == 0)?;
            levels += 1;
            match loaded {
                Node::Leaf { path: p, value, .. } => {
                    let item = (p == path).then_some(value);
                    return Ok(Found { item, levels });
                }
                Node::Inner { left, right } => {
                    if levels as usize > MAX_DEPTH {
                        return Err(MapError::TooDeep);
                    }
                    node = if bit(&path, levels as usize - 1) {
                        right
                    } else {
                        left
                    };
                }
            }
        }
    }

    /// Sets `key` to `value` in the map at `root`.
    pub fn set(&mut self, root: &Hash32, key: &[u8], value: Value) -> Result<Updated, MapError> {
        check_key(key)?;
        check_value(&value)?;
        let leaf = Node::leaf(key.to_vec(), value);
        self.update(root, &key_hash(key), Some(leaf))
    }

    /// Removes `key` from the map at `root` (nothing changes if it has no
    /// entry).
    pub fn remove(&mut self, root: &Hash32, key: &[u8]) -> Result<Updated, MapError> {
        check_key(key)?;
        self.update(root, &key_hash(key), None)
    }

    fn update(
        &mut self,
        root: &Hash32,
        path: &Hash32,
        new: Option<Node>,
    ) -> Result<Updated, MapError> {
        let mut levels = 0;
        let (sub, existed) = self.put(*root, 0, path, new, &mut levels)?;
        Ok(Updated {
            root: sub.hash,
            existed,
            levels,
        })
    }

    /// The subtree `node` at `depth` with the entry at `path` replaced by
    /// `new` (or removed), and whether there was one.
    fn put(
        &mut self,
        node: Hash32,
        depth: usize,
        path: &Hash32,
        new: Option<Node>,
        levels: &mut u32,
    ) -> Result<(Sub, bool), MapError> {
        if node == EMPTY {
            return Ok((new.map_or(EMPTY_SUB, |n| self.keep(n)), false));
        }
        let loaded = self.load(&node, depth == 0)?;
        *levels += 1;
        match loaded {
            Node::Leaf { path: p, .. } if p == *path => {
                Ok((new.map_or(EMPTY_SUB, |n| self.keep(n)), true))
            }
            Node::Leaf { path: p, .. } => match new {
                None => Ok((
                    Sub {
                        hash: node,
                        leaf: true,
                    },
                    false,
                )),
                Some(n) => {
                    let mine = self.keep(n).hash;
                    Ok((self.pair(depth, (p, node), (*path, mine))?, false))
                }
            },
            Node::Inner { left, right } => {
                if depth >= MAX_DEPTH {
                    return Err(MapError::TooDeep);
                }
                let right_side = bit(path, depth);
                let (child, other) = if right_side {
                    (right, left)
                } else {
                    (left, right)
                };
                let (sub, existed) = self.put(child, depth + 1, path, new, levels)?;
                if sub.hash == child {
                    return Ok((
                        Sub {
                            hash: node,
                            leaf: false,
                        },
                        existed,
                    ));
                }
                // The other side's kind matters only if this side emptied.
                let other = Sub {
                    hash: other,
                    leaf: sub.hash == EMPTY
                        && other != EMPTY
                        && matches!(self.load(&other, false)?, Node::Leaf { .. }),
                };
                let joined = if right_side {
                    self.join(other, sub)
                } else {
                    self.join(sub, other)
                };
                Ok((joined, existed))
            }
        }
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

    /// The subtree at `depth` holding exactly the two leaves `a` and `b`
    /// (paths and hashes; the paths differ).
    fn pair(
        &mut self,
        depth: usize,
        a: (Hash32, Hash32),
        b: (Hash32, Hash32),
    ) -> Result<Sub, MapError> {
        // Find where the paths part, then build upwards.
        let mut split = depth;
        while split < MAX_DEPTH && bit(&a.0, split) == bit(&b.0, split) {
            split += 1;
        }
        if split >= MAX_DEPTH {
            return Err(MapError::TooDeep);
        }
        let (l, r) = if bit(&a.0, split) {
            (b.1, a.1)
        } else {
            (a.1, b.1)
        };
        let mut sub = self.keep(Node::Inner { left: l, right: r });
        for d in (depth..split).rev() {
            let node = if bit(&a.0, d) {
                Node::Inner {
                    left: EMPTY,
                    right: sub.hash,
                }
            } else {
                Node::Inner {
                    left: sub.hash,
                    right: EMPTY,
                }
            };
            sub = self.keep(node);
        }
        Ok(sub)
    }

    /// The first entry of the map at `root` whose key's hash is above the
    /// hash of `after` (from the first entry when `after` is `None`), in
    /// the order of the keys' hashes.
    pub fn next(
        &self,
        root: &Hash32,
        after: Option<&[u8]>,
    ) -> Result<Found<Option<Entry>>, MapError> {
        if let Some(a) = after {
            check_key(a)?;
        }
        let bound = after.map(key_hash);
        let mut levels = 0;
        let item = self.first_after(*root, 0, bound.as_ref(), &mut levels)?;
        Ok(Found { item, levels })
    }

    fn first_after(
        &self,
        node: Hash32,
        depth: usize,
        bound: Option<&Hash32>,
        levels: &mut u32,
    ) -> Result<Option<Entry>, MapError> {
        if node == EMPTY {
            return Ok(None);
        }
        let loaded = self.load(&node, depth == 0)?;
        *levels += 1;
        match loaded {
            Node::Leaf { path, key, value } => {
                Ok(bound.is_none_or(|b| path > *b).then_some((key, value)))
            }
            Node::Inner { left, right } => {
                if depth >= MAX_DEPTH {
                    return Err(MapError::TooDeep);
                }
                match bound {
                    Some(b) if bit(b, depth) => self.first_after(right, depth + 1, Some(b), levels),
                    Some(b) => match self.first_after(left, depth + 1, Some(b), levels)? {
                        Some(found) => Ok(Some(found)),
                        None => self.first_after(right, depth + 1, None, levels),
                    },
                    None => match self.first_after(left, depth + 1, None, levels)? {
                        Some(found) => Ok(Some(found)),
                        None => self.first_after(right, depth + 1, None, levels),
                    },
                }
            }
        }
    }

    /// A proof of `key`'s value (or of its absence) in the map at `root`.
    pub fn prove(&self, root: &Hash32, key: &[u8]) -> Result<MapProof, MapError> {
        check_key(key)?;
        let path = key_hash(key);
        let mut siblings = Vec::new();
        let mut node = *root;
        loop {
            if node == EMPTY {
                return Ok(MapProof {
                    siblings,
                    leaf: None,
                });
            }
            match self.load(&node, siblings.is_empty() && node == *root)? {
                leaf @ Node::Leaf { .. } => {
                    return Ok(MapProof {
                        siblings,
                        leaf: Some(leaf.to_record()),
                    });
                }
                Node::Inner { left, right } => {
                    let depth = siblings.len();
                    if depth >= MAX_DEPTH {
                        return Err(MapError::TooDeep);
                    }
                    if bit(&path, depth) {
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
}

/// Puts every fresh node that `roots` reach through fresh nodes into
/// `batch` (under [`namespaces::MAP_NODES`]) and returns how many. A node
/// that is not fresh is stored already, with everything below it (a batch
/// always holds the whole new part of a tree), so the walk stops there.
pub fn write_reachable(
    fresh: &Fresh,
    roots: impl IntoIterator<Item = Hash32>,
    batch: &mut WriteBatch,
) -> usize {
    let mut seen: HashSet<Hash32> = HashSet::new();
    let mut stack: Vec<Hash32> = roots.into_iter().collect();
    while let Some(hash) = stack.pop() {
        let Some(node) = fresh.get(&hash) else {
            continue;
        };
        if !seen.insert(hash) {
            continue;
        }
        batch.put(namespaces::MAP_NODES, hash, node.to_record());
        stack.extend(node.children());
    }
    seen.len()
}
