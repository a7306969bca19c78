//! The wasmtime backend: guest memory seen from inside a wasmtime host call.

use core::fmt;

use wasmtime::{Caller, Extern};

use crate::{CustomContextVM, MEMORY_EXPORT, MemoryError, VmError};

/// The calling guest's linear memory, borrowed for the duration of one wasmtime host
/// call: the twin of [`WasmiMemory`](crate::WasmiMemory) for the second engine.
///
/// As with wasmi, the view cannot go stale while the host function runs: guest memory
/// grows only by guest code (or through the store, which the borrow of the `Caller`
/// keeps the host from reaching). Every access goes through [`check_range`](crate::check_range),
/// so an access outside the memory is a [`MemoryError`] on both engines, with the same
/// position, length, size and message.
pub struct WasmtimeMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> WasmtimeMemory<'a> {
    /// Finds the calling instance's memory exported as [`"memory"`](MEMORY_EXPORT) and
    /// returns it together with the host context `T`, both borrowed from `caller`.
    ///
    /// Returns [`VmError::NoMemoryExport`] if the instance has no such memory export.
    pub fn from_caller<T: 'static>(
        caller: &'a mut Caller<'_, T>,
    ) -> Result<(Self, &'a mut T), VmError> {
        let memory = caller
            .get_export(MEMORY_EXPORT)
            .and_then(Extern::into_memory)
            .ok_or(VmError::NoMemoryExport)?;
        // The memory comes from the caller's own instance, so its store is the caller's.
        let (bytes, host) = memory.data_and_store_mut(caller);
        Ok((Self { bytes }, host))
    }

    /// The memory `memory` of the calling instance, with the store's host data, given a
    /// handle taken once (right after instantiation) instead of a lookup by name on
    /// every host call. `None` stands for an instance without memory: every non-empty
    /// access then fails with a [`MemoryError`] for a memory of 0 bytes.
    ///
    /// The handle must belong to the caller's store (as one taken from the caller's own
    /// instance does); wasmtime panics otherwise.
    pub fn from_memory<T: 'static>(
        memory: Option<wasmtime::Memory>,
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

impl fmt::Debug for WasmtimeMemory<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmtimeMemory")
            .field("size", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl CustomContextVM for WasmtimeMemory<'_> {
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

#[cfg(test)]
mod tests {
    use wasmtime::{Config, Engine, Linker, Module, Store};

    use super::*;

    /// A module whose `run` calls the host's `env.touch(ptr, len)` once.
    fn run_touch(ptr: i32, len: i32) -> (Vec<Result<Vec<u8>, MemoryError>>, Vec<u8>) {
        let engine = Engine::new(&Config::new()).expect("engine");
        let wasm = wat::parse_str(
            r#"(module (import "env" "touch" (func $t (param i32 i32)))
                 (memory (export "memory") 1) (data (i32.const 0) "hello")
                 (func (export "run") (param i32 i32) (call $t (local.get 0) (local.get 1))))"#,
        )
        .expect("wat");
        let module = Module::new(&engine, &wasm).expect("module");
        let mut linker = Linker::<Vec<Result<Vec<u8>, MemoryError>>>::new(&engine);
        linker
            .func_wrap(
                "env",
                "touch",
                |mut caller: Caller<'_, Vec<Result<Vec<u8>, MemoryError>>>, ptr: i32, len: i32| {
                    let (mut mem, seen) = WasmtimeMemory::from_caller(&mut caller)?;
                    let got = mem.data(ptr as u32, len as u32).map(<[u8]>::to_vec);
                    if let Ok(bytes) = &got {
                        let upper = bytes.to_ascii_uppercase();
                        mem.write(ptr as u32, &upper)?;
                    }
                    seen.push(got);
                    Ok(())
                },
            )
            .expect("link");
        let mut store = Store::new(&engine, Vec::new());
        let instance = linker.instantiate(&mut store, &module).expect("instance");
        let run = instance
            .get_typed_func::<(i32, i32), ()>(&mut store, "run")
            .expect("run");
        run.call(&mut store, (ptr, len)).expect("call");
        let memory = instance
            .get_memory(&mut store, MEMORY_EXPORT)
            .expect("memory");
        let first = memory.data(&store)[..5].to_vec();
        (store.into_data(), first)
    }

    #[test]
    fn reads_and_writes_guest_memory_from_a_host_call() {
        let (seen, memory) = run_touch(1, 3);
        assert_eq!(seen, vec![Ok(b"ell".to_vec())]);
        assert_eq!(memory, b"hELLo");
    }

    #[test]
    fn out_of_bounds_is_the_same_error_as_on_any_backend() {
        let (seen, memory) = run_touch(65_530, 16);
        assert_eq!(seen, vec![Err(MemoryError::new(65_530, 16, 65_536))]);
        assert_eq!(memory, b"hello");
        let (seen, _) = run_touch(-1, 2);
        assert!(seen[0].as_ref().is_err_and(|e| e.is_address_overflow()));
    }
}
