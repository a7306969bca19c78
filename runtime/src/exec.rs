//! Executing frames: one contract function in one wasmi store, with the
//! transaction's state moved in and out, and nested contract calls.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hashbrown::HashMap;
use smallvec::SmallVec;
use strata_host_fns::{
    Address, CallContext, CallStatus, Event, Host, HostError, HostErrorKind, StorageFault,
    WasmiState,
};
use strata_kv::KvStore;
use strata_pages::{Checkpoint, Hash32, PageCache, PageCacheConfig, StateRoot, tree};
use strata_registers::Registers;
use strata_slices::{SliceError, SliceLayout, Slices};
use wasmi::{Store, StoreLimits, Val};

use crate::overlay::BlockKv;
use crate::{
    Account, Arg, BlockContext, Caches, CodeHash, ErrorKind, NS_ACCOUNTS, RuntimeError, Shared,
    TxError,
};

pub(crate) type Storage<K> = Slices<BlockKv<K>>;

/// How a frame failed.
pub(crate) enum Failure {
    /// The transaction fails with a receipt.
    Tx(TxError),
    /// The transaction fails with a receipt, as [`Failure::Tx`], because
    /// what it names is not there; a calling contract sees `CallStatus`
    /// (no contract, or no such function) instead of a failed call.
    Missing(CallStatus, TxError),
    /// The runtime itself failed (storage I/O, corrupt records): no receipt,
    /// nothing applied.
    Fatal(RuntimeError),
}

impl Failure {
    /// What a calling contract sees of a failed callee (its status and
    /// error), or the runtime's own failure, which fails the caller too.
    fn into_call(self) -> Result<(CallStatus, TxError), RuntimeError> {
        match self {
            Failure::Tx(e) => Ok((CallStatus::Failed, e)),
            Failure::Missing(status, e) => Ok((status, e)),
            Failure::Fatal(e) => Err(e),
        }
    }

    /// The receipt's error, or the runtime's own failure.
    pub(crate) fn into_tx(self) -> Result<TxError, RuntimeError> {
        self.into_call().map(|(_, e)| e)
    }
}

impl From<RuntimeError> for Failure {
    fn from(e: RuntimeError) -> Self {
        Failure::Fatal(e)
    }
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::Tx(TxError::new(ErrorKind::InvalidTransaction, message))
}

/// An invalid transaction because `status` (no contract, no function).
fn missing(status: CallStatus, message: impl Into<String>) -> Failure {
    Failure::Missing(status, TxError::new(ErrorKind::InvalidTransaction, message))
}

/// The state of one transaction, moved from frame to frame.
pub(crate) struct TxState<K: KvStore + Clone + 'static> {
    pub kv: BlockKv<K>,
    pub block: BlockContext,
    pub read_only: bool,
    /// Working copies of the accounts the transaction read (`None`: absent).
    ///
    /// This and the other maps by address are ordered maps: a transaction
    /// touches a few contracts, and looking one up among a few costs less
    /// in a B-tree than hashing its address (measured, against hash maps
    /// that keep their room: about 3% of a counter transaction). Their
    /// order is also the order of the receipt's roots and the batch.
    pub accounts: BTreeMap<Address, Loaded>,
    /// Code created by this transaction, not yet stored.
    pub new_code: BTreeMap<CodeHash, Arc<[u8]>>,
    /// The storage of every contract the transaction touched.
    pub storages: BTreeMap<Address, Storage<K>>,
    /// Pages touched so far, with [`READ`] and [`WRITTEN`] flags: a page's
    /// first read and first write are charged, later ones are free.
    touched: HashMap<(Address, u32), u8>,
    pub events: Vec<Event>,
    pub logs: Vec<String>,
    pub call_stack: Vec<Address>,
    /// The embedder's state; it stays with the state between transactions.
    pub extension: Option<Box<dyn Any + Send>>,
    /// The runtime's caches; they stay with the state between transactions.
    pub caches: Caches<K>,
}

