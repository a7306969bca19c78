//! The `Host` of one frame: what every host function reaches (gas,
//! registers, the contract's storage, balances, nested calls), with
//! failures of the runtime itself kept with their type.

use std::any::Any;
use std::sync::Arc;

use strata_host_fns::{
    Address, CallContext, CallStatus, Event, Host, HostErrorKind, MapFault, MapValue, StorageFault,
};
use strata_kv::KvStore;
use strata_registers::Registers;
use strata_slices::{SliceError, SliceLayout};
use wasmi::StoreLimits;

use super::*;
use crate::{RuntimeError, Shared};

/// The host of one frame: the contract's registers, context, input and
/// return data, and the transaction's state.
pub struct TxHost<K: KvStore + 'static> {
    /// The runtime's shared parts: every frame's host has them; only the
    /// idle host a pooled store holds between frames (`reuse.rs`), on which
    /// nothing runs, has not.
    pub(crate) shared: Option<Arc<Shared<K>>>,
    pub(crate) state: Option<Box<TxState<K>>>,
    pub(crate) context: CallContext,
    pub(crate) registers: Registers,
    pub(crate) input: Vec<u8>,
    pub(crate) return_data: Vec<u8>,
    pub(crate) last_call_return: Vec<u8>,
    pub(crate) gas: u64,
    pub(crate) limits: StoreLimits,
    /// The first failure of the runtime itself (the store, a corrupt record,
    /// a bug) inside this frame, kept with its type. The host function that
    /// met it fails with [`HostErrorKind::Host`], which ends the frame, and
    /// the frame then fails with this error instead of a receipt.
    pub(crate) fatal: Option<RuntimeError>,
}

/// Keeps `e` as the frame's fatal error (the first one wins) and gives its
/// message, for the host-function error that ends the frame.
pub(crate) fn keep_fatal(slot: &mut Option<RuntimeError>, e: RuntimeError) -> String {
    let message = e.to_string();
    slot.get_or_insert(e);
    message
}

/// A slice access's failure: the contract's fault (a slice across a page
/// end, a page past the contract's last) as it is, anything else (a missing
/// or corrupt record, the store) kept as the frame's fatal error.
pub(crate) fn slice_fault(slot: &mut Option<RuntimeError>, e: SliceError) -> StorageFault {
    match e {
        SliceError::CrossesPage { .. }
        | SliceError::Page(strata_pages::PageError::PageOutOfRange { .. }) => e.into(),
        other => StorageFault::Failed(keep_fatal(slot, RuntimeError::from_slice(other))),
    }
}

impl<K: KvStore + 'static> TxHost<K> {
    /// The runtime's shared parts (see the field).
    pub(crate) fn shared(&self) -> Result<&Arc<Shared<K>>, HostErrorKind> {
        self.shared
            .as_ref()
            .ok_or_else(|| HostErrorKind::Host("an idle host has no runtime".into()))
    }

    fn state(&mut self) -> Result<&mut TxState<K>, HostErrorKind> {
        Ok(self.state_and_fatal()?.0)
    }

    /// The transaction state, and the frame's fatal-error slot.
    pub(crate) fn state_and_fatal(
        &mut self,
    ) -> Result<(&mut TxState<K>, &mut Option<RuntimeError>), HostErrorKind> {
        match self.state.as_deref_mut() {
            Some(state) => Ok((state, &mut self.fatal)),
            None => Err(HostErrorKind::Host(keep_fatal(
                &mut self.fatal,
                RuntimeError::Internal("the transaction state is in use by a nested call".into()),
            ))),
        }
    }

    /// The executing contract's storage, and the frame's fatal-error slot.
    pub(crate) fn own_storage(
        &mut self,
    ) -> Result<(&mut Storage<K>, &mut Option<RuntimeError>), StorageFault> {
        let address = self.context.address;
        match self
            .state
            .as_deref_mut()
            .and_then(|s| s.storages.get_mut(&address))
        {
            Some(storage) => Ok((storage, &mut self.fatal)),
            None => Err(StorageFault::Failed(keep_fatal(
                &mut self.fatal,
                RuntimeError::Internal(format!("the storage of {address} is not open")),
            ))),
        }
    }

    fn charge_fault(&mut self, gas: u64) -> Result<(), StorageFault> {
        self.charge(gas).map_err(|_| StorageFault::OutOfGas)
    }

    /// Checks a slice against the contract, charges a first touch, and
    /// returns the storage.
    pub(crate) fn touch(
        &mut self,
        page: u32,
        offset: u32,
        len: u32,
        write: bool,
    ) -> Result<SliceLayout, StorageFault> {
        let slice = SliceLayout::new(page, offset, len)?;
        let address = self.context.address;
        let gas = self
            .shared()
            .map_err(|e| StorageFault::Failed(e.to_string()))?
            .config
            .gas;
        let state = self
            .state
            .as_deref_mut()
            .ok_or_else(|| StorageFault::Failed("no transaction state".into()))?;
        if write && state.read_only {
            return Err(StorageFault::ReadOnly);
        }
        let storage = state
            .storages
            .get(&address)
            .ok_or_else(|| StorageFault::Failed(format!("storage of {address} is not open")))?;
        let page_count = storage.page_count();
        if page >= page_count {
            return Err(StorageFault::PageOutOfRange { page, page_count });
        }
        let flags = state.touched.entry((address, page)).or_insert(0);
        let cost = if write {
            if *flags & WRITTEN == 0 {
                *flags |= READ | WRITTEN;
                gas.page_write
            } else {
                0
            }
        } else if *flags & READ == 0 {
            *flags |= READ;
            gas.page_read
        } else {
            0
        };
        self.charge_fault(cost)?;
        Ok(slice)
    }
}

