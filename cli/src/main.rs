//! `strata`: deploy, call, query and inspect WebAssembly contracts from the
//! command line, on an embedded RocksDB store (`--data-dir`, default
//! `./.strata`) or in memory (`--memory`).
//!
//! # Stores
//!
//! `deploy`, `call` and `run` open the store for writing: they create it in a
//! directory that does not exist or is empty, and refuse (exit 2, nothing
//! changed) a directory that holds other files or a database Strata did not
//! make. Only one process at a time may have a store open for writing; a
//! second one is told the store is locked.
//!
//! `state`, `read`, `query`, `events` and `info` only read: they open the
//! store read-only, so they never create one (a `--data-dir` that does not
//! exist or is not a Strata store is an error that says so), they work on a
//! full disk or a read-only file system, and they work while another
//! `strata` has the store open for writing (they see the store as of their
//! start).
//!
//! # Events and the store's facts
//!
//! `events ADDRESS [--topic HEX] [--from-block N]` lists the events the
//! runtime's event index keeps for the contract that emitted them (only
//! successful transactions', for `RuntimeConfig::event_retention_blocks`
//! blocks), oldest block first. The CLI itself runs every transaction at
//! height 0 (it has no chain); heights matter on a store a node wrote.
//! `info` prints the head (height and block root), the retention the CLI
//! runs with, what the index keeps (how many events, the oldest and newest
//! blocks with events, how far expiry got) and the size of the store's
//! files (unknown for `--memory`). `info` is a command of its own, not a
//! script line.
//!
//! # SVM-era contracts
//!
//! `.wast`/`.wat` files may use the 2019 text format. SVM's node vmcalls
//! (`node.vmcall_get_balance`/`vmcall_set_balance`, December 2019's
//! `env.get_balance`/`set_balance`) are linked unless `--no-node-vmcalls` is
//! given. `call` and `query` take `--reg BITS:IDX=HEX` (seed a register
//! before the call) and `--show-reg BITS:IDX` (print it after: a
//! `register` line, or `"registers": {"64:0": "hex"}` in JSON), as SVM's
//! register-level tests did; registers are not part of a transaction.
//! `deploy --json` prints `source_code_hash`, the hash of the file as
//! given, when the stored module (whose `code_hash` makes the address) was
//! rewritten.
//!
//! # Exit status
//!
//! - 0: the command did what was asked and its transaction succeeded;
//! - 1: a transaction ran and failed (its receipt is printed), or for `run`,
//!   at least one did;
//! - 2: a usage error (a bad flag value, a `--gas` above the runtime's cap of
//!   100,000,000 per transaction, an offset past the end of the page...), an
//!   unreadable file, an invalid contract, an unknown address, a store that
//!   cannot be opened, is full, or is corrupt, or output that cannot be
//!   written (`strata: error: cannot write output: ...`, for example to a
//!   full disk). Every error is one line on stderr, `strata: error: ...`.
//!
//! # Output
//!
//! Every receipt line is written (and flushed) after its transaction was
//! committed, so a printed `status       success` is an acknowledgement.
//! When the reader of the output goes away (`strata run s | head -n 1`),
//! `strata` stops quietly, as other Unix tools do (no message), but exits
//! with the status the command had so far rather than a signal's (141 in a
//! shell), so `set -o pipefail` scripts see what the transactions did. The
//! transactions already printed are committed; a `run` script stops at the
//! first output it cannot write (the echo of a line, before the line runs,
//! or a receipt, after its transaction committed), and no later line runs.
//!
//! Text a contract or a deployer chose (abort messages, logs, names) is
//! printed with control characters escaped (`\n`, `\x1b`, `\u{202e}`...),
//! so it cannot start a line of its own, change colours or reorder text.
//! `--json` output is exact JSON (serde_json escapes control characters).

