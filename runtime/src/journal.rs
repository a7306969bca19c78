//! Embedder state that follows the transaction: written by the embedder's
//! host functions, rolled back with a failed transaction or a failed
//! nested call, kept with a successful one. See [`Extension`].

use std::any::Any;
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

/// Embedder state that follows the transaction's fate: written by the
/// embedder's host functions, rolled back with a failed transaction or a
/// failed nested call, kept with a successful one.
///
/// The runtime opens a *level* when a block begins, when each transaction
/// (or query) begins, and when each nested contract call begins, and closes
/// it when that ends: [`Extension::commit`] when it succeeded (its changes
/// join the enclosing level), [`Extension::rollback`] when it failed (its
/// changes are undone). A block's level is committed once the block is in
/// the store, and rolled back when the block is abandoned (a
/// [`RuntimeError`](crate::RuntimeError)), so the embedder's state always
/// matches what the store holds. A query's level is always rolled back.
/// Outside any level (in [`Runtime::with_extension`] between blocks) a
/// change is simply made.
///
/// An embedder registers such state with
/// [`RuntimeBuilder::journaled_extension`] and reaches it from its host
/// functions through [`Host::extension`], downcast to the registered type.
/// Two ready-made implementations are hard to misuse, because every change
/// goes through them:
///
/// - [`Journal<T>`]: any `Clone` value; the first change at each level
///   copies the value, so a rollback restores the copy. For small state.
/// - [`JournalMap<K, V>`]: an ordered map that records the old value of
///   each key it changes, so a level costs what it changes. For balances
///   and the like.
///
/// A struct of several of them implements [`Extension`] by forwarding each
/// hook to each field. State registered with the older
/// [`RuntimeBuilder::extension`] is never rolled back.
///
/// The runtime calls the hooks strictly nested: every `checkpoint` is
/// matched by exactly one `commit` or `rollback`, innermost first. A
/// `commit` or `rollback` with no open level must do nothing. The hooks
/// must not panic.
///
/// ```
/// use strata_runtime::{Address, Extension, Journal, JournalMap, MemKv, Runtime};
///
/// /// A node's state: balances, and a count of the contract calls it saw.
/// #[derive(Default)]
/// struct Node {
///     balances: JournalMap<Address, u64>,
///     calls: Journal<u64>,
/// }
///
/// impl Extension for Node {
///     fn checkpoint(&mut self) {
///         self.balances.checkpoint();
///         self.calls.checkpoint();
///     }
///     fn rollback(&mut self) {
///         self.balances.rollback();
///         self.calls.rollback();
///     }
///     fn commit(&mut self) {
///         self.balances.commit();
///         self.calls.commit();
///     }
/// }
///
/// // Host functions reach it with
/// // `host.extension().and_then(|e| e.downcast_mut::<Node>())`.
/// let rt = Runtime::builder(MemKv::new())
///     .journaled_extension(Node::default())
///     .build()?;
/// assert_eq!(rt.with_extension(|n: &mut Node| *n.calls), Some(0));
/// # Ok::<(), strata_runtime::RuntimeError>(())
/// ```
///
/// [`Runtime::with_extension`]: crate::Runtime::with_extension
/// [`RuntimeBuilder::extension`]: crate::RuntimeBuilder::extension
/// [`RuntimeBuilder::journaled_extension`]: crate::RuntimeBuilder::journaled_extension
/// [`Host::extension`]: strata_host_fns::Host::extension
pub trait Extension: Any + Send {
    /// Opens a level: changes from now on belong to it.
    fn checkpoint(&mut self);
    /// Closes the innermost level, undoing every change made since its
    /// `checkpoint` (its inner levels' committed changes included).
    fn rollback(&mut self);
    /// Closes the innermost level, keeping its changes: they now belong to
    /// the enclosing level (and are permanent when there is none).
    fn commit(&mut self);
}

/// A value whose changes follow the transaction: read it through `Deref`,
/// change it through `DerefMut` (or [`get_mut`](Self::get_mut)), which
/// copies the value on the first change of each open level, so that a
/// rollback restores the copy. Cost: one `clone` per level that changes it;
/// for large state use [`JournalMap`].
///
/// `T` must own its state: a change made through shared interior
/// mutability (an `Rc<RefCell<..>>`, an `Arc<Mutex<..>>`) is not copied
/// and cannot be undone.
///
/// ```
/// use strata_runtime::{Extension, Journal};
///
/// let mut j = Journal::new(vec![1]);
/// j.checkpoint();
/// j.push(2);
/// j.rollback();
/// assert_eq!(*j, [1]);
/// j.checkpoint();
/// j.push(3);
/// j.commit();
/// assert_eq!(*j, [1, 3]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Journal<T> {
    value: T,
    /// One entry per open level: the value as the level found it, copied
    /// on the level's first change (`None` until then).
    levels: Vec<Option<T>>,
}

