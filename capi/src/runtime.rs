//! Builders and runtimes: open, close, deploy, execute, query, read state.

use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use strata_kv::{KvStore, MemKv};
use strata_registers::BankSpec;
use strata_runtime::{
    Address, Arg, BlockContext, CallTx, DeployTx, FunctionCall, Receipt, Runtime, RuntimeConfig,
    Transaction,
};

use crate::config::StrataConfig;
use crate::error::{Error, StrataStatus, guard};
use crate::ffi::{self, StrataBytes};
use crate::handles::Registry;
use crate::host::{self, Registered, StrataHostCallback};
use crate::receipt::{
    BLOCKS, RECEIPTS, StrataArg, StrataBlock, StrataHead, StrataReceipt, receipt_status,
};

/// The store handle every runtime of this API runs on.
type Store = Arc<dyn KvStore>;

/// A runtime builder: a configuration and host functions written in C.
/// Made by [`strata_builder_new`], freed by [`strata_builder_free`]; opening
/// a runtime copies what it needs, so one builder can open several
/// runtimes (a store, then the same store again after a close).
/// Thread-safe.
pub struct StrataBuilder {
    state: Mutex<BuilderState>,
}

struct BuilderState {
    config: RuntimeConfig,
    functions: Vec<Registered>,
    journal: Option<host::CJournal>,
}

static BUILDERS: Registry<StrataBuilder> = Registry::new("builder");

/// A runtime on a store. Made by `strata_builder_open_memory` or
/// `strata_builder_open_rocksdb`, closed by [`strata_runtime_close`].
///
/// Thread-safety: every function may be called from any thread and
/// concurrently; execution is serialised inside (one transaction or block
/// at a time), reads of committed state are not.
pub struct StrataRuntime {
    rt: Runtime<Store>,
}

static RUNTIMES: Registry<StrataRuntime> = Registry::new("runtime");

/// Live runtimes and builders.
pub(crate) fn live() -> usize {
    RUNTIMES.len() + BUILDERS.len()
}

/// The block a transaction runs in: its height and time (seconds since the
/// Unix epoch).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StrataBlockContext {
    /// The block height.
    pub height: u64,
    /// The block time.
    pub time: u64,
}

impl From<StrataBlockContext> for BlockContext {
    fn from(b: StrataBlockContext) -> Self {
        BlockContext {
            height: b.height,
            time: b.time,
        }
    }
}

/// A register bank a contract declares at deploy.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrataBank {
    /// The width of every register of the bank, in bits.
    pub width_bits: u32,
    /// How many registers.
    pub count: u32,
}

/// Bytes the caller lends to Strata for one call: `len` bytes at `data`
/// (null only when `len` is 0).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct StrataSlice {
    /// The bytes.
    pub data: *const u8,
    /// How many.
    pub len: usize,
}

/// A deploy: what `DeployTx` holds. Every pointer is the caller's, read
/// during the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct StrataDeployParams {
    /// The wasm code (`strata_wat_to_wasm` makes it from text).
    pub code: *const u8,
    /// Its length.
    pub code_len: usize,
    /// The contract's storage pages.
    pub page_count: u32,
    /// Declared register banks; null for the SVM defaults (then
    /// `banks_len` must be 0). Non-null with `banks_len` 0 declares no
    /// registers.
    pub banks: *const StrataBank,
    /// How many banks.
    pub banks_len: usize,
    /// The constructor's name (NUL-terminated UTF-8), or null for none.
    pub ctor: *const c_char,
    /// The constructor's arguments.
    pub ctor_args: *const StrataArg,
    /// How many.
    pub ctor_args_len: usize,
    /// The initial balance, low 64 bits.
    pub balance_lo: u64,
    /// The initial balance, high 64 bits.
    pub balance_hi: u64,
    /// The deploying author.
    pub author: [u8; 20],
    /// Whether `nonce` is given (0: use the author's next nonce).
    pub has_nonce: u8,
    /// The author's nonce this deploy must use.
    pub nonce: u64,
    /// A name (NUL-terminated UTF-8), or null for none.
    pub name: *const c_char,
    /// Gas for the deploy and the constructor.
    pub gas_limit: u64,
}