/// A page's flag in [`TxState::touched`]: read (or written, which reads).
const READ: u8 = 1;
/// A page's flag in [`TxState::touched`]: written.
const WRITTEN: u8 = 2;

/// Undo information for a nested call.
pub(crate) struct StateCheckpoint {
    storages: Vec<(Address, Checkpoint)>,
    accounts: BTreeMap<Address, Loaded>,
    events: usize,
}

impl<K: KvStore + Clone + 'static> TxState<K> {
    /// A fresh state with `caches`; [`reset`](Self::reset) it before each
    /// transaction.
    pub fn new(kv: BlockKv<K>, caches: Caches<K>) -> Self {
        TxState {
            kv,
            block: BlockContext::default(),
            read_only: false,
            accounts: BTreeMap::new(),
            new_code: BTreeMap::new(),
            storages: BTreeMap::new(),
            touched: HashMap::new(),
            events: Vec::new(),
            logs: Vec::new(),
            call_stack: Vec::new(),
            extension: None,
            caches,
        }
    }

    /// Makes a used state (from an earlier transaction) fresh again for a
    /// new one, keeping the room its collections grew, up to a bound (one
    /// transaction that touched many pages does not pin that memory).
    pub fn reset(&mut self, block: BlockContext, read_only: bool) {
        const KEEP: usize = 1024;
        if self.touched.capacity() > KEEP {
            self.touched = HashMap::new();
        }
        if self.events.capacity() > KEEP {
            self.events = Vec::new();
        }
        if self.logs.capacity() > KEEP {
            self.logs = Vec::new();
        }
        self.block = block;
        self.read_only = read_only;
        self.accounts.clear();
        self.new_code.clear();
        self.storages.clear();
        self.touched.clear();
        self.events.clear();
        self.logs.clear();
        self.call_stack.clear();
    }

    /// The account at `address`, loaded once per transaction.
    pub fn account(&mut self, address: &Address) -> Result<Option<&mut Account>, RuntimeError> {
        account_in(&self.kv, &mut self.accounts, address)
    }

    /// Replaces (or creates) the account at `address`.
    pub fn put_account(&mut self, address: Address, account: Account) {
        self.accounts.insert(
            address,
            Loaded {
                account: Some(account),
                dirty: true,
            },
        );
    }

    /// The account at `address`, to be changed: its record will be written
    /// if the transaction succeeds.
    pub fn account_to_change(
        &mut self,
        address: &Address,
    ) -> Result<Option<&mut Account>, RuntimeError> {
        let loaded = loaded_in(&self.kv, &mut self.accounts, address)?;
        loaded.dirty = true;
        Ok(loaded.account.as_mut())
    }

    pub fn checkpoint(&mut self) -> StateCheckpoint {
        StateCheckpoint {
            storages: self
                .storages
                .iter_mut()
                .map(|(a, s)| (*a, s.checkpoint()))
                .collect(),
            accounts: self.accounts.clone(),
            events: self.events.len(),
        }
    }

    pub fn rollback(&mut self, cp: StateCheckpoint) -> Result<(), RuntimeError> {
        let before: BTreeSet<Address> = cp.storages.iter().map(|(a, _)| *a).collect();
        for (address, token) in cp.storages {
            if let Some(s) = self.storages.get_mut(&address) {
                s.rollback(token).map_err(RuntimeError::from_slice)?;
            }
        }
        // Storages first touched inside the call hold only its writes.
        for (address, s) in self.storages.iter_mut() {
            if !before.contains(address) {
                s.discard();
            }
        }
        self.accounts = cp.accounts;
        self.events.truncate(cp.events);
        Ok(())
    }

    pub fn release(&mut self, cp: StateCheckpoint) -> Result<(), RuntimeError> {
        for (address, token) in cp.storages {
            if let Some(s) = self.storages.get_mut(&address) {
                s.release(token).map_err(RuntimeError::from_slice)?;
            }
        }
        Ok(())
    }
}

