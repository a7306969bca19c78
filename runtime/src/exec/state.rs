//! The state of one transaction, moved from frame to frame: the accounts
//! it loaded, the storages it opened, its events and logs, the call stack,
//! and the checkpoints of nested calls.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hashbrown::HashMap;
use litemap::LiteMap;
use strata_host_fns::{Address, Event};
use strata_kv::KvStore;
use strata_pages::Checkpoint;
use strata_registers::{BankLayout, Registers};
use strata_slices::Slices;

use super::ExternalLink;
use crate::caches::Caches;
use crate::journal::ExtensionSlot;
use crate::overlay::BlockKv;
use crate::{Account, BlockContext, CodeHash, NS_ACCOUNTS, RuntimeError};

pub(crate) type Storage<K> = Slices<BlockKv<K>>;

/// A map by address for the few contracts of one transaction: a vector
/// sorted by address. A transaction touches a few contracts, and finding
/// one among a few in a sorted vector costs less than hashing its address
/// or walking a B-tree; [`clear`](LiteMap::clear) keeps the vector's room,
/// so a transaction after the first allocates nothing for it (a B-tree
/// allocated and freed a node per map per transaction, about 1,300
/// instructions of a counter transaction of 96,000). Its order is the
/// order of the receipt's roots and of the batch.
pub(crate) type ByAddress<V> = LiteMap<Address, V>;

/// The most entries a [`ByAddress`] map keeps room for between
/// transactions (a transaction that touched more does not pin it).
pub(crate) const KEEP_CONTRACTS: usize = 64;

/// The state of one transaction, moved from frame to frame.
pub(crate) struct TxState<K: KvStore + 'static> {
    pub kv: BlockKv<K>,
    pub block: BlockContext,
    pub read_only: bool,
    /// Working copies of the accounts the transaction read (`None`: absent).
    ///
    /// This and the storages are [`ByAddress`] maps: sorted vectors that
    /// keep their room from one transaction to the next.
    pub accounts: ByAddress<Loaded>,
    /// Code created by this transaction, not yet stored.
    pub new_code: BTreeMap<CodeHash, Arc<[u8]>>,
    /// The storage of every contract the transaction touched.
    pub storages: ByAddress<Storage<K>>,
    /// Pages touched so far, with [`READ`] and [`WRITTEN`] flags: a page's
    /// first read and first write are charged, later ones are free.
    pub touched: HashMap<(Address, u32), u8>,
    pub events: Vec<Event>,
    pub logs: Vec<String>,
    pub call_stack: Vec<Address>,
    /// Register banks of ended frames, for the next frames to reuse
    /// ([`registers_for`]): no allocation per call for them.
    pub spare_registers: Vec<Registers>,
    /// The embedder's state; it stays with the state between transactions.
    /// A nested call opens a level in it with its checkpoint and closes it
    /// with the call's fate.
    pub extension: Option<ExtensionSlot>,
    /// The runtime's caches; they stay with the state between transactions.
    pub caches: Caches<K>,
    /// The channels to the node, in a transaction started with
    /// `Runtime::start`: external host functions ask through them. Set for
    /// one transaction and taken back after it.
    pub external: Option<ExternalLink>,
    /// A register probe for the next top-level frame (`probe.rs`), set and
    /// taken by `Runtime::execute_probed` around one transaction.
    pub probe: Option<Box<crate::probe::ActiveProbe>>,
    /// The maps the transaction used: new nodes, root slices, charged keys.
    pub maps: crate::maps::TxMaps,
}

/// A page's flag in [`TxState::touched`]: read (or written, which reads).
pub(crate) const READ: u8 = 1;
/// A page's flag in [`TxState::touched`]: written.
pub(crate) const WRITTEN: u8 = 2;

/// Undo information for a nested call.
pub(crate) struct StateCheckpoint {
    storages: Vec<(Address, Checkpoint)>,
    accounts: ByAddress<Loaded>,
    events: usize,
    /// The embedder's levels before the call's.
    extension: usize,
}

impl<K: KvStore + 'static> TxState<K> {
    /// A fresh state with `caches`; [`reset`](Self::reset) it before each
    /// transaction.
    pub fn new(kv: BlockKv<K>, caches: Caches<K>) -> Self {
        TxState {
            kv,
            block: BlockContext::default(),
            read_only: false,
            accounts: ByAddress::new(),
            new_code: BTreeMap::new(),
            storages: ByAddress::new(),
            touched: HashMap::new(),
            events: Vec::new(),
            logs: Vec::new(),
            call_stack: Vec::new(),
            spare_registers: Vec::new(),
            extension: None,
            caches,
            external: None,
            probe: None,
            maps: crate::maps::TxMaps::default(),
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
        // Its room is at least the most accounts it held since it was made.
        if self.accounts.len() > KEEP_CONTRACTS {
            self.accounts = ByAddress::new();
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
        self.maps.clear();
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
        let extension = self.extension.as_mut().map_or(0, ExtensionSlot::checkpoint);
        StateCheckpoint {
            storages: self
                .storages
                .iter_mut()
                .map(|(a, s)| (*a, s.checkpoint()))
                .collect(),
            accounts: self.accounts.clone(),
            events: self.events.len(),
            extension,
        }
    }

    pub fn rollback(&mut self, cp: StateCheckpoint) -> Result<(), RuntimeError> {
        if let Some(extension) = self.extension.as_mut() {
            extension.close(cp.extension, false);
        }
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
        if let Some(extension) = self.extension.as_mut() {
            extension.close(cp.extension, true);
        }
        for (address, token) in cp.storages {
            if let Some(s) = self.storages.get_mut(&address) {
                s.release(token).map_err(RuntimeError::from_slice)?;
            }
        }
        Ok(())
    }
}

/// Zeroed registers for `layout`: a spare bank set reset, or a new one.
pub(crate) fn registers_for(spare: &mut Vec<Registers>, layout: &BankLayout) -> Registers {
    match spare.pop() {
        Some(mut registers) => {
            registers.reset(layout);
            registers
        }
        None => Registers::new(layout),
    }
}

/// Keeps the registers of an ended frame for the next one (a few: one per
/// level of the deepest call chains is not worth holding).
pub(crate) fn spare_registers(spare: &mut Vec<Registers>, registers: Registers) {
    const KEEP: usize = 4;
    if spare.len() < KEEP {
        spare.push(registers);
    }
}

/// [`TxState::account`] over the two fields it needs, so that a caller can
/// hold the account while it uses the state's other fields.
pub(crate) fn account_in<'a, K: KvStore>(
    kv: &K,
    accounts: &'a mut ByAddress<Loaded>,
    address: &Address,
) -> Result<Option<&'a mut Account>, RuntimeError> {
    Ok(loaded_in(kv, accounts, address)?.account.as_mut())
}

/// The transaction's entry for `address`, loading the account on first use.
pub(crate) fn loaded_in<'a, K: KvStore>(
    kv: &K,
    accounts: &'a mut ByAddress<Loaded>,
    address: &Address,
) -> Result<&'a mut Loaded, RuntimeError> {
    Ok(match accounts.entry(*address) {
        litemap::Entry::Occupied(e) => e.into_mut(),
        litemap::Entry::Vacant(e) => e.insert(Loaded {
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