/// A call of a contract's exported function: what `CallTx` holds. Every
/// pointer is the caller's, read during the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct StrataCallParams {
    /// The contract.
    pub contract: [u8; 20],
    /// The caller.
    pub sender: [u8; 20],
    /// The exported function's name (NUL-terminated UTF-8).
    pub function: *const c_char,
    /// Its arguments.
    pub args: *const StrataArg,
    /// How many.
    pub args_len: usize,
    /// Input bytes the contract reads with `strata.input_copy`.
    pub input: *const u8,
    /// How many.
    pub input_len: usize,
    /// The gas limit.
    pub gas_limit: u64,
}

/// An account's committed state.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StrataAccount {
    /// Whether it holds a contract (else it is a plain account: balance
    /// and nonce only, and the fields below are zero).
    pub is_contract: bool,
    /// The contract's code hash.
    pub code_hash: [u8; 32],
    /// The contract's page count.
    pub page_count: u32,
    /// The root of the contract's storage.
    pub state_root: [u8; 32],
    /// The balance, low 64 bits.
    pub balance_lo: u64,
    /// The balance, high 64 bits.
    pub balance_hi: u64,
    /// For an author: how many contracts it deployed.
    pub nonce: u64,
}

fn args(ptr: *const StrataArg, len: usize, name: &str) -> Result<Vec<Arg>, Error> {
    // SAFETY: the caller's promise for its argument array (see the header).
    let raw = unsafe { ffi::slice(ptr, len, name) }?;
    raw.iter().map(Arg::try_from).collect()
}

/// A `DeployTx` from the caller's parameters.
///
/// # Safety
///
/// `p`, if not null, must point to valid parameters.
unsafe fn deploy_tx(p: *const StrataDeployParams) -> Result<DeployTx, Error> {
    if p.is_null() {
        return Err(Error::null("params"));
    }
    // SAFETY: non-null, the caller's promise.
    let p = unsafe { &*p };
    // SAFETY: the caller's promise for `code`.
    let code = unsafe { ffi::bytes(p.code, p.code_len, "code") }?.to_vec();
    let banks = if p.banks.is_null() {
        if p.banks_len != 0 {
            return Err(Error::arg("`banks` is null but `banks_len` is not 0"));
        }
        None
    } else {
        // SAFETY: the caller's promise for `banks`.
        let raw = unsafe { ffi::slice(p.banks, p.banks_len, "banks") }?;
        Some(
            raw.iter()
                .map(|b| BankSpec::new(b.width_bits, b.count))
                .collect(),
        )
    };
    // SAFETY: the caller's promise for `ctor`.
    let ctor = match unsafe { ffi::opt_string(p.ctor, "ctor") }? {
        Some(f) => Some(FunctionCall {
            function: f.to_owned(),
            args: args(p.ctor_args, p.ctor_args_len, "ctor_args")?,
        }),
        None if p.ctor_args_len != 0 => {
            return Err(Error::arg("`ctor_args` given without a `ctor`"));
        }
        None => None,
    };
    // SAFETY: the caller's promise for `name`.
    let name = unsafe { ffi::opt_string(p.name, "name") }?.map(str::to_owned);
    Ok(DeployTx {
        author: Address(p.author),
        nonce: (p.has_nonce != 0).then_some(p.nonce),
        name,
        page_count: p.page_count,
        banks,
        code,
        ctor,
        balance: (u128::from(p.balance_hi) << 64) | u128::from(p.balance_lo),
        gas_limit: p.gas_limit,
    })
}

