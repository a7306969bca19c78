use std::any::Any;

use strata_registers::Registers;

use crate::{
    Address, CallContext, CallStatus, Event, HostErrorKind, MapFault, MapValue, StorageFault,
};

/// Everything a host function may ask of the host it runs in: gas,
/// registers, the executing contract's storage, the call context, input and
/// return data, events and logs, balances, and calls into other contracts.
///
/// The runtime implements it for a transaction; `testing::MockHost` (feature `testing`)
/// implements it for tests. Host functions are generic over it, so the same
/// code runs natively and inside any VM.
///
/// Gas: the table charges each function's declared cost through
/// [`charge`](Self::charge) before the function runs. Costs that depend on
/// state (a page's first touch in a transaction, a nested call's gas) are the
/// host's to charge inside the methods below.
pub trait Host {
    /// Gas left in the current call frame.
    fn gas_left(&self) -> u64;

    /// Sets the gas left (the wasmi adapter copies the VM's fuel in and out
    /// around every host call, so that both meters are one).
    fn set_gas_left(&mut self, gas: u64);

    /// Takes `gas`, or fails with [`HostErrorKind::OutOfGas`] leaving zero.
    fn charge(&mut self, gas: u64) -> Result<(), HostErrorKind> {
        let left = self.gas_left();
        if gas > left {
            self.set_gas_left(0);
            Err(HostErrorKind::OutOfGas)
        } else {
            self.set_gas_left(left - gas);
            Ok(())
        }
    }

    /// The execution's register banks.
    fn registers(&mut self) -> &mut Registers;

    /// The `len` bytes at `offset` of `page` of the executing contract.
    fn storage_read(&mut self, page: u32, offset: u32, len: u32) -> Result<&[u8], StorageFault>;

    /// Writes `bytes` at `offset` of `page` of the executing contract.
    fn storage_write(&mut self, page: u32, offset: u32, bytes: &[u8]) -> Result<(), StorageFault>;

    /// The call context.
    fn context(&self) -> &CallContext;

    /// The call's input bytes.
    fn input(&self) -> &[u8];

    /// Replaces the call's return data.
    fn set_return_data(&mut self, data: &[u8]) -> Result<(), HostErrorKind>;

    /// Records an event (the host fills in the emitting contract).
    fn emit_event(&mut self, event: Event) -> Result<(), HostErrorKind>;

    /// Records a debug log line.
    fn log(&mut self, message: String) -> Result<(), HostErrorKind>;

    /// The balance of `address` (0 for an unknown address).
    fn balance(&mut self, address: &Address) -> Result<u128, HostErrorKind>;

    /// Moves `amount` from the executing contract to `to`; `Ok(false)` when
    /// the balance is too low (nothing moves).
    fn transfer(&mut self, to: &Address, amount: u128) -> Result<bool, HostErrorKind>;

    /// Sets the balance of `address` to `value` (an account that does not
    /// exist is created with it). Only SVM's node vmcalls
    /// ([`SvmNode`](crate::SvmNode), [`SvmEnv`](crate::SvmEnv)) call this,
    /// and only where an embedder linked them. Fails in a read-only query.
    fn set_balance(&mut self, address: &Address, value: u128) -> Result<(), HostErrorKind>;

    /// Runs `function` of the contract at `target` with `input`, under at
    /// most `gas_limit` of this frame's gas (the gas it uses is charged
    /// here). Afterwards [`call_return_data`](Self::call_return_data) holds
    /// the callee's return data, or its error message when it failed.
    fn call(
        &mut self,
        target: &Address,
        function: &str,
        input: &[u8],
        gas_limit: u64,
    ) -> Result<CallStatus, HostErrorKind>;

    /// The return data (or error message) of the last contract call.
    fn call_return_data(&self) -> &[u8];

    /// The value of `key` in the map whose root is the 32 bytes at `offset`
    /// of `page` of the executing contract (`None`: no entry). The host
    /// charges the tree levels it touches.
    fn map_get(
        &mut self,
        page: u32,
        offset: u32,
        key: &[u8],
    ) -> Result<Option<MapValue>, MapFault> {
        let _ = (page, offset, key);
        Err(no_maps())
    }

    /// The value at the end of `keys` in the map whose root is at `offset`
    /// of `page`: every key but the last must hold a nested map (`None`:
    /// some key along the path has no entry). Read-only, so it works in a
    /// query, where `map_get_map` cannot write a root into a slice.
    fn map_get_path(
        &mut self,
        page: u32,
        offset: u32,
        keys: &[&[u8]],
    ) -> Result<Option<MapValue>, MapFault> {
        let _ = (page, offset, keys);
        Err(no_maps())
    }

    /// Sets `key` to `value` in the map whose root is at `offset` of `page`,
    /// and writes the map's new root there. A [`MapValue::Map`] must be the
    /// root of a map (or zeros). Fails in a read-only query.
    fn map_set(
        &mut self,
        page: u32,
        offset: u32,
        key: &[u8],
        value: MapValue,
    ) -> Result<(), MapFault> {
        let _ = (page, offset, key, value);
        Err(no_maps())
    }

    /// Removes `key` from the map whose root is at `offset` of `page`;
    /// whether it had an entry. Fails in a read-only query.
    fn map_remove(&mut self, page: u32, offset: u32, key: &[u8]) -> Result<bool, MapFault> {
        let _ = (page, offset, key);
        Err(no_maps())
    }

    /// The entry after `after` (from the first when `None`) of the map whose
    /// root is at `offset` of `page`, in the order of the keys' hashes.
    fn map_next(
        &mut self,
        page: u32,
        offset: u32,
        after: Option<&[u8]>,
    ) -> Result<Option<(Vec<u8>, MapValue)>, MapFault> {
        let _ = (page, offset, after);
        Err(no_maps())
    }

    /// Notes that `map_get_map` wrote `root`, the nested map under `key` of
    /// the map whose root slice is `parent` (page, offset), into the 32-byte
    /// slice `slot` (page, offset): the host treats the slice as a map's
    /// root slice (as if a map call had used it), and links it to the entry
    /// it came from, so that when the frame ends well the slice's changed
    /// root is folded back into that entry. Hosts without maps ignore it.
    fn map_root_placed(
        &mut self,
        slot: (u32, u32),
        parent: (u32, u32),
        key: &[u8],
        root: &[u8; 32],
    ) {
        let _ = (slot, parent, key, root);
    }

    /// The embedder's own state, for host functions that an embedder adds in
    /// its own import modules. `None` when there is none.
    fn extension(&mut self) -> Option<&mut dyn Any> {
        None
    }
}

/// What a host without maps answers to a map function: the host cannot
/// serve it (not the contract's fault).
fn no_maps() -> MapFault {
    MapFault::Storage(StorageFault::Failed("this host has no maps".into()))
}
