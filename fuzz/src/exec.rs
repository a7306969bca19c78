//! Runtimes for the execution targets, and the checks they share.
//!
//! Every iteration gets a fresh runtime on a fresh `MemKv`, so that a crash
//! reproduces from its input alone. A [`RuntimeError`] from a runtime on a
//! healthy in-memory store is a bug of the runtime (a store failure, a
//! corrupt record it wrote itself, an internal error), so [`must`] panics on
//! it and libFuzzer reports the input.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use strata_host_fns::{Address, ValType};
use strata_kv::MemKv;
use strata_runtime::validate::FuncSig;
use strata_runtime::{
    Arg, BlockContext, CallTx, DeployTx, ErrorKind, FunctionCall, Receipt, Runtime, RuntimeConfig,
    Transaction,
};

/// The runtime every target uses.
pub type Rt = Runtime<Arc<MemKv>>;

/// The block every single-transaction target runs in.
pub const BLOCK: BlockContext = BlockContext {
    height: 7,
    time: 1_700_000_000,
};

/// Gas for one call of a contract's function: small, so that loops end
/// quickly (wasmi charges about one unit per instruction).
pub const CALL_GAS: u64 = 100_000;

/// A fresh runtime with the default configuration on a fresh `MemKv`.
pub fn runtime() -> Rt {
    Runtime::new(Arc::new(MemKv::new()))
}

/// A fresh runtime with `config` on a fresh `MemKv`.
pub fn runtime_with(config: RuntimeConfig) -> Rt {
    must(
        Runtime::builder(Arc::new(MemKv::new()))
            .config(config)
            .build(),
        "building a runtime",
    )
}

/// The value of a runtime call, or a panic naming `what`: a runtime error
/// on `MemKv` is a bug.
pub fn must<T, E: Debug>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{what}: the runtime failed on a healthy MemKv: {e:?}"),
    }
}

/// Executes `tx` in [`BLOCK`]; it must give a receipt.
pub fn execute(rt: &Rt, tx: &Transaction) -> Receipt {
    must(rt.execute(tx, BLOCK), "execute")
}

/// A deploy of `code` by `author` with no constructor and `gas` gas.
pub fn deploy_tx(author: Address, code: Vec<u8>, page_count: u32, gas_limit: u64) -> DeployTx {
    DeployTx {
        author,
        nonce: None,
        name: None,
        page_count,
        banks: None,
        code,
        ctor: None,
        balance: 0,
        gas_limit,
    }
}

/// The gas a deploy of `code_len` bytes needs, with `extra` for the
/// constructor.
pub fn deploy_gas(rt: &Rt, code_len: usize, extra: u64) -> u64 {
    rt.config()
        .gas
        .deploy_per_byte
        .saturating_mul(code_len as u64)
        .saturating_add(extra)
}

/// A call of `function` on `contract` with `args`.
pub fn call_tx(
    contract: Address,
    function: &str,
    args: Vec<Arg>,
    input: Vec<u8>,
    gas: u64,
) -> CallTx {
    CallTx {
        contract,
        sender: Address([0x5e; 20]),
        call: FunctionCall {
            function: function.into(),
            args,
        },
        input,
        gas_limit: gas,
    }
}

/// Arguments of the signature `sig`, the `i`-th taken from `values` (0
/// past its end; an `i32` takes the low 32 bits).
pub fn args_for(sig: &FuncSig, values: &[i64]) -> Vec<Arg> {
    sig.params
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let v = values.get(i).copied().unwrap_or(0);
            match t {
                ValType::I32 => Arg::I32(v as i32),
                ValType::I64 => Arg::I64(v),
            }
        })
        .collect()
}