/// A `CallTx` from the caller's parameters.
///
/// # Safety
///
/// `p`, if not null, must point to valid parameters.
unsafe fn call_tx(p: *const StrataCallParams) -> Result<CallTx, Error> {
    if p.is_null() {
        return Err(Error::null("params"));
    }
    // SAFETY: non-null, the caller's promise.
    let p = unsafe { &*p };
    // SAFETY: the caller's promise for `function`.
    let function = unsafe { ffi::string(p.function, "function") }?.to_owned();
    // SAFETY: the caller's promise for `input`.
    let input = unsafe { ffi::bytes(p.input, p.input_len, "input") }?.to_vec();
    Ok(CallTx {
        contract: Address(p.contract),
        sender: Address(p.sender),
        call: FunctionCall {
            function,
            args: args(p.args, p.args_len, "args")?,
        },
        input,
        gas_limit: p.gas_limit,
    })
}

/// The runtime of `rt`, refusing calls from inside a host callback (the
/// runtime is busy running it: waiting for it would deadlock).
fn executing(rt: *const StrataRuntime) -> Result<Arc<StrataRuntime>, Error> {
    if host::in_callback() {
        return Err(Error::new(
            StrataStatus::STRATA_REENTRANT,
            "a host callback may not execute transactions: the runtime is busy running it",
        ));
    }
    RUNTIMES.get(rt)
}

/// Hands `receipt` to the caller's optional `out` and gives the status
/// it means.
///
/// # Safety
///
/// `out`, if not null, must be writable.
unsafe fn hand_receipt(
    receipt: Receipt,
    out: *mut *mut StrataReceipt,
) -> Result<StrataStatus, Error> {
    let status = receipt_status(&receipt);
    if !out.is_null() {
        let handle = RECEIPTS.insert(StrataReceipt::new(receipt));
        // SAFETY: non-null, the caller's promise.
        unsafe { out.write(handle) };
    }
    status
}

/// Makes a builder with the default configuration and no host functions,
/// into `*out`. Free it with `strata_builder_free`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_builder_new(out: *mut *mut StrataBuilder) -> StrataStatus {
    guard(|| {
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let b = BUILDERS.insert(StrataBuilder {
            state: Mutex::new(BuilderState {
                config: RuntimeConfig::default(),
                functions: Vec::new(),
                journal: None,
            }),
        });
        // SAFETY: non-null, the caller's promise.
        unsafe { ffi::write(out, b, "out") }?;
        Ok(StrataStatus::STRATA_OK)
    })
}

/// Frees a builder (runtimes it opened stay open). A second free is
/// `STRATA_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn strata_builder_free(builder: *mut StrataBuilder) -> StrataStatus {
    guard(|| BUILDERS.remove(builder).map(|_| StrataStatus::STRATA_OK))
}

/// Sets the builder's configuration (copied; see `strata_config_default`).
/// A value out of range is `STRATA_INVALID_ARGUMENT` and changes nothing.
///
/// # Safety
///
/// `config`, if not null, must point to a `StrataConfig`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_builder_set_config(
    builder: *mut StrataBuilder,
    config: *const StrataConfig,
) -> StrataStatus {
    guard(|| {
        let b = BUILDERS.get(builder)?;
        if config.is_null() {
            return Err(Error::null("config"));
        }
        // SAFETY: non-null, the caller's promise.
        let c = RuntimeConfig::try_from(unsafe { &*config })?;
        b.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .config = c;
        Ok(StrataStatus::STRATA_OK)
    })
}

