//! Contract maps in a transaction: the `Host` map calls of a frame, the
//! gas of their tree levels, and the commit of their new nodes and roots.
//!
//! A map is named by the 32-byte slice holding its root (`strata-maps`).
//! Every update writes the map's new root back into that slice at once
//! (write-through), so the pages are always the truth: a nested call's
//! rollback restores the slice with the page cache's checkpoint, a failed
//! transaction discards the pages and the nodes together, and reads see
//! the transaction's own writes. New nodes stay in memory ([`TxMaps`]'s
//! fresh set, content-addressed, so nodes of undone updates are harmless)
//! until commit, which writes only the nodes the final roots reach, in the
//! transaction's batch, and records the contract's top-level map roots in
//! its account record ([`crate::MapRoot`]): the seam a pruner walks.

use std::collections::{BTreeMap, BTreeSet};

use hashbrown::{HashMap, HashSet};
use strata_host_fns::{Address, Host, MapFault, MapValue, StorageFault};
use strata_kv::{KvStore, WriteBatch};
use strata_maps::{EMPTY, Fresh, Loaded, MapError, MapTree, Value, key_hash, write_reachable};
use strata_primitives::{Hash32, hex};
use strata_slices::SliceLayout;

use crate::exec::{READ, TxHost, TxState, WRITTEN, keep_fatal, slice_fault};
use crate::{MapRoot, RuntimeError};

/// The maps of one transaction.
#[derive(Default)]
pub(crate) struct TxMaps {
    /// Nodes made by the transaction's updates, not yet committed.
    pub fresh: Fresh,
    /// Stored nodes the transaction loaded (its source does not change
    /// while it runs; see `strata_maps::Loaded`), so that a read and a
    /// write of the same key walk the store once. Never kept across
    /// transactions: a node read from the block's pending writes may never
    /// be stored. Gas counts levels walked, not loads, so it does not
    /// depend on this.
    pub loaded: Loaded,
    /// Roots a contract may name besides the ones its account lists: those
    /// its updates made in this transaction, and nested roots the host
    /// handed it (`map_get`, `map_next`), by contract. See
    /// [`TxHost::owned`].
    pub known: HashSet<(Address, Hash32)>,
    /// The root slices the map calls used, by contract.
    pub slots: BTreeMap<Address, BTreeSet<(u32, u32)>>,
    /// Keys whose levels were charged, with [`READ`] and [`WRITTEN`]
    /// flags: by contract, root slice and key path.
    pub touched: HashMap<(Address, u32, u32, Hash32), u8>,
    /// The slices `map_get_map` filled in the running frames, oldest
    /// first, to fold back into their entries when their frame ends well
    /// ([`TxHost::fold_nested_maps`]).
    pub links: Vec<MapLink>,
}

/// A slice `map_get_map` filled with the nested map under `key` of the map
/// whose root slice is `parent`, in the frame at call depth `depth` of the
/// contract that runs there.
#[derive(Clone, Debug)]
pub(crate) struct MapLink {
    /// The frame's call depth (the call stack's length while it runs).
    pub depth: usize,
    /// The filled slice (page, offset).
    pub slot: (u32, u32),
    /// The root slice (page, offset) of the map the entry is in.
    pub parent: (u32, u32),
    /// The entry's key.
    pub key: Vec<u8>,
    /// The root copied into the slice.
    pub root: Hash32,
}

impl TxMaps {
    /// Empties it for the next transaction (dropping large collections).
    pub fn clear(&mut self) {
        if self.fresh.len() > 4096
            || self.touched.len() > 4096
            || self.loaded.get_mut().len() > 4096
        {
            *self = TxMaps::default();
        } else {
            self.fresh.clear();
            self.loaded.get_mut().clear();
            self.known.clear();
            self.slots.clear();
            self.touched.clear();
            self.links.clear();
        }
    }
}

/// A map error of the tree as the contract sees it: its own fault (a key or
/// value over the limit, a slice that holds no map root) as a [`MapFault`],
/// anything else (a missing or corrupt node below a real root, the store)
/// kept as the frame's fatal error.
fn fault(fatal: &mut Option<RuntimeError>, e: MapError) -> MapFault {
    match e {
        MapError::KeyTooLong { len } => MapFault::KeyTooLong { len: len as u32 },
        MapError::ValueTooLong { len } => MapFault::ValueTooLong { len: len as u32 },
        // Roots are checked before the tree is walked (`TxHost::owned`), so
        // a missing root, like any missing node, is the store's failure.
        MapError::Kv(e) => StorageFault::Failed(keep_fatal(fatal, RuntimeError::Kv(e))).into(),
        other => StorageFault::Failed(keep_fatal(fatal, map_corrupt(other))).into(),
    }
}

