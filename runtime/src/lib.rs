//! # strata-runtime: deploy and execute contracts
//!
//! The layer a node embeds. It composes the storage stack (kv, pages,
//! slices), registers and host functions, and runs contracts on wasmi 2:
//!
//! - **Deploy** validates code eagerly and completely ([`validate`]:
//!   wasmparser, no floats/SIMD/threads/memory64/multi-memory/start
//!   function, every import a host function with its exact signature,
//!   limits), stores it once by [`CodeHash`], and creates the account at a
//!   deterministic [`contract_address`]. A failed deploy or constructor
//!   leaves nothing behind.
//! - **Execute** loads the module from an LRU cache (lazy translation on a
//!   miss, as in Soroban's CAP-0060), instantiates it with fresh registers
//!   and the contract's storage, runs it under fuel, and on success commits
//!   the dirty pages of every touched contract, with their account records,
//!   in **one atomic kv batch**. On any failure nothing changes.
//! - **Receipts** and transactions are SCALE-encoded; decoding bad bytes is
//!   an error.
//! - **Gas** is one unit: wasm fuel, plus host-function costs from the
//!   host-fns table, plus page and instantiation costs from the
//!   [`GasSchedule`]. Translation is free (so a warm or cold cache gives the
//!   same gas), and page costs are charged on a page's first touch in a
//!   transaction, never on cache misses.
//! - **Contract calls** (`strata.call`) run the callee in its own store with
//!   gas carved from the caller's and a checkpoint: a failed callee is rolled
//!   back alone. Depth is limited and re-entry is refused by default.
//! - **Blocks**: [`Runtime::execute_block`] runs transactions in order, each
//!   atomic on its own, and writes the whole block in one batch.
//! - **Gas caps**: a transaction may ask for at most
//!   [`RuntimeConfig::max_tx_gas`], and a block admits a transaction only
//!   while its gas limit fits in what is left of
//!   [`RuntimeConfig::max_block_gas`]; one that does not fit gets a refused
//!   receipt ([`ErrorKind::OverGasCap`], [`ErrorKind::BlockGasExhausted`])
//!   and the block goes on.
//! - **Native stack**: `execute`, `execute_block` and `query` need no
//!   particular stack from the embedder's thread. Each block and each
//!   contract frame checks the native stack left and, below
//!   [`stack::RED_ZONE`] (1 MiB), continues on a fresh
//!   [`stack::SEGMENT`]-byte segment, so a chain of nested calls as deep as
//!   the depth limit runs (with the same receipt) on a 128 KiB thread as on
//!   the main thread, and can never abort the process.
//! - **Stored records are checked**: an account record carries a checksum
//!   and must decode exactly ([`Account::from_record`]), pages and tree
//!   nodes are checked against their hashes, code against its hash; a
//!   damaged record is [`RuntimeError::Corrupt`] or [`RuntimeError::Pages`]
//!   naming its key, also when a host function meets it inside a contract
//!   (the error keeps its type across the host boundary).
//! - **Embedders** add their own import modules with the host-fns macro and
//!   [`RuntimeBuilder::host_module`]; their functions see the same memory,
//!   registers and gas, and are checked at deploy like any import.
//!
//! ## Key design decision
//!
//! The transaction's state (accounts, storages, events) is *moved* into each
//! frame's wasmi store and back out, instead of being shared behind locks.
//! A nested call takes it from the caller's host, runs, and returns it, so
//! there is exactly one owner at every moment, no `RefCell` can be
//! double-borrowed, and a failed callee's writes are undone by checkpoints
//! in the page caches.
//!
//! ```
//! use std::sync::Arc;
//! use strata_kv::MemKv;
//! use strata_runtime::{Address, Arg, BlockContext, CallTx, DeployTx, FunctionCall, Runtime, Transaction};
//!
//! let wasm = wat::parse_str(r#"(module
//!   (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
//!   (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
//!   (memory 1)
//!   (func (export "inc") (result i64)
//!     (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
//!     (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
//!     (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
//!     (i64.load (i32.const 0))))"#).unwrap();
//! let rt = Runtime::new(Arc::new(MemKv::new()));
//! let deploy = DeployTx {
//!     author: Address([1; 20]), nonce: None, name: None, page_count: 1, banks: None,
//!     code: wasm, ctor: None, balance: 0, gas_limit: 1_000_000,
//! };
//! let receipt = rt.execute(&Transaction::Deploy(deploy), BlockContext::default())?;
//! let counter = receipt.deployed.unwrap();
//! let call = CallTx {
//!     contract: counter, sender: Address([2; 20]),
//!     call: FunctionCall { function: "inc".into(), args: vec![] },
//!     input: vec![], gas_limit: 100_000,
//! };
//! let receipt = rt.execute(&Transaction::Call(call.clone()), BlockContext::default())?;
//! assert_eq!(receipt.returns, vec![Arg::I64(1)]);
//! let receipt = rt.execute(&Transaction::Call(call), BlockContext::default())?;
//! assert_eq!(receipt.returns, vec![Arg::I64(2)]);
//! # Ok::<(), strata_runtime::RuntimeError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod admission;
mod config;
mod exec;
mod overlay;
pub mod stack;
mod types;
pub mod validate;

