//! # strata-runtime: deploy and execute contracts
//!
//! The layer a node embeds. It composes the storage stack (kv, pages,
//! slices), registers and host functions, and runs contracts on wasmi 2:
//!
//! - **Deploy** validates code eagerly and completely (`validate`:
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
//! - **Two engines**: contracts run on wasmi, the default and the
//!   consensus engine, or (feature `wasmtime`,
//!   [`RuntimeConfig::engine`] = [`WasmEngine::Wasmtime`]) on wasmtime's
//!   JIT, for queries and off-chain runs: the same host functions (linked
//!   from the same table), validation, errors, receipts and state roots,
//!   but gas metered by wasmtime's own fuel, so not for consensus.
//! - **External host functions**: a module added with
//!   [`RuntimeBuilder::external_module`] is answered by the node, later.
//!   [`Runtime::start`] (and [`Runtime::start_block`],
//!   [`Runtime::start_query`]) runs a transaction
//!   until a contract calls one of its functions, at any depth of nested
//!   calls, and returns a [`PendingTx`]: the call, read and write access to
//!   the caller's memory and registers, its gas, and [`PendingTx::resume`]
//!   with the answer. Gas, receipt and state root are those of the same module
//!   answering inline; a dropped [`PendingTx`] writes nothing. The
//!   transaction runs on the runtime's worker thread, where it can wait
//!   (`pending.rs` says why not a coroutine).
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
//! ## Embedding
//!
//! Deploy a counter on an in-memory store, call it, run a block
//! (`examples/embed.rs`, which the README shows too). [`Runtime::execute`]
//! is `Err` only when the runtime itself fails; a failed transaction is an
//! `Ok` [`Receipt`] (it is `#[must_use]`), which [`Receipt::into_result`]
//! turns into a [`TxFailed`] error. Transactions come from
//! [`DeployTx::new`] and [`CallTx::new`] with defaults; the names an
//! embedding needs are re-exported here (and in [`prelude`]), so
//! `strata-runtime` is its one Strata dependency. An embedder's own host
//! functions keep state that follows each transaction's fate through
//! [`RuntimeBuilder::journaled_extension`]; [`Runtime::cache_stats`] shows
//! how the caches do.
//!
//! ```
#![doc = include_str!("../examples/embed.rs")]
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod admission;
mod block;
mod bounded;
mod builder;
mod caches;
mod commit;
mod config;
mod deploy;
mod error;
mod events;
mod exec;
mod expiry;
mod global;
mod journal;
mod lifecycle;
mod map_proofs;
mod maps;
mod outcome;
mod overlay;
mod pending;
pub mod prelude;
mod probe;
mod proofs;
mod remembered;
mod snapshot;
pub mod stack;
mod sweep;
mod tx_builder;
mod types;
#[cfg(feature = "testing")]
pub mod validate;
#[cfg(not(feature = "testing"))]
mod validate;

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

use strata_host_fns::WasmiState;
use strata_slices::SliceLayout;
use wasmi::{Engine, Linker};

pub use builder::RuntimeBuilder;
pub use caches::{CacheCounters, CacheStats};
pub use config::{
    Compilation, DEFAULT_EVENT_RETENTION_BLOCKS, DEFAULT_MAX_BLOCK_GAS, DEFAULT_MAX_TX_GAS,
    GasSchedule, Limits, RuntimeConfig, WasmEngine,
};
pub use error::RuntimeError;
pub use events::{EventIndexInfo, IndexedEvent};
pub use exec::{AccessError, PendingCall};
pub use global::Head;
pub use journal::{Extension, Journal, JournalMap};
pub use lifecycle::{
    DEFAULT_RETAINED_BLOCKS, PruneReport, RetainedBlock, Retention, RetentionInfo, StoreCheck,
};
pub use map_proofs::{MapStateProof, verify_map};
pub use outcome::TxFailed;
pub use overlay::BlockKv;
pub use pending::{PendingTx, Step};
pub use probe::{ProbedReceipt, RegisterProbe};
pub use proofs::{AccountStateProof, PageStateProof, StateProofError, verify_account, verify_page};
pub use snapshot::Snapshot;
pub use strata_host_fns::{Address, Event};
pub use types::{
    Account, Arg, BlockContext, CallTx, CodeHash, DeployTx, ErrorKind, FunctionCall, MapRoot,
    Receipt, Transaction, TxError, contract_address,
};
pub use validate::CodeError;