mod demo;
mod output;
mod script;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use strata_host_fns::{SvmEnv, SvmNode};
use strata_kv::{KvError, KvStore};
use strata_runtime::{
    Address, Arg, BlockContext, CallTx, CodeHash, DeployTx, ErrorKind, FunctionCall, Receipt,
    RegisterProbe, Runtime, RuntimeConfig, RuntimeError, Transaction, WasmEngine,
};

/// The store handle every command runs on.
pub type Store = Arc<dyn KvStore>;

/// The address used for `--author` and `--sender` when none is given.
pub const DEFAULT_ACCOUNT: &str = "0000000000000000000000000000000000000001";

/// The runtime configuration the CLI runs with (the runtime's defaults).
/// `--gas` is checked against its `max_tx_gas`.
pub fn runtime_config() -> RuntimeConfig {
    RuntimeConfig::default()
}

/// Parses `--gas`: a whole number from 0 to the runtime's cap per
/// transaction.
fn parse_gas(s: &str) -> Result<u64, String> {
    let cap = runtime_config().max_tx_gas;
    let gas: u64 = s.parse().map_err(|_| {
        format!("gas must be a non-negative whole number, at most {cap} (got {s:?})")
    })?;
    if gas > cap {
        return Err(format!(
            "{gas} is above the runtime's cap of {cap} gas per transaction"
        ));
    }
    Ok(gas)
}

#[derive(Parser, Debug)]
#[command(name = "strata", version, about = "Run WebAssembly smart contracts on Strata.", long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// The store: a RocksDB directory. Commands that write create it when
    /// missing; `state`, `read`, `query`, `events` and `info` open it
    /// read-only.
    #[arg(long, global = true, value_name = "DIR", default_value = "./.strata")]
    data_dir: PathBuf,
    /// Use a fresh in-memory store instead (gone when the command ends).
    #[arg(long, global = true, conflicts_with = "data_dir")]
    memory: bool,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Leave out SVM's node vmcalls (modules `node` and `env`: balances
    /// read and set from a register's address), which the CLI links by
    /// default.
    #[arg(long, global = true)]
    no_node_vmcalls: bool,
}

/// The commands (also the lines of a `strata run` script).
#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Deploy a contract (.wasm, or .wat text); prints its address.
    Deploy(DeployArgs),
    /// Call a contract's exported function; prints the receipt.
    Call(CallArgs),
    /// Run a function read-only: the same receipt, but nothing is written.
    Query(QueryArgs),
    /// Show a contract's account: state root, page count, code hash, balance, nonce.
    State {
        /// The contract's address (40 hex characters).
        address: String,
    },
    /// Print the bytes of a slice of a contract's storage, in hex.
    Read {
        /// The contract's address.
        address: String,
        /// The page.
        #[arg(long)]
        page: u32,
        /// The offset in the page (0 to 4095).
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// The length (default: to the end of the page).
        #[arg(long)]
        len: Option<u32>,
    },
    /// List the events the store's event index keeps for a contract:
    /// successful transactions' events, oldest block first.
    Events {
        /// The emitting contract's address (40 hex characters).
        address: String,
        /// Only events with this topic among theirs (64 hex characters).
        #[arg(long, value_name = "HEX")]
        topic: Option<String>,
        /// Only events of blocks at this height and above.
        #[arg(long, value_name = "N", default_value_t = 0)]
        from_block: u64,
    },
    /// Show the store's facts: the latest block (height and root), the
    /// event index (retention, what it keeps) and the store's size.
    Info,
    /// Prune the store now to the states of its last N blocks, deleting
    /// every record only older blocks reach (later commands prune to the
    /// configured 128 blocks again). A store that never pruned starts
    /// counting its records here.
    Prune {
        /// How many blocks' states to keep (at least 1).
        #[arg(long, value_name = "N")]
        keep: std::num::NonZeroU64,
    },
    /// Run a script: one command per line (deploy, call, query, state, read,
    /// events);
    /// `$1`, `$2`... (or `${1}` before more digits) stand for the addresses of
    /// earlier deploys; `#` starts a comment line.
    Run {
        /// The script file.
        script: PathBuf,
        /// The engine every transaction of the script runs on (`query`
        /// lines included): wasmi, the default and the consensus engine,
        /// or wasmtime, the JIT, for simulations (the same receipts and
        /// roots, its own gas).
        #[arg(long, value_enum, default_value_t = EngineArg::Wasmi)]
        engine: EngineArg,
    },
    /// Deploy a bundled example into a fresh temporary store, call it, and
    /// explain what happened.
    Demo,
}

