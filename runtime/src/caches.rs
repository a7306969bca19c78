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

use crate::bounded::Bounded;
use crate::exec::{ByAddress, Pooled, ResetPlan, Storage};
use crate::{Address, BlockKv, CodeHash, NS_CODE, Runtime, RuntimeConfig, RuntimeError, Shared};

/// A module compiled for the runtime's engine.
#[derive(Clone)]
pub(crate) enum EngineModule {
    /// For wasmi (translated lazily or eagerly).
    Wasmi(Module),
    /// For wasmtime (compiled by cranelift when loaded).
    #[cfg(feature = "wasmtime")]
    Wasmtime(wasmtime::Module),
}

/// A compiled module and the size of its code.
#[derive(Clone)]
pub(crate) struct CachedModule {
    pub module: EngineModule,
    /// The bytes of the code that run: all but its custom sections
    /// ([`validate::runnable_len`](crate::validate::runnable_len)).
    pub runnable_len: usize,
    /// How to reset a used instance, if instances of it may be reused
    /// (wasmi only; `exec/reuse.rs`).
    pub reset: Option<Arc<ResetPlan>>,
    /// Whether instances would be reused once the module is compiled again
    /// from a copy of the code with the reset's exports added: code whose
    /// state those exports reach is first compiled as stored, so that a
    /// cold start does not pay for the copy, and again at its second frame.
    pub expose_later: bool,
}

/// Page caches of recently run contracts. A cache lent to a transaction
/// leaves `None` in its slot, so lending and returning it neither frees
/// nor allocates an LRU node.
type ContractCache<K> = LruCache<Address, Option<PageCache<BlockKv<K>>>>;

/// How one cache has done since the runtime was built (or since
/// [`Runtime::reset_cache_stats`](crate::Runtime::reset_cache_stats)).
/// Counting never changes what a cache does, nor any result or gas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CacheCounters {
    /// Lookups that found their entry.
    pub hits: u64,
    /// Lookups that did not (the entry was then built or read, and put in
    /// the cache).
    pub misses: u64,
    /// Entries dropped to make room: least recently used first, except in
    /// the account-node cache and the instance pool, which empty when
    /// full. Clearing a cache is not counted.
    pub evictions: u64,
    /// Entries held now.
    pub len: usize,
}

impl CacheCounters {
    fn hit_or_miss(&mut self, hit: bool) {
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
    }
}

/// The counters of every cache of a runtime ([`Runtime::cache_stats`]).
///
/// [`Runtime::cache_stats`]: crate::Runtime::cache_stats
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CacheStats {
    /// Compiled modules by code hash
    /// ([`RuntimeConfig::module_cache`](crate::RuntimeConfig::module_cache)
    /// entries). A miss compiles the code (lazily, so cheaply).
    pub modules: CacheCounters,
    /// The page caches of recently run contracts, by address
    /// ([`RuntimeConfig::contract_cache`](crate::RuntimeConfig::contract_cache)
    /// entries). A hit reuses the contract's loaded pages and tree; a miss
    /// opens its storage afresh (also when the cached one stands at an
    /// older root).
    pub contracts: CacheCounters,
    /// Validated register layouts by contract.
    pub layouts: CacheCounters,
    /// Wasmi instances kept for reuse, by code hash
    /// ([`RuntimeConfig::instance_pool`](crate::RuntimeConfig::instance_pool)
    /// entries): a hit runs the frame in an instance reset to what
    /// instantiation left, a miss instantiates afresh. Only code whose
    /// instances can be reset is counted. When full, it empties for the
    /// next instance, and counts every instance it dropped.
    pub instances: CacheCounters,
    /// Nodes of the account tree (the global state root) known to be
    /// stored, which a block's end walks. A miss reads the node from the
    /// store (a node read and not found is not kept). When full, it
    /// empties for the next node, and counts every node it dropped.
    pub account_nodes: CacheCounters,
}