/// A tree failure that is the store's, as a runtime error.
pub(crate) fn map_corrupt(e: MapError) -> RuntimeError {
    match e {
        MapError::Kv(e) => RuntimeError::Kv(e),
        MapError::Corrupt { key, detail } => RuntimeError::Corrupt {
            what: "map node",
            key: hex::encode(key),
            detail,
        },
        MapError::Missing(key) | MapError::NoSuchRoot(key) => RuntimeError::Corrupt {
            what: "map node",
            key: hex::encode(key),
            detail: "missing from the store".into(),
        },
        other => RuntimeError::Corrupt {
            what: "map",
            key: String::new(),
            detail: other.to_string(),
        },
    }
}

fn host_fault(e: strata_host_fns::HostErrorKind) -> MapFault {
    StorageFault::Failed(e.to_string()).into()
}

fn to_host(value: Value) -> MapValue {
    match value {
        Value::Bytes(b) => MapValue::Bytes(b),
        Value::Map(root) => MapValue::Map(root),
    }
}

impl<K: KvStore + 'static> TxHost<K> {
    /// Checks the root slice (inside one page, inside the contract),
    /// charges its page's first touch, and reads the root.
    fn map_root(&mut self, page: u32, offset: u32, write: bool) -> Result<Hash32, MapFault> {
        let slice = self.touch(page, offset, 32, write)?;
        let (storage, fatal) = self.own_storage()?;
        let bytes = storage.read(slice).map_err(|e| slice_fault(fatal, e))?;
        let mut root = [0u8; 32];
        match bytes.get(..32) {
            Some(b) => root.copy_from_slice(b),
            None => return Err(StorageFault::Failed("a 32-byte read came short".into()).into()),
        }
        if !self.owned(&root)? {
            return Err(MapFault::NoSuchMap {
                root: hex::encode(root),
            });
        }
        let address = self.context.address;
        if let Some(state) = self.state.as_deref_mut() {
            state
                .maps
                .slots
                .entry(address)
                .or_default()
                .insert((page, offset));
        }
        Ok(root)
    }

    /// Whether the executing contract may name the map at `root`: the empty
    /// map, a root its account lists, or one this transaction's updates
    /// made or the host handed it as a nested map. Never whether the store
    /// happens to hold such a node: a root a contract wrote with plain
    /// writes (another contract's, an old one, one a later transaction of
    /// the block superseded) would then work or not depending on what a
    /// node has kept or pruned, and on where blocks end.
    pub(crate) fn owned(&mut self, root: &Hash32) -> Result<bool, MapFault> {
        if *root == EMPTY {
            return Ok(true);
        }
        let address = self.context.address;
        let (state, fatal) = self.state_and_fatal().map_err(host_fault)?;
        if state.maps.known.contains(&(address, *root)) {
            return Ok(true);
        }
        match state.account(&address) {
            Ok(account) => Ok(account.is_some_and(|a| a.maps.iter().any(|m| m.root == *root))),
            Err(e) => Err(StorageFault::Failed(keep_fatal(fatal, e)).into()),
        }
    }

    /// Notes a nested root handed to the contract.
    fn hand_out(&mut self, value: &Value) {
        let address = self.context.address;
        if let (Value::Map(root), Some(state)) = (value, self.state.as_deref_mut()) {
            state.maps.known.insert((address, *root));
        }
    }

    /// Charges a key's levels on its first read (or first write) in the
    /// transaction.
    fn map_levels(
        &mut self,
        slot: (u32, u32),
        key: &[u8],
        levels: u32,
        write: bool,
    ) -> Result<(), MapFault> {
        let gas = self.shared().map_err(host_fault)?.config.gas;
        let address = self.context.address;
        let state = self.state_and_fatal().map_err(host_fault)?.0;
        let flags = state
            .maps
            .touched
            .entry((address, slot.0, slot.1, key_hash(key)))
            .or_insert(0);
        let per_level = if write {
            if *flags & WRITTEN != 0 {
                0
            } else {
                *flags |= READ | WRITTEN;
                gas.map_level_write
            }
        } else if *flags & READ != 0 {
            0
        } else {
            *flags |= READ;
            gas.map_level_read
        };
        self.charge(per_level.saturating_mul(u64::from(levels)))
            .map_err(|_| StorageFault::OutOfGas.into())
    }

    pub(crate) fn map_get_entry(
        &mut self,
        page: u32,
        offset: u32,
        key: &[u8],
    ) -> Result<Option<MapValue>, MapFault> {
        let root = self.map_root(page, offset, false)?;
        let (state, fatal) = self.state_and_fatal().map_err(host_fault)?;
        let tree = MapTree::with_cache(&state.kv, &mut state.maps.fresh, &state.maps.loaded);
        let found = tree.get(&root, key).map_err(|e| fault(fatal, e))?;
        self.map_levels((page, offset), key, found.levels, false)?;
        if let Some(v) = &found.item {
            self.hand_out(v);
        }
        Ok(found.item.map(to_host))
    }

    pub(crate) fn map_get_path_entry(
        &mut self,
        page: u32,
        offset: u32,
        keys: &[&[u8]],
    ) -> Result<Option<MapValue>, MapFault> {
        let mut root = self.map_root(page, offset, false)?;
        let (state, fatal) = self.state_and_fatal().map_err(host_fault)?;
        let tree = MapTree::with_cache(&state.kv, &mut state.maps.fresh, &state.maps.loaded);
        let mut levels = 0u32;
        let mut value = None;
        for (i, key) in keys.iter().enumerate() {
            let found = tree.get(&root, key).map_err(|e| fault(fatal, e))?;
            levels = levels.saturating_add(found.levels);
            value = found.item;
            match &value {
                Some(Value::Map(inner)) => root = *inner,
                Some(Value::Bytes(_)) if i + 1 < keys.len() => return Err(MapFault::NotAMap),
                _ => {}
            }
            if value.is_none() {
                break;
            }
        }
        // Charged once per path, as a key is (the path's encoding names it).
        let mut path = Vec::new();
        for k in keys {
            path.push(k.len() as u8);
            path.extend_from_slice(k);
        }
        self.map_levels((page, offset), &path, levels, false)?;
        if let Some(v) = &value {
            self.hand_out(v);
        }
        Ok(value.map(to_host))
    }

    /// Sets (`Some`) or removes (`None`) an entry, writes the new root, and
    /// returns whether the key had an entry.
    pub(crate) fn map_update(
        &mut self,
        page: u32,
        offset: u32,
        key: &[u8],
        value: Option<MapValue>,
    ) -> Result<bool, MapFault> {
        let root = self.map_root(page, offset, true)?;
        if let Some(MapValue::Map(nested)) = &value
            && !self.owned(nested)?
        {
            return Err(MapFault::NoSuchNestedMap {
                root: hex::encode(nested),
            });
        }
        let address = self.context.address;
        let (state, fatal) = self.state_and_fatal().map_err(host_fault)?;
        let mut tree = MapTree::with_cache(&state.kv, &mut state.maps.fresh, &state.maps.loaded);
        let updated = match value {
            None => tree.remove(&root, key),
            Some(MapValue::Bytes(b)) => tree.set(&root, key, Value::Bytes(b)),
            Some(MapValue::Map(nested)) => tree.set(&root, key, Value::Map(nested)),
        }
        .map_err(|e| fault(fatal, e))?;
        state.maps.known.insert((address, updated.root));
        if updated.root != root {
            let (storage, fatal) = self.own_storage()?;
            storage
                .write(page, offset, &updated.root)
                .map_err(|e| slice_fault(fatal, e))?;
        }
        self.map_levels((page, offset), key, updated.levels, true)?;
        Ok(updated.existed)
    }

    pub(crate) fn map_next_entry(
        &mut self,
        page: u32,
        offset: u32,
        after: Option<&[u8]>,
    ) -> Result<Option<(Vec<u8>, MapValue)>, MapFault> {
        let root = self.map_root(page, offset, false)?;
        let (state, fatal) = self.state_and_fatal().map_err(host_fault)?;
        let tree = MapTree::with_cache(&state.kv, &mut state.maps.fresh, &state.maps.loaded);
        let found = tree.next(&root, after).map_err(|e| fault(fatal, e))?;
        let gas = self.shared().map_err(host_fault)?.config.gas.map_level_read;
        self.charge(gas.saturating_mul(u64::from(found.levels)))
            .map_err(|_| MapFault::from(StorageFault::OutOfGas))?;
        if let Some((_, v)) = &found.item {
            self.hand_out(v);
        }
        Ok(found.item.map(|(k, v)| (k, to_host(v))))
    }
}