impl Command {
    /// The engine the command runs contracts on (`--engine` of `query` and
    /// `run`; wasmi for the others).
    fn engine(&self) -> WasmEngine {
        match self {
            Command::Query(q) => q.engine.unwrap_or_default().into(),
            Command::Run { engine, .. } => (*engine).into(),
            _ => WasmEngine::Wasmi,
        }
    }

    /// Whether the command only reads the store (and so opens it read-only).
    fn only_reads(&self) -> bool {
        matches!(
            self,
            Command::Query(..)
                | Command::State { .. }
                | Command::Read { .. }
                | Command::Events { .. }
                | Command::Info
        )
    }
}

/// Arguments of `deploy`.
#[derive(Args, Debug, Clone)]
pub struct DeployArgs {
    /// The contract: a .wasm binary or a .wat text file.
    pub file: PathBuf,
    /// The deploying author.
    #[arg(long, value_name = "HEX40", default_value = DEFAULT_ACCOUNT)]
    pub author: String,
    /// Storage pages of 4 KiB.
    #[arg(long, default_value_t = 16)]
    pub pages: u32,
    /// A name for the contract.
    #[arg(long)]
    pub name: Option<String>,
    /// The contract's initial balance.
    #[arg(long, default_value_t = 0)]
    pub balance: u128,
    /// A constructor and its arguments: --ctor FUNC [i32:N|i64:N ...].
    #[arg(long, num_args = 1.., value_names = ["FUNC", "ARG"])]
    pub ctor: Option<Vec<String>>,
    /// The gas limit (at most the runtime's cap, 100,000,000).
    #[arg(long, default_value_t = 50_000_000, value_parser = parse_gas, allow_hyphen_values = true)]
    pub gas: u64,
}

/// The engine a command runs contracts on (`--engine`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngineArg {
    /// wasmi, the interpreter: the default and the consensus engine.
    #[default]
    Wasmi,
    /// wasmtime, the JIT: much faster on compute-heavy code; the same
    /// receipts and roots, gas metered by wasmtime's own fuel.
    Wasmtime,
}

impl From<EngineArg> for WasmEngine {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Wasmi => WasmEngine::Wasmi,
            EngineArg::Wasmtime => WasmEngine::Wasmtime,
        }
    }
}

/// Arguments of `query`: those of `call`, and the engine.
#[derive(Args, Debug, Clone)]
pub struct QueryArgs {
    #[command(flatten)]
    pub call: CallArgs,
    /// The engine to run on: wasmi (the default, the consensus engine) or
    /// wasmtime (the JIT; the same receipt, its own gas). In a script, the
    /// script's engine (`strata run --engine`); a line may only repeat it.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
}

/// Arguments of `call` and `query`.
#[derive(Args, Debug, Clone)]
pub struct CallArgs {
    /// The contract's address (40 hex characters).
    pub address: String,
    /// The exported function.
    pub function: String,
    /// Arguments: i32:N or i64:N (decimal, may be negative, or 0x hex: i64:0x10).
    pub args: Vec<String>,
    /// Input bytes, in hex.
    #[arg(long, value_name = "HEX", default_value = "")]
    pub input: String,
    /// The gas limit (at most the runtime's cap, 100,000,000).
    #[arg(long, default_value_t = 10_000_000, value_parser = parse_gas, allow_hyphen_values = true)]
    pub gas: u64,
    /// The caller.
    #[arg(long, value_name = "HEX40", default_value = DEFAULT_ACCOUNT)]
    pub sender: String,
    /// Seed a register before the call: BITS:IDX=HEX (e.g. 64:0=0x0102,
    /// zero-padded; repeatable). Registers are not part of a transaction:
    /// this is for tests, as SVM's were.
    #[arg(long = "reg", value_name = "BITS:IDX=HEX")]
    pub regs: Vec<String>,
    /// Print a register after the call: BITS:IDX (repeatable).
    #[arg(long = "show-reg", value_name = "BITS:IDX")]
    pub show_regs: Vec<String>,
}