/// Checks what every receipt must satisfy, whatever the transaction: gas
/// within the limit, no roots or events on failure, results that match
/// the signature on success.
pub fn check_receipt(receipt: &Receipt, gas_limit: u64, sig: Option<&FuncSig>) {
    assert!(
        receipt.gas_used <= gas_limit,
        "gas used {} over the limit {gas_limit}: {receipt:?}",
        receipt.gas_used
    );
    match (&receipt.error, sig) {
        (Some(_), _) => {
            assert!(
                receipt.state_roots.is_empty() && receipt.events.is_empty(),
                "a failed transaction reports roots or events: {receipt:?}"
            );
        }
        (None, Some(sig)) => {
            let types: Vec<ValType> = receipt
                .returns
                .iter()
                .map(|a| match a {
                    Arg::I32(_) => ValType::I32,
                    Arg::I64(_) => ValType::I64,
                })
                .collect();
            assert_eq!(
                types, sig.results,
                "results do not match the signature: {receipt:?}"
            );
        }
        (None, None) => {}
    }
    // The receipt must encode and decode to itself (it is what nodes compare).
    let bytes = receipt.to_bytes();
    assert_eq!(Receipt::from_bytes(&bytes).as_ref(), Ok(receipt));
}

/// Calls every exported function of `contract` (at most `max` of them, in
/// name order) with arguments from `values`, each as a transaction and as
/// a query with [`CALL_GAS`]; every call must give a receipt that passes
/// [`check_receipt`]. A query must never leave state behind: the
/// contract's account is the same before and after it.
pub fn call_exports(
    rt: &Rt,
    contract: Address,
    exports: &BTreeMap<String, FuncSig>,
    values: &[i64],
    max: usize,
) {
    for (name, sig) in exports.iter().take(max) {
        let call = call_tx(
            contract,
            name,
            args_for(sig, values),
            values_input(values),
            CALL_GAS,
        );
        let receipt = execute(rt, &Transaction::Call(call.clone()));
        check_receipt(&receipt, CALL_GAS, Some(sig));
        trace(&format!("call {name:?} {:?}", call.call.args), &receipt);
        let before = must(rt.account(&contract), "reading an account");
        let receipt = must(rt.query(&call, BLOCK), "query");
        check_receipt(&receipt, CALL_GAS, Some(sig));
        trace(&format!("query {name:?}"), &receipt);
        if receipt.success() {
            for (address, root) in &receipt.state_roots {
                if *address == contract {
                    let old = before.as_ref().map(|a| a.state_root);
                    assert_eq!(old, Some(*root), "a query reports a new root: {receipt:?}");
                }
            }
        }
        let after = must(rt.account(&contract), "reading an account");
        assert_eq!(before, after, "a query changed the account of {contract}");
    }
}

