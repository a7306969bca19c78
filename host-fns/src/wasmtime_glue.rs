//! The second engine: the same table bound to wasmtime's `Linker`.
//!
//! [`host_functions!`](crate::host_functions) generates, from the same
//! entries as the wasmi binding, `link_wasmtime(linker)` for each module;
//! each generated closure calls the same typed entry point as the wasmi one
//! (and the native dispatcher), through [`with_wasmtime_host`]. Nothing here
//! is a second list of functions.

use strata_vm_abstraction::WasmtimeMemory;
use wasmtime::Caller;

use crate::{Host, HostError};

/// The data of a wasmtime `Store` that runs a contract: the host, and the
/// instance's memory handle, taken once after instantiation (the twin of
/// [`WasmiState`](crate::WasmiState)).
#[derive(Debug)]
pub struct WasmtimeState<H> {
    /// The host the host functions see.
    pub host: H,
    /// The instance's linear memory (`None` until set, or when it has none).
    pub memory: Option<wasmtime::Memory>,
}

impl<H> WasmtimeState<H> {
    /// State for `host`, with no memory yet.
    pub fn new(host: H) -> Self {
        WasmtimeState { host, memory: None }
    }
}

/// Runs a host function from inside a wasmtime host call: makes the store's
/// fuel the host's gas for the duration of the call (and back), and hands
/// the function the guest memory and the host. The store must meter fuel
/// (`Config::consume_fuel`); otherwise every call fails with wasmtime's
/// error saying so.
///
/// A [`HostError`] leaves as a `wasmtime::Error` that downcasts back to it.
pub fn with_wasmtime_host<H: Host + 'static, R>(
    caller: &mut Caller<'_, WasmtimeState<H>>,
    f: impl FnOnce(&mut WasmtimeMemory<'_>, &mut H) -> Result<R, HostError>,
) -> wasmtime::Result<R> {
    let fuel = caller.get_fuel()?;
    let memory = caller.data().memory;
    let (mut mem, state) = WasmtimeMemory::from_memory(memory, caller);
    state.host.set_gas_left(fuel);
    let result = f(&mut mem, &mut state.host);
    let left = state.host.gas_left();
    caller.set_fuel(left)?;
    result.map_err(wasmtime::Error::new)
}