/// [`TxState::account`] over the two fields it needs, so that a caller can
/// hold the account while it uses the state's other fields.
fn account_in<'a, K: KvStore>(
    kv: &K,
    accounts: &'a mut BTreeMap<Address, Loaded>,
    address: &Address,
) -> Result<Option<&'a mut Account>, RuntimeError> {
    Ok(loaded_in(kv, accounts, address)?.account.as_mut())
}

/// The transaction's entry for `address`, loading the account on first use.
fn loaded_in<'a, K: KvStore>(
    kv: &K,
    accounts: &'a mut BTreeMap<Address, Loaded>,
    address: &Address,
) -> Result<&'a mut Loaded, RuntimeError> {
    Ok(match accounts.entry(*address) {
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::btree_map::Entry::Vacant(e) => e.insert(Loaded {
            account: load_account(kv, address)?,
            dirty: false,
        }),
    })
}

/// An account as a transaction sees it.
#[derive(Clone)]
pub(crate) struct Loaded {
    /// The working copy (`None`: no account at the address).
    pub account: Option<Account>,
    /// Whether the transaction changed it (its record is written on
    /// success).
    pub dirty: bool,
}

pub(crate) fn load_account<K: KvStore>(
    kv: &K,
    address: &Address,
) -> Result<Option<Account>, RuntimeError> {
    match kv.get(NS_ACCOUNTS, &address.0)? {
        None => Ok(None),
        Some(bytes) => Account::from_record(address, &bytes).map(Some),
    }
}

/// The host of one frame: the contract's registers, context, input and
/// return data, and the transaction's state.
pub struct TxHost<K: KvStore + Clone + 'static> {
    shared: Arc<Shared<K>>,
    state: Option<Box<TxState<K>>>,
    context: CallContext,
    registers: Registers,
    input: Vec<u8>,
    return_data: Vec<u8>,
    last_call_return: Vec<u8>,
    gas: u64,
    limits: StoreLimits,
    /// The first failure of the runtime itself (the store, a corrupt record,
    /// a bug) inside this frame, kept with its type. The host function that
    /// met it fails with [`HostErrorKind::Host`], which ends the frame, and
    /// the frame then fails with this error instead of a receipt.
    fatal: Option<RuntimeError>,
}

/// Keeps `e` as the frame's fatal error (the first one wins) and gives its
/// message, for the host-function error that ends the frame.
fn keep_fatal(slot: &mut Option<RuntimeError>, e: RuntimeError) -> String {
    let message = e.to_string();
    slot.get_or_insert(e);
    message
}

/// A slice access's failure: the contract's fault (a slice across a page
/// end, a page past the contract's last) as it is, anything else (a missing
/// or corrupt record, the store) kept as the frame's fatal error.
fn slice_fault(slot: &mut Option<RuntimeError>, e: SliceError) -> StorageFault {
    match e {
        SliceError::CrossesPage { .. }
        | SliceError::Page(strata_pages::PageError::PageOutOfRange { .. }) => e.into(),
        other => StorageFault::Failed(keep_fatal(slot, RuntimeError::from_slice(other))),
    }
}