/// `BITS:IDX` of `--reg` (whose whole argument is `whole`, in the form
/// `form`) and `--show-reg`.
fn parse_register(s: &str, flag: &str, whole: &str, form: &str) -> Result<(u32, u32), Fatal> {
    let bad = || {
        Fatal::msg(format!(
            "{flag} {whole:?}: expected {form}, where BITS and IDX are whole numbers (e.g. 64:0)"
        ))
    };
    let (bits, idx) = s.split_once(':').ok_or_else(bad)?;
    Ok((
        bits.trim().parse().map_err(|_| bad())?,
        idx.trim().parse().map_err(|_| bad())?,
    ))
}

/// The register probe of `--reg` and `--show-reg`, or `None` when neither
/// is given.
fn parse_probe(c: &CallArgs) -> Result<Option<RegisterProbe>, Fatal> {
    if c.regs.is_empty() && c.show_regs.is_empty() {
        return Ok(None);
    }
    let mut probe = RegisterProbe::default();
    for r in &c.regs {
        let (reg, value) = r.split_once('=').ok_or_else(|| {
            Fatal::msg(format!(
                "--reg {r:?}: expected BITS:IDX=HEX (e.g. 64:0=0x0102)"
            ))
        })?;
        let (bits, idx) = parse_register(reg, "--reg", r, "BITS:IDX=HEX")?;
        let bytes = strata_primitives::hex::decode(value.trim())
            .map_err(|e| Fatal::msg(format!("--reg {r:?}: the value is not hex: {e}")))?;
        probe.seed.push((bits, idx, bytes));
    }
    for r in &c.show_regs {
        probe
            .show
            .push(parse_register(r, "--show-reg", r, "BITS:IDX")?);
    }
    Ok(Some(probe))
}

/// A command's failure: exit status 2 with a one-line message, except for a
/// closed output pipe, which ends the command quietly.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// A usage, file, contract, address, runtime or store error.
    #[error("{0}")]
    Message(String),
    /// The output could not be written.
    #[error("cannot write output: {error}")]
    Output {
        /// The write's error.
        error: std::io::Error,
        /// What the command had done when its output failed (the exit
        /// status when the error is a closed pipe).
        done: Done,
    },
}

impl Fatal {
    /// A failure with this message.
    pub fn msg(message: impl Into<String>) -> Self {
        Fatal::Message(message.into())
    }

    /// An output error, after the command did `done`.
    pub fn output(error: std::io::Error, done: Done) -> Self {
        Fatal::Output { error, done }
    }
}

impl From<RuntimeError> for Fatal {
    fn from(e: RuntimeError) -> Self {
        Fatal::Message(e.to_string())
    }
}

impl From<KvError> for Fatal {
    fn from(e: KvError) -> Self {
        Fatal::Message(e.to_string())
    }
}

/// What a command produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// It did what was asked.
    Ok,
    /// A transaction ran and failed.
    TxFailed,
}

impl Done {
    /// Both: failed when either failed.
    pub fn and(self, other: Done) -> Done {
        if self == Done::TxFailed || other == Done::TxFailed {
            Done::TxFailed
        } else {
            Done::Ok
        }
    }

    fn exit_code(self) -> ExitCode {
        match self {
            Done::Ok => ExitCode::SUCCESS,
            Done::TxFailed => ExitCode::from(1),
        }
    }
}