/// How folding a frame's nested maps back into their parents failed.
pub(crate) enum FoldFailure {
    /// The frame's gas ran out.
    OutOfGas,
    /// The runtime itself failed; the error is the frame's fatal one.
    Fatal,
}

impl<K: KvStore + 'static> TxHost<K> {
    /// Notes that `map_get_map` filled `slot` from the entry `key` of the
    /// map at `parent`: a later fill of the same slice replaces the link,
    /// and links into the slice (whose map the fill replaced) are dropped.
    /// A fill of the parent's own slice links nothing: the parent is gone.
    pub(crate) fn link_nested_map(
        &mut self,
        slot: (u32, u32),
        parent: (u32, u32),
        key: &[u8],
        root: &Hash32,
    ) {
        let Some(state) = self.state.as_deref_mut() else {
            return;
        };
        let depth = state.call_stack.len();
        let links = &mut state.maps.links;
        links.retain(|l| l.depth != depth || (l.slot != slot && l.parent != slot));
        if slot != parent {
            links.push(MapLink {
                depth,
                slot,
                parent,
                key: key.to_vec(),
                root: *root,
            });
        }
    }

    /// Ends the running frame's links. When the frame ended well
    /// (`fold`), folds them back first, the last made first (so an inner
    /// map reaches its parent's slice before the parent is folded into its
    /// own): a slice whose root changed since `map_get_map` filled it, and
    /// that still holds a map the contract may name, is set into its entry,
    /// unless the entry holds that map already (set explicitly by
    /// `map_set_map`). Each fold costs `GasSchedule::map_fold` plus the
    /// key's bytes plus the write's levels, as `map_set_map` would. A link
    /// whose slice or parent slice no longer holds a map the contract may
    /// name (plain writes replaced it) is dropped.
    pub(crate) fn fold_nested_maps(&mut self, fold: bool) -> Result<(), FoldFailure> {
        let Some(state) = self.state.as_deref_mut() else {
            return Ok(());
        };
        let depth = state.call_stack.len();
        let first = state.maps.links.partition_point(|l| l.depth < depth);
        if first == state.maps.links.len() {
            return Ok(());
        }
        let links = state.maps.links.split_off(first);
        if !fold {
            return Ok(());
        }
        let fold_gas = match self.shared() {
            Ok(shared) => shared.config.gas.map_fold,
            Err(e) => {
                keep_fatal(&mut self.fatal, RuntimeError::Internal(e.to_string()));
                return Err(FoldFailure::Fatal);
            }
        };
        for link in links.iter().rev() {
            let Some(root) = self.fold_candidate(link)? else {
                continue;
            };
            self.charge(fold_gas.saturating_add(link.key.len() as u64))
                .map_err(|_| FoldFailure::OutOfGas)?;
            match self.map_update(
                link.parent.0,
                link.parent.1,
                &link.key,
                Some(MapValue::Map(root)),
            ) {
                Ok(_) => {}
                Err(MapFault::Storage(StorageFault::OutOfGas)) => {
                    return Err(FoldFailure::OutOfGas);
                }
                Err(_) if self.fatal.is_some() => return Err(FoldFailure::Fatal),
                // Checked by `fold_candidate`: not reached.
                Err(_) => {}
            }
        }
        Ok(())
    }

    /// The root `link`'s slice now holds, when it must be folded into its
    /// entry.
    fn fold_candidate(&mut self, link: &MapLink) -> Result<Option<Hash32>, FoldFailure> {
        let Some(root) = self.slot_root(link.slot)? else {
            return Ok(None);
        };
        if root == link.root || !self.owned(&root).map_err(|_| FoldFailure::Fatal)? {
            return Ok(None);
        }
        let Some(parent) = self.slot_root(link.parent)? else {
            return Ok(None);
        };
        if !self.owned(&parent).map_err(|_| FoldFailure::Fatal)? {
            return Ok(None);
        }
        let (state, fatal) = self.state_and_fatal().map_err(|_| FoldFailure::Fatal)?;
        let tree = MapTree::with_cache(&state.kv, &mut state.maps.fresh, &state.maps.loaded);
        match tree.get(&parent, &link.key) {
            Ok(found) if found.item == Some(Value::Map(root)) => Ok(None),
            Ok(_) => Ok(Some(root)),
            Err(e) => {
                keep_fatal(fatal, map_corrupt(e));
                Err(FoldFailure::Fatal)
            }
        }
    }

    /// The 32 bytes of a root slice, without gas (the map call that made
    /// the link touched it); `None` when the slice is not one.
    fn slot_root(&mut self, (page, offset): (u32, u32)) -> Result<Option<Hash32>, FoldFailure> {
        let Ok(slice) = SliceLayout::new(page, offset, 32) else {
            return Ok(None);
        };
        let (storage, fatal) = self.own_storage().map_err(|_| FoldFailure::Fatal)?;
        match storage.read(slice) {
            Ok(bytes) => Ok(<Hash32>::try_from(bytes).ok()),
            Err(e) => {
                slice_fault(fatal, e);
                // A slice the contract could not name is no map; anything
                // else is kept as the fatal error.
                if fatal.is_some() {
                    Err(FoldFailure::Fatal)
                } else {
                    Ok(None)
                }
            }
        }
    }
}