/// Registers a host function written in C: contracts import it as
/// `module.name` with the declared types, and runtimes opened afterwards
/// by this builder link it.
///
/// - `module`, `name`: NUL-terminated UTF-8, copied. A name that a
///   built-in module (`svm`, `strata`) or an earlier registration uses is
///   `STRATA_LINK` when a runtime is opened.
/// - `params`, `params_len`: the parameter types, each `STRATA_TYPE_I32`
///   or `STRATA_TYPE_I64`, at most `STRATA_MAX_HOST_PARAMS`; copied.
/// - `result`: `STRATA_TYPE_NONE`, `STRATA_TYPE_I32` or `STRATA_TYPE_I64`.
/// - `gas`: charged on every call before the callback runs (the callback
///   may charge more with `strata_host_charge`).
/// - `callback`, `user_data`: called as documented at
///   `StrataHostCallback`. Strata never frees `user_data`; it must stay
///   valid, and usable from any thread that executes transactions, while
///   a runtime opened with this function is open.
///
/// # Safety
///
/// The pointers must be as described; `callback` must be a function of
/// the `StrataHostCallback` type.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn strata_builder_add_host_function(
    builder: *mut StrataBuilder,
    module: *const c_char,
    name: *const c_char,
    params: *const u32,
    params_len: usize,
    result: u32,
    gas: u64,
    callback: StrataHostCallback,
    user_data: *mut c_void,
) -> StrataStatus {
    guard(|| {
        let b = BUILDERS.get(builder)?;
        // SAFETY: the caller's promises, passed on.
        let f = unsafe {
            host::registration(
                module, name, params, params_len, result, gas, callback, user_data,
            )
        }?;
        let mut state = b.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state
            .functions
            .iter()
            .any(|g| g.full_name() == f.full_name())
        {
            return Err(Error::new(
                StrataStatus::STRATA_LINK,
                format!("host function {} is already registered", f.full_name()),
            ));
        }
        state.functions.push(f);
        Ok(StrataStatus::STRATA_OK)
    })
}

/// Makes state the C side keeps for its host functions follow the fate of
/// each block, transaction and nested call, as the runtime's `Extension`
/// journal does for Rust state: the runtime calls `checkpoint` when it
/// opens a level (a block, a transaction, a nested contract call),
/// `rollback` when that level failed (undo every change since its
/// checkpoint, its inner levels' kept changes included) and `commit` when
/// it succeeded (its changes join the enclosing level). Queries always roll
/// back. Without a journal, C-held state is never rolled back.
///
/// All three hooks must be given (else `STRATA_INVALID_ARGUMENT`); they
/// run on the executing thread while the runtime is busy, must not call an
/// executing function (`STRATA_REENTRANT`) and must not unwind. Strata
/// never frees `user_data`; it must stay valid while a runtime opened with
/// this journal is open. Runtimes opened afterwards use it; setting it
/// again replaces it.
#[unsafe(no_mangle)]
pub extern "C" fn strata_builder_set_journal(
    builder: *mut StrataBuilder,
    checkpoint: host::StrataJournalCallback,
    rollback: host::StrataJournalCallback,
    commit: host::StrataJournalCallback,
    user_data: *mut c_void,
) -> StrataStatus {
    guard(|| {
        let b = BUILDERS.get(builder)?;
        let journal = host::CJournal::new(checkpoint, rollback, commit, user_data)?;
        b.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .journal = Some(journal);
        Ok(StrataStatus::STRATA_OK)
    })
}

fn open(
    builder: *mut StrataBuilder,
    kv: Store,
    out: *mut *mut StrataRuntime,
) -> Result<StrataStatus, Error> {
    let b = BUILDERS.get(builder)?;
    let (config, functions, journal) = {
        let state = b.state.lock().unwrap_or_else(PoisonError::into_inner);
        (state.config.clone(), state.functions.clone(), state.journal)
    };
    let mut rb = Runtime::builder(kv).config(config);
    if let Some(journal) = journal {
        rb = rb.journaled_extension(journal);
    }
    for module in host::modules(&functions) {
        rb = rb.host_module(module);
    }
    let rt = rb.build()?;
    let handle = RUNTIMES.insert(StrataRuntime { rt });
    // SAFETY: the callers checked `out` is not null; the caller's promise
    // that it is writable.
    unsafe { out.write(handle) };
    Ok(StrataStatus::STRATA_OK)
}