use std::any::Any;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use smallvec::SmallVec;
use strata_host_fns::{HostFnDesc, Strata, Svm, WasmiState};
use strata_kv::{KvError, KvStore, Namespace, WriteBatch};
use strata_pages::{PageCache, PageError, StateRoot};
use strata_registers::{BankLayout, BankSpec};
use strata_slices::{SliceError, SliceLayout, Slices};
use wasmi::{Engine, Linker, Module};

pub use config::{
    Compilation, DEFAULT_MAX_BLOCK_GAS, DEFAULT_MAX_TX_GAS, GasSchedule, Limits, RuntimeConfig,
};
pub use exec::TxHost;
pub use overlay::BlockKv;
pub use strata_host_fns::{Address, Event};
pub use types::{
    Account, Arg, BlockContext, CallTx, CodeHash, DeployTx, ErrorKind, FunctionCall, Receipt,
    Transaction, TxError, contract_address,
};
pub use validate::CodeError;

use exec::{Failure, Frame, TxState, run_frame};

/// Namespace of account records: address → SCALE-encoded [`Account`].
pub const NS_ACCOUNTS: Namespace = Namespace::new(16);
/// Namespace of code: code hash → wasm bytes.
pub const NS_CODE: Namespace = Namespace::new(17);

/// A failure of the runtime itself, not of a transaction: the store failed
/// or holds a damaged record. Nothing of the transaction (or block) was
/// applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The key-value store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
    /// The page store failed (a missing or corrupt page or node).
    #[error(transparent)]
    Pages(#[from] PageError),
    /// A record that does not decode.
    #[error("corrupt {what} record {key}: {detail}")]
    Corrupt {
        /// The kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// Storage failed during execution.
    #[error("storage failed during execution: {0}")]
    Storage(String),
    /// A host module could not be linked (for example, a duplicate name).
    #[error("cannot link host functions: {0}")]
    Link(String),
    /// No such account.
    #[error("no account at address {0}")]
    NoAccount(Address),
    /// An invariant of the runtime broke (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl RuntimeError {
    pub(crate) fn from_slice(e: SliceError) -> Self {
        match e {
            SliceError::Page(p) => RuntimeError::Pages(p),
            other => RuntimeError::Storage(other.to_string()),
        }
    }
}

type LinkFn<K> = Box<
    dyn Fn(&mut Linker<WasmiState<TxHost<K>>>) -> Result<(), wasmi::errors::LinkerError>
        + Send
        + Sync,
>;

/// Builds a [`Runtime`]: configuration, embedder host modules and state.
pub struct RuntimeBuilder<K: KvStore + Clone + 'static> {
    kv: K,
    config: RuntimeConfig,
    modules: Vec<(&'static [HostFnDesc], LinkFn<K>)>,
    extension: Option<Box<dyn Any + Send>>,
}

impl<K: KvStore + Clone + 'static> RuntimeBuilder<K> {
    /// Sets the configuration.
    pub fn config(mut self, config: RuntimeConfig) -> Self {
        self.config = config;
        self
    }

    /// Adds an embedder's import module, declared with
    /// [`strata_host_fns::host_functions!`]: pass its `FUNCTIONS` and its
    /// `link` function.
    pub fn host_module<F>(mut self, functions: &'static [HostFnDesc], link: F) -> Self
    where
        F: Fn(&mut Linker<WasmiState<TxHost<K>>>) -> Result<(), wasmi::errors::LinkerError>
            + Send
            + Sync
            + 'static,
    {
        self.modules.push((functions, Box::new(link)));
        self
    }

    /// The embedder's own state, which its host functions reach through
    /// [`strata_host_fns::Host::extension`]. It is not rolled back when a
    /// transaction fails: it belongs to the embedder.
    pub fn extension(mut self, state: Box<dyn Any + Send>) -> Self {
        self.extension = Some(state);
        self
    }

    /// The runtime.
    pub fn build(self) -> Result<Runtime<K>, RuntimeError> {
        let config = self.config;
        let wasm = config.wasmi_config();
        let engine = Engine::new(&wasm);
        let mut linker = Linker::new(&engine);
        let link_err = |e: wasmi::errors::LinkerError| RuntimeError::Link(e.to_string());
        Svm::link(&mut linker).map_err(link_err)?;
        Strata::link(&mut linker).map_err(link_err)?;
        let mut host_fns: Vec<&'static HostFnDesc> =
            Svm::FUNCTIONS.iter().chain(Strata::FUNCTIONS).collect();
        for (functions, link) in &self.modules {
            link(&mut linker).map_err(link_err)?;
            host_fns.extend(functions.iter());
        }
        let kv = BlockKv::new(self.kv);
        let mut state = TxState::new(kv.clone(), Caches::new(&config));
        state.extension = self.extension;
        Ok(Runtime {
            shared: Arc::new(Shared {
                kv,
                engine,
                linker,
                host_fns,
                exec: Mutex::new(Some(Box::new(state))),
                config,
            }),
        })
    }
}

/// A compiled module and the size of its code.
#[derive(Clone)]
pub(crate) struct CachedModule {
    pub module: Module,
    pub code_len: usize,
}

/// Page caches of recently run contracts. A cache lent to a transaction
/// leaves `None` in its slot, so lending and returning it neither frees
/// nor allocates an LRU node.
type ContractCache<K> = LruCache<Address, Option<PageCache<BlockKv<K>>>>;

/// What a runtime keeps from one transaction to the next. It travels inside
/// the [`TxState`], so a transaction (and every nested frame) uses it
/// without taking a lock.
pub(crate) struct Caches<K: KvStore + Clone + 'static> {
    modules: LruCache<CodeHash, CachedModule>,
    contracts: ContractCache<K>,
    /// Validated register layouts by contract (checked against the
    /// account's banks on every use).
    layouts: LruCache<Address, BankLayout>,
}