impl<K: KvStore + 'static> Host for TxHost<K> {
    fn gas_left(&self) -> u64 {
        self.gas
    }

    fn set_gas_left(&mut self, gas: u64) {
        self.gas = gas;
    }

    fn registers(&mut self) -> &mut Registers {
        &mut self.registers
    }

    fn storage_read(&mut self, page: u32, offset: u32, len: u32) -> Result<&[u8], StorageFault> {
        let slice = self.touch(page, offset, len, false)?;
        let (storage, fatal) = self.own_storage()?;
        storage.read(slice).map_err(|e| slice_fault(fatal, e))
    }

    fn storage_write(&mut self, page: u32, offset: u32, bytes: &[u8]) -> Result<(), StorageFault> {
        self.touch(page, offset, bytes.len() as u32, true)?;
        let (storage, fatal) = self.own_storage()?;
        storage
            .write(page, offset, bytes)
            .map_err(|e| slice_fault(fatal, e))
    }

    fn context(&self) -> &CallContext {
        &self.context
    }

    fn map_get(
        &mut self,
        page: u32,
        offset: u32,
        key: &[u8],
    ) -> Result<Option<MapValue>, MapFault> {
        self.map_get_entry(page, offset, key)
    }

    fn map_set(
        &mut self,
        page: u32,
        offset: u32,
        key: &[u8],
        value: MapValue,
    ) -> Result<(), MapFault> {
        self.map_update(page, offset, key, Some(value)).map(|_| ())
    }

    fn map_remove(&mut self, page: u32, offset: u32, key: &[u8]) -> Result<bool, MapFault> {
        self.map_update(page, offset, key, None)
    }

    fn map_get_path(
        &mut self,
        page: u32,
        offset: u32,
        keys: &[&[u8]],
    ) -> Result<Option<MapValue>, MapFault> {
        self.map_get_path_entry(page, offset, keys)
    }

    fn map_root_placed(
        &mut self,
        slot: (u32, u32),
        parent: (u32, u32),
        key: &[u8],
        root: &[u8; 32],
    ) {
        let address = self.context.address;
        if let Some(state) = self.state.as_deref_mut() {
            state.maps.slots.entry(address).or_default().insert(slot);
        }
        self.link_nested_map(slot, parent, key, root);
    }

    fn map_next(
        &mut self,
        page: u32,
        offset: u32,
        after: Option<&[u8]>,
    ) -> Result<Option<(Vec<u8>, MapValue)>, MapFault> {
        self.map_next_entry(page, offset, after)
    }

    fn input(&self) -> &[u8] {
        &self.input
    }

    fn set_return_data(&mut self, data: &[u8]) -> Result<(), HostErrorKind> {
        self.return_data.clear();
        self.return_data.extend_from_slice(data);
        Ok(())
    }

    fn emit_event(&mut self, event: Event) -> Result<(), HostErrorKind> {
        self.state()?.events.push(event);
        Ok(())
    }

    fn log(&mut self, message: String) -> Result<(), HostErrorKind> {
        self.state()?.logs.push(message);
        Ok(())
    }

    fn balance(&mut self, address: &Address) -> Result<u128, HostErrorKind> {
        let (state, fatal) = self.state_and_fatal()?;
        match state.account(address) {
            Ok(account) => Ok(account.map_or(0, |a| a.balance)),
            Err(e) => Err(HostErrorKind::Host(keep_fatal(fatal, e))),
        }
    }

    fn transfer(&mut self, to: &Address, amount: u128) -> Result<bool, HostErrorKind> {
        let me = self.context.address;
        let (state, fatal) = self.state_and_fatal()?;
        if state.read_only {
            return Err(HostErrorKind::ReadOnly);
        }
        let mut host_err = |e: RuntimeError| HostErrorKind::Host(keep_fatal(fatal, e));
        let mut from = state
            .account(&me)
            .map_err(&mut host_err)?
            .cloned()
            .unwrap_or_default();
        if from.balance < amount {
            return Ok(false);
        }
        if *to == me {
            return Ok(true);
        }
        let mut dest = state
            .account(to)
            .map_err(host_err)?
            .cloned()
            .unwrap_or_default();
        let Some(new_dest) = dest.balance.checked_add(amount) else {
            return Err(HostErrorKind::invalid(
                "amount_ptr",
                "the recipient's balance would overflow",
            ));
        };
        from.balance -= amount;
        dest.balance = new_dest;
        state.put_account(me, from);
        state.put_account(*to, dest);
        Ok(true)
    }

    fn set_balance(&mut self, address: &Address, value: u128) -> Result<(), HostErrorKind> {
        let (state, fatal) = self.state_and_fatal()?;
        if state.read_only {
            return Err(HostErrorKind::ReadOnly);
        }
        let mut account = match state.account(address) {
            Ok(account) => account.cloned().unwrap_or_default(),
            Err(e) => return Err(HostErrorKind::Host(keep_fatal(fatal, e))),
        };
        account.balance = value;
        state.put_account(*address, account);
        Ok(())
    }

    fn call(
        &mut self,
        target: &Address,
        function: &str,
        input: &[u8],
        gas_limit: u64,
    ) -> Result<CallStatus, HostErrorKind> {
        let shared = self.shared()?.clone();
        let config = &shared.config;
        let (max_depth, reentrancy) = (config.limits.max_call_depth, config.allow_reentrancy);
        let limit = gas_limit.min(self.gas);
        let me = self.context.address;
        self.state()?;
        let Some(mut state) = self.state.take() else {
            return Err(HostErrorKind::Host("no transaction state".into()));
        };
        let status = if state.call_stack.len() >= max_depth as usize {
            self.last_call_return = format!("call depth limit of {max_depth} reached").into_bytes();
            Some(CallStatus::DepthLimit)
        } else if !reentrancy && state.call_stack.contains(target) {
            self.last_call_return =
                format!("contract {target} is already on the call stack; re-entry is disabled")
                    .into_bytes();
            Some(CallStatus::Reentrancy)
        } else {
            None
        };
        if let Some(status) = status {
            self.state = Some(state);
            return Ok(status);
        }
        let checkpoint = state.checkpoint();
        let frame = Frame {
            address: *target,
            sender: me,
            function,
            args: &[],
            input: input.to_vec(),
            gas_limit: limit,
            nested: true,
        };
        let (mut state, outcome) = run_frame(&shared, state, frame)
            .map_err(|e| HostErrorKind::Host(keep_fatal(&mut self.fatal, e)))?;
        let used = outcome.gas_used;
        let result = match outcome.result {
            Ok(_) => state
                .release(checkpoint)
                .map(|()| {
                    self.last_call_return = outcome.return_data;
                    CallStatus::Success
                })
                .map_err(|e| HostErrorKind::Host(keep_fatal(&mut self.fatal, e))),
            Err(failure) => match failure.into_call() {
                Ok((status, err)) => {
                    self.last_call_return = err.to_string().into_bytes();
                    state
                        .rollback(checkpoint)
                        .map(|()| status)
                        .map_err(|e| HostErrorKind::Host(keep_fatal(&mut self.fatal, e)))
                }
                Err(e) => Err(HostErrorKind::Host(keep_fatal(&mut self.fatal, e))),
            },
        };
        self.state = Some(state);
        self.charge(used)?;
        result
    }

    fn call_return_data(&self) -> &[u8] {
        &self.last_call_return
    }

    fn extension(&mut self) -> Option<&mut dyn Any> {
        Some(self.state.as_deref_mut()?.extension.as_mut()?.any_mut())
    }
}
