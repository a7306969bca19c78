//! Proofs that an account has a record, or none, under a root.

use parity_scale_codec::{Decode, Encode};
use strata_primitives::Hash32;

use crate::{EMPTY, bit, leaf_hash, node_hash};

/// The path from the root to where a key's leaf is or would be: the
/// siblings top-down, and what is there (a leaf, possibly of another key,
/// or nothing). SCALE-encodes for light clients.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AccountProof {
    /// The sibling hash at each depth, from the root down.
    pub siblings: Vec<Hash32>,
    /// The leaf at the end of the path, as (key, record hash), or `None`
    /// for an empty subtree.
    pub leaf: Option<(Hash32, Hash32)>,
}

/// Why a proof does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The proof leads to another root.
    #[error("the proof does not lead to the root")]
    WrongRoot,
    /// The proof shows a different record (or none) for the key.
    #[error("the proof shows another record for the key")]
    WrongRecord,
    /// A non-membership proof's leaf does not lie on the key's path.
    #[error("the proof's leaf is not on the key's path")]
    OffPath,
    /// More siblings than a 256-bit key has levels.
    #[error("the proof is longer than a key")]
    TooLong,
}

impl AccountProof {
    /// The record hash this proof shows for `key` (without checking it).
    pub fn record_of(&self, key: &Hash32) -> Option<Hash32> {
        match self.leaf {
            Some((k, record)) if k == *key => Some(record),
            _ => None,
        }
    }

    /// Checks that under `root`, `key` has the record hash `record` (`None`:
    /// no account).
    pub fn verify(
        &self,
        root: &Hash32,
        key: &Hash32,
        record: Option<&Hash32>,
    ) -> Result<(), ProofError> {
        let depth = self.siblings.len();
        if depth > 256 {
            return Err(ProofError::TooLong);
        }
        if self.record_of(key).as_ref() != record {
            return Err(ProofError::WrongRecord);
        }
        let mut node = match &self.leaf {
            Some((k, r)) => {
                if k != key && (0..depth).any(|d| bit(k, d) != bit(key, d)) {
                    return Err(ProofError::OffPath);
                }
                leaf_hash(k, r)
            }
            None => EMPTY,
        };
        for (d, sibling) in self.siblings.iter().enumerate().rev() {
            node = if bit(key, d) {
                node_hash(sibling, &node)
            } else {
                node_hash(&node, sibling)
            };
        }
        if node == *root {
            Ok(())
        } else {
            Err(ProofError::WrongRoot)
        }
    }
}
