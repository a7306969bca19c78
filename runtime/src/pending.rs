//! Transactions that wait for the node: [`Runtime::start`] runs a
//! transaction until it calls a function of an external module
//! ([`RuntimeBuilder::external_module`](crate::RuntimeBuilder::external_module)),
//! then hands the node a [`PendingTx`]; the node answers with
//! [`PendingTx::resume`], and the transaction goes on from where it
//! stopped.
//!
//! ## Design: a thread per started transaction
//!
//! A contract call (`strata.call`) runs the callee inside the caller's host
//! function, on the native stack, so an external call may come several
//! wasmi stores deep; wasmi's own resumable calls suspend one store only.
//! The transaction must stop with its whole native stack kept. A started
//! transaction therefore runs on a thread of its own, the runtime's worker
//! (one per runtime, started on first use and reused; the same code as
//! [`Runtime::execute`], with the same `stacker` guard), and an external
//! function *blocks* that thread: it sends the node the [`PendingCall`],
//! serves the node's reads and writes of the caller's memory and registers
//! from its own stack, and returns the node's answer.
//!
//! A stackful coroutine (`corosensei`) was the other candidate, and was
//! turned down: the external function (a `'static` wasmi closure) could
//! only reach the coroutine's yielder through a thread-local or `unsafe`,
//! and a thread-local is unsound as soon as two coroutines interleave on
//! one thread; and `stacker` keeps the stack's limit in a private
//! thread-local that is wrong on a coroutine's stack (it would skip the
//! growth it exists for, or grow on every frame) and stays wrong on the
//! node's stack while a coroutine that grew a segment is suspended. A
//! thread has its own stack and its own thread-locals, needs no `unsafe`
//! and no new dependency, and a suspended transaction costs a parked
//! thread. What it costs is a hand-over between threads at the start, at
//! each pending call and at the end (a few microseconds each on an idle
//! machine, where a coroutine switch is a fraction of one), so a runtime
//! without external modules runs `start` inline.
//!
//! ## Guarantees
//!
//! - **As if inline.** The external function charges its table gas
//!   exactly as the table's wrapper does before an inline function runs;
//!   its answer is what the function returns, an error answer fails it as
//!   the same error would inline. The receipt, gas and state root are
//!   those of the same transaction with the module linked inline and
//!   answering the same (`tests/external.rs` compares them byte for byte).
//! - **Atomic.** The transaction's writes reach the store only when it
//!   finishes, as with `execute`. Dropping a [`PendingTx`] abandons the
//!   transaction (or block): the waiting function fails fatally, every frame
//!   unwinds, nothing is written, and the drop returns once the runtime is
//!   free again.
//! - **Never a deadlock.** While a started transaction is in flight
//!   (running, or waiting for the node), the runtime's other entry points
//!   (`execute`, `execute_block`, `query`, `start`) return
//!   [`RuntimeError::Busy`] at once instead of waiting for the lock it
//!   holds: the thread that would answer it may be the one asking. The
//!   check and the lock are one step (the runtime's gate), so no entry
//!   point can slip past the check and then wait.

use std::fmt;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, MutexGuard};

use strata_host_fns::{HostErrorKind, Value};
use strata_kv::KvStore;

use crate::exec::{Access, AccessError, Down, ExternalLink, PendingCall, Up};
use crate::{BlockContext, BlockResult, CallTx, Receipt, Runtime, RuntimeError, Transaction};

/// Where a started transaction (or block) stands.
#[derive(Debug)]
pub enum Step<T> {
    /// It finished: its receipt (or the block's result), and its writes are
    /// in the store.
    Done(T),
    /// It waits for the node to answer an external host function.
    Pending(PendingTx<T>),
}

/// A transaction (or block) stopped inside an external host function,
/// waiting for the node's answer: see [`Runtime::start`].
///
/// It holds the runtime until it finishes or is dropped. Dropping it rolls
/// the transaction back (for a block, the whole block): nothing of it is
/// written.
pub struct PendingTx<T> {
    call: PendingCall,
    /// `None` only once resumed or dropped.
    io: Option<Io<T>>,
}