// What the public signatures above use, so that an embedder needs no other
// Strata crate: the stores, the hash and register types, and what a host
// module of the embedder's own is written with.
pub use strata_host_fns::{
    CallContext, CallStatus, CustomContextVM, Host, HostErrorKind, HostFnDesc, host_functions,
};
// And what a node answering external host functions handles
// (`PendingCall`, `PendingTx::resume`, `AccessError`).
pub use strata_host_fns::{HostModule, MemoryError, ValType, Value};
pub use strata_kv::{KvError, KvStore, MemKv, Namespace};
#[cfg(feature = "rocksdb")]
pub use strata_kv::{RocksConfig, RocksKv};
pub use strata_pages::PageError;
pub use strata_primitives::{Hash32, HexError, StateRoot, hex};
pub use strata_registers::RegisterError;
pub use strata_registers::{BankSpec, RegisterLimits};

use exec::{TxHost, TxState};

/// Namespace of account records: address → SCALE-encoded [`Account`].
pub const NS_ACCOUNTS: Namespace = strata_primitives::namespaces::ACCOUNTS;
/// Namespace of code: code hash → wasm bytes.
pub const NS_CODE: Namespace = strata_primitives::namespaces::CODE;

/// What a block gave: a receipt per transaction, in order, and the head
/// after it. Some receipts may be of failed transactions (see
/// [`Receipt::into_result`]).
#[must_use = "a block's receipts may be of failed transactions, and its head is for the block header"]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockResult {
    /// The receipts, one per transaction.
    pub receipts: Vec<Receipt>,
    /// The block's height and the state root over every account after it.
    pub head: Head,
}

/// What a runtime's frames share.
pub(crate) struct Shared<K: KvStore + 'static> {
    pub kv: BlockKv<K>,
    pub engine: Engine,
    pub linker: Linker<WasmiState<TxHost<K>>>,
    /// The second engine, when [`RuntimeConfig::engine`] is
    /// [`WasmEngine::Wasmtime`]: every frame then runs on it.
    #[cfg(feature = "wasmtime")]
    pub wasmtime: Option<exec::WasmtimeBackend<K>>,
    pub host_fns: Vec<&'static HostFnDesc>,
    /// Serialises execution, and holds the state the next transaction
    /// reuses: its emptied collections, the caches and the embedder's
    /// extension. `None` only if a transaction lost it to a bug; the next
    /// one then starts afresh.
    exec: Mutex<Option<Box<TxState<K>>>>,
    /// Whether an embedder module is external (`pending.rs`): then
    /// `Runtime::start` runs transactions on a thread of their own.
    pub external: bool,
    /// Whether a started transaction is in flight (`pending.rs`). The
    /// entry points that run on the caller's thread hold this lock while
    /// they run, and refuse to run while it is set.
    gate: Mutex<bool>,
    /// The thread that runs started transactions (`pending.rs`), once one
    /// was started: the sender of its jobs.
    worker: Mutex<Option<std::sync::mpsc::Sender<pending::Job>>>,
    /// Account-tree nodes known to be stored (`global.rs`).
    pub account_nodes: global::NodeCache,
    /// What the state retention remembers between blocks (`lifecycle/`).
    pub lifecycle: lifecycle::LifecycleCache,
    /// The block records the runtime wrote last (`remembered.rs`).
    pub remembered: remembered::Remembered,
    pub config: RuntimeConfig,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The runtime: deploys and executes contracts against a [`KvStore`].
///
/// `K` is the store, in whatever form the embedder has it: a `MemKv` or a
/// `RocksKv` by value, or shared (`Arc<MemKv>`, `Arc<dyn KvStore>`, which
/// are stores too). The runtime keeps it behind its own `Arc`, so it need
/// not be `Clone`. Execution is serialised: one transaction (or block) at a
/// time.
pub struct Runtime<K: KvStore + 'static> {
    shared: Arc<Shared<K>>,
}

