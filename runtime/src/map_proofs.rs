//! Proofs of a map entry (or its absence) under the block root: the page
//! holding the map's root slice, proved as a [`PageStateProof`], then the
//! map's path from that root ([`strata_maps::MapProof`]), and one more
//! path per nested map. [`verify_map`] needs nothing but the block root.

use parity_scale_codec::{Decode, Encode};
use strata_kv::KvStore;
use strata_maps::{Fresh, MapProof, MapTree, Value, verify_nested};
use strata_primitives::Hash32;

use crate::maps::map_corrupt;
use crate::proofs::{PageStateProof, StateProofError, verify_page};
use crate::{Address, Runtime, RuntimeError};

/// A proof that a contract's map holds a value under a key, or none.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MapStateProof {
    /// The page that holds the map's root slice.
    pub page_bytes: Vec<u8>,
    /// Its proof under the block root.
    pub page: PageStateProof,
    /// The keys from the outer map inwards, each with its path: every key
    /// but the last holds the next nested map.
    pub steps: Vec<(Vec<u8>, MapProof)>,
}

/// Checks that under `block_root` the map whose root is the 32-byte slice at
/// `offset` of page `page` of the contract at `address` gives `keys` (the
/// outer map's key first, then a key of each nested map) the value the
/// proof shows, and returns it (`None`: no entry). Needs no store.
pub fn verify_map(
    block_root: &Hash32,
    address: &Address,
    page: u32,
    offset: u32,
    keys: &[&[u8]],
    proof: &MapStateProof,
) -> Result<Option<Value>, StateProofError> {
    verify_page(block_root, address, page, &proof.page_bytes, &proof.page)?;
    let start = offset as usize;
    let root: Hash32 = start
        .checked_add(32)
        .and_then(|end| proof.page_bytes.get(start..end))
        .and_then(|b| b.try_into().ok())
        .ok_or(StateProofError::Page)?;
    if keys.len() != proof.steps.len()
        || keys
            .iter()
            .zip(&proof.steps)
            .any(|(k, (pk, _))| *k != pk.as_slice())
    {
        return Err(StateProofError::Map(strata_maps::ProofError::WrongPath));
    }
    Ok(verify_nested(&root, &proof.steps)?)
}

impl<K: KvStore + 'static> Runtime<K> {
    /// The latest block's state root, the value of `keys` in the map whose
    /// root is the slice at `offset` of page `page` of the contract at
    /// `address` (the outer key first, then keys of nested maps; `None`:
    /// no entry), and a proof of it under that root. A key that holds no
    /// nested map ends the path: the proof then shows that key's entry.
    pub fn prove_map(
        &self,
        address: &Address,
        page: u32,
        offset: u32,
        keys: &[&[u8]],
    ) -> Result<(Hash32, Option<Value>, MapStateProof), RuntimeError> {
        let (block_root, page_bytes, page_proof) = self.prove_page(address, page)?;
        let kv = self.shared.kv.base();
        let start = offset as usize;
        let mut root: Hash32 = start
            .checked_add(32)
            .and_then(|end| page_bytes.get(start..end))
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                RuntimeError::Storage(format!(
                    "a 32-byte map root at offset {offset} crosses the end of the page"
                ))
            })?;
        let mut fresh = Fresh::new();
        let tree = MapTree::new(kv, &mut fresh);
        let mut steps = Vec::with_capacity(keys.len());
        let mut value = None;
        for key in keys {
            let proof = tree.prove(&root, key).map_err(map_corrupt)?;
            value = tree.get(&root, key).map_err(map_corrupt)?.item;
            steps.push((key.to_vec(), proof));
            match &value {
                Some(Value::Map(inner)) => root = *inner,
                _ => break,
            }
        }
        Ok((
            block_root,
            value,
            MapStateProof {
                page_bytes,
                page: page_proof,
                steps,
            },
        ))
    }
}