/// The node's side of a started transaction: its channels, and where its
/// result comes when it ends.
struct Io<T> {
    up: Receiver<Up>,
    down: Sender<Down>,
    done: Receiver<Result<T, RuntimeError>>,
}

impl<T> fmt::Debug for PendingTx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingTx")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl<T> PendingTx<T> {
    /// The call waiting for an answer: module, function, arguments, and the
    /// calling contract's context.
    pub fn call(&self) -> &PendingCall {
        &self.call
    }

    /// The `len` bytes at `ptr` of the calling contract's memory.
    pub fn read_memory(&self, ptr: u32, len: u32) -> Result<Vec<u8>, AccessError> {
        self.access(Access::ReadMemory { ptr, len })
    }

    /// Writes `bytes` at `ptr` of the calling contract's memory, as an
    /// inline host function may (for a result that does not fit a value).
    pub fn write_memory(&self, ptr: u32, bytes: &[u8]) -> Result<(), AccessError> {
        self.access(Access::WriteMemory {
            ptr,
            bytes: bytes.to_vec(),
        })
        .map(drop)
    }

    /// The whole register `idx` of the calling contract's bank of width
    /// `bits`.
    pub fn read_register(&self, bits: u32, idx: u32) -> Result<Vec<u8>, AccessError> {
        self.access(Access::ReadRegister { bits, idx })
    }

    /// Sets register `idx` of the bank of width `bits` to `bytes`, zero
    /// padded on the right (as `Registers::set`).
    pub fn write_register(&self, bits: u32, idx: u32, bytes: &[u8]) -> Result<(), AccessError> {
        self.access(Access::WriteRegister {
            bits,
            idx,
            bytes: bytes.to_vec(),
        })
        .map(drop)
    }

    /// The calling frame's gas left, after the function's table cost and
    /// whatever [`charge`](Self::charge) took.
    pub fn gas_left(&self) -> Result<u64, AccessError> {
        let bytes = self.access(Access::GasLeft)?;
        let bytes: [u8; 8] = bytes.try_into().map_err(|_| AccessError::Gone)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Charges `gas` to the calling frame, as an inline function charges a
    /// cost that depends on what it does (`Host::charge`): the table's cost
    /// is charged already, before the node was asked. More than is left is
    /// [`AccessError::OutOfGas`] and leaves none; answer
    /// [`HostErrorKind::OutOfGas`] then, as the inline function would fail.
    pub fn charge(&self, gas: u64) -> Result<(), AccessError> {
        self.access(Access::Charge { gas }).map(drop)
    }

    fn access(&self, access: Access) -> Result<Vec<u8>, AccessError> {
        let io = self.io.as_ref().ok_or(AccessError::Gone)?;
        io.down
            .send(Down::Access(access))
            .map_err(|_| AccessError::Gone)?;
        match io.up.recv() {
            Ok(Up::Served(served)) => served,
            Ok(Up::Pending(_)) | Err(_) => Err(AccessError::Gone),
        }
    }
}

impl<T: Send + 'static> PendingTx<T> {
    /// Answers the call and lets the transaction go on, to its end or to
    /// its next external call.
    ///
    /// `Ok(value)` is the function's result (`None` for a function without
    /// one); `Err(kind)` fails the function as that error would inline:
    /// usually [`HostErrorKind::Denied`] (the contract's fault: a
    /// `host_error` receipt, or a failed call the caller can handle inside
    /// a nested call), and [`HostErrorKind::Host`] for a failure of the
    /// node (fatal: `Err(RuntimeError::HostFunction)`, nothing applied).
    /// An answer whose type is not the function's result type is such a
    /// fatal failure, naming the function and both types.
    pub fn resume(
        mut self,
        answer: Result<Option<Value>, HostErrorKind>,
    ) -> Result<Step<T>, RuntimeError> {
        let answer = answer.and_then(|value| check_answer(&self.call, value));
        let Some(io) = self.io.take() else {
            return Err(RuntimeError::Internal(
                "the pending transaction was used up".into(),
            ));
        };
        // A closed channel means the transaction ended: `next` takes its
        // result.
        let _ = io.down.send(Down::Answer(answer));
        next(io)
    }
}