/// What a runtime keeps from one transaction to the next. It travels inside
/// the [`TxState`], so a transaction (and every nested frame) uses it
/// without taking a lock.
pub(crate) struct Caches<K: KvStore + 'static> {
    modules: LruCache<CodeHash, CachedModule>,
    contracts: ContractCache<K>,
    /// Validated register layouts by contract (checked against the
    /// account's banks on every use).
    layouts: LruCache<Address, BankLayout>,
    /// Instances free for reuse, by code hash (`None` when the pool is
    /// switched off).
    instances: Option<Bounded<CodeHash, Pooled<K>>>,
    /// Counters of the caches (their `len` is filled in by
    /// [`stats`](Self::stats)).
    stats: CacheStats,
}

impl<K: KvStore + 'static> Caches<K> {
    pub fn new(config: &RuntimeConfig) -> Self {
        let cap = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Caches {
            modules: LruCache::new(cap(config.module_cache)),
            contracts: LruCache::new(cap(config.contract_cache)),
            layouts: LruCache::new(cap(config.contract_cache)),
            instances: (config.instance_pool > 0).then(|| Bounded::new(config.instance_pool)),
            stats: CacheStats::default(),
        }
    }

    /// The counters, with the current lengths.
    pub fn stats(&self) -> CacheStats {
        let mut stats = self.stats;
        stats.modules.len = self.modules.len();
        stats.contracts.len = self.contracts.len();
        stats.layouts.len = self.layouts.len();
        stats.instances.len = self.instances.as_ref().map_or(0, Bounded::len);
        stats
    }

    /// Sets every counter back to 0.
    pub fn reset_stats(&mut self) {
        self.stats = CacheStats::default();
    }

    /// Forgets every compiled module, and the instances of them.
    pub fn clear_modules(&mut self) {
        self.modules.clear();
        self.clear_instances();
    }

    /// Forgets every pooled instance.
    pub fn clear_instances(&mut self) {
        if let Some(pool) = &mut self.instances {
            pool.clear();
        }
    }

    /// A pooled instance of the code `hash`, reset (see `exec/reuse.rs`),
    /// if one is free. Counted only when the pool is on: the caller asks
    /// only for code whose instances can be reset.
    pub fn take_instance(&mut self, hash: &CodeHash) -> Option<Pooled<K>> {
        let pool = self.instances.as_mut()?;
        let pooled = pool.pop(hash);
        self.stats.instances.hit_or_miss(pooled.is_some());
        pooled
    }

    /// Keeps a reset instance of the code `hash` for the next frame of it.
    pub fn put_instance(&mut self, hash: CodeHash, pooled: Pooled<K>) {
        if let Some(pool) = &mut self.instances {
            self.stats.instances.evictions += pool.put(hash, pooled) as u64;
        }
    }

    /// Forgets every validated register layout.
    pub fn clear_layouts(&mut self) {
        self.layouts.clear();
    }

    /// Forgets the page caches (after a failed block, they may stand at
    /// roots whose records were never written).
    pub fn clear_contracts(&mut self) {
        self.contracts.clear();
    }

    /// Forgets every module, instance, layout and page.
    pub fn clear(&mut self) {
        self.modules.clear();
        self.clear_instances();
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
        if let Some(m) = self.modules.get_mut(hash) {
            self.stats.modules.hits += 1;
            if !m.expose_later {
                return Ok(m.clone());
            }
            // The code's second frame: compiled again, its instances now
            // reused. If that fails, the module at hand stays, unpooled.
            m.expose_later = false;
            let fallback = m.clone();
            let module = self.load(shared, hash, new_code, true).unwrap_or(fallback);
            self.modules.put(*hash, module.clone());
            return Ok(module);
        }
        self.stats.modules.misses += 1;
        let cached = self.load(shared, hash, new_code, false)?;
        if let Some((evicted, _)) = self.modules.push(*hash, cached.clone())
            && evicted != *hash
        {
            self.stats.modules.evictions += 1;
        }
        Ok(cached)
    }

    /// Reads, checks and compiles the code of `hash`. Code whose instances
    /// may be pooled (wasmi only) is compiled with the exports its reset
    /// needs added (`exec/reuse.rs`) when `expose` is set or it needs none;
    /// it is hashed as stored.
    fn load(
        &self,
        shared: &Shared<K>,
        hash: &CodeHash,
        new_code: &BTreeMap<CodeHash, Arc<[u8]>>,
        expose: bool,
    ) -> Result<CachedModule, RuntimeError> {
        // The store's bytes as they are (a cold start of a large contract
        // is mostly page faults: no copy of them).
        let stored;
        let code: &[u8] = match new_code.get(hash) {
            Some(c) => c,
            None => {
                stored = shared
                    .kv
                    .get(NS_CODE, &hash.0)?
                    .ok_or_else(|| RuntimeError::Corrupt {
                        what: "code",
                        key: hash.to_hex(),
                        detail: "an account refers to code that is not in the store".into(),
                    })?;
                &stored
            }
        };
        let plan = if self.instances.is_some() && runs_on_wasmi(shared) {
            crate::exec::reset_plan(code)
        } else {
            None
        };
        let expose_later = !expose && plan.as_ref().is_some_and(|p| p.adds_exports());
        let exposed = plan
            .as_ref()
            .filter(|_| !expose_later)
            .and_then(|plan| plan.exposed(code));
        let reset = plan.filter(|_| exposed.is_some()).map(Arc::new);
        let compiled = exposed.as_deref().unwrap_or(code);
        let (hashes_to_key, module) = check_and_compile(shared, hash, code, compiled);
        if !hashes_to_key {
            return Err(RuntimeError::Corrupt {
                what: "code",
                key: hash.to_hex(),
                detail: "the stored code does not hash to its key".into(),
            });
        }
        let module = module.map_err(|e| RuntimeError::Corrupt {
            what: "code",
            key: hash.to_hex(),
            detail: format!("stored code does not compile: {e}"),
        })?;
        Ok(CachedModule {
            module,
            runnable_len: crate::validate::runnable_len(code),
            reset,
            expose_later,
        })
    }

    /// The register layout of the contract at `address` with `banks`,
    /// validated once and then cached.
    pub fn layout(
        &mut self,
        config: &RuntimeConfig,
        address: &Address,
        banks: &[BankSpec],
    ) -> Result<&BankLayout, strata_registers::RegisterError> {
        // Two lookups: whether it is cached (and current), and the one that
        // returns it (or makes it).
        let hit = match self.layouts.peek(address) {
            Some(l) if l.specs() == banks => true,
            Some(_) => {
                self.layouts.pop(address);
                false
            }
            None => false,
        };
        self.stats.layouts.hit_or_miss(hit);
        let evicts = !hit && self.layouts.len() == self.layouts.cap().get();
        let layout = self.layouts.try_get_or_insert(*address, || {
            BankLayout::new(banks.to_vec(), &config.register_limits)
        });
        if evicts && layout.is_ok() {
            self.stats.layouts.evictions += 1;
        }
        layout
    }

    /// The cached page cache of `address`, if it stands at `root`.
    pub fn take_contract_cache(
        &mut self,
        address: &Address,
        root: StateRoot,
    ) -> Option<PageCache<BlockKv<K>>> {
        let cache = self
            .contracts
            .get_mut(address)
            .and_then(Option::take)
            .filter(|c| c.root() == root && c.dirty_len() == 0);
        self.stats.contracts.hit_or_miss(cache.is_some());
        cache
    }

    /// Takes back the page caches a transaction opened (leaving its map
    /// empty, with its room), dropping their uncommitted writes.
    pub fn return_contract_caches(&mut self, storages: &mut ByAddress<Storage<K>>) {
        let contracts = &mut self.contracts;
        let mut taken = std::mem::take(storages).into_tuple_vec();
        for (address, s) in taken.drain(..) {
            let mut cache = s.into_pages();
            cache.discard();
            match contracts.get_mut(&address) {
                Some(slot) => *slot = Some(cache),
                None => {
                    if contracts.push(address, Some(cache)).is_some() {
                        // The address was not there: what came out was
                        // another contract's entry.
                        self.stats.contracts.evictions += 1;
                    }
                }
            }
        }
        // Empty, hence sorted: the map gets its room back (up to a bound).
        if taken.capacity() <= crate::exec::KEEP_CONTRACTS {
            *storages = ByAddress::from_sorted_store_unchecked(taken);
        }
    }
}

