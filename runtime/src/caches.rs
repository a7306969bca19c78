//! What a runtime keeps from one transaction to the next: compiled modules,
//! the page caches of recently run contracts, and validated register
//! layouts. None of it may change a result or a gas charge.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use strata_kv::KvStore;
use strata_pages::{PageCache, StateRoot};
use strata_registers::{BankLayout, BankSpec};
use wasmi::Module;

use crate::exec::Storage;
use crate::{Address, BlockKv, CodeHash, NS_CODE, RuntimeConfig, RuntimeError, Shared};

/// A compiled module and the size of its code.
#[derive(Clone)]
pub(crate) struct CachedModule {
    pub module: Module,
    /// The bytes of the code that run: all but its custom sections
    /// ([`validate::runnable_len`](crate::validate::runnable_len)).
    pub runnable_len: usize,
}

/// Page caches of recently run contracts. A cache lent to a transaction
/// leaves `None` in its slot, so lending and returning it neither frees
/// nor allocates an LRU node.
type ContractCache<K> = LruCache<Address, Option<PageCache<BlockKv<K>>>>;

/// What a runtime keeps from one transaction to the next. It travels inside
/// the [`TxState`], so a transaction (and every nested frame) uses it
/// without taking a lock.
pub(crate) struct Caches<K: KvStore + 'static> {
    modules: LruCache<CodeHash, CachedModule>,
    contracts: ContractCache<K>,
    /// Validated register layouts by contract (checked against the
    /// account's banks on every use).
    layouts: LruCache<Address, BankLayout>,
}

impl<K: KvStore + 'static> Caches<K> {
    pub fn new(config: &RuntimeConfig) -> Self {
        let cap = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Caches {
            modules: LruCache::new(cap(config.module_cache)),
            contracts: LruCache::new(cap(config.contract_cache)),
            layouts: LruCache::new(cap(config.contract_cache)),
        }
    }

    /// Forgets the page caches (after a failed block, they may stand at
    /// roots whose records were never written).
    pub fn clear_contracts(&mut self) {
        self.contracts.clear();
    }

    /// Forgets every module, layout and page.
    pub fn clear(&mut self) {
        self.modules.clear();
        self.layouts.clear();
        self.contracts.clear();
    }

    /// The compiled module of `hash`: from the cache, from code created in
    /// this transaction, or from the store.
    pub fn module(
        &mut self,
        shared: &Shared<K>,
        hash: &CodeHash,
        new_code: &BTreeMap<CodeHash, Arc<[u8]>>,
    ) -> Result<CachedModule, RuntimeError> {
        if let Some(m) = self.modules.get(hash) {
            return Ok(m.clone());
        }
        let code: Arc<[u8]> = match new_code.get(hash) {
            Some(c) => c.clone(),
            None => shared
                .kv
                .get(NS_CODE, &hash.0)?
                .map(|b| Arc::from(&b[..]))
                .ok_or_else(|| RuntimeError::Corrupt {
                    what: "code",
                    key: hash.to_hex(),
                    detail: "an account refers to code that is not in the store".into(),
                })?,
        };
        if CodeHash::of(&code) != *hash {
            return Err(RuntimeError::Corrupt {
                what: "code",
                key: hash.to_hex(),
                detail: "the stored code does not hash to its key".into(),
            });
        }
        let module = Module::new(&shared.engine, &code[..]).map_err(|e| RuntimeError::Corrupt {
            what: "code",
            key: hash.to_hex(),
            detail: format!("stored code does not compile: {e}"),
        })?;
        let cached = CachedModule {
            module,
            runnable_len: crate::validate::runnable_len(&code),
        };
        self.modules.put(*hash, cached.clone());
        Ok(cached)
    }

    /// The register layout of the contract at `address` with `banks`,
    /// validated once and then cached.
    pub fn layout(
        &mut self,
        config: &RuntimeConfig,
        address: &Address,
        banks: &[BankSpec],
    ) -> Result<&BankLayout, strata_registers::RegisterError> {
        if self
            .layouts
            .peek(address)
            .is_some_and(|l| l.specs() != banks)
        {
            self.layouts.pop(address);
        }
        self.layouts.try_get_or_insert(*address, || {
            BankLayout::new(banks.to_vec(), &config.register_limits)
        })
    }

    /// The cached page cache of `address`, if it stands at `root`.
    pub fn take_contract_cache(
        &mut self,
        address: &Address,
        root: StateRoot,
    ) -> Option<PageCache<BlockKv<K>>> {
        let cache = self.contracts.get_mut(address)?.take()?;
        (cache.root() == root && cache.dirty_len() == 0).then_some(cache)
    }

    /// Takes back the page caches a transaction opened (leaving its map
    /// empty, with its room), dropping their uncommitted writes.
    pub fn return_contract_caches(&mut self, storages: &mut BTreeMap<Address, Storage<K>>) {
        let contracts = &mut self.contracts;
        for (address, s) in std::mem::take(storages) {
            let mut cache = s.into_pages();
            cache.discard();
            match contracts.get_mut(&address) {
                Some(slot) => *slot = Some(cache),
                None => {
                    contracts.put(address, Some(cache));
                }
            }
        }
    }
}
