//! The wasmi 2 backend: guest memory seen from inside a wasmi host call.

use core::fmt;

use wasmi::{Caller, Extern};

use crate::{CustomContextVM, MEMORY_EXPORT, MemoryError, VmError};

/// The calling guest's linear memory, borrowed for the duration of one wasmi host call.
///
/// Obtained with [`WasmiMemory::from_caller`], together with the store's host context.
/// The view is valid for the duration of the host call: guest memory cannot grow while
/// the host function runs (`memory.grow` is guest code, and the borrow of the `Caller`
/// keeps the host from growing it through the store), so the slice never goes stale.
/// Drop it before anything else needs the `Caller`.
pub struct WasmiMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> WasmiMemory<'a> {
    /// Finds the calling instance's memory exported as [`"memory"`](MEMORY_EXPORT) and
    /// returns it together with the host context `T`, both borrowed from `caller`, since a
    /// host function usually needs the two at once.
    ///
    /// Returns [`VmError::NoMemoryExport`] if the instance has no such memory export, or
    /// if the host function was called from the host rather than from a guest instance.
    ///
    /// ```
    /// use strata_vm_abstraction::{CustomContextVM, WasmiMemory};
    ///
    /// // A host function `env.log(ptr: i32, len: i32)` recording guest bytes in the host
    /// // context, to be registered with `linker.func_wrap("env", "log", log)`.
    /// fn log(mut caller: wasmi::Caller<'_, Vec<Vec<u8>>>, ptr: i32, len: i32) -> Result<(), wasmi::Error> {
    ///     let (mem, logs) = WasmiMemory::from_caller(&mut caller).map_err(wasmi::Error::host)?;
    ///     let bytes = mem.data(ptr as u32, len as u32).map_err(wasmi::Error::host)?;
    ///     logs.push(bytes.to_vec());
    ///     Ok(())
    /// }
    /// ```
    pub fn from_caller<T>(caller: &'a mut Caller<'_, T>) -> Result<(Self, &'a mut T), VmError> {
        let memory = caller
            .get_export(MEMORY_EXPORT)
            .and_then(Extern::into_memory)
            .ok_or(VmError::NoMemoryExport)?;
        // The memory comes from the caller's own instance, so the store owns it and
        // `data_and_store_mut` cannot panic.
        let (bytes, host) = memory.data_and_store_mut(caller);
        Ok((Self { bytes }, host))
    }
}

impl<'a> WasmiMemory<'a> {
    /// The memory `memory` of the calling instance, with the store's host
    /// data, given a handle obtained once (for example right after
    /// instantiation) instead of looking the export up by name on every host
    /// call. `None` stands for an instance without memory: every non-empty
    /// access then fails with a [`MemoryError`] for a memory of 0 bytes.
    ///
    /// The handle must belong to the caller's store (as one taken from the
    /// caller's own instance does); wasmi panics otherwise.
    pub fn from_memory<T>(
        memory: Option<wasmi::Memory>,
        caller: &'a mut Caller<'_, T>,
    ) -> (Self, &'a mut T) {
        match memory {
            Some(memory) => {
                let (bytes, host) = memory.data_and_store_mut(caller);
                (Self { bytes }, host)
            }
            None => (Self { bytes: &mut [] }, caller.data_mut()),
        }
    }
}

impl fmt::Debug for WasmiMemory<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmiMemory")
            .field("size", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl CustomContextVM for WasmiMemory<'_> {
    fn size(&self) -> usize {
        self.bytes.size()
    }

    fn data(&self, pos: u32, len: u32) -> Result<&[u8], MemoryError> {
        self.bytes.data(pos, len)
    }

    fn data_mut(&mut self, pos: u32, len: u32) -> Result<&mut [u8], MemoryError> {
        self.bytes.data_mut(pos, len)
    }
}
