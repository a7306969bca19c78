//! `strata`: deploy, call, query and inspect WebAssembly contracts from the
//! command line, on an embedded RocksDB store (`--data-dir`, default
//! `./.strata`) or in memory (`--memory`).
//!
//! Exit status: 0 when the command did what was asked and its transaction
//! succeeded; 1 when a transaction ran and failed (its receipt is printed);
//! 2 for a usage error, an unreadable file, an invalid contract, an unknown
//! address, or a store that cannot be opened.

mod demo;
mod output;
mod script;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use strata_kv::KvStore;
use strata_runtime::{
    Address, Arg, BlockContext, CallTx, DeployTx, ErrorKind, FunctionCall, Receipt, Runtime,
    Transaction,
};

/// The store handle every command runs on.
pub type Store = Arc<dyn KvStore>;

/// The address used for `--author` and `--sender` when none is given.
pub const DEFAULT_ACCOUNT: &str = "0000000000000000000000000000000000000001";

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
    /// The store: a RocksDB directory, created on first use.
    #[arg(long, global = true, value_name = "DIR", default_value = "./.strata")]
    data_dir: PathBuf,
    /// Use a fresh in-memory store instead (gone when the command ends).
    #[arg(long, global = true, conflicts_with = "data_dir")]
    memory: bool,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
}

/// The commands (also the lines of a `strata run` script).
#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Deploy a contract (.wasm, or .wat text); prints its address.
    Deploy(DeployArgs),
    /// Call a contract's exported function; prints the receipt.
    Call(CallArgs),
    /// Run a function read-only: the same receipt, but nothing is written.
    Query(CallArgs),
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
        /// The offset in the page.
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// The length (default: to the end of the page).
        #[arg(long)]
        len: Option<u32>,
    },
    /// Run a script: one command per line (deploy, call, query, state, read);
    /// `$1`, `$2`... (or `${1}` before more digits) stand for the addresses of
    /// earlier deploys; `#` starts a comment line.
    Run {
        /// The script file.
        script: PathBuf,
    },
    /// Deploy a bundled example into a fresh temporary store, call it, and
    /// explain what happened.
    Demo,
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
    /// The gas limit.
    #[arg(long, default_value_t = 50_000_000)]
    pub gas: u64,
}

/// Arguments of `call` and `query`.
#[derive(Args, Debug, Clone)]
pub struct CallArgs {
    /// The contract's address (40 hex characters).
    pub address: String,
    /// The exported function.
    pub function: String,
    /// Arguments: i32:N or i64:N (decimal, may be negative).
    pub args: Vec<String>,
    /// Input bytes, in hex.
    #[arg(long, value_name = "HEX", default_value = "")]
    pub input: String,
    /// The gas limit.
    #[arg(long, default_value_t = 10_000_000)]
    pub gas: u64,
    /// The caller.
    #[arg(long, value_name = "HEX40", default_value = DEFAULT_ACCOUNT)]
    pub sender: String,
}

/// A command's failure: exit status 2 (usage, file, contract, address,
/// store), with a one-line message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Fatal(pub String);

/// What a command produced.
pub enum Done {
    /// It did what was asked.
    Ok,
    /// A transaction ran and failed.
    TxFailed,
}

fn parse_address(s: &str, what: &str) -> Result<Address, Fatal> {
    Address::from_hex(s).ok_or_else(|| {
        Fatal(format!(
            "{what} {s:?} is not an address: expected 40 hex characters"
        ))
    })
}

fn parse_args(args: &[String]) -> Result<Vec<Arg>, Fatal> {
    args.iter()
        .map(|a| a.parse::<Arg>().map_err(Fatal))
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
    let bytes =
        std::fs::read(path).map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    wat::parse_bytes(&bytes)
        .map(|c| c.into_owned())
        .map_err(|e| {
            Fatal(format!(
                "{} is neither wasm nor valid WAT: {e}",
                path.display()
            ))
        })
}

/// Opens the store the global flags name.
fn open_store(global: &Global) -> Result<Store, Fatal> {
    if global.memory {
        return Ok(Arc::new(strata_kv::MemKv::new()));
    }
    open_rocks(&global.data_dir)
}

#[cfg(feature = "rocksdb")]
fn open_rocks(dir: &std::path::Path) -> Result<Store, Fatal> {
    strata_kv::RocksKv::open(dir)
        .map(|kv| Arc::new(kv) as Store)
        .map_err(|e| Fatal(e.to_string()))
}

