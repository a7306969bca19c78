use strata_registers::RegisterLimits;

use crate::Retention;
use wasmi::{CompilationMode, Config, StoreLimits, StoreLimitsBuilder};

/// Gas charged by the runtime itself, on top of wasm instructions (1 fuel
/// each, as wasmi meters them) and the host functions' table costs. Every
/// charge depends only on the transaction and the state, never on what
/// happens to be cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasSchedule {
    /// Per byte of code at deploy (validation and storage).
    pub deploy_per_byte: u64,
    /// Per contract frame (instantiation), whether or not its module is
    /// cached.
    pub instantiate_base: u64,
    /// Per KiB of the instantiated contract's code, on every frame. Custom
    /// sections (debug info, names) do not count: they ride along and
    /// never run, and were paid for once at deploy (`deploy_per_byte`
    /// counts every byte stored).
    pub instantiate_per_kib: u64,
    /// The first read of a page in a transaction.
    pub page_read: u64,
    /// The first write of a page in a transaction; includes the page's share
    /// of hashing and writing it at commit.
    pub page_write: u64,
    /// Per tree level a map read walks, on the first read of a key of a map
    /// in a transaction (`strata.map_get` and the other map calls; the
    /// levels are the nodes on the key's path, about log2 of the map's
    /// entries). `map_next` pays it on every call.
    pub map_level_read: u64,
    /// Per tree level a map write walks, on the first write of a key of a
    /// map in a transaction; includes hashing the path and writing its
    /// nodes at commit.
    pub map_level_write: u64,
    /// Per nested map folded back into its parent when a frame ends: a
    /// slice `map_get_map` filled whose root changed (plus 1 per byte of
    /// the entry's key and `map_level_write` per level of the parent's
    /// write, as `map_set_map` pays).
    pub map_fold: u64,
}

impl Default for GasSchedule {
    fn default() -> Self {
        GasSchedule {
            deploy_per_byte: 2,
            instantiate_base: 1_000,
            instantiate_per_kib: 50,
            page_read: 200,
            page_write: 1_000,
            map_level_read: 40,
            map_level_write: 150,
            map_fold: 500,
        }
    }
}

/// Limits checked at deploy and enforced at execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest code, in bytes. Default 4 MiB.
    pub max_code_size: usize,
    /// The most functions (imports included). Default 10,000.
    pub max_functions: u32,
    /// The most locals of one function. Default 1,024.
    pub max_locals: u32,
    /// The most parameters of one function type. Default 32.
    pub max_params: u32,
    /// The most 64 KiB memory pages, declared or grown. Default 256 (16 MiB).
    pub max_memory_pages: u32,
    /// The most table elements. Default 10,000.
    pub max_table_elements: u32,
    /// The most storage pages of a contract. Default 65,536 (256 MiB).
    pub max_page_count: u32,
    /// The deepest contract-to-contract call chain. Default 64.
    pub max_call_depth: u32,
    /// The deepest wasm call stack, in frames. Default 1,024.
    pub max_recursion_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_code_size: 4 * 1024 * 1024,
            max_functions: 10_000,
            max_locals: 1_024,
            max_params: 32,
            max_memory_pages: 256,
            max_table_elements: 10_000,
            max_page_count: 65_536,
            max_call_depth: 64,
            max_recursion_depth: 1_024,
        }
    }
}

/// How wasm code is translated to wasmi's register-machine code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Compilation {
    /// Translate each function on its first call (as Soroban's CAP-0060):
    /// fast cold starts for large contracts. Translation costs no gas, so gas
    /// does not depend on the cache. The default.
    #[default]
    Lazy,
    /// Translate the whole module when it is loaded.
    Eager,
}

