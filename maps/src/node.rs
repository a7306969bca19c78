//! Map nodes and their records: what is stored, how it is hashed, and what
//! a record reaches.

use strata_primitives::{Domain, Hash32};

use crate::{EMPTY, MAX_KEY_LEN, MAX_VALUE_LEN, key_hash, node_hash};

/// The tag byte of a leaf's record.
const LEAF: u8 = 0;
/// The tag byte of an inner node's record.
const INNER: u8 = 1;

/// What a leaf's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ValueKind {
    /// Plain bytes.
    Bytes = 0,
    /// The 32-byte root of another map (a nested map).
    Map = 1,
}

/// An entry's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// Plain bytes (at most [`MAX_VALUE_LEN`]).
    Bytes(Vec<u8>),
    /// The root of a nested map.
    Map(Hash32),
}

impl Value {
    /// The value's kind.
    pub fn kind(&self) -> ValueKind {
        match self {
            Value::Bytes(_) => ValueKind::Bytes,
            Value::Map(_) => ValueKind::Map,
        }
    }

    /// The value's bytes (a nested map's root for [`Value::Map`]).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Value::Bytes(b) => b,
            Value::Map(root) => root,
        }
    }
}

/// A node of a map's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// One entry.
    Leaf {
        /// The key's path ([`key_hash`] of `key`), kept decoded.
        path: Hash32,
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: Value,
    },
    /// Two subtrees (either may be [`EMPTY`]).
    Inner {
        /// Keys with a 0 at this depth.
        left: Hash32,
        /// Keys with a 1 at this depth.
        right: Hash32,
    },
}

/// Bytes that are not a map node's record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a map node record: {0}")]
pub struct BadRecord(pub String);

impl Node {
    /// A leaf for `key` and `value`.
    pub fn leaf(key: Vec<u8>, value: Value) -> Node {
        Node::Leaf {
            path: key_hash(&key),
            key,
            value,
        }
    }

    /// The node's hash, under which its record is stored: a leaf is
    /// [`Domain::MapLeaf`] of its body, an inner node [`Domain::MapNode`] of
    /// its two children.
    pub fn hash(&self) -> Hash32 {
        match self {
            Node::Inner { left, right } => node_hash(left, right),
            Node::Leaf { key, value, .. } => {
                let mut h = Domain::MapLeaf.hasher();
                h.update(&leaf_head(key, value));
                h.update(key).update(value.bytes());
                h.finalize()
            }
        }
    }

    /// The stored record: for a leaf `0` ++ value kind ++ key length (u16
    /// LE) ++ key ++ value; for an inner node `1` ++ left ++ right.
    pub fn to_record(&self) -> Vec<u8> {
        match self {
            Node::Inner { left, right } => {
                let mut r = Vec::with_capacity(65);
                r.push(INNER);
                r.extend_from_slice(left);
                r.extend_from_slice(right);
                r
            }
            Node::Leaf { key, value, .. } => {
                let mut r = Vec::with_capacity(4 + key.len() + value.bytes().len());
                r.push(LEAF);
                r.extend_from_slice(&leaf_head(key, value));
                r.extend_from_slice(key);
                r.extend_from_slice(value.bytes());
                r
            }
        }
    }

    /// Decodes a record (without checking its hash: see
    /// [`from_record_checked`](Self::from_record_checked)).
    pub fn from_record(record: &[u8]) -> Result<Node, BadRecord> {
        let bad = |s: &str| BadRecord(s.to_string());
        match record.split_first() {
            Some((&INNER, rest)) => {
                let (Ok(left), Ok(right)) = (
                    <Hash32>::try_from(rest.get(..32).unwrap_or_default()),
                    <Hash32>::try_from(rest.get(32..).unwrap_or_default()),
                ) else {
                    return Err(bad("an inner node is 65 bytes"));
                };
                Ok(Node::Inner { left, right })
            }
            Some((&LEAF, rest)) => {
                let [kind, lo, hi, body @ ..] = rest else {
                    return Err(bad("a leaf is shorter than its header"));
                };
                let key_len = usize::from(u16::from_le_bytes([*lo, *hi]));
                if key_len > MAX_KEY_LEN || body.len() < key_len {
                    return Err(bad("a leaf's key length is out of range"));
                }
                let (key, value) = body.split_at(key_len);
                let value = match *kind {
                    k if k == ValueKind::Bytes as u8 => {
                        if value.len() > MAX_VALUE_LEN {
                            return Err(bad("a leaf's value is too long"));
                        }
                        Value::Bytes(value.to_vec())
                    }
                    k if k == ValueKind::Map as u8 => match <Hash32>::try_from(value) {
                        Ok(root) => Value::Map(root),
                        Err(_) => return Err(bad("a nested map's root is 32 bytes")),
                    },
                    other => return Err(BadRecord(format!("unknown value kind {other}"))),
                };
                Ok(Node::leaf(key.to_vec(), value))
            }
            Some((tag, _)) => Err(BadRecord(format!("unknown tag {tag}"))),
            None => Err(bad("empty record")),
        }
    }