/// Opens a runtime on a new, empty in-memory store (gone when the runtime
/// is closed), with the builder's configuration and host functions, into
/// `*out`. Close it with `strata_runtime_close`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_builder_open_memory(
    builder: *mut StrataBuilder,
    out: *mut *mut StrataRuntime,
) -> StrataStatus {
    guard(|| {
        if out.is_null() {
            return Err(Error::null("out"));
        }
        open(builder, Arc::new(MemKv::new()), out)
    })
}

/// Opens a runtime on the RocksDB store in the directory `path`
/// (NUL-terminated UTF-8), creating the store if the directory does not
/// exist or is empty, into `*out`. A directory with other files, or a
/// database Strata did not make, is `STRATA_NOT_A_STORE` (nothing in it is
/// changed); a store another process or runtime has open is
/// `STRATA_STORE_LOCKED`. Each committed transaction or block is synced to
/// disk before its call returns. Close it with `strata_runtime_close`,
/// which releases the store's lock. Without the crate's `rocksdb` feature
/// this is `STRATA_UNSUPPORTED`.
///
/// # Safety
///
/// `path`, if not null, must be NUL-terminated; `out`, if not null,
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_builder_open_rocksdb(
    builder: *mut StrataBuilder,
    path: *const c_char,
    out: *mut *mut StrataRuntime,
) -> StrataStatus {
    guard(|| {
        // SAFETY: the caller's promise for `path`.
        let path = unsafe { ffi::string(path, "path") }?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        BUILDERS.get(builder)?;
        open_rocks(builder, path, out)
    })
}

#[cfg(feature = "rocksdb")]
fn open_rocks(
    builder: *mut StrataBuilder,
    path: &str,
    out: *mut *mut StrataRuntime,
) -> Result<StrataStatus, Error> {
    let kv = strata_kv::RocksKv::open(path)?;
    open(builder, Arc::new(kv), out)
}

#[cfg(not(feature = "rocksdb"))]
fn open_rocks(
    _builder: *mut StrataBuilder,
    path: &str,
    _out: *mut *mut StrataRuntime,
) -> Result<StrataStatus, Error> {
    Err(Error::new(
        StrataStatus::STRATA_UNSUPPORTED,
        format!("cannot open {path}: this strata-capi was built without its `rocksdb` feature"),
    ))
}

/// Closes a runtime: its handle becomes invalid, and its store (with a
/// RocksDB store, its lock) is released once calls running on other
/// threads return. A second close is `STRATA_INVALID_HANDLE`. Receipts and
/// blocks it gave stay valid.
#[unsafe(no_mangle)]
pub extern "C" fn strata_runtime_close(runtime: *mut StrataRuntime) -> StrataStatus {
    guard(|| RUNTIMES.remove(runtime).map(|_| StrataStatus::STRATA_OK))
}

/// Deploys a contract in a transaction of its own (one block, committed
/// before the call returns): the code is validated, stored, and the
/// account created at its deterministic address, which is copied to
/// `address` (20 bytes) if that is not null and the deploy succeeded (a
/// failed deploy leaves `address` as it was). If `receipt` is not null the
/// receipt is handed over in `*receipt` (free it with
/// `strata_receipt_free`), also when the deploy failed.
///
/// Returns `STRATA_OK`; `STRATA_INVALID_CONTRACT` when the code was refused
/// (bad wasm, a float instruction, an unknown import...);
/// `STRATA_TX_FAILED` when the deploy failed otherwise (its constructor,
/// gas, a wrong nonce...); or a runtime error, with no receipt.
///
/// # Safety
///
/// `params` must point to valid parameters; `address`, if not null, to 20
/// writable bytes; `receipt`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_deploy(
    runtime: *const StrataRuntime,
    params: *const StrataDeployParams,
    block: StrataBlockContext,
    address: *mut u8,
    receipt: *mut *mut StrataReceipt,
) -> StrataStatus {
    guard(|| {
        let rt = executing(runtime)?;
        // SAFETY: the caller's promise for `params`.
        let tx = unsafe { deploy_tx(params) }?;
        let r = rt.rt.execute(&Transaction::Deploy(tx), block.into())?;
        if let (Some(a), false) = (r.deployed, address.is_null()) {
            // SAFETY: non-null; the caller's promise of 20 writable bytes.
            unsafe { ffi::copy_out(&a.0, address, 20, "address") }?;
        }
        // SAFETY: the caller's promise for `receipt`.
        unsafe { hand_receipt(r, receipt) }
    })
}