#[cfg(not(feature = "rocksdb"))]
fn open_rocks(dir: &std::path::Path) -> Result<Store, Fatal> {
    Err(Fatal(format!(
        "cannot open {}: this strata was built without RocksDB; use --memory",
        dir.display()
    )))
}

/// Runs one command against `rt`; `deployed` collects deployed addresses.
pub fn run_command(
    rt: &Runtime<Store>,
    command: &Command,
    json: bool,
    deployed: &mut Vec<Address>,
) -> Result<Done, Fatal> {
    match command {
        Command::Deploy(d) => {
            let code = read_code(&d.file)?;
            let ctor = match &d.ctor {
                None => None,
                Some(parts) => {
                    let (function, args) = parts
                        .split_first()
                        .ok_or_else(|| Fatal("--ctor needs a function name".into()))?;
                    Some(FunctionCall {
                        function: function.clone(),
                        args: parse_args(args)?,
                    })
                }
            };
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
                    return Err(Fatal(format!(
                        "invalid contract {}: {}",
                        d.file.display(),
                        err.message
                    )));
                }
                output::print_receipt(&receipt, json);
                return Ok(Done::TxFailed);
            }
            let address = receipt
                .deployed
                .ok_or_else(|| Fatal("the deploy succeeded without an address".into()))?;
            let account = rt
                .account(&address)
                .map_err(|e| Fatal(e.to_string()))?
                .ok_or_else(|| Fatal(format!("the deployed account {address} is missing")))?;
            deployed.push(address);
            output::print_deployed(&address, &account, json);
            Ok(Done::Ok)
        }
        Command::Call(c) | Command::Query(c) => {
            let contract = parse_address(&c.address, "address")?;
            match rt.account(&contract).map_err(|e| Fatal(e.to_string()))? {
                Some(a) if a.is_contract() => {}
                _ => return Err(Fatal(format!("no contract at address {contract}"))),
            }
            let input = hex::decode(c.input.strip_prefix("0x").unwrap_or(&c.input))
                .map_err(|e| Fatal(format!("--input {:?} is not hex: {e}", c.input)))?;
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
            let receipt = if matches!(command, Command::Query(_)) {
                rt.query(&tx, block_now())
                    .map_err(|e| Fatal(e.to_string()))?
            } else {
                execute(rt, &Transaction::Call(tx))?
            };
            output::print_receipt(&receipt, json);
            Ok(if receipt.success() {
                Done::Ok
            } else {
                Done::TxFailed
            })
        }
        Command::State { address } => {
            let address = parse_address(address, "address")?;
            let account = rt
                .account(&address)
                .map_err(|e| Fatal(e.to_string()))?
                .ok_or_else(|| Fatal(format!("no account at address {address}")))?;
            output::print_state(&account, json);
            Ok(Done::Ok)
        }
        Command::Read {
            address,
            page,
            offset,
            len,
        } => {
            let address = parse_address(address, "address")?;
            if rt
                .account(&address)
                .map_err(|e| Fatal(e.to_string()))?
                .is_none()
            {
                return Err(Fatal(format!("no account at address {address}")));
            }
            let len =
                len.unwrap_or_else(|| (strata_pages::PAGE_SIZE as u32).saturating_sub(*offset));
            let bytes = rt
                .read_slice(&address, *page, *offset, len)
                .map_err(|e| Fatal(e.to_string()))?;
            output::print_slice(&address, *page, *offset, &bytes, json);
            Ok(Done::Ok)
        }
        Command::Run { .. } | Command::Demo => Err(Fatal(
            "`run` and `demo` cannot be used inside a script".into(),
        )),
    }
}

fn execute(rt: &Runtime<Store>, tx: &Transaction) -> Result<Receipt, Fatal> {
    rt.execute(tx, block_now())
        .map_err(|e| Fatal(e.to_string()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Demo => demo::run(cli.global.json),
        command => open_store(&cli.global).and_then(|store| {
            let rt = Runtime::new(store);
            match command {
                Command::Run { script } => script::run(&rt, script, cli.global.json),
                other => run_command(&rt, other, cli.global.json, &mut Vec::new()),
            }
        }),
    };
    match result {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::TxFailed) => ExitCode::from(1),
        Err(Fatal(message)) => {
            eprintln!("strata: error: {message}");
            ExitCode::from(2)
        }
    }
}
