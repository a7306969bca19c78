use strata_vm_abstraction::WasmiMemory;
use wasmi::Caller;

use crate::{Host, HostError, HostModule};

/// An import module that can define its functions in a wasmi linker over
/// any [`Host`]: what [`host_functions!`](crate::host_functions) makes, and
/// what a runtime takes from an embedder (it links the module over its own
/// host type, which the embedder never names).
pub trait WasmiModule: HostModule {
    /// Defines every function of this module in `linker`.
    fn link_wasmi<H: Host + 'static>(
        &self,
        linker: &mut wasmi::Linker<WasmiState<H>>,
    ) -> Result<(), wasmi::errors::LinkerError>;

    /// Defines every function of this module in a wasmtime linker (feature
    /// `wasmtime`). Modules made by [`host_functions!`](crate::host_functions)
    /// define them from their table; a module written by hand (a C API's
    /// callbacks) has no wasmtime binding unless it provides one, and the
    /// default says so as an error.
    #[cfg(feature = "wasmtime")]
    fn link_wasmtime_module<H: Host + 'static>(
        &self,
        linker: &mut wasmtime::Linker<crate::WasmtimeState<H>>,
    ) -> wasmtime::Result<()> {
        let _ = linker;
        Err(wasmtime::Error::msg(format!(
            "import module {:?} has no wasmtime binding",
            self.name()
        )))
    }
}

/// The data of a wasmi `Store` that runs a contract: the host, and the
/// instance's memory handle, taken once after instantiation so that host
/// calls never look the export up by name.
#[derive(Debug)]
pub struct WasmiState<H> {
    /// The host the host functions see.
    pub host: H,
    /// The instance's linear memory (`None` until set, or when it has none).
    pub memory: Option<wasmi::Memory>,
}

impl<H> WasmiState<H> {
    /// State for `host`, with no memory yet.
    pub fn new(host: H) -> Self {
        WasmiState { host, memory: None }
    }
}

/// Runs a host function from inside a wasmi host call: makes the store's
/// fuel the host's gas for the duration of the call (and back), and hands
/// the function the guest memory and the host.
pub fn with_wasmi_host<H: Host, R>(
    caller: &mut Caller<'_, WasmiState<H>>,
    f: impl FnOnce(&mut WasmiMemory<'_>, &mut H) -> Result<R, HostError>,
) -> Result<R, wasmi::Error> {
    let fuel = caller.get_fuel()?;
    let memory = caller.data().memory;
    let (mut mem, state) = WasmiMemory::from_memory(memory, caller);
    state.host.set_gas_left(fuel);
    let result = f(&mut mem, &mut state.host);
    let left = state.host.gas_left();
    caller.set_fuel(left)?;
    result.map_err(wasmi::Error::host)
}
