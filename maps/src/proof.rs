//! Proofs of a map entry, or of its absence, under a map's root.

use parity_scale_codec::{Decode, Encode};
use strata_primitives::Hash32;

use crate::{EMPTY, Node, Value, bit, key_hash, node_hash};

/// The sibling hashes along a key's path, from the root down, and the leaf
/// record found at the end of it (`None`: the path ends in an empty
/// subtree). The leaf is the key's own (the value) or another key's (the
/// key is absent: a subtree with one entry is that entry's leaf).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MapProof {
    /// Siblings from the root down.
    pub siblings: Vec<Hash32>,
    /// The record of the leaf the path ends in.
    pub leaf: Option<Vec<u8>>,
}

/// Why a proof does not prove anything under a root.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The proof's leaf is not a leaf record.
    #[error("the proof's leaf is not a map leaf record")]
    BadLeaf,
    /// The proof's leaf lies on another path than the key's.
    #[error("the proof's leaf is not on the key's path")]
    WrongPath,
    /// The proof does not hash to the root.
    #[error("the proof does not lead to the root")]
    WrongRoot,
    /// More siblings than a path has levels.
    #[error("the proof is longer than a path")]
    TooLong,
}

impl MapProof {
    /// The value of `key` under `root` that this proof shows (`None`: the
    /// key has no entry), checked with nothing but the proof.
    pub fn verify(&self, root: &Hash32, key: &[u8]) -> Result<Option<Value>, ProofError> {
        let path = key_hash(key);
        let depth = self.siblings.len();
        if depth > 256 {
            return Err(ProofError::TooLong);
        }
        let (mut hash, found) = match &self.leaf {
            None => (EMPTY, None),
            Some(record) => match Node::from_record(record) {
                Ok(
                    leaf @ Node::Leaf {
                        path: leaf_path, ..
                    },
                ) => {
                    if (0..depth).any(|d| bit(&leaf_path, d) != bit(&path, d)) {
                        return Err(ProofError::WrongPath);
                    }
                    let value = match &leaf {
                        Node::Leaf { path: p, value, .. } if *p == path => Some(value.clone()),
                        _ => None,
                    };
                    (leaf.hash(), value)
                }
                _ => return Err(ProofError::BadLeaf),
            },
        };
        for (d, sibling) in self.siblings.iter().enumerate().rev() {
            hash = if bit(&path, d) {
                node_hash(sibling, &hash)
            } else {
                node_hash(&hash, sibling)
            };
        }
        if hash != *root {
            return Err(ProofError::WrongRoot);
        }
        Ok(found)
    }
}

/// Verifies a value in nested maps: `steps` are the keys from the outer map
/// inwards with their proofs; every key but the last must hold a nested map,
/// whose root the next proof is checked under. Returns the last key's value.
pub fn verify_nested(
    root: &Hash32,
    steps: &[(Vec<u8>, MapProof)],
) -> Result<Option<Value>, ProofError> {
    let mut root = *root;
    let mut last = None;
    for (i, (key, proof)) in steps.iter().enumerate() {
        let value = proof.verify(&root, key)?;
        if i + 1 < steps.len() {
            match value {
                Some(Value::Map(inner)) => root = inner,
                // An absent or plain entry has no map below it.
                _ => return Err(ProofError::WrongPath),
            }
        }
        last = value;
    }
    Ok(last)
}
