//! The errors of guest-memory access.

/// A guest-memory access that does not fit the memory.
///
/// Carries the position and length the guest asked for and the memory size at the time,
/// so the message says exactly which access failed. `len` is a `u64` because a host
/// buffer passed to [`read`](crate::CustomContextVM::read) or
/// [`write`](crate::CustomContextVM::write) may be longer than any `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// `pos + len` exceeds the memory size.
    #[error(
        "guest memory access out of bounds: {len} bytes at position {pos} in a memory of {size} bytes"
    )]
    OutOfBounds {
        /// Position of the first byte accessed.
        pos: u32,
        /// Number of bytes accessed.
        len: u64,
        /// Size of the memory in bytes.
        size: usize,
    },
    /// `pos + len` does not even fit in a `u32`: the access runs past the end of the
    /// 32-bit address space, so no wasm32 memory can contain it. Usually a negative
    /// `i32` length or a corrupted pointer on the guest side.
    #[error(
        "guest memory access overflows the 32-bit address space: {len} bytes at position {pos} \
         end at {end}, past {max} (memory of {size} bytes)",
        end = u64::from(*pos) + *len,
        max = u32::MAX
    )]
    AddressOverflow {
        /// Position of the first byte accessed.
        pos: u32,
        /// Number of bytes accessed.
        len: u64,
        /// Size of the memory in bytes.
        size: usize,
    },
}

impl MemoryError {
    /// The error for a rejected access of `len` bytes at `pos` in a memory of `size`
    /// bytes: [`AddressOverflow`](Self::AddressOverflow) if `pos + len` does not fit in a
    /// `u32`, else [`OutOfBounds`](Self::OutOfBounds). It does not check that the access
    /// is actually out of bounds; [`check_range`](crate::check_range) does.
    pub fn new(pos: u32, len: u64, size: usize) -> Self {
        match u64::from(pos).checked_add(len) {
            Some(end) if end <= u64::from(u32::MAX) => Self::OutOfBounds { pos, len, size },
            _ => Self::AddressOverflow { pos, len, size },
        }
    }

    /// Position of the first byte of the failed access.
    pub fn position(&self) -> u32 {
        match *self {
            Self::OutOfBounds { pos, .. } | Self::AddressOverflow { pos, .. } => pos,
        }
    }

    /// Length in bytes of the failed access.
    pub fn length(&self) -> u64 {
        match *self {
            Self::OutOfBounds { len, .. } | Self::AddressOverflow { len, .. } => len,
        }
    }

    /// Size in bytes of the memory the access was checked against.
    pub fn memory_size(&self) -> usize {
        match *self {
            Self::OutOfBounds { size, .. } | Self::AddressOverflow { size, .. } => size,
        }
    }

    /// Whether `pos + len` runs past the 32-bit address space.
    pub fn is_address_overflow(&self) -> bool {
        matches!(self, Self::AddressOverflow { .. })
    }
}

/// An error reaching guest memory from a host call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VmError {
    /// The calling instance exports no linear memory under the name `"memory"` (or the
    /// host function was invoked from the host rather than from a guest instance). The
    /// guest must export its memory, e.g. `(memory (export "memory") 1)` in WAT; Rust
    /// guests built for `wasm32-unknown-unknown` do so by default.
    #[error("the guest module does not export a linear memory named \"memory\"")]
    NoMemoryExport,
    /// An access to guest memory was out of bounds.
    #[error(transparent)]
    Memory(#[from] MemoryError),
}

/// Lets a host function trap with these errors (`wasmi::Error::host(err)`) and the
/// runtime get them back with `downcast_ref`; only this crate can write these impls.
#[cfg(feature = "wasmi")]
mod host_error {
    impl wasmi::errors::HostError for super::MemoryError {}
    impl wasmi::errors::HostError for super::VmError {}
}