/// Inspecting and clearing the caches, one at a time. Each waits for a
/// running transaction or block to end; while a started transaction is in
/// flight ([`Runtime::start`]) they leave the caches it holds alone (and
/// count them as empty). None of it changes a result or a gas charge: the
/// caches only save work.
impl<K: KvStore + 'static> Runtime<K> {
    /// The counters of every cache: hits, misses and evictions since the
    /// runtime was built (or [`reset_cache_stats`](Self::reset_cache_stats)),
    /// and the entries held now.
    pub fn cache_stats(&self) -> CacheStats {
        let mut stats = self
            .shared
            .idle()
            .and_then(|(_gate, slot)| slot.as_ref().map(|state| state.caches.stats()))
            .unwrap_or_default();
        stats.account_nodes = self.shared.account_nodes.stats();
        stats
    }

    /// Sets every cache's counters back to 0 (the caches keep their
    /// entries).
    pub fn reset_cache_stats(&self) {
        if let Some((_gate, mut slot)) = self.shared.idle()
            && let Some(state) = slot.as_mut()
        {
            state.caches.reset_stats();
        }
        self.shared.account_nodes.reset_stats();
    }

    /// Drops every compiled module: the next call of each contract compiles
    /// its code again.
    pub fn clear_module_cache(&self) {
        if let Some((_gate, mut slot)) = self.shared.idle()
            && let Some(state) = slot.as_mut()
        {
            state.caches.clear_modules();
        }
    }

    /// Drops the page caches of every contract: the next transaction of
    /// each contract reads its pages and tree from the store again.
    pub fn clear_contract_cache(&self) {
        if let Some((_gate, mut slot)) = self.shared.idle()
            && let Some(state) = slot.as_mut()
        {
            state.caches.clear_contracts();
        }
    }

    /// Drops every validated register layout.
    pub fn clear_layout_cache(&self) {
        if let Some((_gate, mut slot)) = self.shared.idle()
            && let Some(state) = slot.as_mut()
        {
            state.caches.clear_layouts();
        }
    }

    /// Drops the cached nodes of the account tree: the next block reads
    /// the paths it updates from the store again.
    pub fn clear_account_node_cache(&self) {
        self.shared.account_nodes.clear();
    }
}