/// Calls a contract's exported function in a transaction of its own
/// (committed before the call returns). The receipt, if `receipt` is not
/// null, is handed over in `*receipt` (free it with
/// `strata_receipt_free`), also when the call failed. Returns `STRATA_OK`,
/// `STRATA_TX_FAILED` (see the receipt; nothing was applied), or a runtime
/// error with no receipt.
///
/// # Safety
///
/// `params` must point to valid parameters; `receipt`, if not null, must
/// be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_call(
    runtime: *const StrataRuntime,
    params: *const StrataCallParams,
    block: StrataBlockContext,
    receipt: *mut *mut StrataReceipt,
) -> StrataStatus {
    guard(|| {
        let rt = executing(runtime)?;
        // SAFETY: the caller's promise for `params`.
        let tx = unsafe { call_tx(params) }?;
        let r = rt.rt.execute(&Transaction::Call(tx), block.into())?;
        // SAFETY: the caller's promise for `receipt`.
        unsafe { hand_receipt(r, receipt) }
    })
}

/// Runs a call read-only: the same execution as `strata_call`, but a
/// storage write or a transfer fails it (`STRATA_TX_READ_ONLY`) and
/// nothing is ever committed. Receipt and status as `strata_call`.
///
/// # Safety
///
/// As `strata_call`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_query(
    runtime: *const StrataRuntime,
    params: *const StrataCallParams,
    block: StrataBlockContext,
    receipt: *mut *mut StrataReceipt,
) -> StrataStatus {
    guard(|| {
        let rt = executing(runtime)?;
        // SAFETY: the caller's promise for `params`.
        let tx = unsafe { call_tx(params) }?;
        let r = rt.rt.query(&tx, block.into())?;
        // SAFETY: the caller's promise for `receipt`.
        unsafe { hand_receipt(r, receipt) }
    })
}

/// Executes one transaction given as its SCALE bytes (`Transaction`, the
/// node's wire format; `strata_call_tx_encode` and
/// `strata_deploy_tx_encode` make them), committed before the call
/// returns. Bytes that do not decode are `STRATA_DECODE`. Receipt and
/// status as `strata_call` (and `strata_deploy` for a deploy).
///
/// # Safety
///
/// `tx` must point to `tx_len` readable bytes; `receipt`, if not null,
/// must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_execute(
    runtime: *const StrataRuntime,
    tx: *const u8,
    tx_len: usize,
    block: StrataBlockContext,
    receipt: *mut *mut StrataReceipt,
) -> StrataStatus {
    guard(|| {
        let rt = executing(runtime)?;
        // SAFETY: the caller's promise for `tx`.
        let bytes = unsafe { ffi::bytes(tx, tx_len, "tx") }?;
        let tx = decode_tx(bytes, 0)?;
        let r = rt.rt.execute(&tx, block.into())?;
        // SAFETY: the caller's promise for `receipt`.
        unsafe { hand_receipt(r, receipt) }
    })
}

fn decode_tx(bytes: &[u8], index: usize) -> Result<Transaction, Error> {
    Transaction::from_bytes(bytes).map_err(|e| {
        Error::new(
            StrataStatus::STRATA_DECODE,
            format!("transaction {index} is not a SCALE transaction: {e}"),
        )
    })
}