/// What a runtime's frames share.
pub(crate) struct Shared<K: KvStore + Clone + 'static> {
    pub kv: BlockKv<K>,
    pub engine: Engine,
    pub linker: Linker<WasmiState<TxHost<K>>>,
    pub host_fns: Vec<&'static HostFnDesc>,
    /// Serialises execution, and holds the state the next transaction
    /// reuses: its emptied collections, the caches and the embedder's
    /// extension. `None` only if a transaction lost it to a bug; the next
    /// one then starts afresh.
    exec: Mutex<Option<Box<TxState<K>>>>,
    pub config: RuntimeConfig,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K: KvStore + Clone + 'static> Caches<K> {
    pub fn new(config: &RuntimeConfig) -> Self {
        let cap = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Caches {
            modules: LruCache::new(cap(config.module_cache)),
            contracts: LruCache::new(cap(config.contract_cache)),
            layouts: LruCache::new(cap(config.contract_cache)),
        }
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
            code_len: code.len(),
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
    fn return_contract_caches(&mut self, storages: &mut BTreeMap<Address, exec::Storage<K>>) {
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

/// The runtime: deploys and executes contracts against a [`KvStore`].
///
/// `K` is the store handle, cloned into every page cache (an
/// `Arc<MemKv>`, an `Arc<RocksKv>`, or an `Arc<dyn KvStore>`). Execution is
/// serialised: one transaction (or block) at a time.
pub struct Runtime<K: KvStore + Clone + 'static> {
    shared: Arc<Shared<K>>,
}

impl<K: KvStore + Clone + 'static> Runtime<K> {
    /// A runtime with the default configuration and the built-in `svm` and
    /// `strata` modules.
    ///
    /// # Panics
    ///
    /// Never in practice: linking the two built-in modules into a fresh
    /// linker cannot collide. Use [`Runtime::builder`] to handle every error.
    pub fn new(kv: K) -> Self {
        match Self::builder(kv).build() {
            Ok(rt) => rt,
            Err(e) => unreachable!("the built-in host modules link: {e}"),
        }
    }

    /// A builder, for configuration and embedder host modules.
    pub fn builder(kv: K) -> RuntimeBuilder<K> {
        RuntimeBuilder {
            kv,
            config: RuntimeConfig::default(),
            modules: Vec::new(),
            extension: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    /// The store beneath.
    pub fn kv(&self) -> &K {
        self.shared.kv.base()
    }

    /// Every host function a contract may import.
    pub fn host_functions(&self) -> &[&'static HostFnDesc] {
        &self.shared.host_fns
    }

    /// Runs `f` on the embedder's state, if there is one of type `T`. Waits
    /// for a running transaction or block to finish first, so `f` never sees
    /// a block's state half-applied.
    pub fn with_extension<T: Any, R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut slot = lock(&self.shared.exec);
        slot.as_mut()?
            .extension
            .as_mut()?
            .downcast_mut::<T>()
            .map(f)
    }

    /// Drops every cached module and page (for tests and benchmarks of cold
    /// starts). State and results are unaffected.
    pub fn clear_caches(&self) {
        if let Some(state) = lock(&self.shared.exec).as_mut() {
            state.caches.clear();
        }
    }

    /// The account at `address`, as committed, validated: a record that
    /// fails its checksum or does not decode exactly, or a contract whose
    /// page count and tree root do not make its state root, is
    /// [`RuntimeError::Corrupt`] with the record's key.
    pub fn account(&self, address: &Address) -> Result<Option<Account>, RuntimeError> {
        let account = exec::load_account(self.shared.kv.base(), address)?;
        if let Some(a) = &account {
            a.validate(address)?;
        }
        Ok(account)
    }

    /// The committed code of `hash`.
    pub fn code(&self, hash: &CodeHash) -> Result<Option<Vec<u8>>, RuntimeError> {
        Ok(self
            .shared
            .kv
            .base()
            .get(NS_CODE, &hash.0)?
            .map(|b| b.to_vec()))
    }

    /// The committed bytes of a slice of a contract's storage.
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
            self.shared.kv.base().clone(),
            address,
            exec::StorageRoot::of(&account),
            1,
        )?;
        let bytes = pages.page(page)?;
        Ok(bytes[slice.offset()..slice.offset() + slice.len()].to_vec())
    }

    /// Executes one transaction and writes its changes in one atomic batch.
    /// A failed transaction still returns a receipt (and changes nothing);
    /// an `Err` means the runtime itself failed and nothing was applied.
    pub fn execute(&self, tx: &Transaction, block: BlockContext) -> Result<Receipt, RuntimeError> {
        // A block of one, without the block's vector of receipts.
        let mut receipt = None;
        self.run_block(std::slice::from_ref(tx), block, |r| receipt = Some(r))?;
        receipt.ok_or_else(|| RuntimeError::Internal("a block of one gave no receipt".into()))
    }

    /// Executes transactions in order as one block: each is atomic on its
    /// own (a failed one changes nothing), later ones see earlier ones'
    /// effects, and the whole block reaches the store in one atomic batch.
    pub fn execute_block(
        &self,
        txs: &[Transaction],
        block: BlockContext,
    ) -> Result<Vec<Receipt>, RuntimeError> {
        let mut receipts = Vec::with_capacity(txs.len());
        self.run_block(txs, block, |r| receipts.push(r))?;
        Ok(receipts)
    }

    /// Runs a block, handing each receipt to `receipt` in order. On an
    /// error nothing of the block is applied.
    fn run_block(
        &self,
        txs: &[Transaction],
        block: BlockContext,
        receipt: impl FnMut(Receipt),
    ) -> Result<(), RuntimeError> {
        stack::with_stack(|| self.run_block_inner(txs, block, receipt))
    }

    fn run_block_inner(
        &self,
        txs: &[Transaction],
        block: BlockContext,
        mut receipt: impl FnMut(Receipt),
    ) -> Result<(), RuntimeError> {
        let mut slot = lock(&self.shared.exec);
        let mut last = WriteBatch::new();
        let mut block_gas_left = self.shared.config.max_block_gas;
        for (i, tx) in txs.iter().enumerate() {
            let limit = admission::gas_limit(tx);
            if let Some(refused) = admission::refuse(&self.shared.config, limit, block_gas_left) {
                receipt(refused);
                continue;
            }
            let written = self
                .run_tx(&mut slot, tx, block, false)
                .and_then(|(r, batch)| {
                    block_gas_left = block_gas_left.saturating_sub(r.gas_used);
                    // Later transactions read the earlier ones' writes through
                    // the overlay; the last one's go with them in one batch.
                    if i + 1 == txs.len() {
                        last = batch;
                    } else if !batch.is_empty() {
                        self.shared.kv.write(batch)?;
                    }
                    Ok(r)
                });
            match written {
                Ok(r) => receipt(r),
                Err(e) => {
                    self.abandon_block(&mut slot);
                    return Err(e);
                }
            }
        }
        if let Err(e) = self.shared.kv.flush_with(last) {
            self.abandon_block(&mut slot);
            return Err(e.into());
        }
        Ok(())
    }

    /// Runs a call read-only: the same execution, but any storage write or
    /// transfer fails the query, and nothing is ever committed.
    pub fn query(&self, call: &CallTx, block: BlockContext) -> Result<Receipt, RuntimeError> {
        if let Some(refused) = admission::refuse(&self.shared.config, call.gas_limit, u64::MAX) {
            return Ok(refused);
        }
        stack::with_stack(|| {
            let mut slot = lock(&self.shared.exec);
            // A query's batch is always empty: nothing to write.
            self.run_tx(&mut slot, &Transaction::Call(call.clone()), block, true)
                .map(|(receipt, _)| receipt)
        })
    }

    /// After a failed block: the page caches may stand at roots whose
    /// records were never written.
    fn abandon_block(&self, slot: &mut Option<Box<TxState<K>>>) {
        self.shared.kv.clear();
        if let Some(state) = slot {
            state.caches.contracts.clear();
        }
    }

    /// Runs one transaction: its receipt, and (for a successful one that is
    /// not a query) the batch of its writes, for the caller to apply.
    ///
    /// The state comes from `slot` and goes back there, unless a bug loses
    /// it (then the next transaction starts with empty caches).
    fn run_tx(
        &self,
        slot: &mut Option<Box<TxState<K>>>,
        tx: &Transaction,
        block: BlockContext,
        read_only: bool,
    ) -> Result<(Receipt, WriteBatch), RuntimeError> {
        let mut state = slot.take().unwrap_or_else(|| {
            Box::new(TxState::new(
                self.shared.kv.clone(),
                Caches::new(&self.shared.config),
            ))
        });
        state.reset(block, read_only);
        let result = match tx {
            Transaction::Deploy(d) => self.deploy(state, d),
            Transaction::Call(c) => {
                let frame = Frame {
                    address: c.contract,
                    sender: c.sender,
                    function: &c.call.function,
                    args: &c.call.args,
                    input: c.input.clone(),
                    gas_limit: c.gas_limit,
                    nested: false,
                };
                run_frame(&self.shared, state, frame).map(|(s, o)| (s, o, None, 0))
            }
        };
        // `result` is an error only if the state was lost (a bug): then the
        // caches and the extension are lost with it.
        let (mut state, outcome, deployed, extra_gas) = result?;
        let finished = self.finish(&mut state, outcome, deployed, extra_gas);
        *slot = Some(state);
        finished
    }

    /// Creates the account and code of a deploy, and runs the constructor.
    /// The transaction state always comes back (with the embedder's
    /// extension in it); store failures become fatal outcomes.
    #[allow(clippy::type_complexity)]
    fn deploy(
        &self,
        mut state: Box<TxState<K>>,
        tx: &DeployTx,
    ) -> Result<(Box<TxState<K>>, exec::FrameOutcome, Option<Address>, u64), RuntimeError> {
        let deploy_gas = self
            .shared
            .config
            .gas
            .deploy_per_byte
            .saturating_mul(tx.code.len() as u64);
        let failed = |failure, gas| (exec::FrameOutcome::failed(failure, 0), None, gas);
        let (address, ctor_frame) = match self.create_contract(&mut state, tx, deploy_gas) {
            Err(e) => {
                let (o, d, g) = failed(Failure::Fatal(e), deploy_gas);
                return Ok((state, o, d, g));
            }
            Ok(Err((err, gas))) => {
                let (o, d, g) = failed(Failure::Tx(err), gas);
                return Ok((state, o, d, g));
            }
            Ok(Ok(created)) => created,
        };
        let Some(frame) = ctor_frame else {
            let outcome = exec::FrameOutcome {
                result: Ok(Vec::new()),
                gas_used: 0,
                return_data: Vec::new(),
            };
            return Ok((state, outcome, Some(address), deploy_gas));
        };
        let (state, outcome) = run_frame(&self.shared, state, frame)?;
        Ok((state, outcome, Some(address), deploy_gas))
    }

    /// Validates a deploy and creates its account, storage and code in the
    /// transaction. The inner error is the transaction's (with the gas it
    /// costs); the outer one is the store's.
    #[allow(clippy::type_complexity)]
    fn create_contract<'t>(
        &self,
        state: &mut TxState<K>,
        tx: &'t DeployTx,
        deploy_gas: u64,
    ) -> Result<Result<(Address, Option<Frame<'t>>), (TxError, u64)>, RuntimeError> {
        let config = &self.shared.config;
        let reject = |kind, message: String| Ok(Err((TxError::new(kind, message), deploy_gas)));
        if deploy_gas > tx.gas_limit {
            let message = format!(
                "deploying {} bytes costs {deploy_gas} gas; the limit is {}",
                tx.code.len(),
                tx.gas_limit
            );
            return Ok(Err((
                TxError::new(ErrorKind::OutOfGas, message),
                tx.gas_limit,
            )));
        }
        if state.read_only {
            return reject(ErrorKind::ReadOnly, "a query cannot deploy".into());
        }
        if tx.page_count > config.limits.max_page_count {
            return reject(
                ErrorKind::InvalidTransaction,
                format!(
                    "page count {} exceeds the limit of {}",
                    tx.page_count, config.limits.max_page_count
                ),
            );
        }
        let banks: Vec<BankSpec> = tx
            .banks
            .clone()
            .unwrap_or_else(|| BankLayout::svm_default().specs().to_vec());
        if let Err(e) = BankLayout::new(banks.clone(), &config.register_limits) {
            return reject(
                ErrorKind::InvalidTransaction,
                format!("register banks: {e}"),
            );
        }
        let required: Vec<&str> = tx.ctor.iter().map(|c| c.function.as_str()).collect();
        let validated =
            match validate::validate(&tx.code, &self.shared.host_fns, &config.limits, &required) {
                Ok(v) => v,
                Err(e) => return reject(ErrorKind::InvalidCode, e.to_string()),
            };
        let mut author = state.account(&tx.author)?.cloned().unwrap_or_default();
        if let Some(n) = tx.nonce
            && n != author.nonce
        {
            return reject(
                ErrorKind::InvalidTransaction,
                format!(
                    "nonce {n} given, but author {} is at nonce {}",
                    tx.author, author.nonce
                ),
            );
        }
        let Some(next_nonce) = author.nonce.checked_add(1) else {
            return reject(
                ErrorKind::InvalidTransaction,
                format!("author {} has no deploy nonce left", tx.author),
            );
        };
        let code_hash = CodeHash::of(&validated.code);
        let address = contract_address(&tx.author, author.nonce, &code_hash);
        if state.account(&address)?.is_some() {
            return reject(
                ErrorKind::AddressTaken,
                format!("an account already exists at {address}"),
            );
        }
        let pages = PageCache::create(
            state.kv.clone(),
            tx.page_count,
            exec::contract_pages(config.pages_per_contract),
        );
        let account = Account {
            code_hash: Some(code_hash),
            page_count: tx.page_count,
            banks,
            state_root: pages.root(),
            tree_root: pages.tree_root(),
            balance: tx.balance,
            nonce: 0,
            name: tx.name.clone(),
        };
        state.storages.insert(address, Slices::new(pages));
        state.put_account(address, account);
        author.nonce = next_nonce;
        state.put_account(tx.author, author);
        state.new_code.insert(code_hash, Arc::from(validated.code));
        let frame = tx.ctor.as_ref().map(|ctor| Frame {
            address,
            sender: tx.author,
            function: &ctor.function,
            args: &ctor.args,
            input: Vec::new(),
            gas_limit: tx.gas_limit - deploy_gas,
            nested: false,
        });
        Ok(Ok((address, frame)))
    }

    /// Commits a successful transaction into a batch (or discards a failed
    /// one) and makes its receipt. The batch is empty for a failed
    /// transaction and a query.
    fn finish(
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
            let dirty = state.accounts.values().filter(|l| l.dirty).count();
            batch.reserve(state.new_code.len() + dirty);
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
