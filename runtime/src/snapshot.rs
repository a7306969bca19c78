//! Any stored block root, opened read-only: accounts, slices, proofs and
//! queries as of that block.
//!
//! A block root is the account tree's root. Its nodes are content-addressed
//! and immutable (`namespaces::ACCOUNT_NODES`), each leaf holds the hash of
//! an account record, and every block also stores each final record under
//! that hash (`namespaces::ACCOUNT_RECORDS`, written in the block's batch
//! by `global.rs`); a record holds the contract's page count and tree root,
//! whose page and tree records are content-addressed too. So a root names
//! everything its state was, and nothing of it is ever overwritten.
//!
//! The state retention (`lifecycle/`) decides which roots stay: a root
//! of a retained block opens; one the retention let go is
//! [`RuntimeError::Pruned`], naming the oldest retained block; a root the
//! store has no node for (on a store that does not count, or before
//! anything was pruned) is [`RuntimeError::UnknownRoot`]; an account
//! record the root names but the store lacks (a block of an older version
//! of Strata) is [`RuntimeError::NotRetained`]. A snapshot does not hold
//! its root: a block that prunes it while the snapshot is read makes later
//! reads fail with a typed error, never with wrong data.

use std::sync::Arc;

use strata_kv::{Bytes, KvError, KvStore, Namespace, Visitor, WriteBatch};
use strata_primitives::{Hash32, hex, namespaces};
use strata_slices::SliceLayout;
use strata_state::{AccountTree, EMPTY, account_key, record_hash};

use crate::proofs::{AccountStateProof, PageStateProof, page_proof};
use crate::{
    Account, Address, BlockContext, CallTx, NS_ACCOUNTS, Receipt, Runtime, RuntimeError, exec,
};

/// A block root of a runtime's store, opened read-only: see the module docs.
pub struct Snapshot<'r, K: KvStore + 'static> {
    runtime: &'r Runtime<K>,
    root: Hash32,
}

impl<K: KvStore + 'static> Runtime<K> {
    /// Opens the state a block root names ([`Head::state_root`] of any block
    /// this store ran; [`strata_state::EMPTY`] is the state before the
    /// first). A root this store does not hold is
    /// [`RuntimeError::UnknownRoot`].
    ///
    /// [`Head::state_root`]: crate::Head::state_root
    pub fn snapshot(&self, root: Hash32) -> Result<Snapshot<'_, K>, RuntimeError> {
        let kv = self.shared.kv.base();
        if root != EMPTY
            && !crate::lifecycle::check_retained(kv, &root)?
            && !kv.contains(namespaces::ACCOUNT_NODES, &root)?
        {
            return Err(RuntimeError::UnknownRoot(root));
        }
        Ok(Snapshot {
            runtime: self,
            root,
        })
    }
}

impl<K: KvStore + 'static> Snapshot<'_, K> {
    /// The block root this snapshot is of.
    pub fn root(&self) -> Hash32 {
        self.root
    }

    /// The stored record of the account at `address` as of this root, if
    /// it existed then.
    fn record(&self, address: &Address) -> Result<Option<Vec<u8>>, RuntimeError> {
        record_at(self.runtime.shared.kv.base(), &self.root, address)
    }

    /// The account at `address` as of this root, validated like
    /// [`Runtime::account`].
    pub fn account(&self, address: &Address) -> Result<Option<Account>, RuntimeError> {
        let Some(record) = self.record(address)? else {
            return Ok(None);
        };
        let account = Account::from_record(address, &record)?;
        account.validate(address)?;
        Ok(Some(account))
    }

    /// The bytes of a slice of a contract's storage as of this root.
    pub fn read_slice(
        &self,
        address: &Address,
        page: u32,
        offset: u32,
        len: u32,
    ) -> Result<Vec<u8>, RuntimeError> {
        let account = self
            .account(address)?
            .ok_or(RuntimeError::NoAccount(*address))?;
        let slice = SliceLayout::new(page, offset, len).map_err(RuntimeError::from_slice)?;
        let mut pages = exec::open_contract_pages(
            self.runtime.shared.kv.base(),
            address,
            exec::StorageRoot::of(&account),
            1,
        )?;
        let bytes = pages.page(page)?;
        Ok(bytes[slice.offset()..slice.offset() + slice.len()].to_vec())
    }