/// Executes `txs_len` transactions (each its SCALE bytes) in order as one
/// block: each is atomic on its own, later ones see earlier ones' effects,
/// and the whole block is committed in one atomic write before the call
/// returns. The result (a receipt per transaction and the head) is handed
/// over in `*out`; free it with `strata_block_free`. Returns `STRATA_OK`
/// even when some transactions failed (see their receipts); a transaction
/// that does not decode is `STRATA_DECODE` and nothing runs; a runtime
/// error applies nothing.
///
/// # Safety
///
/// `txs` must point to `txs_len` slices, each valid as `StrataSlice`
/// says; `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_execute_block(
    runtime: *const StrataRuntime,
    txs: *const StrataSlice,
    txs_len: usize,
    block: StrataBlockContext,
    out: *mut *mut StrataBlock,
) -> StrataStatus {
    guard(|| {
        let rt = executing(runtime)?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        // SAFETY: the caller's promise for `txs`.
        let slices = unsafe { ffi::slice(txs, txs_len, "txs") }?;
        let mut decoded = Vec::with_capacity(slices.len());
        for (i, s) in slices.iter().enumerate() {
            // SAFETY: the caller's promise for each slice.
            let bytes = unsafe { ffi::bytes(s.data, s.len, "txs[i].data") }?;
            decoded.push(decode_tx(bytes, i)?);
        }
        let result = rt.rt.execute_block(&decoded, block.into())?;
        let handle = BLOCKS.insert(StrataBlock::new(result));
        // SAFETY: non-null, the caller's promise.
        unsafe { out.write(handle) };
        Ok(StrataStatus::STRATA_OK)
    })
}

/// The latest block's head, into `*out`, with `*found` set to whether
/// there is one (a new store has none; `*out` is then zeroed).
///
/// # Safety
///
/// `out` and `found`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_head(
    runtime: *const StrataRuntime,
    out: *mut StrataHead,
    found: *mut bool,
) -> StrataStatus {
    guard(|| {
        let rt = RUNTIMES.get(runtime)?;
        if out.is_null() || found.is_null() {
            return Err(Error::null(if out.is_null() { "out" } else { "found" }));
        }
        let head = rt.rt.head()?;
        // SAFETY: non-null, the caller's promises.
        unsafe {
            out.write(head.map(StrataHead::from).unwrap_or_default());
            found.write(head.is_some());
        }
        Ok(StrataStatus::STRATA_OK)
    })
}

/// The committed state of the account at `address` (20 bytes), into
/// `*out`. No account there is `STRATA_NO_ACCOUNT`; a damaged record
/// `STRATA_STORE_CORRUPT`.
///
/// # Safety
///
/// `address` must point to 20 readable bytes; `out`, if not null, must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_account(
    runtime: *const StrataRuntime,
    address: *const u8,
    out: *mut StrataAccount,
) -> StrataStatus {
    guard(|| {
        let rt = RUNTIMES.get(runtime)?;
        // SAFETY: the caller's promise for `address`.
        let a = unsafe { ffi::address(address, "address") }?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let account = rt.rt.account(&a)?.ok_or_else(|| {
            Error::new(
                StrataStatus::STRATA_NO_ACCOUNT,
                format!("no account at address {}", a.to_hex()),
            )
        })?;
        let view = StrataAccount {
            is_contract: account.is_contract(),
            code_hash: account.code_hash.map(|h| h.0).unwrap_or_default(),
            page_count: account.page_count,
            state_root: if account.is_contract() {
                account.state_root.0
            } else {
                [0; 32]
            },
            balance_lo: account.balance as u64,
            balance_hi: (account.balance >> 64) as u64,
            nonce: account.nonce,
        };
        // SAFETY: non-null, the caller's promise.
        unsafe { out.write(view) };
        Ok(StrataStatus::STRATA_OK)
    })
}

