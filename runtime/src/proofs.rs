//! Proofs under the block root, for light clients: "account A has record R
//! under block root B" and "page P of contract A holds bytes C under block
//! root B". An account proof is the account tree's path
//! ([`strata_state::AccountProof`]) with the account's stored record; a
//! page proof chains the page's Merkle path in the contract's storage tree
//! ([`strata_pages::MerkleProof`]) to it, through the state root the
//! record holds. Both SCALE-encode, and [`verify_account`] and
//! [`verify_page`] check them with nothing but the root.
//!
//! Proofs are made against the latest block's root ([`Runtime::head`]);
//! proofs against older retained roots wait for the pruning work of the
//! state lifecycle (older account records are not stored by hash yet).

use parity_scale_codec::{Decode, Encode};
use strata_kv::KvStore;
use strata_pages::MerkleProof;
use strata_primitives::Hash32;
use strata_state::{AccountProof, AccountTree, EMPTY, account_key, record_hash};

use crate::{Account, Address, NS_ACCOUNTS, Runtime, RuntimeError};

/// A proof that an account has a record, or none, under a block root.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AccountStateProof {
    /// The path in the account tree from the root to the account's leaf
    /// (or to where it would be).
    pub path: AccountProof,
    /// The account's stored record (SCALE with its checksum, as
    /// [`Account::to_record`] makes it), or `None` for no account.
    pub record: Option<Vec<u8>>,
}

/// A proof that a page of a contract's storage holds given bytes under a
/// block root: the account's proof, and the page's path in the storage
/// tree under the state root the account's record holds.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PageStateProof {
    /// The contract's account proof.
    pub account: AccountStateProof,
    /// The page's Merkle path under the contract's state root.
    pub page: MerkleProof,
}

/// Why a state proof does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateProofError {
    /// The account path does not hold: another root, another record, or a
    /// malformed path.
    #[error("the account proof does not hold: {0}")]
    Account(#[from] strata_state::ProofError),
    /// The proof's record is not a valid record of the account (its
    /// checksum or encoding is wrong), though the path commits to it.
    #[error("the proof's record of {address} is not a valid account record: {detail}")]
    Record {
        /// The account.
        address: Address,
        /// What is wrong with it.
        detail: String,
    },
    /// The account does not exist, or has no storage, under the root.
    #[error("{0} has no contract storage under this root")]
    NoStorage(Address),
    /// The page path does not lead to the contract's state root, or the
    /// index or bytes do not fit it.
    #[error("the page proof does not lead to the contract's state root")]
    Page,
    /// A map path does not lead from the root in the page to the value.
    #[error("the map proof does not hold: {0}")]
    Map(#[from] strata_maps::ProofError),
}

/// Checks that under `block_root` the account at `address` has the record
/// the proof carries, or none; returns that account. Needs no store.
pub fn verify_account(
    block_root: &Hash32,
    address: &Address,
    proof: &AccountStateProof,
) -> Result<Option<Account>, StateProofError> {
    let hash = proof.record.as_deref().map(record_hash);
    proof
        .path
        .verify(block_root, &account_key(address), hash.as_ref())?;
    proof
        .record
        .as_deref()
        .map(|r| {
            Account::from_record(address, r).map_err(|e| StateProofError::Record {
                address: *address,
                detail: e.to_string(),
            })
        })
        .transpose()
}

/// Checks that under `block_root` page `index` of the contract at
/// `address` holds `bytes` (the whole 4,096-byte page); returns the
/// contract's account. Needs no store.
pub fn verify_page(
    block_root: &Hash32,
    address: &Address,
    index: u32,
    bytes: &[u8],
    proof: &PageStateProof,
) -> Result<Account, StateProofError> {
    let account = verify_account(block_root, address, &proof.account)?
        .filter(|a| a.is_contract())
        .ok_or(StateProofError::NoStorage(*address))?;
    if proof.page.page_count != account.page_count
        || !strata_pages::verify(&account.state_root, index, bytes, &proof.page)
    {
        return Err(StateProofError::Page);
    }
    Ok(account)
}

impl<K: KvStore + 'static> Runtime<K> {
    /// The latest block's state root and a proof of the account at
    /// `address` (or of its absence) under it. Before the first block the
    /// root is [`strata_state::EMPTY`]. While a started transaction is in
    /// flight ([`Runtime::start`]) this is [`RuntimeError::Busy`].
    pub fn prove_account(
        &self,
        address: &Address,
    ) -> Result<(Hash32, AccountStateProof), RuntimeError> {
        // No block may finish between reading the head and the record.
        let _gate = self.shared.enter()?;
        let _block = crate::lock(&self.shared.exec);
        let kv = self.shared.kv.base();
        let root = self.head()?.map_or(EMPTY, |h| h.state_root);
        let path = AccountTree::open(kv, root).prove(&account_key(address))?;
        let record = kv.get(NS_ACCOUNTS, &address.0)?.map(|b| b.to_vec());
        Ok((root, AccountStateProof { path, record }))
    }

    /// The latest block's state root, page `index` of the contract at
    /// `address`, and a proof of the page under that root.
    pub fn prove_page(
        &self,
        address: &Address,
        index: u32,
    ) -> Result<(Hash32, Vec<u8>, PageStateProof), RuntimeError> {
        let (root, account) = self.prove_account(address)?;
        let (bytes, proof) = page_proof(self.shared.kv.base(), address, account, index)?;
        Ok((root, bytes, proof))
    }
}

/// Page `index` of the contract whose account proof is `account`, and its
/// page proof chained to it.
pub(crate) fn page_proof<K: KvStore>(
    kv: &K,
    address: &Address,
    account: AccountStateProof,
    index: u32,
) -> Result<(Vec<u8>, PageStateProof), RuntimeError> {
    let stored = match account.record.as_deref() {
        Some(r) => Account::from_record(address, r)?,
        None => return Err(RuntimeError::NoAccount(*address)),
    };
    stored.validate(address)?;
    let (bytes, page) = strata_pages::prove_at(kv, stored.page_count, stored.tree_root, index)?;
    Ok((bytes.to_vec(), PageStateProof { account, page }))
}