    /// A proof of the account at `address` (or of its absence) under this
    /// root, as [`Runtime::prove_account`] makes under the latest.
    pub fn prove_account(&self, address: &Address) -> Result<AccountStateProof, RuntimeError> {
        let kv = self.runtime.shared.kv.base();
        let path = AccountTree::open(kv, self.root).prove(&account_key(address))?;
        let record = self.record(address)?;
        Ok(AccountStateProof { path, record })
    }

    /// Page `index` of the contract at `address` as of this root, and a
    /// proof of it under this root.
    pub fn prove_page(
        &self,
        address: &Address,
        index: u32,
    ) -> Result<(Vec<u8>, PageStateProof), RuntimeError> {
        let account = self.prove_account(address)?;
        page_proof(self.runtime.shared.kv.base(), address, account, index)
    }

    /// Runs `call` read-only against the state as of this root: the
    /// receipt [`Runtime::query`] would have given right after that block,
    /// with this runtime's configuration. Only the built-in host modules
    /// are linked (an embedder's modules are bound to the live runtime),
    /// so a contract importing an embedder's function fails here as it
    /// would on a runtime without that module.
    pub fn query(&self, call: &CallTx, block: BlockContext) -> Result<Receipt, RuntimeError> {
        let view = AsOf {
            base: self.runtime.shared.kv.base_arc(),
            root: self.root,
        };
        let config = self.runtime.config().clone();
        Runtime::builder(view)
            .config(config)
            .build()?
            .query(call, block)
    }
}

/// The record of `address` under `root`, read through the account tree and
/// the records kept by hash.
fn record_at<K: KvStore + ?Sized>(
    kv: &K,
    root: &Hash32,
    address: &Address,
) -> Result<Option<Vec<u8>>, RuntimeError> {
    let Some(hash) = AccountTree::open(kv, *root).get(&account_key(address))? else {
        return Ok(None);
    };
    let Some(record) = kv.get(namespaces::ACCOUNT_RECORDS, &hash)? else {
        return Err(RuntimeError::NotRetained {
            what: "account record",
            key: hex::encode(hash),
        });
    };
    if record_hash(&record) != hash {
        return Err(RuntimeError::Corrupt {
            what: "account record",
            key: hex::encode(hash),
            detail: "the record does not hash to its key".into(),
        });
    }
    Ok(Some(record.to_vec()))
}

/// The store as of a root: account records come through the root's tree,
/// everything else (code, pages, tree nodes: content-addressed) from the
/// store. Never written.
struct AsOf<K> {
    base: Arc<K>,
    root: Hash32,
}

impl<K: KvStore> AsOf<K> {
    fn refused(op: &'static str) -> KvError {
        KvError::Backend {
            op,
            path: None,
            detail: "a snapshot of a block root is read-only".into(),
        }
    }
}

impl<K: KvStore> KvStore for AsOf<K> {
    fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
        if ns != NS_ACCOUNTS {
            return self.base.get(ns, key);
        }
        let Ok(address) = <[u8; 20]>::try_from(key) else {
            return Ok(None);
        };
        record_at(&*self.base, &self.root, &Address(address))
            .map(|r| r.map(Bytes::from))
            .map_err(|e| match e {
                RuntimeError::Kv(e) => e,
                other => KvError::Corrupt {
                    path: None,
                    detail: other.to_string(),
                },
            })
    }

    fn write(&self, _batch: WriteBatch) -> Result<(), KvError> {
        Err(Self::refused("write"))
    }

    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError> {
        if ns == NS_ACCOUNTS {
            // Accounts as of a root are found through the tree, one by one;
            // nothing that runs a query lists them.
            return Err(Self::refused("scan"));
        }
        self.base.scan(ns, prefix, visit)
    }
}