impl<T: Clone> Journal<T> {
    /// `value`, with no level open.
    pub fn new(value: T) -> Self {
        Journal {
            value,
            levels: Vec::new(),
        }
    }

    /// The value, to change: copied first if this is the innermost open
    /// level's first change.
    pub fn get_mut(&mut self) -> &mut T {
        if let Some(top @ None) = self.levels.last_mut() {
            *top = Some(self.value.clone());
        }
        &mut self.value
    }

    /// How many levels are open (0 between blocks).
    pub fn depth(&self) -> usize {
        self.levels.len()
    }

    /// The value, with whatever the open levels changed.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Journal<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Clone> DerefMut for Journal<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.get_mut()
    }
}

impl<T: Clone + Send + 'static> Extension for Journal<T> {
    fn checkpoint(&mut self) {
        self.levels.push(None);
    }

    fn rollback(&mut self) {
        if let Some(Some(before)) = self.levels.pop() {
            self.value = before;
        }
    }

    fn commit(&mut self) {
        // The level's copy is what the enclosing level found too, unless
        // that one changed the value before (and holds its own copy).
        if let Some(Some(before)) = self.levels.pop()
            && let Some(parent @ None) = self.levels.last_mut()
        {
            *parent = Some(before);
        }
    }
}

/// An ordered map whose changes follow the transaction: each
/// [`insert`](Self::insert) or [`remove`](Self::remove) made while a level
/// is open records the key's old value, and a rollback puts the old values
/// back, newest first. A level costs what it changes. There is no `get_mut`
/// (a change must go through `insert`, so it is recorded).
///
/// ```
/// use strata_runtime::{Extension, JournalMap};
///
/// let mut balances = JournalMap::new();
/// balances.insert("alice", 10);
/// balances.checkpoint();
/// balances.insert("alice", 20);
/// balances.insert("bob", 5);
/// balances.rollback();
/// assert_eq!(balances.get(&"alice"), Some(&10));
/// assert_eq!(balances.get(&"bob"), None);
/// ```
#[derive(Clone, Debug)]
pub struct JournalMap<K, V> {
    map: BTreeMap<K, V>,
    /// The old value of each change made while a level was open, oldest
    /// first (`None`: the key was absent).
    undo: Vec<(K, Option<V>)>,
    /// Where each open level's changes start in `undo`.
    levels: Vec<usize>,
}

impl<K: Ord + Clone, V: Clone> Default for JournalMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Ord + Clone, V: Clone> JournalMap<K, V> {
    /// An empty map, with no level open.
    pub fn new() -> Self {
        JournalMap {
            map: BTreeMap::new(),
            undo: Vec::new(),
            levels: Vec::new(),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// Sets the value of `key`, returning the old one.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = self.map.insert(key.clone(), value);
        if !self.levels.is_empty() {
            self.undo.push((key, old.clone()));
        }
        old
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let old = self.map.remove(key);
        if old.is_some() && !self.levels.is_empty() {
            self.undo.push((key.clone(), old.clone()));
        }
        old
    }

    /// The entries, in key order.
    pub fn iter(&self) -> std::collections::btree_map::Iter<'_, K, V> {
        self.map.iter()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// How many levels are open (0 between blocks).
    pub fn depth(&self) -> usize {
        self.levels.len()
    }
}

impl<K: Ord + Clone, V: Clone> FromIterator<(K, V)> for JournalMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        JournalMap {
            map: entries.into_iter().collect(),
            undo: Vec::new(),
            levels: Vec::new(),
        }
    }
}

impl<K, V> Extension for JournalMap<K, V>
where
    K: Ord + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    fn checkpoint(&mut self) {
        self.levels.push(self.undo.len());
    }

    fn rollback(&mut self) {
        let Some(start) = self.levels.pop() else {
            return;
        };
        while self.undo.len() > start {
            let Some((key, old)) = self.undo.pop() else {
                break;
            };
            match old {
                Some(v) => self.map.insert(key, v),
                None => self.map.remove(&key),
            };
        }
    }

    fn commit(&mut self) {
        self.levels.pop();
        if self.levels.is_empty() {
            self.undo.clear();
        }
    }
}

/// The embedder's state as the runtime holds it: unjournaled (the older
/// [`RuntimeBuilder::extension`](crate::RuntimeBuilder::extension)) or an
/// [`Extension`], with the levels the runtime opened.
pub(crate) struct ExtensionSlot {
    state: Held,
    /// Levels opened and not yet closed.
    depth: usize,
}

enum Held {
    Plain(Box<dyn Any + Send>),
    Journaled(Box<dyn Extension>),
}

