//! A [`Host`] for tests: registers, storage over an in-memory store, and
//! recorded events, logs, balances and calls. Embedders can use it to test
//! their own host functions.

use std::collections::BTreeMap;
use std::sync::Arc;

use strata_kv::MemKv;
use strata_pages::{PageCache, PageCacheConfig};
use strata_registers::{BankLayout, Registers};
use strata_slices::{SliceLayout, Slices};

use crate::{
    Address, CallContext, CallStatus, Event, Host, HostErrorKind, MapFault, MapValue, StorageFault,
};

/// A call that [`MockHost::call`](Host::call) received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockCall {
    /// The target contract.
    pub target: Address,
    /// The function.
    pub function: String,
    /// The input.
    pub input: Vec<u8>,
    /// The gas limit asked for.
    pub gas_limit: u64,
}

/// An in-memory [`Host`] with everything public, for tests.
pub struct MockHost {
    /// Gas left.
    pub gas: u64,
    /// Total gas charged through [`Host::charge`].
    pub charged: u64,
    /// Register banks (SVM defaults).
    pub registers: Registers,
    /// Storage: 4 pages over a fresh in-memory store.
    pub storage: Slices<Arc<MemKv>>,
    /// Whether storage writes and transfers fail as in a query.
    pub read_only: bool,
    /// The call context.
    pub context: CallContext,
    /// The call input.
    pub input: Vec<u8>,
    /// The return data set by the contract.
    pub return_data: Vec<u8>,
    /// Emitted events.
    pub events: Vec<Event>,
    /// Debug logs.
    pub logs: Vec<String>,
    /// Balances.
    pub balances: BTreeMap<Address, u128>,
    /// Calls received.
    pub calls: Vec<MockCall>,
    /// What a call answers.
    pub call_status: CallStatus,
    /// The return data a call leaves.
    pub call_reply: Vec<u8>,
    /// The last call's return data.
    pub last_call_return: Vec<u8>,
    /// The nodes of the maps (real `strata-maps` trees, as the runtime's
    /// host keeps them; roots are written to their slices), in memory.
    pub map_nodes: strata_maps::Fresh,
}

/// Everything observable about a [`MockHost`], for comparing two runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockState {
    /// Total gas charged.
    pub charged: u64,
    /// Every register's bytes.
    pub registers: Registers,
    /// Every storage page's bytes.
    pub storage: Vec<Vec<u8>>,
    /// Return data.
    pub return_data: Vec<u8>,
    /// Events.
    pub events: Vec<Event>,
    /// Logs.
    pub logs: Vec<String>,
    /// Balances.
    pub balances: BTreeMap<Address, u128>,
    /// Calls.
    pub calls: Vec<MockCall>,
    /// How many map nodes were made.
    pub map_nodes: usize,
}

impl MockHost {
    /// Pages of storage a mock host has.
    pub const PAGES: u32 = 4;

    /// A host with `gas` gas, default registers, 4 zero pages of storage, and
    /// a context whose address is `0x11..11` and sender `0x22..22`.
    pub fn new(gas: u64) -> Self {
        let kv = Arc::new(MemKv::new());
        MockHost {
            gas,
            charged: 0,
            registers: Registers::new(&BankLayout::svm_default()),
            storage: Slices::new(PageCache::create(
                kv,
                Self::PAGES,
                PageCacheConfig::default(),
            )),
            read_only: false,
            context: CallContext {
                address: Address([0x11; 20]),
                sender: Address([0x22; 20]),
                block_height: 7,
                block_time: 1_700_000_000,
            },
            input: Vec::new(),
            return_data: Vec::new(),
            events: Vec::new(),
            logs: Vec::new(),
            balances: BTreeMap::new(),
            calls: Vec::new(),
            call_status: CallStatus::Success,
            call_reply: Vec::new(),
            last_call_return: Vec::new(),
            map_nodes: strata_maps::Fresh::new(),
        }
    }