/// The engine contracts run on.
///
/// Both run the same host functions (one table, over `CustomContextVM`), the
/// same deploy validation, the same gas schedule for host functions, pages
/// and instantiation, and fail with the same [`ErrorKind`](crate::ErrorKind)s,
/// so receipts and state roots agree, **except gas**: each engine meters wasm
/// instructions with its own fuel. wasmi's fuel is Strata's consensus gas;
/// wasmtime's is bounded and deterministic for one wasmtime version but
/// counts differently (see [`WasmEngine::Wasmtime`]). A node that agrees on
/// receipts with others must run [`WasmEngine::Wasmi`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum WasmEngine {
    /// wasmi 2, the interpreter: the default and the consensus engine. Its
    /// fuel is the gas every node agrees on; lazy translation makes cold
    /// starts cheap.
    #[default]
    Wasmi,
    /// wasmtime (cranelift), the JIT, for read-only queries and off-chain
    /// runs (indexers, simulations): roughly an order of magnitude faster
    /// on compute-heavy code, slower to compile a module (compiled once
    /// per code hash and kept in the module cache). Needs the runtime's
    /// `wasmtime` feature; without it building a runtime with this engine
    /// fails with [`RuntimeError::Link`](crate::RuntimeError::Link).
    ///
    /// Gas here is wasmtime's fuel: one unit per wasm operator, except
    /// that `nop`, `drop`, `block`, `loop`, `end`, `else`, `unreachable`
    /// and `return` are free; a call, a load or a `memory.copy` of any size
    /// costs 1. wasmi charges its own instruction costs (calls, loads and
    /// stores more than 1, bulk memory per byte), so the same transaction
    /// uses a different amount of gas on each engine. Host functions, page
    /// touches and instantiation cost the same on both. Wasmtime checks
    /// fuel at function entries and loop headers, so running out is
    /// noticed at the next of those; the gas used is then the limit, as on
    /// wasmi. When wasmtime traps, the fuel the trapping function used
    /// since its last call out is not counted, so a failed receipt's gas is
    /// a lower bound. Gas on wasmtime depends on the wasmtime version: it is
    /// not for consensus. [`RuntimeConfig::compilation`] applies to wasmi
    /// only: wasmtime compiles a whole module when it loads it.
    Wasmtime,
}

impl WasmEngine {
    /// The engine's name as the CLI spells it (`wasmi`, `wasmtime`).
    pub const fn name(self) -> &'static str {
        match self {
            WasmEngine::Wasmi => "wasmi",
            WasmEngine::Wasmtime => "wasmtime",
        }
    }
}

/// The runtime's configuration: an explicit value, no globals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Gas charged by the runtime.
    pub gas: GasSchedule,
    /// Code and execution limits.
    pub limits: Limits,
    /// Limits on contract-declared register banks.
    pub register_limits: RegisterLimits,
    /// Compiled modules kept in memory (LRU). Default 64.
    pub module_cache: usize,
    /// Contracts whose page caches are kept between transactions (LRU).
    /// Default 256.
    pub contract_cache: usize,
    /// Clean pages kept per contract. Default 256.
    pub pages_per_contract: usize,
    /// Wasmi instances kept for reuse, one per code, at most this many
    /// (`0`: every frame instantiates afresh). Only code whose every piece
    /// of instance state the runtime can put back is reused: no start
    /// function, table or passive segment, every mutable global exported,
    /// and a memory of at most 2 MiB (ARCHITECTURE.md,
    /// "Instance reuse"). A reused instance gives the same receipts, gas
    /// and roots as a fresh one. Default 16.
    pub instance_pool: usize,
    /// Lazy or eager translation.
    pub compilation: Compilation,
    /// Whether a contract already on the call stack may be called again.
    /// Default `false`.
    pub allow_reentrancy: bool,
    /// The largest gas limit one transaction (or query) may ask for.
    /// A transaction over it is refused before it runs
    /// ([`ErrorKind::OverGasCap`](crate::ErrorKind::OverGasCap)).
    /// Default [`DEFAULT_MAX_TX_GAS`].
    pub max_tx_gas: u64,
    /// The most gas one block may use. A transaction is admitted into a
    /// block only while its gas limit fits in what the block has left (the
    /// cap less the gas its earlier transactions used); one that does not
    /// fit is refused before it runs
    /// ([`ErrorKind::BlockGasExhausted`](crate::ErrorKind::BlockGasExhausted)).
    /// Default [`DEFAULT_MAX_BLOCK_GAS`].
    pub max_block_gas: u64,
    /// How many blocks the event index keeps a block's events
    /// ([`Runtime::events`](crate::Runtime::events)): a block at height
    /// `h` keeps the events of heights `h + 1 - n ..= h` and deletes the
    /// older ones in its own batch. `None` keeps every event forever;
    /// `Some(0)` indexes nothing (and deletes what an earlier
    /// configuration kept). The index is the node's, not the chain's: no
    /// receipt, gas or root depends on it, so nodes may differ here.
    /// Default [`DEFAULT_EVENT_RETENTION_BLOCKS`].
    pub event_retention_blocks: Option<u64>,
    /// Which block roots the store keeps ([`Retention`], `lifecycle/`):
    /// the last `n` blocks that changed the state, every record only
    /// older roots reach deleted in the block's own batch; or every root
    /// (archive). Like the event index, the node's choice: no receipt,
    /// gas or root depends on it. Default the last
    /// [`DEFAULT_RETAINED_BLOCKS`](crate::DEFAULT_RETAINED_BLOCKS).
    pub state_retention: Retention,
    /// The engine contracts run on. Default [`WasmEngine::Wasmi`], the
    /// consensus engine; [`WasmEngine::Wasmtime`] (feature `wasmtime`) is
    /// for queries and off-chain runs.
    pub engine: WasmEngine,
}