/// Code at least this long is hashed on a second thread while it compiles.
const HASH_BESIDE_COMPILE: usize = 256 * 1024;

/// Whether the engine is wasmi (the one whose instances are pooled).
fn runs_on_wasmi<K: KvStore + 'static>(shared: &Shared<K>) -> bool {
    #[cfg(feature = "wasmtime")]
    if shared.wasmtime.is_some() {
        return false;
    }
    let _ = shared;
    true
}

/// Whether `code` hashes to `hash`, and `compiled` (the same code, or a
/// copy of it with exports added) compiled. Both always run,
/// and the caller looks at the hash first, so a module of code that does
/// not hash to its key is never used (compiling bytes is safe whatever
/// they are: the engine validates them). Large code is hashed on a scoped
/// thread beside the compile, which takes longer than the hash: a cold
/// start of a megabyte contract then waits for the compile alone. Where no
/// thread can be made, it hashes first, as small code does.
fn check_and_compile<K: KvStore + 'static>(
    shared: &Shared<K>,
    hash: &CodeHash,
    code: &[u8],
    compiled: &[u8],
) -> (bool, Result<EngineModule, String>) {
    if code.len() >= HASH_BESIDE_COMPILE {
        let beside = std::thread::scope(|scope| {
            let hashing = std::thread::Builder::new()
                .name("strata-code-hash".into())
                .spawn_scoped(scope, || CodeHash::of(code) == *hash)
                .ok()?;
            let module = compile(shared, compiled);
            // The hash cannot panic; a thread that did is a failed check.
            Some((hashing.join().unwrap_or(false), module))
        });
        if let Some(both) = beside {
            return both;
        }
    }
    (CodeHash::of(code) == *hash, compile(shared, compiled))
}

/// Compiles `code` for the runtime's engine.
fn compile<K: KvStore + 'static>(shared: &Shared<K>, code: &[u8]) -> Result<EngineModule, String> {
    #[cfg(feature = "wasmtime")]
    if let Some(backend) = &shared.wasmtime {
        return backend.compile(code).map(EngineModule::Wasmtime);
    }
    Module::new(&shared.engine, code)
        .map(EngineModule::Wasmi)
        .map_err(|e| e.to_string())
}