    /// A snapshot of everything observable.
    pub fn state(&mut self) -> MockState {
        let storage = (0..Self::PAGES)
            .map(|p| {
                SliceLayout::new(p, 0, strata_slices::PAGE_SIZE as u32)
                    .ok()
                    .and_then(|s| self.storage.read(s).ok())
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default()
            })
            .collect();
        MockState {
            charged: self.charged,
            registers: self.registers.clone(),
            storage,
            return_data: self.return_data.clone(),
            events: self.events.clone(),
            logs: self.logs.clone(),
            balances: self.balances.clone(),
            calls: self.calls.clone(),
            map_nodes: self.map_nodes.len(),
        }
    }
}

impl Host for MockHost {
    fn gas_left(&self) -> u64 {
        self.gas
    }

    fn set_gas_left(&mut self, gas: u64) {
        self.gas = gas;
    }

    fn charge(&mut self, gas: u64) -> Result<(), HostErrorKind> {
        self.charged = self.charged.saturating_add(gas);
        if gas > self.gas {
            self.gas = 0;
            Err(HostErrorKind::OutOfGas)
        } else {
            self.gas -= gas;
            Ok(())
        }
    }

    fn registers(&mut self) -> &mut Registers {
        &mut self.registers
    }

    fn storage_read(&mut self, page: u32, offset: u32, len: u32) -> Result<&[u8], StorageFault> {
        let slice = SliceLayout::new(page, offset, len)?;
        Ok(self.storage.read(slice)?)
    }

    fn storage_write(&mut self, page: u32, offset: u32, bytes: &[u8]) -> Result<(), StorageFault> {
        // As the runtime's host: a slice across a page end is refused before
        // a query's write (and the page range after it).
        SliceLayout::new(page, offset, bytes.len() as u32)?;
        if self.read_only {
            return Err(StorageFault::ReadOnly);
        }
        Ok(self.storage.write(page, offset, bytes)?)
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
        let root = self.map_root(page, offset)?;
        let store = MemKv::new();
        let tree = strata_maps::MapTree::new(&store, &mut self.map_nodes);
        let found = tree.get(&root, key).map_err(mock_fault)?;
        Ok(found.item.map(from_tree))
    }

