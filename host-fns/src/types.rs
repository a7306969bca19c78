use parity_scale_codec::{Decode, Encode};
use strata_registers::RegisterError;
use strata_slices::SliceError;
use strata_vm_abstraction::MemoryError;

/// A 20-byte account address (defined in `strata-primitives`).
pub use strata_primitives::Address;

/// What a contract can learn about the call it runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Encode, Decode)]
pub struct CallContext {
    /// The executing contract.
    pub address: Address,
    /// Who called it: the transaction's sender, or the calling contract.
    pub sender: Address,
    /// The block height the transaction runs in.
    pub block_height: u64,
    /// The block time (seconds since the Unix epoch).
    pub block_time: u64,
}

/// A structured event a contract emitted: up to [`limits::MAX_TOPICS`]
/// 32-byte topics and a data payload.
#[derive(Clone, Debug, PartialEq, Eq, Default, Encode, Decode)]
pub struct Event {
    /// The emitting contract (filled in by the host).
    pub contract: Address,
    /// Indexed topics.
    pub topics: Vec<[u8; 32]>,
    /// Unindexed data.
    pub data: Vec<u8>,
}

/// How a contract-to-contract call ended, as the `strata.call` host function
/// returns it to the caller (an `i32` status code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum CallStatus {
    /// The callee returned normally; its writes are kept.
    Success = 0,
    /// The callee failed (trap, abort, out of gas, host error); its writes
    /// were rolled back. Its error message is the call's return data.
    Failed = 1,
    /// There is no contract at the address.
    NoContract = 2,
    /// The callee exports no function by that name that takes no
    /// parameters (contract calls pass input bytes; results are dropped).
    NoFunction = 3,
    /// The callee is already on the call stack and re-entry is disabled.
    Reentrancy = 4,
    /// The call would exceed the call depth limit.
    DepthLimit = 5,
}

impl CallStatus {
    /// The status code a contract sees.
    pub const fn code(self) -> i32 {
        self as i32
    }
}

/// The host functions' limits on what a contract may pass.
pub mod limits {
    /// The most topics an event may have.
    pub const MAX_TOPICS: u32 = 4;
    /// The most bytes of data an event may carry.
    pub const MAX_EVENT_DATA: u32 = 64 * 1024;
    /// The most bytes of a debug log message or an abort message.
    pub const MAX_MESSAGE: u32 = 4 * 1024;
    /// The most bytes of return data.
    pub const MAX_RETURN_DATA: u32 = 64 * 1024;
    /// The most bytes of a called function's name.
    pub const MAX_FUNCTION_NAME: u32 = 256;
    /// The most bytes of a contract call's input.
    pub const MAX_CALL_INPUT: u32 = 64 * 1024;
}

/// Why a storage access of the host failed, before the host function names
/// the argument at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageFault {
    /// The page index is at or past the contract's page count.
    #[error("page {page} is out of range: the contract has {page_count} pages")]
    PageOutOfRange {
        /// The page asked for.
        page: u32,
        /// The contract's page count.
        page_count: u32,
    },
    /// The slice does not lie inside one page.
    #[error("{len} bytes at offset {offset} cross the end of the {page_size}-byte page")]
    CrossesPage {
        /// The offset.
        offset: u32,
        /// The length.
        len: u32,
        /// The page size.
        page_size: u32,
    },
    /// A write during a read-only query.
    #[error("storage is read-only in a query")]
    ReadOnly,
    /// Charging for the access ran out of gas.
    #[error("out of gas")]
    OutOfGas,
    /// The store beneath failed (not the contract's fault).
    #[error("storage failed: {0}")]
    Failed(String),
}

