//! External host functions: functions of an embedder's module that the
//! node answers later, from outside the transaction.
//!
//! A transaction started with `Runtime::start` runs on a worker thread of
//! its own (`crate::pending`), and its state carries an [`ExternalLink`]:
//! two channels to the node. When a contract calls an external function,
//! the function charges the table's gas exactly as an inline one does,
//! sends the node a [`PendingCall`], and blocks its thread, at whatever
//! depth of nested calls it is, serving the node's reads and writes of the
//! caller's memory and registers until the node answers. The answer (a
//! value or a [`HostErrorKind`]) is what the function returns, so from the
//! contract's side, and in the receipt, nothing tells the two apart.

use std::sync::mpsc::{Receiver, Sender};

use smallvec::SmallVec;
use strata_host_fns::{
    CallContext, CustomContextVM, Host, HostError, HostErrorKind, HostFnDesc, MemoryError, ValType,
    Value, WasmiState, with_wasmi_host,
};
use strata_kv::KvStore;
use strata_registers::RegisterError;
use wasmi::{FuncType, Linker, Val};

use super::TxHost;

/// A call of an external host function, waiting for the node's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingCall {
    /// The function, as its module declares it (module, name, parameters,
    /// result, gas).
    pub function: &'static HostFnDesc,
    /// The arguments the contract passed, in order.
    pub args: Vec<Value>,
    /// The calling contract's context (its address, its caller, the
    /// block), as an inline function sees it through `Host::context`.
    pub context: CallContext,
    /// How many contract frames are running: 1 for the transaction's own
    /// contract, 2 inside a contract it called, and so on.
    pub depth: u32,
}

impl PendingCall {
    /// The import module's name.
    pub fn module(&self) -> &'static str {
        self.function.module
    }

    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.function.name
    }
}

/// Why a read or write of a pending call's memory or registers failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// Outside the calling contract's memory.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// No such register, or bytes that do not fit it.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// The gas the node charged is more than the frame has left; the frame
    /// now has none (answer [`HostErrorKind::OutOfGas`], as an inline
    /// function's failed charge would).
    #[error("out of gas")]
    OutOfGas,
    /// The transaction is no longer waiting (its thread ended: a bug of the
    /// runtime; the transaction is not applied).
    #[error("the transaction is no longer waiting for an answer")]
    Gone,
}

/// What the node asks of a waiting external function.
pub(crate) enum Down {
    /// Read or write the caller's memory or registers.
    Access(Access),
    /// The function's result.
    Answer(Result<Option<Value>, HostErrorKind>),
}

/// An access to the calling contract's memory, registers or gas.
pub(crate) enum Access {
    GasLeft,
    Charge { gas: u64 },
    ReadMemory { ptr: u32, len: u32 },
    WriteMemory { ptr: u32, bytes: Vec<u8> },
    ReadRegister { bits: u32, idx: u32 },
    WriteRegister { bits: u32, idx: u32, bytes: Vec<u8> },
}

/// What the transaction's thread tells the node.
pub(crate) enum Up {
    /// An external function waits for an answer.
    Pending(PendingCall),
    /// The outcome of an [`Access`] (the bytes read, none for a write).
    Served(Result<Vec<u8>, AccessError>),
}

/// The transaction's side of its channels to the node. It moves with the
/// transaction's state from frame to frame, and only exists in a
/// transaction started with `Runtime::start`.
pub(crate) struct ExternalLink {
    pub up: Sender<Up>,
    pub down: Receiver<Down>,
}

/// The wasmi type of a table type.
fn wasm_type(t: ValType) -> wasmi::ValType {
    match t {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
    }
}

