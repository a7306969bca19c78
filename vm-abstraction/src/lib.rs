//! The one way Strata host code touches a guest's linear memory.
//!
//! A host function (a function the guest imports, such as `storage_get`) reads its
//! arguments out of guest memory and writes its results back into it. This crate gives
//! that access a single shape, the [`CustomContextVM`] trait, so every host function is
//! written once, generic over the memory, and runs unchanged over any VM backend:
//!
//! - `strata-host-fns` implements every host function over `M: CustomContextVM + ?Sized`;
//! - `strata-runtime` binds those functions to wasmi, handing them a `WasmiMemory`
//!   built from the wasmi `Caller` of the current host call (feature `wasmi`, on by default),
//!   or to wasmtime, handing them a `WasmtimeMemory` (feature `wasmtime`);
//! - tests and benches run the same host functions natively on a `Vec<u8>` or a
//!   `&mut [u8]`, without a VM at all.
//!
//! The idea comes from Zephyr's fork of Soroban (a `CustomContextVM` trait with `read`,
//! `data`, `write` and `data_mut`). Ours differs in one deliberate way: **every access is
//! bounds-checked and fallible.** Positions and lengths come straight from the guest,
//! which is untrusted code, so an access outside the memory is an ordinary, expected
//! outcome — it must become a [`MemoryError`] the host function can turn into a trap,
//! never a host panic. The bounds rule lives in exactly one place, [`check_range`], and
//! every backend goes through it.
//!
//! Positions and lengths are `u32` because wasm32 pointers are: a host function receives
//! `i32` arguments and reinterprets them with `as u32`. An access of `len` bytes at `pos`
//! is valid iff `pos + len <= size`, computed without overflow. An empty access at
//! `pos == size` is valid and yields an empty slice.
//!
//! # Example
//!
//! A host-function body written once over the trait, exercised on a `Vec<u8>`:
//!
//! ```
//! use strata_vm_abstraction::{CustomContextVM, MemoryError};
//!
//! /// Reverses `len` bytes at `ptr` in place (the guest passes both as `i32`).
//! fn reverse<M: CustomContextVM + ?Sized>(mem: &mut M, ptr: i32, len: i32) -> Result<(), MemoryError> {
//!     mem.data_mut(ptr as u32, len as u32)?.reverse();
//!     Ok(())
//! }
//!
//! let mut mem = b"hello, world".to_vec();
//! reverse(&mut mem, 0, 5)?;
//! assert_eq!(mem, b"olleh, world");
//!
//! // Out of bounds is an error, not a panic, and the memory is left untouched.
//! let err = reverse(&mut mem, 10, 5).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "guest memory access out of bounds: 5 bytes at position 10 in a memory of 12 bytes",
//! );
//! assert_eq!(mem, b"olleh, world");
//! # Ok::<(), MemoryError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bytes;
mod error;
#[cfg(feature = "wasmi")]
mod wasmi_backend;
#[cfg(feature = "wasmtime")]
mod wasmtime_backend;

use core::ops::Range;

pub use error::{MemoryError, VmError};
/// The export name under which a guest must expose its linear memory.
pub const MEMORY_EXPORT: &str = "memory";
#[cfg(feature = "wasmi")]
pub use wasmi_backend::WasmiMemory;
#[cfg(feature = "wasmtime")]
pub use wasmtime_backend::WasmtimeMemory;

/// A guest's linear memory, as host code sees it.
///
/// Every method is bounds-checked: an access of `len` bytes at `pos` succeeds iff
/// `pos + len <= self.size()` (computed without overflow, see [`check_range`]);
/// otherwise it returns a [`MemoryError`] and leaves both the memory and any caller
/// buffer untouched. The trait is object-safe, so `&mut dyn CustomContextVM` works too.
///
/// Implementors provide [`size`](Self::size), [`data`](Self::data) and
/// [`data_mut`](Self::data_mut); [`read`](Self::read) and [`write`](Self::write) have
/// default implementations in terms of those. `data` and `data_mut` must return
/// exactly `len` bytes on success.
pub trait CustomContextVM {
    /// The memory size in bytes.
    fn size(&self) -> usize;

    /// A borrowed, read-only view of `len` bytes at `pos`, without copying.
    fn data(&self, pos: u32, len: u32) -> Result<&[u8], MemoryError>;

    /// A borrowed, writable view of `len` bytes at `pos`, without copying.
    fn data_mut(&mut self, pos: u32, len: u32) -> Result<&mut [u8], MemoryError>;

    /// Copies `buf.len()` bytes at `pos` out of the memory into `buf`.
    ///
    /// On error `buf` is left unchanged.
    fn read(&self, pos: u32, buf: &mut [u8]) -> Result<(), MemoryError> {
        let len = host_len(pos, buf.len(), self.size())?;
        buf.copy_from_slice(self.data(pos, len)?);
        Ok(())
    }

    /// Copies `bytes` into the memory at `pos`.
    ///
    /// On error the memory is left unchanged: nothing is written unless all of
    /// `bytes` fits.
    fn write(&mut self, pos: u32, bytes: &[u8]) -> Result<(), MemoryError> {
        let len = host_len(pos, bytes.len(), self.size())?;
        self.data_mut(pos, len)?.copy_from_slice(bytes);
        Ok(())
    }
}