impl ExtensionSlot {
    pub fn plain(state: Box<dyn Any + Send>) -> Self {
        ExtensionSlot {
            state: Held::Plain(state),
            depth: 0,
        }
    }

    pub fn journaled(state: Box<dyn Extension>) -> Self {
        ExtensionSlot {
            state: Held::Journaled(state),
            depth: 0,
        }
    }

    /// The state as the embedder registered it, to downcast.
    pub fn any_mut(&mut self) -> &mut dyn Any {
        match &mut self.state {
            Held::Plain(state) => &mut **state,
            Held::Journaled(state) => {
                let state: &mut dyn Extension = &mut **state;
                state
            }
        }
    }

    /// Opens a level; returns the depth before it, for
    /// [`close`](Self::close).
    pub fn checkpoint(&mut self) -> usize {
        let before = self.depth;
        self.depth += 1;
        if let Held::Journaled(state) = &mut self.state {
            state.checkpoint();
        }
        before
    }

    /// Closes the level opened at `depth` (the value its
    /// [`checkpoint`](Self::checkpoint) returned): committed if `keep`,
    /// else rolled back. Levels still open inside it are rolled back first:
    /// only a failure (a fatal error in a nested call) leaves one open.
    pub fn close(&mut self, depth: usize, keep: bool) {
        while self.depth > depth {
            let innermost_wanted = self.depth == depth + 1;
            self.depth -= 1;
            if let Held::Journaled(state) = &mut self.state {
                if keep && innermost_wanted {
                    state.commit();
                } else {
                    state.rollback();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_levels_nest() {
        let mut j = Journal::new(0u32);
        *j = 1; // no level open: permanent
        j.checkpoint(); // block
        j.checkpoint(); // transaction
        *j = 2;
        j.checkpoint(); // nested call
        *j = 3;
        j.rollback();
        assert_eq!(*j, 2, "only the nested call is undone");
        j.checkpoint();
        *j = 4;
        j.commit();
        assert_eq!(*j, 4);
        j.commit(); // the transaction joins the block
        j.checkpoint(); // a failing transaction
        *j = 5;
        j.rollback();
        assert_eq!(*j, 4);
        j.rollback(); // the block is abandoned
        assert_eq!((*j, j.depth()), (1, 0));
        // A level that did not change the value hands an inner copy up.
        j.checkpoint();
        j.checkpoint();
        *j = 6;
        j.commit();
        j.rollback();
        assert_eq!(*j, 1);
        j.rollback(); // nothing open: nothing to do
        j.commit();
        assert_eq!(j.into_inner(), 1);
    }

    #[test]
    fn journal_map_levels_nest() {
        let mut m: JournalMap<u8, i64> = [(1, 10)].into_iter().collect();
        m.checkpoint();
        m.insert(1, 20);
        m.insert(2, 1);
        m.checkpoint();
        m.remove(&1);
        m.insert(2, 2);
        m.insert(3, 3);
        m.rollback();
        assert_eq!(m.iter().collect::<Vec<_>>(), [(&1, &20), (&2, &1)]);
        m.checkpoint();
        m.insert(3, 3);
        m.commit();
        m.rollback();
        assert_eq!(m.iter().collect::<Vec<_>>(), [(&1, &10)]);
        m.checkpoint();
        m.insert(4, 4);
        m.commit();
        assert_eq!((m.len(), m.depth(), m.undo.len()), (2, 0, 0));
        m.rollback();
        assert!(m.contains_key(&4) && !m.is_empty());
    }

    #[test]
    fn a_slot_closes_what_a_failure_left_open() {
        let mut slot = ExtensionSlot::journaled(Box::new(Journal::new(0u8)));
        let value = |s: &mut ExtensionSlot| **s.any_mut().downcast_mut::<Journal<u8>>().unwrap();
        let block = slot.checkpoint();
        let tx = slot.checkpoint();
        **slot.any_mut().downcast_mut::<Journal<u8>>().unwrap() = 1;
        slot.checkpoint(); // a nested call that a fatal error left open
        **slot.any_mut().downcast_mut::<Journal<u8>>().unwrap() = 2;
        slot.close(tx, false);
        assert_eq!(value(&mut slot), 0);
        let tx = slot.checkpoint();
        **slot.any_mut().downcast_mut::<Journal<u8>>().unwrap() = 3;
        slot.close(tx, true);
        slot.close(block, true);
        assert_eq!((value(&mut slot), slot.depth, block), (3, 0, 0));
        let mut plain = ExtensionSlot::plain(Box::new(7u8));
        plain.checkpoint();
        *plain.any_mut().downcast_mut::<u8>().unwrap() = 8;
        plain.close(0, false);
        assert_eq!(*plain.any_mut().downcast_mut::<u8>().unwrap(), 8);
    }
}