impl From<SliceError> for StorageFault {
    fn from(e: SliceError) -> Self {
        match e {
            SliceError::CrossesPage { offset, len, .. } => StorageFault::CrossesPage {
                offset,
                len,
                page_size: strata_slices::PAGE_SIZE as u32,
            },
            SliceError::Page(strata_pages::PageError::PageOutOfRange { index, page_count }) => {
                StorageFault::PageOutOfRange {
                    page: index,
                    page_count,
                }
            }
            other => StorageFault::Failed(other.to_string()),
        }
    }
}

/// The most bytes a map key may have (`strata-maps`' `MAX_KEY_LEN`).
pub const MAX_MAP_KEY: u32 = 256;
/// The most bytes a map value may have (`strata-maps`' `MAX_VALUE_LEN`).
pub const MAX_MAP_VALUE: u32 = 4096;

/// A map entry's value as host functions see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapValue {
    /// Plain bytes (at most [`MAX_MAP_VALUE`]).
    Bytes(Vec<u8>),
    /// The 32-byte root of a nested map.
    Map([u8; 32]),
}

impl MapValue {
    /// The value's bytes (a nested map's root for [`MapValue::Map`]).
    pub fn bytes(&self) -> &[u8] {
        match self {
            MapValue::Bytes(b) => b,
            MapValue::Map(root) => root,
        }
    }
}

/// Why a map access of the host failed, before the host function names the
/// argument at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapFault {
    /// The slice holding the map's root (or a nested root's slice) is not
    /// readable or writable: out of the pages, across a page end, a write
    /// in a query, out of gas, or the store failed.
    #[error(transparent)]
    Storage(#[from] StorageFault),
    /// A key over [`MAX_MAP_KEY`] bytes.
    #[error("a key of {len} bytes is over the {MAX_MAP_KEY}-byte limit")]
    KeyTooLong {
        /// The key's length.
        len: u32,
    },
    /// A value over [`MAX_MAP_VALUE`] bytes.
    #[error("a value of {len} bytes is over the {MAX_MAP_VALUE}-byte limit")]
    ValueTooLong {
        /// The value's length.
        len: u32,
    },
    /// The root slice holds 32 bytes that are neither zeros (the empty map)
    /// nor the root of a stored map: it was written as something else, or
    /// corrupted.
    #[error("the slice holds {root}, which is not the root of a map")]
    NoSuchMap {
        /// The root, in hex.
        root: String,
    },
    /// The root given as a nested map's value names no map.
    #[error("the nested map root {root} is not the root of a map")]
    NoSuchNestedMap {
        /// The root, in hex.
        root: String,
    },
    /// The entry holds bytes where a nested map was asked for.
    #[error("the entry holds bytes, not a nested map")]
    NotAMap,
}

/// What went wrong in a host function, and with which argument.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostErrorKind {
    /// A pointer and length outside guest memory.
    #[error("argument `{arg}`: {error}")]
    Memory {
        /// The argument at fault.
        arg: &'static str,
        /// The failed access.
        error: MemoryError,
    },
    /// A bad register width, index, length or offset.
    #[error("argument `{arg}`: {error}")]
    Register {
        /// The argument at fault.
        arg: &'static str,
        /// What the register bank said.
        error: RegisterError,
    },
    /// Any other invalid argument value.
    #[error("argument `{arg}`: {reason}")]
    InvalidArgument {
        /// The argument at fault.
        arg: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A map access failed on a key, a value or a root.
    #[error("argument `{arg}`: {fault}")]
    Map {
        /// The argument at fault.
        arg: &'static str,
        /// What is wrong.
        fault: MapFault,
    },
    /// The transaction's gas ran out.
    #[error("out of gas")]
    OutOfGas,
    /// A write during a read-only query.
    #[error("a read-only query may not write")]
    ReadOnly,
    /// The contract called `abort` with this message.
    #[error("contract aborted: {message}")]
    Abort {
        /// The contract's message.
        message: String,
    },
    /// The host function refuses what the contract asked for a reason of
    /// its own: an embedder's rule (an unknown account in the node's
    /// ledger, an operation its chain forbids), not a fault of an argument,
    /// of memory or of gas. The contract's fault: the transaction fails with
    /// a `host_error` receipt, its writes are rolled back and its gas is
    /// charged; inside a nested call, the caller sees the call fail.
    #[error("refused: {0}")]
    Denied(String),
    /// The host itself failed (storage I/O, a corrupt record, an embedder's
    /// host function that cannot go on): not the contract's fault. There is
    /// no receipt: the transaction, and the block it is in, are not
    /// applied, and the runtime returns the failure as a fatal error (in
    /// `strata-runtime`, `RuntimeError::HostFunction` naming the function,
    /// or the typed error the runtime's own host met). Raise this only
    /// when every node would not fail the same way, or when going on would
    /// be wrong.
    #[error("host failure: {0}")]
    Host(String),
}