fn parse_address(s: &str, what: &str) -> Result<Address, Fatal> {
    Address::from_hex(s).map_err(|e| Fatal::msg(format!("{what} {s:?} is not an address: {e}")))
}

/// Parses `--topic`: 32 bytes in hex (an optional `0x`, either case).
fn parse_topic(s: &str) -> Result<[u8; 32], Fatal> {
    let bytes = strata_primitives::hex::decode(s)
        .map_err(|e| Fatal::msg(format!("--topic {s:?} is not hex: {e}")))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        let n = bytes.len();
        let unit = if n == 1 { "byte" } else { "bytes" };
        Fatal::msg(format!(
            "--topic {s:?} is {n} {unit}; a topic is 32 bytes (64 hex characters)"
        ))
    })
}

/// `strata info`: the head, the event index and the store's size.
fn info(rt: &Runtime<Store>, global: &Global, out: &mut dyn Write) -> Result<Done, Fatal> {
    let head = rt.head()?;
    let state = rt.state_retention()?;
    let events = rt.event_index()?;
    let size = if global.memory {
        output::StoreSize::Unknown("an in-memory store")
    } else {
        match dir_size(&global.data_dir) {
            Ok(bytes) => output::StoreSize::Bytes(bytes),
            Err(_) => output::StoreSize::Unknown("its files could not be read"),
        }
    };
    print(out, Done::Ok, |out| {
        output::print_info(out, head.as_ref(), &state, &events, &size, global.json)
    })
}

/// The bytes of the files under `dir` (RocksDB keeps its store in one
/// directory; symbolic links are not followed).
fn dir_size(dir: &std::path::Path) -> std::io::Result<u64> {
    let mut total = 0u64;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.path().symlink_metadata()?;
        if meta.is_dir() {
            total = total.saturating_add(dir_size(&entry.path())?);
        } else if meta.is_file() {
            total = total.saturating_add(meta.len());
        }
    }
    Ok(total)
}

fn parse_args(args: &[String]) -> Result<Vec<Arg>, Fatal> {
    args.iter()
        .map(|a| a.parse::<Arg>().map_err(Fatal::Message))
        .collect()
}

fn block_now() -> BlockContext {
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    BlockContext { height: 0, time }
}

/// Reads a contract file: wasm as is, WAT converted.
pub fn read_code(path: &std::path::Path) -> Result<Vec<u8>, Fatal> {
    let bytes = std::fs::read(path)
        .map_err(|e| Fatal::msg(format!("cannot read {}: {e}", path.display())))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    // SVM-era `.wast` files use the 2019 instruction spellings.
    let parsed = match std::str::from_utf8(&bytes) {
        Ok(text) => wat::parse_str(strata_host_fns::legacy_wat::translate(text).as_ref()),
        Err(_) => wat::parse_bytes(&bytes).map(|c| c.into_owned()),
    };
    parsed.map_err(|e| {
        Fatal::msg(format!(
            "{} is neither wasm nor valid WAT: {e}",
            path.display()
        ))
    })
}

/// Opens the store the global flags name: read-only for commands that only
/// read.
fn open_store(global: &Global, read_only: bool) -> Result<Store, Fatal> {
    if global.memory {
        return Ok(Arc::new(strata_kv::MemKv::new()));
    }
    open_rocks(&global.data_dir, read_only)
}