/// The contracts whose map list a successful transaction must bring up to
/// date: those whose maps it used, and those with maps whose pages it
/// wrote (a plain write may have replaced a root). Call before the pages
/// are committed.
pub(crate) fn contracts_to_check<K: KvStore + 'static>(state: &TxState<K>) -> Vec<Address> {
    // Most transactions use no maps: nothing to collect.
    let has_maps = |address: &Address| {
        state
            .accounts
            .get(address)
            .and_then(|l| l.account.as_ref())
            .is_some_and(|a| !a.maps.is_empty())
    };
    if state.maps.slots.is_empty() && !state.storages.keys().any(has_maps) {
        return Vec::new();
    }
    let mut out: BTreeSet<Address> = state.maps.slots.keys().copied().collect();
    for (address, storage) in &state.storages {
        if has_maps(address) && storage.pages().dirty_len() > 0 {
            out.insert(*address);
        }
    }
    out.into_iter().collect()
}

/// Brings the map lists of `contracts` up to date in their accounts and
/// puts every new node their maps reach into `batch`: the nodes of a
/// successful transaction, in its batch beside its pages and accounts.
pub(crate) fn commit<K: KvStore + 'static>(
    state: &mut TxState<K>,
    contracts: &[Address],
    batch: &mut WriteBatch,
) -> Result<(), RuntimeError> {
    for address in contracts {
        let old = match state.account(address)? {
            Some(a) => a.maps.clone(),
            None => continue,
        };
        let mut slots: BTreeSet<(u32, u32)> = old.iter().map(|m| (m.page, m.offset)).collect();
        if let Some(used) = state.maps.slots.get(address) {
            slots.extend(used.iter().copied());
        }
        let TxState { storages, maps, .. } = &mut *state;
        let Some(storage) = storages.get_mut(address) else {
            continue;
        };
        let mut list = Vec::with_capacity(slots.len());
        for (page, offset) in slots {
            let slice = SliceLayout::new(page, offset, 32).map_err(RuntimeError::from_slice)?;
            let bytes = storage.read(slice).map_err(RuntimeError::from_slice)?;
            let Ok(root) = <Hash32>::try_from(bytes) else {
                continue;
            };
            if root == EMPTY {
                continue;
            }
            // A slice a plain write changed may hold anything: only a root
            // the contract may name (as `TxHost::owned` decides) is listed.
            let is_map =
                old.iter().any(|m| m.root == root) || maps.known.contains(&(*address, root));
            if is_map {
                list.push(MapRoot { page, offset, root });
            }
        }
        write_reachable(&maps.fresh, list.iter().map(|m| m.root), batch);
        if list != old
            && let Some(account) = state.account_to_change(address)?
        {
            account.maps = list;
        }
    }
    state.maps.clear();
    Ok(())
}