impl<T> Drop for PendingTx<T> {
    fn drop(&mut self) {
        // The waiting function sees the closed channel and fails fatally;
        // the transaction unwinds and writes nothing.
        if let Some(Io { up, down, done }) = self.io.take() {
            drop(down);
            drop(up);
            // Wait until the transaction has unwound and the runtime is free.
            let _ = done.recv();
        }
    }
}

/// The answer, if its type is the function's result type.
fn check_answer(call: &PendingCall, value: Option<Value>) -> Result<Option<Value>, HostErrorKind> {
    let expected = call.function.results.first().copied();
    let got = value.map(Value::ty);
    if expected == got {
        return Ok(value);
    }
    let name = |t: Option<strata_host_fns::ValType>| t.map_or("no value", |t| t.wat());
    Err(HostErrorKind::Host(format!(
        "the node answered {} where the function returns {}",
        name(got),
        name(expected)
    )))
}

/// Waits for the transaction's next step: its next pending call, or its
/// end.
fn next<T>(io: Io<T>) -> Result<Step<T>, RuntimeError> {
    let Io { up, down, done } = io;
    match up.recv() {
        Ok(Up::Pending(call)) => Ok(Step::Pending(PendingTx {
            call,
            io: Some(Io { up, down, done }),
        })),
        Ok(Up::Served(_)) => {
            drop(down);
            drop(up);
            let _ = done.recv();
            Err(RuntimeError::Internal(
                "the transaction's thread answered an access nobody asked for".into(),
            ))
        }
        Err(_) => {
            // The link is dropped: the transaction is over.
            drop(down);
            match done.recv() {
                Ok(result) => result.map(Step::Done),
                Err(_) => Err(RuntimeError::Internal(
                    "the transaction's thread panicked".into(),
                )),
            }
        }
    }
}

impl<K: KvStore + 'static> Runtime<K> {
    /// Starts a transaction that may call external host functions: the
    /// same execution as [`execute`](Self::execute), and the same receipt
    /// and writes when it finishes, but a call of an external function
    /// stops it with [`Step::Pending`] until the node answers it with
    /// [`PendingTx::resume`].
    ///
    /// Without external modules it runs inline and is always
    /// [`Step::Done`]. With them it runs on the runtime's worker thread
    /// (see the module docs of `pending.rs` for why), and holds the runtime
    /// until it finishes or its [`PendingTx`] is dropped.
    pub fn start(
        &self,
        tx: &Transaction,
        block: BlockContext,
    ) -> Result<Step<Receipt>, RuntimeError> {
        let tx = tx.clone();
        self.start_with(move |runtime, link| {
            let mut receipt = None;
            runtime.run_block(std::slice::from_ref(&tx), block, link, |r| {
                receipt = Some(r)
            })?;
            receipt.ok_or_else(|| RuntimeError::Internal("a block of one gave no receipt".into()))
        })
    }

    /// Starts a block whose transactions may call external host functions:
    /// [`execute_block`](Self::execute_block) as [`start`](Self::start) is
    /// to `execute`. Each transaction is still atomic on its own, and the
    /// block reaches the store in one batch when it finishes; dropping a
    /// [`PendingTx`] of the block abandons the whole block.
    pub fn start_block(
        &self,
        txs: &[Transaction],
        block: BlockContext,
    ) -> Result<Step<BlockResult>, RuntimeError> {
        let txs = txs.to_vec();
        self.start_with(move |runtime, link| {
            let mut receipts = Vec::with_capacity(txs.len());
            let head = runtime.run_block(&txs, block, link, |r| receipts.push(r))?;
            Ok(BlockResult { receipts, head })
        })
    }

    /// Starts a read-only call that may call external host functions:
    /// [`query`](Self::query) as [`start`](Self::start) is to `execute`
    /// (nothing is ever written, whatever the answers).
    pub fn start_query(
        &self,
        call: &CallTx,
        block: BlockContext,
    ) -> Result<Step<Receipt>, RuntimeError> {
        if let Some(refused) =
            crate::admission::refuse(&self.shared.config, call.gas_limit, u64::MAX)
        {
            return Ok(Step::Done(refused));
        }
        let tx = Transaction::Call(call.clone());
        self.start_with(move |runtime, mut link| {
            crate::stack::with_stack(|| {
                let mut slot = crate::lock(&runtime.shared.exec);
                // A query's batch is always empty: nothing to write.
                runtime
                    .run_tx(&mut slot, &tx, block, true, &mut link)
                    .map(|(receipt, _)| receipt)
            })
        })
    }

    fn start_with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Runtime<K>, Option<ExternalLink>) -> Result<T, RuntimeError> + Send + 'static,
    ) -> Result<Step<T>, RuntimeError> {
        let mut gate = self.shared.enter()?;
        if !self.shared.external {
            return work(self, None).map(Step::Done);
        }
        // In flight until the job ends (`InFlight`), whatever happens.
        *gate = true;
        drop(gate);
        let in_flight = InFlight(Arc::clone(&self.shared));
        let (up_tx, up) = channel();
        let (down, down_rx) = channel();
        let (done_tx, done) = channel();
        let runtime = Runtime {
            shared: Arc::clone(&self.shared),
        };
        self.shared.run_on_worker(Box::new(move || {
            let link = ExternalLink {
                up: up_tx,
                down: down_rx,
            };
            let result = work(&runtime, Some(link));
            drop(runtime);
            // Free before the node hears of the end.
            drop(in_flight);
            let _ = done_tx.send(result);
        }))?;
        next(Io { up, down, done })
    }
}