impl<K: KvStore + Clone + 'static> TxHost<K> {
    fn state(&mut self) -> Result<&mut TxState<K>, HostErrorKind> {
        Ok(self.state_and_fatal()?.0)
    }

    /// The transaction state, and the frame's fatal-error slot.
    fn state_and_fatal(
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
    fn own_storage(
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
    fn touch(
        &mut self,
        page: u32,
        offset: u32,
        len: u32,
        write: bool,
    ) -> Result<SliceLayout, StorageFault> {
        let slice = SliceLayout::new(page, offset, len)?;
        let address = self.context.address;
        let gas = self.shared.config.gas;
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

impl<K: KvStore + Clone + 'static> Host for TxHost<K> {
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

    fn call(
        &mut self,
        target: &Address,
        function: &str,
        input: &[u8],
        gas_limit: u64,
    ) -> Result<CallStatus, HostErrorKind> {
        let config = &self.shared.config;
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
        let (mut state, outcome) = run_frame(&self.shared, state, frame)
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
        let ext = self.state.as_deref_mut()?.extension.as_deref_mut()?;
        Some(ext as &mut dyn Any)
    }
}

/// One contract function to run.
pub(crate) struct Frame<'a> {
    pub address: Address,
    pub sender: Address,
    pub function: &'a str,
    pub args: &'a [Arg],
    pub input: Vec<u8>,
    pub gas_limit: u64,
    /// A contract-to-contract call: the function must take no parameters.
    pub nested: bool,
}

pub(crate) struct FrameOutcome {
    pub result: Result<Vec<Arg>, Failure>,
    pub gas_used: u64,
    pub return_data: Vec<u8>,
}

impl FrameOutcome {
    pub(crate) fn failed(failure: Failure, gas_used: u64) -> Self {
        FrameOutcome {
            result: Err(failure),
            gas_used,
            return_data: Vec::new(),
        }
    }
}

/// Where a contract's storage stands, from its account.
#[derive(Clone, Copy)]
pub(crate) struct StorageRoot {
    pub state_root: StateRoot,
    pub page_count: u32,
    pub tree_root: Hash32,
}

impl StorageRoot {
    pub fn of(account: &Account) -> Self {
        StorageRoot {
            state_root: account.state_root,
            page_count: account.page_count,
            tree_root: account.tree_root,
        }
    }
}

/// The page cache configuration of every contract: no root records, as the
/// account keeps the page count and tree root.
pub(crate) fn contract_pages(capacity: usize) -> PageCacheConfig {
    PageCacheConfig::with_capacity(capacity).without_root_records()
}

/// Opens the committed storage of the contract at `address` from its
/// account's page count and tree root, after checking that they make the
/// account's state root.
pub(crate) fn open_contract_pages<K: KvStore>(
    kv: K,
    address: &Address,
    root: StorageRoot,
    capacity: usize,
) -> Result<PageCache<K>, RuntimeError> {
    if tree::state_root(root.page_count, &root.tree_root) != root.state_root {
        return Err(RuntimeError::Corrupt {
            what: "account",
            key: address.to_hex(),
            detail: "its page count and tree root do not make its state root".into(),
        });
    }
    Ok(PageCache::open_at(
        kv,
        root.page_count,
        root.tree_root,
        contract_pages(capacity),
    )?)
}

/// Opens the storage of `address` in the transaction (from the contract
/// cache when its root is current).
fn open_storage<K: KvStore + Clone + 'static>(
    shared: &Shared<K>,
    state: &mut TxState<K>,
    address: Address,
    root: StorageRoot,
) -> Result<(), RuntimeError> {
    if state.storages.contains_key(&address) {
        return Ok(());
    }
    let cached = state.caches.take_contract_cache(&address, root.state_root);
    let cache = match cached {
        Some(c) => c,
        None => open_contract_pages(
            state.kv.clone(),
            &address,
            root,
            shared.config.pages_per_contract,
        )?,
    };
    state.storages.insert(address, Slices::new(cache));
    Ok(())
}

/// Runs one frame. The transaction state goes in and comes back whatever
/// the contract does; only a lost state (which the code never allows) is an
/// error.
pub(crate) fn run_frame<K: KvStore + Clone + 'static>(
    shared: &Arc<Shared<K>>,
    state: Box<TxState<K>>,
    frame: Frame<'_>,
) -> Result<(Box<TxState<K>>, FrameOutcome), RuntimeError> {
    let (state, outcome) = crate::stack::with_stack(|| run_frame_inner(shared, state, frame));
    Ok((
        state.ok_or_else(|| RuntimeError::Internal("transaction state lost".into()))?,
        outcome,
    ))
}