/// Defines `function` in `linker` as an external function.
pub(crate) fn link<K: KvStore + 'static>(
    linker: &mut Linker<WasmiState<TxHost<K>>>,
    function: &'static HostFnDesc,
) -> Result<(), wasmi::errors::LinkerError> {
    let ty = FuncType::new(
        function.params.iter().map(|(_, t)| wasm_type(*t)),
        function.results.iter().map(|t| wasm_type(*t)),
    );
    // Under its symbol, as the table links it (deploy renames the import of
    // a variant to its symbol).
    linker.func_new(
        function.module,
        function.symbol,
        ty,
        move |mut caller, params, results| {
            // wasmi checked the arguments against the declared types.
            let args: SmallVec<[Value; 6]> = params
                .iter()
                .map(|v| match v {
                    Val::I64(x) => Value::I64(*x),
                    Val::I32(x) => Value::I32(*x),
                    _ => Value::I32(0),
                })
                .collect();
            let value = with_wasmi_host(&mut caller, |mem, host| {
                call(function, mem, host, &args)
                    .map_err(|kind| HostError::new(function.module, function.name, kind))
            })?;
            if let (Some(slot), Some(value)) = (results.first_mut(), value) {
                *slot = match value {
                    Value::I32(x) => Val::I32(x),
                    Value::I64(x) => Val::I64(x),
                };
            }
            Ok(())
        },
    )?;
    Ok(())
}

/// The value of the argument that counts the bytes of a per-byte cost, as
/// the table's wrapper reads it (`len as u32`).
fn length_argument(function: &HostFnDesc, args: &[Value]) -> u32 {
    let Some((_, name)) = function.gas.per_byte else {
        return 0;
    };
    function
        .params
        .iter()
        .zip(args)
        .find(|((param, _), _)| *param == name)
        .map_or(0, |(_, value)| match *value {
            Value::I32(x) => x as u32,
            Value::I64(x) => x as u32,
        })
}

/// One call of an external function: the table's gas, then the node's
/// answer.
fn call<K: KvStore + 'static>(
    function: &'static HostFnDesc,
    mem: &mut dyn CustomContextVM,
    host: &mut TxHost<K>,
    args: &[Value],
) -> Result<Option<Value>, HostErrorKind> {
    host.charge(function.gas.for_len(length_argument(function, args)))?;
    let Some(state) = host.state.as_deref_mut() else {
        return Err(HostErrorKind::Host(
            "the transaction state is in use by a nested call".into(),
        ));
    };
    let depth = state.call_stack.len() as u32;
    let Some(link) = state.external.take() else {
        return Err(HostErrorKind::Host(format!(
            "{}.{} is an external host function, answered by the node: run the \
             transaction with Runtime::start, start_block or start_query, not execute or \
             query",
            function.module, function.name
        )));
    };
    let pending = PendingCall {
        function,
        args: args.to_vec(),
        context: host.context,
        depth,
    };
    let answer = ask(&link, pending, mem, host);
    if let Some(state) = host.state.as_deref_mut() {
        state.external = Some(link);
    }
    answer
}

/// Hands the node `pending` and serves its accesses until it answers. A
/// node that dropped the pending transaction is a fatal error, so that
/// nothing of the transaction is applied.
fn ask<H: Host + ?Sized>(
    link: &ExternalLink,
    pending: PendingCall,
    mem: &mut dyn CustomContextVM,
    host: &mut H,
) -> Result<Option<Value>, HostErrorKind> {
    let dropped = || HostErrorKind::Host("the node dropped the pending transaction".into());
    link.up.send(Up::Pending(pending)).map_err(|_| dropped())?;
    loop {
        match link.down.recv() {
            Ok(Down::Answer(answer)) => return answer,
            Ok(Down::Access(access)) => {
                let served = serve(access, mem, host);
                link.up.send(Up::Served(served)).map_err(|_| dropped())?;
            }
            Err(_) => return Err(dropped()),
        }
    }
}

/// Does one access of the node.
fn serve<H: Host + ?Sized>(
    access: Access,
    mem: &mut dyn CustomContextVM,
    host: &mut H,
) -> Result<Vec<u8>, AccessError> {
    match access {
        Access::GasLeft => Ok(host.gas_left().to_le_bytes().to_vec()),
        Access::Charge { gas } => {
            host.charge(gas).map_err(|_| AccessError::OutOfGas)?;
            Ok(Vec::new())
        }
        Access::ReadMemory { ptr, len } => Ok(mem.data(ptr, len)?.to_vec()),
        Access::WriteMemory { ptr, bytes } => {
            mem.write(ptr, &bytes)?;
            Ok(Vec::new())
        }
        Access::ReadRegister { bits, idx } => Ok(host.registers().get(bits, idx)?.to_vec()),
        Access::WriteRegister { bits, idx, bytes } => {
            host.registers().set(bits, idx, &bytes)?;
            Ok(Vec::new())
        }
    }
}
