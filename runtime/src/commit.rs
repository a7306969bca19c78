//! The end of a transaction: commit a successful one's pages and account
//! records into a batch and make its receipt, or discard a failed one.

use smallvec::SmallVec;
use strata_kv::{KvStore, WriteBatch};

use crate::exec::{self, Failure, TxState};
use crate::{Address, NS_ACCOUNTS, NS_CODE, Receipt, Runtime, RuntimeError};

/// The records the end of a block adds per account its last transaction
/// wrote, as room kept in that transaction's batch: the account's record by
/// hash, and the tree nodes of a path in a tree of a few accounts.
const BLOCK_END_ROOM: usize = 4;

impl<K: KvStore + 'static> Runtime<K> {
    /// Commits a successful transaction into a batch (or discards a failed
    /// one) and makes its receipt. The batch is empty for a failed
    /// transaction and a query.
    pub(crate) fn finish(
        &self,
        state: &mut TxState<K>,
        outcome: exec::FrameOutcome,
        deployed: Option<Address>,
        extra_gas: u64,
    ) -> Result<(Receipt, WriteBatch), RuntimeError> {
        let gas_used = outcome.gas_used.saturating_add(extra_gas);
        let returns = match outcome.result.map_err(Failure::into_tx) {
            Ok(values) => values,
            Err(Err(e)) => {
                state.caches.return_contract_caches(&mut state.storages);
                return Err(e);
            }
            Err(Ok(error)) => {
                let logs = std::mem::take(&mut state.logs);
                state.caches.return_contract_caches(&mut state.storages);
                let receipt = Receipt {
                    error: Some(error),
                    gas_used,
                    logs,
                    ..Receipt::default()
                };
                return Ok((receipt, WriteBatch::new()));
            }
        };
        // Contracts in address order (the maps' order).
        let addresses: SmallVec<[Address; 4]> = state.storages.keys().copied().collect();
        let mut state_roots = Vec::with_capacity(addresses.len());
        let mut batch = WriteBatch::new();
        if state.read_only {
            for address in &addresses {
                if let Some(s) = state.storages.get(address) {
                    state_roots.push((*address, s.root()));
                }
            }
        } else {
            let map_contracts = crate::maps::contracts_to_check(state);
            for address in addresses {
                let Some(storage) = state.storages.get_mut(&address) else {
                    continue;
                };
                let is_new = deployed == Some(address);
                if storage.pages().dirty_len() > 0 || is_new {
                    let commit = match storage.commit() {
                        Ok(c) => c,
                        Err(e) => {
                            state.caches.return_contract_caches(&mut state.storages);
                            return Err(RuntimeError::from_slice(e));
                        }
                    };
                    // The first contract's batch becomes the transaction's.
                    batch.extend(commit.batch);
                    if let Some(account) = state.account_to_change(&address)? {
                        account.state_root = commit.root;
                        account.tree_root = commit.tree_root;
                    }
                }
                if let Some(s) = state.storages.get(&address) {
                    state_roots.push((address, s.root()));
                }
            }
            if !map_contracts.is_empty()
                && let Err(e) = crate::maps::commit(state, &map_contracts, &mut batch)
            {
                state.caches.return_contract_caches(&mut state.storages);
                return Err(e);
            }
            let dirty = state.accounts.values().filter(|l| l.dirty).count();
            // Room too for what the end of the block adds when this is its
            // last transaction (`global::finish_block`): per account a
            // record and a few tree nodes, and the head. A guess: a deeper
            // tree grows the batch once more, as every block did before.
            batch.reserve(state.new_code.len() + dirty + BLOCK_END_ROOM * dirty + 1);
            for (hash, code) in &state.new_code {
                batch.put(NS_CODE, hash.0, code.to_vec());
            }
            for (address, loaded) in &state.accounts {
                if let (true, Some(account)) = (loaded.dirty, &loaded.account) {
                    batch.put(NS_ACCOUNTS, address.0, account.to_record(address));
                }
            }
        }
        state.caches.return_contract_caches(&mut state.storages);
        let receipt = Receipt {
            error: None,
            deployed,
            returns,
            return_data: outcome.return_data,
            gas_used,
            state_roots,
            events: std::mem::take(&mut state.events),
            logs: std::mem::take(&mut state.logs),
        };
        Ok((receipt, batch))
    }
}