fn run_frame_inner<K: KvStore + Clone + 'static>(
    shared: &Arc<Shared<K>>,
    mut state: Box<TxState<K>>,
    frame: Frame<'_>,
) -> (Option<Box<TxState<K>>>, FrameOutcome) {
    // Account, registers, code and storage.
    let st = &mut *state;
    let (code_hash, storage_root, registers) =
        match account_in(&st.kv, &mut st.accounts, &frame.address) {
            Ok(Some(a)) if a.is_contract() => (
                a.code_hash,
                StorageRoot::of(a),
                st.caches
                    .layout(&shared.config, &frame.address, &a.banks)
                    .map(Registers::new),
            ),
            Ok(_) => {
                let f = missing(
                    CallStatus::NoContract,
                    format!("no contract at address {}", frame.address),
                );
                return (Some(state), FrameOutcome::failed(f, 0));
            }
            Err(e) => return (Some(state), FrameOutcome::failed(e.into(), 0)),
        };
    let Some(code_hash) = code_hash else {
        let f = missing(CallStatus::NoContract, "no contract");
        return (Some(state), FrameOutcome::failed(f, 0));
    };
    let st = &mut *state;
    let module = match st.caches.module(shared, &code_hash, &st.new_code) {
        Ok(m) => m,
        Err(e) => return (Some(state), FrameOutcome::failed(e.into(), 0)),
    };
    let gas = shared.config.gas;
    let instantiate_cost = gas.instantiate_base.saturating_add(
        gas.instantiate_per_kib
            .saturating_mul(module.code_len.div_ceil(1024) as u64),
    );
    if instantiate_cost > frame.gas_limit {
        let f = Failure::Tx(TxError::new(
            ErrorKind::OutOfGas,
            format!(
                "instantiating the contract costs {instantiate_cost} gas; the limit is {}",
                frame.gas_limit
            ),
        ));
        return (Some(state), FrameOutcome::failed(f, frame.gas_limit));
    }
    let fuel = frame.gas_limit - instantiate_cost;
    if let Err(e) = open_storage(shared, &mut state, frame.address, storage_root) {
        return (Some(state), FrameOutcome::failed(e.into(), 0));
    }
    let registers = match registers {
        Ok(r) => r,
        Err(e) => {
            let f = Failure::Fatal(RuntimeError::Corrupt {
                what: "account",
                key: frame.address.to_hex(),
                detail: format!("stored register banks are invalid: {e}"),
            });
            return (Some(state), FrameOutcome::failed(f, 0));
        }
    };
    let host = TxHost {
        shared: shared.clone(),
        context: CallContext {
            address: frame.address,
            sender: frame.sender,
            block_height: state.block.height,
            block_time: state.block.time,
        },
        state: None,
        registers,
        input: frame.input,
        return_data: Vec::new(),
        last_call_return: Vec::new(),
        gas: 0,
        limits: shared.config.store_limits(),
        fatal: None,
    };
    state.call_stack.push(frame.address);
    let mut host = host;
    host.state = Some(state);
    let mut store = Store::new(&shared.engine, WasmiState::new(host));
    store.limiter(|s| &mut s.host.limits);
    let result = execute_in_store(
        shared,
        &mut store,
        &module.module,
        frame.function,
        frame.args,
        frame.nested,
        fuel,
    );
    let fuel_left = store.get_fuel().unwrap_or(0);
    let data = store.into_data();
    let mut host = data.host;
    let Some(mut state) = host.state.take() else {
        let f = Failure::Fatal(RuntimeError::Internal("transaction state lost".into()));
        return (None, FrameOutcome::failed(f, frame.gas_limit));
    };
    state.call_stack.pop();
    let mut gas_used = frame.gas_limit.saturating_sub(fuel_left);
    // A failure of the runtime itself outranks whatever the contract saw.
    let result = match (host.fatal.take(), result) {
        (Some(fatal), _) => Err(Failure::Fatal(fatal)),
        (None, Ok(values)) => Ok(values),
        (None, Err(failure)) => {
            if let Failure::Tx(TxError {
                kind: ErrorKind::OutOfGas,
                ..
            }) = &failure
            {
                gas_used = frame.gas_limit;
            }
            Err(failure)
        }
    };
    (
        Some(state),
        FrameOutcome {
            result,
            gas_used,
            return_data: host.return_data,
        },
    )
}

fn wasm_type_name(t: &wasmi::ValType) -> &'static str {
    match t {
        wasmi::ValType::I32 => "i32",
        wasmi::ValType::I64 => "i64",
        _ => "unsupported",
    }
}