/// The bounds rule, in one place: the byte range of an access of `len` bytes at `pos` in
/// a memory of `size` bytes.
///
/// Returns `pos..pos + len` iff `pos + len <= size`, with the sum computed in `u64` so it
/// cannot overflow. An empty access at `pos == size` is valid. Otherwise returns
/// [`MemoryError::AddressOverflow`] if `pos + len` does not fit in a `u32` (the access
/// lies outside any wasm32 address space), else [`MemoryError::OutOfBounds`].
///
/// ```
/// use strata_vm_abstraction::{check_range, MemoryError};
///
/// assert_eq!(check_range(65535, 1, 65536), Ok(65535..65536));
/// assert_eq!(check_range(65536, 0, 65536), Ok(65536..65536));
/// assert_eq!(
///     check_range(65530, 16, 65536),
///     Err(MemoryError::OutOfBounds { pos: 65530, len: 16, size: 65536 }),
/// );
/// assert_eq!(
///     check_range(u32::MAX, 2, 65536),
///     Err(MemoryError::AddressOverflow { pos: u32::MAX, len: 2, size: 65536 }),
/// );
/// ```
pub fn check_range(pos: u32, len: u32, size: usize) -> Result<Range<usize>, MemoryError> {
    let end = u64::from(pos) + u64::from(len);
    match (usize::try_from(pos), usize::try_from(end)) {
        (Ok(start), Ok(end)) if end <= size => Ok(start..end),
        _ => Err(MemoryError::new(pos, u64::from(len), size)),
    }
}

/// The length of a host buffer as a guest length, or the error for an access that
/// cannot fit any wasm32 memory (a host buffer longer than `u32::MAX` bytes).
fn host_len(pos: u32, len: usize, size: usize) -> Result<u32, MemoryError> {
    u32::try_from(len)
        .map_err(|_| MemoryError::new(pos, u64::try_from(len).unwrap_or(u64::MAX), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_range_accepts_exactly_the_in_bounds_accesses() {
        assert_eq!(check_range(0, 0, 0), Ok(0..0));
        assert_eq!(check_range(0, 4, 4), Ok(0..4));
        assert_eq!(check_range(4, 0, 4), Ok(4..4));
        assert_eq!(check_range(3, 1, 4), Ok(3..4));
        assert_eq!(
            check_range(4, 1, 4),
            Err(MemoryError::OutOfBounds {
                pos: 4,
                len: 1,
                size: 4
            })
        );
        assert_eq!(
            check_range(5, 0, 4),
            Err(MemoryError::OutOfBounds {
                pos: 5,
                len: 0,
                size: 4
            })
        );
        assert_eq!(
            check_range(0, 1, 0),
            Err(MemoryError::OutOfBounds {
                pos: 0,
                len: 1,
                size: 0
            })
        );
    }

    #[test]
    #[cfg(target_pointer_width = "64")] // Uses sizes of 4 GiB and more.
    fn check_range_never_overflows() {
        assert_eq!(
            check_range(u32::MAX, u32::MAX, usize::MAX),
            Ok(u32::MAX as usize..2 * u32::MAX as usize)
        );
        assert_eq!(
            check_range(u32::MAX, 2, 16),
            Err(MemoryError::AddressOverflow {
                pos: u32::MAX,
                len: 2,
                size: 16
            })
        );
        assert_eq!(
            check_range(1, u32::MAX, 16),
            Err(MemoryError::AddressOverflow {
                pos: 1,
                len: u64::from(u32::MAX),
                size: 16
            })
        );
        // The end of a full 4 GiB wasm32 memory is a valid bound.
        let four_gib = 1usize << 32;
        assert_eq!(
            check_range(u32::MAX, 1, four_gib),
            Ok(u32::MAX as usize..four_gib)
        );
        // Reaching but not passing u32::MAX is merely out of bounds.
        assert_eq!(
            check_range(u32::MAX, 0, 16),
            Err(MemoryError::OutOfBounds {
                pos: u32::MAX,
                len: 0,
                size: 16
            })
        );
    }

    #[test]
    fn messages_say_what_went_wrong() {
        assert_eq!(
            MemoryError::new(65530, 16, 65536).to_string(),
            "guest memory access out of bounds: 16 bytes at position 65530 in a memory of 65536 bytes"
        );
        assert_eq!(
            MemoryError::new(u32::MAX, 2, 65536).to_string(),
            "guest memory access overflows the 32-bit address space: 2 bytes at position \
             4294967295 end at 4294967297, past 4294967295 (memory of 65536 bytes)"
        );
        assert_eq!(
            VmError::NoMemoryExport.to_string(),
            "the guest module does not export a linear memory named \"memory\""
        );
        assert_eq!(
            VmError::from(MemoryError::new(1, 2, 0)).to_string(),
            MemoryError::new(1, 2, 0).to_string()
        );
    }

    #[test]
    fn accessors_report_the_access() {
        for pos in [7, u32::MAX] {
            let err = MemoryError::new(pos, 9, 10);
            assert_eq!(err.position(), pos);
            assert_eq!(err.length(), 9);
            assert_eq!(err.memory_size(), 10);
        }
        assert!(!MemoryError::new(7, 9, 10).is_address_overflow());
        assert!(MemoryError::new(u32::MAX, 9, 10).is_address_overflow());
    }
}