/// Copies the committed bytes of a slice of a contract's storage (`len`
/// bytes at `offset` of `page`, within one 4096-byte page) into `buf`.
/// No account is `STRATA_NO_ACCOUNT`; a page or range out of bounds is
/// `STRATA_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `address` must point to 20 readable bytes; `buf` to `len` writable
/// bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_read_slice(
    runtime: *const StrataRuntime,
    address: *const u8,
    page: u32,
    offset: u32,
    buf: *mut u8,
    len: u32,
) -> StrataStatus {
    guard(|| {
        let rt = RUNTIMES.get(runtime)?;
        // SAFETY: the caller's promise for `address`.
        let a = unsafe { ffi::address(address, "address") }?;
        let account = rt.rt.account(&a)?.ok_or_else(|| {
            Error::new(
                StrataStatus::STRATA_NO_ACCOUNT,
                format!("no account at address {}", a.to_hex()),
            )
        })?;
        if page >= account.page_count {
            return Err(Error::arg(format!(
                "page {page}: the contract has {} pages",
                account.page_count
            )));
        }
        let bytes = rt
            .rt
            .read_slice(&a, page, offset, len)
            .map_err(|e| match e {
                strata_runtime::RuntimeError::Storage(m) => Error::arg(m),
                other => other.into(),
            })?;
        // SAFETY: the caller's promise for `buf`.
        unsafe { ffi::copy_out(&bytes, buf, len as usize, "buf") }?;
        Ok(StrataStatus::STRATA_OK)
    })
}

/// The SCALE bytes of a deploy transaction (for `strata_execute` and
/// `strata_execute_block`), into `*out`; free them with
/// `strata_bytes_free`.
///
/// # Safety
///
/// `params` must point to valid parameters; `out`, if not null, must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_deploy_tx_encode(
    params: *const StrataDeployParams,
    out: *mut StrataBytes,
) -> StrataStatus {
    guard(|| {
        // SAFETY: the caller's promise for `params`.
        let tx = Transaction::Deploy(unsafe { deploy_tx(params) }?);
        if out.is_null() {
            return Err(Error::null("out"));
        }
        // SAFETY: non-null, the caller's promise.
        unsafe { out.write(ffi::give_bytes(tx.to_bytes())) };
        Ok(StrataStatus::STRATA_OK)
    })
}

/// The SCALE bytes of a call transaction (for `strata_execute` and
/// `strata_execute_block`), into `*out`; free them with
/// `strata_bytes_free`.
///
/// # Safety
///
/// `params` must point to valid parameters; `out`, if not null, must be
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_call_tx_encode(
    params: *const StrataCallParams,
    out: *mut StrataBytes,
) -> StrataStatus {
    guard(|| {
        // SAFETY: the caller's promise for `params`.
        let tx = Transaction::Call(unsafe { call_tx(params) }?);
        if out.is_null() {
            return Err(Error::null("out"));
        }
        // SAFETY: non-null, the caller's promise.
        unsafe { out.write(ffi::give_bytes(tx.to_bytes())) };
        Ok(StrataStatus::STRATA_OK)
    })
}

/// Compiles WebAssembly text (NUL-terminated UTF-8; SVM-era spellings are
/// accepted, as the CLI accepts them) to wasm, into `*out`; free it with
/// `strata_bytes_free`. Text that does not parse is `STRATA_DECODE` with
/// the parser's message. Thread-safe.
///
/// # Safety
///
/// `text` must be NUL-terminated; `out`, if not null, writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_wat_to_wasm(
    text: *const c_char,
    out: *mut StrataBytes,
) -> StrataStatus {
    guard(|| {
        // SAFETY: the caller's promise for `text`.
        let text = unsafe { ffi::string(text, "text") }?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let translated = strata_host_fns::legacy_wat::translate(text);
        let wasm = wat::parse_str(translated.as_ref())
            .map_err(|e| Error::new(StrataStatus::STRATA_DECODE, format!("invalid WAT: {e}")))?;
        // SAFETY: non-null, the caller's promise.
        unsafe { out.write(ffi::give_bytes(wasm)) };
        Ok(StrataStatus::STRATA_OK)
    })
}