fn execute_in_store<K: KvStore + Clone + 'static>(
    shared: &Shared<K>,
    store: &mut Store<WasmiState<TxHost<K>>>,
    module: &wasmi::Module,
    function: &str,
    args: &[Arg],
    nested: bool,
    fuel: u64,
) -> Result<Vec<Arg>, Failure> {
    store
        .set_fuel(fuel)
        .map_err(|e| Failure::Fatal(RuntimeError::Internal(e.to_string())))?;
    let instance = shared
        .linker
        .instantiate_and_start(&mut *store, module)
        .map_err(classify)?;
    let memory = instance.get_memory(&*store, strata_vm_abstraction::MEMORY_EXPORT);
    store.data_mut().memory = memory;
    let func = instance.get_func(&*store, function).ok_or_else(|| {
        missing(
            CallStatus::NoFunction,
            format!("no function {function:?} is exported by the contract"),
        )
    })?;
    let ty = func.ty(&*store);
    let params = ty.params();
    let names = |types: &[wasmi::ValType]| -> String {
        types
            .iter()
            .map(wasm_type_name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if nested && !params.is_empty() {
        return Err(missing(
            CallStatus::NoFunction,
            format!(
                "no function {function:?} without parameters: contract calls pass input \
                 bytes, and this function takes ({})",
                names(params)
            ),
        ));
    }
    let fits = params.len() == args.len()
        && params.iter().zip(args).all(|(p, a)| {
            matches!(
                (p, a),
                (wasmi::ValType::I32, Arg::I32(_)) | (wasmi::ValType::I64, Arg::I64(_))
            )
        });
    if !fits {
        let given: Vec<&str> = args
            .iter()
            .map(|a| match a {
                Arg::I32(_) => "i32",
                Arg::I64(_) => "i64",
            })
            .collect();
        return Err(invalid(format!(
            "function {function:?} takes ({}) but was given ({})",
            names(params),
            given.join(", ")
        )));
    }
    // Most functions take and return a few scalars: no allocation for them.
    let vals: SmallVec<[Val; 4]> = args
        .iter()
        .map(|a| match a {
            Arg::I32(v) => Val::I32(*v),
            Arg::I64(v) => Val::I64(*v),
        })
        .collect();
    let mut results: SmallVec<[Val; 4]> = ty
        .results()
        .iter()
        .map(|t| Val::default_for_ty(*t))
        .collect();
    func.call(&mut *store, &vals, &mut results)
        .map_err(classify)?;
    results
        .iter()
        .map(|v| match v {
            Val::I32(x) => Ok(Arg::I32(*x)),
            Val::I64(x) => Ok(Arg::I64(*x)),
            other => Err(invalid(format!("unsupported result {other:?}"))),
        })
        .collect()
}

/// Turns a wasmi error into a receipt error (or a fatal one).
fn classify(e: wasmi::Error) -> Failure {
    if let Some(h) = e.downcast_ref::<HostError>() {
        let kind = match &h.kind {
            HostErrorKind::OutOfGas => ErrorKind::OutOfGas,
            HostErrorKind::Abort { message } => {
                return Failure::Tx(TxError::new(ErrorKind::Abort, message.clone()));
            }
            HostErrorKind::ReadOnly => ErrorKind::ReadOnly,
            HostErrorKind::Host(msg) => return Failure::Fatal(RuntimeError::Storage(msg.clone())),
            _ => ErrorKind::HostError,
        };
        return Failure::Tx(TxError::new(kind, h.to_string()));
    }
    let kind = wasm_error_kind(e.kind());
    Failure::Tx(TxError::new(kind, e.to_string()))
}

/// The receipt kind of a wasmi error, from its type (never its text, which
/// a wasmi upgrade may reword).
fn wasm_error_kind(kind: &wasmi::errors::ErrorKind) -> ErrorKind {
    use wasmi::TrapCode;
    use wasmi::errors::{ErrorKind as W, FuelError, MemoryError, TableError};
    match kind {
        W::TrapCode(TrapCode::OutOfFuel) => ErrorKind::OutOfGas,
        W::TrapCode(TrapCode::StackOverflow) => ErrorKind::StackOverflow,
        W::TrapCode(TrapCode::GrowthOperationLimited | TrapCode::OutOfSystemMemory) => {
            ErrorKind::ResourceLimit
        }
        W::TrapCode(_) => ErrorKind::Trap,
        W::Fuel(FuelError::OutOfFuel { .. })
        | W::Memory(MemoryError::OutOfFuel { .. })
        | W::Table(TableError::OutOfFuel { .. }) => ErrorKind::OutOfGas,
        W::Memory(MemoryError::OutOfBoundsAccess) => ErrorKind::Trap,
        W::Memory(_) | W::Table(_) | W::UserLimits(_) | W::ImplementationLimits(_) => {
            ErrorKind::ResourceLimit
        }
        _ => ErrorKind::Trap,
    }
}

#[cfg(test)]
mod tests {
    use wasmi::TrapCode;
    use wasmi::errors::{FuelError, MemoryError, TableError};

    use super::*;

    fn kind_of(e: impl Into<wasmi::Error>) -> ErrorKind {
        match classify(e.into()) {
            Failure::Tx(e) => e.kind,
            _ => panic!("a wasm error fails the transaction"),
        }
    }

    #[test]
    fn wasm_errors_are_classified_by_type() {
        assert_eq!(kind_of(TrapCode::OutOfFuel), ErrorKind::OutOfGas);
        assert_eq!(kind_of(TrapCode::StackOverflow), ErrorKind::StackOverflow);
        assert_eq!(
            kind_of(TrapCode::GrowthOperationLimited),
            ErrorKind::ResourceLimit
        );
        assert_eq!(
            kind_of(TrapCode::OutOfSystemMemory),
            ErrorKind::ResourceLimit
        );
        for trap in [
            TrapCode::UnreachableCodeReached,
            TrapCode::MemoryOutOfBounds,
            TrapCode::IntegerDivisionByZero,
            TrapCode::IndirectCallToNull,
            TrapCode::BadSignature,
        ] {
            assert_eq!(kind_of(trap), ErrorKind::Trap, "{trap:?}");
        }
        assert_eq!(
            kind_of(FuelError::OutOfFuel { required_fuel: 1 }),
            ErrorKind::OutOfGas
        );
        assert_eq!(
            kind_of(MemoryError::OutOfFuel { required_fuel: 1 }),
            ErrorKind::OutOfGas
        );
        assert_eq!(
            kind_of(MemoryError::ResourceLimiterDeniedAllocation),
            ErrorKind::ResourceLimit
        );
        assert_eq!(kind_of(MemoryError::OutOfBoundsAccess), ErrorKind::Trap);
        assert_eq!(
            kind_of(TableError::ResourceLimiterDeniedAllocation),
            ErrorKind::ResourceLimit
        );
        // Text never decides: a message that mentions a limit is a trap.
        assert_eq!(
            kind_of(wasmi::Error::new("over the limit")),
            ErrorKind::Trap
        );
    }

    #[test]
    fn host_errors_keep_their_kind() {
        let host = |kind| wasmi::Error::host(HostError::new("strata", "f", kind));
        assert_eq!(kind_of(host(HostErrorKind::OutOfGas)), ErrorKind::OutOfGas);
        assert_eq!(kind_of(host(HostErrorKind::ReadOnly)), ErrorKind::ReadOnly);
        assert_eq!(
            kind_of(host(HostErrorKind::invalid("ptr", "bad"))),
            ErrorKind::HostError
        );
        match classify(host(HostErrorKind::Abort {
            message: "no".into(),
        })) {
            Failure::Tx(e) => assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Abort, "no")),
            _ => panic!("an abort fails the transaction"),
        }
        assert!(matches!(
            classify(host(HostErrorKind::Host("disk".into()))),
            Failure::Fatal(_)
        ));
    }
}