impl<K: KvStore + 'static> Runtime<K> {
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
        RuntimeBuilder::new(kv)
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

    /// Runs `f` on the embedder's state, if there is one of type `T` (the
    /// type given to [`RuntimeBuilder::extension`] or
    /// [`RuntimeBuilder::journaled_extension`]). Waits for a running
    /// transaction or block to finish first, so `f` never sees a block's
    /// state half-applied; no journal level is open then, so a change made
    /// here is permanent. `None` while a started transaction is in flight
    /// ([`Runtime::start`]), which holds that state.
    pub fn with_extension<T: Any, R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let (_gate, mut slot) = self.shared.idle()?;
        slot.as_mut()?
            .extension
            .as_mut()?
            .any_mut()
            .downcast_mut::<T>()
            .map(f)
    }

    /// Drops every cached module, page, register layout and account-tree
    /// node (for tests and benchmarks of cold starts). State and results
    /// are unaffected. To drop one cache, see
    /// [`clear_module_cache`](Self::clear_module_cache) and its siblings;
    /// [`cache_stats`](Self::cache_stats) shows how each cache does.
    /// While a started transaction is in flight ([`Runtime::start`]), only
    /// the account-tree nodes are dropped.
    pub fn clear_caches(&self) {
        if let Some((_gate, mut slot)) = self.shared.idle()
            && let Some(state) = slot.as_mut()
        {
            state.caches.clear();
        }
        self.shared.account_nodes.clear();
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
            self.shared.kv.base(),
            address,
            exec::StorageRoot::of(&account),
            1,
        )?;
        let bytes = pages.page(page)?;
        Ok(bytes[slice.offset()..slice.offset() + slice.len()].to_vec())
    }

    /// Executes one transaction (a block of one) and writes its changes in
    /// one atomic batch.
    ///
    /// Two kinds of failure, kept apart: `Err` means the runtime itself
    /// failed (the store, a damaged record, a fatal host function) and
    /// nothing was applied; a transaction that ran and failed is
    /// `Ok(receipt)` with [`Receipt::error`] set (it changed nothing but is
    /// charged). `rt.execute(..)?` lets a failed transaction through:
    /// `rt.execute(..)?.into_result()?` stops on both
    /// ([`Receipt::into_result`]).
    ///
    /// A transaction that calls an external host function
    /// ([`RuntimeBuilder::external_module`]) fails with
    /// [`RuntimeError::HostFunction`] here: use [`start`](Self::start).
    /// While a started transaction is in flight, this is
    /// [`RuntimeError::Busy`], at once.
    pub fn execute(&self, tx: &Transaction, block: BlockContext) -> Result<Receipt, RuntimeError> {
        let _gate = self.shared.enter()?;
        // A block of one, without the block's vector of receipts.
        let mut receipt = None;
        self.run_block(std::slice::from_ref(tx), block, None, |r| receipt = Some(r))?;
        receipt.ok_or_else(|| RuntimeError::Internal("a block of one gave no receipt".into()))
    }

    /// Executes transactions in order as one block: each is atomic on its
    /// own (a failed one changes nothing), later ones see earlier ones'
    /// effects, and the whole block reaches the store in one atomic batch.
    ///
    /// Returns the receipts and the block's [`Head`]: its height and the
    /// state root over every account after it (`strata-state`'s account
    /// tree), which a block header can carry.
    pub fn execute_block(
        &self,
        txs: &[Transaction],
        block: BlockContext,
    ) -> Result<BlockResult, RuntimeError> {
        let _gate = self.shared.enter()?;
        let mut receipts = Vec::with_capacity(txs.len());
        let head = self.run_block(txs, block, None, |r| receipts.push(r))?;
        Ok(BlockResult { receipts, head })
    }

    /// The latest block's height and state root, or `None` before the first
    /// block.
    pub fn head(&self) -> Result<Option<Head>, RuntimeError> {
        global::head(&self.shared.kv)
    }

    /// The events of `contract` that the event index keeps, from blocks at
    /// `from_block` and above, in height order (within a height, in the
    /// order they were emitted and indexed); with `topic`, only those
    /// with that topic among theirs.
    ///
    /// Only successful transactions' events are indexed, and only for
    /// [`RuntimeConfig::event_retention_blocks`] blocks. A stored entry
    /// that does not decode is [`RuntimeError::Corrupt`] naming its key.
    /// Reads the store as committed, between blocks.
    pub fn events(
        &self,
        contract: &Address,
        topic: Option<[u8; 32]>,
        from_block: u64,
    ) -> Result<Vec<IndexedEvent>, RuntimeError> {
        events::query(self.shared.kv.base(), contract, topic.as_ref(), from_block)
    }

    /// What the event index keeps: the retention, how far expiry got, the
    /// lowest and highest heights with events, and how many events.
    pub fn event_index(&self) -> Result<EventIndexInfo, RuntimeError> {
        events::info(
            self.shared.kv.base(),
            self.shared.config.event_retention_blocks,
        )
    }

    /// Runs a call read-only: the same execution, but any storage write or
    /// transfer fails the query, and nothing is ever committed.
    /// External host functions cannot answer a query run this way (they
    /// fail it with [`RuntimeError::HostFunction`]): use
    /// [`start_query`](Self::start_query).
    pub fn query(&self, call: &CallTx, block: BlockContext) -> Result<Receipt, RuntimeError> {
        let _gate = self.shared.enter()?;
        if let Some(refused) = admission::refuse(&self.shared.config, call.gas_limit, u64::MAX) {
            return Ok(refused);
        }
        stack::with_stack(|| {
            let mut slot = lock(&self.shared.exec);
            // A query's batch is always empty: nothing to write.
            self.run_tx(
                &mut slot,
                &Transaction::Call(call.clone()),
                block,
                true,
                &mut None,
            )
            .map(|(receipt, _)| receipt)
        })
    }
}