#[cfg(feature = "rocksdb")]
fn open_rocks(dir: &std::path::Path, read_only: bool) -> Result<Store, Fatal> {
    use strata_kv::RocksKv;
    if !read_only {
        return Ok(Arc::new(RocksKv::open(dir)?));
    }
    const ONLY_READS: &str = "`state`, `read`, `query`, `events` and `info` only read, and never \
                              create a store; \
                              check --data-dir, or deploy a contract to create one";
    match RocksKv::open_read_only(dir) {
        Ok(kv) => Ok(Arc::new(kv)),
        Err(KvError::Missing { path }) => Err(Fatal::msg(format!(
            "no Strata store at {}: the directory does not exist; {ONLY_READS}",
            path.display()
        ))),
        Err(KvError::NotAStore { path, reason }) => Err(Fatal::msg(format!(
            "no Strata store at {}: {reason}; {ONLY_READS}",
            path.display()
        ))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(feature = "rocksdb"))]
fn open_rocks(dir: &std::path::Path, _read_only: bool) -> Result<Store, Fatal> {
    Err(Fatal::msg(format!(
        "cannot open {}: this strata was built without RocksDB; use --memory",
        dir.display()
    )))
}

/// Builds the runtime the CLI runs on, with [`runtime_config`] and SVM's
/// node vmcalls (`node`, `env`).
pub fn runtime(store: Store) -> Result<Runtime<Store>, Fatal> {
    runtime_with(store, true, WasmEngine::Wasmi)
}

/// Builds the runtime the CLI runs on, with or without SVM's node vmcalls,
/// on `engine`.
pub fn runtime_with(
    store: Store,
    node_vmcalls: bool,
    engine: WasmEngine,
) -> Result<Runtime<Store>, Fatal> {
    let config = RuntimeConfig {
        engine,
        ..runtime_config()
    };
    let builder = Runtime::builder(store).config(config);
    let builder = if node_vmcalls {
        builder.host_module(SvmNode).host_module(SvmEnv)
    } else {
        builder
    };
    Ok(builder.build()?)
}

/// Runs one command against `rt`, printing to `out`; `deployed` collects
/// deployed addresses.
pub fn run_command(
    rt: &Runtime<Store>,
    command: &Command,
    json: bool,
    deployed: &mut Vec<Address>,
    out: &mut dyn Write,
) -> Result<Done, Fatal> {
    match command {
        Command::Deploy(d) => {
            let code = read_code(&d.file)?;
            let ctor = match &d.ctor {
                None => None,
                Some(parts) => {
                    let (function, args) = parts
                        .split_first()
                        .ok_or_else(|| Fatal::msg("--ctor needs a function name"))?;
                    Some(FunctionCall {
                        function: function.clone(),
                        args: parse_args(args)?,
                    })
                }
            };
            let source = CodeHash::of(&code);
            let tx = DeployTx {
                author: parse_address(&d.author, "--author")?,
                nonce: None,
                name: d.name.clone(),
                page_count: d.pages,
                banks: None,
                code,
                ctor,
                balance: d.balance,
                gas_limit: d.gas,
            };
            let receipt = execute(rt, &Transaction::Deploy(tx))?;
            if let Some(err) = &receipt.error {
                if matches!(
                    err.kind,
                    ErrorKind::InvalidCode | ErrorKind::InvalidTransaction
                ) {
                    return Err(Fatal::msg(format!(
                        "invalid contract {}: {}",
                        d.file.display(),
                        err.message
                    )));
                }
                return print(out, Done::TxFailed, |out| {
                    output::print_receipt(out, &receipt, json)
                });
            }
            let address = receipt
                .deployed
                .ok_or_else(|| Fatal::msg("the deploy succeeded without an address"))?;
            let account = rt
                .account(&address)?
                .ok_or_else(|| Fatal::msg(format!("the deployed account {address} is missing")))?;
            deployed.push(address);
            print(out, Done::Ok, |out| {
                output::print_deployed(out, &address, &account, &source, json)
            })
        }
        Command::Call(c) | Command::Query(QueryArgs { call: c, .. }) => {
            let contract = parse_address(&c.address, "address")?;
            match rt.account(&contract)? {
                Some(a) if a.is_contract() => {}
                _ => return Err(Fatal::msg(format!("no contract at address {contract}"))),
            }
            let input = strata_primitives::hex::decode(&c.input)
                .map_err(|e| Fatal::msg(format!("--input {:?} is not hex: {e}", c.input)))?;
            let tx = CallTx {
                contract,
                sender: parse_address(&c.sender, "--sender")?,
                call: FunctionCall {
                    function: c.function.clone(),
                    args: parse_args(&c.args)?,
                },
                input,
                gas_limit: c.gas,
            };
            if let Command::Query(QueryArgs {
                engine: Some(engine),
                ..
            }) = command
                && WasmEngine::from(*engine) != rt.config().engine
            {
                return Err(Fatal::msg(format!(
                    "this runs on {}: a script's engine is `strata run --engine`'s, for \
                     every line",
                    rt.config().engine.name()
                )));
            }
            let query = matches!(command, Command::Query(..));
            let (receipt, registers) = match parse_probe(c)? {
                None if query => (rt.query(&tx, block_now())?, None),
                None => (execute(rt, &Transaction::Call(tx))?, None),
                Some(probe) => {
                    let probed = if query {
                        rt.query_probed(&tx, block_now(), probe)?
                    } else {
                        rt.execute_probed(&tx, block_now(), probe)?
                    };
                    (probed.receipt, Some(probed.registers))
                }
            };
            let done = if receipt.success() {
                Done::Ok
            } else {
                Done::TxFailed
            };
            print(out, done, |out| {
                output::print_receipt_with(out, &receipt, registers.as_deref(), json)
            })
        }
        Command::State { address } => {
            let address = parse_address(address, "address")?;
            let account = rt
                .account(&address)?
                .ok_or_else(|| Fatal::msg(format!("no account at address {address}")))?;
            let head = rt.head()?;
            print(out, Done::Ok, |out| {
                output::print_state(out, &account, head.as_ref(), json)
            })
        }
        Command::Read {
            address,
            page,
            offset,
            len,
        } => {
            let address = parse_address(address, "address")?;
            let len = check_slice(*offset, *len)?;
            let account = rt
                .account(&address)?
                .ok_or_else(|| Fatal::msg(format!("no account at address {address}")))?;
            if *page >= account.page_count {
                return Err(Fatal::msg(format!(
                    "page {page} is out of range: the contract at {address} has {} pages{}",
                    account.page_count,
                    match account.page_count {
                        0 => String::new(),
                        n => format!(" (0 to {})", n - 1),
                    }
                )));
            }
            let bytes = rt.read_slice(&address, *page, *offset, len)?;
            print(out, Done::Ok, |out| {
                output::print_slice(out, &address, *page, *offset, &bytes, json)
            })
        }
        Command::Events {
            address,
            topic,
            from_block,
        } => {
            let address = parse_address(address, "address")?;
            let topic = topic.as_deref().map(parse_topic).transpose()?;
            let events = rt.events(&address, topic, *from_block)?;
            print(out, Done::Ok, |out| {
                output::print_events(out, &address, *from_block, &events, json)
            })
        }
        Command::Run { .. } | Command::Demo | Command::Info | Command::Prune { .. } => Err(
            Fatal::msg("`run`, `demo`, `info` and `prune` cannot be used inside a script"),
        ),
    }
}

/// Checks `--offset` and `--len` against the page size, before the store
/// is asked; the length to read.
fn check_slice(offset: u32, len: Option<u32>) -> Result<u32, Fatal> {
    let size = strata_pages::PAGE_SIZE as u64;
    if u64::from(offset) >= size {
        return Err(Fatal::msg(format!(
            "--offset {offset} is past the end of the {size}-byte page (offsets run from 0 to {})",
            size - 1
        )));
    }
    let len = len.unwrap_or((size - u64::from(offset)) as u32);
    if u64::from(offset) + u64::from(len) > size {
        return Err(Fatal::msg(format!(
            "--offset {offset} --len {len} crosses the page boundary: a slice must end within \
             the {size}-byte page (offset + len <= {size})"
        )));
    }
    Ok(len)
}

/// Writes with `f` and flushes, so each command's output is out before the
/// next one starts; a write error becomes [`Fatal::Output`] after `done`.
pub fn print(
    out: &mut dyn Write,
    done: Done,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Done, Fatal> {
    f(out)
        .and_then(|()| out.flush())
        .map_err(|e| Fatal::output(e, done))?;
    Ok(done)
}

fn execute(rt: &Runtime<Store>, tx: &Transaction) -> Result<Receipt, Fatal> {
    Ok(rt.execute(tx, block_now())?)
}

/// Prints `message` as `strata: error: ...` on stderr, escaped; a failure to
/// write even that is ignored (there is nowhere left to report it).
fn report(message: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "strata: error: {}",
        output::escape(message)
    );
}

/// Help and version go to stdout through the same checks as every output;
/// usage errors go to stderr.
fn clap_exit(e: clap::Error) -> ExitCode {
    if e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(2);
    }
    let rendered = e.render();
    let mut out = std::io::stdout().lock();
    let text = if out.is_terminal() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            report(&format!("cannot write output: {e}"));
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    let mut out = std::io::stdout().lock();
    let json = cli.global.json;
    let result = match &cli.command {
        Command::Demo => demo::run(json, &mut out),
        command => open_store(&cli.global, command.only_reads())
            .and_then(|store| runtime_with(store, !cli.global.no_node_vmcalls, command.engine()))
            .and_then(|rt| match command {
                Command::Run { script, .. } => script::run(&rt, script, json, &mut out),
                Command::Info => info(&rt, &cli.global, &mut out),
                Command::Prune { keep } => {
                    let report = rt.prune(*keep)?;
                    let state = rt.state_retention()?;
                    print(&mut out, Done::Ok, |out| {
                        output::print_prune(out, &report, &state, json)
                    })
                }
                other => run_command(&rt, other, json, &mut Vec::new(), &mut out),
            }),
    };
    match result {
        Ok(done) => done.exit_code(),
        Err(Fatal::Output { error, done }) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            done.exit_code()
        }
        Err(e) => {
            report(&e.to_string());
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_gas_is_under_the_runtime_cap() {
        let cap = runtime_config().max_tx_gas;
        assert_eq!(cap, strata_runtime::DEFAULT_MAX_TX_GAS);
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.command);
        match parse(&["strata", "deploy", "c.wat"]) {
            Ok(Command::Deploy(d)) => assert!(d.gas == 50_000_000 && d.gas <= cap),
            other => panic!("{other:?}"),
        }
        match parse(&["strata", "call", "a", "f"]) {
            Ok(Command::Call(c)) => assert!(c.gas == 10_000_000 && c.gas <= cap),
            other => panic!("{other:?}"),
        }
        let at_cap = cap.to_string();
        match parse(&["strata", "query", "a", "f", "--gas", &at_cap]) {
            Ok(Command::Query(q)) => assert_eq!(q.call.gas, cap),
            other => panic!("{other:?}"),
        }
        let above = (cap + 1).to_string();
        let err = parse(&["strata", "call", "a", "f", "--gas", &above]).unwrap_err();
        assert!(err.to_string().contains("cap"), "{err}");
    }

    #[test]
    fn slices_are_checked_against_the_page() {
        assert_eq!(check_slice(0, None).unwrap(), 4096);
        assert_eq!(check_slice(4095, None).unwrap(), 1);
        assert_eq!(check_slice(4000, Some(96)).unwrap(), 96);
        assert_eq!(check_slice(10, Some(0)).unwrap(), 0);
        let past = check_slice(4096, None).unwrap_err().to_string();
        assert!(
            past.contains("past the end of the 4096-byte page"),
            "{past}"
        );
        let cross = check_slice(4000, Some(97)).unwrap_err().to_string();
        assert!(cross.contains("crosses the page boundary"), "{cross}");
        let huge = check_slice(1, Some(u32::MAX)).unwrap_err().to_string();
        assert!(huge.contains("crosses"), "{huge}");
    }
}
