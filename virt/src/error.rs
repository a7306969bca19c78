//! The errors of each step, with stable numeric codes and SCALE encoding.

use parity_scale_codec::{Decode, Encode};

/// Why a program could not be instantiated.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum InstantiateError {
    /// The program is not valid wasm, breaks a determinism rule, imports
    /// something that is not a syscall, or wasmi refused to instantiate it.
    /// The message says which rule and where.
    #[codec(index = 1)]
    #[error("invalid program image: {0}")]
    InvalidImage(String),
}

impl InstantiateError {
    /// The stable numeric code of this error (never reused, never renumbered).
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidImage(_) => 1,
        }
    }
}

/// Why a [`run`](crate::Virt::run) step failed.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum ExecError {
    /// The action does not fit the instance's state: `Resume` when it is not
    /// stopped at a syscall, `Refuel` when it did not run out of gas,
    /// `Execute` while it is stopped at a syscall, or any step after
    /// [`destroy`](crate::Virt::destroy). The instance is left as it was.
    #[codec(index = 1)]
    #[error("invalid instance state: {0}")]
    InvalidInstance(String),
    /// `Execute` named a function the program does not export, or one that
    /// takes arguments or returns values (it must be `() -> ()`).
    #[codec(index = 2)]
    #[error("invalid entry point: {0}")]
    InvalidImage(String),
    /// The gas ran out. Usually the instance keeps its place
    /// ([`Virt::gas_required`](crate::Virt::gas_required) is `Some`):
    /// `run(more_gas, ExecAction::Refuel)` continues from there. If the gas
    /// ran out inside an operation wasmi cannot suspend, `gas_required` is
    /// `None` and the call is over.
    #[codec(index = 3)]
    #[error("out of gas; resume with ExecAction::Refuel and more gas to continue")]
    OutOfGas,
    /// The program trapped (unreachable, out-of-bounds access, division by
    /// zero, stack overflow, ...). The call is over; the instance may
    /// `Execute` again.
    #[codec(index = 4)]
    #[error("the program trapped: {0}")]
    Trap(String),
}

impl ExecError {
    /// The stable numeric code of this error (never reused, never renumbered).
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidInstance(_) => 1,
            Self::InvalidImage(_) => 2,
            Self::OutOfGas => 3,
            Self::Trap(_) => 4,
        }
    }
}

/// Why an access to the instance's memory failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum MemoryError {
    /// The instance was destroyed.
    #[codec(index = 1)]
    #[error("invalid instance: the instance was destroyed")]
    InvalidInstance,
    /// `len` bytes at `pos` do not fit a memory of `size` bytes.
    #[codec(index = 2)]
    #[error(
        "memory access out of bounds: {len} bytes at position {pos} in a memory of {size} bytes"
    )]
    OutOfBounds {
        /// Position of the first byte accessed.
        pos: u32,
        /// Number of bytes accessed.
        len: u64,
        /// Size of the memory in bytes.
        size: u64,
    },
}

impl MemoryError {
    /// The stable numeric code of this error (never reused, never renumbered).
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidInstance => 1,
            Self::OutOfBounds { .. } => 2,
        }
    }
}

impl From<strata_vm_abstraction::MemoryError> for MemoryError {
    fn from(e: strata_vm_abstraction::MemoryError) -> Self {
        Self::OutOfBounds {
            pos: e.position(),
            len: e.length(),
            size: u64::try_from(e.memory_size()).unwrap_or(u64::MAX),
        }
    }
}