/// The default [`RuntimeConfig::max_tx_gas`]: 100 million gas. Gas is
/// about one wasm instruction, and wasmi runs a few hundred million simple
/// instructions a second on one core in release builds, so this bounds a
/// transaction to well under a second of interpretation (plus its page
/// and host costs), while leaving room for any real contract: a deploy of
/// the largest code (4 MiB at 2 gas a byte) costs 8.4 million, a counter
/// increment about 2,600.
pub const DEFAULT_MAX_TX_GAS: u64 = 100_000_000;

/// The default [`RuntimeConfig::max_block_gas`]: 1 billion gas, ten
/// transactions at the per-transaction cap, or about 380,000 counter
/// increments: a few seconds of execution on one core at worst.
pub const DEFAULT_MAX_BLOCK_GAS: u64 = 1_000_000_000;

/// The default [`RuntimeConfig::event_retention_blocks`]: 120,960 blocks,
/// a week of 5-second blocks. Bounded, so that by default the index grows
/// with the rate of events rather than with the age of the chain (events
/// are the one record a contract can write without bound and without
/// storage costs); a week, so that an indexer or wallet that was offline
/// for days still finds what it missed. An archive node sets `None`.
pub const DEFAULT_EVENT_RETENTION_BLOCKS: u64 = 120_960;

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            gas: GasSchedule::default(),
            limits: Limits::default(),
            register_limits: RegisterLimits::DEFAULT,
            module_cache: 64,
            contract_cache: 256,
            pages_per_contract: 256,
            instance_pool: 16,
            compilation: Compilation::Lazy,
            allow_reentrancy: false,
            max_tx_gas: DEFAULT_MAX_TX_GAS,
            max_block_gas: DEFAULT_MAX_BLOCK_GAS,
            event_retention_blocks: Some(DEFAULT_EVENT_RETENTION_BLOCKS),
            state_retention: Retention::default(),
            engine: WasmEngine::Wasmi,
        }
    }
}

impl RuntimeConfig {
    /// The wasmi engine configuration every contract runs under, explicit
    /// for determinism: the rules every Strata VM shares
    /// ([`strata_wasm_rules::engine_config`]: fuel metering on; floats and
    /// the multi-memory, reference-types, tail-call, extended-const,
    /// custom-page-size and wide-arithmetic proposals off; translation and
    /// validation free of fuel, so gas never depends on what was already
    /// compiled), plus the wasm call stack bounded by
    /// [`Limits::max_recursion_depth`] and translation by
    /// [`RuntimeConfig::compilation`].
    pub fn wasmi_config(&self) -> Config {
        let mut wasm = strata_wasm_rules::engine_config();
        wasm.set_max_recursion_depth(self.limits.max_recursion_depth)
            .compilation_mode(match self.compilation {
                Compilation::Lazy => CompilationMode::Lazy,
                Compilation::Eager => CompilationMode::Eager,
            });
        wasm
    }

    /// The resource limiter of every contract frame: memory up to
    /// [`Limits::max_memory_pages`], tables up to
    /// [`Limits::max_table_elements`], one instance, and a trap (not a `-1`
    /// result) when a `memory.grow` or `table.grow` goes over.
    pub fn store_limits(&self) -> StoreLimits {
        StoreLimitsBuilder::new()
            .memory_size(self.limits.max_memory_pages as usize * 65_536)
            .table_elements(self.limits.max_table_elements as usize)
            .instances(1)
            .trap_on_grow_failure(true)
            .build()
    }
}