/// Input bytes for a call: the values, little-endian.
fn values_input(values: &[i64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Deploys `code` (no constructor, one page, enough gas for its bytes plus
/// `CALL_GAS`) and checks the receipt against `validate::validate` on the
/// same code: a deploy succeeds exactly when the code validates, and is
/// refused as `InvalidCode` otherwise. Returns the address and exports of
/// an accepted contract.
pub fn deploy_checked(rt: &Rt, code: &[u8]) -> Option<(Address, BTreeMap<String, FuncSig>)> {
    let validated =
        strata_runtime::validate::validate(code, rt.host_functions(), &rt.config().limits, &[]);
    let gas = deploy_gas(rt, code.len(), CALL_GAS);
    let tx = deploy_tx(Address([1; 20]), code.to_vec(), 1, gas);
    let receipt = execute(rt, &Transaction::Deploy(tx));
    check_receipt(&receipt, gas, None);
    trace(&format!("deploy ({} bytes)", code.len()), &receipt);
    match (validated, &receipt.error) {
        (Ok(v), None) => {
            let address = receipt
                .deployed
                .expect("a successful deploy names its address");
            // The stored code is the validated code.
            let account = must(rt.account(&address), "reading an account")
                .expect("a deployed contract has an account");
            let hash = account.code_hash.expect("a contract has code");
            let stored = must(rt.code(&hash), "reading code").expect("a contract's code is stored");
            assert_eq!(stored, v.code, "stored code is not the validated code");
            Some((address, v.exports))
        }
        (Err(e), Some(err)) => {
            assert_eq!(
                err.kind,
                ErrorKind::InvalidCode,
                "code that fails validation ({e}) was refused as something else: {receipt:?}"
            );
            assert!(receipt.deployed.is_none());
            None
        }
        (Ok(_), Some(err)) => panic!("code that validates was refused: {err}"),
        (Err(e), None) => panic!("code that fails validation ({e}) was deployed"),
    }
}

/// Whether `STRATA_FUZZ_DEBUG` is set: the targets then print what they
/// ran (for checking that seeds reach what they are meant to, with
/// `-runs=0`).
pub fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("STRATA_FUZZ_DEBUG").is_some())
}

/// Prints one line about `receipt` when [`debug`] is on.
pub fn trace(what: &str, receipt: &Receipt) {
    if debug() {
        match &receipt.error {
            None => eprintln!(
                "{what}: ok, gas {}, returns {:?}, {} events, {} logs",
                receipt.gas_used,
                receipt.returns,
                receipt.events.len(),
                receipt.logs.len()
            ),
            Some(e) => eprintln!("{what}: {e} (gas {})", receipt.gas_used),
        }
    }
}

/// Writes `code` to the file `STRATA_FUZZ_DUMP` names, if it is set: the
/// targets that generate contracts call it, so a crash's module can be run
/// outside the fuzzer (for example with the CLI).
pub fn dump(code: &[u8]) {
    if let Some(path) = std::env::var_os("STRATA_FUZZ_DUMP")
        && let Err(e) = std::fs::write(&path, code)
    {
        let path = std::path::Path::new(&path);
        eprintln!("cannot write {}: {e}", path.display());
    }
}

/// The native stack every execution target runs on: 1 GiB, reserved, not
/// resident (only the pages touched become memory).
///
/// Why: wasmi 2's default dispatch (`auto-dispatch`, which the workspace
/// uses) runs each wasm instruction's handler as a tail call of the
/// previous one and relies on LLVM turning those into jumps in optimized
/// builds. The coverage instrumentation of a fuzz build (sancov, with or
/// without AddressSanitizer) stops LLVM from doing so, so there every
/// executed instruction costs a native stack frame (about 128 bytes) until
/// the call returns: a 100,000-gas loop overflows the main thread's 8 MiB.
/// A plain release build, with or without debug assertions, runs the same
/// contract in constant stack (checked outside the fuzzer). Giving the
/// fuzzed code a deep stack keeps the production dispatch under test
/// instead of switching wasmi to its portable loop.
pub const STACK: usize = 1 << 30;

/// Runs `f` on the worker thread, whose stack is [`STACK`] bytes, and waits
/// for it. The thread lives as long as the process, so the stack pages a
/// deep run touched stay mapped for the next (a thread per run costs a
/// 1 GiB mapping each time and divides the fastest targets' speed by six).
/// A panic there aborts the process (libfuzzer-sys's panic hook), so
/// libFuzzer reports it as it would on the main thread.
pub fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    use std::sync::mpsc::{Receiver, Sender, channel};
    use std::sync::{Mutex, OnceLock};
    type Job = Box<dyn FnOnce() + Send>;
    static WORKER: OnceLock<Mutex<(Sender<Job>, Receiver<()>)>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (jobs, inbox) = channel::<Job>();
        let (finished, done) = channel();
        std::thread::Builder::new()
            .name("fuzz-exec".into())
            .stack_size(STACK)
            .spawn(move || {
                for job in inbox {
                    job();
                    if finished.send(()).is_err() {
                        break;
                    }
                }
            })
            .expect("a thread with a 1 GiB stack starts (the stack is only reserved)");
        Mutex::new((jobs, done))
    });
    let worker = worker
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    worker.0.send(Box::new(f)).expect("the worker thread runs");
    worker
        .1
        .recv()
        .expect("the worker thread finishes every job");
}