    /// Decodes a record and checks that it hashes to `hash`.
    pub fn from_record_checked(hash: &Hash32, record: &[u8]) -> Result<Node, BadRecord> {
        let node = Node::from_record(record)?;
        if node.hash() != *hash {
            return Err(BadRecord("the record does not hash to its key".into()));
        }
        Ok(node)
    }

    /// The records this node names: an inner node's non-empty children, a
    /// nested map's root (if not empty).
    pub fn children(&self) -> Vec<Hash32> {
        match self {
            Node::Inner { left, right } => [left, right]
                .into_iter()
                .filter(|h| **h != EMPTY)
                .copied()
                .collect(),
            Node::Leaf {
                value: Value::Map(root),
                ..
            } if *root != EMPTY => vec![*root],
            Node::Leaf { .. } => Vec::new(),
        }
    }
}

/// The hashes of the records `record` names, from its bytes alone: an inner
/// node's two children, and a leaf's nested map root. Empty subtrees
/// ([`EMPTY`]) are never stored and never named. This is what a pruner
/// walking from a root needs (the roots of a contract's top-level maps are
/// in its account record).
pub fn children(record: &[u8]) -> Result<Vec<Hash32>, BadRecord> {
    Ok(Node::from_record(record)?.children())
}

fn leaf_head(key: &[u8], value: &Value) -> [u8; 3] {
    // Keys are at most MAX_KEY_LEN (256) bytes: the length fits a u16.
    let len = u16::try_from(key.len()).unwrap_or(u16::MAX).to_le_bytes();
    [value.kind() as u8, len[0], len[1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_name_their_children() {
        let inner = Node::Inner {
            left: [1; 32],
            right: EMPTY,
        };
        let leaf = Node::leaf(b"k".to_vec(), Value::Bytes(b"v".to_vec()));
        let nested = Node::leaf(b"n".to_vec(), Value::Map([7; 32]));
        let empty_nested = Node::leaf(b"e".to_vec(), Value::Map(EMPTY));
        for n in [&inner, &leaf, &nested, &empty_nested] {
            let r = n.to_record();
            assert_eq!(&Node::from_record_checked(&n.hash(), &r).unwrap(), n);
        }
        assert_eq!(children(&inner.to_record()).unwrap(), vec![[1; 32]]);
        assert!(children(&leaf.to_record()).unwrap().is_empty());
        assert_eq!(children(&nested.to_record()).unwrap(), vec![[7; 32]]);
        assert!(children(&empty_nested.to_record()).unwrap().is_empty());
    }

    #[test]
    fn bytes_and_map_values_hash_apart() {
        let root = [9u8; 32];
        let a = Node::leaf(b"k".to_vec(), Value::Bytes(root.to_vec()));
        let b = Node::leaf(b"k".to_vec(), Value::Map(root));
        assert_ne!(a.hash(), b.hash());
        assert!(children(&a.to_record()).unwrap().is_empty());
    }

    #[test]
    fn bad_records_are_errors() {
        for r in [
            &b""[..],
            &[2, 0, 0],
            &[1; 64],
            &[0, 0],
            &[0, 0, 5, 0, 1],
            &[0, 2, 0, 0],
            &[0, 1, 0, 0, 1, 2],
        ] {
            assert!(children(r).is_err(), "{r:?}");
        }
        let leaf = Node::leaf(b"k".to_vec(), Value::Bytes(b"v".to_vec()));
        assert!(Node::from_record_checked(&[0; 32], &leaf.to_record()).is_err());
    }
}