impl HostErrorKind {
    /// Names `arg` as the argument of a failed memory access.
    pub fn memory(arg: &'static str) -> impl FnOnce(MemoryError) -> Self {
        move |error| HostErrorKind::Memory { arg, error }
    }

    /// An invalid-argument error.
    pub fn invalid(arg: &'static str, reason: impl Into<String>) -> Self {
        HostErrorKind::InvalidArgument {
            arg,
            reason: reason.into(),
        }
    }

    /// Names the argument of a failed register access: the width argument,
    /// the index argument, or (for lengths and offsets) `other`.
    pub fn register(
        bits: &'static str,
        idx: &'static str,
        other: &'static str,
    ) -> impl FnOnce(RegisterError) -> Self {
        move |error| {
            let arg = match &error {
                RegisterError::UnknownWidth { .. } | RegisterError::TooNarrow { .. } => bits,
                RegisterError::IndexOutOfRange { .. } => idx,
                _ => other,
            };
            HostErrorKind::Register { arg, error }
        }
    }

    /// Names the arguments of a failed map access: the root slice's page
    /// and offset, the key, and the value (or the nested root's slice).
    pub fn map(
        page: &'static str,
        offset: &'static str,
        key: &'static str,
        value: &'static str,
    ) -> impl FnOnce(MapFault) -> Self {
        move |fault| match fault {
            MapFault::Storage(f) => HostErrorKind::storage(page, offset)(f),
            MapFault::KeyTooLong { .. } | MapFault::NotAMap => {
                HostErrorKind::Map { arg: key, fault }
            }
            MapFault::ValueTooLong { .. } | MapFault::NoSuchNestedMap { .. } => {
                HostErrorKind::Map { arg: value, fault }
            }
            MapFault::NoSuchMap { .. } => HostErrorKind::Map { arg: offset, fault },
        }
    }

    /// Names the arguments of a failed storage access.
    pub fn storage(page: &'static str, offset: &'static str) -> impl FnOnce(StorageFault) -> Self {
        move |fault| match fault {
            StorageFault::PageOutOfRange { .. } => HostErrorKind::invalid(page, fault.to_string()),
            StorageFault::CrossesPage { .. } => HostErrorKind::invalid(offset, fault.to_string()),
            StorageFault::ReadOnly => HostErrorKind::ReadOnly,
            StorageFault::OutOfGas => HostErrorKind::OutOfGas,
            StorageFault::Failed(msg) => HostErrorKind::Host(msg),
        }
    }
}

/// A host function's failure: which function, and what went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("host function {module}.{function}: {kind}")]
pub struct HostError {
    /// The import module (`svm`, `strata`, or an embedder's).
    pub module: &'static str,
    /// The function's name.
    pub function: &'static str,
    /// What went wrong.
    pub kind: HostErrorKind,
}

impl HostError {
    /// The error of `module.function`.
    pub fn new(module: &'static str, function: &'static str, kind: HostErrorKind) -> Self {
        HostError {
            module,
            function,
            kind,
        }
    }
}

#[cfg(feature = "wasmi")]
impl wasmi::errors::HostError for HostError {}