/// A started transaction, as the worker thread runs it.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

impl<K: KvStore + 'static> crate::Shared<K> {
    /// Runs `job` on the runtime's worker thread, starting the thread on
    /// first use (or again, if a job's panic ended it). One thread serves
    /// every started transaction of the runtime, one after the other (they
    /// hold the execution lock anyway); it ends when the runtime is
    /// dropped.
    fn run_on_worker(&self, job: Job) -> Result<(), RuntimeError> {
        let mut worker = crate::lock(&self.worker);
        let job = match worker.as_ref() {
            Some(jobs) => match jobs.send(job) {
                Ok(()) => return Ok(()),
                // The thread ended (a job panicked): start another.
                Err(std::sync::mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (jobs, queue) = channel::<Job>();
        std::thread::Builder::new()
            .name("strata-tx".into())
            .stack_size(crate::stack::SEGMENT)
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    job();
                }
            })
            .map_err(|e| {
                RuntimeError::External(format!("cannot start the transactions' thread: {e}"))
            })?;
        jobs.send(job)
            .map_err(|_| RuntimeError::Internal("the transactions' thread ended at once".into()))?;
        *worker = Some(jobs);
        Ok(())
    }

    /// Passes the gate of an entry point that runs on the caller's thread:
    /// held while it runs, so that no transaction can be started meanwhile;
    /// [`RuntimeError::Busy`] while a started transaction is in flight.
    pub(crate) fn enter(&self) -> Result<MutexGuard<'_, bool>, RuntimeError> {
        let gate = crate::lock(&self.gate);
        if *gate {
            return Err(RuntimeError::Busy);
        }
        Ok(gate)
    }
}

/// The gate and the execution state, both held.
pub(crate) type Idle<'a, K> = (
    MutexGuard<'a, bool>,
    MutexGuard<'a, Option<Box<crate::exec::TxState<K>>>>,
);

impl<K: KvStore + 'static> crate::Shared<K> {
    /// The execution state, for the entry points that read or change the
    /// caches or the embedder's state between transactions; `None` while a
    /// started transaction is in flight, which holds that state.
    pub(crate) fn idle(&self) -> Option<Idle<'_, K>> {
        let gate = self.enter().ok()?;
        Some((gate, crate::lock(&self.exec)))
    }
}

/// Marks a started transaction in flight; dropped (when its job ends, or
/// was never run), it opens the runtime's gate again.
struct InFlight<K: KvStore + 'static>(Arc<crate::Shared<K>>);

impl<K: KvStore + 'static> Drop for InFlight<K> {
    fn drop(&mut self) {
        *crate::lock(&self.0.gate) = false;
    }
}