    fn map_get_path(
        &mut self,
        page: u32,
        offset: u32,
        keys: &[&[u8]],
    ) -> Result<Option<MapValue>, MapFault> {
        let mut root = self.map_root(page, offset)?;
        let store = MemKv::new();
        let tree = strata_maps::MapTree::new(&store, &mut self.map_nodes);
        let mut value = None;
        for (i, key) in keys.iter().enumerate() {
            value = tree.get(&root, key).map_err(mock_fault)?.item;
            match &value {
                None => return Ok(None),
                Some(strata_maps::Value::Map(inner)) => root = *inner,
                Some(strata_maps::Value::Bytes(_)) if i + 1 < keys.len() => {
                    return Err(MapFault::NotAMap);
                }
                Some(_) => {}
            }
        }
        Ok(value.map(from_tree))
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

    fn map_next(
        &mut self,
        page: u32,
        offset: u32,
        after: Option<&[u8]>,
    ) -> Result<Option<(Vec<u8>, MapValue)>, MapFault> {
        let root = self.map_root(page, offset)?;
        let store = MemKv::new();
        let tree = strata_maps::MapTree::new(&store, &mut self.map_nodes);
        let found = tree.next(&root, after).map_err(mock_fault)?;
        Ok(found.item.map(|(k, v)| (k, from_tree(v))))
    }

    fn input(&self) -> &[u8] {
        &self.input
    }

    fn set_return_data(&mut self, data: &[u8]) -> Result<(), HostErrorKind> {
        self.return_data = data.to_vec();
        Ok(())
    }

    fn emit_event(&mut self, event: Event) -> Result<(), HostErrorKind> {
        self.events.push(event);
        Ok(())
    }

    fn log(&mut self, message: String) -> Result<(), HostErrorKind> {
        self.logs.push(message);
        Ok(())
    }

    fn balance(&mut self, address: &Address) -> Result<u128, HostErrorKind> {
        Ok(self.balances.get(address).copied().unwrap_or(0))
    }

    fn transfer(&mut self, to: &Address, amount: u128) -> Result<bool, HostErrorKind> {
        // As the runtime's host: a query may not transfer; too low a balance
        // is checked next; a recipient's balance that would overflow is an
        // error (nothing moves), not capped.
        if self.read_only {
            return Err(HostErrorKind::ReadOnly);
        }
        let me = self.context.address;
        let have = self.balances.get(&me).copied().unwrap_or(0);
        if have < amount {
            return Ok(false);
        }
        if *to == me {
            return Ok(true);
        }
        let theirs = self.balances.get(to).copied().unwrap_or(0);
        let Some(new_theirs) = theirs.checked_add(amount) else {
            return Err(HostErrorKind::invalid(
                "amount_ptr",
                "the recipient's balance would overflow",
            ));
        };
        self.balances.insert(me, have - amount);
        self.balances.insert(*to, new_theirs);
        Ok(true)
    }

    fn set_balance(&mut self, address: &Address, value: u128) -> Result<(), HostErrorKind> {
        if self.read_only {
            return Err(HostErrorKind::ReadOnly);
        }
        self.balances.insert(*address, value);
        Ok(())
    }

    fn call(
        &mut self,
        target: &Address,
        function: &str,
        input: &[u8],
        gas_limit: u64,
    ) -> Result<CallStatus, HostErrorKind> {
        self.calls.push(MockCall {
            target: *target,
            function: function.to_owned(),
            input: input.to_vec(),
            gas_limit,
        });
        self.last_call_return = self.call_reply.clone();
        Ok(self.call_status)
    }

    fn call_return_data(&self) -> &[u8] {
        &self.last_call_return
    }
}

impl From<strata_slices::SliceError> for HostErrorKind {
    fn from(e: strata_slices::SliceError) -> Self {
        HostErrorKind::Host(e.to_string())
    }
}

impl MockHost {
    fn map_root(&mut self, page: u32, offset: u32) -> Result<[u8; 32], MapFault> {
        let bytes = self.storage_read(page, offset, 32)?;
        let mut root = [0u8; 32];
        root.copy_from_slice(bytes.get(..32).unwrap_or(&[0; 32]));
        Ok(root)
    }

    fn map_update(
        &mut self,
        page: u32,
        offset: u32,
        key: &[u8],
        value: Option<MapValue>,
    ) -> Result<bool, MapFault> {
        SliceLayout::new(page, offset, 32).map_err(StorageFault::from)?;
        if self.read_only {
            return Err(StorageFault::ReadOnly.into());
        }
        let root = self.map_root(page, offset)?;
        let store = MemKv::new();
        let mut tree = strata_maps::MapTree::new(&store, &mut self.map_nodes);
        let updated = match value {
            None => tree.remove(&root, key),
            Some(MapValue::Bytes(b)) => tree.set(&root, key, strata_maps::Value::Bytes(b)),
            Some(MapValue::Map(nested)) => {
                if !tree.exists(&nested).map_err(mock_fault)? {
                    return Err(MapFault::NoSuchNestedMap {
                        root: strata_primitives::hex::encode(nested),
                    });
                }
                tree.set(&root, key, strata_maps::Value::Map(nested))
            }
        }
        .map_err(mock_fault)?;
        if updated.root != root {
            self.storage_write(page, offset, &updated.root)?;
        }
        Ok(updated.existed)
    }
}

fn from_tree(value: strata_maps::Value) -> MapValue {
    match value {
        strata_maps::Value::Bytes(b) => MapValue::Bytes(b),
        strata_maps::Value::Map(root) => MapValue::Map(root),
    }
}

fn mock_fault(e: strata_maps::MapError) -> MapFault {
    match e {
        strata_maps::MapError::KeyTooLong { len } => MapFault::KeyTooLong { len: len as u32 },
        strata_maps::MapError::ValueTooLong { len } => MapFault::ValueTooLong { len: len as u32 },
        strata_maps::MapError::NoSuchRoot(r) => MapFault::NoSuchMap {
            root: strata_primitives::hex::encode(r),
        },
        other => StorageFault::Failed(other.to_string()).into(),
    }
}
